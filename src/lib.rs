//! tlscheck: diagnose SMTP TLS the way a strict peer such as Exchange Online will meet it.
//!
//! `tlscheck mx contoso.com` resolves the domain's MX hosts, opens an SMTP session to every
//! address, issues STARTTLS, and records the negotiated TLS version, cipher suite, key exchange,
//! the presented chain and its trust; then it judges those facts against a policy (and optionally a
//! dated expectation profile) and renders a verdict with causes and fixes.
//!
//! # Layout
//!
//! Three passes over plain data: **probe** (network code fills a [`report::Report`]), **judge**
//! ([`diagnose::judge`], pure), **render** ([`render`], to any `Write`).
//!
//! - [`cli`] parses arguments into a validated [`plan::Plan`]; nothing below it sees clap.
//! - [`target`] normalises domains and hosts; [`dns`] resolves MX / A / AAAA (hickory).
//! - [`probe`] runs every address concurrently under timeouts and the run deadline;
//!   [`politeness`] caps the connections to one IP address (`--per-ip`, `--ip-delay`).
//! - [`smtp`]: [`smtp::reply`] (bounded reply parser), [`smtp::extensions`] (EHLO keywords),
//!   [`smtp::stream`] (limits, timeouts, STARTTLS injection guard), [`smtp::session`] (the state
//!   machine).
//! - [`tls`]: [`tls::handshake`] (rustls, aws-lc-rs), [`tls::danger`] (the recording verifier) and
//!   [`tls::legacy`] (raw ClientHellos for TLS 1.0/1.1 and static RSA).
//! - [`versions`] decides which TLS versions an address accepts; [`ciphers`] enumerates suites
//!   (`--ciphers`).
//! - [`cert`]: [`cert::summary`] (certificate facts) and [`cert::chain`] (trust, anchor, name).
//! - [`revocation`]: CRL ([`revocation::crl`]) and OCSP ([`revocation::ocsp`]) checks, each URL
//!   fetched once per run through [`fetch`] (http/https only, no private destinations, size caps).
//! - [`tls::client_auth`]: `--client-cert` and what a server's CertificateRequest asked for.
//! - [`profile`]: expectation profiles from `profiles/*.toml`.
//! - [`explain`] reads SMTP replies and log lines (`tlscheck explain`).
//! - [`report`] is the versioned JSON wire format; [`diagnose`] holds the finding codes and rules;
//!   [`exit`] the exit codes; [`limits`] every bound on network input.

#![forbid(unsafe_code)]
// Network data must never panic the run: no unwrap/expect/panic, no indexing or slicing that can
// go out of bounds or split a UTF-8 character, no unreachable!/todo! outside tests (clippy runs
// with -D warnings in CI, so these are enforced; docs/limits.md lists the rest of the rules).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod cert;
pub mod ciphers;
pub mod cli;
pub mod diagnose;
pub mod dns;
pub mod endpoints;
pub mod exit;
pub mod explain;
pub mod fetch;
pub mod limits;
pub mod manual;
pub mod plan;
pub mod politeness;
pub mod probe;
pub mod profile;
pub mod render;
pub mod report;
pub mod revocation;
pub mod saved;
pub mod schema;
pub mod smtp;
pub mod target;
pub mod tls;
pub mod versions;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;

use crate::diagnose::{judge, Policy, Verdict};
use crate::dns::Dns;
use crate::plan::Plan;
use crate::render::TextOptions;
use crate::report::{Report, RunOptions, Tool, SCHEMA_VERSION};
use crate::target::{HostSpec, Target};

/// A run-level failure (as opposed to a failure at one address, which is a recorded fact).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    #[error("cannot write the report to {path}: {source}")]
    Output {
        path: String,
        source: std::io::Error,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Output { .. } | Error::Internal(_) => exit::INTERNAL,
        }
    }
}

/// Probes, judges and renders as the plan says; returns the exit code of the verdict.
pub async fn run(plan: &Plan) -> Result<u8, Error> {
    if plan.format == plan::Format::Ndjson {
        return run_streaming(plan).await;
    }
    let report = probe_and_judge(plan).await?;
    write_report(plan, &report)?;
    Ok(exit::for_verdict(report.verdict))
}

/// `--format ndjson`: writes each target's report, judged, as one line as soon as the target is
/// done, and keeps nothing of it after. A closed pipe (`| head`) ends the run early.
async fn run_streaming(plan: &Plan) -> Result<u8, Error> {
    // Set up first, so that a usage error leaves no empty output file behind.
    let setup = Setup::new(plan)?;
    let mut out: Box<dyn Write> = match &plan.output {
        Some(path) => Box::new(std::fs::File::create(path).map_err(|source| Error::Output {
            path: path.display().to_string(),
            source,
        })?),
        None => Box::new(std::io::stdout()),
    };
    let out_name = || match &plan.output {
        Some(path) => path.display().to_string(),
        None => "standard output".into(),
    };
    let bar = progress_bar(plan);
    let prober = setup.prober(plan).with_progress(bar.clone());
    let mut finished = prober.stream();
    let mut verdict = Verdict::Pass;
    let mut line = Vec::new();
    while let Some(target) = futures::StreamExt::next(&mut finished).await {
        let report = setup.report(plan, vec![target]);
        verdict = diagnose::overall([verdict, report.verdict].into_iter());
        line.clear();
        render::json::line(&report, &mut line).map_err(|e| Error::Internal(e.to_string()))?;
        match out.write_all(&line).and_then(|_| out.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => break,
            Err(source) => {
                return Err(Error::Output {
                    path: out_name(),
                    source,
                })
            }
        }
    }
    bar.finish_and_clear();
    Ok(exit::for_verdict(verdict))
}

