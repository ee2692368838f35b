//! The Report: what tlscheck observed, as plain serde data with no judgement in it.
//!
//! The facts are the body of a versioned wire format, documented field by field in
//! `docs/report-schema.md`: [`SCHEMA_VERSION`] changes on any breaking change (a removed or
//! renamed field, a changed meaning); adding a field is not breaking. Judgements (findings and
//! verdicts) are not here: `diagnose` computes them from the facts into a
//! [`crate::judged::Judged`], whose JSON form carries both so a saved report is self-contained.

use std::net::{IpAddr, SocketAddr};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::smtp::reply::ReplySummary;
use crate::vocab::{
    AnchorSource, ChainErrorKind, ClientLimit, DaneAddressStatus, DaneHostStatus, Direction,
    DnssecState, EndpointKind, EndpointStatus, FailureKind, Families, KeyType, MtaStsStatus, Phase,
    RevocationStatus, StsMode, TargetKind, TlsRptStatus, TlsVersion, Verdict, VersionStatus,
};

/// Version of the JSON report format.
pub const SCHEMA_VERSION: u32 = 1;

/// What a run of `tlscheck mx` or `tlscheck host` observed: how it ran, and per target the facts.
#[derive(Debug, Clone)]
pub struct Report {
    pub run: Run,
    /// One per domain or host given.
    pub targets: Vec<TargetReport>,
}

/// How and when the run was made.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Run {
    pub tool: Tool,
    /// When the run started (RFC 3339, UTC); findings about validity dates are judged at this
    /// time.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub started_at: OffsetDateTime,
    /// Wall time of the probing.
    pub duration_ms: u64,
    pub options: RunOptions,
}

/// The tlscheck that wrote the report.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn this() -> Self {
        Self {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// The options the run used, so a report says how it was made.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RunOptions {
    /// `mx` or `host`.
    #[schemars(with = "String")]
    pub command: TargetKind,
    pub port: u16,
    /// TLS at once (SMTPS) instead of STARTTLS.
    pub implicit_tls: bool,
    /// The EHLO name, or `[local address]` when the local address literal was used.
    pub ehlo: String,
    /// Per-phase timeout.
    pub timeout_ms: u64,
    /// Whole-run deadline.
    pub deadline_ms: u64,
    pub concurrency: usize,
    /// `--per-ip`: most connections open to one IP address at a time (0 in reports written before
    /// the option existed).
    #[serde(default)]
    pub per_ip: usize,
    /// `--ip-delay`: least time between the starts of two connections to one IP address.
    #[serde(default)]
    pub ip_delay_ms: u64,
    /// `any`, `ipv4` or `ipv6`.
    #[schemars(with = "String")]
    pub families: Families,
    /// `system`, the resolver address given with `--resolver`, or `none` when no DNS was needed.
    pub resolver: String,
    /// `webpki`, `system` or `file:PATH`.
    pub trust_store: String,
    /// The expect profile's name (`--expect`; `--profile` before).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub profile: Option<String>,
    /// The sender profile's name (`--sender`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sender: Option<String>,
    /// `--forced-tls` (or `forced_tls` in the sender profile): the sender validated the
    /// certificate; absent when opportunistic.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub forced_tls: bool,
    /// `--require-tls`: `TLSv1.2` or `TLSv1.3`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub require_tls: Option<TlsVersion>,
    /// `--ciphers`: cipher suites were enumerated.
    #[serde(default)]
    pub ciphers: bool,
    /// Revocation (CRL, OCSP) was checked; `false` with `--no-revocation`.
    #[serde(default)]
    pub revocation: bool,
    /// DANE, MTA-STS and TLS-RPT were looked up; `false` with `--no-policy`.
    #[serde(default)]
    pub policy: bool,
    /// The `--dnssec-anchor` files given (the IANA root keys are always trusted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dnssec_anchors: Vec<String>,
    /// `--shard K/N`: the report holds only this shard's targets (`tlscheck report` merges the
    /// shards' reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::Shard>,
    /// `--allow-private-fetch`: revocation URLs could point at private/loopback addresses.
    #[serde(default)]
    pub allow_private_fetch: bool,
    /// `--client-cert`: the client certificate file presented when a server asked for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert: Option<String>,
    /// `--name`: the host name used for SNI and the name check of the addresses given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// SNI was sent (`false` with `--no-sni`).
    #[serde(default = "yes")]
    pub sni: bool,
    /// `MAIL FROM:<>` was sent before STARTTLS (`false` with `--no-mail-probe`).
    #[serde(default)]
    pub mail_probe: bool,
    /// `--expiry-warn`: certificates expiring within this many days are warned about (0: never;
    /// 30 in reports written before the option existed).
    #[serde(default = "default_expiry_warn")]
    pub expiry_warn_days: u32,
}

