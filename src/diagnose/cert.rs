//! Rules about the presented certificate chain: validity dates (as of the run), the name, trust
//! (untrusted, incomplete, anchored only by the profile), the leaf's key size, and what a profile
//! expects (the root by key, the certificate name, the organization).

use super::{date, At, Found};
use crate::cert::summary::weak_signature_hash;
use crate::finding::Code;
use crate::profile::{name_matches, Profile};
use crate::report::{CertSummary, ChainError, TlsFacts};
use crate::vocab::{AnchorSource, ChainErrorKind, KeyType};

pub(super) fn rules(tls: &TlsFacts, at: &At<'_>) -> Vec<Found> {
    if let Some(err) = tls
        .chain_error
        .as_ref()
        .filter(|e| e.kind == ChainErrorKind::NotSeen)
    {
        let message = format!("{}: the chain was not checked", err.message);
        return vec![at.found(Code::ChainNotSeen, message)];
    }
    let mut out = dates(tls, at);
    // An expiry or not-yet-valid finding already says why a time failure happened.
    let dated = !out.is_empty();
    out.extend(expiring_soon(tls, at));
    if let (Some(false), Some(name)) = (tls.name_valid, &tls.name_checked) {
        let names = tls
            .chain
            .first()
            .map(|c| c.san_dns.join(", "))
            .unwrap_or_default();
        out.push(at.found(
            Code::CertNameMismatch,
            format!("the certificate is for [{names}], not {name}"),
        ));
    }
    let weak_signatures = weak_signatures(tls, at);
    if let Some(err) = &tls.chain_error {
        // A chain refused for a weak signature: the weak signature is the cause to name.
        let said = err.kind == ChainErrorKind::UnsupportedSignature && !weak_signatures.is_empty();
        if !said {
            out.extend(trust(tls, err, dated, at));
        }
    }
    out.extend(weak_signatures);
    let leaf = tls.chain.first().filter(|c| c.parse_error.is_none());
    if let Some(leaf) = leaf {
        out.extend(weak_key(leaf, at));
    }
    if let Some(profile) = &at.policy.profile {
        out.extend(root_mismatch(tls, profile, at));
        if let Some(leaf) = leaf {
            out.extend(identity(leaf, profile, at));
        }
    }
    out
}

/// "leaf certificate" or "chain certificate #i", for a message.
fn which_certificate(i: usize) -> String {
    match i {
        0 => "leaf certificate".into(),
        _ => format!("chain certificate #{i}"),
    }
}

/// Certificates of the chain expired or not yet valid at the time of the run.
fn dates(tls: &TlsFacts, at: &At<'_>) -> Vec<Found> {
    let mut out = Vec::new();
    for (i, c) in tls.chain.iter().enumerate() {
        if c.parse_error.is_some() {
            continue;
        }
        let which = which_certificate(i);
        let name = c.common_name.as_deref().unwrap_or(&c.subject);
        if c.not_after < at.now {
            let days = (at.now - c.not_after).whole_days();
            out.push(at.found(
                Code::CertExpired,
                format!(
                    "{which} {name:?} expired on {} ({days} days ago)",
                    date(c.not_after)
                ),
            ));
        } else if c.not_before > at.now {
            out.push(at.found(
                Code::CertNotYetValid,
                format!("{which} {name:?} is valid only from {}", date(c.not_before)),
            ));
        }
    }
    out
}

/// Certificates (leaf and intermediates; not a root the server sent, which no client checks for
/// dates here) valid now that expire within `--expiry-warn` days. An expired one is `cert-expired`
/// only.
fn expiring_soon(tls: &TlsFacts, at: &At<'_>) -> Vec<Found> {
    let days = at.policy.expiry_warn_days;
    if days == 0 {
        return vec![];
    }
    let horizon = at.now + time::Duration::days(i64::from(days));
    let anchor = tls.anchor.as_ref().and_then(|a| a.sha256.as_deref());
    let mut out = Vec::new();
    for (i, c) in tls.chain.iter().enumerate() {
        let root = i > 0 && (c.self_issued || anchor == Some(c.sha256.as_str()));
        if c.parse_error.is_some() || root {
            continue;
        }
        if c.not_after < at.now || c.not_before > at.now || c.not_after > horizon {
            continue;
        }
        let which = which_certificate(i);
        let name = c.common_name.as_deref().unwrap_or(&c.subject);
        let left = (c.not_after - at.now).whole_days();
        out.push(at.found(
            Code::CertExpiringSoon,
            format!(
                "{which} {name:?} expires on {} ({left} days left, within the {days}-day warning)",
                date(c.not_after)
            ),
        ));
    }
    out
}

