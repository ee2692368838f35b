//! A scripted in-process SMTP server for exercising the STARTTLS/TLS probe.
//!
//! It speaks just enough SMTP for a TLS checker: greeting, EHLO/HELO, STARTTLS
//! (handing the same socket to rustls and carrying on with the same command loop
//! inside TLS), MAIL (answered [`SmtpServerConfig::mail_reply`]; no RCPT, no DATA),
//! RSET, NOOP and QUIT; everything else is `500`. It records every command line and
//! the SNI of every handshake. Misbehaviour worth
//! diagnosing is scripted through [`SmtpServerConfig`]: a silent or refusing
//! greeting, STARTTLS advertised but refused, implicit TLS (SMTPS), and a delay
//! before every reply to stand in for network round-trip time. Counters let tests
//! assert how many connections and completed TLS handshakes the client made.

use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use super::pki::{rustls_server_config, Leaf};
use super::runner::Runner;

/// Longest command line accepted, CRLF included (RFC 5321 only needs 512; the
/// slack tolerates clients that send long EHLO arguments).
const MAX_LINE: usize = 4096;

/// What the server says first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Greeting {
    /// `220 <ehlo_name> ESMTP tlscheck test server`.
    Normal,
    /// Accept the connection and never send a byte; the socket stays open until
    /// the client closes it (what a tarpit or a wedged server looks like).
    Silent,
    /// Exactly this text (CRLF added if missing; embed `\r\n` for a multi-line
    /// reply). A `4xx` greeting such as `421 4.7.0 Too many connections` closes the
    /// connection right after it, as real servers do; a `5xx` greeting (`554`)
    /// keeps it open but answers every command except QUIT with `503`
    /// (RFC 5321 3.1).
    Custom(String),
}

/// How a [`SmtpServer`] behaves. Start from [`SmtpServerConfig::plain`] or
/// [`SmtpServerConfig::starttls`] and adjust fields with struct-update syntax.
#[derive(Clone, Debug)]
pub struct SmtpServerConfig {
    pub greeting: Greeting,
    /// Advertise `STARTTLS` in the EHLO reply (only outside TLS).
    pub offer_starttls: bool,
    /// Reply to STARTTLS; `None` = `220 2.0.0 Ready to start TLS`. A non-2xx reply
    /// such as `454 4.7.0 TLS not available` is sent and the session stays in
    /// plain text.
    pub starttls_reply: Option<String>,
    /// The TLS identity for STARTTLS and implicit TLS. STARTTLS without it is
    /// answered `502` even when advertised.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// TLS handshake right after accept, greeting inside TLS (SMTPS, port 465).
    /// Requires `tls`.
    pub implicit_tls: bool,
    /// Sleep before every reply, greeting included (simulated round-trip time).
    pub reply_delay: Duration,
    /// Host name in the greeting and the EHLO/HELO reply.
    pub ehlo_name: String,
    /// Reply to MAIL FROM; `None` = `250 2.1.0 Ok`. A `421` reply closes the connection
    /// after it, as real servers do.
    pub mail_reply: Option<String>,
    /// Close the connection, without a word, after the reply to RSET (a server that hangs up on
    /// a client it did not like).
    pub close_after_rset: bool,
}

impl SmtpServerConfig {
    /// Plain SMTP: normal greeting, no STARTTLS advertised, no TLS, no delay.
    pub fn plain() -> SmtpServerConfig {
        SmtpServerConfig {
            greeting: Greeting::Normal,
            offer_starttls: false,
            starttls_reply: None,
            tls: None,
            implicit_tls: false,
            reply_delay: Duration::ZERO,
            ehlo_name: "mx.test".to_string(),
            mail_reply: None,
            close_after_rset: false,
        }
    }

    /// A well-behaved STARTTLS server presenting `tls`.
    pub fn starttls(tls: Arc<rustls::ServerConfig>) -> SmtpServerConfig {
        SmtpServerConfig {
            offer_starttls: true,
            tls: Some(tls),
            ..SmtpServerConfig::plain()
        }
    }

    /// SMTPS: TLS from the first byte, no STARTTLS.
    pub fn implicit_tls(tls: Arc<rustls::ServerConfig>) -> SmtpServerConfig {
        SmtpServerConfig {
            tls: Some(tls),
            implicit_tls: true,
            ..SmtpServerConfig::plain()
        }
    }
}

impl Default for SmtpServerConfig {
    fn default() -> Self {
        SmtpServerConfig::plain()
    }
}