/// Default `--expiry-warn`: Let's Encrypt renews 30 days before expiry, so a certificate that
/// close to its end has missed a renewal (testssl.sh warns at 60). Here because saved reports
/// without the option are re-judged with it.
pub const DEFAULT_EXPIRY_WARN_DAYS: u32 = 30;

fn default_expiry_warn() -> u32 {
    DEFAULT_EXPIRY_WARN_DAYS
}

/// One domain or host given on the command line.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TargetReport {
    /// What the user typed.
    pub input: String,
    pub kind: TargetKind,
    /// The ASCII (IDNA) name that was looked up, or the IP literal.
    pub name: String,
    /// MX records as published, by preference. For a host target, looked up only when the host
    /// has no address records (the name may be a mail domain).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mx: Vec<MxRecord>,
    /// MX records published beyond the ones used (see docs/limits.md).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub mx_dropped: usize,
    /// The domain publishes a null MX (RFC 7505): it accepts no mail.
    #[serde(default)]
    pub null_mx: bool,
    /// The domain has no MX, so its own A/AAAA are used (RFC 5321 §5.1).
    #[serde(default)]
    pub implicit_mx: bool,
    /// The MX lookup failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_error: Option<Failure>,
    /// The MX hosts (or the given host).
    pub hosts: Vec<HostReport>,
    /// MTA-STS and TLS-RPT of a mail domain (absent with `--no-policy` and for host targets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyFacts>,
}

/// A mail domain's published transport-security policy: MTA-STS (RFC 8461) and TLS-RPT (RFC 8460).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PolicyFacts {
    pub mta_sts: MtaStsFacts,
    pub tls_rpt: TlsRptFacts,
}

/// MTA-STS discovery (the TXT record) and the policy fetched over HTTPS.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MtaStsFacts {
    pub status: MtaStsStatus,
    /// The TXT records found at `_mta-sts.<domain>` (each record's strings joined), all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub txt: Vec<String>,
    /// The `id` of the one valid `v=STSv1` record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The parsed policy, when it was fetched and is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<StsPolicy>,
    /// The HTTPS fetch of the policy (absent when there was no valid TXT record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetch: Option<PolicyFetch>,
    /// Why the status is not `valid` or `missing`: the syntax error, the lookup failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A valid MTA-STS policy (RFC 8461 §3.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StsPolicy {
    pub mode: StsMode,
    /// Seconds (0 to 31557600).
    pub max_age: u32,
    /// The `mx` patterns, in order (`*.example.com` matches exactly one leftmost label).
    #[serde(default)]
    pub mx: Vec<String>,
}

/// The HTTPS GET of `https://mta-sts.<domain>/.well-known/mta-sts.txt`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct PolicyFetch {
    pub url: String,
    /// The HTTP status, when a response came back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The `Location` of a redirect (which MTA-STS forbids: RFC 8461 §3.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Body size read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Why the fetch failed (connection, certificate, status, size, time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub ms: u64,
}

/// TLS-RPT (RFC 8460): where senders report TLS failures.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TlsRptFacts {
    pub status: TlsRptStatus,
    /// The TXT records found at `_smtp._tls.<domain>` (each record's strings joined).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
    /// The report destinations (`mailto:` and `https:` URIs) of the one valid record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rua: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// DANE (RFC 7672) for one MX host: the DNSSEC state of its records and its TLSA records.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DaneHost {
    pub status: DaneHostStatus,
    /// The DNSSEC state of the host's address records (A/AAAA, and the CNAME chain to them).
    pub dnssec: DnssecState,
    /// The name whose TLSA records were used (`_25._tcp.<host>`, or of the CNAME's target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlsa_name: Option<String>,
    /// The DNSSEC state of the TLSA answer (absent when TLSA was not queried).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlsa_dnssec: Option<DnssecState>,
    /// The TLSA records (only ever from a secure answer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tlsa: Vec<TlsaRecord>,
    /// The Extended DNS Error (RFC 8914) the resolver sent, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ede: Option<ExtendedDnsError>,
    /// What went wrong with a lookup or a validation, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl DaneHost {
    /// A host whose DANE lookups did not finish (or could not start), and why.
    pub fn lookup_failed(why: impl Into<String>) -> Self {
        Self {
            status: DaneHostStatus::LookupFailed,
            dnssec: DnssecState::Indeterminate,
            tlsa_name: None,
            tlsa_dnssec: None,
            tlsa: vec![],
            ede: None,
            error: Some(why.into()),
        }
    }
}

