//! `tlscheck demo`: simulated mail servers, a DNS server and a CA inside the process, on
//! loopback, for the real `mx` pipeline to check, so a new user sees what tlscheck does without
//! a network.
//!
//! [`Demo::start`] generates the demo CA ([`pki`]), starts one mail server per demo domain
//! ([`smtp`], with the TLS 1.0/1.1-only server of [`legacy`]) and the DNS server of the demo zone
//! ([`dns`]); [`Demo::plan`] turns the run's plan into a `tlscheck mx` of the demo domains with
//! that DNS server as `--resolver`, the servers' port as `--port` and the demo CA as `--trust`.
//! Nothing else about the run changes: `app` probes, judges and renders it as any other.
//! [`check`] then says whether every demo domain got the finding it is there to show.
//!
//! Addressing: every MX host has its own loopback address (127.0.0.2-127.0.0.6) and all listen on
//! one ephemeral port, because a run has one `--port`. That needs no hook in the probe: the run
//! connects where DNS says, and the report shows the addresses it really reached. Linux and
//! Windows answer on all of 127.0.0.0/8; macOS only on 127.0.0.1 unless aliases are added, which
//! the start-up error says.
//!
//! The names are under `.example` (RFC 2606: reserved for documentation and examples), which is
//! what a demo's output is — people paste it into notes and tickets — and which keeps them apart
//! from the `.test` names of the project's own test suites and lab.

pub mod dns;
pub mod legacy;
pub mod pki;
pub mod smtp;

use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use crate::cert::chain::{TrustError, TrustStore};
use crate::diagnose::{judge, Policy};
use crate::finding::Code;
use crate::plan::Plan;
use crate::report::Report;
use crate::target::parse_domain;
use crate::vocab::{TargetKind, Verdict};

use dns::{Delegation, DnsError, DnsServer};
use legacy::{BadKey, LegacyTls};
use pki::{DemoCa, PkiError};
use smtp::{MailServer, Mode};

/// What a demo domain is there to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// It passes.
    Pass,
    /// It gets this finding.
    Finding(Code),
}

/// What a demo domain's server does wrong, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Good,
    LegacyTls,
    Expired,
    NoStarttls,
    Throttled,
}

/// One demo domain: its MX host, the host's address, and what it shows.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub domain: &'static str,
    pub mx: &'static str,
    pub ip: Ipv4Addr,
    pub expect: Expect,
    kind: Kind,
}

/// The demo domains, in the order they are checked and reported.
pub const CASES: [Case; 5] = [
    Case {
        domain: "good.example",
        mx: "mx.good.example",
        ip: Ipv4Addr::new(127, 0, 0, 2),
        expect: Expect::Pass,
        kind: Kind::Good,
    },
    Case {
        domain: "legacy-tls.example",
        mx: "mx.legacy-tls.example",
        ip: Ipv4Addr::new(127, 0, 0, 3),
        expect: Expect::Finding(Code::TlsLegacyOnly),
        kind: Kind::LegacyTls,
    },
    Case {
        domain: "expired-cert.example",
        mx: "mx.expired-cert.example",
        ip: Ipv4Addr::new(127, 0, 0, 4),
        expect: Expect::Finding(Code::CertExpired),
        kind: Kind::Expired,
    },
    Case {
        domain: "no-starttls.example",
        mx: "mx.no-starttls.example",
        ip: Ipv4Addr::new(127, 0, 0, 5),
        expect: Expect::Finding(Code::StarttlsNotOffered),
        kind: Kind::NoStarttls,
    },
    Case {
        domain: "throttled.example",
        mx: "mx.throttled.example",
        ip: Ipv4Addr::new(127, 0, 0, 6),
        expect: Expect::Finding(Code::SmtpThrottled),
        kind: Kind::Throttled,
    },
];

/// The `--help` text after the options (also in README, "Demo").
pub const HELP: &str =
    "The demo starts, inside this process, five mail servers on 127.0.0.2-127.0.0.6
(one ephemeral port), a DNS server on 127.0.0.1 and a CA generated at start-up, then runs the
same check as `tlscheck mx` on five domains, with that DNS server as --resolver and that CA as
the only trust anchor. Nothing leaves loopback: the certificates name no CRL or OCSP URL.

Demo domains:
  good.example          TLS 1.2 and 1.3, ECDHE, a valid chain: passes
  legacy-tls.example    TLS 1.0/1.1 only: tls-legacy-only
  expired-cert.example  an expired certificate: cert-expired
  no-starttls.example   no STARTTLS: starttls-not-offered
  throttled.example     421 Too many connections at greeting: smtp-throttled

macOS answers only on 127.0.0.1 until aliases are added:
  for i in 2 3 4 5 6; do sudo ifconfig lo0 alias 127.0.0.$i up; done

