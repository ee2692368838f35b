//! MTA-STS (RFC 8461): the `_mta-sts` TXT record (§3.1), the policy file (§3.2) and its media
//! type (§3.3), the `mx` patterns (§4.1), and what a sender that applies the policy requires of
//! one MX address (§4.2: STARTTLS, TLS 1.2 or later, a chain valid against its trust store, a
//! certificate valid for the MX host name).
//!
//! The syntax follows the RFC's ABNF as written: a sender that parses strictly rejects what the
//! grammar rejects, so tlscheck calls it invalid rather than guess which senders are lenient.

use webpki::EndEntityCert;

use super::{
    cert_der, check_txt_extension, is_field_name, is_wsp, names_of, only_versioned, quote,
    txt_fields, valid_for,
};
use crate::report::{AddressReport, MtaStsAddress, StsPolicy};
use crate::vocab::{StsMode, TlsVersion};

/// The version of the TXT record and of the policy.
const TXT_VERSION: &str = "v=STSv1";
const POLICY_VERSION: &str = "STSv1";

/// The longest `max_age` a policy may give (RFC 8461 §3.2): 31557600 s, a year.
pub const MAX_AGE_LIMIT: u32 = 31_557_600;

/// Reads the `_mta-sts.<domain>` TXT records (RFC 8461 §3.1); each record's strings are already
/// joined, without spaces, as the RFC says.
///
/// Records that do not begin with the `v=STSv1` field are not MTA-STS records and are left out
/// (the RFC's prose says "begin with `v=STSv1;`", its grammar allows white space before the `;`:
/// the grammar is followed). None left: `Ok(None)`, the domain has no MTA-STS. More than one: an
/// error, since a sender then ignores MTA-STS. The one record must match
/// `sts-version 1*(sts-sep sts-field) [sts-sep]` with an `id` of 1 to 32 letters and digits;
/// other fields are extensions, valid when their name and value have the grammar's syntax. When
/// `id` appears more than once the first counts (the RFC does not say; this is the rule it gives
/// for the policy's repeated fields) and the later ones are read as extensions.
pub fn parse_txt(records: &[String]) -> Result<Option<String>, String> {
    let Some(record) = only_versioned(records, TXT_VERSION, "MTA-STS (RFC 8461 §3.1)")? else {
        return Ok(None);
    };
    let mut id = None;
    for (name, value) in txt_fields(record, TXT_VERSION)? {
        if name == "id" && id.is_none() {
            if value.is_empty()
                || value.len() > 32
                || !value.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return Err(format!(
                    "id {} is not 1 to 32 letters and digits",
                    quote(value)
                ));
            }
            id = Some(value.to_string());
        } else {
            check_txt_extension(name, value, &["id"])?;
        }
    }
    id.map(Some)
        .ok_or_else(|| "there is no id field (RFC 8461 §3.1: id is required)".into())
}

