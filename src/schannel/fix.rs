//! `tlscheck schannel --fix FILE.reg`: a registry file that sets what the report found missing —
//! TLS 1.2 on for the client and server sides, the .NET Framework values of Exchange Server's TLS
//! guidance — for the admin to review and import (`reg import`, or a double-click); and, as a
//! second step commented out (Exchange's guidance: only once TLS 1.2 works), SSL 2.0 to TLS 1.1
//! off where they are in use. Written as `reg export` writes: UTF-16LE with a byte-order mark, CRLF line ends,
//! "Windows Registry Editor Version 5.00".
//!
//! Nothing is written for what the input did not show (a .NET view that was not exported), and
//! a Windows that cannot speak TLS 1.2 gets a comment, not keys: no registry value adds a
//! protocol.

use super::{SchannelReport, State, DOTNET_VALUES};

/// The fix file's text, or `None` when there is nothing to set.
pub fn text(report: &SchannelReport) -> Option<String> {
    let mut body: Vec<String> = Vec::new();
    for s in &report.protocols {
        if s.tls12_unavailable() {
            if s.state == State::NotSupported {
                body.push(format!(
                    "; TLS 1.2 ({side}): {name} cannot speak it; no registry value changes that. Install Service Pack 2 and then update KB4019276 (Windows Server 2008), or move to a supported Windows.",
                    side = s.side,
                    name = report.windows.version.name
                ));
                continue;
            }
            body.push(format!(
                "; TLS 1.2 on for the {} side: Exchange Online accepts only TLS 1.2 or later.",
                s.side
            ));
            if (report.windows.version.major, report.windows.version.minor) == (6, 0) {
                body.push(
                    "; Windows Server 2008 SP2: this works only with update KB4019276 installed."
                        .into(),
                );
            }
            body.push(format!("[{}]", s.key()));
            body.push("\"Enabled\"=dword:00000001".into());
            body.push("\"DisabledByDefault\"=dword:00000000".into());
            body.push(String::new());
        }
    }
    let mut legacy: Vec<String> = Vec::new();
    for s in report.protocols.iter().filter(|s| s.legacy_on()) {
        legacy.push(format!(";[{}]", s.key()));
        legacy.push(";\"Enabled\"=dword:00000000".into());
        legacy.push(";\"DisabledByDefault\"=dword:00000001".into());
        legacy.push(String::new());
    }
    for d in &report.dotnet {
        let missing = d.missing();
        if missing.is_empty() {
            continue;
        }
        body.push(format!(
            "; .NET Framework {} ({} view): use the TLS versions Windows allows, with strong cryptography.",
            d.framework, d.view
        ));
        body.push(format!("[{}]", d.key()));
        for name in DOTNET_VALUES.iter().filter(|n| missing.contains(n)) {
            body.push(format!("\"{name}\"=dword:00000001"));
        }
        body.push(String::new());
    }
    if !legacy.is_empty() {
        // Exchange's guidance turns the old versions off only once TLS 1.2 works: a second
        // step, commented out here, for the admin to take after testing.
        body.push(
            "; STEP 2, after the keys above are imported, the server restarted and mail flow tested:".into(),
        );
        body.push(
            "; turn off the obsolete versions still in use. Remove the ';' in front of these lines and import again.".into(),
        );
        body.push(
            "; First make sure no partner or application still needs them (SCHANNEL event 36871 names failures).".into(),
        );
        body.extend(legacy);
    }
    if body.is_empty() {
        return None;
    }
    let sources = if report.sources.is_empty() {
        "the live registry".to_string()
    } else {
        report
            .sources
            .iter()
            .map(|s| comment_safe(s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines = vec![
        "Windows Registry Editor Version 5.00".to_string(),
        String::new(),
        format!(
            "; Written by tlscheck {} (tlscheck schannel --fix) from {sources}.",
            report.tool.version
        ),
        format!(
            "; Judged for {}, {}.",
            report.windows.version.name,
            match report.windows.source {
                super::VersionSource::Option => "given with --windows-version",
                super::VersionSource::Export => "from the exported CurrentVersion key",
                super::VersionSource::Live => "this machine",
                super::VersionSource::Assumed => "assumed: no version given or exported",
            }
        ),
        "; Review it, keep a copy of the current keys (reg export), then import it with".into(),
        ";   reg import FILE.reg".into(),
        "; and RESTART the server: SCHANNEL and .NET read these values only when they start."
            .into(),
        String::new(),
    ];
    lines.extend(body);
    Some(lines.join("\r\n"))
}

/// The file's bytes: UTF-16LE with a byte-order mark, as `reg export` writes.
pub fn bytes(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// A file name inside a comment: one line, no control characters.
fn comment_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
