//! `tlscheck report FILE`: a saved JSON report read back (a file a stranger may have sent: its
//! size is bounded and every field is typed), to be re-rendered in any format and, with
//! `--expect`, `--sender` or `--require-tls`, re-judged, all without network access.
//!
//! The saved report holds every fact the rules need (chains as DER, versions, revocation answers),
//! so re-judging runs the same [`crate::diagnose::judge`] as a live run, as of the time the probe
//! ran (`started_at`): a certificate that has expired since is judged as it was then. A profile
//! with its own roots also re-checks, offline, chains whose anchor the original trust store did
//! not know.

use std::io::Read;
use std::path::Path;

use base64::Engine;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::cert::chain::{validate, TrustStore};
use crate::diagnose::{judge, Policy};
use crate::judged::Judged;
use crate::plan::{ProfileChoice, ReportPlan};
use crate::profile::{Profile, ProfileKind};
use crate::report::{Report, SCHEMA_VERSION};

/// Largest saved report read (a run over many domains with verbose transcripts stays far below).
pub const MAX_SAVED_REPORT_BYTES: u64 = 512 * 1024 * 1024;

/// Why a saved report cannot be used (a usage error: exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum SavedError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is larger than {MAX_SAVED_REPORT_BYTES} bytes")]
    TooLarge { path: String },
    #[error("{path} is not a tlscheck report: {message}")]
    NotAReport { path: String, message: String },
    #[error(
        "{path} has schema_version {found}; this tlscheck reads version {SCHEMA_VERSION} (use the tlscheck that wrote it)"
    )]
    Version { path: String, found: u64 },
    #[error(
        "the report was judged with profile {name:?}, which cannot be loaded here ({why}); pass {flag} NAME|FILE or {flag} none"
    )]
    SavedProfile {
        name: String,
        flag: &'static str,
        why: String,
    },
}

/// A saved report as read: every complete report, and where the input was cut off.
#[derive(Debug)]
pub struct Loaded {
    pub judged: Judged,
    pub cut: Option<Cut>,
}

/// An ndjson stream whose last record ends early (an interrupted batch run): the complete
/// records before it are kept, and this says what was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// The line the cut record starts on (1-based).
    pub line: usize,
    /// How many complete reports were read before it.
    pub complete: usize,
}

/// Several saved reports read as one ([`load_many`]).
#[derive(Debug)]
pub struct LoadedMany {
    pub judged: Judged,
    /// Each file whose last ndjson record was cut off.
    pub cuts: Vec<(String, Cut)>,
    /// Targets given in more than one file and kept once (from the newest run).
    pub repeated: usize,
    /// The reports are shards (`--shard K/N`) of N, and these shards are missing.
    pub missing_shards: Vec<u32>,
}

/// Reads every saved report in `paths` (shards of a batch, runs and re-runs) and merges them
/// into one report ([`Judged::merge_runs`]).
pub fn load_many(paths: &[std::path::PathBuf]) -> Result<LoadedMany, SavedError> {
    let mut reports = Vec::new();
    let mut cuts = Vec::new();
    for path in paths {
        let loaded = load(path)?;
        if let Some(cut) = loaded.cut {
            cuts.push((path.display().to_string(), cut));
        }
        reports.push(loaded.judged);
    }
    let shards: Vec<crate::shard::Shard> = reports
        .iter()
        .filter_map(|r| r.report.run.options.shard)
        .collect();
    let missing_shards = match shards.first() {
        Some(first) if paths.len() > 1 || shards.len() == 1 => (1..=first.count)
            .filter(|k| {
                !shards
                    .iter()
                    .any(|s| s.index == *k && s.count == first.count)
            })
            .collect(),
        _ => vec![],
    };
    let (mut judged, repeated) =
        Judged::merge_runs(reports).ok_or_else(|| SavedError::NotAReport {
            path: "-".into(),
            message: "no report given".into(),
        })?;
    if missing_shards.is_empty() {
        // The shards together are the whole batch.
        judged.report.run.options.shard = None;
    }
    Ok(LoadedMany {
        judged,
        cuts,
        repeated,
        missing_shards,
    })
}

/// Reads a saved report from `path` (`-` = standard input).
pub fn load(path: &Path) -> Result<Loaded, SavedError> {
    let shown = path.display().to_string();
    let read_err = |source| SavedError::Read {
        path: shown.clone(),
        source,
    };
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(MAX_SAVED_REPORT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read_err)?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_SAVED_REPORT_BYTES + 1).read_to_end(&mut bytes))
            .map_err(read_err)?;
    }
    if bytes.len() as u64 > MAX_SAVED_REPORT_BYTES {
        return Err(SavedError::TooLarge { path: shown });
    }
    parse(&bytes, &shown)
}

