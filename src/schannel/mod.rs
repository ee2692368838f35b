//! `tlscheck schannel`: the Windows side of "TLS negotiation failed". Reads the SCHANNEL
//! protocol keys and the .NET Framework TLS settings, from registry exports ([`reg`]) or, on
//! Windows, from the live registry ([`live`]), and states the facts: for each protocol and side,
//! what the registry says, what this Windows does when it says nothing ([`windows`]), and what
//! follows. The judgement (findings, verdict) is `diagnose::schannel`; the fix file is [`fix`].

pub mod fix;
pub mod live;
pub mod reg;
pub mod windows;

use std::io::Read;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::limits::MAX_REG_FILE_BYTES;
use crate::report::{Tool, SCHEMA_VERSION};
use crate::vocab::words;
use reg::{RegData, RegError, RegExport};
use windows::{OsDefault, WindowsVersion, DEFAULTS_SOURCE};

/// The SCHANNEL key, as `reg export` names it.
pub const SCHANNEL_KEY: &str =
    r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL";
/// The key holding the Windows version.
pub const CURRENT_VERSION_KEY: &str =
    r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion";
/// The .NET Framework keys of the native and the 32-bit (WOW6432Node) registry views.
pub const DOTNET_KEY: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\.NETFramework";
pub const DOTNET_WOW_KEY: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\.NETFramework";

/// The commands that export what `tlscheck schannel` reads (for messages and help); the
/// Windows version is best given with `--windows-version` (the CurrentVersion key exports its
/// whole, large subtree).
pub const EXPORT_COMMANDS: &str = r#"reg export "HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL" schannel.reg
reg export "HKLM\SOFTWARE\Microsoft\.NETFramework" dotnet.reg
reg export "HKLM\SOFTWARE\WOW6432Node\Microsoft\.NETFramework" dotnet32.reg
and the Windows version: reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v CurrentBuildNumber
(then --windows-version BUILD, e.g. 17763, or a release name such as 2019)"#;

words! {
    /// An SCHANNEL protocol (the key names under `SCHANNEL\Protocols`).
    #[derive(PartialOrd, Ord)]
    pub enum Protocol {
        Ssl2 = "SSL 2.0",
        Ssl3 = "SSL 3.0",
        Tls10 = "TLS 1.0",
        Tls11 = "TLS 1.1",
        Tls12 = "TLS 1.2",
        Tls13 = "TLS 1.3",
    }
}

impl Protocol {
    /// SSL 2.0 to TLS 1.1: what Exchange Online and RFC 8996 refuse.
    pub fn is_legacy(self) -> bool {
        self < Protocol::Tls12
    }
}

words! {
    /// Which end of a connection the setting governs (the `Client` and `Server` subkeys).
    pub enum Side {
        /// Connections this machine makes (Exchange sending to Exchange Online).
        Client = "Client",
        /// Connections this machine accepts (Exchange Online sending to it).
        Server = "Server",
    }
}

words! {
    /// What SCHANNEL does with a protocol side, registry and defaults together.
    pub enum State {
        /// Used by every application that leaves the choice to Windows.
        On = "on",
        /// Not used unless an application asks for it by name (`DisabledByDefault`).
        OffByDefault = "off-by-default",
        /// Not used at all (`Enabled`=0).
        Off = "off",
        /// This Windows cannot speak it.
        NotSupported = "not-supported",
        /// Not known: the default is not documented for this Windows.
        Unknown = "unknown",
    }
}

words! {
    /// Where a state comes from.
    pub enum Basis {
        /// The registry values alone.
        Registry = "registry",
        /// The Windows default alone (no value set).
        Default = "default",
        /// One value set, the other by default.
        RegistryAndDefault = "registry-and-default",
    }
}

words! {
    /// How tlscheck knows the Windows version.
    pub enum VersionSource {
        /// `--windows-version`.
        Option = "option",
        /// The exported `Windows NT\CurrentVersion` key.
        Export = "export",
        /// The live registry of the machine tlscheck runs on.
        Live = "live",
        /// Not given: assumed, and said so.
        Assumed = "assumed",
    }
}

