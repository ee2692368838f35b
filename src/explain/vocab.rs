//! The words `explain` matches on, each a closed, typed set with the spellings that logs use for
//! it: the MTA that wrote a line and which end of the connection it was, TLS library reasons
//! (OpenSSL reason and certificate-verify strings, GnuTLS error texts), log events (phrases of
//! Postfix, Exim, Sendmail, Exchange and Gmail), Exchange's `[Message=...]` details and the RFC
//! 8460 result types. A rule in [`super::knowledge`] names one of these words, never a string.
//!
//! Every table is searched in order in the lower-cased line and the first spelling found wins, so
//! a spelling that contains another comes before it (a unit test checks this).

use crate::vocab::words;

words! {
    /// The software that wrote the line.
    pub enum Mta {
        Postfix = "postfix",
        Exim = "exim",
        Sendmail = "sendmail",
        ExchangeServer = "exchange-server",
        ExchangeOnline = "exchange-online",
        Gmail = "gmail",
    }
}

impl Mta {
    /// The name a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Mta::Postfix => "Postfix",
            Mta::Exim => "Exim",
            Mta::Sendmail => "Sendmail",
            Mta::ExchangeServer => "Exchange Server",
            Mta::ExchangeOnline => "Exchange Online",
            Mta::Gmail => "Gmail",
        }
    }
}

/// Spellings that name the MTA. Exchange Server's own phrases come before the Exchange Online
/// ones they may quote.
pub const MTA_MARKS: &[(&str, Mta)] = &[
    ("postfix", Mta::Postfix),
    ("sm-mta[", Mta::Sendmail),
    ("sendmail[", Mta::Sendmail),
    ("starttls=client", Mta::Sendmail),
    ("starttls=server", Mta::Sendmail),
    ("stat=deferred", Mta::Sendmail),
    ("mailer=esmtp", Mta::Sendmail),
    ("tls error on connection", Mta::Exim),
    ("tls session: (", Mta::Exim),
    ("ssl verify error", Mta::Exim),
    ("t=remote_smtp", Mta::Exim),
    ("a tls session is required", Mta::Exim),
    ("exim", Mta::Exim),
    (
        "primary target ip address responded with",
        Mta::ExchangeServer,
    ),
    ("remote server at ", Mta::ExchangeServer),
    ("smtpsend.", Mta::ExchangeServer),
    ("msexchange", Mta::ExchangeServer),
    ("{led=", Mta::ExchangeOnline),
    (" led=", Mta::ExchangeOnline),
    ("lastattemptedservername", Mta::ExchangeOnline),
    ("protection.outlook.com", Mta::ExchangeOnline),
    ("exchange online", Mta::ExchangeOnline),
    ("microsoft 365", Mta::ExchangeOnline),
    ("office 365", Mta::ExchangeOnline),
    ("connection dropped due to socketerror", Mta::ExchangeOnline),
    ("tls negotiation failed with error", Mta::ExchangeOnline),
    ("failed mta-sts validation", Mta::ExchangeOnline),
    ("gsmtp", Mta::Gmail),
    ("support.google.com/mail", Mta::Gmail),
    ("tls negotiation failed, the certificate", Mta::Gmail),
    ("the response from the remote server was", Mta::Gmail),
    (
        "the recipient server did not accept our requests",
        Mta::Gmail,
    ),
];

words! {
    /// Which end of the SMTP connection wrote the line.
    pub enum Side {
        /// The logging server was delivering: Postfix smtp, Exim "connection to", Sendmail
        /// STARTTLS=client, a bounce (NDR) or a message trace of the sender.
        Sending = "sending",
        /// The logging server was receiving: Postfix smtpd, Exim "connection from", Sendmail
        /// STARTTLS=server.
        Receiving = "receiving",
    }
}

