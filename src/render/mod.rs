//! Renderers: the same judged [`Report`] as text for a person or JSON for programs. Every renderer
//! writes to `&mut dyn Write`, so tests render into a `Vec<u8>`.

pub mod json;
pub mod text;

use std::io::Write;

use crate::plan::Format;
use crate::report::Report;

/// Options that change how text is rendered.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub verbose: u8,
    pub quiet: bool,
}

pub fn render(
    report: &Report,
    format: Format,
    opts: TextOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::render(report, opts, out),
        Format::Json => json::render(report, out),
    }
}
