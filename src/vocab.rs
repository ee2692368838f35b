//! The typed vocabulary of the protocol and of the report: TLS versions, key types, statuses,
//! phases, failure kinds, verdicts. It sits at the bottom of the crate and imports nothing from
//! it, so every layer above can speak it.
//!
//! Each word has one spelling, given once: serde writes it in the JSON report, and
//! [`as_str`](TargetKind::as_str) and `Display` spell it the same way for the renderers (no code
//! asks serde for a variant's name). Words that are not a closed set ([`TlsVersion`] carries any
//! wire version, [`KeyType`] any algorithm OID) have their own serde impls.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares an enum whose variants are words: serde writes each variant as its word, and
/// `as_str`/`Display` spell it the same way.
macro_rules! words {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, schemars::JsonSchema,
        )]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $word)] $variant, )+
        }

        impl $name {
            /// Every word, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word as the JSON report spells it.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use words;

words! {
    /// What kind of target was given.
    pub enum TargetKind {
        /// A mail domain: its MX hosts are probed.
        Mx = "mx",
        /// A host name or IP address, probed itself.
        Host = "host",
    }
}

words! {
    /// Which address families are probed (`-4`, `-6`).
    pub enum Families {
        Any = "any",
        V4 = "ipv4",
        V6 = "ipv6",
    }
}

impl Families {
    /// The family left out by `-4` or `-6`.
    pub fn other(self) -> Option<Families> {
        match self {
            Families::Any => None,
            Families::V4 => Some(Families::V6),
            Families::V6 => Some(Families::V4),
        }
    }

    pub fn allows(self, ip: &IpAddr) -> bool {
        match self {
            Families::Any => true,
            Families::V4 => ip.is_ipv4(),
            Families::V6 => ip.is_ipv6(),
        }
    }
}

words! {
    /// `pass`, `fail` (an error finding) or `inconclusive` (nothing could be probed).
    pub enum Verdict {
        Pass = "pass",
        Fail = "fail",
        Inconclusive = "inconclusive",
    }
}

impl Verdict {
    /// The overall verdict: any fail fails; else any inconclusive is inconclusive; else pass.
    pub fn overall(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
        let mut v = Verdict::Pass;
        for t in verdicts {
            match t {
                Verdict::Fail => return Verdict::Fail,
                Verdict::Inconclusive => v = Verdict::Inconclusive,
                Verdict::Pass => {}
            }
        }
        v
    }
}

words! {
    /// What a version probe found.
    pub enum VersionStatus {
        /// The server completed a ServerHello (or handshake) at this version.
        Accepted = "accepted",
        /// The server refused it (alert, another version, or closed the connection).
        Rejected = "rejected",
        /// The probe could not tell (timeout, connection or SMTP failure).
        Error = "error",
    }
}

words! {
    /// One side of the SMTP conversation.
    pub enum Direction {
        /// What tlscheck sent.
        Client = "C",
        /// What the server sent.
        Server = "S",
    }
}

words! {
    /// What one revocation source said.
    pub enum RevocationStatus {
        /// Verified answer: not revoked.
        Good = "good",
        /// Verified answer: revoked (see `revoked_at`, `reason`).
        Revoked = "revoked",
        /// The OCSP responder does not know the certificate.
        Unknown = "unknown",
        /// No HTTP answer from here (DNS, connect, timeout): a firewall question.
        Unreachable = "unreachable",
        /// The server answered with an HTTP error status.
        HttpError = "http-error",
        /// Not fetched: the URL's scheme or destination is not allowed (`file:`, private address).
        Refused = "refused",
        /// An answer came but cannot be used: unparseable, too large, bad signature, wrong issuer.
        Invalid = "invalid",
        /// The OCSP responder answered with an error status (`tryLater`, `unauthorized`, ...).
        ResponderError = "responder-error",
        /// An answer came but its signature could not be checked (no issuer certificate here).
        Unverified = "unverified",
    }
}

words! {
    /// The SMTP/TLS phase in which a session stopped.
    pub enum Phase {
        Dns = "dns",
        Connect = "connect",
        Greeting = "greeting",
        Ehlo = "ehlo",
        Starttls = "starttls",
        Handshake = "handshake",
        TlsEhlo = "tls-ehlo",
        Quit = "quit",
    }
}

words! {
    /// A stable classification of what went wrong.
    pub enum FailureKind {
        /// The per-phase timeout elapsed.
        Timeout = "timeout",
        /// The whole-run deadline elapsed.
        Deadline = "deadline",
        /// TCP connection refused (RST).
        Refused = "refused",
        /// No route / network or host unreachable.
        Unreachable = "unreachable",
        /// The server closed or reset the connection.
        Closed = "closed",
        /// Another I/O error.
        Io = "io",
        /// The server answered with a 4xx/5xx reply (see `reply`).
        Rejected = "rejected",
        /// The server is limiting us (421, "too many connections").
        Throttled = "throttled",
        /// The server's bytes broke the protocol or a limit.
        Protocol = "protocol",
        /// The TLS handshake failed.
        Tls = "tls",
        /// Plaintext was buffered after the 220 to STARTTLS.
        PlaintextInjection = "plaintext-injection",
        /// The name does not exist (NXDOMAIN).
        Nxdomain = "nxdomain",
        /// The name exists but has no records of the type asked (NODATA).
        NoData = "no-data",
        /// The DNS query failed (SERVFAIL, REFUSED, timeout, ...).
        DnsFailure = "dns-failure",
        /// The name is not a usable host name (an IP literal or invalid characters in an MX target).
        BadName = "bad-name",
        /// The port answered a TLS ClientHello where an SMTP greeting was awaited: it expects TLS
        /// at once (SMTPS, `--implicit-tls`).
        TlsExpected = "tls-expected",
        /// The port sent a plaintext SMTP reply where TLS was awaited (`--implicit-tls` on a
        /// STARTTLS port).
        PlaintextSmtp = "plaintext-smtp",
    }
}

words! {
    /// A stable classification of chain validation failures.
    pub enum ChainErrorKind {
        Expired = "expired",
        NotYetValid = "not-yet-valid",
        UnknownIssuer = "unknown-issuer",
        BadSignature = "bad-signature",
        /// A certificate is signed with an algorithm the verifier does not accept (SHA-1, MD5,
        /// or a key it does not take): the signature is not checked, not found wrong.
        UnsupportedSignature = "unsupported-signature",
        NotServerAuth = "not-server-auth",
        Malformed = "malformed",
        /// No certificate was seen: the server spoke only a TLS 1.3 our client could not finish,
        /// and TLS 1.3 encrypts the certificate. Nothing was checked.
        NotSeen = "not-seen",
        Other = "other",
    }
}

words! {
    /// Where an anchor came from.
    pub enum AnchorSource {
        /// The selected trust store.
        TrustStore = "trust-store",
        /// An anchor certificate carried by the selected profile (not in the trust store).
        Profile = "profile",
    }
}

words! {
    /// What an endpoint serves.
    pub enum EndpointKind {
        /// A CRL distribution point.
        Crl = "crl",
        /// An OCSP responder.
        Ocsp = "ocsp",
        /// A CA-issuers URL (the issuer's certificate).
        CaIssuers = "ca-issuers",
        /// A URL given with `--url` whose kind could not be told: fetched with GET.
        Other = "other",
    }
}

impl EndpointKind {
    /// The kind a bare URL most likely is, from its file name or host.
    pub fn guess(url: &str) -> Self {
        let lower = url.to_ascii_lowercase();
        let path = lower.split(['?', '#']).next().unwrap_or_default();
        if path.ends_with(".crl") {
            EndpointKind::Crl
        } else if [".crt", ".cer", ".der", ".p7c"]
            .iter()
            .any(|e| path.ends_with(e))
        {
            EndpointKind::CaIssuers
        } else if lower.contains("ocsp") {
            EndpointKind::Ocsp
        } else {
            EndpointKind::Other
        }
    }
}

words! {
    /// How strong a cipher suite is (`--ciphers`): AEAD with forward secrecy, or something
    /// current guidance advises against, or something broken.
    pub enum SuiteStrength {
        Strong = "strong",
        Weak = "weak",
        Insecure = "insecure",
    }
}

words! {
    /// What our own TLS client (rustls) refused or cannot speak, though other senders may: why a
    /// TLS fact comes from a raw probe, or was taken without a check. Never the server's fault.
    pub enum ClientLimit {
        /// rustls does not accept RSA keys under 2048 bits: the server's handshake signature was
        /// not verified (the handshake was completed without that check).
        RsaKeyUnder2048 = "rsa-key-under-2048",
        /// rustls does not accept RSA keys over 8192 bits (OpenSSL takes up to 16384): the
        /// server's handshake signature was not verified.
        RsaKeyOver8192 = "rsa-key-over-8192",
        /// rustls has no DHE key exchange: the TLS facts come from the server's answer to a raw
        /// ClientHello.
        NoDhe = "no-dhe",
        /// rustls has no static-RSA key exchange: the TLS facts come from a raw ClientHello.
        NoStaticRsa = "no-static-rsa",
        /// rustls does not implement the suite the server chose (CBC, 3DES, CCM, ...): the TLS
        /// facts come from a raw ClientHello.
        SuiteNotInRustls = "suite-not-in-rustls",
        /// rustls speaks TLS 1.2 and 1.3 only: the TLS facts come from a raw ClientHello.
        OnlyTls12Up = "only-tls1.2-up",
        /// rustls does not implement the group the server chose (finite-field groups,
        /// secp521r1, x448, ...): the TLS facts come from a raw ClientHello.
        GroupNotInRustls = "group-not-in-rustls",
    }
}

impl ClientLimit {
    /// What it means, in a sentence.
    pub fn describe(self) -> &'static str {
        match self {
            ClientLimit::RsaKeyUnder2048 => "rustls does not accept RSA keys under 2048 bits: the server's handshake signature was not verified",
            ClientLimit::RsaKeyOver8192 => "rustls does not accept RSA keys over 8192 bits: the server's handshake signature was not verified",
            ClientLimit::NoDhe => "rustls has no DHE key exchange: these facts come from the server's answer to a raw ClientHello",
            ClientLimit::NoStaticRsa => "rustls has no static-RSA key exchange: these facts come from the server's answer to a raw ClientHello",
            ClientLimit::SuiteNotInRustls => "rustls does not implement the suite the server chose (CBC, 3DES, CCM, ...): these facts come from the server's answer to a raw ClientHello",
            ClientLimit::OnlyTls12Up => "rustls speaks only TLS 1.2 and 1.3: these facts come from the server's answer to a raw ClientHello",
            ClientLimit::GroupNotInRustls => "rustls does not implement the group the server chose (finite-field, secp521r1, x448, ...): these facts come from the server's answer to a raw ClientHello",
        }
    }
}

