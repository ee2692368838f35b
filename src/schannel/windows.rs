//! Which Windows the settings belong to, and what SCHANNEL does there when a registry value is
//! absent.
//!
//! The defaults are Microsoft's table "Protocols in TLS/SSL (Schannel SSP)" (Win32 docs,
//! `desktop-src/SecAuthN/protocols-in-tls-ssl--schannel-ssp-.md`, revision of 2021-01-20), which
//! lists, per Windows release, each protocol's client and server side as enabled, disabled or
//! not supported. Its last rows are Windows Server 2022 and Windows 11 (21H2). For later
//! releases (Windows 11 24H2 and Windows Server 2025, build 26100 and up) Microsoft announced
//! that TLS 1.0 and 1.1 would be disabled by default ("TLS 1.0 and TLS 1.1 soon to be disabled in
//! Windows", Windows IT Pro blog, 2023-08-01) but has not documented it per release: there
//! tlscheck calls their default unknown rather than guess.
//!
//! "Disabled" in the table is SCHANNEL's "not used unless an application asks for it": the
//! protocol is on (`Enabled` defaults to 1) but `DisabledByDefault` defaults to 1. This is why
//! Microsoft's fix for Windows 7 and Server 2008 R2 is `DisabledByDefault=0`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Protocol, Side};
use crate::vocab::words;

/// Where the tables come from, as the report cites it.
pub const DEFAULTS_SOURCE: &str = "Microsoft's table \"Protocols in TLS/SSL (Schannel SSP)\" (revision of 2021-01-20); TLS 1.0/1.1 on builds after Windows 11 21H2 and Server 2022: not documented, so unknown";

words! {
    /// What SCHANNEL does with a protocol side when the registry says nothing.
    pub enum OsDefault {
        /// Used unless disabled.
        Enabled = "enabled",
        /// Not used unless an application asks for it (`DisabledByDefault` defaults to 1).
        Disabled = "disabled",
        /// This Windows cannot speak it at all.
        NotSupported = "not-supported",
        /// Not documented for this Windows, or the Windows is not known.
        Unknown = "unknown",
    }
}

/// A Windows version: NT major.minor and, where known, the build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WindowsVersion {
    pub major: u32,
    pub minor: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<u32>,
    /// The release's name, as tlscheck reads the version (e.g. "Windows Server 2022").
    pub name: String,
}

/// The builds the defaults change at.
const BUILD_2008_SP2: u32 = 6002;
const BUILD_1607: u32 = 14393;
const BUILD_SERVER_2022: u32 = 20348;
const BUILD_WIN11: u32 = 22000;
/// Windows 11 24H2 and Windows Server 2025: after the table's last rows.
const BUILD_24H2: u32 = 26100;

impl WindowsVersion {
    pub fn new(major: u32, minor: u32, build: Option<u32>) -> Self {
        let name = release_name(major, minor, build);
        Self {
            major,
            minor,
            build,
            name,
        }
    }

    /// `--windows-version`: a release name (`2008`, `2008sp2`, `2008r2`, `7`, `2012`, `8`,
    /// `2012r2`, `8.1`, `10`, `2016`, `2019`, `2022`, `2025`, `11`, any case, with or without
    /// "Windows", "Server" and spaces) or an NT version (`6.1`, `6.3.9600`, `10.0.20348`) or a
    /// bare build number of Windows 10 or later (`17763`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let compact: String = text
            .to_ascii_lowercase()
            .replace("windows", "")
            .replace("server", "")
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
            .collect();
        let named = match compact.as_str() {
            "vista" | "2008" => Some((6, 0, Some(6001))),
            "2008sp2" => Some((6, 0, Some(BUILD_2008_SP2))),
            "7" | "2008r2" => Some((6, 1, Some(7601))),
            "8" | "2012" => Some((6, 2, Some(9200))),
            "8.1" | "2012r2" => Some((6, 3, Some(9600))),
            // Windows 10 without a build: the judgement below is that of 1607 and later.
            "10" => Some((10, 0, None)),
            "2016" => Some((10, 0, Some(BUILD_1607))),
            "2019" => Some((10, 0, Some(17763))),
            "2022" => Some((10, 0, Some(BUILD_SERVER_2022))),
            "11" => Some((10, 0, Some(BUILD_WIN11))),
            "2025" => Some((10, 0, Some(BUILD_24H2))),
            _ => None,
        };
        if let Some((major, minor, build)) = named {
            return Ok(Self::new(major, minor, build));
        }
        let bad = || {
            format!(
                "--windows-version {text:?}: give a release (2008r2, 2012, 2012r2, 2016, 2019, 2022, 2025, 7, 8.1, 10, 11) or a version number (6.1, 10.0.20348, 17763)"
            )
        };
        let numbers: Vec<u32> = compact
            .split('.')
            .map(|p| p.parse::<u32>().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        match numbers.as_slice() {
            // A bare build number, as `reg query ... /v CurrentBuildNumber` shows it.
            [build @ 6000..=6003] => Ok(Self::new(6, 0, Some(*build))),
            [build @ (7600 | 7601)] => Ok(Self::new(6, 1, Some(*build))),
            [9200] => Ok(Self::new(6, 2, Some(9200))),
            [9600] => Ok(Self::new(6, 3, Some(9600))),
            [build] if *build >= 10240 => Ok(Self::new(10, 0, Some(*build))),
            [major, minor] if known_nt(*major, *minor) => Ok(Self::new(*major, *minor, None)),
            [major, minor, build] if known_nt(*major, *minor) => {
                Ok(Self::new(*major, *minor, Some(*build)))
            }
            _ => Err(bad()),
        }
    }

