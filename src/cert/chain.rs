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

use crate::cert::{der_sequence, sha256_hex, IssuerKey};
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
                    message: format!("leaf: {e:?}"),
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

fn classify(e: &webpki::Error) -> ChainError {
    use webpki::Error as E;
    #[allow(deprecated)]
    let kind = match e {
        E::CertExpired { .. } => ChainErrorKind::Expired,
        E::CertNotValidYet { .. } => ChainErrorKind::NotYetValid,
        E::UnknownIssuer => ChainErrorKind::UnknownIssuer,
        E::InvalidSignatureForPublicKey => ChainErrorKind::BadSignature,
        // An algorithm the verifier refuses (SHA-1, MD5, a key it does not take): the signature
        // may be fine, the verifier does not check it.
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            ChainErrorKind::UnsupportedSignature
        }
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) | E::CaUsedAsEndEntity => {
            ChainErrorKind::NotServerAuth
        }
        E::BadDer | E::BadDerTime => ChainErrorKind::Malformed,
        _ => ChainErrorKind::Other,
    };
    ChainError {
        kind,
        message: format!("{e:?}"),
    }
}
