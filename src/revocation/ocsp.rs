//! OCSP (RFC 6960): request building, response parsing with x509-ocsp, signature check by the
//! issuer or a delegated responder (RFC 6960 §4.2.2.2), status good / revoked / unknown. Used for
//! fetched and stapled responses alike. Pure: the HTTP exchange happens in `revocation::Checker`.

use der::oid::AssociatedOid;
use der::{Decode, Encode, Header, Reader, SliceReader};
use time::OffsetDateTime;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    TbsRequest, Version,
};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::x509::AlgorithmIdentifier;

use super::{blank, reason_name, CLOCK_SKEW};
use crate::cert::IssuerKey;
use crate::limits::MAX_OCSP_CERTS;
use crate::report::RevocationCheck;
use crate::vocab::RevocationStatus;

/// SHA-1, the CertID hash every responder understands (RFC 6960 §4.3, RFC 5019 §2.1.1).
const SHA1: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.3.14.3.2.26");

fn sha1(data: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, data)
        .as_ref()
        .to_vec()
}

/// Why an OCSP request cannot be built, or a body is not an OCSP response.
#[derive(Debug, thiserror::Error)]
pub enum OcspError {
    #[error("the issuer's public key cannot be parsed")]
    IssuerKey,
    #[error("the certificate's serial number cannot be used in OCSP: {0}")]
    Serial(der::Error),
    #[error("cannot encode the OCSP request: {0}")]
    Encode(der::Error),
    #[error("not an OCSP response: {0}")]
    NotAResponse(der::Error),
}

/// The CertID of `cert` issued by `issuer`.
pub fn cert_id(cert: &X509Certificate<'_>, issuer: &IssuerKey) -> Result<CertId, OcspError> {
    let spki = issuer.spki().ok_or(OcspError::IssuerKey)?;
    let serial = SerialNumber::new(cert.raw_serial()).map_err(OcspError::Serial)?;
    sha1_cert_id(
        &sha1(&issuer.subject),
        &sha1(&spki.subject_public_key.data),
        serial,
    )
}

/// A CertID with SHA-1 hashes of the issuer's name and key.
fn sha1_cert_id(
    name_hash: &[u8],
    key_hash: &[u8],
    serial_number: SerialNumber,
) -> Result<CertId, OcspError> {
    let octets = |h: &[u8]| der::asn1::OctetString::new(h.to_vec()).map_err(OcspError::Encode);
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: SHA1,
            parameters: Some(der::Any::null()),
        },
        issuer_name_hash: octets(name_hash)?,
        issuer_key_hash: octets(key_hash)?,
        serial_number,
    })
}

/// An OCSP request for serial 1 of an all-zero issuer: any responder answers it (usually
/// `unauthorized` or `unknown`), which proves it is reachable and speaks OCSP
/// (`tlscheck endpoints`, which has no certificate to ask about).
pub fn probe_request() -> Result<Vec<u8>, OcspError> {
    let serial = SerialNumber::new(&[1]).map_err(OcspError::Serial)?;
    request(&sha1_cert_id(&[0; 20], &[0; 20], serial)?)
}

/// A DER OCSPRequest for one CertID, unsigned and without nonce (responders serve cached
/// responses; RFC 5019).
pub fn request(id: &CertId) -> Result<Vec<u8>, OcspError> {
    OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: vec![Request {
                req_cert: id.clone(),
                single_request_extensions: None,
            }],
            request_extensions: None,
        },
        optional_signature: None,
    }
    .to_der()
    .map_err(OcspError::Encode)
}

/// The `responseStatus` name of RFC 6960 §4.2.1.
fn status_name(s: OcspResponseStatus) -> &'static str {
    match s {
        OcspResponseStatus::Successful => "successful",
        OcspResponseStatus::MalformedRequest => "malformedRequest",
        OcspResponseStatus::InternalError => "internalError",
        OcspResponseStatus::TryLater => "tryLater",
        OcspResponseStatus::SigRequired => "sigRequired",
        OcspResponseStatus::Unauthorized => "unauthorized",
    }
}

/// Reads only the response status (for `tlscheck endpoints`, which has no certificate to ask
/// about).
pub fn response_status(body: &[u8]) -> Result<&'static str, OcspError> {
    OcspResponse::from_der(body)
        .map(|r| status_name(r.response_status))
        .map_err(OcspError::NotAResponse)
}

