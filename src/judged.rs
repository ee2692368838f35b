//! A judged report: the facts of a run ([`Report`]) with the findings and verdicts `diagnose`
//! derived from them, and its JSON form (`--format json`, schema_version 1).
//!
//! The JSON keeps the facts and the judgements side by side, as it always has: the run's header,
//! `targets[]` (each target's facts followed by its `verdict`), then the flat `findings[]` and
//! the overall `verdict`. A finding names where it belongs by strings (the target as typed, the
//! host name, the IP address); this module is the one place that turns those names back into
//! positions: [`Judged`]'s `Deserialize` gives each finding to its target, and [`places`] places a
//! target's findings at the target, one of its hosts or one of their addresses. A finding of a
//! saved report that names none of its targets is kept apart ([`Judged::unplaced`]).
//!
//! Names can repeat: a domain may publish the same MX host at two preferences, and
//! `tlscheck host X X` checks X twice. Findings are written in target, host, address order, so
//! each is placed at the first place it names at or after the previous finding's place, passing
//! over a place that already holds the very same finding (the same code and message: the copy
//! that belongs to the repeated name).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::finding::{Code, Finding};
use crate::report::{Report, Run, TargetReport, SCHEMA_VERSION};
use crate::vocab::Verdict;

/// A report and its judgement.
#[derive(Debug, Clone)]
pub struct Judged {
    pub report: Report,
    /// One per target of the report, in the same order.
    pub targets: Vec<TargetJudgement>,
    /// Findings of a saved report that name none of its targets.
    pub unplaced: Vec<Finding>,
    /// Any target `fail` fails; else any `inconclusive`; else `pass`.
    pub verdict: Verdict,
}

/// The judgement of one target.
#[derive(Debug, Clone)]
pub struct TargetJudgement {
    /// `fail` if any error finding; else `pass` if any address was probed; else `inconclusive`.
    pub verdict: Verdict,
    /// The target's findings, in target, host, address order.
    pub findings: Vec<Finding>,
}

impl Judged {
    /// Every finding, in target, host, address order (those placed nowhere last).
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.targets
            .iter()
            .flat_map(|t| &t.findings)
            .chain(&self.unplaced)
    }

    /// Each target as a judged report of its own (its findings, its verdict as the overall
    /// one), as `--format ndjson` writes them.
    pub fn per_target(&self) -> impl Iterator<Item = Judged> + '_ {
        self.report
            .targets
            .iter()
            .zip(&self.targets)
            .map(|(facts, judgement)| Judged {
                report: Report {
                    run: self.report.run.clone(),
                    targets: vec![facts.clone()],
                },
                targets: vec![judgement.clone()],
                unplaced: vec![],
                verdict: judgement.verdict,
            })
    }

    /// Several judged reports as one (an ndjson stream read back): all their targets, the
    /// earliest start, the longest duration and the first one's options.
    pub fn merge(reports: impl IntoIterator<Item = Judged>) -> Option<Judged> {
        let mut reports = reports.into_iter();
        let mut merged = reports.next()?;
        for r in reports {
            let run = &mut merged.report.run;
            run.started_at = run.started_at.min(r.report.run.started_at);
            run.duration_ms = run.duration_ms.max(r.report.run.duration_ms);
            merged.report.targets.extend(r.report.targets);
            merged.targets.extend(r.targets);
            merged.unplaced.extend(r.unplaced);
        }
        merged.verdict = Verdict::overall(merged.targets.iter().map(|t| t.verdict));
        Some(merged)
    }
}

