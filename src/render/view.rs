//! The one view of a judged report that every human format reads (text, Markdown, JUnit).
//!
//! [`ReportView::new`] makes every decision a reader of the report needs once: which findings
//! belong to which target, host and address (matched here, and only here), each address's
//! status, the STARTTLS outcome, the key-exchange phrase, the leaf's name and expiry, the root
//! issuer partners configure, the revocation answers per certificate, the distinct leaf
//! certificates of a target. A format only spells what the view decided.
//!
//! Every string that came from the network or from a report file reaches a format as
//! [`Untrusted`], which has no `Display`: it can only be written through one of the escapers of
//! [`super::escape`], so no format can print a hostile banner, certificate field or saved finding
//! raw. Our own words (`&'static str`, numbers, typed vocabulary) are plain.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};

use time::{OffsetDateTime, UtcOffset};

use crate::explain::vocab::Side;
use crate::explain::{Cause, Excerpt, Explanation, Outcome};
use crate::finding::{Code, Finding, Severity};
use crate::judged::{places, Judged, Place, TargetJudgement};
use crate::limits::{MAX_EXPLAIN_INPUT, MAX_EXPLAIN_LINE};
use crate::net::origin;
use crate::render::escape;
use crate::report::{
    AddressReport, CertSummary, ClientAuth, EndpointsReport, Failure, HostReport, RevocationCheck,
    TargetReport, TlsFacts, Versions,
};
use crate::vocab::{
    ChainErrorKind, Direction, EndpointKind, EndpointStatus, FailureKind, KeyType, Phase,
    RevocationStatus, SuiteStrength, TargetKind, TlsVersion, Verdict, VersionStatus,
};

mod policy;
mod schannel;
pub use policy::PolicyView;
pub use schannel::{Cell, DotNetRow, ProtocolRow, SchannelView};

/// Text that came from the network or from a report file. It has no `Display`: a format writes
/// it only through an escaper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted<'a>(Cow<'a, str>);

impl<'a> Untrusted<'a> {
    fn new(s: &'a str) -> Self {
        Self(Cow::Borrowed(s))
    }

    fn owned(s: String) -> Self {
        Self(Cow::Owned(s))
    }

    /// For a terminal, cut at the display limit.
    pub fn terminal(&self) -> String {
        escape::terminal(&self.0)
    }

    /// The text without `prefix` (our own `socket: ` in front of a finding's message), when it
    /// starts with it.
    pub fn without_prefix(&self, prefix: &str) -> Untrusted<'_> {
        Untrusted::new(self.0.strip_prefix(prefix).unwrap_or(&self.0))
    }

    /// For a terminal, cut at `max` characters (texts of our own that quote the network).
    pub fn terminal_to(&self, max: usize) -> String {
        escape::terminal_to(&self.0, max)
    }

    /// For Markdown prose or a table cell.
    pub fn markdown(&self) -> String {
        escape::markdown(&self.0)
    }

    /// For Markdown, cut at `max` characters.
    pub fn markdown_to(&self, max: usize) -> String {
        escape::markdown_to(&self.0, max)
    }

    /// For Markdown, as code when the value is plain.
    pub fn markdown_code(&self) -> String {
        escape::markdown_code(&self.0)
    }
}

fn text(s: &str) -> Untrusted<'_> {
    Untrusted::new(s)
}

/// `PASS`, `FAIL`, `INCONCLUSIVE`.
pub fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Inconclusive => "INCONCLUSIVE",
    }
}

/// `2026-01-01 00:00 UTC`.
pub fn utc_minutes(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute())
}

/// `2026-01-01`.
pub fn utc_date(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC).date().to_string()
}

/// The whole report.
pub struct ReportView<'a> {
    pub verdict: Verdict,
    pub tool: Untrusted<'a>,
    pub tool_version: Untrusted<'a>,
    pub started_at: OffsetDateTime,
    pub duration_ms: u64,
    pub port: u16,
    pub trust_store: Untrusted<'a>,
    pub profile: Option<Untrusted<'a>>,
    pub require_tls: Option<TlsVersion>,
    /// Revocation was checked in the run (`--no-revocation` was not given).
    pub revocation: bool,
    pub targets: Vec<TargetView<'a>>,
    /// Findings of a saved report that name none of its targets.
    pub unplaced: Vec<FindingView<'a>>,
}

/// Counts of findings by severity: `0 errors, 1 warning, 0 infos`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        write!(
            f,
            "{} error{}, {} warning{}, {} info{}",
            self.errors,
            plural(self.errors),
            self.warnings,
            plural(self.warnings),
            self.infos,
            plural(self.infos)
        )
    }
}

/// What a target's MX lookup found.
pub enum MxView<'a> {
    /// A `host` target: no MX lookup.
    NotLooked,
    /// `MX 0 .`: the domain accepts no mail.
    Null,
    /// No MX: the domain's own addresses (RFC 5321 §5.1).
    Implicit,
    /// The published records, by preference.
    Records(Vec<(u16, Untrusted<'a>)>),
    /// Nothing (the lookup failed).
    Nothing,
}

pub struct FindingView<'a> {
    pub code: Code,
    pub severity: Severity,
    pub place: Place,
    /// The host and address the finding names, as it names them.
    pub host: Option<Untrusted<'a>>,
    pub ip: Option<IpAddr>,
    pub message: Untrusted<'a>,
    pub fix: Untrusted<'a>,
}

pub struct TargetView<'a> {
    pub input: Untrusted<'a>,
    pub name: Untrusted<'a>,
    pub kind: TargetKind,
    pub verdict: Verdict,
    pub counts: Counts,
    pub mx: MxView<'a>,
    pub dns_error: Option<FailureView<'a>>,
    /// At least one address answered EHLO or spoke TLS.
    pub probed: bool,
    /// Every finding of the target, in report order, each with its place.
    pub findings: Vec<FindingView<'a>>,
    pub hosts: Vec<HostView<'a>>,
    /// The distinct leaf certificates, in the order first seen.
    pub leaves: Vec<ServedLeaf<'a>>,
    /// DANE, MTA-STS and TLS-RPT (mail domains, unless `--no-policy`).
    pub policy: Option<PolicyView<'a>>,
}

impl AddressView<'_> {
    /// The whole session's time, when it was measured.
    pub fn total_ms(&self) -> Option<u64> {
        self.timings
            .iter()
            .find(|(phase, _)| *phase == "total")
            .map(|(_, ms)| *ms)
    }
}

