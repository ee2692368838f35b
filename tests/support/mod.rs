//! Test-support code shared by the integration tests (`mod support;` in
//! `tests/*.rs`) and the examples (`#[path = "../tests/support/mod.rs"] mod support;`):
//! a throw-away PKI ([`pki`]), an in-process authoritative DNS server ([`dns`]) and a
//! scripted SMTP server with STARTTLS ([`smtp`]), both stopped when dropped ([`runner`]). It depends only on dev-dependencies,
//! never on the `tlscheck` crate itself, so the tests exercise the real binary and
//! library from the outside.

// Each test binary compiles this module on its own and uses only part of it.
#![allow(dead_code)]

pub mod dns;
pub mod http;
pub mod pki;
pub mod raw;
pub mod runner;
pub mod smtp;