/// Spellings that say which end wrote the line; the process names come first.
pub const SIDE_MARKS: &[(&str, Side)] = &[
    ("/smtpd[", Side::Receiving),
    ("/smtp[", Side::Sending),
    ("starttls=server", Side::Receiving),
    ("starttls=client", Side::Sending),
    ("(ssl_accept)", Side::Receiving),
    ("ssl_accept error", Side::Receiving),
    ("accept failed=", Side::Receiving),
    ("(ssl_connect)", Side::Sending),
    ("ssl_connect error", Side::Sending),
    ("connect failed=", Side::Sending),
    ("connection from ", Side::Receiving),
    ("lost connection after", Side::Receiving),
    ("noqueue: reject", Side::Receiving),
    ("connection to ", Side::Sending),
    ("tls session: (", Side::Sending),
    (" said: ", Side::Sending),
    ("status=", Side::Sending),
    ("stat=", Side::Sending),
    ("relay=", Side::Sending),
];

words! {
    /// A reason a TLS library gave: OpenSSL's reason strings (`error:0A000102:SSL
    /// routines::unsupported protocol`), its certificate-verify strings (`num=10:certificate has
    /// expired`) and GnuTLS's error texts, spelled as the library prints them (OpenSSL 3).
    pub enum TlsReason {
        UnsupportedProtocol = "unsupported protocol",
        AlertProtocolVersion = "tlsv1 alert protocol version",
        GnutlsUnsupportedVersion = "A packet with illegal or unsupported version was received.",
        WrongVersionNumber = "wrong version number",
        UnknownProtocol = "unknown protocol",
        HttpRequest = "http request",
        PacketLengthTooLong = "packet length too long",
        NoSharedCipher = "no shared cipher",
        NoSuitableKeyShare = "no suitable key share",
        NoCiphersAvailable = "no ciphers available",
        NoProtocolsAvailable = "no protocols available",
        GnutlsNoSupportedCipher = "No supported cipher suites have been found.",
        GnutlsCannotNegotiateCipher = "Could not negotiate a supported cipher suite.",
        AlertHandshakeFailure = "sslv3 alert handshake failure",
        NoSuitableSignatureAlgorithm = "no suitable signature algorithm",
        DhKeyTooSmall = "dh key too small",
        GnutlsDhPrimeUnacceptable = "The Diffie-Hellman prime sent by the server is not acceptable (not long enough).",
        LegacySigalg = "legacy sigalg disallowed or unsupported",
        CaMdTooWeak = "ca md too weak",
        EeKeyTooSmall = "ee key too small",
        CaKeyTooSmall = "ca key too small",
        CertificateExpired = "certificate has expired",
        AlertCertificateExpired = "sslv3 alert certificate expired",
        CertificateNotYetValid = "certificate is not yet valid",
        UnableToGetLocalIssuer = "unable to get local issuer certificate",
        UnableToGetIssuer = "unable to get issuer certificate",
        UnableToVerifyLeaf = "unable to verify the first certificate",
        SelfSignedInChain = "self-signed certificate in certificate chain",
        SelfSigned = "self-signed certificate",
        HostnameMismatch = "hostname mismatch",
        CertificateRevoked = "certificate revoked",
        AlertUnknownCa = "tlsv1 alert unknown ca",
        AlertBadCertificate = "sslv3 alert bad certificate",
        AlertCertificateUnknown = "sslv3 alert certificate unknown",
        AlertCertificateRequired = "tlsv13 alert certificate required",
        CertificateVerifyFailed = "certificate verify failed",
        GnutlsCertificateInvalid = "certificate invalid",
        UnexpectedEof = "unexpected eof while reading",
        GnutlsPrematureTermination = "The TLS connection was non-properly terminated.",
        GnutlsFatalAlert = "A TLS fatal alert has been received.",
        GnutlsUnexpectedPacket = "An unexpected TLS packet was received.",
    }
}

impl TlsReason {
    /// Whether GnuTLS (not OpenSSL) gives this text.
    pub fn is_gnutls(self) -> bool {
        matches!(
            self,
            TlsReason::GnutlsUnsupportedVersion
                | TlsReason::GnutlsNoSupportedCipher
                | TlsReason::GnutlsCannotNegotiateCipher
                | TlsReason::GnutlsDhPrimeUnacceptable
                | TlsReason::GnutlsCertificateInvalid
                | TlsReason::GnutlsPrematureTermination
                | TlsReason::GnutlsFatalAlert
                | TlsReason::GnutlsUnexpectedPacket
        )
    }
}