words! {
    /// A .NET Framework runtime whose TLS settings Exchange's guidance sets.
    pub enum Framework {
        /// .NET Framework 4.x.
        V4 = "v4.0.30319",
        /// .NET Framework 2.0-3.5.
        V2 = "v2.0.50727",
    }
}

words! {
    /// The registry view: 64-bit programs read the native keys, 32-bit ones `WOW6432Node`.
    pub enum RegView {
        Native = "native",
        Wow6432Node = "WOW6432Node",
    }
}

/// One protocol side: the registry values, the default and what follows.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ProtocolSetting {
    pub protocol: Protocol,
    pub side: Side,
    /// The `Enabled` DWORD, when set (0: off; any other value: on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<u32>,
    /// The `DisabledByDefault` DWORD, when set (0: used by default; other: only on request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_by_default: Option<u32>,
    /// Whether the input held this protocol's keys (the whole SCHANNEL key, its `Protocols` key,
    /// or this protocol's key). When not, its values are not known: state `unknown`.
    pub read: bool,
    /// What this Windows does when neither is set.
    pub default: OsDefault,
    pub state: State,
    pub basis: Basis,
    /// Values tlscheck could not use (e.g. a string where SCHANNEL reads a DWORD).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ProtocolSetting {
    /// TLS 1.2 that applications using the Windows defaults cannot use.
    pub fn tls12_unavailable(&self) -> bool {
        self.protocol == Protocol::Tls12
            && matches!(
                self.state,
                State::Off | State::OffByDefault | State::NotSupported
            )
    }

    /// SSL 2.0 to TLS 1.1 in use by default.
    pub fn legacy_on(&self) -> bool {
        self.protocol.is_legacy() && self.state == State::On
    }

    /// The registry key of this protocol side.
    pub fn key(&self) -> String {
        protocol_key(self.protocol, self.side)
    }
}

/// One .NET Framework runtime in one registry view.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DotNetSetting {
    pub framework: Framework,
    pub view: RegView,
    /// Whether that view's `.NETFramework` key was read at all (exported, or live). When not,
    /// the values are unknown, not missing.
    pub read: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sch_use_strong_crypto: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_default_tls_versions: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The two values, by name.
pub const DOTNET_VALUES: [&str; 2] = ["SchUseStrongCrypto", "SystemDefaultTlsVersions"];

impl DotNetSetting {
    /// The values that are read but not 1, by name.
    pub fn missing(&self) -> Vec<&'static str> {
        if !self.read {
            return Vec::new();
        }
        [self.sch_use_strong_crypto, self.system_default_tls_versions]
            .iter()
            .zip(DOTNET_VALUES)
            .filter(|(v, _)| **v != Some(1))
            .map(|(_, name)| name)
            .collect()
    }

    pub fn key(&self) -> String {
        dotnet_key(self.framework, self.view)
    }
}

/// The Windows the settings were judged for.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct WindowsFacts {
    pub version: WindowsVersion,
    pub source: VersionSource,
    /// `ProductName` from the CurrentVersion key, as read (it says "Windows 10" on Windows 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    /// Why the exported version was not used, when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The facts of one `tlscheck schannel` run.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SchannelReport {
    /// Version of the report format.
    #[schemars(extend("const" = SCHEMA_VERSION))]
    pub schema_version: u32,
    /// Always `schannel`.
    #[schemars(extend("const" = "schannel"))]
    pub kind: String,
    pub tool: Tool,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub started_at: OffsetDateTime,
    /// The files read, as given, or `live registry`.
    pub sources: Vec<String>,
    pub windows: WindowsFacts,
    /// Where the defaults for absent values come from.
    pub defaults_source: String,
    /// Whether any SCHANNEL protocol key was read (when not, `protocols` is empty).
    pub schannel_read: bool,
    pub protocols: Vec<ProtocolSetting>,
    pub dotnet: Vec<DotNetSetting>,
}

impl SchannelReport {
    pub fn setting(&self, protocol: Protocol, side: Side) -> Option<&ProtocolSetting> {
        self.protocols
            .iter()
            .find(|s| s.protocol == protocol && s.side == side)
    }

    /// Whether any .NET view was read.
    pub fn dotnet_read(&self) -> bool {
        self.dotnet.iter().any(|d| d.read)
    }
}

