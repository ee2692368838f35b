//! Rules about TLS itself: the versions an address accepts, the negotiated version against the
//! one required, forward secrecy, and mutual TLS (our client certificate refused or missing).

use super::{At, Found};
use crate::finding::Code;
use crate::report::{AddressReport, CipherList, Failure, TlsFacts};
use crate::vocab::VersionStatus;

/// TLS 1.0/1.1 accepted, alone or beside TLS 1.2+.
pub(super) fn versions(a: &AddressReport, at: &At<'_>) -> Vec<Found> {
    let Some(v) = &a.versions else {
        return vec![];
    };
    let accepted = |s: VersionStatus| s == VersionStatus::Accepted;
    let legacy = accepted(v.tls1_0) || accepted(v.tls1_1);
    let modern = accepted(v.tls1_2) || accepted(v.tls1_3);
    let list = format!(
        "TLS 1.0 {}, 1.1 {}, 1.2 {}, 1.3 {}",
        v.tls1_0, v.tls1_1, v.tls1_2, v.tls1_3
    );
    if legacy && !modern {
        vec![at.found(
            Code::TlsLegacyOnly,
            format!("this server accepts only TLS 1.0/1.1 ({list}); Exchange Online will drop the connection: enable TLS 1.2"),
        )]
    } else if legacy {
        vec![at.found(Code::TlsLegacyAccepted, list)]
    } else {
        vec![]
    }
}

