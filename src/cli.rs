//! Command-line input (clap derive) and its validation into a [`Plan`]. No clap type is used
//! below this file.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cert::chain::TrustStore;
use crate::diagnose::DEFAULT_EXPIRY_WARN_DAYS;
use crate::plan::{
    ColorChoice, DnssecAnchor, EndpointsPlan, Format, Plan, ProfileChoice, ReportPlan,
    SchannelPlan, ShowCerts,
};
use crate::profile::{Profile, ProfileKind};
use crate::smtp::session::EhloName;
use crate::target::{parse_domain, parse_host};
use crate::tls::client_auth::ClientIdentity;
use crate::vocab::{EndpointKind, Families, TargetKind, TlsVersion};

const ABOUT: &str = "Diagnose SMTP TLS: MX records, STARTTLS, TLS version and cipher, certificate chain, expected roots.";

#[derive(Debug, Parser)]
#[command(name = "tlscheck", version, about = ABOUT, after_help = crate::exit::HELP, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every address of every MX host of one or more mail domains.
    #[command(after_help = crate::exit::HELP)]
    Mx {
        /// Mail domains, e.g. contoso.com (IDNA names are accepted).
        #[arg(required_unless_present = "file", value_name = "DOMAIN")]
        domains: Vec<String>,
        /// Read more domains from FILE (- for standard input): one per line, `#` starts a
        /// comment. MX hosts and addresses shared by several domains are probed once.
        #[arg(short = 'f', long = "file", value_name = "FILE")]
        file: Option<PathBuf>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Check given hosts (names or IP literals) without an MX lookup.
    #[command(after_help = crate::exit::HELP)]
    Host {
        /// Hosts: name, name:port, 192.0.2.1:25, or an IPv6 literal such as 2001:db8::1 (in brackets with a port).
        #[arg(required = true, value_name = "HOST[:PORT]")]
        hosts: Vec<String>,
        /// Use this host name for SNI, the certificate name check and the report while connecting
        /// to the address given: the pre-cutover check of a new server before the MX points at
        /// it, e.g. tlscheck host 192.0.2.10 --name mx.contoso.com
        #[arg(long, value_name = "HOST")]
        name: Option<String>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Check that the CRL, OCSP and CA-issuer endpoints of a CA answer from this machine (the
    /// firewall check, like `certutil -URL`), without any SMTP. Default: the endpoints of the
    /// exchange-online expect profile.
    #[command(after_help = crate::exit::HELP)]
    Endpoints {
        /// Expect profile whose endpoints to check (built-in name or TOML file) [default:
        /// exchange-online, unless --url is given].
        #[arg(long, value_name = "NAME|FILE")]
        expect: Option<String>,
        /// Deprecated spelling of --expect.
        #[arg(long, value_name = "NAME|FILE", hide = true, conflicts_with = "expect")]
        profile: Option<String>,
        /// A URL to check (repeatable): kind taken from the name (.crl = CRL, .crt/.cer/.p7c =
        /// CA issuer, ocsp in the host or path = OCSP), else a plain GET.
        #[arg(long = "url", value_name = "URL")]
        urls: Vec<String>,
        #[command(flatten)]
        fetch: FetchArgs,
    },
    /// Check the Windows side of "TLS negotiation failed": the SCHANNEL protocol keys (TLS 1.2
    /// on for Client and Server, SSL and TLS 1.0/1.1 off) and the .NET Framework values of
    /// Exchange Server's TLS guidance, read from `reg export` files (on any OS) or, on Windows
    /// without files, from the live registry. Example: tlscheck schannel schannel.reg dotnet.reg
    /// --fix fix.reg
    #[command(after_help = SCHANNEL_HELP)]
    Schannel {
        /// Registry exports (.reg, UTF-16LE or UTF-8) of the SCHANNEL key, the .NET Framework
        /// keys (native and WOW6432Node) and the Windows CurrentVersion key; later files override
        /// earlier ones. None: the live registry (Windows only).
        #[arg(value_name = "FILE.reg")]
        files: Vec<PathBuf>,
        /// The Windows release the settings belong to (2008r2, 2012, 2012r2, 2016, 2019, 2022,
        /// 2025, 10, 11, or 10.0.BUILD), for the defaults of absent values [default: from the
        /// exported CurrentVersion key, else assumed and said]
        #[arg(long, value_name = "VERSION")]
        windows_version: Option<String>,
        /// Write a .reg file (UTF-16LE, as reg export writes) that sets what is missing, for
        /// review and `reg import`; the server needs a restart afterwards.
        #[arg(long, value_name = "FILE.reg")]
        fix: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: FormatArg,
        /// Write the report to FILE instead of standard output.
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Colours in the text report: auto (on a terminal, unless NO_COLOR is set), always, never.
        #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
        color: ColorArg,
        /// Wrap the text report at N columns (0: do not wrap) [default: $COLUMNS, else 80].
        #[arg(long, value_name = "N")]
        width: Option<usize>,
    },
    /// Re-render saved JSON reports (written with --format json or ndjson) in any format and, with
    /// --expect, --sender or --require-tls, re-judge them — without any network access. Several
    /// files (the shards of a batch) are merged into one report. Example: tlscheck report
    /// contoso.json --expect exchange-online --format markdown
    #[command(after_help = crate::exit::HELP)]
    Report {
        /// The saved reports (JSON, or ndjson streams), or - for standard input; several are
        /// merged into one, and a domain or host in more than one is shown once, from the run
        /// that started last.
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
        /// Re-judge with this expect profile (built-in name or TOML file), or `none` for none.
        /// Without --expect, --sender, --forced-tls and --require-tls the saved findings are
        /// rendered as they are; a flag not given keeps the profile the report was judged with.
        #[arg(long, value_name = "NAME|FILE|none")]
        expect: Option<String>,
        /// Deprecated spelling of --expect.
        #[arg(
            long,
            value_name = "NAME|FILE|none",
            hide = true,
            conflicts_with = "expect"
        )]
        profile: Option<String>,
        /// Re-judge with this sender profile (built-in name or TOML file), or `none` for none.
        #[arg(long, value_name = "NAME|FILE|none")]
        sender: Option<String>,
        /// Re-judge as if the sender forced TLS with certificate validation.
        #[arg(long)]
        forced_tls: bool,
        /// Re-judge requiring at least this TLS version (1.2 or 1.3).
        #[arg(long, value_name = "1.2|1.3")]
        require_tls: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: FormatArg,
        /// Write the report to FILE instead of standard output.
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// More detail in the text report (-v: SMTP transcript and timings).
        #[arg(short = 'v', long, action = clap::ArgAction::Count)]
        verbose: u8,
        /// Print only the verdict lines in the text report.
        #[arg(short = 'q', long, conflicts_with = "verbose")]
        quiet: bool,
        /// Colours in the text report: auto (on a terminal, unless NO_COLOR is set), always, never.
        #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
        color: ColorArg,
        /// Wrap the text report at N columns (0: do not wrap) [default: $COLUMNS, else 80].
        #[arg(long, value_name = "N")]
        width: Option<usize>,
    },
    /// See tlscheck at work without a network: the real `mx` check of five demo domains, run
    /// against simulated mail servers, a DNS server and a CA started inside this process on
    /// loopback.
    #[command(
        after_help = crate::demo::HELP,
        // The demo chooses these itself: its DNS server, its port, its CA, STARTTLS over IPv4.
        mut_arg("resolver", |a| a.hide(true)),
        mut_arg("port", |a| a.hide(true)),
        mut_arg("trust", |a| a.hide(true)),
        mut_arg("implicit_tls", |a| a.hide(true)),
        mut_arg("ipv6", |a| a.hide(true))
    )]
    Demo {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// List the built-in profiles, or print one as a TOML template to save, edit and pass back
    /// with --expect FILE.toml or --sender FILE.toml.
    Profile {
        #[command(subcommand)]
        action: ProfileAction,
    },
    /// Print a shell completion script, e.g. tlscheck completions bash >
    /// /etc/bash_completion.d/tlscheck
    Completions {
        #[arg(value_enum)]
        shell: ShellArg,
    },
    /// Print the man page (roff), or write one page per command into DIR, e.g.
    /// tlscheck man | man -l -
    Man {
        /// Write tlscheck.1, tlscheck-mx.1, ... into this directory instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
    /// Explain an SMTP reply, a bounce or a log excerpt (Postfix, Exim, Sendmail, Exchange,
    /// Gmail): likely causes, the finding that would confirm each, and the command to run.
    /// Example: tlscheck explain "451 5.7.3 Must issue a STARTTLS command first"; grep TLS
    /// /var/log/mail.log | tlscheck explain -
    Explain {
        /// The reply or log line (several words are joined with spaces), or - to read lines from
        /// standard input (at most 1 MiB).
        #[arg(required = true, value_name = "TEXT")]
        text: Vec<String>,
        /// Output format (markdown and junit print the text explanation; ndjson is one line of
        /// JSON).
        #[arg(long, value_enum, default_value = "text")]
        format: FormatArg,
    },
}

/// `tlscheck profile ...`.
#[derive(Debug, Subcommand)]
pub enum ProfileAction {
    /// The built-in profiles: name, kind (expect or sender) and summary.
    List,
    /// Print a built-in profile as a commented TOML template, e.g. tlscheck profile show
    /// exchange-online --kind sender > my-sender.toml
    Show {
        /// The built-in profile's name.
        #[arg(value_name = "NAME")]
        name: String,
        /// Which kind, when the name exists as both.
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// The target is the service (--expect).
    Expect,
    /// The target receives from the sender (--sender).
    Sender,
}

impl From<KindArg> for ProfileKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Expect => ProfileKind::Expect,
            KindArg::Sender => ProfileKind::Sender,
        }
    }
}

