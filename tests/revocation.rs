//! Revocation, the fetch policy, mutual TLS and `tlscheck endpoints`, end to end: the real
//! binary against in-process STARTTLS servers whose certificates name CRL and OCSP URLs served by
//! a scripted HTTP server (good, revoked, forged, stale, oversized, tryLater, wrong key,
//! redirect loops, refused schemes and destinations). Addresses: 127.0.10.x.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::env::Env;
use support::http::{HttpServer, Reply};
use support::net::Net;
use support::pki::{
    rustls_server_config_with, serial_of, Leaf, LeafSpec, OcspSigner, OcspStatus, Revoked, TestCa,
    TestPki,
};
use support::report::{address, codes, finding, revocation};
use support::run::{self, tlscheck};
use support::smtp::{SmtpServer, SmtpServerConfig};
use time::OffsetDateTime;

/// This binary's addresses, 127.0.10.x.
const NET: Net = Net::REVOCATION;

/// `--resolver` for every run: never queried (every URL here is an IP literal); keeps the system
/// resolver out.
fn resolver() -> String {
    format!("{}:53", NET.ip(250))
}

// What this binary's tests add to the shared environment.
impl Env {
    fn leaf(&self, crl: Option<String>, ocsp: Option<String>) -> Leaf {
        let mut spec = LeafSpec::new(["mx.revocation.test"]);
        spec.crl_url = crl;
        spec.ocsp_url = ocsp;
        self.pki.leaf(spec)
    }