impl<'a> TargetView<'a> {
    /// The findings that belong exactly at `place`.
    pub fn findings_at(&self, place: Place) -> impl Iterator<Item = &FindingView<'a>> {
        self.findings.iter().filter(move |f| f.place == place)
    }

    /// The address at (host, address), if any.
    pub fn address(&self, host: usize, address: usize) -> Option<&AddressView<'a>> {
        self.hosts.get(host)?.addresses.get(address)
    }
}

pub struct HostView<'a> {
    pub name: Untrusted<'a>,
    pub preference: Option<u16>,
    pub dns_error: Option<FailureView<'a>>,
    /// The host's DANE state in one line (when DANE was looked up).
    pub dane: Option<Untrusted<'a>>,
    pub addresses: Vec<AddressView<'a>>,
}

/// Where and why something stopped.
pub struct FailureView<'a> {
    pub phase: Phase,
    pub kind: FailureKind,
    pub message: Untrusted<'a>,
    /// The TLS stack's own words, for `-v`.
    pub detail: Option<Untrusted<'a>>,
}

/// The worst of an address's findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressStatus {
    Ok,
    Warn,
    Fail,
    NotProbed,
}

impl AddressStatus {
    pub fn label(self) -> &'static str {
        match self {
            AddressStatus::Ok => "OK",
            AddressStatus::Warn => "WARN",
            AddressStatus::Fail => "FAIL",
            AddressStatus::NotProbed => "NOT PROBED",
        }
    }
}

/// What came of STARTTLS.
pub enum Starttls<'a> {
    /// TLS at once (SMTPS).
    Implicit,
    /// The session ended before EHLO: unknown.
    Unknown,
    NotOffered,
    Accepted,
    /// Offered, then refused with this reply.
    Refused(Untrusted<'a>),
    /// Offered; the session stopped before the answer.
    Offered,
}

/// What `MAIL FROM:<>` before STARTTLS showed.
pub enum MailProbe<'a> {
    /// Not sent (`--no-mail-probe`, implicit TLS, the session ended before it).
    NotAsked,
    /// Refused until TLS: the server requires TLS before mail.
    TlsRequired,
    /// Accepted in plaintext: opportunistic TLS.
    PlaintextAccepted,
    /// Answered with this reply, which says neither.
    Other(Untrusted<'a>),
    /// The connection was lost to it (why); the session went on over a new one.
    Lost(Untrusted<'a>),
}

/// One presented certificate for `--show-certs`.
pub struct PemView<'a> {
    pub subject: Untrusted<'a>,
    pub issuer: Untrusted<'a>,
    /// PEM made from the DER (only base64 characters and the BEGIN/END lines).
    pub pem: String,
}

pub struct AddressView<'a> {
    pub socket: SocketAddr,
    pub status: AddressStatus,
    /// What a DANE sender makes of the address (when the host has TLSA records).
    pub dane: Option<Untrusted<'a>>,
    /// What an MTA-STS sender makes of it (when the domain has a policy).
    pub mta_sts: Option<Untrusted<'a>>,
    /// The host name given with `--name`, and whether it was sent as SNI.
    pub name_given: Option<(Untrusted<'a>, bool)>,
    pub mail: MailProbe<'a>,
    /// The presented chain as PEM, for `--show-certs`.
    pub pem: Vec<PemView<'a>>,
    /// The session got as far as EHLO (or TLS).
    pub probed: bool,
    pub banner: Option<Untrusted<'a>>,
    pub starttls: Starttls<'a>,
    pub tls: Option<TlsView<'a>>,
    pub versions: Option<VersionsView<'a>>,
    pub ciphers: Vec<CipherView<'a>>,
    pub stopped: Option<FailureView<'a>>,
    /// `queued 3 ms`, `connect 1 ms`, ..., `total 40 ms`: the phases that ran.
    pub timings: Vec<(&'static str, u64)>,
    /// The EHLO keywords inside TLS, joined.
    pub tls_ehlo: Option<Untrusted<'a>>,
    pub transcript: Vec<(Direction, Untrusted<'a>)>,
    pub transcript_dropped: usize,
}

pub struct VersionsView<'a> {
    /// TLS 1.0, 1.1, 1.2, 1.3 in that order.
    pub each: [(TlsVersion, VersionStatus); 4],
    pub static_rsa: Option<VersionStatus>,
    /// What each probe offered, and what came back.
    pub probes: Vec<(Untrusted<'a>, Untrusted<'a>)>,
}

impl VersionsView<'_> {
    /// `TLS 1.2, 1.3`: the versions accepted (`?` marks those the probe could not tell), or
    /// `none`.
    pub fn accepted(&self) -> String {
        let list: Vec<String> = self
            .each
            .iter()
            .filter_map(|(v, s)| {
                let name = short_version(*v);
                match s {
                    VersionStatus::Accepted => Some(name.to_string()),
                    VersionStatus::Error => Some(format!("{name}?")),
                    VersionStatus::Rejected => None,
                }
            })
            .collect();
        if list.is_empty() {
            "none".into()
        } else {
            format!("TLS {}", list.join(", "))
        }
    }
}

/// `1.2` for TLS 1.2.
fn short_version(v: TlsVersion) -> &'static str {
    match v {
        TlsVersion::Tls10 => "1.0",
        TlsVersion::Tls11 => "1.1",
        TlsVersion::Tls12 => "1.2",
        TlsVersion::Tls13 => "1.3",
        TlsVersion::Ssl3 => "SSL 3",
        TlsVersion::Other(_) => "?",
    }
}

pub struct CipherView<'a> {
    pub version: TlsVersion,
    pub suites: Vec<Untrusted<'a>>,
    /// Each suite's strength and why (`None`: a name tls-parser does not know).
    pub ratings: Vec<Option<(SuiteStrength, &'static str)>>,
    /// `server's order`, `client's order` or `order unknown`.
    pub order: &'static str,
}

/// The key exchange, in words.
pub enum Kx<'a> {
    Group(Untrusted<'a>),
    NotRecorded,
    StaticRsa,
}

/// The root issuer partners put in a connector.
pub enum RootIssuer<'a> {
    /// The subject of the anchor the chain validated to.
    Validated(Untrusted<'a>),
    /// Only what the topmost certificate names as its issuer: not validated.
    AsNamed(Untrusted<'a>),
    Unknown,
}

pub struct AnchorView<'a> {
    pub subject: Untrusted<'a>,
    pub spki_sha256: Untrusted<'a>,
    /// A root the profile carries, not the trust store.
    pub from_profile: bool,
}