    /// What SCHANNEL does with `protocol` on `side` when the registry has no value for it.
    pub fn default_for(&self, protocol: Protocol, side: Side) -> OsDefault {
        use OsDefault::{Disabled, Enabled, NotSupported, Unknown};
        use Protocol::{Ssl2, Ssl3, Tls10, Tls11, Tls12, Tls13};
        let build = self.build;
        match (self.major, self.minor) {
            // Vista and Server 2008 (SP2: build 6002).
            (6, 0) => {
                let sp2 = build.is_some_and(|b| b >= BUILD_2008_SP2);
                match protocol {
                    Ssl2 if side == Side::Client => Disabled,
                    Ssl2 | Ssl3 | Tls10 => Enabled,
                    Tls11 | Tls12 if sp2 => Disabled,
                    Tls11 | Tls12 | Tls13 => NotSupported,
                }
            }
            // Windows 7 and Server 2008 R2.
            (6, 1) => match protocol {
                Ssl2 if side == Side::Client => Disabled,
                Ssl2 | Ssl3 | Tls10 => Enabled,
                Tls11 | Tls12 => Disabled,
                Tls13 => NotSupported,
            },
            // Windows 8, 8.1, Server 2012 and 2012 R2.
            (6, 2) | (6, 3) => match protocol {
                Ssl2 => Disabled,
                Ssl3 | Tls10 | Tls11 | Tls12 => Enabled,
                Tls13 => NotSupported,
            },
            (10, 0) => {
                // Without a build: judged as 1607 and later (SSL 2.0 removed, SSL 3.0 disabled),
                // TLS 1.0/1.1 and 1.3 unknown (they differ between the builds it could be).
                let b = build.unwrap_or(BUILD_1607);
                match protocol {
                    Ssl2 if b < BUILD_1607 => Disabled,
                    Ssl2 => NotSupported,
                    Ssl3 if b < BUILD_1607 => Enabled,
                    Ssl3 => Disabled,
                    Tls10 | Tls11 if build.is_none() || b >= BUILD_24H2 => Unknown,
                    Tls10 | Tls11 | Tls12 => Enabled,
                    Tls13 if build.is_none() => Unknown,
                    Tls13 if b >= BUILD_SERVER_2022 => Enabled,
                    Tls13 => NotSupported,
                }
            }
            _ => Unknown,
        }
    }
}

fn known_nt(major: u32, minor: u32) -> bool {
    matches!((major, minor), (6, 0..=3) | (10, 0))
}

