//! `tlscheck report FILE`: a saved JSON report, re-rendered in any format and, with `--profile` or
//! `--require-tls`, re-judged, all without network access.
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
use crate::plan::TlsVersion;
use crate::profile::Profile;
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
}

/// Reads a saved report from `path` (`-` = standard input).
pub fn load(path: &Path) -> Result<Report, SavedError> {
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

/// Parses a saved report, checking its kind and schema version first so the error says why.
pub fn parse(bytes: &[u8], shown: &str) -> Result<Report, SavedError> {
    let not_a_report = |message: String| SavedError::NotAReport {
        path: shown.into(),
        message,
    };
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| not_a_report(format!("not JSON ({e})")))?;
    if value.get("kind").and_then(|k| k.as_str()) == Some("endpoints") {
        return Err(not_a_report(
            "it is an `endpoints` report, which has nothing to re-judge".into(),
        ));
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
    serde_json::from_value(value).map_err(|e| not_a_report(e.to_string()))
}

/// Re-judges `report` with `profile` and `require_tls` (each `None` = none), offline.
pub fn rejudge(report: &mut Report, profile: Option<Profile>, require_tls: Option<TlsVersion>) {
    if let Some(anchors) = profile.as_ref().and_then(Profile::anchors) {
        reanchor(report, &anchors);
    }
    report.options.profile = profile.as_ref().map(|p| p.name.clone());
    report.options.require_tls = require_tls.map(|v| v.label().to_string());
    let policy = Policy {
        profile,
        require_tls,
        revocation: report.options.revocation,
    };
    judge(report, &policy);
}

/// For each chain the original trust store could not anchor, tries the profile's roots, as a live
/// run with that profile would have (the chain stays invalid against the store).
fn reanchor(report: &mut Report, anchors: &TrustStore) {
    let Ok(now) = u64::try_from(report.started_at.unix_timestamp()) else {
        return;
    };
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(now));
    let empty = TrustStore::empty(&report.options.trust_store);
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
