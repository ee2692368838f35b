//! A tiny in-process authoritative DNS server for test zones.
//!
//! Tests describe a [`Zone`] (MX, null MX, A, AAAA, TXT, CNAME, and names that answer SERVFAIL
//! or nothing at all) and [`TestDns::start`]
//! serves it on 127.0.0.1 over UDP *and* TCP on the same port, so the code under
//! test can be pointed at `TestDns::addr` instead of the system resolver and never
//! touch the real DNS. Only hickory-proto's message types are used (parse the
//! query, answer from the table, serialize), which keeps the server small enough
//! to read in one sitting: no recursion, no wildcards; a CNAME is followed one step within the
//! zone, as an authoritative server does.

use std::collections::BTreeMap;
use std::io;
use std::net::{
    Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener as StdTcpListener, UdpSocket as StdUdpSocket,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::JoinSet;

use super::runner::Runner;

/// TTL of every answer. Irrelevant to tests, but a resolver cache needs one.
const TTL: u32 = 300;
/// Largest UDP payload we advertise in EDNS (the common "DNS flag day" value).
const EDNS_PAYLOAD: u16 = 1232;

/// The records a [`TestDns`] serves. Names are case-insensitive and may be given
/// with or without the trailing dot.
#[derive(Clone, Debug, Default)]
pub struct Zone {
    /// Lower-case name without trailing dot -> record data at that name.
    records: BTreeMap<String, Vec<RData>>,
    /// Names answered with SERVFAIL, whatever the type.
    servfail: Vec<String>,
    /// Names whose queries are dropped (the client times out).
    silent: Vec<String>,
}

impl Zone {
    /// An empty zone: every name is NXDOMAIN.
    pub fn new() -> Zone {
        Zone::default()
    }

    /// Adds `domain MX preference exchange`.
    pub fn mx(self, domain: &str, preference: u16, exchange: &str) -> Zone {
        self.add(domain, RData::MX(MX::new(preference, fqdn(exchange))))
    }

    /// Adds the RFC 7505 null MX, `domain MX 0 .`.
    pub fn null_mx(self, domain: &str) -> Zone {
        self.mx(domain, 0, ".")
    }

    /// Adds `name A addr`.
    pub fn a(self, name: &str, addr: Ipv4Addr) -> Zone {
        self.add(name, RData::A(A(addr)))
    }

    /// Adds `name AAAA addr`.
    pub fn aaaa(self, name: &str, addr: Ipv6Addr) -> Zone {
        self.add(name, RData::AAAA(AAAA(addr)))
    }

    /// Adds `domain MX preference exchange` with the exchange given as raw labels, which may hold
    /// any bytes (control characters, spaces) that a text name could not.
    pub fn mx_raw(self, domain: &str, preference: u16, labels: &[&[u8]]) -> Zone {
        let exchange = Name::from_labels(labels.iter().copied())
            .unwrap_or_else(|e| panic!("bad raw labels {labels:?}: {e}"));
        self.add(domain, RData::MX(MX::new(preference, exchange)))
    }

    /// Adds `name CNAME target`.
    pub fn cname(self, name: &str, target: &str) -> Zone {
        self.add(name, RData::CNAME(CNAME(fqdn(target))))
    }

    /// Every query for `name` is answered SERVFAIL.
    pub fn servfail(mut self, name: &str) -> Zone {
        self.servfail.push(key(&fqdn(name)));
        self
    }

    /// Every query for `name` is dropped unanswered.
    pub fn silent(mut self, name: &str) -> Zone {
        self.silent.push(key(&fqdn(name)));
        self
    }

    /// Adds `name TXT text`; text longer than 255 bytes is split into several
    /// character-strings, as DNS requires (readers concatenate them).
    pub fn txt(self, name: &str, text: &str) -> Zone {
        let chunks: Vec<&[u8]> = if text.is_empty() {
            vec![&[]]
        } else {
            text.as_bytes().chunks(255).collect()
        };
        self.add(name, RData::TXT(TXT::from_bytes(chunks)))
    }

    fn add(mut self, name: &str, data: RData) -> Zone {
        self.records.entry(key(&fqdn(name))).or_default().push(data);
        self
    }

    fn lookup(&self, name: &Name, qtype: RecordType) -> Lookup {
        let k = key(name);
        if self.servfail.contains(&k) {
            return Lookup::ServFail;
        }
        if self.silent.contains(&k) {
            return Lookup::Silent;
        }
        match self.records.get(&k) {
            Some(all) => {
                let alias = all.iter().find_map(|d| match d {
                    RData::CNAME(c) if qtype != RecordType::CNAME => Some(c.0.clone()),
                    _ => None,
                });
                if let Some(target) = alias {
                    // The CNAME, then the target's records of the type asked (one step).
                    let mut answers = vec![(name.clone(), RData::CNAME(CNAME(target.clone())))];
                    if let Lookup::Found(more) = self.lookup(&target, qtype) {
                        answers.extend(
                            more.into_iter()
                                .filter(|(_, d)| !matches!(d, RData::CNAME(_))),
                        );
                    }
                    return Lookup::Found(answers);
                }
                Lookup::Found(
                    all.iter()
                        .filter(|d| qtype == RecordType::ANY || d.record_type() == qtype)
                        .map(|d| (name.clone(), d.clone()))
                        .collect(),
                )
            }
            None => {
                // A name that only exists because something below it does (an
                // "empty non-terminal") is NODATA, not NXDOMAIN (RFC 8020).
                let suffix = format!(".{k}");
                if self.records.keys().any(|other| other.ends_with(&suffix)) {
                    Lookup::Found(Vec::new())
                } else {
                    Lookup::NxDomain
                }
            }
        }
    }
}

enum Lookup {
    /// The name exists; the records (owner, data) may be none (NODATA).
    Found(Vec<(Name, RData)>),
    NxDomain,
    ServFail,
    /// Drop the query.
    Silent,
}

/// Parses a zone-table name as an absolute name; "." and "" are the root.
fn fqdn(name: &str) -> Name {
    let trimmed = name.trim_end_matches('.');
    if trimmed.is_empty() {
        return Name::root();
    }
    Name::from_ascii(format!("{trimmed}."))
        .unwrap_or_else(|e| panic!("invalid DNS name {name:?} in test zone: {e}"))
}

/// The lookup key: lower case, no trailing dot (so "MX.Example.com." == "mx.example.com").
fn key(name: &Name) -> String {
    name.to_lowercase()
        .to_ascii()
        .trim_end_matches('.')
        .to_string()
}

/// Builds the wire-format answer to one wire-format request, or `None` when the
/// bytes are not a query we can answer at all (garbage, or a response), in which
/// case the request is dropped like a real server would.
fn respond(zone: &Zone, request: &[u8], udp: bool) -> Option<Vec<u8>> {
    let request = Message::from_vec(request).ok()?;
    if request.metadata.message_type != MessageType::Query {
        return None;
    }
    let mut response = Message::response(request.metadata.id, request.metadata.op_code);
    response.metadata.authoritative = true;
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.add_queries(request.queries.iter().cloned());
    // RFC 6891: answer an EDNS query with an OPT record of our own.
    if request.edns.is_some() {
        let mut edns = Edns::new();
        edns.set_max_payload(EDNS_PAYLOAD);
        response.set_edns(edns);
    }

    response.metadata.response_code = if request.metadata.op_code != OpCode::Query {
        ResponseCode::NotImp
    } else if request.queries.len() != 1 {
        ResponseCode::FormErr
    } else {
        let query = &request.queries[0];
        match zone.lookup(query.name(), query.query_type()) {
            Lookup::Found(data) => {
                for (owner, rdata) in data {
                    response.add_answer(Record::from_rdata(owner, TTL, rdata));
                }
                ResponseCode::NoError
            }
            Lookup::NxDomain => ResponseCode::NXDomain,
            Lookup::ServFail => ResponseCode::ServFail,
            Lookup::Silent => return None,
        }
    };

    let bytes = response.to_vec().ok()?;
    if udp {
        let limit = request
            .edns
            .as_ref()
            .map_or(512, |e| e.max_payload().clamp(512, EDNS_PAYLOAD)) as usize;
        if bytes.len() > limit {
            // Sets TC so the client retries over TCP, exactly what a real server does.
            return response.truncate().to_vec().ok();
        }
    }
    Some(bytes)
}

/// A running test DNS server; it stops when dropped.
pub struct TestDns {
    /// 127.0.0.1:port, serving both UDP and TCP.
    pub addr: SocketAddr,
    queries: Arc<AtomicUsize>,
    _runner: Runner,
}

impl std::fmt::Debug for TestDns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDns")
            .field("addr", &self.addr)
            .field("queries", &self.queries())
            .finish()
    }
}

