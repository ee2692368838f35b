//! Which TLS versions an address accepts, and whether it offers forward secrecy, from separate
//! connections beside the main session.
//!
//! First round, concurrent with the main session: a rustls handshake offering only TLS 1.2, and a
//! raw ClientHello offering up to TLS 1.1. TLS 1.3 acceptance comes from the main session (it
//! offers 1.3 and 1.2, so a 1.2 answer means 1.3 is refused). Follow-ups, only when needed: a raw
//! TLS 1.0 hello when the server answered 1.1 (to learn about 1.0), and, when no rustls handshake
//! succeeded, a raw TLS 1.3 hello and a raw TLS 1.2 hello offering every suite (ECDHE, DHE, static
//! RSA, CBC, 3DES). Those answer what rustls cannot: a server that speaks only DHE, or only suites
//! or groups rustls lacks, is judged by what it accepts, and what our client could not do is said
//! as a client limit, never as the server's refusal. So a modern server costs 3 connections per
//! address, one rustls cannot talk to up to 6.

use rustls_pki_types::ServerName;
use tokio::time::Instant;

use crate::report::{Failure, VersionProbe, Versions};
use crate::smtp::session::{
    open_for_tls, open_for_tls_asking_mail, MailAnswer, SessionParams, SessionResult,
};
use crate::tls::handshake::{
    handshake_versions, rustls_has_group, rustls_has_suite, HandshakeError, Negotiated,
};
use crate::tls::legacy::{
    alert_name, client_hello, client_hello13, group_label, send_hello, suite_facts, HelloOutcome,
    KeyExchange, LEGACY_SUITES, MODERN_SUITES, TLS12_SUITES, TLS13_SUITES, TLS1_0, TLS1_1, TLS1_2,
    TLS1_3,
};
use crate::vocab::{ClientLimit, FailureKind, Phase, TlsVersion, VersionStatus};

