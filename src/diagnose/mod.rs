//! Judgement: [`judge`] turns a report's facts into [`Finding`]s and verdicts.
//!
//! Pure functions of the report and the policy (the clock is the report's `started_at`), so a saved
//! report can be re-judged offline and every rule is unit-tested without a network. The rules are
//! split by subject, each file with its tests:
//!
//! - `target.rs`: the domain and its MX hosts (DNS, null and implicit MX, aliases, bad names);
//! - `session.rs`: the SMTP session (where and why it stopped, STARTTLS offered);
//! - `tls.rs`: the TLS versions accepted, the negotiated version and key exchange, mutual TLS;
//! - `cert.rs`: the certificate chain (dates, name, trust, key size, a profile's expectations);
//! - `revocation.rs`: the CRL, OCSP and stapled answers;
//! - `sender.rs`: what a sender profile's sender needs of the target (versions, suites, and the
//!   certificate with forced TLS).
//!
//! Per address the rules run in a fixed order (session; TLS versions; key exchange; TLS;
//! certificate; mutual TLS; revocation; sender profile), so findings come out in a stable order.

mod cert;
mod policy;
mod revocation;
pub mod schannel;
mod sender;
mod session;
mod target;
mod tls;

use std::net::SocketAddr;

use time::OffsetDateTime;

use crate::finding::{Code, Finding, Severity};
use crate::judged::{Judged, TargetJudgement};
use crate::profile::Profile;
use crate::report::{AddressReport, Report, TargetReport};
use crate::vocab::{TlsVersion, Verdict};

/// Default minimum RSA key size when no profile says otherwise.
pub const DEFAULT_MIN_RSA_BITS: u32 = 2048;

pub use crate::report::DEFAULT_EXPIRY_WARN_DAYS;

/// What the findings are judged against.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// The expect profile (`--expect`): what the target must look like.
    pub profile: Option<Profile>,
    /// The sender profile (`--sender`): who delivers to the target.
    pub sender: Option<Profile>,
    pub require_tls: Option<TlsVersion>,
    /// Revocation was checked (so a missing stapled response is worth an `info`).
    pub revocation: bool,
    /// Warn about certificates expiring within this many days; 0 (the default here): never.
    pub expiry_warn_days: u32,
}

impl Policy {
    /// The stricter of `--require-tls` and the profile's `min_tls`.
    pub fn required_tls(&self) -> Option<TlsVersion> {
        let from_profile = self.profile.as_ref().and_then(Profile::min_tls);
        match (self.require_tls, from_profile) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    fn min_rsa_bits(&self) -> u32 {
        self.profile
            .as_ref()
            .and_then(|p| p.min_key_bits)
            .unwrap_or(DEFAULT_MIN_RSA_BITS)
    }
}

/// A finding's code and message, before it is placed at its target, host and address.
type Found = (Code, String);

/// What every rule about one address needs: where it is (messages start with it), the policy and
/// the clock.
struct At<'a> {
    socket: SocketAddr,
    policy: &'a Policy,
    now: OffsetDateTime,
}

impl At<'_> {
    /// A finding about this address: `192.0.2.1:25: {message}`.
    fn found(&self, code: Code, message: impl std::fmt::Display) -> Found {
        (code, format!("{}: {message}", self.socket))
    }
}

/// Judges the report: each target's findings and verdict, and the overall verdict.
pub fn judge(report: Report, policy: &Policy) -> Judged {
    let now = report.run.started_at;
    let targets: Vec<TargetJudgement> = report
        .targets
        .iter()
        .map(|t| {
            let findings = diagnose_target(t, policy, now);
            TargetJudgement {
                verdict: target_verdict(t, &findings),
                findings,
            }
        })
        .collect();
    Judged {
        verdict: Verdict::overall(targets.iter().map(|t| t.verdict)),
        report,
        targets,
        unplaced: vec![],
    }
}

/// `fail` on any error finding; else `pass` when some address got as far as EHLO; else
/// `inconclusive`.
fn target_verdict(t: &TargetReport, findings: &[Finding]) -> Verdict {
    if findings.iter().any(|f| f.severity == Severity::Error) {
        return Verdict::Fail;
    }
    let probed = t
        .hosts
        .iter()
        .flat_map(|h| &h.addresses)
        .any(AddressReport::got_ehlo);
    if probed {
        Verdict::Pass
    } else {
        Verdict::Inconclusive
    }
}