pub struct TlsView<'a> {
    pub version: TlsVersion,
    pub suite: Untrusted<'a>,
    pub kx: Kx<'a>,
    pub post_quantum: bool,
    pub forward_secrecy: bool,
    /// `false`: the facts come from a raw probe's ServerHello.
    pub handshake_completed: bool,
    pub sni: Option<Untrusted<'a>>,
    /// Leaf first, as analysed.
    pub chain: Vec<CertView<'a>>,
    pub chain_dropped: usize,
    pub chain_valid: bool,
    pub chain_error: Option<ChainErrorKind>,
    /// Why the chain is not valid, in words, and the verifier's own error (for `-v`).
    pub chain_why: Option<(Untrusted<'a>, Option<Untrusted<'a>>)>,
    pub trust_store: Untrusted<'a>,
    pub anchor: Option<AnchorView<'a>>,
    pub root_issuer: RootIssuer<'a>,
    /// The name checked, and whether the leaf matches it.
    pub name_check: Option<(Untrusted<'a>, bool)>,
    pub stapled: bool,
    /// One entry per certificate whose revocation was checked.
    pub revocation: Vec<CertChecks<'a>>,
    /// The leaf's stapled OCSP response, or its absence.
    pub leaf_stapled: Stapled<'a>,
    /// `good (3 checks)`, `REVOKED`, `2 good, 1 unreachable`, `not checked`.
    pub revocation_summary: String,
    pub client_auth: Option<ClientAuthView<'a>>,
    /// What our own client refused or could not speak on the way to these facts, in words.
    pub client_limits: Vec<&'static str>,
}

impl<'a> TlsView<'a> {
    pub fn leaf(&self) -> Option<&CertView<'a>> {
        self.chain.first()
    }

    /// The leaf, when it parsed.
    pub fn parsed_leaf(&self) -> Option<&CertView<'a>> {
        self.chain.first().filter(|c| c.parse_error.is_none())
    }
}

pub struct CertView<'a> {
    pub parse_error: Option<Untrusted<'a>>,
    pub sha256: Untrusted<'a>,
    pub spki_sha256: Untrusted<'a>,
    pub serial: Untrusted<'a>,
    pub subject: Untrusted<'a>,
    pub issuer: Untrusted<'a>,
    /// The name partners put in a connector: the subject CN, else the first DNS SAN, else the
    /// first IP SAN.
    pub name: Option<Untrusted<'a>>,
    pub organization: Option<Untrusted<'a>>,
    pub organizational_unit: Option<Untrusted<'a>>,
    pub san_dns: Vec<Untrusted<'a>>,
    pub san_ip: Vec<Untrusted<'a>>,
    /// `RSA 2048 bits`, `EC P-256 (256 bits)`, `Ed25519 (256 bits)`.
    pub key_strength: Untrusted<'a>,
    /// `RSA 2048`, `EC P-256`.
    pub key_short: Untrusted<'a>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// `39 days left`, `EXPIRED 10 days ago`, as of the run.
    pub expiry: String,
    pub self_issued: bool,
}

/// Which certificate of a chain.
pub enum Who<'a> {
    Leaf,
    /// A chain certificate, by its name (else its subject).
    Named(Untrusted<'a>),
}

/// The revocation answers about one certificate.
pub struct CertChecks<'a> {
    pub who: Who<'a>,
    pub crl: Vec<CheckView<'a>>,
    pub ocsp: Vec<CheckView<'a>>,
    pub note: Option<Untrusted<'a>>,
}

pub enum Stapled<'a> {
    /// The leaf names no OCSP responder and nothing was stapled.
    NotApplicable,
    Checked(CheckView<'a>),
    /// A response was stapled but not checked.
    NotChecked,
    /// The leaf names an OCSP responder, and nothing was stapled.
    Missing,
}

/// One revocation answer in words.
pub struct CheckView<'a> {
    pub status: RevocationStatus,
    /// `good`, `revoked since 2026-11-01`, `unreachable`, `HTTP 404`, `responder error tryLater`.
    pub outcome: Untrusted<'a>,
    /// What qualifies it: reason, who signed (when not the issuer), staleness.
    pub details: Vec<Untrusted<'a>>,
    /// What went wrong, when the outcome does not already say it.
    pub error: Option<Untrusted<'a>>,
    pub url: Option<Untrusted<'a>>,
    pub host: Option<Untrusted<'a>>,
    /// The HTTP status, when the outcome does not already say it.
    pub http_status: Option<u16>,
    pub ms: Option<u64>,
}

/// The URLs one certificate of a chain names.
pub struct ChainEndpoints<'a> {
    pub who: Who<'a>,
    pub rows: Vec<EndpointRow<'a>>,
    /// Why some of its checks could not be made.
    pub note: Option<Untrusted<'a>>,
}

/// One CRL, OCSP or CA-issuers URL a certificate names.
pub struct EndpointRow<'a> {
    /// `CRL`, `OCSP`, `CA issuers`.
    pub kind: &'static str,
    pub url: Untrusted<'a>,
    pub answer: EndpointAnswer<'a>,
}

pub enum EndpointAnswer<'a> {
    Checked(CheckView<'a>),
    /// Nothing to check (a CA-issuers URL).
    NotApplicable,
    NotChecked,
    /// `--no-revocation`.
    RevocationOff,
}

pub struct ClientAuthView<'a> {
    pub requested: bool,
    /// The first CA names the server accepts, and how many more there are.
    pub ca_names: Vec<Untrusted<'a>>,
    pub more_ca_names: usize,
    pub presented: Option<Untrusted<'a>>,
    pub accepted: Option<bool>,
}

/// A leaf certificate and where it was served.
pub struct ServedLeaf<'a> {
    /// The first address that served it: host and address index.
    pub first: (usize, usize),
    /// Every (host, address) that served it.
    pub at: Vec<(Untrusted<'a>, IpAddr)>,
    /// Per certificate of the chain served with it, every CRL, OCSP and CA-issuers URL it names,
    /// with what it answered.
    pub endpoints: Vec<ChainEndpoints<'a>>,
    /// What a firewall must let through for those endpoints (`http://crl.example`).
    pub origins: Vec<Untrusted<'a>>,
}

/// Most CA names a client-auth line lists.
const SHOWN_CA_NAMES: usize = 3;

impl<'a> ReportView<'a> {
    pub fn new(judged: &'a Judged) -> Self {
        let run = &judged.report.run;
        let now = run.started_at;
        let options = &run.options;
        let targets = judged
            .report
            .targets
            .iter()
            .zip(&judged.targets)
            .map(|(t, j)| TargetView::new(t, j, now, options.revocation))
            .collect();
        ReportView {
            verdict: judged.verdict,
            tool: text(&run.tool.name),
            tool_version: text(&run.tool.version),
            started_at: now,
            duration_ms: run.duration_ms,
            port: options.port,
            trust_store: text(&options.trust_store),
            profile: options.profile.as_deref().map(text),
            require_tls: options.require_tls,
            revocation: options.revocation,
            targets,
            unplaced: judged
                .unplaced
                .iter()
                .map(|f| FindingView::new(f, Place::Target))
                .collect(),
        }
    }
}