/// Every spelling of a TLS reason, lower case: OpenSSL 3's and the older ones (OpenSSL 1.1
/// wrote `self signed certificate`; OpenSSL 3.2 writes `ssl/tls alert handshake failure` where
/// earlier versions wrote `sslv3 alert handshake failure`), the verify strings behind the SSL
/// reasons (`CA signature digest algorithm too weak` is `ca md too weak`), and Exim's own words
/// for a name mismatch. Longer spellings come before the shorter ones they contain.
pub const REASON_SPELLINGS: &[(&str, TlsReason)] = &[
    (
        "tlsv1 alert protocol version",
        TlsReason::AlertProtocolVersion,
    ),
    (
        "a packet with illegal or unsupported version was received",
        TlsReason::GnutlsUnsupportedVersion,
    ),
    ("unsupported protocol", TlsReason::UnsupportedProtocol),
    ("wrong version number", TlsReason::WrongVersionNumber),
    ("unknown protocol", TlsReason::UnknownProtocol),
    ("http request", TlsReason::HttpRequest),
    ("packet length too long", TlsReason::PacketLengthTooLong),
    ("no shared cipher", TlsReason::NoSharedCipher),
    ("no suitable key share", TlsReason::NoSuitableKeyShare),
    ("no ciphers available", TlsReason::NoCiphersAvailable),
    ("no protocols available", TlsReason::NoProtocolsAvailable),
    (
        "no supported cipher suites have been found",
        TlsReason::GnutlsNoSupportedCipher,
    ),
    (
        "could not negotiate a supported cipher suite",
        TlsReason::GnutlsCannotNegotiateCipher,
    ),
    (
        "sslv3 alert handshake failure",
        TlsReason::AlertHandshakeFailure,
    ),
    (
        "ssl/tls alert handshake failure",
        TlsReason::AlertHandshakeFailure,
    ),
    (
        "no suitable signature algorithm",
        TlsReason::NoSuitableSignatureAlgorithm,
    ),
    ("dh key too small", TlsReason::DhKeyTooSmall),
    (
        "the diffie-hellman prime sent by the server is not acceptable",
        TlsReason::GnutlsDhPrimeUnacceptable,
    ),
    (
        "legacy sigalg disallowed or unsupported",
        TlsReason::LegacySigalg,
    ),
    ("ca md too weak", TlsReason::CaMdTooWeak),
    (
        "ca signature digest algorithm too weak",
        TlsReason::CaMdTooWeak,
    ),
    ("ee key too small", TlsReason::EeKeyTooSmall),
    ("ee certificate key too weak", TlsReason::EeKeyTooSmall),
    ("ca key too small", TlsReason::CaKeyTooSmall),
    ("ca certificate key too weak", TlsReason::CaKeyTooSmall),
    (
        "sslv3 alert certificate expired",
        TlsReason::AlertCertificateExpired,
    ),
    (
        "ssl/tls alert certificate expired",
        TlsReason::AlertCertificateExpired,
    ),
    ("certificate has expired", TlsReason::CertificateExpired),
    (
        "certificate is not yet valid",
        TlsReason::CertificateNotYetValid,
    ),
    (
        "unable to get local issuer certificate",
        TlsReason::UnableToGetLocalIssuer,
    ),
    (
        "unable to get issuer certificate",
        TlsReason::UnableToGetIssuer,
    ),
    (
        "unable to verify the first certificate",
        TlsReason::UnableToVerifyLeaf,
    ),
    (
        "self-signed certificate in certificate chain",
        TlsReason::SelfSignedInChain,
    ),
    (
        "self signed certificate in certificate chain",
        TlsReason::SelfSignedInChain,
    ),
    ("self-signed certificate", TlsReason::SelfSigned),
    ("self signed certificate", TlsReason::SelfSigned),
    ("hostname mismatch", TlsReason::HostnameMismatch),
    ("certificate name mismatch", TlsReason::HostnameMismatch),
    ("certificate revoked", TlsReason::CertificateRevoked),
    ("tlsv1 alert unknown ca", TlsReason::AlertUnknownCa),
    (
        "sslv3 alert bad certificate",
        TlsReason::AlertBadCertificate,
    ),
    (
        "ssl/tls alert bad certificate",
        TlsReason::AlertBadCertificate,
    ),
    (
        "sslv3 alert certificate unknown",
        TlsReason::AlertCertificateUnknown,
    ),
    (
        "ssl/tls alert certificate unknown",
        TlsReason::AlertCertificateUnknown,
    ),
    (
        "tlsv13 alert certificate required",
        TlsReason::AlertCertificateRequired,
    ),
    (
        "certificate verify failed",
        TlsReason::CertificateVerifyFailed,
    ),
    ("certificate invalid", TlsReason::GnutlsCertificateInvalid),
    ("unexpected eof while reading", TlsReason::UnexpectedEof),
    (
        "the tls connection was non-properly terminated",
        TlsReason::GnutlsPrematureTermination,
    ),
    (
        "a tls fatal alert has been received",
        TlsReason::GnutlsFatalAlert,
    ),
    (
        "an unexpected tls packet was received",
        TlsReason::GnutlsUnexpectedPacket,
    ),
];