/// One TLSA record (RFC 6698 §2.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TlsaRecord {
    /// 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    pub usage: u8,
    /// 0 the full certificate, 1 the SubjectPublicKeyInfo.
    pub selector: u8,
    /// 0 exact, 1 SHA-256, 2 SHA-512.
    pub matching: u8,
    /// The association data, lower-case hex.
    pub data: String,
}

/// An Extended DNS Error (RFC 8914).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExtendedDnsError {
    /// The INFO-CODE (6 = DNSSEC Bogus).
    pub code: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// What a DANE sender makes of one address.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DaneAddress {
    pub status: DaneAddressStatus,
    /// The TLSA record that matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<TlsaRecord>,
    /// Which presented certificate it matched: 0 (the leaf) for DANE-EE, the trust anchor's depth
    /// for DANE-TA; absent when the anchor is the record's own certificate or key (`2 0 0`,
    /// `2 1 0`) and the server did not send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_depth: Option<usize>,
    /// Why no record matched, one reason per usable record (or why the check could not run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// What an MTA-STS sender makes of one address, under the domain's policy.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MtaStsAddress {
    /// The MX host matches one of the policy's `mx` patterns.
    pub mx_covered: bool,
    /// The pattern it matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// STARTTLS, TLS 1.2 or later, a chain valid against the trust store and a certificate name
    /// matching the MX host.
    pub passes: bool,
    /// Why it does not pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// One published MX record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MxRecord {
    pub preference: u16,
    pub exchange: String,
}

/// An MX host (or the given host) and its addresses.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct HostReport {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preference: Option<u16>,
    /// The name is an alias (CNAME) of this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cname: Option<String>,
    /// The address lookup failed or found nothing (kind `bad-name`: an MX target that is an IP
    /// literal or not a valid host name, which is then not probed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_error: Option<Failure>,
    pub addresses: Vec<AddressReport>,
    /// With `-4` or `-6`: the host's addresses of the other family, looked up only when the
    /// family asked for has none (they were not probed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_family: Vec<IpAddr>,
    /// DANE: the DNSSEC state and TLSA records of an MX host (absent with `--no-policy` and for
    /// host targets given as IP addresses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dane: Option<DaneHost>,
}

/// What one SMTP session to one address found.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AddressReport {
    /// Where tlscheck connected.
    pub ip: IpAddr,
    pub port: u16,
    /// TLS at once (SMTPS) instead of STARTTLS.
    pub implicit_tls: bool,
    /// The host name given with `--name`: used for SNI, the certificate name check and the report
    /// instead of a name the address was found by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub smtp: SmtpFacts,
    /// The TLS facts, when a handshake completed or a raw probe got a ServerHello.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsFacts>,
    /// Which TLS versions the server accepts, from separate connections (absent when TLS could
    /// not be reached: no STARTTLS, refused, throttled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Versions>,
    /// Accepted cipher suites per version, with `--ciphers` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ciphers: Option<Vec<CipherList>>,
    pub timings_ms: Timings,
    /// Where and why the session stopped early; absent when it ran to QUIT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
    /// DANE for this address (only when the host has TLSA records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dane: Option<DaneAddress>,
    /// MTA-STS for this address (only when the domain has a valid policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mta_sts: Option<MtaStsAddress>,
}

