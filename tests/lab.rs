//! The lab suite: the real `tlscheck` binary against real third-party servers (Postfix instances,
//! one per TLS configuration, and dnsmasq for the test zones) started by `tests/lab/lab.sh`.
//! Where an oracle exists it is used: `openssl s_client -starttls smtp` must agree with tlscheck on
//! the negotiated version and cipher suite.
//!
//! Built only with `--features lab` (see `scripts/test-all.sh`, which installs and starts the lab
//! first). If the lab is not running, every test fails with the reason: it never passes by
//! skipping.

use std::collections::HashMap;
use std::process::Command as Process;
use std::sync::OnceLock;

use assert_cmd::Command;
use serde_json::Value;

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

/// Runs `tlscheck mx DOMAIN` through the lab DNS and trust store; returns (exit code, report).
fn mx(domain: &str, extra: &[&str]) -> (i32, Value) {
    let out = Command::cargo_bin("tlscheck")
        .unwrap()
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
        .args(extra)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), report)
}

fn codes(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn address(r: &Value) -> &Value {
    &r["targets"][0]["hosts"][0]["addresses"][0]
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
    let a = address(&r);
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

fn versions(r: &Value) -> [String; 4] {
    let v = &address(r)["versions"];
    ["tls1_0", "tls1_1", "tls1_2", "tls1_3"].map(|k| v[k].as_str().unwrap_or("absent").to_string())
}

#[test]
fn modern_server_rejects_legacy_versions() {
    let (_, r) = mx(&var("LAB_MODERN_DOMAIN"), &[]);
    assert_eq!(
        versions(&r),
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
        versions(&r),
        ["rejected", "rejected", "accepted", "rejected"],
        "{r:#}"
    );
    let (_, r) = mx(&var("LAB_TLS13_DOMAIN"), &[]);
    assert_eq!(
        versions(&r),
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
    assert_eq!(address(&r)["smtp"]["starttls_offered"], false);
}

#[test]
fn postfix_requiring_starttls_passes() {
    let (code, r) = mx(&var("LAB_REQUIRED_DOMAIN"), &[]);
    assert_eq!(code, 0, "{:?}", codes(&r));
    assert_eq!(address(&r)["tls"]["version"], "TLSv1.3");
}

#[test]
fn legacy_only_server_is_reported_legacy_only() {
    let (code, r) = mx(&var("LAB_LEGACY_DOMAIN"), &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec!["tls-legacy-only"], "{r:#}");
    assert_eq!(
        versions(&r),
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
    let tls = &address(&r)["tls"];
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
    let a = address(&r);
    assert_eq!(a["versions"]["static_rsa"], "accepted");
    assert_eq!(
        versions(&r),
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
    assert_eq!(address(&r)["ip"], "::1");
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
        let lists = address(&r)["ciphers"]
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