/// Something a log line reports, whatever the MTA's words for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// Postfix `status=deferred (Server certificate not verified)` (`dsn=4.7.5`): a TLS security
    /// level that verifies (`verify`, `secure`, `dane`) met a certificate it could not verify.
    ServerCertNotVerified,
    /// A certificate check failed: Postfix `server certificate verification failed for`, Exim
    /// `SSL verify error` and `(certificate verification failed)`, Sendmail `verify=FAIL`.
    CertVerificationFailed,
    /// Postfix `Untrusted TLS connection established to`.
    UntrustedConnection,
    /// A completed handshake: Postfix `TLS connection established`, Sendmail
    /// `STARTTLS=client, relay=..., version=...`.
    TlsEstablished,
    /// The handshake failed, reason not (or elsewhere) given: `SSL_connect error`, `SSL_accept
    /// error`, Exim `TLS error on connection`, Postfix `Cannot start TLS: handshake failure`,
    /// Sendmail `TLS handshake failed`, Exchange `Security status IllegalMessage`.
    HandshakeError,
    /// Postfix smtpd `lost connection after STARTTLS from`.
    LostAfterStarttls,
    /// A sender that requires TLS found no STARTTLS: Postfix `TLS is required, but was not
    /// offered by host`, Exim `a TLS session is required`.
    TlsRequiredNotOffered,
    /// Postfix `TLS is required, but host ... refused to start TLS`.
    TlsRequiredRefused,
    /// The receiver requires STARTTLS first: `530 5.7.0 Must issue a STARTTLS command first`,
    /// Exchange `451 5.7.3 STARTTLS is required to send mail`.
    StarttlsRequired,
    /// `454 4.7.0 TLS not available due to local problem`.
    TlsNotAvailable,
    /// Exchange `421 4.4.2 Connection dropped due to SocketError`.
    ConnectionDropped,
    /// Exchange `TLS negotiation failed with error ...`.
    TlsNegotiationFailed,
    /// Gmail `TLS Negotiation failed, the certificate doesn't match the host`.
    CertDoesNotMatchHost,
    /// A rate or connection limit of the receiver.
    Throttled,
    ConnectionRefused,
    ConnectionTimedOut,
    /// Exchange Online `450 4.4.318 Connection was closed abruptly`.
    ClosedAbruptly,
    /// Postfix `TLSA lookup error for`.
    TlsaLookupError,
    /// Exchange Online `Remote certificate failed MTA-STS validation`.
    MtaStsCertificate,
    /// Exchange Online `MX hosts of <domain> failed MTA-STS validation`.
    MtaStsMx,
    /// Exchange Online `4.4.312 DNS query failed`.
    DnsQueryFailed,
    /// A session line that reports nothing wrong: Postfix `connect from`, `disconnect from`.
    Routine,
}

