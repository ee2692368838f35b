//! Transport-security policy for SMTP: the rules of MTA-STS (RFC 8461, [`mta_sts`]), TLS-RPT
//! (RFC 8460, [`tlsrpt`]) and DANE (RFC 7672, 7671, 6698, [`dane`]), as pure functions over the
//! records and facts the probe collected. Nothing here does I/O: the DNS answers, the policy body
//! and the presented chain come in as arguments, so a saved report can be judged again offline.
//!
//! Everything these functions read may come from a stranger (a DNS record, an HTTPS body, a
//! report file someone sent): a malformed input is an `Err` or a reason in words, never a panic.
//! Errors and reasons are sentences for people; the values they quote are shortened
//! ([`quote`]) and reach the terminal through the renderers' escapers like any network text.
//!
//! This file holds what the three share: the `key=value; ...` syntax of the two TXT records, hex,
//! and reading a presented certificate.

pub mod dane;
pub mod mta_sts;
pub mod tlsrpt;

#[cfg(test)]
mod testpki;

use base64::Engine;
use rustls_pki_types::ServerName;
use webpki::EndEntityCert;

use crate::report::CertSummary;

/// The longest value an error message quotes in full.
const QUOTE_MAX: usize = 64;

/// `value` in double quotes for an error message, cut after [`QUOTE_MAX`] characters.
fn quote(value: &str) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(QUOTE_MAX).collect();
    if chars.next().is_some() {
        format!("\"{head}…\"")
    } else {
        format!("\"{head}\"")
    }
}

/// SP or HTAB: the `WSP` of RFC 5234.
fn is_wsp(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn trim_wsp(s: &str) -> &str {
    s.trim_matches(is_wsp)
}

/// The one record of `records` that starts with `version` (RFC 8461 §3.1, RFC 8460 §3: with
/// more than one, senders act as if there were none): `Ok(None)` when there is none, an error
/// naming how many there are when there is more than one.
fn only_versioned<'r>(
    records: &'r [String],
    version: &str,
    what: &str,
) -> Result<Option<&'r String>, String> {
    let found: Vec<&String> = records
        .iter()
        .filter(|r| is_versioned(r, version))
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => Err(format!(
            "{} {version} records: a sender ignores {what} unless there is exactly one",
            many.len()
        )),
    }
}

/// The TXT record begins with `version` as its own field: followed by nothing, `;` or white
/// space (so `v=STSv10` is not `v=STSv1`). Case-sensitive, as both RFCs' `%s"..."` say.
fn is_versioned(record: &str, version: &str) -> bool {
    record
        .strip_prefix(version)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(';') || rest.starts_with(is_wsp))
}

/// `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")`: the name of an extension field, in the
/// TXT records (RFC 8461 §3.1, RFC 8460 §3) and in the policy file (RFC 8461 §3.2).
fn is_field_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= 32
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// `1*(%x21-3A / %x3C / %x3E-7E)`: the value of a TXT record's extension field (printable ASCII
/// but `;`, `=` and space).
fn is_txt_value(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| matches!(b, 0x21..=0x3a | 0x3c | 0x3e..=0x7e))
}

/// The fields of a TXT record after its version: `version 1*(sep field) [sep]` with
/// `sep = *WSP ";" *WSP` and `field = name "=" value` (RFC 8461 §3.1, RFC 8460 §3). Each field
/// comes back as its name and its value, in order; the values are not checked here. White space
/// at the very end of the record is tolerated, though the grammar has no place for it: a
/// resolver or a zone editor adds it more often than a person means it.
fn txt_fields<'a>(record: &'a str, version: &str) -> Result<Vec<(&'a str, &'a str)>, String> {
    if !record.is_ascii() {
        return Err("the record is not US-ASCII".into());
    }
    let rest = record.strip_prefix(version).unwrap_or(record);
    let mut pieces = rest.split(';');
    // What stands between the version and the first ';' may only be white space.
    let head = pieces.next().unwrap_or_default();
    if !trim_wsp(head).is_empty() {
        return Err(format!(
            "{version} must be followed by ';', not {}",
            quote(trim_wsp(head))
        ));
    }
    let pieces: Vec<&str> = pieces.map(trim_wsp).collect();
    let count = pieces.len();
    let mut fields = Vec::new();
    for (i, piece) in pieces.into_iter().enumerate() {
        if piece.is_empty() {
            // One ';' may end the record; anywhere else an empty field is a syntax error.
            if i + 1 == count && i > 0 {
                continue;
            }
            return Err(if count == 1 {
                format!("there is no field after {version}")
            } else {
                "an empty field (two ';' with nothing between them)".into()
            });
        }
        let Some((name, value)) = piece.split_once('=') else {
            return Err(format!("{} is not a name=value field", quote(piece)));
        };
        fields.push((name, value));
    }
    if fields.is_empty() {
        return Err(format!("there is no field after {version}"));
    }
    Ok(fields)
}

