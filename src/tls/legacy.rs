//! Raw ClientHello probes for what rustls cannot speak: TLS 1.0 and 1.1, and TLS 1.2 with only
//! static-RSA key exchange (no forward secrecy).
//!
//! The ClientHello is built here byte by byte (RFC 5246 §7.4.1.2, RFC 2246/4346 for 1.0/1.1); the
//! server's answer is read record by record, bounded in bytes and time, and parsed with
//! `tls-parser`. A probe ends at the first Alert, or at ServerHelloDone (so the certificate chain
//! the server sends in the clear before TLS 1.3 is captured too). No key exchange is ever
//! completed: the connection is dropped after the server's first flight.

use tls_parser::{
    parse_tls_message_handshake, TlsCipherKx, TlsCipherSuite, TlsMessage, TlsMessageHandshake,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{timeout_at, Instant};

use crate::net::is_reset;

/// TLS protocol version numbers on the wire.
pub const TLS1_0: u16 = 0x0301;
pub const TLS1_1: u16 = 0x0302;
pub const TLS1_2: u16 = 0x0303;

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

/// What the server answered to a raw ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloOutcome {
    /// A ServerHello: the version and suite the server chose, and the certificates it sent.
    ServerHello {
        version: u16,
        suite: u16,
        chain: Vec<Vec<u8>>,
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

/// Builds a ClientHello record offering versions up to `max_version` and the given suites.
pub fn client_hello(max_version: u16, suites: &[u16], sni: Option<&str>) -> Vec<u8> {
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
    // supported_groups (RFC 8422 §5.1.1): x25519, secp256r1, secp384r1, secp521r1.
    push_ext(
        &mut ext,
        0x000a,
        &[0, 8, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19],
    );
    // ec_point_formats: uncompressed.
    push_ext(&mut ext, 0x000b, &[1, 0]);
    if max_version >= TLS1_2 {
        // signature_algorithms (RFC 5246 §7.4.1.4.1; PSS from RFC 8446).
        let algs: [u16; 9] = [
            0x0403, 0x0503, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0201, 0x0203,
        ];
        let mut v = Vec::new();
        push_u16(&mut v, (algs.len() * 2) as u16);
        for a in algs {
            v.extend_from_slice(&a.to_be_bytes());
        }
        push_ext(&mut ext, 0x000d, &v);
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
}

impl FlightReader {
    /// The connection closed: a ServerHello already seen still counts.
    fn closed(&self) -> HelloOutcome {
        match self.hello {
            Some((version, suite)) => HelloOutcome::ServerHello {
                version,
                suite,
                chain: self.chain.clone(),
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
                    self.hello = Some((sh.version.0, sh.cipher.0));
                }
                Ok((_, TlsMessage::Handshake(TlsMessageHandshake::Certificate(c)))) => {
                    self.chain = c.cert_chain.iter().map(|r| r.data.to_vec()).collect();
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

/// IANA name of a suite, and whether its key exchange is ephemeral.
pub fn suite_facts(id: u16) -> (String, bool) {
    match TlsCipherSuite::from_id(id) {
        Some(s) => (
            s.name.to_string(),
            matches!(
                s.kx,
                TlsCipherKx::Ecdhe | TlsCipherKx::Dhe | TlsCipherKx::Tls13
            ),
        ),
        None => (format!("0x{id:04x}"), false),
    }
}

/// The TLS alert description name (RFC 8446 §6), for messages.
pub fn alert_name(code: u8) -> String {
    match code {
        10 => "unexpected_message".into(),
        40 => "handshake_failure".into(),
        47 => "illegal_parameter".into(),
        70 => "protocol_version".into(),
        71 => "insufficient_security".into(),
        80 => "internal_error".into(),
        86 => "inappropriate_fallback".into(),
        112 => "unrecognized_name".into(),
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
                chain: vec![vec![0xaa, 0xbb, 0xcc]]
            })
        );
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
