//! The hostile saved report: every free-text field of a report (found by trying each string of
//! [`crate::sample::full`]'s JSON, and keeping the hostile text wherever the report still reads
//! back) carries terminal escapes, bell, carriage return, NUL, DEL, a C1 control, bidirectional
//! overrides and Markdown/HTML/XML markup. Rendered in every format, nothing of it may reach the
//! output raw, and the JUnit must stay well-formed XML.
//!
//! The same report is committed as `tests/fixtures/hostile-report.json` (rewritten with
//! `TLSCHECK_BLESS=1 cargo test --lib hostile`), so the CLI tests run `tlscheck report` on it too.

use serde_json::Value;

use super::escape::is_unsafe;
use super::view::ReportView;
use super::{junit, TextOptions};
use crate::judged::Judged;
use crate::plan::Format;
use crate::sample;

/// What a stranger's report may carry in any string.
const HOSTILE: &str =
    "\u{1b}[2J\u{1b}]0;owned\u{7}\r\0\u{7f}\u{9b}31m \u{202e}evil\u{2066}\u{200f} \
                       | `x` <script>&amp; *b* _i_ [l](http://x) # ]]>\n-- \u{85}end";

/// Every path to a string in `v`.
fn string_paths(v: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    match v {
        Value::String(_) => out.push(path.clone()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                string_paths(item, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                path.push(PathStep::Key(k.clone()));
                string_paths(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone, PartialEq)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn at<'v>(v: &'v mut Value, path: &[PathStep]) -> &'v mut Value {
    path.iter().fold(v, |v, step| match step {
        PathStep::Key(k) => &mut v[k.as_str()],
        PathStep::Index(i) => &mut v[*i],
    })
}

fn dotted(path: &[PathStep]) -> String {
    path.iter()
        .map(|s| match s {
            PathStep::Key(k) => k.clone(),
            PathStep::Index(_) => "[]".into(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The full sample with the hostile text in every string field that takes any text, and the
/// dotted paths of those fields.
pub fn hostile_report() -> (Value, Vec<String>) {
    let mut value = serde_json::to_value(sample::full()).unwrap();
    let mut paths = Vec::new();
    string_paths(&value, &mut Vec::new(), &mut paths);
    let mut free = Vec::new();
    for path in paths {
        let old = std::mem::replace(at(&mut value, &path), Value::from(HOSTILE));
        if serde_json::from_value::<Judged>(value.clone()).is_ok() {
            free.push(dotted(&path));
        } else {
            *at(&mut value, &path) = old;
        }
    }
    (value, free)
}

/// Our own colours, the only escapes the text report may write.
const OUR_COLOURS: [&str; 5] = [
    "\u{1b}[0m",
    "\u{1b}[2m",
    "\u{1b}[32m",
    "\u{1b}[33m",
    "\u{1b}[1;31m",
];

fn assert_safe(format: &str, out: &str) {
    let mut rest = out.to_string();
    for c in OUR_COLOURS {
        rest = rest.replace(c, "");
    }
    let bad: Vec<String> = rest
        .chars()
        .filter(|c| *c != '\n' && is_unsafe(*c))
        .map(|c| c.escape_unicode().to_string())
        .collect();
    assert!(bad.is_empty(), "{format}: raw {bad:?} in\n{out}");
    // Newlines are ours: the hostile text's own (before `-- `) never starts a line.
    assert!(
        !out.lines().any(|l| l.trim_start().starts_with("-- ")),
        "{format}: a raw newline from the report in\n{out}"
    );
}

fn rendered(judged: &Judged, format: Format, opts: TextOptions) -> String {
    let mut buf = Vec::new();
    super::report(judged, format, opts, &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn every_free_text_field_is_reached() {
    let (_, free) = hostile_report();
    // The fields issue 12 found printed raw, among every other.
    for field in [
        "targets.[].hosts.[].addresses.[].tls.cipher_suite",
        "targets.[].hosts.[].addresses.[].tls.kx_group",
        "findings.[].remediation",
        "findings.[].message",
        "targets.[].hosts.[].addresses.[].ciphers.[].suites.[]",
        "targets.[].hosts.[].addresses.[].versions.probes.[].offered",
        "targets.[].hosts.[].addresses.[].smtp.transcript.[].line",
        "targets.[].hosts.[].addresses.[].tls.anchor.spki_sha256",
        "targets.[].hosts.[].addresses.[].tls.chain.[].revocation.ocsp.[].responder_status",
        "targets.[].input",
        "options.trust_store",
        "tool.name",
    ] {
        assert!(
            free.iter().any(|f| f == field),
            "{field} not reached: {free:#?}"
        );
    }
    assert!(free.len() > 150, "{} fields", free.len());
}

#[test]
fn a_hostile_saved_report_cannot_reach_the_terminal_raw() {
    let (value, _) = hostile_report();
    let judged: Judged = serde_json::from_value(value).unwrap();
    for (verbose, quiet, color) in [
        (0, false, false),
        (0, false, true),
        (1, false, false),
        (1, false, true),
        (0, true, true),
    ] {
        // Wrapped and not: wrapping breaks lines only at our own newlines and spaces.
        let opts = TextOptions {
            verbose,
            quiet,
            color,
            width: if color { 80 } else { 0 },
            show_certs: true,
        };
        let out = rendered(&judged, Format::Text, opts);
        assert_safe(&format!("text {opts:?}"), &out);
        let joined: String = out.split_whitespace().collect();
        if !quiet {
            assert!(
                joined.contains("\\u{1b}[2J"),
                "the hostile text is shown escaped"
            );
        }
    }
    for format in [
        Format::Markdown,
        Format::Junit,
        Format::Json,
        Format::Ndjson,
    ] {
        let out = rendered(&judged, format, TextOptions::default());
        assert_safe(&format!("{format:?}"), &out);
    }
}

#[test]
fn a_hostile_saved_report_keeps_markdown_tables_and_xml_whole() {
    let (value, _) = hostile_report();
    let judged: Judged = serde_json::from_value(value).unwrap();
    let md = rendered(&judged, Format::Markdown, TextOptions::default());
    assert!(!md.contains("<script") && !md.contains("[l](http"), "{md}");
    // Every table line has as many unescaped `|` as the header of its table.
    let mut columns = 0;
    for line in md.lines() {
        if !line.starts_with('|') {
            columns = 0;
            continue;
        }
        let n = line
            .chars()
            .scan(false, |escaped, c| {
                let sep = c == '|' && !*escaped;
                *escaped = c == '\\' && !*escaped;
                Some(sep)
            })
            .filter(|s| *s)
            .count();
        if columns == 0 {
            columns = n;
        }
        assert_eq!(n, columns, "{line}");
    }
    let xml = rendered(&judged, Format::Junit, TextOptions::default());
    let root = junit::tests::parse_and_check(&xml);
    assert!(!root.find("testcase").is_empty());
    // The text a CI page shows is the hostile text, escaped as in the terminal.
    let failure = &root.find("failure")[0].el.attr("message").to_string();
    assert!(failure.contains("\\u{1b}[2J"), "{failure}");
}

/// `tests/fixtures/hostile-report.json` is this report, for the CLI tests.
#[test]
fn the_committed_fixture_is_the_hostile_report() {
    let (value, _) = hostile_report();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hostile-report.json"
    );
    let mut expected = Vec::new();
    super::json::pretty(&value, &mut expected).unwrap();
    if std::env::var_os("TLSCHECK_BLESS").is_some() {
        std::fs::write(path, &expected).unwrap();
    }
    let actual = std::fs::read(path).unwrap_or_default();
    assert!(
        actual == expected,
        "tests/fixtures/hostile-report.json is stale: run TLSCHECK_BLESS=1 cargo test --lib hostile"
    );
    // It is a report tlscheck reads.
    assert!(crate::saved::parse(&actual, "fixture").is_ok());
    let _ = ReportView::new(&crate::saved::parse(&actual, "fixture").unwrap().judged);
}

#[test]
fn a_hostile_log_line_cannot_reach_the_terminal_raw() {
    use crate::explain::{explain, explain_input, Input, Outcome};
    let one = Outcome::One(Box::new(explain(&format!(
        "Reason: [{{LED=450 4.4.317 Cannot connect to remote server [Message={HOSTILE}] \
         [LastAttemptedServerName=mx1.contoso.com]}}] {HOSTILE}"
    ))));
    let flat = HOSTILE.replace('\n', " ");
    let many = explain_input(&Input::new(&format!(
        "postfix/smtp[1]: 4B: to=<a@contoso.com>, relay=mx1.contoso.com[192.0.2.10]:25, \
         dsn=4.7.5, status=deferred (Server certificate not verified) {flat}\n\
         TLS error on connection from x [203.0.113.5] (SSL_accept): {flat} [Message={flat}]\n"
    )));
    assert!(matches!(&many, Outcome::Many(x) if x.lines_explained == 2));
    for o in [&one, &many] {
        for format in [
            Format::Text,
            Format::Markdown,
            Format::Json,
            Format::Ndjson,
            Format::Junit,
        ] {
            let mut buf = Vec::new();
            super::explanation(o, format, 0, &mut buf).unwrap();
            let out = String::from_utf8(buf).unwrap();
            assert_safe(&format!("explain {format:?}"), &out);
            if format == Format::Markdown {
                assert!(!out.contains("<script>"), "{out}");
            }
        }
    }
}
