//! Chain trust: validation of a presented chain against a [`TrustStore`] with rustls-webpki, the
//! anchor it ends at identified by key (SPKI SHA-256, never by name alone), and the hostname check.
//!
//! The verdict is computed after the handshake from the captured chain (see `tls::danger`), so a
//! bad chain is still fully reported. A time failure (expired, not yet valid) is re-checked at a
//! time inside the leaf's validity, so an expired certificate on an otherwise trusted chain is
//! reported as expired — not also as untrusted — and its anchor is still known.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, KeyUsage};
use x509_parser::prelude::FromDer;

use crate::cert::{der_sequence, sha256_hex, summary, IssuerKey};
use crate::limits::MAX_CHAIN_CERTS;
use crate::report::{Anchor, ChainError};
use crate::vocab::{AnchorSource, ChainErrorKind};

/// Trust anchors plus, when the source holds them, the anchor certificates' fingerprints.
#[derive(Debug, Clone)]
pub struct TrustStore {
    /// `webpki`, `system`, `file:PATH` or `profile:NAME`.
    pub label: String,
    anchors: Vec<TrustAnchor<'static>>,
    /// Certificate SHA-256 by SPKI SHA-256, for anchors loaded from certificates.
    cert_sha256: HashMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("cannot read trust store {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("trust store {0} holds no usable CA certificate")]
    Empty(String),
    #[error("bad certificate in trust store {label}: {source}")]
    BadPem {
        label: String,
        source: rustls_pki_types::pem::Error,
    },
    #[error("bad certificate in trust store {label}: {source}")]
    BadCert {
        label: String,
        source: webpki::Error,
    },
}

impl TrustStore {
    /// The anchors as a rustls root store (for HTTPS clients judged by the same roots).
    pub fn root_store(&self) -> rustls::RootCertStore {
        rustls::RootCertStore {
            roots: self.anchors.clone(),
        }
    }

    /// Mozilla's root program as shipped in webpki-roots (names and keys only).
    pub fn webpki() -> Self {
        Self {
            label: "webpki".into(),
            anchors: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            cert_sha256: HashMap::new(),
        }
    }

    /// The operating system's store (rustls-native-certs; on Debian /etc/ssl/certs).
    pub fn system() -> Result<Self, TrustError> {
        let loaded = rustls_native_certs::load_native_certs();
        let store = Self::from_certs_lenient("system", loaded.certs);
        if store.anchors.is_empty() {
            return Err(TrustError::Empty("system".into()));
        }
        Ok(store)
    }

    /// A store with no anchors (re-judging a saved report against a profile's roots only).
    pub fn empty(label: &str) -> Self {
        Self {
            label: label.into(),
            anchors: Vec::new(),
            cert_sha256: HashMap::new(),
        }
    }