/// Why `tlscheck schannel` could not read its input (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Reg { path: String, source: RegError },
    #[error("none of the files holds the SCHANNEL, .NET Framework or Windows version keys; export them on the Windows server with:\n{EXPORT_COMMANDS}")]
    NothingRelevant,
    #[error("line {line}: {message}")]
    BadValue { line: usize, message: String },
    #[error("reading the live registry: {0}")]
    Live(std::io::Error),
}

/// Reads the export files (in order: later ones override earlier ones) and states the facts.
pub fn from_files(
    paths: &[PathBuf],
    windows: Option<WindowsVersion>,
) -> Result<SchannelReport, InputError> {
    let mut export = RegExport::default();
    for path in paths {
        let shown = path.display().to_string();
        let bytes = read_capped(path).map_err(|source| InputError::Io {
            path: shown.clone(),
            source,
        })?;
        export.add(&bytes).map_err(|source| InputError::Reg {
            path: shown,
            source,
        })?;
    }
    let sources = paths.iter().map(|p| p.display().to_string()).collect();
    from_export(&export, sources, windows, VersionSource::Export)
}

/// The facts from a set of keys (files, or the live registry with `found_in` = `Live`).
pub fn from_export(
    export: &RegExport,
    sources: Vec<String>,
    windows: Option<WindowsVersion>,
    found_in: VersionSource,
) -> Result<SchannelReport, InputError> {
    let protocols_key = format!("{SCHANNEL_KEY}\\Protocols");
    // `reg export` writes the exported key itself first: a file that holds SCHANNEL or
    // Protocols holds every protocol key there is; one that holds only `Protocols\TLS 1.2`
    // says nothing about the others.
    let whole_schannel = export.has_key(SCHANNEL_KEY) || export.has_key(&protocols_key);
    let protocol_read =
        |p: Protocol| whole_schannel || export.has_key_under(&format!("{protocols_key}\\{p}"));
    let schannel_read = Protocol::ALL.iter().any(|p| protocol_read(*p));
    let dotnet_read = |framework: Framework, view: RegView| {
        let base = match view {
            RegView::Native => DOTNET_KEY,
            RegView::Wow6432Node => DOTNET_WOW_KEY,
        };
        export.has_key(base) || export.has_key_under(&dotnet_key(framework, view))
    };
    let (exported_version, version_note) = exported_version(export);
    let any_dotnet = RegView::ALL
        .iter()
        .any(|v| Framework::ALL.iter().any(|f| dotnet_read(*f, *v)));
    if !schannel_read && !any_dotnet && exported_version.is_none() {
        return Err(InputError::NothingRelevant);
    }
    // A value tlscheck reads that could not be read is an error; elsewhere (a big
    // CurrentVersion export's other subkeys) it does not matter.
    let relevant = |key: &str| {
        let key = key.to_ascii_lowercase();
        let under = |base: &str| {
            let base = base.to_ascii_lowercase();
            key == base || key.starts_with(&format!("{base}\\"))
        };
        under(&protocols_key)
            || under(DOTNET_KEY)
            || under(DOTNET_WOW_KEY)
            || key == CURRENT_VERSION_KEY.to_ascii_lowercase()
    };
    if let Some(bad) = export.bad_values().iter().find(|b| relevant(&b.key)) {
        return Err(InputError::BadValue {
            line: bad.line,
            message: bad.message.clone(),
        });
    }
    let product_name = match export.value(CURRENT_VERSION_KEY, "ProductName") {
        Some(RegData::String(s)) => Some(s.clone()),
        _ => None,
    };
    let windows = match (windows, exported_version) {
        (Some(v), _) => WindowsFacts {
            version: v,
            source: VersionSource::Option,
            product_name,
            note: None,
        },
        (None, Some(v)) => WindowsFacts {
            version: v,
            source: found_in,
            product_name,
            note: None,
        },
        (None, None) => WindowsFacts {
            version: WindowsVersion::new(10, 0, None),
            source: VersionSource::Assumed,
            product_name,
            note: version_note,
        },
    };
    let mut protocols = Vec::new();
    if schannel_read {
        for protocol in Protocol::ALL {
            for side in Side::ALL {
                protocols.push(setting(
                    export,
                    &windows.version,
                    *protocol,
                    *side,
                    protocol_read(*protocol),
                ));
            }
        }
    }
    let mut dotnet = Vec::new();
    for view in RegView::ALL {
        for framework in Framework::ALL {
            let read = dotnet_read(*framework, *view);
            dotnet.push(dotnet_setting(export, *framework, *view, read));
        }
    }
    Ok(SchannelReport {
        schema_version: SCHEMA_VERSION,
        kind: "schannel".into(),
        tool: Tool::this(),
        started_at: OffsetDateTime::now_utc(),
        sources,
        windows,
        defaults_source: DEFAULTS_SOURCE.into(),
        schannel_read,
        protocols,
        dotnet,
    })
}