/// Certificates signed with MD5 or SHA-1, but for a root's signature on itself, which no client
/// checks.
fn weak_signatures(tls: &TlsFacts, at: &At<'_>) -> Vec<Found> {
    let mut out = Vec::new();
    for (i, c) in tls.chain.iter().enumerate() {
        if c.parse_error.is_some() || c.self_issued {
            continue;
        }
        let by_oid = c
            .signature_algorithm_oid
            .as_deref()
            .and_then(weak_signature_hash);
        let Some(hash) = by_oid.or_else(|| weak_signature_hash(&c.signature_algorithm)) else {
            continue;
        };
        let which = if i == 0 {
            "the leaf certificate".to_string()
        } else {
            format!("chain certificate #{i}")
        };
        let name = c.common_name.as_deref().unwrap_or(&c.subject);
        out.push(at.found(
            Code::WeakSignature,
            format!(
                "{which} {name:?} is signed with {} ({hash}), which current clients reject",
                c.signature_algorithm
            ),
        ));
    }
    out
}

/// Why the chain does not validate. `dated`: an expiry or not-yet-valid finding already says
/// why a time failure happened.
fn trust(tls: &TlsFacts, err: &ChainError, dated: bool, at: &At<'_>) -> Vec<Found> {
    let top = tls.chain.last();
    match err.kind {
        ChainErrorKind::Expired | ChainErrorKind::NotYetValid if dated => vec![],
        ChainErrorKind::Expired | ChainErrorKind::NotYetValid => vec![at.found(
            Code::CertExpired,
            format!("the chain is outside its validity period ({})", err.message),
        )],
        ChainErrorKind::UnknownIssuer => match &tls.anchor {
            Some(a) if a.source == AnchorSource::Profile => vec![at.found(
                Code::AnchorNotInTrustStore,
                format!(
                    "the chain ends at the profile's root {:?}, which trust store {} does not carry",
                    a.subject, tls.trust_store
                ),
            )],
            // The top certificate names where its issuer can be fetched, but the server did not
            // send it: a missing intermediate. A self-signed top is a root the store does not
            // know, never "incomplete".
            _ if top.is_some_and(|c| !c.self_issued && !c.ca_issuers_urls.is_empty()) => {
                let issuer = top.map(|c| c.issuer.as_str()).unwrap_or_default();
                vec![at.found(
                    Code::ChainIncomplete,
                    format!(
                        "the server sent {} certificate(s) ending at one issued by {issuer:?}, which is neither sent nor a trusted root ({})",
                        tls.chain.len(),
                        tls.trust_store
                    ),
                )]
            }
            _ => {
                let issuer = match top {
                    Some(c) if c.self_issued => format!("the self-signed {:?}", c.subject),
                    Some(c) => format!("{:?}", c.issuer),
                    None => String::new(),
                };
                vec![at.found(
                    Code::CertUntrusted,
                    format!(
                        "the chain ends at {issuer}, which is not a trusted root in {}",
                        tls.trust_store
                    ),
                )]
            }
        },
        _ => vec![at.found(
            Code::CertUntrusted,
            format!("chain validation failed: {}", err.message),
        )],
    }
}

/// An RSA (or DSA) key below the minimum, an EC key below 256 bits.
fn weak_key(leaf: &CertSummary, at: &At<'_>) -> Vec<Found> {
    let minimum = match leaf.key_type {
        KeyType::Rsa | KeyType::Dsa => at.policy.min_rsa_bits(),
        KeyType::Ec => 256,
        _ => return vec![],
    };
    if leaf.key_bits >= minimum {
        return vec![];
    }
    vec![at.found(
        Code::WeakKey,
        format!(
            "{} key of {} bits (minimum {minimum})",
            leaf.key_type, leaf.key_bits
        ),
    )]
}

