//! DER certificate -> [`CertSummary`]: the RFC 5280 facts an admin or partner asks for.
//!
//! Parsing never fails the run: a certificate that does not parse gets a summary with
//! `parse_error` set and its fingerprint, so the report still shows what was sent.

use base64::Engine;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_NIST_EC_P521,
    OID_PKCS1_RSAENCRYPTION, OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS,
    OID_PKIX_ACCESS_DESCRIPTOR_OCSP, OID_SIG_ED25519, OID_SIG_ED448,
};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use crate::cert::sha256_hex;
use crate::limits::MAX_CERT_BYTES;
use crate::report::CertSummary;
use crate::vocab::KeyType;

/// Summarises one DER certificate.
pub fn summarize(der: &[u8]) -> CertSummary {
    let sha256 = sha256_hex(der);
    if der.len() > MAX_CERT_BYTES {
        // Neither parsed nor copied into the report: the hash identifies it.
        return unparsed(
            sha256,
            String::new(),
            format!("certificate larger than {MAX_CERT_BYTES} bytes"),
        );
    }
    let der_b64 = base64::engine::general_purpose::STANDARD.encode(der);
    match X509Certificate::from_der(der) {
        Ok((_, cert)) => summarize_parsed(&cert, sha256, der_b64),
        Err(e) => unparsed(sha256, der_b64, format!("unparseable certificate: {e}")),
    }
}

fn unparsed(sha256: String, der: String, why: String) -> CertSummary {
    CertSummary {
        subject: String::new(),
        common_name: None,
        organization: None,
        organizational_unit: None,
        issuer: String::new(),
        serial: String::new(),
        not_before: OffsetDateTime::UNIX_EPOCH,
        not_after: OffsetDateTime::UNIX_EPOCH,
        san_dns: vec![],
        san_ip: vec![],
        // Nothing is known of an unparseable certificate's key: the empty word.
        key_type: KeyType::Other(String::new()),
        key_bits: 0,
        curve: None,
        signature_algorithm: String::new(),
        signature_algorithm_oid: None,
        is_ca: false,
        self_issued: false,
        sha256,
        spki_sha256: String::new(),
        ocsp_urls: vec![],
        ca_issuers_urls: vec![],
        crl_urls: vec![],
        der,
        parse_error: Some(why),
        revocation: None,
    }
}

fn summarize_parsed(cert: &X509Certificate<'_>, sha256: String, der: String) -> CertSummary {
    let subject = cert.subject();
    let first_str = |it: &mut dyn Iterator<
        Item = &x509_parser::x509::AttributeTypeAndValue<'_>,
    >| { it.next().and_then(|a| a.as_str().ok()).map(str::to_string) };
    let common_name = first_str(&mut subject.iter_common_name());
    let organization = first_str(&mut subject.iter_organization());
    let organizational_unit = first_str(&mut subject.iter_organizational_unit());

    let mut san_dns = Vec::new();
    let mut san_ip = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(d) => san_dns.push((*d).to_string()),
                GeneralName::IPAddress(bytes) => {
                    if let Some(ip) = ip_from_bytes(bytes) {
                        san_ip.push(ip.to_string());
                    }
                }
                _ => {}
            }
        }
    }

    let (ocsp_urls, ca_issuers_urls) = aia_urls(cert);
    let crl_urls = crl_urls(cert);

    let (key_type, key_bits, curve) = key_facts(cert);
    let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
    let signature_algorithm = signature_name(&sig_oid).map_or_else(
        || {
            x509_parser::objects::oid2sn(
                &cert.signature_algorithm.algorithm,
                x509_parser::objects::oid_registry(),
            )
            .map_or_else(|_| sig_oid.clone(), str::to_string)
        },
        str::to_string,
    );
    let is_ca = matches!(cert.basic_constraints(), Ok(Some(bc)) if bc.value.ca);

    CertSummary {
        subject: subject.to_string(),
        common_name,
        organization,
        organizational_unit,
        issuer: cert.issuer().to_string(),
        serial: cert.raw_serial_as_string(),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        san_dns,
        san_ip,
        key_type,
        key_bits,
        curve,
        signature_algorithm,
        signature_algorithm_oid: Some(sig_oid),
        is_ca,
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
        sha256,
        spki_sha256: sha256_hex(cert.public_key().raw),
        ocsp_urls,
        ca_issuers_urls,
        crl_urls,
        der,
        parse_error: None,
        revocation: None,
    }
}

