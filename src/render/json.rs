//! JSON: the judged report as its wire format ([`crate::judged`]), pretty-printed with one
//! trailing newline, or as newline-delimited JSON: one complete single-target report per line.
//! The wire format is documented in `docs/report-schema.md`; `schema_version` marks breaking
//! changes.
//!
//! A report is opened in terminals and editors as often as it is parsed, so besides what JSON
//! itself escapes (C0 controls, `"`, `\\`), the characters that can drive a terminal or reorder a
//! line (DEL, the C1 controls, the bidirectional controls; see [`super::escape::is_unsafe`]) are
//! written as `\uXXXX` escapes too: the same string to a parser, harmless on a screen.

use std::io::Write;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

use crate::judged::Judged;
use crate::render::escape::is_unsafe;

/// `value` pretty-printed, with one trailing newline (`--format json`).
pub fn pretty<T: Serialize + ?Sized>(value: &T, out: &mut dyn Write) -> std::io::Result<()> {
    write(value, &mut *out, PrettyFormatter::new())?;
    writeln!(out)
}

fn write<T: Serialize + ?Sized, F: Formatter>(
    value: &T,
    out: &mut dyn Write,
    formatter: F,
) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, SafeFormatter(formatter));
    value.serialize(&mut ser).map_err(std::io::Error::other)
}

/// A formatter that writes what [`is_unsafe`] names as `\uXXXX` escapes inside strings, and
/// leaves the layout to `F`.
struct SafeFormatter<F>(F);

impl<F: Formatter> Formatter for SafeFormatter<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        // Every character `is_unsafe` names (JSON escapes C0 itself) is DEL or starts with one of
        // these UTF-8 lead bytes: C1 (0xC2), U+061C (0xD8), U+200E-U+2069 (0xE2). Most strings
        // (base64 certificates) have none, and go out as they are.
        if !fragment
            .bytes()
            .any(|b| matches!(b, 0x7f | 0xc2 | 0xd8 | 0xe2))
        {
            return w.write_all(fragment.as_bytes());
        }
        let mut rest = fragment;
        while let Some((i, c)) = rest.char_indices().find(|(_, c)| is_unsafe(*c)) {
            let (plain, tail) = rest.split_at(i);
            w.write_all(plain.as_bytes())?;
            write!(w, "\\u{:04x}", u32::from(c))?;
            rest = tail.get(c.len_utf8()..).unwrap_or_default();
        }
        w.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_key(w)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// One line per target: [`Judged::per_target`] reports, compact.
pub fn ndjson(judged: &Judged, out: &mut dyn Write) -> std::io::Result<()> {
    for r in judged.per_target() {
        line(&r, out)?;
    }
    Ok(())
}

/// `value` as one line of compact JSON (`--format ndjson`).
pub fn line<T: Serialize + ?Sized>(value: &T, out: &mut dyn Write) -> std::io::Result<()> {
    write(value, &mut *out, CompactFormatter)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judged::TargetJudgement;
    use crate::sample;
    use crate::vocab::Verdict;

    #[test]
    fn ndjson_is_one_complete_report_per_target_that_reads_back() {
        let mut judged = sample::report();
        let mut second = judged.report.targets[0].clone();
        second.input = "fabrikam.test".into();
        second.name = "fabrikam.test".into();
        judged.report.targets.push(second);
        judged.targets.push(TargetJudgement {
            verdict: Verdict::Pass,
            findings: vec![],
        });
        let first_findings = judged.targets[0].findings.len();
        assert!(first_findings > 0);
        let mut out = Vec::new();
        ndjson(&judged, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let one: Judged = serde_json::from_str(lines[0]).unwrap();
        let two: Judged = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(one.report.targets[0].input, "contoso.test");
        assert_eq!(one.targets[0].findings.len(), first_findings);
        assert_eq!(one.verdict, judged.targets[0].verdict);
        assert_eq!(two.report.targets[0].input, "fabrikam.test");
        assert!(two.targets[0].findings.is_empty());
        assert_eq!(two.verdict, Verdict::Pass);
        // The whole output reads back as one report with both targets.
        let merged = crate::saved::parse(text.as_bytes(), "x.ndjson")
            .unwrap()
            .judged;
        assert_eq!(merged.report.targets.len(), 2);
        assert_eq!(merged.findings().count(), first_findings);
        assert_eq!(merged.verdict, judged.verdict);
    }

    #[test]
    fn terminal_and_bidi_controls_are_escaped_and_read_back() {
        let mut judged = sample::report();
        let hostile = "a\u{7f}b\u{9b}31m\u{202e}c\u{2066}d\u{1b}e\u{0}ü✓\u{61c}";
        judged.targets[0].findings[0].message = hostile.into();
        for compact in [false, true] {
            let mut out = Vec::new();
            if compact {
                line(&judged, &mut out).unwrap();
            } else {
                pretty(&judged, &mut out).unwrap();
            }
            let text = String::from_utf8(out).unwrap();
            assert!(text.chars().all(|c| c == '\n' || !is_unsafe(c)), "{text}");
            assert!(
                text.contains(r#"a\u007fb\u009b31m\u202ec\u2066d\u001be\u0000ü✓\u061c"#),
                "{text}"
            );
            let back: Judged = serde_json::from_str(&text).unwrap();
            assert_eq!(back.targets[0].findings[0].message, hostile);
        }
    }

    #[test]
    fn a_report_reads_back_as_it_was_written() {
        let judged = sample::report();
        let mut out = Vec::new();
        pretty(&judged, &mut out).unwrap();
        let back: Judged = serde_json::from_slice(&out).unwrap();
        let mut again = Vec::new();
        pretty(&back, &mut again).unwrap();
        assert_eq!(String::from_utf8(again), String::from_utf8(out));
        assert_eq!(back.targets[0].findings.len(), 1);
    }
}
