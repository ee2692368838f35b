//! A loopback lab for the benchmark (`bench/probe.sh`): a DNS server for `bench.test` with three
//! MX hosts of two addresses each, and one STARTTLS SMTP server per address that waits
//! `--delay-ms` before every reply to stand in for a network round trip.
//!
//! Every leaf names a CRL and an OCSP responder on a loopback HTTP server that also waits
//! `--delay-ms` before each answer, so the cost of revocation checking can be measured.
//!
//! Prints `READY <dns-addr> <port> <trust-file>` and then serves until standard input closes or
//! says `stats`, to which it answers `CONNECTIONS <n> HANDSHAKES <n> HTTP <n>` (totals over all
//! servers).

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::BufRead;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use support::dns::{TestDns, Zone};
use support::http::{HttpServer, Reply};
use support::pki::{rustls_server_config, LeafSpec, OcspSigner, OcspStatus, TestPki};
use support::smtp::{SmtpServer, SmtpServerConfig};

fn main() {
    let mut delay_ms = 20u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--delay-ms" {
            delay_ms = args.next().and_then(|v| v.parse().ok()).unwrap_or(delay_ms);
        }
    }
    let pki = TestPki::new();
    let dir = std::env::temp_dir().join(format!("tlscheck-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trust = pki.write_trust_file(&dir);

    let mut zone = Zone::new();
    let mut servers = Vec::new();
    let mut port = 0;
    // The CRL and OCSP server: its address is fixed first so leaves can name it.
    let http_addr = SocketAddr::new(
        IpAddr::V4(Ipv4Addr::new(127, 0, 77, 2)),
        std::net::TcpListener::bind("127.0.77.2:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap(),
    );
    let now = time::OffsetDateTime::now_utc();
    let mut routes = vec![(
        "/ca.crl".to_string(),
        Reply::Body(
            "application/pkix-crl",
            pki.crl(
                &[],
                now - time::Duration::hours(1),
                now + time::Duration::days(7),
                false,
            ),
        ),
    )];
    for host in 1..=3u8 {
        let name = format!("mx{host}.bench.test");
        zone = zone.mx("bench.test", u16::from(host) * 10, &name);
        let mut spec = LeafSpec::new([name.clone()]);
        spec.crl_url = Some(format!("http://{http_addr}/ca.crl"));
        spec.ocsp_url = Some(format!("http://{http_addr}/ocsp{host}"));
        let leaf = pki.leaf(spec);
        routes.push((
            format!("/ocsp{host}"),
            Reply::Body(
                "application/ocsp-response",
                pki.ocsp_response(&leaf.cert_der, OcspStatus::Good, OcspSigner::Issuer),
            ),
        ));
        let tls = rustls_server_config(&leaf);
        for addr in 1..=2u8 {
            let ip = Ipv4Addr::new(127, 0, 77, host * 10 + addr);
            zone = zone.a(&name, ip);
            let mut cfg = SmtpServerConfig::starttls(tls.clone());
            cfg.reply_delay = Duration::from_millis(delay_ms);
            let server =
                SmtpServer::start_blocking(SocketAddr::new(IpAddr::V4(ip), port), cfg).unwrap();
            port = server.addr.port();
            servers.push(server);
        }
    }
    let http = HttpServer::start_delayed(
        http_addr,
        routes
            .iter()
            .map(|(p, r)| (p.as_str(), r.clone()))
            .collect(),
        Duration::from_millis(delay_ms),
    )
    .unwrap();
    let dns = TestDns::start_blocking(zone);
    println!("READY {} {} {}", dns.addr, port, trust.display());

    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim() == "stats" {
            let c: usize = servers.iter().map(|s| s.connections()).sum();
            let h: usize = servers.iter().map(|s| s.tls_handshakes()).sum();
            println!(
                "CONNECTIONS {c} HANDSHAKES {h} HTTP {}",
                http.requests().len()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
