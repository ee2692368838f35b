//! Raw ClientHello probes for what rustls cannot speak or refuses: TLS 1.0 and 1.1, TLS 1.2 with
//! DHE, static-RSA, CBC or 3DES suites, and TLS 1.3 hellos that do not care what the server's key
//! or groups are. They tell what the server speaks, whatever our own TLS stack accepts.
//!
//! The ClientHello is built here byte by byte (RFC 5246 §7.4.1.2, RFC 2246/4346 for 1.0/1.1,
//! RFC 8446 §4.1.2 for 1.3); the server's answer is read record by record, bounded in bytes and
//! time, and parsed with `tls-parser`. A probe ends at the first Alert, at ServerHelloDone (so the
//! certificate chain and the ServerKeyExchange a TLS 1.2 server sends in the clear are captured
//! too), or after a TLS 1.3 ServerHello (what follows is encrypted). No key exchange is ever
//! completed: the connection is dropped after the server's first flight.

use tls_parser::{
    parse_tls_message_handshake, TlsCipherAu, TlsCipherKx, TlsCipherSuite, TlsMessage,
    TlsMessageHandshake,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{timeout_at, Instant};

use crate::cert::summary::bit_length;
use crate::net::is_reset;

/// TLS protocol version numbers on the wire.
pub const TLS1_0: u16 = 0x0301;
pub const TLS1_1: u16 = 0x0302;
pub const TLS1_2: u16 = 0x0303;
pub const TLS1_3: u16 = 0x0304;

pub use crate::limits::MAX_FLIGHT_BYTES;

/// Suites offered to a TLS 1.0/1.1 server: ECDHE and DHE first, then static RSA, all CBC (the only
/// modes those versions have). Typical legacy servers pick one of these.
pub const LEGACY_SUITES: &[u16] = &[
    0xc014, // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
    0xc013, // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
    0xc00a, // TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
    0xc009, // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
    0x0039, // TLS_DHE_RSA_WITH_AES_256_CBC_SHA
    0x0033, // TLS_DHE_RSA_WITH_AES_128_CBC_SHA
    0x0035, // TLS_RSA_WITH_AES_256_CBC_SHA
    0x002f, // TLS_RSA_WITH_AES_128_CBC_SHA
    0x000a, // TLS_RSA_WITH_3DES_EDE_CBC_SHA
];

/// Every TLS 1.2 suite a mail server may choose, in the order OpenSSL 3 offers them (so a server
/// that follows the client's order picks what OpenSSL-based senders get), with 3DES last: ECDHE and
/// DHE with AEAD, then with CBC, then static RSA.
pub const TLS12_SUITES: &[u16] = &[
    0xc02c, 0xc030, 0x009f, 0xcca9, 0xcca8, 0xccaa, 0xc02b, 0xc02f, 0x009e, 0xc024, 0xc028, 0x006b,
    0xc023, 0xc027, 0x0067, 0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033, 0x009d, 0x009c, 0x003d,
    0x003c, 0x0035, 0x002f, 0xc012, 0x0016, 0x000a,
];

/// ECDHE suites with AEAD for TLS 1.2, the ones every modern server has.
pub const MODERN_SUITES: &[u16] = &[
    0xc02c, // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    0xc02b, // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    0xc030, // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    0xc02f, // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    0xcca9, // TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
    0xcca8, // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
];

/// Static-RSA suites for TLS 1.2: a server that picks one of these (and no ECDHE suite with a
/// modern client) offers no forward secrecy.
pub const STATIC_RSA_SUITES: &[u16] = &[
    0x009d, // TLS_RSA_WITH_AES_256_GCM_SHA384
    0x009c, // TLS_RSA_WITH_AES_128_GCM_SHA256
    0x003d, // TLS_RSA_WITH_AES_256_CBC_SHA256
    0x003c, // TLS_RSA_WITH_AES_128_CBC_SHA256
    0x0035, // TLS_RSA_WITH_AES_256_CBC_SHA
    0x002f, // TLS_RSA_WITH_AES_128_CBC_SHA
    0x000a, // TLS_RSA_WITH_3DES_EDE_CBC_SHA
];

/// The signalling suite for secure renegotiation (RFC 5746 §3.3), sent by every real client.
const EMPTY_RENEGOTIATION_INFO_SCSV: u16 = 0x00ff;

/// The TLS 1.3 suites (RFC 8446 §B.4).
pub const TLS13_SUITES: &[u16] = &[0x1301, 0x1302, 0x1303, 0x1304, 0x1305];

/// Groups offered in raw hellos, in order: the elliptic curves every server has, then the RFC 7919
/// finite-field groups (TLS 1.3 servers may have only those).
const GROUPS: &[u16] = &[
    0x001d, // x25519
    0x0017, // secp256r1
    0x0018, // secp384r1
    0x0019, // secp521r1
    0x0100, // ffdhe2048
    0x0101, // ffdhe3072
    0x0102, // ffdhe4096
];

/// The key exchange a server chose, as its first flight shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyExchange {
    /// A named group (an elliptic curve, or a TLS 1.3 group), by its IANA code point.
    Group(u16),
    /// Finite-field Diffie-Hellman of TLS 1.2 (ServerKeyExchange): the prime's size in bits, and
    /// the RFC 7919 group it is, if it is one.
    Dh { bits: u32, named: Option<u16> },
}

