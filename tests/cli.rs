//! End-to-end tests of the real `tlscheck` binary against in-process servers on loopback: a DNS
//! server for test zones and scripted STARTTLS SMTP servers with a generated test PKI.

mod support;

use std::ffi::OsStr;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::dns::{TestDns, Zone};
use support::env::Env;
use support::http::{HttpServer, Reply};
use support::net::Net;
use support::pki::{rustls_server_config, Issuer, LeafSpec};
use support::report::{codes as all_codes, commands, first_address};

/// The finding codes without the two info findings every loopback test domain has, since none
/// publishes MTA-STS or TLS-RPT (`mta-sts-missing`, `tlsrpt-missing`; asserted in
/// `a_domain_without_mta_sts_or_tlsrpt_is_told_so`).
fn codes(r: &Value) -> Vec<String> {
    all_codes(r)
        .into_iter()
        .filter(|c| !matches!(c.as_str(), "mta-sts-missing" | "tlsrpt-missing"))
        .collect()
}
use support::run::{self, exit_code, stdout_json, tlscheck, tlscheck_path};
use support::smtp::{closed_port, Greeting, SmtpServer, SmtpServerConfig};
use time::OffsetDateTime;

/// This binary's addresses, 127.0.9.x: each test uses its own.
const NET: Net = Net::CLI;

/// Runs tlscheck with `args`, JSON output and the test EHLO name; returns (exit code, report).
fn run_json<S: AsRef<OsStr>>(args: &[S]) -> (i32, Value) {
    run::json(
        tlscheck()
            .args(args)
            .args(["--format", "json", "--ehlo", "probe.tlscheck.test"]),
    )
}

fn mx_args<'a>(dns: &'a str, port: &'a str, trust: &'a Path) -> Vec<String> {
    vec![
        "--resolver".into(),
        dns.into(),
        "--port".into(),
        port.into(),
        "--trust".into(),
        trust.display().to_string(),
    ]
}

/// One MX host on its own loopback address, serving `spec`; returns the JSON report.
fn probe_single_mx(
    env: &Env,
    addr_last: u8,
    domain: &str,
    spec: LeafSpec,
    extra: &[&str],
) -> (i32, Value) {
    let mut args = extra.to_vec();
    args.extend(["--format", "json"]);
    let out = probe_single_mx_run(env, addr_last, domain, spec, &args);
    (exit_code(&out), stdout_json(&out))
}

fn spki_of_pem(pem: &str) -> String {
    let der = rustls_pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
    tlscheck::cert::summary::summarize(&der).spki_sha256
}

use rustls_pki_types::pem::PemObject;

#[test]
fn good_chain_passes_with_full_facts() {
    let env = Env::new();
    let (code, r) = probe_single_mx(&env, 1, "good.test", LeafSpec::new(["mx.good.test"]), &[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["verdict"], "pass");
    assert!(codes(&r).is_empty(), "{:?}", codes(&r));
    let t = &r["targets"][0];
    assert_eq!(t["mx"][0]["exchange"], "mx.good.test");
    let a = first_address(&r);
    assert_eq!(a["smtp"]["starttls_offered"], true);
    assert_eq!(a["smtp"]["starttls_reply"]["code"], 220);
    assert!(a["smtp"]["tls_ehlo_keywords"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k != "STARTTLS"));
    let tls = &a["tls"];
    assert_eq!(tls["version"], "TLSv1.3");
    assert!(
        tls["cipher_suite"]
            .as_str()
            .unwrap()
            .starts_with("TLS_AES_"),
        "{}",
        tls["cipher_suite"]
    );
    assert_eq!(tls["kx_group"], "X25519MLKEM768");
    assert_eq!(tls["post_quantum"], true);
    assert_eq!(tls["forward_secrecy"], true);
    assert_eq!(tls["sni"], "mx.good.test");
    assert_eq!(tls["chain_valid"], true);
    assert_eq!(tls["name_valid"], true);
    assert_eq!(tls["chain"].as_array().unwrap().len(), 2);
    assert_eq!(tls["chain"][0]["common_name"], "mx.good.test");
    assert_eq!(
        tls["anchor"]["spki_sha256"],
        spki_of_pem(&env.pki.root_pem()).as_str()
    );
    assert_eq!(tls["anchor"]["source"], "trust-store");
    assert_eq!(tls["handshake_completed"], true);
    let v = &a["versions"];
    assert_eq!(
        (v["tls1_0"].as_str(), v["tls1_1"].as_str()),
        (Some("rejected"), Some("rejected")),
        "{v:#}"
    );
    assert_eq!(
        (v["tls1_2"].as_str(), v["tls1_3"].as_str()),
        (Some("accepted"), Some("accepted")),
        "{v:#}"
    );
    assert!(
        v["static_rsa"].is_null(),
        "static RSA is probed only when ECDHE fails"
    );
    assert!(tls["trust_store"].as_str().unwrap().starts_with("file:"));
    // The main session's whole transcript: greeting, EHLO, STARTTLS, EHLO again, QUIT. (The
    // MAIL question rides on the TLS 1.2 probe's connection beside it, which costs no time.)
    assert_eq!(
        commands(a),
        vec![
            "EHLO probe.tlscheck.test",
            "STARTTLS",
            "EHLO probe.tlscheck.test",
            "QUIT"
        ]
    );
    assert_eq!(a["smtp"]["tls_required"], false);
    assert_eq!(a["smtp"]["mail_reply"]["code"], 250);
}

#[test]
fn good_chain_text_output_reads_well() {
    let env = Env::new();
    let server = env.server(NET.bind(2), LeafSpec::new(["mx.text.test"]));
    let dns = TestDns::start_blocking(
        Zone::new()
            .mx("text.test", 10, "mx.text.test")
            .a("mx.text.test", NET.ip(2)),
    );
    let (dns_s, port) = (dns.addr.to_string(), server.addr.port().to_string());
    let mut args = vec!["mx".to_string(), "text.test".into()];
    args.extend(mx_args(&dns_s, &port, &env.trust));
    let out = tlscheck().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("PASS  mx text.test: 0 errors, 0 warnings, 2 infos\n"),
        "{text}"
    );
    assert!(text.contains("MX: 10 mx.text.test"), "{text}");
    assert!(text.contains("127.0.9.2:"), "{text}");
    assert!(text.contains("STARTTLS offered and accepted"), "{text}");
    assert!(text.contains("TLSv1.3 TLS_AES_"), "{text}");
    assert!(text.contains("name      matches mx.text.test"), "{text}");
}

