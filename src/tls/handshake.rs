//! The TLS handshake over an SMTP connection (after STARTTLS, or at once for port 465), with
//! rustls on the aws-lc-rs provider, and the facts it yields.
//!
//! rustls speaks TLS 1.2 and 1.3 with ephemeral key exchange only, so every handshake it completes
//! has forward secrecy; TLS 1.0/1.1 and static-RSA servers are told apart by separate raw probes.
//! The client offers the post-quantum hybrid X25519MLKEM768 first, as current mail servers do.

use std::sync::Arc;

use rustls::client::ClientConfig;
use rustls::{CipherSuite, NamedGroup};
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{timeout_at, Instant};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::tls::client_auth::ClientAuthSetup;
use crate::tls::danger::{Captured, RecordingVerifier};
use crate::vocab::{ClientLimit, TlsVersion};

/// What a completed handshake told us, before any judgement.
#[derive(Debug, Clone)]
pub struct Negotiated {
    pub version: TlsVersion,
    /// The suite's code point and IANA name.
    pub suite_id: u16,
    pub cipher_suite: String,
    pub kx_group: Option<String>,
    pub post_quantum: bool,
    pub forward_secrecy: bool,
    pub sni: Option<String>,
    pub chain: Vec<CertificateDer<'static>>,
    /// The OCSP response the server stapled (RFC 6066 §8), DER.
    pub stapled_ocsp: Option<Vec<u8>>,
    /// The size of a finite-field DH prime (a raw probe's DHE ServerKeyExchange).
    pub dh_bits: Option<u32>,
    /// What our client refused or could not speak on the way to these facts.
    pub client_limits: Vec<ClientLimit>,
}

#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    #[error("TLS handshake timed out")]
    Timeout,
    #[error("TLS handshake failed: {}", explain(.0))]
    Failed(std::io::Error),
    #[error("cannot configure TLS: {0}")]
    Config(String),
}

impl HandshakeError {
    /// The TLS stack's own words (rustls' error, or the I/O error), for JSON and `-v`: the
    /// message is for people, this is for searching.
    pub fn detail(&self) -> Option<String> {
        match self {
            HandshakeError::Failed(e) => Some(e.to_string()),
            HandshakeError::Timeout | HandshakeError::Config(_) => None,
        }
    }

    /// The server declined (an alert, a version or parameters we do not share, or it closed the
    /// connection), as opposed to breaking the protocol or not answering in time.
    pub fn is_refusal(&self) -> bool {
        let HandshakeError::Failed(e) = self else {
            return false;
        };
        match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            Some(rustls::Error::AlertReceived(_) | rustls::Error::PeerIncompatible(_)) => true,
            Some(_) => false,
            None => matches!(
                e.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
            ),
        }
    }
}

/// The handshake error in words an admin can act on; rustls' own text is [`HandshakeError::detail`].
fn explain(e: &std::io::Error) -> String {
    use rustls::{Error as E, InvalidMessage, PeerIncompatible as P};
    let rustls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let Some(r) = rustls_error else {
        return match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                "the server closed the connection in the middle of the handshake".into()
            }
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                "the server reset the connection in the middle of the handshake".into()
            }
            std::io::ErrorKind::BrokenPipe => {
                "the server closed the connection while we were sending".into()
            }
            _ => format!("a network error: {e}"),
        };
    };
    match r {
        E::InvalidMessage(InvalidMessage::HandshakePayloadTooLarge) => "the server sent a handshake message too large for any client (over 64 KiB, e.g. an oversized certificate chain)".into(),
        E::InvalidMessage(InvalidMessage::InvalidContentType) => "the server's answer is not TLS".into(),
        E::InvalidMessage(_) => "the server sent a malformed TLS message".into(),
        E::AlertReceived(alert) => {
            let name = crate::tls::legacy::alert_name(u8::from(*alert));
            match u8::from(*alert) {
                40 => format!("the server refused our hello ({name} alert: no version, cipher suite, group or signature scheme in common)"),
                70 => format!("the server refused the TLS versions we offered ({name} alert)"),
                71 => format!("the server wants stronger parameters than we offered ({name} alert)"),
                112 => format!("the server does not know the name we sent in SNI ({name} alert)"),
                _ => format!("the server ended the handshake with a fatal {name} alert"),
            }
        }
        E::PeerIncompatible(p) => match p {
            P::ServerDoesNotSupportTls12Or13 => "the server answered with a TLS version other than 1.2 or 1.3".into(),
            P::NoCipherSuitesInCommon => "no cipher suite in common with the server".into(),
            P::NoKxGroupsInCommon => "no key-exchange group in common with the server".into(),
            P::NoSignatureSchemesInCommon => "no signature scheme in common with the server".into(),
            P::ExtendedMasterSecretExtensionRequired => "the server does not support the extended master secret (RFC 7627) our client requires for TLS 1.2".into(),
            _ => "the server's TLS parameters are incompatible with our client's".into(),
        },
        E::PeerMisbehaved(_) => "the server broke the TLS protocol (it answered something our hello did not allow)".into(),
        E::InvalidCertificate(_) => "our client could not accept the server's certificate".into(),
        E::DecryptError => "a message from the server did not decrypt (a corrupt or tampered record)".into(),
        E::NoCertificatesPresented => "the server sent no certificate".into(),
        _ => "the handshake failed on our client's side".into(),
    }
}

/// Runs the handshake on `io` for `server_name` (SNI is sent for DNS names only, RFC 6066 §3),
/// presenting the client certificate of `client` if the server asks for one.
pub async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    io: S,
    server_name: ServerName<'static>,
    deadline: Instant,
    client: &ClientAuthSetup,
) -> Result<(TlsStream<S>, Negotiated), HandshakeError> {
    handshake_versions(
        io,
        server_name,
        deadline,
        &[&rustls::version::TLS13, &rustls::version::TLS12],
        client,
    )
    .await
}

