//! Which TLS versions an address accepts, and whether it offers forward secrecy, from separate
//! connections beside the main session.
//!
//! First round, concurrent with the main session: a rustls handshake offering only TLS 1.2, and a
//! raw ClientHello offering up to TLS 1.1. TLS 1.3 acceptance comes from the main session (it
//! offers 1.3 and 1.2, so a 1.2 answer means 1.3 is refused). Follow-ups, only when needed: a raw
//! TLS 1.0 hello when the server answered 1.1 (to learn about 1.0), and a raw TLS 1.2 hello with
//! static-RSA suites only when no ECDHE handshake succeeded. So a modern server costs 3
//! connections per address, a legacy or static-RSA one up to 5.

use rustls_pki_types::ServerName;
use tokio::time::Instant;

use crate::report::{Failure, VersionProbe, Versions};
use crate::smtp::session::{open_for_tls, SessionParams, SessionResult};
use crate::tls::handshake::{handshake_versions, HandshakeError, Negotiated};
use crate::tls::legacy::{
    alert_name, client_hello, send_hello, suite_facts, HelloOutcome, LEGACY_SUITES, MODERN_SUITES,
    STATIC_RSA_SUITES, TLS1_0, TLS1_1, TLS1_2,
};
use crate::vocab::{FailureKind, Phase, TlsVersion, VersionStatus};

/// The outcome of one probe connection.
#[derive(Debug, Clone)]
pub enum Attempt {
    /// The server chose this version and suite (and sent this chain, when it was in the clear).
    Hello {
        version: u16,
        suite: String,
        forward_secrecy: bool,
        chain: Vec<Vec<u8>>,
    },
    /// The server refused: an alert, or it closed the connection.
    Refused(String),
    /// The probe could not tell (timeout, I/O error, a malformed answer).
    Failed(String),
    /// SMTP never got to TLS (no STARTTLS, throttled, connection refused).
    NotReached(String),
}

impl Attempt {
    fn describe(&self) -> String {
        match self {
            Attempt::Hello { version, suite, .. } => {
                format!("ServerHello {} {suite}", TlsVersion::from_wire(*version))
            }
            Attempt::Refused(why) => format!("refused: {why}"),
            Attempt::Failed(why) => format!("error: {why}"),
            Attempt::NotReached(why) => format!("TLS not reached: {why}"),
        }
    }
}

fn not_reached(f: Failure) -> Attempt {
    Attempt::NotReached(format!("{} phase: {}", f.phase.as_str(), f.message))
}

/// A rustls handshake offering TLS 1.2 only.
pub async fn rustls_tls12(p: &SessionParams) -> Attempt {
    let tcp = match open_for_tls(p).await {
        Ok(t) => t,
        Err(f) => return not_reached(f),
    };
    let name = server_name(p);
    let client = p.client_auth();
    match handshake_versions(
        tcp,
        name,
        phase_deadline(p),
        &[&rustls::version::TLS12],
        &client,
    )
    .await
    {
        Ok((_, n)) => Attempt::Hello {
            version: TLS1_2,
            suite: n.cipher_suite,
            forward_secrecy: n.forward_secrecy,
            chain: n.chain.iter().map(|c| c.to_vec()).collect(),
        },
        Err(HandshakeError::Timeout) => {
            Attempt::Failed("no answer to the handshake in time".into())
        }
        Err(e) if e.is_refusal() => Attempt::Refused(e.to_string()),
        Err(e) => Attempt::Failed(e.to_string()),
    }
}

/// A raw ClientHello offering versions up to `max` with `suites`.
pub async fn raw_hello(p: &SessionParams, max: u16, suites: &[u16]) -> Attempt {
    let mut tcp = match open_for_tls(p).await {
        Ok(t) => t,
        Err(f) => return not_reached(f),
    };
    match send_hello(
        &mut tcp,
        &client_hello(max, suites, sni(p)),
        phase_deadline(p),
    )
    .await
    {
        // A suite we did not offer is a broken server, not an answer about versions.
        Ok(HelloOutcome::ServerHello { suite, .. }) if !suites.contains(&suite) => Attempt::Failed(
            format!("the server chose cipher suite 0x{suite:04x}, which was not offered"),
        ),
        Ok(HelloOutcome::ServerHello {
            version,
            suite,
            chain,
        }) => {
            let (suite, forward_secrecy) = suite_facts(suite);
            Attempt::Hello {
                version,
                suite,
                forward_secrecy,
                chain,
            }
        }
        Ok(HelloOutcome::Alert(code)) => Attempt::Refused(format!("alert {}", alert_name(code))),
        Ok(HelloOutcome::Closed) => Attempt::Refused("connection closed".into()),
        Err(e) => Attempt::Failed(e.to_string()),
    }
}