#[test]
fn starttls_not_offered_fails() {
    let server = SmtpServer::start_blocking(NET.bind(3), SmtpServerConfig::plain()).unwrap();
    let (code, r) = run_json(&["host", &server.addr.to_string()]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(codes(&r), vec!["starttls-not-offered"]);
    assert!(first_address(&r)["tls"].is_null());
    assert!(
        first_address(&r)["versions"].is_null(),
        "no versions without STARTTLS"
    );
}

#[test]
fn starttls_refused_with_454() {
    let mut cfg = SmtpServerConfig::plain();
    cfg.offer_starttls = true;
    cfg.starttls_reply = Some("454 4.7.0 TLS not available due to local problem".into());
    let server = SmtpServer::start_blocking(NET.bind(4), cfg).unwrap();
    let (code, r) = run_json(&["host", &server.addr.to_string()]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(codes(&r), vec!["starttls-refused"]);
    assert_eq!(first_address(&r)["error"]["reply"]["code"], 454);
}

#[test]
fn expired_leaf_is_expired_but_still_anchored() {
    let env = Env::new();
    let mut spec = LeafSpec::new(["mx.expired.test"]);
    spec.not_before = OffsetDateTime::now_utc() - Duration::from_secs(400 * 86400);
    spec.not_after = OffsetDateTime::now_utc() - Duration::from_secs(10 * 86400);
    let (code, r) = probe_single_mx(&env, 5, "expired.test", spec, &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["cert-expired"], "{r:#}");
    let tls = &first_address(&r)["tls"];
    assert_eq!(tls["chain_valid"], false);
    assert_eq!(tls["chain_error"]["kind"], "expired");
    assert_eq!(
        tls["anchor"]["spki_sha256"],
        spki_of_pem(&env.pki.root_pem()).as_str()
    );
}

#[test]
fn wrong_name_is_a_mismatch() {
    let env = Env::new();
    let (code, r) = probe_single_mx(
        &env,
        6,
        "wrongname.test",
        LeafSpec::new(["other.example.org"]),
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["cert-name-mismatch"], "{r:#}");
    assert_eq!(first_address(&r)["tls"]["name_valid"], false);
    assert_eq!(first_address(&r)["tls"]["chain_valid"], true);
}

#[test]
fn untrusted_root_is_untrusted() {
    let env = Env::new();
    let mut spec = LeafSpec::new(["mx.untrusted.test"]);
    spec.issuer = Issuer::OtherRoot;
    let (code, r) = probe_single_mx(&env, 7, "untrusted.test", spec, &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["cert-untrusted"], "{r:#}");
    assert_eq!(
        first_address(&r)["tls"]["chain_error"]["kind"],
        "unknown-issuer"
    );
    assert!(first_address(&r)["tls"]["anchor"].is_null());
}

/// A profile expecting the test root by key, named exactly like it.
fn test_profile(env: &Env, with_pem: bool) -> PathBuf {
    let root_pem = env.pki.root_pem();
    let pem = if with_pem {
        format!("pem = \"\"\"\n{root_pem}\"\"\"\n")
    } else {
        String::new()
    };
    env.write(
        "profile.toml",
        &format!(
            "name = \"test-expectation\"\ndescription = \"expects the test root\"\nmin_tls = \"1.2\"\n\
             [[roots]]\nname = \"tlscheck Test Root\"\nspki_sha256 = \"{}\"\n{pem}",
            spki_of_pem(&root_pem)
        ),
    )
}

#[test]
fn impostor_root_with_the_expected_name_is_a_root_mismatch() {
    let env = Env::new();
    let profile = test_profile(&env, false);
    // The impostor root is trusted locally (as a TLS-intercepting box's root would be).
    let impostor_trust = env.write("impostor.pem", &env.pki.impostor_root_pem());
    let mut spec = LeafSpec::new(["mx.impostor.test"]);
    spec.issuer = Issuer::ImpostorRoot;
    let (code, r) = probe_single_mx(
        &env,
        8,
        "impostor.test",
        spec,
        &[
            "--trust",
            impostor_trust.to_str().unwrap(),
            "--profile",
            profile.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["root-mismatch"], "{r:#}");
    let tls = &first_address(&r)["tls"];
    assert_eq!(tls["chain_valid"], true);
    assert!(tls["anchor"]["subject"]
        .as_str()
        .unwrap()
        .contains("tlscheck Test Root"));
    assert!(r["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("the name matches but the key does not"));

    // The genuine root under the same profile passes.
    let (code, r) = probe_single_mx(
        &env,
        9,
        "genuine.test",
        LeafSpec::new(["mx.genuine.test"]),
        &["--profile", profile.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["options"]["profile"], "test-expectation");
}

#[test]
fn profile_anchor_checks_the_chain_when_the_store_lacks_the_root() {
    let env = Env::new();
    let profile = test_profile(&env, true);
    // webpki does not know the test root; the profile carries it (as exchange-online-2018 carries
    // GlobalSign R1, which webpki-roots dropped).
    let (code, r) = probe_single_mx(
        &env,
        10,
        "profileanchor.test",
        LeafSpec::new(["mx.profileanchor.test"]),
        &["--trust", "webpki", "--profile", profile.to_str().unwrap()],
    );
    assert_eq!(codes(&r), vec!["anchor-not-in-trust-store"], "{r:#}");
    assert_eq!(code, 0);
    let tls = &first_address(&r)["tls"];
    assert_eq!(tls["trust_store"], "webpki");
    assert_eq!(tls["anchor"]["source"], "profile");
    assert_eq!(tls["chain_valid"], false);
}

#[test]
fn implicit_mx_uses_the_domain_address() {
    let env = Env::new();
    let server = env.server(NET.bind(11), LeafSpec::new(["implicit.test"]));
    let dns = TestDns::start_blocking(Zone::new().a("implicit.test", NET.ip(11)));
    let (dns_s, port) = (dns.addr.to_string(), server.addr.port().to_string());
    let mut args = vec!["mx".to_string(), "implicit.test".into()];
    args.extend(mx_args(&dns_s, &port, &env.trust));
    let (code, r) = run_json(&args);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(codes(&r), vec!["implicit-mx"]);
    assert_eq!(r["targets"][0]["implicit_mx"], true);
    assert_eq!(r["targets"][0]["hosts"][0]["name"], "implicit.test");
    assert_eq!(first_address(&r)["tls"]["name_valid"], true);
}

#[test]
fn null_mx_is_reported_and_inconclusive() {
    let dns = TestDns::start_blocking(
        Zone::new()
            .null_mx("nullmx.test")
            .a("nullmx.test", NET.ip(12)),
    );
    let (code, r) = run_json(&["mx", "nullmx.test", "--resolver", &dns.addr.to_string()]);
    assert_eq!(code, 3, "{r:#}");
    assert_eq!(codes(&r), vec!["null-mx"]);
    assert_eq!(r["targets"][0]["null_mx"], true);
    assert!(
        r["targets"][0]["hosts"].as_array().unwrap().is_empty(),
        "a null MX domain is not probed"
    );
}

#[test]
fn nxdomain_is_inconclusive() {
    let dns = TestDns::start_blocking(Zone::new().a("other.test", NET.ip(13)));
    let (code, r) = run_json(&["mx", "missing.test", "--resolver", &dns.addr.to_string()]);
    assert_eq!(code, 3);
    assert_eq!(codes(&r), vec!["domain-unresolvable"]);
    assert_eq!(r["targets"][0]["dns_error"]["kind"], "nxdomain");
}

/// A resolver where nothing listens: the resolver is named and blamed, not the domain.
#[test]
fn a_dead_resolver_is_not_a_misspelt_domain() {
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let resolver = format!("127.0.0.1:{port}");
    let (code, r) = run_json(&[
        "mx",
        "contoso.test",
        "--resolver",
        &resolver,
        "--timeout",
        "1",
    ]);
    assert_eq!(code, 3, "{r:#}");
    assert_eq!(codes(&r), vec!["resolver-unreachable"], "{r:#}");
    let message = r["targets"][0]["dns_error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("resolver {resolver}")),
        "{message}"
    );
    assert!(!r["findings"][0]["remediation"]
        .as_str()
        .unwrap()
        .contains("spelling"));
}

#[test]
fn connection_refused_is_recorded() {
    let addr = closed_port();
    let (code, r) = run_json(&["host", &addr.to_string()]);
    assert_eq!(code, 3, "{r:#}");
    assert_eq!(codes(&r), vec!["connect-failed"]);
    assert_eq!(first_address(&r)["error"]["phase"], "connect");
    assert_eq!(first_address(&r)["error"]["kind"], "refused");
}

#[test]
fn silent_server_ends_within_the_timeout() {
    let mut cfg = SmtpServerConfig::plain();
    cfg.greeting = Greeting::Silent;
    let server = SmtpServer::start_blocking(NET.bind(14), cfg).unwrap();
    let t0 = Instant::now();
    let (code, r) = run_json(&["host", &server.addr.to_string(), "--timeout", "1"]);
    let elapsed = t0.elapsed();
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert_eq!(code, 3, "{r:#}");
    assert_eq!(codes(&r), vec!["smtp-timeout"]);
    assert_eq!(first_address(&r)["error"]["phase"], "greeting");
    assert_eq!(first_address(&r)["error"]["kind"], "timeout");
}

#[test]
fn run_deadline_bounds_everything() {
    let mut cfg = SmtpServerConfig::plain();
    cfg.greeting = Greeting::Silent;
    let server = SmtpServer::start_blocking(NET.bind(15), cfg).unwrap();
    let t0 = Instant::now();
    let (code, r) = run_json(&[
        "host",
        &server.addr.to_string(),
        "--timeout",
        "30",
        "--deadline",
        "1",
    ]);
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t0.elapsed()
    );
    assert_eq!(code, 3);
    assert_eq!(first_address(&r)["error"]["kind"], "deadline");
}

#[test]
fn greeting_421_is_throttled_not_missing_starttls() {
    let mut cfg = SmtpServerConfig::plain();
    cfg.greeting = Greeting::Custom("421 4.7.0 Too many connections, try again later".into());
    let server = SmtpServer::start_blocking(NET.bind(16), cfg).unwrap();
    let (code, r) = run_json(&["host", &server.addr.to_string()]);
    assert_eq!(code, 3, "{r:#}");
    assert_eq!(codes(&r), vec!["smtp-throttled"]);
    assert_eq!(first_address(&r)["smtp"]["banner"]["code"], 421);
    assert_eq!(first_address(&r)["error"]["kind"], "throttled");
}

#[test]
fn two_mx_hosts_one_down_gives_a_partial_result() {
    let env = Env::new();
    let server = env.server(NET.bind(17), LeafSpec::new(["mx1.partial.test"]));
    let port = server.addr.port();
    // mx2's address has nothing listening on the same port.
    let dns = TestDns::start_blocking(
        Zone::new()
            .mx("partial.test", 10, "mx1.partial.test")
            .mx("partial.test", 20, "mx2.partial.test")
            .a("mx1.partial.test", NET.ip(17))
            .a("mx2.partial.test", NET.ip(18)),
    );
    let (dns_s, port_s) = (dns.addr.to_string(), port.to_string());
    let mut args = vec!["mx".to_string(), "partial.test".into()];
    args.extend(mx_args(&dns_s, &port_s, &env.trust));
    let (code, r) = run_json(&args);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(codes(&r), vec!["connect-failed"]);
    assert_eq!(r["findings"][0]["host"], "mx2.partial.test");
    let hosts = r["targets"][0]["hosts"].as_array().unwrap();
    assert_eq!(hosts[0]["name"], "mx1.partial.test");
    assert_eq!(hosts[0]["preference"], 10);
    assert_eq!(hosts[0]["addresses"][0]["tls"]["chain_valid"], true);
    assert_eq!(hosts[1]["addresses"][0]["error"]["kind"], "refused");
}

#[test]
fn implicit_tls_on_an_smtps_port() {
    let env = Env::new();
    let leaf = env.pki.leaf(LeafSpec::new(["smtps.test"]));
    let server = SmtpServer::start_blocking(
        NET.bind(19),
        SmtpServerConfig::implicit_tls(rustls_server_config(&leaf)),
    )
    .unwrap();
    let dns = TestDns::start_blocking(Zone::new().a("smtps.test", NET.ip(19)));
    let target = format!("smtps.test:{}", server.addr.port());
    let (code, r) = run_json(&[
        "host",
        &target,
        "--implicit-tls",
        "--resolver",
        &dns.addr.to_string(),
        "--trust",
        env.trust.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{r:#}");
    let a = first_address(&r);
    assert_eq!(a["implicit_tls"], true);
    assert_eq!(a["tls"]["version"], "TLSv1.3");
    assert_eq!(a["smtp"]["banner"]["code"], 220);
    // The main session and the TLS 1.2-only version probe complete a handshake.
    assert_eq!(server.tls_handshakes(), 2);
}

#[test]
fn three_connections_per_address_and_output_file() {
    let env = Env::new();
    let server = env.server(NET.bind(20), LeafSpec::new(["mx.file.test"]));
    let dns = TestDns::start_blocking(
        Zone::new()
            .mx("file.test", 10, "mx.file.test")
            .a("mx.file.test", NET.ip(20)),
    );
    let out = env.dir.path().join("report.json");
    let (dns_s, port) = (dns.addr.to_string(), server.addr.port().to_string());
    let mut args = vec!["mx".to_string(), "file.test".into()];
    args.extend(mx_args(&dns_s, &port, &env.trust));
    args.extend([
        "--format".into(),
        "json".into(),
        "-o".into(),
        out.display().to_string(),
    ]);
    let o = tlscheck().args(&args).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty(), "with -o nothing goes to stdout");
    let r: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(r["verdict"], "pass");
    // The main session, the TLS 1.2-only probe and the raw TLS 1.0/1.1 probe.
    assert_eq!(server.connections(), 3);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["mx"],
        vec!["mx", "a.test", "--profile", "no-such-profile"],
        vec!["mx", "a.test", "--require-tls", "1.0"],
        vec!["mx", "a.test", "--trust", "/nonexistent/roots.pem"],
        vec!["bogus"],
    ] {
        let o = tlscheck().args(&args).output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!o.stderr.is_empty());
    }
    let o = tlscheck().arg("--help").output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("3  inconclusive"));
}

#[test]
fn builtin_exchange_profile_flags_a_foreign_certificate() {
    let env = Env::new();
    let (code, r) = probe_single_mx(
        &env,
        21,
        "exo.test",
        LeafSpec::new(["mx.exo.test"]),
        &["--expect", "exchange-online"],
    );
    assert_eq!(code, 1);
    let c = codes(&r);
    for expected in [
        "root-mismatch",
        "cert-name-unexpected",
        "cert-organization-unexpected",
    ] {
        assert!(c.contains(&expected.to_string()), "{c:?}");
    }
}

/// A perfect own server (valid chain, its own name, TLS 1.2/1.3 with ECDHE AES-GCM): it is not
/// Exchange Online (`--expect` fails it), but Exchange Online delivers to it (`--sender` passes,
/// opportunistic or forced), and no identity finding comes from the sender profile.
#[test]
fn a_perfect_own_server_passes_the_sender_profile_and_fails_the_expect_profile() {
    let env = Env::new();
    let identity = [
        "root-mismatch",
        "cert-name-unexpected",
        "cert-organization-unexpected",
    ];
    for (last, extra) in [
        (120, vec!["--sender", "exchange-online"]),
        (121, vec!["--sender", "exchange-online", "--forced-tls"]),
    ] {
        let (code, r) = probe_single_mx(
            &env,
            last,
            "own.test",
            LeafSpec::new(["mx.own.test"]),
            &extra,
        );
        assert_eq!(code, 0, "{extra:?}: {r:#}");
        let c = codes(&r);
        assert!(
            identity.iter().all(|i| !c.contains(&i.to_string())),
            "{c:?}"
        );
        assert!(c.iter().all(|c| !c.starts_with("sender-")), "{c:?}");
        assert_eq!(r["options"]["sender"], "exchange-online");
        assert_eq!(
            r["options"]["forced_tls"].as_bool().unwrap_or(false),
            extra.len() == 3
        );
        assert!(r["options"]["profile"].is_null());
    }
    // The same server judged as if it were Exchange Online fails on identity.
    let (code, r) = probe_single_mx(
        &env,
        122,
        "own.test",
        LeafSpec::new(["mx.own.test"]),
        &["--expect", "exchange-online"],
    );
    assert_eq!(code, 1);
    let c = codes(&r);
    assert!(identity.iter().all(|i| c.contains(&i.to_string())), "{c:?}");
}

/// The wrong name: opportunistic Exchange Online delivers anyway (info), forced TLS refuses it.
#[test]
fn the_sender_judges_the_certificate_only_with_forced_tls() {
    let env = Env::new();
    let spec = || LeafSpec::new(["other.name.test"]);
    let (code, r) = probe_single_mx(
        &env,
        123,
        "wrongname.test",
        spec(),
        &["--sender", "exchange-online"],
    );
    assert!(
        codes(&r).contains(&"sender-certificate-ignored".to_string()),
        "{r:#}"
    );
    assert_eq!(code, 1, "cert-name-mismatch itself is still an error");
    let (code, r) = probe_single_mx(
        &env,
        124,
        "wrongname.test",
        spec(),
        &["--sender", "exchange-online", "--forced-tls"],
    );
    assert_eq!(code, 1);
    assert!(
        codes(&r).contains(&"sender-certificate-refused".to_string()),
        "{r:#}"
    );
}

/// `--profile` still works as `--expect`, with a one-line warning on stderr.
#[test]
fn the_deprecated_profile_flag_warns_and_means_expect() {
    let env = Env::new();
    let out = probe_single_mx_run(
        &env,
        125,
        "alias.test",
        LeafSpec::new(["mx.alias.test"]),
        &["--profile", "exchange-online", "--format", "json"],
    );
    assert_eq!(exit_code(&out), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr
            .matches("--profile is deprecated; use --expect")
            .count(),
        1,
        "{stderr}"
    );
    let r = stdout_json(&out);
    assert_eq!(r["options"]["profile"], "exchange-online");
    assert!(codes(&r).contains(&"root-mismatch".to_string()));
}

/// `profile list` names both kinds; `profile show` prints a template that, saved and passed back
/// as a file, judges exactly like the built-in.
#[test]
fn profile_list_and_show_round_trip() {
    let env = Env::new();
    let out = tlscheck().args(["profile", "list"]).output().unwrap();
    assert_eq!(exit_code(&out), 0);
    let list = String::from_utf8(out.stdout).unwrap();
    assert!(
        list.lines()
            .any(|l| l.starts_with("exchange-online ") && l.contains(" expect ")),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.starts_with("exchange-online ") && l.contains(" sender ")),
        "{list}"
    );
    assert!(list.contains("exchange-online-2018"), "{list}");
    let out = tlscheck()
        .args(["profile", "show", "exchange-online"])
        .output()
        .unwrap();
    assert_eq!(exit_code(&out), 2, "ambiguous without --kind");
    for (kind, flag, last) in [("sender", "--sender", 126), ("expect", "--expect", 127)] {
        let out = tlscheck()
            .args(["profile", "show", "exchange-online", "--kind", kind])
            .output()
            .unwrap();
        assert_eq!(exit_code(&out), 0);
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with('#') && text.contains(&format!("kind = \"{kind}\"")),
            "{text}"
        );
        let file = env.write(&format!("{kind}.toml"), &text);
        let (_, from_file) = probe_single_mx(
            &env,
            last,
            "tpl.test",
            LeafSpec::new(["mx.tpl.test"]),
            &[flag, file.to_str().unwrap()],
        );
        let (_, builtin) = probe_single_mx(
            &env,
            last,
            "tpl.test",
            LeafSpec::new(["mx.tpl.test"]),
            &[flag, "exchange-online"],
        );
        assert_eq!(codes(&from_file), codes(&builtin), "{kind}");
        // The wrong kind is refused with a usage error.
        let other = if flag == "--sender" {
            "--expect"
        } else {
            "--sender"
        };
        let out = tlscheck()
            .args(["host", "mx.tpl.test", other, file.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(exit_code(&out), 2);
    }
}

#[test]
fn families_restrict_the_addresses_probed() {
    let env = Env::new();
    let leaf = env.pki.leaf(LeafSpec::new(["mx.dual.test"]));
    let cfg = SmtpServerConfig::starttls(rustls_server_config(&leaf));
    // The same port on both addresses: retry if another test holds it on ::1.
    let (v4, v6) = (0..20)
        .find_map(|_| {
            let v4 = SmtpServer::start_blocking(NET.bind(22), cfg.clone()).ok()?;
            let v6 = SmtpServer::start_blocking(
                SocketAddr::new("::1".parse().ok()?, v4.addr.port()),
                cfg.clone(),
            )
            .ok()?;
            Some((v4, v6))
        })
        .expect("a port free on both 127.0.9.22 and ::1");
    let port = v4.addr.port();
    let dns = TestDns::start_blocking(
        Zone::new()
            .mx("dual.test", 10, "mx.dual.test")
            .a("mx.dual.test", NET.ip(22))
            .aaaa("mx.dual.test", "::1".parse().unwrap()),
    );
    let (dns_s, port_s) = (dns.addr.to_string(), port.to_string());
    let ips = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["mx".to_string(), "dual.test".into()];
        args.extend(mx_args(&dns_s, &port_s, &env.trust));
        args.extend(extra.iter().map(|s| s.to_string()));
        let (code, r) = run_json(&args);
        assert_eq!(code, 0, "{r:#}");
        r["targets"][0]["hosts"][0]["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["ip"].as_str().unwrap().to_string())
            .collect()
    };
    let mut both = ips(&[]);
    both.sort();
    assert_eq!(both, vec!["127.0.9.22", "::1"]);
    assert_eq!(ips(&["-4"]), vec!["127.0.9.22"]);
    assert_eq!(ips(&["-6"]), vec!["::1"]);
    drop(v6);
}

#[test]
fn explain_names_cause_finding_and_command() {
    let o = tlscheck()
        .args(["explain", "451 5.7.3 Must issue a STARTTLS command first"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("Likely causes:"), "{text}");
    assert!(
        text.contains("confirmed by finding: starttls-not-offered"),
        "{text}"
    );
    assert!(text.contains("tlscheck host"), "{text}");

    let o = tlscheck()
        .args(["explain", "--format", "json", "252 whatever"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let e = stdout_json(&o);
    assert_eq!(e["known"], false);
    assert_eq!(e["reply_code"], 252);
}

#[test]
fn ciphers_are_enumerated_per_version_on_request() {
    let env = Env::new();
    let (code, r) = probe_single_mx(
        &env,
        23,
        "ciphers.test",
        LeafSpec::new(["mx.ciphers.test"]),
        &["--ciphers"],
    );
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["options"]["ciphers"], true);
    let lists = first_address(&r)["ciphers"].as_array().unwrap().clone();
    let by_version = |v: &str| -> Vec<String> {
        let mut s: Vec<String> = lists
            .iter()
            .find(|l| l["version"] == v)
            .unwrap_or_else(|| panic!("no {v} list: {lists:?}"))["suites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        s.sort();
        s
    };
    // rustls as a server with an ECDSA P-256 certificate: exactly these.
    assert_eq!(
        by_version("TLSv1.2"),
        vec![
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        ]
    );
    assert_eq!(
        by_version("TLSv1.3"),
        vec![
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256"
        ]
    );
    // rustls follows the client's order unless told otherwise.
    assert!(
        lists.iter().all(|l| l["server_preference"] == false),
        "{lists:?}"
    );
    assert_eq!(
        lists.len(),
        2,
        "TLS 1.0/1.1 are rejected, so not enumerated"
    );

    // Without --ciphers nothing is enumerated.
    let (_, r) = probe_single_mx(
        &env,
        24,
        "nociphers.test",
        LeafSpec::new(["mx.nociphers.test"]),
        &[],
    );
    assert!(first_address(&r)["ciphers"].is_null());
}

// ------------------------------------------------------------------ partner hand-off (Markdown)

/// One MX host on its own loopback address serving `spec`, probed with `extra` arguments (an
/// explicit `--trust` replaces the test root); returns (exit code, stdout).
fn probe_single_mx_output(
    env: &Env,
    addr_last: u8,
    domain: &str,
    spec: LeafSpec,
    extra: &[&str],
) -> (i32, String) {
    let out = probe_single_mx_run(env, addr_last, domain, spec, extra);
    (exit_code(&out), String::from_utf8(out.stdout).unwrap())
}

/// The run behind [`probe_single_mx`] and [`probe_single_mx_output`].
fn probe_single_mx_run(
    env: &Env,
    addr_last: u8,
    domain: &str,
    spec: LeafSpec,
    extra: &[&str],
) -> std::process::Output {
    let mx = format!("mx.{domain}");
    let server = env.server(NET.bind(addr_last), spec);
    let dns = TestDns::start_blocking(Zone::new().mx(domain, 10, &mx).a(&mx, NET.ip(addr_last)));
    let (dns_s, port) = (dns.addr.to_string(), server.addr.port().to_string());
    let mut args = vec!["mx".to_string(), domain.to_string()];
    args.extend(mx_args(&dns_s, &port, &env.trust));
    if extra.contains(&"--trust") {
        // The test chooses its own trust store.
        args.truncate(args.len() - 2);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = tlscheck()
        .args(&args)
        .args(["--ehlo", "probe.tlscheck.test"])
        .output()
        .unwrap();
    drop(server);
    out
}

#[test]
fn markdown_output_has_the_partner_table() {
    let env = Env::new();
    let mut spec = LeafSpec::new(["mx.md.test", "mail.md.test"]);
    spec.organization = Some("Contoso | Mail".into());
    spec.crl_url = Some("http://crl.md.test/ca.crl".into());
    let (code, md) = probe_single_mx_output(
        &env,
        200,
        "md.test",
        spec,
        &["--format", "markdown", "--no-revocation"],
    );
    assert_eq!(code, 0, "{md}");
    assert!(md.starts_with("# SMTP TLS report: md.test\n"), "{md}");
    assert!(
        md.contains("## md.test (mx): PASS — 0 errors, 0 warnings, 2 infos\n"),
        "{md}"
    );
    assert!(md.contains("| mx.md.test | `127.0.9.200:"), "{md}");
    assert!(
        md.contains("| OK | offered, accepted; plaintext MAIL accepted | `TLSv1.3` | `TLS_AES_"),
        "{md}"
    );
    assert!(
        md.contains("### Certificate for partners: mx.md.test\n"),
        "{md}"
    );
    assert!(
        md.contains("| Certificate name | mx.md.test; SAN: mx.md.test, mail.md.test |"),
        "{md}"
    );
    assert!(
        md.contains("| Certificate key strength | EC P-256 (256 bits) |"),
        "{md}"
    );
    assert!(
        md.contains("| Organization | Contoso \\| Mail |"),
        "the pipe is escaped: {md}"
    );
    assert!(
        md.contains("| Certificate authority root issuer | CN=tlscheck Test Root"),
        "{md}"
    );
    assert!(
        md.contains(
            "| Revocation endpoint: CRL (leaf) | http://crl.md.test/ca.crl — not checked (--no-revocation) |"
        ),
        "{md}"
    );
    assert!(md.contains("| SHA-256 fingerprint | `"), "{md}");
    assert!(md.contains("- Intermediate: "), "{md}");
}

#[test]
fn text_output_shows_partner_facts_and_revocation() {
    let env = Env::new();
    let crl = env.pki.current_crl(&[]);
    let http =
        HttpServer::start_blocking(NET.bind(201), vec![("/ca.crl", Reply::crl(crl))]).unwrap();
    let crl_url = http.url("/ca.crl");
    let mut spec = LeafSpec::new(["mx.partner.test"]);
    spec.organization = Some("Partner Org".into());
    spec.crl_url = Some(crl_url.clone());
    let (code, text) =
        probe_single_mx_output(&env, 202, "partner.test", spec, &["--allow-private-fetch"]);
    assert_eq!(code, 0, "{text}");
    // The facts a partner asks for, each said once: name and O (the subject), key strength,
    // validity, fingerprint, root.
    assert!(
        text.contains("      cert      CN=mx.partner.test, O=Partner Org\n"),
        "{text}"
    );
    assert!(
        text.contains("SAN mx.partner.test; EC P-256 (256 bits)\n"),
        "{text}"
    );
    assert!(text.contains("                valid "), "{text}");
    assert!(text.contains("      sha256    "), "{text}");
    assert!(
        text.contains("      root      CN=tlscheck Test Root, O=tlscheck tests\n"),
        "{text}"
    );
    assert!(!text.contains("partners"), "{text}");
    // Wrapped to 80 columns by default.
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    assert!(
        text.contains(&format!("      revocation leaf: CRL good ({crl_url})\n")),
        "{text}"
    );
    assert_eq!(http.hits("/ca.crl"), 1);

    let (code, quiet) = probe_single_mx_output(
        &env,
        203,
        "quiet.test",
        LeafSpec::new(["mx.quiet.test"]),
        &["-q", "--no-revocation"],
    );
    assert_eq!(code, 0);
    assert_eq!(
        quiet,
        "PASS  mx quiet.test: 0 errors, 0 warnings, 2 infos\n"
    );
}

#[test]
fn endpoints_markdown_is_a_table() {
    let env = Env::new();
    let crl = env.pki.current_crl(&[]);
    let http = HttpServer::start_blocking(
        NET.bind(204),
        vec![
            ("/ca.crl", Reply::crl(crl)),
            ("/gone.crl", Reply::Status(404)),
        ],
    )
    .unwrap();
    let (ok, gone) = (http.url("/ca.crl"), http.url("/gone.crl"));
    let o = tlscheck()
        .args([
            "endpoints",
            "--url",
            &ok,
            "--url",
            &gone,
            "--allow-private-fetch",
            "--format",
            "markdown",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(md.starts_with("# CA endpoints\n"), "{md}");
    assert!(md.contains("Verdict: **FAIL**: 1 of 2 endpoints"), "{md}");
    assert!(md.contains(&format!("| ok | crl | {ok} | 200 | ")), "{md}");
    assert!(
        md.contains(&format!("| **FAIL** (http-error) | crl | {gone} | 404 | ")),
        "{md}"
    );
}

#[test]
fn saved_report_is_rerendered_and_rejudged_offline() {
    let env = Env::new();
    let profile = test_profile(&env, true);
    // Probed against a store without the test root and no profile: no anchor recorded.
    let (code, stdout) = probe_single_mx_output(
        &env,
        30,
        "saved.test",
        LeafSpec::new(["mx.saved.test"]),
        &["--trust", "webpki", "--format", "json"],
    );
    assert_eq!(code, 1, "{stdout}");
    let saved = env.write("saved.json", &stdout);
    let original: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(codes(&original), vec!["cert-untrusted"]);
    assert!(first_address(&original)["tls"]["anchor"].is_null());

    // Re-rendered as it is, in another format, with the same exit code.
    let out = tlscheck()
        .args(["report", saved.to_str().unwrap(), "--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("cert-untrusted") && md.contains("mx.saved.test"),
        "{md}"
    );

    // Re-judged with a profile carrying the root: the chain is anchored offline, the verdict
    // changes, and the options say which profile judged it.
    let (code, r) = run_report(&[
        "report",
        saved.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
    ]);
    assert_eq!(codes(&r), vec!["anchor-not-in-trust-store"], "{r:#}");
    assert_eq!(code, 0);
    assert_eq!(first_address(&r)["tls"]["anchor"]["source"], "profile");
    assert_eq!(r["options"]["profile"], "test-expectation");
    // The facts are untouched but for the anchor re-judging found.
    let mut expected = original["targets"][0]["hosts"].clone();
    expected[0]["addresses"][0]["tls"]["anchor"] = first_address(&r)["tls"]["anchor"].clone();
    assert_eq!(r["targets"][0]["hosts"], expected);

    // --require-tls from standard input.
    let out = tlscheck()
        .args(["report", "-", "--require-tls", "1.3", "--format", "json"])
        .write_stdin(stdout.clone())
        .output()
        .unwrap();
    let r = stdout_json(&out);
    assert_eq!(r["options"]["require_tls"], "TLSv1.3");
    assert_eq!(
        codes(&r),
        vec!["cert-untrusted"],
        "the server negotiated TLS 1.3"
    );
}

fn run_report(args: &[&str]) -> (i32, Value) {
    run::json(tlscheck().args(args).args(["--format", "json"]))
}

#[test]
fn unusable_saved_reports_are_usage_errors() {
    let env = Env::new();
    for (name, text, expect) in [
        ("garbage.json", "not json", "not JSON"),
        (
            "old.json",
            r#"{"schema_version": 99, "targets": []}"#,
            "schema_version 99",
        ),
        (
            "endpoints.json",
            r#"{"schema_version": 1, "kind": "endpoints"}"#,
            "endpoints",
        ),
        (
            "partial.json",
            r#"{"schema_version": 1}"#,
            "not a tlscheck report",
        ),
    ] {
        let path = env.write(name, text);
        let out = tlscheck().args(["report"]).arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expect), "{name}: {stderr}");
    }
    let out = tlscheck()
        .args(["report", "/nonexistent/report.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Runs the GitHub Action's run step (`scripts/action-run.sh`) in `env.dir` with `inputs`;
/// returns (exit code, stdout, the step outputs, the step summary).
fn run_action(env: &Env, inputs: &[(&str, &str)]) -> (i32, String, String, String) {
    let dir = env.dir.path();
    let (outputs, summary) = (dir.join("gh-output"), dir.join("gh-summary"));
    let _ = std::fs::remove_file(&outputs);
    let _ = std::fs::remove_file(&summary);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action-run.sh");
    let out = std::process::Command::new("bash")
        .arg(script)
        .current_dir(dir)
        .env("TLSCHECK", tlscheck_path())
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .envs(inputs.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        std::fs::read_to_string(&outputs).unwrap_or_default(),
        std::fs::read_to_string(&summary).unwrap_or_default(),
    )
}

#[test]
fn github_action_fails_the_job_only_on_errors() {
    let env = Env::new();
    let good = env.server(NET.bind(31), LeafSpec::new(["mx.action.test"]));
    let port = good.addr.port();
    let mut expired = LeafSpec::new(["mx.expired-action.test"]);
    expired.not_before = OffsetDateTime::now_utc() - time::Duration::days(90);
    expired.not_after = OffsetDateTime::now_utc() - time::Duration::days(1);
    let _bad = env.server(NET.at(32, port), expired);
    let dns = TestDns::start_blocking(
        Zone::new()
            .mx("action.test", 10, "mx.action.test")
            .a("mx.action.test", NET.ip(31))
            .mx("expired-action.test", 10, "mx.expired-action.test")
            .a("mx.expired-action.test", NET.ip(32)),
    );
    let args = format!(
        "--resolver {} --port {port} --trust {} --ehlo probe.tlscheck.test --no-revocation",
        dns.addr,
        env.trust.display()
    );

    // Pass: exit 0, the Markdown report in the log and the summary, the outputs set.
    let (code, stdout, outputs, summary) = run_action(
        &env,
        &[
            ("INPUT_DOMAINS", "action.test"),
            ("INPUT_ARGS", &args),
            ("INPUT_FORMAT", "markdown"),
        ],
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(outputs.contains("exit-code=0") && outputs.contains("report=tlscheck-report.md"));
    assert!(summary.contains("mx.action.test"), "{summary}");
    assert!(env.dir.path().join("tlscheck-report.md").exists());

    // An error finding fails the job, with an annotation; JUnit is written where asked.
    let (code, stdout, outputs, summary) = run_action(
        &env,
        &[
            ("INPUT_DOMAINS", "action.test, expired-action.test"),
            ("INPUT_ARGS", &args),
            ("INPUT_FORMAT", "junit"),
            ("INPUT_OUTPUT", "tls.xml"),
            ("INPUT_REQUIRE_TLS", "1.2"),
        ],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("::error::tlscheck: the TLS policy failed"),
        "{stdout}"
    );
    assert!(outputs.contains("exit-code=1"));
    assert!(
        summary.contains("cert-expired"),
        "the summary re-renders the report: {summary}"
    );
    let xml = std::fs::read_to_string(env.dir.path().join("tls.xml")).unwrap();
    assert!(
        xml.contains("<failure") && xml.contains("cert-expired"),
        "{xml}"
    );

    // Inconclusive (here: the domain does not exist) is a warning unless asked otherwise.
    let inputs = [
        ("INPUT_DOMAINS", "missing-action.test"),
        ("INPUT_ARGS", args.as_str()),
    ];
    let (code, stdout, outputs, _) = run_action(&env, &inputs);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("::warning::tlscheck: inconclusive"),
        "{stdout}"
    );
    assert!(outputs.contains("exit-code=3"));
    let mut strict = inputs.to_vec();
    strict.push(("INPUT_FAIL_ON_INCONCLUSIVE", "true"));
    assert_eq!(run_action(&env, &strict).0, 3);

    // A configuration error fails the job.
    let bad = [("INPUT_DOMAINS", "action.test"), ("INPUT_FORMAT", "yaml")];
    assert_eq!(run_action(&env, &bad).0, 2);
}

#[test]
fn github_action_checks_an_address_for_a_name_before_the_cutover() {
    let env = Env::new();
    let server = env.server(NET.bind(151), LeafSpec::new(["mx.cutover-action.test"]));
    let args = format!(
        "--trust {} --ehlo probe.tlscheck.test --no-revocation",
        env.trust.display()
    );
    let addr = server.addr.to_string();
    let inputs = |name: &'static str| {
        vec![
            ("INPUT_DOMAINS", addr.clone()),
            ("INPUT_NAME", name.to_string()),
            ("INPUT_ARGS", args.clone()),
            ("INPUT_FORMAT", "json".to_string()),
        ]
    };
    let run = |name| {
        let owned = inputs(name);
        let borrowed: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_action(&env, &borrowed)
    };
    let (code, stdout, _, summary) = run("mx.cutover-action.test");
    assert_eq!(code, 0, "{stdout}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(env.dir.path().join("tlscheck-report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(first_address(&report)["tls"]["name_valid"], true);
    assert!(summary.contains("mx.cutover-action.test"), "{summary}");
    // The wrong name fails the job; a bad one is a configuration error.
    assert_eq!(run("other.cutover-action.test").0, 1);
    for bad in ["--trust=/etc/passwd", "192.0.2.1", "bad name.test", "nodot"] {
        let (code, stdout, _, _) = run(bad);
        assert_eq!(code, 2, "{bad}: {stdout}");
    }
}

/// Runs the GitHub Action's install step (`scripts/action-install.sh`) with `vars`, installing
/// into `runner_temp`, with the releases under `releases` (as file:// URLs) and a fallback that
/// stands in for `cargo install`; returns (exit code, stdout and stderr, the GITHUB_PATH file).
#[cfg(unix)]
fn run_action_install(
    releases: &Path,
    runner_temp: &Path,
    vars: &[(&str, &str)],
) -> (i32, String, String) {
    let github_path = runner_temp.join("gh-path");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action-install.sh");
    let fallback = r#"mkdir -p "$TLSCHECK_ROOT/bin" && printf '#!/bin/sh\necho tlscheck 0.0.0-source\n' >"$TLSCHECK_ROOT/bin/tlscheck" && chmod +x "$TLSCHECK_ROOT/bin/tlscheck" && echo FALLBACK-BUILD"#;
    let out = std::process::Command::new("bash")
        .arg(script)
        .env("RUNNER_TEMP", runner_temp)
        .env("GITHUB_PATH", &github_path)
        .env(
            "TLSCHECK_RELEASE_BASE_URL",
            format!("file://{}", releases.display()),
        )
        .env("TLSCHECK_FALLBACK_CMD", fallback)
        .env("TLSCHECK_ACTION_REPOSITORY", "example/tlscheck")
        .env("ACTION_PATH", runner_temp.join("action"))
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let path = std::fs::read_to_string(&github_path).unwrap_or_default();
    (out.status.code().unwrap_or(-1), log, path)
}

/// Writes release `version` under `releases` as release.yml lays it out: one archive,
/// tlscheck-VERSION-TRIPLE.tar.gz holding tlscheck-VERSION-TRIPLE/tlscheck (here a script that
/// prints the version), and a SHA256SUMS naming it with `sum` (None: the archive's real SHA-256).
#[cfg(unix)]
fn write_release(releases: &Path, version: &str, triple: &str, sum: Option<&str>) -> String {
    let dir = releases.join(version);
    let name = format!("tlscheck-{version}-{triple}");
    let staging = dir.join("staging");
    std::fs::create_dir_all(staging.join(&name)).unwrap();
    let exe = staging.join(&name).join("tlscheck");
    let number = version.trim_start_matches('v');
    std::fs::write(&exe, format!("#!/bin/sh\necho tlscheck {number}\n")).unwrap();
    std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let asset = format!("{name}.tar.gz");
    let tar = std::process::Command::new("tar")
        .arg("-czf")
        .arg(dir.join(&asset))
        .arg("-C")
        .arg(&staging)
        .arg(&name)
        .status()
        .unwrap();
    assert!(tar.success());
    let bytes = std::fs::read(dir.join(&asset)).unwrap();
    let real = hex::encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        &bytes,
    ));
    let sums = format!(
        "{}  {asset}\n{}  tlscheck-{version}-x86_64-pc-windows-msvc.zip\n",
        sum.unwrap_or(&real),
        "0".repeat(64)
    );
    std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();
    asset
}

#[test]
#[cfg(unix)]
fn github_action_installs_the_released_binary_or_builds_from_source() {
    let temp = tempfile::tempdir().unwrap();
    let releases = temp.path().join("releases");
    let asset = write_release(&releases, "v1.2.3", "x86_64-unknown-linux-musl", None);
    assert_eq!(asset, "tlscheck-v1.2.3-x86_64-unknown-linux-musl.tar.gz");
    let linux = [("RUNNER_OS", "Linux"), ("RUNNER_ARCH", "X64")];
    let runner = |n: &str| {
        let dir = temp.path().join(n);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    };
    let installed = |dir: &Path| {
        let out = std::process::Command::new(dir.join("tlscheck/bin/tlscheck")).output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };

    // A release tag on Linux x86-64: the musl archive, checked, unpacked, on the PATH.
    let dir = runner("tag");
    let mut vars = linux.to_vec();
    vars.push(("TLSCHECK_VERSION", "v1.2.3"));
    let (code, log, path) = run_action_install(&releases, &dir, &vars);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains(&format!("/v1.2.3/{asset}")), "{log}");
    assert!(
        log.contains("SHA-256 checked") && !log.contains("FALLBACK-BUILD"),
        "{log}"
    );
    assert_eq!(path.trim(), dir.join("tlscheck/bin").display().to_string());
    assert_eq!(installed(&dir), "tlscheck 1.2.3");

    // The version defaults to the action's ref, here read from the layout of its checkout.
    let dir = runner("ref");
    let action = dir.join("_actions/example/tlscheck/v1.2.3");
    let mut vars = linux.to_vec();
    vars.push(("TLSCHECK_ACTION_REPOSITORY", ""));
    let action_path = action.display().to_string();
    vars.push(("ACTION_PATH", &action_path));
    let (code, log, _) = run_action_install(&releases, &dir, &vars);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains(&asset), "{log}");
    assert_eq!(installed(&dir), "tlscheck 1.2.3");

    // No archive for the runner (macOS here), a branch, or no such release: built from source.
    for (what, vars) in [
        (
            "no macOS asset",
            [
                ("RUNNER_OS", "macOS"),
                ("RUNNER_ARCH", "ARM64"),
                ("TLSCHECK_VERSION", "v1.2.3"),
            ],
        ),
        (
            "a branch",
            [
                ("RUNNER_OS", "Linux"),
                ("RUNNER_ARCH", "X64"),
                ("TLSCHECK_ACTION_REF", "main"),
            ],
        ),
        (
            "no release",
            [
                ("RUNNER_OS", "Linux"),
                ("RUNNER_ARCH", "X64"),
                ("TLSCHECK_VERSION", "v9.9.9"),
            ],
        ),
    ] {
        let dir = runner(&what.replace(' ', "-"));
        let (code, log, path) = run_action_install(&releases, &dir, &vars);
        assert_eq!(code, 0, "{what}: {log}");
        assert!(log.contains("FALLBACK-BUILD"), "{what}: {log}");
        assert!(
            !path.is_empty(),
            "{what}: the fallback's binary goes on the PATH"
        );
        assert_eq!(installed(&dir), "tlscheck 0.0.0-source", "{what}");
    }
    let dir = runner("macos-name");
    let vars = [
        ("RUNNER_OS", "macOS"),
        ("RUNNER_ARCH", "ARM64"),
        ("TLSCHECK_VERSION", "v1.2.3"),
    ];
    let (_, log, _) = run_action_install(&releases, &dir, &vars);
    assert!(
        log.contains("has no tlscheck-v1.2.3-aarch64-apple-darwin.tar.gz"),
        "{log}"
    );

    // A checksum that does not match fails the step, with no fallback and nothing installed.
    let bad = temp.path().join("bad-releases");
    write_release(
        &bad,
        "v1.2.3",
        "x86_64-unknown-linux-musl",
        Some(&"ab".repeat(32)),
    );
    let dir = runner("mismatch");
    let mut vars = linux.to_vec();
    vars.push(("TLSCHECK_VERSION", "v1.2.3"));
    let (code, log, path) = run_action_install(&bad, &dir, &vars);
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains(&format!(
            "::error::tlscheck install: {asset} does not match release v1.2.3's SHA256SUMS"
        )),
        "{log}"
    );
    assert!(!log.contains("FALLBACK-BUILD") && path.is_empty(), "{log}");
    assert_eq!(installed(&dir), "");
}

#[test]
fn colour_and_progress_only_on_a_terminal() {
    let env = Env::new();
    let server = env.server(NET.bind(33), LeafSpec::new(["mx.tty.test"]));
    let dns = TestDns::start_blocking(
        Zone::new()
            .mx("tty.test", 10, "mx.tty.test")
            .a("mx.tty.test", NET.ip(33)),
    );
    let bin = tlscheck_path();
    let line = format!(
        "{} mx tty.test --resolver {} --port {} --trust {} --no-revocation --ehlo probe.tlscheck.test",
        bin.display(),
        dns.addr,
        server.addr.port(),
        env.trust.display()
    );

    // In a pipe: no colour, no progress.
    let out = std::process::Command::new("sh")
        .args(["-c", &line])
        .env_remove("CI")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!out.stdout.contains(&0x1b), "colour in a pipe");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // On a terminal (script(1) gives the command a pty): coloured verdict, progress on stderr.
    let tty = |extra_env: &[(&str, &str)]| {
        let out = std::process::Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .env_remove("CI")
            .env_remove("NO_COLOR")
            .env("TERM", "xterm")
            .envs(extra_env.iter().copied())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let seen = tty(&[]);
    assert!(seen.contains("\x1b[32mPASS"), "{seen:?}");
    assert!(seen.contains("addresses probed"), "{seen:?}");
    // NO_COLOR turns colour off; CI turns the progress indicator off.
    let seen = tty(&[("NO_COLOR", "1"), ("CI", "true")]);
    assert!(
        seen.contains("PASS  mx tty.test") && !seen.contains("\x1b[32m"),
        "{seen:?}"
    );
    assert!(!seen.contains("addresses probed"), "{seen:?}");
}

#[test]
fn batch_file_probes_a_shared_mx_host_once() {
    let env = Env::new();
    let server = env.server(NET.bind(34), LeafSpec::new(["mx.shared.test"]));
    let mut zone = Zone::new().a("mx.shared.test", NET.ip(34));
    for d in ["one.test", "two.test", "three.test"] {
        zone = zone.mx(d, 10, "mx.shared.test");
    }
    let dns = TestDns::start_blocking(zone);
    let list = env.write(
        "domains.txt",
        "# customers\none.test\n\nTWO.test   # same MX\nthree.test\none.test\n",
    );
    let (dns_s, port) = (dns.addr.to_string(), server.addr.port().to_string());
    let mut args = vec!["mx".to_string(), "-f".into(), list.display().to_string()];
    args.extend(mx_args(&dns_s, &port, &env.trust));
    args.push("--no-revocation".into());
    let (code, r) = run_json(&args);
    assert_eq!(code, 0, "{r:#}");
    let names: Vec<&str> = r["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["one.test", "two.test", "three.test"]);
    for t in r["targets"].as_array().unwrap() {
        assert_eq!(
            t["hosts"][0]["addresses"][0]["tls"]["chain_valid"], true,
            "{t:#}"
        );
    }
    // Three domains, one MX address: probed once (3 connections: session + 2 version probes).
    assert_eq!(server.connections(), 3);

    // From standard input, beside a domain on the command line.
    let mut args = vec!["mx".to_string(), "one.test".into(), "-f".into(), "-".into()];
    args.extend(mx_args(&dns_s, &port, &env.trust));
    let out = tlscheck()
        .args(&args)
        .args(["--no-revocation", "--format", "json", "-q"])
        .write_stdin("two.test\n")
        .output()
        .unwrap();
    let r = stdout_json(&out);
    assert_eq!(r["targets"].as_array().unwrap().len(), 2);

    // Bad lines are named with their line numbers; nothing is probed.
    let bad = env.write(
        "bad.txt",
        "one.test\nbad!domain.test\n192.0.2.1\nthis is not a domain!\ntwo.test # fine\n",
    );
    let out = tlscheck().args(["mx", "-f"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.txt:2:") && stderr.contains("bad.txt:3:"),
        "{stderr}"
    );
    // A sentence is not a probe of its first word.
    assert!(
        stderr.contains("bad.txt:4: \"this is not a domain!\" is not a domain name"),
        "{stderr}"
    );
    assert!(!stderr.contains("bad.txt:5:"), "{stderr}");
}

/// Output paths are checked before anything is probed: a usage error (exit 2) at once, never
/// exit 4 after a whole run; the ranges in messages are the real ones.
#[test]
fn unwritable_output_and_bad_numbers_are_usage_errors_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/report.json");
    let started = std::time::Instant::now();
    // 192.0.2.1 (TEST-NET-1) is never reached: the check comes first.
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "host".into(),
                "192.0.2.1".into(),
                "-o".into(),
                missing.display().to_string(),
            ],
            "does not exist",
        ),
        (
            vec![
                "host".into(),
                "192.0.2.1".into(),
                "-o".into(),
                dir.path().display().to_string(),
            ],
            "is a directory",
        ),
        (
            vec![
                "report".into(),
                "x.json".into(),
                "-o".into(),
                missing.display().to_string(),
            ],
            "does not exist",
        ),
        (
            vec![
                "host".into(),
                "192.0.2.1".into(),
                "--timeout".into(),
                "0".into(),
            ],
            "more than 0 and at most 86400 seconds",
        ),
    ];
    for (args, says) in cases {
        let out = tlscheck().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let out = tlscheck()
        .args(["man", "--out-dir"])
        .arg(file.join("sub"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // An existing file is checked without being changed.
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

/// Three domains whose MX hosts have different names but one address: nothing is shared, so
/// each domain's probe opens its own connections (3 at once) to that address.
fn shared_address_zone(zone: Zone, prefix: &str, addr: Ipv4Addr) -> Zone {
    let mut zone = zone;
    for n in 1..=3 {
        let host = format!("mx{n}.{prefix}.cap.test");
        zone = zone
            .mx(&format!("d{n}.{prefix}.cap.test"), 10, &host)
            .a(&host, addr);
    }
    zone
}

#[test]
fn per_ip_cap_and_delay_hold_for_every_connection_of_the_run() {
    let env = Env::new();
    let names: Vec<String> = ["a", "b"]
        .iter()
        .flat_map(|p| (1..=3).map(move |n| format!("mx{n}.{p}.cap.test")))
        .collect();
    // Each reply waits 50 ms so that connections last long enough to overlap.
    let start = |last: u8, port: u16| {
        env.server_with(NET.at(last, port), LeafSpec::new(names.clone()), |cfg| {
            cfg.reply_delay = Duration::from_millis(50)
        })
    };
    let free = start(35, 0);
    let port = free.addr.port();
    let capped = start(36, port);
    let zone = shared_address_zone(Zone::new(), "a", NET.ip(35));
    let dns = TestDns::start_blocking(shared_address_zone(zone, "b", NET.ip(36)));
    let (dns_s, port_s) = (dns.addr.to_string(), port.to_string());
    // The server notices a close up to one reply delay late: count connections as ending 100 ms
    // before it did.
    let slack = Duration::from_millis(100);
    let run = |prefix: &str, extra: &[&str]| {
        let mut args: Vec<String> = vec!["mx".into()];
        args.extend((1..=3).map(|n| format!("d{n}.{prefix}.cap.test")));
        args.extend(mx_args(&dns_s, &port_s, &env.trust));
        args.push("--no-revocation".into());
        args.extend(extra.iter().map(|s| s.to_string()));
        let (code, r) = run_json(&args);
        assert_eq!(code, 0, "{r:#}");
        for t in r["targets"].as_array().unwrap() {
            let a = &t["hosts"][0]["addresses"][0];
            assert_eq!(a["tls"]["chain_valid"], true, "{a:#}");
            assert_eq!(a["versions"]["tls1_2"], "accepted", "{a:#}");
        }
        r
    };

    // A generous cap: the three probes of each domain overlap (the measurement can see overlap).
    let r = run("a", &["--per-ip", "16"]);
    assert_eq!(r["options"]["per_ip"], 16);
    assert_eq!(free.connections(), 9);
    assert!(free.peak_open(slack) >= 3, "{}", free.peak_open(slack));

    // --per-ip 2: the same nine connections, never more than two open at once; the report says
    // which sessions waited for a slot.
    let r = run("b", &["--per-ip", "2"]);
    assert_eq!(r["options"]["per_ip"], 2);
    assert_eq!(capped.connections(), 9);
    assert!(capped.peak_open(slack) <= 2, "{}", capped.peak_open(slack));
    let queued = r["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["hosts"][0]["addresses"][0]["timings_ms"]["queued"].is_u64())
        .count();
    assert!(queued >= 1, "{r:#}");

    // --ip-delay 0.3: connections to the address start at least 300 ms apart.
    let before = free.connections();
    let r = run("a", &["--ip-delay", "0.3"]);
    assert_eq!(r["options"]["ip_delay_ms"], 300);
    let times = free.accept_times();
    let times = times.get(before..).unwrap();
    assert_eq!(times.len(), 9);
    for pair in times.windows(2) {
        let gap = pair[1].duration_since(pair[0]);
        assert!(gap >= Duration::from_millis(250), "{gap:?}");
    }

    // Out-of-range values are usage errors.
    for bad in [["--per-ip", "0"], ["--per-ip", "65"], ["--ip-delay", "-1"]] {
        let out = tlscheck()
            .args(["mx", "d1.a.cap.test"])
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}

#[test]
fn a_connection_still_queued_at_the_deadline_says_why() {
    let env = Env::new();
    // A silent server: the first connection holds the only slot until the run deadline.
    let server = env.server_with(NET.bind(37), LeafSpec::new(["mx1.q.cap.test"]), |cfg| {
        cfg.greeting = Greeting::Silent
    });
    let dns = TestDns::start_blocking(shared_address_zone(Zone::new(), "q", NET.ip(37)));
    let (dns_s, port_s) = (dns.addr.to_string(), server.addr.port().to_string());
    let mut args: Vec<String> = vec!["mx".into(), "d1.q.cap.test".into(), "d2.q.cap.test".into()];
    args.extend(mx_args(&dns_s, &port_s, &env.trust));
    args.extend(["--per-ip", "1", "--deadline", "1.5", "--timeout", "5"].map(String::from));
    let t0 = Instant::now();
    let (code, r) = run_json(&args);
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    assert_eq!(code, 3, "{r:#}");
    // One connection was made; every other waited for the slot until the deadline.
    assert_eq!(server.connections(), 1);
    let errors: Vec<&Value> = r["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["hosts"][0]["addresses"][0]["error"])
        .collect();
    let waited: Vec<&&Value> = errors
        .iter()
        .filter(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.contains("waiting to connect") && m.contains("at most 1"))
        })
        .collect();
    assert_eq!(waited.len(), 1, "{errors:#?}");
    assert_eq!(waited[0]["kind"], "deadline");
    assert_eq!(waited[0]["phase"], "connect");
    // Judged as our deadline, not as a port or server problem.
    assert!(codes(&r).contains(&"run-deadline".to_string()), "{r:#}");
    assert!(
        !codes(&r).contains(&"port-unreachable".to_string()),
        "{r:#}"
    );
}

#[test]
fn ndjson_streams_each_domain_as_it_finishes_and_reads_back_as_one_report() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let env = Env::new();
    let fast = env.server(NET.bind(38), LeafSpec::new(["mx.fast.test"]));
    // The slow domain's server never greets: its probe ends at the 3 s phase timeout.
    let _slow = env.server_with(
        NET.at(39, fast.addr.port()),
        LeafSpec::new(["mx.slow.test"]),
        |cfg| cfg.greeting = Greeting::Silent,
    );
    let dns = TestDns::start_blocking(
        Zone::new()
            .mx("slow.test", 10, "mx.slow.test")
            .a("mx.slow.test", NET.ip(39))
            .mx("fast.test", 10, "mx.fast.test")
            .a("mx.fast.test", NET.ip(38)),
    );
    let (dns_s, port) = (dns.addr.to_string(), fast.addr.port().to_string());
    let mut args = vec!["mx".to_string(), "slow.test".into(), "fast.test".into()];
    args.extend(mx_args(&dns_s, &port, &env.trust));
    args.extend(["--no-revocation", "--timeout", "3", "--format", "ndjson"].map(String::from));
    let t0 = Instant::now();
    let mut child = std::process::Command::new(tlscheck_path())
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    // The fast domain's line arrives while the slow one is still being probed (its greeting
    // cannot time out before 3 s).
    let first_at = t0.elapsed();
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before the first line"
    );
    assert!(
        first_at < Duration::from_secs(2),
        "first line after {first_at:?}"
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3), "{first}{rest}");

    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["targets"].as_array().unwrap().len(), 1);
    assert_eq!(first["targets"][0]["input"], "fast.test");
    assert_eq!(first["verdict"], "pass");
    assert_eq!(first["schema_version"], 1);
    let lines: Vec<&str> = rest.lines().collect();
    assert_eq!(lines.len(), 1, "{rest}");
    let second: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(second["targets"][0]["input"], "slow.test");
    assert_eq!(second["verdict"], "inconclusive");
    assert!(
        second["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["target"] == "slow.test"),
        "{second:#}"
    );

    // The stream, saved with -o, re-renders as one report of both domains, offline.
    let saved = env.dir.path().join("run.ndjson");
    let out = tlscheck()
        .args(&args)
        .arg("-o")
        .arg(&saved)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&saved).unwrap().lines().count(), 2);
    let out = tlscheck()
        .args(["report", "--format", "json"])
        .arg(&saved)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let merged = stdout_json(&out);
    let mut inputs: Vec<&str> = merged["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["input"].as_str().unwrap())
        .collect();
    inputs.sort_unstable();
    assert_eq!(inputs, ["fast.test", "slow.test"]);
    assert_eq!(merged["verdict"], "inconclusive");

    // An interrupted batch: the second line cut in half. The complete report is shown, the cut
    // line is named, and the exit code says data was lost even though what remains passes.
    let text = std::fs::read_to_string(&saved).unwrap();
    let first_end = text.find('\n').unwrap() + 1;
    let (first, second) = text.split_at(first_end);
    let first: Value = serde_json::from_str(first).unwrap();
    let cut = env.dir.path().join("cut.ndjson");
    std::fs::write(&cut, &text[..first_end + second.len() / 2]).unwrap();
    let out = tlscheck()
        .args(["report", "--format", "json"])
        .arg(&cut)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("line 2 is cut off"), "{stderr}");
    let shown = stdout_json(&out);
    assert_eq!(shown["targets"].as_array().unwrap().len(), 1);
    assert_eq!(shown["targets"][0]["input"], first["targets"][0]["input"]);
}

#[test]
fn blocked_port_25_is_inconclusive_never_a_tls_failure() {
    // What a network that drops outbound port 25 looks like: SYNs go unanswered. On loopback, a
    // listener that never accepts and whose accept queue is full drops new SYNs the same way.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(NET.bind(40)).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut filling = Vec::new();
    while let Ok(s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
        filling.push(s);
        assert!(filling.len() < 64, "the accept queue never filled");
    }
    let dns = TestDns::start_blocking(
        Zone::new()
            .mx("blocked.test", 10, "mx.blocked.test")
            .a("mx.blocked.test", NET.ip(40)),
    );
    let env = Env::new();
    let (dns_s, port) = (dns.addr.to_string(), addr.port().to_string());
    let mut args = vec!["mx".to_string(), "blocked.test".into()];
    args.extend(mx_args(&dns_s, &port, &env.trust));
    args.extend(["--timeout", "2"].map(String::from));
    let t0 = Instant::now();
    let (code, r) = run_json(&args);
    assert!(t0.elapsed() < Duration::from_secs(8), "{:?}", t0.elapsed());
    assert_eq!(code, 3, "{r:#}");
    assert_eq!(r["verdict"], "inconclusive");
    assert_eq!(codes(&r), vec!["port-unreachable"]);
    let f = &r["findings"][0];
    assert_eq!(f["severity"], "warning");
    assert!(
        f["remediation"].as_str().unwrap().contains("port 25"),
        "{f:#}"
    );
    let a = first_address(&r);
    assert_eq!(a["error"]["phase"], "connect", "{a:#}");
    assert_eq!(a["error"]["kind"], "timeout", "{a:#}");
    drop(listener);
}

/// A saved report a stranger crafted, with terminal escapes, bell, carriage return, NUL, DEL, a
/// C1 control and bidirectional overrides in every free-text field (`src/render/hostile.rs` makes
/// it): `tlscheck report` in every format writes none of them raw, whatever the colour setting,
/// and the JUnit is still XML a parser reads.
#[test]
fn a_crafted_saved_report_cannot_rewrite_the_terminal() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hostile-report.json"
    );
    let unsafe_char = |c: char| {
        c != '\n'
            && (c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}'))
    };
    let ours = [
        "\u{1b}[0m",
        "\u{1b}[2m",
        "\u{1b}[32m",
        "\u{1b}[33m",
        "\u{1b}[1;31m",
    ];
    for args in [
        vec!["--format", "text", "--color", "never"],
        vec!["--format", "text", "--color", "always", "-v"],
        vec!["--format", "markdown"],
        vec!["--format", "junit"],
        vec!["--format", "json"],
        vec!["--format", "ndjson"],
    ] {
        let out = tlscheck()
            .args(["report", fixture])
            .args(&args)
            .output()
            .unwrap();
        // The saved verdict is fail: exit code 1, and something was written.
        assert_eq!(exit_code(&out), 1, "{args:?}: {out:?}");
        let mut text = String::from_utf8(out.stdout).unwrap();
        assert!(text.len() > 1000, "{args:?}: {text}");
        for colour in ours {
            text = text.replace(colour, "");
        }
        let raw: Vec<char> = text.chars().filter(|c| unsafe_char(*c)).collect();
        assert!(raw.is_empty(), "{args:?}: raw {raw:?}");
        // The hostile text's own newline (before `-- `) never starts a line.
        assert!(
            !text.lines().any(|l| l.trim_start().starts_with("-- ")),
            "{args:?}: {text}"
        );
        if args[1] == "junit" {
            let mut reader = quick_xml::Reader::from_str(&text);
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => panic!("not XML: {e}\n{text}"),
                }
            }
        }
        if args[1] == "json" {
            // The escaped report is the same report.
            let report: Value = serde_json::from_str(&text).unwrap();
            let saved: Value =
                serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
            assert_eq!(report["findings"], saved["findings"]);
        }
    }
}

/// A saved report names the profile it was judged with. Re-judging loads that profile only when
/// it is a built-in one: a crafted report cannot make tlscheck read a file it names, and the name
/// is escaped in the error.
#[test]
fn a_saved_report_cannot_name_a_file_to_read_as_its_profile() {
    let env = Env::new();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hostile-report.json"
    );
    let mut report: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    for name in ["/dev/zero", "/etc/passwd", "\u{1b}[2Jevil\u{202e}.toml"] {
        report["options"]["profile"] = name.into();
        let path = env.write("named.json", &report.to_string());
        let started = Instant::now();
        let out = tlscheck()
            .args(["report"])
            .arg(&path)
            .args(["--require-tls", "1.2"])
            .output()
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(20), "{name}");
        assert_eq!(exit_code(&out), 2, "{name}: {out:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("it is not a built-in expect profile"),
            "{stderr}"
        );
        assert!(stderr.contains("pass --expect"), "{stderr}");
        assert!(
            !stderr.contains('\u{1b}') && !stderr.contains('\u{202e}'),
            "{stderr}"
        );
    }
}

