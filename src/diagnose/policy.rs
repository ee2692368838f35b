//! Rules: transport-security policy. DANE per MX host (its DNSSEC state and TLSA records) and
//! per address (did a usable record match what the address presented); MTA-STS per domain (the
//! record and the policy), per MX host (is it covered by the `mx` patterns) and per address
//! (would an MTA-STS sender accept it); TLS-RPT per domain.
//!
//! DANE governs where it applies (RFC 8461 §2: a sender that does DANE does not apply MTA-STS to
//! that host), so MTA-STS failures on a host with usable TLSA records are warnings, and a chain
//! that DANE authenticates is not reported as a certificate error.

use crate::finding::{Code, Severity};
use crate::policy::mta_sts;
use crate::profile::Profile;
use crate::report::{AddressReport, DaneHost, HostReport, PolicyFacts, TargetReport};
use crate::vocab::{DaneAddressStatus, DaneHostStatus, MtaStsStatus, StsMode, TlsRptStatus};

/// A policy finding: code, message, and the severity when it differs from the code's default.
pub type PolicyFound = (Code, String, Option<Severity>);

/// Certificate findings a DANE-EE match makes moot for DANE senders (no trust, name or date
/// check: RFC 7671 §5.1), and those a DANE-TA match makes moot (trust only: §5.2).
const MOOT_FOR_DANE_EE: &[Code] = &[
    Code::CertUntrusted,
    Code::ChainIncomplete,
    Code::AnchorNotInTrustStore,
    Code::CertExpired,
    Code::CertNotYetValid,
    Code::CertNameMismatch,
];
const MOOT_FOR_DANE_TA: &[Code] = &[
    Code::CertUntrusted,
    Code::ChainIncomplete,
    Code::AnchorNotInTrustStore,
];

/// The domain's MTA-STS and TLS-RPT findings.
pub fn domain(t: &TargetReport) -> Vec<PolicyFound> {
    let mut out = Vec::new();
    let Some(p) = &t.policy else { return out };
    // A null MX takes no mail; a domain whose MX lookup failed has nothing to judge yet.
    if t.null_mx || t.dns_error.is_some() {
        return out;
    }
    let d = &t.name;
    let sts = &p.mta_sts;
    match sts.status {
        MtaStsStatus::Missing => out.push((
            Code::MtaStsMissing,
            format!("{d} publishes no MTA-STS policy (no v=STSv1 TXT record at _mta-sts.{d})"),
            None,
        )),
        MtaStsStatus::Invalid => out.push((
            Code::MtaStsInvalid,
            format!(
                "{d}: the MTA-STS {} is invalid: {}",
                if sts.id.is_some() {
                    "policy"
                } else {
                    "TXT record"
                },
                sts.error.as_deref().unwrap_or("malformed")
            ),
            None,
        )),
        MtaStsStatus::FetchFailed => out.push((
            Code::MtaStsFetchFailed,
            format!(
                "{d}: the MTA-STS policy could not be fetched: {}",
                sts.error.as_deref().unwrap_or("unknown error")
            ),
            None,
        )),
        MtaStsStatus::LookupFailed => out.push((
            Code::PolicyLookupFailed,
            format!(
                "{d}: the MTA-STS TXT lookup failed: {}",
                sts.error.as_deref().unwrap_or("unknown error")
            ),
            None,
        )),
        MtaStsStatus::Valid => {
            if let Some(policy) = &sts.policy {
                match policy.mode {
                    StsMode::Testing => out.push((
                        Code::MtaStsTesting,
                        format!("{d}: the MTA-STS policy is in testing mode: senders report failures but deliver anyway"),
                        None,
                    )),
                    StsMode::None | StsMode::Enforce => {}
                }
            }
        }
    }
    let rpt = &p.tls_rpt;
    match rpt.status {
        TlsRptStatus::Missing => out.push((
            Code::TlsRptMissing,
            format!("{d} publishes no TLS-RPT record (_smtp._tls.{d})"),
            None,
        )),
        TlsRptStatus::Invalid => out.push((
            Code::TlsRptInvalid,
            format!(
                "{d}: the TLS-RPT record is invalid: {}",
                rpt.error.as_deref().unwrap_or("malformed")
            ),
            None,
        )),
        TlsRptStatus::LookupFailed => out.push((
            Code::PolicyLookupFailed,
            format!(
                "{d}: the TLS-RPT TXT lookup failed: {}",
                rpt.error.as_deref().unwrap_or("unknown error")
            ),
            None,
        )),
        TlsRptStatus::Valid => {}
    }
    out
}