/// What the server answered to a raw ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloOutcome {
    /// A ServerHello (or a TLS 1.3 HelloRetryRequest): the version and suite the server chose,
    /// the certificates it sent (in the clear before TLS 1.3), and its key exchange when the
    /// flight shows it.
    ServerHello {
        version: u16,
        suite: u16,
        chain: Vec<Vec<u8>>,
        kx: Option<KeyExchange>,
    },
    /// A TLS alert (description code), e.g. 70 protocol_version, 40 handshake_failure.
    Alert(u8),
    /// The server closed the connection without a word (a common way to refuse).
    Closed,
}

#[derive(Debug, thiserror::Error)]
pub enum HelloError {
    #[error("no answer to the ClientHello in time")]
    Timeout,
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the server's answer is not TLS: {0}")]
    Malformed(String),
    #[error("the server's first flight exceeds {MAX_FLIGHT_BYTES} bytes")]
    TooLong,
}

/// Builds a ClientHello record offering versions up to `max_version` (TLS 1.2 at most) and the
/// given suites.
pub fn client_hello(max_version: u16, suites: &[u16], sni: Option<&str>) -> Vec<u8> {
    hello_record(max_version, suites, sni, false)
}

/// Builds a ClientHello record offering TLS 1.3 only with these suites (all five of
/// [`TLS13_SUITES`] for a version probe), the groups of [`GROUPS`] with an x25519 key share,
/// every usual signature scheme. Any TLS 1.3 server can answer it: with a ServerHello, or with a
/// HelloRetryRequest naming the group it wants (which says TLS 1.3 and the suite as well).
pub fn client_hello13(suites: &[u16], sni: Option<&str>) -> Vec<u8> {
    hello_record(TLS1_2, suites, sni, true)
}