/// Parses a saved report: one JSON report (`--format json`) or several in a row, one per line
/// (`--format ndjson`), which are merged into one report of all their targets. A stream whose
/// last record ends early (an interrupted batch) keeps its complete records and says where it
/// was cut ([`Loaded::cut`]); a record broken anywhere else is an error.
pub fn parse(bytes: &[u8], shown: &str) -> Result<Loaded, SavedError> {
    let not_a_report = |message: String| SavedError::NotAReport {
        path: shown.into(),
        message,
    };
    let mut reports = Vec::new();
    let mut cut = None;
    let stream = serde_json::Deserializer::from_slice(bytes).into_iter::<serde_json::Value>();
    for (n, value) in stream.enumerate() {
        let value = match value {
            Ok(v) => v,
            Err(e) if e.is_eof() && n > 0 => {
                cut = Some(Cut {
                    line: first_line_of_last_record(bytes),
                    complete: n,
                });
                break;
            }
            Err(e) => {
                return Err(match n {
                    0 => not_a_report(format!("not JSON ({e})")),
                    _ => not_a_report(format!("report {} is not JSON ({e})", n + 1)),
                })
            }
        };
        reports.push(parse_one(value, shown).map_err(|e| match (n, e) {
            (0, e) => e,
            (_, SavedError::NotAReport { path, message }) => SavedError::NotAReport {
                path,
                message: format!("report {}: {message}", n + 1),
            },
            (_, e) => e,
        })?);
    }
    let judged = match reports.len() {
        0 => Err(not_a_report("it is empty".into())),
        1 => reports
            .pop()
            .ok_or_else(|| not_a_report("it is empty".into())),
        _ => Judged::merge(reports).ok_or_else(|| not_a_report("it is empty".into())),
    }?;
    Ok(Loaded { judged, cut })
}

/// The line (1-based) on which the last non-blank line of `bytes` starts: where a cut-off
/// ndjson record begins.
fn first_line_of_last_record(bytes: &[u8]) -> usize {
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let before = bytes.get(..end).unwrap_or_default();
    1 + before.iter().filter(|b| **b == b'\n').count()
}

/// One report, checking its kind and schema version first so the error says why.
fn parse_one(value: serde_json::Value, shown: &str) -> Result<Judged, SavedError> {
    let not_a_report = |message: String| SavedError::NotAReport {
        path: shown.into(),
        message,
    };
    if let Some(kind @ ("endpoints" | "schannel")) = value.get("kind").and_then(|k| k.as_str()) {
        return Err(not_a_report(format!(
            "it is a `{kind}` report, not a report of `tlscheck mx` or `tlscheck host`"
        )));
    }
    match value.get("schema_version").and_then(|v| v.as_u64()) {
        None => return Err(not_a_report("no schema_version".into())),
        Some(v) if v != u64::from(SCHEMA_VERSION) => {
            return Err(SavedError::Version {
                path: shown.into(),
                found: v,
            })
        }
        Some(_) => {}
    }
    Judged::from_value(value).map_err(|e| not_a_report(e.to_string()))
}

/// Judges a saved report again, offline, with the expect and sender profiles chosen (the saved
/// ones by default), `--forced-tls` and `--require-tls` (the saved one when not given).
pub fn rejudge(judged: Judged, plan: &ReportPlan) -> Result<Judged, SavedError> {
    let mut report = judged.report;
    let options = &report.run.options;
    let profile = chosen(
        &plan.profile,
        options.profile.as_deref(),
        ProfileKind::Expect,
    )?;
    let mut sender = chosen(&plan.sender, options.sender.as_deref(), ProfileKind::Sender)?;
    if let Some(s) = sender.as_mut() {
        // Forced as saved (a saved sender's name alone does not say it), or as asked now.
        let saved = matches!(plan.sender, ProfileChoice::AsSaved) && options.forced_tls;
        s.forced_tls |= saved || plan.forced_tls;
    }
    let require_tls = plan.require_tls.or(options.require_tls);
    if let Some(anchors) = profile.as_ref().and_then(Profile::anchors) {
        reanchor(&mut report, &anchors);
    }
    report.run.options.profile = profile.as_ref().map(|p| p.name.clone());
    report.run.options.sender = sender.as_ref().map(|p| p.name.clone());
    report.run.options.forced_tls = sender.as_ref().is_some_and(|p| p.forced_tls);
    report.run.options.require_tls = require_tls;
    let policy = Policy {
        profile,
        sender,
        require_tls,
        revocation: report.run.options.revocation,
        expiry_warn_days: report.run.options.expiry_warn_days,
    };
    Ok(judge(report, &policy))
}

