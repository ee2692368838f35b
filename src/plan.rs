//! The validated run configuration. `cli::Cli::into_plan` builds it; nothing below the CLI sees a
//! clap type. Everything here has been checked: files read, names normalised, numbers in range.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::cert::chain::TrustStore;
use crate::dns::Families;
use crate::profile::Profile;
use crate::smtp::session::EhloName;
use crate::target::Target;
use crate::tls::client_auth::ClientIdentity;

/// A TLS protocol version that can be required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl TlsVersion {
    /// Accepts `1.2`, `tls1.2`, `TLSv1.2` (and the same for 1.0, 1.1, 1.3).
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

    /// The name used in reports: `TLSv1.2`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Tls10 => "TLSv1.0",
            Self::Tls11 => "TLSv1.1",
            Self::Tls12 => "TLSv1.2",
            Self::Tls13 => "TLSv1.3",
        }
    }
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKind {
    Mx,
    Host,
}

impl CommandKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CommandKind::Mx => "mx",
            CommandKind::Host => "host",
        }
    }
}

/// Everything a probing run needs.
#[derive(Debug, Clone)]
pub struct Plan {
    pub command: CommandKind,
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
    pub profile: Option<Profile>,
    pub require_tls: Option<TlsVersion>,
    /// Enumerate accepted cipher suites per version (many connections; opt-in).
    pub ciphers: bool,
    /// Check CRLs and OCSP (`--no-revocation` turns it off).
    pub revocation: bool,
    /// Revocation fetches may reach private/loopback/link-local addresses.
    pub allow_private_fetch: bool,
    /// Client certificate presented when a server asks (`--client-cert`, `--client-key`).
    pub client_identity: Option<ClientIdentity>,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub verbose: u8,
    pub quiet: bool,
    pub color: ColorChoice,
}

/// `tlscheck endpoints`: which URLs to fetch, and how.
#[derive(Debug, Clone)]
pub struct EndpointsPlan {
    /// The profile whose endpoints are checked (its name), if any.
    pub profile: Option<String>,
    pub endpoints: Vec<(crate::report::EndpointKind, String)>,
    pub timeout: Duration,
    pub deadline: Duration,
    pub resolver: Option<SocketAddr>,
    pub allow_private_fetch: bool,
    pub format: Format,
    pub output: Option<PathBuf>,
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
    /// The saved JSON report; `-` is standard input.
    pub file: PathBuf,
    /// Re-judge with this profile: `Some(None)` = explicitly none (`--profile none`).
    pub profile: Option<Option<crate::profile::Profile>>,
    /// Re-judge requiring at least this version.
    pub require_tls: Option<TlsVersion>,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub verbose: u8,
    pub quiet: bool,
    pub color: ColorChoice,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_order() {
        assert_eq!(TlsVersion::parse("1.2"), Some(TlsVersion::Tls12));
        assert_eq!(TlsVersion::parse("TLSv1.3"), Some(TlsVersion::Tls13));
        assert_eq!(TlsVersion::parse("tls1.1"), Some(TlsVersion::Tls11));
        assert_eq!(TlsVersion::parse("1.4"), None);
        assert!(TlsVersion::Tls12 < TlsVersion::Tls13);
        assert_eq!(TlsVersion::Tls12.label(), "TLSv1.2");
    }
}
