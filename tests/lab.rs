//! The lab suite: the real `tlscheck` binary against real third-party servers (Postfix instances,
//! one per TLS configuration, and dnsmasq for the test zones) started by `tests/lab/lab.sh`.
//! Where an oracle exists it is used: `openssl s_client -starttls smtp` must agree with tlscheck on
//! the negotiated version and cipher suite, `openssl ocsp` and `openssl verify -crl_check` on
//! revocation, and `openssl s_client -cert` on what the mutual-TLS server accepts.
//!
//! Every run passes `--allow-private-fetch` (the lab's CRL and OCSP URLs resolve to 127.0.80.x),
//! so every run also checks revocation against the lab's CRL server and OCSP responder.
//!
//! Built only with `--features lab` (see `scripts/test-all.sh`, which installs and starts the lab
//! first). If the lab is not running, every test fails with the reason: it never passes by
//! skipping.

mod support;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command as Process;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;
// `codes` below leaves out the info finding every lab run has; `all_codes` is every code.
use support::report::{codes as all_codes, findings, first_address, revocation, versions};
use support::run::{self, tlscheck};

/// The lab's variables (`tests/lab/lab.sh env`), checked to be running.
fn lab() -> &'static HashMap<String, String> {
    static LAB: OnceLock<HashMap<String, String>> = OnceLock::new();
    LAB.get_or_init(|| {
        let root = env!("CARGO_MANIFEST_DIR");
        let out = Process::new("bash").arg(format!("{root}/tests/lab/lab.sh")).arg("env").output().expect("run tests/lab/lab.sh env");
        assert!(out.status.success(), "tests/lab/lab.sh env failed: {}", String::from_utf8_lossy(&out.stderr));
        let vars: HashMap<String, String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
            .collect();
        let status = Process::new("bash").arg(format!("{root}/tests/lab/lab.sh")).arg("status").output().expect("lab status");
        let status = String::from_utf8_lossy(&status.stdout).to_string();
        assert!(
            !status.contains("stopped"),
            "the lab is not (fully) running — start it with `sudo tests/lab/lab.sh install && sudo tests/lab/lab.sh start`:\n{status}"
        );
        vars
    })
}

fn var(name: &str) -> String {
    lab()
        .get(name)
        .cloned()
        .unwrap_or_else(|| panic!("lab variable {name} missing"))
}

/// Runs `tlscheck mx DOMAIN` through the lab DNS and trust store, with revocation fetches allowed
/// to reach the lab's loopback CRL and OCSP servers; returns (exit code, report).
fn mx(domain: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--allow-private-fetch"];
    args.extend_from_slice(extra);
    mx_without_private_fetch(domain, &args)
}

/// `mx` without `--allow-private-fetch`: tlscheck's default, which refuses the lab's URLs.
fn mx_without_private_fetch(domain: &str, extra: &[&str]) -> (i32, Value) {
    run::json(
        tlscheck()
            .args([
                "mx",
                domain,
                "--resolver",
                &var("LAB_DNS"),
                "--trust",
                &var("LAB_TRUST"),
                "--format",
                "json",
            ])
            .args(["--ehlo", "probe.tlscheck.test", "--timeout", "5"])
            .args(extra),
    )
}

/// The finding codes, without `ocsp-not-stapled`: Postfix never staples, so every lab run whose
/// handshake completed has that info finding (asserted in `postfix_does_not_staple_ocsp`).
fn codes(r: &Value) -> Vec<String> {
    all_codes(r)
        .into_iter()
        .filter(|c| c != "ocsp-not-stapled")
        .collect()
}

/// What `openssl s_client -starttls smtp` negotiates with `ip`, as (protocol, IANA cipher name).
fn openssl_negotiates(ip: &str, host: &str, extra: &[&str]) -> Option<(String, String)> {
    let connect = if ip.contains(':') {
        format!("[{ip}]:25")
    } else {
        format!("{ip}:25")
    };
    let out = Process::new("openssl")
        .args([
            "s_client",
            "-starttls",
            "smtp",
            "-connect",
            &connect,
            "-servername",
            host,
            "-brief",
        ])
        .args(extra)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl s_client");
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        text.lines().find_map(|l| {
            l.trim()
                .strip_prefix(name)
                .map(|v| v.trim_start_matches(':').trim().to_string())
        })
    };
    let protocol = field("Protocol version")?;
    let cipher = field("Ciphersuite")?;
    // OpenSSL calls TLS 1.0 "TLSv1"; tlscheck reports "TLSv1.0".
    let protocol = if protocol == "TLSv1" {
        "TLSv1.0".to_string()
    } else {
        protocol
    };
    Some((protocol, iana(&cipher)))
}

