//! Unit tests of the diagnose rules on hand-built reports (no network, fixed clock).

use std::net::IpAddr;

use time::macros::datetime;
use time::OffsetDateTime;

use super::*;
use crate::profile::Profile;
use crate::report::{
    Anchor, AnchorSource, CertRevocation, CertSummary, ChainError, ChainErrorKind, ClientAuth,
    Failure, FailureKind, HostReport, Phase, RevocationCheck, SmtpFacts, TargetKind, TargetReport,
    Timings, TlsFacts,
};
use crate::smtp::reply::ReplySummary;

const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

fn cert(cn: &str) -> CertSummary {
    CertSummary {
        subject: format!("CN={cn}"),
        common_name: Some(cn.into()),
        organization: Some("Example Org".into()),
        organizational_unit: None,
        issuer: "CN=Test Intermediate".into(),
        serial: "01".into(),
        not_before: datetime!(2026-01-01 0:00 UTC),
        not_after: datetime!(2027-01-01 0:00 UTC),
        san_dns: vec![cn.into()],
        san_ip: vec![],
        key_type: "EC".into(),
        key_bits: 256,
        curve: Some("P-256".into()),
        signature_algorithm: "ecdsa-with-SHA256".into(),
        is_ca: false,
        self_issued: false,
        sha256: "aa".repeat(32),
        spki_sha256: "bb".repeat(32),
        ocsp_urls: vec![],
        ca_issuers_urls: vec![],
        crl_urls: vec![],
        der: String::new(),
        parse_error: None,
        revocation: None,
    }
}

fn good_tls() -> TlsFacts {
    TlsFacts {
        handshake_completed: true,
        version: "TLSv1.3".into(),
        cipher_suite: "TLS_AES_256_GCM_SHA384".into(),
        kx_group: Some("X25519MLKEM768".into()),
        post_quantum: true,
        forward_secrecy: true,
        sni: Some("mx.example.test".into()),
        chain: vec![cert("mx.example.test")],
        chain_dropped: 0,
        stapled_ocsp: None,
        chain_valid: true,
        chain_error: None,
        trust_store: "webpki".into(),
        anchor: Some(Anchor {
            subject: "CN=Test Root".into(),
            spki_sha256: "cc".repeat(32),
            sha256: None,
            source: AnchorSource::TrustStore,
        }),
        name_checked: Some("mx.example.test".into()),
        name_valid: Some(true),
        client_auth: None,
    }
}

fn ehlo_reply() -> Option<ReplySummary> {
    Some(ReplySummary {
        code: 250,
        enhanced: None,
        lines: vec!["mx".into(), "STARTTLS".into()],
    })
}

fn address(tls: Option<TlsFacts>, error: Option<Failure>) -> AddressReport {
    AddressReport {
        ip: "192.0.2.1".parse::<IpAddr>().unwrap(),
        port: 25,
        implicit_tls: false,
        smtp: SmtpFacts {
            ehlo: ehlo_reply(),
            starttls_offered: true,
            ehlo_keywords: vec!["STARTTLS".into()],
            ..Default::default()
        },
        tls,
        versions: None,
        ciphers: None,
        timings_ms: Timings::default(),
        error,
    }
}

fn codes(a: &AddressReport, policy: &Policy) -> Vec<Code> {
    diagnose_address(a, "mx.example.test", policy, NOW)
        .into_iter()
        .map(|(c, _)| c)
        .collect()
}

/// (code, severity, message) of each finding for one address.
fn findings(a: &AddressReport, policy: &Policy) -> Vec<Found> {
    diagnose_address(a, "mx.example.test", policy, NOW)
        .into_iter()
        .map(|(code, message)| Found {
            code,
            severity: code.severity(),
            message,
        })
        .collect()
}

#[derive(Debug)]
struct Found {
    code: Code,
    severity: Severity,
    message: String,
}

fn target(addresses: Vec<AddressReport>) -> TargetReport {
    TargetReport {
        input: "example.test".into(),
        kind: TargetKind::Mx,
        name: "example.test".into(),
        mx: vec![],
        mx_dropped: 0,
        null_mx: false,
        implicit_mx: false,
        dns_error: None,
        hosts: vec![HostReport {
            name: "mx.example.test".into(),
            cname: None,
            preference: Some(10),
            dns_error: None,
            addresses,
        }],
        verdict: Verdict::Inconclusive,
    }
}