/// The key exchange a sender gets beside what the main session saw: a DH group under 2048 bits
/// (negotiated, answered to the raw TLS 1.2 hello, or used by the DHE suites `--ciphers` found
/// where a sender would get one), static RSA for TLS 1.2 senders beside a TLS 1.3 with forward
/// secrecy, and the anonymous suites `--ciphers` found accepted.
pub(super) fn key_exchange(a: &AddressReport, at: &At<'_>) -> Vec<Found> {
    let mut out: Vec<Found> = weak_dh(a, at).into_iter().collect();
    let fs_main = a.tls.as_ref().is_some_and(|t| t.forward_secrecy);
    let static12 = a
        .versions
        .as_ref()
        .is_some_and(|v| v.static_rsa == Some(VersionStatus::Accepted));
    if fs_main && static12 {
        out.push(at.found(
            Code::NoForwardSecrecy,
            "TLS 1.2 senders get static-RSA key exchange (no ECDHE or DHE suite for TLS 1.2); the main session had forward secrecy".to_string(),
        ));
    }
    let mut anonymous: Vec<&str> = Vec::new();
    for suite in a.ciphers.iter().flatten().flat_map(|l| &l.suites) {
        if suite.contains("_anon_") && !anonymous.contains(&suite.as_str()) {
            anonymous.push(suite);
        }
    }
    if let [first, rest @ ..] = anonymous.as_slice() {
        let more = match rest.len() {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        out.push(at.found(
            Code::AnonymousSuitesAccepted,
            format!(
                "the server accepts {} anonymous suite(s), e.g. {first}{more} (see the cipher list)",
                anonymous.len()
            ),
        ));
    }
    out
}

/// The first DH group under 2048 bits a sender gets: negotiated, answered to the raw TLS 1.2
/// hello, or used by the DHE suites of a `--ciphers` list where a sender would pick DHE (no
/// ECDHE suite, or the server's own order puts DHE first).
fn weak_dh(a: &AddressReport, at: &At<'_>) -> Option<Found> {
    let negotiated = a
        .tls
        .as_ref()
        .and_then(|t| t.dh_bits)
        .map(|bits| (bits, "the server negotiated DHE with"));
    // The main session may have spoken TLS 1.3 while a TLS 1.2 sender gets DHE.
    let tls12 = a
        .versions
        .as_ref()
        .and_then(|v| v.tls12_dh_bits)
        .map(|bits| (bits, "TLS 1.2 senders get DHE with"));
    let dhe_first = |l: &&CipherList| {
        let ecdhe = l.suites.iter().any(|s| s.contains("_ECDHE_"));
        let first_dhe = l.suites.first().is_some_and(|s| s.contains("_DHE_"));
        !ecdhe || (l.server_preference == Some(true) && first_dhe)
    };
    let enumerated = a
        .ciphers
        .iter()
        .flatten()
        .filter(dhe_first)
        .filter_map(|l| l.dh_bits)
        .min()
        .map(|bits| (bits, "the server's DHE suites, which senders get, use"));
    let (bits, how) = [negotiated, tls12, enumerated]
        .into_iter()
        .flatten()
        .find(|(bits, _)| *bits < 2048)?;
    Some(at.found(
        Code::WeakDhGroup,
        format!("{how} a {bits}-bit Diffie-Hellman group; OpenSSL 3 senders at security level 2 refuse it ('dh key too small')"),
    ))
}

/// Forward secrecy, and the negotiated version against the one required.
pub(super) fn rules(tls: &TlsFacts, at: &At<'_>) -> Vec<Found> {
    let mut out = Vec::new();
    if !tls.forward_secrecy {
        out.push(at.found(
            Code::NoForwardSecrecy,
            format!(
                "{} {} uses static-RSA key exchange; no ECDHE suite was accepted",
                tls.version, tls.cipher_suite
            ),
        ));
    }
    if let Some(required) = at.policy.required_tls() {
        if !tls.version.meets(required) {
            out.push(at.found(
                Code::TlsBelowRequired,
                format!("negotiated {}, required {required}", tls.version),
            ));
        }
    }
    out
}

/// Our client certificate refused, or a certificate required and none presented.
pub(super) fn client_auth(tls: &TlsFacts, error: Option<&Failure>, at: &At<'_>) -> Vec<Found> {
    let Some(auth) = &tls.client_auth else {
        return vec![];
    };
    // What the server said when it ended the session.
    let said = error
        .map(|e| match &e.reply {
            Some(r) => format!(" (server: {})", r.text()),
            None => format!(" ({})", e.message),
        })
        .unwrap_or_default();
    let cas = if auth.ca_names.is_empty() {
        String::new()
    } else {
        format!(
            "; it accepts certificates from: {}",
            auth.ca_names.join("; ")
        )
    };
    match (&auth.presented, auth.accepted, auth.requested) {
        (Some(subject), Some(false), _) => vec![at.found(
            Code::ClientCertRejected,
            format!("the server refused our client certificate {subject:?}{said}{cas}"),
        )],
        (None, Some(false), true) => vec![at.found(
            Code::ClientCertRequired,
            format!("the server asked for a client certificate and ended the session without one{said}{cas}"),
        )],
        _ => vec![],
    }
}

/// The session failed because of client authentication (one of the client-cert findings applies).
pub(super) fn client_auth_failed(tls: Option<&TlsFacts>) -> bool {
    tls.and_then(|t| t.client_auth.as_ref())
        .is_some_and(|c| c.accepted == Some(false) && (c.presented.is_some() || c.requested))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::fixtures::{address, codes, message, tls, versions};
    use crate::diagnose::Policy;
    use crate::report::ClientAuth;
    use crate::vocab::{FailureKind, Phase, TlsVersion};

    fn requiring(v: TlsVersion) -> Policy {
        Policy {
            require_tls: Some(v),
            ..Policy::default()
        }
    }

    #[test]
    fn legacy_versions_are_judged() {
        use VersionStatus::{Accepted as A, Error as E, Rejected as R};
        let mut a = address(Some(tls()), None);
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
        let mut facts = tls();
        facts.handshake_completed = false;
        facts.version = TlsVersion::Tls11;
        facts.cipher_suite = "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA".into();
        let mut a = address(
            Some(facts),
            Some(Failure::new(Phase::Handshake, FailureKind::Tls, "alert")),
        );
        a.versions = Some(versions([A, A, R, R]));
        assert_eq!(
            codes(&a, &Policy::default()),
            vec![Code::TlsLegacyOnly],
            "no tls-handshake-failed"
        );
        assert!(message(&a, &Policy::default(), Code::TlsLegacyOnly)
            .contains("Exchange Online will drop the connection"));
        assert_eq!(
            codes(&a, &requiring(TlsVersion::Tls12)),
            vec![Code::TlsLegacyOnly, Code::TlsBelowRequired]
        );
    }

    #[test]
    fn static_rsa_is_no_forward_secrecy_not_a_failed_handshake() {
        use VersionStatus::{Accepted as A, Rejected as R};
        let mut facts = tls();
        facts.handshake_completed = false;
        facts.version = TlsVersion::Tls12;
        facts.cipher_suite = "TLS_RSA_WITH_AES_256_GCM_SHA384".into();
        facts.forward_secrecy = false;
        facts.kx_group = None;
        let failed = || Failure::new(Phase::Handshake, FailureKind::Tls, "handshake_failure");
        let mut a = address(Some(facts), Some(failed()));
        let mut v = versions([R, R, A, R]);
        v.static_rsa = Some(A);
        a.versions = Some(v);
        assert_eq!(codes(&a, &Policy::default()), vec![Code::NoForwardSecrecy]);
        // Without a raw ServerHello, the failed handshake is reported as such.
        let a = address(None, Some(failed()));
        assert_eq!(
            codes(&a, &Policy::default()),
            vec![Code::TlsHandshakeFailed]
        );
    }

    #[test]
    fn a_small_dh_group_and_anonymous_suites_are_named() {
        use VersionStatus::{Accepted as A, Rejected as R};
        // A DHE-only server rustls could not talk to: the facts come from the raw ServerHello.
        let mut facts = tls();
        facts.handshake_completed = false;
        facts.version = TlsVersion::Tls12;
        facts.cipher_suite = "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384".into();
        facts.kx_group = Some("DHE 1024".into());
        facts.dh_bits = Some(1024);
        facts.client_limits = vec![crate::vocab::ClientLimit::NoDhe];
        let failed = || Failure::new(Phase::Handshake, FailureKind::Tls, "handshake_failure");
        let mut a = address(Some(facts.clone()), Some(failed()));
        a.versions = Some(versions([R, R, A, R]));
        assert_eq!(
            codes(&a, &Policy::default()),
            vec![Code::WeakDhGroup],
            "no tls-handshake-failed, no no-forward-secrecy"
        );
        let m = message(&a, &Policy::default(), Code::WeakDhGroup);
        assert!(
            m.contains("1024-bit") && m.contains("security level 2"),
            "{m}"
        );
        // 2048 bits is enough.
        facts.dh_bits = Some(2048);
        a.tls = Some(facts.clone());
        assert!(codes(&a, &Policy::default()).is_empty());

        // TLS 1.3 in the main session, DHE over 1024 bits for a TLS 1.2 sender.
        let mut a = address(Some(tls()), None);
        let mut v = versions([R, R, A, A]);
        v.tls12_dh_bits = Some(1024);
        a.versions = Some(v);
        assert_eq!(codes(&a, &Policy::default()), vec![Code::WeakDhGroup]);
        assert!(message(&a, &Policy::default(), Code::WeakDhGroup)
            .contains("TLS 1.2 senders get DHE with a 1024-bit"));

        // --ciphers: the DHE group where a sender would get DHE, and anonymous suites (each
        // counted once, whatever the versions that accept it) as information.
        let list = |version, suites: &[&str], dh_bits| CipherList {
            version,
            suites: suites.iter().map(|s| s.to_string()).collect(),
            server_preference: Some(true),
            dh_bits,
        };
        let ecdhe = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
        let dhe = "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256";
        let anon = "TLS_DH_anon_WITH_AES_256_CBC_SHA";
        let mut a = address(Some(tls()), None);
        a.ciphers = Some(vec![
            list(TlsVersion::Tls11, &[ecdhe, dhe, anon], Some(1024)),
            list(TlsVersion::Tls12, &[ecdhe, dhe, anon], Some(1536)),
        ]);
        assert_eq!(
            codes(&a, &Policy::default()),
            vec![Code::AnonymousSuitesAccepted],
            "ECDHE first: senders never get the small DHE group"
        );
        assert!(
            message(&a, &Policy::default(), Code::AnonymousSuitesAccepted).contains(
                "accepts 1 anonymous suite(s), e.g. TLS_DH_anon_WITH_AES_256_CBC_SHA (see"
            )
        );
        a.ciphers = Some(vec![list(TlsVersion::Tls12, &[dhe, ecdhe], Some(1536))]);
        assert_eq!(codes(&a, &Policy::default()), vec![Code::WeakDhGroup]);
        assert!(message(&a, &Policy::default(), Code::WeakDhGroup)
            .contains("the server's DHE suites, which senders get, use a 1536-bit"));
        a.ciphers = Some(vec![list(TlsVersion::Tls12, &[dhe], Some(1024))]);
        assert_eq!(codes(&a, &Policy::default()), vec![Code::WeakDhGroup]);

        // Static RSA for TLS 1.2 senders beside a TLS 1.3 main session.
        let mut a = address(Some(tls()), None);
        let mut v = versions([R, R, A, A]);
        v.static_rsa = Some(A);
        a.versions = Some(v);
        assert_eq!(codes(&a, &Policy::default()), vec![Code::NoForwardSecrecy]);
        assert_eq!(
            Code::AnonymousSuitesAccepted.severity(),
            crate::finding::Severity::Info
        );
    }

    #[test]
    fn the_negotiated_version_meets_the_requirement_or_not() {
        let mut facts = tls();
        facts.version = TlsVersion::Tls12;
        let a = address(Some(facts.clone()), None);
        assert!(codes(&a, &requiring(TlsVersion::Tls12)).is_empty());
        assert_eq!(
            codes(&a, &requiring(TlsVersion::Tls13)),
            vec![Code::TlsBelowRequired]
        );
        // A version without a name never meets a minimum.
        facts.version = TlsVersion::Other(0x7f1c);
        let a = address(Some(facts), None);
        assert!(
            message(&a, &requiring(TlsVersion::Tls12), Code::TlsBelowRequired)
                .ends_with("negotiated 0x7f1c, required TLSv1.2")
        );
    }

    #[test]
    fn client_certificate_outcomes() {
        let mut facts = tls();
        facts.client_auth = Some(ClientAuth {
            requested: true,
            ca_names: vec!["CN=Partner CA".into()],
            presented: Some("CN=us".into()),
            accepted: Some(false),
        });
        let a = address(Some(facts.clone()), None);
        let m = message(&a, &Policy::default(), Code::ClientCertRejected);
        assert!(m.contains("CN=Partner CA"), "{m}");
        facts.client_auth = Some(ClientAuth {
            requested: true,
            ca_names: vec![],
            presented: None,
            accepted: Some(false),
        });
        assert!(
            codes(&address(Some(facts.clone()), None), &Policy::default())
                .contains(&Code::ClientCertRequired)
        );
        facts.client_auth = Some(ClientAuth {
            requested: true,
            ca_names: vec![],
            presented: Some("CN=us".into()),
            accepted: Some(true),
        });
        let c = codes(&address(Some(facts), None), &Policy::default());
        assert!(!c.contains(&Code::ClientCertRejected) && !c.contains(&Code::ClientCertRequired));
    }
}
