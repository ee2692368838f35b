//! Judgement: `diagnose(&Report, &Policy)` turns facts into [`Finding`]s and verdicts.
//!
//! Pure functions of the report and the policy (the clock is the report's `started_at`), so a saved
//! report can be re-judged offline and every rule is unit-tested without a network.

pub mod codes;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use codes::{Code, Severity};

use crate::plan::TlsVersion;
use crate::profile::Profile;
use crate::report::{
    AddressReport, AnchorSource, ChainErrorKind, Failure, FailureKind, Phase, Report,
    RevocationStatus, TargetReport, TlsFacts,
};

/// Default minimum RSA key size when no profile says otherwise.
pub const DEFAULT_MIN_RSA_BITS: u32 = 2048;

/// What the findings are judged against.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub profile: Option<Profile>,
    pub require_tls: Option<TlsVersion>,
    /// Revocation was checked (so a missing stapled response is worth an `info`).
    pub revocation: bool,
}

impl Policy {
    /// The stricter of `--require-tls` and the profile's `min_tls`.
    pub fn required_tls(&self) -> Option<TlsVersion> {
        let from_profile = self.profile.as_ref().and_then(Profile::min_tls);
        match (self.require_tls, from_profile) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    fn min_rsa_bits(&self) -> u32 {
        self.profile
            .as_ref()
            .and_then(|p| p.min_key_bits)
            .unwrap_or(DEFAULT_MIN_RSA_BITS)
    }
}

/// `pass`, `fail` (an error finding) or `inconclusive` (nothing could be probed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// A judgement about one target, host or address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// The target as the user typed it.
    pub target: String,
    /// The host the finding concerns, where it applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The address the finding concerns, where it applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The specifics.
    pub message: String,
    /// What to do about it.
    pub remediation: String,
}

/// Judges the report: fills `findings`, each target's `verdict` and the overall `verdict`.
pub fn judge(report: &mut Report, policy: &Policy) {
    let mut all = Vec::new();
    for target in &mut report.targets {
        let findings = diagnose_target(target, policy, report.started_at);
        target.verdict = target_verdict(target, &findings);
        all.extend(findings);
    }
    report.verdict = overall(report.targets.iter().map(|t| t.verdict));
    report.findings = all;
}

/// The overall verdict: any fail fails; else any inconclusive is inconclusive; else pass.
pub fn overall(verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    let mut v = Verdict::Pass;
    for t in verdicts {
        match t {
            Verdict::Fail => return Verdict::Fail,
            Verdict::Inconclusive => v = Verdict::Inconclusive,
            Verdict::Pass => {}
        }
    }
    v
}

fn target_verdict(t: &TargetReport, findings: &[Finding]) -> Verdict {
    if findings.iter().any(|f| f.severity == Severity::Error) {
        return Verdict::Fail;
    }
    let probed = t
        .hosts
        .iter()
        .flat_map(|h| &h.addresses)
        .any(AddressReport::got_ehlo);
    if probed {
        Verdict::Pass
    } else {
        Verdict::Inconclusive
    }
}

/// The findings of one target.
pub fn diagnose_target(t: &TargetReport, policy: &Policy, now: OffsetDateTime) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut add = |code: Code, host: Option<&str>, ip: Option<String>, message: String| {
        out.push(Finding {
            code,
            severity: code.severity(),
            target: t.input.clone(),
            host: host.map(str::to_string),
            ip,
            message,
            remediation: code.remediation().to_string(),
        });
    };
    if let Some(e) = &t.dns_error {
        add(Code::DomainUnresolvable, None, None, e.message.clone());
    }
    if t.null_mx {
        add(
            Code::NullMx,
            None,
            None,
            format!("{} publishes `MX 0 .`: it does not accept mail", t.name),
        );
    }
    if t.implicit_mx {
        add(
            Code::ImplicitMx,
            None,
            None,
            format!(
                "{} has no MX records; its own address records are used",
                t.name
            ),
        );
    }
    if t.mx_dropped > 0 {
        add(
            Code::MxRecordsDropped,
            None,
            None,
            format!(
                "{} publishes {} MX records; the {} most preferred were checked",
                t.name,
                t.mx.len() + t.mx_dropped,
                t.mx.len()
            ),
        );
    }
    for host in &t.hosts {
        if let Some(e) = &host.dns_error {
            let code = match e.kind {
                FailureKind::BadName
                    if host
                        .name
                        .trim_end_matches('.')
                        .parse::<std::net::IpAddr>()
                        .is_ok() =>
                {
                    Code::MxIpLiteral
                }
                FailureKind::BadName => Code::MxInvalidName,
                _ => Code::MxUnresolvable,
            };
            add(code, Some(&host.name), None, e.message.clone());
        }
        if let (Some(alias), crate::report::TargetKind::Mx, false) =
            (&host.cname, t.kind, t.implicit_mx)
        {
            add(
                Code::MxCname,
                Some(&host.name),
                None,
                format!("{} is an alias (CNAME) of {alias}", host.name),
            );
        }
        for a in &host.addresses {
            let ip = Some(format!("{}", a.ip));
            for (code, message) in diagnose_address(a, &host.name, policy, now) {
                add(code, Some(&host.name), ip.clone(), message);
            }
        }
    }
    out
}