/// At most [`MAX_REG_FILE_BYTES`] + 1 bytes (one more than allowed, so the parser reports the
/// size instead of reading a truncated file).
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_REG_FILE_BYTES.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

pub fn protocol_key(protocol: Protocol, side: Side) -> String {
    format!("{SCHANNEL_KEY}\\Protocols\\{protocol}\\{side}")
}

pub fn dotnet_key(framework: Framework, view: RegView) -> String {
    let base = match view {
        RegView::Native => DOTNET_KEY,
        RegView::Wow6432Node => DOTNET_WOW_KEY,
    };
    format!("{base}\\{framework}")
}

/// A DWORD value, or a note saying why the value there was not used.
fn dword(export: &RegExport, key: &str, name: &str, notes: &mut Vec<String>) -> Option<u32> {
    match export.value(key, name)? {
        RegData::Dword(v) => Some(*v),
        other => {
            notes.push(format!(
                "{name} is {}, not a DWORD: Windows reads it as a DWORD, so tlscheck treats it as not set",
                kind_of(other)
            ));
            None
        }
    }
}

fn kind_of(data: &RegData) -> &'static str {
    match data {
        RegData::Dword(_) => "a DWORD",
        RegData::Qword(_) => "a QWORD",
        RegData::String(_) => "a string",
        RegData::Binary { .. } => "binary data",
    }
}

fn setting(
    export: &RegExport,
    version: &WindowsVersion,
    protocol: Protocol,
    side: Side,
    read: bool,
) -> ProtocolSetting {
    let key = protocol_key(protocol, side);
    let mut notes = Vec::new();
    if !read {
        return ProtocolSetting {
            protocol,
            side,
            enabled: None,
            disabled_by_default: None,
            read,
            default: version.default_for(protocol, side),
            state: State::Unknown,
            basis: Basis::Default,
            notes,
        };
    }
    let enabled = dword(export, &key, "Enabled", &mut notes);
    let disabled_by_default = dword(export, &key, "DisabledByDefault", &mut notes);
    let default = version.default_for(protocol, side);
    let (state, basis) = settle(enabled, disabled_by_default, default);
    if default == OsDefault::Disabled
        && (version.major, version.minor) == (6, 0)
        && matches!(protocol, Protocol::Tls11 | Protocol::Tls12)
    {
        notes.push(format!(
            "Windows Server 2008 SP2 speaks {protocol} only with update KB4019276 installed"
        ));
    }
    // Values that try to turn on what this Windows lacks (SSL 2.0's DisabledByDefault=1, present
    // on most machines, is no news).
    if default == OsDefault::NotSupported
        && (enabled.is_some_and(|e| e != 0) || disabled_by_default == Some(0))
    {
        notes.push(format!(
            "{} cannot speak {protocol}: the values set here have no effect",
            version.name
        ));
    }
    ProtocolSetting {
        protocol,
        side,
        enabled,
        disabled_by_default,
        read,
        default,
        state,
        basis,
        notes,
    }
}

