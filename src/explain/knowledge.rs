//! What `explain` knows, as data: [`TOPICS`] say what a failure means, its likely causes with the
//! finding codes that would confirm each, and the commands to run; [`RULES`] say which topic a
//! line is about, keyed on the typed parts [`super::parse`] found (a TLS library reason, an
//! Exchange detail, an event, an RFC 8460 result type, an enhanced status code, the side).
//! The first rule whose conditions all hold wins, so the table runs from the most specific
//! evidence (the TLS library's own reason) to the least (a generic "handshake failed").
//!
//! Meanings of vendor codes are stated only where a source says them: Exchange Online's
//! 4.4.312-4.4.318 and 4.7.320 from Microsoft's "mail flow intelligence" page, 4/5.7.321-325 from
//! its NDR reference and "How SMTP DANE works" page, the RFC 8460 result types from the IANA
//! registry. 4/5.7.326 and 4/5.7.327 are not documented there, and the topic says so.

use crate::explain::commands::Cmd;
use crate::explain::parse::Parsed;
use crate::explain::vocab::{Event, ExchangeDetail, ResultType, Side, TlsReason};
use crate::finding::Code;
use crate::vocab::TlsVersion;

/// One likely cause and the findings of `tlscheck` that would confirm it.
pub type CauseSpec = (&'static str, &'static [Code]);

/// A failure `explain` knows.
#[derive(Debug)]
pub struct Topic {
    /// Stable kebab-case name (in the JSON as `topic`).
    pub id: &'static str,
    pub meaning: &'static str,
    pub causes: &'static [CauseSpec],
    pub commands: &'static [Cmd],
}

/// A condition on a parsed line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cond {
    Reason(TlsReason),
    Event(Event),
    Exchange(ExchangeDetail),
    Result(ResultType),
    /// An enhanced status code `4.S.D` or `5.S.D` with `S` the subject and `D` in `lo..=hi`.
    Enhanced(u16, u16, u16),
    /// The logging server was receiving.
    Inbound,
    /// The handshake completed over SSL 3, TLS 1.0 or TLS 1.1.
    LegacyVersion,
}

impl Cond {
    fn holds(self, p: &Parsed) -> bool {
        match self {
            Cond::Reason(r) => p.reason == Some(r),
            Cond::Event(e) => p.has(e),
            Cond::Exchange(d) => p.exchange == Some(d),
            Cond::Result(r) => p.result_type == Some(r),
            Cond::Enhanced(subject, lo, hi) => p.enhanced.is_some_and(|e| {
                matches!(e.class, 4 | 5) && e.subject == subject && (lo..=hi).contains(&e.detail)
            }),
            Cond::Inbound => p.side == Some(Side::Receiving),
            Cond::LegacyVersion => matches!(
                p.version,
                Some(TlsVersion::Ssl3 | TlsVersion::Tls10 | TlsVersion::Tls11)
            ),
        }
    }
}

/// Which topic a line is about when all of `when` hold.
#[derive(Debug)]
pub struct Rule {
    pub when: &'static [Cond],
    pub topic: &'static Topic,
}

/// The topic of the first rule that holds for `p`.
pub fn lookup(p: &Parsed) -> Option<&'static Topic> {
    RULES
        .iter()
        .find(|r| r.when.iter().all(|c| c.holds(p)))
        .map(|r| r.topic)
}

// ---- Causes shared by several topics ----------------------------------------------------------

const LEGACY_TLS: CauseSpec = (
    "The server accepts only TLS 1.0/1.1, which Exchange Online refuses: enable TLS 1.2 (on Windows: SCHANNEL\\Protocols\\TLS 1.2\\Server and \\Client, Enabled=1, DisabledByDefault=0, then restart; `tlscheck schannel` on the Windows server checks these keys and the .NET ones and writes the fix).",
    &[Code::TlsLegacyOnly, Code::TlsBelowRequired, Code::SchannelTls12Disabled],
);
const SERVER_LEGACY_ONLY: CauseSpec = (
    "The server speaks only TLS 1.0/1.1 (an old Windows or Exchange without TLS 1.2 enabled, an appliance, an old OpenSSL); current senders (OpenSSL 3 at its default security level, Exchange Online) require TLS 1.2. Enable TLS 1.2 on it.",
    &[Code::TlsLegacyOnly, Code::TlsBelowRequired],
);
const NO_COMMON_SUITE: CauseSpec = (
    "No cipher suite in common: the server offers no ECDHE (forward secrecy) suites, or only old ones (RC4, 3DES, static RSA) that current clients refuse.",
    &[Code::NoForwardSecrecy, Code::TlsHandshakeFailed],
);
const WEAK_PARAMETERS: CauseSpec = (
    "The server's parameters are below what the client accepts: a Diffie-Hellman group under 2048 bits, an RSA key under 2048 bits, a chain signed with SHA-1.",
    &[Code::WeakDhGroup, Code::WeakKey, Code::WeakSignature],
);
const CHAIN_INCOMPLETE: CauseSpec = (
    "The server sends its certificate without the intermediate certificate(s), so the checker cannot reach a root it trusts (the most common cause): configure the full chain (Postfix smtpd_tls_chain_files, Exim tls_certificate with the chain appended; Exchange: the intermediate in the computer's Intermediate Certification Authorities store).",
    &[Code::ChainIncomplete],
);
const UNTRUSTED_ROOT: CauseSpec = (
    "The certificate is self-signed or from a private CA the checker does not trust (Postfix, Exim and Exchange all start with such a certificate): use one from a public CA.",
    &[Code::CertUntrusted],
);
const EXPIRED: CauseSpec = (
    "The certificate (or an intermediate) has expired or is not valid yet.",
    &[Code::CertExpired, Code::CertNotYetValid],
);
const WRONG_NAME: CauseSpec = (
    "The certificate does not carry the name the checker compares it with: the MX host name, or the name a connector or TLS policy names.",
    &[Code::CertNameMismatch],
);
const FIREWALL: CauseSpec = (
    "A firewall or 'SMTP inspection' device between the two sides breaks STARTTLS or cuts the handshake.",
    &[Code::SmtpProtocolError, Code::StarttlsNotOffered],
);
const THIS_SERVER_OLD: CauseSpec = (
    "This server offers only TLS 1.0/1.1, no ECDHE suites, or a Diffie-Hellman group under 2048 bits, which the client refuses.",
    &[Code::TlsLegacyOnly, Code::NoForwardSecrecy, Code::WeakDhGroup],
);
const THIS_SERVER_CERT: CauseSpec = (
    "The client did not accept this server's certificate (untrusted or private root, missing intermediate, wrong name, expired): strict senders such as Exchange Online with a TLS connector end the handshake this way.",
    &[Code::CertUntrusted, Code::ChainIncomplete, Code::CertNameMismatch, Code::CertExpired],
);
const SCANNER: CauseSpec = (
    "A scanner or a client that tries STARTTLS and gives up (harmless when the address is not one you exchange mail with).",
    &[],
);