impl TestDns {
    /// Starts serving `zone` as tasks on the current tokio runtime.
    ///
    /// The tasks only make progress while that runtime runs: from a
    /// current-thread `#[tokio::test]`, do not block the thread on something that
    /// needs this server (use [`TestDns::start_blocking`] or a multi-thread runtime).
    pub async fn start(zone: Zone) -> TestDns {
        let (udp, tcp) = bind_pair().expect("bind test DNS sockets on 127.0.0.1");
        let addr = udp.local_addr().expect("local_addr");
        let queries = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(serve(udp, tcp, Arc::new(zone), queries.clone()));
        TestDns {
            addr,
            queries,
            _runner: Runner::Task(task),
        }
    }

    /// Starts serving `zone` on its own thread with its own runtime, for tests
    /// that are not async (e.g. running the CLI binary with assert_cmd). Serves
    /// until dropped.
    pub fn start_blocking(zone: Zone) -> TestDns {
        let (udp, tcp) = bind_pair().expect("bind test DNS sockets on 127.0.0.1");
        let addr = udp.local_addr().expect("local_addr");
        let queries = Arc::new(AtomicUsize::new(0));
        let counter = queries.clone();
        let runner = Runner::thread("test-dns", move || serve(udp, tcp, Arc::new(zone), counter));
        TestDns {
            addr,
            queries,
            _runner: runner,
        }
    }