impl Judged {
    /// Reports of several runs as one (shards of a batch, or a run and its re-run): all their
    /// targets, where a target given in more than one (same kind and name) is kept once, from
    /// the run that started last (the later report on a tie). Returns the merged report and how
    /// many repeated targets were dropped.
    pub fn merge_runs(reports: Vec<Judged>) -> Option<(Judged, usize)> {
        // The newest run of each target: (kind, name) -> (report index, started_at).
        let mut newest: HashMap<(crate::vocab::TargetKind, String), (usize, OffsetDateTime)> =
            HashMap::new();
        for (i, r) in reports.iter().enumerate() {
            for t in &r.report.targets {
                let key = (t.kind, t.name.to_ascii_lowercase());
                let started = r.report.run.started_at;
                match newest.get(&key) {
                    Some((_, at)) if *at > started => {}
                    _ => {
                        newest.insert(key, (i, started));
                    }
                }
            }
        }
        let mut dropped = 0;
        let mut kept_once = HashSet::new();
        let trimmed = reports.into_iter().enumerate().map(|(i, mut r)| {
            let mut facts = Vec::new();
            let mut judgements = Vec::new();
            for (t, j) in r.report.targets.into_iter().zip(r.targets) {
                let key = (t.kind, t.name.to_ascii_lowercase());
                let wins = newest.get(&key).is_some_and(|(w, _)| *w == i);
                if wins && kept_once.insert(key) {
                    facts.push(t);
                    judgements.push(j);
                } else {
                    dropped += 1;
                }
            }
            r.report.targets = facts;
            r.targets = judgements;
            r
        });
        let merged = Judged::merge(trimmed.collect::<Vec<_>>())?;
        Some((merged, dropped))
    }
}

/// The JSON report of `tlscheck mx` and `tlscheck host` (`--format json`).
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "Report")]
struct Written<'a> {
    /// Version of the report format; changes on any breaking change.
    #[schemars(extend("const" = SCHEMA_VERSION))]
    schema_version: u32,
    #[serde(flatten)]
    run: &'a Run,
    /// One per domain or host given.
    targets: Vec<WrittenTarget<'a>>,
    /// Judgements, in target, host, address order.
    findings: Vec<&'a Finding>,
    /// Overall: any target `fail` fails; else any `inconclusive`; else `pass`.
    verdict: Verdict,
}

/// One domain or host given on the command line.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "TargetReport")]
struct WrittenTarget<'a> {
    #[serde(flatten)]
    facts: &'a TargetReport,
    /// `fail` if any error finding; else `pass` if any address was probed (EHLO answered or TLS
    /// done); else `inconclusive`.
    verdict: Verdict,
}

/// [`Written`], owned, as it is read back: each target's `verdict` is taken out of the target's
/// object first ([`Judged::from_value`]), so the targets' facts read on their own.
#[derive(Deserialize)]
struct Read {
    #[serde(flatten)]
    run: Run,
    targets: Vec<TargetReport>,
    findings: Vec<Finding>,
    verdict: Verdict,
}

