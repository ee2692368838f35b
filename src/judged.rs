//! A judged report: the facts of a run ([`Report`]) with the findings and verdicts `diagnose`
//! derived from them, and its JSON form (`--format json`, schema_version 1).
//!
//! The JSON keeps the facts and the judgements side by side, as it always has: the run's header,
//! `targets[]` (each target's facts followed by its `verdict`), then the flat `findings[]` and
//! the overall `verdict`. Reading it back ([`Judged`]'s `Deserialize`) gives each finding to the
//! target it names; a finding of a saved report that names none of its targets is kept apart
//! ([`Judged::unplaced`]), never dropped.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::finding::Finding;
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

/// [`Written`], owned, as it is read back.
#[derive(Deserialize)]
struct Read {
    #[serde(flatten)]
    run: Run,
    targets: Vec<ReadTarget>,
    findings: Vec<Finding>,
    verdict: Verdict,
}

#[derive(Deserialize)]
struct ReadTarget {
    #[serde(flatten)]
    facts: TargetReport,
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
        let read = Read::deserialize(d)?;
        let mut targets: Vec<TargetJudgement> = read
            .targets
            .iter()
            .map(|t| TargetJudgement {
                verdict: t.verdict,
                findings: vec![],
            })
            .collect();
        let mut unplaced = Vec::new();
        for f in read.findings {
            // The first target of that input: tlscheck never writes two in one report.
            let place = read.targets.iter().position(|t| t.facts.input == f.target);
            match place.and_then(|i| targets.get_mut(i)) {
                Some(t) => t.findings.push(f),
                None => unplaced.push(f),
            }
        }
        Ok(Judged {
            report: Report {
                run: read.run,
                targets: read.targets.into_iter().map(|t| t.facts).collect(),
            },
            targets,
            unplaced,
            verdict: read.verdict,
        })
    }
}

impl JsonSchema for Judged {
    fn schema_name() -> Cow<'static, str> {
        Written::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        Written::json_schema(generator)
    }
}
