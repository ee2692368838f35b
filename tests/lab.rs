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

/// The finding codes, without the info findings every lab.test run has: `ocsp-not-stapled`
/// (Postfix never staples; asserted in `postfix_does_not_staple_ocsp`) and `mta-sts-missing`
/// and `tlsrpt-missing` (lab.test publishes neither; asserted in
/// `lab_test_domains_publish_no_policy`).
fn codes(r: &Value) -> Vec<String> {
    all_codes(r)
        .into_iter()
        .filter(|c| {
            !matches!(
                c.as_str(),
                "ocsp-not-stapled" | "mta-sts-missing" | "tlsrpt-missing"
            )
        })
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
    // `smtpd_tls_security_level = encrypt`: MAIL before STARTTLS gets 530, and the STARTTLS
    // that follows on the same connection still works.
    let smtp = &first_address(&r)["smtp"];
    assert_eq!(smtp["tls_required"], true, "{smtp:#}");
    assert_eq!(smtp["mail_reply"]["code"], 530, "{smtp:#}");
    assert!(smtp["mail_probe_lost"].is_null(), "{smtp:#}");
    // Postfix at `may` takes the plaintext MAIL: opportunistic TLS.
    let (_, modern) = mx(&var("LAB_MODERN_DOMAIN"), &[]);
    let smtp = &first_address(&modern)["smtp"];
    assert_eq!(smtp["tls_required"], false, "{smtp:#}");
    assert_eq!(smtp["mail_reply"]["code"], 250, "{smtp:#}");
    assert_eq!(smtp["rset_reply"]["code"], 250, "{smtp:#}");
    // Both asked in one pipelined group (Postfix offers PIPELINING), which Postfix with
    // `smtpd_forbid_unauth_pipelining = yes` lets through, and TLS 1.2 was learnt after it.
    assert!(smtp["mail_probe_lost"].is_null(), "{smtp:#}");
    assert_eq!(
        versions(first_address(&modern))[2],
        "accepted",
        "{modern:#}"
    );
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
    // The family, not the MX record, is what left nothing to probe.
    assert_eq!(codes(&r), vec!["no-address-in-family"], "{r:#}");
    let message = r["findings"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("has only IPv6 addresses (::1)") && message.contains("run without -4"),
        "{message}"
    );
    assert_eq!(
        r["targets"][0]["hosts"][0]["other_family"][0], "::1",
        "{r:#}"
    );
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
    // EHLO, then QUIT once EHLO is answered: an EHLO must end a pipelined group (RFC 2920),
    // and the lab's Postfix disconnects clients that break that rule.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"EHLO probe.lab.test\n").unwrap();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut text = String::new();
    let mut line = String::new();
    while std::io::BufRead::read_line(&mut reader, &mut line).unwrap_or(0) > 0 {
        text.push_str(&line);
        let answered = line.starts_with("250 ") || line.starts_with("421 ");
        line.clear();
        if answered {
            break;
        }
    }
    // The server may already have hung up (a refused certificate): then there is no one to QUIT.
    let _ = stdin.write_all(b"QUIT\n");
    drop(stdin);
    let _ = reader.read_to_string(&mut text);
    let out = child.wait_with_output().unwrap();
    text + &String::from_utf8_lossy(&out.stderr)
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

// ------------------------------------------------------------------------------------------------
// Issue 13: never blame the server for what our own client refused. Five servers that a client at
// OpenSSL's default security level refuses on its own side (1024-bit RSA key, 1024-bit DH group,
// SHA-1 signature), or that speak another mode than asked for (SMTPS on 465, plaintext on 25
// probed with implicit TLS), or that accept anonymous suites. Each test asks the oracle first, so
// a broken lab fails there; then it runs tlscheck and reports every expectation that does not
// hold at once, with what openssl saw and what tlscheck reported.

/// One `openssl s_client -showcerts` run (not `-brief`), its whole output kept for the facts.
struct OpensslSession {
    what: String,
    text: String,
}

impl OpensslSession {
    /// Connects to `ip:port` (STARTTLS when `starttls`, else TLS at once) with these extra
    /// options; sends `input` after the handshake (with `-crlf -ign_eof`) when it is not empty.
    fn run(ip: &str, port: u16, host: &str, starttls: bool, extra: &[&str], input: &str) -> Self {
        let connect = format!("{ip}:{port}");
        let mut args = vec!["20", "openssl", "s_client"];
        if starttls {
            args.extend(["-starttls", "smtp"]);
        }
        args.extend(["-connect", &connect, "-servername", host, "-showcerts"]);
        args.extend([
            "-CAfile",
            lab()["LAB_TRUST"].as_str(),
            "-verify_hostname",
            host,
        ]);
        if !input.is_empty() {
            args.extend(["-crlf", "-ign_eof"]);
        }
        args.extend_from_slice(extra);
        let mut child = Process::new("timeout")
            .args(&args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("openssl s_client");
        // Then stdin closes: s_client ends after the handshake, or with -ign_eof (input given)
        // once the server closes the connection.
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        let mode = if starttls { "-starttls smtp " } else { "" };
        OpensslSession {
            what: format!(
                "openssl s_client {mode}-connect {connect} {}",
                extra.join(" ")
            )
            .trim_end()
            .to_string(),
            text,
        }
    }

    /// STARTTLS on port 25 of `ip`, nothing sent after the handshake.
    fn starttls(ip: &str, host: &str, extra: &[&str]) -> Self {
        Self::run(ip, 25, host, true, extra, "")
    }

    fn line_after(&self, prefix: &str) -> Option<String> {
        self.text
            .lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_string()))
    }

    /// "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384" -> (protocol, OpenSSL cipher name).
    fn negotiated(&self) -> Option<(String, String)> {
        let line = self.line_after("New,")?;
        let (proto, cipher) = line.split_once(", Cipher is ")?;
        (proto != "(NONE)").then(|| {
            let proto = if proto == "TLSv1" { "TLSv1.0" } else { proto };
            (proto.to_string(), cipher.trim().to_string())
        })
    }

    fn protocol(&self) -> Option<String> {
        self.negotiated().map(|n| n.0)
    }

    /// The IANA name of the negotiated suite.
    fn cipher(&self) -> Option<String> {
        self.negotiated().map(|n| iana(&n.1))
    }

    /// "Server Temp Key: X25519, 253 bits" -> ("X25519", 253).
    fn temp_key(&self) -> Option<(String, u64)> {
        let v = self.line_after("Server Temp Key:")?;
        let (group, bits) = v.split_once(',')?;
        let bits = bits.trim().strip_suffix(" bits")?.parse().ok()?;
        Some((group.trim().to_string(), bits))
    }

    /// "Server public key is 1024 bit".
    fn server_key_bits(&self) -> Option<u64> {
        self.line_after("Server public key is")?
            .strip_suffix(" bit")?
            .parse()
            .ok()
    }

    /// The served leaf (the first PEM block), as `openssl x509 -text` prints it.
    fn leaf_text(&self) -> Option<String> {
        let start = self.text.find("-----BEGIN CERTIFICATE-----")?;
        let end = start + self.text[start..].find("-----END CERTIFICATE-----")? + 25;
        let mut child = Process::new("openssl")
            .args(["x509", "-noout", "-text"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("openssl x509");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(&self.text.as_bytes()[start..end])
            .unwrap();
        let out = child.wait_with_output().unwrap();
        Some(String::from_utf8_lossy(&out.stdout).to_string())
    }

    /// The leaf's signature algorithm ("sha1WithRSAEncryption").
    fn leaf_signature_algorithm(&self) -> Option<String> {
        self.leaf_text()?.lines().find_map(|l| {
            l.trim()
                .strip_prefix("Signature Algorithm:")
                .map(|v| v.trim().to_string())
        })
    }

    /// One line: what this run saw.
    fn summary(&self) -> String {
        let Some((proto, cipher)) = self.negotiated() else {
            let why = self
                .text
                .lines()
                .find(|l| l.contains(":error:") || l.contains("alert"))
                .unwrap_or("no handshake");
            return format!("{}: handshake failed ({})", self.what, why.trim());
        };
        let temp = self
            .temp_key()
            .map_or("none".to_string(), |(g, b)| format!("{g}, {b} bits"));
        format!(
            "{}: {proto} {cipher} ({}), temp key {temp}, server key {} bit, leaf signed {}",
            self.what,
            iana(&cipher),
            self.server_key_bits()
                .map_or("?".to_string(), |b| b.to_string()),
            self.leaf_signature_algorithm()
                .unwrap_or_else(|| "?".to_string()),
        )
    }
}

/// The suites `openssl s_client -tls1_2` negotiates with `ip` one at a time, out of the TLS 1.2
/// candidates `openssl ciphers` lists for `spec` at SECLEVEL=0; as IANA names, with the
/// number of candidates tried.
fn openssl_accepts_one_by_one(ip: &str, host: &str, spec: &str) -> (Vec<String>, usize) {
    let list = run_text(
        "openssl",
        &[
            "ciphers",
            "-tls1_2",
            "-ciphersuites",
            "",
            &format!("{spec}:@SECLEVEL=0"),
        ],
    );
    let candidates: Vec<&str> = list.trim().split(':').filter(|c| !c.is_empty()).collect();
    assert!(!candidates.is_empty(), "openssl ciphers {spec}: {list}");
    let accepted = candidates
        .iter()
        .filter_map(|c| {
            let cipher = format!("{c}:@SECLEVEL=0");
            openssl_negotiates(ip, host, &["-tls1_2", "-cipher", &cipher]).map(|(_, s)| s)
        })
        .collect();
    (accepted, candidates.len())
}

/// Nothing in plaintext within two seconds ("silent"), else the first line the server sent.
fn plaintext_greeting(ip: &str, port: u16) -> String {
    let mut s =
        TcpStream::connect((ip, port)).unwrap_or_else(|e| panic!("connect {ip}:{port}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut buf = [0u8; 512];
    match s.read(&mut buf) {
        Ok(0) => "closed".to_string(),
        Ok(n) => String::from_utf8_lossy(&buf[..n])
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            "silent".to_string()
        }
        Err(e) => format!("error: {e}"),
    }
}

/// Runs `tlscheck host TARGET` through the lab DNS and trust store (as `mx` does); returns
/// (exit code, report, how long it took).
fn host(target: &str, extra: &[&str]) -> (i32, Value, Duration) {
    let t = Instant::now();
    let (code, r) = run::json(
        tlscheck()
            .args([
                "host",
                target,
                "--resolver",
                &var("LAB_DNS"),
                "--trust",
                &var("LAB_TRUST"),
                "--format",
                "json",
            ])
            .args(["--ehlo", "probe.tlscheck.test", "--timeout", "5"])
            .arg("--allow-private-fetch")
            .args(extra),
    );
    (code, r, t.elapsed())
}

/// What tlscheck reported about the first address, without the bulky parts (certificate DER,
/// revocation, probe transcripts): the facts the issue-13 expectations look at.
fn facts(code: i32, r: &Value) -> Value {
    let a = first_address(r);
    let mut tls = a["tls"].clone();
    if let Some(chain) = tls.get_mut("chain").and_then(Value::as_array_mut) {
        for cert in chain.iter_mut() {
            let keep = [
                "subject",
                "key_type",
                "key_bits",
                "signature_algorithm",
                "signature_algorithm_oid",
            ];
            let small: serde_json::Map<String, Value> = keep
                .iter()
                .filter_map(|k| cert.get(*k).map(|v| (k.to_string(), v.clone())))
                .collect();
            *cert = Value::Object(small);
        }
    }
    let mut versions = a["versions"].clone();
    if let Some(v) = versions.as_object_mut() {
        v.remove("probes");
    }
    let findings: Vec<String> = r["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| {
                    format!(
                        "{} ({}): {}",
                        f["code"].as_str().unwrap_or("?"),
                        f["severity"].as_str().unwrap_or("?"),
                        f["message"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    serde_json::json!({
        "exit_code": code,
        "error": a.get("error"),
        "tls": tls,
        "versions": versions,
        "ciphers": a.get("ciphers"),
        "findings": findings,
    })
}

/// The expectations of one tlscheck run, all checked before failing: a failure lists every
/// one that does not hold, what the oracle saw, and what tlscheck reported.
struct Expectations {
    name: &'static str,
    oracle: Vec<String>,
    failed: Vec<String>,
}

impl Expectations {
    fn new(name: &'static str, oracle: Vec<String>) -> Self {
        Expectations {
            name,
            oracle,
            failed: Vec::new(),
        }
    }

    /// `got` (a JSON value of the report) equals `want`.
    fn eq(&mut self, what: &str, got: &Value, want: impl Into<Value>) {
        let want = want.into();
        if *got != want {
            self.failed
                .push(format!("{what}: expected {want}, tlscheck has {got}"));
        }
    }

    fn that(&mut self, what: &str, ok: bool, got: impl std::fmt::Display) {
        if !ok {
            self.failed.push(format!("{what}: tlscheck has {got}"));
        }
    }

    /// `tls.client_limits` (a list of strings) contains `limit`.
    fn client_limit(&mut self, tls: &Value, limit: &str) {
        let has = tls["client_limits"]
            .as_array()
            .is_some_and(|l| l.iter().any(|v| v == limit));
        self.that(
            &format!("tls.client_limits contains {limit:?}"),
            has,
            &tls["client_limits"],
        );
    }

    /// The finding codes contain every one of `yes` and none of `no`.
    fn codes(&mut self, r: &Value, yes: &[&str], no: &[&str]) {
        let all = all_codes(r);
        for c in yes {
            self.that(
                &format!("codes include {c}"),
                all.iter().any(|a| a == c),
                format!("{all:?}"),
            );
        }
        for c in no {
            self.that(
                &format!("codes do not include {c}"),
                !all.iter().any(|a| a == c),
                format!("{all:?}"),
            );
        }
    }

    fn check(self, code: i32, r: &Value) {
        if self.failed.is_empty() {
            return;
        }
        panic!(
            "{}: {} expectation(s) failed:\n  - {}\nopenssl (the oracle) saw:\n  {}\ntlscheck reported:\n{:#}",
            self.name,
            self.failed.len(),
            self.failed.join("\n  - "),
            self.oracle.join("\n  "),
            facts(code, r)
        );
    }
}

#[test]
fn weak_rsa_key_is_a_client_limit_not_a_failed_handshake() {
    let (ip, host_name) = (var("LAB_WEAKKEY_IP"), var("LAB_WEAKKEY_HOST"));
    // The oracle, at SECLEVEL=0 (at level 2 OpenSSL itself calls the key too weak).
    let l0 = ["-cipher", "DEFAULT@SECLEVEL=0"];
    let tls13 = OpensslSession::starttls(&ip, &host_name, &l0);
    let tls12 = OpensslSession::starttls(&ip, &host_name, &["-tls1_2", l0[0], l0[1]]);
    let (proto, _) = tls13
        .negotiated()
        .unwrap_or_else(|| panic!("{}", tls13.text));
    assert_eq!(proto, "TLSv1.3", "{}", tls13.summary());
    let (group, _) = tls13.temp_key().unwrap_or_else(|| panic!("{}", tls13.text));
    assert_eq!(group, "X25519", "{}", tls13.summary());
    assert_eq!(tls13.server_key_bits(), Some(1024), "{}", tls13.summary());
    assert_eq!(
        tls12.protocol().as_deref(),
        Some("TLSv1.2"),
        "{}",
        tls12.summary()
    );

    let (code, r) = mx(&var("LAB_WEAKKEY_DOMAIN"), &[]);
    let a = first_address(&r);
    let tls = &a["tls"];
    let mut e = Expectations::new("weakkey", vec![tls13.summary(), tls12.summary()]);
    e.eq("tls.version", &tls["version"], proto);
    e.eq("tls.handshake_completed", &tls["handshake_completed"], true);
    e.eq("tls.forward_secrecy", &tls["forward_secrecy"], true);
    let kx = tls["kx_group"].as_str().unwrap_or("").to_ascii_lowercase();
    e.that(
        &format!("tls.kx_group is {group} (case-insensitively)"),
        kx == group.to_ascii_lowercase(),
        &tls["kx_group"],
    );
    e.eq("tls.chain[0].key_bits", &tls["chain"][0]["key_bits"], 1024);
    e.eq("versions.tls1_3", &a["versions"]["tls1_3"], "accepted");
    e.eq("versions.tls1_2", &a["versions"]["tls1_2"], "accepted");
    e.eq("tls.chain_valid", &tls["chain_valid"], true);
    e.client_limit(tls, "rsa-key-under-2048");
    e.codes(
        &r,
        &["weak-key"],
        &["no-forward-secrecy", "tls-handshake-failed"],
    );
    e.check(code, &r);
}

#[test]
fn dhe_only_server_with_a_1024_bit_group_is_not_a_failed_handshake() {
    let (ip, host_name) = (var("LAB_DHEONLY_IP"), var("LAB_DHEONLY_HOST"));
    let dhe = OpensslSession::starttls(&ip, &host_name, &["-tls1_2", "-cipher", "DHE@SECLEVEL=0"]);
    let tls13 = OpensslSession::starttls(&ip, &host_name, &["-tls1_3"]);
    let (proto, cipher) = dhe.negotiated().unwrap_or_else(|| panic!("{}", dhe.text));
    assert_eq!(proto, "TLSv1.2", "{}", dhe.summary());
    assert!(cipher.starts_with("DHE-RSA-"), "{}", dhe.summary());
    assert_eq!(
        dhe.temp_key(),
        Some(("DH".to_string(), 1024)),
        "{}",
        dhe.summary()
    );
    assert!(
        tls13.negotiated().is_none(),
        "no TLS 1.3: {}",
        tls13.summary()
    );

    let (code, r) = mx(&var("LAB_DHEONLY_DOMAIN"), &[]);
    let a = first_address(&r);
    let tls = &a["tls"];
    let mut e = Expectations::new("dheonly", vec![dhe.summary(), tls13.summary()]);
    e.eq("tls.version", &tls["version"], "TLSv1.2");
    e.eq("tls.cipher_suite", &tls["cipher_suite"], iana(&cipher));
    e.eq("tls.forward_secrecy", &tls["forward_secrecy"], true);
    e.eq("tls.kx_group", &tls["kx_group"], "DHE 1024");
    e.eq("tls.dh_bits", &tls["dh_bits"], 1024);
    e.eq("versions.tls1_2", &a["versions"]["tls1_2"], "accepted");
    e.eq("versions.tls1_3", &a["versions"]["tls1_3"], "rejected");
    e.eq(
        "tls.handshake_completed",
        &tls["handshake_completed"],
        false,
    );
    // The chain the server sent in the clear, checked like any other.
    e.eq("tls.chain_valid", &tls["chain_valid"], true);
    e.eq("tls.name_valid", &tls["name_valid"], true);
    e.client_limit(tls, "no-dhe");
    e.codes(
        &r,
        &["weak-dh-group"],
        &["tls-handshake-failed", "no-forward-secrecy"],
    );
    e.check(code, &r);
}

/// TLS 1.3 beside a DHE-only TLS 1.2: rustls' TLS 1.2 hello is refused (no shared suite), yet
/// TLS 1.2 is accepted, as openssl (and the raw TLS 1.2 hello) sees.
#[test]
fn dhe_only_tls12_beside_tls13_is_accepted() {
    let (ip, host_name) = (var("LAB_DHE13_IP"), var("LAB_DHE13_HOST"));
    let tls13 = OpensslSession::starttls(&ip, &host_name, &["-tls1_3"]);
    let dhe = OpensslSession::starttls(&ip, &host_name, &["-tls1_2", "-cipher", "DHE@SECLEVEL=0"]);
    let ecdhe =
        OpensslSession::starttls(&ip, &host_name, &["-tls1_2", "-cipher", "ECDHE@SECLEVEL=0"]);
    let (proto, cipher) = tls13
        .negotiated()
        .unwrap_or_else(|| panic!("{}", tls13.text));
    assert_eq!(proto, "TLSv1.3", "{}", tls13.summary());
    assert_eq!(
        dhe.protocol().as_deref(),
        Some("TLSv1.2"),
        "{}",
        dhe.summary()
    );
    assert_eq!(
        dhe.temp_key(),
        Some(("DH".to_string(), 1024)),
        "{}",
        dhe.summary()
    );
    assert!(ecdhe.negotiated().is_none(), "{}", ecdhe.summary());

    let (code, r) = mx(&var("LAB_DHE13_DOMAIN"), &[]);
    let a = first_address(&r);
    let tls = &a["tls"];
    let oracle = vec![tls13.summary(), dhe.summary(), ecdhe.summary()];
    let mut e = Expectations::new("dhe13", oracle);
    e.eq("tls.version", &tls["version"], proto);
    e.eq("tls.cipher_suite", &tls["cipher_suite"], iana(&cipher));
    e.eq("tls.handshake_completed", &tls["handshake_completed"], true);
    e.eq("versions.tls1_3", &a["versions"]["tls1_3"], "accepted");
    e.eq("versions.tls1_2", &a["versions"]["tls1_2"], "accepted");
    let raw12 = a["versions"]["probes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["offered"] == "TLSv1.2, every suite (raw ClientHello)")
        .map(|p| p["result"].as_str().unwrap_or("").to_string())
        .unwrap_or_default();
    e.that(
        "the raw TLS 1.2 probe got a DHE suite over a 1024-bit group",
        raw12.contains("TLS_DHE_RSA_") && raw12.contains("DHE 1024"),
        format!("{raw12:?}"),
    );
    e.eq(
        "versions.tls12_dh_bits",
        &a["versions"]["tls12_dh_bits"],
        1024,
    );
    // A TLS 1.2 sender at OpenSSL 3's level 2 would refuse the group: that is the one finding.
    e.codes(
        &r,
        &["weak-dh-group"],
        &["tls-handshake-failed", "no-forward-secrecy"],
    );
    e.check(code, &r);
}

#[test]
fn dhe_only_cipher_enumeration_agrees_with_openssl() {
    let (ip, host_name) = (var("LAB_DHEONLY_IP"), var("LAB_DHEONLY_HOST"));
    let (mut accepted, tried) = openssl_accepts_one_by_one(&ip, &host_name, "kDHE");
    assert!(
        !accepted.is_empty(),
        "openssl: no DHE suite accepted of {tried}"
    );
    assert!(
        accepted.iter().all(|s| s.starts_with("TLS_DHE_RSA_WITH_")),
        "{accepted:?}"
    );
    accepted.sort();

    let (code, r) = mx(&var("LAB_DHEONLY_DOMAIN"), &["--ciphers"]);
    let lists = first_address(&r)["ciphers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut listed: Vec<String> = lists
        .iter()
        .find(|l| l["version"] == "TLSv1.2")
        .and_then(|l| l["suites"].as_array())
        .map(|s| {
            s.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    listed.sort();
    let oracle = format!(
        "openssl s_client -tls1_2 -cipher X, one by one over {tried} kDHE candidates, accepts {} (sorted): {accepted:?}",
        accepted.len()
    );
    let mut e = Expectations::new("dheonly --ciphers", vec![oracle]);
    e.that(
        "the TLSv1.2 entry of `ciphers` lists exactly the suites openssl accepts (sorted)",
        listed == accepted,
        format!("{listed:?}"),
    );
    let tls12 = lists.iter().find(|l| l["version"] == "TLSv1.2");
    e.eq(
        "the TLSv1.2 entry's dh_bits (openssl: Server Temp Key DH, 1024 bits)",
        tls12.map_or(&Value::Null, |l| &l["dh_bits"]),
        1024,
    );
    e.codes(&r, &["weak-dh-group"], &[]);
    e.check(code, &r);
}

#[test]
fn sha1_signed_leaf_is_a_weak_signature() {
    let (ip, host_name) = (var("LAB_SHA1_IP"), var("LAB_SHA1_HOST"));
    // SECLEVEL=0: at level 2 OpenSSL's own verification says "CA signature digest algorithm too
    // weak" (the handshake completes all the same).
    let s = OpensslSession::starttls(&ip, &host_name, &["-cipher", "DEFAULT@SECLEVEL=0"]);
    let proto = s.protocol().unwrap_or_else(|| panic!("{}", s.text));
    let cipher = s.cipher().unwrap();
    assert_eq!(
        s.leaf_signature_algorithm().as_deref(),
        Some("sha1WithRSAEncryption"),
        "{}",
        s.summary()
    );
    let plain = openssl_negotiates(&ip, &host_name, &[]);
    assert_eq!(
        plain,
        Some((proto.clone(), cipher.clone())),
        "{}",
        s.summary()
    );

    let (code, r) = mx(&var("LAB_SHA1_DOMAIN"), &[]);
    let tls = &first_address(&r)["tls"];
    let mut e = Expectations::new("sha1", vec![s.summary()]);
    e.eq("tls.version", &tls["version"], proto);
    e.eq("tls.cipher_suite", &tls["cipher_suite"], cipher);
    let leaf = &tls["chain"][0];
    e.eq(
        "tls.chain[0].signature_algorithm",
        &leaf["signature_algorithm"],
        "sha1WithRSAEncryption",
    );
    e.eq(
        "tls.chain[0].signature_algorithm_oid",
        &leaf["signature_algorithm_oid"],
        "1.2.840.113549.1.1.5",
    );
    e.codes(&r, &["weak-signature"], &[]);
    let message = findings(&r, "weak-signature")
        .first()
        .and_then(|f| f["message"].as_str())
        .unwrap_or("")
        .to_string();
    e.that(
        "the weak-signature finding's message names sha1WithRSAEncryption",
        message.contains("sha1WithRSAEncryption"),
        format!("{message:?}"),
    );
    e.check(code, &r);
}

/// The SMTPS port of the smtps instance, as `env` prints it.
fn smtps_port() -> u16 {
    var("LAB_SMTPS_PORT").parse().expect("LAB_SMTPS_PORT")
}

#[test]
fn smtps_port_with_implicit_tls_passes() {
    let (ip, host_name, port) = (var("LAB_SMTPS_IP"), var("LAB_SMTPS_HOST"), smtps_port());
    let s = OpensslSession::run(&ip, port, &host_name, false, &[], "QUIT\n");
    let proto = s.protocol().unwrap_or_else(|| panic!("{}", s.text));
    assert!(
        s.text.contains(&format!("220 {host_name} ESMTP")) && s.text.contains("221 2.0.0"),
        "the banner comes after TLS: {}",
        s.text
    );

    let (code, r, _) = host(&format!("{host_name}:{port}"), &["--implicit-tls"]);
    let mut e = Expectations::new("smtps --implicit-tls", vec![s.summary()]);
    e.eq("exit code", &Value::from(code), 0);
    e.eq("tls.version", &first_address(&r)["tls"]["version"], proto);
    e.check(code, &r);
}

#[test]
fn smtps_port_probed_with_starttls_expects_implicit_tls() {
    let (ip, host_name, port) = (var("LAB_SMTPS_IP"), var("LAB_SMTPS_HOST"), smtps_port());
    // The oracle: the port says nothing in plaintext, and speaks TLS at once.
    let greeting = plaintext_greeting(&ip, port);
    assert_eq!(greeting, "silent", "{ip}:{port}");
    let s = OpensslSession::run(&ip, port, &host_name, false, &[], "");
    assert!(s.negotiated().is_some(), "{}", s.text);

    let (code, r, took) = host(&format!("{host_name}:{port}"), &[]);
    let oracle = vec![
        format!("plaintext connect to {ip}:{port}: {greeting} for 2 s"),
        s.summary(),
    ];
    let mut e = Expectations::new("smtps probed with STARTTLS", oracle);
    e.eq("exit code", &Value::from(code), 3);
    let error = &first_address(&r)["error"];
    e.eq("error.phase", &error["phase"], "greeting");
    e.eq("error.kind", &error["kind"], "tls-expected");
    e.codes(&r, &["port-expects-implicit-tls"], &["smtp-timeout"]);
    e.that(
        "the run ends well within --timeout 5 (< 20 s)",
        took < Duration::from_secs(20),
        format!("{took:?}"),
    );
    e.check(code, &r);
}

#[test]
fn plaintext_port_probed_with_implicit_tls_speaks_plaintext() {
    let (ip, host_name) = (var("LAB_MODERN_IP"), var("LAB_MODERN_HOST"));
    // The oracle: port 25 greets in plaintext, and a TLS ClientHello gets no TLS back.
    let greeting = plaintext_greeting(&ip, 25);
    assert!(greeting.starts_with("220 "), "{greeting}");
    let s = OpensslSession::run(&ip, 25, &host_name, false, &[], "");
    assert!(s.negotiated().is_none(), "{}", s.text);

    let (code, r, _) = host(&format!("{host_name}:25"), &["--implicit-tls"]);
    let oracle = vec![format!("plaintext greeting: {greeting}"), s.summary()];
    let mut e = Expectations::new("port 25 probed with --implicit-tls", oracle);
    e.eq("exit code", &Value::from(code), 3);
    let error = &first_address(&r)["error"];
    e.eq("error.phase", &error["phase"], "handshake");
    e.eq("error.kind", &error["kind"], "plaintext-smtp");
    e.codes(&r, &["port-speaks-plaintext"], &["tls-handshake-failed"]);
    e.check(code, &r);
}

#[test]
fn anonymous_suites_are_enumerated_and_reported() {
    let (ip, host_name) = (var("LAB_ANULL_IP"), var("LAB_ANULL_HOST"));
    let (accepted, tried) = openssl_accepts_one_by_one(&ip, &host_name, "aNULL");
    assert!(
        !accepted.is_empty(),
        "openssl: no anonymous suite accepted of {tried}"
    );
    assert!(
        accepted
            .iter()
            .all(|s| s.starts_with("TLS_DH_anon_WITH_") || s.starts_with("TLS_ECDH_anon_WITH_")),
        "{accepted:?}"
    );

    let (code, r) = mx(&var("LAB_ANULL_DOMAIN"), &["--ciphers"]);
    let lists = first_address(&r)["ciphers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let listed: Vec<String> = lists
        .iter()
        .find(|l| l["version"] == "TLSv1.2")
        .and_then(|l| l["suites"].as_array())
        .map(|s| {
            s.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let oracle = format!(
        "openssl s_client -tls1_2 -cipher X@SECLEVEL=0, one by one over {tried} aNULL candidates, accepts {}: {accepted:?}",
        accepted.len()
    );
    // Its authenticated DHE suites use a group sized by the certificate's key (2048 bits here);
    // only the anonymous AES-128 ones get 1024, and those count as anonymous, not as weak DHE.
    let dhe = OpensslSession::starttls(
        &ip,
        &host_name,
        &["-tls1_2", "-cipher", "kDHE+aRSA@SECLEVEL=0"],
    );
    let dhe_bits = dhe
        .temp_key()
        .filter(|(g, _)| g == "DH")
        .map(|(_, b)| b)
        .unwrap_or_else(|| panic!("{}", dhe.text));
    let mut e = Expectations::new("anull --ciphers", vec![oracle, dhe.summary()]);
    let tls12 = lists.iter().find(|l| l["version"] == "TLSv1.2");
    e.eq(
        "the TLSv1.2 entry's dh_bits (the authenticated DHE suites' group)",
        tls12.map_or(&Value::Null, |l| &l["dh_bits"]),
        dhe_bits,
    );
    let missing: Vec<&String> = accepted.iter().filter(|s| !listed.contains(s)).collect();
    e.that(
        "the TLSv1.2 entry of `ciphers` contains every anonymous suite openssl accepts",
        missing.is_empty(),
        format!("{listed:?}, missing {missing:?}"),
    );
    let no_weak_dh: &[&str] = if dhe_bits >= 2048 {
        &["weak-dh-group"]
    } else {
        &[]
    };
    e.codes(&r, &["anonymous-suites-accepted"], no_weak_dh);
    e.check(code, &r);
}

#[test]
fn anull_server_agrees_with_openssl() {
    agrees_with_openssl("anull", "TLSv1.2");
}

/// TLS 1.3 over finite-field groups only: rustls has none, so its hello is refused; the raw TLS
/// 1.3 hello, which offers every group, is answered, as openssl with `-groups ffdhe2048` is. The
/// certificate travels encrypted and our client cannot finish: "not seen", never "untrusted".
#[test]
fn ffdhe_only_tls13_is_a_client_limit_and_an_unseen_chain() {
    let (ip, host_name) = (var("LAB_FFDHE13_IP"), var("LAB_FFDHE13_HOST"));
    let ffdhe = OpensslSession::starttls(&ip, &host_name, &["-groups", "ffdhe2048"]);
    let ec = OpensslSession::starttls(&ip, &host_name, &["-groups", "X25519:P-256:P-384"]);
    let (proto, _) = ffdhe
        .negotiated()
        .unwrap_or_else(|| panic!("{}", ffdhe.text));
    assert_eq!(proto, "TLSv1.3", "{}", ffdhe.summary());
    assert!(
        ffdhe.text.contains(&format!("CN = {host_name}")),
        "openssl with ffdhe2048 sees the certificate: {}",
        ffdhe.summary()
    );
    assert_eq!(
        ffdhe.temp_key(),
        Some(("DH".to_string(), 2048)),
        "{}",
        ffdhe.summary()
    );
    assert!(ec.negotiated().is_none(), "{}", ec.summary());

    let (code, r) = mx(&var("LAB_FFDHE13_DOMAIN"), &[]);
    let a = first_address(&r);
    let tls = &a["tls"];
    let mut e = Expectations::new("ffdhe13", vec![ffdhe.summary(), ec.summary()]);
    e.eq("tls.version", &tls["version"], proto);
    e.eq(
        "tls.handshake_completed",
        &tls["handshake_completed"],
        false,
    );
    // Offered every group, the server picks its first, ffdhe2048: openssl's "DH, 2048 bits".
    e.eq("tls.kx_group", &tls["kx_group"], "ffdhe2048");
    e.eq("tls.forward_secrecy", &tls["forward_secrecy"], true);
    e.client_limit(tls, "group-not-in-rustls");
    e.eq(
        "tls.chain_error.kind",
        &tls["chain_error"]["kind"],
        "not-seen",
    );
    e.eq("versions.tls1_3", &a["versions"]["tls1_3"], "accepted");
    e.eq("versions.tls1_2", &a["versions"]["tls1_2"], "rejected");
    e.codes(
        &r,
        &["chain-not-seen"],
        &[
            "tls-handshake-failed",
            "cert-untrusted",
            "cert-name-mismatch",
        ],
    );
    e.check(code, &r);
}

// ------------------------------------------------------------------------------------------
// DANE (DNSSEC), MTA-STS and TLS-RPT against the signed zone sec.test (NSD), the validating
// unbound, the dane Postfix instance and the MTA-STS HTTPS hosts. Oracles: delv for DNSSEC
// states, openssl s_client -dane_tlsa_rrdata for TLSA matching, curl for the policy fetches.

/// `tlscheck mx DOMAIN` through NSD (authoritative for sec.test) with the lab's DS anchor.
fn sec(domain: &str, extra: &[&str]) -> (i32, Value) {
    sec_via(&var("LAB_SEC_DNS"), domain, extra)
}

fn sec_via(resolver: &str, domain: &str, extra: &[&str]) -> (i32, Value) {
    run::json(
        tlscheck()
            .args(["mx", domain, "--resolver", resolver])
            .args(["--dnssec-anchor", &var("LAB_DNSSEC_ANCHOR")])
            .args(["--trust", &var("LAB_TRUST"), "--format", "json"])
            .args(["--allow-private-fetch", "--no-revocation", "--timeout", "5"])
            .args(["--ehlo", "probe.tlscheck.test"])
            .args(extra),
    )
}

fn dane_host(r: &Value) -> &Value {
    &r["targets"][0]["hosts"][0]["dane"]
}

/// delv's verdict on NAME/TYPE through NSD with the lab anchor: "fully validated", "unsigned
/// answer" or the resolution failure it prints.
fn delv(name: &str, rtype: &str) -> String {
    let ns = var("LAB_SEC_DNS");
    let ip = ns.split(':').next().unwrap_or_default().to_string();
    run_text(
        "delv",
        &[
            &format!("@{ip}"),
            "-a",
            &var("LAB_DNSSEC_ANCHOR_CONF"),
            "+root=sec.test",
            name,
            rtype,
        ],
    )
}

/// openssl s_client's DANE verdict for `rrdata` at the dane instance, checked for `host`.
fn openssl_dane(ip: &str, host: &str, rrdata: &[String]) -> String {
    let mut args: Vec<String> = [
        "s_client",
        "-starttls",
        "smtp",
        "-connect",
        &format!("{ip}:25"),
        "-servername",
        host,
        "-dane_tlsa_domain",
        host,
        "-brief",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for r in rrdata {
        args.push("-dane_tlsa_rrdata".into());
        args.push(r.clone());
    }
    let out = Process::new("openssl")
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl s_client");
    String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout)
}

fn tlsa_rrdata(host: &Value) -> Vec<String> {
    host["tlsa"]
        .as_array()
        .unwrap_or_else(|| panic!("no tlsa: {host:#}"))
        .iter()
        .map(|t| {
            format!(
                "{} {} {} {}",
                t["usage"],
                t["selector"],
                t["matching"],
                t["data"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn lab_test_domains_publish_no_policy() {
    let (_, r) = mx(&var("LAB_MODERN_DOMAIN"), &[]);
    let all = all_codes(&r);
    assert!(all.contains(&"mta-sts-missing".to_string()), "{all:?}");
    assert!(all.contains(&"tlsrpt-missing".to_string()), "{all:?}");
    // dnsmasq serves no root zone and lab.test is unsigned: DNSSEC cannot be decided there, so
    // DANE does not apply (as for a sender whose resolver does not validate).
    let host = dane_host(&r);
    assert_eq!(host["status"], "not-applicable", "{host:#}");
    assert_eq!(host["dnssec"], "indeterminate", "{host:#}");
}

#[test]
fn dane_ee_records_match_like_openssl_and_delv_say() {
    let (code, r) = sec("dane-ee.sec.test", &[]);
    let host = dane_host(&r);
    assert_eq!(host["status"], "usable", "{host:#}");
    assert_eq!(host["dnssec"], "secure", "{host:#}");
    assert_eq!(host["tlsa_dnssec"], "secure", "{host:#}");
    assert_eq!(host["tlsa"].as_array().map(Vec::len), Some(2), "{host:#}");
    let a = first_address(&r);
    assert_eq!(a["dane"]["status"], "matched", "{a:#}");
    assert_eq!(a["dane"]["matched"]["usage"], 3);
    assert!(
        codes(&r).contains(&"dane-valid".to_string()),
        "{:?}",
        codes(&r)
    );
    assert_eq!(code, 0, "{:?}", codes(&r));
    // Oracles: delv validates the TLSA answer; openssl matches the same records.
    let delv_says = delv("_25._tcp.mx.dane-ee.sec.test", "TLSA");
    assert!(delv_says.contains("fully validated"), "{delv_says}");
    let ossl = openssl_dane(
        &var("LAB_DANE_IP"),
        "mx.dane-ee.sec.test",
        &tlsa_rrdata(host),
    );
    assert!(ossl.contains("Verification: OK"), "{ossl}");
    assert!(ossl.contains("DANE TLSA 3 1"), "{ossl}");
}

#[test]
fn dane_ta_matches_the_intermediate_like_openssl_says() {
    let (code, r) = sec("dane-ta.sec.test", &[]);
    let a = first_address(&r);
    assert_eq!(a["dane"]["status"], "matched", "{a:#}");
    assert_eq!(a["dane"]["matched"]["usage"], 2);
    assert_eq!(a["dane"]["matched_depth"], 1, "{a:#}");
    assert_eq!(code, 0, "{:?}", codes(&r));
    let ossl = openssl_dane(
        &var("LAB_DANE_IP"),
        "mx.dane-ta.sec.test",
        &tlsa_rrdata(dane_host(&r)),
    );
    assert!(ossl.contains("Verification: OK"), "{ossl}");
    assert!(ossl.contains("DANE TLSA 2 0 1"), "{ossl}");
}

#[test]
fn dane_mismatch_fails_and_names_the_digest_to_publish() {
    let (code, r) = sec("dane-mismatch.sec.test", &[]);
    let a = first_address(&r);
    assert_eq!(a["dane"]["status"], "mismatch", "{a:#}");
    assert_eq!(code, 1);
    let f = support::report::finding(&r, "dane-mismatch");
    // The presented key's SHA-256, as openssl computes it from the served leaf.
    let leaf = var("LAB_DANE_LEAF");
    let spki = run_text(
        "sh",
        &["-c", &format!("openssl x509 -in {leaf} -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r")],
    );
    let digest = spki
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    assert_eq!(digest.len(), 64, "{spki}");
    assert!(
        f["message"].as_str().unwrap().contains(&digest),
        "{f:#}\n{digest}"
    );
    let ossl = openssl_dane(
        &var("LAB_DANE_IP"),
        "mx.dane-mismatch.sec.test",
        &tlsa_rrdata(dane_host(&r)),
    );
    assert!(
        !ossl.contains("Verification: OK"),
        "openssl must not match either: {ossl}"
    );
}

#[test]
fn dane_unusable_records_warn() {
    let (_, r) = sec("dane-unusable.sec.test", &[]);
    assert_eq!(dane_host(&r)["status"], "unusable");
    assert_eq!(first_address(&r)["dane"]["status"], "unauthenticated");
    assert!(
        codes(&r).contains(&"dane-unusable".to_string()),
        "{:?}",
        codes(&r)
    );
}

#[test]
fn dane_host_without_starttls_fails() {
    let (code, r) = sec("dane-nostarttls.sec.test", &[]);
    assert_eq!(first_address(&r)["dane"]["status"], "starttls-missing");
    assert!(
        codes(&r).contains(&"dane-starttls-missing".to_string()),
        "{:?}",
        codes(&r)
    );
    assert_eq!(code, 1);
}

#[test]
fn dane_follows_the_mx_cname_to_its_target() {
    let (_, r) = sec("dane-cname.sec.test", &[]);
    let host = dane_host(&r);
    assert_eq!(
        host["tlsa_name"], "_25._tcp.mx.dane-ee.sec.test",
        "{host:#}"
    );
    assert_eq!(first_address(&r)["dane"]["status"], "matched");
}

#[test]
fn bogus_tlsa_is_bogus_directly_and_behind_a_validating_resolver() {
    let delv_says = delv("_25._tcp.mx.bogus.sec.test", "TLSA");
    assert!(
        delv_says.contains("resolution failed") || delv_says.contains("SERVFAIL"),
        "{delv_says}"
    );
    for resolver in [var("LAB_SEC_DNS"), var("LAB_VALIDATING_DNS")] {
        let (code, r) = sec_via(&resolver, "bogus.sec.test", &[]);
        let host = dane_host(&r);
        assert_eq!(host["status"], "bogus", "via {resolver}: {host:#}");
        assert_eq!(
            host["dnssec"], "secure",
            "via {resolver}: the A records are fine: {host:#}"
        );
        assert!(
            codes(&r).contains(&"dane-bogus".to_string()),
            "{:?}",
            codes(&r)
        );
        assert_eq!(code, 1);
    }
}

#[test]
fn unsigned_zone_gets_no_dane_and_its_tlsa_is_ignored() {
    let delv_says = delv("mx.unsigned.sec.test", "A");
    assert!(delv_says.contains("unsigned answer"), "{delv_says}");
    let (code, r) = sec("unsigned.sec.test", &[]);
    let host = dane_host(&r);
    assert_eq!(host["status"], "not-applicable", "{host:#}");
    assert_eq!(host["dnssec"], "insecure", "{host:#}");
    assert!(host.get("tlsa").is_none(), "{host:#}");
    assert!(first_address(&r).get("dane").is_none());
    assert!(
        !codes(&r).iter().any(|c| c.starts_with("dane-")),
        "{:?}",
        codes(&r)
    );
    assert_eq!(code, 0);
}

/// curl's view of a policy URL without following redirects: (HTTP code, Location, exit code).
fn curl_policy(domain: &str, ip: &str) -> (String, String, i32) {
    let out = Process::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "--max-redirs",
            "0",
            "--max-time",
            "5",
        ])
        .args(["-w", "%{http_code} %{redirect_url}"])
        .args(["--cacert", &var("LAB_TRUST")])
        .args(["--resolve", &format!("mta-sts.{domain}:443:{ip}")])
        .arg(format!("https://mta-sts.{domain}/.well-known/mta-sts.txt"))
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (status, location) = text.split_once(' ').unwrap_or((&text, ""));
    (
        status.to_string(),
        location.to_string(),
        out.status.code().unwrap_or(-1),
    )
}

fn sts(r: &Value) -> &Value {
    &r["targets"][0]["policy"]["mta_sts"]
}

fn tlsrpt(r: &Value) -> &Value {
    &r["targets"][0]["policy"]["tls_rpt"]
}

#[test]
fn mta_sts_good_policy_is_enforced_and_passes() {
    let (status, _, _) = curl_policy("sts-good.sec.test", &var("LAB_MTASTS_IP"));
    assert_eq!(status, "200");
    let (code, r) = sec("sts-good.sec.test", &[]);
    let s = sts(&r);
    assert_eq!(s["status"], "valid", "{s:#}");
    assert_eq!(s["id"], "20261202T01");
    assert_eq!(s["policy"]["mode"], "enforce");
    assert_eq!(s["policy"]["max_age"], 86400);
    assert_eq!(s["fetch"]["status"], 200);
    let a = first_address(&r);
    assert_eq!(a["mta_sts"]["mx_covered"], true, "{a:#}");
    assert_eq!(a["mta_sts"]["passes"], true, "{a:#}");
    let t = tlsrpt(&r);
    assert_eq!(t["status"], "valid", "{t:#}");
    assert_eq!(t["rua"].as_array().map(Vec::len), Some(2), "{t:#}");
    assert!(
        !codes(&r)
            .iter()
            .any(|c| c.starts_with("mta-sts") || c.starts_with("tlsrpt")),
        "{:?}",
        codes(&r)
    );
    assert_eq!(code, 0);
}

#[test]
fn mta_sts_lf_only_policy_is_valid_and_a_bad_tlsrpt_uri_is_not() {
    let (_, r) = sec("sts-lf.sec.test", &[]);
    assert_eq!(sts(&r)["status"], "valid", "{:#}", sts(&r));
    assert_eq!(tlsrpt(&r)["status"], "invalid");
    assert!(
        codes(&r).contains(&"tlsrpt-invalid".to_string()),
        "{:?}",
        codes(&r)
    );
}

#[test]
fn mta_sts_testing_and_none_modes() {
    let (code, r) = sec("sts-testing.sec.test", &[]);
    assert!(
        codes(&r).contains(&"mta-sts-testing".to_string()),
        "{:?}",
        codes(&r)
    );
    assert!(
        all_codes(&r).contains(&"tlsrpt-missing".to_string()),
        "{:?}",
        codes(&r)
    );
    assert_eq!(code, 0);
    let (code, r) = sec("sts-none.sec.test", &[]);
    assert_eq!(sts(&r)["policy"]["mode"], "none");
    assert_eq!(code, 0, "{:?}", codes(&r));
}

#[test]
fn mta_sts_mx_not_covered_fails_in_enforce_mode() {
    for (domain, host) in [
        ("sts-notcovered.sec.test", "mx.sts-notcovered.sec.test"),
        ("sts-wild.sec.test", "mx.a.sts-wild.sec.test"),
    ] {
        let (code, r) = sec(domain, &[]);
        let f = support::report::finding(&r, "mta-sts-mx-not-covered");
        assert_eq!(f["severity"], "error", "{f:#}");
        assert_eq!(f["host"], host, "{f:#}");
        assert_eq!(first_address(&r)["mta_sts"]["mx_covered"], false);
        assert_eq!(code, 1);
    }
    let (_, r) = sec("sts-notcovered.sec.test", &[]);
    assert_eq!(
        tlsrpt(&r)["status"],
        "invalid",
        "two records: {:#}",
        tlsrpt(&r)
    );
}

#[test]
fn mta_sts_redirect_is_a_failure_like_curl_sees_it() {
    let (status, location, _) = curl_policy("sts-redirect.sec.test", &var("LAB_MTASTS_IP"));
    assert_eq!(status, "301");
    let (code, r) = sec("sts-redirect.sec.test", &[]);
    let s = sts(&r);
    assert_eq!(s["status"], "fetch-failed", "{s:#}");
    assert_eq!(s["fetch"]["status"], 301);
    assert_eq!(s["fetch"]["location"], location.as_str(), "{s:#}");
    assert!(codes(&r).contains(&"mta-sts-fetch-failed".to_string()));
    assert_eq!(code, 1);
}

#[test]
fn mta_sts_policy_host_with_the_wrong_certificate_is_a_failure_like_curl_sees_it() {
    let (_, _, curl_exit) = curl_policy("sts-badcert.sec.test", &var("LAB_MTASTS_BAD_IP"));
    assert_eq!(curl_exit, 60, "curl must refuse the certificate (exit 60)");
    let (code, r) = sec("sts-badcert.sec.test", &[]);
    let s = sts(&r);
    assert_eq!(s["status"], "fetch-failed", "{s:#}");
    let why = s["fetch"]["error"].as_str().unwrap_or_default();
    assert!(why.contains("not valid for"), "{why}");
    assert_eq!(code, 1);
}

#[test]
fn mta_sts_invalid_txt_records() {
    for domain in ["sts-twotxt.sec.test", "sts-badid.sec.test"] {
        let (code, r) = sec(domain, &[]);
        assert_eq!(sts(&r)["status"], "invalid", "{domain}: {:#}", sts(&r));
        assert!(
            codes(&r).contains(&"mta-sts-invalid".to_string()),
            "{domain}: {:?}",
            codes(&r)
        );
        assert_eq!(code, 1);
    }
}

#[test]
fn no_policy_looks_nothing_up() {
    let (_, r) = sec("dane-ee.sec.test", &[]);
    assert!(r["targets"][0].get("policy").is_some());
    let out = tlscheck()
        .args(["mx", "dane-ee.sec.test", "--resolver", &var("LAB_SEC_DNS")])
        .args([
            "--trust",
            &var("LAB_TRUST"),
            "--format",
            "json",
            "--no-policy",
            "--no-revocation",
        ])
        .output()
        .expect("run");
    let r = run::stdout_json(&out);
    assert!(r["targets"][0].get("policy").is_none(), "{r:#}");
    assert!(dane_host(&r).is_null(), "{r:#}");
}

#[test]
fn the_text_report_says_what_each_kind_of_sender_does() {
    let out = tlscheck()
        .args(["mx", "sts-good.sec.test", "--resolver", &var("LAB_SEC_DNS")])
        .args([
            "--dnssec-anchor",
            &var("LAB_DNSSEC_ANCHOR"),
            "--trust",
            &var("LAB_TRUST"),
        ])
        .args(["--allow-private-fetch", "--no-revocation", "--width", "300"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("senders:"))
        .unwrap_or_else(|| panic!("no senders line:\n{text}"));
    assert!(
        line.contains("MTA-STS: delivers with validated TLS to mx.sts-good.sec.test"),
        "{line}"
    );
    assert!(line.contains("opportunistic: delivers over TLS"), "{line}");
}
