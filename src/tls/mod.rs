//! TLS client side: a rustls handshake that always completes far enough to collect the facts
//! ([`handshake`]), with the recording verifier that makes that possible ([`danger`]).

pub mod client_auth;
pub mod danger;
pub mod handshake;
pub mod legacy;
pub mod rating;
