//! The application: runs one [`Job`] from the command line in one direction,
//! plan → probe → judge → render → exit code, and owns what belongs to the terminal and the
//! process (where output goes, the progress indicator, whether to colour) so that nothing below
//! it does.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use time::OffsetDateTime;
use tokio::time::Instant;

use crate::cli::{ExplainSource, Job};
use crate::diagnose::{judge, Policy};
use crate::dns::Dns;
use crate::fetch::Fetcher;
use crate::judged::Judged;
use crate::plan::{ColorChoice, EndpointsPlan, Format, Plan, ReportPlan, SchannelPlan, ShowCerts};
use crate::policy_lookup::PolicyLookup;
use crate::probe::Prober;
use crate::render::escape::terminal_lines;
use crate::render::TextOptions;
use crate::report::{Report, Run, RunOptions, TargetReport, Tool};
use crate::revocation::Checker;
use crate::schannel::VersionSource;
use crate::target::{HostSpec, Target};
use crate::vocab::Verdict;
use crate::{certfiles, demo, endpoints, exit, explain, manual, render, saved};

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
    #[error("cannot write the man page: {0}")]
    Man(std::io::Error),
    #[error("internal error: {0}")]
    Internal(String),
    /// `tlscheck demo` could not start its servers, or they did not show what they are for.
    #[error("{0}")]
    Demo(String),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Output { .. } | Error::Man(_) | Error::Internal(_) | Error::Demo(_) => {
                exit::INTERNAL
            }
        }
    }
}

/// Runs the job; returns the exit code of its verdict.
pub async fn run(job: &Job) -> Result<u8, Error> {
    match job {
        Job::Probe(plan) if plan.format == Format::Ndjson => probe_streaming(plan).await,
        Job::Probe(plan) => probe(plan).await,
        Job::Demo(plan) => demo(plan).await,
        Job::Report(plan) => saved_report(plan),
        Job::Endpoints(plan) => endpoints(plan).await,
        Job::Schannel(plan) => schannel(plan),
        Job::Explain { source, format } => {
            let input = match source {
                ExplainSource::Text(text) => explain::Input::new(text),
                ExplainSource::Stdin => explain::Input::read(&mut std::io::stdin().lock())
                    .map_err(|e| Error::Usage(format!("cannot read standard input: {e}")))?,
            };
            if input.is_blank() {
                return Err(Error::Usage(
                    "explain -: standard input holds no reply or log line".into(),
                ));
            }
            let mut out = Vec::new();
            render::explanation(
                &explain::explain_input(&input),
                *format,
                text_width(None),
                &mut out,
            )
            .map_err(internal)?;
            Sink::stdout().write_all(&out)?;
            Ok(exit::PASS)
        }
        Job::ProfileList => {
            Sink::stdout().write_all(crate::profile::list_text().as_bytes())?;
            Ok(exit::PASS)
        }
        Job::ProfileShow(text) => {
            Sink::stdout().write_all(text.as_bytes())?;
            Ok(exit::PASS)
        }
        Job::Completions(shell) => {
            let mut out = Vec::new();
            manual::completions(*shell, &mut out);
            Sink::stdout().write_all(&out)?;
            Ok(exit::PASS)
        }
        Job::Man(dir) => {
            let mut out = Vec::new();
            manual::man(dir.as_deref(), &mut out).map_err(Error::Man)?;
            Sink::stdout().write_all(&out)?;
            Ok(exit::PASS)
        }
    }
}

/// `tlscheck mx|host`: probes every target, judges, renders the whole report at once.
async fn probe(plan: &Plan) -> Result<u8, Error> {
    let judged = probe_and_judge(plan).await?;
    deliver_probed(plan, &judged)
}

/// A probing run's report: the PEM files of `--show-certs DIR`, then the report itself.
fn deliver_probed(plan: &Plan, judged: &Judged) -> Result<u8, Error> {
    let mut opts = text_options(
        plan.verbose,
        plan.quiet,
        plan.color,
        plan.output.as_deref(),
        plan.width,
    );
    opts.show_certs = plan.show_certs == Some(ShowCerts::Inline);
    cert_files(plan, &judged.report.targets)?;
    deliver(judged, plan.format, opts, plan.output.as_deref())
}