/// The AIA URLs of a certificate: (OCSP responders, CA issuers), in order.
pub fn aia_urls(cert: &X509Certificate<'_>) -> (Vec<String>, Vec<String>) {
    let mut ocsp_urls = Vec::new();
    let mut ca_issuers_urls = Vec::new();
    for ext in cert.extensions() {
        if let ParsedExtension::AuthorityInfoAccess(aia) = ext.parsed_extension() {
            for desc in &aia.accessdescs {
                if let GeneralName::URI(uri) = desc.access_location {
                    if desc.access_method == OID_PKIX_ACCESS_DESCRIPTOR_OCSP {
                        ocsp_urls.push(uri.to_string());
                    } else if desc.access_method == OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS {
                        ca_issuers_urls.push(uri.to_string());
                    }
                }
            }
        }
    }
    (ocsp_urls, ca_issuers_urls)
}

/// The URIs of a certificate's CRL distribution points (full names only), in order.
pub fn crl_urls(cert: &X509Certificate<'_>) -> Vec<String> {
    let mut crl_urls = Vec::new();
    for ext in cert.extensions() {
        if let ParsedExtension::CRLDistributionPoints(points) = ext.parsed_extension() {
            for point in points.iter() {
                if let Some(DistributionPointName::FullName(names)) = &point.distribution_point {
                    for n in names {
                        if let GeneralName::URI(uri) = n {
                            crl_urls.push(uri.to_string());
                        }
                    }
                }
            }
        }
    }
    crl_urls
}

/// Certificate signature algorithms by OID, with the names OpenSSL prints (RFC 3279, 4055, 5758,
/// 8410).
const SIGNATURE_ALGORITHMS: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.2", "md2WithRSAEncryption"),
    ("1.2.840.113549.1.1.3", "md4WithRSAEncryption"),
    ("1.2.840.113549.1.1.4", "md5WithRSAEncryption"),
    ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
    ("1.3.14.3.2.29", "sha1WithRSA"),
    ("1.2.840.113549.1.1.10", "rsassaPss"),
    ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
    ("1.2.840.113549.1.1.12", "sha384WithRSAEncryption"),
    ("1.2.840.113549.1.1.13", "sha512WithRSAEncryption"),
    ("1.2.840.113549.1.1.14", "sha224WithRSAEncryption"),
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
    ("1.2.840.10045.4.3.1", "ecdsa-with-SHA224"),
    ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256"),
    ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384"),
    ("1.2.840.10045.4.3.4", "ecdsa-with-SHA512"),
    ("1.2.840.10040.4.3", "dsa-with-SHA1"),
    ("2.16.840.1.101.3.4.3.1", "dsa-with-SHA224"),
    ("2.16.840.1.101.3.4.3.2", "dsa-with-SHA256"),
    ("1.3.101.112", "ED25519"),
    ("1.3.101.113", "ED448"),
];

/// The name of a signature algorithm OID, when it is a known one.
pub fn signature_name(oid: &str) -> Option<&'static str> {
    SIGNATURE_ALGORITHMS
        .iter()
        .find(|(o, _)| *o == oid)
        .map(|(_, name)| *name)
}

/// The broken hash of a signature algorithm (by name or OID): `MD2`, `MD5` or `SHA-1`, which no
/// current client accepts in a certificate signature; `None` for any other.
pub fn weak_signature_hash(algorithm: &str) -> Option<&'static str> {
    let name = signature_name(algorithm)
        .unwrap_or(algorithm)
        .to_ascii_lowercase();
    if name.starts_with("md2") {
        Some("MD2")
    } else if name.starts_with("md4") {
        Some("MD4")
    } else if name.starts_with("md5") {
        Some("MD5")
    } else if name.starts_with("sha1") || name.ends_with("-sha1") {
        Some("SHA-1")
    } else {
        None
    }
}

fn ip_from_bytes(bytes: &[u8]) -> Option<std::net::IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Some(v4.into());
    }
    <[u8; 16]>::try_from(bytes).ok().map(Into::into)
}

/// Key type, size in bits, and curve. RSA size is computed from the modulus here because
/// x509-parser 0.18's `key_size()` returns 0 unless the modulus has a leading zero byte.
fn key_facts(cert: &X509Certificate<'_>) -> (KeyType, u32, Option<String>) {
    let spki = cert.public_key();
    let alg = &spki.algorithm.algorithm;
    if *alg == OID_PKCS1_RSAENCRYPTION {
        let bits = match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => bit_length(rsa.modulus),
            _ => 0,
        };
        return (KeyType::Rsa, bits, None);
    }
    if *alg == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve_oid = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        let (name, bits) = match curve_oid {
            Some(o) if o == OID_EC_P256 => ("P-256".to_string(), 256),
            Some(o) if o == OID_NIST_EC_P384 => ("P-384".to_string(), 384),
            Some(o) if o == OID_NIST_EC_P521 => ("P-521".to_string(), 521),
            Some(o) => (o.to_id_string(), 0),
            None => ("unknown".to_string(), 0),
        };
        return (KeyType::Ec, bits, Some(name));
    }
    if *alg == OID_SIG_ED25519 {
        return (KeyType::Ed25519, 256, None);
    }
    if *alg == OID_SIG_ED448 {
        return (KeyType::Ed448, 456, None);
    }
    let bits = match spki.parsed() {
        Ok(PublicKey::DSA(y)) => (y.len() * 8) as u32,
        _ => 0,
    };
    let key_type = if bits > 0 {
        KeyType::Dsa
    } else {
        KeyType::Other(alg.to_id_string())
    };
    (key_type, bits, None)
}

