//! `tlscheck demo` through the real binary: its own mail servers, DNS server and CA on loopback
//! (127.0.0.1-127.0.0.6, ephemeral ports, like `Net::SHARED`), the real `mx` pipeline over them,
//! and each demo domain with the verdict and the finding it is there to show.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::report::{target, versions};
use support::run::{exit_code, stdout_json, tlscheck};

/// Each demo domain: its verdict and its one finding (none for the good one).
const EXPECTED: [(&str, &str, Option<&str>); 5] = [
    ("good.example", "pass", None),
    ("legacy-tls.example", "fail", Some("tls-legacy-only")),
    ("expired-cert.example", "fail", Some("cert-expired")),
    ("no-starttls.example", "fail", Some("starttls-not-offered")),
    ("throttled.example", "inconclusive", Some("smtp-throttled")),
];

/// A few seconds on a slow machine; about a fifth of a second on the build machine.
const QUICK: Duration = Duration::from_secs(10);

/// The codes of the findings about `domain`.
fn codes_of(report: &Value, domain: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["target"] == domain)
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// The one address of `domain`'s one MX host.
fn address<'a>(report: &'a Value, domain: &str) -> &'a Value {
    let t = target(report, domain);
    let hosts = t["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 1, "{t:#}");
    assert_eq!(hosts[0]["name"], format!("mx.{domain}"));
    &hosts[0]["addresses"][0]
}

#[test]
fn every_demo_domain_gets_its_verdict_and_finding() {
    let t0 = Instant::now();
    let out = tlscheck()
        .args(["demo", "--format", "json"])
        .output()
        .unwrap();
    let took = t0.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(exit_code(&out), 0, "{stderr}");
    assert!(took < QUICK, "the demo took {took:?}");
    // Standard output is the JSON report alone; the header and next step went to stderr.
    let r = stdout_json(&out);
    assert!(
        stderr.contains("simulated mail servers on loopback"),
        "{stderr}"
    );
    assert!(stderr.contains("tlscheck mx YOUR.DOMAIN"), "{stderr}");

    assert_eq!(r["options"]["command"], "mx");
    assert_eq!(
        r["options"]["trust_store"],
        "demo CA (generated at start-up)"
    );
    assert!(
        r["options"]["resolver"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:"),
        "{:#}",
        r["options"]
    );
    let names: Vec<&str> = r["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["input"].as_str().unwrap())
        .collect();
    assert_eq!(names, EXPECTED.map(|(d, _, _)| d));
    let port = r["options"]["port"].as_u64().unwrap();
    for (i, (domain, verdict, code)) in EXPECTED.iter().enumerate() {
        assert_eq!(target(&r, domain)["verdict"], *verdict, "{domain}");
        let expected: Vec<String> = code.iter().map(|c| c.to_string()).collect();
        assert_eq!(codes_of(&r, domain), expected, "{domain}");
        // Each MX host on its own loopback address, all on the run's one port.
        let a = address(&r, domain);
        assert_eq!(a["ip"], format!("127.0.0.{}", i + 2), "{domain}");
        assert_eq!(a["port"].as_u64(), Some(port));
    }
    assert_eq!(r["verdict"], "fail");

    let good = address(&r, "good.example");
    assert_eq!(good["tls"]["version"], "TLSv1.3");
    assert_eq!(good["tls"]["forward_secrecy"], true);
    assert_eq!(good["tls"]["chain_valid"], true, "{:#}", good["tls"]);
    assert_eq!(
        good["tls"]["anchor"]["subject"],
        "CN=tlscheck Demo Root CA, O=tlscheck demo (simulated)"
    );
    assert_eq!(
        versions(good),
        ["rejected", "rejected", "accepted", "accepted"]
    );

    // The raw legacy probe: TLS 1.0 and 1.1 accepted, the chain seen in the clear, and the
    // Exchange Online symptoms with the SCHANNEL fix.
    let legacy = address(&r, "legacy-tls.example");
    assert_eq!(
        versions(legacy),
        ["accepted", "accepted", "rejected", "rejected"]
    );
    assert_eq!(legacy["tls"]["version"], "TLSv1.1");
    assert_eq!(legacy["tls"]["handshake_completed"], false);
    assert_eq!(legacy["tls"]["kx_group"], "secp256r1");
    assert_eq!(legacy["tls"]["chain_valid"], true);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "tls-legacy-only")
        .unwrap();
    let fix = f["remediation"].as_str().unwrap();
    assert!(
        fix.contains("421 4.4.2 Connection dropped due to SocketError"),
        "{fix}"
    );
    assert!(fix.contains("SCHANNEL"), "{fix}");

    let expired = address(&r, "expired-cert.example");
    assert_eq!(expired["tls"]["chain_error"]["kind"], "expired");
    assert_eq!(
        address(&r, "no-starttls.example")["smtp"]["starttls_offered"],
        false
    );
    let busy = address(&r, "throttled.example");
    assert_eq!(busy["smtp"]["banner"]["code"], 421);
    assert_eq!(busy["error"]["kind"], "throttled");
}

#[test]
fn the_text_report_names_every_domain_between_header_and_next_step() {
    let out = tlscheck()
        .args(["demo", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("tlscheck demo: five simulated mail servers on loopback"),
        "{text}"
    );
    assert!(first.contains("no network"), "{first}");
    for (domain, verdict, code) in EXPECTED {
        let verdict_line = text.lines().find(|l| {
            l.starts_with(&verdict.to_uppercase()) && l.contains(&format!(" mx {domain}: "))
        });
        assert!(
            verdict_line.is_some(),
            "no {verdict} line for {domain} in {text}"
        );
        assert!(text.contains(&format!("mx.{domain}")), "{text}");
        if let Some(code) = code {
            assert!(text.contains(&format!("[{code}]")), "{code}: {text}");
        }
    }
    assert!(
        text.trim_end()
            .ends_with("`tlscheck mx YOUR.DOMAIN` (it needs outbound TCP port 25)."),
        "{text}"
    );
}

#[test]
fn the_demo_refuses_to_be_pointed_elsewhere_and_documents_its_exit_codes() {
    let out = tlscheck()
        .args(["demo", "--resolver", "192.0.2.53"])
        .output()
        .unwrap();
    assert_eq!(exit_code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("chooses --resolver itself"));
    let help = tlscheck().args(["demo", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("0  the demo ran as designed"), "{help}");
    assert!(help.contains("4  the demo itself broke"), "{help}");
    // The options the demo sets itself are not offered.
    for hidden in [
        "--resolver <",
        "--port <",
        "--trust <",
        "--implicit-tls",
        "--ipv6",
    ] {
        assert!(!help.contains(hidden), "{hidden}: {help}");
    }
}

/// The demo's servers judged as Exchange Online would deliver to them: the TLS 1.0/1.1-only
/// server fails the sender profile with Exchange Online's symptoms; the good one meets it.
#[test]
fn the_sender_profile_fails_the_tls_1_0_only_server() {
    let out = tlscheck()
        .args(["demo", "--format", "json", "--sender", "exchange-online"])
        .output()
        .unwrap();
    let r = stdout_json(&out);
    let legacy = codes_of(&r, "legacy-tls.example");
    assert!(
        legacy.contains(&"sender-tls-too-old".to_string()),
        "{legacy:?}"
    );
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "sender-tls-too-old")
        .unwrap();
    assert_eq!(f["severity"], "error");
    assert!(
        f["message"].as_str().unwrap().contains("421 4.4.2"),
        "{f:#}"
    );
    let good = codes_of(&r, "good.example");
    assert!(good.iter().all(|c| !c.starts_with("sender-")), "{good:?}");
}