words! {
    /// How one endpoint of `tlscheck endpoints` answered.
    pub enum EndpointStatus {
        /// It answered with what it should serve.
        Ok = "ok",
        /// No HTTP answer from here (DNS, connect, timeout): a firewall question.
        Unreachable = "unreachable",
        /// It answered with an HTTP error status.
        HttpError = "http-error",
        /// Not fetched: the URL's scheme or destination is not allowed.
        Refused = "refused",
        /// It answered, but not with what it should serve.
        Invalid = "invalid",
    }
}

/// A TLS protocol version, as a ServerHello or a handshake names it.
///
/// Versions are ordered ([`PartialOrd`]) from SSL 3.0 to TLS 1.3; a version tlscheck does not
/// know (`Other`, e.g. a draft) compares with nothing, so it never meets a minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsVersion {
    Ssl3,
    Tls10,
    Tls11,
    Tls12,
    Tls13,
    /// Any other wire version, spelled `0x....`.
    Other(u16),
}

impl TlsVersion {
    /// The version of a wire code (`0x0303` = TLS 1.2).
    pub const fn from_wire(v: u16) -> Self {
        match v {
            0x0300 => Self::Ssl3,
            0x0301 => Self::Tls10,
            0x0302 => Self::Tls11,
            0x0303 => Self::Tls12,
            0x0304 => Self::Tls13,
            other => Self::Other(other),
        }
    }