/// The findings of one target: the domain's, then per MX host its own and its addresses'.
pub fn diagnose_target(t: &TargetReport, policy: &Policy, now: OffsetDateTime) -> Vec<Finding> {
    let place = |(code, message, severity): policy::PolicyFound,
                 host: Option<&str>,
                 ip: Option<std::net::IpAddr>| {
        let mut f = Finding::new(code, &t.input, host, ip, message);
        if let Some(s) = severity {
            f.severity = s;
        }
        f
    };
    let mut out: Vec<Finding> = target::domain(t)
        .into_iter()
        .map(|(code, message)| Finding::new(code, &t.input, None, None, message))
        .collect();
    for host in &t.hosts {
        for (code, message) in target::host(t, host) {
            out.push(Finding::new(
                code,
                &t.input,
                Some(&host.name),
                None,
                message,
            ));
        }
        out.extend(
            policy::host(t, host, policy.profile.as_ref())
                .into_iter()
                .map(|f| place(f, Some(&host.name), None)),
        );
        for a in &host.addresses {
            let mut found = diagnose_address(a, policy, now);
            let from_policy = policy::address(t, host, a, &mut found);
            for (code, message) in found {
                out.push(Finding::new(
                    code,
                    &t.input,
                    Some(&host.name),
                    Some(a.ip),
                    message,
                ));
            }
            out.extend(
                from_policy
                    .into_iter()
                    .map(|f| place(f, Some(&host.name), Some(a.ip))),
            );
        }
    }
    // The domain's MTA-STS and TLS-RPT last: what the hosts do comes first.
    out.extend(policy::domain(t).into_iter().map(|f| place(f, None, None)));
    out
}

/// The findings of one address, as (code, message).
pub fn diagnose_address(a: &AddressReport, policy: &Policy, now: OffsetDateTime) -> Vec<Found> {
    let at = At {
        socket: a.socket(),
        policy,
        now,
    };
    let mut out = session::rules(a, &at);
    out.extend(tls::versions(a, &at));
    out.extend(tls::key_exchange(a, &at));
    if let Some(facts) = &a.tls {
        out.extend(tls::rules(facts, &at));
        out.extend(cert::rules(facts, &at));
        out.extend(tls::client_auth(facts, a.error.as_ref(), &at));
        if policy.revocation {
            out.extend(revocation::rules(facts, &at));
        }
    }
    if let Some(sender) = &policy.sender {
        out.extend(sender::rules(a, sender, &at));
    }
    out
}

/// `2026-01-01`.
fn date(t: OffsetDateTime) -> String {
    t.date().to_string()
}

/// Builders the rules' tests share, on top of the crate's one sample ([`crate::sample`]).
#[cfg(test)]
mod fixtures {
    use super::{diagnose_address, Policy};
    use crate::report::Versions;
    use crate::vocab::VersionStatus;

    /// Versions with TLS 1.0, 1.1, 1.2 and 1.3 as given, and nothing else asked.
    pub fn versions(v: [VersionStatus; 4]) -> Versions {
        let [tls1_0, tls1_1, tls1_2, tls1_3] = v;
        Versions {
            tls1_0,
            tls1_1,
            tls1_2,
            tls1_3,
            static_rsa: None,
            tls12_dh_bits: None,
            probes: vec![],
        }
    }

    use crate::finding::Code;
    use crate::report::{AddressReport, Failure, TlsFacts};
    use crate::sample;

    pub use crate::sample::NOW;

    /// A valid chain of one leaf for `mx.contoso.test` with nothing else to say: no revocation
    /// URLs, no revocation answers.
    pub fn tls() -> TlsFacts {
        let mut tls = sample::tls();
        tls.chain.truncate(1);
        for c in &mut tls.chain {
            c.revocation = None;
            c.crl_urls.clear();
            c.ocsp_urls.clear();
            c.ca_issuers_urls.clear();
        }
        tls
    }

