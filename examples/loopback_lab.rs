//! A loopback lab for the benchmark (`bench/probe.sh`): a DNS server for `bench.test` with three
//! MX hosts of two addresses each, and one STARTTLS SMTP server per address that waits
//! `--delay-ms` before every reply to stand in for a network round trip.
//!
//! Prints `READY <dns-addr> <port> <trust-file>` and then serves until standard input closes or
//! says `stats`, to which it answers `CONNECTIONS <n> HANDSHAKES <n>` (totals over all servers).

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::BufRead;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use support::dns::{TestDns, Zone};
use support::pki::{rustls_server_config, LeafSpec, TestPki};
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
    for host in 1..=3u8 {
        let name = format!("mx{host}.bench.test");
        zone = zone.mx("bench.test", u16::from(host) * 10, &name);
        let leaf = pki.leaf(LeafSpec::new([name.clone()]));
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
    let dns = TestDns::start_blocking(zone);
    println!("READY {} {} {}", dns.addr, port, trust.display());

    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim() == "stats" {
            let c: usize = servers.iter().map(|s| s.connections()).sum();
            let h: usize = servers.iter().map(|s| s.tls_handshakes()).sum();
            println!("CONNECTIONS {c} HANDSHAKES {h}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
