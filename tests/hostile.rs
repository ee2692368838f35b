//! Hostile servers and bad input: every case must end within the configured timeouts with a
//! specific error or finding for the hostile address, leave the rest of the run (a well-behaved
//! MX host in the same run) unaffected, exit with the designed code, and never panic.
//!
//! Each test runs the real binary against two MX hosts of one domain: `mx1` is a good STARTTLS
//! server, `mx2` the hostile one (a [`RawServer`] script, or a rustls server with a hostile
//! certificate chain). DNS comes from the in-process test server.

mod support;

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::dns::{TestDns, Zone};
use support::env::Env;
use support::net::Net;
use support::pki::{Leaf, LeafSpec, TestPki};
use support::raw::{
    drain, endless_ehlo, hold, read_line, send, standard_until_starttls, until_starttls, RawServer,
};
use support::records::{record, server_hello};
use support::report::{self, versions};
use support::run::{exit_code, stdout_json, tlscheck};
use support::smtp::SmtpServer;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// This binary's addresses, 127.0.11.x. Each test has its own pair: 127.0.11.(2n) good,
/// 127.0.11.(2n+1) hostile.
const NET: Net = Net::HOSTILE;

/// The per-phase timeout every hostile run uses (seconds), and the bound on a whole run.
const TIMEOUT: &str = "2";
const RUN_BOUND: Duration = Duration::from_secs(12);

/// What one run produced.
struct Outcome {
    code: i32,
    report: Value,
    elapsed: Duration,
}

impl Outcome {
    fn host(&self, name: &str) -> &Value {
        report::host(&self.report, name)
    }

    fn hostile(&self) -> &Value {
        &self.host("mx2.hostile.test")["addresses"][0]
    }

    /// The good host passed untouched: a complete, valid TLS session and no finding about it.
    fn assert_good_host_unaffected(&self) {
        let good = &self.host("mx1.hostile.test")["addresses"][0];
        assert!(good["error"].is_null(), "good host failed: {good:#}");
        assert_eq!(good["tls"]["chain_valid"], true, "{good:#}");
        assert_eq!(good["tls"]["version"], "TLSv1.3", "{good:#}");
        for f in self.report["findings"].as_array().unwrap() {
            assert_ne!(
                f["host"], "mx1.hostile.test",
                "finding on the good host: {f:#}"
            );
        }
    }

    /// Finding codes about the hostile host.
    fn hostile_codes(&self) -> Vec<String> {
        self.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["host"] == "mx2.hostile.test")
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect()
    }

    fn assert_error(&self, phase: &str, kind: &str, message_part: &str) {
        let e = &self.hostile()["error"];
        assert_eq!(e["phase"], phase, "{:#}", self.hostile());
        assert_eq!(e["kind"], kind, "{:#}", self.hostile());
        let message = e["message"].as_str().unwrap_or_default();
        let detail = e["detail"].as_str().unwrap_or_default();
        assert!(
            message.contains(message_part) || detail.contains(message_part),
            "neither message {message:?} nor detail {detail:?} has {message_part:?}"
        );
    }

    /// The failure's message is words for people; the TLS stack's own text is the detail.
    fn assert_message_and_detail(&self, words: &str, raw: &str) {
        let e = &self.hostile()["error"];
        let message = e["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(words),
            "message {message:?} lacks {words:?}"
        );
        assert!(
            !message.contains(raw),
            "message {message:?} has the raw {raw:?}"
        );
        let detail = e["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(raw), "detail {detail:?} lacks {raw:?}");
    }

    fn assert_in_time(&self) {
        assert!(self.elapsed < RUN_BOUND, "took {:?}", self.elapsed);
    }
}

/// Runs `tlscheck mx hostile.test` with mx1 = a good STARTTLS server and mx2 = `hostile`
/// (started on the same port by the caller's closure), JSON output.
fn run_pair<H>(n: u8, extra: &[&str], start_hostile: impl FnOnce(SocketAddr) -> H) -> Outcome {
    let (out, _, elapsed) = run_pair_raw(n, &["--format", "json"], extra, start_hostile);
    Outcome {
        code: exit_code(&out),
        report: stdout_json(&out),
        elapsed,
    }
}

/// Like [`run_pair`] with any output format; returns the raw output, the hostile server and
/// the run's wall time.
fn run_pair_raw<H>(
    n: u8,
    format: &[&str],
    extra: &[&str],
    start_hostile: impl FnOnce(SocketAddr) -> H,
) -> (std::process::Output, H, Duration) {
    let env = Env::new();
    let good = env.server(NET.bind(2 * n), LeafSpec::new(["mx1.hostile.test"]));
    let port = good.addr.port();
    let hostile = start_hostile(NET.at(2 * n + 1, port));
    let dns = TestDns::start_blocking(
        Zone::new()
            .mx("hostile.test", 10, "mx1.hostile.test")
            .mx("hostile.test", 20, "mx2.hostile.test")
            .a("mx1.hostile.test", NET.ip(2 * n))
            .a("mx2.hostile.test", NET.ip(2 * n + 1)),
    );
    let t0 = Instant::now();
    let out = tlscheck()
        .args(["mx", "hostile.test", "--resolver"])
        .arg(dns.addr.to_string())
        .args(["--port", &port.to_string(), "--trust"])
        .arg(&env.trust)
        .args(if extra.contains(&"--timeout") {
            vec![]
        } else {
            vec!["--timeout", TIMEOUT]
        })
        .args(["--no-revocation", "--ehlo", "probe.test"])
        .args(format)
        .args(extra)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let elapsed = t0.elapsed();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "panic: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out, hostile, elapsed)
}