/// OpenSSL cipher name -> IANA name, from `openssl ciphers -stdname`.
fn iana(openssl_name: &str) -> String {
    static MAP: OnceLock<HashMap<String, String>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        let out = Process::new("openssl")
            .args(["ciphers", "-stdname", "ALL:@SECLEVEL=0"])
            .output()
            .expect("openssl ciphers");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut parts = l.split(" - ");
                let std = parts.next()?.trim().to_string();
                let ossl = parts.next()?.split_whitespace().next()?.to_string();
                Some((ossl, std))
            })
            .collect()
    });
    map.get(openssl_name)
        .cloned()
        .unwrap_or_else(|| openssl_name.to_string())
}

/// IANA name -> OpenSSL cipher name.
fn openssl_name(iana_name: &str) -> Option<String> {
    let out = Process::new("openssl")
        .args(["ciphers", "-stdname", "ALL:@SECLEVEL=0"])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
        let mut parts = l.split(" - ");
        let std = parts.next()?.trim();
        let ossl = parts.next()?.split_whitespace().next()?;
        (std == iana_name).then(|| ossl.to_string())
    })
}

/// tlscheck and openssl agree on version and suite for a configuration.
fn agrees_with_openssl(name: &str, expected_version: &str) {
    let upper = name.to_ascii_uppercase();
    let (code, r) = mx(&var(&format!("LAB_{upper}_DOMAIN")), &[]);
    let a = first_address(&r);
    let tls = &a["tls"];
    assert_eq!(tls["version"], expected_version, "{name}: {r:#}");
    let (proto, cipher) = openssl_negotiates(
        &var(&format!("LAB_{upper}_IP")),
        &var(&format!("LAB_{upper}_HOST")),
        &[],
    )
    .unwrap_or_else(|| panic!("{name}: openssl s_client did not complete a handshake"));
    assert_eq!(
        tls["version"].as_str().unwrap(),
        proto,
        "{name}: version differs from openssl"
    );
    assert_eq!(
        tls["cipher_suite"].as_str().unwrap(),
        cipher,
        "{name}: cipher differs from openssl"
    );
    assert_eq!(tls["chain_valid"], true, "{name}: {r:#}");
    assert_eq!(tls["name_valid"], true, "{name}");
    assert_eq!(code, 0, "{name}: {:?}", codes(&r));
}

#[test]
fn modern_server_agrees_with_openssl() {
    agrees_with_openssl("modern", "TLSv1.3");
}

#[test]
fn tls12_only_server_agrees_with_openssl() {
    agrees_with_openssl("tls12", "TLSv1.2");
}

#[test]
fn tls13_only_server_agrees_with_openssl() {
    agrees_with_openssl("tls13", "TLSv1.3");
}

#[test]
fn modern_server_rejects_legacy_versions() {
    let (_, r) = mx(&var("LAB_MODERN_DOMAIN"), &[]);
    assert_eq!(
        versions(first_address(&r)),
        ["rejected", "rejected", "accepted", "accepted"],
        "{r:#}"
    );
    // The oracle agrees that TLS 1.0 and 1.1 are refused.
    let (ip, host) = (var("LAB_MODERN_IP"), var("LAB_MODERN_HOST"));
    assert!(openssl_negotiates(&ip, &host, &["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"]).is_none());
    assert!(
        openssl_negotiates(&ip, &host, &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]).is_none()
    );
}

#[test]
fn single_version_servers_are_told_apart() {
    let (_, r) = mx(&var("LAB_TLS12_DOMAIN"), &[]);
    assert_eq!(
        versions(first_address(&r)),
        ["rejected", "rejected", "accepted", "rejected"],
        "{r:#}"
    );
    let (_, r) = mx(&var("LAB_TLS13_DOMAIN"), &[]);
    assert_eq!(
        versions(first_address(&r)),
        ["rejected", "rejected", "rejected", "accepted"],
        "{r:#}"
    );
}

