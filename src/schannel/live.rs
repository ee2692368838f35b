//! The live registry of the machine tlscheck runs on (Windows only): the same keys an export
//! holds, read with `winreg` into a [`RegExport`], so that one judgement serves files and the
//! live machine. Elsewhere [`read`] says that there is no registry to read.

use super::reg::RegExport;
#[cfg(windows)]
use super::{
    dotnet_key, protocol_key, Framework, Protocol, RegView, Side, CURRENT_VERSION_KEY,
    DOTNET_VALUES,
};

/// Whether this build can read the live registry.
pub const AVAILABLE: bool = cfg!(windows);

/// Reads the SCHANNEL protocol keys, the .NET Framework keys (both views) and the Windows
/// version from the live registry.
#[cfg(windows)]
pub fn read() -> std::io::Result<RegExport> {
    use winreg::enums::HKEY_LOCAL_MACHINE;
    use winreg::RegKey;

    let hklm = RegKey::predef(HKEY_LOCAL_MACHINE);
    let mut export = RegExport::default();
    let mut wanted: Vec<(String, &[&str])> = Vec::new();
    for protocol in Protocol::ALL {
        for side in Side::ALL {
            wanted.push((
                protocol_key(*protocol, *side),
                &["Enabled", "DisabledByDefault"],
            ));
        }
    }
    for view in RegView::ALL {
        for framework in Framework::ALL {
            wanted.push((dotnet_key(*framework, *view), &DOTNET_VALUES));
        }
    }
    const VERSION_VALUES: &[&str] = &[
        "CurrentMajorVersionNumber",
        "CurrentMinorVersionNumber",
        "CurrentVersion",
        "CurrentBuildNumber",
        "CurrentBuild",
        "ProductName",
    ];
    wanted.push((CURRENT_VERSION_KEY.to_string(), VERSION_VALUES));
    // The parents mark what was read: SCHANNEL and each view's .NETFramework key.
    for parent in [
        super::SCHANNEL_KEY,
        super::DOTNET_KEY,
        super::DOTNET_WOW_KEY,
    ] {
        if open(&hklm, parent)?.is_some() {
            export.insert_key(parent);
        }
    }
    for (key, names) in wanted {
        let Some(k) = open(&hklm, &key)? else {
            continue;
        };
        export.insert_key(&key);
        for name in names {
            // Absent values are simply not there; any other type is kept as it is, so that the
            // judgement notes a value of the wrong type as it does for a file.
            if let Ok(v) = k.get_raw_value(name) {
                export.insert(&key, name, data(v));
            }
        }
    }
    Ok(export)
}

/// A raw registry value as the export parser would have read it.
#[cfg(windows)]
fn data(v: winreg::RegValue) -> super::reg::RegData {
    use super::reg::RegData;
    use winreg::enums::RegType;
    match (&v.vtype, v.bytes.as_slice()) {
        (RegType::REG_DWORD, [a, b, c, d]) => RegData::Dword(u32::from_le_bytes([*a, *b, *c, *d])),
        (RegType::REG_QWORD, [a, b, c, d, e, f, g, h]) => {
            RegData::Qword(u64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]))
        }
        (RegType::REG_SZ | RegType::REG_EXPAND_SZ, bytes) => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .filter_map(|c| match c {
                    [lo, hi] => Some(u16::from_le_bytes([*lo, *hi])),
                    _ => None,
                })
                .take_while(|u| *u != 0)
                .collect();
            RegData::String(String::from_utf16_lossy(&units))
        }
        (vtype, bytes) => RegData::Binary {
            kind: u32::try_from(vtype.clone() as isize).unwrap_or(u32::MAX),
            bytes: bytes.to_vec(),
        },
    }
}

/// Opens `HKEY_LOCAL_MACHINE\path` for reading; `None` when it does not exist.
#[cfg(windows)]
fn open(hklm: &winreg::RegKey, full: &str) -> std::io::Result<Option<winreg::RegKey>> {
    let path = full.strip_prefix(r"HKEY_LOCAL_MACHINE\").unwrap_or(full);
    match hklm.open_subkey(path) {
        Ok(k) => Ok(Some(k)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(not(windows))]
pub fn read() -> std::io::Result<RegExport> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "the live registry exists only on Windows",
    ))
}

#[cfg(all(test, windows))]
mod tests {
    /// On a Windows runner (the CI workflow): the live registry reads, and the version is known.
    #[test]
    fn the_live_registry_reads() {
        let export = super::read().unwrap();
        let report = crate::schannel::from_export(
            &export,
            vec!["live registry".into()],
            None,
            crate::schannel::VersionSource::Live,
        )
        .unwrap();
        assert_eq!(report.windows.source, crate::schannel::VersionSource::Live);
        assert!(report.schannel_read);
        // Every supported protocol side has a state (not "not read").
        assert!(
            report.protocols.iter().all(|p| p.read),
            "{:#?}",
            report.protocols
        );
    }
}