/// What the port answers to a TLS ClientHello sent at once, without SMTP: asked when it sent no
/// greeting, to tell an SMTPS port (TLS first) from a silent server. `None` when nothing TLS came
/// back.
pub async fn answers_tls_at_once(p: &SessionParams) -> Option<String> {
    let mut at_once = p.clone();
    at_once.implicit_tls = true;
    let mut tcp = open_for_tls(&at_once).await.ok()?;
    let suites: Vec<u16> = MODERN_SUITES.iter().chain(LEGACY_SUITES).copied().collect();
    let hello = client_hello(TLS1_2, &suites, sni(p));
    match send_hello(&mut tcp, &hello, phase_deadline(p)).await {
        Ok(HelloOutcome::ServerHello { version, suite, .. }) => Some(format!(
            "ServerHello {} {}",
            TlsVersion::from_wire(version),
            suite_facts(suite).0
        )),
        Ok(HelloOutcome::Alert(code)) => Some(format!("alert {}", alert_name(code))),
        Ok(HelloOutcome::Closed) | Err(_) => None,
    }
}

/// The end of one probe phase: the phase timeout, never past the run deadline.
pub(crate) fn phase_deadline(p: &SessionParams) -> Instant {
    (Instant::now() + p.phase_timeout).min(p.run_deadline)
}

/// The name for SNI and the handshake: the host name, or the address for IP literals.
pub(crate) fn server_name(p: &SessionParams) -> ServerName<'static> {
    p.host_name
        .as_ref()
        .and_then(|h| ServerName::try_from(h.clone()).ok())
        .unwrap_or_else(|| ServerName::IpAddress(p.addr.ip().into()))
}

/// The host name to send as SNI in a raw hello (none for IP literals, RFC 6066 §3).
pub(crate) fn sni(p: &SessionParams) -> Option<&str> {
    p.host_name
        .as_deref()
        .filter(|h| h.parse::<std::net::IpAddr>().is_err())
}

/// Versions, and — when no rustls handshake succeeded but a raw probe got a ServerHello — the
/// facts of the best such hello, to report the TLS the server does speak.
pub struct Assessment {
    pub versions: Versions,
    pub fallback: Option<Negotiated>,
}