/// `--show-certs DIR`: the presented chains of `targets` as PEM files in DIR.
fn cert_files(plan: &Plan, targets: &[TargetReport]) -> Result<(), Error> {
    let Some(ShowCerts::Dir(dir)) = &plan.show_certs else {
        return Ok(());
    };
    certfiles::write(dir, targets)
        .map(drop)
        .map_err(|source| Error::Output {
            path: dir.display().to_string(),
            source,
        })
}

/// Every target probed, then judged.
async fn probe_and_judge(plan: &Plan) -> Result<Judged, Error> {
    let setup = Setup::new(plan)?;
    let bar = progress_bar(plan.quiet);
    let targets = setup.prober(plan).with_progress(bar.clone()).run().await;
    bar.finish_and_clear();
    Ok(setup.judge(plan, targets))
}

/// `tlscheck demo`: starts the demo's servers, runs `mx` over its domains against them like any
/// run (ndjson too is written at the end), and exits 0 when every domain showed what it is for.
/// The header and the next step go with a text report on standard output, else to standard
/// error, so JSON, JUnit, Markdown and files stay what `tlscheck mx` writes.
async fn demo(base: &Plan) -> Result<u8, Error> {
    let lab = demo::Demo::start()
        .await
        .map_err(|e| Error::Demo(e.to_string()))?;
    let plan = lab.plan(base).map_err(|e| Error::Demo(e.to_string()))?;
    let inline = plan.format == Format::Text && plan.output.is_none();
    // On standard output a blank line sets them apart from the report.
    let say = |text: String| -> Result<(), Error> {
        if inline {
            Sink::stdout().write_all(text.as_bytes())?;
        } else {
            eprintln!("{}", text.trim());
        }
        Ok(())
    };
    say(format!("{}\n\n", lab.header()))?;
    let judged = probe_and_judge(&plan).await?;
    deliver_probed(&plan, &judged)?;
    demo::check(&judged.report).map_err(|e| Error::Demo(e.to_string()))?;
    say(format!("\n{}\n", demo::NEXT_STEP))?;
    Ok(exit::PASS)
}

/// Renders the judged report, writes it where it goes, returns the exit code of its verdict.
fn deliver(
    judged: &Judged,
    format: Format,
    opts: TextOptions,
    output: Option<&Path>,
) -> Result<u8, Error> {
    let mut out = Vec::new();
    render::report(judged, format, opts, &mut out).map_err(internal)?;
    Sink::open(output)?.write_all(&out)?;
    Ok(exit::for_verdict(judged.verdict))
}

/// `--format ndjson`: writes each target's judged report as one line as soon as the target is
/// done, and keeps nothing of it after. A closed pipe (`| head`) ends the run early.
async fn probe_streaming(plan: &Plan) -> Result<u8, Error> {
    // Set up first, so that a usage error leaves no empty output file behind.
    let setup = Setup::new(plan)?;
    let mut sink = Sink::open(plan.output.as_deref())?;
    let bar = progress_bar(plan.quiet);
    let prober = setup.prober(plan).with_progress(bar.clone());
    let mut finished = Box::pin(prober.stream());
    let mut verdict = Verdict::Pass;
    let mut line = Vec::new();
    let mut written = 0usize;
    while let Some(target) = futures::StreamExt::next(&mut finished).await {
        written += 1;
        let judged = setup.judge(plan, vec![target]);
        cert_files(plan, &judged.report.targets)?;
        verdict = Verdict::overall([verdict, judged.verdict]);
        line.clear();
        render::json::line(&judged, &mut line).map_err(internal)?;
        if !sink.write_all(&line)? {
            break;
        }
    }
    if written == 0 {
        // A shard that got no targets still says which shard it was, so that the merge knows
        // it is not missing.
        let judged = setup.judge(plan, vec![]);
        line.clear();
        render::json::line(&judged, &mut line).map_err(internal)?;
        sink.write_all(&line)?;
    }
    bar.finish_and_clear();
    Ok(exit::for_verdict(verdict))
}