    /// What a person types: `1.2`, `tls1.2`, `TLSv1.2` (and the same for 1.0, 1.1, 1.3).
    pub fn parse(s: &str) -> Option<Self> {
        let lower = s.trim().to_ascii_lowercase();
        let v = lower
            .trim_start_matches("tlsv")
            .trim_start_matches("tls")
            .trim_start_matches('v');
        match v {
            "1.0" | "1" => Some(Self::Tls10),
            "1.1" => Some(Self::Tls11),
            "1.2" => Some(Self::Tls12),
            "1.3" => Some(Self::Tls13),
            _ => None,
        }
    }

    /// The report's spelling (`TLSv1.2`, `SSLv3`, `0x7f1c`) read back.
    pub fn from_label(s: &str) -> Option<Self> {
        match s {
            "SSLv3" => Some(Self::Ssl3),
            "TLSv1.0" => Some(Self::Tls10),
            "TLSv1.1" => Some(Self::Tls11),
            "TLSv1.2" => Some(Self::Tls12),
            "TLSv1.3" => Some(Self::Tls13),
            _ => {
                let hex = s.strip_prefix("0x")?;
                if hex.len() != 4 {
                    return None;
                }
                u16::from_str_radix(hex, 16).ok().map(Self::from_wire)
            }
        }
    }