Exit codes:
  0  the demo ran as designed (its reports show failures on purpose)
  2  usage error
  4  the demo itself broke: a server did not start, or a demo domain did not get its
     intended finding (the message says which)";

/// How the report names the demo's trust store.
pub const TRUST_LABEL: &str = "demo CA (generated at start-up)";

/// The line after the reports.
pub const NEXT_STEP: &str = "Next: check your own mail domain with `tlscheck mx YOUR.DOMAIN` (it needs outbound TCP port 25).";

/// The demo could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Pki(#[from] PkiError),
    #[error(transparent)]
    LegacyKey(#[from] BadKey),
    #[error("the demo CA is not a usable trust anchor: {0}")]
    Trust(#[from] TrustError),
    #[error(transparent)]
    Dns(#[from] DnsError),
    #[error("cannot start the demo mail server for {mx} on {ip}: {source}{}", bind_hint(.source))]
    Bind {
        mx: &'static str,
        ip: Ipv4Addr,
        source: io::Error,
    },
    #[error("no free port common to 127.0.0.2-127.0.0.6 for the demo mail servers: {0}")]
    NoCommonPort(io::Error),
    #[error("bad demo domain {0}")]
    Domain(String),
}

/// What to do when a loopback address cannot be bound.
fn bind_hint(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::AddrNotAvailable => {
            ". The demo gives each mail server its own loopback address; macOS answers only on \
             127.0.0.1 until you add the others: for i in 2 3 4 5 6; do sudo ifconfig lo0 alias \
             127.0.0.$i up; done"
        }
        _ => "",
    }
}

/// The demo's servers, running; they stop when this is dropped.
pub struct Demo {
    port: u16,
    trust: TrustStore,
    dns: DnsServer,
    _servers: Vec<MailServer>,
}

impl Demo {
    /// Generates the CA and certificates and starts every server.
    pub async fn start() -> Result<Demo, DemoError> {
        let now = OffsetDateTime::now_utc();
        let ca = DemoCa::new(now)?;
        let trust = TrustStore::from_pem(TRUST_LABEL, ca.root_pem().as_bytes())?;
        let (listeners, port) = bind_common_port()?;
        let mut servers = Vec::new();
        for (case, listener) in CASES.iter().zip(listeners) {
            // Issued yesterday for 90 days; the expired one ran out ten days ago.
            let (from, until) = match case.kind {
                Kind::Expired => (now - Duration::days(400), now - Duration::days(10)),
                _ => (now - Duration::days(1), now + Duration::days(90)),
            };
            let mode = match case.kind {
                Kind::Good | Kind::Expired => {
                    Mode::Starttls(pki::server_config(&ca.leaf(case.mx, from, until)?)?)
                }
                Kind::LegacyTls => {
                    let id = ca.leaf(case.mx, from, until)?;
                    let chain = id.chain.iter().map(|c| c.to_vec()).collect();
                    Mode::LegacyTls(Arc::new(LegacyTls::new(chain, &id.key)?))
                }
                Kind::NoStarttls => Mode::Plaintext,
                Kind::Throttled => Mode::Throttled,
            };
            let server =
                smtp::spawn(listener, case.mx, mode).map_err(|source| DemoError::Bind {
                    mx: case.mx,
                    ip: case.ip,
                    source,
                })?;
            servers.push(server);
        }
        let delegations: Vec<Delegation<'_>> = CASES
            .iter()
            .map(|c| Delegation {
                domain: c.domain,
                mx: c.mx,
                ip: c.ip,
            })
            .collect();
        let dns = dns::start(&delegations)?;
        Ok(Demo {
            port,
            trust,
            dns,
            _servers: servers,
        })
    }

    /// `base` (the options given to `tlscheck demo`) as a `tlscheck mx` of the demo domains
    /// against the demo's servers: their DNS server, their port, their CA.
    pub fn plan(&self, base: &Plan) -> Result<Plan, DemoError> {
        let mut plan = base.clone();
        plan.command = TargetKind::Mx;
        plan.targets = CASES
            .iter()
            .map(|c| parse_domain(c.domain).map_err(|e| DemoError::Domain(e.to_string())))
            .collect::<Result<_, _>>()?;
        plan.resolver = Some(self.dns.addr);
        plan.port = self.port;
        plan.trust = self.trust.clone();
        plan.implicit_tls = false;
        Ok(plan)
    }

    /// The line before the reports.
    pub fn header(&self) -> String {
        format!(
            "tlscheck demo: five simulated mail servers on loopback (127.0.0.2-127.0.0.6, port {}) with their own DNS server ({}) and CA; no network.",
            self.port, self.dns.addr
        )
    }
}

/// Binds one listener per demo case, each on its own address, all on one port (the kernel picks
/// it for the first; another process may hold it on another address, so a few are tried).
fn bind_common_port() -> Result<(Vec<TcpListener>, u16), DemoError> {
    let bind = |case: &Case, port: u16| {
        TcpListener::bind((case.ip, port)).map_err(|source| DemoError::Bind {
            mx: case.mx,
            ip: case.ip,
            source,
        })
    };
    let mut last = io::Error::from(io::ErrorKind::AddrInUse);
    'attempt: for _ in 0..16 {
        let mut listeners = Vec::new();
        let mut port = 0;
        for case in &CASES {
            match bind(case, port) {
                Ok(l) => {
                    if port == 0 {
                        port = l
                            .local_addr()
                            .map_err(|source| DemoError::Bind {
                                mx: case.mx,
                                ip: case.ip,
                                source,
                            })?
                            .port();
                    }
                    listeners.push(l);
                }
                Err(DemoError::Bind { source, .. })
                    if source.kind() == io::ErrorKind::AddrInUse =>
                {
                    last = source;
                    continue 'attempt;
                }
                Err(e) => return Err(e),
            }
        }
        return Ok((listeners, port));
    }
    Err(DemoError::NoCommonPort(last))
}