/// `tlscheck report FILE...`: loads the saved reports (merged into one), re-judges when asked,
/// renders. No network.
fn saved_report(plan: &ReportPlan) -> Result<u8, Error> {
    let usage = |e: saved::SavedError| Error::Usage(e.to_string());
    let saved::LoadedMany {
        mut judged,
        cuts,
        repeated,
        missing_shards,
    } = saved::load_many(&plan.files).map_err(usage)?;
    if plan.rejudges() {
        judged = saved::rejudge(judged, plan).map_err(usage)?;
    }
    let opts = text_options(
        plan.verbose,
        plan.quiet,
        plan.color,
        plan.output.as_deref(),
        plan.width,
    );
    let code = deliver(&judged, plan.format, opts, plan.output.as_deref())?;
    if !missing_shards.is_empty() {
        let list: Vec<String> = missing_shards.iter().map(u32::to_string).collect();
        eprintln!(
            "tlscheck: warning: the reports are shards, and shard(s) {} of {} are missing: their targets are not in this report.",
            list.join(", "),
            judged
                .report
                .run
                .options
                .shard
                .map_or(0, |s| s.count)
        );
    }
    if repeated > 0 {
        eprintln!(
            "tlscheck: {repeated} target(s) appeared in more than one report; each is shown once, from the run that started last."
        );
    }
    let code = if missing_shards.is_empty() {
        code
    } else {
        code.max(exit::INCONCLUSIVE)
    };
    if cuts.is_empty() {
        return Ok(code);
    }
    // An interrupted batch: what was read is shown, and the run is not a pass.
    for (file, cut) in &cuts {
        eprintln!(
            "tlscheck: warning: {}: the report on line {} is cut off (an interrupted batch?); the {} complete report(s) before it are shown, the rest is lost",
            render::escape::terminal(file),
            cut.line,
            cut.complete
        );
    }
    Ok(code.max(exit::INCONCLUSIVE))
}

/// `tlscheck endpoints`: fetches every endpoint, renders; exit 1 when one did not answer as
/// expected.
async fn endpoints(plan: &EndpointsPlan) -> Result<u8, Error> {
    let dns = Arc::new(dns(plan.resolver, plan.timeout)?);
    let fetcher = Fetcher::new(dns, plan.allow_private_fetch, plan.timeout, None)
        .map_err(|e| Error::Usage(e.to_string()))?;
    let report = endpoints::run(plan, &fetcher).await;
    let mut out = Vec::new();
    render::endpoints(&report, plan.format, text_width(None), &mut out).map_err(internal)?;
    Sink::open(plan.output.as_deref())?.write_all(&out)?;
    Ok(exit::for_verdict(report.verdict))
}

/// `tlscheck schannel`: reads the exports (or the live registry), judges, writes the fix file
/// when asked, renders; exit 1 when TLS 1.2 is off, 2 for unreadable input.
fn schannel(plan: &SchannelPlan) -> Result<u8, Error> {
    let report = if plan.files.is_empty() {
        let export = crate::schannel::live::read()
            .map_err(|e| Error::Usage(crate::schannel::InputError::Live(e).to_string()))?;
        crate::schannel::from_export(
            &export,
            Vec::new(),
            plan.windows.clone(),
            VersionSource::Live,
        )
    } else {
        crate::schannel::from_files(&plan.files, plan.windows.clone())
    }
    .map_err(|e| Error::Usage(e.to_string()))?;
    let judged = crate::diagnose::schannel::judge(report);
    if let Some(path) = &plan.fix {
        match crate::schannel::fix::text(&judged.report) {
            Some(text) => {
                std::fs::write(path, crate::schannel::fix::bytes(&text)).map_err(|e| {
                    Error::Usage(format!("--fix {}: cannot write: {e}", path.display()))
                })?;
                eprintln!(
                    "tlscheck: wrote {}: review it, import it on the server with reg import, then restart the server (SCHANNEL and .NET read these values at start).",
                    terminal_lines(&path.display().to_string())
                );
            }
            None => eprintln!(
                "tlscheck: nothing to fix: {} not written.",
                terminal_lines(&path.display().to_string())
            ),
        }
    }
    let opts = TextOptions {
        color: use_color(plan.color, plan.output.as_deref()),
        width: text_width(plan.width),
        ..TextOptions::default()
    };
    let mut out = Vec::new();
    render::schannel(&judged, plan.format, opts, &mut out).map_err(internal)?;
    Sink::open(plan.output.as_deref())?.write_all(&out)?;
    Ok(exit::for_verdict(judged.verdict))
}