/// Options of commands that only fetch over HTTP.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Output format (markdown: a table of the endpoints for a ticket).
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// DNS resolver to use instead of the system's, as IP or IP:PORT.
    #[arg(long, value_name = "IP[:PORT]")]
    pub resolver: Option<String>,
    /// Seconds allowed for each request.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Seconds allowed for the whole run.
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    pub deadline: f64,
    /// Allow fetches from private, loopback and link-local addresses (labs, internal CAs).
    #[arg(long)]
    pub allow_private_fetch: bool,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Job {
    Probe(Box<Plan>),
    Demo(Box<Plan>),
    Endpoints(Box<EndpointsPlan>),
    Schannel(Box<SchannelPlan>),
    Report(Box<ReportPlan>),
    Completions(ShellArg),
    Man(Option<PathBuf>),
    /// `tlscheck profile list`.
    ProfileList,
    /// `tlscheck profile show`: the built-in's TOML text.
    ProfileShow(&'static str),
    Explain {
        source: ExplainSource,
        format: Format,
    },
}

/// Where `tlscheck explain` gets its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExplainSource {
    Text(String),
    /// `explain -`: standard input.
    Stdin,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ShellArg {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Text for a person at a terminal.
    Text,
    /// JSON for programs.
    Json,
    /// Markdown for a ticket or a partner hand-off.
    Markdown,
    /// JUnit XML for CI test reports: one test case per domain, host and address.
    Junit,
    /// One JSON report per domain per line, each written as soon as its domain is done.
    Ndjson,
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Output format.
    ///
    /// text for a person, json for programs, markdown for a ticket: a summary with the
    /// certificate facts forced-TLS partners ask for (root issuer, name, organization, key
    /// strength, validity, fingerprints, revocation endpoints and what they answered); junit for
    /// CI test reports (one test case per domain, host and address); ndjson for batch runs (one
    /// complete JSON report per domain per line, each written as soon as its domain is done).
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// DNS resolver to use instead of the system's, as IP or IP:PORT.
    #[arg(long, value_name = "IP[:PORT]")]
    pub resolver: Option<String>,
    /// SMTP port to connect to (465 needs --implicit-tls).
    #[arg(long, default_value_t = 25)]
    pub port: u16,
    /// Start TLS at once instead of STARTTLS (SMTPS, port 465, RFC 8314).
    #[arg(long)]
    pub implicit_tls: bool,
    /// Seconds allowed for each phase (connect, greeting, EHLO, STARTTLS, handshake, DNS query).
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Seconds allowed for the whole run; unfinished probes are reported as timed out.
    #[arg(long, value_name = "SECS", default_value_t = 120.0)]
    pub deadline: f64,
    /// Name to send with EHLO [default: this machine's host name if fully qualified, else the
    /// address literal of the local address, e.g. [192.0.2.7]].
    #[arg(long, value_name = "NAME")]
    pub ehlo: Option<String>,
    /// Probe IPv4 addresses only.
    #[arg(short = '4', long = "ipv4", conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// Probe IPv6 addresses only.
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,
    /// Trust store for chain validation: webpki (Mozilla's roots, built in), system (the OS
    /// store), or a PEM file of CA certificates.
    #[arg(long, value_name = "webpki|system|FILE", default_value = "webpki")]
    pub trust: String,
    /// Expect profile: the target is this service and must present its certificate (name,
    /// organization, root): a built-in name (exchange-online, exchange-online-2018) or a TOML
    /// file. See `tlscheck profile list`.
    #[arg(long, value_name = "NAME|FILE")]
    pub expect: Option<String>,
    /// Deprecated spelling of --expect.
    #[arg(long, value_name = "NAME|FILE", hide = true, conflicts_with = "expect")]
    pub profile: Option<String>,
    /// Sender profile: judge the target as this sender would when delivering mail to it (TLS
    /// versions, cipher suites; the certificate only with --forced-tls): a built-in name
    /// (exchange-online) or a TOML file.
    #[arg(long, value_name = "NAME|FILE")]
    pub sender: Option<String>,
    /// With --sender: the sender forces TLS with certificate validation (a connector that
    /// requires TLS), so the chain must validate and carry the host name.
    #[arg(long, requires = "sender")]
    pub forced_tls: bool,
    /// Fail when the negotiated TLS version is below this (1.2 or 1.3).
    #[arg(long, value_name = "1.2|1.3")]
    pub require_tls: Option<String>,
    /// Also enumerate the accepted cipher suites per accepted TLS version, in the server's order
    /// (one connection per suite: opt-in).
    #[arg(long)]
    pub ciphers: bool,
    /// Skip revocation checks (no CRL download, no OCSP query).
    #[arg(long)]
    pub no_revocation: bool,
    /// Skip transport-security policy: no DANE (TLSA, DNSSEC), MTA-STS or TLS-RPT lookups.
    #[arg(long)]
    pub no_policy: bool,
    /// Probe only shard K of N (1-based, e.g. 2/3) of the targets: targets that share an MX host
    /// or address stay together, so each is probed by one shard; merge the shards' reports with
    /// tlscheck report. [default: $TLSCHECK_SHARD, else $JOB_COMPLETION_INDEX (0-based) with
    /// $TLSCHECK_SHARDS=N]
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Add DNSSEC trust anchors for DANE: DS or DNSKEY records in zone-file syntax, for any zone
    /// (private and lab zones); the IANA root keys are always trusted. May be repeated.
    #[arg(long, value_name = "FILE")]
    pub dnssec_anchor: Vec<PathBuf>,
    /// Send no SNI in the TLS handshake (the certificate name check still uses the host name):
    /// what a sender that omits SNI gets.
    #[arg(long)]
    pub no_sni: bool,
    /// Do not send `MAIL FROM:<>` (and RSET) before STARTTLS; by default it is sent to learn
    /// whether the server requires TLS before mail (never RCPT, never a message).
    #[arg(long)]
    pub no_mail_probe: bool,
    /// Warn (cert-expiring-soon) about a certificate of the chain (not a root) that expires
    /// within DAYS; 0 turns the warning off.
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_EXPIRY_WARN_DAYS)]
    pub expiry_warn: u32,
    /// Write the presented certificate chains as PEM (like openssl s_client -showcerts): in the
    /// text report under each address, or with DIR one file per address and certificate
    /// (DIR/<host>_<ip>_<port>_<n>.pem). Give DIR after the hosts, or as --show-certs=DIR.
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    pub show_certs: Option<Option<PathBuf>>,
    /// Let revocation fetches reach private, loopback and link-local addresses (labs, internal
    /// CAs); refused by default because the URLs come from certificates strangers send.
    #[arg(long)]
    pub allow_private_fetch: bool,
    /// Client certificate (PEM, leaf first) to present when a server asks for one (mutual TLS,
    /// as forced-TLS partners configure it).
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// Private key (PEM) of --client-cert.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Most addresses probed at the same time.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub concurrency: usize,
    /// Most connections open to one IP address at a time, over the whole run (one address probe
    /// opens up to 3 at once; domains sharing MX hosts share the cap), so big mail hosts do not
    /// throttle the run.
    #[arg(long, value_name = "N", default_value_t = crate::politeness::DEFAULT_PER_IP)]
    pub per_ip: usize,
    /// Seconds to leave between the starts of two connections to one IP address (e.g. 0.5 for
    /// hosts that throttle bursts) [default: 0].
    #[arg(long, value_name = "SECS")]
    pub ip_delay: Option<f64>,
    /// More detail in the text report (-v: SMTP transcript and timings).
    #[arg(short = 'v', long, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print only the verdict lines in the text report.
    #[arg(short = 'q', long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Colours in the text report: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorArg,
    /// Wrap the text report at N columns (0: do not wrap) [default: $COLUMNS, else 80].
    #[arg(long, value_name = "N")]
    pub width: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