/// The spellings of each event, lower case.
pub const EVENT_SPELLINGS: &[(&str, Event)] = &[
    (
        "server certificate not verified",
        Event::ServerCertNotVerified,
    ),
    (
        "server certificate verification failed",
        Event::CertVerificationFailed,
    ),
    (
        "(certificate verification failed)",
        Event::CertVerificationFailed,
    ),
    ("ssl verify error", Event::CertVerificationFailed),
    ("verify=fail", Event::CertVerificationFailed),
    (
        "untrusted tls connection established",
        Event::UntrustedConnection,
    ),
    ("tls connection established", Event::TlsEstablished),
    ("starttls=client, relay=", Event::TlsEstablished),
    ("starttls=server, relay=", Event::TlsEstablished),
    ("ssl_connect error", Event::HandshakeError),
    ("ssl_accept error", Event::HandshakeError),
    ("(ssl_connect)", Event::HandshakeError),
    ("(ssl_accept)", Event::HandshakeError),
    ("(gnutls_handshake)", Event::HandshakeError),
    ("tls error on connection", Event::HandshakeError),
    ("cannot start tls: handshake failure", Event::HandshakeError),
    ("tls handshake failed", Event::HandshakeError),
    ("connect failed=", Event::HandshakeError),
    ("accept failed=", Event::HandshakeError),
    ("illegalmessage", Event::HandshakeError),
    ("lost connection after starttls", Event::LostAfterStarttls),
    (
        "tls is required, but was not offered",
        Event::TlsRequiredNotOffered,
    ),
    ("a tls session is required", Event::TlsRequiredNotOffered),
    ("refused to start tls", Event::TlsRequiredRefused),
    (
        "must issue a starttls command first",
        Event::StarttlsRequired,
    ),
    ("starttls is required", Event::StarttlsRequired),
    ("tls not available", Event::TlsNotAvailable),
    (
        "connection dropped due to socketerror",
        Event::ConnectionDropped,
    ),
    (
        "tls negotiation failed with error",
        Event::TlsNegotiationFailed,
    ),
    (
        "certificate doesn't match the host",
        Event::CertDoesNotMatchHost,
    ),
    (
        "certificate does not match the host",
        Event::CertDoesNotMatchHost,
    ),
    ("too many connections", Event::Throttled),
    ("too many concurrent", Event::Throttled),
    ("maximum number of concurrent connections", Event::Throttled),
    ("temporarily rate limited", Event::Throttled),
    ("rate limited", Event::Throttled),
    ("rate limit exceeded", Event::Throttled),
    ("unusual rate of", Event::Throttled),
    (
        "temporarily deferred due to unexpected volume",
        Event::Throttled,
    ),
    ("connection refused", Event::ConnectionRefused),
    ("socket error code 10061", Event::ConnectionRefused),
    ("connection timed out", Event::ConnectionTimedOut),
    (": timed out]", Event::ConnectionTimedOut),
    ("connection was closed abruptly", Event::ClosedAbruptly),
    ("tlsa lookup error", Event::TlsaLookupError),
    (
        "remote certificate failed mta-sts validation",
        Event::MtaStsCertificate,
    ),
    ("failed mta-sts validation", Event::MtaStsMx),
    ("dns query failed", Event::DnsQueryFailed),
    ("disconnect from", Event::Routine),
    ("connect from", Event::Routine),
];

/// What Exchange put in `[Message=...]`, `{MSG=...}` or after `TLS negotiation failed with
/// error`: the TLS or certificate status of its last attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExchangeDetail {
    SubjectMismatch,
    CertificateExpired,
    UntrustedRoot,
    SelfSigned,
    Revocation,
    SignatureFailure,
    SocketError,
    ConnectionRefused,
    TimedOut,
    IllegalMessage,
    StarttlsRequired,
}