/// Checks an extension field of a TXT record: its name and value have the RFCs' syntax, and a
/// name that differs from a known one only in case is called out (field names are
/// case-sensitive, so `ID=` is an unknown field, not the id).
fn check_txt_extension(name: &str, value: &str, known: &[&str]) -> Result<(), String> {
    if let Some(k) = known
        .iter()
        .find(|k| k.eq_ignore_ascii_case(name) && **k != name)
    {
        return Err(format!(
            "field {} is not {k}: field names are case-sensitive",
            quote(name)
        ));
    }
    if !is_field_name(name) {
        return Err(format!("{} is not a valid field name", quote(name)));
    }
    if !is_txt_value(value) {
        return Err(format!(
            "the value of {name} ({}) is empty or holds a character these records do not allow \
             (a space, '=', ';', a control character or non-ASCII)",
            quote(value)
        ));
    }
    Ok(())
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Bytes from hex (either case); `None` unless every character is a hex digit and there is an
/// even number of them.
fn unhex(text: &str) -> Option<Vec<u8>> {
    hex::decode(text).ok()
}

/// The DER of a presented certificate, from the report's base64.
fn cert_der(summary: &CertSummary) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(summary.der.trim())
        .ok()
        .filter(|d| !d.is_empty())
}

/// A host name as the name check takes it: without the trailing dot of a fully qualified name.
fn server_name(host: &str) -> Option<ServerName<'static>> {
    let host = host.strip_suffix('.').unwrap_or(host);
    ServerName::try_from(host.to_string()).ok()
}

/// The leaf is valid for `host` (subjectAltName, wildcard rules of rustls-webpki).
fn valid_for(leaf: &EndEntityCert<'_>, host: &str) -> bool {
    server_name(host).is_some_and(|n| leaf.verify_is_valid_for_subject_name(&n).is_ok())
}

/// What a certificate names, for a message: its subjectAltName DNS names, else its CN.
fn names_of(summary: &CertSummary) -> String {
    if !summary.san_dns.is_empty() {
        summary.san_dns.join(", ")
    } else if let Some(cn) = &summary.common_name {
        format!("only the common name {cn}")
    } else {
        "no DNS name".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_cuts_long_values_on_a_character_boundary() {
        assert_eq!(quote("abc"), "\"abc\"");
        let long = "é".repeat(100);
        let q = quote(&long);
        assert_eq!(q.chars().count(), QUOTE_MAX + 3);
        assert!(q.ends_with("…\""));
    }

    #[test]
    fn a_version_is_its_own_field() {
        assert!(is_versioned("v=STSv1; id=1", "v=STSv1"));
        assert!(is_versioned("v=STSv1 ;id=1", "v=STSv1"));
        assert!(is_versioned("v=STSv1", "v=STSv1"));
        assert!(!is_versioned("v=STSv10; id=1", "v=STSv1"));
        assert!(!is_versioned("v=stsv1; id=1", "v=STSv1"));
        assert!(!is_versioned(" v=STSv1; id=1", "v=STSv1"));
    }

    #[test]
    fn txt_fields_follow_the_grammar() {
        let f = txt_fields("v=STSv1;id=a ;\tb=c ;", "v=STSv1").unwrap();
        assert_eq!(f, vec![("id", "a"), ("b", "c")]);
        assert!(txt_fields("v=STSv1", "v=STSv1")
            .unwrap_err()
            .contains("no field"));
        assert!(txt_fields("v=STSv1;", "v=STSv1")
            .unwrap_err()
            .contains("no field"));
        assert!(txt_fields("v=STSv1;;id=1", "v=STSv1")
            .unwrap_err()
            .contains("empty field"));
        assert!(txt_fields("v=STSv1; id=1;;", "v=STSv1")
            .unwrap_err()
            .contains("empty field"));
        assert!(txt_fields("v=STSv1 id=1", "v=STSv1")
            .unwrap_err()
            .contains("followed by ';'"));
        assert!(txt_fields("v=STSv1; id", "v=STSv1")
            .unwrap_err()
            .contains("name=value"));
        assert!(txt_fields("v=STSv1; id=é", "v=STSv1")
            .unwrap_err()
            .contains("US-ASCII"));
    }

    #[test]
    fn field_names_and_values() {
        assert!(is_field_name("max_age"));
        assert!(is_field_name("a.b-c_d"));
        assert!(is_field_name(&"a".repeat(32)));
        assert!(!is_field_name(&"a".repeat(33)));
        assert!(!is_field_name("_a"));
        assert!(!is_field_name(""));
        assert!(!is_field_name("a b"));
        assert!(is_txt_value("mailto:x@y"));
        assert!(!is_txt_value(""));
        assert!(!is_txt_value("a=b"));
        assert!(!is_txt_value("a b"));
        let e = check_txt_extension("ID", "1", &["id"]).unwrap_err();
        assert!(e.contains("case-sensitive"), "{e}");
    }

    #[test]
    fn hex_round_trip_and_garbage() {
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(unhex("00ABff"), Some(vec![0, 0xab, 0xff]));
        assert_eq!(unhex(""), Some(vec![]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("é0"), None);
        assert_eq!(unhex("+1"), None);
    }
}