impl From<ColorArg> for ColorChoice {
    fn from(c: ColorArg) -> Self {
        match c {
            ColorArg::Auto => ColorChoice::Auto,
            ColorArg::Always => ColorChoice::Always,
            ColorArg::Never => ColorChoice::Never,
        }
    }
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Junit => Format::Junit,
            FormatArg::Ndjson => Format::Ndjson,
        }
    }
}

/// Largest domain list read with `-f` (a million domains fit).
const MAX_DOMAIN_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The domains of a `-f` file: one per line, blank lines and `#` comments skipped; a line with
/// more than one word is an error (it is not a domain, and probing its first word would mislead).
fn read_domain_file(path: &std::path::Path) -> Result<Vec<String>, UsageError> {
    use std::io::Read;
    let shown = path.display();
    let mut bytes = Vec::new();
    let read = if path == std::path::Path::new("-") {
        std::io::stdin()
            .lock()
            .take(MAX_DOMAIN_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_DOMAIN_FILE_BYTES + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| UsageError(format!("cannot read {shown}: {e}")))?;
    if bytes.len() as u64 > MAX_DOMAIN_FILE_BYTES {
        return Err(UsageError(format!(
            "{shown} is larger than {MAX_DOMAIN_FILE_BYTES} bytes"
        )));
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| UsageError(format!("{shown} is not UTF-8 text: {e}")))?;
    let mut domains = Vec::new();
    let mut bad = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        let mut words = line.split_whitespace();
        let Some(word) = words.next() else {
            continue;
        };
        if words.next().is_some() {
            bad.push(format!(
                "{shown}:{}: \"{line}\" is not a domain name (one domain per line; # starts a comment)",
                n + 1
            ));
            continue;
        }
        match parse_domain(word) {
            Ok(_) => domains.push(word.to_string()),
            Err(e) => bad.push(format!("{shown}:{}: {e}", n + 1)),
        }
    }
    if !bad.is_empty() {
        let more = bad.len().saturating_sub(10);
        bad.truncate(10);
        if more > 0 {
            bad.push(format!("... and {more} more"));
        }
        return Err(UsageError(bad.join("\n")));
    }
    if domains.is_empty() {
        return Err(UsageError(format!("{shown} lists no domain")));
    }
    Ok(domains)
}