#[test]
fn good_address_has_no_findings_and_passes() {
    let a = address(Some(good_tls()), None);
    assert!(codes(&a, &Policy::default()).is_empty());
    let t = target(vec![a]);
    let f = diagnose_target(&t, &Policy::default(), NOW);
    assert_eq!(target_verdict(&t, &f), Verdict::Pass);
}

#[test]
fn starttls_not_offered_is_an_error() {
    let mut a = address(None, None);
    a.smtp.starttls_offered = false;
    a.smtp.ehlo_keywords = vec!["PIPELINING".into()];
    assert_eq!(
        codes(&a, &Policy::default()),
        vec![Code::StarttlsNotOffered]
    );
}

#[test]
fn throttled_greeting_is_not_missing_starttls() {
    let mut a = address(
        None,
        Some(Failure::new(Phase::Greeting, FailureKind::Throttled, "421")),
    );
    a.smtp.ehlo = None;
    a.smtp.starttls_offered = false;
    assert_eq!(codes(&a, &Policy::default()), vec![Code::SmtpThrottled]);
    let t = target(vec![a]);
    let f = diagnose_target(&t, &Policy::default(), NOW);
    assert_eq!(target_verdict(&t, &f), Verdict::Inconclusive);
}

#[test]
fn connection_failures_are_classified() {
    let mk = |phase, kind| {
        let mut a = address(None, Some(Failure::new(phase, kind, "x")));
        a.smtp = SmtpFacts::default();
        a
    };
    let p = Policy::default();
    assert_eq!(
        codes(&mk(Phase::Connect, FailureKind::Refused), &p),
        vec![Code::ConnectFailed]
    );
    assert_eq!(
        codes(&mk(Phase::Connect, FailureKind::Timeout), &p),
        vec![Code::PortUnreachable]
    );
    assert_eq!(
        codes(&mk(Phase::Connect, FailureKind::Unreachable), &p),
        vec![Code::PortUnreachable]
    );
    // Our own deadline, not the server's silence.
    assert_eq!(
        codes(&mk(Phase::Connect, FailureKind::Deadline), &p),
        vec![Code::RunDeadline]
    );
    assert_eq!(
        codes(&mk(Phase::Greeting, FailureKind::Timeout), &p),
        vec![Code::SmtpTimeout]
    );
    assert_eq!(
        codes(&mk(Phase::Greeting, FailureKind::Protocol), &p),
        vec![Code::SmtpProtocolError]
    );
    assert_eq!(
        codes(&mk(Phase::Greeting, FailureKind::Rejected), &p),
        vec![Code::SmtpRejected]
    );
    assert_eq!(
        codes(&mk(Phase::Handshake, FailureKind::Tls), &p),
        vec![Code::TlsHandshakeFailed]
    );
    assert_eq!(
        codes(&mk(Phase::Starttls, FailureKind::PlaintextInjection), &p),
        vec![Code::StarttlsPlaintextInjection]
    );
}

#[test]
fn starttls_refused_keeps_the_reply_in_the_message() {
    let mut e = Failure::new(
        Phase::Starttls,
        FailureKind::Rejected,
        "STARTTLS answered with 454",
    );
    e.reply = Some(ReplySummary {
        code: 454,
        enhanced: Some("4.7.0".into()),
        lines: vec!["4.7.0 TLS not available".into()],
    });
    let a = address(None, Some(e));
    let f = diagnose_address(&a, "mx", &Policy::default(), NOW);
    assert_eq!(f[0].0, Code::StarttlsRefused);
    assert!(f[0].1.contains("TLS not available"), "{}", f[0].1);
}

#[test]
fn expired_and_not_yet_valid_use_the_report_clock() {
    let mut tls = good_tls();
    tls.chain[0].not_after = datetime!(2026-11-01 0:00 UTC);
    tls.chain_valid = false;
    tls.chain_error = Some(ChainError {
        kind: ChainErrorKind::Expired,
        message: "CertExpired".into(),
    });
    let f = diagnose_address(
        &address(Some(tls.clone()), None),
        "mx",
        &Policy::default(),
        NOW,
    );
    assert_eq!(
        f.iter().map(|x| x.0).collect::<Vec<_>>(),
        vec![Code::CertExpired]
    );
    assert!(f[0].1.contains("22 days ago"), "{}", f[0].1);

    tls.chain[0].not_after = datetime!(2027-11-01 0:00 UTC);
    tls.chain[0].not_before = datetime!(2026-12-01 0:00 UTC);
    tls.chain_error = Some(ChainError {
        kind: ChainErrorKind::NotYetValid,
        message: "x".into(),
    });
    assert_eq!(
        codes(&address(Some(tls), None), &Policy::default()),
        vec![Code::CertNotYetValid]
    );
}