    /// The report's spelling: `TLSv1.2`, `SSLv3`, or `0x7f1c` for a version without a name.
    pub fn label(self) -> Cow<'static, str> {
        match self {
            Self::Ssl3 => "SSLv3".into(),
            Self::Tls10 => "TLSv1.0".into(),
            Self::Tls11 => "TLSv1.1".into(),
            Self::Tls12 => "TLSv1.2".into(),
            Self::Tls13 => "TLSv1.3".into(),
            Self::Other(v) => format!("0x{v:04x}").into(),
        }
    }

    /// Position from SSL 3.0 up; `None` for a version without a name.
    const fn rank(self) -> Option<u8> {
        match self {
            Self::Ssl3 => Some(0),
            Self::Tls10 => Some(1),
            Self::Tls11 => Some(2),
            Self::Tls12 => Some(3),
            Self::Tls13 => Some(4),
            Self::Other(_) => None,
        }
    }

    /// This version is `minimum` or newer. A version without a name meets no minimum.
    pub fn meets(self, minimum: Self) -> bool {
        matches!(
            self.partial_cmp(&minimum),
            Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
        )
    }

    /// The higher of two versions (`self` when they do not compare).
    pub fn max(self, other: Self) -> Self {
        if other > self {
            other
        } else {
            self
        }
    }
}

impl PartialOrd for TlsVersion {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        match (self.rank(), other.rank()) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ if self == other => Some(std::cmp::Ordering::Equal),
            _ => None,
        }
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl Serialize for TlsVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.label())
    }
}

impl<'de> Deserialize<'de> for TlsVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        Self::from_label(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{s:?} is not a TLS version (TLSv1.2, SSLv3, 0x7f1c)"
            ))
        })
    }
}

impl JsonSchema for TlsVersion {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "TlsVersion".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({ "type": "string" })
    }
}

/// The type of a certificate's public key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyType {
    Rsa,
    Ec,
    Ed25519,
    Ed448,
    Dsa,
    /// Any other algorithm, by its OID (`1.2.840.10045.2.1` style).
    Other(String),
}