/// Reads a policy file (RFC 8461 §3.2).
///
/// The body must be UTF-8; lines end in CRLF or LF (either, even mixed), the last one optionally;
/// no line may be empty or start with white space. Each line is `name:` then optional white
/// space then the value (trailing white space is allowed). Field names are case-sensitive.
/// `version` (`STSv1`), `mode` (`enforce`, `testing`, `none`) and `max_age` (1 to 10 digits, at
/// most [`MAX_AGE_LIMIT`]) are required; `mx` is required at least once unless the mode is `none`,
/// and each `mx` is a host name or `*.` and a host name. When a field other than `mx` appears
/// more than once, the first value counts and the others are not read. Unknown fields are
/// ignored when their syntax is valid.
pub fn parse_policy(body: &[u8]) -> Result<StsPolicy, String> {
    let text = std::str::from_utf8(body).map_err(|e| {
        format!(
            "the policy is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        )
    })?;
    if text.is_empty() {
        return Err("the policy is empty".into());
    }
    if text.starts_with('\u{feff}') {
        return Err("the policy starts with a byte-order mark, which is not a field".into());
    }
    let mut lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    // A line break may end the last field; it leaves one empty piece behind.
    if text.ends_with('\n') {
        lines.pop();
    }

    let mut version: Option<&str> = None;
    let mut mode: Option<StsMode> = None;
    let mut max_age: Option<u32> = None;
    let mut mx: Vec<String> = Vec::new();
    for (i, line) in lines.into_iter().enumerate() {
        let n = i + 1;
        if line.is_empty() {
            return Err(format!(
                "line {n} is empty (RFC 8461 §3.2 allows no blank line)"
            ));
        }
        if line.starts_with(is_wsp) {
            return Err(format!("line {n} starts with white space"));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!(
                "line {n} ({}) is not a \"name: value\" field",
                quote(line)
            ));
        };
        let value = value.trim_matches(is_wsp);
        if let Some(known) = ["version", "mode", "max_age", "mx"]
            .into_iter()
            .find(|k| k.eq_ignore_ascii_case(name) && *k != name)
        {
            return Err(format!(
                "line {n}: {} is not {known}: field names are case-sensitive",
                quote(name)
            ));
        }
        match name {
            "version" => {
                if version.is_none() {
                    if value != POLICY_VERSION {
                        return Err(format!("version is {}, not {POLICY_VERSION}", quote(value)));
                    }
                    version = Some(value);
                }
            }
            "mode" => {
                if mode.is_none() {
                    mode = Some(match value {
                        "enforce" => StsMode::Enforce,
                        "testing" => StsMode::Testing,
                        "none" => StsMode::None,
                        other => {
                            return Err(format!(
                                "mode {} is not enforce, testing or none",
                                quote(other)
                            ))
                        }
                    });
                }
            }
            "max_age" => {
                if max_age.is_none() {
                    max_age = Some(parse_max_age(value)?);
                }
            }
            "mx" => {
                if !valid_pattern(value) {
                    return Err(format!(
                        "mx {} is not a host name or \"*.\" followed by a host name",
                        quote(value)
                    ));
                }
                mx.push(value.to_string());
            }
            other => check_extension(n, other, value)?,
        }
    }
    if version.is_none() {
        return Err(format!(
            "there is no version field (RFC 8461 §3.2: \"version: {POLICY_VERSION}\" is required)"
        ));
    }
    let Some(mode) = mode else {
        return Err("there is no mode field (RFC 8461 §3.2: mode is required)".into());
    };
    let Some(max_age) = max_age else {
        return Err("there is no max_age field (RFC 8461 §3.2: max_age is required)".into());
    };
    if mx.is_empty() && mode != StsMode::None {
        return Err(format!(
            "mode is {mode} but there is no mx field (RFC 8461 §3.2: mx is required unless the \
             mode is none)"
        ));
    }
    Ok(StsPolicy { mode, max_age, mx })
}

/// `1*10(DIGIT)`, at most [`MAX_AGE_LIMIT`].
fn parse_max_age(value: &str) -> Result<u32, String> {
    if value.is_empty() || value.len() > 10 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "max_age {} is not a number of seconds (1 to 10 digits)",
            quote(value)
        ));
    }
    match value.parse::<u64>() {
        Ok(secs) if secs <= u64::from(MAX_AGE_LIMIT) => {
            u32::try_from(secs).map_err(|_| format!("max_age {value} is out of range"))
        }
        _ => Err(format!(
            "max_age {value} is more than {MAX_AGE_LIMIT} seconds (a year, RFC 8461 §3.2)"
        )),
    }
}

/// An extension field of the policy: `sts-policy-ext-name`, and a value of printable characters
/// (UTF-8 allowed) and inner spaces, without control characters.
fn check_extension(n: usize, name: &str, value: &str) -> Result<(), String> {
    if !is_field_name(name) {
        return Err(format!(
            "line {n}: {} is not a valid field name",
            quote(name)
        ));
    }
    if value.is_empty() {
        return Err(format!("line {n}: field {name} has no value"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!(
            "line {n}: the value of {name} holds a control character"
        ));
    }
    Ok(())
}

/// `["*."] Domain`, with `Domain` as RFC 5321 §4.1.2 has it (letters, digits and inner hyphens,
/// labels of at most 63 characters): the A-label form, as §3.2 requires for IDNs.
fn valid_pattern(pattern: &str) -> bool {
    let domain = pattern.strip_prefix("*.").unwrap_or(pattern);
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            let bytes = label.as_bytes();
            matches!(
                (bytes.first(), bytes.last()),
                (Some(a), Some(z)) if a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric()
            ) && label.len() <= 63
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        })
}