    /// How many DNS messages (UDP datagrams plus TCP messages) have been received.
    pub fn queries(&self) -> usize {
        self.queries.load(Ordering::SeqCst)
    }
}

/// Binds UDP on an ephemeral 127.0.0.1 port, then TCP on the same port. Another
/// process may already own that TCP port, so a few fresh ports are tried.
fn bind_pair() -> io::Result<(StdUdpSocket, StdTcpListener)> {
    let mut last_err = None;
    for _ in 0..32 {
        let udp = StdUdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
        match StdTcpListener::bind(udp.local_addr()?) {
            Ok(tcp) => {
                // tokio's from_std requires non-blocking sockets.
                udp.set_nonblocking(true)?;
                tcp.set_nonblocking(true)?;
                return Ok((udp, tcp));
            }
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.expect("at least one attempt"))
}

async fn serve(udp: StdUdpSocket, tcp: StdTcpListener, zone: Arc<Zone>, queries: Arc<AtomicUsize>) {
    // Conversion happens here, inside the runtime that will drive the sockets.
    let udp = UdpSocket::from_std(udp).expect("register UDP socket with tokio");
    let tcp = TcpListener::from_std(tcp).expect("register TCP listener with tokio");
    tokio::join!(
        serve_udp(udp, zone.clone(), queries.clone()),
        serve_tcp(tcp, zone, queries)
    );
}

async fn serve_udp(socket: UdpSocket, zone: Arc<Zone>, queries: Arc<AtomicUsize>) {
    let mut buf = vec![0u8; 65535];
    loop {
        let Ok((len, peer)) = socket.recv_from(&mut buf).await else {
            // e.g. ICMP port unreachable from an earlier reply on some platforms.
            continue;
        };
        queries.fetch_add(1, Ordering::SeqCst);
        if let Some(reply) = respond(&zone, &buf[..len], true) {
            let _ = socket.send_to(&reply, peer).await;
        }
    }
}

async fn serve_tcp(listener: TcpListener, zone: Arc<Zone>, queries: Arc<AtomicUsize>) {
    // Owning the connection tasks in a JoinSet means dropping this future (server
    // shutdown) aborts them too, instead of leaking them into the test's runtime.
    let mut conns = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Transient (e.g. out of file descriptors): back off instead of spinning.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        while conns.try_join_next().is_some() {}
        conns.spawn(serve_tcp_conn(stream, zone.clone(), queries.clone()));
    }
}

async fn serve_tcp_conn(mut stream: TcpStream, zone: Arc<Zone>, queries: Arc<AtomicUsize>) {
    // RFC 1035 4.2.2 / RFC 7766: each message is preceded by a 2-byte length, and
    // a client may send several queries on one connection.
    loop {
        let Ok(len) = stream.read_u16().await else {
            return;
        };
        let mut buf = vec![0u8; usize::from(len)];
        if stream.read_exact(&mut buf).await.is_err() {
            return;
        }
        queries.fetch_add(1, Ordering::SeqCst);
        let Some(reply) = respond(&zone, &buf, false) else {
            return;
        };
        let Ok(reply_len) = u16::try_from(reply.len()) else {
            return;
        };
        let mut framed = Vec::with_capacity(reply.len() + 2);
        framed.extend_from_slice(&reply_len.to_be_bytes());
        framed.extend_from_slice(&reply);
        if stream.write_all(&framed).await.is_err() {
            return;
        }
    }
}