#[test]
fn name_mismatch() {
    let mut tls = good_tls();
    tls.name_valid = Some(false);
    assert_eq!(
        codes(&address(Some(tls), None), &Policy::default()),
        vec![Code::CertNameMismatch]
    );
}

#[test]
fn unknown_issuer_is_untrusted_or_incomplete() {
    let mut tls = good_tls();
    tls.chain_valid = false;
    tls.anchor = None;
    tls.chain_error = Some(ChainError {
        kind: ChainErrorKind::UnknownIssuer,
        message: "UnknownIssuer".into(),
    });
    assert_eq!(
        codes(&address(Some(tls.clone()), None), &Policy::default()),
        vec![Code::CertUntrusted]
    );
    // A leaf that names where its issuer can be fetched, sent without it: missing intermediate.
    tls.chain[0].ca_issuers_urls = vec!["http://ca.example.test/int.crt".into()];
    assert_eq!(
        codes(&address(Some(tls.clone()), None), &Policy::default()),
        vec![Code::ChainIncomplete]
    );
    // A self-signed top is a root the store does not know, never "incomplete".
    tls.chain[0].self_issued = true;
    assert_eq!(
        codes(&address(Some(tls), None), &Policy::default()),
        vec![Code::CertUntrusted]
    );
}

fn profile() -> Profile {
    Profile::parse(
        r#"
name = "test"
description = "test profile"
certificate_name = "mail.protection.outlook.com"
organization = "Microsoft Corporation"
min_key_bits = 3072
min_tls = "1.2"
[[roots]]
name = "Test Root"
spki_sha256 = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
"#,
        "test",
    )
    .unwrap()
}

fn exo_tls() -> TlsFacts {
    let mut tls = good_tls();
    tls.chain[0] = cert("mail.protection.outlook.com");
    tls.chain[0].organization = Some("Microsoft Corporation".into());
    tls.chain[0].key_type = "RSA".into();
    tls.chain[0].key_bits = 4096;
    tls.chain[0].curve = None;
    tls
}

#[test]
fn profile_expectations_hold() {
    let p = Policy {
        profile: Some(profile()),
        require_tls: None,
        revocation: false,
    };
    assert!(codes(&address(Some(exo_tls()), None), &p).is_empty());
}

#[test]
fn root_mismatch_is_by_key_not_name() {
    let p = Policy {
        profile: Some(profile()),
        require_tls: None,
        revocation: false,
    };
    let mut tls = exo_tls();
    // Same name as the expected root, different key.
    tls.anchor = Some(Anchor {
        subject: "CN=Test Root".into(),
        spki_sha256: "dd".repeat(32),
        sha256: None,
        source: AnchorSource::TrustStore,
    });
    let f = diagnose_address(&address(Some(tls), None), "mx", &p, NOW);
    assert_eq!(
        f.iter().map(|x| x.0).collect::<Vec<_>>(),
        vec![Code::RootMismatch]
    );
    assert!(
        f[0].1.contains("the name matches but the key does not"),
        "{}",
        f[0].1
    );
}

#[test]
fn profile_name_org_and_key_size() {
    let p = Policy {
        profile: Some(profile()),
        require_tls: None,
        revocation: false,
    };
    let mut tls = exo_tls();
    tls.chain[0].common_name = Some("mx.contoso.test".into());
    tls.chain[0].san_dns = vec!["mx.contoso.test".into()];
    tls.chain[0].organization = None;
    tls.chain[0].key_bits = 2048;
    assert_eq!(
        codes(&address(Some(tls), None), &p),
        vec![
            Code::WeakKey,
            Code::CertNameUnexpected,
            Code::CertOrganizationUnexpected
        ]
    );
}