/// The chain ends at a root whose key is not one the profile expects. The root is the validated
/// anchor, or else a self-signed top certificate.
fn root_mismatch(tls: &TlsFacts, profile: &Profile, at: &At<'_>) -> Vec<Found> {
    if profile.roots.is_empty() {
        return vec![];
    }
    let root = tls
        .anchor
        .as_ref()
        .map(|a| (a.subject.as_str(), a.spki_sha256.as_str()))
        .or_else(|| {
            tls.chain
                .last()
                .filter(|c| c.self_issued && c.parse_error.is_none())
                .map(|c| (c.subject.as_str(), c.spki_sha256.as_str()))
        });
    let Some((subject, spki)) = root else {
        return vec![];
    };
    if let Some(root) = profile.root_for_spki(spki) {
        // Accepted, but on its way out: say which root was seen and why it matters.
        return match &root.deprecated {
            Some(why) => vec![at.found(
                Code::RootDeprecated,
                format!(
                    "the chain ends at {} (key sha256 {}), which profile {} still accepts: {why}",
                    root.name,
                    short(spki),
                    profile.name
                ),
            )],
            None => vec![],
        };
    }
    let expected: Vec<&str> = profile.roots.iter().map(|r| r.name.as_str()).collect();
    let same_name = expected.iter().any(|e| subject.contains(e))
        || profile
            .roots
            .iter()
            .any(|r| name_matches_root(subject, &r.name));
    vec![at.found(
        Code::RootMismatch,
        format!(
            "the chain ends at {subject:?} (key sha256 {}), expected {} by profile {}{}",
            short(spki),
            expected.join(" or "),
            profile.name,
            if same_name {
                "; the name matches but the key does not"
            } else {
                ""
            }
        ),
    )]
}

/// The leaf's name and organization against the profile's.
fn identity(leaf: &CertSummary, profile: &Profile, at: &At<'_>) -> Vec<Found> {
    let mut out = Vec::new();
    let expected = profile.expected_names();
    if !expected.is_empty() {
        let has = leaf
            .common_name
            .iter()
            .chain(leaf.san_dns.iter())
            .any(|n| expected.iter().any(|p| name_matches(n, p)));
        if !has {
            out.push(at.found(
                Code::CertNameUnexpected,
                format!(
                    "the certificate carries none of {} (profile {})",
                    expected.join(", "),
                    profile.name
                ),
            ));
        }
    }
    if let Some(expected) = &profile.organization {
        if leaf.organization.as_deref() != Some(expected.as_str()) {
            out.push(at.found(
                Code::CertOrganizationUnexpected,
                format!(
                    "organization is {:?}, expected {expected:?} (profile {})",
                    leaf.organization.as_deref().unwrap_or("(none)"),
                    profile.name
                ),
            ));
        }
    }
    out
}

/// A profile root name like "GlobalSign Root CA - R1" against a subject "CN=GlobalSign Root CA, ...".
fn name_matches_root(subject: &str, root_name: &str) -> bool {
    subject.split(',').any(|part| {
        part.trim()
            .strip_prefix("CN=")
            .is_some_and(|cn| root_name.starts_with(cn.trim()))
    })
}