fn dns(resolver: Option<std::net::SocketAddr>, timeout: std::time::Duration) -> Result<Dns, Error> {
    match resolver {
        Some(addr) => Dns::server(addr, timeout),
        None => Dns::system(timeout),
    }
    .map_err(|e| Error::Usage(e.to_string()))
}

fn internal(e: std::io::Error) -> Error {
    Error::Internal(e.to_string())
}

/// What every probing run sets up before the first probe: the clock, DNS and revocation.
struct Setup {
    started_at: OffsetDateTime,
    t0: Instant,
    deadline: Instant,
    dns: Option<Arc<Dns>>,
    checker: Option<Checker>,
    policy: Option<PolicyLookup>,
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
        let dns = if needs_dns || plan.revocation || (plan.policy && plan.name.is_some()) {
            Some(Arc::new(dns(plan.resolver, plan.timeout)?))
        } else {
            None
        };
        let checker = match (&dns, plan.revocation) {
            (Some(dns), true) => {
                // HTTPS revocation URLs are judged by the run's trust store, as MTA-STS is.
                let fetcher = Fetcher::new(
                    dns.clone(),
                    plan.allow_private_fetch,
                    plan.timeout,
                    Some(plan.trust.root_store()),
                )
                .map_err(|e| Error::Usage(e.to_string()))?;
                Some(Checker::new(fetcher, deadline))
            }
            _ => None,
        };
        let policy = match (&dns, plan.policy) {
            (Some(dns), true) => {
                let fetcher = Fetcher::mta_sts(
                    dns.clone(),
                    plan.allow_private_fetch,
                    plan.timeout,
                    &plan.trust,
                )
                .map_err(|e| e.to_string());
                Some(PolicyLookup::new(
                    dns.servers().to_vec(),
                    plan.timeout,
                    plan.dnssec_anchors
                        .iter()
                        .flat_map(|a| a.records.iter().cloned())
                        .collect(),
                    fetcher,
                ))
            }
            _ => None,
        };
        Ok(Self {
            started_at,
            t0,
            deadline,
            dns,
            checker,
            policy,
        })
    }

    fn prober<'a>(&'a self, plan: &'a Plan) -> Prober<'a> {
        Prober::new(
            plan,
            self.dns.as_deref(),
            self.deadline,
            self.checker.as_ref(),
        )
        .with_policy(self.policy.as_ref())
    }

    /// The judged report of `targets`, timed from the start of the run.
    fn judge(&self, plan: &Plan, targets: Vec<TargetReport>) -> Judged {
        let report = Report {
            run: Run {
                tool: Tool::this(),
                started_at: self.started_at,
                duration_ms: u64::try_from(self.t0.elapsed().as_millis()).unwrap_or(u64::MAX),
                options: run_options(plan, self.dns.as_deref()),
            },
            targets,
        };
        let policy = Policy {
            profile: plan.profile.clone(),
            sender: plan.sender.clone(),
            require_tls: plan.require_tls,
            revocation: plan.revocation,
            expiry_warn_days: plan.expiry_warn_days,
        };
        judge(report, &policy)
    }
}