    fn smtp(
        &self,
        last: u8,
        leaf: &Leaf,
        stapled: Option<Vec<u8>>,
        client_ca: Option<&TestCa>,
    ) -> SmtpServer {
        SmtpServer::start_blocking(
            NET.bind(last),
            SmtpServerConfig::starttls(rustls_server_config_with(leaf, stapled, client_ca)),
        )
        .unwrap()
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// `tlscheck host ADDR...` with JSON output; returns (exit code, report).
fn host(env: &Env, servers: &[&SmtpServer], extra: &[&str]) -> (i32, Value) {
    run::json(
        tlscheck()
            .arg("host")
            .args(servers.iter().map(|s| s.addr.to_string()))
            .arg("--trust")
            .arg(&env.trust)
            .args(["--resolver", &resolver(), "--timeout", "5"])
            .args(["--format", "json", "--ehlo", "probe.tlscheck.test"])
            .args(extra),
    )
}

fn allow() -> &'static [&'static str] {
    &["--allow-private-fetch"]
}

#[test]
fn good_crl_and_ocsp_are_fetched_once_for_all_addresses() {
    let env = Env::new();
    // The HTTP server must exist before the leaf names its URLs; routes need the leaf's serial
    // only for OCSP, so the OCSP route is served by a second server started afterwards.
    let crl_http = HttpServer::start_blocking(
        NET.bind(1),
        vec![("/ca.crl", Reply::crl(env.pki.current_crl(&[])))],
    )
    .unwrap();
    let ocsp_addr = NET.free(2);
    let leaf = env.leaf(
        Some(crl_http.url("/ca.crl")),
        Some(format!("http://{ocsp_addr}/ocsp")),
    );
    let ocsp_http = HttpServer::start_blocking(
        ocsp_addr,
        vec![(
            "/ocsp",
            Reply::ocsp(env.pki.ocsp_response(
                &leaf.cert_der,
                OcspStatus::Good,
                OcspSigner::Delegated,
            )),
        )],
    )
    .unwrap();
    let a = env.smtp(3, &leaf, None, None);
    let b = env.smtp(4, &leaf, None, None);
    let (code, r) = host(&env, &[&a, &b], allow());
    assert_eq!(code, 0, "{r:#}");
    for t in 0..2 {
        let rev = &address(&r, t)["tls"]["chain"][0]["revocation"];
        let crl = &rev["crl"][0];
        assert_eq!(crl["status"], "good", "{rev:#}");
        assert_eq!(crl["reachable"], true);
        assert_eq!(crl["http_status"], 200);
        assert_eq!(crl["signer"], "issuer");
        assert!(crl["next_update"].is_string());
        assert!(crl["bytes"].as_u64().unwrap() > 100);
        let ocsp = &rev["ocsp"][0];
        assert_eq!(ocsp["status"], "good", "{rev:#}");
        assert_eq!(
            ocsp["signer"],
            "delegated responder CN=tlscheck Test OCSP Responder"
        );
        assert!(ocsp["produced_at"].is_string());
        // The intermediate names no endpoints: nothing to check, no entry.
        assert!(address(&r, t)["tls"]["chain"][1]
            .get("revocation")
            .is_none());
    }
    // Deduplicated across addresses: one request per URL for the whole run.
    assert_eq!(crl_http.hits("/ca.crl"), 1, "{:?}", crl_http.requests());
    assert_eq!(ocsp_http.hits("/ocsp"), 1, "{:?}", ocsp_http.requests());
    assert_eq!(ocsp_http.requests()[0].0, "POST");
    // The test server does not staple: info only, the verdict stays pass.
    assert!(
        codes(&r).iter().all(|c| c == "ocsp-not-stapled"),
        "{:?}",
        codes(&r)
    );
    assert_eq!(r["verdict"], "pass");
}

#[test]
fn revoked_leaf_is_reported_from_crl_and_ocsp() {
    let env = Env::new();
    let base = NET.free(10);
    let leaf = env.leaf(
        Some(format!("http://{base}/ca.crl")),
        Some(format!("http://{base}/ocsp")),
    );
    let revoked_at = now() - time::Duration::days(3);
    let crl = env.pki.current_crl(&[Revoked {
        serial: serial_of(&leaf.cert_der),
        at: revoked_at,
        reason: Some(1),
    }]);
    let ocsp = env.pki.ocsp_response(
        &leaf.cert_der,
        OcspStatus::Revoked(revoked_at),
        OcspSigner::Issuer,
    );
    let _http = HttpServer::start_blocking(
        base,
        vec![("/ca.crl", Reply::crl(crl)), ("/ocsp", Reply::ocsp(ocsp))],
    )
    .unwrap();
    let smtp = env.smtp(11, &leaf, None, None);
    let (code, r) = host(&env, &[&smtp], allow());
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["verdict"], "fail");
    let rev = revocation(&r, 0);
    assert_eq!(rev["crl"][0]["status"], "revoked", "{rev:#}");
    assert_eq!(rev["crl"][0]["reason"], "keyCompromise");
    assert!(rev["crl"][0]["revoked_at"].is_string());
    assert_eq!(rev["ocsp"][0]["status"], "revoked", "{rev:#}");
    assert_eq!(rev["ocsp"][0]["reason"], "keyCompromise");
    assert_eq!(rev["ocsp"][0]["signer"], "issuer");
    let f = finding(&r, "cert-revoked");
    assert_eq!(f["severity"], "error");
    assert!(
        f["message"].as_str().unwrap().contains("keyCompromise"),
        "{f:#}"
    );
    assert_eq!(codes(&r).iter().filter(|c| *c == "cert-revoked").count(), 1);
}