/// `tlscheck explain`: prints the explanation; returns the exit code.
pub fn explain_to_stdout(text: &str, format: plan::Format) -> u8 {
    let e = explain::explain(text);
    let mut buf = Vec::new();
    let r = match format {
        plan::Format::Json => render::json::pretty(&e, &mut buf),
        plan::Format::Ndjson => render::json::line(&e, &mut buf),
        // JUnit has no use for an explanation: it gets the text, like Markdown.
        plan::Format::Text | plan::Format::Markdown | plan::Format::Junit => {
            explain::render_text(&e, &mut buf)
        }
    };
    if r.is_err() {
        return exit::INTERNAL;
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&buf).and_then(|_| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => exit::INTERNAL,
        _ => exit::PASS,
    }
}

pub(crate) fn make_dns(
    resolver: Option<std::net::SocketAddr>,
    timeout: Duration,
) -> Result<Dns, Error> {
    match resolver {
        Some(addr) => Dns::server(addr, timeout),
        None => Dns::system(timeout),
    }
    .map_err(|e| Error::Usage(e.to_string()))
}

/// Probes and judges, without rendering.
pub async fn probe_and_judge(plan: &Plan) -> Result<Report, Error> {
    let setup = Setup::new(plan)?;
    let bar = progress_bar(plan);
    let targets = setup.prober(plan).with_progress(bar.clone()).run().await;
    bar.finish_and_clear();
    Ok(setup.report(plan, targets))
}

/// What every probing run sets up before the first probe: the clock, DNS and revocation.
struct Setup {
    started_at: OffsetDateTime,
    t0: Instant,
    deadline: Instant,
    dns: Option<Arc<Dns>>,
    checker: Option<revocation::Checker>,
}

impl Setup {
    fn new(plan: &Plan) -> Result<Self, Error> {
        let started_at = OffsetDateTime::now_utc();
        let t0 = Instant::now();
        let deadline = t0 + plan.deadline;
        let needs_dns = plan.targets.iter().any(|t| {
            !matches!(
                t,
                Target::Host {
                    host: HostSpec::Ip(_),
                    ..
                }
            )
        });
        // Revocation URLs name hosts even when every target is an IP literal.
        let dns = if needs_dns || plan.revocation {
            Some(Arc::new(make_dns(plan.resolver, plan.timeout)?))
        } else {
            None
        };
        let checker = match (&dns, plan.revocation) {
            (Some(dns), true) => {
                let fetcher =
                    fetch::Fetcher::new(dns.clone(), plan.allow_private_fetch, plan.timeout)
                        .map_err(Error::Usage)?;
                Some(revocation::Checker::new(fetcher, deadline))
            }
            _ => None,
        };
        Ok(Self {
            started_at,
            t0,
            deadline,
            dns,
            checker,
        })
    }

    fn prober<'a>(&'a self, plan: &'a Plan) -> probe::Prober<'a> {
        probe::Prober::new(
            plan,
            self.dns.as_deref(),
            self.deadline,
            self.checker.as_ref(),
        )
    }

    /// The judged report of `targets`, timed from the start of the run.
    fn report(&self, plan: &Plan, targets: Vec<report::TargetReport>) -> Report {
        let mut report = Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool::this(),
            started_at: self.started_at,
            duration_ms: u64::try_from(self.t0.elapsed().as_millis()).unwrap_or(u64::MAX),
            options: run_options(plan, self.dns.as_deref()),
            targets,
            findings: vec![],
            verdict: Verdict::Inconclusive,
        };
        let policy = Policy {
            profile: plan.profile.clone(),
            require_tls: plan.require_tls,
            revocation: plan.revocation,
        };
        judge(&mut report, &policy);
        report
    }
}

