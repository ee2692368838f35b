//! TLS-RPT (RFC 8460 §3): the `_smtp._tls` TXT record and where it asks senders to report.
//!
//! ```text
//! tlsrpt-record = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
//! field-delim   = *WSP ";" *WSP
//! tlsrpt-field  = tlsrpt-rua / tlsrpt-extension
//! tlsrpt-rua    = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
//! tlsrpt-uri    = URI   ; RFC 3986; commas, "!" and ";" percent-encoded
//! ```
//!
//! Which destinations count: §3 supports two URI schemes, `mailto` and `https`, and says a parser
//! must accept a record that implements "a superset of this specification", ignoring what it does
//! not know. So a destination that is a well-formed URI of another scheme (`http:`, a scheme a
//! later RFC may add) is ignored like an unknown field, and the record stays valid while one
//! `mailto:` or `https:` destination remains; with none left, no sender can report anywhere and
//! the record is invalid. A destination that is not a URI at all (`reports@example.com`, a raw
//! `!`) breaks the record's syntax, and the whole record is invalid: one bad URI among good ones
//! is an error. The grammar lets `rua` appear more than once; every destination of every `rua`
//! counts, in order.

use super::{check_txt_extension, is_wsp, only_versioned, quote, txt_fields};

const VERSION: &str = "v=TLSRPTv1";

/// Reads the `_smtp._tls.<domain>` TXT records (each record's strings already joined).
///
/// Records that do not begin with the `v=TLSRPTv1` field are left out; none left: `Ok(None)`
/// (the domain does not ask for reports). More than one: an error (§3: the sender then assumes
/// the domain does not implement TLS-RPT). Otherwise the `mailto:` and `https:` destinations of
/// the record, in order (see the module's documentation for the others).
pub fn parse(records: &[String]) -> Result<Option<Vec<String>>, String> {
    let Some(record) = only_versioned(records, VERSION, "TLS-RPT (RFC 8460 §3)")? else {
        return Ok(None);
    };
    let mut any_rua = false;
    let mut usable = Vec::new();
    let mut ignored = Vec::new();
    for (name, value) in txt_fields(record, VERSION)? {
        if name != "rua" {
            check_txt_extension(name, value, &["rua"])?;
            continue;
        }
        any_rua = true;
        for uri in value.split(',').map(|u| u.trim_matches(is_wsp)) {
            match destination(uri)? {
                Destination::Usable => usable.push(uri.to_string()),
                Destination::Ignored => ignored.push(quote(uri)),
            }
        }
    }
    if !any_rua {
        return Err("there is no rua field (RFC 8460 §3: rua is required)".into());
    }
    if usable.is_empty() {
        return Err(format!(
            "no rua destination is a mailto: or https: URI, the only two RFC 8460 §3 supports \
             (rua: {})",
            ignored.join(", ")
        ));
    }
    Ok(Some(usable))
}

enum Destination {
    /// `mailto:` with an address, or `https://` with a host.
    Usable,
    /// A well-formed URI of a scheme TLS-RPT does not define.
    Ignored,
}

fn destination(uri: &str) -> Result<Destination, String> {
    if uri.is_empty() {
        return Err("rua has an empty destination".into());
    }
    if uri.contains('!') {
        return Err(format!(
            "rua destination {} holds a raw '!', which RFC 8460 §3 requires written as %21",
            quote(uri)
        ));
    }
    let Some(scheme) = uri_scheme(uri) else {
        return Err(format!(
            "rua destination {} is not a URI (it needs a scheme: mailto: or https:)",
            quote(uri)
        ));
    };
    if let Some(bad) = first_non_uri_char(uri) {
        return Err(format!(
            "rua destination {} is not a URI (a URI may not hold '{}' unencoded)",
            quote(uri),
            bad.escape_default()
        ));
    }
    let rest = uri.get(scheme.len() + 1..).unwrap_or_default();
    if scheme.eq_ignore_ascii_case("mailto") {
        // RFC 6068: mailto:local@domain (the part before any ?headers).
        let address = rest.split('?').next().unwrap_or_default();
        match address.rsplit_once('@') {
            Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
                Ok(Destination::Usable)
            }
            _ => Err(format!(
                "rua destination {} names no mail address",
                quote(uri)
            )),
        }
    } else if scheme.eq_ignore_ascii_case("https") {
        let host = rest
            .strip_prefix("//")
            .and_then(|r| r.split(['/', '?', '#']).next())
            .unwrap_or_default();
        if host.is_empty() {
            Err(format!("rua destination {} names no host", quote(uri)))
        } else {
            Ok(Destination::Usable)
        }
    } else {
        Ok(Destination::Ignored)
    }
}