impl KeyType {
    /// `RSA`, `EC`, `Ed25519`, `Ed448`, `DSA`, or the OID.
    pub fn as_str(&self) -> &str {
        match self {
            KeyType::Rsa => "RSA",
            KeyType::Ec => "EC",
            KeyType::Ed25519 => "Ed25519",
            KeyType::Ed448 => "Ed448",
            KeyType::Dsa => "DSA",
            KeyType::Other(oid) => oid,
        }
    }

    fn from_word(s: &str) -> Self {
        match s {
            "RSA" => KeyType::Rsa,
            "EC" => KeyType::Ec,
            "Ed25519" => KeyType::Ed25519,
            "Ed448" => KeyType::Ed448,
            "DSA" => KeyType::Dsa,
            other => KeyType::Other(other.to_string()),
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for KeyType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for KeyType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Cow::<'de, str>::deserialize(d).map(|s| Self::from_word(&s))
    }
}

impl JsonSchema for KeyType {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "KeyType".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({ "type": "string" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_order_and_spell() {
        assert_eq!(TlsVersion::parse("1.2"), Some(TlsVersion::Tls12));
        assert_eq!(TlsVersion::parse("TLSv1.3"), Some(TlsVersion::Tls13));
        assert_eq!(TlsVersion::parse("tls1.1"), Some(TlsVersion::Tls11));
        assert_eq!(TlsVersion::parse("1.4"), None);
        assert!(TlsVersion::Tls12 < TlsVersion::Tls13);
        assert!(TlsVersion::Ssl3 < TlsVersion::Tls10);
        assert_eq!(TlsVersion::Tls12.label(), "TLSv1.2");
        assert_eq!(TlsVersion::from_wire(0x0301), TlsVersion::Tls10);
        assert_eq!(TlsVersion::from_wire(0x7f1c).label(), "0x7f1c");
        // A version without a name never meets a minimum.
        let draft = TlsVersion::Other(0x7f1c);
        assert_eq!(draft.partial_cmp(&TlsVersion::Tls12), None);
        assert!(!draft.meets(TlsVersion::Tls10));
        assert!(TlsVersion::Tls13.meets(TlsVersion::Tls12));
        assert!(TlsVersion::Tls12.meets(TlsVersion::Tls12));
        assert!(!TlsVersion::Tls11.meets(TlsVersion::Tls12));
        assert_eq!(TlsVersion::Tls12.max(TlsVersion::Tls13), TlsVersion::Tls13);
        for v in [0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f1c] {
            let v = TlsVersion::from_wire(v);
            assert_eq!(TlsVersion::from_label(&v.label()), Some(v));
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(serde_json::from_str::<TlsVersion>(&json).unwrap(), v);
        }
        assert!(serde_json::from_str::<TlsVersion>("\"TLS 1.2\"").is_err());
        assert!(serde_json::from_str::<TlsVersion>("\"0x12\"").is_err());
    }

    #[test]
    fn words_spell_as_serde_writes_them() {
        for k in FailureKind::ALL {
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::Value::from(k.as_str())
            );
        }
        for s in RevocationStatus::ALL {
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::from(s.as_str())
            );
        }
        assert_eq!(Direction::Client.to_string(), "C");
        assert_eq!(Phase::TlsEhlo.as_str(), "tls-ehlo");
    }

    #[test]
    fn key_types_round_trip_any_oid() {
        for k in ["RSA", "EC", "Ed25519", "Ed448", "DSA", "1.2.3.4"] {
            let t: KeyType = serde_json::from_value(serde_json::Value::from(k)).unwrap();
            assert_eq!(t.as_str(), k);
        }
        assert_eq!(
            KeyType::from_word("1.3.101.110"),
            KeyType::Other("1.3.101.110".into())
        );
    }

    #[test]
    fn overall_verdict() {
        use Verdict::*;
        assert_eq!(Verdict::overall([Pass, Inconclusive]), Inconclusive);
        assert_eq!(Verdict::overall([Inconclusive, Fail, Pass]), Fail);
        assert_eq!(Verdict::overall([]), Pass);
    }