/// SCHANNEL's rule: `Enabled`=0 turns a protocol off; otherwise `DisabledByDefault` decides
/// whether applications that leave the choice to Windows use it. An absent value takes the
/// default: `Enabled` is 1 wherever the protocol is supported, `DisabledByDefault` is 1 where
/// Microsoft's table says "disabled".
pub fn settle(
    enabled: Option<u32>,
    disabled_by_default: Option<u32>,
    default: OsDefault,
) -> (State, Basis) {
    if default == OsDefault::NotSupported {
        return (State::NotSupported, Basis::Default);
    }
    if enabled == Some(0) {
        return (State::Off, Basis::Registry);
    }
    // Whether `Enabled` (nonzero here) came from the registry; None: not known.
    let enabled_from_registry = match (enabled, default) {
        (Some(_), _) => Some(true),
        (None, OsDefault::Unknown) => None,
        (None, _) => Some(false),
    };
    let by_default: Option<(bool, bool)> = match (disabled_by_default, default) {
        (Some(v), _) => Some((v == 0, true)),
        (None, OsDefault::Enabled) => Some((true, false)),
        (None, OsDefault::Disabled) => Some((false, false)),
        (None, _) => None,
    };
    let basis = |enabled_from_registry: bool, dbd_from_registry: bool| match (
        enabled_from_registry,
        dbd_from_registry,
    ) {
        (true, true) => Basis::Registry,
        (false, false) => Basis::Default,
        _ => Basis::RegistryAndDefault,
    };
    // (used by default, whether that came from the registry)
    match (enabled_from_registry, by_default) {
        (Some(e), Some((true, d))) => (State::On, basis(e, d)),
        (Some(e), Some((false, d))) => (State::OffByDefault, basis(e, d)),
        // Enabled unknown, but DisabledByDefault set to 1: at best off by default.
        (None, Some((false, true))) => (State::OffByDefault, Basis::RegistryAndDefault),
        (e, d) => (
            State::Unknown,
            basis(e.unwrap_or(false), d.is_some_and(|(_, r)| r)),
        ),
    }
}

fn dotnet_setting(
    export: &RegExport,
    framework: Framework,
    view: RegView,
    read: bool,
) -> DotNetSetting {
    let key = dotnet_key(framework, view);
    let mut notes = Vec::new();
    let [strong, system] = DOTNET_VALUES;
    DotNetSetting {
        framework,
        view,
        read,
        sch_use_strong_crypto: dword(export, &key, strong, &mut notes),
        system_default_tls_versions: dword(export, &key, system, &mut notes),
        notes,
    }
}

