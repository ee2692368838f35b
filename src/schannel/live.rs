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
    use super::reg::RegData;
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
            if let Ok(v) = k.get_value::<u32, _>(name) {
                export.insert(&key, name, RegData::Dword(v));
            } else if let Ok(s) = k.get_value::<String, _>(name) {
                export.insert(&key, name, RegData::String(s));
            }
        }
    }
    Ok(export)
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
    }
}