    /// An address that answered EHLO with STARTTLS, with these TLS facts and this failure.
    pub fn address(tls: Option<TlsFacts>, error: Option<Failure>) -> AddressReport {
        let mut a = sample::address("192.0.2.1", self::tls());
        a.tls = tls;
        a.versions = None;
        a.error = error;
        a
    }

    pub fn codes(a: &AddressReport, policy: &Policy) -> Vec<Code> {
        diagnose_address(a, policy, NOW)
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    }

    /// The message of the only finding of `code`.
    pub fn message(a: &AddressReport, policy: &Policy, code: Code) -> String {
        let found: Vec<String> = diagnose_address(a, policy, NOW)
            .into_iter()
            .filter(|(c, _)| *c == code)
            .map(|(_, m)| m)
            .collect();
        assert_eq!(found.len(), 1, "{code:?}: {found:?}");
        found.into_iter().next().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{address, codes, tls, NOW};
    use super::*;
    use crate::sample;
    use crate::vocab::{FailureKind, Phase};

    #[test]
    fn good_address_has_no_findings_and_passes() {
        let a = address(Some(tls()), None);
        assert!(codes(&a, &Policy::default()).is_empty());
        let t = sample::target("contoso.test", "mx.contoso.test", vec![a]);
        let f = diagnose_target(&t, &Policy::default(), NOW);
        assert_eq!(target_verdict(&t, &f), Verdict::Pass);
    }

    #[test]
    fn findings_are_placed_at_their_host_and_address() {
        let mut down = address(
            None,
            Some(crate::report::Failure::new(
                Phase::Connect,
                FailureKind::Refused,
                "refused",
            )),
        );
        down.smtp = Default::default();
        let mut t = sample::target(
            "contoso.test",
            "mx.contoso.test",
            vec![address(Some(tls()), None)],
        );
        let mut second = t.hosts[0].clone();
        second.name = "mx2.contoso.test".into();
        second.addresses = vec![down];
        t.hosts.push(second);
        let f = diagnose_target(&t, &Policy::default(), NOW);
        assert_eq!(
            f.iter().map(|x| x.code).collect::<Vec<_>>(),
            vec![Code::ConnectFailed]
        );
        assert_eq!(f[0].target, "contoso.test");
        assert_eq!(f[0].host.as_deref(), Some("mx2.contoso.test"));
        assert_eq!(f[0].ip, Some("192.0.2.1".parse().unwrap()));
        assert!(
            f[0].message.starts_with("192.0.2.1:25: "),
            "{}",
            f[0].message
        );
        // One host down, the other probed: the target still passes, with a warning.
        assert_eq!(target_verdict(&t, &f), Verdict::Pass);
    }

    #[test]
    fn judge_gives_each_target_its_findings_and_verdict() {
        let mut facts = sample::facts();
        let mut nx = facts.targets[0].clone();
        nx.input = "nx.test".into();
        nx.hosts.clear();
        nx.dns_error = Some(crate::report::Failure::new(
            Phase::Dns,
            FailureKind::Nxdomain,
            "NXDOMAIN",
        ));
        facts.targets.push(nx);
        let judged = judge(facts, &Policy::default());
        assert_eq!(judged.targets.len(), 2);
        assert_eq!(judged.targets[0].verdict, Verdict::Pass);
        assert_eq!(judged.targets[1].verdict, Verdict::Inconclusive);
        assert_eq!(judged.targets[1].findings[0].code, Code::DomainUnresolvable);
        assert_eq!(judged.verdict, Verdict::Inconclusive);
    }

    #[test]
    fn require_tls_takes_the_stricter_of_flag_and_profile() {
        let profile =
            crate::profile::Profile::parse("name = 't'\ndescription = 'd'\nmin_tls = '1.3'\n", "t")
                .unwrap();
        let policy = Policy {
            profile: Some(profile),
            require_tls: Some(TlsVersion::Tls12),
            expiry_warn_days: 0,
            ..Policy::default()
        };
        assert_eq!(policy.required_tls(), Some(TlsVersion::Tls13));
        assert_eq!(Policy::default().required_tls(), None);
    }
}