/// Milliseconds spent in each phase (absent when the phase did not run).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Timings {
    /// Waited for a connection slot to the address (`--per-ip`, `--ip-delay`) before connecting;
    /// absent when there was no wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ehlo: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starttls: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// The SMTP conversation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct SmtpFacts {
    /// The greeting reply (RFC 5321 §4.3.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<ReplySummary>,
    /// The reply to the first EHLO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ehlo: Option<ReplySummary>,
    /// Keywords of the first (plaintext) EHLO reply, e.g. `SIZE 10240000`.
    #[serde(default)]
    pub ehlo_keywords: Vec<String>,
    /// The EHLO reply advertised STARTTLS.
    pub starttls_offered: bool,
    /// The reply to `MAIL FROM:<>` sent in plaintext after EHLO, before STARTTLS (no RCPT, no
    /// message; `--no-mail-probe` leaves it out). Absent when not asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_reply: Option<ReplySummary>,
    /// The reply to the `RSET` sent after that MAIL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rset_reply: Option<ReplySummary>,
    /// The server requires TLS before mail: `true` when MAIL got 530 (RFC 3207 §4) or another
    /// 4xx/5xx naming STARTTLS/TLS; `false` when MAIL got 250 (opportunistic TLS); absent when not
    /// asked or the reply says neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_required: Option<bool>,
    /// Why the MAIL probe stopped the connection it ran on (421, a timeout, the server closed
    /// it); the session then went on over a new connection without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_probe_lost: Option<String>,
    /// The reply to STARTTLS (RFC 3207 §4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starttls_reply: Option<ReplySummary>,
    /// Keywords of the EHLO sent inside TLS; the plaintext ones are discarded (RFC 3207 §4.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_ehlo_keywords: Option<Vec<String>>,
    /// The conversation, line by line (bounded; see `transcript_dropped`).
    #[serde(default)]
    pub transcript: Vec<TranscriptLine>,
    /// Transcript lines not kept past the limit.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub transcript_dropped: usize,
}

fn yes() -> bool {
    true
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One line of the SMTP conversation: `dir` is `C` (client) or `S` (server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TranscriptLine {
    /// `C` (client) or `S` (server).
    #[schemars(with = "String")]
    pub dir: Direction,
    pub line: String,
}

/// TLS versions accepted by the server, each from its own connection (TLS 1.3 and 1.2 with
/// rustls, 1.0 and 1.1 with raw ClientHellos, and raw TLS 1.3/1.2 hellos where rustls was refused).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Versions {
    /// TLS 1.0 (raw ClientHello).
    pub tls1_0: VersionStatus,
    /// TLS 1.1 (raw ClientHello).
    pub tls1_1: VersionStatus,
    /// TLS 1.2 (rustls).
    pub tls1_2: VersionStatus,
    /// TLS 1.3 (rustls).
    pub tls1_3: VersionStatus,
    /// The raw TLS 1.2 hello (every suite) got a static-RSA suite (`accepted`) or was refused
    /// (`rejected`); absent when it did not run or got an ephemeral suite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_rsa: Option<VersionStatus>,
    /// The size of the DH prime, in bits, when the raw TLS 1.2 hello got a DHE suite: what a
    /// TLS 1.2 sender gets, even when the main session spoke TLS 1.3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls12_dh_bits: Option<u32>,
    /// Each probe: what was offered and what came back.
    #[serde(default)]
    pub probes: Vec<VersionProbe>,
}

/// The suites accepted at one version, in the order the server picked them.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CipherList {
    /// `TLSv1.3`, `TLSv1.2`, ...
    pub version: TlsVersion,
    /// IANA names, in the order the server picked them (in tlscheck's offer order when the server
    /// follows the client's).
    pub suites: Vec<String>,
    /// The server imposes its own order (`true`) or follows the client's (`false`); absent with
    /// fewer than two suites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_preference: Option<bool>,
    /// The smallest Diffie-Hellman prime the server used for the DHE suites it picked, in bits
    /// (anonymous suites left out: they authenticate nobody, whatever the size).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dh_bits: Option<u32>,
}

/// One version probe: what was offered and what came back.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct VersionProbe {
    /// e.g. `TLSv1.2 (rustls)`, `up to TLSv1.1 (raw ClientHello)`, `TLSv1.2 static RSA`.
    pub offered: String,
    /// e.g. `ServerHello TLSv1.0 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA`, `alert protocol_version`.
    pub result: String,
}

