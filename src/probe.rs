//! Orchestration: targets -> MX hosts -> addresses -> one SMTP/TLS session each, all concurrently
//! (bounded by `--concurrency`), every step bounded by the per-phase timeout and the run deadline.
//! Produces the [`TargetReport`]s; judges nothing.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use futures::future::join_all;
use futures::StreamExt;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::sync::{OnceCell, Semaphore};
use tokio::time::{timeout_at, Instant};

use crate::cert::chain::{validate, TrustStore};
use crate::cert::summary::summarize;
use crate::dns::{Dns, MxAnswer};
use crate::limits::MAX_CHAIN_CERTS;
use crate::plan::Plan;
use crate::policy_lookup::PolicyLookup;
use crate::politeness::ConnectionGate;
use crate::report::{
    AddressReport, CertRevocation, ChainError, DaneHost, Failure, HostReport, TargetReport,
    TlsFacts,
};
use crate::revocation::Checker;
use crate::smtp::session::{run_session, SessionParams, SessionResult};
use crate::target::{HostSpec, Target};
use crate::tls::handshake::Negotiated;
use crate::tls::legacy::{LEGACY_SUITES, TLS1_1};
use crate::versions;
use crate::vocab::{ChainErrorKind, FailureKind, Phase, TargetKind};
use base64::Engine;

/// Whether a DANE or MTA-STS sender's verdict on the address says something about the server:
/// not when the session never reached EHLO (refused, unreachable, silent: other findings say
/// so) or stopped on our own run deadline or the server's throttling before TLS.
fn judgeable(a: &AddressReport) -> bool {
    let stopped_early = a.tls.is_none()
        && a.error
            .as_ref()
            .is_some_and(|e| matches!(e.kind, FailureKind::Deadline | FailureKind::Throttled));
    a.got_ehlo() && !stopped_early
}

/// How many targets run at once: enough to keep `concurrency` address probes busy when most
/// domains have several MX addresses or share them with others.
fn targets_in_flight(concurrency: usize) -> usize {
    concurrency.saturating_mul(4).max(1)
}

/// Shared state of one run.
pub struct Prober<'a> {
    plan: &'a Plan,
    dns: Option<&'a Dns>,
    profile_anchors: Option<TrustStore>,
    limit: Arc<Semaphore>,
    /// Connection slots per IP address (`--per-ip`, `--ip-delay`), for every connection.
    gate: Arc<ConnectionGate>,
    deadline: Instant,
    revocation: Option<&'a Checker>,
    /// Addresses queued and done (a hidden bar unless [`Prober::with_progress`] gave one).
    progress: indicatif::ProgressBar,
    /// The probes under way, which the progress message names (never a finished one).
    running: Running,
    /// Each MX host name is resolved once per run, and each address (with the name it is probed
    /// for) probed once, however many domains share them; later askers get a copy.
    lookups: Cells<String, HostLookup>,
    probes: Cells<(SocketAddr, Option<String>), AddressReport>,
    /// DANE, MTA-STS and TLS-RPT lookups (`None` with `--no-policy`); each host's DANE records
    /// are looked up once per run.
    policy: Option<&'a PolicyLookup>,
    danes: Cells<(String, u16), DaneHost>,
    /// Each domain's MX lookup, once per run (`--shard` looks them all up first).
    mxs: Cells<String, Result<MxAnswer, Failure>>,
}

/// A host's address lookup: the addresses (and the name it is an alias of), and with `-4`/`-6`,
/// when the family asked for has none, the addresses of the other family.
#[derive(Clone)]
struct HostLookup {
    found: Result<(Vec<IpAddr>, Option<String>), Failure>,
    other_family: Vec<IpAddr>,
}
/// Results computed once per key and shared.
type Cells<K, V> = Mutex<HashMap<K, Arc<OnceCell<V>>>>;

/// The shared cell for `key`, made on first use.
fn cell<K: std::hash::Hash + Eq, V>(
    map: &Mutex<HashMap<K, Arc<OnceCell<V>>>>,
    key: K,
) -> Arc<OnceCell<V>> {
    let mut map = match map.lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    map.entry(key).or_default().clone()
}