/// The release's name from its NT version and build (client and server share a build; both are
/// named).
fn release_name(major: u32, minor: u32, build: Option<u32>) -> String {
    let base = match (major, minor) {
        (6, 0) if build.is_some_and(|b| b >= BUILD_2008_SP2) => {
            "Windows Vista SP2 / Server 2008 SP2"
        }
        (6, 0) => "Windows Vista / Server 2008",
        (6, 1) => "Windows 7 / Server 2008 R2",
        (6, 2) => "Windows 8 / Server 2012",
        (6, 3) => "Windows 8.1 / Server 2012 R2",
        (10, 0) => match build {
            None => "Windows 10 or later (build not known)",
            Some(b) if b >= BUILD_24H2 => "Windows 11 24H2 / Server 2025 or later",
            Some(25398) => "Windows Server 23H2",
            Some(b) if b >= BUILD_WIN11 => "Windows 11",
            Some(BUILD_SERVER_2022) => "Windows Server 2022",
            Some(17763) => "Windows 10 1809 / Server 2019",
            Some(BUILD_1607) => "Windows 10 1607 / Server 2016",
            Some(b) if b >= BUILD_1607 => "Windows 10 (1607 or later)",
            Some(_) => "Windows 10 (before 1607)",
        },
        _ => "an unknown Windows version",
    };
    match build {
        Some(b) => format!("{base} ({major}.{minor}.{b})"),
        None => format!("{base} ({major}.{minor})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OsDefault::*;
    use Protocol::*;
    use Side::*;

    fn v(s: &str) -> WindowsVersion {
        WindowsVersion::parse(s).unwrap()
    }

    #[test]
    fn names_and_numbers_parse_to_the_same_release() {
        assert_eq!(v("2008r2"), v("6.1.7601"));
        assert_eq!(v("Windows Server 2012 R2"), v("6.3.9600"));
        assert_eq!(v("2022"), v("20348"));
        assert_eq!(v("2022"), v("10.0.20348"));
        // Bare builds of every release, as reg query shows CurrentBuildNumber.
        assert_eq!(v("7601"), v("2008r2"));
        assert_eq!(v("9600"), v("2012r2"));
        assert_eq!(v("6002"), v("2008sp2"));
        assert_eq!(v("25398").name, "Windows Server 23H2 (10.0.25398)");
        assert_eq!(v("11").build, Some(22000));
        assert!(v("2016").name.contains("Server 2016"), "{}", v("2016").name);
        for bad in [
            "",
            "xp",
            "5.1",
            "10.0.x",
            "999",
            "windows 95",
            "10.1",
            "vistasp2",
            "8000",
        ] {
            assert!(WindowsVersion::parse(bad).is_err(), "{bad}");
        }
    }

    /// Rows of Microsoft's table, spot-checked: one assertion per cell that changes between
    /// releases.
    #[test]
    fn defaults_follow_microsofts_table() {
        // Windows 7 / 2008 R2: TLS 1.1 and 1.2 disabled by default on both sides.
        assert_eq!(v("2008r2").default_for(Tls12, Client), Disabled);
        assert_eq!(v("2008r2").default_for(Tls12, Server), Disabled);
        assert_eq!(v("2008r2").default_for(Tls10, Server), Enabled);
        assert_eq!(v("2008r2").default_for(Ssl2, Client), Disabled);
        assert_eq!(v("2008r2").default_for(Ssl2, Server), Enabled);
        // Server 2008 before SP2 cannot speak TLS 1.1/1.2 at all.
        assert_eq!(v("2008").default_for(Tls12, Server), NotSupported);
        assert_eq!(v("2008sp2").default_for(Tls12, Server), Disabled);
        // 2012 R2: TLS 1.0-1.2 and SSL 3.0 enabled, SSL 2.0 disabled, no TLS 1.3.
        assert_eq!(v("2012r2").default_for(Tls12, Server), Enabled);
        assert_eq!(v("2012r2").default_for(Ssl3, Server), Enabled);
        assert_eq!(v("2012r2").default_for(Ssl2, Server), Disabled);
        assert_eq!(v("2012r2").default_for(Tls13, Server), NotSupported);
        // 1607 / 2016: SSL 2.0 removed, SSL 3.0 disabled.
        assert_eq!(v("2016").default_for(Ssl2, Server), NotSupported);
        assert_eq!(v("2016").default_for(Ssl3, Client), Disabled);
        assert_eq!(v("10.0.10586").default_for(Ssl3, Client), Enabled);
        assert_eq!(v("2019").default_for(Tls13, Server), NotSupported);
        // 2022 and Windows 11: TLS 1.3 enabled.
        assert_eq!(v("2022").default_for(Tls13, Server), Enabled);
        assert_eq!(v("11").default_for(Tls13, Client), Enabled);
        assert_eq!(v("2022").default_for(Tls10, Server), Enabled);
        // After the table: TLS 1.0/1.1 not documented, TLS 1.2/1.3 enabled.
        assert_eq!(v("2025").default_for(Tls10, Server), Unknown);
        assert_eq!(v("2025").default_for(Tls12, Server), Enabled);
        assert_eq!(v("2025").default_for(Tls13, Server), Enabled);
        // Windows 10 without a build: TLS 1.3 unknown, the rest as 1607.
        assert_eq!(v("10").default_for(Tls13, Server), Unknown);
        assert_eq!(v("10").default_for(Tls10, Server), Unknown);
        assert_eq!(v("10").default_for(Tls12, Server), Enabled);
    }
}
