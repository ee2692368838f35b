//! Renderers: a judged report as text for a person, JSON for programs, Markdown for a ticket,
//! JUnit XML for a CI test report, or newline-delimited JSON; and the same formats for the
//! `endpoints` and `schannel` reports and for `explain`. Every renderer writes to `&mut dyn Write`, so tests
//! render into a `Vec<u8>`.
//!
//! The human formats read one [`view::ReportView`], built once per report, which decides what a
//! reader sees; each format only spells it, and escapes what came from the network or from a
//! report file in one place ([`escape`]). JSON is the wire format itself ([`json`]).

pub mod escape;
#[cfg(test)]
mod hostile;
pub mod json;
pub mod junit;
pub mod markdown;
#[cfg(test)]
mod snapshots;
pub mod text;
pub mod view;
pub mod wrap;

use std::io::Write;

use crate::explain::Outcome;
use crate::judged::Judged;
use crate::plan::Format;
use crate::report::EndpointsReport;

/// Options that change how text is rendered.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub verbose: u8,
    pub quiet: bool,
    /// ANSI colours for verdicts, statuses and finding marks (a terminal that wants them).
    pub color: bool,
    /// Lines wrapped to this many characters (0: not wrapped).
    pub width: usize,
    /// `--show-certs`: the presented chain as PEM under each address.
    pub show_certs: bool,
}

/// A judged probe report in `format`.
pub fn report(
    judged: &Judged,
    format: Format,
    opts: TextOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::pretty(judged, out),
        Format::Ndjson => json::ndjson(judged, out),
        Format::Text => text::render(&view::ReportView::new(judged), opts, out),
        Format::Markdown => markdown::render(&view::ReportView::new(judged), out),
        Format::Junit => junit::render(&view::ReportView::new(judged), out),
    }
}

/// A `tlscheck endpoints` report in `format`.
pub fn endpoints(
    report: &EndpointsReport,
    format: Format,
    width: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::pretty(report, out),
        Format::Ndjson => json::line(report, out),
        Format::Text => {
            let mut lines = Vec::new();
            text::render_endpoints(report, &mut lines)?;
            let text = String::from_utf8_lossy(&lines);
            out.write_all(wrap::wrap(&text, width).as_bytes())
        }
        Format::Markdown => markdown::render_endpoints(report, out),
        Format::Junit => junit::render_endpoints(report, out),
    }
}

/// A judged `tlscheck schannel` report in `format`.
pub fn schannel(
    judged: &crate::diagnose::schannel::SchannelJudged,
    format: Format,
    opts: TextOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::pretty(judged, out),
        Format::Ndjson => json::line(judged, out),
        Format::Text => {
            let mut lines = Vec::new();
            text::render_schannel(&view::SchannelView::new(judged), opts.color, &mut lines)?;
            let text = String::from_utf8_lossy(&lines);
            out.write_all(wrap::wrap(&text, opts.width).as_bytes())
        }
        Format::Markdown => markdown::render_schannel(&view::SchannelView::new(judged), out),
        Format::Junit => junit::render_schannel(&view::SchannelView::new(judged), out),
    }
}

/// What `tlscheck explain` answered, in `format`: JSON is the [`Outcome`] itself (one
/// explanation object, or an excerpt's counts and explanations); JUnit has no use for it and gets
/// the text.
pub fn explanation(
    o: &Outcome,
    format: Format,
    width: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::pretty(o, out),
        Format::Ndjson => json::line(o, out),
        Format::Markdown => markdown::render_explanations(o, out),
        Format::Text | Format::Junit => {
            let mut lines = Vec::new();
            text::render_explanations(o, &mut lines)?;
            let text = String::from_utf8_lossy(&lines);
            out.write_all(wrap::wrap(&text, width).as_bytes())
        }
    }
}