/// The inputs without repeats (same name, any case or trailing dot), first occurrence first.
fn dedup_inputs(inputs: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    inputs
        .into_iter()
        .filter(|i| seen.insert(i.trim().trim_end_matches('.').to_lowercase()))
        .collect()
}

fn parse_require_tls(v: &str) -> Result<TlsVersion, UsageError> {
    match TlsVersion::parse(v) {
        Some(t @ (TlsVersion::Tls12 | TlsVersion::Tls13)) => Ok(t),
        _ => Err(UsageError(format!(
            "--require-tls takes 1.2 or 1.3, not {v:?}"
        ))),
    }
}

/// Checks before any probe that `-o PATH` can be written, so that a run never ends with exit 4
/// for want of a writable file. An existing file is opened for appending (not changed); a new
/// one is created and removed again.
fn writable_file(path: Option<&std::path::Path>) -> Result<(), UsageError> {
    let Some(path) = path else {
        return Ok(());
    };
    let shown = path.display();
    if path.is_dir() {
        return Err(UsageError(format!(
            "-o {shown}: is a directory; give a file name"
        )));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    if !parent.is_dir() {
        return Err(UsageError(format!(
            "-o {shown}: directory {} does not exist",
            parent.display()
        )));
    }
    let cannot = |e: std::io::Error| UsageError(format!("-o {shown}: cannot write: {e}"));
    if path.exists() {
        std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map(drop)
            .map_err(cannot)
    } else {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(cannot)?;
        std::fs::remove_file(path).map_err(cannot)
    }
}

/// Longest `--expiry-warn` (a certificate's whole life is at most 398 days for public CAs; a
/// private one's may be longer, but a warning years ahead says nothing).
const MAX_EXPIRY_WARN_DAYS: u32 = 3650;

/// `--name HOST`: a host name (IDNA to ASCII), not an address.
fn parse_name(input: &str) -> Result<String, UsageError> {
    let bare = input.trim().trim_matches(|c| c == '[' || c == ']');
    if bare.parse::<IpAddr>().is_ok() {
        return Err(UsageError(format!(
            "--name {input:?} is an IP address; give the host name senders will use"
        )));
    }
    crate::target::normalize_name(input)
        .map_err(|e| UsageError(format!("--name: {e}")))
        .and_then(|n| {
            if n.contains('.') {
                Ok(n)
            } else {
                Err(UsageError(format!(
                    "--name {input:?} is not a fully qualified host name"
                )))
            }
        })
}

/// Checks before any probe that `--show-certs DIR` is a directory tlscheck can write into (it is
/// not created: a mistyped name should not make a new directory).
fn writable_cert_dir(dir: &std::path::Path) -> Result<(), UsageError> {
    let shown = dir.display();
    if !dir.is_dir() {
        return Err(UsageError(format!(
            "--show-certs {shown}: not a directory (create it first)"
        )));
    }
    can_create_in(dir).map_err(|e| UsageError(format!("--show-certs {shown}: cannot write: {e}")))
}

/// Checks that `man --out-dir DIR` can be written (creating DIR), before any page is made.
fn writable_dir(dir: &std::path::Path) -> Result<(), UsageError> {
    std::fs::create_dir_all(dir)
        .and_then(|()| can_create_in(dir))
        .map_err(|e| UsageError(format!("--out-dir {}: cannot write: {e}", dir.display())))
}

/// Whether a file can be created in `dir`: one is made and removed again.
fn can_create_in(dir: &std::path::Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".tlscheck-write-check-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    std::fs::remove_file(&probe)
}

/// A configuration error: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl Cli {
    /// Validates the input into a [`Job`].
    pub fn into_job(self) -> Result<Job, UsageError> {
        match self.command {
            Command::Explain { text, format } => {
                let source = match text.as_slice() {
                    [dash] if dash == "-" => ExplainSource::Stdin,
                    _ => ExplainSource::Text(text.join(" ")),
                };
                if matches!(&source, ExplainSource::Text(t) if t.trim().is_empty()) {
                    return Err(UsageError(
                        "explain needs a reply or a log line, or - to read them from standard input"
                            .into(),
                    ));
                }
                Ok(Job::Explain {
                    source,
                    format: format.into(),
                })
            }
            Command::Endpoints {
                expect,
                profile,
                urls,
                fetch,
            } => endpoints_plan(expect.or(deprecated_profile(profile)), urls, fetch)
                .map(|p| Job::Endpoints(Box::new(p))),
            Command::Schannel {
                files,
                windows_version,
                fix,
                format,
                output,
                color,
                width,
            } => schannel_plan(files, windows_version, fix, output).map(
                |(files, windows, fix, output)| {
                    Job::Schannel(Box::new(SchannelPlan {
                        files,
                        windows,
                        fix,
                        format: format.into(),
                        output,
                        color: color.into(),
                        width,
                    }))
                },
            ),
            Command::Profile { action } => profile_job(action),
            Command::Completions { shell } => Ok(Job::Completions(shell)),
            Command::Man { out_dir } => {
                out_dir.as_deref().map(writable_dir).transpose()?;
                Ok(Job::Man(out_dir))
            }
            Command::Report {
                files,
                expect,
                profile,
                sender,
                forced_tls,
                require_tls,
                format,
                output,
                verbose,
                quiet,
                color,
                width,
            } => Ok(Job::Report(Box::new(ReportPlan {
                width,
                output: {
                    writable_file(output.as_deref())?;
                    output
                },
                files: {
                    if files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
                        return Err(UsageError(
                            "standard input (-) can be given only once".into(),
                        ));
                    }
                    files
                },
                profile: profile_choice(
                    expect.or(deprecated_profile(profile)),
                    ProfileKind::Expect,
                )?,
                sender: profile_choice(sender, ProfileKind::Sender)?,
                forced_tls,
                require_tls: require_tls.as_deref().map(parse_require_tls).transpose()?,
                format: format.into(),
                verbose,
                quiet,
                color: color.into(),
            }))),
            Command::Demo { common } => demo_plan(common).map(|p| Job::Demo(Box::new(p))),
            _ => self.into_plan().map(|p| Job::Probe(Box::new(p))),
        }
    }

    /// Validates a probing command (`mx`, `host`) into a [`Plan`] (reads the trust store and the
    /// profile).
    pub fn into_plan(self) -> Result<Plan, UsageError> {
        let (command, inputs, name, common) = match self.command {
            Command::Mx {
                mut domains,
                file,
                common,
            } => {
                if let Some(file) = file {
                    domains.extend(read_domain_file(&file)?);
                }
                (TargetKind::Mx, dedup_inputs(domains), None, common)
            }
            Command::Host {
                hosts,
                name,
                common,
            } => (TargetKind::Host, dedup_inputs(hosts), name, common),
            Command::Explain { .. }
            | Command::Endpoints { .. }
            | Command::Schannel { .. }
            | Command::Report { .. }
            | Command::Demo { .. }
            | Command::Completions { .. }
            | Command::Profile { .. }
            | Command::Man { .. } => return Err(UsageError("this command does not probe".into())),
        };
        let targets = inputs
            .iter()
            .map(|i| match command {
                TargetKind::Mx => parse_domain(i),
                TargetKind::Host => parse_host(i),
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| UsageError(e.to_string()))?;
        let c = common;
        let timeout = seconds(c.timeout, "timeout")?;
        let deadline = seconds(c.deadline, "deadline")?;
        let client_identity = match (&c.client_cert, &c.client_key) {
            (Some(cert), Some(key)) => {
                Some(ClientIdentity::load(cert, key).map_err(|e| UsageError(e.to_string()))?)
            }
            _ => None,
        };
        if c.port == 0 {
            return Err(UsageError("--port must be between 1 and 65535".into()));
        }
        if c.concurrency == 0 || c.concurrency > 1024 {
            return Err(UsageError(
                "--concurrency must be between 1 and 1024".into(),
            ));
        }
        if c.per_ip == 0 || c.per_ip > 64 {
            return Err(UsageError("--per-ip must be between 1 and 64".into()));
        }
        let ip_delay = match c.ip_delay {
            None | Some(0.0) => Duration::ZERO,
            Some(v) => seconds(v, "ip-delay")?,
        };
        let resolver = c.resolver.as_deref().map(parse_resolver).transpose()?;
        let trust = match c.trust.as_str() {
            "webpki" => TrustStore::webpki(),
            "system" => TrustStore::system().map_err(|e| UsageError(e.to_string()))?,
            path => TrustStore::from_pem_file(std::path::Path::new(path))
                .map_err(|e| UsageError(e.to_string()))?,
        };
        let profile = c
            .expect
            .or(deprecated_profile(c.profile))
            .map(|p| load_profile(&p, ProfileKind::Expect))
            .transpose()?;
        let mut sender = c
            .sender
            .map(|p| load_profile(&p, ProfileKind::Sender))
            .transpose()?;
        if let Some(s) = sender.as_mut() {
            s.forced_tls |= c.forced_tls;
        }
        let require_tls = c
            .require_tls
            .as_deref()
            .map(parse_require_tls)
            .transpose()?;
        let ehlo = match c.ehlo {
            Some(name) => EhloName::Name(validate_ehlo(&name)?),
            None => default_ehlo(),
        };
        let name = name.as_deref().map(parse_name).transpose()?;
        if c.expiry_warn > MAX_EXPIRY_WARN_DAYS {
            return Err(UsageError(format!(
                "--expiry-warn must be between 0 and {MAX_EXPIRY_WARN_DAYS} days, not {}",
                c.expiry_warn
            )));
        }
        let show_certs = match c.show_certs {
            None => None,
            Some(None) => Some(ShowCerts::Inline),
            Some(Some(dir)) => {
                writable_cert_dir(&dir)?;
                Some(ShowCerts::Dir(dir))
            }
        };
        let families = match (c.ipv4, c.ipv6) {
            (true, _) => Families::V4,
            (_, true) => Families::V6,
            _ => Families::Any,
        };
        if c.no_policy && !c.dnssec_anchor.is_empty() {
            return Err(UsageError(
                "--dnssec-anchor has no use with --no-policy (DANE is not checked)".into(),
            ));
        }
        let mut dnssec_anchors = Vec::new();
        for path in &c.dnssec_anchor {
            let records = crate::dnssec::read_anchor_file(path)
                .map_err(|e| UsageError(format!("--dnssec-anchor: {e}")))?;
            dnssec_anchors.push(DnssecAnchor {
                file: path.display().to_string(),
                records,
            });
        }
        Ok(Plan {
            command,
            targets,
            port: c.port,
            implicit_tls: c.implicit_tls,
            ehlo,
            timeout,
            deadline,
            concurrency: c.concurrency,
            per_ip: c.per_ip,
            ip_delay,
            families,
            resolver,
            trust,
            profile,
            sender,
            require_tls,
            ciphers: c.ciphers,
            revocation: !c.no_revocation,
            policy: !c.no_policy,
            shard: match &c.shard {
                Some(text) => Some(
                    crate::shard::Shard::parse(text).map_err(|e| UsageError(format!("--{e}")))?,
                ),
                None => {
                    crate::shard::Shard::from_env(|k| std::env::var(k).ok()).map_err(UsageError)?
                }
            },
            dnssec_anchors,
            allow_private_fetch: c.allow_private_fetch,
            client_identity,
            name,
            sni: !c.no_sni,
            mail_probe: !c.no_mail_probe,
            expiry_warn_days: c.expiry_warn,
            show_certs,
            format: c.format.into(),
            output: {
                writable_file(c.output.as_deref())?;
                c.output
            },
            verbose: c.verbose,
            quiet: c.quiet,
            color: c.color.into(),
            width: c.width,
        })
    }
}