#[test]
fn default_key_minimum() {
    let mut tls = good_tls();
    tls.chain[0].key_type = "RSA".into();
    tls.chain[0].key_bits = 1024;
    assert_eq!(
        codes(&address(Some(tls.clone()), None), &Policy::default()),
        vec![Code::WeakKey]
    );
    tls.chain[0].key_bits = 2048;
    assert!(codes(&address(Some(tls), None), &Policy::default()).is_empty());
}

#[test]
fn profile_anchor_outside_the_store_is_a_warning() {
    let p = Policy {
        profile: Some(profile()),
        require_tls: None,
        revocation: false,
    };
    let mut tls = exo_tls();
    tls.chain_valid = false;
    tls.chain_error = Some(ChainError {
        kind: ChainErrorKind::UnknownIssuer,
        message: "UnknownIssuer".into(),
    });
    tls.anchor.as_mut().unwrap().source = AnchorSource::Profile;
    assert_eq!(
        codes(&address(Some(tls), None), &p),
        vec![Code::AnchorNotInTrustStore]
    );
}

#[test]
fn require_tls_takes_the_stricter_of_flag_and_profile() {
    let mut tls = good_tls();
    tls.version = "TLSv1.2".into();
    let a = address(Some(tls), None);
    assert!(codes(
        &a,
        &Policy {
            profile: None,
            require_tls: Some(TlsVersion::Tls12),
            revocation: false,
        }
    )
    .is_empty());
    assert_eq!(
        codes(
            &a,
            &Policy {
                profile: None,
                require_tls: Some(TlsVersion::Tls13),
                revocation: false,
            }
        ),
        vec![Code::TlsBelowRequired]
    );
}

#[test]
fn target_level_findings_and_verdicts() {
    let mut t = target(vec![]);
    t.null_mx = true;
    t.hosts.clear();
    let f = diagnose_target(&t, &Policy::default(), NOW);
    assert_eq!(
        f.iter().map(|x| x.code).collect::<Vec<_>>(),
        vec![Code::NullMx]
    );
    assert_eq!(target_verdict(&t, &f), Verdict::Inconclusive);

    let mut t = target(vec![address(Some(good_tls()), None)]);
    t.implicit_mx = true;
    let f = diagnose_target(&t, &Policy::default(), NOW);
    assert_eq!(f[0].code, Code::ImplicitMx);
    assert_eq!(f[0].severity, Severity::Info);
    assert_eq!(target_verdict(&t, &f), Verdict::Pass);
}

#[test]
fn one_host_down_still_passes_with_a_warning() {
    let mut t = target(vec![address(Some(good_tls()), None)]);
    let mut down = address(
        None,
        Some(Failure::new(
            Phase::Connect,
            FailureKind::Refused,
            "refused",
        )),
    );
    down.smtp = SmtpFacts::default();
    t.hosts.push(HostReport {
        name: "mx2.example.test".into(),
        cname: None,
        preference: Some(20),
        dns_error: None,
        addresses: vec![down],
    });
    let f = diagnose_target(&t, &Policy::default(), NOW);
    assert_eq!(
        f.iter().map(|x| x.code).collect::<Vec<_>>(),
        vec![Code::ConnectFailed]
    );
    assert_eq!(f[0].host.as_deref(), Some("mx2.example.test"));
    assert_eq!(target_verdict(&t, &f), Verdict::Pass);
}

#[test]
fn overall_verdict_order() {
    use Verdict::*;
    assert_eq!(overall([Pass, Pass].into_iter()), Pass);
    assert_eq!(overall([Pass, Inconclusive].into_iter()), Inconclusive);
    assert_eq!(overall([Inconclusive, Fail, Pass].into_iter()), Fail);
    assert_eq!(overall(std::iter::empty()), Pass);
}

fn versions(v: [crate::report::VersionStatus; 4]) -> crate::report::Versions {
    crate::report::Versions {
        tls1_0: v[0],
        tls1_1: v[1],
        tls1_2: v[2],
        tls1_3: v[3],
        static_rsa: None,
        probes: vec![],
    }
}