    #[test]
    fn endpoint_kinds_are_guessed_from_the_url() {
        assert_eq!(EndpointKind::guess("http://x/a.crl?x"), EndpointKind::Crl);
        assert_eq!(
            EndpointKind::guess("http://x/ca.p7c"),
            EndpointKind::CaIssuers
        );
        assert_eq!(EndpointKind::guess("http://ocsp.x/"), EndpointKind::Ocsp);
        assert_eq!(EndpointKind::guess("https://x/"), EndpointKind::Other);
    }
}

words! {
    /// The DNSSEC state of an answer, as validated by tlscheck itself (RFC 4035 §4.3).
    pub enum DnssecState {
        /// Signed, and the signatures chain up to a trust anchor.
        Secure = "secure",
        /// Provably unsigned (no DS at a delegation on the way down).
        Insecure = "insecure",
        /// Signed, but the signatures or the denial do not validate: a DNSSEC sender treats this
        /// as an attack and does not deliver.
        Bogus = "bogus",
        /// Could not be decided (no trust anchor covers the name, or the lookup failed).
        Indeterminate = "indeterminate",
    }
}

words! {
    /// What DANE (RFC 7672) means for one MX host, from its DNS alone.
    pub enum DaneHostStatus {
        /// The host's address records are not DNSSEC-secure: DANE does not apply and TLSA was not
        /// queried (RFC 7672 §2.2).
        NotApplicable = "not-applicable",
        /// Secure address records, and a secure denial of TLSA records: no DANE.
        NoTlsa = "no-tlsa",
        /// Secure TLSA records, at least one of them usable for SMTP (DANE-TA or DANE-EE).
        Usable = "usable",
        /// Secure TLSA records, none usable (PKIX-TA/PKIX-EE, unknown parameters): TLS is still
        /// mandatory, but unauthenticated (RFC 7672 §3.1).
        Unusable = "unusable",
        /// The address or TLSA records (or their denial) failed DNSSEC validation.
        Bogus = "bogus",
        /// A lookup failed (SERVFAIL, timeout, indeterminate): DANE senders defer.
        LookupFailed = "lookup-failed",
    }
}

words! {
    /// What a DANE sender makes of one address of a host with usable TLSA records.
    pub enum DaneAddressStatus {
        /// A usable TLSA record matched the presented chain.
        Matched = "matched",
        /// No usable TLSA record matched: a DANE sender defers.
        Mismatch = "mismatch",
        /// The server offered no STARTTLS: a DANE sender defers (RFC 7672 §2.2).
        StarttlsMissing = "starttls-missing",
        /// TLS could not be established (or no chain was seen): a DANE sender defers.
        NoTls = "no-tls",
        /// The TLSA records exist but none is usable: TLS is mandatory, without authentication.
        Unauthenticated = "unauthenticated",
    }
}

words! {
    /// The `mode` of an MTA-STS policy (RFC 8461 §3.2).
    pub enum StsMode {
        Enforce = "enforce",
        Testing = "testing",
        None = "none",
    }
}

words! {
    /// The outcome of a domain's MTA-STS discovery and policy fetch.
    pub enum MtaStsStatus {
        /// A valid TXT record and a valid policy.
        Valid = "valid",
        /// No `v=STSv1` TXT record at `_mta-sts.<domain>`: the domain has no MTA-STS.
        Missing = "missing",
        /// The TXT record or the policy is malformed (or more than one TXT record).
        Invalid = "invalid",
        /// The TXT record is there but the policy could not be fetched (HTTPS, certificate,
        /// redirect, status, size, time).
        FetchFailed = "fetch-failed",
        /// The TXT lookup failed (SERVFAIL, timeout).
        LookupFailed = "lookup-failed",
    }
}

words! {
    /// The outcome of a domain's TLS-RPT lookup (RFC 8460).
    pub enum TlsRptStatus {
        Valid = "valid",
        Missing = "missing",
        Invalid = "invalid",
        LookupFailed = "lookup-failed",
    }
}