/// State shared by the accept loop and every connection task.
struct Shared {
    cfg: SmtpServerConfig,
    acceptor: Option<TlsAcceptor>,
    tls_handshakes: AtomicUsize,
    /// Every command line received, in order, with the connection (its index) it came on.
    commands: Mutex<Vec<(usize, String)>>,
    /// The SNI of every completed handshake (`None`: the client sent none).
    snis: Mutex<Vec<Option<String>>>,
    /// When each connection was accepted and when the server saw it end (`None`: still open).
    spans: Mutex<Vec<(Instant, Option<Instant>)>>,
}

/// A running scripted SMTP server; it stops (and drops its connections) when dropped.
pub struct SmtpServer {
    /// The bound address (with the real port when bound to port 0).
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    _runner: Runner,
}

impl std::fmt::Debug for SmtpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpServer")
            .field("addr", &self.addr)
            .field("connections", &self.connections())
            .field("tls_handshakes", &self.tls_handshakes())
            .finish()
    }
}

impl SmtpServer {
    /// Binds `bind` (e.g. `127.0.0.1:0`, or a specific loopback address and port)
    /// and serves on the current tokio runtime. The tasks only run while that
    /// runtime does: from a current-thread `#[tokio::test]`, do not block the
    /// thread on something that needs this server.
    pub async fn start(bind: SocketAddr, cfg: SmtpServerConfig) -> io::Result<SmtpServer> {
        let (listener, shared) = prepare(bind, cfg)?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(serve(listener, shared.clone()));
        Ok(SmtpServer {
            addr,
            shared,
            _runner: Runner::Task(task),
        })
    }

    /// Like [`SmtpServer::start`] but on its own thread and runtime, for tests
    /// that are not async. Serves until dropped.
    pub fn start_blocking(bind: SocketAddr, cfg: SmtpServerConfig) -> io::Result<SmtpServer> {
        let (listener, shared) = prepare(bind, cfg)?;
        let addr = listener.local_addr()?;
        let for_thread = shared.clone();
        let runner = Runner::thread("test-smtp", move || serve(listener, for_thread));
        Ok(SmtpServer {
            addr,
            shared,
            _runner: runner,
        })
    }

    /// A STARTTLS server on its own thread that sends `chain` (leaf first; any bytes at all) with
    /// `leaf`'s key and names itself `ehlo_name`: a server with a hostile certificate chain.
    pub fn presenting(
        bind: SocketAddr,
        leaf: &Leaf,
        chain: Vec<Vec<u8>>,
        ehlo_name: &str,
    ) -> io::Result<SmtpServer> {
        let leaf = Leaf {
            chain_der: chain,
            ..leaf.clone()
        };
        let cfg = SmtpServerConfig {
            ehlo_name: ehlo_name.to_string(),
            ..SmtpServerConfig::starttls(rustls_server_config(&leaf))
        };
        SmtpServer::start_blocking(bind, cfg)
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.spans.lock().unwrap().len()
    }

    /// TLS handshakes completed so far (STARTTLS and implicit TLS).
    pub fn tls_handshakes(&self) -> usize {
        self.shared.tls_handshakes.load(Ordering::SeqCst)
    }

    /// Every command line received so far (all connections, in order).
    pub fn commands(&self) -> Vec<String> {
        let commands = self.shared.commands.lock().unwrap();
        commands.iter().map(|(_, c)| c.clone()).collect()
    }

    /// The command lines of each connection that sent any, in the order the connections were
    /// accepted.
    pub fn commands_by_connection(&self) -> Vec<Vec<String>> {
        let commands = self.shared.commands.lock().unwrap();
        let mut by: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
        for (conn, c) in commands.iter() {
            by.entry(*conn).or_default().push(c.clone());
        }
        by.into_values().collect()
    }

    /// The SNI of each completed handshake so far (`None`: none was sent).
    pub fn snis(&self) -> Vec<Option<String>> {
        self.shared.snis.lock().unwrap().clone()
    }

    /// When each connection was accepted, in order.
    pub fn accept_times(&self) -> Vec<Instant> {
        let spans = self.shared.spans.lock().unwrap();
        spans.iter().map(|(start, _)| *start).collect()
    }