impl<'a> Prober<'a> {
    /// `dns` may be `None` when every target is an IP literal.
    /// `revocation`: the run's revocation checker (`None` with `--no-revocation`).
    pub fn new(
        plan: &'a Plan,
        dns: Option<&'a Dns>,
        deadline: Instant,
        revocation: Option<&'a Checker>,
    ) -> Self {
        Self {
            plan,
            dns,
            profile_anchors: plan.profile.as_ref().and_then(|p| p.anchors()),
            limit: Arc::new(Semaphore::new(plan.concurrency)),
            gate: Arc::new(ConnectionGate::new(plan.per_ip, plan.ip_delay)),
            deadline,
            revocation,
            progress: indicatif::ProgressBar::hidden(),
            running: Running::default(),
            lookups: Mutex::new(HashMap::new()),
            probes: Mutex::new(HashMap::new()),
            policy: None,
            danes: Mutex::new(HashMap::new()),
            mxs: Mutex::new(HashMap::new()),
        }
    }

    /// Looks up DANE, MTA-STS and TLS-RPT beside the probes.
    pub fn with_policy(mut self, policy: Option<&'a PolicyLookup>) -> Self {
        self.policy = policy;
        self
    }

    /// Reports addresses queued and finished on `bar` (the CLI's stderr progress indicator).
    pub fn with_progress(mut self, bar: indicatif::ProgressBar) -> Self {
        self.progress = bar;
        self
    }

