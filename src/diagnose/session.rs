//! Rules about the SMTP session of one address: where and why it stopped (connection, timeouts,
//! throttling, rejections, protocol errors, STARTTLS injection), and whether STARTTLS was offered.

use super::{tls, At, Found};
use crate::finding::Code;
use crate::report::{AddressReport, Failure, TlsFacts};
use crate::vocab::{FailureKind, Phase, TlsVersion};

pub(super) fn rules(a: &AddressReport, at: &At<'_>) -> Vec<Found> {
    let mut out = Vec::new();
    if let Some(e) = a.error.as_ref().filter(|e| !explained_elsewhere(a, e)) {
        out.push(stopped(e, at));
    }
    if a.smtp.ehlo.is_some() && !a.smtp.starttls_offered && !a.implicit_tls && a.tls.is_none() {
        let keywords = if a.smtp.ehlo_keywords.is_empty() {
            "no extensions".to_string()
        } else {
            a.smtp.ehlo_keywords.join(", ")
        };
        out.push(at.found(
            Code::StarttlsNotOffered,
            format!("EHLO offered {keywords}; no STARTTLS"),
        ));
    }
    out
}

/// A failure another rule explains more precisely: a failed modern handshake when a raw probe
/// found what the server does speak and our client lacks (legacy TLS, static RSA, DHE, a suite
/// or group rustls does not have: `client_limits`; reports written before that field existed
/// name no limit, and their raw facts were legacy or static RSA), and a session that ends after the
/// handshake because the server refused (or missed) our client certificate, which is
/// client-cert-rejected / -required, not throttling or a protocol error (Postfix answers EHLO with
/// "421 4.7.1 ... Client certificate not trusted").
fn explained_elsewhere(a: &AddressReport, e: &Failure) -> bool {
    let ours = |t: &TlsFacts| {
        !t.client_limits.is_empty() || !t.version.meets(TlsVersion::Tls12) || !t.forward_secrecy
    };
    let by_probe = e.phase == Phase::Handshake
        && a.tls
            .as_ref()
            .is_some_and(|t| !t.handshake_completed && ours(t));
    let by_client_auth = tls::client_auth_failed(a.tls.as_ref())
        && matches!(e.phase, Phase::Handshake | Phase::TlsEhlo | Phase::Quit);
    by_probe || by_client_auth
}

/// The finding of a session that stopped early.
fn stopped(e: &Failure, at: &At<'_>) -> Found {
    let code = match (e.phase, e.kind) {
        (_, FailureKind::Throttled) => Code::SmtpThrottled,
        (Phase::Connect, FailureKind::Refused | FailureKind::Io | FailureKind::Closed) => {
            Code::ConnectFailed
        }
        (Phase::Connect, FailureKind::Timeout | FailureKind::Unreachable) => Code::PortUnreachable,
        // Our own deadline, not the server's silence.
        (Phase::Connect, FailureKind::Deadline) => Code::RunDeadline,
        // The wrong mode for the port: our choice, not the server's failure.
        (_, FailureKind::TlsExpected) => Code::PortExpectsImplicitTls,
        (_, FailureKind::PlaintextSmtp) => Code::PortSpeaksPlaintext,
        (Phase::Handshake, _) => Code::TlsHandshakeFailed,
        (_, FailureKind::Timeout | FailureKind::Deadline) => Code::SmtpTimeout,
        (Phase::Starttls, FailureKind::Rejected) => Code::StarttlsRefused,
        (_, FailureKind::PlaintextInjection) => Code::StarttlsPlaintextInjection,
        (_, FailureKind::Rejected) => Code::SmtpRejected,
        _ => Code::SmtpProtocolError,
    };
    let reply = e
        .reply
        .as_ref()
        .map(|r| format!(" ({})", r.text()))
        .unwrap_or_default();
    match code {
        Code::SmtpThrottled => at.found(
            code,
            format!("the server is throttling us in {}{reply}", e.phase),
        ),
        _ => {
            // The reply, unless the message already quotes it.
            let reply = if e.message.contains(reply.trim()) {
                ""
            } else {
                &reply
            };
            at.found(code, format!("{} phase: {}{reply}", e.phase, e.message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::fixtures::{address, codes, message, tls, NOW};
    use crate::diagnose::{diagnose_target, target_verdict, Policy};
    use crate::report::SmtpFacts;
    use crate::sample;
    use crate::smtp::reply::ReplySummary;
    use crate::vocab::Verdict;

    #[test]
    fn starttls_not_offered_is_an_error() {
        let mut a = address(None, None);
        a.smtp.starttls_offered = false;
        a.smtp.ehlo_keywords = vec!["PIPELINING".into()];
        assert_eq!(
            codes(&a, &Policy::default()),
            vec![Code::StarttlsNotOffered]
        );
        assert!(message(&a, &Policy::default(), Code::StarttlsNotOffered)
            .ends_with("EHLO offered PIPELINING; no STARTTLS"));
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
        let t = sample::target("contoso.test", "mx.contoso.test", vec![a]);
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
        for (phase, kind, code) in [
            (Phase::Connect, FailureKind::Refused, Code::ConnectFailed),
            (Phase::Connect, FailureKind::Timeout, Code::PortUnreachable),
            (
                Phase::Connect,
                FailureKind::Unreachable,
                Code::PortUnreachable,
            ),
            (Phase::Connect, FailureKind::Deadline, Code::RunDeadline),
            (Phase::Greeting, FailureKind::Timeout, Code::SmtpTimeout),
            (
                Phase::Greeting,
                FailureKind::Protocol,
                Code::SmtpProtocolError,
            ),
            (Phase::Greeting, FailureKind::Rejected, Code::SmtpRejected),
            (Phase::Handshake, FailureKind::Tls, Code::TlsHandshakeFailed),
            (
                Phase::Starttls,
                FailureKind::PlaintextInjection,
                Code::StarttlsPlaintextInjection,
            ),
        ] {
            assert_eq!(codes(&mk(phase, kind), &p), vec![code], "{phase} {kind}");
        }
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
        let m = message(&a, &Policy::default(), Code::StarttlsRefused);
        assert!(m.contains("TLS not available"), "{m}");
        assert!(m.starts_with("192.0.2.1:25: starttls phase: "), "{m}");
    }

    #[test]
    fn a_failed_handshake_explained_by_a_raw_probe_is_not_reported_twice() {
        let mut facts = tls();
        facts.handshake_completed = false;
        facts.client_limits = vec![crate::vocab::ClientLimit::NoDhe];
        let failed = || Some(Failure::new(Phase::Handshake, FailureKind::Tls, "alert"));
        let a = address(Some(facts.clone()), failed());
        assert!(!codes(&a, &Policy::default()).contains(&Code::TlsHandshakeFailed));
        // The raw answer names what rustls has: its refusal had another cause, which stands.
        facts.client_limits.clear();
        let a = address(Some(facts), failed());
        assert!(codes(&a, &Policy::default()).contains(&Code::TlsHandshakeFailed));
    }
}