#[test]
fn legacy_versions_are_judged() {
    use crate::report::VersionStatus::{Accepted as A, Error as E, Rejected as R};
    let mut a = address(Some(good_tls()), None);
    a.versions = Some(versions([R, R, A, A]));
    assert!(codes(&a, &Policy::default()).is_empty());
    a.versions = Some(versions([A, R, A, A]));
    assert_eq!(codes(&a, &Policy::default()), vec![Code::TlsLegacyAccepted]);
    a.versions = Some(versions([R, R, E, E]));
    assert!(
        codes(&a, &Policy::default()).is_empty(),
        "errors are not acceptance"
    );

    // Legacy only: the modern handshake failed; the facts come from the raw ServerHello.
    let mut tls = good_tls();
    tls.handshake_completed = false;
    tls.version = "TLSv1.1".into();
    tls.cipher_suite = "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA".into();
    let mut a = address(
        Some(tls),
        Some(Failure::new(Phase::Handshake, FailureKind::Tls, "alert")),
    );
    a.versions = Some(versions([A, A, R, R]));
    let f = diagnose_address(&a, "mx", &Policy::default(), NOW);
    assert_eq!(
        f.iter().map(|x| x.0).collect::<Vec<_>>(),
        vec![Code::TlsLegacyOnly],
        "no tls-handshake-failed"
    );
    assert!(f[0].1.contains("Exchange Online will drop the connection"));
    let p = Policy {
        profile: None,
        require_tls: Some(TlsVersion::Tls12),
        revocation: false,
    };
    assert_eq!(
        codes(&a, &p),
        vec![Code::TlsLegacyOnly, Code::TlsBelowRequired]
    );
}

#[test]
fn static_rsa_is_no_forward_secrecy_not_a_failed_handshake() {
    use crate::report::VersionStatus::{Accepted as A, Rejected as R};
    let mut tls = good_tls();
    tls.handshake_completed = false;
    tls.version = "TLSv1.2".into();
    tls.cipher_suite = "TLS_RSA_WITH_AES_256_GCM_SHA384".into();
    tls.forward_secrecy = false;
    tls.kx_group = None;
    let mut a = address(
        Some(tls),
        Some(Failure::new(
            Phase::Handshake,
            FailureKind::Tls,
            "handshake_failure",
        )),
    );
    let mut v = versions([R, R, A, R]);
    v.static_rsa = Some(A);
    a.versions = Some(v);
    assert_eq!(codes(&a, &Policy::default()), vec![Code::NoForwardSecrecy]);
    // Without a raw ServerHello, the failed handshake is reported as such.
    let a = address(
        None,
        Some(Failure::new(
            Phase::Handshake,
            FailureKind::Tls,
            "handshake_failure",
        )),
    );
    assert_eq!(
        codes(&a, &Policy::default()),
        vec![Code::TlsHandshakeFailed]
    );
}

fn check(status: RevocationStatus, url: &str) -> RevocationCheck {
    let mut c = crate::revocation::blank(status);
    c.url = Some(url.into());
    c.host = crate::fetch::host_label(url);
    c.reachable = !matches!(
        status,
        RevocationStatus::Unreachable | RevocationStatus::Refused
    );
    c
}

fn with_revocation(rev: CertRevocation) -> TlsFacts {
    let mut tls = good_tls();
    tls.chain[0].revocation = Some(rev);
    tls
}

fn checked() -> Policy {
    Policy {
        revocation: true,
        ..Policy::default()
    }
}

#[test]
fn revoked_by_crl_or_ocsp_is_one_error() {
    let mut crl = check(RevocationStatus::Revoked, "http://crl.example.test/ca.crl");
    crl.reason = Some("keyCompromise".into());
    crl.revoked_at = Some(datetime!(2026-11-01 0:00 UTC));
    let ocsp = check(RevocationStatus::Revoked, "http://ocsp.example.test/");
    let tls = with_revocation(CertRevocation {
        crl: vec![crl],
        ocsp: vec![ocsp],
        ..Default::default()
    });
    let f = findings(&address(Some(tls), None), &checked());
    let revoked: Vec<_> = f.iter().filter(|f| f.code == Code::CertRevoked).collect();
    assert_eq!(revoked.len(), 1, "{f:?}");
    assert!(
        revoked[0].message.contains("keyCompromise"),
        "{}",
        revoked[0].message
    );
    assert!(
        revoked[0].message.contains("2026-11-01"),
        "{}",
        revoked[0].message
    );
    assert_eq!(revoked[0].severity, Severity::Error);
}