/// The size of an RSA key of certificate `der`, in bits; `None` when it is not an RSA key.
pub fn rsa_key_bits(der: &[u8]) -> Option<u32> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => Some(bit_length(rsa.modulus)),
        _ => None,
    }
}

/// Bit length of a big-endian unsigned integer (an RSA modulus, a DH prime).
pub fn bit_length(modulus: &[u8]) -> u32 {
    let trimmed: &[u8] = {
        let skip = modulus.iter().take_while(|&&b| b == 0).count();
        modulus.get(skip..).unwrap_or_default()
    };
    match trimmed.first() {
        None => 0,
        Some(&top) => (trimmed.len() as u32 - 1) * 8 + (8 - top.leading_zeros()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_length_ignores_sign_byte() {
        assert_eq!(bit_length(&[0x00, 0x80, 0, 0]), 24);
        assert_eq!(bit_length(&[0x01, 0, 0]), 17);
        assert_eq!(bit_length(&[]), 0);
        let mut m = vec![0x00];
        m.extend(vec![0xff; 256]);
        assert_eq!(bit_length(&m), 2048);
    }

    #[test]
    fn garbage_is_summarised_with_a_parse_error() {
        let s = summarize(b"not a certificate");
        assert!(s.parse_error.is_some());
        assert_eq!(s.sha256.len(), 64);
    }

    #[test]
    fn summarises_a_generated_certificate() {
        use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
        let mut params = CertificateParams::new(vec![
            "mx1.example.test".to_string(),
            "mail.example.test".into(),
        ])
        .unwrap();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "mx1.example.test");
        dn.push(DnType::OrganizationName, "Example Org");
        dn.push(DnType::OrganizationalUnitName, "Mail");
        params.distinguished_name = dn;
        params.crl_distribution_points = vec![rcgen::CrlDistributionPoint {
            uris: vec!["http://crl.example.test/ca.crl".into()],
        }];
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let s = summarize(cert.der());
        assert_eq!(s.parse_error, None);
        assert_eq!(s.common_name.as_deref(), Some("mx1.example.test"));
        assert_eq!(s.organization.as_deref(), Some("Example Org"));
        assert_eq!(s.organizational_unit.as_deref(), Some("Mail"));
        assert_eq!(s.san_dns, vec!["mx1.example.test", "mail.example.test"]);
        assert_eq!(s.key_type, crate::vocab::KeyType::Ec);
        assert_eq!(s.key_bits, 256);
        assert_eq!(s.curve.as_deref(), Some("P-256"));
        assert_eq!(s.signature_algorithm, "ecdsa-with-SHA256");
        assert_eq!(s.crl_urls, vec!["http://crl.example.test/ca.crl"]);
        assert!(s.self_issued);
        assert_eq!(s.sha256, sha256_hex(cert.der()));
        use rustls_pki_types::pem::PemObject;
        let spki = rustls_pki_types::SubjectPublicKeyInfoDer::from_pem_slice(
            key.public_key_pem().as_bytes(),
        )
        .unwrap();
        assert_eq!(s.spki_sha256, sha256_hex(&spki));
    }

    #[test]
    fn signature_algorithms_are_named_and_weak_hashes_told() {
        assert_eq!(
            signature_name("1.2.840.113549.1.1.5"),
            Some("sha1WithRSAEncryption")
        );
        assert_eq!(signature_name("1.2.840.10045.4.1"), Some("ecdsa-with-SHA1"));
        assert_eq!(signature_name("1.2.3"), None);
        for weak in [
            "1.2.840.113549.1.1.5",
            "ecdsa-with-SHA1",
            "dsa-with-SHA1",
            "md5WithRSAEncryption",
            "1.3.14.3.2.29",
            "1.2.840.113549.1.1.3",
        ] {
            assert!(weak_signature_hash(weak).is_some(), "{weak}");
        }
        for fine in [
            "sha256WithRSAEncryption",
            "1.2.840.10045.4.3.2",
            "ED25519",
            "1.2.3",
        ] {
            assert_eq!(weak_signature_hash(fine), None, "{fine}");
        }
    }

    #[test]
    fn rsa_key_size_is_computed() {
        use rcgen::{CertificateParams, KeyPair};
        let key = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let cert = CertificateParams::new(vec!["rsa.example.test".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let s = summarize(cert.der());
        assert_eq!(s.key_type, crate::vocab::KeyType::Rsa);
        assert!(s.key_bits >= 2048, "got {}", s.key_bits);
        assert_eq!(s.signature_algorithm, "sha256WithRSAEncryption");
    }
}