    /// Every target's report, in the order the targets were given.
    pub async fn run(&self) -> Vec<TargetReport> {
        let mut done: Vec<(usize, TargetReport)> = self.indexed().collect().await;
        done.sort_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, t)| t).collect()
    }

    /// Every target's report as soon as it is done.
    pub fn stream(&self) -> impl futures::Stream<Item = TargetReport> + '_ {
        self.indexed().map(|(_, t)| t)
    }

    /// Targets run concurrently, but at most [`targets_in_flight`] at a time: a target's work
    /// (and memory) starts only when it is admitted, so a batch of thousands of domains holds a
    /// bounded amount of state; address probes are bounded by `--concurrency` anyway.
    fn indexed(&self) -> impl futures::Stream<Item = (usize, TargetReport)> + '_ {
        futures::stream::once(self.selected())
            .flat_map(futures::stream::iter)
            .filter_map(move |i| async move { self.plan.targets.get(i).map(|t| (i, t)) })
            .map(move |(i, t)| async move { (i, self.target(t).await) })
            .buffer_unordered(targets_in_flight(self.plan.concurrency))
    }

    /// The indices of the targets this run probes: all of them, or with `--shard` those whose
    /// group (targets joined by a shared MX host or address) falls to this shard.
    pub async fn selected(&self) -> Vec<usize> {
        let all = 0..self.plan.targets.len();
        let Some(shard) = self.plan.shard else {
            return all.collect();
        };
        let members: Vec<Vec<String>> = futures::stream::iter(&self.plan.targets)
            .map(|t| self.shard_members(t))
            .buffered(targets_in_flight(self.plan.concurrency))
            .collect()
            .await;
        crate::shard::assign(&members, shard.count)
            .into_iter()
            .enumerate()
            .filter(|(_, k)| *k == shard.index)
            .map(|(i, _)| i)
            .collect()
    }

    /// What a target shares with others: its name, its MX host names and their addresses (the
    /// same cached lookups the probes use).
    async fn shard_members(&self, target: &Target) -> Vec<String> {
        let mut members = Vec::new();
        let hosts: Vec<String> = match target {
            Target::Domain { name, .. } => {
                members.push(format!("domain:{}", name.to_ascii_lowercase()));
                match self.mx(name).await {
                    Ok(MxAnswer::Hosts { records, .. }) => {
                        records.into_iter().map(|r| r.exchange).collect()
                    }
                    Ok(MxAnswer::Implicit) => vec![name.clone()],
                    Ok(MxAnswer::NullMx) | Err(_) => vec![],
                }
            }
            Target::Host { host, .. } => match host {
                HostSpec::Name(n) => vec![n.clone()],
                HostSpec::Ip(ip) => {
                    members.push(ip.to_string());
                    vec![]
                }
            },
        };
        for h in hosts {
            let h = h.to_ascii_lowercase();
            if crate::target::mx_target_problem(&h).is_none() {
                let lookup = cell(&self.lookups, h.clone())
                    .get_or_init(|| self.lookup_host(&h))
                    .await
                    .clone();
                if let Ok((ips, _)) = lookup.found {
                    members.extend(
                        ips.iter()
                            .filter(|ip| self.plan.families.allows(ip))
                            .map(IpAddr::to_string),
                    );
                }
            }
            members.push(format!("host:{h}"));
        }
        members
    }

    /// A domain's MX lookup, once per run.
    async fn mx(&self, name: &str) -> Result<MxAnswer, Failure> {
        cell(&self.mxs, name.to_ascii_lowercase())
            .get_or_init(|| self.dns_call(|dns| dns.mx(name)))
            .await
            .clone()
    }

    async fn target(&self, target: &Target) -> TargetReport {
        let mut report = TargetReport {
            input: target.input().to_string(),
            kind: TargetKind::Mx,
            name: String::new(),
            mx: vec![],
            mx_dropped: 0,
            null_mx: false,
            implicit_mx: false,
            dns_error: None,
            hosts: vec![],
            policy: None,
        };
        match target {
            Target::Domain { name, .. } => {
                report.name = name.clone();
                let policy = async {
                    match self.policy {
                        Some(p) => Some(
                            timeout_at(self.deadline, p.domain(name))
                                .await
                                .unwrap_or_else(|_| {
                                    PolicyLookup::failed(
                                        "the run deadline passed during the lookups",
                                    )
                                }),
                        ),
                        None => None,
                    }
                };
                let ((), policy) = tokio::join!(self.domain_hosts(name, &mut report), policy);
                if let Some(sts) = policy.as_ref().and_then(|p| p.mta_sts.policy.as_ref()) {
                    for host in &mut report.hosts {
                        for a in &mut host.addresses {
                            a.mta_sts =
                                Some(crate::policy::mta_sts::evaluate_address(sts, &host.name, a));
                        }
                    }
                }
                report.policy = policy;
            }
            Target::Host { host, port, .. } => {
                report.kind = TargetKind::Host;
                report.name = host.display();
                let port = port.unwrap_or(self.plan.port);
                report.hosts = vec![match host {
                    HostSpec::Name(n) => {
                        let h = self.host(n, None, port).await;
                        // No address but MX records: the name is a mail domain.
                        if h.dns_error
                            .as_ref()
                            .is_some_and(|e| e.kind == FailureKind::NoData)
                        {
                            if let Ok(MxAnswer::Hosts { records, .. }) =
                                self.dns_call(|dns| dns.mx(n)).await
                            {
                                report.mx = records;
                            }
                        }
                        h
                    }
                    HostSpec::Ip(ip) => {
                        let probe =
                            self.address(SocketAddr::new(*ip, port), self.plan.name.as_deref());
                        // With --name, the DANE records of that name apply to the address.
                        let dane = async {
                            match self.plan.name.as_deref() {
                                Some(n) => self.dane(n, port).await,
                                None => None,
                            }
                        };
                        let (mut address, dane) = tokio::join!(probe, dane);
                        // With --name the host is reported by the name it is checked for.
                        let name = self.plan.name.clone().unwrap_or_else(|| ip.to_string());
                        if let Some(d) = dane.as_ref().filter(|_| judgeable(&address)) {
                            address.dane = crate::policy::dane::evaluate_address(
                                d,
                                std::slice::from_ref(&name),
                                &address,
                                time::OffsetDateTime::now_utc(),
                            );
                        }
                        HostReport {
                            name,
                            preference: None,
                            cname: None,
                            dns_error: None,
                            addresses: vec![address],
                            other_family: vec![],
                            dane,
                        }
                    }
                }];
            }
        }
        report
    }

    /// The MX lookup of a domain and the probes of its hosts, into `report`.
    async fn domain_hosts(&self, name: &str, report: &mut TargetReport) {
        let answer = match self.mx(name).await {
            Ok(a) => a,
            Err(e) => {
                report.dns_error = Some(e);
                return;
            }
        };
        let hosts: Vec<(String, Option<u16>)> = match answer {
            MxAnswer::NullMx => {
                report.null_mx = true;
                vec![]
            }
            MxAnswer::Implicit => {
                report.implicit_mx = true;
                vec![(name.to_string(), None)]
            }
            MxAnswer::Hosts { records, dropped } => {
                let hosts = records
                    .iter()
                    .map(|r| (r.exchange.clone(), Some(r.preference)))
                    .collect();
                report.mx = records;
                report.mx_dropped = dropped;
                hosts
            }
        };
        report.hosts = join_all(
            hosts
                .iter()
                .map(|(h, pref)| self.host(h, *pref, self.plan.port)),
        )
        .await;
    }

    /// A host's probes and, beside them, its DANE records; each address is then judged as a
    /// DANE sender would.
    async fn host(&self, name: &str, preference: Option<u16>, port: u16) -> HostReport {
        let dane = async {
            if crate::target::mx_target_problem(name).is_some() {
                return None;
            }
            self.dane(name, port).await
        };
        let (mut report, dane) = tokio::join!(self.host_probes(name, preference, port), dane);
        if let Some(d) = dane {
            let mut names = vec![report.name.clone()];
            names.extend(report.cname.clone());
            let now = time::OffsetDateTime::now_utc();
            for a in report.addresses.iter_mut().filter(|a| judgeable(a)) {
                a.dane = crate::policy::dane::evaluate_address(&d, &names, a, now);
            }
            report.dane = Some(d);
        }
        report
    }

    /// The DANE records of `name` on `port`, once per run (`None` with `--no-policy`).
    async fn dane(&self, name: &str, port: u16) -> Option<DaneHost> {
        let policy = self.policy?;
        let key = (name.to_ascii_lowercase(), port);
        let families = self.plan.families;
        let slot = cell(&self.danes, key);
        let found = slot
            .get_or_init(|| async {
                match timeout_at(self.deadline, policy.dane_host(name, port, families)).await {
                    Ok(d) => d,
                    Err(_) => {
                        DaneHost::lookup_failed("the run deadline passed during the DANE lookups")
                    }
                }
            })
            .await;
        Some(found.clone())
    }

    async fn host_probes(&self, name: &str, preference: Option<u16>, port: u16) -> HostReport {
        let mut report = HostReport {
            name: name.to_string(),
            preference,
            cname: None,
            dns_error: None,
            addresses: vec![],
            other_family: vec![],
            dane: None,
        };
        // An MX target from DNS may be anything: senders skip IP literals and invalid names.
        if let Some(problem) = crate::target::mx_target_problem(name) {
            report.dns_error = Some(Failure::new(Phase::Dns, FailureKind::BadName, problem));
            return report;
        }
        let lookup = cell(&self.lookups, name.to_ascii_lowercase())
            .get_or_init(|| self.lookup_host(name))
            .await
            .clone();
        report.other_family = lookup.other_family;
        let ips = match lookup.found {
            Ok((ips, alias)) => {
                report.cname = alias;
                ips
            }
            Err(e) => {
                report.dns_error = Some(e);
                return report;
            }
        };
        let ips: Vec<IpAddr> = ips
            .into_iter()
            .filter(|ip| self.plan.families.allows(ip))
            .collect();
        // `--name` (host targets only): the addresses found are checked for that name.
        let checked_for = match self.plan.command {
            TargetKind::Host => self.plan.name.as_deref().unwrap_or(name),
            TargetKind::Mx => name,
        };
        report.addresses = join_all(
            ips.iter()
                .map(|ip| self.address(SocketAddr::new(*ip, port), Some(checked_for))),
        )
        .await;
        report
    }

    /// The addresses of `name` in the families asked for; when there are none, those of the
    /// other family, to say why nothing was probed.
    async fn lookup_host(&self, name: &str) -> HostLookup {
        let families = self.plan.families;
        let found = self
            .dns_call(|dns| dns.host_addresses(name, families))
            .await;
        let other_family = match (&found, families.other()) {
            (Err(e), Some(other)) if e.kind == FailureKind::NoData => self
                .dns_call(|dns| dns.addresses(name, other))
                .await
                .unwrap_or_default(),
            _ => vec![],
        };
        HostLookup {
            found,
            other_family,
        }
    }

    /// Runs a DNS call within the run deadline.
    async fn dns_call<'d, T, F, Fut>(&'d self, f: F) -> Result<T, Failure>
    where
        F: FnOnce(&'d Dns) -> Fut,
        Fut: std::future::Future<Output = Result<T, Failure>>,
    {
        let Some(dns) = self.dns else {
            return Err(Failure::new(
                Phase::Dns,
                FailureKind::DnsFailure,
                "no resolver configured",
            ));
        };
        match timeout_at(self.deadline, f(dns)).await {
            Ok(r) => r,
            Err(_) => Err(Failure::new(
                Phase::Dns,
                FailureKind::Deadline,
                "the run deadline passed during DNS lookups",
            )),
        }
    }

    async fn address(&self, addr: SocketAddr, host_name: Option<&str>) -> AddressReport {
        let cell = cell(&self.probes, (addr, host_name.map(str::to_ascii_lowercase)));
        cell.get_or_init(|| async {
            let label = Running::label(host_name, addr);
            self.progress.inc_length(1);
            self.progress.set_message(self.running.start(&label));
            let report = self.probe_address(addr, host_name).await;
            self.progress.set_message(self.running.finish(&label));
            self.progress.inc(1);
            report
        })
        .await
        .clone()
    }

    async fn probe_address(&self, addr: SocketAddr, host_name: Option<&str>) -> AddressReport {
        let params = SessionParams {
            addr,
            host_name: host_name.map(str::to_string),
            ehlo: self.plan.ehlo.clone(),
            implicit_tls: self.plan.implicit_tls,
            phase_timeout: self.plan.timeout,
            run_deadline: self.deadline,
            client_identity: self.plan.client_identity.clone(),
            gate: self.gate.clone(),
            sni: self.plan.sni,
            mail_probe: self.plan.mail_probe,
        };
        // The semaphore is never closed, so acquiring only waits.
        let _permit = self.limit.clone().acquire_owned().await.ok();
        // The main session and the first round of version probes run side by side; revocation
        // starts as soon as the main session has the chain.
        // The MAIL question rides on the TLS 1.2 probe's connection, not the main session's.
        let main_params = SessionParams {
            mail_probe: false,
            ..params.clone()
        };
        // Revocation starts the moment the handshake gives the chain, beside the rest of the
        // session (EHLO after TLS, QUIT) and the version probes.
        let (chain_tx, chain_rx) = tokio::sync::oneshot::channel();
        let main = async {
            let session = run_session(&main_params, Some(chain_tx));
            let revocation = async {
                match chain_rx.await {
                    Ok(n) => self.check_revocation(&n).await,
                    Err(_) => None,
                }
            };
            tokio::join!(session, revocation)
        };
        let ((mut result, mut revocation), (tls12, mail), legacy) = tokio::join!(
            main,
            versions::rustls_tls12(&params),
            versions::raw_hello(&params, TLS1_1, LEGACY_SUITES)
        );
        if let Some(answer) = mail {
            answer.record(&mut result.smtp);
        }
        self.tls_at_once(&params, &mut result).await;
        let assessment = versions::assess(&params, &result, tls12, legacy).await;
        let (versions, fallback) = match assessment {
            Some(a) => (Some(a.versions), a.fallback),
            None => (None, None),
        };
        let ciphers = match (&versions, self.plan.ciphers) {
            (Some(v), true) => Some(crate::ciphers::enumerate(&params, v).await),
            _ => None,
        };
        if let (None, Some(n)) = (&result.negotiated, &fallback) {
            // Only a raw probe saw the chain (TLS 1.0/1.1 or static-RSA servers).
            revocation = self.check_revocation(n).await;
        }
        let mut tls = match (result.negotiated.take(), fallback) {
            (Some(n), _) => Some(self.tls_facts(n, host_name, true)),
            (None, Some(n)) => Some(self.tls_facts(n, host_name, false)),
            (None, None) => None,
        };
        if let Some(t) = tls.as_mut() {
            t.client_auth = result.client_auth.take();
            for (cert, rev) in t.chain.iter_mut().zip(revocation.unwrap_or_default()) {
                cert.revocation = rev;
            }
        }
        AddressReport {
            ip: addr.ip(),
            port: addr.port(),
            implicit_tls: self.plan.implicit_tls,
            name: self.plan.name.clone().filter(|_| host_name.is_some()),
            smtp: result.smtp,
            tls,
            versions,
            ciphers,
            timings_ms: result.timings,
            error: result.error,
            dane: None,
            mta_sts: None,
        }
    }

    /// A STARTTLS session that got no greeting may have reached an SMTPS port, which waits for a
    /// ClientHello: one more connection asks it with one, and the failure says which it is.
    async fn tls_at_once(&self, params: &SessionParams, result: &mut SessionResult) {
        let silent = |e: &Failure| e.phase == Phase::Greeting && e.kind == FailureKind::Timeout;
        if params.implicit_tls || !result.error.as_ref().is_some_and(silent) {
            return;
        }
        let Some(answer) = versions::answers_tls_at_once(params).await else {
            return;
        };
        if let Some(e) = result.error.as_mut() {
            e.kind = FailureKind::TlsExpected;
            e.message = format!(
                "this port expects TLS at once (SMTPS): no greeting within {:?}, and a TLS ClientHello on another connection got {answer}",
                params.phase_timeout
            );
        }
    }

    /// Revocation of every certificate of the chain `n` carries (one round of HTTP requests,
    /// shared with other addresses of the run).
    async fn check_revocation(&self, n: &Negotiated) -> Option<Vec<Option<CertRevocation>>> {
        let checker = self.revocation?;
        let chain: Vec<Vec<u8>> = n.chain.iter().map(|c| c.to_vec()).collect();
        let stapled = n.stapled_ocsp.as_deref();
        let anchors = |issuer: &[u8]| {
            let mut keys = self.plan.trust.issuer_keys(issuer);
            if let Some(p) = &self.profile_anchors {
                keys.extend(p.issuer_keys(issuer));
            }
            keys
        };
        Some(checker.check_chain(&chain, stapled, &anchors).await)
    }

    fn tls_facts(
        &self,
        n: Negotiated,
        host_name: Option<&str>,
        handshake_completed: bool,
    ) -> TlsFacts {
        let name = host_name.and_then(|h| ServerName::try_from(h.to_string()).ok());
        let chain: Vec<CertificateDer<'static>> = n.chain;
        let mut validation = validate(
            &chain,
            &self.plan.trust,
            self.profile_anchors.as_ref(),
            name.as_ref(),
            UnixTime::now(),
        );
        if chain.is_empty() && !handshake_completed {
            // A raw TLS 1.3 hello's answer alone: the certificate was encrypted, not missing.
            validation.chain_error = Some(ChainError {
                kind: ChainErrorKind::NotSeen,
                message:
                    "TLS 1.3 encrypts the certificate and our client could not finish the handshake"
                        .into(),
                detail: None,
            });
            validation.name_valid = None;
        }
        TlsFacts {
            handshake_completed,
            version: n.version,
            cipher_suite: n.cipher_suite,
            kx_group: n.kx_group,
            post_quantum: n.post_quantum,
            forward_secrecy: n.forward_secrecy,
            dh_bits: n.dh_bits,
            client_limits: n.client_limits,
            sni: n.sni,
            chain: chain
                .iter()
                .take(MAX_CHAIN_CERTS)
                .map(|c| summarize(c))
                .collect(),
            chain_dropped: chain.len().saturating_sub(MAX_CHAIN_CERTS),
            // The report carries the stapled response as base64, like the certificates.
            stapled_ocsp: n
                .stapled_ocsp
                .map(|der| base64::engine::general_purpose::STANDARD.encode(der)),
            chain_valid: validation.chain_valid,
            chain_error: validation.chain_error,
            trust_store: self.plan.trust.label.clone(),
            anchor: validation.anchor,
            name_checked: name
                .as_ref()
                .map(|_| host_name.unwrap_or_default().to_string()),
            name_valid: validation.name_valid,
            client_auth: None,
        }
    }
}