impl<'a> FindingView<'a> {
    fn new(f: &'a Finding, place: Place) -> Self {
        FindingView {
            code: f.code,
            severity: f.severity,
            place,
            host: f.host.as_deref().map(text),
            ip: f.ip,
            message: text(&f.message),
            fix: text(&f.remediation),
        }
    }
}

impl<'a> TargetView<'a> {
    fn new(
        t: &'a TargetReport,
        j: &'a TargetJudgement,
        now: OffsetDateTime,
        revocation: bool,
    ) -> Self {
        let findings: Vec<FindingView<'a>> = j
            .findings
            .iter()
            .zip(places(t, &j.findings))
            .map(|(f, place)| FindingView::new(f, place))
            .collect();
        let mut counts = Counts::default();
        for f in &findings {
            match f.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Info => counts.infos += 1,
            }
        }
        let hosts: Vec<HostView<'a>> = t
            .hosts
            .iter()
            .enumerate()
            .map(|(h, host)| HostView::new(host, h, &findings, now))
            .collect();
        let mx = match t.kind {
            TargetKind::Host => MxView::NotLooked,
            TargetKind::Mx if t.null_mx => MxView::Null,
            TargetKind::Mx if t.implicit_mx => MxView::Implicit,
            TargetKind::Mx if t.mx.is_empty() => MxView::Nothing,
            TargetKind::Mx => MxView::Records(
                t.mx.iter()
                    .map(|m| (m.preference, text(&m.exchange)))
                    .collect(),
            ),
        };
        TargetView {
            input: text(&t.input),
            name: text(&t.name),
            kind: t.kind,
            verdict: j.verdict,
            counts,
            mx,
            dns_error: t.dns_error.as_ref().map(FailureView::new),
            probed: t
                .hosts
                .iter()
                .flat_map(|h| &h.addresses)
                .any(AddressReport::got_ehlo),
            leaves: distinct_leaves(t, revocation),
            policy: PolicyView::new(t),
            findings,
            hosts,
        }
    }
}

/// The distinct leaf certificates of a target (by SHA-256), in the order first seen, with the
/// endpoints of the chain first served with each.
fn distinct_leaves(t: &TargetReport, revocation: bool) -> Vec<ServedLeaf<'_>> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut leaves: Vec<ServedLeaf<'_>> = Vec::new();
    for (h, host) in t.hosts.iter().enumerate() {
        for (i, a) in host.addresses.iter().enumerate() {
            let Some((tls, leaf)) = a
                .tls
                .as_ref()
                .and_then(|tls| tls.chain.first().map(|leaf| (tls, leaf)))
            else {
                continue;
            };
            let at = (text(&host.name), a.ip);
            match index
                .get(leaf.sha256.as_str())
                .and_then(|&n| leaves.get_mut(n))
            {
                Some(served) => served.at.push(at),
                None => {
                    index.insert(&leaf.sha256, leaves.len());
                    let (endpoints, origins) = endpoint_rows(tls, revocation);
                    leaves.push(ServedLeaf {
                        first: (h, i),
                        at: vec![at],
                        endpoints,
                        origins,
                    });
                }
            }
        }
    }
    leaves
}

impl<'a> HostView<'a> {
    fn new(
        host: &'a HostReport,
        h: usize,
        findings: &[FindingView<'_>],
        now: OffsetDateTime,
    ) -> Self {
        HostView {
            name: text(&host.name),
            preference: host.preference,
            dns_error: host.dns_error.as_ref().map(FailureView::new),
            dane: policy::host_line(host),
            addresses: host
                .addresses
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let mine = findings.iter().filter(|f| f.place == Place::Address(h, i));
                    AddressView::new(a, status(a, mine), now)
                })
                .collect(),
        }
    }
}

/// The worst of an address's findings: an error fails it; an address that never got to EHLO is
/// not probed; a warning warns.
fn status<'f>(
    a: &AddressReport,
    findings: impl Iterator<Item = &'f FindingView<'f>>,
) -> AddressStatus {
    let severities: Vec<Severity> = findings.map(|f| f.severity).collect();
    if severities.contains(&Severity::Error) {
        AddressStatus::Fail
    } else if !a.got_ehlo() {
        AddressStatus::NotProbed
    } else if severities.contains(&Severity::Warning) {
        AddressStatus::Warn
    } else {
        AddressStatus::Ok
    }
}

impl<'a> FailureView<'a> {
    fn new(e: &'a Failure) -> Self {
        FailureView {
            phase: e.phase,
            kind: e.kind,
            message: text(&e.message),
            detail: e.detail.as_deref().map(text),
        }
    }
}

impl<'a> AddressView<'a> {
    fn new(a: &'a AddressReport, status: AddressStatus, now: OffsetDateTime) -> Self {
        let starttls = if a.implicit_tls {
            Starttls::Implicit
        } else if a.smtp.ehlo.is_none() {
            Starttls::Unknown
        } else {
            match (a.smtp.starttls_offered, &a.smtp.starttls_reply) {
                (false, _) => Starttls::NotOffered,
                (true, Some(r)) if r.code == 220 => Starttls::Accepted,
                (true, Some(r)) => Starttls::Refused(Untrusted::owned(r.text())),
                (true, None) => Starttls::Offered,
            }
        };
        let t = &a.timings_ms;
        let timings = [
            ("queued", t.queued),
            ("connect", t.connect),
            ("banner", t.banner),
            ("ehlo", t.ehlo),
            ("starttls", t.starttls),
            ("handshake", t.handshake),
            ("total", t.total),
        ]
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| (n, v)))
        .collect();
        let mail = match (
            &a.smtp.mail_probe_lost,
            a.smtp.tls_required,
            &a.smtp.mail_reply,
        ) {
            (Some(why), _, _) => MailProbe::Lost(text(why)),
            (None, Some(true), _) => MailProbe::TlsRequired,
            (None, Some(false), _) => MailProbe::PlaintextAccepted,
            (None, None, Some(r)) => MailProbe::Other(Untrusted::owned(r.text())),
            (None, None, None) => MailProbe::NotAsked,
        };
        let pem = a
            .tls
            .iter()
            .flat_map(|t| &t.chain)
            .filter_map(|c| {
                Some(PemView {
                    subject: text(&c.subject),
                    issuer: text(&c.issuer),
                    pem: crate::cert::pem_from_base64(&c.der)?,
                })
            })
            .collect();
        AddressView {
            socket: a.socket(),
            status,
            dane: policy::address_dane(a),
            mta_sts: policy::address_sts(a),
            name_given: a.name.as_deref().map(|n| {
                let sni = a.tls.as_ref().is_none_or(|t| t.sni.is_some());
                (text(n), sni)
            }),
            mail,
            pem,
            probed: a.got_ehlo(),
            banner: a.smtp.banner.as_ref().map(|b| Untrusted::owned(b.text())),
            starttls,
            tls: a.tls.as_ref().map(|tls| TlsView::new(tls, now)),
            versions: a.versions.as_ref().map(VersionsView::new),
            ciphers: a
                .ciphers
                .iter()
                .flatten()
                .map(|list| CipherView {
                    version: list.version,
                    suites: list.suites.iter().map(|s| text(s)).collect(),
                    ratings: list
                        .suites
                        .iter()
                        .map(|s| crate::tls::rating::rate(s))
                        .collect(),
                    order: match list.server_preference {
                        Some(true) => "server's order",
                        Some(false) => "client's order",
                        None => "order unknown",
                    },
                })
                .collect(),
            stopped: a.error.as_ref().map(FailureView::new),
            timings,
            tls_ehlo: a
                .smtp
                .tls_ehlo_keywords
                .as_ref()
                .map(|k| Untrusted::owned(k.join(", "))),
            transcript: a
                .smtp
                .transcript
                .iter()
                .map(|l| (l.dir, text(&l.line)))
                .collect(),
            transcript_dropped: a.smtp.transcript_dropped,
        }
    }
}