/// The TLS facts of one address: version, suite, key exchange, chain and its trust.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TlsFacts {
    /// tlscheck completed the handshake (rustls). `false`: the facts come from the ServerHello of
    /// a raw probe, because the server speaks only what rustls cannot (TLS 1.0/1.1, static RSA).
    #[serde(default = "yes")]
    pub handshake_completed: bool,
    /// `TLSv1.2` or `TLSv1.3`.
    pub version: TlsVersion,
    /// IANA name, e.g. `TLS_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
    /// Negotiated key-exchange group (IANA name), e.g. `X25519MLKEM768`, `x25519`, `secp256r1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kx_group: Option<String>,
    /// The group is a post-quantum hybrid (ML-KEM).
    #[serde(default)]
    pub post_quantum: bool,
    /// The key exchange was ephemeral (ECDHE/DHE, or any TLS 1.3 suite).
    pub forward_secrecy: bool,
    /// DHE: the size of the server's Diffie-Hellman prime, in bits (`kx_group` says `DHE 1024`,
    /// or the RFC 7919 group's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dh_bits: Option<u32>,
    /// What our own TLS client (rustls) refused or could not speak on the way to these facts
    /// (see docs/report-schema.md): never the server's fault, but the reason a fact comes from a
    /// raw ClientHello or was taken without a check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub client_limits: Vec<ClientLimit>,
    /// The server name sent in SNI (none for IP-literal targets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// The presented chain, in the order the server sent it (leaf first; at most 10 analysed).
    pub chain: Vec<CertSummary>,
    /// Certificates past the analysis limit that were not parsed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub chain_dropped: usize,
    /// A stapled OCSP response was sent (RFC 6066 §8); base64 DER.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stapled_ocsp: Option<String>,
    /// The chain validates to an anchor of `trust_store` for server authentication.
    pub chain_valid: bool,
    /// Why validation failed (a stable kind and the verifier's message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_error: Option<ChainError>,
    /// The trust store validation used: `webpki`, `system` or `file:PATH`.
    pub trust_store: String,
    /// The anchor the chain ends at, when it validates (against the store or a profile anchor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<Anchor>,
    /// The name the leaf was checked against (the MX host name, or the host given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_checked: Option<String>,
    /// The leaf is valid for `name_checked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_valid: Option<bool>,
    /// Client authentication: present when the server asked for a client certificate
    /// (CertificateRequest) or when `--client-cert` was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_auth: Option<ClientAuth>,
}

/// Mutual TLS: what the server asked for and how our certificate fared.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ClientAuth {
    /// The server sent a CertificateRequest.
    pub requested: bool,
    /// The CA names the server said it accepts (may be empty: any CA).
    #[serde(default)]
    pub ca_names: Vec<String>,
    /// The subject of the certificate we presented (absent: we sent none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presented: Option<String>,
    /// The handshake, and the EHLO after it, succeeded with what we sent (absent: not known,
    /// because the session stopped before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<bool>,
}

/// Why chain validation failed.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ChainError {
    pub kind: ChainErrorKind,
    /// Why, in words for people.
    pub message: String,
    /// The verifier's own error (rustls-webpki), for searching and bug reports; the text output
    /// shows it with `-v`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A trust anchor, identified by key: `spki_sha256` is the SHA-256 of its SubjectPublicKeyInfo;
/// `sha256` that of its certificate when the store holds the certificate (webpki-roots holds only
/// names and keys).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Anchor {
    pub subject: String,
    /// SHA-256 of the root's SubjectPublicKeyInfo, lower-case hex (roots are matched by key,
    /// never by name).
    pub spki_sha256: String,
    /// SHA-256 of the root certificate, lower-case hex, when the store holds certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub source: AnchorSource,
}

/// The facts of one certificate (RFC 5280 fields).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CertSummary {
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub common_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizational_unit: Option<String>,
    pub issuer: String,
    /// Hex, colon-separated, as printed by most tools.
    pub serial: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub not_after: OffsetDateTime,
    /// DNS names of the subjectAltName.
    #[serde(default)]
    pub san_dns: Vec<String>,
    /// IP addresses of the subjectAltName.
    #[serde(default)]
    pub san_ip: Vec<String>,
    /// `RSA`, `EC`, `Ed25519`, `Ed448`, `DSA` or the algorithm OID.
    pub key_type: KeyType,
    pub key_bits: u32,
    /// The named curve of an EC key, e.g. `P-256`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// The name of the algorithm the issuer signed with, e.g. `sha256WithRSAEncryption`,
    /// `ecdsa-with-SHA1` (the OID when it has no name).
    pub signature_algorithm: String,
    /// Its OID, e.g. `1.2.840.113549.1.1.11`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_algorithm_oid: Option<String>,
    /// The certificate is a CA (basicConstraints).
    pub is_ca: bool,
    /// Subject and issuer are the same name.
    pub self_issued: bool,
    /// SHA-256 of the certificate DER, lower-case hex.
    pub sha256: String,
    /// SHA-256 of the SubjectPublicKeyInfo DER, lower-case hex.
    pub spki_sha256: String,
    #[serde(default)]
    pub ocsp_urls: Vec<String>,
    #[serde(default)]
    pub ca_issuers_urls: Vec<String>,
    #[serde(default)]
    pub crl_urls: Vec<String>,
    /// The certificate itself, base64 DER, so a saved report can be re-checked offline.
    pub der: String,
    /// Parsing failed: the other fields are empty and this says why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
    /// Revocation status from the CRLs and OCSP responders the certificate names (absent with
    /// `--no-revocation`, for a self-issued root, and for certificates not checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation: Option<CertRevocation>,
}

