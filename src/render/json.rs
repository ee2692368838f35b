//! JSON: the [`Report`] serialised as is (pretty-printed, one trailing newline). The wire format is
//! documented in `docs/report-schema.md`; `schema_version` marks breaking changes.

use std::io::Write;

use crate::report::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(std::io::Error::other)?;
    writeln!(out)
}