fn hello_record(max_version: u16, suites: &[u16], sni: Option<&str>, tls13: bool) -> Vec<u8> {
    let mut body = Vec::with_capacity(256);
    body.extend_from_slice(&max_version.to_be_bytes());
    let mut random = [0u8; 32];
    // The random need not be secret for a probe, but a constant one would look odd on the wire.
    let _ = aws_lc_rs::rand::fill(&mut random);
    body.extend_from_slice(&random);
    body.push(0); // session_id: empty
    let mut all_suites: Vec<u16> = suites.to_vec();
    all_suites.push(EMPTY_RENEGOTIATION_INFO_SCSV);
    push_u16(&mut body, (all_suites.len() * 2) as u16);
    for s in &all_suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null only

    let mut ext = Vec::new();
    if let Some(name) = sni {
        // server_name (RFC 6066 §3): list of one host_name.
        let n = name.as_bytes();
        push_ext(&mut ext, 0x0000, &{
            let mut v = Vec::new();
            push_u16(&mut v, (n.len() + 3) as u16);
            v.push(0);
            push_u16(&mut v, n.len() as u16);
            v.extend_from_slice(n);
            v
        });
    }
    // supported_groups (RFC 8422 §5.1.1, RFC 7919 §2).
    push_ext(&mut ext, 0x000a, &u16_list(GROUPS));
    // ec_point_formats: uncompressed.
    push_ext(&mut ext, 0x000b, &[1, 0]);
    if max_version >= TLS1_2 {
        // signature_algorithms (RFC 5246 §7.4.1.4.1; PSS and EdDSA from RFC 8446).
        let algs = [
            0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807, 0x0401, 0x0501, 0x0601, 0x0201,
            0x0203,
        ];
        push_ext(&mut ext, 0x000d, &u16_list(&algs));
    }
    if tls13 {
        // supported_versions (RFC 8446 §4.2.1): TLS 1.3 only.
        push_ext(&mut ext, 0x002b, &[2, 0x03, 0x04]);
        // key_share (RFC 8446 §4.2.8): one x25519 share. Any 32 bytes are a valid x25519 key; the
        // exchange is never completed.
        let mut share = [0u8; 32];
        let _ = aws_lc_rs::rand::fill(&mut share);
        let mut entry = Vec::with_capacity(38);
        push_u16(&mut entry, 0x001d);
        push_u16(&mut entry, share.len() as u16);
        entry.extend_from_slice(&share);
        let mut list = Vec::with_capacity(40);
        push_u16(&mut list, entry.len() as u16);
        list.extend_from_slice(&entry);
        push_ext(&mut ext, 0x0033, &list);
    }
    push_u16(&mut body, ext.len() as u16);
    body.extend_from_slice(&ext);

    let mut handshake = vec![1]; // client_hello
    handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);

    let mut record = vec![22]; // handshake
                               // The record version of a first ClientHello is 1.0 for compatibility (RFC 5246 Appendix E.1).
    record.extend_from_slice(&TLS1_0.to_be_bytes());
    push_u16(&mut record, handshake.len() as u16);
    record.extend_from_slice(&handshake);
    record
}

/// A list of u16 values with its 2-byte length.
fn u16_list(values: &[u16]) -> Vec<u8> {
    let mut v = Vec::with_capacity(2 + values.len() * 2);
    push_u16(&mut v, (values.len() * 2) as u16);
    for a in values {
        v.extend_from_slice(&a.to_be_bytes());
    }
    v
}

fn push_u16(v: &mut Vec<u8>, n: u16) {
    v.extend_from_slice(&n.to_be_bytes());
}

fn push_ext(ext: &mut Vec<u8>, kind: u16, data: &[u8]) {
    push_u16(ext, kind);
    push_u16(ext, data.len() as u16);
    ext.extend_from_slice(data);
}

/// Sends `hello` on `io` and reads the server's first flight until `deadline`.
pub async fn send_hello<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    hello: &[u8],
    deadline: Instant,
) -> Result<HelloOutcome, HelloError> {
    match timeout_at(deadline, async {
        io.write_all(hello).await?;
        io.flush().await
    })
    .await
    {
        Ok(r) => r?,
        Err(_) => return Err(HelloError::Timeout),
    }
    let mut reader = FlightReader::default();
    loop {
        let mut buf = [0u8; 8192];
        let n = match timeout_at(deadline, io.read(&mut buf)).await {
            Ok(Ok(n)) => n,
            Ok(Err(e)) if is_reset(&e) => return Ok(reader.closed()),
            Ok(Err(e)) => return Err(e.into()),
            // A ServerHello already read answers the question, even if the flight never ends.
            Err(_) if reader.hello.is_some() => return Ok(reader.closed()),
            Err(_) => return Err(HelloError::Timeout),
        };
        if n == 0 {
            return Ok(reader.closed());
        }
        if let Some(outcome) = reader.feed(buf.get(..n).unwrap_or_default())? {
            return Ok(outcome);
        }
    }
}

/// Assembles records and handshake messages from the server's bytes (pure, for tests).
#[derive(Debug, Default)]
pub struct FlightReader {
    raw: Vec<u8>,
    handshake: Vec<u8>,
    total: usize,
    hello: Option<(u16, u16)>,
    chain: Vec<Vec<u8>>,
    kx: Option<KeyExchange>,
}

