//! A test PKI for the policy rules, generated with rcgen on each run (fresh ECDSA P-256 keys,
//! fixed dates around [`crate::sample::NOW`] so the outcome never depends on the clock): a root,
//! an intermediate it signed, leaves the intermediate signed, a self-signed leaf, and the
//! addresses that present them.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType, PKCS_ECDSA_P256_SHA256,
};
use time::macros::datetime;
use time::OffsetDateTime;

use crate::report::{AddressReport, CertSummary};

pub const ROOT_CN: &str = "Policy Test Root";
pub const INTERMEDIATE_CN: &str = "Policy Test Intermediate";

/// A root and the intermediate it signed.
pub struct Pki {
    pub root: CertifiedIssuer<'static, KeyPair>,
    pub intermediate: CertifiedIssuer<'static, KeyPair>,
}

fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, "tlscheck policy tests");
    dn
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = name(cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = datetime!(2020-01-01 0:00 UTC);
    params.not_after = datetime!(2040-01-01 0:00 UTC);
    params
}

fn leaf_params(names: &[&str], not_after: OffsetDateTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.subject_alt_names = names
        .iter()
        .map(|n| SanType::DnsName((*n).try_into().unwrap()))
        .collect();
    params.distinguished_name = name(names.first().copied().unwrap_or("leaf"));
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = datetime!(2026-01-01 0:00 UTC);
    params.not_after = not_after;
    params
}

fn key() -> KeyPair {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap()
}

impl Pki {
    pub fn new() -> Self {
        let root = CertifiedIssuer::self_signed(ca_params(ROOT_CN), key()).unwrap();
        let intermediate =
            CertifiedIssuer::signed_by(ca_params(INTERMEDIATE_CN), key(), &root).unwrap();
        Self { root, intermediate }
    }

    /// A leaf for `names`, valid through 2027, signed by the intermediate.
    pub fn leaf(&self, names: &[&str]) -> Vec<u8> {
        self.leaf_until(names, datetime!(2027-06-01 0:00 UTC))
    }

    /// A leaf for `names` that expires at `not_after`.
    pub fn leaf_until(&self, names: &[&str], not_after: OffsetDateTime) -> Vec<u8> {
        leaf_params(names, not_after)
            .signed_by(&key(), &self.intermediate)
            .unwrap()
            .der()
            .to_vec()
    }

    pub fn root_der(&self) -> Vec<u8> {
        self.root.der().to_vec()
    }

    pub fn intermediate_der(&self) -> Vec<u8> {
        self.intermediate.der().to_vec()
    }
}

/// A self-signed leaf for `names` (not a CA).
pub fn self_signed(names: &[&str]) -> Vec<u8> {
    leaf_params(names, datetime!(2027-06-01 0:00 UTC))
        .self_signed(&key())
        .unwrap()
        .der()
        .to_vec()
}

/// The summaries of a chain, leaf first, as the probe records them.
pub fn summaries(chain: &[Vec<u8>]) -> Vec<CertSummary> {
    chain
        .iter()
        .map(|der| crate::cert::summary::summarize(der))
        .collect()
}

/// An address that offered STARTTLS and presented `chain` over TLS 1.3, with a chain valid
/// against the trust store (change the facts a test needs).
pub fn address(chain: &[Vec<u8>]) -> AddressReport {
    let mut tls = crate::sample::tls();
    tls.chain = summaries(chain);
    tls.chain_valid = true;
    tls.chain_error = None;
    crate::sample::address("192.0.2.25", tls)
}

/// The DER of a certificate's SubjectPublicKeyInfo.
pub fn spki(der: &[u8]) -> Vec<u8> {
    use x509_parser::prelude::FromDer;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der).unwrap();
    cert.public_key().raw.to_vec()
}