#[test]
fn forged_stale_and_oversized_crls_are_not_trusted() {
    let env = Env::new();
    let base = NET.free(20);
    let serial = |leaf: &Leaf| serial_of(&leaf.cert_der);
    // Three leaves, one per CRL; each forged/stale CRL also lists the leaf, which must not be
    // believed when the signature is bad.
    let forged_leaf = env.leaf(Some(format!("http://{base}/forged.crl")), None);
    let stale_leaf = env.leaf(Some(format!("http://{base}/stale.crl")), None);
    let big_leaf = env.leaf(Some(format!("http://{base}/big.crl")), None);
    let forged = env.pki.crl(
        &[Revoked {
            serial: serial(&forged_leaf),
            at: now() - time::Duration::days(1),
            reason: Some(1),
        }],
        now() - time::Duration::hours(1),
        now() + time::Duration::days(7),
        true,
    );
    let stale = env.pki.crl(
        &[],
        now() - time::Duration::days(10),
        now() - time::Duration::days(1),
        false,
    );
    let _http = HttpServer::start_blocking(
        base,
        vec![
            ("/forged.crl", Reply::crl(forged)),
            ("/stale.crl", Reply::crl(stale)),
            ("/big.crl", Reply::Endless),
        ],
    )
    .unwrap();
    let s1 = env.smtp(21, &forged_leaf, None, None);
    let s2 = env.smtp(22, &stale_leaf, None, None);
    let s3 = env.smtp(23, &big_leaf, None, None);
    let started = Instant::now();
    let (code, r) = host(&env, &[&s1, &s2, &s3], allow());
    assert!(started.elapsed() < Duration::from_secs(20));
    // Warnings only: no verified revocation.
    assert_eq!(code, 0, "{r:#}");
    assert!(
        !codes(&r).contains(&"cert-revoked".to_string()),
        "{:?}",
        codes(&r)
    );

    let forged = &address(&r, 0)["tls"]["chain"][0]["revocation"]["crl"][0];
    assert_eq!(forged["status"], "invalid", "{forged:#}");
    assert!(
        forged["error"].as_str().unwrap().contains("signature"),
        "{forged:#}"
    );
    assert!(forged.get("revoked_at").is_none());

    let stale = &address(&r, 1)["tls"]["chain"][0]["revocation"]["crl"][0];
    assert_eq!(stale["status"], "good", "{stale:#}");
    assert_eq!(stale["stale"], true);

    let big = &address(&r, 2)["tls"]["chain"][0]["revocation"]["crl"][0];
    assert_eq!(big["status"], "invalid", "{big:#}");
    assert_eq!(big["reachable"], true);
    assert!(
        big["error"]
            .as_str()
            .unwrap()
            .contains("larger than 16777216 bytes"),
        "{big:#}"
    );
    // Cut off at the cap: never much more than 16 MiB read.
    assert!(
        big["bytes"].as_u64().unwrap() <= 16 * 1024 * 1024 + (1 << 20),
        "{big:#}"
    );

    let c = codes(&r);
    assert!(c.contains(&"revocation-invalid".to_string()), "{c:?}");
    assert!(c.contains(&"crl-stale".to_string()), "{c:?}");
}

#[test]
fn ocsp_try_later_wrong_key_and_redirect_loop() {
    let env = Env::new();
    let base = NET.free(30);
    let later = env.leaf(None, Some(format!("http://{base}/later")));
    let wrong = env.leaf(None, Some(format!("http://{base}/wrong")));
    let looping = env.leaf(Some(format!("http://{base}/loop1")), None);
    let _http = HttpServer::start_blocking(
        base,
        vec![
            ("/later", Reply::ocsp(TestPki::ocsp_try_later())),
            (
                "/wrong",
                Reply::ocsp(env.pki.ocsp_response(
                    &wrong.cert_der,
                    OcspStatus::Good,
                    OcspSigner::WrongKey,
                )),
            ),
            ("/loop1", Reply::Redirect("/loop2".into())),
            ("/loop2", Reply::Redirect("/loop1".into())),
        ],
    )
    .unwrap();
    let s1 = env.smtp(31, &later, None, None);
    let s2 = env.smtp(32, &wrong, None, None);
    let s3 = env.smtp(33, &looping, None, None);
    let (code, r) = host(&env, &[&s1, &s2, &s3], allow());
    assert_eq!(code, 0, "{r:#}");

    let later = &address(&r, 0)["tls"]["chain"][0]["revocation"]["ocsp"][0];
    assert_eq!(later["status"], "responder-error", "{later:#}");
    assert_eq!(later["responder_status"], "tryLater");

    let wrong = &address(&r, 1)["tls"]["chain"][0]["revocation"]["ocsp"][0];
    assert_eq!(wrong["status"], "invalid", "{wrong:#}");
    assert!(
        wrong["error"].as_str().unwrap().contains("signature"),
        "{wrong:#}"
    );

    let looping = &address(&r, 2)["tls"]["chain"][0]["revocation"]["crl"][0];
    assert_eq!(looping["status"], "invalid", "{looping:#}");
    assert!(
        looping["error"].as_str().unwrap().contains("redirect loop"),
        "{looping:#}"
    );

    let c = codes(&r);
    assert!(c.contains(&"revocation-unknown".to_string()), "{c:?}");
    assert!(c.contains(&"revocation-invalid".to_string()), "{c:?}");
}

