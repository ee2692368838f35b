//! Snapshot tests: the JSON, text, Markdown and JUnit renderings of the sample report are locked in
//! `src/render/snapshots/*.snap`. A deliberate format change is accepted by rewriting them with
//! `INSTA_UPDATE=always cargo test --lib render::snapshots` (or `cargo insta review`) and
//! committing the diff; under CI (`CI=true`) insta writes nothing and fails on a mismatch.
//!
//! The sample's times are fixed (`sample::NOW`), so every rendering is deterministic.

use super::view::ReportView;
use super::{json, junit, markdown, text, TextOptions};
use crate::sample;

fn rendered(render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut buf = Vec::new();
    render(&mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn json_rendering() {
    let report = sample::report();
    let out = rendered(|b| json::pretty(&report, b));
    // The JSON snapshot is the wire format itself: a renamed, removed or re-typed field shows here.
    insta::assert_snapshot!("json", out);
}

#[test]
fn text_rendering() {
    let report = sample::report();
    let out = rendered(|b| text::render(&ReportView::new(&report), TextOptions::default(), b));
    insta::assert_snapshot!("text", out);
}

#[test]
fn text_rendering_verbose() {
    let report = sample::report();
    let opts = TextOptions {
        verbose: 1,
        ..TextOptions::default()
    };
    let out = rendered(|b| text::render(&ReportView::new(&report), opts, b));
    insta::assert_snapshot!("text_verbose", out);
}

#[test]
fn markdown_rendering() {
    let report = sample::report();
    let out = rendered(|b| markdown::render(&ReportView::new(&report), b));
    insta::assert_snapshot!("markdown", out);
}

#[test]
fn junit_rendering() {
    let report = sample::report();
    let out = rendered(|b| junit::render(&ReportView::new(&report), b));
    insta::assert_snapshot!("junit", out);
}
