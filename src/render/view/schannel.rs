//! The view of a `tlscheck schannel` report that text, Markdown and JUnit read: one row per
//! protocol with its client and server cell, one row per .NET runtime and view, the Windows
//! version and where it came from, the findings. Text from the files (paths, ProductName) stays
//! [`Untrusted`].

use time::OffsetDateTime;

use super::{FindingView, Place, Untrusted};
use crate::diagnose::schannel::{state_words, why, SchannelJudged};
use crate::finding::Severity;
use crate::schannel::{
    DotNetSetting, Framework, Protocol, ProtocolSetting, RegView, Side, VersionSource,
};
use crate::vocab::Verdict;

pub struct SchannelView<'a> {
    pub verdict: Verdict,
    pub started_at: OffsetDateTime,
    /// The files read, or "the live registry".
    pub sources: Vec<Untrusted<'a>>,
    /// "Windows Server 2022 (10.0.20348)".
    pub windows: String,
    /// "from the exported CurrentVersion key", "assumed: ...".
    pub windows_source: String,
    pub product_name: Option<Untrusted<'a>>,
    pub defaults_source: Untrusted<'a>,
    /// Empty when the SCHANNEL keys were not read.
    pub protocols: Vec<ProtocolRow>,
    pub dotnet: Vec<DotNetRow<'a>>,
    pub findings: Vec<FindingView<'a>>,
    /// The notes on values tlscheck could not use.
    pub notes: Vec<Untrusted<'a>>,
    pub errors: usize,
    pub warnings: usize,
}

pub struct ProtocolRow {
    pub protocol: Protocol,
    pub client: Cell,
    pub server: Cell,
}

/// One protocol side: its state and why, in the registry's words.
pub struct Cell {
    /// "off", "off by default", ...
    pub words: &'static str,
    /// "Enabled=0", "otherwise the default of ...".
    pub why: String,
    /// Whether the state is a problem: TLS 1.2 not on, or a legacy protocol on.
    pub bad: bool,
}

pub struct DotNetRow<'a> {
    pub framework: Framework,
    pub view: RegView,
    /// "1", "0", "not set", "not read".
    pub strong_crypto: String,
    pub system_default: String,
    /// Both values are 1.
    pub ok: bool,
    pub read: bool,
    pub notes: Vec<Untrusted<'a>>,
}

impl<'a> SchannelView<'a> {
    pub fn new(j: &'a SchannelJudged) -> Self {
        let r = &j.report;
        let name = &r.windows.version.name;
        let protocols = Protocol::ALL
            .iter()
            .filter_map(|p| {
                let client = r.setting(*p, Side::Client)?;
                let server = r.setting(*p, Side::Server)?;
                Some(ProtocolRow {
                    protocol: *p,
                    client: cell(client),
                    server: cell(server),
                })
            })
            .collect();
        let mut notes: Vec<Untrusted<'a>> = Vec::new();
        for s in &r.protocols {
            for n in &s.notes {
                notes.push(Untrusted::owned(format!("{} {}: {n}", s.protocol, s.side)));
            }
        }
        let dotnet = r.dotnet.iter().map(dotnet_row).collect();
        let sources = if r.sources.is_empty() {
            vec![Untrusted::owned("the live registry".into())]
        } else {
            r.sources.iter().map(|s| Untrusted::new(s)).collect()
        };
        let windows_source = match r.windows.source {
            VersionSource::Option => "given with --windows-version".to_string(),
            VersionSource::Export => "from the exported CurrentVersion key".to_string(),
            VersionSource::Live => "of this machine".to_string(),
            VersionSource::Assumed => {
                "assumed: give --windows-version or export the CurrentVersion key".to_string()
            }
        };
        let findings: Vec<FindingView<'a>> = j
            .findings
            .iter()
            .map(|f| FindingView::new(f, Place::Target))
            .collect();
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        Self {
            verdict: j.verdict,
            started_at: r.started_at,
            sources,
            windows: name.clone(),
            windows_source,
            product_name: r.windows.product_name.as_deref().map(Untrusted::new),
            defaults_source: Untrusted::new(&r.defaults_source),
            protocols,
            dotnet,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            findings,
            notes,
        }
    }
}

fn cell(s: &ProtocolSetting) -> Cell {
    Cell {
        words: state_words(s),
        why: why(s),
        bad: s.tls12_unavailable() || s.legacy_on(),
    }
}

fn dotnet_row(d: &DotNetSetting) -> DotNetRow<'_> {
    let value = |v: Option<u32>| match (d.read, v) {
        (false, _) => "not read".to_string(),
        (true, Some(v)) => v.to_string(),
        (true, None) => "not set".to_string(),
    };
    DotNetRow {
        framework: d.framework,
        view: d.view,
        strong_crypto: value(d.sch_use_strong_crypto),
        system_default: value(d.system_default_tls_versions),
        ok: d.read && d.missing().is_empty(),
        read: d.read,
        notes: d.notes.iter().map(|n| Untrusted::new(n)).collect(),
    }
}