/// The outcome of one probe connection.
#[derive(Debug, Clone)]
pub enum Attempt {
    /// The server chose this version and suite (and sent this chain, when it was in the clear,
    /// and this key exchange, when the flight shows it).
    Hello {
        version: u16,
        suite: u16,
        chain: Vec<Vec<u8>>,
        kx: Option<KeyExchange>,
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
            Attempt::Hello {
                version, suite, kx, ..
            } => {
                let mut s = format!(
                    "ServerHello {} {}",
                    TlsVersion::from_wire(*version),
                    suite_facts(*suite).0
                );
                if let Some(kx) = kx {
                    s.push_str(&format!(" ({})", kx.label()));
                }
                s
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

/// A rustls handshake offering TLS 1.2 only, on the connection that also asks the MAIL question
/// ([`open_for_tls_asking_mail`]); with its answer.
pub async fn rustls_tls12(p: &SessionParams) -> (Attempt, Option<MailAnswer>) {
    let (tcp, mail) = open_for_tls_asking_mail(p).await;
    let attempt = match tcp {
        Ok(tcp) => rustls_tls12_on(p, tcp).await,
        Err(f) => not_reached(f),
    };
    (attempt, mail)
}

async fn rustls_tls12_on(p: &SessionParams, tcp: crate::politeness::Connection) -> Attempt {
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
            suite: n.suite_id,
            chain: n.chain.iter().map(|c| c.to_vec()).collect(),
            kx: None,
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
    send_raw(p, &client_hello(max, suites, sni(p)), suites).await
}

/// A raw ClientHello offering TLS 1.3 only, with every group (any TLS 1.3 server can answer it,
/// whatever its key or groups).
pub async fn raw_hello13(p: &SessionParams) -> Attempt {
    send_raw(p, &client_hello13(TLS13_SUITES, sni(p)), TLS13_SUITES).await
}

async fn send_raw(p: &SessionParams, hello: &[u8], suites: &[u16]) -> Attempt {
    let mut tcp = match open_for_tls(p).await {
        Ok(t) => t,
        Err(f) => return not_reached(f),
    };
    match send_hello(&mut tcp, hello, phase_deadline(p)).await {
        // A suite we did not offer is a broken server, not an answer about versions.
        Ok(HelloOutcome::ServerHello { suite, .. }) if !suites.contains(&suite) => Attempt::Failed(
            format!("the server chose cipher suite 0x{suite:04x}, which was not offered"),
        ),
        Ok(HelloOutcome::ServerHello {
            version,
            suite,
            chain,
            kx,
        }) => Attempt::Hello {
            version,
            suite,
            chain,
            kx,
        },
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
fn server_name(p: &SessionParams) -> ServerName<'static> {
    p.server_name()
}

/// The host name to send as SNI in a raw hello (none for IP literals, RFC 6066 §3, nor with
/// `--no-sni`).
pub(crate) fn sni(p: &SessionParams) -> Option<&str> {
    p.sni_name()
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
    let main_version = match (&main.negotiated, &main.error) {
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
    let (mut tls1_3, mut tls1_2, mut probes) = first_round(main, main_version, &tls12, &legacy);

    // Follow-ups, concurrently: TLS 1.0 when 1.1 was accepted; TLS 1.3 and every TLS 1.2 suite,
    // raw, when the server refused every rustls hello (it may want what rustls lacks). A server
    // that broke the protocol (an oversized or garbled message) gets no second chance: its
    // failure is its own, whatever a raw hello would be answered.
    // A server that took rustls' TLS 1.3 hello may still refuse its TLS 1.2 one for want of a
    // shared suite (DHE only): the raw TLS 1.2 hello tells whether TLS 1.2 is really rejected.
    let need_tls10 = matches!(&legacy, Attempt::Hello { version, .. } if *version == TLS1_1);
    let no_modern = main.handshake_refused
        && tls1_3 != VersionStatus::Accepted
        && tls1_2 != VersionStatus::Accepted;
    let tls12_refused = matches!(tls12, Attempt::Refused(_)) && tls1_2 == VersionStatus::Rejected;
    let (tls10, raw13, raw12) = tokio::join!(
        maybe(need_tls10, raw_hello(p, TLS1_0, LEGACY_SUITES)),
        maybe(no_modern, raw_hello13(p)),
        maybe(
            no_modern || tls12_refused,
            raw_hello(p, TLS1_2, TLS12_SUITES)
        ),
    );
    let (tls1_0, tls1_1, best_legacy) = legacy_versions(&legacy, tls10.as_ref(), &mut probes);
    if let Some(a) = &raw13 {
        probes.push(probe("TLSv1.3 only, every group (raw ClientHello)", a));
        tls1_3 = match a {
            Attempt::Hello { version, .. } if *version == TLS1_3 => VersionStatus::Accepted,
            Attempt::Hello { .. } | Attempt::Refused(_) => VersionStatus::Rejected,
            // The probe meant to decide could not: rustls' refusal alone says nothing.
            Attempt::Failed(_) | Attempt::NotReached(_) => VersionStatus::Error,
        };
    }
    let (mut static_rsa, mut tls12_dh_bits) = (None, None);
    if let Some(a) = &raw12 {
        probes.push(probe("TLSv1.2, every suite (raw ClientHello)", a));
        match a {
            Attempt::Hello {
                version, suite, kx, ..
            } if *version == TLS1_2 => {
                tls1_2 = VersionStatus::Accepted;
                static_rsa = (!suite_facts(*suite).1).then_some(VersionStatus::Accepted);
                if let Some(KeyExchange::Dh { bits, .. }) = kx {
                    tls12_dh_bits = Some(*bits);
                }
            }
            Attempt::Hello { .. } | Attempt::Refused(_) => {
                tls1_2 = VersionStatus::Rejected;
                static_rsa = Some(VersionStatus::Rejected);
            }
            Attempt::Failed(_) | Attempt::NotReached(_) => tls1_2 = VersionStatus::Error,
        }
    }
    let fallback = match main.negotiated {
        Some(_) => None,
        None => fallback(p, raw13.as_ref(), raw12.as_ref(), best_legacy),
    };
    Some(Assessment {
        versions: Versions {
            tls1_0,
            tls1_1,
            tls1_2,
            tls1_3,
            static_rsa,
            tls12_dh_bits,
            probes,
        },
        fallback,
    })
}

/// `future`'s outcome when `wanted`.
async fn maybe(
    wanted: bool,
    future: impl std::future::Future<Output = Attempt>,
) -> Option<Attempt> {
    match wanted {
        true => Some(future.await),
        false => None,
    }
}

fn probe(offered: &str, a: &Attempt) -> VersionProbe {
    VersionProbe {
        offered: offered.into(),
        result: a.describe(),
    }
}

/// TLS 1.3 and 1.2 from the main session and the rustls TLS 1.2 probe, and the probes so far.
fn first_round(
    main: &SessionResult,
    main_version: Option<TlsVersion>,
    tls12: &Attempt,
    legacy: &Attempt,
) -> (VersionStatus, VersionStatus, Vec<VersionProbe>) {
    let main_result = match (&main.negotiated, &main.error) {
        (Some(n), _) => format!("handshake {} {}", n.version, n.cipher_suite),
        (None, Some(e)) => format!("failed: {}", e.message),
        (None, None) => "no handshake".into(),
    };
    let probes = vec![
        VersionProbe {
            offered: "TLSv1.3 and TLSv1.2 (main session, rustls)".into(),
            result: main_result,
        },
        probe("TLSv1.2 only (rustls)", tls12),
        probe("up to TLSv1.1 (raw ClientHello)", legacy),
    ];
    let handshake_timeout = matches!(&main.error, Some(e) if matches!(e.kind, FailureKind::Timeout | FailureKind::Deadline));
    let tls1_3 = match main_version {
        Some(TlsVersion::Tls13) => VersionStatus::Accepted,
        Some(_) => VersionStatus::Rejected,
        None if handshake_timeout => VersionStatus::Error,
        // A refusal says no to TLS 1.3; a protocol violation says nothing about it. (When no
        // rustls handshake succeeds, the raw TLS 1.3 hello decides.)
        None if main.handshake_refused => VersionStatus::Rejected,
        None => VersionStatus::Error,
    };
    let tls1_2 = match (main_version, tls12) {
        (Some(TlsVersion::Tls12), _) | (_, Attempt::Hello { .. }) => VersionStatus::Accepted,
        (_, Attempt::Refused(_)) => VersionStatus::Rejected,
        _ => VersionStatus::Error,
    };
    (tls1_3, tls1_2, probes)
}

/// TLS 1.0 and 1.1 from the raw legacy probes, and the best legacy hello (for the facts of a
/// server that speaks nothing newer).
fn legacy_versions(
    legacy: &Attempt,
    tls10: Option<&Attempt>,
    probes: &mut Vec<VersionProbe>,
) -> (VersionStatus, VersionStatus, Option<Attempt>) {
    let (mut tls1_0, tls1_1) = match legacy {
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
    let mut best = match legacy {
        Attempt::Hello { version, .. } if *version <= TLS1_1 => Some(legacy.clone()),
        _ => None,
    };
    if let Some(a) = tls10 {
        probes.push(probe("TLSv1.0 (raw ClientHello)", a));
        tls1_0 = match a {
            Attempt::Hello { version, .. } if *version == TLS1_0 => VersionStatus::Accepted,
            Attempt::Hello { .. } | Attempt::Refused(_) => VersionStatus::Rejected,
            _ => VersionStatus::Error,
        };
        if best.is_none() && matches!(a, Attempt::Hello { version, .. } if *version == TLS1_0) {
            best = Some(a.clone());
        }
    }
    (tls1_0, tls1_1, best)
}

/// The TLS the server does speak when no rustls handshake succeeded: the raw TLS 1.3 hello's
/// answer (with the chain the TLS 1.2 one saw in the clear), else the TLS 1.2 one's, else the
/// best legacy one; and what our client lacked to talk to it.
fn fallback(
    p: &SessionParams,
    raw13: Option<&Attempt>,
    raw12: Option<&Attempt>,
    best_legacy: Option<Attempt>,
) -> Option<Negotiated> {
    let hello_at = |a: Option<&Attempt>, v: u16| {
        a.filter(|a| matches!(a, Attempt::Hello { version, .. } if *version == v))
            .cloned()
    };
    let chain12 = match hello_at(raw12, TLS1_2) {
        Some(Attempt::Hello { chain, .. }) => chain,
        _ => vec![],
    };
    let (attempt, chain) = match (hello_at(raw13, TLS1_3), hello_at(raw12, TLS1_2)) {
        (Some(a), _) => (a, Some(chain12)),
        (None, Some(a)) => (a, None),
        (None, None) => (best_legacy?, None),
    };
    let Attempt::Hello {
        version,
        suite,
        chain: seen,
        kx,
    } = attempt
    else {
        return None;
    };
    let (cipher_suite, forward_secrecy) = suite_facts(suite);
    let group = match kx {
        Some(KeyExchange::Group(id)) => Some(id),
        _ => None,
    };
    Some(Negotiated {
        version: TlsVersion::from_wire(version),
        suite_id: suite,
        cipher_suite,
        kx_group: kx.map(KeyExchange::label),
        post_quantum: group.is_some_and(|g| group_label(g).contains("MLKEM")),
        forward_secrecy,
        sni: sni(p).map(str::to_string),
        chain: chain
            .unwrap_or(seen)
            .into_iter()
            .map(rustls_pki_types::CertificateDer::from)
            .collect(),
        stapled_ocsp: None,
        dh_bits: match kx {
            Some(KeyExchange::Dh { bits, .. }) => Some(bits),
            _ => None,
        },
        client_limits: why_rustls_could_not(version, suite, group)
            .into_iter()
            .collect(),
    })
}

/// What rustls lacks to speak with a server that chose `version`, `suite` and `group`; `None`
/// when rustls has them all (its failure was then not for want of these).
fn why_rustls_could_not(version: u16, suite: u16, group: Option<u16>) -> Option<ClientLimit> {
    use tls_parser::TlsCipherKx;
    if version < TLS1_2 {
        return Some(ClientLimit::OnlyTls12Up);
    }
    if !rustls_has_suite(suite) {
        let kx = tls_parser::TlsCipherSuite::from_id(suite).map(|s| s.kx);
        return Some(match kx {
            Some(TlsCipherKx::Dhe) if version < TLS1_3 => ClientLimit::NoDhe,
            Some(TlsCipherKx::Rsa) if version < TLS1_3 => ClientLimit::NoStaticRsa,
            _ => ClientLimit::SuiteNotInRustls,
        });
    }
    match group {
        Some(g) if !rustls_has_group(g) => Some(ClientLimit::GroupNotInRustls),
        _ => None,
    }
}
