//! Test-support code shared by the integration tests (`mod support;` in
//! `tests/*.rs`) and the examples (`#[path = "../tests/support/mod.rs"] mod support;`).
//!
//! The servers: a throw-away PKI ([`pki`]), an in-process authoritative DNS server ([`dns`]), a
//! scripted SMTP server with STARTTLS ([`smtp`]), a scripted HTTP server for CRL and OCSP fetches
//! ([`http`]) and raw TCP servers for hostile scripts ([`raw`], with hand-made TLS bytes in
//! [`records`]), all stopped when dropped ([`runner`]).
//!
//! The harness every test binary uses instead of its own copies: the loopback range each binary
//! owns ([`net`]), a test's PKI, temporary directory and trust file ([`env`]), running the
//! binary and reading its JSON output ([`run`]), and lookups in the JSON report ([`report`]).
//!
//! It depends only on dev-dependencies, never on the `tlscheck` crate itself, so the tests
//! exercise the real binary and library from the outside.

// Each test binary compiles this module on its own and uses only part of it.
#![allow(dead_code)]

pub mod dns;
pub mod env;
pub mod http;
pub mod net;
pub mod pki;
pub mod raw;
pub mod records;
pub mod report;
pub mod run;
pub mod runner;
pub mod smtp;
