//! A loopback lab of hostile servers for the memory benchmark (`bench/memory.sh`): one DNS server
//! and, for every case, an MX domain `<case>.mem.test` whose MX host(s) misbehave in one way, so
//! the peak RSS of `tlscheck mx <case>.mem.test` can be measured per case.
//!
//! Cases (MX hosts are `mx.<case>.mem.test`, or `mx1`..`mx4` for the 64-address cases):
//! - `good`: a normal STARTTLS server with a valid test-PKI certificate (the baseline);
//! - `line10mb`: the greeting is one 10 MB line;
//! - `lines100k`: a greeting of 100,000 `220-` lines, then `220 end`;
//! - `endless`: after EHLO, `250-PIPELINING` forever;
//! - `drip`: the banner dripped one byte per 100 ms, without end;
//! - `chain100`: leaf + 99 copies of the intermediate (about 60 KB, fits one handshake message);
//! - `chain200`: leaf + 199 copies (too large: the client refuses it);
//! - `cert5mb`: leaf + one 5 MB garbage "certificate";
//! - `crlendless`: a good server whose leaf names a CRL on a loopback HTTP server that answers
//!   with an endless body (run with `--allow-private-fetch`);
//! - `scale1`, `scale16`, `scale64`: the `endless` behaviour on 1, 16 (one host) and 64 (4 hosts
//!   x 16) addresses; `bigscale1`, `bigscale16`, `bigscale64`: the same with `lines100k`;
//!   `fat`, `fatscale16`, `fatscale64`: a complete session (no STARTTLS) whose greeting and EHLO
//!   reply are 99 lines and about 64 KB each, all kept in the report.
//!
//! Every server listens on its own 127.0.88.x address, all on one common port (that of the first
//! server, bound on port 0). One server per address serves every connection; the scale cases
//! share their addresses (scale1 uses the first of scale16's, scale16 the first host of
//! scale64's), and `endless`/`lines100k` reuse the first address of their scale series.
//!
//! Prints `READY <dns-addr> <port> <trust-file>` and then serves until standard input closes.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use support::dns::{TestDns, Zone};
use support::env::Env;
use support::http::{HttpServer, Reply};
use support::net::Net;
use support::pki::{Leaf, LeafSpec};
use support::raw::{endless_ehlo, hold, send, until_starttls, RawServer};
use support::smtp::SmtpServer;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// The lab's addresses: 127.0.88.x.
const NET: Net = Net::HOSTILE_LAB;

/// Fixed addresses of the single-server cases.
const GOOD: u8 = 1;
const CRL_ENDLESS: u8 = 2;
const HTTP: u8 = 3;
const LINE_10MB: u8 = 4;
const DRIP: u8 = 5;
const CHAIN_100: u8 = 6;
const CHAIN_200: u8 = 7;
const CERT_5MB: u8 = 8;
/// First of the 64 addresses with the `endless` behaviour (127.0.88.10 - .73).
const ENDLESS_BASE: u8 = 10;
/// First of the 64 addresses with the `lines100k` behaviour (127.0.88.110 - .173).
const LINES_BASE: u8 = 110;
/// First of the 64 addresses with the `fat` behaviour (127.0.88.180 - .243).
const FAT_BASE: u8 = 180;

/// A reply of 99 lines of about 640 bytes: just inside the reply limits (100 lines, 64 KiB), so
/// all of it is kept in the report.
fn fat_reply(code: &str) -> Vec<u8> {
    let mut r = Vec::new();
    for i in 0..99 {
        let sep = if i == 98 { ' ' } else { '-' };
        r.extend_from_slice(format!("{code}{sep}{i:03} {}\r\n", "f".repeat(630)).as_bytes());
    }
    r
}

/// A fat greeting and a fat EHLO reply (no STARTTLS), then QUIT: the most a completed session
/// keeps in its report.
async fn fat(mut s: TcpStream, greeting: Arc<Vec<u8>>, ehlo: Arc<Vec<u8>>) {
    until_starttls(&mut s, &greeting, &ehlo).await;
}