/// The first 16 hex digits of a fingerprint, and an ellipsis.
fn short(hex: &str) -> String {
    hex.chars().take(16).collect::<String>() + "…"
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::diagnose::fixtures::{address, codes, message, tls};
    use crate::diagnose::{diagnose_address, Policy};
    use crate::report::Anchor;
    use crate::sample::{self, NOW};

    fn chain_error(kind: ChainErrorKind, message: &str) -> Option<ChainError> {
        Some(ChainError {
            kind,
            message: message.into(),
            detail: None,
        })
    }

    #[test]
    fn expired_and_not_yet_valid_use_the_report_clock() {
        let mut facts = tls();
        facts.chain[0].not_after = datetime!(2026-11-01 0:00 UTC);
        facts.chain_valid = false;
        facts.chain_error = chain_error(ChainErrorKind::Expired, "CertExpired");
        let a = address(Some(facts.clone()), None);
        assert_eq!(codes(&a, &Policy::default()), vec![Code::CertExpired]);
        let m = message(&a, &Policy::default(), Code::CertExpired);
        assert!(m.contains("22 days ago"), "{m}");

        facts.chain[0].not_after = datetime!(2027-11-01 0:00 UTC);
        facts.chain[0].not_before = datetime!(2026-12-01 0:00 UTC);
        facts.chain_error = chain_error(ChainErrorKind::NotYetValid, "x");
        assert_eq!(
            codes(&address(Some(facts), None), &Policy::default()),
            vec![Code::CertNotYetValid]
        );
    }

    #[test]
    fn expiring_soon_warns_for_leaf_and_intermediate_not_root_nor_expired() {
        let warn = |days| Policy {
            expiry_warn_days: days,
            ..Policy::default()
        };
        let mut facts = tls();
        // NOW is 2026-11-23 12:00: ten days and a half left.
        facts.chain[0].not_after = datetime!(2026-12-04 0:00 UTC);
        let a = address(Some(facts.clone()), None);
        assert_eq!(codes(&a, &warn(30)), vec![Code::CertExpiringSoon]);
        let m = message(&a, &warn(30), Code::CertExpiringSoon);
        assert!(
            m.contains("2026-12-04") && m.contains("10 days left"),
            "{m}"
        );
        assert!(codes(&a, &warn(5)).is_empty());
        assert!(codes(&a, &warn(0)).is_empty());

        // An intermediate counts; a root the server sent does not.
        let mut facts = sample::tls();
        let mut root = facts.chain[1].clone();
        root.self_issued = true;
        facts.chain.truncate(2);
        facts.chain.push(root);
        for c in &mut facts.chain[1..] {
            c.not_after = datetime!(2026-12-01 0:00 UTC);
        }
        let soon: Vec<String> = diagnose_address(&address(Some(facts), None), &warn(30), NOW)
            .into_iter()
            .filter(|(c, _)| *c == Code::CertExpiringSoon)
            .map(|(_, m)| m)
            .collect();
        assert_eq!(soon.len(), 1, "{soon:?}");
        assert!(soon[0].contains("chain certificate #1"), "{soon:?}");

        // Expired: cert-expired alone.
        let mut facts = tls();
        facts.chain[0].not_after = datetime!(2026-11-01 0:00 UTC);
        facts.chain_valid = false;
        facts.chain_error = chain_error(ChainErrorKind::Expired, "CertExpired");
        assert_eq!(
            codes(&address(Some(facts), None), &warn(30)),
            vec![Code::CertExpired]
        );
    }

    #[test]
    fn name_mismatch() {
        let mut facts = tls();
        facts.name_valid = Some(false);
        assert_eq!(
            codes(&address(Some(facts), None), &Policy::default()),
            vec![Code::CertNameMismatch]
        );
    }

    #[test]
    fn unknown_issuer_is_untrusted_or_incomplete() {
        let mut facts = tls();
        facts.chain_valid = false;
        facts.anchor = None;
        facts.chain_error = chain_error(ChainErrorKind::UnknownIssuer, "UnknownIssuer");
        assert_eq!(
            codes(&address(Some(facts.clone()), None), &Policy::default()),
            vec![Code::CertUntrusted]
        );
        // A leaf that names where its issuer can be fetched, sent without it: missing intermediate.
        facts.chain[0].ca_issuers_urls = vec!["http://ca.example.test/int.crt".into()];
        assert_eq!(
            codes(&address(Some(facts.clone()), None), &Policy::default()),
            vec![Code::ChainIncomplete]
        );
        // A self-signed top is a root the store does not know, never "incomplete".
        facts.chain[0].self_issued = true;
        assert_eq!(
            codes(&address(Some(facts), None), &Policy::default()),
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
name = "Contoso Root CA"
spki_sha256 = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
"#,
            "test",
        )
        .unwrap()
    }

    fn with_profile() -> Policy {
        Policy {
            profile: Some(profile()),
            ..Policy::default()
        }
    }

    /// What the profile expects: its name, organization, a 4096-bit key, its root.
    fn exo_tls() -> TlsFacts {
        let mut facts = tls();
        facts.chain[0] = sample::cert("mail.protection.outlook.com", "CN=Issuing");
        facts.chain[0].organization = Some("Microsoft Corporation".into());
        facts.chain[0].key_type = KeyType::Rsa;
        facts.chain[0].key_bits = 4096;
        facts
    }

    #[test]
    fn profile_expectations_hold() {
        assert!(codes(&address(Some(exo_tls()), None), &with_profile()).is_empty());
    }

    #[test]
    fn root_mismatch_is_by_key_not_name() {
        let mut facts = exo_tls();
        // Same name as the expected root, different key.
        facts.anchor = Some(Anchor {
            subject: "CN=Contoso Root CA".into(),
            spki_sha256: "dd".repeat(32),
            sha256: None,
            source: AnchorSource::TrustStore,
        });
        let a = address(Some(facts), None);
        assert_eq!(codes(&a, &with_profile()), vec![Code::RootMismatch]);
        let m = message(&a, &with_profile(), Code::RootMismatch);
        assert!(m.contains("the name matches but the key does not"), "{m}");
    }

    #[test]
    fn profile_name_org_and_key_size() {
        let mut facts = exo_tls();
        facts.chain[0].common_name = Some("mx.contoso.test".into());
        facts.chain[0].san_dns = vec!["mx.contoso.test".into()];
        facts.chain[0].organization = None;
        facts.chain[0].key_bits = 2048;
        assert_eq!(
            codes(&address(Some(facts), None), &with_profile()),
            vec![
                Code::WeakKey,
                Code::CertNameUnexpected,
                Code::CertOrganizationUnexpected
            ]
        );
    }

    #[test]
    fn weak_signatures_are_named_and_are_the_one_cause() {
        let mut facts = tls();
        let mut inter = sample::cert("Contoso Issuing CA", "CN=Root");
        inter.signature_algorithm = "ecdsa-with-SHA1".into();
        inter.signature_algorithm_oid = Some("1.2.840.10045.4.1".into());
        let mut root = sample::cert("Root", "CN=Root");
        root.self_issued = true;
        root.signature_algorithm = "sha1WithRSAEncryption".into();
        facts.chain[0].signature_algorithm = "sha1WithRSAEncryption".into();
        facts.chain[0].signature_algorithm_oid = Some("1.2.840.113549.1.1.5".into());
        facts.chain.extend([inter, root]);
        facts.chain_valid = false;
        facts.chain_error = chain_error(
            ChainErrorKind::UnsupportedSignature,
            "UnsupportedSignatureAlgorithmContext",
        );
        let a = address(Some(facts.clone()), None);
        // Leaf and intermediate, not the root's self-signature; no cert-untrusted beside them.
        assert_eq!(
            codes(&a, &Policy::default()),
            vec![Code::WeakSignature, Code::WeakSignature]
        );
        let found = crate::diagnose::diagnose_address(&a, &Policy::default(), sample::NOW);
        assert!(
            found[0]
                .1
                .contains("\"mx.contoso.test\" is signed with sha1WithRSAEncryption (SHA-1)"),
            "{}",
            found[0].1
        );
        assert!(
            found[1].1.contains("chain certificate #1"),
            "{}",
            found[1].1
        );
        // A chain refused for another reason still says so.
        facts.chain_error = chain_error(ChainErrorKind::UnknownIssuer, "UnknownIssuer");
        facts.anchor = None;
        let c = codes(&address(Some(facts), None), &Policy::default());
        assert!(
            c.contains(&Code::CertUntrusted) && c.contains(&Code::WeakSignature),
            "{c:?}"
        );
    }

    #[test]
    fn default_key_minimum() {
        let mut facts = tls();
        facts.chain[0].key_type = KeyType::Rsa;
        facts.chain[0].key_bits = 1024;
        let a = address(Some(facts.clone()), None);
        assert_eq!(codes(&a, &Policy::default()), vec![Code::WeakKey]);
        assert!(message(&a, &Policy::default(), Code::WeakKey)
            .ends_with("RSA key of 1024 bits (minimum 2048)"));
        facts.chain[0].key_bits = 2048;
        assert!(codes(&address(Some(facts.clone()), None), &Policy::default()).is_empty());
        facts.chain[0].key_type = KeyType::Ec;
        facts.chain[0].key_bits = 224;
        assert_eq!(
            codes(&address(Some(facts), None), &Policy::default()),
            vec![Code::WeakKey]
        );
    }

    #[test]
    fn profile_anchor_outside_the_store_is_a_warning() {
        let mut facts = exo_tls();
        facts.chain_valid = false;
        facts.chain_error = chain_error(ChainErrorKind::UnknownIssuer, "UnknownIssuer");
        if let Some(a) = facts.anchor.as_mut() {
            a.source = AnchorSource::Profile;
        }
        assert_eq!(
            codes(&address(Some(facts), None), &with_profile()),
            vec![Code::AnchorNotInTrustStore]
        );
    }
}