impl Serialize for Judged {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Written {
            schema_version: SCHEMA_VERSION,
            run: &self.report.run,
            targets: self
                .report
                .targets
                .iter()
                .zip(&self.targets)
                .map(|(facts, j)| WrittenTarget {
                    facts,
                    verdict: j.verdict,
                })
                .collect(),
            findings: self.findings().collect(),
            verdict: self.verdict,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Judged {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Judged::from_value(serde_json::Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl Judged {
    /// A judged report from its JSON (as [`crate::saved`] has it, already parsed).
    pub fn from_value(mut value: serde_json::Value) -> Result<Self, serde_json::Error> {
        use serde::de::Error;
        let mut verdicts = Vec::new();
        if let Some(targets) = value.get_mut("targets").and_then(|t| t.as_array_mut()) {
            for (n, t) in targets.iter_mut().enumerate() {
                let verdict = t.as_object_mut().and_then(|o| o.remove("verdict"));
                let verdict = verdict.ok_or_else(|| {
                    serde_json::Error::custom(format!("target {} has no verdict", n + 1))
                })?;
                verdicts.push(serde_json::from_value::<Verdict>(verdict)?);
            }
        }
        let read: Read = serde_json::from_value(value)?;
        let mut targets: Vec<TargetJudgement> = verdicts
            .into_iter()
            .map(|verdict| TargetJudgement {
                verdict,
                findings: vec![],
            })
            .collect();
        let mut by_input: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, t) in read.targets.iter().enumerate() {
            by_input.entry(t.input.as_str()).or_default().push(i);
        }
        let mut unplaced = Vec::new();
        let mut cursor = 0;
        for f in read.findings {
            let candidates = by_input.get(f.target.as_str()).map(Vec::as_slice);
            let chosen = pick(
                candidates.unwrap_or_default(),
                |&i| i >= cursor,
                |&i| {
                    targets
                        .get(i)
                        .is_some_and(|t| t.findings.iter().any(|g| same(g, &f)))
                },
            );
            match chosen.and_then(|i| targets.get_mut(i).map(|t| (i, t))) {
                Some((i, t)) => {
                    cursor = i;
                    t.findings.push(f);
                }
                None => unplaced.push(f),
            }
        }
        Ok(Judged {
            report: Report {
                run: read.run,
                targets: read.targets,
            },
            targets,
            unplaced,
            verdict: read.verdict,
        })
    }
}

/// Where in its target a finding belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    /// The target as a whole (or a host or address the report does not list).
    Target,
    /// A host, by its index in the target's hosts.
    Host(usize),
    /// An address: the host's index, the address's index in the host.
    Address(usize, usize),
}

impl Place {
    /// The position in the order findings are written: the target's, then per host its own and
    /// its addresses'.
    fn order(self) -> (usize, usize) {
        match self {
            Place::Target => (0, 0),
            Place::Host(h) => (h.saturating_add(1), 0),
            Place::Address(h, a) => (h.saturating_add(1), a.saturating_add(1)),
        }
    }
}

/// The place of each of `findings` (the findings of target `t`, in the order they are written).
pub fn places(t: &TargetReport, findings: &[Finding]) -> Vec<Place> {
    let mut hosts: HashMap<&str, Vec<usize>> = HashMap::new();
    for (h, host) in t.hosts.iter().enumerate() {
        hosts.entry(host.name.as_str()).or_default().push(h);
    }
    let mut held: HashMap<Place, HashSet<(Code, &str)>> = HashMap::new();
    let mut cursor = Place::Target;
    findings
        .iter()
        .map(|f| {
            let candidates = candidates(t, &hosts, f);
            let key = (f.code, f.message.as_str());
            let chosen = pick(
                &candidates,
                |c| c.order() >= cursor.order(),
                |c| held.get(c).is_some_and(|set| set.contains(&key)),
            )
            .unwrap_or(Place::Target);
            held.entry(chosen).or_default().insert(key);
            cursor = chosen;
            chosen
        })
        .collect()
}

/// Every place a finding names, in document order: each address of each host of its name that
/// has its IP; a host of its name that has not (or when it names no IP); else the target.
fn candidates(t: &TargetReport, hosts: &HashMap<&str, Vec<usize>>, f: &Finding) -> Vec<Place> {
    let Some(indices) = f.host.as_deref().and_then(|name| hosts.get(name)) else {
        return vec![Place::Target];
    };
    let mut out = Vec::new();
    for &h in indices {
        let addresses = t.hosts.get(h).map(|host| host.addresses.as_slice());
        let at: Vec<Place> = match f.ip {
            Some(ip) => addresses
                .unwrap_or_default()
                .iter()
                .enumerate()
                .filter(|(_, a)| a.ip == ip)
                .map(|(a, _)| Place::Address(h, a))
                .collect(),
            None => vec![],
        };
        if at.is_empty() {
            out.push(Place::Host(h));
        } else {
            out.extend(at);
        }
    }
    out
}

/// The first candidate that comes at or after the previous finding's place (`ahead`) and does
/// not already hold the same finding (`taken`); else the first candidate.
fn pick<P: Copy>(
    candidates: &[P],
    ahead: impl Fn(&P) -> bool,
    taken: impl Fn(&P) -> bool,
) -> Option<P> {
    if let [only] = candidates {
        return Some(*only);
    }
    candidates
        .iter()
        .find(|c| ahead(c) && !taken(c))
        .or(candidates.first())
        .copied()
}

/// The same finding: same code and message.
fn same(a: &Finding, b: &Finding) -> bool {
    a.code == b.code && a.message == b.message
}

impl JsonSchema for Judged {
    fn schema_name() -> Cow<'static, str> {
        Written::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        Written::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{judge, Policy};
    use crate::sample;
    use crate::vocab::TlsVersion;

