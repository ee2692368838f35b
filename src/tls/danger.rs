//! DANGER: a certificate verifier that accepts every chain.
//!
//! tlscheck must finish the handshake with servers whose chains are expired, mis-named or
//! untrusted, because a diagnosis needs the negotiated version, suite and the whole chain — the
//! facts a failing handshake would hide. So this verifier *records* what the server presented (the
//! chain, the stapled OCSP response, the name asked for) and says "verified"; the real verdict is
//! computed afterwards from the recording by `cert::chain::validate`. Handshake signatures are
//! still checked (the server must hold the key of the certificate it sent) — except where rustls
//! cannot check them at all: an RSA key under 2048 or over 8192 bits, which rustls refuses
//! whatever the signature. Such a signature is then not verified at all (a man in the middle
//! replaying that chain would go unnoticed; the weak key is an error finding either way). Other mail clients still talk to such servers, so the handshake goes on, the facts
//! are collected, and the limit is recorded ([`ClientLimit::RsaKeyUnder2048`]) for the report to
//! say; the small key itself is a finding (`weak-key`).
//!
//! Nothing is ever sent over a connection made with this verifier except EHLO and QUIT: it is a
//! probe, never a mail transport. Do not reuse it anywhere else.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::cert::summary::rsa_key_bits;
use crate::vocab::ClientLimit;

/// What the server presented, and what our client could not check of it.
#[derive(Debug, Default, Clone)]
pub struct Captured {
    pub chain: Vec<CertificateDer<'static>>,
    pub ocsp_response: Vec<u8>,
    pub limits: Vec<ClientLimit>,
}

/// Records the presented chain and accepts it; see the module documentation.
#[derive(Debug)]
pub struct RecordingVerifier {
    captured: Arc<Mutex<Option<Captured>>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl RecordingVerifier {
    pub fn new(algorithms: WebPkiSupportedAlgorithms) -> (Arc<Self>, Arc<Mutex<Option<Captured>>>) {
        let captured = Arc::new(Mutex::new(None));
        (
            Arc::new(Self {
                captured: captured.clone(),
                algorithms,
            }),
            captured,
        )
    }
}

impl RecordingVerifier {
    /// A failed signature check stands, unless rustls could not check it at all because the key
    /// is an RSA key under 2048 or over 8192 bits: then the limit is recorded and the handshake
    /// goes on.
    fn unless_our_limit(
        &self,
        checked: Result<HandshakeSignatureValid, rustls::Error>,
        cert: &CertificateDer<'_>,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let Err(e) = checked else {
            return checked;
        };
        let limit = match rsa_key_bits(cert) {
            Some(bits) if bits < 2048 => ClientLimit::RsaKeyUnder2048,
            Some(bits) if bits > 8192 => ClientLimit::RsaKeyOver8192,
            _ => return Err(e),
        };
        if let Ok(mut slot) = self.captured.lock() {
            let captured = slot.get_or_insert_with(Captured::default);
            if !captured.limits.contains(&limit) {
                captured.limits.push(limit);
            }
        }
        Ok(HandshakeSignatureValid::assertion())
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = Vec::with_capacity(intermediates.len() + 1);
        chain.push(end_entity.clone().into_owned());
        chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        if let Ok(mut slot) = self.captured.lock() {
            let limits = slot.take().map(|c| c.limits).unwrap_or_default();
            *slot = Some(Captured {
                chain,
                ocsp_response: ocsp_response.to_vec(),
                limits,
            });
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let checked = verify_tls12_signature(message, cert, dss, &self.algorithms);
        self.unless_our_limit(checked, cert)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let checked = verify_tls13_signature(message, cert, dss, &self.algorithms);
        self.unless_our_limit(checked, cert)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