impl<'a> VersionsView<'a> {
    fn new(v: &'a Versions) -> Self {
        VersionsView {
            each: [
                (TlsVersion::Tls10, v.tls1_0),
                (TlsVersion::Tls11, v.tls1_1),
                (TlsVersion::Tls12, v.tls1_2),
                (TlsVersion::Tls13, v.tls1_3),
            ],
            static_rsa: v.static_rsa,
            probes: v
                .probes
                .iter()
                .map(|p| (text(&p.offered), text(&p.result)))
                .collect(),
        }
    }
}

impl<'a> TlsView<'a> {
    fn new(tls: &'a TlsFacts, now: OffsetDateTime) -> Self {
        let kx = match (&tls.kx_group, tls.forward_secrecy) {
            (Some(g), _) => Kx::Group(text(g)),
            (None, true) => Kx::NotRecorded,
            (None, false) => Kx::StaticRsa,
        };
        let root_issuer = match (&tls.anchor, tls.chain.last()) {
            (Some(a), _) => RootIssuer::Validated(text(&a.subject)),
            (None, Some(top)) if top.parse_error.is_none() => {
                RootIssuer::AsNamed(text(&top.issuer))
            }
            _ => RootIssuer::Unknown,
        };
        TlsView {
            version: tls.version,
            suite: text(&tls.cipher_suite),
            kx,
            post_quantum: tls.post_quantum,
            forward_secrecy: tls.forward_secrecy,
            handshake_completed: tls.handshake_completed,
            sni: tls.sni.as_deref().map(text),
            chain: tls.chain.iter().map(|c| CertView::new(c, now)).collect(),
            chain_dropped: tls.chain_dropped,
            chain_valid: tls.chain_valid,
            chain_error: tls.chain_error.as_ref().map(|e| e.kind),
            chain_why: tls
                .chain_error
                .as_ref()
                .map(|e| (text(&e.message), e.detail.as_deref().map(text))),
            trust_store: text(&tls.trust_store),
            anchor: tls.anchor.as_ref().map(|a| AnchorView {
                subject: text(&a.subject),
                spki_sha256: text(&a.spki_sha256),
                from_profile: a.source == crate::vocab::AnchorSource::Profile,
            }),
            root_issuer,
            name_check: match (&tls.name_checked, tls.name_valid) {
                (Some(n), Some(valid)) => Some((text(n), valid)),
                _ => None,
            },
            stapled: tls.stapled_ocsp.is_some(),
            revocation: cert_checks(tls),
            leaf_stapled: leaf_stapled(tls),
            revocation_summary: revocation_summary(tls),
            client_auth: tls.client_auth.as_ref().map(ClientAuthView::new),
            client_limits: tls.client_limits.iter().map(|l| l.describe()).collect(),
        }
    }
}

impl<'a> CertView<'a> {
    fn new(c: &'a CertSummary, now: OffsetDateTime) -> Self {
        let key_strength = match (&c.curve, c.key_bits) {
            (Some(curve), 0) => format!("{} {curve}", c.key_type),
            (Some(curve), bits) => format!("{} {curve} ({bits} bits)", c.key_type),
            (None, 0) => c.key_type.to_string(),
            (None, bits) if matches!(c.key_type, KeyType::Ed25519 | KeyType::Ed448) => {
                format!("{} ({bits} bits)", c.key_type)
            }
            (None, bits) => format!("{} {bits} bits", c.key_type),
        };
        let key_short = match &c.curve {
            Some(curve) => format!("{} {curve}", c.key_type),
            None => format!("{} {}", c.key_type, c.key_bits),
        };
        let days = (c.not_after - now).whole_days();
        CertView {
            parse_error: c.parse_error.as_deref().map(text),
            sha256: text(&c.sha256),
            spki_sha256: text(&c.spki_sha256),
            serial: text(&c.serial),
            subject: text(&c.subject),
            issuer: text(&c.issuer),
            name: cert_name(c).map(text),
            organization: c.organization.as_deref().map(text),
            organizational_unit: c.organizational_unit.as_deref().map(text),
            san_dns: c.san_dns.iter().map(|s| text(s)).collect(),
            san_ip: c.san_ip.iter().map(|s| text(s)).collect(),
            key_strength: Untrusted::owned(key_strength),
            key_short: Untrusted::owned(key_short),
            not_before: c.not_before,
            not_after: c.not_after,
            expiry: if days < 0 {
                format!("EXPIRED {} days ago", -days)
            } else {
                format!("{days} days left")
            },
            self_issued: c.self_issued,
        }
    }
}

/// The name partners put in a connector: the subject CN, else the first DNS SAN, else the first
/// IP SAN.
fn cert_name(c: &CertSummary) -> Option<&str> {
    c.common_name
        .as_deref()
        .or_else(|| c.san_dns.first().map(String::as_str))
        .or_else(|| c.san_ip.first().map(String::as_str))
}