impl FlightReader {
    /// The connection closed: a ServerHello already seen still counts.
    fn closed(&self) -> HelloOutcome {
        match self.hello {
            Some((version, suite)) => HelloOutcome::ServerHello {
                version,
                suite,
                chain: self.chain.clone(),
                kx: self.kx,
            },
            None => HelloOutcome::Closed,
        }
    }

    /// Feeds bytes; returns the outcome once it is known.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Option<HelloOutcome>, HelloError> {
        self.total += bytes.len();
        if self.total > MAX_FLIGHT_BYTES {
            return Err(HelloError::TooLong);
        }
        self.raw.extend_from_slice(bytes);
        loop {
            let Some(&[kind, major, _, len_hi, len_lo]) = self.raw.get(..5) else {
                return Ok(None);
            };
            let len = usize::from(u16::from_be_bytes([len_hi, len_lo]));
            if major != 3 || !(20..=24).contains(&kind) || len > 16384 + 2048 {
                let shown: String = self
                    .raw
                    .iter()
                    .take(16)
                    .map(|b| format!("{b:02x}"))
                    .collect();
                return Err(HelloError::Malformed(format!("record header {shown}")));
            }
            if self.raw.len() < 5 + len {
                return Ok(None);
            }
            let payload: Vec<u8> = self.raw.drain(..5 + len).skip(5).collect();
            match kind {
                21 => {
                    // An alert before ServerHello is a refusal; after it, the hello still stands.
                    if self.hello.is_some() {
                        return Ok(Some(self.closed()));
                    }
                    return Ok(Some(HelloOutcome::Alert(
                        payload.get(1).copied().unwrap_or(0),
                    )));
                }
                22 => {
                    self.handshake.extend_from_slice(&payload);
                    if let Some(done) = self.handshake_messages()? {
                        return Ok(Some(done));
                    }
                }
                // ChangeCipherSpec or anything else before ServerHelloDone: the flight is over.
                _ => return Ok(Some(self.closed())),
            }
        }
    }

    fn handshake_messages(&mut self) -> Result<Option<HelloOutcome>, HelloError> {
        loop {
            let Some(&[_, l0, l1, l2]) = self.handshake.get(..4) else {
                return Ok(None);
            };
            let len = (usize::from(l0) << 16) | (usize::from(l1) << 8) | usize::from(l2);
            if self.handshake.len() < 4 + len {
                return Ok(None);
            }
            let msg: Vec<u8> = self.handshake.drain(..4 + len).collect();
            match parse_tls_message_handshake(&msg) {
                Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ServerHello(sh)))) => {
                    let (version, group) = sh.ext.map(hello_extensions).unwrap_or_default();
                    let version = version.unwrap_or(sh.version.0);
                    self.hello = Some((version, sh.cipher.0));
                    self.kx = group.map(KeyExchange::Group);
                    // TLS 1.3: what follows is encrypted; the hello says all there is to say.
                    if version >= TLS1_3 {
                        return Ok(Some(self.closed()));
                    }
                }
                Ok((_, TlsMessage::Handshake(TlsMessageHandshake::Certificate(c)))) => {
                    self.chain = c.cert_chain.iter().map(|r| r.data.to_vec()).collect();
                }
                Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ServerKeyExchange(ske)))) => {
                    let suite = self
                        .hello
                        .and_then(|(_, suite)| TlsCipherSuite::from_id(suite));
                    // A PSK suite's parameters start with an identity hint: not read.
                    let suite = suite.filter(|s| s.au != TlsCipherAu::Psk);
                    self.kx = match suite.map(|s| ephemeral(s.kx, s.au)) {
                        Some(Some(false)) => dh_params(ske.parameters),
                        Some(Some(true)) => ec_params(ske.parameters),
                        _ => None,
                    };
                }
                Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ServerDone(_)))) => {
                    return Ok(Some(self.closed()));
                }
                Ok(_) => {}
                Err(_) if self.hello.is_none() => {
                    return Err(HelloError::Malformed(
                        "unparseable handshake message".into(),
                    ));
                }
                Err(_) => {}
            }
        }
    }
}