/// `tlscheck demo`'s options, validated as `mx` validates them, without targets. Options that
/// would point the run away from the demo's own servers are refused.
fn demo_plan(common: CommonArgs) -> Result<Plan, UsageError> {
    let own = [
        (common.resolver.is_some(), "--resolver"),
        (common.port != 25, "--port"),
        (common.trust != "webpki", "--trust"),
        (common.implicit_tls, "--implicit-tls"),
        (common.ipv6, "-6"),
    ];
    if common.shard.is_some() {
        return Err(UsageError(
            "tlscheck demo runs all its domains: --shard is for batches of tlscheck mx and host"
                .into(),
        ));
    }
    if let Some((_, flag)) = own.iter().find(|(given, _)| *given) {
        return Err(UsageError(format!(
            "tlscheck demo chooses {flag} itself (its own DNS server, mail servers and CA on loopback, over IPv4)"
        )));
    }
    let mx = Command::Mx {
        domains: vec![],
        file: None,
        common,
    };
    // The demo zone publishes no DANE, MTA-STS or TLS-RPT, and its findings are the point of
    // the demo: no policy lookups there.
    let mut plan = Cli { command: mx }.into_plan()?;
    // Not even from the environment (TLSCHECK_SHARD): the demo's domains are one set.
    plan.shard = None;
    plan.policy = false;
    Ok(plan)
}