/// The certificate `i` of a chain, for a reader: the leaf, or its name (else its subject).
fn who(i: usize, c: &CertSummary) -> Who<'_> {
    match i {
        0 => Who::Leaf,
        _ => Who::Named(text(cert_name(c).unwrap_or(&c.subject))),
    }
}

/// The revocation answers of each checked certificate.
fn cert_checks(tls: &TlsFacts) -> Vec<CertChecks<'_>> {
    let mut out = Vec::new();
    for (i, c) in tls.chain.iter().enumerate() {
        let Some(rev) = &c.revocation else { continue };
        out.push(CertChecks {
            who: who(i, c),
            crl: rev.crl.iter().map(CheckView::new).collect(),
            ocsp: rev.ocsp.iter().map(CheckView::new).collect(),
            note: rev.note.as_deref().map(text),
        });
    }
    out
}

/// The leaf's stapled OCSP response: checked, stapled but not checked, or missing although the
/// leaf names a responder.
fn leaf_stapled(tls: &TlsFacts) -> Stapled<'_> {
    let Some(leaf) = tls.chain.first() else {
        return Stapled::NotApplicable;
    };
    let checked = leaf.revocation.as_ref().and_then(|r| r.stapled.as_ref());
    match (checked, &tls.stapled_ocsp) {
        (Some(st), _) => Stapled::Checked(CheckView::new(st)),
        (None, Some(_)) => Stapled::NotChecked,
        (None, None) if !leaf.ocsp_urls.is_empty() => Stapled::Missing,
        (None, None) => Stapled::NotApplicable,
    }
}

impl<'a> CheckView<'a> {
    fn new(c: &'a RevocationCheck) -> Self {
        let outcome = match c.status {
            RevocationStatus::Revoked => match c.revoked_at {
                Some(t) => Untrusted::owned(format!("revoked since {}", utc_date(t))),
                None => text("revoked"),
            },
            RevocationStatus::HttpError => match c.http_status {
                Some(s) => Untrusted::owned(format!("HTTP {s}")),
                None => text("HTTP error"),
            },
            RevocationStatus::ResponderError => match &c.responder_status {
                Some(s) => Untrusted::owned(format!("responder error {s}")),
                None => text("responder error"),
            },
            s => text(s.as_str()),
        };
        let mut details = Vec::new();
        if let Some(r) = &c.reason {
            details.push(text(r));
        }
        if let Some(s) = c.signer.as_deref().filter(|s| *s != "issuer") {
            details.push(text(s));
        }
        if c.stale {
            details.push(match c.next_update {
                Some(t) => Untrusted::owned(format!("stale: next update was {}", utc_minutes(t))),
                None => text("stale"),
            });
        }
        // The outcome already says it for these.
        let error_adds = match c.status {
            RevocationStatus::Good | RevocationStatus::Revoked | RevocationStatus::HttpError => {
                false
            }
            RevocationStatus::ResponderError => c.responder_status.is_none(),
            _ => true,
        };
        CheckView {
            status: c.status,
            outcome,
            details,
            error: c.error.as_deref().filter(|_| error_adds).map(text),
            url: c.url.as_deref().map(text),
            host: c.host.as_deref().map(text),
            http_status: c
                .http_status
                .filter(|_| c.status != RevocationStatus::HttpError),
            ms: c.ms,
        }
    }
}