/// Combines the main session and the first-round probes, running follow-ups where needed.
/// `None` when the session never reached TLS (nothing to say about versions).
pub async fn assess(
    p: &SessionParams,
    main: &SessionResult,
    tls12: Attempt,
    legacy: Attempt,
) -> Option<Assessment> {
    let main_status = match (&main.negotiated, &main.error) {
        (Some(n), _) => Some(n.version),
        // Not TLS at all: a plaintext SMTP port given --implicit-tls.
        (
            None,
            Some(Failure {
                kind: FailureKind::PlaintextSmtp,
                ..
            }),
        ) => return None,
        (
            None,
            Some(Failure {
                phase: Phase::Handshake,
                ..
            }),
        ) => None,
        _ => return None,
    };
    let mut probes = vec![VersionProbe {
        offered: "TLSv1.3 and TLSv1.2 (main session, rustls)".into(),
        result: match (&main.negotiated, &main.error) {
            (Some(n), _) => format!("handshake {} {}", n.version, n.cipher_suite),
            (None, Some(e)) => format!("failed: {}", e.message),
            (None, None) => "no handshake".into(),
        },
    }];
    let handshake_timeout = matches!(&main.error, Some(e) if matches!(e.kind, FailureKind::Timeout | FailureKind::Deadline));
    let tls1_3 = match main_status {
        Some(TlsVersion::Tls13) => VersionStatus::Accepted,
        Some(_) => VersionStatus::Rejected,
        None if handshake_timeout => VersionStatus::Error,
        // A refusal says no to TLS 1.3; a protocol violation says nothing about it.
        None if main.handshake_refused => VersionStatus::Rejected,
        None => VersionStatus::Error,
    };
    probes.push(VersionProbe {
        offered: "TLSv1.2 only (rustls)".into(),
        result: tls12.describe(),
    });
    let mut tls1_2 = match (main_status, &tls12) {
        (Some(TlsVersion::Tls12), _) | (_, Attempt::Hello { .. }) => VersionStatus::Accepted,
        (_, Attempt::Refused(_)) => VersionStatus::Rejected,
        _ => VersionStatus::Error,
    };
    probes.push(VersionProbe {
        offered: "up to TLSv1.1 (raw ClientHello)".into(),
        result: legacy.describe(),
    });

    // Follow-ups, concurrently: TLS 1.0 when 1.1 was accepted; static RSA when no ECDHE handshake.
    let need_tls10 = matches!(&legacy, Attempt::Hello { version, .. } if *version == TLS1_1);
    let no_modern = tls1_3 != VersionStatus::Accepted && tls1_2 != VersionStatus::Accepted;
    let (tls10, static_rsa) = tokio::join!(
        async {
            if need_tls10 {
                Some(raw_hello(p, TLS1_0, LEGACY_SUITES).await)
            } else {
                None
            }
        },
        async {
            if no_modern {
                Some(raw_hello(p, TLS1_2, STATIC_RSA_SUITES).await)
            } else {
                None
            }
        }
    );

    let (mut tls1_0, tls1_1) = match &legacy {
        Attempt::Hello { version, .. } if *version == TLS1_1 => {
            (VersionStatus::Error, VersionStatus::Accepted)
        }
        Attempt::Hello { version, .. } if *version == TLS1_0 => {
            (VersionStatus::Accepted, VersionStatus::Rejected)
        }
        // A server answering a higher version than offered breaks the protocol: neither is usable.
        Attempt::Hello { .. } | Attempt::Refused(_) => {
            (VersionStatus::Rejected, VersionStatus::Rejected)
        }
        Attempt::Failed(_) | Attempt::NotReached(_) => (VersionStatus::Error, VersionStatus::Error),
    };
    let mut best_legacy = match &legacy {
        Attempt::Hello { version, .. } if *version <= TLS1_1 => Some(legacy.clone()),
        _ => None,
    };
    if let Some(a) = &tls10 {
        probes.push(VersionProbe {
            offered: "TLSv1.0 (raw ClientHello)".into(),
            result: a.describe(),
        });
        tls1_0 = match a {
            Attempt::Hello { version, .. } if *version == TLS1_0 => VersionStatus::Accepted,
            Attempt::Hello { .. } | Attempt::Refused(_) => VersionStatus::Rejected,
            _ => VersionStatus::Error,
        };
        if best_legacy.is_none()
            && matches!(a, Attempt::Hello { version, .. } if *version == TLS1_0)
        {
            best_legacy = Some(a.clone());
        }
    }
    let mut static_status = None;
    let mut fallback_attempt = None;
    if let Some(a) = &static_rsa {
        probes.push(VersionProbe {
            offered: "TLSv1.2 static RSA only (raw ClientHello)".into(),
            result: a.describe(),
        });
        static_status = Some(match a {
            Attempt::Hello { version, .. } if *version == TLS1_2 => {
                tls1_2 = VersionStatus::Accepted;
                fallback_attempt = Some(a.clone());
                VersionStatus::Accepted
            }
            Attempt::Hello { .. } | Attempt::Refused(_) => VersionStatus::Rejected,
            _ => VersionStatus::Error,
        });
    }
    if main.negotiated.is_none() && fallback_attempt.is_none() {
        fallback_attempt = best_legacy;
    }
    let fallback = fallback_attempt.and_then(|a| match a {
        Attempt::Hello {
            version,
            suite,
            forward_secrecy,
            chain,
        } => Some(Negotiated {
            version: TlsVersion::from_wire(version),
            cipher_suite: suite,
            kx_group: None,
            post_quantum: false,
            forward_secrecy,
            sni: p.host_name.clone(),
            chain: chain
                .into_iter()
                .map(rustls_pki_types::CertificateDer::from)
                .collect(),
            stapled_ocsp: None,
        }),
        _ => None,
    });
    Some(Assessment {
        versions: Versions {
            tls1_0,
            tls1_1,
            tls1_2,
            tls1_3,
            static_rsa: static_status,
            probes,
        },
        fallback,
    })
}