/// The options of the run, as the report records them.
fn run_options(plan: &Plan, dns: Option<&Dns>) -> RunOptions {
    let ms = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    RunOptions {
        command: plan.command,
        port: plan.port,
        implicit_tls: plan.implicit_tls,
        ehlo: plan.ehlo.describe(),
        timeout_ms: ms(plan.timeout),
        deadline_ms: ms(plan.deadline),
        concurrency: plan.concurrency,
        per_ip: plan.per_ip,
        ip_delay_ms: ms(plan.ip_delay),
        families: plan.families,
        resolver: dns
            .map(|d| d.label.clone())
            .unwrap_or_else(|| "none".into()),
        trust_store: plan.trust.label.clone(),
        profile: plan.profile.as_ref().map(|p| p.name.clone()),
        sender: plan.sender.as_ref().map(|p| p.name.clone()),
        forced_tls: plan.sender.as_ref().is_some_and(|p| p.forced_tls),
        require_tls: plan.require_tls,
        ciphers: plan.ciphers,
        revocation: plan.revocation,
        policy: plan.policy,
        shard: plan.shard,
        dnssec_anchors: plan.dnssec_anchors.iter().map(|a| a.file.clone()).collect(),
        allow_private_fetch: plan.allow_private_fetch,
        client_cert: plan.client_identity.as_ref().map(|c| c.path.clone()),
        name: plan.name.clone(),
        sni: plan.sni,
        mail_probe: plan.mail_probe && !plan.implicit_tls,
        expiry_warn_days: plan.expiry_warn_days,
    }
}

fn text_options(
    verbose: u8,
    quiet: bool,
    color: ColorChoice,
    output: Option<&Path>,
    width: Option<usize>,
) -> TextOptions {
    TextOptions {
        verbose,
        quiet,
        color: use_color(color, output),
        width: text_width(width),
        show_certs: false,
    }
}

/// The text report's width: `--width`, else `COLUMNS` (what shells export for the terminal),
/// else 80.
fn text_width(width: Option<usize>) -> usize {
    width
        .or_else(|| {
            std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.trim().parse::<usize>().ok())
                .filter(|c| (20..=1000).contains(c))
        })
        .unwrap_or(80)
}

/// Whether the text report gets ANSI colours: `--color always`, or `auto` when it goes to a
/// terminal that wants them (https://no-color.org: a non-empty `NO_COLOR` turns them off).
fn use_color(choice: ColorChoice, output: Option<&Path>) -> bool {
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

/// A progress indicator on standard error while probes run: only on a terminal, never in a pipe,
/// in CI (`CI` set) or with `-q`.
fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || std::env::var_os("CI").is_some() || !std::io::stderr().is_terminal() {
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

/// Where output goes: a file (`-o`) or standard output.
struct Sink {
    out: Box<dyn Write>,
    name: String,
    stdout: bool,
}

impl Sink {
    fn stdout() -> Self {
        Self {
            out: Box::new(std::io::stdout()),
            name: "standard output".into(),
            stdout: true,
        }
    }

    /// Creates the output file, or takes standard output.
    fn open(output: Option<&Path>) -> Result<Self, Error> {
        let Some(path) = output else {
            return Ok(Self::stdout());
        };
        let name = path.display().to_string();
        let file = std::fs::File::create(path).map_err(|source| Error::Output {
            path: name.clone(),
            source,
        })?;
        Ok(Self {
            out: Box::new(file),
            name,
            stdout: false,
        })
    }

    /// Writes and flushes `bytes`; `false` when standard output is a closed pipe
    /// (`tlscheck ... | head`), which is not an error worth reporting.
    fn write_all(&mut self, bytes: &[u8]) -> Result<bool, Error> {
        match self.out.write_all(bytes).and_then(|_| self.out.flush()) {
            Ok(()) => Ok(true),
            Err(e) if self.stdout && e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
            Err(source) => Err(Error::Output {
                path: self.name.clone(),
                source,
            }),
        }
    }
}