// ---- Command lists ----------------------------------------------------------------------------

/// A server's TLS and certificate, as each party would check it.
const CHECK_SERVER: &[Cmd] = &[
    Cmd::SenderExchangeOnline,
    Cmd::ExpectExchangeOnline,
    Cmd::Host(""),
    Cmd::HostAtIp(""),
    Cmd::Mx(""),
];
/// The same, asking for TLS 1.2 at least.
const CHECK_VERSIONS: &[Cmd] = &[
    Cmd::SenderExchangeOnline,
    Cmd::ExpectExchangeOnline,
    Cmd::Host("--require-tls 1.2"),
    Cmd::HostAtIp("--require-tls 1.2"),
    Cmd::Mx("--require-tls 1.2"),
];
/// This (receiving) server, when a client failed with it.
const CHECK_THIS_SERVER: &[Cmd] = &[Cmd::SenderExchangeOnline, Cmd::Host(""), Cmd::Mx("")];

// ---- Topics -------------------------------------------------------------------------------------

pub const EXCHANGE_CONNECTION_DROPPED: Topic = Topic {
    id: "exchange-connection-dropped",
    meaning: "Exchange Online dropped the connection during or right after the TLS handshake (421 4.4.2: a transient network/routing failure).",
    causes: &[
        LEGACY_TLS,
        ("No cipher suite in common, often a server that offers no ECDHE (forward secrecy) suites.", &[Code::NoForwardSecrecy, Code::TlsHandshakeFailed]),
        ("A certificate problem on the server side of a connector that requires TLS (expired, wrong name, untrusted).", &[Code::CertExpired, Code::CertNameMismatch, Code::CertUntrusted, Code::ChainIncomplete]),
        FIREWALL,
    ],
    commands: &[Cmd::SenderExchangeOnline, Cmd::Host("--require-tls 1.2"), Cmd::HostAtIp(""), Cmd::Mx(""), Cmd::Schannel],
};

pub const EXCHANGE_TLS_NEGOTIATION: Topic = Topic {
    id: "exchange-tls-negotiation-failed",
    meaning: "The TLS handshake between Exchange and the other server failed: the peer closed the connection or refused instead of completing TLS (the word after 'with error' is Exchange's reason).",
    causes: &[
        LEGACY_TLS,
        ("No cipher suite in common (no ECDHE suites, or only weak ones).", &[Code::NoForwardSecrecy, Code::TlsHandshakeFailed]),
        ("The server's certificate or key is unusable, so it aborts the handshake.", &[Code::TlsHandshakeFailed, Code::CertExpired]),
    ],
    commands: &[Cmd::SenderExchangeOnline, Cmd::Host("--require-tls 1.2"), Cmd::HostAtIp(""), Cmd::Mx(""), Cmd::Schannel],
};

pub const STARTTLS_REQUIRED: Topic = Topic {
    id: "starttls-required",
    meaning: "The receiving server requires TLS and the sender tried to send mail without STARTTLS (RFC 3207 §4: 530; Exchange answers 451 5.7.3 for a connector that requires TLS).",
    causes: &[
        ("The sender could not negotiate TLS (for example it speaks only TLS 1.0/1.1) and fell back to plaintext.", &[Code::TlsLegacyOnly, Code::TlsHandshakeFailed]),
        ("STARTTLS is not offered, or stripped from EHLO by a firewall, so the sender never tried it.", &[Code::StarttlsNotOffered, Code::SmtpProtocolError]),
        ("The sender does not use TLS at all: enable opportunistic TLS on it (Postfix: smtp_tls_security_level = may).", &[]),
    ],
    commands: &[Cmd::SenderExchangeOnline, Cmd::ExpectExchangeOnline, Cmd::Host("-v"), Cmd::Mx("--require-tls 1.2"), Cmd::Schannel],
};

pub const TLS_NOT_AVAILABLE: Topic = Topic {
    id: "tls-not-available",
    meaning: "The server advertises STARTTLS but cannot start TLS now (RFC 3207 §4: 454).",
    causes: &[
        ("The server's TLS configuration is broken: certificate or key missing, unreadable or not matching.", &[Code::StarttlsRefused]),
        ("A temporary resource problem on the server.", &[Code::StarttlsRefused]),
    ],
    commands: &[Cmd::Host("-v"), Cmd::Mx("")],
};

pub const THROTTLED: Topic = Topic {
    id: "throttled",
    meaning: "The receiving server is limiting this sender (concurrent connections, message rate, or the sending address's reputation): a throttle, not a TLS problem. tlscheck's own probes from the same address meet the same limit, so run them gently: one connection per address at a time (--per-ip 1) and a pause between connections (--ip-delay SECS).",
    causes: &[
        ("Too many concurrent connections or messages from this address: lower the sender's concurrency, or retry later.", &[Code::SmtpThrottled]),
        ("The receiver rate-limits the sending address for its volume or reputation (Gmail 421 4.7.28, Microsoft 4.7.650): check the address on block lists and its SPF, DKIM and reverse DNS.", &[Code::SmtpThrottled]),
    ],
    commands: &[Cmd::Host("--per-ip 1 --ip-delay 5"), Cmd::Mx("--per-ip 1 --ip-delay 5")],
};

pub const CERT_EXPIRED: Topic = Topic {
    id: "certificate-expired",
    meaning: "A certificate in the server's chain has expired, as the side that checked it saw it.",
    causes: &[
        ("The server still presents an expired leaf or intermediate certificate on at least one address: install the renewed certificate with its chain and restart the SMTP service (with DANE, publish the new TLSA record first).", &[Code::CertExpired]),
        ("The clock of the machine that checked is wrong.", &[]),
    ],
    commands: CHECK_SERVER,
};

pub const CERT_NOT_YET_VALID: Topic = Topic {
    id: "certificate-not-yet-valid",
    meaning: "A certificate in the server's chain is not valid yet (its notBefore is in the future), as the side that checked it saw it.",
    causes: &[
        ("A certificate installed the moment it was issued, with a clock skew between issuer and checker, or one issued for a future date.", &[Code::CertNotYetValid]),
        ("The clock of the machine that checked is behind.", &[]),
    ],
    commands: CHECK_SERVER,
};