/// The severity of an MTA-STS failure under `mode`, at most a warning where DANE governs.
fn sts_severity(mode: StsMode, dane_governs: bool) -> Severity {
    let by_mode = match mode {
        StsMode::Enforce => Severity::Error,
        StsMode::Testing => Severity::Warning,
        StsMode::None => Severity::Info,
    };
    if dane_governs && by_mode == Severity::Error {
        Severity::Warning
    } else {
        by_mode
    }
}

fn dane_governs(host: &HostReport) -> bool {
    host.dane
        .as_ref()
        .is_some_and(|d| matches!(d.status, DaneHostStatus::Usable | DaneHostStatus::Unusable))
}

const DANE_GOVERNS_NOTE: &str = " (DANE applies to this host, and senders that do DANE use it instead of MTA-STS: RFC 8461 §2; senders with MTA-STS only still refuse)";

/// An MX host's DANE and MTA-STS coverage findings, and what the expect profile says of its
/// DANE records.
pub fn host(t: &TargetReport, host: &HostReport, expect: Option<&Profile>) -> Vec<PolicyFound> {
    let mut out = Vec::new();
    if let Some(d) = &host.dane {
        out.extend(dane_host(&host.name, d));
        let expected = expect.is_some_and(|p| {
            p.dane_hosts
                .iter()
                .any(|pattern| crate::profile::name_matches(&host.name, pattern))
        });
        if expected && d.status != DaneHostStatus::Usable {
            out.push((
                Code::DaneExpected,
                format!(
                    "{}: the {} profile expects DANE on this host, but its DANE state here is {} (address records DNSSEC {})",
                    host.name,
                    expect.map(|p| p.name.as_str()).unwrap_or("expect"),
                    d.status,
                    d.dnssec
                ),
                None,
            ));
        }
    }
    if let Some(policy) = t
        .policy
        .as_ref()
        .and_then(|p: &PolicyFacts| p.mta_sts.policy.as_ref())
    {
        if policy.mode != StsMode::None && mta_sts::covering_pattern(policy, &host.name).is_none() {
            let governs = dane_governs(host);
            out.push((
                Code::MtaStsMxNotCovered,
                format!(
                    "{}: not covered by the MTA-STS policy of {} (mode {}; mx: {}){}",
                    host.name,
                    t.name,
                    policy.mode,
                    if policy.mx.is_empty() {
                        "none".to_string()
                    } else {
                        policy.mx.join(", ")
                    },
                    if governs { DANE_GOVERNS_NOTE } else { "" }
                ),
                Some(sts_severity(policy.mode, governs)),
            ));
        }
    }
    out
}

