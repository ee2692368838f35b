//! A throw-away test PKI, generated with rcgen every time [`TestPki::new`] runs.
//!
//! It holds a trusted root, an intermediate signed by it, an "impostor" root that
//! copies the trusted root's subject DN exactly but has its own key (so a chain that
//! merely *names* the right root can be told apart from one that is really signed by
//! it), and an unrelated untrusted root. Leaf certificates for the test SMTP servers
//! are cut from any of them through [`TestPki::leaf`]. Keys are fresh on each run so
//! nothing secret or expiring is checked into the repository.

use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, CrlDistributionPoint, CustomExtension,
    DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, RsaKeySize,
    SanType, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

/// Subject CN of the trusted root (the impostor root copies it too).
pub const ROOT_CN: &str = "tlscheck Test Root";
/// Subject CN of the intermediate CA that issues leaves by default.
pub const INTERMEDIATE_CN: &str = "tlscheck Test Intermediate";
/// Subject CN of the unrelated, never-trusted root.
pub const OTHER_ROOT_CN: &str = "Untrusted Test Root";
/// Subject O shared by the test CAs.
pub const TEST_ORG: &str = "tlscheck tests";

/// A certificate authority of the test PKI.
///
/// The signing key stays private to this module: tests only ever need the
/// certificate, and keeping the key inside makes it impossible to "accidentally"
/// trust something by handing out key material.
pub struct TestCa {
    /// The CA certificate, DER.
    pub cert_der: Vec<u8>,
    /// The CA certificate, PEM (`-----BEGIN CERTIFICATE-----`).
    pub cert_pem: String,
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is deliberately left out; rcgen's Issuer elides it as well.
        f.debug_struct("TestCa")
            .field("cert_der_len", &self.cert_der.len())
            .finish_non_exhaustive()
    }
}

impl TestCa {
    fn self_signed(cn: &str) -> TestCa {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("generate CA key");
        let issuer =
            CertifiedIssuer::self_signed(ca_params(cn), key).expect("self-sign CA certificate");
        TestCa::from_issuer(issuer)
    }

    fn signed_by(cn: &str, parent: &TestCa) -> TestCa {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("generate CA key");
        let mut params = ca_params(cn);
        // Lets path builders match the intermediate to the root by key id, as
        // real-world intermediates do.
        params.use_authority_key_identifier_extension = true;
        let issuer = CertifiedIssuer::signed_by(params, key, &parent.issuer)
            .expect("sign intermediate certificate");
        TestCa::from_issuer(issuer)
    }

    fn from_issuer(issuer: CertifiedIssuer<'static, KeyPair>) -> TestCa {
        TestCa {
            cert_der: issuer.der().to_vec(),
            cert_pem: issuer.pem(),
            issuer,
        }
    }
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, TEST_ORG);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    // A fixed window around "now" rather than rcgen's 1975..4096 default, so the
    // CAs look like ordinary CAs to anything that reports on validity periods.
    let now = OffsetDateTime::now_utc();
    // Ten years back, like a real CA: an expired leaf must still have been issued inside the
    // CA's validity, so the chain can be checked "as of" the leaf's lifetime.
    params.not_before = now - Duration::days(3650);
    params.not_after = now + Duration::days(3650);
    params
}

/// Which CA signs a leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Issuer {
    /// The intermediate (the normal, trusted case; the chain carries the intermediate).
    Intermediate,
    /// The impostor root: same issuer DN as the trusted root, different key.
    ImpostorRoot,
    /// The unrelated "Untrusted Test Root".
    OtherRoot,
    /// Directly by the trusted root (no intermediate).
    Root,
}

/// What leaf certificate to make. Start from [`LeafSpec::new`] and change fields.
#[derive(Clone, Debug)]
pub struct LeafSpec {
    /// DNS SANs (IP literals become IP SANs); the first one is also the subject CN.
    pub names: Vec<String>,
    /// Subject O, if any.
    pub organization: Option<String>,
    /// Which CA signs the leaf.
    pub issuer: Issuer,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// `None` = ECDSA P-256. `Some(bits)` = RSA with PKCS#1 SHA-256 signatures;
    /// only 2048, 3072 and 4096 can be generated (rcgen/aws-lc-rs limits), any
    /// other size panics.
    pub rsa_bits: Option<usize>,
    /// OCSP responder URL, put into an Authority Information Access extension.
    pub ocsp_url: Option<String>,
    /// CRL distribution point URL.
    pub crl_url: Option<String>,
}