/// The findings of one address, as (code, message).
pub fn diagnose_address(
    a: &AddressReport,
    host: &str,
    policy: &Policy,
    now: OffsetDateTime,
) -> Vec<(Code, String)> {
    let mut out = Vec::new();
    let at = format!("{}:{}", fmt_ip(a), a.port);
    // A failed modern handshake is explained more precisely when a raw probe found what the
    // server does speak (legacy TLS, static RSA).
    let explained_by_probe = a.tls.as_ref().is_some_and(|t| !t.handshake_completed);
    // A session that ends after the handshake because the server refused (or missed) our client
    // certificate is reported as client-cert-rejected / -required, not as throttling or a
    // protocol error (Postfix answers EHLO with "421 4.7.1 ... Client certificate not trusted").
    let explained_by_client_auth = client_auth_failed(a.tls.as_ref());
    let explained = |e: &&Failure| {
        let by_probe = e.phase == Phase::Handshake && explained_by_probe;
        let by_client_auth = explained_by_client_auth
            && matches!(e.phase, Phase::Handshake | Phase::TlsEhlo | Phase::Quit);
        by_probe || by_client_auth
    };
    if let Some(e) = a.error.as_ref().filter(|e| !explained(e)) {
        let reply = e
            .reply
            .as_ref()
            .map(|r| format!(" ({})", r.text()))
            .unwrap_or_default();
        let code = match (e.phase, e.kind) {
            (_, FailureKind::Throttled) => Code::SmtpThrottled,
            (Phase::Connect, FailureKind::Refused | FailureKind::Io | FailureKind::Closed) => {
                Code::ConnectFailed
            }
            (Phase::Connect, FailureKind::Timeout | FailureKind::Unreachable) => {
                Code::PortUnreachable
            }
            (Phase::Connect, FailureKind::Deadline) => Code::RunDeadline,
            (Phase::Handshake, _) => Code::TlsHandshakeFailed,
            (_, FailureKind::Timeout | FailureKind::Deadline) => Code::SmtpTimeout,
            (Phase::Starttls, FailureKind::Rejected) => Code::StarttlsRefused,
            (_, FailureKind::PlaintextInjection) => Code::StarttlsPlaintextInjection,
            (_, FailureKind::Rejected) => Code::SmtpRejected,
            _ => Code::SmtpProtocolError,
        };
        let message = match code {
            Code::SmtpThrottled => format!(
                "{at}: the server is throttling us in {}{reply}",
                e.phase.as_str()
            ),
            _ => format!(
                "{at}: {} phase: {}{}",
                e.phase.as_str(),
                e.message,
                if e.message.contains(reply.trim()) {
                    ""
                } else {
                    &reply
                }
            ),
        };
        out.push((code, message));
    }
    if a.smtp.ehlo.is_some() && !a.smtp.starttls_offered && !a.implicit_tls && a.tls.is_none() {
        let keywords = if a.smtp.ehlo_keywords.is_empty() {
            "no extensions".to_string()
        } else {
            a.smtp.ehlo_keywords.join(", ")
        };
        out.push((
            Code::StarttlsNotOffered,
            format!("{at}: EHLO offered {keywords}; no STARTTLS"),
        ));
    }
    if let Some(v) = &a.versions {
        use crate::report::VersionStatus::Accepted;
        let legacy = v.tls1_0 == Accepted || v.tls1_1 == Accepted;
        let modern = v.tls1_2 == Accepted || v.tls1_3 == Accepted;
        let list = format!(
            "TLS 1.0 {}, 1.1 {}, 1.2 {}, 1.3 {}",
            status(v.tls1_0),
            status(v.tls1_1),
            status(v.tls1_2),
            status(v.tls1_3)
        );
        if legacy && !modern {
            out.push((
                Code::TlsLegacyOnly,
                format!("{at}: this server accepts only TLS 1.0/1.1 ({list}); Exchange Online will drop the connection: enable TLS 1.2"),
            ));
        } else if legacy {
            out.push((Code::TlsLegacyAccepted, format!("{at}: {list}")));
        }
    }
    if let Some(tls) = &a.tls {
        out.extend(diagnose_tls(tls, &at, host, policy, now));
        out.extend(diagnose_revocation(
            tls,
            &at,
            policy.revocation,
            a.error.as_ref(),
        ));
    }
    out
}