/// The `supported_versions` and `key_share` of a ServerHello's extensions (RFC 8446 §4.2.1,
/// §4.2.8): the TLS 1.3 version, and the group of the server's share (or, in a
/// HelloRetryRequest, the group it asks for).
fn hello_extensions(mut ext: &[u8]) -> (Option<u16>, Option<u16>) {
    let (mut version, mut group) = (None, None);
    while let [t0, t1, l0, l1, rest @ ..] = ext {
        let len = usize::from(u16::from_be_bytes([*l0, *l1]));
        let Some(data) = rest.get(..len) else { break };
        match (u16::from_be_bytes([*t0, *t1]), data) {
            (0x002b, [v0, v1, ..]) => version = Some(u16::from_be_bytes([*v0, *v1])),
            (0x0033, [g0, g1, ..]) => group = Some(u16::from_be_bytes([*g0, *g1])),
            _ => {}
        }
        ext = rest.get(len..).unwrap_or_default();
    }
    (version, group)
}

/// A DHE ServerKeyExchange's prime (RFC 5246 §7.4.3, `ServerDHParams`): its size, and the
/// RFC 7919 group it is, if it is one.
fn dh_params(params: &[u8]) -> Option<KeyExchange> {
    let [l0, l1, rest @ ..] = params else {
        return None;
    };
    let p = rest.get(..usize::from(u16::from_be_bytes([*l0, *l1])))?;
    let skip = p.iter().take_while(|b| **b == 0).count();
    let p = p.get(skip..)?;
    let bits = bit_length(p);
    if bits == 0 {
        return None;
    }
    use rustls::ffdhe_groups::{FFDHE2048, FFDHE3072, FFDHE4096, FFDHE6144, FFDHE8192};
    let named = [
        (FFDHE2048, 0x0100),
        (FFDHE3072, 0x0101),
        (FFDHE4096, 0x0102),
        (FFDHE6144, 0x0103),
        (FFDHE8192, 0x0104),
    ]
    .into_iter()
    .find(|(g, _)| g.p == p)
    .map(|(_, id)| id);
    Some(KeyExchange::Dh { bits, named })
}

/// An ECDHE ServerKeyExchange's named curve (RFC 8422 §5.4: curve_type 3 = named_curve).
fn ec_params(params: &[u8]) -> Option<KeyExchange> {
    match params {
        [3, g0, g1, ..] => Some(KeyExchange::Group(u16::from_be_bytes([*g0, *g1]))),
        _ => None,
    }
}

/// The IANA name of a group (`x25519`, `secp256r1`, `ffdhe2048`, `X25519MLKEM768`).
pub fn group_label(id: u16) -> String {
    match id {
        0x0017 => "secp256r1".into(),
        0x0018 => "secp384r1".into(),
        0x0019 => "secp521r1".into(),
        0x001d => "x25519".into(),
        0x001e => "x448".into(),
        0x0100 => "ffdhe2048".into(),
        0x0101 => "ffdhe3072".into(),
        0x0102 => "ffdhe4096".into(),
        0x0103 => "ffdhe6144".into(),
        0x0104 => "ffdhe8192".into(),
        0x11eb => "SecP256r1MLKEM768".into(),
        0x11ec => "X25519MLKEM768".into(),
        0x11ed => "SecP384r1MLKEM1024".into(),
        other => format!("0x{other:04x}"),
    }
}

impl KeyExchange {
    /// How a report names it: the group (`x25519`, `ffdhe2048`), or `DHE 1024` for a DH prime
    /// of no named group.
    pub fn label(self) -> String {
        match self {
            KeyExchange::Group(id)
            | KeyExchange::Dh {
                named: Some(id), ..
            } => group_label(id),
            KeyExchange::Dh { bits, named: None } => format!("DHE {bits}"),
        }
    }
}

/// Whether a suite's key exchange is an ephemeral Diffie-Hellman one sent in ServerKeyExchange:
/// `Some(true)` elliptic-curve (ECDHE, anonymous ECDH), `Some(false)` finite-field (DHE,
/// anonymous DH), `None` for anything else.
fn ephemeral(kx: TlsCipherKx, au: TlsCipherAu) -> Option<bool> {
    match (kx, au) {
        (TlsCipherKx::Ecdhe, _) | (TlsCipherKx::Ecdh, TlsCipherAu::Null) => Some(true),
        (TlsCipherKx::Dhe, _) | (TlsCipherKx::Dh, TlsCipherAu::Null) => Some(false),
        _ => None,
    }
}