    /// The most connections that were open at once, counting each connection as ending `slack`
    /// before the server saw it end: the server notices a close only when it next reads, which
    /// can be up to one `reply_delay` late, so pass at least that to avoid counting overlaps
    /// that did not happen on the client's side.
    pub fn peak_open(&self, slack: Duration) -> usize {
        let now = Instant::now();
        let spans = self.shared.spans.lock().unwrap();
        let mut events: Vec<(Instant, i32)> = Vec::new();
        for (start, end) in spans.iter() {
            let end = end.unwrap_or(now).checked_sub(slack).unwrap_or(*start);
            if end > *start {
                events.push((*start, 1));
                events.push((end, -1));
            }
        }
        // Ends sort before starts at the same instant.
        events.sort();
        let (mut open, mut peak) = (0i32, 0i32);
        for (_, delta) in events {
            open += delta;
            peak = peak.max(open);
        }
        usize::try_from(peak).unwrap_or(0)
    }
}

/// An address on 127.0.0.1 where nothing listens, so connecting is refused.
/// (The port was free a moment ago; another process could take it, which is
/// unlikely enough for tests.)
pub fn closed_port() -> SocketAddr {
    let listener = StdTcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr")
}

/// Binds synchronously so both start functions report bind errors to the caller.
fn prepare(bind: SocketAddr, cfg: SmtpServerConfig) -> io::Result<(StdTcpListener, Arc<Shared>)> {
    if cfg.implicit_tls && cfg.tls.is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "SmtpServerConfig: implicit_tls needs a tls config",
        ));
    }
    let listener = StdTcpListener::bind(bind)?;
    // tokio's from_std requires a non-blocking socket.
    listener.set_nonblocking(true)?;
    let shared = Arc::new(Shared {
        acceptor: cfg.tls.clone().map(TlsAcceptor::from),
        cfg,
        tls_handshakes: AtomicUsize::new(0),
        commands: Mutex::new(Vec::new()),
        snis: Mutex::new(Vec::new()),
        spans: Mutex::new(Vec::new()),
    });
    Ok((listener, shared))
}

async fn serve(listener: StdTcpListener, shared: Arc<Shared>) {
    // Converted here, inside the runtime that will drive it.
    let listener = TcpListener::from_std(listener).expect("register listener with tokio");
    // Connection tasks live in a JoinSet owned by this future, so stopping the
    // server (dropping this future) also aborts every open connection.
    let mut conns = JoinSet::new();
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            // Transient (e.g. out of file descriptors): back off instead of spinning.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let span = {
            let mut spans = shared.spans.lock().unwrap();
            spans.push((Instant::now(), None));
            spans.len() - 1
        };
        while conns.try_join_next().is_some() {}
        let shared = shared.clone();
        conns.spawn(async move {
            handle(tcp, span, shared.clone()).await;
            if let Some(s) = shared.spans.lock().unwrap().get_mut(span) {
                s.1 = Some(Instant::now());
            }
        });
    }
}

async fn handle(tcp: TcpStream, conn: usize, shared: Arc<Shared>) {
    // Replies are small and written whole; without this, reply_delay timings would
    // be blurred by Nagle's algorithm.
    let _ = tcp.set_nodelay(true);
    if shared.cfg.implicit_tls {
        if let Some(tls) = handshake(tcp, &shared).await {
            let _ = session(tls, true, true, conn, &shared).await;
        }
    } else if let Ok(End::StartTls(tcp)) = session(tcp, false, true, conn, &shared).await {
        if let Some(tls) = handshake(tcp, &shared).await {
            let _ = session(tls, true, false, conn, &shared).await;
        }
    }
}

/// Returns `None` (dropping, i.e. closing, the socket) when the handshake fails.
async fn handshake(tcp: TcpStream, shared: &Shared) -> Option<TlsStream<TcpStream>> {
    let tls = shared.acceptor.as_ref()?.accept(tcp).await.ok()?;
    shared.tls_handshakes.fetch_add(1, Ordering::SeqCst);
    let sni = tls.get_ref().1.server_name().map(str::to_string);
    shared.snis.lock().unwrap().push(sni);
    Some(tls)
}

/// How a command loop ended.
enum End<S> {
    Closed,
    /// STARTTLS was accepted; the handshake is to run on this stream.
    StartTls(S),
}