/// The policy's HTTP `Content-Type` is acceptable: `text/plain`, in any case, with or without
/// parameters (`text/plain; charset=utf-8`). RFC 8461 §3.2: senders SHOULD check that the media
/// type is `text/plain`, so that a web server hosting its users' files (HTML, images) cannot serve
/// a policy by accident. A response without a Content-Type gives such a sender nothing to check:
/// `None` is `false`, and the fix is one header line.
pub fn content_type_ok(ct: Option<&str>) -> bool {
    ct.and_then(|ct| ct.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("text/plain"))
}

/// The host name matches an `mx` pattern (RFC 8461 §4.1): case-insensitively, trailing dots
/// ignored. `*.example.com` matches exactly one more label on the left: `mx.example.com`, but
/// neither `a.mx.example.com` nor `example.com`.
pub fn mx_pattern_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
    let host = host.strip_suffix('.').unwrap_or(host);
    match pattern.strip_prefix("*.") {
        Some(suffix) if !suffix.is_empty() => host
            .split_once('.')
            .is_some_and(|(first, rest)| !first.is_empty() && rest.eq_ignore_ascii_case(suffix)),
        Some(_) => false,
        None => !pattern.is_empty() && pattern.eq_ignore_ascii_case(host),
    }
}

/// The first of the policy's `mx` patterns that matches the host.
pub fn covering_pattern<'a>(policy: &'a StsPolicy, host: &str) -> Option<&'a str> {
    policy
        .mx
        .iter()
        .map(String::as_str)
        .find(|p| mx_pattern_matches(p, host))
}

/// What a sender that applies the policy requires of one address of MX host `mx_host`
/// (RFC 8461 §4.2): STARTTLS, TLS 1.2 or later, a chain valid against the trust store, and a leaf
/// certificate valid for the MX host name — checked here from the leaf itself, since the
/// report's `name_valid` may be for another name (`--name`). `reasons` says in words what fails;
/// `passes` is true when nothing does.
///
/// Whether the policy covers the host (`mx_covered`, `pattern`) is reported beside, not folded
/// into `passes`: in `enforce` mode a sender delivers to no MX that is not covered, whatever its
/// TLS. The facts are computed in every mode, `none` included; what a mode makes of them is a
/// judgement for `diagnose`.
pub fn evaluate_address(
    policy: &StsPolicy,
    mx_host: &str,
    address: &AddressReport,
) -> MtaStsAddress {
    let pattern = covering_pattern(policy, mx_host).map(str::to_string);
    let reasons = tls_reasons(mx_host, address);
    MtaStsAddress {
        mx_covered: pattern.is_some(),
        pattern,
        passes: reasons.is_empty(),
        reasons,
    }
}

fn tls_reasons(mx_host: &str, address: &AddressReport) -> Vec<String> {
    if !address.implicit_tls && !address.smtp.starttls_offered {
        return vec!["no STARTTLS".into()];
    }
    let Some(tls) = &address.tls else {
        let why = address
            .error
            .as_ref()
            .map(|e| format!(": {}", e.message))
            .unwrap_or_default();
        return vec![format!("TLS could not be established{why}")];
    };
    let mut reasons = Vec::new();
    if !tls.version.meets(TlsVersion::Tls12) {
        reasons.push(format!(
            "{} (MTA-STS requires 1.2 or later)",
            spoken(tls.version)
        ));
    } else if !tls.handshake_completed {
        reasons.push("the TLS handshake did not complete".into());
    }
    if !tls.chain_valid {
        reasons.push(match &tls.chain_error {
            Some(e) => format!("the certificate chain is not valid: {}", e.message),
            None => "the certificate chain is not valid".into(),
        });
    }
    if let Some(why) = name_reason(mx_host, tls.chain.first()) {
        reasons.push(why);
    }
    reasons
}

/// Why the leaf is not valid for `mx_host`, if it is not.
fn name_reason(mx_host: &str, leaf: Option<&crate::report::CertSummary>) -> Option<String> {
    let Some(summary) = leaf else {
        return Some("no certificate was presented".into());
    };
    let Some(der) = cert_der(summary) else {
        return Some("the certificate is not in the report (no DER to check its names)".into());
    };
    let der = rustls_pki_types::CertificateDer::from(der);
    let Ok(leaf) = EndEntityCert::try_from(&der) else {
        return Some("the certificate could not be read to check its names".into());
    };
    if valid_for(&leaf, mx_host) {
        None
    } else {
        Some(format!(
            "the certificate is not valid for {mx_host} (it names {})",
            names_of(summary)
        ))
    }
}

