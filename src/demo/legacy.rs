//! The demo's TLS 1.0/1.1-only server: what it answers to a ClientHello.
//!
//! rustls cannot serve TLS 1.0 or 1.1, so this server writes its first flight itself, the way an
//! old Windows or OpenSSL mail server configured for TLS 1.0/1.1 only behaves:
//! - a hello offering TLS 1.2 or later (rustls', or tlscheck's raw TLS 1.2 and 1.3 probes) gets
//!   a fatal `protocol_version` alert (RFC 5246 §7.2.2);
//! - a hello offering at most TLS 1.1 or 1.0 (tlscheck's raw legacy probes) gets a real-format
//!   ServerHello for that version with an ECDHE-ECDSA CBC suite, the Certificate message
//!   with the demo chain, a ServerKeyExchange with a fresh P-256 key (RFC 4492 §5.4) and
//!   ServerHelloDone; one with no suite in common gets `handshake_failure`.
//!
//! The handshake never goes further: tlscheck's raw probes read up to ServerHelloDone and hang
//! up, as they do with any server. The ServerKeyExchange is signed with the leaf's key over
//! both randoms and the parameters, but with SHA-256: TLS 1.0/1.1 sign with SHA-1, which
//! aws-lc-rs offers for verification only, so a real TLS 1.0 client would stop there.

use aws_lc_rs::agreement::{EphemeralPrivateKey, ECDH_P256};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use tls_parser::{parse_tls_plaintext, TlsMessage, TlsMessageHandshake};

use crate::tls::legacy::{TLS1_0, TLS1_1};

/// The suites this server takes, best first (the demo key is ECDSA P-256): the ECDHE-ECDSA CBC
/// suites TLS 1.0/1.1 servers of the SHA-1 era offered.
const SUITES: &[u16] = &[
    0xc00a, // TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
    0xc009, // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
];
/// secp256r1 (RFC 8422 §5.1.1).
const SECP256R1: u16 = 0x0017;
/// TLS alert descriptions (RFC 5246 §7.2).
const HANDSHAKE_FAILURE: u8 = 40;
const DECODE_ERROR: u8 = 50;
const PROTOCOL_VERSION: u8 = 70;
const INTERNAL_ERROR: u8 = 80;
/// Largest TLS record payload (RFC 5246 §6.2.1).
const MAX_RECORD: usize = 16384;

/// A TLS 1.0/1.1-only server's identity: its chain (leaf first) and the leaf's key.
pub struct LegacyTls {
    chain: Vec<Vec<u8>>,
    key: EcdsaKeyPair,
}

#[derive(Debug, thiserror::Error)]
#[error("the legacy server's key is not an ECDSA P-256 PKCS#8 key")]
pub struct BadKey;

impl LegacyTls {
    pub fn new(chain: Vec<Vec<u8>>, pkcs8_key: &[u8]) -> Result<Self, BadKey> {
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8_key)
            .map_err(|_| BadKey)?;
        Ok(Self { chain, key })
    }

    /// The bytes to send in answer to `hello`, one whole ClientHello record (header included).
    pub fn answer(&self, hello: &[u8]) -> Vec<u8> {
        let Ok((_, record)) = parse_tls_plaintext(hello) else {
            return alert(DECODE_ERROR);
        };
        let Some(TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch))) = record.msg.first()
        else {
            return alert(DECODE_ERROR);
        };
        // A TLS 1.3 hello says 1.2 here too (RFC 8446 §4.1.2): either way, too new.
        let version = ch.version.0;
        if !(TLS1_0..=TLS1_1).contains(&version) {
            return alert(PROTOCOL_VERSION);
        }
        let offered: Vec<u16> = ch.ciphers.iter().map(|c| c.0).collect();
        let Some(suite) = SUITES.iter().copied().find(|s| offered.contains(s)) else {
            return alert(HANDSHAKE_FAILURE);
        };
        self.flight(version, suite, ch.random)
            .unwrap_or_else(|| alert(INTERNAL_ERROR))
    }

    /// ServerHello, Certificate, ServerKeyExchange, ServerHelloDone.
    fn flight(&self, version: u16, suite: u16, client_random: &[u8]) -> Option<Vec<u8>> {
        let rng = SystemRandom::new();
        let mut server_random = [0u8; 32];
        rng.fill(&mut server_random).ok()?;

        let mut hello = version.to_be_bytes().to_vec();
        hello.extend_from_slice(&server_random);
        hello.push(0); // no session id
        hello.extend_from_slice(&suite.to_be_bytes());
        hello.push(0); // null compression

        let mut certs = Vec::new();
        for der in &self.chain {
            certs.extend_from_slice(&u24(der.len())?);
            certs.extend_from_slice(der);
        }
        let mut certificate = u24(certs.len())?.to_vec();
        certificate.extend(certs);

        // ServerECDHParams: named_curve, secp256r1, the public point; then its signature.
        let share = EphemeralPrivateKey::generate(&ECDH_P256, &rng).ok()?;
        let point = share.compute_public_key().ok()?;
        let mut params = vec![3];
        params.extend_from_slice(&SECP256R1.to_be_bytes());
        params.push(u8::try_from(point.as_ref().len()).ok()?);
        params.extend_from_slice(point.as_ref());
        let mut signed = client_random.to_vec();
        signed.extend_from_slice(&server_random);
        signed.extend_from_slice(&params);
        let signature = self.key.sign(&rng, &signed).ok()?;
        let mut key_exchange = params;
        key_exchange
            .extend_from_slice(&u16::try_from(signature.as_ref().len()).ok()?.to_be_bytes());
        key_exchange.extend_from_slice(signature.as_ref());

        let mut messages = Vec::new();
        for (kind, body) in [
            (2, hello),
            (11, certificate),
            (12, key_exchange),
            (14, Vec::new()),
        ] {
            messages.push(kind);
            messages.extend_from_slice(&u24(body.len())?);
            messages.extend(body);
        }
        Some(records(22, version, &messages))
    }
}

