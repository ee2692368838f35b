//! The validated run configuration. `cli::Cli::into_plan` builds it; nothing below the CLI sees a
//! clap type. Everything here has been checked: files read, names normalised, numbers in range.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::cert::chain::TrustStore;
use crate::profile::Profile;
use crate::smtp::session::EhloName;
use crate::target::Target;
use crate::tls::client_auth::ClientIdentity;
use crate::vocab::{EndpointKind, Families, TargetKind, TlsVersion};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    /// A ticket-ready summary with the certificate facts partners ask for.
    Markdown,
    /// JUnit XML for CI test reports: one test case per domain, host and address.
    Junit,
    /// One complete JSON report per target, one per line (newline-delimited JSON); a live run
    /// writes each as soon as its target is done.
    Ndjson,
}

/// Everything a probing run needs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `mx` (mail domains) or `host` (hosts probed themselves).
    pub command: TargetKind,
    pub targets: Vec<Target>,
    pub port: u16,
    pub implicit_tls: bool,
    pub ehlo: EhloName,
    /// Per phase (connect, greeting, EHLO, STARTTLS, handshake, DNS query).
    pub timeout: Duration,
    /// Whole run.
    pub deadline: Duration,
    pub concurrency: usize,
    /// Most connections open to one IP address at a time (`--per-ip`).
    pub per_ip: usize,
    /// Least time between the starts of two connections to one IP address (`--ip-delay`).
    pub ip_delay: Duration,
    pub families: Families,
    /// `None`: the system resolver.
    pub resolver: Option<SocketAddr>,
    pub trust: TrustStore,
    /// The expect profile (`--expect`, or the deprecated `--profile`).
    pub profile: Option<Profile>,
    /// The sender profile (`--sender`), with `forced_tls` set by `--forced-tls`.
    pub sender: Option<Profile>,
    pub require_tls: Option<TlsVersion>,
    /// Enumerate accepted cipher suites per version (many connections; opt-in).
    pub ciphers: bool,
    /// Check CRLs and OCSP (`--no-revocation` turns it off).
    pub revocation: bool,
    /// DANE, MTA-STS and TLS-RPT are looked up (`--no-policy` turns them off).
    pub policy: bool,
    /// `--shard K/N`: this run probes only its shard of the targets.
    pub shard: Option<crate::shard::Shard>,
    /// `--dnssec-anchor` files, read.
    pub dnssec_anchors: Vec<DnssecAnchor>,
    /// Revocation fetches may reach private/loopback/link-local addresses.
    pub allow_private_fetch: bool,
    /// Client certificate presented when a server asks (`--client-cert`, `--client-key`).
    pub client_identity: Option<ClientIdentity>,
    /// `--name`: the host name to use for SNI, the name check and the report when `tlscheck host`
    /// connects to an address (checking a server before the MX points at it).
    pub name: Option<String>,
    /// Send SNI (`--no-sni` turns it off).
    pub sni: bool,
    /// Send `MAIL FROM:<>` before STARTTLS to learn whether TLS is required (`--no-mail-probe`).
    pub mail_probe: bool,
    /// Warn about certificates expiring within this many days (`--expiry-warn`; 0: never).
    pub expiry_warn_days: u32,
    /// `--show-certs`: write the presented chains as PEM.
    pub show_certs: Option<ShowCerts>,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub verbose: u8,
    pub quiet: bool,
    pub color: ColorChoice,
    /// Text report width in columns (`--width`; 0: not wrapped; `None`: `COLUMNS`, else 80).
    pub width: Option<usize>,
}

/// Where `--show-certs` writes the presented chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShowCerts {
    /// Under each address in the text report.
    Inline,
    /// One PEM file per address and certificate in this directory (checked writable).
    Dir(PathBuf),
}

/// `tlscheck endpoints`: which URLs to fetch, and how.
#[derive(Debug, Clone)]
pub struct EndpointsPlan {
    /// The profile whose endpoints are checked (its name), if any.
    pub profile: Option<String>,
    pub endpoints: Vec<(EndpointKind, String)>,
    pub timeout: Duration,
    pub deadline: Duration,
    pub resolver: Option<SocketAddr>,
    pub allow_private_fetch: bool,
    pub format: Format,
    pub output: Option<PathBuf>,
}

/// `tlscheck schannel`: registry exports (none: the live registry, on Windows), the Windows
/// version when given, the fix file, the output.
#[derive(Debug)]
pub struct SchannelPlan {
    pub files: Vec<PathBuf>,
    pub windows: Option<crate::schannel::windows::WindowsVersion>,
    pub fix: Option<PathBuf>,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub color: ColorChoice,
    pub width: Option<usize>,
}

/// `--color`: ANSI colours in the text report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// When standard output is a terminal, `NO_COLOR` is unset or empty and `TERM` is not `dumb`.
    #[default]
    Auto,
    Always,
    Never,
}

/// `tlscheck report FILE`: re-render (and re-judge) a saved report, offline.
#[derive(Debug, Clone)]
pub struct ReportPlan {
    /// The saved JSON or ndjson reports, merged into one; `-` is standard input.
    pub files: Vec<PathBuf>,
    /// The expect profile to re-judge with.
    pub profile: ProfileChoice,
    /// The sender profile to re-judge with.
    pub sender: ProfileChoice,
    /// `--forced-tls`: the sender (chosen or saved) validates certificates.
    pub forced_tls: bool,
    /// Re-judge requiring at least this version.
    pub require_tls: Option<TlsVersion>,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub verbose: u8,
    pub quiet: bool,
    pub color: ColorChoice,
    /// Text report width in columns (`--width`; 0: not wrapped; `None`: `COLUMNS`, else 80).
    pub width: Option<usize>,
}

impl ReportPlan {
    /// `--expect`, `--sender`, `--forced-tls` or `--require-tls` was given: the saved report is
    /// judged again.
    pub fn rejudges(&self) -> bool {
        !matches!(self.profile, ProfileChoice::AsSaved)
            || !matches!(self.sender, ProfileChoice::AsSaved)
            || self.forced_tls
            || self.require_tls.is_some()
    }
}

/// `tlscheck report --expect` / `--sender`: which profile of that kind judges a saved report.
#[derive(Debug, Clone)]
pub enum ProfileChoice {
    /// Flag not given: the one the report was judged with, if any.
    AsSaved,
    /// `--expect none` / `--sender none`: no profile of that kind.
    Without,
    /// `--expect NAME|FILE` / `--sender NAME|FILE`.
    Use(Box<Profile>),
}

/// One `--dnssec-anchor` file and its records.
#[derive(Debug, Clone)]
pub struct DnssecAnchor {
    pub file: String,
    pub records: Vec<crate::dnssec::AnchorRecord>,
}