pub const NO_COMMON_VERSION: Topic = Topic {
    id: "no-common-tls-version",
    meaning: "The two sides have no TLS version in common: the server offers only versions the sender refuses (usually TLS 1.0/1.1 against a sender that requires TLS 1.2), or the other way round.",
    causes: &[
        SERVER_LEGACY_ONLY,
        ("The sender's own minimum is above what the server can do (Postfix smtp_tls_protocols or smtp_tls_mandatory_protocols, OpenSSL MinProtocol in openssl.cnf).", &[Code::TlsBelowRequired]),
    ],
    commands: CHECK_VERSIONS,
};

pub const NO_COMMON_VERSION_INBOUND: Topic = Topic {
    id: "no-common-tls-version-inbound",
    meaning: "A client that connected to this server offered only TLS versions this server refuses (or the other way round): typically an old sender that speaks only TLS 1.0/1.1 meeting a server that requires TLS 1.2.",
    causes: &[
        ("The sending client is old (TLS 1.0/1.1 only: an old Exchange or Windows Server without TLS 1.2 enabled, a printer, an appliance). It must enable TLS 1.2; until then it fails or falls back to plaintext.", &[]),
        ("This server's minimum version is above what the client can do (Postfix smtpd_tls_protocols, OpenSSL MinProtocol); tlscheck host shows which versions it accepts.", &[Code::TlsLegacyAccepted]),
    ],
    commands: CHECK_THIS_SERVER,
};

pub const NOT_TLS: Topic = Topic {
    id: "not-tls",
    meaning: "What came back was not TLS: the other side spoke plaintext (an SMTP reply, an HTTP answer) where a TLS record was expected, or the other way round.",
    causes: &[
        ("The wrong TLS mode for the port: implicit TLS (SMTPS, port 465) against a STARTTLS port (25, 587), or STARTTLS against port 465.", &[Code::PortSpeaksPlaintext, Code::PortExpectsImplicitTls]),
        FIREWALL,
        ("The server answered STARTTLS with 220 and then went on in plaintext (a broken TLS setup).", &[Code::StarttlsPlaintextInjection, Code::TlsHandshakeFailed]),
    ],
    commands: &[Cmd::Host(""), Cmd::HostOtherMode, Cmd::HostAtIp("")],
};

pub const NO_SHARED_CIPHER: Topic = Topic {
    id: "no-shared-cipher",
    meaning: "Client and server have no cipher suite (or signature algorithm) in common, so the handshake cannot start.",
    causes: &[
        NO_COMMON_SUITE,
        ("The server's certificate key type has no suite the client allows (an ECDSA-only or DSA certificate, or an RSA key under the client's minimum).", &[Code::WeakKey, Code::TlsHandshakeFailed]),
        ("A cipher list set too narrowly on one side (Postfix smtpd_tls_mandatory_ciphers, Exim tls_require_ciphers, the Windows cipher suite order policy); tlscheck --ciphers lists what the server accepts.", &[Code::NoForwardSecrecy]),
    ],
    commands: &[Cmd::SenderExchangeOnline, Cmd::ExpectExchangeOnline, Cmd::Host("--ciphers"), Cmd::HostAtIp(""), Cmd::Mx("")],
};

pub const NO_KEY_SHARE: Topic = Topic {
    id: "no-common-group",
    meaning: "In TLS 1.3 the two sides have no key-exchange group in common: the server allows only groups the client does not offer (or the other way round), so the handshake ends before it starts.",
    causes: &[
        ("The server restricts its TLS 1.3 groups to ones most senders lack, such as only the finite-field ffdhe2048/ffdhe3072 (Postfix tls_eecdh_auto_curves or tls_ffdhe_auto_groups, OpenSSL Groups): allow X25519 and P-256 as well. tlscheck reports such a server's group from a raw hello and says the chain could not be seen.", &[Code::ChainNotSeen, Code::TlsHandshakeFailed]),
        ("The client offers only groups the server disabled (an old client without X25519/P-256, or a post-quantum-only client): the client's side.", &[]),
    ],
    commands: &[Cmd::Host(""), Cmd::HostAtIp("")],
};

pub const HANDSHAKE_ALERT: Topic = Topic {
    id: "handshake-failure-alert",
    meaning: "The other side aborted the handshake with a handshake_failure alert (alert 40): it found nothing acceptable in what was offered (no common version, cipher suite, key-exchange group or signature algorithm) or refused a parameter.",
    causes: &[
        SERVER_LEGACY_ONLY,
        NO_COMMON_SUITE,
        WEAK_PARAMETERS,
        ("The server requires a client certificate the sender does not have (mutual TLS).", &[Code::ClientCertRequired]),
    ],
    commands: CHECK_VERSIONS,
};

pub const DH_KEY_TOO_SMALL: Topic = Topic {
    id: "dh-key-too-small",
    meaning: "The server chose a DHE cipher suite with a Diffie-Hellman group smaller than the client accepts (OpenSSL 3 at its default security level needs 2048 bits), so the client ended the handshake.",
    causes: &[
        ("The server's DH parameters are 1024 bits or less (Postfix smtpd_tls_dh1024_param_file pointing at an old file, Exim tls_dhparam, an appliance default): configure a 2048-bit RFC 7919 group, or offer ECDHE suites before DHE.", &[Code::WeakDhGroup]),
    ],
    commands: CHECK_SERVER,
};

pub const WEAK_SIGNATURE: Topic = Topic {
    id: "weak-signature",
    meaning: "A certificate in the server's chain is signed with SHA-1 or MD5 ('ca md too weak'), or the server signs its handshake with a SHA-1 algorithm the client no longer allows ('legacy sigalg disallowed or unsupported'): OpenSSL 3 at its default security level refuses both.",
    causes: &[
        ("An intermediate or the leaf is signed with SHA-1 or MD5: have the CA reissue it with SHA-256.", &[Code::WeakSignature]),
        ("The server can sign the handshake only with SHA-1 (TLS 1.0/1.1, or old SCHANNEL or appliance settings): enable TLS 1.2 with SHA-256 signature algorithms.", &[Code::TlsLegacyOnly, Code::WeakSignature]),
    ],
    commands: CHECK_SERVER,
};

pub const WEAK_KEY: Topic = Topic {
    id: "weak-key",
    meaning: "The certificate's key ('ee key too small') or a CA key of its chain ('ca key too small') is smaller than the checker accepts: OpenSSL 3 at its default security level needs RSA keys of 2048 bits.",
    causes: &[("Reissue the certificate with an RSA key of at least 2048 bits or an ECDSA P-256 key (and replace an intermediate with a short key).", &[Code::WeakKey])],
    commands: CHECK_SERVER,
};