fn dane_host(name: &str, d: &DaneHost) -> Vec<PolicyFound> {
    let why = d
        .error
        .as_deref()
        .map(|e| format!(": {e}"))
        .unwrap_or_default();
    let ede = d
        .ede
        .as_ref()
        .map(|e| {
            format!(
                " (the resolver's Extended DNS Error: {} {}{})",
                e.code,
                crate::dnssec::ede_name(e.code),
                e.text
                    .as_deref()
                    .map(|t| format!(", {t}"))
                    .unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let tlsa_name = d
        .tlsa_name
        .clone()
        .unwrap_or_else(|| format!("_25._tcp.{name}"));
    match d.status {
        DaneHostStatus::Bogus => vec![(
            Code::DaneBogus,
            format!("{name}: DNSSEC validation fails for the host's records{why}{ede}"),
            None,
        )],
        DaneHostStatus::LookupFailed => vec![(
            Code::DaneLookupFailed,
            format!("{name}: the DANE lookups failed{why}{ede}"),
            None,
        )],
        DaneHostStatus::Unusable => vec![(
            Code::DaneUnusable,
            format!(
                "{name}: the TLSA records at {tlsa_name} are DNSSEC-signed but none is usable for SMTP: {}",
                d.tlsa
                    .iter()
                    .map(|r| format!("{} {} {}", r.usage, r.selector, r.matching))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None,
        )],
        DaneHostStatus::NotApplicable | DaneHostStatus::NoTlsa | DaneHostStatus::Usable => vec![],
    }
}

/// An address's DANE and MTA-STS findings, given the findings the other rules made for it (a
/// DANE match turns the certificate errors it makes moot into one note).
pub fn address(
    t: &TargetReport,
    host: &HostReport,
    a: &AddressReport,
    others: &mut Vec<(Code, String)>,
) -> Vec<PolicyFound> {
    let mut out = Vec::new();
    let socket = a.socket();
    if let Some(d) = &a.dane {
        match d.status {
            DaneAddressStatus::Matched => {
                let record = d
                    .matched
                    .as_ref()
                    .map(|r| format!("{} {} {}", r.usage, r.selector, r.matching))
                    .unwrap_or_default();
                out.push((
                    Code::DaneValid,
                    format!(
                        "{socket}: the certificate matches the TLSA record {record}{}",
                        match d.matched_depth {
                            Some(depth) if depth > 0 =>
                                format!(" (the CA certificate at depth {depth})"),
                            _ => String::new(),
                        }
                    ),
                    None,
                ));
                let moot = match d.matched.as_ref().map(|r| r.usage) {
                    Some(3) => MOOT_FOR_DANE_EE,
                    _ => MOOT_FOR_DANE_TA,
                };
                let (mooted, kept): (Vec<_>, Vec<_>) =
                    others.drain(..).partition(|(c, _)| moot.contains(c));
                *others = kept;
                if !mooted.is_empty() {
                    out.push((
                        Code::DaneAuthenticatedUntrusted,
                        format!(
                            "{socket}: DANE authenticates the server, so DANE senders deliver; without DANE the certificate fails: {}",
                            mooted
                                .iter()
                                .map(|(c, m)| format!("{} ({})", strip_socket(m), c.as_str()))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                        None,
                    ));
                }
            }
            DaneAddressStatus::Mismatch => out.push((
                Code::DaneMismatch,
                format!(
                    "{socket}: no usable TLSA record matches the presented certificate: {}",
                    d.reasons.join("; ")
                ),
                None,
            )),
            DaneAddressStatus::StarttlsMissing | DaneAddressStatus::NoTls => out.push((
                Code::DaneStarttlsMissing,
                format!(
                    "{socket}: the host has TLSA records but {}",
                    if d.status == DaneAddressStatus::StarttlsMissing {
                        "this address offers no STARTTLS".to_string()
                    } else if d.reasons.is_empty() {
                        "TLS could not be established".to_string()
                    } else {
                        format!("TLS could not be established: {}", d.reasons.join("; "))
                    }
                ),
                None,
            )),
            DaneAddressStatus::Unauthenticated => {}
        }
    }
    if let (Some(s), Some(policy)) = (
        &a.mta_sts,
        t.policy.as_ref().and_then(|p| p.mta_sts.policy.as_ref()),
    ) {
        if s.mx_covered && !s.passes {
            let governs = dane_governs(host);
            out.push((
                Code::MtaStsMxFails,
                format!(
                    "{socket}: an MTA-STS sender (mode {}) would not deliver here: {}{}",
                    policy.mode,
                    s.reasons.join("; "),
                    if governs { DANE_GOVERNS_NOTE } else { "" }
                ),
                Some(sts_severity(policy.mode, governs)),
            ));
        }
    }
    out
}

/// A message without its leading `IP:PORT: ` (for quoting another finding).
fn strip_socket(m: &str) -> &str {
    match m.split_once(": ") {
        Some((head, rest)) if head.parse::<std::net::SocketAddr>().is_ok() => rest,
        _ => m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{diagnose_target, Policy};
    use crate::report::{
        DaneAddress, MtaStsAddress, MtaStsFacts, PolicyFetch, StsPolicy, TlsRptFacts, TlsaRecord,
    };
    use crate::sample;
    use crate::vocab::DnssecState;

    fn facts(status: MtaStsStatus, mode: Option<StsMode>, rpt: TlsRptStatus) -> PolicyFacts {
        PolicyFacts {
            mta_sts: MtaStsFacts {
                status,
                txt: vec![],
                id: mode.map(|_| "1".into()),
                policy: mode.map(|mode| StsPolicy {
                    mode,
                    max_age: 86400,
                    mx: vec!["mx.other.test".into()],
                }),
                fetch: Some(PolicyFetch::default()),
                error: Some("why".into()),
            },
            tls_rpt: TlsRptFacts {
                status: rpt,
                records: vec![],
                rua: vec![],
                error: Some("bad uri".into()),
            },
        }
    }

    fn target(p: PolicyFacts) -> TargetReport {
        let mut t = sample::facts().targets.remove(0);
        t.policy = Some(p);
        t
    }

    fn found(t: &TargetReport) -> Vec<(Code, Severity)> {
        diagnose_target(t, &Policy::default(), sample::NOW)
            .into_iter()
            .map(|f| (f.code, f.severity))
            .collect()
    }

    fn has(t: &TargetReport, code: Code, sev: Severity) -> bool {
        found(t).contains(&(code, sev))
    }

    #[test]
    fn domain_statuses_give_their_findings() {
        let t = target(facts(MtaStsStatus::Missing, None, TlsRptStatus::Missing));
        assert!(has(&t, Code::MtaStsMissing, Severity::Info));
        assert!(has(&t, Code::TlsRptMissing, Severity::Info));
        let t = target(facts(MtaStsStatus::Invalid, None, TlsRptStatus::Invalid));
        assert!(has(&t, Code::MtaStsInvalid, Severity::Error));
        assert!(has(&t, Code::TlsRptInvalid, Severity::Warning));
        let t = target(facts(
            MtaStsStatus::FetchFailed,
            None,
            TlsRptStatus::LookupFailed,
        ));
        assert!(has(&t, Code::MtaStsFetchFailed, Severity::Error));
        assert!(has(&t, Code::PolicyLookupFailed, Severity::Warning));
        // A lookup failure is never "missing".
        let t = target(facts(MtaStsStatus::LookupFailed, None, TlsRptStatus::Valid));
        assert!(has(&t, Code::PolicyLookupFailed, Severity::Warning));
        assert!(!found(&t).iter().any(|(c, _)| *c == Code::MtaStsMissing));
    }

    #[test]
    fn uncovered_mx_severity_follows_the_mode() {
        for (mode, sev) in [
            (StsMode::Enforce, Some(Severity::Error)),
            (StsMode::Testing, Some(Severity::Warning)),
            (StsMode::None, None),
        ] {
            let t = target(facts(MtaStsStatus::Valid, Some(mode), TlsRptStatus::Valid));
            let got: Vec<Severity> = found(&t)
                .into_iter()
                .filter(|(c, _)| *c == Code::MtaStsMxNotCovered)
                .map(|(_, s)| s)
                .collect();
            assert_eq!(got, sev.into_iter().collect::<Vec<_>>(), "{mode}");
        }
        let t = target(facts(
            MtaStsStatus::Valid,
            Some(StsMode::Testing),
            TlsRptStatus::Valid,
        ));
        assert!(has(&t, Code::MtaStsTesting, Severity::Info));
    }

    #[test]
    fn a_failing_address_is_an_error_in_enforce_unless_dane_governs() {
        let mut t = target(facts(
            MtaStsStatus::Valid,
            Some(StsMode::Enforce),
            TlsRptStatus::Valid,
        ));
        if let Some(p) = t.policy.as_mut().and_then(|p| p.mta_sts.policy.as_mut()) {
            p.mx = vec!["mx.contoso.test".into()];
        }
        for a in &mut t.hosts[0].addresses {
            a.mta_sts = Some(MtaStsAddress {
                mx_covered: true,
                pattern: Some("mx.contoso.test".into()),
                passes: false,
                reasons: vec!["TLS 1.1".into()],
            });
        }
        assert!(has(&t, Code::MtaStsMxFails, Severity::Error));
        t.hosts[0].dane = Some(usable_dane());
        assert!(has(&t, Code::MtaStsMxFails, Severity::Warning));
        assert!(!has(&t, Code::MtaStsMxFails, Severity::Error));
    }

    fn usable_dane() -> DaneHost {
        DaneHost {
            status: DaneHostStatus::Usable,
            dnssec: DnssecState::Secure,
            tlsa_name: Some("_25._tcp.mx.contoso.test".into()),
            tlsa_dnssec: Some(DnssecState::Secure),
            tlsa: vec![TlsaRecord {
                usage: 3,
                selector: 1,
                matching: 1,
                data: "00".repeat(32),
            }],
            ede: None,
            error: None,
        }
    }

    #[test]
    fn host_states() {
        let mut t = target(facts(MtaStsStatus::Missing, None, TlsRptStatus::Valid));
        let mut d = usable_dane();
        d.status = DaneHostStatus::Bogus;
        d.error = Some("TLSA records do not validate".into());
        t.hosts[0].dane = Some(d.clone());
        assert!(has(&t, Code::DaneBogus, Severity::Error));
        d.status = DaneHostStatus::LookupFailed;
        t.hosts[0].dane = Some(d.clone());
        assert!(has(&t, Code::DaneLookupFailed, Severity::Warning));
        d.status = DaneHostStatus::Unusable;
        t.hosts[0].dane = Some(d.clone());
        assert!(has(&t, Code::DaneUnusable, Severity::Warning));
        for quiet in [DaneHostStatus::NotApplicable, DaneHostStatus::NoTlsa] {
            d.status = quiet;
            t.hosts[0].dane = Some(d.clone());
            assert!(!found(&t)
                .iter()
                .any(|(c, _)| c.as_str().starts_with("dane-")));
        }
    }

    #[test]
    fn a_dane_ee_match_turns_trust_name_and_date_errors_into_one_note() {
        let mut t = target(facts(MtaStsStatus::Missing, None, TlsRptStatus::Valid));
        t.hosts[0].dane = Some(usable_dane());
        let record = usable_dane().tlsa.remove(0);
        for a in &mut t.hosts[0].addresses {
            if let Some(tls) = a.tls.as_mut() {
                tls.chain_valid = false;
                tls.chain_error = Some(crate::report::ChainError {
                    kind: crate::vocab::ChainErrorKind::UnknownIssuer,
                    message: "no path to a trusted root".into(),
                    detail: None,
                });
                tls.name_valid = Some(false);
            }
            a.dane = Some(DaneAddress {
                status: DaneAddressStatus::Matched,
                matched: Some(record.clone()),
                matched_depth: Some(0),
                reasons: vec![],
            });
        }
        let got = found(&t);
        assert!(got.contains(&(Code::DaneValid, Severity::Info)), "{got:?}");
        assert!(
            got.contains(&(Code::DaneAuthenticatedUntrusted, Severity::Info)),
            "{got:?}"
        );
        assert!(
            !got.iter()
                .any(|(c, _)| matches!(c, Code::CertUntrusted | Code::CertNameMismatch)),
            "{got:?}"
        );
        // With DANE-TA, the name still counts.
        for a in &mut t.hosts[0].addresses {
            if let Some(d) = a.dane.as_mut() {
                d.matched = Some(TlsaRecord {
                    usage: 2,
                    ..record.clone()
                });
                d.matched_depth = Some(1);
            }
        }
        let got = found(&t);
        assert!(
            !got.iter().any(|(c, _)| *c == Code::CertUntrusted),
            "{got:?}"
        );
        assert!(
            got.iter().any(|(c, _)| *c == Code::CertNameMismatch),
            "{got:?}"
        );
    }

    #[test]
    fn address_failures() {
        let mut t = target(facts(MtaStsStatus::Missing, None, TlsRptStatus::Valid));
        t.hosts[0].dane = Some(usable_dane());
        for (status, code) in [
            (DaneAddressStatus::Mismatch, Code::DaneMismatch),
            (
                DaneAddressStatus::StarttlsMissing,
                Code::DaneStarttlsMissing,
            ),
            (DaneAddressStatus::NoTls, Code::DaneStarttlsMissing),
        ] {
            for a in &mut t.hosts[0].addresses {
                a.dane = Some(DaneAddress {
                    status,
                    matched: None,
                    matched_depth: None,
                    reasons: vec!["3 1 1 00…: no match".into()],
                });
            }
            assert!(has(&t, code, Severity::Error), "{status}");
        }
    }

    #[test]
    fn the_exchange_online_profile_expects_dane_on_mx_microsoft_hosts() {
        let profile =
            crate::profile::Profile::load("exchange-online", crate::profile::ProfileKind::Expect)
                .unwrap();
        let mut t = target(facts(MtaStsStatus::Missing, None, TlsRptStatus::Valid));
        let mut d = usable_dane();
        d.status = DaneHostStatus::NotApplicable;
        d.dnssec = DnssecState::Insecure;
        t.hosts[0].dane = Some(d.clone());
        let codes_for = |t: &TargetReport, name: &str| {
            let mut t = t.clone();
            t.hosts[0].name = name.into();
            host(&t, &t.hosts[0], Some(&profile))
                .into_iter()
                .map(|(c, m, _)| (c, m))
                .collect::<Vec<_>>()
        };
        let found = codes_for(&t, "contoso-com.a-v1.mx.microsoft");
        assert!(
            found
                .iter()
                .any(|(c, m)| *c == Code::DaneExpected && m.contains("not-applicable")),
            "{found:?}"
        );
        // The older hosts are not DNSSEC-signed: nothing expected there.
        assert!(codes_for(&t, "contoso-com.mail.protection.outlook.com").is_empty());
        // Usable records: as expected.
        t.hosts[0].dane = Some(usable_dane());
        assert!(codes_for(&t, "contoso-com.a-v1.mx.microsoft").is_empty());
    }

    #[test]
    fn a_null_mx_domain_gets_no_policy_findings() {
        let mut t = target(facts(MtaStsStatus::Missing, None, TlsRptStatus::Missing));
        t.null_mx = true;
        t.hosts.clear();
        assert!(found(&t)
            .iter()
            .all(|(c, _)| !matches!(c, Code::MtaStsMissing | Code::TlsRptMissing)));
    }
}