/// The scheme of a URI (RFC 3986 §3.1: `ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")` before the
/// first `:`).
fn uri_scheme(uri: &str) -> Option<&str> {
    let (scheme, _) = uri.split_once(':')?;
    let mut chars = scheme.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then_some(scheme)
}

/// The first character a URI may not hold as it is (RFC 3986 §2: unreserved and reserved
/// characters, and `%` followed by two hex digits).
fn first_non_uri_char(uri: &str) -> Option<char> {
    let bytes = uri.as_bytes();
    uri.char_indices().find_map(|(i, c)| {
        let ok = match c {
            '%' => matches!(
                (bytes.get(i + 1), bytes.get(i + 2)),
                (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit()
            ),
            _ => c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=".contains(c),
        };
        (!ok).then_some(c)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpt(records: &[&str]) -> Result<Option<Vec<String>>, String> {
        let owned: Vec<String> = records.iter().map(|r| r.to_string()).collect();
        parse(&owned)
    }

    fn ok(list: &[&str]) -> Result<Option<Vec<String>>, String> {
        Ok(Some(list.iter().map(|s| s.to_string()).collect()))
    }

    #[test]
    fn one_record_one_destination() {
        assert_eq!(
            rpt(&["v=TLSRPTv1; rua=mailto:tlsrpt@example.com"]),
            ok(&["mailto:tlsrpt@example.com"])
        );
        assert_eq!(
            rpt(&["v=TLSRPTv1;rua=https://reports.example.com/v1/tlsrpt;"]),
            ok(&["https://reports.example.com/v1/tlsrpt"])
        );
    }

    #[test]
    fn no_record_is_missing_and_other_records_are_ignored() {
        assert_eq!(rpt(&[]), Ok(None));
        assert_eq!(rpt(&["v=spf1 -all", "v=STSv1; id=1"]), Ok(None));
        assert_eq!(rpt(&["v=tlsrptv1; rua=mailto:a@b.example"]), Ok(None));
        assert_eq!(rpt(&["v=TLSRPTv10; rua=mailto:a@b.example"]), Ok(None));
        assert_eq!(
            rpt(&["v=spf1 -all", "v=TLSRPTv1; rua=mailto:a@b.example"]),
            ok(&["mailto:a@b.example"])
        );
    }

    #[test]
    fn two_records_are_invalid() {
        let e = rpt(&[
            "v=TLSRPTv1; rua=mailto:a@b.example",
            "v=TLSRPTv1; rua=mailto:c@d.example",
        ])
        .unwrap_err();
        assert!(e.starts_with("2 v=TLSRPTv1 records"), "{e}");
    }

    #[test]
    fn several_destinations_in_one_rua_and_in_several() {
        assert_eq!(
            rpt(&["v=TLSRPTv1; rua=mailto:a@b.example , https://r.example/x,mailto:c@d.example"]),
            ok(&[
                "mailto:a@b.example",
                "https://r.example/x",
                "mailto:c@d.example"
            ])
        );
        assert_eq!(
            rpt(&["v=TLSRPTv1; rua=mailto:a@b.example; rua=https://r.example/x"]),
            ok(&["mailto:a@b.example", "https://r.example/x"])
        );
    }

    #[test]
    fn rua_is_required() {
        let e = rpt(&["v=TLSRPTv1; ext=1"]).unwrap_err();
        assert!(e.contains("no rua field"), "{e}");
        let e = rpt(&["v=TLSRPTv1"]).unwrap_err();
        assert!(e.contains("no field"), "{e}");
        let e = rpt(&["v=TLSRPTv1; RUA=mailto:a@b.example"]).unwrap_err();
        assert!(e.contains("case-sensitive"), "{e}");
        let e = rpt(&["v=TLSRPTv1; rua="]).unwrap_err();
        assert!(e.contains("empty destination"), "{e}");
        let e = rpt(&["v=TLSRPTv1; rua=mailto:a@b.example,,mailto:c@d.example"]).unwrap_err();
        assert!(e.contains("empty destination"), "{e}");
    }

    #[test]
    fn only_unsupported_schemes_is_invalid_and_names_them() {
        let e = rpt(&["v=TLSRPTv1; rua=http://r.example/x"]).unwrap_err();
        assert_eq!(
            e,
            "no rua destination is a mailto: or https: URI, the only two RFC 8460 §3 supports \
             (rua: \"http://r.example/x\")"
        );
        let e = rpt(&["v=TLSRPTv1; rua=ftp://r.example/x,http://r.example/y"]).unwrap_err();
        assert!(
            e.contains("\"ftp://r.example/x\", \"http://r.example/y\""),
            "{e}"
        );
    }

    #[test]
    fn an_unsupported_scheme_beside_a_supported_one_is_ignored() {
        assert_eq!(
            rpt(&["v=TLSRPTv1; rua=http://r.example/x,mailto:a@b.example"]),
            ok(&["mailto:a@b.example"])
        );
        // Schemes are case-insensitive (RFC 3986 §3.1).
        assert_eq!(
            rpt(&["v=TLSRPTv1; rua=MAILTO:a@b.example"]),
            ok(&["MAILTO:a@b.example"])
        );
    }

    #[test]
    fn a_destination_that_is_not_a_uri_invalidates_the_record_and_is_named() {
        let e = rpt(&["v=TLSRPTv1; rua=mailto:a@b.example,reports@example.com"]).unwrap_err();
        assert_eq!(
            e,
            "rua destination \"reports@example.com\" is not a URI (it needs a scheme: mailto: or https:)"
        );
        let e = rpt(&["v=TLSRPTv1; rua=mailto:a@b.example,https://r.example/a b"]).unwrap_err();
        assert_eq!(
            e,
            "rua destination \"https://r.example/a b\" is not a URI (a URI may not hold ' ' unencoded)"
        );
        let e = rpt(&["v=TLSRPTv1; rua=https://r.example/a!b"]).unwrap_err();
        assert!(e.contains("raw '!'"), "{e}");
        assert_eq!(
            rpt(&["v=TLSRPTv1; rua=https://r.example/a%21b"]),
            ok(&["https://r.example/a%21b"])
        );
        assert!(rpt(&["v=TLSRPTv1; rua=https://r.example/a%2"]).is_err());
        assert!(rpt(&["v=TLSRPTv1; rua=1mailto:a@b.example"]).is_err());
    }

    #[test]
    fn supported_schemes_must_name_somewhere() {
        let e = rpt(&["v=TLSRPTv1; rua=mailto:"]).unwrap_err();
        assert!(e.contains("names no mail address"), "{e}");
        let e = rpt(&["v=TLSRPTv1; rua=mailto:reports"]).unwrap_err();
        assert!(e.contains("names no mail address"), "{e}");
        let e = rpt(&["v=TLSRPTv1; rua=https:/r.example/x"]).unwrap_err();
        assert!(e.contains("names no host"), "{e}");
        let e = rpt(&["v=TLSRPTv1; rua=https:///x"]).unwrap_err();
        assert!(e.contains("names no host"), "{e}");
        assert_eq!(
            rpt(&["v=TLSRPTv1; rua=mailto:a@b.example?subject=tlsrpt"]),
            ok(&["mailto:a@b.example?subject=tlsrpt"])
        );
    }

    #[test]
    fn extension_fields_are_ignored_when_well_formed() {
        assert_eq!(
            rpt(&["v=TLSRPTv1; ext=1; rua=mailto:a@b.example; x.y-z_w=v"]),
            ok(&["mailto:a@b.example"])
        );
        let e = rpt(&["v=TLSRPTv1; rua=mailto:a@b.example; ext=a=b"]).unwrap_err();
        assert!(e.contains("value of ext"), "{e}");
        let e = rpt(&["v=TLSRPTv1; rua=mailto:a@b.example; _x=1"]).unwrap_err();
        assert!(e.contains("not a valid field name"), "{e}");
    }
}