    /// A PEM file of CA certificates.
    pub fn from_pem_file(path: &Path) -> Result<Self, TrustError> {
        let label = format!("file:{}", path.display());
        let data = std::fs::read(path).map_err(|source| TrustError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_pem(&label, &data)
    }

    /// CA certificates from PEM text; every block must parse.
    pub fn from_pem(label: &str, pem: &[u8]) -> Result<Self, TrustError> {
        let mut certs = Vec::new();
        for item in CertificateDer::pem_slice_iter(pem) {
            let cert = item.map_err(|source| TrustError::BadPem {
                label: label.into(),
                source,
            })?;
            certs.push(cert);
        }
        let mut store = Self {
            label: label.into(),
            anchors: Vec::new(),
            cert_sha256: HashMap::new(),
        };
        for cert in certs {
            store.add(&cert).map_err(|source| TrustError::BadCert {
                label: label.into(),
                source,
            })?;
        }
        if store.anchors.is_empty() {
            return Err(TrustError::Empty(label.into()));
        }
        Ok(store)
    }

    fn from_certs_lenient(label: &str, certs: Vec<CertificateDer<'static>>) -> Self {
        let mut store = Self {
            label: label.into(),
            anchors: Vec::new(),
            cert_sha256: HashMap::new(),
        };
        for cert in certs {
            // One odd certificate in a system store must not make the store unusable.
            let _ = store.add(&cert);
        }
        store
    }

    fn add(&mut self, cert: &CertificateDer<'_>) -> Result<(), webpki::Error> {
        let anchor = webpki::anchor_from_trusted_cert(cert)?.to_owned();
        let spki = sha256_hex(&der_sequence(&anchor.subject_public_key_info));
        self.cert_sha256.insert(spki, sha256_hex(cert));
        self.anchors.push(anchor);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// The keys of the anchors whose subject is exactly `subject_der` (DER, with SEQUENCE): the
    /// possible issuers of a certificate with that issuer name.
    pub fn issuer_keys(&self, subject_der: &[u8]) -> Vec<IssuerKey> {
        self.anchors
            .iter()
            .filter(|a| der_sequence(&a.subject) == subject_der)
            .map(|a| IssuerKey {
                subject: subject_der.to_vec(),
                spki: der_sequence(&a.subject_public_key_info),
            })
            .collect()
    }

    /// Whether an anchor's subject is exactly this (DER, with SEQUENCE) name.
    pub fn has_subject(&self, subject_der: &[u8]) -> bool {
        self.anchors
            .iter()
            .any(|a| der_sequence(&a.subject) == subject_der)
    }

    fn describe(&self, anchor: &TrustAnchor<'_>, source: AnchorSource) -> Anchor {
        let spki_sha256 = sha256_hex(&der_sequence(&anchor.subject_public_key_info));
        let subject_der = der_sequence(&anchor.subject);
        let subject = x509_parser::x509::X509Name::from_der(&subject_der)
            .map(|(_, n)| n.to_string())
            .unwrap_or_else(|_| "(unparseable name)".into());
        Anchor {
            subject,
            sha256: self.cert_sha256.get(&spki_sha256).cloned(),
            spki_sha256,
            source,
        }
    }
}

/// The outcome of checking a chain.
#[derive(Debug, Clone)]
pub struct Validation {
    pub chain_valid: bool,
    pub chain_error: Option<ChainError>,
    pub anchor: Option<Anchor>,
    pub name_valid: Option<bool>,
}

/// Validates `chain` (leaf first) for server authentication at `now`, against `store` and, when
/// the store does not know the issuer, against `profile_anchors`.
pub fn validate(
    chain: &[CertificateDer<'_>],
    store: &TrustStore,
    profile_anchors: Option<&TrustStore>,
    name: Option<&ServerName<'_>>,
    now: UnixTime,
) -> Validation {
    let Some(leaf_der) = chain.first() else {
        return Validation {
            chain_valid: false,
            chain_error: Some(ChainError {
                kind: ChainErrorKind::Malformed,
                message: "no certificate presented".into(),
                detail: None,
            }),
            anchor: None,
            name_valid: None,
        };
    };
    let leaf = match EndEntityCert::try_from(leaf_der) {
        Ok(l) => l,
        Err(e) => {
            return Validation {
                chain_valid: false,
                chain_error: Some(ChainError {
                    kind: ChainErrorKind::Malformed,
                    message: "the server's certificate is malformed (not valid DER)".into(),
                    detail: Some(format!("leaf: {e:?}")),
                }),
                anchor: None,
                name_valid: None,
            }
        }
    };
    let intermediates: Vec<CertificateDer<'_>> = chain
        .iter()
        .skip(1)
        .take(MAX_CHAIN_CERTS)
        .cloned()
        .collect();
    let name_valid = name.map(|n| leaf.verify_is_valid_for_subject_name(n).is_ok());
    let inside_validity = leaf_midpoint(leaf_der);

    let check = |s: &TrustStore, source: AnchorSource| -> Outcome {
        match verify(&leaf, &intermediates, s, now) {
            Ok(a) => Outcome::Valid(s.describe(&a, source)),
            Err(e) if is_time_error(&e) => match inside_validity {
                // Trusted apart from time: keep the time error and the anchor.
                Some(mid) => match verify(&leaf, &intermediates, s, mid) {
                    Ok(a) => Outcome::TimeOnly(e, s.describe(&a, source)),
                    // Another time error says nothing new about trust: keep the one at `now`.
                    Err(other) if is_time_error(&other) => Outcome::Invalid(e),
                    Err(other) => Outcome::Invalid(other),
                },
                None => Outcome::Invalid(e),
            },
            Err(e) => Outcome::Invalid(e),
        }
    };

    let outcome = match check(store, AnchorSource::TrustStore) {
        Outcome::Invalid(webpki::Error::UnknownIssuer) if profile_anchors.is_some() => {
            match profile_anchors.map(|p| check(p, AnchorSource::Profile)) {
                // Valid only through the profile's own anchor: still not valid against the store.
                Some(Outcome::Valid(a)) | Some(Outcome::TimeOnly(_, a)) => {
                    return Validation {
                        chain_valid: false,
                        chain_error: Some(classify(&webpki::Error::UnknownIssuer)),
                        anchor: Some(a),
                        name_valid,
                    };
                }
                _ => Outcome::Invalid(webpki::Error::UnknownIssuer),
            }
        }
        other => other,
    };
    match outcome {
        Outcome::Valid(anchor) => Validation {
            chain_valid: true,
            chain_error: None,
            anchor: Some(anchor),
            name_valid,
        },
        Outcome::TimeOnly(e, anchor) => Validation {
            chain_valid: false,
            chain_error: Some(classify(&e)),
            anchor: Some(anchor),
            name_valid,
        },
        Outcome::Invalid(e) => Validation {
            chain_valid: false,
            chain_error: Some(classify(&e)),
            anchor: None,
            name_valid,
        },
    }
}

enum Outcome {
    Valid(Anchor),
    TimeOnly(webpki::Error, Anchor),
    Invalid(webpki::Error),
}

fn verify<'a>(
    leaf: &'a EndEntityCert<'a>,
    intermediates: &'a [CertificateDer<'a>],
    store: &'a TrustStore,
    time: UnixTime,
) -> Result<TrustAnchor<'static>, webpki::Error> {
    let algs = rustls::crypto::aws_lc_rs::default_provider()
        .signature_verification_algorithms
        .all;
    leaf.verify_for_usage(
        algs,
        &store.anchors,
        intermediates,
        time,
        KeyUsage::server_auth(),
        None,
        None,
    )
    .map(|path| path.anchor().to_owned())
}

fn is_time_error(e: &webpki::Error) -> bool {
    matches!(
        e,
        webpki::Error::CertExpired { .. } | webpki::Error::CertNotValidYet { .. }
    )
}

/// A time in the middle of the leaf's validity period.
fn leaf_midpoint(der: &CertificateDer<'_>) -> Option<UnixTime> {
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der).ok()?;
    let from = cert.validity().not_before.timestamp();
    let to = cert.validity().not_after.timestamp();
    let mid = from.checked_add(to.checked_sub(from)? / 2)?;
    u64::try_from(mid)
        .ok()
        .map(|s| UnixTime::since_unix_epoch(Duration::from_secs(s)))
}

