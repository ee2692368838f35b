//! Renderers: the same judged [`Report`] as text for a person, JSON for programs, Markdown for a
//! ticket, or JUnit XML for a CI test report. Every renderer writes to `&mut dyn Write`, so tests
//! render into a `Vec<u8>`.
//!
//! The helpers here phrase facts the text and Markdown renderers both show (key strength, the root
//! issuer partners configure, one revocation answer, an address's status). They return raw text:
//! each renderer escapes what came from the network its own way.

pub mod json;
pub mod junit;
pub mod markdown;
#[cfg(test)]
mod snapshots;
pub mod text;

use std::io::Write;

use time::{OffsetDateTime, UtcOffset};

use crate::diagnose::{Finding, Severity};
use crate::plan::Format;
use crate::report::{
    AddressReport, CertSummary, ClientAuth, Failure, RevocationCheck, RevocationStatus, TlsFacts,
    VersionStatus, Versions,
};

/// Options that change how text is rendered.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub verbose: u8,
    pub quiet: bool,
    /// ANSI colours for verdicts, statuses and finding marks (a terminal that wants them).
    pub color: bool,
}

pub fn render(
    report: &crate::report::Report,
    format: Format,
    opts: TextOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::render(report, opts, out),
        Format::Json => json::render(report, out),
        Format::Markdown => markdown::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Ndjson => json::render_ndjson(report, out),
    }
}

/// `3 errors, 1 warning, 0 infos`.
pub(crate) fn severity_counts(findings: &[&Finding]) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}, {}",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Info), "info")
    )
}

/// The findings about one address of one host.
pub(crate) fn address_findings<'a>(
    findings: &[&'a Finding],
    host: &str,
    a: &AddressReport,
) -> Vec<&'a Finding> {
    let ip = a.ip.to_string();
    findings
        .iter()
        .filter(|f| f.host.as_deref() == Some(host) && f.ip.as_deref() == Some(ip.as_str()))
        .copied()
        .collect()
}

/// `FAIL`, `NOT PROBED`, `WARN` or `OK`: the worst of an address's findings.
pub(crate) fn address_status(a: &AddressReport, findings: &[&Finding]) -> &'static str {
    if findings.iter().any(|f| f.severity == Severity::Error) {
        "FAIL"
    } else if !a.got_ehlo() {
        "NOT PROBED"
    } else if findings.iter().any(|f| f.severity == Severity::Warning) {
        "WARN"
    } else {
        "OK"
    }
}

/// `192.0.2.1:25`, `[2001:db8::1]:25`.
pub(crate) fn socket_label(a: &AddressReport) -> String {
    match a.ip {
        std::net::IpAddr::V6(v6) => format!("[{v6}]:{}", a.port),
        ip => format!("{ip}:{}", a.port),
    }
}