/// The revocation answers of a whole chain in one phrase: `good (3 checks)`, `REVOKED`,
/// `2 good, 1 unreachable`, or `not checked`.
fn revocation_summary(tls: &TlsFacts) -> String {
    let checks: Vec<&RevocationCheck> = tls
        .chain
        .iter()
        .filter_map(|c| c.revocation.as_ref())
        .flat_map(|r| r.crl.iter().chain(&r.ocsp).chain(&r.stapled))
        .collect();
    if checks.is_empty() {
        return "not checked".into();
    }
    if checks.iter().any(|c| c.status == RevocationStatus::Revoked) {
        return "REVOKED".into();
    }
    let stale = checks.iter().filter(|c| c.stale).count();
    let mut counts: Vec<(RevocationStatus, usize)> = Vec::new();
    for c in &checks {
        match counts.iter_mut().find(|(s, _)| *s == c.status) {
            Some((_, n)) => *n += 1,
            None => counts.push((c.status, 1)),
        }
    }
    let mut s = match counts.as_slice() {
        [(RevocationStatus::Good, n)] => {
            format!("good ({n} check{})", if *n == 1 { "" } else { "s" })
        }
        _ => counts
            .iter()
            .map(|(st, n)| format!("{n} {st}"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    if stale > 0 {
        s.push_str(&format!(", {stale} stale"));
    }
    s
}

/// Every CRL, OCSP and CA-issuers URL of the chain with what it answered, and the origins a
/// firewall must let through for them (http and https only: an `ldap:` URL is never fetched).
fn endpoint_rows(
    tls: &TlsFacts,
    revocation: bool,
) -> (Vec<ChainEndpoints<'_>>, Vec<Untrusted<'_>>) {
    let mut chain = Vec::new();
    let mut origins: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (i, c) in tls.chain.iter().enumerate() {
        let mut rows = Vec::new();
        let rev = c.revocation.as_ref();
        let kinds = [
            ("CRL", &c.crl_urls, rev.map(|r| r.crl.as_slice())),
            ("OCSP", &c.ocsp_urls, rev.map(|r| r.ocsp.as_slice())),
            ("CA issuers", &c.ca_issuers_urls, None),
        ];
        for (kind, urls, checks) in kinds {
            for url in urls {
                if let Some(o) = origin(url).filter(|o| seen.insert(o.clone())) {
                    origins.push(o);
                }
                let check = checks
                    .and_then(|cs| cs.iter().find(|ch| ch.url.as_deref() == Some(url.as_str())));
                let answer = match check {
                    Some(ch) => EndpointAnswer::Checked(CheckView::new(ch)),
                    None if kind == "CA issuers" => EndpointAnswer::NotApplicable,
                    None if revocation => EndpointAnswer::NotChecked,
                    None => EndpointAnswer::RevocationOff,
                };
                rows.push(EndpointRow {
                    kind,
                    url: text(url),
                    answer,
                });
            }
        }
        chain.push(ChainEndpoints {
            who: who(i, c),
            rows,
            note: rev.and_then(|r| r.note.as_deref()).map(text),
        });
    }
    (chain, origins.into_iter().map(Untrusted::owned).collect())
}

impl<'a> ClientAuthView<'a> {
    fn new(ca: &'a ClientAuth) -> Self {
        ClientAuthView {
            requested: ca.requested,
            ca_names: ca
                .ca_names
                .iter()
                .take(SHOWN_CA_NAMES)
                .map(|n| text(n))
                .collect(),
            more_ca_names: ca.ca_names.len().saturating_sub(SHOWN_CA_NAMES),
            presented: ca.presented.as_deref().map(text),
            accepted: ca.accepted,
        }
    }

    /// `certificate requested (CAs: CN=Partner CA), presented CN=us, refused`, with every name
    /// passed through `esc`, the format's escaper.
    pub fn describe(&self, esc: impl Fn(&Untrusted<'a>) -> String) -> String {
        let mut s = if self.requested {
            let mut cas: Vec<String> = self.ca_names.iter().map(&esc).collect();
            if cas.is_empty() {
                cas.push("any".into());
            } else if self.more_ca_names > 0 {
                cas.push(format!("+{} more", self.more_ca_names));
            }
            format!("certificate requested (CAs: {})", cas.join("; "))
        } else {
            "certificate not requested".to_string()
        };
        match &self.presented {
            Some(p) => s.push_str(&format!(", presented {}", esc(p))),
            None => s.push_str(", none presented"),
        }
        match self.accepted {
            Some(true) => s.push_str(", accepted"),
            Some(false) => s.push_str(", refused"),
            None => {}
        }
        s
    }
}

/// `tlscheck endpoints`, for a reader.
pub struct EndpointsView<'a> {
    pub profile: Option<Untrusted<'a>>,
    pub verdict: Verdict,
    pub tool: Untrusted<'a>,
    pub tool_version: Untrusted<'a>,
    pub started_at: OffsetDateTime,
    pub duration_ms: u64,
    pub rows: Vec<EndpointView<'a>>,
    /// How many answered as expected.
    pub ok: usize,
    /// The origins of the unreachable endpoints (`http://ocsp.example`), each once.
    pub blocked: Vec<Untrusted<'a>>,
}

pub struct EndpointView<'a> {
    pub kind: EndpointKind,
    pub status: EndpointStatus,
    pub url: Untrusted<'a>,
    pub http_status: Option<u16>,
    pub ms: Option<u64>,
    pub detail: Option<Untrusted<'a>>,
    pub error: Option<Untrusted<'a>>,
    /// Unreachable: the host a firewall must let this machine reach, and over what.
    pub firewall: Option<(Untrusted<'a>, &'static str)>,
}

impl<'a> EndpointsView<'a> {
    pub fn new(report: &'a EndpointsReport) -> Self {
        let mut blocked: Vec<String> = Vec::new();
        let rows: Vec<EndpointView<'a>> = report
            .endpoints
            .iter()
            .map(|e| {
                let unreachable = e.status == EndpointStatus::Unreachable;
                if let Some(o) = origin(&e.url).filter(|o| unreachable && !blocked.contains(o)) {
                    blocked.push(o);
                }
                let over = if e.url.starts_with("https:") {
                    "HTTPS (443)"
                } else {
                    "HTTP (80)"
                };
                EndpointView {
                    kind: e.kind,
                    status: e.status,
                    url: text(&e.url),
                    http_status: e.http_status,
                    ms: e.ms,
                    detail: e.detail.as_deref().map(text),
                    error: e.error.as_deref().map(text),
                    firewall: e
                        .host
                        .as_deref()
                        .filter(|_| unreachable)
                        .map(|h| (text(h), over)),
                }
            })
            .collect();
        EndpointsView {
            profile: report.profile.as_deref().map(text),
            verdict: report.verdict,
            tool: text(&report.tool.name),
            tool_version: text(&report.tool.version),
            started_at: report.started_at,
            duration_ms: report.duration_ms,
            ok: rows
                .iter()
                .filter(|r| r.status == EndpointStatus::Ok)
                .count(),
            rows,
            blocked: blocked.into_iter().map(Untrusted::owned).collect(),
        }
    }
}

/// One explanation of `tlscheck explain`, as the human formats show it. The line, and every
/// value read from it, is [`Untrusted`]; the commands too, although only values valid by syntax
/// reach them.
#[derive(Debug)]
pub struct ExplanationView<'a> {
    pub input: Untrusted<'a>,
    /// What was read from the line, as (label, value) pairs.
    pub found: Vec<(&'static str, Untrusted<'a>)>,
    pub meaning: &'a str,
    pub causes: &'a [Cause],
    pub commands: Vec<Untrusted<'a>>,
    pub notes: &'a [String],
    /// In an excerpt: the number of the first line explained this way, and how many lines are.
    pub at: Option<(usize, usize)>,
}

impl<'a> ExplanationView<'a> {
    pub fn new(e: &'a Explanation, at: Option<(usize, usize)>) -> Self {
        let mut found = Vec::new();
        let who = match (e.mta, e.side) {
            (Some(m), Some(s)) => Some(format!("{}, {} side", m.label(), s.as_str())),
            (Some(m), None) => Some(m.label().to_string()),
            (None, Some(s)) => Some(format!("{} side", s.as_str())),
            (None, None) => None,
        };
        if let Some(who) = who {
            found.push(("logged by", Untrusted::owned(who)));
        }
        let address = match (e.ip, e.port) {
            (Some(ip), Some(port)) => Some(SocketAddr::new(ip, port).to_string()),
            (Some(ip), None) => Some(ip.to_string()),
            (None, _) => None,
        };
        let peer = match (&e.host, address) {
            (Some(h), Some(a)) => Some(format!("{h} [{a}]")),
            (Some(h), None) => Some(h.clone()),
            (None, Some(a)) => Some(a),
            (None, None) => None,
        };
        if let Some(peer) = peer {
            let label = if e.side == Some(Side::Receiving) {
                "client"
            } else {
                "server"
            };
            found.push((label, Untrusted::owned(peer)));
        }
        if let Some(d) = &e.domain {
            found.push(("recipient domain", text(d)));
        }
        let codes: Vec<String> = e
            .reply_code
            .map(|c| c.to_string())
            .into_iter()
            .chain(e.enhanced_code.clone())
            .collect();
        if !codes.is_empty() {
            found.push(("status", Untrusted::owned(codes.join(" "))));
        }
        if let Some(r) = &e.openssl_reason {
            found.push(("OpenSSL reason", text(r)));
        }
        if let Some(g) = e.gnutls_error {
            found.push(("GnuTLS error", text(g)));
        }
        if let Some(x) = &e.exchange_detail {
            found.push(("Exchange detail", text(x)));
        }
        Self {
            input: text(&e.input),
            found,
            meaning: &e.meaning,
            causes: &e.causes,
            commands: e.commands.iter().map(|c| text(c)).collect(),
            notes: &e.notes,
            at,
        }
    }
}

/// What `tlscheck explain` answered: one explanation, or an excerpt's counts and explanations.
#[derive(Debug)]
pub struct OutcomeView<'a> {
    /// For an excerpt: lines read, explained, skipped, cut; whether the input was truncated; how
    /// many distinct explanations were dropped.
    pub counts: Option<&'a Excerpt>,
    pub items: Vec<ExplanationView<'a>>,
}