/// Demo domains that did not get what they are there to show.
#[derive(Debug, thiserror::Error)]
#[error("the demo did not run as designed: {}", .0.join("; "))]
pub struct Broken(pub Vec<String>);

/// Whether every demo domain of `report` got its intended outcome, judged by the demo's own
/// policy (no profile, no required version), so options such as `--profile` change what is
/// shown, not whether the demo worked.
pub fn check(report: &Report) -> Result<(), Broken> {
    let judged = judge(report.clone(), &Policy::default());
    let mut wrong = Vec::new();
    for case in &CASES {
        let Some(j) = judged
            .report
            .targets
            .iter()
            .zip(&judged.targets)
            .find(|(t, _)| t.input == case.domain)
            .map(|(_, j)| j)
        else {
            wrong.push(format!("{}: not in the report", case.domain));
            continue;
        };
        let codes: Vec<&str> = j.findings.iter().map(|f| f.code.as_str()).collect();
        let (ok, wanted) = match case.expect {
            Expect::Pass => (j.verdict == Verdict::Pass, "to pass".to_string()),
            Expect::Finding(code) => (
                j.findings.iter().any(|f| f.code == code),
                format!("the finding {}", code.as_str()),
            ),
        };
        if !ok {
            let got = match codes.as_slice() {
                [] => "no finding".to_string(),
                _ => codes.join(", "),
            };
            wrong.push(format!(
                "{} was expected {wanted}, got {} with {got}",
                case.domain, j.verdict
            ));
        }
    }
    match wrong.is_empty() {
        true => Ok(()),
        false => Err(Broken(wrong)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_names_every_domain_and_its_outcome() {
        for case in &CASES {
            let line = HELP
                .lines()
                .find(|l| l.trim_start().starts_with(case.domain))
                .unwrap_or_else(|| panic!("{} not in HELP", case.domain));
            match case.expect {
                Expect::Pass => assert!(line.ends_with("passes"), "{line}"),
                Expect::Finding(code) => assert!(line.ends_with(code.as_str()), "{line}"),
            }
            assert!(parse_domain(case.domain).is_ok());
        }
    }

    #[test]
    fn a_domain_without_its_finding_breaks_the_demo() {
        use crate::sample;
        let targets = CASES
            .iter()
            .map(|c| {
                sample::target(
                    c.domain,
                    c.mx,
                    vec![sample::address("192.0.2.1", sample::tls())],
                )
            })
            .collect();
        let report = Report {
            run: sample::run(),
            targets,
        };
        let Broken(wrong) = check(&report).unwrap_err();
        // good.example passes, as it should; every other domain lacks its finding.
        assert_eq!(wrong.len(), CASES.len() - 1, "{wrong:?}");
        assert!(
            wrong[0].starts_with(
                "legacy-tls.example was expected the finding tls-legacy-only, got pass"
            ),
            "{wrong:?}"
        );
    }

    #[test]
    fn an_address_macos_lacks_gets_the_alias_command() {
        let e = DemoError::Bind {
            mx: "mx.legacy-tls.example",
            ip: Ipv4Addr::new(127, 0, 0, 3),
            source: io::Error::from(io::ErrorKind::AddrNotAvailable),
        };
        let shown = e.to_string();
        assert!(
            shown.starts_with(
                "cannot start the demo mail server for mx.legacy-tls.example on 127.0.0.3: "
            ),
            "{shown}"
        );
        assert!(
            shown.ends_with("sudo ifconfig lo0 alias 127.0.0.$i up; done"),
            "{shown}"
        );
    }

    #[test]
    fn an_empty_report_is_a_broken_demo() {
        let report = Report {
            run: crate::sample::run(),
            targets: vec![],
        };
        let Broken(wrong) = check(&report).unwrap_err();
        assert_eq!(wrong.len(), CASES.len());
        assert!(wrong[0].contains("good.example: not in the report"));
    }
}