/// The revocation checks of one certificate: one entry per CRL distribution point and per OCSP
/// responder URL it names, plus the OCSP response the server stapled (leaf only).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct CertRevocation {
    #[serde(default)]
    pub crl: Vec<RevocationCheck>,
    #[serde(default)]
    pub ocsp: Vec<RevocationCheck>,
    /// The stapled OCSP response, checked like a fetched one (leaf only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stapled: Option<RevocationCheck>,
    /// Why some checks could not be made (e.g. the issuer certificate is not available).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One CRL fetch or OCSP query (or a stapled OCSP response, which has no `url`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RevocationCheck {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The host (and port, when not the scheme's default) the firewall must let through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// An HTTP response came back (whatever its status).
    pub reachable: bool,
    pub status: RevocationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Body size read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// OCSP: the responder's `responseStatus` when not `successful`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responder_status: Option<String>,
    /// OCSP: when the response was signed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub produced_at: Option<OffsetDateTime>,
    /// CRL or OCSP: start of the answer's validity.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub this_update: Option<OffsetDateTime>,
    /// CRL or OCSP: end of the answer's validity.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub next_update: Option<OffsetDateTime>,
    /// `next_update` has passed (or `this_update` is in the future).
    #[serde(default)]
    pub stale: bool,
    /// When the certificate was revoked (status `revoked`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub revoked_at: Option<OffsetDateTime>,
    /// RFC 5280 CRLReason, e.g. `keyCompromise`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who signed the answer: `issuer` or `delegated responder CN=...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// Time the fetch took (shared by every certificate that named the same URL in this run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
    /// What went wrong, for any status but `good`/`revoked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Where and why something failed.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Failure {
    pub phase: Phase,
    pub kind: FailureKind,
    /// What happened, in words for people.
    pub message: String,
    /// The TLS stack's or operating system's own error text, when it adds to `message` (for
    /// searching and bug reports; the text output shows it with `-v`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The server's reply, for kind `rejected` or `throttled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<ReplySummary>,
}

impl Failure {
    pub fn new(phase: Phase, kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            phase,
            kind,
            message: message.into(),
            detail: None,
            reply: None,
        }
    }
}

impl AddressReport {
    /// The SMTP session reached the point where STARTTLS support is known (or TLS ran).
    pub fn got_ehlo(&self) -> bool {
        self.smtp.ehlo.is_some() || self.tls.is_some()
    }

    /// Where tlscheck connected: `192.0.2.1:25`, `[2001:db8::1]:25` when displayed.
    pub fn socket(&self) -> SocketAddr {
        SocketAddr::new(self.ip, self.port)
    }
}

/// `tlscheck endpoints`: the reachability of CRL, OCSP and CA-issuer endpoints from here.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct EndpointsReport {
    /// Version of the report format; changes on any breaking change.
    #[schemars(extend("const" = SCHEMA_VERSION))]
    pub schema_version: u32,
    /// Always `endpoints` (a probe report has no `kind`).
    #[schemars(extend("const" = "endpoints"))]
    pub kind: String,
    pub tool: Tool,
    /// When the run started (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub started_at: OffsetDateTime,
    pub duration_ms: u64,
    /// The profile whose endpoints were fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// `--allow-private-fetch`: URLs could point at private/loopback addresses.
    pub allow_private_fetch: bool,
    pub endpoints: Vec<EndpointCheck>,
    /// `pass` when every endpoint answered usefully, else `fail`.
    pub verdict: Verdict,
}

/// One endpoint fetched by `tlscheck endpoints`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct EndpointCheck {
    pub kind: EndpointKind,
    pub url: String,
    /// The host (and port, when not the scheme's default) the firewall must let through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// An HTTP response came back.
    pub reachable: bool,
    /// `ok`, or what was wrong (`unreachable`, `http-error`, `refused`, `invalid`).
    #[schemars(with = "String")]
    pub status: EndpointStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Body bytes read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Time of the fetch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
    /// What the body is: `CRL issued by ..., next update ...`, `certificate CN=...`, `OCSP
    /// response: unauthorized`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
