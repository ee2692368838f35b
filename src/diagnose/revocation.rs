//! Rules about revocation, when it was checked: a certificate revoked, a CRL or OCSP endpoint
//! unreachable, refused, invalid, unknown or stale, and a leaf that names an OCSP responder but
//! whose server staples nothing.

use super::{date, At, Found};
use crate::finding::Code;
use crate::report::{CertRevocation, CertSummary, RevocationCheck, TlsFacts};
use crate::vocab::RevocationStatus;

pub(super) fn rules(tls: &TlsFacts, at: &At<'_>) -> Vec<Found> {
    let mut out = Vec::new();
    for (i, cert) in tls.chain.iter().enumerate() {
        if let Some(rev) = &cert.revocation {
            out.extend(certificate(i, cert, rev, at));
        }
    }
    let leaf_has_ocsp = tls.chain.first().is_some_and(|c| !c.ocsp_urls.is_empty());
    if tls.handshake_completed && leaf_has_ocsp && tls.stapled_ocsp.is_none() {
        out.push(at.found(
            Code::OcspNotStapled,
            "no OCSP response was stapled; peers must query the responder themselves",
        ));
    }
    out
}

/// The answers about certificate `i` of the chain, in CRL, OCSP, stapled order; a revocation is
/// reported once, however many sources say it.
fn certificate(i: usize, cert: &CertSummary, rev: &CertRevocation, at: &At<'_>) -> Vec<Found> {
    let which = if i == 0 {
        "the leaf certificate".to_string()
    } else {
        format!("chain certificate #{i}")
    };
    let sources = rev
        .crl
        .iter()
        .map(|c| ("CRL", c))
        .chain(rev.ocsp.iter().map(|c| ("OCSP", c)))
        .chain(rev.stapled.iter().map(|c| ("stapled OCSP", c)));
    let mut out = Vec::new();
    let mut revoked_reported = false;
    for (kind, check) in sources {
        let url = check.url.as_deref().unwrap_or("(stapled)");
        let error = check.error.as_deref().unwrap_or("");
        match check.status {
            RevocationStatus::Revoked if !revoked_reported => {
                revoked_reported = true;
                out.push(revoked(cert, &which, kind, check, at));
            }
            RevocationStatus::Unreachable | RevocationStatus::HttpError => {
                let host = check.host.as_deref().unwrap_or("?");
                out.push(at.found(
                    Code::RevocationUnreachable,
                    format!("{kind} {url} for {which} could not be fetched from here ({error}); host {host} must be reachable"),
                ));
            }
            RevocationStatus::Refused => {
                // An LDAP distribution point beside an http one is normal (AD CS): only report a
                // refusal when nothing of the same kind was fetchable.
                let same_kind = if kind == "CRL" { &rev.crl } else { &rev.ocsp };
                if same_kind
                    .iter()
                    .all(|c| c.status == RevocationStatus::Refused)
                {
                    out.push(at.found(
                        Code::RevocationUrlRefused,
                        format!("{kind} {url} of {which}: {error}"),
                    ));
                }
            }
            RevocationStatus::Invalid => out.push(at.found(
                Code::RevocationInvalid,
                format!("{kind} {url} for {which}: {error}"),
            )),
            RevocationStatus::Unknown | RevocationStatus::ResponderError => out.push(at.found(
                Code::RevocationUnknown,
                format!("{kind} {url} for {which}: {error}"),
            )),
            _ => {}
        }
        if check.stale && kind == "CRL" && check.status != RevocationStatus::Invalid {
            let due = check
                .next_update
                .map(|t| format!(" (next update was due {})", date(t)))
                .unwrap_or_default();
            out.push(at.found(
                Code::CrlStale,
                format!("CRL {url} for {which} is stale{due}"),
            ));
        }
    }
    out
}