impl<'a> OutcomeView<'a> {
    /// For an excerpt, what was read, explained and skipped, in our own words (one sentence a
    /// line); nothing for one explanation.
    pub fn summary(&self) -> Vec<String> {
        let Some(x) = self.counts else {
            return Vec::new();
        };
        let mut lines = vec![format!(
            "Read {} lines: {} explained ({} distinct), {} skipped as reporting no failure.",
            x.lines_read,
            x.lines_explained,
            x.explanations.len() + x.explanations_dropped,
            x.lines_skipped
        )];
        if x.input_truncated {
            lines.push(format!(
                "Only the first {} bytes of the input were read.",
                MAX_EXPLAIN_INPUT
            ));
        }
        if x.lines_cut > 0 {
            lines.push(format!(
                "{} lines were longer than {} bytes and were cut.",
                x.lines_cut, MAX_EXPLAIN_LINE
            ));
        }
        if x.explanations_dropped > 0 {
            lines.push(format!(
                "{} more distinct explanations are not shown.",
                x.explanations_dropped
            ));
        }
        lines
    }

    pub fn new(o: &'a Outcome) -> Self {
        match o {
            Outcome::One(e) => Self {
                counts: None,
                items: vec![ExplanationView::new(e, None)],
            },
            Outcome::Many(x) => Self {
                counts: Some(x),
                items: x
                    .explanations
                    .iter()
                    .map(|i| ExplanationView::new(&i.explanation, Some((i.line, i.occurrences))))
                    .collect(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::CertRevocation;
    use crate::sample;

    fn tls_view(tls: &TlsFacts) -> TlsView<'_> {
        TlsView::new(tls, sample::NOW)
    }

    #[test]
    fn key_strength_reads_like_a_partner_form() {
        let mut c = sample::cert("a.test", "CN=x");
        let strength = |c: &CertSummary| CertView::new(c, sample::NOW).key_strength.terminal();
        assert_eq!(strength(&c), "RSA 2048 bits");
        c.key_type = KeyType::Ec;
        c.key_bits = 256;
        c.curve = Some("P-256".into());
        assert_eq!(strength(&c), "EC P-256 (256 bits)");
        c.key_type = KeyType::Ed25519;
        c.curve = None;
        assert_eq!(strength(&c), "Ed25519 (256 bits)");
    }

    #[test]
    fn root_issuer_prefers_the_validated_anchor() {
        let mut tls = sample::tls();
        assert!(matches!(
            tls_view(&tls).root_issuer,
            RootIssuer::Validated(s) if s.terminal() == "CN=Contoso Root CA, O=Contoso Ltd"
        ));
        tls.anchor = None;
        assert!(matches!(
            tls_view(&tls).root_issuer,
            RootIssuer::AsNamed(s) if s.terminal() == "CN=Contoso Root CA, O=Contoso Ltd"
        ));
    }

    #[test]
    fn check_outcomes_in_words() {
        let mut c = sample::check(RevocationStatus::Revoked, Some("http://crl.test/a.crl"));
        c.revoked_at = Some(time::macros::datetime!(2026-11-01 0:00 UTC));
        c.reason = Some("keyCompromise".into());
        c.signer = Some("issuer".into());
        let v = CheckView::new(&c);
        assert_eq!(v.outcome.terminal(), "revoked since 2026-11-01");
        let details: Vec<String> = v.details.iter().map(Untrusted::terminal).collect();
        assert_eq!(details, ["keyCompromise"]);
        let mut c = sample::check(RevocationStatus::ResponderError, None);
        c.responder_status = Some("tryLater".into());
        c.error = Some("the responder said tryLater".into());
        let v = CheckView::new(&c);
        assert_eq!(v.outcome.terminal(), "responder error tryLater");
        assert!(v.details.is_empty() && v.error.is_none());
        let mut c = sample::check(RevocationStatus::Unreachable, None);
        c.error = Some("timed out".into());
        let v = CheckView::new(&c);
        assert_eq!(v.outcome.terminal(), "unreachable");
        assert_eq!(v.error.map(|e| e.terminal()).as_deref(), Some("timed out"));
    }

    #[test]
    fn revocation_summary_counts_answers() {
        let mut tls = sample::tls();
        assert_eq!(revocation_summary(&tls), "2 good, 1 unreachable");
        tls.chain[1].revocation = None;
        assert_eq!(revocation_summary(&tls), "good (2 checks)");
        tls.chain[0].revocation = Some(CertRevocation {
            crl: vec![sample::check(RevocationStatus::Revoked, None)],
            ..Default::default()
        });
        assert_eq!(revocation_summary(&tls), "REVOKED");
        tls.chain[0].revocation = None;
        assert_eq!(revocation_summary(&tls), "not checked");
    }

    #[test]
    fn findings_are_placed_at_their_address_host_or_target() {
        let mut judged = sample::report();
        let t = &mut judged.targets[0];
        t.findings.push(Finding::new(
            Code::MxCname,
            "contoso.test",
            Some("mx.contoso.test"),
            None,
            "alias".into(),
        ));
        t.findings.push(Finding::new(
            Code::WeakKey,
            "contoso.test",
            Some("mx.contoso.test"),
            Some("192.0.2.2".parse().unwrap()),
            "weak".into(),
        ));
        // Names the report does not list fall back to the nearest place it does.
        t.findings.push(Finding::new(
            Code::WeakKey,
            "contoso.test",
            Some("mx.contoso.test"),
            Some("192.0.2.99".parse().unwrap()),
            "unknown address".into(),
        ));
        t.findings.push(Finding::new(
            Code::NullMx,
            "contoso.test",
            Some("other.test"),
            None,
            "unknown host".into(),
        ));
        let view = ReportView::new(&judged);
        let places: Vec<Place> = view.targets[0].findings.iter().map(|f| f.place).collect();
        assert_eq!(
            places,
            [
                Place::Address(0, 0),
                Place::Host(0),
                Place::Address(0, 1),
                Place::Host(0),
                Place::Target
            ]
        );
        let a = view.targets[0].address(0, 1).unwrap();
        assert_eq!(a.status, AddressStatus::Fail);
        assert_eq!(
            view.targets[0].counts.to_string(),
            "2 errors, 3 warnings, 0 infos"
        );
    }
}
