//! `--ciphers`: the cipher suites an address accepts, per accepted TLS version, in the order the
//! server picks them.
//!
//! Repeated ClientHellos: offer every candidate suite, note the one the server picks, remove it,
//! offer the rest, until the server refuses. Then one more hello offering the first two picks in
//! reverse order tells whether the server imposes its own order (`server_preference: true`) or
//! follows the client's. TLS 1.0–1.2 use raw ClientHellos offering every suite `tls-parser` knows
//! with RSA, DHE or ECDHE key exchange, anonymous ones (`_anon_`, which opportunistic SMTP servers
//! often accept) included; the DHE ServerKeyExchange of each pick tells the size of the server's
//! DH group. TLS 1.3 uses raw TLS 1.3 ClientHellos offering its five suites (CCM included, which
//! rustls lacks): the ServerHello (or HelloRetryRequest) names the pick. Each hello is a
//! connection of its own, run one after another, so this is opt-in.

use tls_parser::{TlsCipherAu, TlsCipherEnc, TlsCipherKx, CIPHERS};

use crate::report::{CipherList, Versions};
use crate::smtp::session::{open_for_tls, SessionParams};
use crate::tls::legacy::{
    client_hello, client_hello13, send_hello, suite_facts, HelloOutcome, KeyExchange, TLS13_SUITES,
    TLS1_0, TLS1_1, TLS1_2, TLS1_3,
};
use crate::versions::{phase_deadline, sni};
use crate::vocab::{TlsVersion, VersionStatus};

use crate::limits::MAX_PICKS;

/// Candidate suites for raw ClientHellos: every known suite with RSA/DHE/ECDHE key exchange and
/// RSA/DSS/ECDSA authentication, or anonymous DHE/ECDHE (no authentication), by id.
pub fn raw_candidates() -> Vec<u16> {
    let mut ids: Vec<u16> = CIPHERS
        .values()
        .filter(|c| {
            matches!(
                c.kx,
                TlsCipherKx::Rsa | TlsCipherKx::Dhe | TlsCipherKx::Ecdhe
            ) || c.au == TlsCipherAu::Null
        })
        .filter(|c| {
            matches!(
                c.au,
                TlsCipherAu::Rsa | TlsCipherAu::Dss | TlsCipherAu::Ecdsa
            ) || (c.au == TlsCipherAu::Null && matches!(c.kx, TlsCipherKx::Dh | TlsCipherKx::Ecdh))
        })
        .filter(|c| !matches!(c.enc, TlsCipherEnc::Null))
        .map(|c| c.id.0)
        .collect();
    ids.sort_unstable();
    ids
}

/// Enumerates the suites of every accepted version.
pub async fn enumerate(p: &SessionParams, versions: &Versions) -> Vec<CipherList> {
    let mut out = Vec::new();
    for (status, v) in [
        (versions.tls1_0, TLS1_0),
        (versions.tls1_1, TLS1_1),
        (versions.tls1_2, TLS1_2),
    ] {
        if status == VersionStatus::Accepted {
            out.push(enumerate_raw(p, v).await);
        }
    }
    if versions.tls1_3 == VersionStatus::Accepted {
        out.push(enumerate_tls13(p).await);
    }
    out
}

/// The suite the server picks from `offer`, and the size of its DH group when it is a DHE one.
async fn raw_pick(p: &SessionParams, version: u16, offer: &[u16]) -> Option<(u16, Option<u32>)> {
    let mut tcp = open_for_tls(p).await.ok()?;
    let hello = match version {
        TLS1_3 => client_hello13(offer, sni(p)),
        _ => client_hello(version, offer, sni(p)),
    };
    match send_hello(&mut tcp, &hello, phase_deadline(p)).await {
        Ok(HelloOutcome::ServerHello {
            version: v,
            suite,
            kx,
            ..
        }) if v == version => Some((
            suite,
            match kx {
                Some(KeyExchange::Dh { bits, .. }) => Some(bits),
                _ => None,
            },
        )),
        _ => None,
    }
}

async fn enumerate_raw(p: &SessionParams, version: u16) -> CipherList {
    let mut remaining = raw_candidates();
    let mut picks = Vec::new();
    let mut dh_bits: Option<u32> = None;
    while picks.len() < MAX_PICKS {
        match raw_pick(p, version, &remaining).await {
            Some((s, bits)) if remaining.contains(&s) => {
                remaining.retain(|r| *r != s);
                picks.push(s);
                // An anonymous suite's group is left out: it authenticates nobody, whatever its
                // size (anonymous-suites-accepted says so).
                let bits = bits.filter(|_| !is_anonymous(s));
                dh_bits = match (dh_bits, bits) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            _ => break,
        }
    }
    let server_preference = match picks.as_slice() {
        [first, second, ..] => raw_pick(p, version, &[*second, *first])
            .await
            .map(|(s, _)| s == *first),
        _ => None,
    };
    CipherList {
        version: TlsVersion::from_wire(version),
        suites: picks.iter().map(|s| suite_facts(*s).0).collect(),
        server_preference,
        dh_bits,
    }
}

/// An anonymous suite (`_anon_`: no server authentication).
fn is_anonymous(id: u16) -> bool {
    tls_parser::TlsCipherSuite::from_id(id).is_some_and(|c| c.au == TlsCipherAu::Null)
}

async fn enumerate_tls13(p: &SessionParams) -> CipherList {
    let mut remaining = TLS13_SUITES.to_vec();
    let mut picks = Vec::new();
    while !remaining.is_empty() {
        match raw_pick(p, TLS1_3, &remaining).await {
            Some((s, _)) if remaining.contains(&s) => {
                remaining.retain(|r| *r != s);
                picks.push(s);
            }
            _ => break,
        }
    }
    let server_preference = match picks.as_slice() {
        [first, second, ..] => raw_pick(p, TLS1_3, &[*second, *first])
            .await
            .map(|(s, _)| s == *first),
        _ => None,
    };
    CipherList {
        version: TlsVersion::Tls13,
        suites: picks.iter().map(|s| suite_facts(*s).0).collect(),
        server_preference,
        dh_bits: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_cover_the_usual_and_the_anonymous_suites() {
        let c = raw_candidates();
        for id in [0xc02f, 0xc030, 0xc02b, 0x009c, 0x002f, 0xc014, 0x0039] {
            assert!(c.contains(&id), "missing 0x{id:04x}");
        }
        assert!(
            c.contains(&0x00a7),
            "anonymous DHE is offered (ADH-AES256-GCM-SHA384)"
        );
        assert!(
            c.contains(&0xc019),
            "anonymous ECDHE is offered (AECDH-AES256-SHA)"
        );
        assert!(!c.contains(&0x0000), "no null suite");
        assert!(!c.contains(&0x1301), "TLS 1.3 suites go through rustls");
        assert!(c.len() > 40 && c.len() < 400, "{}", c.len());
        assert!(is_anonymous(0x00a7) && is_anonymous(0xc019));
        assert!(!is_anonymous(0x009f) && !is_anonymous(0xc030));
    }
}
