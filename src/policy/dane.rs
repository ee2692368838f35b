//! DANE for SMTP (RFC 7672), with the updates of RFC 7671 to RFC 6698: which TLSA records a
//! sender uses, and whether one of them matches the chain an address presented.
//!
//! The readings this module makes, each cited where it is applied:
//!
//! - Usable records (RFC 7672 §3.1): DANE-TA(2) and DANE-EE(3) only, selector Cert(0) or
//!   SPKI(1), matching type Full(0), SHA2-256(1) or SHA2-512(2), data of the right length.
//!   PKIX-TA(0) and PKIX-EE(1) are not used for SMTP (RFC 7672 §3.1.3).
//! - Digest algorithm agility (RFC 7671 §9): after the malformed records are dropped, for each
//!   usage and selector only the strongest digest present counts (SHA2-512 over SHA2-256), and
//!   Full(0) records always count: they are no digest. RFC 7671 §9's example: with `3 1 0`,
//!   `3 1 1` and `3 1 2`, a key matching only `3 1 1` is not accepted.
//! - DANE-EE(3) (RFC 7671 §5.1, RFC 7672 §3.1.1): the leaf certificate or its public key is
//!   matched, nothing else: no name check, no validity dates, no chain.
//! - DANE-TA(2) (RFC 7671 §5.2, RFC 7672 §3.1.2, §3.2.2, §3.2.3): the record names a trust
//!   anchor; the leaf must chain to it (rustls-webpki, server authentication, at the given time)
//!   and be valid for one of the reference names. The anchor is an issuer: a DANE-TA record that
//!   matches only the leaf itself (depth 0) does not authenticate it — a trust anchor issues the
//!   chain (RFC 5280 §6.1), rustls-webpki cannot take an end-entity certificate as its own anchor,
//!   and OpenSSL's DANE code (that of RFC 7671's author, in Postfix and Exim) matches DANE-TA
//!   records only above the leaf. The reason then says to publish the record as DANE-EE.
//! - A trust anchor the server did not send (RFC 7671 §5.2.2, §5.2.3): a `2 0 0` record holds
//!   the whole certificate, which becomes the anchor; a `2 1 0` record holds the public key, and
//!   the anchor is that key with the name the topmost presented certificate says its issuer
//!   has. Digest records cannot stand for a certificate that was not sent.

use aws_lc_rs::digest::{digest, SHA256, SHA512};
use rustls_pki_types::{CertificateDer, Der, TrustAnchor, UnixTime};
use time::OffsetDateTime;
use webpki::{EndEntityCert, KeyUsage};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::{cert_der, hex, names_of, unhex, valid_for};
use crate::cert::chain::classify;
use crate::limits::MAX_CHAIN_CERTS;
use crate::report::{AddressReport, CertSummary, DaneAddress, DaneHost, TlsaRecord};
use crate::vocab::{DaneAddressStatus, DaneHostStatus};

/// A sender can use this TLSA record for SMTP (RFC 7672 §3.1): usage DANE-TA(2) or DANE-EE(3),
/// selector 0 or 1, matching type 0 (the data itself, not empty), 1 (a SHA2-256 digest, 32 bytes)
/// or 2 (a SHA2-512 digest, 64 bytes), the data well-formed hex.
pub fn usable(r: &TlsaRecord) -> bool {
    let Some(data) = unhex(&r.data) else {
        return false;
    };
    matches!(r.usage, 2 | 3)
        && matches!(r.selector, 0 | 1)
        && match r.matching {
            0 => !data.is_empty(),
            1 => data.len() == 32,
            2 => data.len() == 64,
            _ => false,
        }
}

/// The records a sender tries, in their order: the [`usable`] ones, after digest algorithm
/// agility (RFC 7671 §9): for each usage and selector, only the records of the strongest digest
/// present among the usable ones (SHA2-512(2) before SHA2-256(1)), and every Full(0) record,
/// which no digest replaces. A malformed SHA2-512 record is dropped first and suppresses nothing.
pub fn effective(records: &[TlsaRecord]) -> Vec<&TlsaRecord> {
    let usable: Vec<&TlsaRecord> = records.iter().filter(|r| usable(r)).collect();
    let strongest = |usage: u8, selector: u8| {
        usable
            .iter()
            .filter(|r| r.usage == usage && r.selector == selector && r.matching != 0)
            .map(|r| r.matching)
            .max()
    };
    usable
        .iter()
        .copied()
        .filter(|r| r.matching == 0 || Some(r.matching) == strongest(r.usage, r.selector))
        .collect()
}

