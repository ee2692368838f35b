//! Mutual TLS for forced-TLS partners: the client certificate given with `--client-cert` /
//! `--client-key`, and a rustls client-certificate resolver that records whether the server sent
//! a CertificateRequest and which CA names it accepts (RFC 8446 §4.3.2, RFC 5246 §7.4.4).

use std::path::Path;
use std::sync::{Arc, Mutex};

use rustls::client::ResolvesClientCert;
use rustls::sign::CertifiedKey;
use rustls::SignatureScheme;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::prelude::FromDer;

use crate::limits::MAX_CA_NAMES;

/// A loaded client certificate chain and key.
#[derive(Debug, Clone)]
pub struct ClientIdentity {
    /// The certificate file, as given.
    pub path: String,
    /// The leaf's subject.
    pub subject: String,
    pub key: Arc<CertifiedKey>,
}

/// Why `--client-cert` / `--client-key` cannot be used (a usage error).
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("cannot read --client-cert {path}: {reason}")]
    ReadCert { path: String, reason: String },
    #[error("bad certificate in {path}: {reason}")]
    BadCert { path: String, reason: String },
    #[error("{path} holds no certificate")]
    NoCert { path: String },
    #[error("cannot read a private key from --client-key {path}: {reason}")]
    ReadKey { path: String, reason: String },
    #[error("unsupported private key in {path}: {source}")]
    UnsupportedKey { path: String, source: rustls::Error },
    #[error("--client-key {key} does not belong to --client-cert {cert}: {source}")]
    Mismatch {
        key: String,
        cert: String,
        source: rustls::Error,
    },
}

impl ClientIdentity {
    /// Loads a PEM certificate chain (leaf first) and its PEM private key, and checks that they
    /// belong together.
    pub fn load(cert: &Path, key: &Path) -> Result<Self, IdentityError> {
        let cert_path = || cert.display().to_string();
        let key_path = || key.display().to_string();
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .map_err(|e| IdentityError::ReadCert {
                path: cert_path(),
                reason: e.to_string(),
            })?
            .collect::<Result<_, _>>()
            .map_err(|e| IdentityError::BadCert {
                path: cert_path(),
                reason: e.to_string(),
            })?;
        let Some(leaf) = certs.first() else {
            return Err(IdentityError::NoCert { path: cert_path() });
        };
        let subject = x509_parser::certificate::X509Certificate::from_der(leaf)
            .map(|(_, c)| c.subject().to_string())
            .map_err(|e| IdentityError::BadCert {
                path: cert_path(),
                reason: e.to_string(),
            })?;
        let private = PrivateKeyDer::from_pem_file(key).map_err(|e| IdentityError::ReadKey {
            path: key_path(),
            reason: e.to_string(),
        })?;
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let signing = provider
            .key_provider
            .load_private_key(private)
            .map_err(|source| IdentityError::UnsupportedKey {
                path: key_path(),
                source,
            })?;
        let certified = CertifiedKey::new(certs, signing);
        certified
            .keys_match()
            .map_err(|source| IdentityError::Mismatch {
                key: key_path(),
                cert: cert_path(),
                source,
            })?;
        Ok(Self {
            path: cert.display().to_string(),
            subject,
            key: Arc::new(certified),
        })
    }
}

/// What the server asked for: the CA names of its CertificateRequest.
#[derive(Debug, Clone, Default)]
pub struct Requested {
    pub ca_names: Vec<String>,
}

/// The client-auth side of one handshake: what we can present, and what the server asked.
#[derive(Debug, Clone, Default)]
pub struct ClientAuthSetup {
    identity: Option<Arc<CertifiedKey>>,
    seen: Arc<Mutex<Option<Requested>>>,
}

impl ClientAuthSetup {
    pub fn new(identity: Option<&ClientIdentity>) -> Self {
        Self {
            identity: identity.map(|i| i.key.clone()),
            seen: Arc::default(),
        }
    }

    /// The server's CertificateRequest, if one came (readable after a failed handshake too).
    pub fn requested(&self) -> Option<Requested> {
        self.seen.lock().ok().and_then(|s| s.clone())
    }

    pub(crate) fn resolver(&self) -> Arc<dyn ResolvesClientCert> {
        Arc::new(Recorder {
            identity: self.identity.clone(),
            seen: self.seen.clone(),
        })
    }
}

#[derive(Debug)]
struct Recorder {
    identity: Option<Arc<CertifiedKey>>,
    seen: Arc<Mutex<Option<Requested>>>,
}

impl ResolvesClientCert for Recorder {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        let ca_names = root_hint_subjects
            .iter()
            .take(MAX_CA_NAMES)
            .map(|der| match x509_parser::x509::X509Name::from_der(der) {
                Ok((_, name)) => name.to_string(),
                Err(_) => "(unparseable name)".to_string(),
            })
            .collect();
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(Requested { ca_names });
        }
        self.identity.clone()
    }

    /// Always true, so rustls asks us on every CertificateRequest and we can record it; with no
    /// identity we answer with an empty Certificate message.
    fn has_certs(&self) -> bool {
        true
    }
}