/// `--profile`, the deprecated spelling of `--expect`: still accepted, with a one-line warning so
/// scripts get changed before it goes.
fn deprecated_profile(profile: Option<String>) -> Option<String> {
    if profile.is_some() {
        eprintln!("tlscheck: warning: --profile is deprecated; use --expect (the target is the service) or --sender (the target receives from it)");
    }
    profile
}

fn load_profile(name_or_path: &str, kind: ProfileKind) -> Result<Profile, UsageError> {
    Profile::load(name_or_path, kind).map_err(|e| UsageError(e.to_string()))
}

/// `tlscheck report --expect/--sender`: kept as saved, none, or a profile.
fn profile_choice(flag: Option<String>, kind: ProfileKind) -> Result<ProfileChoice, UsageError> {
    Ok(match flag.as_deref() {
        None => ProfileChoice::AsSaved,
        Some("none") => ProfileChoice::Without,
        Some(p) => ProfileChoice::Use(Box::new(load_profile(p, kind)?)),
    })
}

/// `tlscheck profile list|show`.
fn profile_job(action: ProfileAction) -> Result<Job, UsageError> {
    match action {
        ProfileAction::List => Ok(Job::ProfileList),
        ProfileAction::Show { name, kind } => {
            let kinds: Vec<ProfileKind> = match kind {
                Some(k) => vec![k.into()],
                None => vec![ProfileKind::Expect, ProfileKind::Sender],
            };
            let found: Vec<(ProfileKind, &'static str)> = kinds
                .into_iter()
                .filter_map(|k| Profile::builtin_text(&name, k).map(|t| (k, t)))
                .collect();
            match found.as_slice() {
                [(_, text)] => Ok(Job::ProfileShow(text)),
                [] => Err(UsageError(format!(
                    "no built-in profile {name:?}{}; see tlscheck profile list",
                    kind.map(|k| format!(" of kind {}", ProfileKind::from(k).as_str()))
                        .unwrap_or_default()
                ))),
                _ => Err(UsageError(format!(
                    "{name} exists as an expect and a sender profile: add --kind expect or --kind sender"
                ))),
            }
        }
    }
}

fn seconds(v: f64, what: &str) -> Result<Duration, UsageError> {
    if !(v.is_finite() && v > 0.0 && v <= 86_400.0) {
        return Err(UsageError(format!(
            "--{what} must be more than 0 and at most 86400 seconds, not {v}"
        )));
    }
    Ok(Duration::from_secs_f64(v))
}

/// The text after `tlscheck schannel --help`.
const SCHANNEL_HELP: &str = r#"Export the keys on the Windows server (an elevated prompt is not needed) and pass every file:
  reg export "HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL" schannel.reg
  reg export "HKLM\SOFTWARE\Microsoft\.NETFramework" dotnet.reg
  reg export "HKLM\SOFTWARE\WOW6432Node\Microsoft\.NETFramework" dotnet32.reg
  reg export "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" version.reg

Exit codes:
  0  pass: TLS 1.2 is on for both sides (warnings may remain)
  1  fail: at least one finding of severity error (TLS 1.2 off)
  2  usage error: a file that is missing, too large, not a registry export, or holds none of the keys
  4  internal error"#;

/// The files checked (present, readable), `--windows-version` parsed, `--fix` and `-o`
/// writable and not an input file.
#[allow(clippy::type_complexity)]
fn schannel_plan(
    files: Vec<PathBuf>,
    windows_version: Option<String>,
    fix: Option<PathBuf>,
    output: Option<PathBuf>,
) -> Result<
    (
        Vec<PathBuf>,
        Option<crate::schannel::windows::WindowsVersion>,
        Option<PathBuf>,
        Option<PathBuf>,
    ),
    UsageError,
> {
    if files.is_empty() && !crate::schannel::live::AVAILABLE {
        return Err(UsageError(format!(
            "tlscheck schannel reads the live registry only on Windows; here, give the exported files:\n{}",
            crate::schannel::EXPORT_COMMANDS
        )));
    }
    for f in &files {
        if !f.is_file() {
            return Err(UsageError(format!(
                "{}: no such file (give registry exports made with reg export)",
                f.display()
            )));
        }
    }
    let windows = windows_version
        .as_deref()
        .map(crate::schannel::windows::WindowsVersion::parse)
        .transpose()
        .map_err(UsageError)?;
    writable_file(output.as_deref())?;
    if let Some(path) = &fix {
        writable_file(Some(path)).map_err(|e| UsageError(e.0.replacen("-o ", "--fix ", 1)))?;
        if files.iter().any(|f| same_file(f, path)) {
            return Err(UsageError(format!(
                "--fix {}: that is one of the input files; give a new file name",
                path.display()
            )));
        }
    }
    Ok((files, windows, fix, output))
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn endpoints_plan(
    profile: Option<String>,
    urls: Vec<String>,
    f: FetchArgs,
) -> Result<EndpointsPlan, UsageError> {
    let profile = match (&profile, urls.is_empty()) {
        (None, true) => Some("exchange-online".to_string()),
        _ => profile,
    };
    let mut endpoints = Vec::new();
    if let Some(name) = &profile {
        let p = load_profile(name, ProfileKind::Expect)?;
        if p.endpoints.is_empty() && urls.is_empty() {
            return Err(UsageError(format!(
                "profile {name} lists no endpoints; give --url URL"
            )));
        }
        endpoints.extend(p.endpoints.iter().map(|e| (e.kind, e.url.clone())));
    }
    for u in &urls {
        url::Url::parse(u).map_err(|e| UsageError(format!("--url {u:?} is not a URL: {e}")))?;
        endpoints.push((EndpointKind::guess(u), u.clone()));
    }
    Ok(EndpointsPlan {
        profile,
        endpoints,
        timeout: seconds(f.timeout, "timeout")?,
        deadline: seconds(f.deadline, "deadline")?,
        resolver: f.resolver.as_deref().map(parse_resolver).transpose()?,
        allow_private_fetch: f.allow_private_fetch,
        format: f.format.into(),
        output: {
            writable_file(f.output.as_deref())?;
            f.output
        },
    })
}

fn parse_resolver(s: &str) -> Result<SocketAddr, UsageError> {
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let bare = s.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| {
            UsageError(format!(
                "--resolver takes IP or IP:PORT (e.g. 127.0.0.53:53 or [::1]:53), not {s:?}"
            ))
        })
}

fn validate_ehlo(name: &str) -> Result<String, UsageError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.[]:_".contains(&b));
    if ok {
        Ok(name.to_string())
    } else {
        Err(UsageError(format!(
            "--ehlo {name:?} is not a host name or address literal"
        )))
    }
}