#[test]
fn file_link_local_and_private_urls_are_refused_without_a_fetch() {
    let env = Env::new();
    let http =
        HttpServer::start_blocking(NET.bind(40), vec![("/ca.crl", Reply::Status(200))]).unwrap();
    let files = env.leaf(
        Some("file:///etc/passwd".into()),
        Some("http://169.254.169.254/latest/meta-data".into()),
    );
    let private = env.leaf(Some(http.url("/ca.crl")), None);
    let s1 = env.smtp(41, &files, None, None);
    let s2 = env.smtp(42, &private, None, None);
    let started = Instant::now();
    // No --allow-private-fetch.
    let (code, r) = host(&env, &[&s1, &s2], &[]);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(code, 0, "{r:#}");
    let rev = revocation(&r, 0);
    assert_eq!(rev["crl"][0]["status"], "refused", "{rev:#}");
    assert_eq!(rev["crl"][0]["reachable"], false);
    assert!(rev["crl"][0]["error"]
        .as_str()
        .unwrap()
        .contains("file: URLs are never fetched"));
    assert_eq!(rev["ocsp"][0]["status"], "refused", "{rev:#}");
    assert!(rev["ocsp"][0]["error"]
        .as_str()
        .unwrap()
        .contains("link-local"));
    let private = &address(&r, 1)["tls"]["chain"][0]["revocation"]["crl"][0];
    assert_eq!(private["status"], "refused", "{private:#}");
    assert!(private["error"].as_str().unwrap().contains("loopback"));
    assert_eq!(
        http.requests().len(),
        0,
        "a refused URL must not be fetched"
    );
    assert!(codes(&r).contains(&"revocation-url-refused".to_string()));
}

#[test]
fn unreachable_endpoint_is_a_warning_naming_the_host() {
    let env = Env::new();
    let dead = NET.free(50);
    let leaf = env.leaf(Some(format!("http://{dead}/ca.crl")), None);
    let smtp = env.smtp(51, &leaf, None, None);
    let (code, r) = host(&env, &[&smtp], allow());
    assert_eq!(code, 0, "{r:#}");
    let crl = &revocation(&r, 0)["crl"][0];
    assert_eq!(crl["status"], "unreachable", "{crl:#}");
    assert_eq!(crl["reachable"], false);
    let f = finding(&r, "revocation-unreachable");
    assert_eq!(f["severity"], "warning");
    assert!(
        f["message"].as_str().unwrap().contains(&dead.to_string()),
        "{f:#}"
    );
}

#[test]
fn stapled_responses_are_checked() {
    let env = Env::new();
    let good_leaf = env.leaf(None, Some(format!("http://{}/never", NET.ip(250))));
    let revoked_leaf = env.leaf(None, None);
    let good = env
        .pki
        .ocsp_response(&good_leaf.cert_der, OcspStatus::Good, OcspSigner::Issuer);
    let revoked = env.pki.ocsp_response(
        &revoked_leaf.cert_der,
        OcspStatus::Revoked(now() - time::Duration::days(2)),
        OcspSigner::Delegated,
    );
    let s1 = env.smtp(61, &good_leaf, Some(good), None);
    let s2 = env.smtp(62, &revoked_leaf, Some(revoked), None);
    let (code, r) = host(&env, &[&s1, &s2], allow());
    assert_eq!(code, 1, "{r:#}");
    let good = &address(&r, 0)["tls"]["chain"][0]["revocation"]["stapled"];
    assert_eq!(good["status"], "good", "{good:#}");
    assert!(good.get("url").is_none());
    let revoked = &address(&r, 1)["tls"]["chain"][0]["revocation"]["stapled"];
    assert_eq!(revoked["status"], "revoked", "{revoked:#}");
    let f = finding(&r, "cert-revoked");
    assert_eq!(f["ip"], NET.ip(62).to_string());
    // Stapled: no ocsp-not-stapled for either.
    assert!(!codes(&r).contains(&"ocsp-not-stapled".to_string()));
}

