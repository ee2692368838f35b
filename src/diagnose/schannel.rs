//! Rules of `tlscheck schannel`: the Windows SCHANNEL protocol settings and the .NET Framework
//! values, judged as Exchange Online meets the machine (TLS 1.2 required on both sides).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::finding::{Code, Finding, Severity};
use crate::schannel::{ProtocolSetting, RegView, SchannelReport, Side, State, VersionSource};
use crate::vocab::Verdict;

/// A `tlscheck schannel` report with its judgement: the JSON wire form.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SchannelJudged {
    #[serde(flatten)]
    pub report: SchannelReport,
    pub findings: Vec<Finding>,
    /// `fail` with an error finding, else `pass`.
    pub verdict: Verdict,
}

/// Findings and verdict for the facts.
pub fn judge(report: SchannelReport) -> SchannelJudged {
    let target = report.sources.join(", ");
    let mut findings = Vec::new();
    let finding = |code: Code, message: String| Finding::new(code, &target, None, None, message);
    let name = &report.windows.version.name;
    for s in report.protocols.iter().filter(|s| s.tls12_unavailable()) {
        findings.push(finding(
            Code::SchannelTls12Disabled,
            format!(
                "TLS 1.2 is {} for the {} side ({}): {}",
                state_words(s),
                s.side,
                why_on(s, name),
                match s.side {
                    Side::Client => "this machine cannot send to Exchange Online over TLS (it refuses TLS 1.0/1.1)",
                    Side::Server => "Exchange Online cannot deliver to this machine over TLS (421 4.4.2 Connection dropped due to SocketError)",
                }
            ),
        ));
    }
    let legacy: Vec<&ProtocolSetting> = report.protocols.iter().filter(|s| s.legacy_on()).collect();
    if !legacy.is_empty() {
        let list = legacy
            .iter()
            .map(|s| format!("{} {} ({})", s.protocol, s.side, why(s)))
            .collect::<Vec<_>>()
            .join("; ");
        findings.push(finding(
            Code::SchannelLegacyEnabled,
            format!("used by default on {name}: {list}"),
        ));
    }
    let dotnet: Vec<String> = report
        .dotnet
        .iter()
        .filter_map(|d| {
            let missing = d.missing();
            (!missing.is_empty()).then(|| {
                let values = missing
                    .iter()
                    .map(|m| {
                        let v = if *m == "SchUseStrongCrypto" {
                            d.sch_use_strong_crypto
                        } else {
                            d.system_default_tls_versions
                        };
                        match v {
                            Some(v) => format!("{m}={v}"),
                            None => format!("{m} not set"),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("{} ({} view): {values}", d.framework, d.view)
            })
        })
        .collect();
    if !dotnet.is_empty() {
        findings.push(finding(
            Code::DotnetStrongCryptoMissing,
            format!(
                "not 1 as Exchange's TLS guidance asks: {}",
                dotnet.join("; ")
            ),
        ));
    }
    let mut gaps = Vec::new();
    if !report.schannel_read {
        gaps.push("the SCHANNEL keys were not in the input: protocols not checked".to_string());
    } else {
        let mut unread: Vec<&str> = report
            .protocols
            .iter()
            .filter(|s| !s.read)
            .map(|s| s.protocol.as_str())
            .collect();
        unread.dedup();
        if !unread.is_empty() {
            gaps.push(format!(
                "the keys of {} were not in the input (export the whole SCHANNEL key): not checked",
                unread.join(", ")
            ));
        }
    }
    for view in RegView::ALL {
        if !report.dotnet.iter().any(|d| d.view == *view && d.read) {
            gaps.push(format!(
                "the .NET Framework keys of the {view} view were not in the input: not checked"
            ));
        }
    }
    if report.windows.source == VersionSource::Assumed && report.schannel_read {
        let mut gap = format!(
            "the Windows version was neither given (--windows-version) nor exported (CurrentVersion): absent values were judged with the defaults of {name}"
        );
        if let Some(note) = &report.windows.note {
            gap.push_str(&format!(" ({note})"));
        }
        gaps.push(gap);
    }
    if !gaps.is_empty() {
        findings.push(finding(Code::SchannelInputIncomplete, gaps.join("; ")));
    }
    let verdict = if findings.iter().any(|f| f.severity == Severity::Error) {
        Verdict::Fail
    } else {
        Verdict::Pass
    };
    SchannelJudged {
        report,
        findings,
        verdict,
    }
}

/// "off", "off by default", "not supported".
pub fn state_words(s: &ProtocolSetting) -> &'static str {
    if !s.read {
        return "not read";
    }
    match s.state {
        State::On => "on",
        State::OffByDefault => "off by default",
        State::Off => "off",
        State::NotSupported => "not supported",
        State::Unknown => "unknown",
    }
}

/// Why a side is in its state, in the registry's words: "Enabled=0", "DisabledByDefault=0;
/// Enabled not set (default)", "not set: the Windows default", "not in this Windows".
pub fn why(s: &ProtocolSetting) -> String {
    if !s.read {
        return "not in the input".into();
    }
    if s.state == State::NotSupported {
        return "not in this Windows".into();
    }
    match (s.enabled, s.disabled_by_default) {
        (Some(0), _) => "Enabled=0".into(),
        (Some(e), Some(d)) => format!("Enabled={e}, DisabledByDefault={d}"),
        (Some(e), None) => format!("Enabled={e}; DisabledByDefault not set (default)"),
        (None, Some(d)) => format!("DisabledByDefault={d}; Enabled not set (default)"),
        (None, None) => "not set: the Windows default".into(),
    }
}

/// `why`, naming the Windows when its default decided.
fn why_on(s: &ProtocolSetting, windows: &str) -> String {
    match s.basis {
        crate::schannel::Basis::Registry => why(s),
        _ if s.state == State::NotSupported => format!("{windows} cannot speak {}", s.protocol),
        _ => format!("{}, on {windows}", why(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schannel::reg::RegExport;
    use crate::schannel::windows::WindowsVersion;
    use crate::schannel::{fix, from_export, VersionSource};

    const HEAD: &str = "Windows Registry Editor Version 5.00\r\n";
    /// The header and the SCHANNEL key itself, as `reg export` of the whole key writes them.
    const WHOLE: &str = "Windows Registry Editor Version 5.00\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL]\r\n";

    fn key(protocol: &str, side: &str, enabled: Option<u32>, dbd: Option<u32>) -> String {
        let mut s = format!("[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\{protocol}\\{side}]\r\n");
        if let Some(e) = enabled {
            s.push_str(&format!("\"Enabled\"=dword:{e:08x}\r\n"));
        }
        if let Some(d) = dbd {
            s.push_str(&format!("\"DisabledByDefault\"=dword:{d:08x}\r\n"));
        }
        s
    }

    fn dotnet(view: &str, strong: u32) -> String {
        let mut s = String::new();
        for fw in ["v4.0.30319", "v2.0.50727"] {
            s.push_str(&format!(
                "[HKEY_LOCAL_MACHINE\\SOFTWARE\\{view}Microsoft\\.NETFramework\\{fw}]\r\n\"SchUseStrongCrypto\"=dword:{strong:08x}\r\n\"SystemDefaultTlsVersions\"=dword:00000001\r\n"
            ));
        }
        s
    }

    fn judged(text: &str, windows: &str) -> SchannelJudged {
        let mut e = RegExport::default();
        e.add(text.as_bytes()).unwrap();
        judged_export(&e, windows)
    }

    /// The judgement of keys already read (one file or several, imported in turn).
    fn judged_export(e: &RegExport, windows: &str) -> SchannelJudged {
        let r = from_export(
            e,
            vec!["t.reg".into()],
            Some(WindowsVersion::parse(windows).unwrap()),
            VersionSource::Export,
        )
        .unwrap();
        judge(r)
    }

    fn codes(j: &SchannelJudged) -> Vec<&'static str> {
        j.findings.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn a_hardened_2016_passes_without_findings() {
        let mut text = WHOLE.to_string();
        for p in ["TLS 1.0", "TLS 1.1"] {
            for side in ["Client", "Server"] {
                text.push_str(&key(p, side, Some(0), Some(1)));
            }
        }
        text.push_str(&dotnet("", 1));
        text.push_str(&dotnet("WOW6432Node\\", 1));
        let j = judged(&text, "2016");
        assert_eq!(codes(&j), Vec::<&str>::new(), "{:#?}", j.findings);
        assert_eq!(j.verdict, Verdict::Pass);
        assert!(fix::text(&j.report).is_none());
    }

    #[test]
    fn tls12_off_on_the_server_side_fails_and_names_the_value() {
        let mut text = WHOLE.to_string();
        text.push_str(&key("TLS 1.2", "Server", Some(0), None));
        let j = judged(&text, "2019");
        assert_eq!(j.verdict, Verdict::Fail);
        let f = &j.findings[0];
        assert_eq!(f.code, Code::SchannelTls12Disabled);
        assert!(
            f.message.contains("Server side (Enabled=0)"),
            "{}",
            f.message
        );
        // TLS 1.0/1.1 are on by the 2019 default: a warning naming the default.
        assert!(codes(&j).contains(&"schannel-legacy-enabled"));
        let legacy = j
            .findings
            .iter()
            .find(|f| f.code == Code::SchannelLegacyEnabled)
            .unwrap();
        assert!(
            legacy.message.contains("on Windows 10 1809 / Server 2019 (10.0.17763): TLS 1.0 Client (not set: the Windows default)"),
            "{}",
            legacy.message
        );
    }

    #[test]
    fn windows_2008_r2_without_keys_has_tls12_off_by_default_on_both_sides() {
        let text = format!("{HEAD}[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL]\r\n");
        let j = judged(&text, "2008r2");
        let tls12: Vec<_> = j
            .findings
            .iter()
            .filter(|f| f.code == Code::SchannelTls12Disabled)
            .collect();
        assert_eq!(tls12.len(), 2, "{:#?}", j.findings);
        assert!(
            tls12[0].message.contains("off by default for the Client side (not set: the Windows default, on Windows 7 / Server 2008 R2"),
            "{}",
            tls12[0].message
        );
        // ... and the same keys on 2016 pass (TLS 1.2 on by default), legacy aside.
        let j = judged(&text, "2016");
        assert!(!codes(&j).contains(&"schannel-tls12-disabled"));
    }

    #[test]
    fn dotnet_values_missing_in_one_view_are_named() {
        let mut text = HEAD.to_string();
        text.push_str(&dotnet("", 1));
        text.push_str(&dotnet("WOW6432Node\\", 0));
        let j = judged(&text, "2022");
        let f = j
            .findings
            .iter()
            .find(|f| f.code == Code::DotnetStrongCryptoMissing)
            .unwrap();
        assert!(
            f.message
                .contains("v4.0.30319 (WOW6432Node view): SchUseStrongCrypto=0"),
            "{}",
            f.message
        );
        assert!(!f.message.contains("native"), "{}", f.message);
        // No SCHANNEL keys in the input: said, not judged.
        let gap = j
            .findings
            .iter()
            .find(|f| f.code == Code::SchannelInputIncomplete)
            .unwrap();
        assert!(gap.message.contains("SCHANNEL keys were not in the input"));
        assert_eq!(j.verdict, Verdict::Pass);
    }

    /// An export of one protocol's key says nothing about the others: not judged, and not in
    /// the fix file.
    #[test]
    fn a_partial_export_judges_only_what_it_holds() {
        let mut text = HEAD.to_string();
        text.push_str("[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2]\r\n");
        text.push_str(&key("TLS 1.2", "Server", Some(1), Some(0)));
        let j = judged(&text, "2019");
        let s = j
            .report
            .setting(crate::schannel::Protocol::Tls10, Side::Server)
            .unwrap();
        assert!(!s.read);
        assert_eq!(s.state, State::Unknown);
        let t = j
            .report
            .setting(crate::schannel::Protocol::Tls12, Side::Client)
            .unwrap();
        assert!(
            t.read,
            "TLS 1.2's key was exported: its Client side is absent, so the default"
        );
        assert_eq!(t.state, State::On);
        assert_eq!(
            codes(&j),
            ["schannel-input-incomplete"],
            "{:#?}",
            j.findings
        );
        assert!(
            j.findings[0].message.contains(
                "the keys of SSL 2.0, SSL 3.0, TLS 1.0, TLS 1.1, TLS 1.3 were not in the input"
            ),
            "{}",
            j.findings[0].message
        );
        assert!(fix::text(&j.report).is_none());
    }

    /// The fix file, applied on top of the input, leaves nothing to fix.
    #[test]
    fn the_fix_file_fixes_what_it_found() {
        let mut text = WHOLE.to_string();
        text.push_str(&key("TLS 1.2", "Client", Some(0), Some(1)));
        text.push_str(&key("SSL 3.0", "Server", Some(1), Some(0)));
        text.push_str(&dotnet("", 0));
        let before = judged(&text, "2012r2");
        assert!(codes(&before).contains(&"schannel-tls12-disabled"));
        let fix_text = fix::text(&before.report).unwrap();
        assert!(fix_text.contains("RESTART"), "{fix_text}");
        let mut e = RegExport::default();
        e.add(text.as_bytes()).unwrap();
        e.add(&fix::bytes(&fix_text)).unwrap();
        let after = judged_export(&e, "2012r2");
        let left: Vec<_> = codes(&after)
            .into_iter()
            .filter(|c| *c != "schannel-input-incomplete")
            .collect();
        // Step 1 is done; step 2 (the old versions off) is commented out, for after testing.
        assert_eq!(left, ["schannel-legacy-enabled"], "{fix_text}");
        assert!(
            fix_text.contains(";[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\SSL 3.0\\Server]\r\n;\"Enabled\"=dword:00000000"),
            "{fix_text}"
        );
        // Step 2 uncommented and imported too: nothing left to fix.
        let step2 = fix_text
            .replace("\r\n;[", "\r\n[")
            .replace("\r\n;\"", "\r\n\"");
        e.add(&fix::bytes(&step2)).unwrap();
        let done = judged_export(&e, "2012r2");
        assert!(
            codes(&done)
                .iter()
                .all(|c| *c == "schannel-input-incomplete"),
            "{:#?}",
            done.findings
        );
        assert!(fix::text(&done.report).is_none());
    }

    #[test]
    fn a_windows_without_tls12_gets_a_comment_not_keys() {
        let text = format!("{HEAD}[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL]\r\n");
        let j = judged(&text, "2008");
        let f = j
            .findings
            .iter()
            .find(|f| f.code == Code::SchannelTls12Disabled)
            .unwrap();
        assert!(f.message.contains("not supported"), "{}", f.message);
        let fix_text = fix::text(&j.report).unwrap();
        assert!(!fix_text.contains("TLS 1.2\\Server]"), "{fix_text}");
        assert!(fix_text.contains("KB4019276"));
    }
}