/// A fatal alert record.
fn alert(description: u8) -> Vec<u8> {
    records(21, TLS1_0, &[2, description])
}

/// `payload` as records of content type `kind`, each at most [`MAX_RECORD`] bytes.
fn records(kind: u8, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 5);
    for chunk in payload.chunks(MAX_RECORD) {
        out.push(kind);
        out.extend_from_slice(&version.to_be_bytes());
        // A chunk is at most 16384 bytes: it fits.
        out.extend_from_slice(&u16::try_from(chunk.len()).unwrap_or(0).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// A 24-bit length, when `n` fits in one.
fn u24(n: usize) -> Option<[u8; 3]> {
    match u32::try_from(n).ok()?.to_be_bytes() {
        [0, a, b, c] => Some([a, b, c]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::pki::DemoCa;
    use crate::tls::legacy::{
        client_hello, FlightReader, HelloOutcome, KeyExchange, LEGACY_SUITES, TLS12_SUITES, TLS1_2,
    };
    use time::{Duration, OffsetDateTime};

    fn server() -> LegacyTls {
        let now = OffsetDateTime::now_utc();
        let ca = DemoCa::new(now).unwrap();
        let id = ca
            .leaf(
                "mx.legacy.example",
                now - Duration::days(1),
                now + Duration::days(9),
            )
            .unwrap();
        LegacyTls::new(id.chain.iter().map(|c| c.to_vec()).collect(), &id.key).unwrap()
    }

    /// What tlscheck's raw probe reads from the answer.
    fn outcome(bytes: &[u8]) -> HelloOutcome {
        FlightReader::default().feed(bytes).unwrap().unwrap()
    }

    #[test]
    fn legacy_hellos_get_a_flight_newer_ones_an_alert() {
        let s = server();
        for version in [TLS1_1, TLS1_0] {
            let answer = s.answer(&client_hello(
                version,
                LEGACY_SUITES,
                Some("mx.legacy.example"),
            ));
            match outcome(&answer) {
                HelloOutcome::ServerHello {
                    version: v,
                    suite,
                    chain,
                    kx,
                } => {
                    assert_eq!(v, version);
                    assert_eq!(suite, 0xc00a);
                    assert_eq!(chain.len(), 2);
                    assert_eq!(kx, Some(KeyExchange::Group(SECP256R1)));
                }
                other => panic!("{other:?}"),
            }
        }
        let answer = s.answer(&client_hello(TLS1_2, TLS12_SUITES, None));
        assert_eq!(outcome(&answer), HelloOutcome::Alert(PROTOCOL_VERSION));
        let answer = s.answer(&client_hello(TLS1_1, &[0x002f], None));
        assert_eq!(outcome(&answer), HelloOutcome::Alert(HANDSHAKE_FAILURE));
        assert_eq!(
            outcome(&s.answer(b"\x16\x03\x01\x00\x01\x00")),
            HelloOutcome::Alert(DECODE_ERROR)
        );
    }

    #[test]
    fn lengths() {
        assert_eq!(u24(0x01_02_03), Some([1, 2, 3]));
        assert_eq!(u24(1 << 24), None);
        let r = records(22, TLS1_0, &vec![7; MAX_RECORD + 1]);
        assert_eq!(r.len(), MAX_RECORD + 1 + 10);
    }
}