/// `-4` on a host with only IPv6 addresses, and `tlscheck host` on a mail domain: no address to
/// probe, said as what is true (the family; the domain's MX hosts), never "fix the MX record".
#[test]
fn names_and_families_are_said_as_they_are() {
    let dns = TestDns::start_blocking(
        Zone::new()
            .mx("v6only.test", 10, "mx.v6only.test")
            .aaaa("mx.v6only.test", "::1".parse().unwrap())
            .mx("maildomain.test", 10, "mx.maildomain.test")
            .a("mx.maildomain.test", NET.ip(60)),
    );
    let dns_s = dns.addr.to_string();
    let (code, r) = run_json(&[
        "mx",
        "v6only.test",
        "-4",
        "--resolver",
        &dns_s,
        "--timeout",
        "3",
    ]);
    assert_eq!(code, 3, "{r:#}");
    assert_eq!(codes(&r), ["no-address-in-family"], "{r:#}");
    let host = &r["targets"][0]["hosts"][0];
    assert_eq!(host["other_family"][0], "::1", "{host:#}");
    let message = r["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("run without -4"), "{message}");
    assert!(host["addresses"].as_array().unwrap().is_empty());

    let (code, r) = run_json(&[
        "host",
        "maildomain.test",
        "--resolver",
        &dns_s,
        "--timeout",
        "3",
    ]);
    assert_eq!(code, 3, "{r:#}");
    assert_eq!(codes(&r), ["host-is-mail-domain"], "{r:#}");
    assert_eq!(r["targets"][0]["mx"][0]["exchange"], "mx.maildomain.test");
    let message = r["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("use `tlscheck mx maildomain.test`"),
        "{message}"
    );

    let (code, r) = run_json(&[
        "host",
        "nothing.test",
        "--resolver",
        &dns_s,
        "--timeout",
        "3",
    ]);
    assert_eq!(code, 3, "{r:#}");
    assert_eq!(codes(&r), ["host-unresolvable"], "{r:#}");
}

/// The wrong mode for the port, detected and said: STARTTLS against an SMTPS port (no greeting;
/// one more connection sends a ClientHello at once and gets TLS back), and --implicit-tls against
/// a STARTTLS port (a plaintext 220 instead of a ServerHello). Neither is a TLS failure or a
/// tarpit.
#[test]
fn the_wrong_tls_mode_for_the_port_is_named() {
    let env = Env::new();
    let leaf = env.pki.leaf(LeafSpec::new(["mode.test"]));
    let smtps = SmtpServer::start_blocking(
        NET.bind(61),
        SmtpServerConfig::implicit_tls(rustls_server_config(&leaf)),
    )
    .unwrap();
    let starttls = env.server(NET.bind(62), LeafSpec::new(["mode.test"]));
    let trust = env.trust.to_str().unwrap();
    let started = Instant::now();
    let (code, r) = run_json(&[
        "host",
        &smtps.addr.to_string(),
        "--trust",
        trust,
        "--timeout",
        "2",
    ]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code, 3, "{r:#}");
    assert_eq!(codes(&r), ["port-expects-implicit-tls"], "{r:#}");
    let e = &first_address(&r)["error"];
    assert_eq!(
        (e["phase"].as_str(), e["kind"].as_str()),
        (Some("greeting"), Some("tls-expected")),
        "{e:#}"
    );
    assert!(
        e["message"].as_str().unwrap().contains("ServerHello"),
        "{e:#}"
    );

    let (code, r) = run_json(&[
        "host",
        &starttls.addr.to_string(),
        "--implicit-tls",
        "--trust",
        trust,
        "--timeout",
        "2",
    ]);
    assert_eq!(code, 3, "{r:#}");
    assert_eq!(codes(&r), ["port-speaks-plaintext"], "{r:#}");
    let a = first_address(&r);
    assert_eq!(
        (a["error"]["phase"].as_str(), a["error"]["kind"].as_str()),
        (Some("handshake"), Some("plaintext-smtp")),
        "{a:#}"
    );
    assert!(
        a["error"]["message"].as_str().unwrap().contains("220 "),
        "{a:#}"
    );
    assert!(
        a["versions"].is_null(),
        "no versions for a port that is not TLS: {a:#}"
    );
}

/// A TLS 1.2 server that speaks only DHE (as older Postfix and Exchange set-ups do), with a
/// 1024-bit group: rustls has no DHE, so its handshakes are refused; the raw probes that offer
/// every suite find what the server accepts. The report says TLS 1.2 with DHE, forward secrecy,
/// `DHE 1024`, that the facts come from our client's limit (`no-dhe`), and `weak-dh-group`;
/// never `tls-handshake-failed`, `no-forward-secrecy`, or TLS 1.2 `rejected`.
#[test]
fn a_dhe_only_server_is_judged_by_what_it_accepts() {
    use support::raw::{read_line, send, standard_until_starttls, RawServer};
    use support::records::{handshake, record, server_hello};
    use tokio::io::AsyncReadExt;

    const DHE: u16 = 0x009f; // TLS_DHE_RSA_WITH_AES_256_GCM_SHA384
    let env = Env::new();
    let leaf = env.pki.leaf(LeafSpec::new(["mx.dhe.test"]));
    // The server's first flight to a hello offering DHE: ServerHello, Certificate, a
    // ServerKeyExchange with a 1024-bit prime (and a signature nobody checks), ServerHelloDone.
    let mut flight = server_hello(0x0303, DHE);
    let mut certs = Vec::new();
    for der in &leaf.chain_der {
        certs.extend_from_slice(&(der.len() as u32).to_be_bytes()[1..]);
        certs.extend_from_slice(der);
    }
    let mut body = (certs.len() as u32).to_be_bytes()[1..].to_vec();
    body.extend(certs);
    flight.extend(handshake(11, &body));
    let mut params = vec![0, 128];
    params.extend(vec![0xd3; 128]);
    params.extend_from_slice(&[0, 1, 2, 0, 1, 7, 0x04, 0x01, 0, 2, 0xab, 0xcd]);
    flight.extend(handshake(12, &params));
    flight.extend(handshake(14, &[]));
    let flight = record(22, 0x0303, &flight);
    let server = RawServer::start_blocking(NET.bind(63), move |mut s| {
        let flight = flight.clone();
        async move {
            if !standard_until_starttls(&mut s).await {
                return;
            }
            send(&mut s, b"220 2.0.0 Ready to start TLS\r\n").await;
            let mut head = [0u8; 5];
            if s.read_exact(&mut head).await.is_err() {
                return;
            }
            let mut hello = vec![0u8; usize::from(u16::from_be_bytes([head[3], head[4]]))];
            if s.read_exact(&mut hello).await.is_err() {
                return;
            }
            let mut whole = head.to_vec();
            whole.extend(hello);
            let offers_dhe = match tls_parser::parse_tls_plaintext(&whole) {
                Ok((_, rec)) => rec.msg.iter().any(|m| {
                    matches!(m, tls_parser::TlsMessage::Handshake(tls_parser::TlsMessageHandshake::ClientHello(ch))
                        if ch.version.0 >= 0x0303 && ch.ciphers.iter().any(|c| c.0 == DHE))
                }),
                Err(_) => false,
            };
            if offers_dhe {
                send(&mut s, &flight).await;
            } else {
                send(&mut s, &record(21, 0x0303, &[2, 40])).await; // handshake_failure
            }
            let _ = read_line(&mut s).await;
        }
    })
    .unwrap();
    let dns = TestDns::start_blocking(
        Zone::new()
            .mx("dhe.test", 10, "mx.dhe.test")
            .a("mx.dhe.test", NET.ip(63)),
    );
    let (code, r) = run_json(&strs_of(&[
        vec!["mx".into(), "dhe.test".into()],
        mx_args(
            &dns.addr.to_string(),
            &server.addr.port().to_string(),
            &env.trust,
        ),
        vec!["--timeout".into(), "3".into()],
    ]));
    let a = first_address(&r);
    let tls = &a["tls"];
    assert_eq!(tls["version"], "TLSv1.2", "{a:#}");
    assert_eq!(tls["cipher_suite"], "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");
    assert_eq!(tls["kx_group"], "DHE 1024");
    assert_eq!(tls["dh_bits"], 1024);
    assert_eq!(tls["forward_secrecy"], true);
    assert_eq!(tls["handshake_completed"], false);
    assert_eq!(tls["client_limits"][0], "no-dhe");
    assert_eq!(
        tls["chain_valid"], true,
        "the chain sent in the clear: {tls:#}"
    );
    assert_eq!(a["versions"]["tls1_2"], "accepted", "{a:#}");
    assert_eq!(a["versions"]["tls1_3"], "rejected", "{a:#}");
    assert_eq!(codes(&r), ["weak-dh-group"], "{r:#}");
    assert_eq!(code, 1);
}

fn strs_of(parts: &[Vec<String>]) -> Vec<String> {
    parts.concat()
}

/// A report judged with a sender profile (and forced TLS) is re-judged with them by default;
/// `--sender none` drops the sender, and a report saved with `--profile` keeps its expect profile.
#[test]
fn a_saved_report_is_rejudged_with_its_sender_profile() {
    let env = Env::new();
    let (code, stdout) = probe_single_mx_output(
        &env,
        128,
        "savedsender.test",
        LeafSpec::new(["other.name.test"]),
        &[
            "--sender",
            "exchange-online",
            "--forced-tls",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1, "{stdout}");
    let saved = env.write("sender.json", &stdout);
    let (_, r) = run_report(&["report", saved.to_str().unwrap(), "--require-tls", "1.2"]);
    assert!(
        codes(&r).contains(&"sender-certificate-refused".to_string()),
        "{r:#}"
    );
    assert_eq!(r["options"]["sender"], "exchange-online");
    assert_eq!(r["options"]["forced_tls"], true);
    let (_, r) = run_report(&["report", saved.to_str().unwrap(), "--sender", "none"]);
    assert!(codes(&r).iter().all(|c| !c.starts_with("sender-")), "{r:#}");
    assert!(r["options"]["sender"].is_null());
    let (_, r) = run_report(&[
        "report",
        saved.to_str().unwrap(),
        "--expect",
        "exchange-online",
    ]);
    assert!(codes(&r).contains(&"root-mismatch".to_string()), "{r:#}");
    assert!(
        codes(&r).contains(&"sender-certificate-refused".to_string()),
        "{r:#}"
    );
}

// ---- issue 14 §4: testing a server before the MX points at it --------------------------------

/// `tlscheck host ADDR --name NAME` with the test trust store, JSON; returns (exit, report).
fn host_named(env: &Env, addr: SocketAddr, extra: &[&str]) -> (i32, Value) {
    let trust = env.trust.display().to_string();
    let addr = addr.to_string();
    let mut args = vec!["host", &addr, "--trust", &trust, "--no-revocation"];
    args.extend(extra);
    run_json(&args)
}

#[test]
fn name_checks_an_address_for_the_name_given() {
    let env = Env::new();
    let server = env.server(NET.bind(140), LeafSpec::new(["mx.cutover.test"]));
    let (code, r) = host_named(&env, server.addr, &["--name", "mx.cutover.test"]);
    assert_eq!(code, 0, "{r:#}");
    let host = &r["targets"][0]["hosts"][0];
    assert_eq!(host["name"], "mx.cutover.test");
    let a = first_address(&r);
    assert_eq!(a["ip"], "127.0.9.140");
    assert_eq!(a["name"], "mx.cutover.test");
    assert_eq!(a["tls"]["sni"], "mx.cutover.test");
    assert_eq!(a["tls"]["name_checked"], "mx.cutover.test");
    assert_eq!(a["tls"]["name_valid"], true);
    assert_eq!(r["options"]["name"], "mx.cutover.test");
    assert!(server
        .snis()
        .iter()
        .all(|s| s.as_deref() == Some("mx.cutover.test")));

    // Another name: the certificate does not cover it.
    let (code, r) = host_named(&env, server.addr, &["--name", "other.cutover.test"]);
    assert_eq!(code, 1, "{r:#}");
    assert!(
        codes(&r).contains(&"cert-name-mismatch".to_string()),
        "{r:#}"
    );
    assert_eq!(first_address(&r)["tls"]["name_valid"], false);

    // The text report shows the address connected to and the name used.
    let out = tlscheck()
        .args([
            "host",
            &server.addr.to_string(),
            "--name",
            "mx.cutover.test",
        ])
        .args([
            "--trust",
            &env.trust.display().to_string(),
            "--no-revocation",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("127.0.9.140:"), "{text}");
    assert!(
        text.contains("name      mx.cutover.test (given with --name; sent as SNI)"),
        "{text}"
    );
}

#[test]
fn no_sni_sends_none_but_still_checks_the_name() {
    let env = Env::new();
    let server = env.server(NET.bind(141), LeafSpec::new(["mx.nosni.test"]));
    let (code, r) = host_named(&env, server.addr, &["--name", "mx.nosni.test", "--no-sni"]);
    assert_eq!(code, 0, "{r:#}");
    let tls = &first_address(&r)["tls"];
    assert!(tls["sni"].is_null(), "{tls:#}");
    assert_eq!(tls["name_valid"], true);
    assert_eq!(r["options"]["sni"], false);
    let snis = server.snis();
    assert!(!snis.is_empty());
    assert!(snis.iter().all(Option::is_none), "{snis:?}");
}

#[test]
fn name_and_new_options_are_validated() {
    let code = |args: &[&str]| exit_code(&tlscheck().args(args).output().unwrap());
    assert_eq!(code(&["mx", "a.test", "--name", "mx.a.test"]), 2);
    assert_eq!(code(&["host", "192.0.2.1", "--name", "bad name.test"]), 2);
    assert_eq!(code(&["host", "192.0.2.1", "--name", "192.0.2.2"]), 2);
    assert_eq!(code(&["host", "192.0.2.1", "--expiry-warn", "99999"]), 2);
    assert_eq!(code(&["host", "192.0.2.1", "--expiry-warn", "-1"]), 2);
    let env = Env::new();
    let file = env.write("not-a-dir", "x");
    let missing = env.dir.path().join("missing");
    for dir in [&file, &missing] {
        let dir = format!("--show-certs={}", dir.display());
        assert_eq!(code(&["host", "192.0.2.1", &dir]), 2, "{dir}");
    }
}

/// The PEM certificates in `text`, each as DER.
fn pem_certs(text: &str) -> Vec<Vec<u8>> {
    use rustls_pki_types::pem::PemObject;
    rustls_pki_types::CertificateDer::pem_slice_iter(text.as_bytes())
        .map(|c| c.expect("a PEM certificate").to_vec())
        .collect()
}

#[test]
fn show_certs_writes_the_chain_as_pem_inline_and_into_a_directory() {
    let env = Env::new();
    let server = env.server(NET.bind(142), LeafSpec::new(["mx.pem.test"]));
    let addr = server.addr.to_string();
    let trust = env.trust.display().to_string();
    let out = tlscheck()
        .args(["host", &addr, "--name", "mx.pem.test", "--trust", &trust])
        .args(["--no-revocation", "--show-certs"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("-----BEGIN CERTIFICATE-----").count(),
        2,
        "{text}"
    );
    assert!(text.contains("# subject: CN=mx.pem.test"), "{text}");
    assert!(text.contains("# issuer: "), "{text}");
    let inline = pem_certs(&text);
    assert_eq!(inline.len(), 2);

    let dir = env.dir.path().join("certs");
    std::fs::create_dir(&dir).unwrap();
    let (code, r) = host_named(
        &env,
        server.addr,
        &[
            "--name",
            "mx.pem.test",
            &format!("--show-certs={}", dir.display()),
        ],
    );
    assert_eq!(code, 0, "{r:#}");
    let port = server.addr.port();
    let mut files = Vec::new();
    for n in 0..2 {
        let path = dir.join(format!("mx.pem.test_127.0.9.142_{port}_{n}.pem"));
        let body = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        assert!(body.starts_with("# subject: "), "{body}");
        files.extend(pem_certs(&body));
    }
    assert_eq!(files, inline);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
    // The same certificates as the JSON report's `der`.
    use base64::Engine;
    let der0 = base64::engine::general_purpose::STANDARD
        .decode(
            first_address(&r)["tls"]["chain"][0]["der"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
    assert_eq!(files[0], der0);
}

#[test]
fn a_leaf_expiring_within_the_warning_window_is_warned_about() {
    let env = Env::new();
    let mut spec = LeafSpec::new(["mx.soon.test"]);
    spec.not_after = OffsetDateTime::now_utc() + time::Duration::days(10);
    let server = env.server(NET.bind(143), spec);
    let (code, r) = host_named(&env, server.addr, &["--name", "mx.soon.test"]);
    assert_eq!(code, 0, "a warning does not fail: {r:#}");
    assert_eq!(codes(&r), vec!["cert-expiring-soon"], "{r:#}");
    let m = support::report::finding(&r, "cert-expiring-soon")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(m.contains("mx.soon.test") && m.contains("days left"), "{m}");
    for days in ["5", "0"] {
        let (_, r) = host_named(
            &env,
            server.addr,
            &["--name", "mx.soon.test", "--expiry-warn", days],
        );
        assert!(codes(&r).is_empty(), "--expiry-warn {days}: {r:#}");
    }
}

/// A STARTTLS server on `last` answering MAIL with `mail_reply`.
fn mail_server(env: &Env, last: u8, mail_reply: &str) -> SmtpServer {
    let reply = mail_reply.to_string();
    env.server_with(NET.bind(last), LeafSpec::new(["mx.mail.test"]), |c| {
        c.mail_reply = Some(reply)
    })
}

#[test]
fn tls_required_before_mail_is_recorded() {
    let env = Env::new();
    for (last, reply, required) in [
        (
            144,
            "530 5.7.0 Must issue a STARTTLS command first",
            Some(true),
        ),
        (
            145,
            "451 5.7.3 STARTTLS is required to send mail",
            Some(true),
        ),
        (146, "250 2.1.0 Ok", Some(false)),
        (147, "550 5.7.1 Client host rejected", None),
    ] {
        let server = mail_server(&env, last, reply);
        let (code, r) = host_named(&env, server.addr, &["--name", "mx.mail.test"]);
        assert_eq!(code, 0, "{reply}: {r:#}");
        let smtp = &first_address(&r)["smtp"];
        assert_eq!(
            smtp["tls_required"].as_bool(),
            required,
            "{reply}: {smtp:#}"
        );
        assert_eq!(smtp["mail_reply"]["code"].as_u64(), reply[..3].parse().ok());
        assert_eq!(smtp["rset_reply"]["code"], 250);
        assert!(codes(&r).is_empty(), "information, not a finding: {r:#}");
        // MAIL and RSET once each, right before STARTTLS, on one connection only (the TLS 1.2
        // probe's, beside the main session); never RCPT.
        let commands = server.commands();
        let verb = |v: &str| commands.iter().filter(|c| c.starts_with(v)).count();
        assert_eq!(
            (verb("MAIL FROM:<>"), verb("RSET"), verb("RCPT")),
            (1, 1, 0)
        );
        let main: Vec<Vec<String>> = server
            .commands_by_connection()
            .into_iter()
            .filter(|c| c.iter().any(|l| l.starts_with("MAIL")))
            .collect();
        assert_eq!(
            main[0][..4],
            [
                "EHLO probe.tlscheck.test",
                "MAIL FROM:<>",
                "RSET",
                "STARTTLS"
            ]
        );
    }
    let server = mail_server(&env, 148, "530 5.7.0 Must issue a STARTTLS command first");
    let out = tlscheck()
        .args(["host", &server.addr.to_string(), "--name", "mx.mail.test"])
        .args([
            "--trust",
            &env.trust.display().to_string(),
            "--no-revocation",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("smtp      STARTTLS offered and accepted; TLS required before MAIL"),
        "{text}"
    );
}

#[test]
fn no_mail_probe_sends_no_mail() {
    let env = Env::new();
    let server = mail_server(&env, 149, "250 2.1.0 Ok");
    let (code, r) = host_named(
        &env,
        server.addr,
        &["--name", "mx.mail.test", "--no-mail-probe"],
    );
    assert_eq!(code, 0, "{r:#}");
    let smtp = &first_address(&r)["smtp"];
    assert!(
        smtp["tls_required"].is_null() && smtp["mail_reply"].is_null(),
        "{smtp:#}"
    );
    assert_eq!(r["options"]["mail_probe"], false);
    let commands = server.commands();
    assert!(
        !commands
            .iter()
            .any(|c| c.starts_with("MAIL") || c.starts_with("RSET")),
        "{commands:?}"
    );
}

#[test]
fn a_server_hanging_up_after_the_mail_probe_still_gets_its_tls_checked() {
    let env = Env::new();
    let server = env.server_with(NET.bind(152), LeafSpec::new(["mx.mail.test"]), |c| {
        c.mail_reply = Some("554 5.7.1 Go away".into());
        c.close_after_rset = true;
    });
    let (code, r) = host_named(&env, server.addr, &["--name", "mx.mail.test"]);
    assert_eq!(code, 0, "{r:#}");
    let a = first_address(&r);
    assert!(a["error"].is_null(), "{a:#}");
    assert_eq!(a["tls"]["name_valid"], true, "{a:#}");
    assert_eq!(a["smtp"]["mail_reply"]["code"], 554);
    let lost = a["smtp"]["mail_probe_lost"].as_str().unwrap();
    assert!(lost.contains("closed after MAIL and RSET"), "{lost}");
}

#[test]
fn a_421_to_mail_does_not_stop_the_tls_check() {
    let env = Env::new();
    let server = mail_server(&env, 150, "421 4.7.0 Try again later, closing connection");
    let (code, r) = host_named(&env, server.addr, &["--name", "mx.mail.test"]);
    assert_eq!(code, 0, "{r:#}");
    let a = first_address(&r);
    let smtp = &a["smtp"];
    assert!(smtp["tls_required"].is_null(), "{smtp:#}");
    assert_eq!(smtp["mail_reply"]["code"], 421);
    assert!(
        smtp["mail_probe_lost"].as_str().unwrap().contains("421"),
        "{smtp:#}"
    );
    // A new connection without MAIL reached TLS.
    assert_eq!(a["tls"]["name_valid"], true, "{a:#}");
    assert!(a["error"].is_null(), "{a:#}");
    let commands = server.commands();
    let mails = commands.iter().filter(|c| c.starts_with("MAIL")).count();
    assert_eq!(mails, 1, "{commands:?}");
}

/// `--shard K/N`: three shards together report exactly what one run reports, every domain in one
/// shard, every MX address probed by one shard only (domains that share an MX host name or an
/// address go together), and `tlscheck report` merges the shards' ndjson back into the whole.
#[test]
fn shards_split_a_batch_by_shared_hosts_and_merge_back() {
    let env = Env::new();
    let first = env.server(NET.bind(70), LeafSpec::new(["mx.provider.test"]));
    let port = first.addr.port();
    let mut servers = vec![first];
    for (last, name) in [
        (71, ["mx.own1.test", "mx.own2.test"]),
        (72, ["mx.solo.test", "mx.two-b.test"]),
        (73, ["mx.two-a.test", "mx.two-a.test"]),
        (74, ["mx.lone.test", "mx.lone.test"]),
    ] {
        servers.push(env.server(NET.at(last, port), LeafSpec::new(name)));
    }
    let zone = Zone::new()
        .mx("p1.test", 10, "mx.provider.test")
        .mx("p2.test", 10, "mx.provider.test")
        .mx("p3.test", 10, "mx.provider.test")
        .a("mx.provider.test", NET.ip(70))
        // Two names, one address: probed once, so by one shard.
        .mx("own1.test", 10, "mx.own1.test")
        .mx("own2.test", 10, "mx.own2.test")
        .a("mx.own1.test", NET.ip(71))
        .a("mx.own2.test", NET.ip(71))
        // two.test shares solo.test's address through its second MX host.
        .mx("solo.test", 10, "mx.solo.test")
        .a("mx.solo.test", NET.ip(72))
        .mx("two.test", 10, "mx.two-a.test")
        .mx("two.test", 20, "mx.two-b.test")
        .a("mx.two-a.test", NET.ip(73))
        .a("mx.two-b.test", NET.ip(72))
        .mx("lone.test", 10, "mx.lone.test")
        .a("mx.lone.test", NET.ip(74))
        .null_mx("null.test");
    let dns = TestDns::start_blocking(zone);
    let domains = [
        "p1.test",
        "p2.test",
        "p3.test",
        "own1.test",
        "own2.test",
        "solo.test",
        "two.test",
        "lone.test",
        "null.test",
    ];
    let list = env.write("domains.txt", &domains.join("\n"));
    let (dns_s, port_s) = (dns.addr.to_string(), port.to_string());
    let base = |extra: &[&str]| {
        let mut args = vec!["mx".to_string(), "-f".into(), list.display().to_string()];
        args.extend(mx_args(&dns_s, &port_s, &env.trust));
        args.extend(["--no-revocation".into(), "--no-policy".into(), "-q".into()]);
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let connections = |servers: &[support::smtp::SmtpServer]| -> usize {
        servers.iter().map(|s| s.connections()).sum()
    };
    let verdicts = |r: &Value| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = r["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["name"].as_str().unwrap().to_string(),
                    t["verdict"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let sockets = |r: &Value| -> std::collections::BTreeSet<String> {
        let mut set = std::collections::BTreeSet::new();
        for t in r["targets"].as_array().unwrap() {
            for h in t["hosts"].as_array().into_iter().flatten() {
                for a in h["addresses"].as_array().into_iter().flatten() {
                    set.insert(format!("{}:{}", a["ip"].as_str().unwrap(), a["port"]));
                }
            }
        }
        set
    };

    // One run of the whole batch (inconclusive: null.test accepts no mail).
    let (code, whole) = run_json(&base(&[]));
    assert_eq!(code, 3, "{whole:#}");
    assert_eq!(codes(&whole), ["null-mx"], "{whole:#}");
    let whole_connections = connections(&servers);
    assert_eq!(verdicts(&whole).len(), domains.len());

    // Three shards, as three machines would run them: ndjson files (one from the environment).
    let mut files = Vec::new();
    let mut seen: std::collections::BTreeSet<String> = Default::default();
    let mut names = Vec::new();
    for k in 1..=3 {
        let file = env.dir.path().join(format!("shard{k}.ndjson"));
        let mut cmd = tlscheck();
        cmd.args(base(&["--format", "ndjson", "-o", file.to_str().unwrap()]));
        if k == 3 {
            cmd.env("TLSCHECK_SHARD", "3/3");
        } else {
            cmd.args(["--shard", &format!("{k}/3")])
                .env_remove("TLSCHECK_SHARD");
        }
        let out = cmd.output().unwrap();
        assert!(
            matches!(exit_code(&out), 0 | 3),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&file).unwrap();
        let mut mine = std::collections::BTreeSet::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let r: Value = serde_json::from_str(line).unwrap();
            assert_eq!(
                r["options"]["shard"],
                serde_json::json!({"index": k, "count": 3}),
                "{r:#}"
            );
            mine.extend(sockets(&r));
            names.extend(verdicts(&r));
        }
        for s in mine {
            assert!(seen.insert(s.clone()), "{s} probed by two shards");
        }
        files.push(file);
    }
    names.sort();
    assert_eq!(
        names,
        verdicts(&whole),
        "each domain in exactly one shard, same verdict"
    );
    assert_eq!(seen, sockets(&whole));
    // The shards together made the connections one run makes.
    assert_eq!(connections(&servers) - whole_connections, whole_connections);
    // The groups stayed together: p1-p3 in one shard, own1 with own2, solo with two.
    for group in [
        &["p1.test", "p2.test", "p3.test"][..],
        &["own1.test", "own2.test"],
        &["solo.test", "two.test"],
    ] {
        let shard_of = |d: &str| {
            files
                .iter()
                .position(|f| {
                    std::fs::read_to_string(f)
                        .unwrap()
                        .contains(&format!("\"name\":\"{d}\""))
                })
                .unwrap()
        };
        assert!(
            group.iter().all(|d| shard_of(d) == shard_of(group[0])),
            "{group:?}"
        );
    }

    // Merged back: the whole batch's verdicts.
    let out = tlscheck()
        .arg("report")
        .args(&files)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let merged = stdout_json(&out);
    assert_eq!(verdicts(&merged), verdicts(&whole));
    assert_eq!(exit_code(&out), code);
    assert!(merged["options"].get("shard").is_none(), "{merged:#}");
    // Two shards of three: said, and not a pass.
    let out = tlscheck().arg("report").args(&files[..2]).output().unwrap();
    assert_eq!(exit_code(&out), 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("shard(s) 3 of 3 are missing"), "{stderr}");
    // A domain reported twice (a shard run again) is listed once.
    let again = [
        files[0].clone(),
        files[0].clone(),
        files[1].clone(),
        files[2].clone(),
    ];
    let out = tlscheck()
        .arg("report")
        .args(&again)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(verdicts(&stdout_json(&out)), verdicts(&whole));
    assert!(String::from_utf8_lossy(&out.stderr).contains("appeared in more than one report"));
    // Bad shards are usage errors.
    for bad in ["0/3", "4/3", "x"] {
        let out = tlscheck().args(base(&["--shard", bad])).output().unwrap();
        assert_eq!(exit_code(&out), 2, "{bad}");
    }
}