/// The spellings of Exchange details, lower case.
pub const EXCHANGE_SPELLINGS: &[(&str, ExchangeDetail)] = &[
    ("subjectmismatch", ExchangeDetail::SubjectMismatch),
    ("certificateexpired", ExchangeDetail::CertificateExpired),
    ("untrustedroot", ExchangeDetail::UntrustedRoot),
    ("validselfsigned", ExchangeDetail::SelfSigned),
    ("revocationoffline", ExchangeDetail::Revocation),
    ("signaturefailure", ExchangeDetail::SignatureFailure),
    ("socket error code 10061", ExchangeDetail::ConnectionRefused),
    ("socket error code 10060", ExchangeDetail::TimedOut),
    ("timedout", ExchangeDetail::TimedOut),
    ("socketerror", ExchangeDetail::SocketError),
    ("illegalmessage", ExchangeDetail::IllegalMessage),
    ("starttls is required", ExchangeDetail::StarttlsRequired),
];

/// An RFC 8460 (TLS-RPT) result type named in the text; Exchange Online writes them in its DANE
/// errors (`5.7.323 tlsa-invalid: The domain failed DANE validation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultType {
    StarttlsNotSupported,
    CertificateHostMismatch,
    CertificateExpired,
    TlsaInvalid,
    DnssecInvalid,
    DaneRequired,
}

/// The result types, as RFC 8460 §4.3 spells them.
pub const RESULT_TYPE_SPELLINGS: &[(&str, ResultType)] = &[
    ("starttls-not-supported", ResultType::StarttlsNotSupported),
    (
        "certificate-host-mismatch",
        ResultType::CertificateHostMismatch,
    ),
    ("certificate-expired", ResultType::CertificateExpired),
    ("tlsa-invalid", ResultType::TlsaInvalid),
    ("dnssec-invalid", ResultType::DnssecInvalid),
    ("dane-required", ResultType::DaneRequired),
];

/// Host-name suffixes of Exchange Online: where it receives (`<tenant>.mail.protection.outlook.com`,
/// and `<domain>.<x>-v1.mx.microsoft` for DANE-enabled domains) and where it sends from.
pub const EXCHANGE_ONLINE_INBOUND: &[&str] = &[".mail.protection.outlook.com", ".mx.microsoft"];
pub const EXCHANGE_ONLINE_OUTBOUND: &[&str] = &[".outbound.protection.outlook.com"];

/// The first entry of `table` whose spelling occurs in `lower` (a lower-cased line).
pub fn first_in<T: Copy>(table: &[(&str, T)], lower: &str) -> Option<T> {
    table
        .iter()
        .find(|(spelling, _)| lower.contains(spelling))
        .map(|(_, t)| *t)
}

/// Every entry of `table` whose spelling occurs in `lower`, each once, in table order.
pub fn all_in<T: Copy + PartialEq>(table: &[(&str, T)], lower: &str) -> Vec<T> {
    let mut out = Vec::new();
    for (spelling, t) in table {
        if !out.contains(t) && lower.contains(spelling) {
            out.push(*t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spelling that contains an earlier one could never be found: the earlier one wins.
    fn no_spelling_shadows_a_later_one<T>(table: &[(&str, T)]) {
        for (i, (earlier, _)) in table.iter().enumerate() {
            for (later, _) in table.iter().skip(i + 1) {
                assert!(!later.contains(earlier), "{earlier:?} hides {later:?}");
            }
        }
        for (s, _) in table {
            assert_eq!(*s, s.to_lowercase(), "spellings are lower case");
        }
    }

    #[test]
    fn tables_are_ordered_longest_first() {
        no_spelling_shadows_a_later_one(MTA_MARKS);
        no_spelling_shadows_a_later_one(SIDE_MARKS);
        no_spelling_shadows_a_later_one(REASON_SPELLINGS);
        no_spelling_shadows_a_later_one(EVENT_SPELLINGS);
        no_spelling_shadows_a_later_one(EXCHANGE_SPELLINGS);
        no_spelling_shadows_a_later_one(RESULT_TYPE_SPELLINGS);
    }

    #[test]
    fn every_reason_can_be_found_by_its_own_spelling() {
        for r in TlsReason::ALL {
            let lower = r.as_str().to_lowercase();
            assert_eq!(first_in(REASON_SPELLINGS, &lower), Some(*r), "{r}");
        }
    }
}