impl LeafSpec {
    /// A leaf for `names` issued by the intermediate, valid from a day ago to 90
    /// days from now, with an ECDSA P-256 key.
    pub fn new<S: Into<String>>(names: impl IntoIterator<Item = S>) -> LeafSpec {
        let now = OffsetDateTime::now_utc();
        LeafSpec {
            names: names.into_iter().map(Into::into).collect(),
            organization: None,
            issuer: Issuer::Intermediate,
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(90),
            rsa_bits: None,
            ocsp_url: None,
            crl_url: None,
        }
    }
}

/// An issued leaf certificate with its private key.
#[derive(Clone, Debug)]
pub struct Leaf {
    /// The leaf certificate, DER.
    pub cert_der: Vec<u8>,
    /// The leaf's private key, PKCS#8 DER.
    pub key_der: Vec<u8>,
    /// What a server should send: the leaf, then the intermediate when the
    /// intermediate issued it; just the leaf otherwise.
    pub chain_der: Vec<Vec<u8>>,
    /// The private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub key_pem: String,
    /// `chain_der` as concatenated PEM certificates, leaf first.
    pub chain_pem: String,
}

/// The whole test PKI. See the module docs.
#[derive(Debug)]
pub struct TestPki {
    /// "tlscheck Test Root", the root tests put in the trust file.
    pub root: TestCa,
    /// "tlscheck Test Intermediate", signed by `root`.
    pub intermediate: TestCa,
    /// Self-signed, exactly the same subject DN as `root`, different key.
    pub impostor_root: TestCa,
    /// "Untrusted Test Root", unrelated to everything else.
    pub other_root: TestCa,
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

impl TestPki {
    /// Generates all four CAs with fresh ECDSA P-256 keys (a few milliseconds).
    pub fn new() -> TestPki {
        let root = TestCa::self_signed(ROOT_CN);
        let intermediate = TestCa::signed_by(INTERMEDIATE_CN, &root);
        // Same params => byte-identical subject DN; only the key (and hence the
        // signature, SKI and rcgen's key-derived serial) differ.
        let impostor_root = TestCa::self_signed(ROOT_CN);
        let other_root = TestCa::self_signed(OTHER_ROOT_CN);
        TestPki {
            root,
            intermediate,
            impostor_root,
            other_root,
        }
    }

    /// Issues a leaf certificate as described by `spec`. Panics on a bad spec
    /// (no names, unsupported RSA size), which is a bug in the test.
    pub fn leaf(&self, spec: LeafSpec) -> Leaf {
        assert!(!spec.names.is_empty(), "LeafSpec.names must not be empty");

        let key = match spec.rsa_bits {
            None => KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("generate ECDSA key"),
            Some(bits) => {
                let size = match bits {
                    2048 => RsaKeySize::_2048,
                    3072 => RsaKeySize::_3072,
                    4096 => RsaKeySize::_4096,
                    other => panic!(
                        "RSA key size {other} cannot be generated (rcgen/aws-lc-rs offer 2048, 3072, 4096)"
                    ),
                };
                KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, size).expect("generate RSA key")
            }
        };