/// What a DANE sender makes of one address of a host with TLSA records: `None` unless the host's
/// TLSA records are secure (`Usable` or `Unusable`).
///
/// No STARTTLS: `StarttlsMissing`; no TLS, or no certificate seen: `NoTls` (a DANE sender defers
/// either way, RFC 7672 §2.2). Unusable records (or none left after [`effective`]):
/// `Unauthenticated`, since TLS is then required but not authenticated (RFC 7672 §2.2). Otherwise
/// each effective record is tried in turn; the first that matches gives `Matched` (with the
/// depth of the certificate it matched: 0 for DANE-EE, that of the anchor for DANE-TA, none for
/// an anchor taken from the record itself), and when none does, `Mismatch` with one reason per
/// record tried. `reference_names` are the names a DANE-TA leaf may be valid for (RFC 7672
/// §3.2.2: the MX host name and, when it is an alias, the name at the end of its CNAME chain).
/// `now` is the time the DANE-TA chain is validated at. A chain seen only by a raw probe (the
/// handshake not completed by rustls) is matched all the same: a sender whose TLS speaks that
/// version sees that chain.
pub fn evaluate_address(
    host: &DaneHost,
    reference_names: &[String],
    address: &AddressReport,
    now: OffsetDateTime,
) -> Option<DaneAddress> {
    if !matches!(
        host.status,
        DaneHostStatus::Usable | DaneHostStatus::Unusable
    ) {
        return None;
    }
    if !address.implicit_tls && !address.smtp.starttls_offered {
        return Some(outcome(
            DaneAddressStatus::StarttlsMissing,
            "the server did not offer STARTTLS, and a DANE sender does not send without TLS".into(),
        ));
    }
    let chain = match &address.tls {
        Some(tls) if !tls.chain.is_empty() => &tls.chain,
        Some(_) => {
            return Some(outcome(
                DaneAddressStatus::NoTls,
                "no certificate was seen, so there is nothing to match".into(),
            ))
        }
        None => {
            let why = address
                .error
                .as_ref()
                .map(|e| format!(": {}", e.message))
                .unwrap_or_default();
            return Some(outcome(
                DaneAddressStatus::NoTls,
                format!("TLS could not be established{why}"),
            ));
        }
    };
    let records = effective(&host.tlsa);
    if host.status == DaneHostStatus::Unusable || records.is_empty() {
        return Some(outcome(
            DaneAddressStatus::Unauthenticated,
            "no TLSA record is usable for SMTP (DANE-TA or DANE-EE with known parameters): a \
             DANE sender requires TLS but does not authenticate the server"
                .into(),
        ));
    }
    let presented = Presented {
        summaries: chain,
        ders: chain.iter().map(cert_der).collect(),
        names: reference_names,
        now: unix_time(now),
    };
    let mut reasons = Vec::new();
    for record in records {
        let tried = match record.usage {
            3 => check_ee(record, &presented),
            _ => check_ta(record, &presented),
        };
        match tried {
            Ok(depth) => {
                return Some(DaneAddress {
                    status: DaneAddressStatus::Matched,
                    matched: Some(record.clone()),
                    matched_depth: depth,
                    reasons: Vec::new(),
                })
            }
            Err(why) => reasons.push(format!("{}: {why}", label(record))),
        }
    }
    Some(DaneAddress {
        status: DaneAddressStatus::Mismatch,
        matched: None,
        matched_depth: None,
        reasons,
    })
}

/// The `3 1 1` record of a leaf certificate (DANE-EE, its public key, SHA2-256), as a zone file
/// writes it: what to publish for this certificate's key. `None` when it is no certificate.
pub fn tlsa_for_leaf(leaf_der: &[u8]) -> Option<String> {
    let spki = selected(leaf_der, 1)?;
    Some(format!("3 1 1 {}", hex(&matched(1, &spki))))
}

fn outcome(status: DaneAddressStatus, reason: String) -> DaneAddress {
    DaneAddress {
        status,
        matched: None,
        matched_depth: None,
        reasons: vec![reason],
    }
}

fn unix_time(t: OffsetDateTime) -> UnixTime {
    let secs = u64::try_from(t.unix_timestamp()).unwrap_or(0);
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs))
}

/// The chain an address presented, decoded once.
struct Presented<'a> {
    summaries: &'a [CertSummary],
    /// The DER of each certificate, leaf first; `None` when the report's base64 is unreadable.
    ders: Vec<Option<Vec<u8>>>,
    names: &'a [String],
    now: UnixTime,
}

impl Presented<'_> {
    fn subject(&self, depth: usize) -> &str {
        match self.summaries.get(depth) {
            Some(s) if !s.subject.is_empty() => &s.subject,
            _ => "an unreadable certificate",
        }
    }
}

/// `3 1 1 6c1f0a2b…`: the record, its data cut short.
fn label(r: &TlsaRecord) -> String {
    let mut chars = r.data.chars();
    let head: String = chars.by_ref().take(8).collect();
    let more = if chars.next().is_some() { "…" } else { "" };
    format!("{} {} {} {head}{more}", r.usage, r.selector, r.matching)
}

/// What the selector picks from a certificate: 0 the whole DER, 1 its SubjectPublicKeyInfo.
fn selected(der: &[u8], selector: u8) -> Option<Vec<u8>> {
    match selector {
        0 => Some(der.to_vec()),
        1 => X509Certificate::from_der(der)
            .ok()
            .map(|(_, cert)| cert.public_key().raw.to_vec()),
        _ => None,
    }
}

/// What the matching type compares: 0 the data itself, 1 its SHA2-256, 2 its SHA2-512.
fn matched(matching: u8, data: &[u8]) -> Vec<u8> {
    match matching {
        1 => digest(&SHA256, data).as_ref().to_vec(),
        2 => digest(&SHA512, data).as_ref().to_vec(),
        _ => data.to_vec(),
    }
}

fn selector_words(selector: u8) -> &'static str {
    if selector == 1 {
        "public key"
    } else {
        "certificate"
    }
}

fn digest_words(matching: u8) -> &'static str {
    if matching == 2 {
        "SHA-512 digest"
    } else {
        "SHA-256 digest"
    }
}