/// Starts a raw hostile server running `script` for every connection.
fn raw<F, Fut>(script: F) -> impl FnOnce(SocketAddr) -> RawServer
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    move |addr| RawServer::start_blocking(addr, script).unwrap()
}

// ---- SMTP phase ----------------------------------------------------------------------------

#[test]
fn silence_after_connect() {
    let o = run_pair(1, &[], raw(hold));
    o.assert_in_time();
    o.assert_good_host_unaffected();
    o.assert_error("greeting", "timeout", "no complete reply");
    assert_eq!(o.hostile_codes(), vec!["smtp-timeout"]);
    assert_eq!(o.code, 0, "a timeout is a warning: {:#}", o.report);
}

#[test]
fn banner_dripped_one_byte_per_second() {
    let o = run_pair(
        2,
        &[],
        raw(|mut s| async move {
            for b in b"220 slow.hostile.test ESMTP\r\n" {
                if s.write_all(&[*b]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }),
    );
    o.assert_in_time();
    o.assert_good_host_unaffected();
    // The phase timeout covers the whole reply: dripping bytes cannot extend it.
    o.assert_error("greeting", "timeout", "no complete reply");
    assert_eq!(o.hostile_codes(), vec!["smtp-timeout"]);
}

#[test]
fn run_deadline_cuts_a_slow_drip_short() {
    // A long phase timeout, a short run deadline: the drip would take 30 s, the run takes ~2.
    let o = run_pair(
        22,
        &["--timeout", "30", "--deadline", "2"],
        raw(|mut s| async move {
            send(&mut s, b"220-").await;
            loop {
                if s.write_all(b"x").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }),
    );
    assert!(o.elapsed < Duration::from_secs(6), "took {:?}", o.elapsed);
    o.assert_good_host_unaffected();
    o.assert_error("greeting", "deadline", "run deadline");
    assert_eq!(o.hostile_codes(), vec!["smtp-timeout"]);
}

#[test]
fn endless_multiline_reply() {
    let o = run_pair(3, &[], raw(endless_ehlo));
    o.assert_in_time();
    o.assert_good_host_unaffected();
    o.assert_error("ehlo", "protocol", "more than 100 lines");
    assert_eq!(o.hostile_codes(), vec!["smtp-protocol-error"]);
}

#[test]
fn ten_megabyte_line() {
    let o = run_pair(
        4,
        &[],
        raw(|mut s| async move {
            let mut line = b"220 ".to_vec();
            line.resize(10 * 1024 * 1024, b'x');
            line.extend_from_slice(b"\r\n");
            send(&mut s, &line).await;
            hold(s).await;
        }),
    );
    o.assert_in_time();
    o.assert_good_host_unaffected();
    o.assert_error("greeting", "protocol", "longer than 4096 bytes");
    assert_eq!(o.hostile_codes(), vec!["smtp-protocol-error"]);
    // Nothing of the line is kept beyond the display limit.
    assert!(o.report.to_string().len() < 64 * 1024);
}

#[test]
fn hundred_thousand_reply_lines() {
    let o = run_pair(
        5,
        &[],
        raw(|mut s| async move {
            let mut reply = Vec::new();
            for i in 0..100_000 {
                reply.extend_from_slice(format!("220-line {i}\r\n").as_bytes());
            }
            reply.extend_from_slice(b"220 end\r\n");
            send(&mut s, &reply).await;
            hold(s).await;
        }),
    );
    o.assert_in_time();
    o.assert_good_host_unaffected();
    o.assert_error("greeting", "protocol", "more than 100 lines");
    let transcript = o.hostile()["smtp"]["transcript"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(transcript <= 400, "transcript kept {transcript} lines");
}

#[test]
fn nul_bytes_and_invalid_utf8_are_data() {
    let o = run_pair(
        6,
        &[],
        raw(|mut s| async move {
            standard_until_starttls_with(
                &mut s,
                b"220 nul\x00here \xff\xfe ESMTP\r\n",
                b"250-hostile.test \x00\xc3\x28\r\n250 SIZE 10\r\n",
            )
            .await;
        }),
    );
    o.assert_in_time();
    o.assert_good_host_unaffected();
    // The EHLO reply parsed (no STARTTLS in it): NUL kept, invalid UTF-8 replaced, nothing lost.
    assert_eq!(o.hostile_codes(), vec!["starttls-not-offered"]);
    let smtp = &o.hostile()["smtp"];
    assert_eq!(
        smtp["banner"]["lines"][0], "nul\u{0}here \u{fffd}\u{fffd} ESMTP",
        "{smtp:#}"
    );
    assert_eq!(
        smtp["ehlo"]["lines"][0], "hostile.test \u{0}\u{fffd}(",
        "{smtp:#}"
    );
    assert_eq!(smtp["ehlo_keywords"], serde_json::json!(["SIZE 10"]));
    assert_eq!(o.code, 1);
}

/// Greets with `greeting`, answers EHLO with `ehlo`, and stops at STARTTLS or QUIT.
async fn standard_until_starttls_with(s: &mut TcpStream, greeting: &[u8], ehlo: &[u8]) {
    if until_starttls(s, greeting, ehlo).await {
        send(s, b"454 4.7.0 not today\r\n").await;
    }
}

#[test]
fn reply_code_not_three_digits() {
    for (n, greeting) in [
        (7u8, &b"22 ready\r\n"[..]),
        (8, b"2200 ready\r\n"),
        (9, b"abc ready\r\n"),
    ] {
        let o = run_pair(
            n,
            &[],
            raw(move |mut s| async move {
                send(&mut s, greeting).await;
                hold(s).await;
            }),
        );
        o.assert_in_time();
        o.assert_good_host_unaffected();
        o.assert_error("greeting", "protocol", "");
        let message = o.hostile()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.contains("three-digit code") || message.contains("after the code"),
            "{message}"
        );
        assert_eq!(o.hostile_codes(), vec!["smtp-protocol-error"]);
    }
}

#[test]
fn starttls_plaintext_injection_is_refused() {
    let after = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = after.clone();
    let o = run_pair(
        10,
        &[],
        raw(move |mut s| {
            let seen = seen.clone();
            async move {
                if standard_until_starttls(&mut s).await {
                    // The 220 and an injected reply in one segment: a client that starts TLS
                    // now would read "250 injected" as if it came over TLS.
                    send(&mut s, b"220 2.0.0 Ready\r\n250 injected\r\n").await;
                    let n = drain(&mut s, 1 << 20).await;
                    seen.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
                }
            }
        }),
    );
    o.assert_in_time();
    o.assert_good_host_unaffected();
    o.assert_error("starttls", "plaintext-injection", "plaintext after its 220");
    assert!(o
        .hostile_codes()
        .contains(&"starttls-plaintext-injection".to_string()));
    assert!(
        o.hostile()["tls"].is_null(),
        "no TLS facts from an injected session"
    );
    // No ClientHello (or anything else) went to the server after its 220.
    assert_eq!(after.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(o.code, 1);
}

/// Answers one command line the way an ordinary server would (MAIL and RSET accepted, STARTTLS
/// refused so no TLS is needed); `false` after QUIT.
async fn answer_plainly(s: &mut TcpStream, line: &str) -> bool {
    let verb = line
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    match verb.as_str() {
        "MAIL" => send(s, b"250 2.1.0 Ok\r\n").await,
        "RSET" => send(s, b"250 2.0.0 Ok\r\n").await,
        "STARTTLS" => send(s, b"454 4.7.0 not today\r\n").await,
        "QUIT" => {
            send(s, b"221 2.0.0 Bye\r\n").await;
            return false;
        }
        _ => send(s, b"502 5.5.2 Not implemented\r\n").await,
    }
    true
}

/// RFC 2920: the MAIL question goes as one pipelined group (MAIL, RSET, STARTTLS last) only to
/// a server that offers PIPELINING, one command at a time to any other. The server records what
/// it had read before it answered MAIL.
#[test]
fn the_mail_question_is_pipelined_only_where_pipelining_is_offered() {
    let cases: [(u8, &'static [u8], &[&str]); 2] = [
        (
            30,
            b"250-hostile.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
            &["MAIL FROM:<>", "RSET", "STARTTLS"],
        ),
        (
            31,
            b"250-hostile.test\r\n250 STARTTLS\r\n",
            &["MAIL FROM:<>"],
        ),
    ];
    for (n, ehlo, expected) in cases {
        let groups = Arc::new(std::sync::Mutex::new(Vec::<Vec<String>>::new()));
        let seen = groups.clone();
        let o = run_pair(
            n,
            &[],
            raw(move |mut s| {
                let seen = seen.clone();
                async move {
                    send(&mut s, b"220 hostile.test ESMTP\r\n").await;
                    if read_line(&mut s).await.is_none() {
                        return;
                    }
                    send(&mut s, ehlo).await;
                    let Some(first) = read_line(&mut s).await else {
                        return;
                    };
                    let mut group = vec![first];
                    if group[0].starts_with("MAIL") {
                        // Whatever else the client sent without waiting for the answer.
                        while group.len() < 3 {
                            let next =
                                tokio::time::timeout(Duration::from_millis(300), read_line(&mut s));
                            match next.await {
                                Ok(Some(line)) => group.push(line),
                                _ => break,
                            }
                        }
                        seen.lock().unwrap().push(group.clone());
                    }
                    for line in &group {
                        if !answer_plainly(&mut s, line).await {
                            return;
                        }
                    }
                    while let Some(line) = read_line(&mut s).await {
                        if !answer_plainly(&mut s, &line).await {
                            return;
                        }
                    }
                }
            }),
        );
        o.assert_in_time();
        o.assert_good_host_unaffected();
        assert_eq!(
            *groups.lock().unwrap(),
            vec![expected.iter().map(|c| c.to_string()).collect::<Vec<_>>()],
            "case {n}"
        );
        let smtp = &o.hostile()["smtp"];
        assert_eq!(smtp["mail_reply"]["code"], 250, "{smtp:#}");
        assert_eq!(smtp["rset_reply"]["code"], 250, "{smtp:#}");
        assert_eq!(smtp["tls_required"], false, "{smtp:#}");
        assert!(smtp["mail_probe_lost"].is_null(), "{smtp:#}");
        o.assert_error("starttls", "rejected", "454");
    }
}

/// A server that never answers QUIT does not hold the run: QUIT is sent (the server gets it),
/// and its reply is only read in the background. A run that waited for it would take the whole
/// 20-second phase timeout.
#[test]
fn an_unanswered_quit_does_not_hold_the_run() {
    let quits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = quits.clone();
    let o = run_pair(
        32,
        &["--timeout", "20"],
        raw(move |mut s| {
            let seen = seen.clone();
            async move {
                send(&mut s, b"220 hostile.test ESMTP\r\n").await;
                while let Some(line) = read_line(&mut s).await {
                    if line.eq_ignore_ascii_case("QUIT") {
                        seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        hold(s).await;
                        return;
                    }
                    if line.starts_with("EHLO") {
                        // No STARTTLS: the session ends with QUIT right after EHLO.
                        send(&mut s, b"250-hostile.test\r\n250 SIZE 10\r\n").await;
                    } else {
                        answer_plainly(&mut s, &line).await;
                    }
                }
            }
        }),
    );
    assert!(
        o.elapsed < Duration::from_secs(10),
        "the run waited for QUIT: {:?}",
        o.elapsed
    );
    o.assert_good_host_unaffected();
    assert_eq!(o.hostile_codes(), vec!["starttls-not-offered"]);
    let sent = report::commands(o.hostile());
    assert_eq!(sent.last(), Some(&"QUIT"), "{sent:?}");
    assert!(quits.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    assert_eq!(o.code, 1);
}

// ---- TLS phase -----------------------------------------------------------------------------

/// A server that completes SMTP up to STARTTLS, answers 220, then does `then` with the socket.
fn after_starttls<F, Fut>(then: F) -> impl FnOnce(SocketAddr) -> RawServer
where
    F: Fn(TcpStream) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    raw(move |mut s| {
        let then = then.clone();
        async move {
            if standard_until_starttls(&mut s).await {
                send(&mut s, b"220 2.0.0 Ready to start TLS\r\n").await;
                then(s).await;
            }
        }
    })
}

/// Waits for the ClientHello's first bytes, then answers `bytes` and holds the connection.
fn answer_hello_with(bytes: Vec<u8>) -> impl FnOnce(SocketAddr) -> RawServer {
    after_starttls(move |mut s| {
        let bytes = bytes.clone();
        async move {
            let mut head = [0u8; 5];
            if tokio::io::AsyncReadExt::read_exact(&mut s, &mut head)
                .await
                .is_err()
            {
                return;
            }
            send(&mut s, &bytes).await;
            hold(s).await;
        }
    })
}

/// A ServerHello record choosing `version` and `suite`.
fn server_hello_record(version: u16, suite: u16) -> Vec<u8> {
    record(22, 0x0303, &server_hello(version, suite))
}

/// Every version probe of the hostile address ended in `error` or `rejected`, never `accepted`.
fn assert_no_version_accepted(o: &Outcome) {
    let v = &o.hostile()["versions"];
    for k in ["tls1_0", "tls1_1", "tls1_2", "tls1_3"] {
        assert_ne!(v[k], "accepted", "{k} claimed accepted: {v:#}");
    }
}

#[test]
fn garbage_instead_of_server_hello() {
    let o = run_pair(
        11,
        &[],
        answer_hello_with(b"HTTP/1.1 400 Bad Request\r\n\r\nthis is not TLS at all".to_vec()),
    );
    o.assert_in_time();
    o.assert_good_host_unaffected();
    o.assert_error("handshake", "tls", "corrupt message");
    assert_eq!(o.hostile_codes(), vec!["tls-handshake-failed"]);
    assert_eq!(
        versions(o.hostile()),
        ["error"; 4],
        "{:#}",
        o.hostile()["versions"]
    );
    assert_eq!(o.code, 1);
}

#[test]
fn tls_alert_instead_of_server_hello() {
    // A fatal handshake_failure alert.
    let o = run_pair(12, &[], answer_hello_with(record(21, 0x0303, &[2, 40])));
    o.assert_in_time();
    o.assert_good_host_unaffected();
    o.assert_error("handshake", "tls", "HandshakeFailure");
    o.assert_message_and_detail(
        "refused our hello (handshake_failure alert",
        "HandshakeFailure",
    );
    assert_eq!(o.hostile_codes(), vec!["tls-handshake-failed"]);
    let v = &o.hostile()["versions"];
    for k in ["tls1_0", "tls1_1", "tls1_2", "tls1_3"] {
        assert_eq!(v[k], "rejected", "{k}: {v:#}");
    }
}

#[test]
fn connection_reset_mid_handshake() {
    let o = run_pair(
        13,
        &[],
        after_starttls(|s| async move {
            let mut s = s;
            let mut head = [0u8; 5];
            let _ = tokio::io::AsyncReadExt::read_exact(&mut s, &mut head).await;
            // Half a ServerHello, then an RST (linger 0).
            send(&mut s, &server_hello_record(0x0303, 0xc02f)[..20]).await;
            let _ = s.set_zero_linger();
            drop(s);
        }),
    );
    o.assert_in_time();
    o.assert_good_host_unaffected();
    o.assert_error("handshake", "closed", "reset");
    assert_eq!(o.hostile_codes(), vec!["tls-handshake-failed"]);
    assert_no_version_accepted(&o);
}

#[test]
fn server_hello_with_unknown_version() {
    let o = run_pair(
        14,
        &[],
        answer_hello_with(server_hello_record(0x7a7a, 0xc02f)),
    );
    o.assert_in_time();
    o.assert_good_host_unaffected();
    o.assert_error("handshake", "tls", "ServerDoesNotSupportTls12Or13");
    o.assert_message_and_detail(
        "a TLS version other than 1.2 or 1.3",
        "ServerDoesNotSupportTls12Or13",
    );
    assert_eq!(o.hostile_codes(), vec!["tls-handshake-failed"]);
    // rustls reads an unknown version as "not 1.2 or 1.3", a refusal; the raw hellos that follow
    // it up (legacy, TLS 1.3, TLS 1.2) get the same garbled answer, so no version can be told.
    assert_eq!(
        versions(o.hostile()),
        ["error", "error", "error", "error"],
        "{:#}",
        o.hostile()["versions"]
    );
}

#[test]
fn server_hello_with_a_cipher_not_offered() {
    // TLS_NULL_WITH_NULL_NULL, which no client offers.
    let o = run_pair(
        15,
        &[],
        answer_hello_with(server_hello_record(0x0303, 0x0000)),
    );
    o.assert_in_time();
    o.assert_good_host_unaffected();
    o.assert_error("handshake", "tls", "SelectedUnofferedCipherSuite");
    assert_eq!(o.hostile_codes(), vec!["tls-handshake-failed"]);
    assert_no_version_accepted(&o);
    // A broken answer says nothing about which versions the server accepts.
    assert_eq!(
        versions(o.hostile()),
        ["error"; 4],
        "{:#}",
        o.hostile()["versions"]
    );
}

// ---- Certificates --------------------------------------------------------------------------

/// A STARTTLS server presenting `chain` (leaf first) with the key of `leaf`.
fn tls_server(
    leaf: Leaf,
    chain: Vec<Vec<u8>>,
    ehlo_name: &str,
) -> impl FnOnce(SocketAddr) -> SmtpServer {
    let ehlo_name = ehlo_name.to_string();
    move |addr| SmtpServer::presenting(addr, &leaf, chain, &ehlo_name).unwrap()
}

fn hostile_leaf(pki: &TestPki) -> Leaf {
    pki.leaf(LeafSpec::new(["mx2.hostile.test"]))
}

#[test]
fn long_chain_is_analysed_up_to_the_limit() {
    let pki = TestPki::new();
    let leaf = hostile_leaf(&pki);
    // About 60 KB: fits in one TLS handshake message.
    let mut chain = vec![leaf.cert_der.clone()];
    chain.extend(std::iter::repeat_n(pki.intermediate.cert_der.clone(), 99));
    let o = run_pair(16, &[], tls_server(leaf, chain, "mx2.hostile.test"));
    o.assert_in_time();
    o.assert_good_host_unaffected();
    let tls = &o.hostile()["tls"];
    assert!(o.hostile()["error"].is_null(), "{:#}", o.hostile());
    assert_eq!(tls["chain"].as_array().unwrap().len(), 10, "{tls:#}");
    assert_eq!(tls["chain_dropped"], 90, "{tls:#}");
}

#[test]
fn chain_of_200_certificates() {
    let pki = TestPki::new();
    let leaf = hostile_leaf(&pki);
    let mut chain = vec![leaf.cert_der.clone()];
    chain.extend(std::iter::repeat_n(pki.intermediate.cert_der.clone(), 199));
    let o = run_pair(17, &[], tls_server(leaf, chain, "mx2.hostile.test"));
    o.assert_in_time();
    o.assert_good_host_unaffected();
    o.assert_error("handshake", "tls", "too large for any client");
    assert_eq!(
        o.hostile_codes(),
        vec!["tls-handshake-failed"],
        "{:#}",
        o.hostile()
    );
    assert_no_version_accepted(&o);
    assert_eq!(o.code, 1);
}

#[test]
fn five_megabyte_certificate() {
    let pki = TestPki::new();
    let leaf = hostile_leaf(&pki);
    let mut huge = vec![0x30, 0x83, 0x50, 0x00, 0x00];
    huge.resize(5 * 1024 * 1024, 0x41);
    let chain = vec![leaf.cert_der.clone(), huge];
    let o = run_pair(18, &[], tls_server(leaf, chain, "mx2.hostile.test"));
    o.assert_in_time();
    o.assert_good_host_unaffected();
    o.assert_error("handshake", "tls", "too large for any client");
    assert_eq!(o.hostile_codes(), vec!["tls-handshake-failed"]);
}

#[test]
fn malformed_der_in_the_chain() {
    let pki = TestPki::new();
    let leaf = hostile_leaf(&pki);
    let chain = vec![
        leaf.cert_der.clone(),
        b"\x30\x82\x00\x10not a certificate at all".to_vec(),
    ];
    let o = run_pair(19, &[], tls_server(leaf, chain, "mx2.hostile.test"));
    o.assert_in_time();
    o.assert_good_host_unaffected();
    let tls = &o.hostile()["tls"];
    assert_eq!(tls["chain_valid"], false, "{tls:#}");
    assert_eq!(tls["chain"].as_array().unwrap().len(), 2, "{tls:#}");
    let bad = &tls["chain"][1];
    assert!(
        bad["parse_error"].as_str().is_some_and(|e| !e.is_empty()),
        "{bad:#}"
    );
    assert!(
        o.hostile_codes().contains(&"cert-untrusted".to_string()),
        "{:?}",
        o.hostile_codes()
    );
    assert_eq!(o.code, 1);
}

#[test]
fn control_characters_are_escaped_in_text_and_kept_in_json() {
    let pki = TestPki::new();
    let mut spec = LeafSpec::new(["mx2.hostile.test"]);
    spec.organization = Some("Evil\u{1b}[2J\u{1b}]0;owned\u{7} Corp".into());
    let leaf = pki.leaf(spec);
    let chain = leaf.chain_der.clone();
    let ehlo = "mx2\u{1b}[31m.hostile\u{1b}]0;pwned\u{7}";
    let o = run_pair(20, &[], tls_server(leaf.clone(), chain.clone(), ehlo));
    o.assert_good_host_unaffected();
    let a = o.hostile();
    assert!(a["smtp"]["banner"]["lines"][0]
        .as_str()
        .unwrap()
        .starts_with(ehlo));
    assert_eq!(
        a["tls"]["chain"][0]["organization"],
        "Evil\u{1b}[2J\u{1b}]0;owned\u{7} Corp"
    );

    let (out, _server, _) = run_pair_raw(21, &["-v"], &[], tls_server(leaf, chain, ehlo));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("mx2.hostile.test"), "{text}");
    for bad in ['\u{1b}', '\u{7}'] {
        assert!(
            !text.contains(bad),
            "raw {bad:?} in the text output:\n{text}"
        );
    }
    assert!(
        text.contains("Evil\\u{1b}[2J\\u{1b}]0;owned\\u{7} Corp"),
        "{text}"
    );
    assert!(text.contains("mx2\\u{1b}[31m.hostile"), "{text}");
}

// ---- DNS -----------------------------------------------------------------------------------

/// Runs `tlscheck mx DOMAINS...` against the zone `make_zone(good_ip)`, where a good STARTTLS
/// server for `mx1.hostile.test` and `mx.good.test` listens on `good_ip` (127.0.11.(2n)).
fn run_zone(n: u8, domains: &[&str], make_zone: impl FnOnce(Ipv4Addr) -> Zone) -> Outcome {
    let env = Env::new();
    let good = env.server(
        NET.bind(2 * n),
        LeafSpec::new([
            "mx1.hostile.test",
            "mx.good.test",
            "alias-target.hostile.test",
        ]),
    );
    let dns = TestDns::start_blocking(make_zone(NET.ip(2 * n)));
    let t0 = Instant::now();
    let out = tlscheck()
        .arg("mx")
        .args(domains)
        .arg("--resolver")
        .arg(dns.addr.to_string())
        .args(["--port", &good.addr.port().to_string(), "--trust"])
        .arg(&env.trust)
        .args(["--timeout", TIMEOUT, "--no-revocation", "--format", "json"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let elapsed = t0.elapsed();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    Outcome {
        code: exit_code(&out),
        report: stdout_json(&out),
        elapsed,
    }
}

impl Outcome {
    fn target(&self, name: &str) -> &Value {
        report::target(&self.report, name)
    }

    /// (code, host) of every finding about target `input`, but the two info findings every
    /// test domain has (it publishes neither MTA-STS nor TLS-RPT).
    fn target_findings(&self, input: &str) -> Vec<(String, String)> {
        self.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["target"] == input)
            .filter(|f| f["code"] != "mta-sts-missing" && f["code"] != "tlsrpt-missing")
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_string(),
                    f["host"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    /// good.test, probed in the same run, passed.
    fn assert_good_domain_unaffected(&self) {
        let t = self.target("good.test");
        assert_eq!(t["verdict"], "pass", "{t:#}");
        assert_eq!(t["hosts"][0]["addresses"][0]["tls"]["chain_valid"], true);
        assert!(self.target_findings("good.test").is_empty());
    }
}

fn with_good_domain(zone: Zone, good: Ipv4Addr) -> Zone {
    zone.mx("good.test", 10, "mx.good.test")
        .a("mx.good.test", good)
}

#[test]
fn dns_servfail() {
    let o = run_zone(30, &["broken.test", "good.test"], |good| {
        with_good_domain(Zone::new().servfail("broken.test"), good)
    });
    o.assert_in_time();
    o.assert_good_domain_unaffected();
    let t = o.target("broken.test");
    assert_eq!(t["dns_error"]["kind"], "dns-failure", "{t:#}");
    assert!(
        t["dns_error"]["message"]
            .as_str()
            .unwrap()
            .contains("SERVFAIL"),
        "{t:#}"
    );
    assert_eq!(t["verdict"], "inconclusive");
    assert_eq!(
        o.target_findings("broken.test"),
        vec![("domain-unresolvable".into(), "".into())]
    );
    assert_eq!(
        o.code, 3,
        "an unresolvable domain makes the run inconclusive"
    );
}

#[test]
fn dns_timeout() {
    let o = run_zone(31, &["slow.test", "good.test"], |good| {
        with_good_domain(Zone::new().silent("slow.test"), good)
    });
    o.assert_in_time();
    o.assert_good_domain_unaffected();
    let t = o.target("slow.test");
    assert_eq!(t["dns_error"]["kind"], "timeout", "{t:#}");
    // The resolver is named and blamed, not the domain's spelling.
    let message = t["dns_error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("resolver 127.") && message.contains("did not answer"),
        "{t:#}"
    );
    assert_eq!(
        o.target_findings("slow.test"),
        vec![("resolver-unreachable".into(), "".into())]
    );
    assert_eq!(o.code, 3);
}

#[test]
fn nxdomain_and_nodata_are_told_apart() {
    let o = run_zone(32, &["missing.test", "empty.test", "good.test"], |good| {
        // empty.test exists (it has a TXT record) but has neither MX nor A/AAAA.
        with_good_domain(Zone::new().txt("empty.test", "v=spf1 -all"), good)
    });
    o.assert_in_time();
    o.assert_good_domain_unaffected();
    let missing = o.target("missing.test");
    assert_eq!(missing["dns_error"]["kind"], "nxdomain", "{missing:#}");
    assert!(
        missing["dns_error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not exist"),
        "{missing:#}"
    );
    let empty = o.target("empty.test");
    assert!(empty["dns_error"].is_null(), "{empty:#}");
    assert_eq!(empty["implicit_mx"], true);
    assert_eq!(
        empty["hosts"][0]["dns_error"]["kind"], "no-data",
        "{empty:#}"
    );
    assert_eq!(
        o.target_findings("empty.test"),
        vec![
            ("implicit-mx".into(), "".into()),
            ("mx-unresolvable".into(), "empty.test".into())
        ]
    );
    assert_eq!(o.code, 3);
}

#[test]
fn five_hundred_mx_records() {
    let o = run_zone(33, &["many.test"], |good| {
        let mut zone = Zone::new()
            .mx("many.test", 0, "mx1.hostile.test")
            .a("mx1.hostile.test", good);
        for i in 1..500 {
            zone = zone.mx("many.test", 10, &format!("mx{i:03}.nowhere.test"));
        }
        zone
    });
    o.assert_in_time();
    let t = o.target("many.test");
    assert_eq!(t["mx"].as_array().unwrap().len(), 32, "{t:#}");
    assert_eq!(t["mx_dropped"], 468);
    assert_eq!(t["hosts"].as_array().unwrap().len(), 32);
    assert_eq!(t["hosts"][0]["addresses"][0]["tls"]["chain_valid"], true);
    let findings = o.target_findings("many.test");
    assert!(
        findings.contains(&("mx-records-dropped".into(), "".into())),
        "{findings:?}"
    );
    assert_eq!(
        findings
            .iter()
            .filter(|(c, _)| c == "mx-unresolvable")
            .count(),
        31
    );
    assert_eq!(o.code, 0);
}

#[test]
fn mx_pointing_to_a_cname() {
    let o = run_zone(34, &["alias.test"], |good| {
        Zone::new()
            .mx("alias.test", 10, "mx1.hostile.test")
            .mx("alias.test", 20, "mx-alias.hostile.test")
            .a("mx1.hostile.test", good)
            .cname("mx-alias.hostile.test", "alias-target.hostile.test")
            .a("alias-target.hostile.test", good)
    });
    o.assert_in_time();
    let t = o.target("alias.test");
    let alias_host = &t["hosts"][1];
    assert_eq!(alias_host["name"], "mx-alias.hostile.test");
    assert_eq!(
        alias_host["cname"], "alias-target.hostile.test",
        "{alias_host:#}"
    );
    // Probed all the same, as MTAs do; the certificate is checked against the MX name.
    assert!(
        alias_host["addresses"][0]["tls"].is_object(),
        "{alias_host:#}"
    );
    assert_eq!(
        o.target_findings("alias.test"),
        vec![
            ("mx-cname".into(), "mx-alias.hostile.test".into()),
            ("cert-name-mismatch".into(), "mx-alias.hostile.test".into())
        ]
    );
}

#[test]
fn mx_target_that_is_an_ip_literal() {
    let o = run_zone(35, &["literal.test"], |good| {
        Zone::new()
            .mx("literal.test", 10, "mx1.hostile.test")
            .mx("literal.test", 20, &good.to_string())
            .a("mx1.hostile.test", good)
    });
    o.assert_in_time();
    let t = o.target("literal.test");
    let literal = &t["hosts"][1];
    assert_eq!(literal["dns_error"]["kind"], "bad-name", "{literal:#}");
    assert!(
        literal["addresses"].as_array().unwrap().is_empty(),
        "not probed"
    );
    assert_eq!(
        o.target_findings("literal.test"),
        vec![("mx-ip-literal".into(), NET.ip(70).to_string())]
    );
    assert_eq!(t["hosts"][0]["addresses"][0]["tls"]["chain_valid"], true);
    assert_eq!(o.code, 1);
}

#[test]
fn names_that_fail_idna_or_hold_control_characters() {
    // From the command line: a usage error, before any network traffic.
    let out = tlscheck()
        .args(["mx", "xn--zz-.test", "--resolver", "127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a valid domain name"), "{stderr}");

    // From DNS: an MX target with an escape sequence and one with a bad punycode label.
    let o = run_zone(36, &["weird.test"], |good| {
        Zone::new()
            .mx("weird.test", 10, "mx1.hostile.test")
            .mx_raw("weird.test", 20, &[b"mx\x1b[31m", b"hostile", b"test"])
            .mx("weird.test", 30, "xn--zz-.hostile.test")
            .a("mx1.hostile.test", good)
    });
    o.assert_in_time();
    let t = o.target("weird.test");
    assert_eq!(t["hosts"][0]["addresses"][0]["tls"]["chain_valid"], true);
    for h in &t["hosts"].as_array().unwrap()[1..] {
        assert_eq!(h["dns_error"]["kind"], "bad-name", "{h:#}");
        assert!(h["addresses"].as_array().unwrap().is_empty());
    }
    let codes: Vec<String> = o
        .target_findings("weird.test")
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert_eq!(codes, vec!["mx-invalid-name", "mx-invalid-name"]);
    assert!(
        !o.report.to_string().contains('\u{1b}'),
        "the escape stays escaped in the name"
    );
    assert_eq!(o.code, 1);
}

// ---- Transport-security policy records ------------------------------------------------------

/// What a stranger's TXT records may hold: escapes, bidi controls, markup.
const NASTY: &str = "v=STSv1; id=\u{1b}[2J\u{202e}evil\u{7}; <b>*x*</b>";

#[test]
fn hostile_policy_records_are_invalid_and_escaped() {
    let o = run_zone(40, &["policy.test", "good.test"], |good| {
        with_good_domain(
            Zone::new()
                .mx("policy.test", 10, "mx.good.test")
                .txt("_mta-sts.policy.test", NASTY)
                .txt("_mta-sts.policy.test", "v=STSv1; id=2;")
                .txt("_mta-sts.policy.test", &"x".repeat(4000))
                .txt(
                    "_smtp._tls.policy.test",
                    &format!("v=TLSRPTv1; rua={}", "a".repeat(3000)),
                ),
            good,
        )
    });
    o.assert_in_time();
    let p = &o.target("policy.test")["policy"];
    assert_eq!(p["mta_sts"]["status"], "invalid", "{p:#}");
    // Three records read, each bounded; the raw text is kept in the JSON.
    let txt = p["mta_sts"]["txt"].as_array().unwrap();
    assert_eq!(txt.len(), 3, "{p:#}");
    assert!(txt
        .iter()
        .all(|t| t.as_str().unwrap().chars().count() <= 2048));
    assert!(txt.iter().any(|t| t.as_str().unwrap().contains('\u{1b}')));
    assert_eq!(p["tls_rpt"]["status"], "invalid", "{p:#}");
    let codes: Vec<String> = o
        .target_findings("policy.test")
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert!(codes.contains(&"mta-sts-invalid".to_string()), "{codes:?}");
    assert!(codes.contains(&"tlsrpt-invalid".to_string()), "{codes:?}");
}

#[test]
fn hostile_policy_records_in_text_output_carry_no_raw_controls() {
    let env = Env::new();
    let good = env.server(NET.bind(82), LeafSpec::new(["mx.good.test"]));
    let dns = TestDns::start_blocking(
        Zone::new()
            .mx("policy.test", 10, "mx.good.test")
            .a("mx.good.test", NET.ip(82))
            .txt("_mta-sts.policy.test", "v=STSv1; id=20261202;")
            .a("mta-sts.policy.test", NET.ip(82))
            .txt("_smtp._tls.policy.test", NASTY),
    );
    let out = tlscheck()
        .args(["mx", "policy.test", "--resolver", &dns.addr.to_string()])
        .args(["--port", &good.addr.port().to_string(), "--trust"])
        .arg(&env.trust)
        .args(["--timeout", TIMEOUT, "--no-revocation", "--width", "300"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}') && !text.contains('\u{7}'),
        "{text}"
    );
    // The MTA-STS policy host is on loopback: refused without --allow-private-fetch, and said so.
    assert!(text.contains("MTA-STS: fetch-failed"), "{text}");
    assert!(text.contains("--allow-private-fetch"), "{text}");
    assert!(text.contains("[mta-sts-fetch-failed]"), "{text}");
}

#[test]
fn policy_lookup_failures_are_never_absent() {
    let o = run_zone(41, &["policy.test", "good.test"], |good| {
        with_good_domain(
            Zone::new()
                .mx("policy.test", 10, "mx.good.test")
                .servfail("_mta-sts.policy.test")
                .silent("_smtp._tls.policy.test"),
            good,
        )
    });
    o.assert_in_time();
    o.assert_good_domain_unaffected();
    let p = &o.target("policy.test")["policy"];
    assert_eq!(p["mta_sts"]["status"], "lookup-failed", "{p:#}");
    assert_eq!(p["tls_rpt"]["status"], "lookup-failed", "{p:#}");
    let codes: Vec<String> = o
        .target_findings("policy.test")
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert_eq!(
        codes,
        vec!["policy-lookup-failed", "policy-lookup-failed"],
        "{codes:?}"
    );
}