        let mut params = CertificateParams::default();
        params.subject_alt_names = spec
            .names
            .iter()
            .map(|n| match n.parse::<IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName(
                    n.clone()
                        .try_into()
                        .unwrap_or_else(|e| panic!("bad DNS SAN {n:?}: {e}")),
                ),
            })
            .collect();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, spec.names[0].as_str());
        if let Some(org) = &spec.organization {
            dn.push(DnType::OrganizationName, org.as_str());
        }
        params.distinguished_name = dn;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = if spec.rsa_bits.is_some() {
            vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyEncipherment,
            ]
        } else {
            vec![KeyUsagePurpose::DigitalSignature]
        };
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.not_before = spec.not_before;
        params.not_after = spec.not_after;
        if let Some(url) = &spec.crl_url {
            params.crl_distribution_points = vec![CrlDistributionPoint {
                uris: vec![url.clone()],
            }];
        }
        if let Some(url) = &spec.ocsp_url {
            // rcgen has no typed AIA support, so the extension is DER-encoded here.
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(
                    &[1, 3, 6, 1, 5, 5, 7, 1, 1],
                    aia_ocsp_der(url),
                ));
        }

        let ca = self.ca(spec.issuer);
        let cert = params
            .signed_by(&key, &ca.issuer)
            .expect("sign leaf certificate");

        let cert_der = cert.der().to_vec();
        let mut chain_der = vec![cert_der.clone()];
        if spec.issuer == Issuer::Intermediate {
            chain_der.push(self.intermediate.cert_der.clone());
        }
        let chain_pem = match spec.issuer {
            Issuer::Intermediate => format!("{}{}", cert.pem(), self.intermediate.cert_pem),
            _ => cert.pem(),
        };
        Leaf {
            cert_der,
            key_der: key.serialize_der(),
            chain_der,
            key_pem: key.serialize_pem(),
            chain_pem,
        }
    }

    fn ca(&self, issuer: Issuer) -> &TestCa {
        match issuer {
            Issuer::Intermediate => &self.intermediate,
            Issuer::ImpostorRoot => &self.impostor_root,
            Issuer::OtherRoot => &self.other_root,
            Issuer::Root => &self.root,
        }
    }

    /// The trusted root as PEM.
    pub fn root_pem(&self) -> String {
        self.root.cert_pem.clone()
    }

    /// The impostor root (same DN as the trusted root) as PEM.
    pub fn impostor_root_pem(&self) -> String {
        self.impostor_root.cert_pem.clone()
    }

    /// Writes the trusted root's PEM to `dir/roots.pem` and returns that path.
    pub fn write_trust_file(&self, dir: &Path) -> PathBuf {
        let path = dir.join("roots.pem");
        fs::write(&path, self.root_pem())
            .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }
}

/// A rustls server config (aws-lc-rs provider, TLS 1.2 and 1.3, no client auth)
/// that presents `leaf.chain_der`.
pub fn rustls_server_config(leaf: &Leaf) -> Arc<rustls::ServerConfig> {
    rustls_server_config_with(leaf, None, None)
}

/// DER of an AuthorityInfoAccessSyntax holding a single OCSP access description.
fn aia_ocsp_der(url: &str) -> Vec<u8> {
    // id-ad-ocsp, 1.3.6.1.5.5.7.48.1
    const ID_AD_OCSP: [u8; 8] = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];
    let mut access_description = der_tlv(0x06, &ID_AD_OCSP);
    // GeneralName uniformResourceIdentifier: [6] IMPLICIT IA5String
    access_description.extend(der_tlv(0x86, url.as_bytes()));
    der_tlv(0x30, &der_tlv(0x30, &access_description))
}

fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

// ------------------------------------------------------------------ revocation and client auth

/// One revoked certificate for [`TestPki::crl`].
pub struct Revoked {
    pub serial: Vec<u8>,
    pub at: OffsetDateTime,
    /// RFC 5280 CRLReason code, e.g. 1 = keyCompromise.
    pub reason: Option<u8>,
}

/// Who signs an OCSP response made by [`TestPki::ocsp_response`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OcspSigner {
    /// The intermediate itself (the issuer of the leaves).
    Issuer,
    /// A delegated responder certificate (EKU OCSPSigning) issued by the intermediate, included
    /// in the response.
    Delegated,
    /// A key that has nothing to do with the issuer (the other root's).
    WrongKey,
}

/// The status an OCSP response states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OcspStatus {
    Good,
    /// Revoked at the given time with reason keyCompromise.
    Revoked(OffsetDateTime),
    Unknown,
}