/// DANE-EE(3): the leaf's certificate or public key is the record's (RFC 7671 §5.1).
fn check_ee(r: &TlsaRecord, p: &Presented<'_>) -> Result<Option<usize>, String> {
    let Some(leaf) = p.ders.first().and_then(Option::as_deref) else {
        return Err("the leaf certificate could not be read from the report".into());
    };
    let Some(sel) = selected(leaf, r.selector) else {
        return Err(
            "the leaf is not a readable X.509 certificate, so it has no public key to match".into(),
        );
    };
    let got = matched(r.matching, &sel);
    if Some(&got) == unhex(&r.data).as_ref() {
        return Ok(Some(0));
    }
    let what = selector_words(r.selector);
    Err(if r.matching == 0 {
        format!(
            "the leaf's {what} ({} bytes) is not the one in the record (no match); its SHA-256 \
             digest is {}",
            sel.len(),
            hex(&matched(1, &sel))
        )
    } else {
        format!(
            "the leaf's {what} {} is {} (no match)",
            digest_words(r.matching),
            hex(&got)
        )
    })
}

/// Why a chain to a DANE-TA anchor failed.
enum Failed {
    /// The leaf does not chain to the anchor (in a sentence that can follow "but").
    Chain(String),
    /// It chains, but the leaf is not valid for any reference name.
    Name(String),
}

/// DANE-TA(2): a certificate above the leaf, or the anchor the record holds, is a trust anchor
/// the leaf chains to, and the leaf is valid for a reference name (RFC 7671 §5.2).
fn check_ta(r: &TlsaRecord, p: &Presented<'_>) -> Result<Option<usize>, String> {
    let want = unhex(&r.data).unwrap_or_default();
    let mut leaf_matches = false;
    let mut first_failure = None;
    let mut unreadable = Vec::new();
    let mut issuers = Vec::new();
    for (depth, der) in p.ders.iter().enumerate() {
        let Some(der) = der.as_deref() else {
            unreadable.push(depth);
            continue;
        };
        let Some(sel) = selected(der, r.selector) else {
            unreadable.push(depth);
            continue;
        };
        let got = matched(r.matching, &sel);
        if got != want {
            if depth > 0 {
                issuers.push(format!(
                    "depth {depth} ({}): {}",
                    p.subject(depth),
                    hex(&got)
                ));
            }
            continue;
        }
        if depth == 0 {
            leaf_matches = true;
            continue;
        }
        let cert = CertificateDer::from(der);
        let verdict = match webpki::anchor_from_trusted_cert(&cert) {
            Ok(anchor) => chain_to(anchor, Some(depth), "it", p),
            Err(_) => Err(Failed::Chain(
                "it is not a certificate the verifier can take as a trust anchor".into(),
            )),
        };
        match verdict {
            Ok(()) => return Ok(Some(depth)),
            Err(Failed::Chain(why) | Failed::Name(why)) => {
                first_failure.get_or_insert(format!(
                    "matches the certificate at depth {depth} ({}), but {why}",
                    p.subject(depth)
                ));
            }
        }
    }
    if let Some(why) = first_failure {
        return Err(why);
    }
    if leaf_matches {
        return Err(format!(
            "matches the leaf certificate itself, which a DANE-TA(2) record cannot name: its trust \
             anchor must be a CA certificate above the leaf (for the leaf, publish 3 {} {} \
             instead)",
            r.selector, r.matching
        ));
    }
    if r.matching == 0 {
        return anchor_from_record(r, &want, p).map(|()| None);
    }
    let mut why = format!(
        "no certificate in the chain has this {} {}",
        selector_words(r.selector),
        digest_words(r.matching)
    );
    if p.ders.len() < 2 {
        why.push_str(
            " (the server sent only its own certificate; RFC 7672 §3.1.2 requires a DANE-TA \
             server to send the trust-anchor certificate in its chain)",
        );
    } else if !issuers.is_empty() {
        why.push_str(&format!(" (the server sent: {})", issuers.join("; ")));
    }
    for depth in unreadable {
        why.push_str(&format!(
            "; the certificate at depth {depth} could not be read"
        ));
    }
    Err(why)
}

/// A `2 0 0` or `2 1 0` record whose anchor the server did not send (RFC 7671 §5.2.2, §5.2.3):
/// the anchor is built from the record.
fn anchor_from_record(r: &TlsaRecord, data: &[u8], p: &Presented<'_>) -> Result<(), String> {
    let what = selector_words(r.selector);
    let verdict = if r.selector == 0 {
        let cert = CertificateDer::from(data);
        let Ok(anchor) = webpki::anchor_from_trusted_cert(&cert) else {
            return Err(
                "no presented certificate is the record's, and the record's data is not a \
                 certificate the verifier can read"
                    .into(),
            );
        };
        chain_to(anchor, None, "the record's certificate", p)
    } else {
        let Some(spki) = SubjectPublicKeyInfo::from_der(data)
            .ok()
            .filter(|(rest, _)| rest.is_empty())
            .and_then(|_| sequence_contents(data))
        else {
            return Err(
                "no presented certificate has the record's public key, and the record's data is \
                 not a public key (SubjectPublicKeyInfo)"
                    .into(),
            );
        };
        // The anchor's name: the issuer the topmost presented certificate names.
        let top = p.ders.iter().rev().find_map(Option::as_deref);
        let issuer = top.and_then(|der| {
            X509Certificate::from_der(der)
                .ok()
                .and_then(|(_, cert)| sequence_contents(cert.issuer().as_raw()).map(<[u8]>::to_vec))
        });
        let Some(issuer) = issuer else {
            return Err(
                "no presented certificate has the record's public key, and the topmost \
                 certificate could not be read for the name of its issuer"
                    .into(),
            );
        };
        let anchor = TrustAnchor {
            subject: Der::from(issuer),
            subject_public_key_info: Der::from(spki.to_vec()),
            name_constraints: None,
        };
        chain_to(anchor, None, "the record's public key", p)
    };
    match verdict {
        Ok(()) => Ok(()),
        Err(Failed::Chain(why)) => Err(format!(
            "no presented certificate has the record's {what}, and {why}"
        )),
        Err(Failed::Name(why)) => Err(format!("the leaf chains to the record's {what}, but {why}")),
    }
}