fn run_options(plan: &Plan, dns: Option<&Dns>) -> RunOptions {
    RunOptions {
        command: plan.command.as_str().into(),
        port: plan.port,
        implicit_tls: plan.implicit_tls,
        ehlo: plan.ehlo.describe(),
        timeout_ms: u64::try_from(plan.timeout.as_millis()).unwrap_or(u64::MAX),
        deadline_ms: u64::try_from(plan.deadline.as_millis()).unwrap_or(u64::MAX),
        concurrency: plan.concurrency,
        per_ip: plan.per_ip,
        ip_delay_ms: u64::try_from(plan.ip_delay.as_millis()).unwrap_or(u64::MAX),
        families: plan.families.as_str().into(),
        resolver: dns
            .map(|d| d.label.clone())
            .unwrap_or_else(|| "none".into()),
        trust_store: plan.trust.label.clone(),
        profile: plan.profile.as_ref().map(|p| p.name.clone()),
        require_tls: plan.require_tls.map(|v| v.label().to_string()),
        ciphers: plan.ciphers,
        revocation: plan.revocation,
        allow_private_fetch: plan.allow_private_fetch,
        client_cert: plan.client_identity.as_ref().map(|c| c.path.clone()),
    }
}

fn write_report(plan: &Plan, report: &Report) -> Result<(), Error> {
    let opts = TextOptions {
        verbose: plan.verbose,
        quiet: plan.quiet,
        color: use_color(plan.color, plan.output.as_deref()),
    };
    render_and_emit(report, plan.format, opts, plan.output.as_deref())
}

/// A progress indicator on standard error while probes run: only on a terminal, never in a pipe,
/// in CI (`CI` set) or with `-q`.
fn progress_bar(plan: &Plan) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if plan.quiet || std::env::var_os("CI").is_some() || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(0),
        indicatif::ProgressDrawTarget::stderr_with_hz(10),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {pos}/{len} addresses probed  {wide_msg}",
    ) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar
}

/// Whether the text report gets ANSI colours: `--color always`, or `auto` when it goes to a
/// terminal that wants them (https://no-color.org: a non-empty `NO_COLOR` turns them off).
fn use_color(choice: plan::ColorChoice, output: Option<&std::path::Path>) -> bool {
    use std::io::IsTerminal;
    match choice {
        plan::ColorChoice::Always => true,
        plan::ColorChoice::Never => false,
        plan::ColorChoice::Auto => {
            output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

fn render_and_emit(
    report: &Report,
    format: plan::Format,
    opts: TextOptions,
    output: Option<&std::path::Path>,
) -> Result<(), Error> {
    let mut buf = Vec::new();
    render::render(report, format, opts, &mut buf).map_err(|e| Error::Internal(e.to_string()))?;
    emit(output, &buf)
}

/// `tlscheck report FILE`: loads a saved report, re-judges it when asked, renders it; returns the
/// exit code of its verdict. No network access.
pub fn run_report(plan: &plan::ReportPlan) -> Result<u8, Error> {
    let mut report = saved::load(&plan.file).map_err(|e| Error::Usage(e.to_string()))?;
    if plan.profile.is_some() || plan.require_tls.is_some() {
        // What is not given is kept from the saved run.
        let profile = match &plan.profile {
            Some(p) => p.clone(),
            None => match report.options.profile.as_deref() {
                None => None,
                Some(name) => Some(profile::Profile::load(name).map_err(|e| {
                    Error::Usage(format!(
                        "the report was judged with profile {name:?}, which cannot be loaded here ({e}); pass --profile"
                    ))
                })?),
            },
        };
        let require_tls = plan.require_tls.or_else(|| {
            report
                .options
                .require_tls
                .as_deref()
                .and_then(plan::TlsVersion::parse)
        });
        saved::rejudge(&mut report, profile, require_tls);
    }
    let opts = TextOptions {
        verbose: plan.verbose,
        quiet: plan.quiet,
        color: use_color(plan.color, plan.output.as_deref()),
    };
    render_and_emit(&report, plan.format, opts, plan.output.as_deref())?;
    Ok(exit::for_verdict(report.verdict))
}

/// `tlscheck endpoints`: fetches, renders, writes; returns the exit code (1 when an endpoint
/// did not answer as expected).
pub async fn run_endpoints(plan: &plan::EndpointsPlan) -> Result<u8, Error> {
    let report = endpoints::run_plan(plan).await?;
    let mut buf = Vec::new();
    match plan.format {
        plan::Format::Json => render::json::pretty(&report, &mut buf),
        plan::Format::Ndjson => render::json::line(&report, &mut buf),
        plan::Format::Text => endpoints::render_text(&report, &mut buf),
        plan::Format::Markdown => render::markdown::render_endpoints(&report, &mut buf),
        plan::Format::Junit => render::junit::render_endpoints(&report, &mut buf),
    }
    .map_err(|e| Error::Internal(e.to_string()))?;
    emit(plan.output.as_deref(), &buf)?;
    Ok(exit::for_verdict(report.verdict))
}

/// Writes a rendered report to the output file or standard output.
fn emit(output: Option<&std::path::Path>, buf: &[u8]) -> Result<(), Error> {
    match output {
        Some(path) => std::fs::write(path, buf).map_err(|source| Error::Output {
            path: path.display().to_string(),
            source,
        }),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(buf).and_then(|_| stdout.flush()) {
                // A closed pipe (`tlscheck ... | head`) is not an error worth reporting.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.map_err(|source| Error::Output {
                    path: "standard output".into(),
                    source,
                }),
            }
        }
    }
}