/// A version as people say it: `TLS 1.1`, `SSL 3.0`.
fn spoken(version: TlsVersion) -> String {
    match version {
        TlsVersion::Ssl3 => "SSL 3.0".into(),
        TlsVersion::Tls10 => "TLS 1.0".into(),
        TlsVersion::Tls11 => "TLS 1.1".into(),
        TlsVersion::Tls12 => "TLS 1.2".into(),
        TlsVersion::Tls13 => "TLS 1.3".into(),
        TlsVersion::Other(_) => format!("TLS version {}", version.label()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testpki::{self, Pki};
    use crate::report::ChainError;
    use crate::vocab::ChainErrorKind;

    fn txt(records: &[&str]) -> Result<Option<String>, String> {
        let owned: Vec<String> = records.iter().map(|r| r.to_string()).collect();
        parse_txt(&owned)
    }

    // ---- The TXT record (§3.1) ----

    #[test]
    fn txt_a_plain_record_gives_its_id() {
        assert_eq!(
            txt(&["v=STSv1; id=20240101T000000"]),
            Ok(Some("20240101T000000".into()))
        );
        assert_eq!(txt(&["v=STSv1;id=abc;"]), Ok(Some("abc".into())));
        assert_eq!(txt(&["v=STSv1 ;\tid=abc ; "]), Ok(Some("abc".into())));
    }

    #[test]
    fn txt_other_records_are_ignored_and_none_is_missing() {
        assert_eq!(txt(&[]), Ok(None));
        assert_eq!(
            txt(&["v=spf1 -all", "google-site-verification=x"]),
            Ok(None)
        );
        assert_eq!(txt(&["v=spf1 -all", "v=STSv1; id=1"]), Ok(Some("1".into())));
        // Case-sensitive version, and a longer version is another one.
        assert_eq!(txt(&["v=stsv1; id=1"]), Ok(None));
        assert_eq!(txt(&["v=STSv10; id=1"]), Ok(None));
    }

    #[test]
    fn txt_two_sts_records_are_invalid() {
        let e = txt(&["v=STSv1; id=1", "v=STSv1; id=2"]).unwrap_err();
        assert!(e.starts_with("2 v=STSv1 records"), "{e}");
        // Even when identical.
        assert!(txt(&["v=STSv1; id=1", "v=STSv1; id=1"]).is_err());
    }

    #[test]
    fn txt_id_is_required_and_1_to_32_alphanumerics() {
        assert_eq!(
            txt(&[&format!("v=STSv1; id={}", "a".repeat(32))]),
            Ok(Some("a".repeat(32)))
        );
        let e = txt(&[&format!("v=STSv1; id={}", "a".repeat(33))]).unwrap_err();
        assert!(e.contains("1 to 32 letters and digits"), "{e}");
        assert!(txt(&["v=STSv1; id="]).is_err());
        assert!(txt(&["v=STSv1; id=2024-01-01"])
            .unwrap_err()
            .contains("id \"2024-01-01\""));
        let e = txt(&["v=STSv1; foo=bar"]).unwrap_err();
        assert!(e.contains("no id field"), "{e}");
        let e = txt(&["v=STSv1"]).unwrap_err();
        assert!(e.contains("no field"), "{e}");
        let e = txt(&["v=STSv1; ID=1"]).unwrap_err();
        assert!(e.contains("case-sensitive"), "{e}");
    }

    #[test]
    fn txt_extension_fields_are_fine_when_well_formed() {
        assert_eq!(txt(&["v=STSv1; id=1; ext_a=b.c:d"]), Ok(Some("1".into())));
        assert_eq!(txt(&["v=STSv1; x=1; id=2"]), Ok(Some("2".into())));
        let e = txt(&["v=STSv1; id=1; bad name=x"]).unwrap_err();
        assert!(e.contains("not a valid field name"), "{e}");
        let e = txt(&["v=STSv1; id=1; ext=a=b"]).unwrap_err();
        assert!(e.contains("value of ext"), "{e}");
        assert!(txt(&["v=STSv1; id=1; ext="]).is_err());
        assert!(txt(&["v=STSv1; id=1;; ext=x"]).is_err());
    }

    #[test]
    fn txt_a_repeated_id_keeps_the_first() {
        assert_eq!(
            txt(&["v=STSv1; id=first; id=second"]),
            Ok(Some("first".into()))
        );
    }

    #[test]
    fn txt_separator_must_follow_the_version() {
        let e = txt(&["v=STSv1 id=1"]).unwrap_err();
        assert!(e.contains("followed by ';'"), "{e}");
    }

    // ---- The policy (§3.2) ----

    const GOOD: &str = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.mail.example.com\r\nmax_age: 604800\r\n";

    #[test]
    fn policy_crlf_is_read() {
        let p = parse_policy(GOOD.as_bytes()).unwrap();
        assert_eq!(p.mode, StsMode::Enforce);
        assert_eq!(p.max_age, 604_800);
        assert_eq!(p.mx, vec!["mx1.example.com", "*.mail.example.com"]);
    }

    #[test]
    fn policy_lf_only_and_no_final_newline_are_valid() {
        let lf = GOOD.replace("\r\n", "\n");
        assert_eq!(parse_policy(lf.as_bytes()), parse_policy(GOOD.as_bytes()));
        let bare = lf.trim_end_matches('\n');
        assert_eq!(parse_policy(bare.as_bytes()), parse_policy(GOOD.as_bytes()));
        // Mixed line ends are each a valid term.
        let mixed = "version: STSv1\nmode: testing\r\nmx: a.example\nmax_age: 1";
        assert_eq!(
            parse_policy(mixed.as_bytes()).unwrap().mode,
            StsMode::Testing
        );
    }

    #[test]
    fn policy_whitespace_after_the_colon_is_optional_and_trailing_is_allowed() {
        let p =
            parse_policy(b"version:STSv1\nmode:\tenforce  \nmx:a.example\nmax_age:   86400\t\n")
                .unwrap();
        assert_eq!(p.mode, StsMode::Enforce);
        assert_eq!(p.max_age, 86_400);
        assert_eq!(p.mx, vec!["a.example"]);
    }

    #[test]
    fn policy_blank_lines_and_leading_space_are_errors() {
        let e = parse_policy(b"version: STSv1\n\nmode: none\nmax_age: 1\n").unwrap_err();
        assert!(e.contains("line 2 is empty"), "{e}");
        let e = parse_policy(b"version: STSv1\nmode: none\nmax_age: 1\n\n").unwrap_err();
        assert!(e.contains("line 4 is empty"), "{e}");
        let e = parse_policy(b"version: STSv1\n mode: none\nmax_age: 1\n").unwrap_err();
        assert!(e.contains("line 2 starts with white space"), "{e}");
        let e = parse_policy(b"version: STSv1\nmode none\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("\"name: value\""), "{e}");
    }

    #[test]
    fn policy_not_utf8_is_an_error_in_words() {
        let e = parse_policy(b"version: STSv1\nmode: \xff\n").unwrap_err();
        assert_eq!(
            e,
            "the policy is not UTF-8 text (invalid byte at offset 21)"
        );
        assert_eq!(parse_policy(b"").unwrap_err(), "the policy is empty");
        assert!(parse_policy("\u{feff}version: STSv1".as_bytes())
            .unwrap_err()
            .contains("byte-order mark"));
    }

    #[test]
    fn policy_required_fields() {
        let e = parse_policy(b"mode: none\nmax_age: 1\n").unwrap_err();
        assert!(e.contains("no version field"), "{e}");
        let e = parse_policy(b"version: STSv1\nmax_age: 1\nmx: a.example\n").unwrap_err();
        assert!(e.contains("no mode field"), "{e}");
        let e = parse_policy(b"version: STSv1\nmode: none\n").unwrap_err();
        assert!(e.contains("no max_age field"), "{e}");
        let e = parse_policy(b"version: STSv2\nmode: none\nmax_age: 1\n").unwrap_err();
        assert_eq!(e, "version is \"STSv2\", not STSv1");
        let e = parse_policy(b"version: STSv1\nmode: Enforce\nmax_age: 1\n").unwrap_err();
        assert_eq!(e, "mode \"Enforce\" is not enforce, testing or none");
        let e = parse_policy(b"version: STSv1\nMode: none\nmax_age: 1\n").unwrap_err();
        assert!(
            e.contains("\"Mode\" is not mode") && e.contains("case-sensitive"),
            "{e}"
        );
    }

    #[test]
    fn policy_mx_is_required_unless_mode_none() {
        for mode in ["enforce", "testing"] {
            let body = format!("version: STSv1\nmode: {mode}\nmax_age: 86400\n");
            let e = parse_policy(body.as_bytes()).unwrap_err();
            assert!(
                e.contains(&format!("mode is {mode} but there is no mx")),
                "{e}"
            );
        }
        let p = parse_policy(b"version: STSv1\nmode: none\nmax_age: 86400\n").unwrap();
        assert_eq!(p.mode, StsMode::None);
        assert!(p.mx.is_empty());
    }

    #[test]
    fn policy_max_age_bounds() {
        let with = |age: &str| {
            parse_policy(format!("version: STSv1\nmode: none\nmax_age: {age}\n").as_bytes())
        };
        assert_eq!(with("0").unwrap().max_age, 0);
        assert_eq!(with("31557600").unwrap().max_age, 31_557_600);
        assert_eq!(with("0000000001").unwrap().max_age, 1);
        let e = with("31557601").unwrap_err();
        assert!(e.contains("more than 31557600"), "{e}");
        let e = with("99999999999").unwrap_err();
        assert!(e.contains("1 to 10 digits"), "{e}");
        for bad in ["-1", "+5", "1e3", "86400s", "", " "] {
            assert!(with(bad).is_err(), "max_age {bad:?} accepted");
        }
        // Ten digits is the grammar's limit, even when the number is small enough.
        assert!(with("00000000001").is_err());
    }

    #[test]
    fn policy_a_repeated_field_keeps_the_first_value() {
        let p = parse_policy(
            b"version: STSv1\nmode: testing\nmode: enforce\nmax_age: 60\nmax_age: 120\nmx: a.example\nversion: STSv9\n",
        )
        .unwrap();
        assert_eq!(p.mode, StsMode::Testing);
        assert_eq!(p.max_age, 60);
        // mx is the field that repeats: every value counts, in order.
        let p = parse_policy(
            b"version: STSv1\nmode: enforce\nmx: a.example\nmx: b.example\nmax_age: 1",
        )
        .unwrap();
        assert_eq!(p.mx, vec!["a.example", "b.example"]);
    }

    #[test]
    fn policy_unknown_fields_are_ignored_when_well_formed() {
        let p = parse_policy(
            "version: STSv1\nmode: none\nmax_age: 1\nx-note: héllo wörld\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(p.mode, StsMode::None);
        let e = parse_policy(b"version: STSv1\nmode: none\nmax_age: 1\nx note: y\n").unwrap_err();
        assert!(e.contains("not a valid field name"), "{e}");
        let e = parse_policy(b"version: STSv1\nmode: none\nmax_age: 1\nx:\n").unwrap_err();
        assert!(e.contains("has no value"), "{e}");
        let e = parse_policy(b"version: STSv1\nmode: none\nmax_age: 1\nx: a\x07b\n").unwrap_err();
        assert!(e.contains("control character"), "{e}");
    }

    #[test]
    fn policy_mx_patterns_are_checked() {
        let with = |mx: &str| {
            parse_policy(
                format!("version: STSv1\nmode: enforce\nmax_age: 1\nmx: {mx}\n").as_bytes(),
            )
        };
        for good in [
            "mx.example.com",
            "*.example.com",
            "MX-1.Example.COM",
            "localhost",
        ] {
            assert!(with(good).is_ok(), "{good} refused");
        }
        for bad in [
            "*example.com",
            "mx.*.example.com",
            "*.*.example.com",
            "*",
            "*.",
            "mx.example.com.",
            "-mx.example.com",
            "mx_1.example.com",
            "mx..example.com",
            "bücher.example",
        ] {
            let e = with(bad).unwrap_err();
            assert!(e.starts_with("mx \""), "{bad}: {e}");
        }
        assert!(with(&format!("{}.example", "a".repeat(64))).is_err());
    }

    // ---- Content-Type (§3.2) ----

    #[test]
    fn content_type_is_text_plain_with_any_parameters() {
        assert!(content_type_ok(Some("text/plain")));
        assert!(content_type_ok(Some("text/plain; charset=utf-8")));
        assert!(content_type_ok(Some("Text/Plain;charset=UTF-8")));
        assert!(content_type_ok(Some(" text/plain ")));
        assert!(!content_type_ok(Some("text/html")));
        assert!(!content_type_ok(Some("text/plainx")));
        assert!(!content_type_ok(Some("application/octet-stream")));
        assert!(!content_type_ok(Some("")));
        assert!(!content_type_ok(None));
    }

    // ---- mx patterns (§4.1) ----

    #[test]
    fn a_wildcard_matches_exactly_one_label() {
        assert!(mx_pattern_matches("*.example.com", "mx.example.com"));
        assert!(!mx_pattern_matches("*.example.com", "a.mx.example.com"));
        assert!(!mx_pattern_matches("*.example.com", "example.com"));
        assert!(!mx_pattern_matches("*.example.com", ".example.com"));
        assert!(!mx_pattern_matches("*.example.com", "mxexample.com"));
    }

    #[test]
    fn patterns_match_without_case_or_trailing_dots() {
        assert!(mx_pattern_matches("MX.Example.com", "mx.example.COM."));
        assert!(mx_pattern_matches("mx.example.com.", "mx.example.com"));
        assert!(mx_pattern_matches("*.Example.com", "MX.example.com."));
        assert!(!mx_pattern_matches("mx.example.com", "mx2.example.com"));
        assert!(!mx_pattern_matches("*.", "mx"));
        assert!(!mx_pattern_matches("", ""));
    }

    #[test]
    fn the_first_covering_pattern_is_named() {
        let policy = StsPolicy {
            mode: StsMode::Enforce,
            max_age: 1,
            mx: vec!["mx1.example.com".into(), "*.example.com".into()],
        };
        assert_eq!(
            covering_pattern(&policy, "mx1.example.com"),
            Some("mx1.example.com")
        );
        assert_eq!(
            covering_pattern(&policy, "mx2.example.com"),
            Some("*.example.com")
        );
        assert_eq!(covering_pattern(&policy, "mx.other.example"), None);
    }

    // ---- What a sender requires of an address (§4.2) ----

    fn policy() -> StsPolicy {
        StsPolicy {
            mode: StsMode::Enforce,
            max_age: 86_400,
            mx: vec!["*.example.com".into()],
        }
    }

    #[test]
    fn a_good_address_passes_and_is_covered() {
        let pki = Pki::new();
        let address = testpki::address(&[pki.leaf(&["mx.example.com"]), pki.intermediate_der()]);
        let got = evaluate_address(&policy(), "mx.example.com", &address);
        assert!(got.passes, "{:?}", got.reasons);
        assert!(got.reasons.is_empty());
        assert!(got.mx_covered);
        assert_eq!(got.pattern.as_deref(), Some("*.example.com"));
    }

    #[test]
    fn a_wildcard_certificate_is_valid_for_the_mx() {
        let pki = Pki::new();
        let address = testpki::address(&[pki.leaf(&["*.example.com"])]);
        let got = evaluate_address(&policy(), "MX.example.com.", &address);
        assert!(got.passes, "{:?}", got.reasons);
    }

    #[test]
    fn the_name_is_checked_from_the_leaf_not_from_the_report() {
        let pki = Pki::new();
        let mut address = testpki::address(&[pki.leaf(&["a.example.net", "b.example.net"])]);
        // The report says the name was fine: it was checked for another name (--name).
        let tls = address.tls.as_mut().unwrap();
        tls.name_checked = Some("a.example.net".into());
        tls.name_valid = Some(true);
        let got = evaluate_address(&policy(), "mx.example.com", &address);
        assert!(!got.passes);
        assert_eq!(
            got.reasons,
            vec!["the certificate is not valid for mx.example.com (it names a.example.net, b.example.net)"]
        );
    }

    #[test]
    fn no_starttls_is_the_one_reason() {
        let pki = Pki::new();
        let mut address = testpki::address(&[pki.leaf(&["mx.example.com"])]);
        address.smtp.starttls_offered = false;
        address.tls = None;
        let got = evaluate_address(&policy(), "mx.example.com", &address);
        assert!(!got.passes);
        assert_eq!(got.reasons, vec!["no STARTTLS"]);
        // Coverage is a fact of its own.
        assert!(got.mx_covered);
    }

    #[test]
    fn no_tls_says_why() {
        let mut address = testpki::address(&[]);
        address.tls = None;
        address.error = Some(crate::report::Failure {
            phase: crate::vocab::Phase::Handshake,
            kind: crate::vocab::FailureKind::Tls,
            message: "the server closed the connection".into(),
            detail: None,
            reply: None,
        });
        let got = evaluate_address(&policy(), "mx.example.com", &address);
        assert_eq!(
            got.reasons,
            vec!["TLS could not be established: the server closed the connection"]
        );
    }

    #[test]
    fn old_tls_an_invalid_chain_and_a_wrong_name_are_each_a_reason() {
        let pki = Pki::new();
        let mut address = testpki::address(&[pki.leaf(&["other.example.org"])]);
        let tls = address.tls.as_mut().unwrap();
        tls.version = TlsVersion::Tls11;
        tls.handshake_completed = false;
        tls.chain_valid = false;
        tls.chain_error = Some(ChainError {
            kind: ChainErrorKind::UnknownIssuer,
            message: "no path to a trusted root".into(),
            detail: None,
        });
        let got = evaluate_address(&policy(), "mx.example.com", &address);
        assert!(!got.passes);
        assert_eq!(
            got.reasons,
            vec![
                "TLS 1.1 (MTA-STS requires 1.2 or later)",
                "the certificate chain is not valid: no path to a trusted root",
                "the certificate is not valid for mx.example.com (it names other.example.org)",
            ]
        );
    }

    #[test]
    fn tls_1_2_passes_and_an_unknown_version_does_not() {
        let pki = Pki::new();
        let mut address = testpki::address(&[pki.leaf(&["mx.example.com"])]);
        address.tls.as_mut().unwrap().version = TlsVersion::Tls12;
        assert!(evaluate_address(&policy(), "mx.example.com", &address).passes);
        address.tls.as_mut().unwrap().version = TlsVersion::Other(0x7f1c);
        let got = evaluate_address(&policy(), "mx.example.com", &address);
        assert_eq!(
            got.reasons,
            vec!["TLS version 0x7f1c (MTA-STS requires 1.2 or later)"]
        );
    }

    #[test]
    fn an_unfinished_handshake_at_a_good_version_is_a_reason() {
        let pki = Pki::new();
        let mut address = testpki::address(&[pki.leaf(&["mx.example.com"])]);
        address.tls.as_mut().unwrap().handshake_completed = false;
        let got = evaluate_address(&policy(), "mx.example.com", &address);
        assert_eq!(got.reasons, vec!["the TLS handshake did not complete"]);
    }

    #[test]
    fn garbage_or_missing_certificates_are_reasons_not_panics() {
        let mut address = testpki::address(&[b"not a certificate".to_vec()]);
        let got = evaluate_address(&policy(), "mx.example.com", &address);
        assert_eq!(
            got.reasons,
            vec!["the certificate could not be read to check its names"]
        );
        address.tls.as_mut().unwrap().chain[0].der = "%%% not base64".into();
        let got = evaluate_address(&policy(), "mx.example.com", &address);
        assert!(
            got.reasons[0].contains("not in the report"),
            "{:?}",
            got.reasons
        );
        address.tls.as_mut().unwrap().chain.clear();
        let got = evaluate_address(&policy(), "mx.example.com", &address);
        assert_eq!(got.reasons, vec!["no certificate was presented"]);
    }

    #[test]
    fn an_uncovered_mx_is_reported_with_mode_none_too() {
        let pki = Pki::new();
        let address = testpki::address(&[pki.leaf(&["mx.other.example"])]);
        let none = StsPolicy {
            mode: StsMode::None,
            max_age: 1,
            mx: vec![],
        };
        let got = evaluate_address(&none, "mx.other.example", &address);
        assert!(!got.mx_covered);
        assert_eq!(got.pattern, None);
        assert!(got.passes, "{:?}", got.reasons);
    }
}