/// `... the leaf certificate "mx" (serial 0a) is revoked since 2026-11-01 (keyCompromise)
/// according to CRL http://...`.
fn revoked(
    cert: &CertSummary,
    which: &str,
    kind: &str,
    check: &RevocationCheck,
    at: &At<'_>,
) -> Found {
    let name = cert.common_name.as_deref().unwrap_or(&cert.subject);
    let url = check.url.as_deref().unwrap_or("(stapled)");
    let since = check
        .revoked_at
        .map(|t| format!(" since {}", date(t)))
        .unwrap_or_default();
    let reason = check
        .reason
        .as_deref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    at.found(
        Code::CertRevoked,
        format!(
            "{which} {name:?} (serial {}) is revoked{since}{reason} according to {kind} {url}",
            cert.serial
        ),
    )
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::diagnose::fixtures::{address, codes, message, tls};
    use crate::diagnose::Policy;
    use crate::finding::Severity;

    fn check(status: RevocationStatus, url: &str) -> RevocationCheck {
        let mut c = crate::revocation::blank(status);
        c.url = Some(url.into());
        c.host = crate::net::host_label(url);
        c.reachable = !matches!(
            status,
            RevocationStatus::Unreachable | RevocationStatus::Refused
        );
        c
    }

    fn with_revocation(rev: CertRevocation) -> TlsFacts {
        let mut facts = tls();
        facts.chain[0].revocation = Some(rev);
        facts
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
        let facts = with_revocation(CertRevocation {
            crl: vec![crl],
            ocsp: vec![ocsp],
            ..Default::default()
        });
        let a = address(Some(facts), None);
        let m = message(&a, &checked(), Code::CertRevoked);
        assert!(m.contains("keyCompromise"), "{m}");
        assert!(m.contains("2026-11-01"), "{m}");
        assert_eq!(Code::CertRevoked.severity(), Severity::Error);
    }

    #[test]
    fn unreachable_endpoint_names_the_host() {
        let mut c = check(
            RevocationStatus::Unreachable,
            "http://crl.globalsign.com/gs/x.crl",
        );
        c.error = Some("timed out".into());
        let facts = with_revocation(CertRevocation {
            crl: vec![c],
            ..Default::default()
        });
        let m = message(
            &address(Some(facts), None),
            &checked(),
            Code::RevocationUnreachable,
        );
        assert!(
            m.contains("host crl.globalsign.com must be reachable"),
            "{m}"
        );
        assert!(m.contains("http://crl.globalsign.com/gs/x.crl"), "{m}");
    }

    #[test]
    fn ldap_beside_http_is_not_reported_but_ldap_alone_is() {
        let ldap = check(RevocationStatus::Refused, "ldap:///CN=CA,CN=CDP");
        let http = check(RevocationStatus::Good, "http://crl.example.test/ca.crl");
        let both = with_revocation(CertRevocation {
            crl: vec![ldap.clone(), http],
            ..Default::default()
        });
        assert!(
            !codes(&address(Some(both), None), &checked()).contains(&Code::RevocationUrlRefused)
        );
        let alone = with_revocation(CertRevocation {
            crl: vec![ldap],
            ..Default::default()
        });
        assert!(
            codes(&address(Some(alone), None), &checked()).contains(&Code::RevocationUrlRefused)
        );
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
        let facts = with_revocation(CertRevocation {
            crl: vec![stale, invalid],
            ocsp: vec![unknown],
            ..Default::default()
        });
        let c = codes(&address(Some(facts), None), &checked());
        assert_eq!(
            c,
            [
                Code::CrlStale,
                Code::RevocationInvalid,
                Code::RevocationUnknown
            ]
        );
    }

    #[test]
    fn ocsp_not_stapled_only_when_checked_and_the_leaf_has_a_responder() {
        let mut facts = tls();
        assert!(
            !codes(&address(Some(facts.clone()), None), &checked()).contains(&Code::OcspNotStapled)
        );
        facts.chain[0].ocsp_urls = vec!["http://ocsp.example.test/".into()];
        assert!(
            codes(&address(Some(facts.clone()), None), &checked()).contains(&Code::OcspNotStapled)
        );
        assert!(
            !codes(&address(Some(facts.clone()), None), &Policy::default())
                .contains(&Code::OcspNotStapled)
        );
        facts.stapled_ocsp = Some("MAA=".into());
        assert!(!codes(&address(Some(facts), None), &checked()).contains(&Code::OcspNotStapled));
    }
}
