//! CRLs (RFC 5280 §5): parse, check the issuer and the signature, look up a serial, freshness.
//! Pure: the fetch happens in `revocation::Checker`.

use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::revocation_list::CertificateRevocationList;

use super::{blank, reason_name, same_serial, CLOCK_SKEW};
use crate::cert::IssuerKey;
use crate::report::RevocationCheck;
use crate::vocab::RevocationStatus;

/// Judges a CRL `body` (DER, or PEM) for `cert`, whose possible issuers are `issuers`.
pub fn judge(
    body: &[u8],
    cert: &X509Certificate<'_>,
    issuers: &[IssuerKey],
    now: OffsetDateTime,
) -> RevocationCheck {
    let pem;
    let der = if body.starts_with(b"-----BEGIN") {
        match x509_parser::pem::parse_x509_pem(body) {
            Ok((_, p)) => {
                pem = p;
                pem.contents.as_slice()
            }
            Err(e) => return invalid(format!("not a CRL (bad PEM: {e})")),
        }
    } else {
        body
    };
    let crl = match x509_parser::parse_x509_crl(der) {
        Ok((_, crl)) => crl,
        Err(e) => return invalid(format!("not a CRL: {e}")),
    };
    judge_parsed(&crl, cert, issuers, now)
}

fn judge_parsed(
    crl: &CertificateRevocationList<'_>,
    cert: &X509Certificate<'_>,
    issuers: &[IssuerKey],
    now: OffsetDateTime,
) -> RevocationCheck {
    let mut check = blank(RevocationStatus::Good);
    check.this_update = Some(crl.last_update().to_datetime());
    check.next_update = crl.next_update().map(|t| t.to_datetime());
    check.stale = check.next_update.is_some_and(|n| n < now)
        || check.this_update.is_some_and(|t| t > now + CLOCK_SKEW);
    if crl.issuer().as_raw() != cert.issuer().as_raw() {
        let mut c = invalid(format!(
            "the CRL is issued by {}, not by the certificate's issuer {} (indirect CRLs are not supported)",
            crl.issuer(),
            cert.issuer()
        ));
        c.this_update = check.this_update;
        c.next_update = check.next_update;
        return c;
    }
    let verified = verify(crl, issuers);
    let entry = crl
        .iter_revoked_certificates()
        .find(|r| same_serial(r.raw_serial(), cert.raw_serial()));
    if let Some(r) = entry {
        check.status = RevocationStatus::Revoked;
        check.revoked_at = Some(r.revocation_date.to_datetime());
        check.reason = r.reason_code().map(|(_, code)| reason_name(code.0));
    }
    match verified {
        Verified::Yes => {
            check.signer = Some("issuer".into());
        }
        Verified::NoIssuer => {
            check.status = RevocationStatus::Unverified;
            check.error = Some(format!(
                "the issuer certificate ({}) is not available here, so the CRL signature cannot be checked{}",
                cert.issuer(),
                if entry.is_some() { "; the CRL lists the certificate as revoked" } else { "" }
            ));
        }
        Verified::Bad => {
            check.status = RevocationStatus::Invalid;
            check.revoked_at = None;
            check.reason = None;
            check.error = Some("the CRL signature does not verify with the issuer's key".into());
        }
    }
    if check.stale && check.error.is_none() {
        check.error = Some(match check.next_update {
            Some(n) if n < now => format!("the CRL is stale: its nextUpdate {n} has passed"),
            _ => "the CRL's thisUpdate is in the future".into(),
        });
    }
    check
}

enum Verified {
    Yes,
    NoIssuer,
    Bad,
}

fn verify(crl: &CertificateRevocationList<'_>, issuers: &[IssuerKey]) -> Verified {
    if issuers.is_empty() {
        return Verified::NoIssuer;
    }
    for issuer in issuers {
        if let Some(spki) = issuer.spki() {
            if crl.verify_signature(&spki).is_ok() {
                return Verified::Yes;
            }
        }
    }
    Verified::Bad
}

fn invalid(why: String) -> RevocationCheck {
    let mut c = blank(RevocationStatus::Invalid);
    c.error = Some(why);
    c
}