    /// Shards merge into one report; a target in two runs is kept once, from the newer run,
    /// whichever file comes first.
    #[test]
    fn runs_merge_and_a_repeated_target_comes_from_the_newest_run() {
        let older = sample::report();
        let mut newer = sample::report();
        newer.report.run.started_at += time::Duration::hours(1);
        newer.targets[0].verdict = Verdict::Fail;
        let mut other = sample::report();
        other.report.targets[0].name = "fabrikam.test".into();
        other.report.targets[0].input = "fabrikam.test".into();
        for order in [
            vec![older.clone(), newer.clone(), other.clone()],
            vec![newer.clone(), other.clone(), older.clone()],
        ] {
            let (merged, dropped) = Judged::merge_runs(order).unwrap();
            assert_eq!(dropped, 1);
            let names: Vec<&str> = merged
                .report
                .targets
                .iter()
                .map(|t| t.name.as_str())
                .collect();
            assert_eq!(names.len(), 2, "{names:?}");
            assert!(names.contains(&"fabrikam.test") && names.contains(&"contoso.test"));
            let contoso = names.iter().position(|n| *n == "contoso.test").unwrap();
            assert_eq!(
                merged.targets[contoso].verdict,
                Verdict::Fail,
                "the newer run's"
            );
            assert_eq!(merged.verdict, Verdict::Fail);
            assert_eq!(merged.report.run.started_at, older.report.run.started_at);
        }
    }

    /// A policy every address of the sample fails: it negotiates TLS 1.3 with TLS 1.2 facts.
    fn failing() -> (Report, Policy) {
        let mut facts = sample::facts();
        for a in &mut facts.targets[0].hosts[0].addresses {
            if let Some(tls) = a.tls.as_mut() {
                tls.version = TlsVersion::Tls12;
            }
        }
        let policy = Policy {
            require_tls: Some(TlsVersion::Tls13),
            ..Policy::default()
        };
        (facts, policy)
    }

    #[test]
    fn a_host_published_twice_gets_its_own_findings() {
        // MX 10 mx.contoso.test and MX 20 mx.contoso.test: two hosts, same name, same addresses.
        let (mut facts, policy) = failing();
        let mut again = facts.targets[0].hosts[0].clone();
        again.preference = Some(20);
        again.cname = Some("real.contoso.test".into());
        facts.targets[0].hosts.push(again);
        let judged = judge(facts, &policy);
        let t = &judged.targets[0];
        let placed = places(&judged.report.targets[0], &t.findings);
        let at = |p: Place| placed.iter().filter(|q| **q == p).count();
        // Each address of each host holds its own tls-below-required, and the second host its
        // mx-cname: nothing piles up on the first copy.
        for h in 0..2 {
            for a in 0..2 {
                assert_eq!(at(Place::Address(h, a)), 1, "{placed:?}");
            }
        }
        assert_eq!(at(Place::Host(1)), 1, "{placed:?}");
        assert_eq!(at(Place::Target), 0, "{placed:?}");
    }

    #[test]
    fn a_target_given_twice_reads_back_with_its_own_findings() {
        // `tlscheck host X X` as a saved report: two targets of one input.
        let (mut facts, policy) = failing();
        facts.targets.push(facts.targets[0].clone());
        let judged = judge(facts, &policy);
        assert_eq!(judged.targets[0].findings.len(), 2);
        let json = serde_json::to_string(&judged).unwrap();
        let back: Judged = serde_json::from_str(&json).unwrap();
        assert_eq!(back.targets[0].findings.len(), 2);
        assert_eq!(back.targets[1].findings.len(), 2);
        assert!(back.unplaced.is_empty());
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }

    #[test]
    fn names_the_report_does_not_list_fall_back_to_the_nearest_place() {
        let judged = sample::report();
        let t = &judged.report.targets[0];
        let finding = |host: Option<&str>, ip: Option<&str>| {
            let ip = ip.map(|ip| ip.parse().unwrap());
            Finding::new(Code::WeakKey, "contoso.test", host, ip, "x".into())
        };
        let found = [
            finding(None, None),
            finding(Some("mx.contoso.test"), Some("192.0.2.2")),
            finding(Some("mx.contoso.test"), Some("192.0.2.99")),
            finding(Some("other.test"), None),
        ];
        assert_eq!(
            places(t, &found),
            [
                Place::Target,
                Place::Address(0, 1),
                Place::Host(0),
                Place::Target
            ]
        );
    }
}