/// The serial number of a DER certificate (INTEGER contents).
pub fn serial_of(cert_der: &[u8]) -> Vec<u8> {
    use x509_parser::prelude::FromDer;
    let (_, cert) =
        x509_parser::certificate::X509Certificate::from_der(cert_der).expect("parse certificate");
    cert.raw_serial().to_vec()
}

fn reason(code: u8) -> rcgen::RevocationReason {
    use rcgen::RevocationReason as R;
    match code {
        1 => R::KeyCompromise,
        2 => R::CaCompromise,
        3 => R::AffiliationChanged,
        4 => R::Superseded,
        5 => R::CessationOfOperation,
        6 => R::CertificateHold,
        _ => R::Unspecified,
    }
}

impl TestPki {
    /// A DER CRL of the intermediate (the issuer of default leaves), valid from `this_update` to
    /// `next_update`. `forged`: signed by a CA with the intermediate's exact name but another key.
    pub fn crl(
        &self,
        revoked: &[Revoked],
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
        forged: bool,
    ) -> Vec<u8> {
        let params = rcgen::CertificateRevocationListParams {
            this_update,
            next_update,
            crl_number: rcgen::SerialNumber::from(vec![1u8]),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|r| rcgen::RevokedCertParams {
                    serial_number: rcgen::SerialNumber::from(r.serial.clone()),
                    revocation_time: r.at,
                    reason_code: r.reason.map(reason),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        };
        let forger;
        let ca = if forged {
            forger = TestCa::signed_by(INTERMEDIATE_CN, &self.other_root);
            &forger
        } else {
            &self.intermediate
        };
        params
            .signed_by(&ca.issuer)
            .expect("sign CRL")
            .der()
            .to_vec()
    }

    /// The intermediate's CRL listing `revoked`, issued an hour ago and due again in a week:
    /// what a healthy CA serves.
    pub fn current_crl(&self, revoked: &[Revoked]) -> Vec<u8> {
        let now = OffsetDateTime::now_utc();
        self.crl(
            revoked,
            now - Duration::hours(1),
            now + Duration::days(7),
            false,
        )
    }

    /// A DER OCSPResponse (successful, basic) about `leaf_der` (issued by the intermediate).
    pub fn ocsp_response(
        &self,
        leaf_der: &[u8],
        status: OcspStatus,
        signer: OcspSigner,
    ) -> Vec<u8> {
        use der::asn1::{BitString, GeneralizedTime, Null, OctetString};
        use der::{Decode, Encode};
        use x509_ocsp::{
            BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspResponse, ResponderId,
            ResponseData, RevokedInfo, SingleResponse, Version,
        };
        let sha1 = |d: &[u8]| {
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, d)
                .as_ref()
                .to_vec()
        };
        let (_, issuer) = {
            use x509_parser::prelude::FromDer;
            x509_parser::certificate::X509Certificate::from_der(&self.intermediate.cert_der)
                .unwrap()
        };
        let time = |t: OffsetDateTime| {
            OcspGeneralizedTime(
                GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
                    t.unix_timestamp() as u64,
                ))
                .unwrap(),
            )
        };
        let now = OffsetDateTime::now_utc();
        let cert_id = CertId {
            hash_algorithm: x509_cert::spki::AlgorithmIdentifierOwned {
                oid: der::oid::ObjectIdentifier::new_unwrap("1.3.14.3.2.26"),
                parameters: Some(der::Any::from(Null)),
            },
            issuer_name_hash: OctetString::new(sha1(issuer.subject().as_raw())).unwrap(),
            issuer_key_hash: OctetString::new(sha1(&issuer.public_key().subject_public_key.data))
                .unwrap(),
            serial_number: x509_cert::serial_number::SerialNumber::new(&serial_of(leaf_der))
                .unwrap(),
        };
        let cert_status = match status {
            OcspStatus::Good => CertStatus::Good(Null),
            OcspStatus::Unknown => CertStatus::Unknown(Null),
            OcspStatus::Revoked(at) => CertStatus::Revoked(RevokedInfo {
                revocation_time: time(at),
                revocation_reason: Some(x509_cert::ext::pkix::crl::CrlReason::KeyCompromise),
            }),
        };
        let key_hash = |spki_bits: &[u8]| OctetString::new(sha1(spki_bits)).unwrap();
        // The responder: its key, and the certificate to include (delegated only).
        let responder_key;
        let (key, included): (&KeyPair, Option<Vec<u8>>) = match signer {
            OcspSigner::Issuer => (self.intermediate.issuer.key(), None),
            OcspSigner::WrongKey => (self.other_root.issuer.key(), None),
            OcspSigner::Delegated => {
                responder_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
                let mut params = CertificateParams::default();
                let mut dn = DistinguishedName::new();
                dn.push(DnType::CommonName, "tlscheck Test OCSP Responder");
                params.distinguished_name = dn;
                params.extended_key_usages = vec![ExtendedKeyUsagePurpose::OcspSigning];
                params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
                params.not_before = now - Duration::days(1);
                params.not_after = now + Duration::days(30);
                let cert = params
                    .signed_by(&responder_key, &self.intermediate.issuer)
                    .expect("sign responder");
                (&responder_key, Some(cert.der().to_vec()))
            }
        };
        let responder_spki = {
            use x509_parser::prelude::FromDer;
            let spki_der = rcgen::PublicKeyData::subject_public_key_info(key);
            let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&spki_der).unwrap();
            spki.subject_public_key.data.to_vec()
        };
        let tbs = ResponseData {
            version: Version::V1,
            responder_id: ResponderId::ByKey(key_hash(&responder_spki)),
            produced_at: time(now),
            responses: vec![SingleResponse {
                cert_id,
                cert_status,
                this_update: time(now - Duration::hours(1)),
                next_update: Some(time(now + Duration::days(7))),
                single_extensions: None,
            }],
            response_extensions: None,
        };
        let tbs_der = tbs.to_der().unwrap();
        let signature = rcgen::SigningKey::sign(key, &tbs_der).expect("sign OCSP response");
        let basic = BasicOcspResponse {
            tbs_response_data: tbs,
            signature_algorithm: x509_cert::spki::AlgorithmIdentifierOwned {
                // ecdsa-with-SHA256: every test key is ECDSA P-256.
                oid: der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
                parameters: None,
            },
            signature: BitString::from_bytes(&signature).unwrap(),
            certs: included.map(|c| vec![x509_cert::Certificate::from_der(&c).unwrap()]),
        };
        OcspResponse::successful(basic).unwrap().to_der().unwrap()
    }

    /// A DER OCSPResponse with only an error status (`tryLater`).
    pub fn ocsp_try_later() -> Vec<u8> {
        use der::Encode;
        x509_ocsp::OcspResponse::try_later().to_der().unwrap()
    }

    /// A client CA (separate from the server PKI) and a client certificate it issued:
    /// (CA, client chain PEM, client key PEM).
    pub fn client_identity(ca_cn: &str) -> (TestCa, String, String) {
        let ca = TestCa::self_signed(ca_cn);
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "client.tlscheck.test");
        dn.push(DnType::OrganizationName, "tlscheck partner");
        params.distinguished_name = dn;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::days(1);
        params.not_after = now + Duration::days(30);
        params.use_authority_key_identifier_extension = true;
        let cert = params
            .signed_by(&key, &ca.issuer)
            .expect("sign client cert");
        let pem = cert.pem();
        (ca, pem, key.serialize_pem())
    }
}

/// Like [`rustls_server_config`], stapling `ocsp` and/or requiring a client certificate issued
/// by `client_ca`.
pub fn rustls_server_config_with(
    leaf: &Leaf,
    ocsp: Option<Vec<u8>>,
    client_ca: Option<&TestCa>,
) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let chain: Vec<CertificateDer<'static>> = leaf
        .chain_der
        .iter()
        .map(|der| CertificateDer::from(der.clone()))
        .collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key_der.clone()));
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
        .expect("aws-lc-rs supports TLS 1.2 and 1.3");
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots
                .add(CertificateDer::from(ca.cert_der.clone()))
                .expect("client CA");
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .expect("client verifier");
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder
        .with_single_cert_with_ocsp(chain, key, ocsp.unwrap_or_default())
        .expect("leaf key matches certificate");
    Arc::new(config)
}