/// The address probes under way, in the order they started, for the progress message.
#[derive(Default)]
struct Running(std::sync::Mutex<Vec<String>>);

impl Running {
    /// "mx1.example.com 192.0.2.1": a host name kept to printable ASCII (it reaches the terminal
    /// as is), and the address.
    fn label(host_name: Option<&str>, addr: SocketAddr) -> String {
        let host: String = host_name
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_graphic)
            .take(80)
            .collect();
        match host.is_empty() {
            true => addr.ip().to_string(),
            false => format!("{host} {}", addr.ip()),
        }
    }

    /// Records `label` as under way; the new message.
    fn start(&self, label: &str) -> String {
        let mut list = self.0.lock().unwrap_or_else(|p| p.into_inner());
        list.push(label.to_string());
        Self::message(&list)
    }

    /// Records `label` as finished; the new message, which no longer names it.
    fn finish(&self, label: &str) -> String {
        let mut list = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = list.iter().position(|l| l == label) {
            list.remove(i);
        }
        Self::message(&list)
    }

    /// "probing mx1.example.com 192.0.2.1 and 3 more", the longest-running first.
    fn message(list: &[String]) -> String {
        match list {
            [] => String::new(),
            [one] => format!("probing {one}"),
            [first, rest @ ..] => format!("probing {first} and {} more", rest.len()),
        }
    }
}