#[test]
fn no_revocation_fetches_nothing() {
    let env = Env::new();
    let http = HttpServer::start_blocking(NET.bind(70), vec![]).unwrap();
    let leaf = env.leaf(Some(http.url("/ca.crl")), Some(http.url("/ocsp")));
    let smtp = env.smtp(71, &leaf, None, None);
    let (code, r) = host(
        &env,
        &[&smtp],
        &["--no-revocation", "--allow-private-fetch"],
    );
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["options"]["revocation"], false);
    assert!(revocation(&r, 0).is_null());
    assert!(codes(&r).is_empty(), "{:?}", codes(&r));
    assert_eq!(http.requests().len(), 0);
}

#[test]
fn client_certificates_requested_accepted_rejected() {
    let env = Env::new();
    let (partner_ca, cert_pem, key_pem) = TestPki::client_identity("Partner Client CA");
    let (_other_ca, wrong_pem, wrong_key) = TestPki::client_identity("Some Other CA");
    let write = |name: &str, text: &str| env.write(name, text).display().to_string();
    let (cert, key) = (
        write("client.pem", &cert_pem),
        write("client.key", &key_pem),
    );
    let (wcert, wkey) = (
        write("wrong.pem", &wrong_pem),
        write("wrong.key", &wrong_key),
    );
    let leaf = env.leaf(None, None);
    let smtp = env.smtp(81, &leaf, None, Some(&partner_ca));

    // Without a certificate: the server asks, names the CA, and ends the session.
    let (code, r) = host(&env, &[&smtp], &[]);
    let auth = &address(&r, 0)["tls"]["client_auth"];
    assert_eq!(auth["requested"], true, "{r:#}");
    assert!(
        auth["ca_names"][0]
            .as_str()
            .unwrap()
            .contains("CN=Partner Client CA"),
        "{auth:#}"
    );
    assert_eq!(auth["accepted"], false);
    assert!(auth.get("presented").is_none());
    // The session's end is explained by the client certificate, not reported as something else.
    assert!(
        !codes(&r)
            .iter()
            .any(|c| c.starts_with("smtp-") || c == "tls-handshake-failed"),
        "{:?}",
        codes(&r)
    );
    assert!(
        codes(&r).contains(&"client-cert-required".to_string()),
        "{:?}",
        codes(&r)
    );
    assert_eq!(code, 1);

    // With the partner's certificate: accepted, the session runs to QUIT.
    let (code, r) = host(
        &env,
        &[&smtp],
        &["--client-cert", &cert, "--client-key", &key],
    );
    let a = address(&r, 0);
    assert_eq!(a["tls"]["client_auth"]["accepted"], true, "{r:#}");
    assert_eq!(
        a["tls"]["client_auth"]["presented"],
        "CN=client.tlscheck.test, O=tlscheck partner"
    );
    assert!(a["smtp"]["tls_ehlo_keywords"].is_array(), "{a:#}");
    assert_eq!(code, 0, "{:?}", codes(&r));
    assert_eq!(r["options"]["client_cert"], cert);

    // With a certificate from another CA: refused.
    let (code, r) = host(
        &env,
        &[&smtp],
        &["--client-cert", &wcert, "--client-key", &wkey],
    );
    assert_eq!(
        address(&r, 0)["tls"]["client_auth"]["accepted"],
        false,
        "{r:#}"
    );
    assert!(
        codes(&r).contains(&"client-cert-rejected".to_string()),
        "{:?}",
        codes(&r)
    );
    assert_eq!(code, 1);
}

