//! Certificates: the facts of each presented certificate ([`summary`]) and the chain's trust
//! ([`chain`]): validation against a trust store, the anchor identified by key, hostname match.

pub mod chain;
pub mod summary;

use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

/// A possible issuer: its subject Name and SubjectPublicKeyInfo, both DER with their SEQUENCE.
#[derive(Debug, Clone)]
pub struct IssuerKey {
    pub subject: Vec<u8>,
    pub spki: Vec<u8>,
}

impl IssuerKey {
    pub fn spki(&self) -> Option<SubjectPublicKeyInfo<'_>> {
        SubjectPublicKeyInfo::from_der(&self.spki)
            .ok()
            .map(|(_, k)| k)
    }

    pub fn of(cert: &X509Certificate<'_>) -> Self {
        Self {
            subject: cert.subject().as_raw().to_vec(),
            spki: cert.public_key().raw.to_vec(),
        }
    }
}

/// Lower-case hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Wraps DER contents in a SEQUENCE header. Trust anchors keep their subject and SPKI without
/// the outer SEQUENCE; fingerprints and names are computed over the full encoding.
pub fn der_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = vec![0x30];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(contents);
    out
}

/// A certificate as PEM (RFC 7468: `-----BEGIN CERTIFICATE-----`, base64 in lines of 64), from the
/// base64 DER a report carries (`CertSummary::der`). The text is decoded and encoded again, so
/// only base64 characters are written whatever a saved report holds; `None` when it is not base64.
pub fn pem_from_base64(der_b64: &str) -> Option<String> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let der = engine
        .decode(der_b64.trim())
        .ok()
        .filter(|d| !d.is_empty())?;
    let body = engine.encode(der);
    let mut out = String::with_capacity(body.len() + body.len() / 64 + 60);
    out.push_str("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_input() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn der_sequence_lengths() {
        assert_eq!(der_sequence(&[1, 2]), vec![0x30, 2, 1, 2]);
        let long = vec![0u8; 300];
        let seq = der_sequence(&long);
        assert_eq!(&seq[..4], &[0x30, 0x82, 0x01, 0x2c]);
        assert_eq!(seq.len(), 304);
    }
}
