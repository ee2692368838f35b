//! tlscheck: diagnose SMTP TLS the way a strict peer such as Exchange Online will meet it.
//!
//! `tlscheck mx contoso.com` resolves the domain's MX hosts, opens an SMTP session to every
//! address, issues STARTTLS, and records the negotiated TLS version, cipher suite, key exchange,
//! the presented chain and its trust; then it judges those facts against a policy (and optionally a
//! dated expectation profile) and renders a verdict with causes and fixes.
//!
//! # Layout
//!
//! Three passes over plain data: **probe** (network code fills a [`report::Report`]), **judge**
//! ([`diagnose::judge`], pure), **render** ([`render`], to any `Write`).
//!
//! - [`cli`] parses arguments into a validated [`plan::Plan`]; nothing below it sees clap.
//! - [`target`] normalises domains and hosts; [`dns`] resolves MX / A / AAAA (hickory).
//! - [`probe`] runs every address concurrently under timeouts and the run deadline;
//!   [`politeness`] caps the connections to one IP address (`--per-ip`, `--ip-delay`).
//! - [`smtp`]: [`smtp::reply`] (bounded reply parser), [`smtp::extensions`] (EHLO keywords),
//!   [`smtp::stream`] (limits, timeouts, STARTTLS injection guard), [`smtp::session`] (the state
//!   machine).
//! - [`tls`]: [`tls::handshake`] (rustls, aws-lc-rs), [`tls::danger`] (the recording verifier) and
//!   [`tls::legacy`] (raw ClientHellos for TLS 1.0/1.1 and static RSA).
//! - [`versions`] decides which TLS versions an address accepts; [`ciphers`] enumerates suites
//!   (`--ciphers`).
//! - [`cert`]: [`cert::summary`] (certificate facts) and [`cert::chain`] (trust, anchor, name).
//! - [`revocation`]: CRL ([`revocation::crl`]) and OCSP ([`revocation::ocsp`]) checks, each URL
//!   fetched once per run through [`fetch`] (http/https only, no private destinations, size caps).
//! - [`tls::client_auth`]: `--client-cert` and what a server's CertificateRequest asked for.
//! - [`profile`]: expectation profiles from `profiles/*.toml`.
//! - [`explain`] reads SMTP replies and log lines (`tlscheck explain`).
//! - [`report`] is the versioned JSON wire format; [`diagnose`] holds the finding codes and rules;
//!   [`exit`] the exit codes; [`limits`] every bound on network input.

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
pub mod ciphers;
pub mod cli;
pub mod diagnose;
pub mod dns;
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
pub mod politeness;
pub mod probe;
pub mod profile;
pub mod render;
pub mod report;
pub mod revocation;
#[cfg(test)]
mod sample;
pub mod saved;
pub mod schema;
pub mod smtp;
pub mod target;
pub mod tls;
pub mod versions;
pub mod vocab;