/// The machine's host name when it is fully qualified, else the local address literal.
fn default_ehlo() -> EhloName {
    let host = gethostname::gethostname().to_string_lossy().to_string();
    if host.contains('.') && validate_ehlo(&host).is_ok() && !host.ends_with('.') {
        EhloName::Name(host)
    } else {
        EhloName::LocalAddressLiteral
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(args: &[&str]) -> Result<Plan, String> {
        let cli = Cli::try_parse_from(args).map_err(|e| e.to_string())?;
        cli.into_plan().map_err(|e| e.0)
    }

    #[test]
    fn mx_defaults() {
        let p = plan(&["tlscheck", "mx", "Contoso.com"]).unwrap();
        assert_eq!(p.command, TargetKind::Mx);
        assert_eq!(p.port, 25);
        assert_eq!(p.timeout, Duration::from_secs(10));
        assert_eq!(p.trust.label, "webpki");
        assert_eq!(p.format, Format::Text);
        assert_eq!(p.families, Families::Any);
        assert!(p.profile.is_none());
        assert_eq!(p.targets[0].input(), "Contoso.com");
    }

    #[test]
    fn options_are_validated() {
        assert!(
            plan(&["tlscheck", "mx", "a.example", "--require-tls", "1.1"])
                .unwrap_err()
                .contains("1.2 or 1.3")
        );
        assert!(plan(&["tlscheck", "mx", "a.example", "--timeout", "0"]).is_err());
        assert!(plan(&["tlscheck", "mx", "a.example", "--resolver", "nope"]).is_err());
        assert!(plan(&["tlscheck", "mx", "a.example", "--expect", "nope"])
            .unwrap_err()
            .contains("unknown profile"));
        assert!(plan(&["tlscheck", "mx", "a.example", "--forced-tls"]).is_err());
        let e = plan(&[
            "tlscheck",
            "mx",
            "a.example",
            "--sender",
            "exchange-online-2018",
        ])
        .unwrap_err();
        assert!(
            e.contains("--sender takes profiles with kind = \"sender\""),
            "{e}"
        );
        assert!(plan(&["tlscheck", "mx", "a.example", "--trust", "/no/such.pem"]).is_err());
        assert!(plan(&["tlscheck", "mx", "a.example", "-4", "-6"]).is_err());
        assert!(plan(&["tlscheck", "mx", "192.0.2.1"]).is_err());
        assert!(plan(&["tlscheck", "mx"]).is_err());
        assert!(plan(&["tlscheck", "mx", "a.example", "--ehlo", "bad name"]).is_err());
    }

    #[test]
    fn name_and_cutover_options() {
        let p = plan(&[
            "tlscheck",
            "host",
            "192.0.2.10",
            "--name",
            "MX.Contoso.com.",
            "--no-sni",
            "--no-mail-probe",
            "--expiry-warn",
            "60",
        ])
        .unwrap();
        assert_eq!(p.name.as_deref(), Some("mx.contoso.com"));
        assert_eq!(
            (p.sni, p.mail_probe, p.expiry_warn_days),
            (false, false, 60)
        );
        assert_eq!(p.show_certs, None);
        let p = plan(&["tlscheck", "host", "192.0.2.10", "--show-certs"]).unwrap();
        assert_eq!(p.show_certs, Some(ShowCerts::Inline));
        assert_eq!((p.sni, p.mail_probe, p.expiry_warn_days), (true, true, 30));
        assert!(plan(&["tlscheck", "mx", "a.example", "--name", "mx.a.example"]).is_err());
        for bad in ["bad name", "192.0.2.1", "[::1]", "localhost", ""] {
            assert!(
                plan(&["tlscheck", "host", "192.0.2.10", "--name", bad]).is_err(),
                "{bad}"
            );
        }
        assert!(plan(&["tlscheck", "host", "192.0.2.10", "--expiry-warn", "3651"]).is_err());
    }

    #[test]
    fn resolver_forms() {
        assert_eq!(
            parse_resolver("127.0.0.1").unwrap(),
            "127.0.0.1:53".parse().unwrap()
        );
        assert_eq!(
            parse_resolver("127.0.0.1:5353").unwrap(),
            "127.0.0.1:5353".parse().unwrap()
        );
        assert_eq!(
            parse_resolver("[::1]:53").unwrap(),
            "[::1]:53".parse().unwrap()
        );
        assert_eq!(parse_resolver("::1").unwrap(), "[::1]:53".parse().unwrap());
    }

    #[test]
    fn demo_takes_the_output_options_and_refuses_its_own() {
        let job = |args: &[&str]| -> Result<Job, String> {
            let cli = Cli::try_parse_from(args).map_err(|e| e.to_string())?;
            cli.into_job().map_err(|e| e.0)
        };
        let args = [
            "tlscheck",
            "demo",
            "--format",
            "json",
            "-o",
            "d.json",
            "-v",
            "--ciphers",
        ];
        let Ok(Job::Demo(p)) = job(&args) else {
            panic!("not a demo job")
        };
        assert_eq!((p.format, p.verbose, p.ciphers), (Format::Json, 1, true));
        assert!(p.targets.is_empty());
        for (flag, value) in [
            ("--resolver", "127.0.0.1"),
            ("--port", "2525"),
            ("--trust", "system"),
        ] {
            let e = job(&["tlscheck", "demo", flag, value]).unwrap_err();
            assert!(e.contains(flag), "{e}");
        }
        assert!(job(&["tlscheck", "demo", "--implicit-tls"]).is_err());
        assert!(job(&["tlscheck", "demo", "-q", "-v"]).is_err());
    }

    #[test]
    fn host_with_profile_and_require_tls() {
        let p = plan(&[
            "tlscheck",
            "host",
            "mx.example:2525",
            "--expect",
            "exchange-online",
            "--require-tls",
            "1.3",
            "-4",
            "--format",
            "json",
            "--ehlo",
            "probe.example.org",
        ])
        .unwrap();
        assert_eq!(p.command, TargetKind::Host);
        assert_eq!(p.require_tls, Some(TlsVersion::Tls13));
        assert_eq!(p.profile.unwrap().name, "exchange-online");
        assert!(p.sender.is_none());
        assert_eq!(p.families, Families::V4);
        assert_eq!(p.ehlo, EhloName::Name("probe.example.org".into()));
    }

    #[test]
    fn expect_sender_and_the_deprecated_profile_flag() {
        let p = plan(&[
            "tlscheck",
            "host",
            "mx.example",
            "--sender",
            "exchange-online",
            "--forced-tls",
        ])
        .unwrap();
        let s = p.sender.unwrap();
        assert_eq!(s.kind, ProfileKind::Sender);
        assert!(s.forced_tls);
        assert!(p.profile.is_none());
        // --profile still means --expect, and cannot be given beside it.
        let p = plan(&[
            "tlscheck",
            "mx",
            "a.example",
            "--profile",
            "exchange-online",
        ])
        .unwrap();
        assert_eq!(p.profile.unwrap().kind, ProfileKind::Expect);
        assert!(plan(&[
            "tlscheck",
            "mx",
            "a.example",
            "--profile",
            "exchange-online",
            "--expect",
            "exchange-online"
        ])
        .is_err());
    }

    #[test]
    fn profile_show_needs_a_kind_only_when_the_name_has_both() {
        let job = |args: &[&str]| -> Result<Job, String> {
            let cli = Cli::try_parse_from(args).map_err(|e| e.to_string())?;
            cli.into_job().map_err(|e| e.0)
        };
        let e = job(&["tlscheck", "profile", "show", "exchange-online"]).unwrap_err();
        assert!(e.contains("--kind"), "{e}");
        assert!(matches!(
            job(&["tlscheck", "profile", "show", "exchange-online", "--kind", "sender"]),
            Ok(Job::ProfileShow(t)) if t.contains("kind = \"sender\"")
        ));
        assert!(matches!(
            job(&["tlscheck", "profile", "show", "exchange-online-2018"]),
            Ok(Job::ProfileShow(_))
        ));
        assert!(job(&["tlscheck", "profile", "show", "nope"]).is_err());
        assert!(matches!(
            job(&["tlscheck", "profile", "list"]),
            Ok(Job::ProfileList)
        ));
    }
}
