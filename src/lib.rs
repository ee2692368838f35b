//! tlscheck: diagnose SMTP TLS the way a strict peer such as Exchange Online will meet it.
//!
//! `tlscheck mx contoso.com` resolves the domain's MX hosts, opens an SMTP session to every
//! address, issues STARTTLS, and records the negotiated TLS version, cipher suite, key exchange,
//! the presented chain and its trust; then it judges those facts against a policy (and optionally a
//! dated expectation profile) and renders a verdict with causes and fixes.
//!
//! # Layout
//!
//! One direction, top to bottom ([`app`] runs it): [`cli`] turns arguments into a validated job
//! (a [`plan::Plan`]); [`probe`] fills a [`report::Report`] with facts only; [`diagnose::judge`]
//! (pure) derives findings and verdicts into a [`judged::Judged`]; [`render`] builds one
//! [`render::view::ReportView`] and spells it as text, Markdown or JUnit, or writes the JSON wire
//! format; [`exit`] maps the verdict to the exit code.
//!
//! - Facts and words at the bottom: [`vocab`] (the typed vocabulary: TLS versions, key types,
//!   statuses, phases, verdicts), [`report`] (the facts), [`finding`] (findings and the stable code
//!   table), [`judged`] (the judged report and its JSON form), [`limits`] (every bound on network
//!   input), [`net`].
//! - Probing: [`target`], [`dns`], [`politeness`] (`--per-ip`, `--ip-delay`), [`smtp`] (reply
//!   parser -> stream -> session), [`tls`] (rustls handshakes, the recording verifier, raw
//!   ClientHellos, client certificates), [`versions`], [`ciphers`], [`cert`] (certificate facts,
//!   chain trust), [`revocation`] through [`fetch`], [`endpoints`].
//! - Judging: [`diagnose`] (rules by subject), [`policy`] (the rules of MTA-STS, TLS-RPT and DANE,
//!   pure), [`profile`] (dated expectations).
//! - Reading back and writing: [`saved`] (`tlscheck report`), [`render`] (with [`render::escape`],
//!   the one escaper per format), [`schema`], [`explain`], [`manual`].
//! - [`demo`]: the loopback mail servers, DNS server and CA of `tlscheck demo`, whose run
//!   [`app`] drives like any `mx` run.
//!
//! `docs/architecture.md` lists every module in its layer; `tests/layers.rs` checks that each uses
//! only modules below it.

#![forbid(unsafe_code)]
// Network data must never panic the run: no unwrap/expect/panic, no indexing or slicing that can
// go out of bounds or split a UTF-8 character, no unreachable!/todo! outside tests (clippy runs
// with -D warnings in CI, so these are enforced; docs/limits.md lists the rest of the rules).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod app;
pub mod cert;
pub mod certfiles;
pub mod ciphers;
pub mod cli;
pub mod demo;
pub mod diagnose;
pub mod dns;
pub mod dnssec;
pub mod endpoints;
pub mod exit;
pub mod explain;
pub mod fetch;
pub mod finding;
pub mod judged;
pub mod limits;
pub mod manual;
pub mod net;
pub mod plan;
pub mod policy;
pub mod policy_lookup;
pub mod politeness;
pub mod probe;
pub mod profile;
pub mod render;
pub mod report;
pub mod revocation;
#[cfg(test)]
mod sample;
pub mod saved;
pub mod schannel;
pub mod schema;
pub mod shard;
pub mod smtp;
pub mod target;
pub mod tls;
pub mod versions;
pub mod vocab;