fn status(s: crate::report::VersionStatus) -> &'static str {
    match s {
        crate::report::VersionStatus::Accepted => "accepted",
        crate::report::VersionStatus::Rejected => "rejected",
        crate::report::VersionStatus::Error => "error",
    }
}

fn fmt_ip(a: &AddressReport) -> String {
    match a.ip {
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        ip => ip.to_string(),
    }
}

fn diagnose_tls(
    tls: &TlsFacts,
    at: &str,
    _host: &str,
    policy: &Policy,
    now: OffsetDateTime,
) -> Vec<(Code, String)> {
    let mut out = Vec::new();
    if !tls.forward_secrecy {
        out.push((
            Code::NoForwardSecrecy,
            format!(
                "{at}: {} {} uses static-RSA key exchange; no ECDHE suite was accepted",
                tls.version, tls.cipher_suite
            ),
        ));
    }
    if let Some(required) = policy.required_tls() {
        match TlsVersion::parse(&tls.version) {
            Some(v) if v >= required => {}
            _ => out.push((
                Code::TlsBelowRequired,
                format!(
                    "{at}: negotiated {}, required {}",
                    tls.version,
                    required.label()
                ),
            )),
        }
    }
    for (i, c) in tls.chain.iter().enumerate() {
        if c.parse_error.is_some() {
            continue;
        }
        let which = if i == 0 {
            "leaf certificate".to_string()
        } else {
            format!("chain certificate #{i}")
        };
        let name = c.common_name.clone().unwrap_or_else(|| c.subject.clone());
        if c.not_after < now {
            let days = (now - c.not_after).whole_days();
            out.push((
                Code::CertExpired,
                format!(
                    "{at}: {which} {name:?} expired on {} ({days} days ago)",
                    date(c.not_after)
                ),
            ));
        } else if c.not_before > now {
            out.push((
                Code::CertNotYetValid,
                format!(
                    "{at}: {which} {name:?} is valid only from {}",
                    date(c.not_before)
                ),
            ));
        }
    }
    if let (Some(false), Some(name)) = (tls.name_valid, &tls.name_checked) {
        let names = tls
            .chain
            .first()
            .map(|c| c.san_dns.join(", "))
            .unwrap_or_default();
        out.push((
            Code::CertNameMismatch,
            format!("{at}: the certificate is for [{names}], not {name}"),
        ));
    }
    let top = tls.chain.last();
    if let Some(err) = &tls.chain_error {
        match err.kind {
            ChainErrorKind::Expired | ChainErrorKind::NotYetValid => {
                // Reported from the certificates' dates above.
                let dated = out
                    .iter()
                    .any(|(c, _)| matches!(c, Code::CertExpired | Code::CertNotYetValid));
                if !dated {
                    out.push((
                        Code::CertExpired,
                        format!(
                            "{at}: the chain is outside its validity period ({})",
                            err.message
                        ),
                    ));
                }
            }
            ChainErrorKind::UnknownIssuer => {
                if tls
                    .anchor
                    .as_ref()
                    .is_some_and(|a| a.source == AnchorSource::Profile)
                {
                    let a = tls
                        .anchor
                        .as_ref()
                        .map(|a| a.subject.clone())
                        .unwrap_or_default();
                    out.push((
                        Code::AnchorNotInTrustStore,
                        format!("{at}: the chain ends at the profile's root {a:?}, which trust store {} does not carry", tls.trust_store),
                    ));
                } else if top.is_some_and(|c| !c.self_issued && !c.ca_issuers_urls.is_empty()) {
                    let issuer = top.map(|c| c.issuer.clone()).unwrap_or_default();
                    out.push((
                        Code::ChainIncomplete,
                        format!("{at}: the server sent {} certificate(s) ending at one issued by {issuer:?}, which is neither sent nor a trusted root ({})", tls.chain.len(), tls.trust_store),
                    ));
                } else {
                    let issuer = top
                        .map(|c| {
                            if c.self_issued {
                                format!("the self-signed {:?}", c.subject)
                            } else {
                                format!("{:?}", c.issuer)
                            }
                        })
                        .unwrap_or_default();
                    out.push((
                        Code::CertUntrusted,
                        format!(
                            "{at}: the chain ends at {issuer}, which is not a trusted root in {}",
                            tls.trust_store
                        ),
                    ));
                }
            }
            _ => out.push((
                Code::CertUntrusted,
                format!("{at}: chain validation failed: {}", err.message),
            )),
        }
    }
    if let Some(leaf) = tls.chain.first().filter(|c| c.parse_error.is_none()) {
        let min_rsa = policy.min_rsa_bits();
        let weak = match leaf.key_type.as_str() {
            "RSA" | "DSA" => leaf.key_bits < min_rsa,
            "EC" => leaf.key_bits < 256,
            _ => false,
        };
        if weak {
            out.push((
                Code::WeakKey,
                format!(
                    "{at}: {} key of {} bits (minimum {})",
                    leaf.key_type,
                    leaf.key_bits,
                    if leaf.key_type == "EC" { 256 } else { min_rsa }
                ),
            ));
        }
    }
    if let Some(profile) = &policy.profile {
        if !profile.roots.is_empty() {
            // The root the chain ends at: the validated anchor, or else a self-signed top certificate.
            let root = tls
                .anchor
                .as_ref()
                .map(|a| (a.subject.clone(), a.spki_sha256.clone()))
                .or_else(|| {
                    top.filter(|c| c.self_issued && c.parse_error.is_none())
                        .map(|c| (c.subject.clone(), c.spki_sha256.clone()))
                });
            if let Some((subject, spki)) = root {
                if profile.root_for_spki(&spki).is_none() {
                    let expected: Vec<&str> =
                        profile.roots.iter().map(|r| r.name.as_str()).collect();
                    let same_name = expected.iter().any(|e| subject.contains(e))
                        || profile
                            .roots
                            .iter()
                            .any(|r| name_matches_root(&subject, &r.name));
                    out.push((
                        Code::RootMismatch,
                        format!(
                            "{at}: the chain ends at {subject:?} (key sha256 {}), expected {} by profile {}{}",
                            short(&spki),
                            expected.join(" or "),
                            profile.name,
                            if same_name { "; the name matches but the key does not" } else { "" }
                        ),
                    ));
                }
            }
        }
        if let Some(leaf) = tls.chain.first().filter(|c| c.parse_error.is_none()) {
            if let Some(expected) = &profile.certificate_name {
                let has = leaf
                    .common_name
                    .iter()
                    .chain(leaf.san_dns.iter())
                    .any(|n| n.eq_ignore_ascii_case(expected));
                if !has {
                    out.push((
                        Code::CertNameUnexpected,
                        format!(
                            "{at}: the certificate does not carry {expected} (profile {})",
                            profile.name
                        ),
                    ));
                }
            }
            if let Some(expected) = &profile.organization {
                if leaf.organization.as_deref() != Some(expected.as_str()) {
                    out.push((
                        Code::CertOrganizationUnexpected,
                        format!(
                            "{at}: organization is {:?}, expected {expected:?} (profile {})",
                            leaf.organization.as_deref().unwrap_or("(none)"),
                            profile.name
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// Findings from the revocation checks of every certificate of the chain, and from client
/// authentication.
fn diagnose_revocation(
    tls: &TlsFacts,
    at: &str,
    checked: bool,
    error: Option<&Failure>,
) -> Vec<(Code, String)> {
    let mut out = Vec::new();
    // What the server said when it ended the session, for the client-certificate findings.
    let said = error
        .map(|e| match &e.reply {
            Some(r) => format!(" (server: {})", r.text()),
            None => format!(" ({})", e.message),
        })
        .unwrap_or_default();
    if let Some(auth) = &tls.client_auth {
        match (&auth.presented, auth.accepted, auth.requested) {
            (Some(subject), Some(false), _) => out.push((
                Code::ClientCertRejected,
                format!(
                    "{at}: the server refused our client certificate {subject:?}{said}{}",
                    ca_list(&auth.ca_names)
                ),
            )),
            (None, Some(false), true) => out.push((
                Code::ClientCertRequired,
                format!(
                    "{at}: the server asked for a client certificate and ended the session without one{said}{}",
                    ca_list(&auth.ca_names)
                ),
            )),
            _ => {}
        }
    }
    if !checked {
        return out;
    }
    for (i, cert) in tls.chain.iter().enumerate() {
        let Some(rev) = &cert.revocation else {
            continue;
        };
        let which = if i == 0 {
            "the leaf certificate".to_string()
        } else {
            format!("chain certificate #{i}")
        };
        let name = cert
            .common_name
            .clone()
            .unwrap_or_else(|| cert.subject.clone());
        let sources = rev
            .crl
            .iter()
            .map(|c| ("CRL", c))
            .chain(rev.ocsp.iter().map(|c| ("OCSP", c)))
            .chain(rev.stapled.iter().map(|c| ("stapled OCSP", c)));
        let mut revoked_reported = false;
        for (kind, check) in sources {
            let url = check.url.as_deref().unwrap_or("(stapled)");
            let host = check.host.as_deref().unwrap_or("?");
            let error = check.error.as_deref().unwrap_or("");
            match check.status {
                RevocationStatus::Revoked if !revoked_reported => {
                    revoked_reported = true;
                    out.push((
                        Code::CertRevoked,
                        format!(
                            "{at}: {which} {name:?} (serial {}) is revoked{}{} according to {kind} {url}",
                            cert.serial,
                            check.revoked_at.map(|t| format!(" since {}", date(t))).unwrap_or_default(),
                            check.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default(),
                        ),
                    ));
                }
                RevocationStatus::Unreachable | RevocationStatus::HttpError => out.push((
                    Code::RevocationUnreachable,
                    format!("{at}: {kind} {url} for {which} could not be fetched from here ({error}); host {host} must be reachable"),
                )),
                RevocationStatus::Refused => {
                    // An LDAP distribution point beside an http one is normal (AD CS): only
                    // report a refusal when nothing of the same kind was fetchable.
                    let list = if kind == "CRL" { &rev.crl } else { &rev.ocsp };
                    let alternative = list
                        .iter()
                        .any(|c| c.status != RevocationStatus::Refused);
                    if !alternative {
                        out.push((
                            Code::RevocationUrlRefused,
                            format!("{at}: {kind} {url} of {which}: {error}"),
                        ));
                    }
                }
                RevocationStatus::Invalid => out.push((
                    Code::RevocationInvalid,
                    format!("{at}: {kind} {url} for {which}: {error}"),
                )),
                RevocationStatus::Unknown | RevocationStatus::ResponderError => out.push((
                    Code::RevocationUnknown,
                    format!("{at}: {kind} {url} for {which}: {error}"),
                )),
                _ => {}
            }
            if check.stale && kind == "CRL" && check.status != RevocationStatus::Invalid {
                out.push((
                    Code::CrlStale,
                    format!(
                        "{at}: CRL {url} for {which} is stale{}",
                        check
                            .next_update
                            .map(|t| format!(" (next update was due {})", date(t)))
                            .unwrap_or_default()
                    ),
                ));
            }
        }
    }
    let leaf_has_ocsp = tls.chain.first().is_some_and(|c| !c.ocsp_urls.is_empty());
    if tls.handshake_completed && leaf_has_ocsp && tls.stapled_ocsp.is_none() {
        out.push((
            Code::OcspNotStapled,
            format!(
                "{at}: no OCSP response was stapled; peers must query the responder themselves"
            ),
        ));
    }
    out
}

/// The session failed because of client authentication (one of the client-cert findings applies).
fn client_auth_failed(tls: Option<&TlsFacts>) -> bool {
    tls.and_then(|t| t.client_auth.as_ref())
        .is_some_and(|c| c.accepted == Some(false) && (c.presented.is_some() || c.requested))
}

fn ca_list(names: &[String]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!("; it accepts certificates from: {}", names.join("; "))
    }
}

/// A profile root name like "GlobalSign Root CA - R1" against a subject "CN=GlobalSign Root CA, ...".
fn name_matches_root(subject: &str, root_name: &str) -> bool {
    subject.split(',').any(|part| {
        part.trim()
            .strip_prefix("CN=")
            .is_some_and(|cn| root_name.starts_with(cn.trim()))
    })
}

fn short(hex: &str) -> String {
    hex.chars().take(16).collect::<String>() + "…"
}

fn date(t: OffsetDateTime) -> String {
    t.date().to_string()
}

#[cfg(test)]
mod tests;