pub const NOT_VERIFIED: Topic = Topic {
    id: "certificate-not-verified",
    meaning: "The sender could not verify the receiving server's certificate. With opportunistic TLS this is only logged; a sender that requires verification (Postfix smtp_tls_security_level = verify, secure or dane; an Exchange connector that validates certificates; DANE; MTA-STS) defers or bounces the mail.",
    causes: &[
        CHAIN_INCOMPLETE,
        UNTRUSTED_ROOT,
        EXPIRED,
        WRONG_NAME,
        ("A certificate of the chain is revoked, or signed with an algorithm the sender refuses.", &[Code::CertRevoked, Code::WeakSignature]),
        ("The sender has no CA certificates to check against (Postfix smtp_tls_CAfile or smtp_tls_CApath, Sendmail confCACERT_PATH).", &[]),
    ],
    commands: CHECK_SERVER,
};

pub const NOT_VERIFIED_INBOUND: Topic = Topic {
    id: "client-certificate-not-verified",
    meaning: "This server asked the connecting client for a certificate and could not verify the one it got (or got none). For opportunistic TLS this changes nothing: the mail is still accepted; it matters only where access depends on the client's certificate.",
    causes: &[
        ("The client's certificate is self-signed or from a CA this server does not trust.", &[]),
        ("This server has no CA certificates configured to check client certificates against.", &[]),
    ],
    commands: CHECK_THIS_SERVER,
};

pub const ISSUER_NOT_FOUND: Topic = Topic {
    id: "issuer-not-found",
    meaning: "The checker could not build a chain from the server's certificate to a root it trusts: the issuer of a certificate was neither sent by the server nor in its trust store.",
    causes: &[
        CHAIN_INCOMPLETE,
        ("The chain ends at a private or unknown root the checker does not trust.", &[Code::CertUntrusted, Code::AnchorNotInTrustStore]),
        ("The checker's CA bundle is missing or outdated.", &[]),
    ],
    commands: CHECK_SERVER,
};

pub const UNTRUSTED_ROOT_TOPIC: Topic = Topic {
    id: "untrusted-root",
    meaning: "The server's certificate is self-signed, or its chain ends at a root the checker does not trust.",
    causes: &[
        UNTRUSTED_ROOT,
        ("A TLS-intercepting firewall re-signs the connection with its own root.", &[Code::CertUntrusted, Code::RootMismatch]),
        CHAIN_INCOMPLETE,
    ],
    commands: CHECK_SERVER,
};

pub const NAME_MISMATCH: Topic = Topic {
    id: "certificate-name-mismatch",
    meaning: "The server's certificate does not carry the name the sender checked: the MX host name (DANE, MTA-STS, Postfix secure), or the name an Exchange connector's TLS settings name (SubjectMismatch).",
    causes: &[
        ("The certificate is for another name (an internal host name, the web site, an old name): add the MX host name, and any name a connector checks, to its subject alternative names.", &[Code::CertNameMismatch]),
        ("A connector or TLS policy expects a certificate name other than the one the server sends (Exchange TlsCertificateName or TLSDomain, a Postfix tls_policy match=).", &[Code::CertNameUnexpected, Code::CertNameMismatch]),
        ("The MX record points at a host name the certificate does not cover.", &[Code::CertNameMismatch]),
    ],
    commands: CHECK_SERVER,
};

pub const GMAIL_CERTIFICATE: Topic = Topic {
    id: "gmail-certificate-rejected",
    meaning: "Gmail could not validate the certificate of the SMTP server it connected to (typically 'Send mail as' through your own server on port 587 or 465): Gmail gives this one message when the name does not match and also when the certificate is self-signed or not from a public CA.",
    causes: &[
        ("The certificate does not carry the server name configured in Gmail.", &[Code::CertNameMismatch]),
        ("The certificate is self-signed or the chain is incomplete.", &[Code::CertUntrusted, Code::ChainIncomplete]),
    ],
    commands: &[Cmd::Host(""), Cmd::Host("--port 587"), Cmd::Host("--port 465 --implicit-tls")],
};

pub const REVOKED: Topic = Topic {
    id: "certificate-revoked",
    meaning: "The CA has revoked a certificate of the server's chain; the checker found it on the CA's CRL or in its OCSP answer.",
    causes: &[("A revoked certificate is still installed: install the newly issued certificate and chain, then restart the SMTP service.", &[Code::CertRevoked])],
    commands: CHECK_SERVER,
};

pub const REVOCATION_OFFLINE: Topic = Topic {
    id: "revocation-unreachable",
    meaning: "The checker could not find out whether the server's certificate is revoked: it could not reach the CRL or OCSP endpoints the certificate names (Exchange: RevocationOffline).",
    causes: &[
        ("A firewall or proxy blocks HTTP (TCP 80) from the checking server to the CA's CRL and OCSP hosts.", &[Code::RevocationUnreachable]),
        ("The CA's endpoint answers badly or publishes stale CRLs.", &[Code::CrlStale, Code::RevocationInvalid]),
    ],
    commands: CHECK_SERVER,
};

pub const CERT_REJECTED_BY_CLIENT: Topic = Topic {
    id: "certificate-rejected-by-client",
    meaning: "A client that connected to this server rejected this server's certificate during the handshake (TLS alert 'unknown CA', 'bad certificate' or 'certificate unknown').",
    causes: &[CHAIN_INCOMPLETE, UNTRUSTED_ROOT, EXPIRED, WRONG_NAME],
    commands: CHECK_THIS_SERVER,
};

pub const CLIENT_CERT_REJECTED: Topic = Topic {
    id: "client-certificate-rejected",
    meaning: "The server rejected the certificate this sender presented as a client (TLS alert 'unknown CA', 'bad certificate' or 'certificate unknown'): it checks client certificates (mutual TLS) and does not accept this one.",
    causes: &[
        ("The partner's server does not trust the CA of the sender's client certificate, or does not accept its subject.", &[Code::ClientCertRejected]),
        ("The sender's client certificate has expired.", &[Code::ClientCertRejected]),
    ],
    commands: &[Cmd::Host("--client-cert FILE --client-key FILE"), Cmd::Host("")],
};

pub const CLIENT_CERT_REQUIRED: Topic = Topic {
    id: "client-certificate-required",
    meaning: "The server requires a client certificate (TLS 1.3 alert 'certificate required') and the sender presented none.",
    causes: &[("The partner's server accepts only senders that present a certificate it trusts: configure one on the sender.", &[Code::ClientCertRequired])],
    commands: &[Cmd::Host(""), Cmd::Host("--client-cert FILE --client-key FILE")],
};

pub const CLOSED_IN_HANDSHAKE: Topic = Topic {
    id: "closed-during-handshake",
    meaning: "The server closed the connection in the middle of the TLS handshake without a TLS alert: it gave up rather than say why (Exchange Online: 4.4.318 'Connection was closed abruptly').",
    causes: &[
        SERVER_LEGACY_ONLY,
        ("No suite or group in common, or the server cannot use its own key or certificate.", &[Code::TlsHandshakeFailed, Code::NoForwardSecrecy]),
        FIREWALL,
        ("The server is overloaded or crashing and drops connections.", &[Code::SmtpTimeout]),
    ],
    commands: CHECK_VERSIONS,
};