/// The profile of `kind` a saved report is re-judged with. A saved report names its profiles;
/// only a built-in one is loaded by that name, never a file the report points at (the report
/// may come from a stranger).
fn chosen(
    choice: &ProfileChoice,
    saved: Option<&str>,
    kind: ProfileKind,
) -> Result<Option<Profile>, SavedError> {
    match choice {
        ProfileChoice::Use(p) => Ok(Some(p.as_ref().clone())),
        ProfileChoice::Without => Ok(None),
        ProfileChoice::AsSaved => match saved {
            None => Ok(None),
            Some(name) => {
                let why = match Profile::builtin(name, kind) {
                    Some(Ok(p)) => Ok(p),
                    Some(Err(e)) => Err(e.to_string()),
                    None => Err(format!("it is not a built-in {} profile", kind.as_str())),
                };
                why.map(Some).map_err(|why| SavedError::SavedProfile {
                    name: name.to_string(),
                    flag: kind.flag(),
                    why,
                })
            }
        },
    }
}

/// For each chain the original trust store could not anchor, tries the profile's roots, as a live
/// run with that profile would have (the chain stays invalid against the store).
fn reanchor(report: &mut Report, anchors: &TrustStore) {
    let Ok(now) = u64::try_from(report.run.started_at.unix_timestamp()) else {
        return;
    };
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(now));
    let empty = TrustStore::empty(&report.run.options.trust_store);
    for host in report.targets.iter_mut().flat_map(|t| t.hosts.iter_mut()) {
        let name = ServerName::try_from(host.name.clone()).ok();
        for a in &mut host.addresses {
            let Some(tls) = a.tls.as_mut() else { continue };
            if tls.anchor.is_some() {
                continue;
            }
            let chain: Vec<CertificateDer<'static>> = tls
                .chain
                .iter()
                .filter_map(|c| {
                    base64::engine::general_purpose::STANDARD
                        .decode(&c.der)
                        .ok()
                })
                .map(CertificateDer::from)
                .collect();
            if chain.is_empty() {
                continue;
            }
            let v = validate(&chain, &empty, Some(anchors), name.as_ref(), now);
            if v.anchor.is_some() {
                tls.anchor = v.anchor;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(report: &Judged) -> String {
        let mut out = Vec::new();
        crate::render::json::line(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn ndjson_records_are_checked_one_by_one_and_named_by_position() {
        let good = line(&crate::sample::report());
        let err = parse(b"", "x").unwrap_err().to_string();
        assert!(err.contains("it is empty"), "{err}");
        // A record cut off at the end (an interrupted batch): the complete ones, and where.
        let cut = parse(format!("{good}{good}{{\"oops\"").as_bytes(), "x").unwrap();
        assert_eq!(
            cut.cut,
            Some(Cut {
                line: 3,
                complete: 2
            })
        );
        assert_eq!(cut.judged.report.targets.len(), 2);
        // Broken in the middle, or not JSON at all: an error.
        let err = parse(format!("{good}{{\"oops\"}}\n{good}").as_bytes(), "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("report 2 is not JSON"), "{err}");
        let err = parse(b"{\"oops\"", "x").unwrap_err().to_string();
        assert!(err.contains("not JSON"), "{err}");
        let err = parse(format!("{good}{{\"a\": 1}}\n").as_bytes(), "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("report 2: no schema_version"), "{err}");
        let newer = good.replacen("\"schema_version\":1", "\"schema_version\":2", 1);
        assert_ne!(newer, good);
        let err = parse(format!("{good}{newer}").as_bytes(), "x").unwrap_err();
        assert!(matches!(err, SavedError::Version { found: 2, .. }), "{err}");
        // Two good records: both targets, and the first one's options.
        let both = parse(format!("{good}{good}").as_bytes(), "x").unwrap();
        assert_eq!(both.cut, None);
        let both = both.judged;
        assert_eq!(both.report.targets.len(), 2);
        assert_eq!(both.targets.len(), 2);
    }
}
