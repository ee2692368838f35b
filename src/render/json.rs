//! JSON: the [`Report`] serialised as is (pretty-printed, one trailing newline), or as
//! newline-delimited JSON: one complete single-target report per line. The wire format is
//! documented in `docs/report-schema.md`; `schema_version` marks breaking changes.

use std::io::Write;

use serde::Serialize;

use crate::report::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    pretty(report, out)
}

/// `value` pretty-printed, with one trailing newline (`--format json`).
pub fn pretty<T: Serialize + ?Sized>(value: &T, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::other)?;
    writeln!(out)
}

/// One line per target: [`per_target`] reports, compact.
pub fn render_ndjson(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    for r in per_target(report) {
        line(&r, out)?;
    }
    Ok(())
}

/// `value` as one line of compact JSON (`--format ndjson`).
pub fn line<T: Serialize + ?Sized>(value: &T, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

/// `report` split into one complete report per target (its findings, its verdict as the
/// overall verdict), as `--format ndjson` writes them.
pub fn per_target(report: &Report) -> impl Iterator<Item = Report> + '_ {
    report.targets.iter().map(|t| Report {
        schema_version: report.schema_version,
        tool: report.tool.clone(),
        started_at: report.started_at,
        duration_ms: report.duration_ms,
        options: report.options.clone(),
        targets: vec![t.clone()],
        findings: report
            .findings
            .iter()
            .filter(|f| f.target == t.input)
            .cloned()
            .collect(),
        verdict: t.verdict,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;

    #[test]
    fn ndjson_is_one_complete_report_per_target_that_reads_back() {
        let mut report = sample::report();
        let mut second = report.targets[0].clone();
        second.input = "fabrikam.test".into();
        second.name = "fabrikam.test".into();
        second.verdict = crate::diagnose::Verdict::Pass;
        report.targets.push(second);
        let first_findings = report.findings.len();
        assert!(first_findings > 0);
        let mut out = Vec::new();
        render_ndjson(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let one: Report = serde_json::from_str(lines[0]).unwrap();
        let two: Report = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(one.targets[0].input, "contoso.test");
        assert_eq!(one.findings.len(), first_findings);
        assert_eq!(one.verdict, report.targets[0].verdict);
        assert_eq!(two.targets[0].input, "fabrikam.test");
        assert!(two.findings.is_empty());
        assert_eq!(two.verdict, crate::diagnose::Verdict::Pass);
        assert_eq!(two.schema_version, report.schema_version);
        // The whole output reads back as one report with both targets.
        let merged = crate::saved::parse(text.as_bytes(), "x.ndjson").unwrap();
        assert_eq!(merged.targets.len(), 2);
        assert_eq!(merged.findings.len(), first_findings);
        assert_eq!(merged.verdict, report.verdict);
    }
}