pub const CLOSED_IN_HANDSHAKE_INBOUND: Topic = Topic {
    id: "closed-during-handshake-inbound",
    meaning: "A client started TLS with this server and went away during the handshake: it did not accept something this server offered and did not say what.",
    causes: &[THIS_SERVER_CERT, THIS_SERVER_OLD, SCANNER],
    commands: CHECK_THIS_SERVER,
};

pub const HANDSHAKE_FAILED: Topic = Topic {
    id: "tls-handshake-failed",
    meaning: "The TLS handshake with the server failed, and the line does not say why; the TLS library's reason is often on a neighbouring line of the same process (paste both).",
    causes: &[
        SERVER_LEGACY_ONLY,
        NO_COMMON_SUITE,
        WEAK_PARAMETERS,
        ("The sender refused the server's certificate.", &[Code::CertUntrusted, Code::ChainIncomplete, Code::CertExpired]),
    ],
    commands: CHECK_VERSIONS,
};

pub const HANDSHAKE_FAILED_INBOUND: Topic = Topic {
    id: "tls-handshake-failed-inbound",
    meaning: "A client's TLS handshake with this server failed, and the line does not say why; the TLS library's reason is usually on the line before it, from the same process (paste both).",
    causes: &[
        THIS_SERVER_CERT,
        THIS_SERVER_OLD,
        ("The client is old (TLS 1.0/1.1 only, no ECDHE).", &[]),
        SCANNER,
    ],
    commands: CHECK_THIS_SERVER,
};

pub const UNTRUSTED_CONNECTION: Topic = Topic {
    id: "untrusted-tls",
    meaning: "TLS was established and the mail went encrypted, but Postfix could not verify the server's certificate chain ('Untrusted'). With smtp_tls_security_level = may that is normal; a destination with a TLS policy of verify, secure or dane would defer the mail ('Server certificate not verified').",
    causes: &[
        CHAIN_INCOMPLETE,
        UNTRUSTED_ROOT,
        EXPIRED,
        ("Postfix has no CA certificates to verify against (smtp_tls_CAfile, smtp_tls_CApath): then every connection is Untrusted.", &[]),
    ],
    commands: CHECK_SERVER,
};

pub const LEGACY_NEGOTIATED: Topic = Topic {
    id: "legacy-tls-negotiated",
    meaning: "The handshake succeeded, but over TLS 1.0/1.1 (or SSL 3): one side offered nothing newer. Current senders and receivers (Exchange Online, OpenSSL 3 at its default security level) refuse these versions.",
    causes: &[
        ("The other side speaks only TLS 1.0/1.1: it must enable TLS 1.2.", &[Code::TlsLegacyOnly]),
        ("The server still accepts TLS 1.0/1.1 beside TLS 1.2, and this client offered no more: raise the minimum to TLS 1.2 on both.", &[Code::TlsLegacyAccepted]),
    ],
    commands: CHECK_VERSIONS,
};

pub const STARTTLS_NOT_OFFERED: Topic = Topic {
    id: "starttls-not-offered",
    meaning: "The sender requires TLS for this destination (a TLS policy, DANE, MTA-STS or a connector that requires TLS) and the receiving server did not offer STARTTLS, or offered it and the handshake failed (Exchange Online: 4/5.7.321 starttls-not-supported).",
    causes: &[
        ("STARTTLS is not enabled on the server, or it has no certificate configured so it does not advertise it.", &[Code::StarttlsNotOffered]),
        ("A firewall strips STARTTLS from the EHLO reply.", &[Code::StarttlsNotOffered, Code::SmtpProtocolError]),
        ("STARTTLS is advertised but the handshake fails (TLS 1.0/1.1 only, no common suite).", &[Code::TlsHandshakeFailed, Code::TlsLegacyOnly]),
    ],
    commands: &[Cmd::SenderExchangeOnline, Cmd::ExpectExchangeOnline, Cmd::Host("-v"), Cmd::HostAtIp(""), Cmd::Mx("")],
};

pub const DANE_TLSA_INVALID: Topic = Topic {
    id: "dane-tlsa-invalid",
    meaning: "DANE validation failed: the domain's DNSSEC-signed TLSA records for the MX host do not match the certificate chain the server presented, or are unusable (RFC 8460 tlsa-invalid; Exchange Online: 4/5.7.323). `tlscheck mx DOMAIN` matches every address's chain against the TLSA records and names the digest to publish.",
    causes: &[
        ("The certificate or its key was renewed and the TLSA record still names the old one: publish the new record beside the old one before the certificate changes.", &[Code::DaneMismatch]),
        ("The TLSA record is malformed or of a kind SMTP ignores (usage 0 or 1), or a DANE-TA (2 x x) record names a CA certificate the server does not send.", &[Code::DaneUnusable, Code::DaneMismatch, Code::ChainIncomplete]),
        ("The certificate is not valid yet, or someone on the path presents another certificate.", &[Code::CertNotYetValid, Code::RootMismatch]),
    ],
    commands: &[Cmd::DigTlsa, Cmd::Host(""), Cmd::HostAtIp(""), Cmd::Mx("")],
};

pub const DNSSEC_INVALID: Topic = Topic {
    id: "dnssec-invalid",
    meaning: "The domain's DNS answers failed DNSSEC validation, or its name servers gave no valid answer to the TLSA query (a SERVFAIL counts as invalid); a DANE sender defers the mail rather than deliver without the check (RFC 8460 dnssec-invalid; Exchange Online: 4/5.7.324; Postfix: TLSA lookup error).",
    causes: &[
        ("A broken chain of trust: the parent zone's DS records do not match the zone's keys, or signatures have expired.", &[Code::DaneBogus]),
        ("The name servers answer TLSA queries with SERVFAIL or not at all; they must answer NOERROR or NXDOMAIN with a signed denial.", &[Code::DaneLookupFailed]),
    ],
    commands: &[Cmd::DigMx, Cmd::DigTlsa, Cmd::Mx("")],
};

pub const DANE_REQUIRED: Topic = Topic {
    id: "dane-required",
    meaning: "The sender requires DANE for every MX host of the destination (by agreement, RFC 7672 §6) but found no DNSSEC-validated TLSA records for this one (RFC 8460 dane-required).",
    causes: &[("The MX host has no TLSA record, or its zone is not signed.", &[Code::DaneUnusable])],
    commands: &[Cmd::DigTlsa, Cmd::DigMx, Cmd::Mx("")],
};

