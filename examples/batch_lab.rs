//! A loopback lab for the batch benchmark (`bench/batch.sh`): many domains on a few mail servers,
//! the shape of hosted mail.
//!
//! `--domains N` (default 200) domains `d<n>.batch.test`, each with its own MX host name
//! `d<n>.mx.batch.test` resolving to two of `--servers S` (default 20) loopback addresses, so
//! nothing is shared by name and each address is probed once per domain; and N domains
//! `s<n>.batch.test` whose MX hosts are the S/2 names `shared<k>.mx.batch.test` (2 addresses each),
//! as when many customers of one provider share its MX hosts. Every server waits `--delay-ms`
//! (default 20) before each reply, standing in for a network round trip. Every leaf names a CRL
//! and an OCSP responder on a loopback HTTP server.
//!
//! Prints `READY <dns-addr> <port> <trust-file> <domains-file> <shared-domains-file>` and serves
//! until standard input closes or says `stats`, to which it answers `CONNECTIONS <n> PEAK <n>`
//! (connections accepted by all servers, and the most open at once at any one server).

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, Write};
use std::time::Duration;

use support::dns::{TestDns, Zone};
use support::env::Env;
use support::http::{HttpServer, Reply};
use support::net::Net;
use support::pki::{rustls_server_config, LeafSpec, OcspSigner, OcspStatus};
use support::smtp::{SmtpServer, SmtpServerConfig};

fn main() {
    let (mut domains, mut servers_n, mut delay_ms) = (200usize, 20u8, 20u64);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next();
        match a.as_str() {
            "--domains" => domains = v.and_then(|v| v.parse().ok()).unwrap_or(domains),
            "--servers" => servers_n = v.and_then(|v| v.parse().ok()).unwrap_or(servers_n),
            "--delay-ms" => delay_ms = v.and_then(|v| v.parse().ok()).unwrap_or(delay_ms),
            _ => {}
        }
    }
    assert!((2..=200).contains(&servers_n), "--servers must be 2..=200");
    // The PKI, and the trust and domain files in a temporary directory removed on exit.
    let env = Env::new();
    let pki = &env.pki;

    let http_addr = Net::BATCH_LAB_HTTP.free(1);
    let mut spec = LeafSpec::new(["*.mx.batch.test"]);
    spec.crl_url = Some(format!("http://{http_addr}/ca.crl"));
    spec.ocsp_url = Some(format!("http://{http_addr}/ocsp"));
    let leaf = pki.leaf(spec);
    let crl = pki.current_crl(&[]);
    let ocsp = pki.ocsp_response(&leaf.cert_der, OcspStatus::Good, OcspSigner::Issuer);
    let http = HttpServer::start_delayed(
        http_addr,
        vec![("/ca.crl", Reply::crl(crl)), ("/ocsp", Reply::ocsp(ocsp))],
        Duration::from_millis(delay_ms),
    )
    .unwrap();

    let tls = rustls_server_config(&leaf);
    let server_ip = |k: usize| Net::BATCH_LAB.ip(1 + (k % usize::from(servers_n)) as u8);
    let mut port = 0;
    let mut servers = Vec::new();
    for k in 0..usize::from(servers_n) {
        let mut cfg = SmtpServerConfig::starttls(tls.clone());
        cfg.reply_delay = Duration::from_millis(delay_ms);
        let server = SmtpServer::start_blocking((server_ip(k), port).into(), cfg).unwrap();
        port = server.addr.port();
        servers.push(server);
    }

    let mut zone = Zone::new();
    let mut own = String::new();
    let mut shared = String::new();
    let shared_hosts = usize::from(servers_n) / 2;
    for n in 0..domains {
        let host = format!("d{n}.mx.batch.test");
        zone = zone
            .mx(&format!("d{n}.batch.test"), 10, &host)
            .a(&host, server_ip(2 * n))
            .a(&host, server_ip(2 * n + 1));
        own.push_str(&format!("d{n}.batch.test\n"));
        let k = n % shared_hosts;
        zone = zone.mx(
            &format!("s{n}.batch.test"),
            10,
            &format!("shared{k}.mx.batch.test"),
        );
        shared.push_str(&format!("s{n}.batch.test\n"));
    }
    for k in 0..shared_hosts {
        let host = format!("shared{k}.mx.batch.test");
        zone = zone
            .a(&host, server_ip(2 * k))
            .a(&host, server_ip(2 * k + 1));
    }
    let own_file = env.write("domains.txt", &own);
    let shared_file = env.write("shared-domains.txt", &shared);
    let dns = TestDns::start_blocking(zone);
    println!(
        "READY {} {} {} {} {}",
        dns.addr,
        port,
        env.trust.display(),
        own_file.display(),
        shared_file.display()
    );
    std::io::stdout().flush().unwrap();

    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim() == "stats" {
            let c: usize = servers.iter().map(|s| s.connections()).sum();
            // A close is seen up to one reply delay late.
            let slack = Duration::from_millis(delay_ms + 20);
            let peak = servers
                .iter()
                .map(|s| s.peak_open(slack))
                .max()
                .unwrap_or(0);
            println!("CONNECTIONS {c} PEAK {peak} HTTP {}", http.requests().len());
            std::io::stdout().flush().unwrap();
        }
    }
}