/// Validates the leaf to `anchor` (the other presented certificates as intermediates, but the
/// anchor's own, for server authentication at `p.now`), then its name. `anchor_words` names the
/// anchor in the reasons.
fn chain_to(
    anchor: TrustAnchor<'_>,
    anchor_depth: Option<usize>,
    anchor_words: &str,
    p: &Presented<'_>,
) -> Result<(), Failed> {
    let Some(leaf_der) = p.ders.first().and_then(Option::as_deref) else {
        return Err(Failed::Chain(
            "the leaf certificate could not be read from the report".into(),
        ));
    };
    let leaf_der = CertificateDer::from(leaf_der);
    let Ok(leaf) = EndEntityCert::try_from(&leaf_der) else {
        return Err(Failed::Chain(
            "the leaf is not a certificate the verifier can read".into(),
        ));
    };
    let intermediates: Vec<CertificateDer<'_>> = p
        .ders
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(depth, _)| Some(*depth) != anchor_depth)
        .filter_map(|(_, der)| der.as_deref().map(CertificateDer::from))
        .take(MAX_CHAIN_CERTS)
        .collect();
    let algs = rustls::crypto::aws_lc_rs::default_provider()
        .signature_verification_algorithms
        .all;
    let anchors = [anchor];
    if let Err(e) = leaf.verify_for_usage(
        algs,
        &anchors,
        &intermediates,
        p.now,
        KeyUsage::server_auth(),
        None,
        None,
    ) {
        return Err(Failed::Chain(match e {
            webpki::Error::UnknownIssuer => format!("the leaf does not chain to {anchor_words}"),
            other => format!(
                "the chain to {anchor_words} is not valid: {}",
                classify(&other).message
            ),
        }));
    }
    if p.names.iter().any(|n| valid_for(&leaf, n)) {
        return Ok(());
    }
    if p.names.is_empty() {
        return Err(Failed::Name(
            "there is no name to check the leaf against".into(),
        ));
    }
    let names = p
        .summaries
        .first()
        .map(names_of)
        .unwrap_or_else(|| "no DNS name".into());
    Err(Failed::Name(format!(
        "the leaf is not valid for {} (it names {names})",
        p.names.join(" or ")
    )))
}