/// The kebab-case name of a failure's kind, as in the JSON report.
pub(crate) fn failure_kind(e: &Failure) -> String {
    serde_json::to_value(e.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// `RSA 2048 bits`, `EC P-256 (256 bits)`, `Ed25519 (256 bits)`.
pub(crate) fn key_strength(c: &CertSummary) -> String {
    match (&c.curve, c.key_bits) {
        (Some(curve), 0) => format!("{} {curve}", c.key_type),
        (Some(curve), bits) => format!("{} {curve} ({bits} bits)", c.key_type),
        (None, 0) => c.key_type.clone(),
        (None, bits) if c.key_type.starts_with("Ed") => format!("{} ({bits} bits)", c.key_type),
        (None, bits) => format!("{} {bits} bits", c.key_type),
    }
}

/// The certificate name partners put in a connector: the subject CN, else the first DNS SAN,
/// else the first IP SAN.
pub(crate) fn cert_name(c: &CertSummary) -> Option<&str> {
    c.common_name
        .as_deref()
        .or_else(|| c.san_dns.first().map(String::as_str))
        .or_else(|| c.san_ip.first().map(String::as_str))
}

/// The certificate authority root issuer: the subject of the anchor the chain validated to
/// (`true`), else the issuer the topmost presented certificate names (`false`: not validated,
/// only what the chain says).
pub(crate) fn root_issuer(tls: &TlsFacts) -> Option<(&str, bool)> {
    match (&tls.anchor, tls.chain.last()) {
        (Some(a), _) => Some((a.subject.as_str(), true)),
        (None, Some(top)) if top.parse_error.is_none() => Some((top.issuer.as_str(), false)),
        _ => None,
    }
}

/// `2026-01-01 00:00 UTC`.
pub(crate) fn utc_minutes(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute())
}

/// `39 days left`, `EXPIRED 10 days ago`.
pub(crate) fn days_left(not_after: OffsetDateTime, now: OffsetDateTime) -> String {
    let days = (not_after - now).whole_days();
    if days < 0 {
        format!("EXPIRED {} days ago", -days)
    } else {
        format!("{days} days left")
    }
}

/// `1.2, 1.3`: the versions an address accepted (`?` marks versions the probe could not tell).
pub(crate) fn accepted_versions(v: &Versions) -> String {
    let all = [
        ("1.0", v.tls1_0),
        ("1.1", v.tls1_1),
        ("1.2", v.tls1_2),
        ("1.3", v.tls1_3),
    ];
    let list: Vec<String> = all
        .iter()
        .filter_map(|(name, s)| match s {
            VersionStatus::Accepted => Some(name.to_string()),
            VersionStatus::Error => Some(format!("{name}?")),
            VersionStatus::Rejected => None,
        })
        .collect();
    if list.is_empty() {
        "none".into()
    } else {
        format!("TLS {}", list.join(", "))
    }
}

/// One revocation answer in words, unescaped: the outcome (`good`, `revoked since 2026-11-01`,
/// `unreachable`, `HTTP 404`, ...) and the details that qualify it (reason, who signed, staleness,
/// and with `with_error` what went wrong).
pub(crate) fn check_outcome(c: &RevocationCheck, with_error: bool) -> (String, Vec<String>) {
    let outcome = match c.status {
        RevocationStatus::Revoked => match c.revoked_at {
            Some(t) => format!("revoked since {}", t.to_offset(UtcOffset::UTC).date()),
            None => "revoked".into(),
        },
        RevocationStatus::HttpError => match c.http_status {
            Some(s) => format!("HTTP {s}"),
            None => "HTTP error".into(),
        },
        RevocationStatus::ResponderError => match &c.responder_status {
            Some(s) => format!("responder error {s}"),
            None => "responder error".into(),
        },
        s => s.as_str().into(),
    };
    let mut details = Vec::new();
    if let Some(r) = &c.reason {
        details.push(r.clone());
    }
    if let Some(s) = &c.signer {
        if s != "issuer" {
            details.push(s.clone());
        }
    }
    if c.stale {
        details.push(match c.next_update {
            Some(t) => format!("stale: next update was {}", utc_minutes(t)),
            None => "stale".into(),
        });
    }
    // The outcome already says it for these.
    let error_adds = match c.status {
        RevocationStatus::Good | RevocationStatus::Revoked | RevocationStatus::HttpError => false,
        RevocationStatus::ResponderError => c.responder_status.is_none(),
        _ => true,
    };
    if let Some(e) = c.error.as_ref().filter(|_| with_error && error_adds) {
        details.push(e.clone());
    }
    (outcome, details)
}

/// The revocation answers of a whole chain in one phrase: `good (3 checks)`, `REVOKED`,
/// `2 good, 1 unreachable`, or `not checked`.
pub(crate) fn revocation_summary(tls: &TlsFacts) -> String {
    let checks: Vec<&RevocationCheck> = tls
        .chain
        .iter()
        .filter_map(|c| c.revocation.as_ref())
        .flat_map(|r| r.crl.iter().chain(&r.ocsp).chain(&r.stapled))
        .collect();
    if checks.is_empty() {
        return "not checked".into();
    }
    if checks.iter().any(|c| c.status == RevocationStatus::Revoked) {
        return "REVOKED".into();
    }
    let stale = checks.iter().filter(|c| c.stale).count();
    let mut counts: Vec<(RevocationStatus, usize)> = Vec::new();
    for c in &checks {
        match counts.iter_mut().find(|(s, _)| *s == c.status) {
            Some((_, n)) => *n += 1,
            None => counts.push((c.status, 1)),
        }
    }
    let mut s = match counts.as_slice() {
        [(RevocationStatus::Good, n)] => {
            format!("good ({n} check{})", if *n == 1 { "" } else { "s" })
        }
        _ => counts
            .iter()
            .map(|(st, n)| format!("{n} {}", st.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
    };
    if stale > 0 {
        s.push_str(&format!(", {stale} stale"));
    }
    s
}

/// `certificate requested (CAs: CN=Partner CA), presented CN=us, refused`, with every name from
/// the network passed through `esc`.
pub(crate) fn client_auth_text(ca: &ClientAuth, esc: fn(&str) -> String) -> String {
    const SHOWN: usize = 3;
    let mut s = if ca.requested {
        let mut cas: Vec<String> = ca.ca_names.iter().take(SHOWN).map(|n| esc(n)).collect();
        if ca.ca_names.is_empty() {
            cas.push("any".into());
        } else if ca.ca_names.len() > SHOWN {
            cas.push(format!("+{} more", ca.ca_names.len() - SHOWN));
        }
        format!("certificate requested (CAs: {})", cas.join("; "))
    } else {
        "certificate not requested".to_string()
    };
    match &ca.presented {
        Some(p) => s.push_str(&format!(", presented {}", esc(p))),
        None => s.push_str(", none presented"),
    }
    match ca.accepted {
        Some(true) => s.push_str(", accepted"),
        Some(false) => s.push_str(", refused"),
        None => {}
    }
    s
}

/// A hand-built judged report for the renderers' unit tests: one MX host with two addresses
/// serving the same leaf (with CRL, OCSP and CA-issuer URLs checked), and one finding.
#[cfg(test)]
pub(crate) mod sample {
    use std::net::IpAddr;

    use time::macros::datetime;
    use time::OffsetDateTime;

    use crate::diagnose::{Code, Finding, Verdict};
    use crate::report::{
        AddressReport, Anchor, AnchorSource, CertRevocation, CertSummary, HostReport, MxRecord,
        Report, RevocationCheck, RevocationStatus, RunOptions, SmtpFacts, TargetKind, TargetReport,
        Timings, TlsFacts, Tool, VersionStatus, Versions,
    };
    use crate::smtp::reply::ReplySummary;

    pub const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

    pub fn cert(cn: &str, issuer: &str) -> CertSummary {
        CertSummary {
            subject: format!("CN={cn}, O=Contoso Ltd, OU=Mail"),
            common_name: Some(cn.into()),
            organization: Some("Contoso Ltd".into()),
            organizational_unit: Some("Mail".into()),
            issuer: issuer.into(),
            serial: "0a:1b:2c".into(),
            not_before: datetime!(2026-01-01 0:00 UTC),
            not_after: datetime!(2027-01-01 0:00 UTC),
            san_dns: vec![cn.into(), "mail.contoso.test".into()],
            san_ip: vec![],
            key_type: "RSA".into(),
            key_bits: 2048,
            curve: None,
            signature_algorithm: "sha256WithRSAEncryption".into(),
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

    pub fn check(status: RevocationStatus, url: Option<&str>) -> RevocationCheck {
        let mut c = crate::revocation::blank(status);
        c.url = url.map(str::to_string);
        c.host = url.and_then(crate::fetch::host_label);
        c.reachable = true;
        c.http_status = Some(200);
        c.ms = Some(312);
        c
    }

    pub fn tls() -> TlsFacts {
        let mut leaf = cert("mx.contoso.test", "CN=Contoso Issuing CA, O=Contoso Ltd");
        leaf.crl_urls = vec!["http://crl.contoso.test/issuing.crl".into()];
        leaf.ocsp_urls = vec!["http://ocsp.contoso.test/".into()];
        leaf.ca_issuers_urls = vec!["http://certs.contoso.test/issuing.crt".into()];
        let mut ocsp = check(RevocationStatus::Good, Some("http://ocsp.contoso.test/"));
        ocsp.signer = Some("delegated responder CN=Contoso OCSP".into());
        leaf.revocation = Some(CertRevocation {
            crl: vec![check(
                RevocationStatus::Good,
                Some("http://crl.contoso.test/issuing.crl"),
            )],
            ocsp: vec![ocsp],
            stapled: None,
            note: None,
        });
        let mut inter = cert("Contoso Issuing CA", "CN=Contoso Root CA, O=Contoso Ltd");
        inter.subject = "CN=Contoso Issuing CA, O=Contoso Ltd".into();
        inter.organizational_unit = None;
        inter.san_dns = vec![];
        inter.is_ca = true;
        inter.key_type = "EC".into();
        inter.key_bits = 384;
        inter.curve = Some("P-384".into());
        inter.sha256 = "dd".repeat(32);
        inter.not_after = datetime!(2030-01-01 0:00 UTC);
        inter.crl_urls = vec!["http://crl.globalsign.test/root.crl".into()];
        let mut unreachable = check(
            RevocationStatus::Unreachable,
            Some("http://crl.globalsign.test/root.crl"),
        );
        unreachable.reachable = false;
        unreachable.http_status = None;
        unreachable.error = Some("timed out after 10 s".into());
        inter.revocation = Some(CertRevocation {
            crl: vec![unreachable],
            ..Default::default()
        });
        TlsFacts {
            handshake_completed: true,
            version: "TLSv1.3".into(),
            cipher_suite: "TLS_AES_256_GCM_SHA384".into(),
            kx_group: Some("X25519MLKEM768".into()),
            post_quantum: true,
            forward_secrecy: true,
            sni: Some("mx.contoso.test".into()),
            chain: vec![leaf, inter],
            chain_dropped: 0,
            stapled_ocsp: None,
            chain_valid: true,
            chain_error: None,
            trust_store: "webpki".into(),
            anchor: Some(Anchor {
                subject: "CN=Contoso Root CA, O=Contoso Ltd".into(),
                spki_sha256: "cc".repeat(32),
                sha256: None,
                source: AnchorSource::TrustStore,
            }),
            name_checked: Some("mx.contoso.test".into()),
            name_valid: Some(true),
            client_auth: None,
        }
    }

    pub fn address(ip: &str, tls: TlsFacts) -> AddressReport {
        let accepted = VersionStatus::Accepted;
        let rejected = VersionStatus::Rejected;
        AddressReport {
            ip: ip.parse::<IpAddr>().unwrap_or(IpAddr::from([192, 0, 2, 1])),
            port: 25,
            implicit_tls: false,
            smtp: SmtpFacts {
                banner: Some(ReplySummary {
                    code: 220,
                    enhanced: None,
                    lines: vec!["mx.contoso.test ESMTP".into()],
                }),
                ehlo: Some(ReplySummary {
                    code: 250,
                    enhanced: None,
                    lines: vec!["mx.contoso.test".into(), "STARTTLS".into()],
                }),
                ehlo_keywords: vec!["STARTTLS".into()],
                starttls_offered: true,
                starttls_reply: Some(ReplySummary {
                    code: 220,
                    enhanced: None,
                    lines: vec!["ready".into()],
                }),
                ..Default::default()
            },
            tls: Some(tls),
            versions: Some(Versions {
                tls1_0: rejected,
                tls1_1: rejected,
                tls1_2: accepted,
                tls1_3: accepted,
                static_rsa: None,
                probes: vec![],
            }),
            ciphers: None,
            timings_ms: Timings::default(),
            error: None,
        }
    }

    /// An endpoints report with a good CRL and an unreachable OCSP responder; the CRL's detail
    /// and the OCSP URL are the caller's (for each format's escaping).
    pub fn endpoints(crl_detail: &str, ocsp_url: &str) -> crate::report::EndpointsReport {
        use crate::report::{EndpointCheck, EndpointKind};
        let ok = EndpointCheck {
            kind: EndpointKind::Crl,
            url: "http://crl.example.test/ca.crl".into(),
            host: Some("crl.example.test".into()),
            reachable: true,
            status: "ok".into(),
            http_status: Some(200),
            bytes: Some(900),
            ms: Some(31),
            detail: Some(crl_detail.into()),
            error: None,
        };
        let down = EndpointCheck {
            kind: EndpointKind::Ocsp,
            url: ocsp_url.into(),
            host: Some("ocsp.example.test".into()),
            reachable: false,
            status: "unreachable".into(),
            http_status: None,
            bytes: None,
            ms: Some(10_000),
            detail: None,
            error: Some("timed out".into()),
        };
        crate::report::EndpointsReport {
            schema_version: crate::report::SCHEMA_VERSION,
            kind: "endpoints".into(),
            tool: Tool::this(),
            started_at: NOW,
            duration_ms: 10_000,
            profile: Some("exchange-online".into()),
            allow_private_fetch: false,
            endpoints: vec![ok, down],
            verdict: Verdict::Fail,
        }
    }

    pub fn report() -> Report {
        let addresses = vec![address("192.0.2.1", tls()), address("192.0.2.2", tls())];
        let finding = Finding {
            code: Code::RevocationUnreachable,
            severity: Code::RevocationUnreachable.severity(),
            target: "contoso.test".into(),
            host: Some("mx.contoso.test".into()),
            ip: Some("192.0.2.1".into()),
            message: "the CRL at http://crl.globalsign.test/root.crl did not answer".into(),
            remediation: Code::RevocationUnreachable.remediation().into(),
        };
        Report {
            schema_version: crate::report::SCHEMA_VERSION,
            tool: Tool {
                name: "tlscheck".into(),
                version: "0.1.0".into(),
            },
            started_at: NOW,
            duration_ms: 1234,
            options: RunOptions {
                command: "mx".into(),
                port: 25,
                implicit_tls: false,
                ehlo: "probe.example".into(),
                timeout_ms: 10_000,
                deadline_ms: 120_000,
                concurrency: 32,
                per_ip: 4,
                ip_delay_ms: 0,
                families: "any".into(),
                resolver: "system".into(),
                trust_store: "webpki".into(),
                profile: None,
                require_tls: None,
                ciphers: false,
                revocation: true,
                allow_private_fetch: false,
                client_cert: None,
            },
            targets: vec![TargetReport {
                input: "contoso.test".into(),
                kind: TargetKind::Mx,
                name: "contoso.test".into(),
                mx: vec![MxRecord {
                    preference: 10,
                    exchange: "mx.contoso.test".into(),
                }],
                mx_dropped: 0,
                null_mx: false,
                implicit_mx: false,
                dns_error: None,
                hosts: vec![HostReport {
                    name: "mx.contoso.test".into(),
                    cname: None,
                    preference: Some(10),
                    dns_error: None,
                    addresses,
                }],
                verdict: Verdict::Pass,
            }],
            findings: vec![finding],
            verdict: Verdict::Pass,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::CertRevocation;

    #[test]
    fn key_strength_reads_like_a_partner_form() {
        let mut c = sample::cert("a.test", "CN=x");
        assert_eq!(key_strength(&c), "RSA 2048 bits");
        c.key_type = "EC".into();
        c.key_bits = 256;
        c.curve = Some("P-256".into());
        assert_eq!(key_strength(&c), "EC P-256 (256 bits)");
        c.key_type = "Ed25519".into();
        c.curve = None;
        assert_eq!(key_strength(&c), "Ed25519 (256 bits)");
    }

    #[test]
    fn root_issuer_prefers_the_validated_anchor() {
        let mut tls = sample::tls();
        assert_eq!(
            root_issuer(&tls),
            Some(("CN=Contoso Root CA, O=Contoso Ltd", true))
        );
        tls.anchor = None;
        assert_eq!(
            root_issuer(&tls),
            Some(("CN=Contoso Root CA, O=Contoso Ltd", false)),
            "the issuer the top certificate names"
        );
    }

    #[test]
    fn check_outcomes_in_words() {
        let mut c = sample::check(RevocationStatus::Revoked, Some("http://crl.test/a.crl"));
        c.revoked_at = Some(time::macros::datetime!(2026-11-01 0:00 UTC));
        c.reason = Some("keyCompromise".into());
        c.signer = Some("issuer".into());
        assert_eq!(
            check_outcome(&c, true),
            (
                "revoked since 2026-11-01".into(),
                vec!["keyCompromise".into()]
            )
        );
        let mut c = sample::check(RevocationStatus::ResponderError, None);
        c.responder_status = Some("tryLater".into());
        c.error = Some("the responder said tryLater".into());
        assert_eq!(check_outcome(&c, true).0, "responder error tryLater");
        assert!(check_outcome(&c, true).1.is_empty());
        let mut c = sample::check(RevocationStatus::Unreachable, None);
        c.error = Some("timed out".into());
        assert_eq!(
            check_outcome(&c, true),
            ("unreachable".into(), vec!["timed out".into()])
        );
    }

    #[test]
    fn revocation_summary_counts_answers() {
        let mut tls = sample::tls();
        assert_eq!(revocation_summary(&tls), "2 good, 1 unreachable");
        tls.chain[1].revocation = None;
        assert_eq!(revocation_summary(&tls), "good (2 checks)");
        tls.chain[0].revocation = Some(CertRevocation {
            crl: vec![sample::check(RevocationStatus::Revoked, None)],
            ..Default::default()
        });
        assert_eq!(revocation_summary(&tls), "REVOKED");
        tls.chain[0].revocation = None;
        assert_eq!(revocation_summary(&tls), "not checked");
    }
}