#[test]
fn client_key_must_match_and_both_flags_are_needed() {
    let env = Env::new();
    let (_ca, cert_pem, _key) = TestPki::client_identity("A CA");
    let (_ca2, _cert2, other_key) = TestPki::client_identity("B CA");
    let cert = env.write("c.pem", &cert_pem);
    let key = env.write("k.pem", &other_key);
    let target = NET.ip(90).to_string();
    let out = tlscheck()
        .args(["host", &target, "--client-cert"])
        .arg(&cert)
        .arg("--client-key")
        .arg(&key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not belong to"), "{err}");
    let out = tlscheck()
        .args(["host", &target, "--client-cert"])
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn endpoints(args: &[&str]) -> (i32, Value) {
    run::json(tlscheck().arg("endpoints").args(args).args([
        "--resolver",
        &resolver(),
        "--timeout",
        "5",
        "--format",
        "json",
    ]))
}

#[test]
fn endpoints_reports_each_url() {
    let env = Env::new();
    let leaf = env.leaf(None, None);
    let http = HttpServer::start_blocking(
        NET.bind(100),
        vec![
            ("/ca.crl", Reply::crl(env.pki.current_crl(&[]))),
            (
                "/ocsp",
                Reply::ocsp(env.pki.ocsp_response(
                    &leaf.cert_der,
                    OcspStatus::Good,
                    OcspSigner::Issuer,
                )),
            ),
            (
                "/ca.crt",
                Reply::Body(
                    "application/pkix-cert",
                    env.pki.intermediate.cert_der.clone(),
                ),
            ),
        ],
    )
    .unwrap();
    let (crl, ocsp, crt) = (http.url("/ca.crl"), http.url("/ocsp"), http.url("/ca.crt"));
    let (code, r) = endpoints(&[
        "--url",
        &crl,
        "--url",
        &ocsp,
        "--url",
        &crt,
        "--allow-private-fetch",
    ]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["kind"], "endpoints");
    assert_eq!(r["verdict"], "pass");
    let e = r["endpoints"].as_array().unwrap();
    assert_eq!(e.len(), 3);
    assert_eq!(e[0]["kind"], "crl");
    assert_eq!(e[0]["status"], "ok", "{:#}", e[0]);
    assert!(e[0]["detail"]
        .as_str()
        .unwrap()
        .contains("CN=tlscheck Test Intermediate"));
    assert_eq!(e[1]["kind"], "ocsp");
    assert_eq!(e[1]["status"], "ok", "{:#}", e[1]);
    assert!(http
        .requests()
        .iter()
        .any(|(m, p)| m == "POST" && p == "/ocsp"));
    assert_eq!(e[2]["kind"], "ca-issuers");
    assert!(e[2]["detail"]
        .as_str()
        .unwrap()
        .contains("tlscheck Test Intermediate"));

    // Unreachable and refused: exit 1, each with its reason.
    let dead = format!("http://{}/x.crl", NET.free(101));
    let (code, r) = endpoints(&["--url", &dead, "--allow-private-fetch"]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["endpoints"][0]["status"], "unreachable");
    let (code, r) = endpoints(&["--url", &crl]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["endpoints"][0]["status"], "refused");
    let (code, r) = endpoints(&["--url", "file:///etc/passwd"]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["endpoints"][0]["status"], "refused");
}

#[test]
fn endpoints_of_the_builtin_profiles() {
    // Without network access every endpoint fails, but the profile's URLs are what the
    // documentation says (checked without fetching: a 1 ms deadline).
    let (code, r) = endpoints(&["--profile", "exchange-online-2018", "--deadline", "0.001"]);
    assert_eq!(code, 1);
    let urls: Vec<&str> = r["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    assert!(
        urls.iter()
            .any(|u| u.starts_with("http://crl.globalsign.com/")
                && u.ends_with("gsorganizationvalsha2g3.crl")),
        "{urls:?}"
    );
    assert!(
        urls.iter()
            .any(|u| u.starts_with("http://ocsp.globalsign.com/")),
        "{urls:?}"
    );
    assert!(
        urls.iter()
            .any(|u| u.starts_with("http://secure.globalsign.com/")),
        "{urls:?}"
    );
    let (_, r) = endpoints(&["--deadline", "0.001"]);
    assert_eq!(r["profile"], "exchange-online");
    assert!(r["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "ocsp"));
}
