//! The demo's certificate authority and server certificates, generated with rcgen at every start
//! (fresh keys, dates relative to now), so the demo never rots and holds no secret in the
//! repository.
//!
//! A root CA signs an issuing CA, which signs the servers' leaves, as public CAs do; servers send
//! the leaf and the issuing CA. Every key is ECDSA P-256 (generated in a millisecond). No
//! certificate names a CRL or OCSP URL: the demo makes no revocation fetch at all, so it never
//! leaves loopback and the fetch policy of real runs stays as it is.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType, PKCS_ECDSA_P256_SHA256,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

/// Subject CN of the demo's root, the only anchor of the demo's trust store.
pub const ROOT_CN: &str = "tlscheck Demo Root CA";
/// Subject CN of the CA that issues the servers' certificates.
pub const ISSUING_CN: &str = "tlscheck Demo Issuing CA";
/// Subject O of the demo CAs.
const ORG: &str = "tlscheck demo (simulated)";

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("cannot generate the demo certificates: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("cannot build the demo's TLS server configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The demo CA: a root and the issuing CA it signed.
pub struct DemoCa {
    root: CertifiedIssuer<'static, KeyPair>,
    issuing: CertifiedIssuer<'static, KeyPair>,
}

/// A server's certificate chain (leaf first, then the issuing CA) and private key.
pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    /// PKCS#8 DER.
    pub key: Vec<u8>,
}

impl DemoCa {
    /// A new root and issuing CA, valid from ten years ago to ten years ahead (an expired leaf
    /// must still fall inside its issuer's validity).
    pub fn new(now: OffsetDateTime) -> Result<Self, PkiError> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let root = CertifiedIssuer::self_signed(ca_params(ROOT_CN, now), key)?;
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = ca_params(ISSUING_CN, now);
        params.use_authority_key_identifier_extension = true;
        let issuing = CertifiedIssuer::signed_by(params, key, &root)?;
        Ok(Self { root, issuing })
    }

    /// The root certificate as PEM: the demo run's trust store.
    pub fn root_pem(&self) -> String {
        self.root.pem()
    }

    /// A server certificate for `name`, valid from `not_before` to `not_after`.
    pub fn leaf(
        &self,
        name: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Identity, PkiError> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::default();
        params.subject_alt_names = vec![SanType::DnsName(name.try_into()?)];
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, name);
        dn.push(DnType::OrganizationName, ORG);
        params.distinguished_name = dn;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.not_before = not_before;
        params.not_after = not_after;
        let cert = params.signed_by(&key, &self.issuing)?;
        Ok(Identity {
            chain: vec![
                cert.der().clone(),
                CertificateDer::from(self.issuing.der().to_vec()),
            ],
            key: key.serialize_der(),
        })
    }
}

fn ca_params(cn: &str, now: OffsetDateTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, ORG);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = now - Duration::days(3650);
    params.not_after = now + Duration::days(3650);
    params
}

/// A rustls server (aws-lc-rs, TLS 1.2 and 1.3, its default ECDHE groups) presenting `id`.
pub fn server_config(id: &Identity) -> Result<Arc<rustls::ServerConfig>, PkiError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key.clone()));
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(id.chain.clone(), key)?;
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::chain::{validate, TrustStore};
    use rustls_pki_types::{ServerName, UnixTime};

    #[test]
    fn a_leaf_chains_to_the_root_and_an_old_one_is_expired() {
        let now = OffsetDateTime::now_utc();
        let ca = DemoCa::new(now).unwrap();
        let trust = TrustStore::from_pem("demo", ca.root_pem().as_bytes()).unwrap();
        let name = ServerName::try_from("mx.good.example").unwrap();
        let good = ca
            .leaf(
                "mx.good.example",
                now - Duration::days(1),
                now + Duration::days(90),
            )
            .unwrap();
        let v = validate(&good.chain, &trust, None, Some(&name), UnixTime::now());
        assert!(v.chain_valid, "{:?}", v.chain_error);
        assert_eq!(v.name_valid, Some(true));
        let old = ca
            .leaf(
                "mx.good.example",
                now - Duration::days(400),
                now - Duration::days(10),
            )
            .unwrap();
        let v = validate(&old.chain, &trust, None, Some(&name), UnixTime::now());
        assert!(!v.chain_valid);
        assert!(server_config(&good).is_ok());
    }
}