/// A verifier error in words: its stable kind, a sentence for people and the raw error (also
/// used by `policy::dane` for chains validated to a DANE-TA trust anchor).
pub fn classify(e: &webpki::Error) -> ChainError {
    use webpki::Error as E;
    #[allow(deprecated)]
    let (kind, message) = match e {
        E::CertExpired { not_after, .. } => (
            ChainErrorKind::Expired,
            format!("a certificate of the chain expired on {}", date(*not_after)),
        ),
        E::CertNotValidYet { not_before, .. } => (
            ChainErrorKind::NotYetValid,
            format!("a certificate of the chain is valid only from {}", date(*not_before)),
        ),
        E::UnknownIssuer => (
            ChainErrorKind::UnknownIssuer,
            "no path to a trusted root: the chain ends at a CA the trust store does not hold, or the server did not send an intermediate".into(),
        ),
        E::InvalidSignatureForPublicKey => (
            ChainErrorKind::BadSignature,
            "a signature in the chain does not verify with its issuer's key".into(),
        ),
        // An algorithm the verifier refuses (SHA-1, MD5, a key it does not take): the signature
        // may be fine, the verifier does not check it.
        E::UnsupportedSignatureAlgorithmContext(c) => (
            ChainErrorKind::UnsupportedSignature,
            unsupported_signature(&c.signature_algorithm_id, false),
        ),
        E::UnsupportedSignatureAlgorithmForPublicKeyContext(c) => (
            ChainErrorKind::UnsupportedSignature,
            unsupported_signature(&c.signature_algorithm_id, true),
        ),
        E::UnsupportedSignatureAlgorithm | E::UnsupportedSignatureAlgorithmForPublicKey => (
            ChainErrorKind::UnsupportedSignature,
            "a certificate is signed with an algorithm current clients do not accept".into(),
        ),
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => (
            ChainErrorKind::NotServerAuth,
            "the certificate is not for TLS servers (its extended key usage lacks serverAuth)".into(),
        ),
        E::CaUsedAsEndEntity => (
            ChainErrorKind::NotServerAuth,
            "the server's certificate is a CA certificate, not a server certificate: typically a self-signed certificate (it is its own CA)".into(),
        ),
        E::EndEntityUsedAsCa => (
            ChainErrorKind::Other,
            "a server certificate was used as a CA to sign another certificate".into(),
        ),
        E::BadDer | E::BadDerTime | E::TrailingData(_) | E::MalformedExtensions => (
            ChainErrorKind::Malformed,
            "a certificate of the chain is malformed (not valid DER)".into(),
        ),
        E::UnsupportedCriticalExtension => (
            ChainErrorKind::Other,
            "a certificate has a critical extension the verifier does not know".into(),
        ),
        E::PathLenConstraintViolated => (
            ChainErrorKind::Other,
            "the chain is longer than a CA's path-length limit allows".into(),
        ),
        E::NameConstraintViolation => (
            ChainErrorKind::Other,
            "the certificate's name is outside what a CA of the chain may issue for (name constraints)".into(),
        ),
        E::InvalidCertValidity => (
            ChainErrorKind::Malformed,
            "a certificate's validity period ends before it starts".into(),
        ),
        E::UnsupportedCertVersion => (
            ChainErrorKind::Malformed,
            "a certificate is not X.509 version 3".into(),
        ),
        E::MaximumPathDepthExceeded
        | E::MaximumSignatureChecksExceeded
        | E::MaximumPathBuildCallsExceeded => (
            ChainErrorKind::Other,
            "the chain is too long or too tangled to verify (the verifier's limits)".into(),
        ),
        _ => (
            ChainErrorKind::Other,
            "the verifier refused the chain (see the detail)".into(),
        ),
    };
    ChainError {
        kind,
        message,
        detail: Some(format!("{e:?}")),
    }
}