/// Sends `bytes` (a whole greeting) and holds the connection.
async fn greet_and_hold(mut s: TcpStream, bytes: Arc<Vec<u8>>) {
    send(&mut s, &bytes).await;
    hold(s).await;
}

/// Drips a banner that never ends, one byte per 100 ms, until the client hangs up.
async fn drip(mut s: TcpStream) {
    let banner = b"220 ".iter().chain(std::iter::repeat(&b'x'));
    for b in banner {
        if s.write_all(&[*b]).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A STARTTLS server presenting `chain` (leaf first) with the key of `leaf`.
fn tls_server(addr: SocketAddr, leaf: &Leaf, chain: Vec<Vec<u8>>, name: &str) -> SmtpServer {
    SmtpServer::presenting(addr, leaf, chain, name).unwrap_or_else(|e| panic!("bind {addr}: {e}"))
}

/// Starts a raw server running `script` for every connection.
fn raw<F, Fut>(addr: SocketAddr, script: F) -> RawServer
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    RawServer::start_blocking(addr, script).unwrap_or_else(|e| panic!("bind {addr}: {e}"))
}

/// Everything the lab keeps running until it exits.
#[allow(dead_code)]
enum Server {
    Smtp(SmtpServer),
    Raw(RawServer),
    Http(HttpServer),
}

fn main() {
    // The PKI, and the trust file in a temporary directory removed before exit.
    let env = Env::new();
    let pki = &env.pki;
    let mx = |case: &str| format!("mx.{case}.mem.test");

    let mut zone = Zone::new();
    let mut servers = Vec::new();

    // good: the first server, on port 0; everything else reuses its port.
    let leaf = pki.leaf(LeafSpec::new([mx("good")]));
    let first = tls_server(NET.at(GOOD, 0), &leaf, leaf.chain_der.clone(), &mx("good"));
    let port = first.addr.port();
    servers.push(Server::Smtp(first));
    zone = zone
        .mx("good.mem.test", 10, &mx("good"))
        .a(&mx("good"), NET.ip(GOOD));

    // crlendless: a good server whose CRL is an endless HTTP body.
    let http =
        HttpServer::start_blocking(NET.at(HTTP, port), vec![("/endless.crl", Reply::Endless)])
            .unwrap_or_else(|e| panic!("bind HTTP server: {e}"));
    let mut spec = LeafSpec::new([mx("crlendless")]);
    spec.crl_url = Some(http.url("/endless.crl"));
    let leaf = pki.leaf(spec);
    servers.push(Server::Http(http));
    servers.push(Server::Smtp(tls_server(
        NET.at(CRL_ENDLESS, port),
        &leaf,
        leaf.chain_der.clone(),
        &mx("crlendless"),
    )));
    zone = zone
        .mx("crlendless.mem.test", 10, &mx("crlendless"))
        .a(&mx("crlendless"), NET.ip(CRL_ENDLESS));

    // line10mb: a greeting of one 10 MB line.
    let mut line = b"220 ".to_vec();
    line.resize(10 * 1024 * 1024, b'x');
    line.extend_from_slice(b"\r\n");
    let line = Arc::new(line);
    servers.push(Server::Raw(raw(NET.at(LINE_10MB, port), move |s| {
        greet_and_hold(s, line.clone())
    })));
    zone = zone
        .mx("line10mb.mem.test", 10, &mx("line10mb"))
        .a(&mx("line10mb"), NET.ip(LINE_10MB));

    // drip: the banner one byte per 100 ms.
    servers.push(Server::Raw(raw(NET.at(DRIP, port), drip)));
    zone = zone
        .mx("drip.mem.test", 10, &mx("drip"))
        .a(&mx("drip"), NET.ip(DRIP));

    // chain100, chain200, cert5mb: rustls servers presenting hostile chains.
    for (case, last) in [
        ("chain100", CHAIN_100),
        ("chain200", CHAIN_200),
        ("cert5mb", CERT_5MB),
    ] {
        let leaf = pki.leaf(LeafSpec::new([mx(case)]));
        let mut chain = vec![leaf.cert_der.clone()];
        let copies = match case {
            "chain100" => 99,
            "chain200" => 199,
            _ => 0,
        };
        chain.extend(std::iter::repeat_n(
            pki.intermediate.cert_der.clone(),
            copies,
        ));
        if case == "cert5mb" {
            let mut huge = vec![0x30, 0x83, 0x50, 0x00, 0x00];
            huge.resize(5 * 1024 * 1024, 0x41);
            chain.push(huge);
        }
        servers.push(Server::Smtp(tls_server(
            NET.at(last, port),
            &leaf,
            chain,
            &mx(case),
        )));
        zone = zone
            .mx(&format!("{case}.mem.test"), 10, &mx(case))
            .a(&mx(case), NET.ip(last));
    }

    // The scale series: 64 addresses with the endless behaviour, 64 with the 100k-line greeting.
    let mut lines = Vec::new();
    for i in 0..100_000 {
        lines.extend_from_slice(format!("220-line {i}\r\n").as_bytes());
    }
    lines.extend_from_slice(b"220 end\r\n");
    let lines = Arc::new(lines);
    for i in 0..64u8 {
        servers.push(Server::Raw(raw(
            NET.at(ENDLESS_BASE + i, port),
            endless_ehlo,
        )));
        let lines = lines.clone();
        servers.push(Server::Raw(raw(NET.at(LINES_BASE + i, port), move |s| {
            greet_and_hold(s, lines.clone())
        })));
    }
    let (fat_greeting, fat_ehlo) = (Arc::new(fat_reply("220")), Arc::new(fat_reply("250")));
    for i in 0..64u8 {
        let (g, e) = (fat_greeting.clone(), fat_ehlo.clone());
        servers.push(Server::Raw(raw(NET.at(FAT_BASE + i, port), move |s| {
            fat(s, g.clone(), e.clone())
        })));
    }
    for (series, base) in [
        ("endless", ENDLESS_BASE),
        ("lines100k", LINES_BASE),
        ("fat", FAT_BASE),
    ] {
        let prefix = match series {
            "endless" => "scale",
            "lines100k" => "bigscale",
            _ => "fatscale",
        };
        // The single case and scale1: one host, the series' first address.
        for case in [series.to_string(), format!("{prefix}1")] {
            zone = zone
                .mx(&format!("{case}.mem.test"), 10, &mx(&case))
                .a(&mx(&case), NET.ip(base));
        }
        // scale16: one host, 16 addresses.
        let case = format!("{prefix}16");
        zone = zone.mx(&format!("{case}.mem.test"), 10, &mx(&case));
        for i in 0..16 {
            zone = zone.a(&mx(&case), NET.ip(base + i));
        }
        // scale64: four hosts of 16 addresses each, 64 distinct addresses.
        let case = format!("{prefix}64");
        for h in 0..4u8 {
            let host = format!("mx{}.{case}.mem.test", h + 1);
            zone = zone.mx(&format!("{case}.mem.test"), 10 * u16::from(h + 1), &host);
            for i in 0..16 {
                zone = zone.a(&host, NET.ip(base + 16 * h + i));
            }
        }
    }

    let dns = TestDns::start_blocking(zone);
    println!("READY {} {} {}", dns.addr, port, env.trust.display());
    std::io::Write::flush(&mut std::io::stdout()).unwrap();

    // Serve until standard input closes.
    let mut sink = [0u8; 256];
    let mut stdin = std::io::stdin().lock();
    while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
    // exit skips destructors: remove the directory now. Servers stopped on drop; the endless ones
    // are plain threads aborted with the process.
    drop(env);
    std::process::exit(0);
}