#[test]
fn unreachable_endpoint_names_the_host() {
    let mut c = check(
        RevocationStatus::Unreachable,
        "http://crl.globalsign.com/gs/x.crl",
    );
    c.error = Some("timed out".into());
    let tls = with_revocation(CertRevocation {
        crl: vec![c],
        ..Default::default()
    });
    let f = findings(&address(Some(tls), None), &checked());
    let u = f
        .iter()
        .find(|f| f.code == Code::RevocationUnreachable)
        .expect("revocation-unreachable");
    assert_eq!(u.severity, Severity::Warning);
    assert!(u.message.contains("crl.globalsign.com"), "{}", u.message);
    assert!(
        u.message.contains("http://crl.globalsign.com/gs/x.crl"),
        "{}",
        u.message
    );
}

#[test]
fn ldap_beside_http_is_not_reported_but_ldap_alone_is() {
    let ldap = check(RevocationStatus::Refused, "ldap:///CN=CA,CN=CDP");
    let http = check(RevocationStatus::Good, "http://crl.example.test/ca.crl");
    let both = with_revocation(CertRevocation {
        crl: vec![ldap.clone(), http],
        ..Default::default()
    });
    assert!(!codes(&address(Some(both), None), &checked()).contains(&Code::RevocationUrlRefused));
    let alone = with_revocation(CertRevocation {
        crl: vec![ldap],
        ..Default::default()
    });
    assert!(codes(&address(Some(alone), None), &checked()).contains(&Code::RevocationUrlRefused));
}

#[test]
fn stale_invalid_unknown_map_to_their_codes() {
    let mut stale = check(RevocationStatus::Good, "http://crl.example.test/ca.crl");
    stale.stale = true;
    let invalid = check(
        RevocationStatus::Invalid,
        "http://crl.example.test/other.crl",
    );
    let mut unknown = check(
        RevocationStatus::ResponderError,
        "http://ocsp.example.test/",
    );
    unknown.responder_status = Some("tryLater".into());
    let tls = with_revocation(CertRevocation {
        crl: vec![stale, invalid],
        ocsp: vec![unknown],
        ..Default::default()
    });
    let c = codes(&address(Some(tls), None), &checked());
    assert!(c.contains(&Code::CrlStale), "{c:?}");
    assert!(c.contains(&Code::RevocationInvalid), "{c:?}");
    assert!(c.contains(&Code::RevocationUnknown), "{c:?}");
    assert!(!c.contains(&Code::CertRevoked), "{c:?}");
}

#[test]
fn ocsp_not_stapled_only_when_checked_and_the_leaf_has_a_responder() {
    let mut tls = good_tls();
    assert!(!codes(&address(Some(tls.clone()), None), &checked()).contains(&Code::OcspNotStapled));
    tls.chain[0].ocsp_urls = vec!["http://ocsp.example.test/".into()];
    assert!(codes(&address(Some(tls.clone()), None), &checked()).contains(&Code::OcspNotStapled));
    assert!(
        !codes(&address(Some(tls.clone()), None), &Policy::default())
            .contains(&Code::OcspNotStapled)
    );
    tls.stapled_ocsp = Some("MAA=".into());
    assert!(!codes(&address(Some(tls), None), &checked()).contains(&Code::OcspNotStapled));
}

#[test]
fn client_certificate_outcomes() {
    let mut tls = good_tls();
    tls.client_auth = Some(ClientAuth {
        requested: true,
        ca_names: vec!["CN=Partner CA".into()],
        presented: Some("CN=us".into()),
        accepted: Some(false),
    });
    let f = findings(&address(Some(tls.clone()), None), &Policy::default());
    let r = f
        .iter()
        .find(|f| f.code == Code::ClientCertRejected)
        .expect("rejected");
    assert!(r.message.contains("CN=Partner CA"), "{}", r.message);
    tls.client_auth = Some(ClientAuth {
        requested: true,
        ca_names: vec![],
        presented: None,
        accepted: Some(false),
    });
    assert!(codes(&address(Some(tls.clone()), None), &Policy::default())
        .contains(&Code::ClientCertRequired));
    tls.client_auth = Some(ClientAuth {
        requested: true,
        ca_names: vec![],
        presented: Some("CN=us".into()),
        accepted: Some(true),
    });
    let c = codes(&address(Some(tls), None), &Policy::default());
    assert!(!c.contains(&Code::ClientCertRejected) && !c.contains(&Code::ClientCertRequired));
}