pub const EXCHANGE_DANE_OTHER: Topic = Topic {
    id: "exchange-online-dane",
    meaning: "One of Exchange Online's DANE and DNSSEC status codes (4/5.7.321-4/5.7.327). Microsoft documents 321 to 325 (starttls-not-supported, certificate-expired, tlsa-invalid, dnssec-invalid, certificate-host-mismatch); this one is not documented in the sources tlscheck was built from: the words after the code name the failure.",
    causes: &[("A DANE or DNSSEC check of the receiving domain failed.", &[Code::DaneMismatch, Code::DaneBogus, Code::DaneStarttlsMissing, Code::DaneLookupFailed])],
    commands: &[Cmd::DigTlsa, Cmd::DigMx, Cmd::Host(""), Cmd::Mx("")],
};

pub const EXCHANGE_CANNOT_CONNECT: Topic = Topic {
    id: "exchange-cannot-connect",
    meaning: "Exchange Online connected to the destination server, but the server answered with an immediate error or did not meet the connection's requirements, for example a connector that requires TLS and a server that does not support it (450 4.4.317; the [Message=...] part, when present, says which).",
    causes: &[
        ("The connector requires TLS and the server does not offer STARTTLS or cannot complete the handshake with Exchange Online (TLS 1.0/1.1 only, no ECDHE suites).", &[Code::StarttlsNotOffered, Code::TlsLegacyOnly, Code::TlsHandshakeFailed]),
        ("The certificate does not satisfy the connector (name, trust, expiry).", &[Code::CertNameMismatch, Code::CertUntrusted, Code::CertExpired]),
        ("The server answered with an error such as 'Service not available'.", &[Code::SmtpRejected]),
    ],
    commands: &[Cmd::SenderExchangeOnline, Cmd::Host("-v"), Cmd::HostAtIp(""), Cmd::Mx("")],
};

pub const CONNECTION_REFUSED: Topic = Topic {
    id: "connection-refused",
    meaning: "The server's address refused the TCP connection on the SMTP port: nothing listened there, or a firewall rejected it. TLS was never reached (Exchange Online: 4.4.316 Connection refused).",
    causes: &[
        ("The mail service is stopped or does not listen on this address and port.", &[Code::ConnectFailed]),
        ("A firewall rejects the sender's addresses (for Exchange Online: allow Microsoft 365's published IP ranges on TCP 25).", &[Code::ConnectFailed]),
        ("The MX record or the connector's smart host points at an old or wrong address.", &[Code::ConnectFailed, Code::MxUnresolvable]),
    ],
    commands: CHECK_SERVER,
};

pub const CONNECTION_TIMED_OUT: Topic = Topic {
    id: "connection-timed-out",
    meaning: "The server did not answer: the connection or a reply timed out. TLS was never reached (Exchange Online: 4.4.315 Connection timed out).",
    causes: &[
        ("Nothing answers on the SMTP port, or a firewall drops the packets.", &[Code::PortUnreachable]),
        ("The server accepts the connection but answers too slowly (overloaded, tarpitting).", &[Code::SmtpTimeout]),
        ("Outbound port 25 is blocked on the sender's own network.", &[Code::PortUnreachable]),
    ],
    commands: &[Cmd::SenderExchangeOnline, Cmd::Host("--timeout 30"), Cmd::HostAtIp(""), Cmd::Mx("")],
};

pub const DNS_QUERY_FAILED: Topic = Topic {
    id: "dns-query-failed",
    meaning: "Exchange Online's DNS query for the destination failed (4.4.312). Microsoft notes that a domain failing DNSSEC validation can also show this code instead of 4.7.324.",
    causes: &[
        ("The MX or smart host name does not resolve (NXDOMAIN, SERVFAIL, no address records).", &[Code::DomainUnresolvable, Code::MxUnresolvable]),
        ("The domain's DNSSEC validation fails.", &[Code::DaneBogus]),
    ],
    commands: &[Cmd::Mx(""), Cmd::DigMx],
};

pub const MTA_STS_CERTIFICATE: Topic = Topic {
    id: "mta-sts-certificate",
    meaning: "The sender applied the domain's MTA-STS policy (mode enforce) and the MX host's certificate failed it: it must chain to a trusted public root and carry the MX host name (Exchange Online: 4.7.5 Remote certificate failed MTA-STS validation).",
    causes: &[CHAIN_INCOMPLETE, UNTRUSTED_ROOT, WRONG_NAME, EXPIRED, ("tlscheck judges each address as an MTA-STS sender would.", &[Code::MtaStsMxFails])],
    commands: CHECK_SERVER,
};

pub const MTA_STS_MX: Topic = Topic {
    id: "mta-sts-mx",
    meaning: "The MX host the sender was about to use is not allowed by the domain's MTA-STS policy (its mx: lines) and the policy's mode is enforce (Exchange Online: 4.4.8/5.4.8 MX hosts of <domain> failed MTA-STS validation).",
    causes: &[("The policy at https://mta-sts.<domain>/.well-known/mta-sts.txt does not list the MX host: a changed MX, or a pattern such as *.mail.protection.outlook.com that does not cover a new *.mx.microsoft host.", &[Code::MtaStsMxNotCovered])],
    commands: &[Cmd::Mx(""), Cmd::DigMx],
};

/// Every topic, for the tests and the documentation.
pub const TOPICS: &[&Topic] = &[
    &EXCHANGE_CONNECTION_DROPPED,
    &EXCHANGE_TLS_NEGOTIATION,
    &STARTTLS_REQUIRED,
    &TLS_NOT_AVAILABLE,
    &THROTTLED,
    &CERT_EXPIRED,
    &CERT_NOT_YET_VALID,
    &NO_COMMON_VERSION,
    &NO_COMMON_VERSION_INBOUND,
    &NOT_TLS,
    &NO_SHARED_CIPHER,
    &NO_KEY_SHARE,
    &HANDSHAKE_ALERT,
    &DH_KEY_TOO_SMALL,
    &WEAK_SIGNATURE,
    &WEAK_KEY,
    &NOT_VERIFIED,
    &NOT_VERIFIED_INBOUND,
    &ISSUER_NOT_FOUND,
    &UNTRUSTED_ROOT_TOPIC,
    &NAME_MISMATCH,
    &GMAIL_CERTIFICATE,
    &REVOKED,
    &REVOCATION_OFFLINE,
    &CERT_REJECTED_BY_CLIENT,
    &CLIENT_CERT_REJECTED,
    &CLIENT_CERT_REQUIRED,
    &CLOSED_IN_HANDSHAKE,
    &CLOSED_IN_HANDSHAKE_INBOUND,
    &HANDSHAKE_FAILED,
    &HANDSHAKE_FAILED_INBOUND,
    &UNTRUSTED_CONNECTION,
    &LEGACY_NEGOTIATED,
    &STARTTLS_NOT_OFFERED,
    &DANE_TLSA_INVALID,
    &DNSSEC_INVALID,
    &DANE_REQUIRED,
    &EXCHANGE_DANE_OTHER,
    &EXCHANGE_CANNOT_CONNECT,
    &CONNECTION_REFUSED,
    &CONNECTION_TIMED_OUT,
    &DNS_QUERY_FAILED,
    &MTA_STS_CERTIFICATE,
    &MTA_STS_MX,
];

