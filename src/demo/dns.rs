//! The demo's DNS: an authoritative server on 127.0.0.1 (UDP and TCP, one ephemeral port) that
//! the demo run uses through `--resolver`'s plumbing, like any server given there.
//!
//! It is hickory-server's own authoritative server (its `Catalog` and in-memory zone handler),
//! from the same hickory release as the resolver. The zone it holds is the root, so it answers
//! for every name: each demo domain's MX record and each MX host's A record, NODATA for the other
//! types at those names, and NXDOMAIN for everything else. hickory-server bounds what it reads
//! (one datagram per UDP query, a length-prefixed message and an idle timeout per TCP
//! connection).

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use hickory_server::net::runtime::TokioRuntimeProvider;
use hickory_server::proto::rr::rdata::{A, MX, SOA};
use hickory_server::proto::rr::{LowerName, Name, RData, Record};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};
use hickory_server::Server;

/// TTL of every record (the run lasts seconds; nothing else caches them).
const TTL: u32 = 60;
/// Idle time after which the server closes a TCP connection.
const TCP_IDLE: Duration = Duration::from_secs(5);
/// hickory-server's buffer of responses waiting to be written, per TCP connection.
const TCP_RESPONSE_BUFFER: usize = 32;

/// One demo domain's MX record and its host's address.
pub struct Delegation<'a> {
    pub domain: &'a str,
    pub mx: &'a str,
    pub ip: Ipv4Addr,
}

#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    #[error("bad demo zone name {name:?}: {source}")]
    Name {
        name: String,
        source: hickory_server::proto::ProtoError,
    },
    #[error("cannot add {0} to the demo zone")]
    Record(String),
    #[error("cannot bind the demo DNS server on 127.0.0.1: {0}")]
    Bind(io::Error),
}

/// A running demo DNS server; it stops when dropped.
pub struct DnsServer {
    /// 127.0.0.1 and the port it serves on, over UDP and TCP.
    pub addr: SocketAddr,
    _server: Server<Catalog>,
}

/// Serves the zone of `delegations` on 127.0.0.1. Must be called inside the runtime.
pub fn start(delegations: &[Delegation<'_>]) -> Result<DnsServer, DnsError> {
    let mut zone = InMemoryZoneHandler::<TokioRuntimeProvider>::empty(
        Name::root(),
        ZoneType::Primary,
        AxfrPolicy::Deny,
    );
    let name = |n: &str| {
        Name::from_ascii(format!("{}.", n.trim_end_matches('.'))).map_err(|source| DnsError::Name {
            name: n.to_string(),
            source,
        })
    };
    let soa = SOA::new(
        name("ns.demo.example")?,
        name("hostmaster.demo.example")?,
        1,
        3600,
        600,
        86400,
        TTL,
    );
    let mut records = vec![Record::from_rdata(Name::root(), TTL, RData::SOA(soa))];
    for d in delegations {
        let mx = name(d.mx)?;
        records.push(Record::from_rdata(
            name(d.domain)?,
            TTL,
            RData::MX(MX::new(10, mx.clone())),
        ));
        records.push(Record::from_rdata(mx, TTL, RData::A(A(d.ip))));
    }
    for record in records {
        let shown = record.to_string();
        if !zone.upsert_mut(record, 1) {
            return Err(DnsError::Record(shown));
        }
    }
    let mut catalog = Catalog::new();
    catalog.upsert(LowerName::from(Name::root()), vec![Arc::new(zone)]);

    let (udp, tcp) = bind_pair().map_err(DnsError::Bind)?;
    let addr = udp.local_addr().map_err(DnsError::Bind)?;
    let udp = tokio::net::UdpSocket::from_std(udp).map_err(DnsError::Bind)?;
    let tcp = tokio::net::TcpListener::from_std(tcp).map_err(DnsError::Bind)?;
    let mut server = Server::new(catalog);
    server.register_socket(udp);
    server.register_listener(tcp, TCP_IDLE, TCP_RESPONSE_BUFFER);
    Ok(DnsServer {
        addr,
        _server: server,
    })
}

/// UDP on an ephemeral port of 127.0.0.1, and TCP on the same port; another process may hold
/// that TCP port, so a few ports are tried.
fn bind_pair() -> io::Result<(UdpSocket, TcpListener)> {
    let mut last = io::Error::from(io::ErrorKind::AddrInUse);
    for _ in 0..16 {
        let udp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
        match TcpListener::bind(udp.local_addr()?) {
            Ok(tcp) => {
                udp.set_nonblocking(true)?;
                tcp.set_nonblocking(true)?;
                return Ok((udp, tcp));
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::{Dns, MxAnswer};
    use crate::vocab::{FailureKind, Families};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn answers_mx_a_nodata_and_nxdomain() {
        let ip = Ipv4Addr::new(127, 0, 0, 2);
        let server = start(&[Delegation {
            domain: "good.example",
            mx: "mx.good.example",
            ip,
        }])
        .unwrap();
        let dns = Dns::server(server.addr, Duration::from_secs(4)).unwrap();
        let MxAnswer::Hosts { records, .. } = dns.mx("good.example").await.unwrap() else {
            panic!("no MX")
        };
        assert_eq!(records[0].exchange, "mx.good.example");
        assert_eq!(
            dns.addresses("mx.good.example", Families::Any)
                .await
                .unwrap(),
            vec![std::net::IpAddr::V4(ip)]
        );
        let e = dns
            .addresses("mx.other.example", Families::Any)
            .await
            .unwrap_err();
        assert_eq!(e.kind, FailureKind::Nxdomain);
        let e = dns
            .addresses("contoso.com", Families::V4)
            .await
            .unwrap_err();
        assert_eq!(e.kind, FailureKind::Nxdomain);
    }
}