/// The contents of a DER SEQUENCE, when `tlv` is exactly one SEQUENCE: what a [`TrustAnchor`]
/// keeps of a name and of a SubjectPublicKeyInfo.
fn sequence_contents(tlv: &[u8]) -> Option<&[u8]> {
    let (&tag, rest) = tlv.split_first()?;
    if tag != 0x30 {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let len = rest
            .get(..n)?
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest.get(n..)?)
    };
    (rest.len() == len).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testpki::{self, Pki};
    use crate::sample::NOW;
    use crate::vocab::DnssecState;
    use time::macros::datetime;

    fn rec(usage: u8, selector: u8, matching: u8, data: &[u8]) -> TlsaRecord {
        TlsaRecord {
            usage,
            selector,
            matching,
            data: hex(data),
        }
    }

    /// The record of `usage selector matching` for a certificate.
    fn rec_for(usage: u8, selector: u8, matching: u8, der: &[u8]) -> TlsaRecord {
        let sel = selected(der, selector).unwrap();
        rec(usage, selector, matching, &matched(matching, &sel))
    }

    fn host(status: DaneHostStatus, tlsa: Vec<TlsaRecord>) -> DaneHost {
        DaneHost {
            status,
            dnssec: DnssecState::Secure,
            tlsa_name: Some("_25._tcp.mx.example.com".into()),
            tlsa_dnssec: Some(DnssecState::Secure),
            tlsa,
            ede: None,
            error: None,
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn eval(tlsa: Vec<TlsaRecord>, chain: &[Vec<u8>]) -> DaneAddress {
        let address = testpki::address(chain);
        evaluate_address(
            &host(DaneHostStatus::Usable, tlsa),
            &names(&["mx.example.com"]),
            &address,
            NOW,
        )
        .unwrap()
    }

    // ---- Usable records and digest agility ----

    #[test]
    fn usable_records_are_dane_usages_with_known_parameters() {
        let d32 = [7u8; 32];
        let d64 = [7u8; 64];
        assert!(usable(&rec(3, 1, 1, &d32)));
        assert!(usable(&rec(2, 0, 2, &d64)));
        assert!(usable(&rec(3, 0, 0, &[0x30, 0])));
        // PKIX usages are not for SMTP.
        assert!(!usable(&rec(0, 0, 1, &d32)));
        assert!(!usable(&rec(1, 1, 1, &d32)));
        assert!(!usable(&rec(4, 1, 1, &d32)));
        assert!(!usable(&rec(3, 2, 1, &d32)));
        assert!(!usable(&rec(3, 1, 3, &d32)));
        // The digest length follows the matching type.
        assert!(!usable(&rec(3, 1, 1, &d64)));
        assert!(!usable(&rec(3, 1, 2, &d32)));
        assert!(!usable(&rec(3, 1, 1, &[7u8; 31])));
        assert!(!usable(&rec(3, 0, 0, &[])));
    }

    #[test]
    fn garbage_hex_is_unusable_and_upper_case_is_fine() {
        let mut r = rec(3, 1, 1, &[0xab; 32]);
        r.data = r.data.to_uppercase();
        assert!(usable(&r));
        r.data = "zz".repeat(32);
        assert!(!usable(&r));
        r.data = format!("{}a", "ab".repeat(32));
        assert!(!usable(&r));
        r.data = "é".repeat(32);
        assert!(!usable(&r));
    }

    #[test]
    fn digest_agility_keeps_the_strongest_digest_and_every_full_record() {
        let a = rec(3, 1, 1, &[1; 32]);
        let b = rec(3, 1, 2, &[2; 64]);
        let c = rec(3, 1, 0, &[0x30, 0]);
        let d = rec(3, 0, 1, &[3; 32]);
        let e = rec(2, 1, 1, &[4; 32]);
        let all = vec![a.clone(), b.clone(), c.clone(), d.clone(), e.clone()];
        // 3 1 1 gives way to 3 1 2; 3 1 0 stays; 3 0 1 and 2 1 1 are other combinations.
        assert_eq!(effective(&all), vec![&b, &c, &d, &e]);
        assert_eq!(effective(std::slice::from_ref(&a)), vec![&a]);
    }

    #[test]
    fn a_malformed_or_pkix_record_suppresses_nothing() {
        let good = rec(3, 1, 1, &[1; 32]);
        let short_sha512 = rec(3, 1, 2, &[2; 32]);
        let pkix = rec(1, 1, 2, &[2; 64]);
        let all = vec![good.clone(), short_sha512, pkix];
        assert_eq!(effective(&all), vec![&good]);
    }

    // ---- When DANE does not apply, or cannot run ----

    #[test]
    fn no_answer_unless_the_tlsa_records_are_secure() {
        let pki = Pki::new();
        let address = testpki::address(&[pki.leaf(&["mx.example.com"])]);
        for status in [
            DaneHostStatus::NotApplicable,
            DaneHostStatus::NoTlsa,
            DaneHostStatus::Bogus,
            DaneHostStatus::LookupFailed,
        ] {
            let got = evaluate_address(&host(status, vec![]), &[], &address, NOW);
            assert!(got.is_none(), "{status}");
        }
    }

    #[test]
    fn no_starttls_and_no_tls_come_first() {
        let pki = Pki::new();
        let leaf = pki.leaf(&["mx.example.com"]);
        let records = vec![rec_for(3, 1, 1, &leaf)];
        let mut address = testpki::address(&[leaf]);
        address.smtp.starttls_offered = false;
        for status in [DaneHostStatus::Usable, DaneHostStatus::Unusable] {
            let got = evaluate_address(&host(status, records.clone()), &[], &address, NOW).unwrap();
            assert_eq!(got.status, DaneAddressStatus::StarttlsMissing);
        }
        address.smtp.starttls_offered = true;
        address.tls.as_mut().unwrap().chain.clear();
        let got = evaluate_address(
            &host(DaneHostStatus::Unusable, records.clone()),
            &[],
            &address,
            NOW,
        )
        .unwrap();
        assert_eq!(got.status, DaneAddressStatus::NoTls);
        address.tls = None;
        let got =
            evaluate_address(&host(DaneHostStatus::Usable, records), &[], &address, NOW).unwrap();
        assert_eq!(got.status, DaneAddressStatus::NoTls);
        assert_eq!(got.reasons, vec!["TLS could not be established"]);
    }

    #[test]
    fn unusable_records_leave_tls_unauthenticated() {
        let pki = Pki::new();
        let leaf = pki.leaf(&["mx.example.com"]);
        let address = testpki::address(std::slice::from_ref(&leaf));
        // PKIX-EE and PKIX-TA records that would match: still unusable for SMTP.
        let pkix = vec![
            rec_for(1, 1, 1, &leaf),
            rec_for(0, 0, 1, &pki.intermediate_der()),
        ];
        for status in [DaneHostStatus::Unusable, DaneHostStatus::Usable] {
            let got = evaluate_address(&host(status, pkix.clone()), &[], &address, NOW).unwrap();
            assert_eq!(got.status, DaneAddressStatus::Unauthenticated, "{status}");
            assert!(got.matched.is_none());
            assert!(got.reasons[0].contains("requires TLS but does not authenticate"));
        }
        // Garbage hex alone is no usable record either.
        let mut garbage = rec(3, 1, 1, &[0; 32]);
        garbage.data = "not hex at all".into();
        let got = evaluate_address(
            &host(DaneHostStatus::Usable, vec![garbage]),
            &[],
            &address,
            NOW,
        )
        .unwrap();
        assert_eq!(got.status, DaneAddressStatus::Unauthenticated);
    }

    // ---- DANE-EE(3) ----

    #[test]
    fn dane_ee_every_selector_and_matching_type() {
        let pki = Pki::new();
        let leaf = pki.leaf(&["mx.example.com"]);
        for (s, m) in [(1, 1), (0, 1), (1, 2), (1, 0), (0, 0), (0, 2)] {
            let r = rec_for(3, s, m, &leaf);
            let got = eval(vec![r.clone()], &[leaf.clone(), pki.intermediate_der()]);
            assert_eq!(
                got.status,
                DaneAddressStatus::Matched,
                "3 {s} {m}: {:?}",
                got.reasons
            );
            assert_eq!(got.matched, Some(r));
            assert_eq!(got.matched_depth, Some(0));
            assert!(got.reasons.is_empty());
        }
    }

    #[test]
    fn dane_ee_checks_neither_name_nor_dates_nor_chain() {
        let pki = Pki::new();
        // Another name, expired at NOW, and no issuer sent.
        let leaf = pki.leaf_until(&["unrelated.example.org"], datetime!(2026-06-01 0:00 UTC));
        let got = eval(vec![rec_for(3, 1, 1, &leaf)], std::slice::from_ref(&leaf));
        assert_eq!(got.status, DaneAddressStatus::Matched, "{:?}", got.reasons);
        let self_signed = testpki::self_signed(&["whatever.example"]);
        let got = eval(vec![rec_for(3, 1, 1, &self_signed)], &[self_signed]);
        assert_eq!(got.status, DaneAddressStatus::Matched, "{:?}", got.reasons);
    }

    #[test]
    fn dane_ee_mismatch_names_the_presented_digest_in_full() {
        let pki = Pki::new();
        let leaf = pki.leaf(&["mx.example.com"]);
        let spki_sha256 = hex(&matched(1, &testpki::spki(&leaf)));
        let got = eval(vec![rec(3, 1, 1, &[0x6c; 32])], std::slice::from_ref(&leaf));
        assert_eq!(got.status, DaneAddressStatus::Mismatch);
        assert_eq!(
            got.reasons,
            vec![format!(
                "3 1 1 6c6c6c6c…: the leaf's public key SHA-256 digest is {spki_sha256} (no match)"
            )]
        );
        // The digest given is the one to publish.
        assert_eq!(tlsa_for_leaf(&leaf), Some(format!("3 1 1 {spki_sha256}")));
        let got = eval(vec![rec(3, 0, 2, &[0x6c; 64])], std::slice::from_ref(&leaf));
        let cert_sha512 = hex(&matched(2, &leaf));
        assert!(
            got.reasons[0].ends_with(&format!(
                "certificate SHA-512 digest is {cert_sha512} (no match)"
            )),
            "{:?}",
            got.reasons
        );
        let got = eval(
            vec![rec(3, 1, 0, &[0x30, 0x03, 1, 2, 3])],
            std::slice::from_ref(&leaf),
        );
        assert!(
            got.reasons[0].starts_with("3 1 0 30030102…: the leaf's public key (")
                && got.reasons[0].ends_with(&format!("its SHA-256 digest is {spki_sha256}")),
            "{:?}",
            got.reasons
        );
    }

    #[test]
    fn a_sha512_mismatch_wins_over_a_matching_sha256_of_the_same_usage_and_selector() {
        let pki = Pki::new();
        let leaf = pki.leaf(&["mx.example.com"]);
        let sha256 = rec_for(3, 1, 1, &leaf);
        let wrong_sha512 = rec(3, 1, 2, &[9; 64]);
        let got = eval(
            vec![sha256.clone(), wrong_sha512],
            std::slice::from_ref(&leaf),
        );
        assert_eq!(got.status, DaneAddressStatus::Mismatch);
        assert_eq!(got.reasons.len(), 1, "{:?}", got.reasons);
        assert!(
            got.reasons[0].starts_with("3 1 2 09090909…"),
            "{:?}",
            got.reasons
        );
        // Another selector is not affected by the SHA-512 record.
        let cert_sha256 = rec_for(3, 0, 1, &leaf);
        let got = eval(
            vec![sha256, rec(3, 1, 2, &[9; 64]), cert_sha256.clone()],
            &[leaf],
        );
        assert_eq!(got.status, DaneAddressStatus::Matched);
        assert_eq!(got.matched, Some(cert_sha256));
    }

    #[test]
    fn the_first_matching_record_is_named_and_earlier_misses_are_dropped() {
        let pki = Pki::new();
        let leaf = pki.leaf(&["mx.example.com"]);
        let good = rec_for(3, 1, 1, &leaf);
        let got = eval(vec![rec(3, 1, 1, &[1; 32]), good.clone()], &[leaf]);
        assert_eq!(got.status, DaneAddressStatus::Matched);
        assert_eq!(got.matched, Some(good));
        assert!(got.reasons.is_empty());
    }

    // ---- DANE-TA(2) ----

    #[test]
    fn dane_ta_on_the_intermediate_with_the_name_right() {
        let pki = Pki::new();
        let chain = [pki.leaf(&["mx.example.com"]), pki.intermediate_der()];
        for (s, m) in [(0, 1), (1, 1), (0, 2), (1, 2), (0, 0), (1, 0)] {
            let r = rec_for(2, s, m, &pki.intermediate_der());
            let got = eval(vec![r.clone()], &chain);
            assert_eq!(
                got.status,
                DaneAddressStatus::Matched,
                "2 {s} {m}: {:?}",
                got.reasons
            );
            assert_eq!(got.matched, Some(r));
            assert_eq!(got.matched_depth, Some(1));
        }
    }

    #[test]
    fn dane_ta_on_the_intermediate_with_the_wrong_name() {
        let pki = Pki::new();
        let chain = [pki.leaf(&["other.example.net"]), pki.intermediate_der()];
        let r = rec_for(2, 0, 1, &pki.intermediate_der());
        let got = eval(vec![r.clone()], &chain);
        assert_eq!(got.status, DaneAddressStatus::Mismatch);
        assert_eq!(
            got.reasons,
            vec![format!(
                "{}: matches the certificate at depth 1 (CN={}, O=tlscheck policy tests), but the \
                 leaf is not valid for mx.example.com (it names other.example.net)",
                label(&r),
                testpki::INTERMEDIATE_CN
            )]
        );
    }

    #[test]
    fn dane_ta_the_leaf_may_be_valid_for_the_cname_target() {
        let pki = Pki::new();
        let chain = [pki.leaf(&["mail.provider.example"]), pki.intermediate_der()];
        let address = testpki::address(&chain);
        let got = evaluate_address(
            &host(
                DaneHostStatus::Usable,
                vec![rec_for(2, 0, 1, &pki.intermediate_der())],
            ),
            &names(&["mx.example.com", "mail.provider.example."]),
            &address,
            NOW,
        )
        .unwrap();
        assert_eq!(got.status, DaneAddressStatus::Matched, "{:?}", got.reasons);
        // Wildcards follow webpki: one label.
        let chain = [pki.leaf(&["*.example.com"]), pki.intermediate_der()];
        let got = eval(vec![rec_for(2, 0, 1, &pki.intermediate_der())], &chain);
        assert_eq!(got.status, DaneAddressStatus::Matched, "{:?}", got.reasons);
    }

    #[test]
    fn dane_ta_on_the_root_sent_in_the_chain() {
        let pki = Pki::new();
        let chain = [
            pki.leaf(&["mx.example.com"]),
            pki.intermediate_der(),
            pki.root_der(),
        ];
        let got = eval(vec![rec_for(2, 0, 1, &pki.root_der())], &chain);
        assert_eq!(got.status, DaneAddressStatus::Matched, "{:?}", got.reasons);
        assert_eq!(got.matched_depth, Some(2));
    }

    #[test]
    fn dane_ta_checks_dates() {
        let pki = Pki::new();
        let leaf = pki.leaf_until(&["mx.example.com"], datetime!(2026-06-01 0:00 UTC));
        let got = eval(
            vec![rec_for(2, 0, 1, &pki.intermediate_der())],
            &[leaf, pki.intermediate_der()],
        );
        assert_eq!(got.status, DaneAddressStatus::Mismatch);
        assert!(
            got.reasons[0].contains("but the chain to it is not valid: a certificate of the chain expired on 2026-06-01"),
            "{:?}",
            got.reasons
        );
    }

    #[test]
    fn dane_ta_a_digest_of_a_certificate_not_sent_does_not_match() {
        let pki = Pki::new();
        let inter = pki.intermediate_der();
        let chain = [pki.leaf(&["mx.example.com"]), inter.clone()];
        let r = rec_for(2, 0, 1, &pki.root_der());
        let got = eval(vec![r.clone()], &chain);
        assert_eq!(got.status, DaneAddressStatus::Mismatch);
        assert_eq!(
            got.reasons,
            vec![format!(
                "{}: no certificate in the chain has this certificate SHA-256 digest (the server \
                 sent: depth 1 (CN={}, O=tlscheck policy tests): {})",
                label(&r),
                testpki::INTERMEDIATE_CN,
                hex(&matched(1, &inter))
            )]
        );
        // With only the leaf sent, the reason says what the server must send.
        let got = eval(vec![r], &[pki.leaf(&["mx.example.com"])]);
        assert!(
            got.reasons[0].contains("sent only its own certificate"),
            "{:?}",
            got.reasons
        );
    }

    #[test]
    fn dane_ta_2_1_0_an_anchor_not_in_the_chain() {
        let pki = Pki::new();
        let chain = [pki.leaf(&["mx.example.com"]), pki.intermediate_der()];
        let root_key = rec(2, 1, 0, &testpki::spki(&pki.root_der()));
        let got = eval(vec![root_key.clone()], &chain);
        assert_eq!(got.status, DaneAddressStatus::Matched, "{:?}", got.reasons);
        assert_eq!(got.matched, Some(root_key));
        assert_eq!(got.matched_depth, None);
        // Another root's key under the same name: the signature tells them apart.
        let other = Pki::new();
        let other_key = rec(2, 1, 0, &testpki::spki(&other.root_der()));
        let got = eval(vec![other_key], &chain);
        assert_eq!(got.status, DaneAddressStatus::Mismatch);
        assert!(
            got.reasons[0].ends_with(
                "no presented certificate has the record's public key, and the chain to the \
                 record's public key is not valid: a signature in the chain does not verify with \
                 its issuer's key"
            ),
            "{:?}",
            got.reasons
        );
        // A key that signed nothing here, with only the leaf sent: its issuer's name is the
        // anchor's, the key is not.
        let got = eval(
            vec![rec(2, 1, 0, &testpki::spki(&other.intermediate_der()))],
            &chain[..1],
        );
        assert_eq!(got.status, DaneAddressStatus::Mismatch);
        assert!(
            got.reasons[0].contains("is not valid: a signature"),
            "{:?}",
            got.reasons
        );
        // The right key, the wrong name.
        let chain = [pki.leaf(&["other.example.net"]), pki.intermediate_der()];
        let got = eval(vec![rec(2, 1, 0, &testpki::spki(&pki.root_der()))], &chain);
        assert!(
            got.reasons[0].contains("the leaf chains to the record's public key, but the leaf is not valid for mx.example.com"),
            "{:?}",
            got.reasons
        );
    }

    #[test]
    fn dane_ta_2_0_0_an_anchor_certificate_not_in_the_chain() {
        let pki = Pki::new();
        let chain = [pki.leaf(&["mx.example.com"]), pki.intermediate_der()];
        let got = eval(vec![rec(2, 0, 0, &pki.root_der())], &chain);
        assert_eq!(got.status, DaneAddressStatus::Matched, "{:?}", got.reasons);
        assert_eq!(got.matched_depth, None);
        // The intermediate, sent, is found in the chain at depth 1.
        let got = eval(vec![rec(2, 0, 0, &pki.intermediate_der())], &chain);
        assert_eq!(got.matched_depth, Some(1));
        // A certificate that issued nothing here.
        let unrelated = testpki::self_signed(&["unrelated.example"]);
        let got = eval(vec![rec(2, 0, 0, &unrelated)], &chain);
        assert_eq!(
            got.reasons,
            vec![format!(
                "{}: no presented certificate has the record's certificate, and the leaf does not \
                 chain to the record's certificate",
                label(&rec(2, 0, 0, &unrelated))
            )]
        );
        // Garbage in the record is a reason.
        let got = eval(vec![rec(2, 0, 0, b"not a certificate")], &chain);
        assert_eq!(got.status, DaneAddressStatus::Mismatch);
        assert!(
            got.reasons[0].contains("not a certificate the verifier can read"),
            "{:?}",
            got.reasons
        );
        let got = eval(vec![rec(2, 1, 0, b"not a key")], &chain);
        assert!(
            got.reasons[0].contains("not a public key"),
            "{:?}",
            got.reasons
        );
    }

    #[test]
    fn dane_ta_matching_only_the_leaf_is_no_match() {
        let pki = Pki::new();
        let leaf = pki.leaf(&["mx.example.com"]);
        let got = eval(
            vec![rec_for(2, 1, 1, &leaf)],
            &[leaf.clone(), pki.intermediate_der()],
        );
        assert_eq!(got.status, DaneAddressStatus::Mismatch);
        assert!(
            got.reasons[0].contains("matches the leaf certificate itself")
                && got.reasons[0].contains("publish 3 1 1 instead"),
            "{:?}",
            got.reasons
        );
        // Even a self-signed leaf, which is its own issuer.
        let self_signed = testpki::self_signed(&["mx.example.com"]);
        let got = eval(vec![rec_for(2, 0, 1, &self_signed)], &[self_signed]);
        assert_eq!(got.status, DaneAddressStatus::Mismatch);
    }

    // ---- Garbage from the network or from a report file ----

    #[test]
    fn garbage_der_is_a_reason_not_a_panic() {
        let pki = Pki::new();
        let garbage = b"\x30\x82\xff\xff garbage".to_vec();
        let got = eval(vec![rec(3, 1, 1, &[1; 32])], std::slice::from_ref(&garbage));
        assert_eq!(got.status, DaneAddressStatus::Mismatch);
        assert!(
            got.reasons[0].contains("not a readable X.509 certificate"),
            "{:?}",
            got.reasons
        );
        // A garbage issuer is named; a garbage leaf under a DANE-TA anchor is a reason.
        let got = eval(
            vec![rec_for(2, 0, 1, &pki.root_der())],
            &[pki.leaf(&["mx.example.com"]), garbage.clone()],
        );
        assert!(
            got.reasons[0].contains("depth 1 (an unreadable certificate)"),
            "{:?}",
            got.reasons
        );
        let got = eval(
            vec![rec_for(2, 0, 1, &pki.intermediate_der())],
            &[garbage.clone(), pki.intermediate_der()],
        );
        assert!(
            got.reasons[0].contains("the leaf is not a certificate the verifier can read"),
            "{:?}",
            got.reasons
        );
        // Base64 that is not base64.
        let mut address = testpki::address(&[pki.leaf(&["mx.example.com"])]);
        address.tls.as_mut().unwrap().chain[0].der = "%%%".into();
        let got = evaluate_address(
            &host(
                DaneHostStatus::Usable,
                vec![rec(3, 1, 1, &[1; 32]), rec(2, 1, 0, &[0x30, 0])],
            ),
            &names(&["mx.example.com"]),
            &address,
            NOW,
        )
        .unwrap();
        assert_eq!(got.status, DaneAddressStatus::Mismatch);
        assert_eq!(got.reasons.len(), 2);
        assert!(
            got.reasons[0].contains("could not be read from the report"),
            "{:?}",
            got.reasons
        );
        assert_eq!(tlsa_for_leaf(&garbage), None);
        assert_eq!(tlsa_for_leaf(&[]), None);
    }

    #[test]
    fn sequence_contents_reads_only_one_whole_sequence() {
        assert_eq!(sequence_contents(&[0x30, 2, 1, 2]), Some(&[1u8, 2][..]));
        assert_eq!(
            sequence_contents(&[0x30, 0x81, 2, 1, 2]),
            Some(&[1u8, 2][..])
        );
        assert_eq!(sequence_contents(&[0x30, 3, 1, 2]), None);
        assert_eq!(sequence_contents(&[0x30, 1, 1, 2]), None);
        assert_eq!(sequence_contents(&[0x31, 0]), None);
        assert_eq!(sequence_contents(&[0x30, 0x80]), None);
        assert_eq!(sequence_contents(&[0x30, 0x85, 0, 0, 0, 0, 0]), None);
        assert_eq!(sequence_contents(&[0x30, 0x82, 0]), None);
        assert_eq!(sequence_contents(&[]), None);
    }

    #[test]
    fn tlsa_for_leaf_is_a_record_that_matches_the_leaf() {
        let pki = Pki::new();
        let leaf = pki.leaf(&["mx.example.com"]);
        let text = tlsa_for_leaf(&leaf).unwrap();
        let mut parts = text.split(' ');
        assert_eq!(
            (parts.next(), parts.next(), parts.next()),
            (Some("3"), Some("1"), Some("1"))
        );
        let data = parts.next().unwrap();
        assert_eq!(data.len(), 64);
        let r = TlsaRecord {
            usage: 3,
            selector: 1,
            matching: 1,
            data: data.into(),
        };
        assert_eq!(eval(vec![r], &[leaf]).status, DaneAddressStatus::Matched);
    }
}