macro_rules! rule {
    ([$($c:expr),+] => $t:expr) => {
        Rule { when: &[$($c),+], topic: &$t }
    };
}

use Cond::{Enhanced, Event as Ev, Exchange as Ex, Inbound, Reason as Re, Result as Rt};

/// From the most specific evidence to the least; the first that holds wins.
pub const RULES: &[Rule] = &[
    // The TLS library's own reason. An alert about a certificate means "yours": the client's
    // certificate when the logging server was the client, the server's when it was the server.
    rule!([Re(TlsReason::AlertUnknownCa), Inbound] => CERT_REJECTED_BY_CLIENT),
    rule!([Re(TlsReason::AlertBadCertificate), Inbound] => CERT_REJECTED_BY_CLIENT),
    rule!([Re(TlsReason::AlertCertificateUnknown), Inbound] => CERT_REJECTED_BY_CLIENT),
    rule!([Re(TlsReason::AlertUnknownCa)] => CLIENT_CERT_REJECTED),
    rule!([Re(TlsReason::AlertBadCertificate)] => CLIENT_CERT_REJECTED),
    rule!([Re(TlsReason::AlertCertificateUnknown)] => CLIENT_CERT_REJECTED),
    rule!([Re(TlsReason::AlertCertificateRequired)] => CLIENT_CERT_REQUIRED),
    rule!([Re(TlsReason::UnsupportedProtocol), Inbound] => NO_COMMON_VERSION_INBOUND),
    rule!([Re(TlsReason::AlertProtocolVersion), Inbound] => NO_COMMON_VERSION_INBOUND),
    rule!([Re(TlsReason::GnutlsUnsupportedVersion), Inbound] => NO_COMMON_VERSION_INBOUND),
    rule!([Re(TlsReason::UnsupportedProtocol)] => NO_COMMON_VERSION),
    rule!([Re(TlsReason::AlertProtocolVersion)] => NO_COMMON_VERSION),
    rule!([Re(TlsReason::GnutlsUnsupportedVersion)] => NO_COMMON_VERSION),
    rule!([Re(TlsReason::NoProtocolsAvailable)] => NO_COMMON_VERSION),
    rule!([Re(TlsReason::WrongVersionNumber)] => NOT_TLS),
    rule!([Re(TlsReason::UnknownProtocol)] => NOT_TLS),
    rule!([Re(TlsReason::HttpRequest)] => NOT_TLS),
    rule!([Re(TlsReason::PacketLengthTooLong)] => NOT_TLS),
    rule!([Re(TlsReason::GnutlsUnexpectedPacket)] => NOT_TLS),
    rule!([Re(TlsReason::DhKeyTooSmall)] => DH_KEY_TOO_SMALL),
    rule!([Re(TlsReason::GnutlsDhPrimeUnacceptable)] => DH_KEY_TOO_SMALL),
    rule!([Re(TlsReason::CaMdTooWeak)] => WEAK_SIGNATURE),
    rule!([Re(TlsReason::LegacySigalg)] => WEAK_SIGNATURE),
    rule!([Re(TlsReason::EeKeyTooSmall)] => WEAK_KEY),
    rule!([Re(TlsReason::CaKeyTooSmall)] => WEAK_KEY),
    rule!([Re(TlsReason::NoSharedCipher)] => NO_SHARED_CIPHER),
    rule!([Re(TlsReason::NoSuitableKeyShare)] => NO_KEY_SHARE),
    rule!([Re(TlsReason::NoCiphersAvailable)] => NO_SHARED_CIPHER),
    rule!([Re(TlsReason::GnutlsNoSupportedCipher)] => NO_SHARED_CIPHER),
    rule!([Re(TlsReason::GnutlsCannotNegotiateCipher)] => NO_SHARED_CIPHER),
    rule!([Re(TlsReason::NoSuitableSignatureAlgorithm)] => NO_SHARED_CIPHER),
    rule!([Re(TlsReason::CertificateExpired)] => CERT_EXPIRED),
    rule!([Re(TlsReason::AlertCertificateExpired)] => CERT_EXPIRED),
    rule!([Re(TlsReason::CertificateNotYetValid)] => CERT_NOT_YET_VALID),
    rule!([Re(TlsReason::UnableToGetLocalIssuer)] => ISSUER_NOT_FOUND),
    rule!([Re(TlsReason::UnableToGetIssuer)] => ISSUER_NOT_FOUND),
    rule!([Re(TlsReason::UnableToVerifyLeaf)] => ISSUER_NOT_FOUND),
    rule!([Re(TlsReason::SelfSignedInChain)] => UNTRUSTED_ROOT_TOPIC),
    rule!([Re(TlsReason::SelfSigned)] => UNTRUSTED_ROOT_TOPIC),
    rule!([Re(TlsReason::HostnameMismatch)] => NAME_MISMATCH),
    rule!([Re(TlsReason::CertificateRevoked)] => REVOKED),
    rule!([Re(TlsReason::AlertHandshakeFailure)] => HANDSHAKE_ALERT),
    rule!([Re(TlsReason::GnutlsFatalAlert)] => HANDSHAKE_ALERT),
    rule!([Re(TlsReason::GnutlsPrematureTermination), Inbound] => CLOSED_IN_HANDSHAKE_INBOUND),
    rule!([Re(TlsReason::UnexpectedEof), Inbound] => CLOSED_IN_HANDSHAKE_INBOUND),
    rule!([Re(TlsReason::GnutlsPrematureTermination)] => CLOSED_IN_HANDSHAKE),
    rule!([Re(TlsReason::UnexpectedEof)] => CLOSED_IN_HANDSHAKE),
    rule!([Re(TlsReason::CertificateVerifyFailed), Inbound] => NOT_VERIFIED_INBOUND),
    rule!([Re(TlsReason::CertificateVerifyFailed)] => NOT_VERIFIED),
    rule!([Re(TlsReason::GnutlsCertificateInvalid)] => NOT_VERIFIED),
    // Exchange's detail of its last attempt.
    rule!([Ex(ExchangeDetail::SubjectMismatch)] => NAME_MISMATCH),
    rule!([Ex(ExchangeDetail::CertificateExpired)] => CERT_EXPIRED),
    rule!([Ex(ExchangeDetail::UntrustedRoot)] => UNTRUSTED_ROOT_TOPIC),
    rule!([Ex(ExchangeDetail::SelfSigned)] => UNTRUSTED_ROOT_TOPIC),
    rule!([Ex(ExchangeDetail::Revocation)] => REVOCATION_OFFLINE),
    rule!([Ex(ExchangeDetail::SignatureFailure)] => NOT_VERIFIED),
    rule!([Ex(ExchangeDetail::ConnectionRefused)] => CONNECTION_REFUSED),
    rule!([Ex(ExchangeDetail::TimedOut)] => CONNECTION_TIMED_OUT),
    rule!([Ex(ExchangeDetail::IllegalMessage)] => HANDSHAKE_FAILED),
    rule!([Ex(ExchangeDetail::StarttlsRequired)] => STARTTLS_REQUIRED),
    // Events that say what happened.
    rule!([Ev(Event::CertDoesNotMatchHost)] => GMAIL_CERTIFICATE),
    rule!([Ev(Event::ConnectionDropped)] => EXCHANGE_CONNECTION_DROPPED),
    rule!([Ev(Event::TlsNegotiationFailed)] => EXCHANGE_TLS_NEGOTIATION),
    rule!([Ev(Event::StarttlsRequired)] => STARTTLS_REQUIRED),
    rule!([Ev(Event::TlsNotAvailable)] => TLS_NOT_AVAILABLE),
    rule!([Ev(Event::TlsRequiredRefused)] => TLS_NOT_AVAILABLE),
    rule!([Ev(Event::TlsRequiredNotOffered)] => STARTTLS_NOT_OFFERED),
    rule!([Ev(Event::MtaStsCertificate)] => MTA_STS_CERTIFICATE),
    rule!([Ev(Event::MtaStsMx)] => MTA_STS_MX),
    rule!([Ev(Event::TlsaLookupError)] => DNSSEC_INVALID),
    // RFC 8460 result types, as Exchange Online writes them after its DANE codes.
    rule!([Rt(ResultType::StarttlsNotSupported)] => STARTTLS_NOT_OFFERED),
    rule!([Rt(ResultType::CertificateHostMismatch)] => NAME_MISMATCH),
    rule!([Rt(ResultType::CertificateExpired)] => CERT_EXPIRED),
    rule!([Rt(ResultType::TlsaInvalid)] => DANE_TLSA_INVALID),
    rule!([Rt(ResultType::DnssecInvalid)] => DNSSEC_INVALID),
    rule!([Rt(ResultType::DaneRequired)] => DANE_REQUIRED),
    // Enhanced status codes with a documented meaning.
    rule!([Enhanced(7, 320, 320)] => NOT_VERIFIED),
    rule!([Enhanced(7, 321, 321)] => STARTTLS_NOT_OFFERED),
    rule!([Enhanced(7, 322, 322)] => CERT_EXPIRED),
    rule!([Enhanced(7, 323, 323)] => DANE_TLSA_INVALID),
    rule!([Enhanced(7, 324, 324)] => DNSSEC_INVALID),
    rule!([Enhanced(7, 325, 325)] => NAME_MISMATCH),
    rule!([Enhanced(7, 326, 327)] => EXCHANGE_DANE_OTHER),
    rule!([Enhanced(4, 312, 312)] => DNS_QUERY_FAILED),
    rule!([Enhanced(4, 315, 315)] => CONNECTION_TIMED_OUT),
    rule!([Enhanced(4, 316, 316)] => CONNECTION_REFUSED),
    rule!([Enhanced(4, 317, 317)] => EXCHANGE_CANNOT_CONNECT),
    rule!([Enhanced(4, 318, 318)] => CLOSED_IN_HANDSHAKE),
    rule!([Enhanced(7, 28, 28)] => THROTTLED),
    rule!([Enhanced(7, 650, 650)] => THROTTLED),
    // Events that say only roughly what happened.
    rule!([Ev(Event::ServerCertNotVerified)] => NOT_VERIFIED),
    rule!([Ev(Event::CertVerificationFailed), Inbound] => NOT_VERIFIED_INBOUND),
    rule!([Ev(Event::CertVerificationFailed)] => NOT_VERIFIED),
    rule!([Ev(Event::UntrustedConnection)] => UNTRUSTED_CONNECTION),
    rule!([Cond::LegacyVersion, Ev(Event::TlsEstablished)] => LEGACY_NEGOTIATED),
    rule!([Ev(Event::ClosedAbruptly)] => CLOSED_IN_HANDSHAKE),
    rule!([Ev(Event::LostAfterStarttls)] => CLOSED_IN_HANDSHAKE_INBOUND),
    rule!([Ev(Event::HandshakeError), Inbound] => HANDSHAKE_FAILED_INBOUND),
    rule!([Ev(Event::HandshakeError)] => HANDSHAKE_FAILED),
    rule!([Ev(Event::Throttled)] => THROTTLED),
    rule!([Ev(Event::ConnectionRefused)] => CONNECTION_REFUSED),
    rule!([Ev(Event::ConnectionTimedOut)] => CONNECTION_TIMED_OUT),
    rule!([Ev(Event::DnsQueryFailed)] => DNS_QUERY_FAILED),
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn topics_are_unique_complete_and_reachable() {
        let mut ids = HashSet::new();
        for t in TOPICS {
            assert!(ids.insert(t.id), "duplicate topic {}", t.id);
            assert!(t
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()));
            assert!(!t.causes.is_empty() && !t.commands.is_empty(), "{}", t.id);
            assert!(
                RULES
                    .iter()
                    .any(|r| std::ptr::eq(r.topic, *t) || r.topic.id == t.id),
                "no rule leads to {}",
                t.id
            );
        }
        for r in RULES {
            assert!(ids.contains(r.topic.id), "{} is not in TOPICS", r.topic.id);
        }
    }

    /// docs/explain.md names every topic and every TLS reason it reads.
    #[test]
    fn every_topic_and_reason_is_documented() {
        let doc = include_str!("../../docs/explain.md");
        let missing: Vec<&str> = TOPICS
            .iter()
            .map(|t| t.id)
            .chain(TlsReason::ALL.iter().map(|r| r.as_str()))
            .filter(|word| !doc.contains(&format!("`{word}`")))
            .collect();
        assert!(missing.is_empty(), "not in docs/explain.md: {missing:?}");
    }

    #[test]
    fn every_tls_reason_has_a_rule() {
        for reason in TlsReason::ALL {
            assert!(
                RULES.iter().any(|r| r.when.contains(&Re(*reason))),
                "no rule for {reason}"
            );
        }
    }
}
