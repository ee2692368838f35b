//! A loopback lab for the benchmark (`bench/probe.sh`): a DNS server for `bench.test` with three
//! MX hosts of two addresses each, and one STARTTLS SMTP server per address that waits
//! `--delay-ms` before every reply to stand in for a network round trip.
//!
//! Every leaf names a CRL and an OCSP responder on a loopback HTTP server that also waits
//! `--delay-ms` before each answer, so the cost of revocation checking can be measured.
//!
//! `one.bench.test` is a one-MX domain (`solo.bench.test`, the first server's address alone,
//! named in the first leaf too), for the latency benchmark (`bench/latency.sh`).
//!
//! Prints `READY <dns-addr> <port> <trust-file>` and then serves until standard input closes or
//! says `stats`, to which it answers `CONNECTIONS <n> HANDSHAKES <n> HTTP <n>` (totals over all
//! servers).

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::BufRead;
use std::time::Duration;

use support::dns::{TestDns, Zone};
use support::env::Env;
use support::http::{HttpServer, Reply};
use support::net::Net;
use support::pki::{rustls_server_config, LeafSpec, OcspSigner, OcspStatus};
use support::smtp::{SmtpServer, SmtpServerConfig};

/// The lab's addresses, 127.0.77.x.
const NET: Net = Net::LOOPBACK_LAB;

fn main() {
    let mut delay_ms = 20u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--delay-ms" {
            delay_ms = args.next().and_then(|v| v.parse().ok()).unwrap_or(delay_ms);
        }
    }
    // The PKI, and the trust file in a temporary directory removed on exit.
    let env = Env::new();
    let pki = &env.pki;

    let mut zone = Zone::new();
    let mut servers = Vec::new();
    let mut port = 0;
    // The CRL and OCSP server: its address is fixed first so leaves can name it.
    let http_addr = NET.free(2);
    let mut routes = vec![("/ca.crl".to_string(), Reply::crl(pki.current_crl(&[])))];
    for host in 1..=3u8 {
        let name = format!("mx{host}.bench.test");
        zone = zone.mx("bench.test", u16::from(host) * 10, &name);
        let mut names = vec![name.clone()];
        if host == 1 {
            names.push("solo.bench.test".into());
        }
        let mut spec = LeafSpec::new(names);
        spec.crl_url = Some(format!("http://{http_addr}/ca.crl"));
        spec.ocsp_url = Some(format!("http://{http_addr}/ocsp{host}"));
        let leaf = pki.leaf(spec);
        routes.push((
            format!("/ocsp{host}"),
            Reply::ocsp(pki.ocsp_response(&leaf.cert_der, OcspStatus::Good, OcspSigner::Issuer)),
        ));
        let tls = rustls_server_config(&leaf);
        for addr in 1..=2u8 {
            let last = host * 10 + addr;
            zone = zone.a(&name, NET.ip(last));
            let mut cfg = SmtpServerConfig::starttls(tls.clone());
            cfg.reply_delay = Duration::from_millis(delay_ms);
            let server = SmtpServer::start_blocking(NET.at(last, port), cfg).unwrap();
            port = server.addr.port();
            servers.push(server);
        }
    }
    zone = zone
        .mx("one.bench.test", 10, "solo.bench.test")
        .a("solo.bench.test", NET.ip(11));
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
    println!("READY {} {} {}", dns.addr, port, env.trust.display());

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
}