/// The Windows version in the CurrentVersion key, when exported; else why not (or nothing when
/// the key is not there).
fn exported_version(export: &RegExport) -> (Option<WindowsVersion>, Option<String>) {
    if !export.has_key(CURRENT_VERSION_KEY) {
        return (None, None);
    }
    let number = |name: &str| match export.value(CURRENT_VERSION_KEY, name) {
        Some(RegData::Dword(v)) => Some(*v),
        Some(RegData::String(s)) => s.trim().parse::<u32>().ok(),
        _ => None,
    };
    let build = number("CurrentBuildNumber").or_else(|| number("CurrentBuild"));
    // Windows 10 and later keep "6.3" in CurrentVersion for old programs and the real numbers in
    // CurrentMajorVersionNumber/CurrentMinorVersionNumber.
    let major_minor = match (
        number("CurrentMajorVersionNumber"),
        number("CurrentMinorVersionNumber"),
    ) {
        (Some(major), Some(minor)) => Some((major, minor)),
        _ => match export.value(CURRENT_VERSION_KEY, "CurrentVersion") {
            Some(RegData::String(s)) => s
                .trim()
                .split_once('.')
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?))),
            _ => None,
        },
    };
    match major_minor {
        Some((major, minor)) => {
            let text = match build {
                Some(b) => format!("{major}.{minor}.{b}"),
                None => format!("{major}.{minor}"),
            };
            match WindowsVersion::parse(&text) {
                Ok(v) => (Some(v), None),
                Err(_) => (
                    None,
                    Some(format!(
                        "the exported CurrentVersion key names version {text}, which tlscheck does not know"
                    )),
                ),
            }
        }
        None => (
            None,
            Some("the exported CurrentVersion key has no version numbers".into()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settle_follows_schannels_rule() {
        use Basis::*;
        use OsDefault as D;
        use State::*;
        // Nothing set: the default.
        assert_eq!(settle(None, None, D::Enabled), (On, Default));
        assert_eq!(settle(None, None, D::Disabled), (OffByDefault, Default));
        assert_eq!(settle(None, None, D::Unknown).0, Unknown);
        // Enabled=0 wins over everything.
        assert_eq!(settle(Some(0), Some(0), D::Enabled), (Off, Registry));
        // Microsoft's fix for 2008 R2: DisabledByDefault=0 alone turns TLS 1.2 on.
        assert_eq!(settle(None, Some(0), D::Disabled), (On, RegistryAndDefault));
        // Enabled=1 alone on 2008 R2 is not enough: still off by default.
        assert_eq!(
            settle(Some(1), None, D::Disabled),
            (OffByDefault, RegistryAndDefault)
        );
        assert_eq!(
            settle(Some(0xffff_ffff), Some(0), D::Disabled),
            (On, Registry)
        );
        assert_eq!(
            settle(Some(1), Some(1), D::Enabled),
            (OffByDefault, Registry)
        );
        // A registry value cannot add a protocol Windows lacks.
        assert_eq!(settle(Some(1), Some(0), D::NotSupported).0, NotSupported);
        // Unknown default: DisabledByDefault=1 still says "not by default".
        assert_eq!(settle(None, Some(1), D::Unknown).0, OffByDefault);
        assert_eq!(settle(Some(1), Some(0), D::Unknown), (On, Registry));
    }

    fn export(text: &str) -> RegExport {
        let mut e = RegExport::default();
        e.add(text.as_bytes()).unwrap();
        e
    }

    #[test]
    fn the_exported_version_wins_unless_the_option_is_given() {
        let e = export(
            "Windows Registry Editor Version 5.00\r\n\
             [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\r\n\
             \"CurrentVersion\"=\"6.3\"\r\n\
             \"CurrentBuildNumber\"=\"20348\"\r\n\
             \"CurrentMajorVersionNumber\"=dword:0000000a\r\n\
             \"CurrentMinorVersionNumber\"=dword:00000000\r\n\
             \"ProductName\"=\"Windows Server 2022 Standard\"\r\n",
        );
        let r = from_export(&e, vec![], None, VersionSource::Export).unwrap();
        assert_eq!(r.windows.version, WindowsVersion::parse("2022").unwrap());
        assert_eq!(r.windows.source, VersionSource::Export);
        assert!(!r.schannel_read);
        let r = from_export(
            &e,
            vec![],
            Some(WindowsVersion::parse("2012r2").unwrap()),
            VersionSource::Export,
        )
        .unwrap();
        assert_eq!(r.windows.source, VersionSource::Option);
        assert_eq!(r.windows.version.minor, 3);
    }

    #[test]
    fn old_windows_versions_come_from_current_version() {
        let e = export(
            "REGEDIT4\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\n\
             \"CurrentVersion\"=\"6.1\"\n\"CurrentBuild\"=\"7601\"\n",
        );
        let r = from_export(&e, vec![], None, VersionSource::Export).unwrap();
        assert_eq!(r.windows.version, WindowsVersion::parse("2008r2").unwrap());
    }

    #[test]
    fn an_unrelated_export_is_an_input_error() {
        let e = export("Windows Registry Editor Version 5.00\n[HKEY_CURRENT_USER\\Software\\Foo]\n\"a\"=dword:1\n");
        assert!(matches!(
            from_export(&e, vec![], None, VersionSource::Export),
            Err(InputError::NothingRelevant)
        ));
    }

    #[test]
    fn non_dword_values_are_noted_and_not_used() {
        let e = export(
            "Windows Registry Editor Version 5.00\n\
             [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server]\n\
             \"Enabled\"=\"0\"\n",
        );
        let r = from_export(&e, vec![], None, VersionSource::Export).unwrap();
        let s = r.setting(Protocol::Tls12, Side::Server).unwrap();
        assert_eq!(s.enabled, None);
        assert_eq!(s.state, State::On);
        assert!(
            s.notes.iter().any(|n| n.contains("not a DWORD")),
            "{:?}",
            s.notes
        );
        // The .NET keys were not exported: unknown, not missing.
        assert!(!r.dotnet_read());
        assert!(r.dotnet.iter().all(|d| d.missing().is_empty()));
    }
}