/// [`handshake`] offering only the given protocol versions (used to test TLS 1.2 acceptance).
pub async fn handshake_versions<S: AsyncRead + AsyncWrite + Unpin>(
    io: S,
    server_name: ServerName<'static>,
    deadline: Instant,
    versions: &[&'static rustls::SupportedProtocolVersion],
    client: &ClientAuthSetup,
) -> Result<(TlsStream<S>, Negotiated), HandshakeError> {
    handshake_with(io, server_name, deadline, versions, None, client).await
}

/// [`handshake_versions`] offering only `suites`, in that order (cipher enumeration).
pub async fn handshake_with<S: AsyncRead + AsyncWrite + Unpin>(
    io: S,
    server_name: ServerName<'static>,
    deadline: Instant,
    versions: &[&'static rustls::SupportedProtocolVersion],
    suites: Option<&[CipherSuite]>,
    client: &ClientAuthSetup,
) -> Result<(TlsStream<S>, Negotiated), HandshakeError> {
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    if let Some(wanted) = suites {
        let all = std::mem::take(&mut provider.cipher_suites);
        provider.cipher_suites = wanted
            .iter()
            .filter_map(|w| all.iter().find(|s| s.suite() == *w).copied())
            .collect();
    }
    let provider = Arc::new(provider);
    let (verifier, captured) = RecordingVerifier::new(provider.signature_verification_algorithms);
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(|e| HandshakeError::Config(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_cert_resolver(client.resolver());
    let sni = match &server_name {
        ServerName::DnsName(d) => Some(d.as_ref().to_string()),
        _ => None,
    };
    let connector = TlsConnector::from(Arc::new(config));
    let stream = match timeout_at(deadline, connector.connect(server_name, io)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(HandshakeError::Failed(e)),
        Err(_) => return Err(HandshakeError::Timeout),
    };
    let (_, conn) = stream.get_ref();
    let captured: Captured = captured
        .lock()
        .ok()
        .and_then(|mut c| c.take())
        .unwrap_or_default();
    let chain = if captured.chain.is_empty() {
        conn.peer_certificates()
            .map(|c| c.iter().map(|d| d.clone().into_owned()).collect())
            .unwrap_or_default()
    } else {
        captured.chain
    };
    let group = conn.negotiated_key_exchange_group().map(|g| g.name());
    let negotiated = Negotiated {
        // A completed handshake always has a version; 0 would say "no version" if not.
        version: TlsVersion::from_wire(conn.protocol_version().map(u16::from).unwrap_or(0)),
        suite_id: conn
            .negotiated_cipher_suite()
            .map(|s| u16::from(s.suite()))
            .unwrap_or(0),
        cipher_suite: conn
            .negotiated_cipher_suite()
            .map(|s| suite_name(s.suite()))
            .unwrap_or_else(|| "unknown".into()),
        kx_group: group.map(group_name),
        post_quantum: group.is_some_and(is_post_quantum),
        // Every suite rustls implements uses an ephemeral (EC)DHE exchange.
        forward_secrecy: true,
        sni,
        chain,
        stapled_ocsp: (!captured.ocsp_response.is_empty()).then_some(captured.ocsp_response),
        dh_bits: None,
        client_limits: captured.limits,
    };
    Ok((stream, negotiated))
}

/// IANA name of a cipher suite (rustls prefixes TLS 1.3 suites with `TLS13_`; IANA does not).
pub fn suite_name(s: CipherSuite) -> String {
    let name = format!("{s:?}");
    match name.strip_prefix("TLS13_") {
        Some(rest) => format!("TLS_{rest}"),
        None => name,
    }
}

/// IANA TLS Supported Groups name (`x25519`, `secp256r1`, `X25519MLKEM768`, ...).
pub fn group_name(g: NamedGroup) -> String {
    match g {
        NamedGroup::X25519 => "x25519".into(),
        NamedGroup::X448 => "x448".into(),
        other => format!("{other:?}"),
    }
}

/// Whether rustls (our provider) implements this cipher suite, by code point.
pub fn rustls_has_suite(id: u16) -> bool {
    rustls::crypto::aws_lc_rs::default_provider()
        .cipher_suites
        .iter()
        .any(|s| u16::from(s.suite()) == id)
}

/// Whether rustls (our provider) implements this key-exchange group, by code point.
pub fn rustls_has_group(id: u16) -> bool {
    rustls::crypto::aws_lc_rs::default_provider()
        .kx_groups
        .iter()
        .any(|g| u16::from(g.name()) == id)
}

pub fn is_post_quantum(g: NamedGroup) -> bool {
    format!("{g:?}").contains("MLKEM")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::ProtocolVersion;

    #[test]
    fn names_follow_iana() {
        assert_eq!(
            suite_name(CipherSuite::TLS13_AES_256_GCM_SHA384),
            "TLS_AES_256_GCM_SHA384"
        );
        assert_eq!(
            suite_name(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        );
        assert_eq!(group_name(NamedGroup::X25519), "x25519");
        assert_eq!(group_name(NamedGroup::secp256r1), "secp256r1");
        assert_eq!(group_name(NamedGroup::X25519MLKEM768), "X25519MLKEM768");
        assert!(is_post_quantum(NamedGroup::X25519MLKEM768));
        assert!(!is_post_quantum(NamedGroup::X25519));
        assert_eq!(
            TlsVersion::from_wire(u16::from(ProtocolVersion::TLSv1_3)),
            TlsVersion::Tls13
        );
    }
}