#[test]
fn tls12_only_server_fails_require_tls_13() {
    let (code, r) = mx(&var("LAB_TLS12_DOMAIN"), &["--require-tls", "1.3"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["tls-below-required"]);
}

#[test]
fn postfix_without_starttls() {
    let (code, r) = mx(&var("LAB_NOSTARTTLS_DOMAIN"), &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["starttls-not-offered"]);
    assert_eq!(first_address(&r)["smtp"]["starttls_offered"], false);
}

#[test]
fn postfix_requiring_starttls_passes() {
    let (code, r) = mx(&var("LAB_REQUIRED_DOMAIN"), &[]);
    assert_eq!(code, 0, "{:?}", codes(&r));
    assert_eq!(first_address(&r)["tls"]["version"], "TLSv1.3");
}

#[test]
fn legacy_only_server_is_reported_legacy_only() {
    let (code, r) = mx(&var("LAB_LEGACY_DOMAIN"), &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["tls-legacy-only"], "{r:#}");
    assert_eq!(
        versions(first_address(&r)),
        ["accepted", "accepted", "rejected", "rejected"],
        "{r:#}"
    );
    let msg = r["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("accepts only TLS 1.0/1.1") && msg.contains("enable TLS 1.2"),
        "{msg}"
    );
    assert!(r["findings"][0]["remediation"]
        .as_str()
        .unwrap()
        .contains("DisabledByDefault=0"));
    // What it does speak, from the raw probe, agrees with the oracle.
    let tls = &first_address(&r)["tls"];
    assert_eq!(tls["handshake_completed"], false);
    let (ip, host) = (var("LAB_LEGACY_IP"), var("LAB_LEGACY_HOST"));
    let (proto, cipher) =
        openssl_negotiates(&ip, &host, &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
            .expect("openssl TLS 1.1");
    assert_eq!(tls["version"].as_str().unwrap(), proto);
    assert_eq!(tls["cipher_suite"].as_str().unwrap(), cipher);
    assert_eq!(
        tls["chain_valid"], true,
        "the chain sent in the clear is captured and validated"
    );
    assert!(openssl_negotiates(&ip, &host, &["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"]).is_some());
    assert!(openssl_negotiates(&ip, &host, &["-tls1_2"]).is_none());
}

#[test]
fn static_rsa_only_server_has_no_forward_secrecy() {
    let (code, r) = mx(&var("LAB_STATICRSA_DOMAIN"), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&r),
        vec!["no-forward-secrecy"],
        "not tls-handshake-failed: {r:#}"
    );
    let a = first_address(&r);
    assert_eq!(a["versions"]["static_rsa"], "accepted");
    assert_eq!(
        versions(first_address(&r)),
        ["rejected", "rejected", "accepted", "rejected"],
        "{r:#}"
    );
    let tls = &a["tls"];
    assert_eq!(tls["forward_secrecy"], false);
    let (proto, cipher) =
        openssl_negotiates(&var("LAB_STATICRSA_IP"), &var("LAB_STATICRSA_HOST"), &[])
            .expect("openssl handshake");
    assert_eq!(tls["version"].as_str().unwrap(), proto);
    assert_eq!(tls["cipher_suite"].as_str().unwrap(), cipher);
    assert!(cipher.starts_with("TLS_RSA_WITH_"), "{cipher}");
    assert_eq!(tls["chain_valid"], true);
}

#[test]
fn two_mx_hosts_are_both_probed_in_order() {
    let (code, r) = mx(&var("LAB_TWO_DOMAIN"), &[]);
    assert_eq!(code, 0, "{:?}", codes(&r));
    let hosts = r["targets"][0]["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 2);
    assert_eq!(hosts[0]["name"], var("LAB_TWO_HOST"));
    assert_eq!(hosts[1]["name"], var("LAB_TWO_HOST2"));
    for h in hosts {
        assert_eq!(h["addresses"][0]["tls"]["chain_valid"], true);
    }
}

#[test]
fn ipv6_only_mx() {
    let (code, r) = mx(&var("LAB_IPV6_DOMAIN"), &[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(first_address(&r)["ip"], "::1");
    let (code, r) = mx(&var("LAB_IPV6_DOMAIN"), &["-4"]);
    assert_eq!(code, 3, "no IPv4 address: nothing to probe");
    assert_eq!(codes(&r), vec!["mx-unresolvable"]);
}

#[test]
fn null_and_implicit_mx_from_a_real_dns_server() {
    let (code, r) = mx(&var("LAB_NULLMX_DOMAIN"), &[]);
    assert_eq!(code, 3);
    assert_eq!(codes(&r), vec!["null-mx"]);
    let (code, r) = mx(&var("LAB_IMPLICIT_DOMAIN"), &[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(codes(&r), vec!["implicit-mx"]);
}

/// `--ciphers` against the static-RSA and legacy servers: every suite tlscheck lists is accepted
/// by the oracle on its own, and an ECDHE suite the static-RSA server lacks is refused by both.
#[test]
fn cipher_enumeration_agrees_with_openssl() {
    for (name, version, flag) in [
        ("staticrsa", "TLSv1.2", "-tls1_2"),
        ("legacy", "TLSv1.0", "-tls1"),
    ] {
        let upper = name.to_ascii_uppercase();
        let (_, r) = mx(&var(&format!("LAB_{upper}_DOMAIN")), &["--ciphers"]);
        let lists = first_address(&r)["ciphers"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: {r:#}"))
            .clone();
        let list = lists
            .iter()
            .find(|l| l["version"] == version)
            .unwrap_or_else(|| panic!("{name}: {lists:?}"));
        let suites: Vec<&str> = list["suites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(!suites.is_empty(), "{name}");
        let (ip, host) = (
            var(&format!("LAB_{upper}_IP")),
            var(&format!("LAB_{upper}_HOST")),
        );
        for suite in &suites {
            let Some(ossl) = openssl_name(suite) else {
                continue;
            };
            let cipher = format!("{ossl}:@SECLEVEL=0");
            let got = openssl_negotiates(&ip, &host, &[flag, "-cipher", &cipher]);
            assert_eq!(
                got.map(|g| g.1),
                Some(suite.to_string()),
                "{name}: openssl refused {suite}"
            );
        }
        if name == "staticrsa" {
            assert!(
                suites.iter().all(|s| s.starts_with("TLS_RSA_WITH_")),
                "{suites:?}"
            );
            let ecdhe = "ECDHE-RSA-AES128-GCM-SHA256";
            assert!(openssl_negotiates(&ip, &host, &["-tls1_2", "-cipher", ecdhe]).is_none());
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Revocation (CRL server pki.lab.test, OCSP responder ocsp.lab.test) and mutual TLS (issue 4)

/// A plain HTTP/1.0 GET straight to `ip`:80 with `Host: host` (the oracle for what the lab's
/// servers serve); returns (status, body).
fn http_get(ip: &str, host: &str, path: &str) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect((ip, 80)).unwrap_or_else(|e| panic!("connect {ip}:80: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("HTTP header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad HTTP status line: {head}"));
    (status, raw[split + 4..].to_vec())
}

/// Runs a program and returns stdout + stderr.
fn run_text(program: &str, args: &[&str]) -> String {
    let out = Process::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

/// What OpenSSL's own OCSP client says about `leaf`, asking the responder by address (the
/// response must verify: delegated signer, intermediate, lab root).
fn openssl_ocsp(leaf: &str) -> String {
    let url = format!("http://{}/", var("LAB_OCSP_IP"));
    let out = run_text(
        "openssl",
        &[
            "ocsp",
            "-issuer",
            &var("LAB_INTERMEDIATE"),
            "-cert",
            leaf,
            "-url",
            &url,
            "-CAfile",
            &var("LAB_TRUST"),
        ],
    );
    assert!(out.contains("Response verify OK"), "openssl ocsp: {out}");
    out
}

/// What `openssl verify -crl_check` says about `leaf` with the CRL the lab's HTTP server serves.
fn openssl_verify_with_served_crl(leaf: &str) -> String {
    let (status, crl) = http_get(
        &var("LAB_PKI_IP"),
        &var("LAB_PKI_HOST"),
        "/intermediate.crl",
    );
    assert_eq!(status, 200);
    // `openssl verify -CRLfile` reads PEM only: convert the DER the server sent.
    let tag = format!("{}-{}", std::process::id(), leaf.replace('/', "_"));
    let der = std::env::temp_dir().join(format!("tlscheck-lab-{tag}.crl"));
    let pem = std::env::temp_dir().join(format!("tlscheck-lab-{tag}.crl.pem"));
    std::fs::write(&der, crl).unwrap();
    let conv = run_text(
        "openssl",
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            der.to_str().unwrap(),
            "-out",
            pem.to_str().unwrap(),
        ],
    );
    assert!(pem.exists(), "openssl crl: {conv}");
    let out = run_text(
        "openssl",
        &[
            "verify",
            "-crl_check",
            "-CRLfile",
            pem.to_str().unwrap(),
            "-CAfile",
            &var("LAB_TRUST"),
            "-untrusted",
            &var("LAB_INTERMEDIATE"),
            leaf,
        ],
    );
    let _ = std::fs::remove_file(&der);
    let _ = std::fs::remove_file(&pem);
    out
}

#[test]
fn good_leaf_is_good_by_crl_and_delegated_ocsp() {
    let (code, r) = mx(&var("LAB_MODERN_DOMAIN"), &[]);
    assert_eq!(code, 0, "{:?}", codes(&r));
    let rev = revocation(&r, 0);
    let crl = &rev["crl"][0];
    assert_eq!(crl["url"], var("LAB_CRL_URL"), "{rev:#}");
    assert_eq!(crl["host"], var("LAB_PKI_HOST"), "{rev:#}");
    assert_eq!(crl["status"], "good", "{rev:#}");
    assert_eq!(crl["reachable"], true);
    assert_eq!(crl["http_status"], 200);
    assert_eq!(crl["stale"], false);
    assert!(crl["next_update"].is_string(), "{crl:#}");
    let ocsp = &rev["ocsp"][0];
    assert_eq!(ocsp["url"], var("LAB_OCSP_URL"), "{rev:#}");
    assert_eq!(ocsp["host"], var("LAB_OCSP_HOST"), "{rev:#}");
    assert_eq!(ocsp["status"], "good", "{rev:#}");
    assert_eq!(ocsp["reachable"], true);
    assert_eq!(ocsp["http_status"], 200);
    assert!(
        ocsp["this_update"].is_string() && ocsp["next_update"].is_string(),
        "{ocsp:#}"
    );
    // The lab's responder signs with its own certificate (EKU OCSPSigning), not the CA key.
    let signer = ocsp["signer"]
        .as_str()
        .unwrap_or_else(|| panic!("{ocsp:#}"));
    assert!(
        signer.contains("delegated") && signer.contains("tlscheck Lab OCSP Responder"),
        "{signer}"
    );
    assert!(
        rev["crl"].as_array().unwrap().len() == 1 && rev["ocsp"].as_array().unwrap().len() == 1
    );
    // The intermediate is checked against the root's CRL (it names no OCSP responder).
    let rev1 = revocation(&r, 1);
    assert_eq!(rev1["crl"][0]["url"], var("LAB_ROOT_CRL_URL"), "{rev1:#}");
    assert_eq!(rev1["crl"][0]["status"], "good", "{rev1:#}");
    assert_eq!(
        rev1["ocsp"].as_array().map_or(0, |a| a.len()),
        0,
        "{rev1:#}"
    );
    assert!(!all_codes(&r)
        .iter()
        .any(|c| c.starts_with("revocation-") || c == "cert-revoked"));
    // The oracles agree.
    let leaf = var("LAB_MODERN_LEAF");
    assert!(openssl_ocsp(&leaf).contains(&format!("{leaf}: good")));
    let verify = openssl_verify_with_served_crl(&leaf);
    assert!(verify.contains(": OK"), "{verify}");
}

#[test]
fn revoked_leaf_is_revoked_by_crl_and_ocsp() {
    let (code, r) = mx(&var("LAB_REVOKED_DOMAIN"), &[]);
    assert_eq!(code, 1, "{:?}", all_codes(&r));
    let revoked = findings(&r, "cert-revoked");
    assert_eq!(
        revoked.len(),
        1,
        "one finding for the leaf: {:?}",
        all_codes(&r)
    );
    assert_eq!(revoked[0]["severity"], "error");
    let rev = revocation(&r, 0);
    for source in ["crl", "ocsp"] {
        let c = &rev[source][0];
        assert_eq!(c["status"], "revoked", "{source}: {rev:#}");
        assert_eq!(c["reason"], "keyCompromise", "{source}: {rev:#}");
        assert!(c["revoked_at"].is_string(), "{source}: {c:#}");
    }
    // Both come from the same CA database entry.
    assert_eq!(
        rev["crl"][0]["revoked_at"], rev["ocsp"][0]["revoked_at"],
        "{rev:#}"
    );
    assert!(rev["ocsp"][0]["signer"]
        .as_str()
        .is_some_and(|s| s.contains("tlscheck Lab OCSP Responder")));
    // The oracles agree.
    let leaf = var("LAB_REVOKED_LEAF");
    let ocsp = openssl_ocsp(&leaf);
    assert!(ocsp.contains(&format!("{leaf}: revoked")), "{ocsp}");
    assert!(ocsp.contains("Reason: keyCompromise"), "{ocsp}");
    let verify = openssl_verify_with_served_crl(&leaf);
    assert!(verify.contains("certificate revoked"), "{verify}");
}

#[test]
fn unreachable_revocation_servers_warn_without_waiting() {
    // Nothing listens behind dead.lab.test: the connection is refused at once.
    let dead = TcpStream::connect((var("LAB_DEAD_IP").as_str(), 80));
    assert!(
        dead.is_err(),
        "something listens on {}:80",
        var("LAB_DEAD_IP")
    );

    let t = Instant::now();
    let (_, _) = mx(&var("LAB_MODERN_DOMAIN"), &[]);
    let baseline = t.elapsed();
    let t = Instant::now();
    let (code, r) = mx(&var("LAB_DEADREV_DOMAIN"), &[]);
    let took = t.elapsed();
    assert_eq!(code, 0, "warnings only: {:?}", all_codes(&r));
    // --timeout is 5 s: a run that waited for a single fetch timeout would take that much longer.
    assert!(
        took < baseline + Duration::from_secs(4),
        "deadrev took {took:?}, modern {baseline:?}"
    );
    let rev = revocation(&r, 0);
    for (source, url) in [
        ("crl", var("LAB_DEAD_URL")),
        ("ocsp", var("LAB_DEAD_OCSP_URL")),
    ] {
        let c = &rev[source][0];
        assert_eq!(c["url"], url, "{source}: {rev:#}");
        assert_eq!(c["host"], var("LAB_DEAD_HOST"), "{source}: {rev:#}");
        assert_eq!(c["status"], "unreachable", "{source}: {rev:#}");
        assert_eq!(c["reachable"], false, "{source}: {rev:#}");
        assert!(c["error"].is_string(), "{source}: {c:#}");
    }
    let warnings = findings(&r, "revocation-unreachable");
    assert!(!warnings.is_empty(), "{:?}", all_codes(&r));
    for w in &warnings {
        assert_eq!(w["severity"], "warning");
        assert!(
            w["message"]
                .as_str()
                .unwrap()
                .contains(&var("LAB_DEAD_HOST")),
            "names the host to open in the firewall: {w:#}"
        );
    }
    assert!(!all_codes(&r).contains(&"cert-revoked".to_string()));
}

#[test]
fn lab_urls_are_refused_without_allow_private_fetch() {
    let (code, r) = mx_without_private_fetch(&var("LAB_MODERN_DOMAIN"), &[]);
    assert_eq!(code, 0, "warnings only: {:?}", all_codes(&r));
    let rev = revocation(&r, 0);
    assert_eq!(rev["crl"][0]["status"], "refused", "{rev:#}");
    assert_eq!(rev["ocsp"][0]["status"], "refused", "{rev:#}");
    assert!(
        codes(&r).contains(&"revocation-url-refused".to_string()),
        "{:?}",
        all_codes(&r)
    );
}

#[test]
fn no_revocation_skips_every_check() {
    // The revoked leaf passes when nothing is checked.
    let (code, r) = mx(&var("LAB_REVOKED_DOMAIN"), &["--no-revocation"]);
    assert_eq!(code, 0, "{:?}", all_codes(&r));
    let chain = first_address(&r)["tls"]["chain"].as_array().unwrap();
    assert!(!chain.is_empty());
    for (i, cert) in chain.iter().enumerate() {
        assert!(
            cert.get("revocation").is_none(),
            "chain[{i}] has revocation: {cert:#}"
        );
    }
    assert!(!all_codes(&r).contains(&"cert-revoked".to_string()));
}

#[test]
fn postfix_does_not_staple_ocsp() {
    let (code, r) = mx(&var("LAB_MODERN_DOMAIN"), &[]);
    assert_eq!(code, 0);
    let f = findings(&r, "ocsp-not-stapled");
    assert_eq!(f.len(), 1, "{:?}", all_codes(&r));
    assert_eq!(f[0]["severity"], "info");
    assert!(revocation(&r, 0).get("stapled").is_none());
    assert!(first_address(&r)["tls"]["stapled_ocsp"].is_null());
}

/// LAB_CLIENT_CA_SUBJECT-style RFC 2253 (`CN=b,O=a`, last RDN first) -> the DN order, as
/// tlscheck prints names (`O=a, CN=b`). The lab's names contain no escaped commas.
fn dn_order(rfc2253: &str) -> String {
    let mut parts: Vec<&str> = rfc2253.split(',').collect();
    parts.reverse();
    parts.join(", ")
}

/// What the mtls instance answers after STARTTLS and the handshake, as seen by `openssl
/// s_client` with these extra options; includes the CA names it printed.
fn openssl_mtls(extra: &[&str]) -> String {
    let connect = format!("{}:25", var("LAB_MTLS_IP"));
    let host = var("LAB_MTLS_HOST");
    let mut child = Process::new("timeout")
        .args([
            "20",
            "openssl",
            "s_client",
            "-starttls",
            "smtp",
            "-connect",
            &connect,
        ])
        .args([
            "-servername",
            &host,
            "-CAfile",
            &var("LAB_TRUST"),
            "-crlf",
            "-ign_eof",
        ])
        .args(extra)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("openssl s_client");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"EHLO probe.lab.test\nQUIT\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn mtls_server_without_client_cert_asks_for_the_client_ca() {
    let (code, r) = mx(&var("LAB_MTLS_DOMAIN"), &[]);
    let auth = &first_address(&r)["tls"]["client_auth"];
    assert_eq!(auth["requested"], true, "{r:#}");
    let want = dn_order(&var("LAB_CLIENT_CA_SUBJECT"));
    let names: Vec<&str> = auth["ca_names"]
        .as_array()
        .unwrap_or_else(|| panic!("{auth:#}"))
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(names, vec![want.as_str()], "{auth:#}");
    assert!(auth.get("presented").is_none(), "{auth:#}");
    // Postfix completes the handshake and answers the EHLO after it with 421.
    assert_eq!(auth["accepted"], false, "{auth:#}");
    assert!(
        codes(&r).contains(&"client-cert-required".to_string()),
        "{:?}",
        all_codes(&r)
    );
    assert!(
        !all_codes(&r).contains(&"smtp-throttled".to_string()),
        "{:?}",
        all_codes(&r)
    );
    assert_eq!(code, 1);
    // The oracle: the same CA name, and the same refusal.
    let out = openssl_mtls(&[]);
    assert!(
        out.contains(
            "Acceptable client certificate CA names\nO = tlscheck Lab, CN = tlscheck Lab Client CA"
        ),
        "{out}"
    );
    assert!(out.contains("421 4.7.1"), "{out}");
    assert!(out.contains("No client certificate presented"), "{out}");
}

#[test]
fn mtls_server_accepts_the_client_cert_it_trusts() {
    let (cert, key) = (var("LAB_CLIENT_CERT"), var("LAB_CLIENT_KEY"));
    let (code, r) = mx(
        &var("LAB_MTLS_DOMAIN"),
        &["--client-cert", &cert, "--client-key", &key],
    );
    let auth = &first_address(&r)["tls"]["client_auth"];
    assert_eq!(auth["requested"], true, "{r:#}");
    assert_eq!(
        auth["presented"],
        dn_order(&var("LAB_CLIENT_SUBJECT")),
        "{auth:#}"
    );
    assert_eq!(auth["accepted"], true, "{auth:#}");
    assert!(
        !all_codes(&r).iter().any(|c| c.starts_with("client-cert")),
        "{:?}",
        all_codes(&r)
    );
    assert_eq!(code, 0, "{:?}", all_codes(&r));
    // The oracle: Postfix lets the same certificate through to QUIT.
    let out = openssl_mtls(&["-cert", &cert, "-key", &key]);
    assert!(out.contains("221 2.0.0"), "{out}");
    assert!(!out.contains("421 4.7.1"), "{out}");
}

#[test]
fn mtls_server_rejects_a_client_cert_from_another_ca() {
    let (cert, key) = (var("LAB_CLIENT_WRONG_CERT"), var("LAB_CLIENT_WRONG_KEY"));
    let (code, r) = mx(
        &var("LAB_MTLS_DOMAIN"),
        &["--client-cert", &cert, "--client-key", &key],
    );
    let auth = &first_address(&r)["tls"]["client_auth"];
    assert_eq!(auth["requested"], true, "{r:#}");
    assert_eq!(
        auth["presented"],
        dn_order(&var("LAB_CLIENT_WRONG_SUBJECT")),
        "{auth:#}"
    );
    assert_eq!(auth["accepted"], false, "{auth:#}");
    let rejected = findings(&r, "client-cert-rejected");
    assert_eq!(rejected.len(), 1, "{:?}", all_codes(&r));
    assert_eq!(rejected[0]["severity"], "error");
    // The 421 that ends the session is explained by the certificate, not called throttling.
    assert!(
        rejected[0]["message"]
            .as_str()
            .unwrap()
            .contains("Client certificate not trusted"),
        "{:#}",
        rejected[0]
    );
    assert!(
        !all_codes(&r).contains(&"smtp-throttled".to_string()),
        "{:?}",
        all_codes(&r)
    );
    assert_eq!(code, 1);
    // The oracle: Postfix refuses the same certificate after the handshake.
    let out = openssl_mtls(&["-cert", &cert, "-key", &key]);
    assert!(out.contains("421 4.7.1"), "{out}");
    assert!(out.contains("Client certificate not trusted"), "{out}");
}

/// Runs `tlscheck endpoints --url URL...` through the lab DNS; returns (exit code, report).
fn endpoints(urls: &[String]) -> (i32, Value) {
    run::json(
        tlscheck()
            .arg("endpoints")
            .args(urls.iter().flat_map(|u| ["--url", u.as_str()]))
            .args(["--resolver", &var("LAB_DNS"), "--allow-private-fetch"])
            .args(["--format", "json", "--timeout", "5"]),
    )
}

#[test]
fn endpoints_of_the_lab_ca_all_answer() {
    let urls = [
        var("LAB_CRL_URL"),
        var("LAB_OCSP_URL"),
        var("LAB_CA_ISSUERS_URL"),
    ];
    let (code, r) = endpoints(&urls);
    assert_eq!(r["kind"], "endpoints", "{r:#}");
    assert_eq!(r["verdict"], "pass", "{r:#}");
    assert_eq!(code, 0);
    let list = r["endpoints"].as_array().unwrap();
    assert_eq!(list.len(), 3, "{r:#}");
    let pki = var("LAB_PKI_HOST");
    let ocsp = var("LAB_OCSP_HOST");
    for (e, (url, kind, host)) in list.iter().zip([
        (&urls[0], "crl", &pki),
        (&urls[1], "ocsp", &ocsp),
        (&urls[2], "ca-issuers", &pki),
    ]) {
        assert_eq!(e["url"], url.as_str(), "{e:#}");
        assert_eq!(e["kind"], kind, "{e:#}");
        assert_eq!(e["host"], host.as_str(), "{e:#}");
        assert_eq!(e["reachable"], true, "{e:#}");
        assert_eq!(e["status"], "ok", "{e:#}");
        assert_eq!(e["http_status"], 200, "{e:#}");
    }
    // The sizes are those of what the lab's server serves.
    let (_, crl) = http_get(&var("LAB_PKI_IP"), &pki, "/intermediate.crl");
    let (_, crt) = http_get(&var("LAB_PKI_IP"), &pki, "/intermediate.crt");
    assert_eq!(list[0]["bytes"], crl.len(), "{:#}", list[0]);
    assert_eq!(list[2]["bytes"], crt.len(), "{:#}", list[2]);
    assert!(
        list[2]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("tlscheck Lab Intermediate")),
        "{:#}",
        list[2]
    );
}

#[test]
fn endpoints_behind_nothing_are_unreachable() {
    let (code, r) = endpoints(&[var("LAB_DEAD_URL")]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["verdict"], "fail");
    let e = &r["endpoints"][0];
    assert_eq!(e["url"], var("LAB_DEAD_URL"));
    assert_eq!(e["host"], var("LAB_DEAD_HOST"), "{e:#}");
    assert_eq!(e["reachable"], false, "{e:#}");
    assert_eq!(e["status"], "unreachable", "{e:#}");
    assert!(e["error"].is_string(), "{e:#}");
}

#[test]
fn endpoints_with_http_404_are_http_errors() {
    let (status, _) = http_get(&var("LAB_PKI_IP"), &var("LAB_PKI_HOST"), "/missing.crl");
    assert_eq!(status, 404, "oracle");
    let (code, r) = endpoints(&[var("LAB_MISSING_URL")]);
    assert_eq!(code, 1, "{r:#}");
    let e = &r["endpoints"][0];
    assert_eq!(e["reachable"], true, "{e:#}");
    assert_eq!(e["status"], "http-error", "{e:#}");
    assert_eq!(e["http_status"], 404, "{e:#}");
}