/// Judges an OCSP response `body` about `id`, whose issuer may be any of `issuers`.
pub fn judge(
    body: &[u8],
    id: &CertId,
    issuers: &[IssuerKey],
    now: OffsetDateTime,
) -> RevocationCheck {
    let response = match OcspResponse::from_der(body) {
        Ok(r) => r,
        Err(e) => return invalid(format!("not an OCSP response: {e}")),
    };
    if response.response_status != OcspResponseStatus::Successful {
        let name = status_name(response.response_status);
        let mut c = blank(RevocationStatus::ResponderError);
        c.responder_status = Some(name.into());
        c.error = Some(format!("the responder answered {name}"));
        return c;
    }
    let Some(bytes) = response.response_bytes else {
        return invalid("a successful response without responseBytes".into());
    };
    if bytes.response_type != BasicOcspResponse::OID {
        return invalid(format!("unsupported response type {}", bytes.response_type));
    }
    let raw = bytes.response.as_bytes();
    let basic = match BasicOcspResponse::from_der(raw) {
        Ok(b) => b,
        Err(e) => return invalid(format!("bad BasicOCSPResponse: {e}")),
    };
    let Some(tbs) = first_element(raw) else {
        return invalid("bad BasicOCSPResponse framing".into());
    };
    let mut check = blank(RevocationStatus::Good);
    check.produced_at = to_time(&basic.tbs_response_data.produced_at.0);
    let single = basic.tbs_response_data.responses.iter().find(|r| {
        r.cert_id.hash_algorithm.oid == id.hash_algorithm.oid
            && r.cert_id.issuer_name_hash == id.issuer_name_hash
            && r.cert_id.issuer_key_hash == id.issuer_key_hash
            && r.cert_id.serial_number == id.serial_number
    });
    let Some(single) = single else {
        let mut c = invalid("the response does not answer for this certificate".into());
        c.produced_at = check.produced_at;
        return c;
    };
    check.this_update = to_time(&single.this_update.0);
    check.next_update = single.next_update.as_ref().and_then(|t| to_time(&t.0));
    match &single.cert_status {
        CertStatus::Good(_) => {}
        CertStatus::Revoked(info) => {
            check.status = RevocationStatus::Revoked;
            check.revoked_at = to_time(&info.revocation_time.0);
            check.reason = info.revocation_reason.map(|r| reason_name(r as u8));
        }
        CertStatus::Unknown(_) => {
            check.status = RevocationStatus::Unknown;
            check.error = Some("the responder does not know this certificate".into());
        }
    }
    match signer(&basic, tbs, issuers, now) {
        Signer::Issuer => check.signer = Some("issuer".into()),
        Signer::Delegated(name) => check.signer = Some(format!("delegated responder {name}")),
        Signer::NoIssuer => {
            check.status = RevocationStatus::Unverified;
            check.error = Some(
                "the issuer certificate is not available here, so the response signature cannot be checked"
                    .into(),
            );
        }
        Signer::Bad => {
            check.status = RevocationStatus::Invalid;
            check.revoked_at = None;
            check.reason = None;
            check.error = Some(
                "the response signature does not verify with the issuer's key nor with an authorized delegated responder's"
                    .into(),
            );
            return check;
        }
    }
    let expired = check.next_update.is_some_and(|n| n < now);
    let future = check.this_update.is_some_and(|t| t > now + CLOCK_SKEW);
    if expired || future {
        check.stale = true;
        check.status = RevocationStatus::Invalid;
        check.error = Some(if expired {
            "the response is stale: its nextUpdate has passed".into()
        } else {
            "the response's thisUpdate is in the future".into()
        });
    }
    check
}

enum Signer {
    Issuer,
    Delegated(String),
    NoIssuer,
    Bad,
}

fn signer(
    basic: &BasicOcspResponse,
    tbs: &[u8],
    issuers: &[IssuerKey],
    now: OffsetDateTime,
) -> Signer {
    if issuers.is_empty() {
        return Signer::NoIssuer;
    }
    let Ok(alg_der) = basic.signature_algorithm.to_der() else {
        return Signer::Bad;
    };
    let Ok((_, alg)) = AlgorithmIdentifier::from_der(&alg_der) else {
        return Signer::Bad;
    };
    let Some(sig) = basic.signature.as_bytes() else {
        return Signer::Bad;
    };
    let sig = x509_parser::asn1_rs::BitString::new(0, sig);
    let verifies = |spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>| {
        x509_parser::verify::verify_signature(spki, &alg, &sig, tbs).is_ok()
    };
    for issuer in issuers {
        if issuer.spki().is_some_and(|k| verifies(&k)) {
            return Signer::Issuer;
        }
    }
    // A delegated responder: a certificate in the response, issued by the CA itself, for
    // OCSPSigning, valid now.
    for cert in basic.certs.iter().flatten().take(MAX_OCSP_CERTS) {
        let Ok(der) = cert.to_der() else { continue };
        let Ok((_, responder)) = X509Certificate::from_der(&der) else {
            continue;
        };
        let authorized = responder
            .extended_key_usage()
            .ok()
            .flatten()
            .is_some_and(|eku| eku.value.ocsp_signing);
        let timely = responder
            .validity()
            .is_valid_at(x509_parser::time::ASN1Time::new(now));
        let issued_by_ca = issuers.iter().any(|i| {
            responder.issuer().as_raw() == i.subject.as_slice()
                && i.spki()
                    .is_some_and(|k| responder.verify_signature(Some(&k)).is_ok())
        });
        if authorized && timely && issued_by_ca && verifies(responder.public_key()) {
            return Signer::Delegated(responder.subject().to_string());
        }
    }
    Signer::Bad
}

/// The raw TLV of the first element of a DER SEQUENCE (the signed `tbsResponseData`).
fn first_element(der: &[u8]) -> Option<&[u8]> {
    let mut reader = SliceReader::new(der).ok()?;
    let header = Header::decode(&mut reader).ok()?;
    if header.tag != der::Tag::Sequence {
        return None;
    }
    reader.tlv_bytes().ok()
}

fn to_time(t: &der::asn1::GeneralizedTime) -> Option<OffsetDateTime> {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).ok()?;
    OffsetDateTime::from_unix_timestamp(secs).ok()
}

fn invalid(why: String) -> RevocationCheck {
    let mut c = blank(RevocationStatus::Invalid);
    c.error = Some(why);
    c
}