#[cfg(test)]
mod running_tests {
    use super::*;

    #[test]
    fn the_progress_message_names_only_probes_under_way() {
        let r = Running::default();
        let a: SocketAddr = "192.0.2.1:25".parse().unwrap();
        let b: SocketAddr = "192.0.2.2:25".parse().unwrap();
        let (la, lb) = (
            Running::label(Some("mx1.example"), a),
            Running::label(None, b),
        );
        assert_eq!(r.start(&la), "probing mx1.example 192.0.2.1");
        assert_eq!(r.start(&lb), "probing mx1.example 192.0.2.1 and 1 more");
        // The first finishes: the message names the one still running, never the finished one.
        assert_eq!(r.finish(&la), "probing 192.0.2.2");
        assert_eq!(r.finish(&lb), "");
        // A host name from DNS reaches the terminal only as printable ASCII.
        assert_eq!(
            Running::label(Some("mx\u{1b}[2J.example"), a),
            "mx[2J.example 192.0.2.1"
        );
    }
}

#[cfg(test)]
mod judgeable_tests {
    use super::*;
    use crate::sample;

    #[test]
    fn only_sessions_that_reached_the_server_are_judged_as_a_policy_sender_would() {
        let mut a = sample::address("192.0.2.1", sample::tls());
        assert!(judgeable(&a));
        // Refused or silent: no EHLO, no TLS. Other findings say why; DANE/MTA-STS say nothing.
        a.tls = None;
        a.smtp.ehlo = None;
        assert!(!judgeable(&a));
        // EHLO answered, then our deadline or the server's throttling stopped it before TLS.
        let mut b = sample::address("192.0.2.2", sample::tls());
        b.tls = None;
        for kind in [FailureKind::Deadline, FailureKind::Throttled] {
            b.error = Some(Failure::new(Phase::Starttls, kind, "stopped"));
            assert!(!judgeable(&b), "{kind}");
        }
        // A server that refused STARTTLS is judged (it is the server's answer).
        b.error = Some(Failure::new(Phase::Starttls, FailureKind::Rejected, "454"));
        assert!(judgeable(&b));
    }
}