/// IANA name of a suite, and whether its key exchange is ephemeral (forward secrecy).
pub fn suite_facts(id: u16) -> (String, bool) {
    match TlsCipherSuite::from_id(id) {
        Some(s) => (
            s.name.to_string(),
            s.kx == TlsCipherKx::Tls13 || ephemeral(s.kx, s.au).is_some(),
        ),
        None => (format!("0x{id:04x}"), false),
    }
}

/// The TLS alert description name (RFC 8446 §6), for messages.
pub fn alert_name(code: u8) -> String {
    match code {
        0 => "close_notify".into(),
        10 => "unexpected_message".into(),
        20 => "bad_record_mac".into(),
        22 => "record_overflow".into(),
        40 => "handshake_failure".into(),
        42 => "bad_certificate".into(),
        43 => "unsupported_certificate".into(),
        44 => "certificate_revoked".into(),
        45 => "certificate_expired".into(),
        46 => "certificate_unknown".into(),
        47 => "illegal_parameter".into(),
        48 => "unknown_ca".into(),
        49 => "access_denied".into(),
        50 => "decode_error".into(),
        51 => "decrypt_error".into(),
        70 => "protocol_version".into(),
        71 => "insufficient_security".into(),
        80 => "internal_error".into(),
        86 => "inappropriate_fallback".into(),
        90 => "user_canceled".into(),
        109 => "missing_extension".into(),
        110 => "unsupported_extension".into(),
        112 => "unrecognized_name".into(),
        116 => "certificate_required".into(),
        120 => "no_application_protocol".into(),
        other => format!("alert {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tls_parser::parse_tls_plaintext;

    #[test]
    fn client_hello_parses_back() {
        let hello = client_hello(TLS1_1, LEGACY_SUITES, Some("mx.example.test"));
        let (rest, rec) = parse_tls_plaintext(&hello).unwrap();
        assert!(rest.is_empty());
        let TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)) = &rec.msg[0] else {
            panic!("{rec:?}")
        };
        assert_eq!(ch.version.0, TLS1_1);
        assert_eq!(ch.ciphers.len(), LEGACY_SUITES.len() + 1);
        assert_eq!(ch.ciphers.last().unwrap().0, 0x00ff);
        let ext = ch.ext.unwrap();
        let (_, exts) = tls_parser::parse_tls_client_hello_extensions(ext).unwrap();
        assert!(exts.iter().any(
            |e| matches!(e, tls_parser::TlsExtension::SNI(v) if v[0].1 == b"mx.example.test")
        ));
        // No signature_algorithms before TLS 1.2.
        assert!(!exts
            .iter()
            .any(|e| matches!(e, tls_parser::TlsExtension::SignatureAlgorithms(_))));
        let hello12 = client_hello(TLS1_2, STATIC_RSA_SUITES, None);
        let (_, rec) = parse_tls_plaintext(&hello12).unwrap();
        let TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)) = &rec.msg[0] else {
            panic!()
        };
        let (_, exts) = tls_parser::parse_tls_client_hello_extensions(ch.ext.unwrap()).unwrap();
        assert!(exts
            .iter()
            .any(|e| matches!(e, tls_parser::TlsExtension::SignatureAlgorithms(_))));
    }

    fn server_hello(version: u16, suite: u16) -> Vec<u8> {
        let mut body = version.to_be_bytes().to_vec();
        body.extend_from_slice(&[7u8; 32]);
        body.push(0);
        body.extend_from_slice(&suite.to_be_bytes());
        body.push(0);
        let mut hs = vec![2];
        hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(&body);
        hs
    }

    fn record(kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut r = vec![kind, 3, 3];
        r.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        r.extend_from_slice(payload);
        r
    }

    #[test]
    fn server_hello_certificate_and_done_across_records() {
        let mut hs = server_hello(TLS1_2, 0x009d);
        // Certificate: list of one 3-byte "certificate".
        hs.extend_from_slice(&[11, 0, 0, 9, 0, 0, 6, 0, 0, 3, 0xaa, 0xbb, 0xcc]);
        hs.extend_from_slice(&[14, 0, 0, 0]); // ServerHelloDone
        let (a, b) = hs.split_at(20);
        let mut bytes = record(22, a);
        bytes.extend(record(22, b));
        let mut r = FlightReader::default();
        // Byte by byte: the reader must cope with any split.
        let mut outcome = None;
        for byte in &bytes {
            if let Some(o) = r.feed(&[*byte]).unwrap() {
                outcome = Some(o);
                break;
            }
        }
        assert_eq!(
            outcome,
            Some(HelloOutcome::ServerHello {
                version: TLS1_2,
                suite: 0x009d,
                chain: vec![vec![0xaa, 0xbb, 0xcc]],
                kx: None,
            })
        );
    }

    fn with_ext(mut hs: Vec<u8>, ext: &[u8]) -> Vec<u8> {
        // Drop the handshake header, append the extensions, rebuild the header.
        let mut body = hs.split_off(4);
        body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        body.extend_from_slice(ext);
        let mut out = vec![2];
        out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        out.extend(body);
        out
    }

    fn feed_all(bytes: &[u8]) -> Option<HelloOutcome> {
        let mut r = FlightReader::default();
        r.feed(bytes).unwrap()
    }

    #[test]
    fn a_tls13_server_hello_tells_version_and_group() {
        // supported_versions = TLS 1.3; key_share = x25519 with a 32-byte key.
        let mut ext = vec![
            0x00, 0x2b, 0, 2, 0x03, 0x04, 0x00, 0x33, 0, 36, 0x00, 0x1d, 0, 32,
        ];
        ext.extend_from_slice(&[9u8; 32]);
        let hs = with_ext(server_hello(TLS1_2, 0x1302), &ext);
        assert_eq!(
            feed_all(&record(22, &hs)),
            Some(HelloOutcome::ServerHello {
                version: TLS1_3,
                suite: 0x1302,
                chain: vec![],
                kx: Some(KeyExchange::Group(0x001d)),
            })
        );
        // A HelloRetryRequest (a ServerHello whose random is SHA-256("HelloRetryRequest"),
        // RFC 8446 §4.1.3) names only the group it wants; it still says TLS 1.3 and the suite.
        let mut hello = server_hello(TLS1_2, 0x1301);
        hello[6..38].copy_from_slice(&[
            0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65,
            0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2,
            0xc8, 0xa8, 0x33, 0x9c,
        ]);
        let hrr = with_ext(
            hello,
            &[0x00, 0x2b, 0, 2, 0x03, 0x04, 0x00, 0x33, 0, 2, 0x01, 0x00],
        );
        let Some(HelloOutcome::ServerHello { version, kx, .. }) = feed_all(&record(22, &hrr))
        else {
            panic!()
        };
        assert_eq!((version, kx), (TLS1_3, Some(KeyExchange::Group(0x0100))));
        let Some(HelloOutcome::ServerHello { suite, .. }) = feed_all(&record(22, &hrr)) else {
            panic!()
        };
        assert_eq!(suite, 0x1301);
        assert_eq!(KeyExchange::Group(0x0100).label(), "ffdhe2048");
    }

    /// A TLS 1.2 flight with a DHE ServerKeyExchange whose prime is `p`.
    fn dhe_flight(suite: u16, p: &[u8]) -> Vec<u8> {
        let mut hs = server_hello(TLS1_2, suite);
        let mut params = (p.len() as u16).to_be_bytes().to_vec();
        params.extend_from_slice(p);
        params.extend_from_slice(&[0, 1, 2, 0, 1, 5]); // g = 2, Ys = 5 (unsigned here)
        hs.push(12);
        hs.extend_from_slice(&(params.len() as u32).to_be_bytes()[1..]);
        hs.extend(params);
        hs.extend_from_slice(&[14, 0, 0, 0]);
        record(22, &hs)
    }

    #[test]
    fn a_dhe_server_key_exchange_tells_the_group() {
        let mut p1024 = vec![0u8]; // a leading zero is not a bit
        p1024.extend(vec![0xc5; 128]);
        let Some(HelloOutcome::ServerHello { kx, .. }) = feed_all(&dhe_flight(0x009f, &p1024))
        else {
            panic!()
        };
        assert_eq!(
            kx,
            Some(KeyExchange::Dh {
                bits: 1024,
                named: None
            })
        );
        assert_eq!(kx.map(KeyExchange::label).as_deref(), Some("DHE 1024"));
        let ffdhe = rustls::ffdhe_groups::FFDHE2048.p;
        let Some(HelloOutcome::ServerHello { kx, .. }) = feed_all(&dhe_flight(0x009e, ffdhe))
        else {
            panic!()
        };
        assert_eq!(
            kx,
            Some(KeyExchange::Dh {
                bits: 2048,
                named: Some(0x0100)
            })
        );
        // DHE_PSK parameters open with an identity hint: they are not read as a prime.
        let Some(HelloOutcome::ServerHello { kx, .. }) = feed_all(&dhe_flight(0x00aa, &p1024))
        else {
            panic!()
        };
        assert_eq!(kx, None);
        // Anonymous DH sends the same parameters, unsigned.
        let Some(HelloOutcome::ServerHello { kx, .. }) = feed_all(&dhe_flight(0x00a7, &p1024))
        else {
            panic!()
        };
        assert!(matches!(kx, Some(KeyExchange::Dh { bits: 1024, .. })));
        assert!(suite_facts(0x00a7).1, "anonymous DH is ephemeral");
    }

    #[test]
    fn hostile_key_exchange_parameters_are_no_facts() {
        for params in [&[][..], &[0, 200, 1, 2][..], &[0, 0][..], &[0, 2, 0, 0][..]] {
            assert_eq!(dh_params(params), None, "{params:?}");
        }
        assert_eq!(ec_params(&[1, 0, 0x17]), None);
        assert_eq!(ec_params(&[3, 0, 0x17, 65]), Some(KeyExchange::Group(0x17)));
        assert_eq!(hello_extensions(&[0, 0x2b, 0, 9, 3]), (None, None));
        assert_eq!(
            hello_extensions(&[0, 0x2b, 0, 2, 3, 4, 0xff]),
            (Some(0x0304), None)
        );
    }

    #[test]
    fn the_tls13_client_hello_parses_back() {
        let hello = client_hello13(TLS13_SUITES, Some("mx.example.test"));
        let (rest, rec) = parse_tls_plaintext(&hello).unwrap();
        assert!(rest.is_empty());
        let TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)) = &rec.msg[0] else {
            panic!("{rec:?}")
        };
        assert_eq!(ch.version.0, TLS1_2, "legacy_version");
        assert!(ch.ciphers.iter().any(|c| c.0 == 0x1301));
        let (_, exts) = tls_parser::parse_tls_client_hello_extensions(ch.ext.unwrap()).unwrap();
        assert!(exts.iter().any(|e| matches!(e, tls_parser::TlsExtension::SupportedVersions(v) if v.len() == 1 && v[0].0 == TLS1_3)));
        assert!(exts
            .iter()
            .any(|e| matches!(e, tls_parser::TlsExtension::KeyShare(_))));
    }

    #[test]
    fn alert_and_garbage() {
        let mut r = FlightReader::default();
        assert_eq!(
            r.feed(&record(21, &[2, 70])).unwrap(),
            Some(HelloOutcome::Alert(70))
        );
        let mut r = FlightReader::default();
        assert!(matches!(
            r.feed(b"220 mx ESMTP ready\r\n"),
            Err(HelloError::Malformed(_))
        ));
        let mut r = FlightReader::default();
        let big = vec![0u8; MAX_FLIGHT_BYTES + 1];
        assert!(matches!(r.feed(&big), Err(HelloError::TooLong)));
    }

    #[test]
    fn suites_and_versions_are_named() {
        assert_eq!(
            suite_facts(0x009d),
            ("TLS_RSA_WITH_AES_256_GCM_SHA384".into(), false)
        );
        assert_eq!(
            suite_facts(0xc014),
            ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA".into(), true)
        );
        assert_eq!(alert_name(70), "protocol_version");
    }
}