/// "signed with SHA-1 (sha1WithRSAEncryption), which current clients reject", from the
/// DER-encoded algorithm identifier webpki reports (an OID, then any parameters).
fn unsupported_signature(algorithm_id: &[u8], for_key: bool) -> String {
    let name = match algorithm_id {
        [0x06, len, rest @ ..] if *len < 0x80 => rest
            .get(..usize::from(*len))
            .and_then(|bytes| der::asn1::ObjectIdentifier::from_bytes(bytes).ok())
            .map(|oid| oid.to_string()),
        _ => None,
    };
    let Some(oid) = name else {
        return "a certificate is signed with an algorithm current clients do not accept".into();
    };
    let algorithm = summary::signature_name(&oid).map_or(oid.clone(), str::to_string);
    match summary::weak_signature_hash(&oid) {
        Some(hash) => format!("a certificate is signed with {hash} ({algorithm}), which current clients reject"),
        None if for_key => format!("a certificate is signed with {algorithm} by a key the verifier does not accept (such as RSA under 2048 bits)"),
        None => format!("a certificate is signed with {algorithm}, which the verifier does not accept"),
    }
}

/// A validity date, as the text output writes dates.
fn date(t: UnixTime) -> String {
    i64::try_from(t.as_secs())
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|d| {
            d.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| format!("{} seconds after 1970", t.as_secs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_errors_become_sentences_and_keep_their_raw_form() {
        let e = classify(&webpki::Error::CaUsedAsEndEntity);
        assert_eq!(e.kind, ChainErrorKind::NotServerAuth);
        assert!(e.message.contains("self-signed"), "{}", e.message);
        assert_eq!(e.detail.as_deref(), Some("CaUsedAsEndEntity"));
        let e = classify(&webpki::Error::UnknownIssuer);
        assert!(e.message.contains("trusted root"), "{}", e.message);
        let e = classify(&webpki::Error::CertExpired {
            time: UnixTime::since_unix_epoch(Duration::from_secs(1_800_000_000)),
            not_after: UnixTime::since_unix_epoch(Duration::from_secs(1_700_000_000)),
        });
        assert_eq!(
            e.message,
            "a certificate of the chain expired on 2023-11-14 22:13 UTC"
        );
    }

    #[test]
    fn an_unsupported_signature_is_named_from_its_oid() {
        // DER of sha1WithRSAEncryption (1.2.840.113549.1.1.5) and its NULL parameters.
        let sha1 = [6, 9, 42, 134, 72, 134, 247, 13, 1, 1, 5, 5, 0];
        assert_eq!(
            unsupported_signature(&sha1, false),
            "a certificate is signed with SHA-1 (sha1WithRSAEncryption), which current clients reject"
        );
        // ecdsa-with-SHA256 by an unaccepted key.
        let ecdsa = [6, 8, 42, 134, 72, 206, 61, 4, 3, 2];
        assert!(unsupported_signature(&ecdsa, true).contains("ecdsa-with-SHA256 by a key"));
        // Garbage, truncated, or a long-form length: no OID, still a sentence.
        for junk in [&[][..], &[6], &[6, 200, 1], &[6, 0x81, 1, 1], &[5, 0]] {
            assert!(unsupported_signature(junk, false).starts_with("a certificate is signed"));
        }
    }
}
