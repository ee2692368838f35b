//! Hand-made TLS bytes for what a real TLS stack will not send: a ServerHello with any version or
//! suite, alerts, records around garbage. The hostile servers of `tests/hostile.rs` answer a
//! ClientHello with them, and `tests/properties.rs` feeds them to the ServerHello reader.

/// A TLS record of content type `kind` (21 alert, 22 handshake) around `payload`.
pub fn record(kind: u8, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![kind];
    r.extend_from_slice(&version.to_be_bytes());
    r.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    r.extend_from_slice(payload);
    r
}

/// A handshake message of type `kind` (2 ServerHello, 14 ServerHelloDone) around `body`.
pub fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

/// A ServerHello handshake message choosing `version` and `suite`: a fixed random, no session
/// id, no compression, no extensions. Wrap it in [`record`] to send it.
pub fn server_hello(version: u16, suite: u16) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec();
    b.extend_from_slice(&[9u8; 32]);
    b.push(0);
    b.extend_from_slice(&suite.to_be_bytes());
    b.push(0);
    handshake(2, &b)
}
