//! Rules of a sender profile (`--sender`): the target as that sender sees it when delivering to
//! it — a TLS version the sender speaks, a cipher suite it offers, and, with forced TLS, a
//! certificate it validates. Never the certificate's organization or root identity: any public
//! CA will do for a sender.

use super::{At, Found};
use crate::finding::Code;
use crate::profile::Profile;
use crate::report::{AddressReport, TlsFacts};
use crate::vocab::{ChainErrorKind, TlsVersion, VersionStatus};

pub(super) fn rules(a: &AddressReport, sender: &Profile, at: &At<'_>) -> Vec<Found> {
    if let Some(found) = version(a, sender, at) {
        // No version in common: suites and certificate do not come into it.
        return vec![found];
    }
    let mut out: Vec<Found> = suites(a, sender, at).into_iter().collect();
    if let Some(tls) = &a.tls {
        out.extend(certificate(tls, sender, at));
    }
    out
}

/// ` ({symptoms})` when the profile names how the sender shows the failure.
fn symptoms(sender: &Profile) -> String {
    sender
        .symptoms
        .as_deref()
        .map(|s| format!("; {s}"))
        .unwrap_or_default()
}

/// The server accepts no version at or above the sender's minimum.
fn version(a: &AddressReport, sender: &Profile, at: &At<'_>) -> Option<Found> {
    let min = sender.min_tls()?;
    let seen = match &a.versions {
        Some(v) => {
            let accepted = [
                (TlsVersion::Tls10, v.tls1_0),
                (TlsVersion::Tls11, v.tls1_1),
                (TlsVersion::Tls12, v.tls1_2),
                (TlsVersion::Tls13, v.tls1_3),
            ]
            .into_iter()
            .filter(|(_, s)| *s == VersionStatus::Accepted)
            .map(|(t, _)| t)
            .collect::<Vec<_>>();
            if accepted.is_empty() || accepted.iter().any(|t| t.meets(min)) {
                return None;
            }
            accepted
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
        None => match &a.tls {
            Some(t) if !t.version.meets(min) => t.version.to_string(),
            _ => return None,
        },
    };
    Some(at.found(
        Code::SenderTlsTooOld,
        format!(
            "{} needs {min} or later and this server accepts only {seen}{}",
            sender.name,
            symptoms(sender)
        ),
    ))
}

/// The server accepts none of the suites the sender offers: judged on the `--ciphers` lists when
/// there are some, else on a session our TLS client could not complete (the facts of a raw
/// hello: static RSA, DHE, CBC). A suite rustls negotiated outside the list proves nothing: the
/// server may accept another.
fn suites(a: &AddressReport, sender: &Profile, at: &At<'_>) -> Option<Found> {
    if sender.suites.is_empty() {
        return None;
    }
    let offered = |s: &str| sender.suites.iter().any(|o| o.eq_ignore_ascii_case(s));
    let min = sender.min_tls().unwrap_or(TlsVersion::Tls12);
    let accepted: Vec<&str> = match &a.ciphers {
        Some(lists) if !lists.is_empty() => lists
            .iter()
            .filter(|l| l.version.meets(min))
            .flat_map(|l| l.suites.iter().map(String::as_str))
            .collect(),
        _ => match &a.tls {
            Some(t) if !t.handshake_completed => vec![t.cipher_suite.as_str()],
            _ => return None,
        },
    };
    if accepted.is_empty() || accepted.iter().any(|s| offered(s)) {
        return None;
    }
    let shown = accepted
        .iter()
        .take(4)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    let more = match accepted.len().saturating_sub(4) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    Some(at.found(
        Code::SenderNoCommonSuite,
        format!(
            "{} offers none of the suites this server accepts ({shown}{more}); it needs ECDHE with AES-GCM or TLS 1.3, e.g. {}{}",
            sender.name,
            sender.suites.first().map(String::as_str).unwrap_or_default(),
            symptoms(sender)
        ),
    ))
}

/// A certificate that would fail validation: refused with forced TLS, ignored with
/// opportunistic TLS.
fn certificate(tls: &TlsFacts, sender: &Profile, at: &At<'_>) -> Option<Found> {
    if tls
        .chain_error
        .as_ref()
        .is_some_and(|e| e.kind == ChainErrorKind::NotSeen)
    {
        return None;
    }
    let mut why = Vec::new();
    if !tls.chain_valid {
        let reason = tls
            .chain_error
            .as_ref()
            .map(|e| e.message.clone())
            .unwrap_or_else(|| "it does not validate".into());
        why.push(format!(
            "the chain does not validate against {} ({reason})",
            tls.trust_store
        ));
    }
    if let (Some(false), Some(name)) = (tls.name_valid, &tls.name_checked) {
        why.push(format!("it is not for {name}"));
    }
    if why.is_empty() {
        return None;
    }
    let why = why.join(" and ");
    Some(if sender.forced_tls {
        at.found(
            Code::SenderCertificateRefused,
            format!(
                "{} with forced TLS refuses the certificate: {why}{}",
                sender.name,
                symptoms(sender)
            ),
        )
    } else {
        at.found(
            Code::SenderCertificateIgnored,
            format!(
                "{} with opportunistic TLS delivers anyway, though {why}; with --forced-tls it would not",
                sender.name
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::fixtures::{address, codes, message, tls, versions};
    use crate::diagnose::Policy;
    use crate::profile::ProfileKind;
    use crate::report::{ChainError, CipherList};

    fn sender(forced: bool) -> Policy {
        let mut p = Profile::load("exchange-online", ProfileKind::Sender).unwrap();
        p.forced_tls = forced;
        Policy {
            sender: Some(p),
            ..Policy::default()
        }
    }

    #[test]
    fn a_good_server_meets_the_sender_and_no_identity_is_judged() {
        let mut a = address(Some(tls()), None);
        if let Some(t) = a.tls.as_mut() {
            t.cipher_suite = "TLS_AES_256_GCM_SHA384".into();
            t.version = TlsVersion::Tls13;
        }
        assert!(codes(&a, &sender(false)).is_empty());
        assert!(codes(&a, &sender(true)).is_empty());
    }

    #[test]
    fn tls_1_0_only_fails_with_the_senders_symptoms() {
        use VersionStatus::{Accepted, Rejected};
        let mut a = address(Some(tls()), None);
        a.versions = Some(versions([Accepted, Accepted, Rejected, Rejected]));
        let m = message(&a, &sender(false), Code::SenderTlsTooOld);
        assert!(m.contains("needs TLSv1.2 or later"), "{m}");
        assert!(m.contains("TLSv1.0, TLSv1.1"), "{m}");
        assert!(m.contains("421 4.4.2"), "{m}");
        let c = codes(&a, &sender(false));
        assert!(!c.contains(&Code::SenderNoCommonSuite), "{c:?}");
    }

    #[test]
    fn suites_the_sender_does_not_offer_fail() {
        // A raw hello got DHE with CBC: our client could not finish, nor would the sender.
        let mut a = address(Some(tls()), None);
        if let Some(t) = a.tls.as_mut() {
            t.handshake_completed = false;
            t.cipher_suite = "TLS_DHE_RSA_WITH_AES_128_CBC_SHA".into();
        }
        assert!(codes(&a, &sender(false)).contains(&Code::SenderNoCommonSuite));
        // --ciphers lists decide when there are some.
        let list = |suites: &[&str]| CipherList {
            version: TlsVersion::Tls12,
            suites: suites.iter().map(|s| s.to_string()).collect(),
            server_preference: None,
            dh_bits: None,
        };
        a.ciphers = Some(vec![list(&["TLS_RSA_WITH_AES_128_GCM_SHA256"])]);
        let m = message(&a, &sender(false), Code::SenderNoCommonSuite);
        assert!(m.contains("TLS_RSA_WITH_AES_128_GCM_SHA256"), "{m}");
        a.ciphers = Some(vec![list(&[
            "TLS_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        ])]);
        assert!(!codes(&a, &sender(false)).contains(&Code::SenderNoCommonSuite));
    }

    #[test]
    fn a_bad_certificate_is_ignored_when_opportunistic_and_refused_when_forced() {
        let mut t = tls();
        t.chain_valid = false;
        t.chain_error = Some(ChainError {
            kind: ChainErrorKind::UnknownIssuer,
            message: "unknown issuer".into(),
            detail: None,
        });
        let a = address(Some(t), None);
        let c = codes(&a, &sender(false));
        assert!(c.contains(&Code::SenderCertificateIgnored), "{c:?}");
        assert!(!c.contains(&Code::SenderCertificateRefused), "{c:?}");
        let m = message(&a, &sender(true), Code::SenderCertificateRefused);
        assert!(
            m.contains("forced TLS") && m.contains("unknown issuer"),
            "{m}"
        );
    }
}