/// The SMTP command loop, generic over the stream so the same code runs in plain
/// text and inside TLS.
async fn session<S>(
    stream: S,
    in_tls: bool,
    greet: bool,
    conn: usize,
    shared: &Shared,
) -> io::Result<End<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let cfg = &shared.cfg;
    let delay = cfg.reply_delay;
    // tokio's BufReader passes writes straight through, so one value serves both ways.
    let mut stream = BufReader::new(stream);
    // After a 5xx greeting only QUIT is honoured.
    let mut refused = false;

    if greet {
        match &cfg.greeting {
            Greeting::Silent => {
                // Swallow whatever the client sends until it gives up and closes.
                let _ = tokio::io::copy(&mut stream, &mut tokio::io::sink()).await;
                return Ok(End::Closed);
            }
            Greeting::Normal => {
                let text = format!("220 {} ESMTP tlscheck test server", cfg.ehlo_name);
                reply(&mut stream, delay, &text).await?;
            }
            Greeting::Custom(text) => {
                reply(&mut stream, delay, text).await?;
                if text.starts_with('4') {
                    let _ = stream.shutdown().await;
                    return Ok(End::Closed);
                }
                refused = !text.starts_with('2');
            }
        }
    }

    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        // `take` bounds how much a client can make us buffer for one line.
        let n = (&mut stream)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            return Ok(End::Closed);
        }
        if !line.ends_with(b"\n") {
            if line.len() > MAX_LINE {
                reply(&mut stream, delay, "500 5.5.2 Line too long").await?;
                let _ = stream.shutdown().await;
            }
            // Otherwise the peer closed mid-line.
            return Ok(End::Closed);
        }

        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let verb = text
            .split_ascii_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        shared
            .commands
            .lock()
            .unwrap()
            .push((conn, text.to_string()));

        if refused {
            if verb == "QUIT" {
                reply(&mut stream, delay, "221 2.0.0 Bye").await?;
                let _ = stream.shutdown().await;
                return Ok(End::Closed);
            }
            reply(&mut stream, delay, "503 5.5.1 No service").await?;
            continue;
        }

        match verb.as_str() {
            "EHLO" => {
                let mut lines = vec![
                    format!("250-{} Hello", cfg.ehlo_name),
                    "250-PIPELINING".to_string(),
                    "250-SIZE 10240000".to_string(),
                ];
                if cfg.offer_starttls && !in_tls {
                    lines.push("250-STARTTLS".to_string());
                }
                lines.push("250 8BITMIME".to_string());
                reply(&mut stream, delay, &lines.join("\r\n")).await?;
            }
            "HELO" => {
                reply(&mut stream, delay, &format!("250 {}", cfg.ehlo_name)).await?;
            }
            "STARTTLS" => {
                let answer = cfg
                    .starttls_reply
                    .as_deref()
                    .unwrap_or("220 2.0.0 Ready to start TLS");
                let go_ahead = answer.starts_with('2');
                if !cfg.offer_starttls || in_tls || (go_ahead && shared.acceptor.is_none()) {
                    reply(&mut stream, delay, "502 5.5.1 Not implemented").await?;
                    continue;
                }
                reply(&mut stream, delay, answer).await?;
                if go_ahead {
                    // Anything the client pipelined after STARTTLS is dropped, not
                    // fed into the TLS layer (the CVE-2011-0411 class of bug).
                    return Ok(End::StartTls(stream.into_inner()));
                }
            }
            "QUIT" => {
                reply(&mut stream, delay, "221 2.0.0 Bye").await?;
                // For TLS this sends close_notify, so clients see a clean close.
                let _ = stream.shutdown().await;
                return Ok(End::Closed);
            }
            "NOOP" => reply(&mut stream, delay, "250 2.0.0 OK").await?,
            "RSET" => {
                reply(&mut stream, delay, "250 2.0.0 OK").await?;
                if cfg.close_after_rset {
                    let _ = stream.shutdown().await;
                    return Ok(End::Closed);
                }
            }
            "MAIL" => {
                let answer = cfg.mail_reply.as_deref().unwrap_or("250 2.1.0 Ok");
                reply(&mut stream, delay, answer).await?;
                if answer.starts_with("421") {
                    let _ = stream.shutdown().await;
                    return Ok(End::Closed);
                }
            }
            _ => reply(&mut stream, delay, "500 5.5.2 Unrecognized").await?,
        }
    }
}

/// Writes one (possibly multi-line) reply in a single write, after `delay`.
async fn reply<W: AsyncWrite + Unpin>(w: &mut W, delay: Duration, text: &str) -> io::Result<()> {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut out = text.trim_end_matches(['\r', '\n']).to_string();
    out.push_str("\r\n");
    w.write_all(out.as_bytes()).await?;
    w.flush().await
}
