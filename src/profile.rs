//! Profiles: dated data files (under `profiles/`, embedded in the binary) of two kinds, which
//! judge in opposite directions:
//!
//! - **expect** (`--expect`): the target *is* a known service (Exchange Online's inbound MX): its
//!   root by key fingerprint, certificate name and organization, key size, TLS version, CA
//!   endpoints.
//! - **sender** (`--sender`): the target *receives* from a known sender (Exchange Online
//!   delivering to your server): the TLS versions and cipher suites the sender offers, and what it
//!   asks of the certificate with opportunistic or forced TLS. A sender profile never judges the
//!   certificate's organization or root identity.
//!
//! Expectations change over time (Baltimore -> GlobalSign R1 -> DigiCert G1 -> DigiCert G2), so they
//! are data, never constants in code. A profile may carry its root certificates, so a chain can be
//! checked against the expected root even when the selected trust store no longer has it.

use std::path::Path;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use serde::Deserialize;

use crate::cert::chain::TrustStore;
use crate::cert::summary::summarize;
use crate::vocab::{EndpointKind, TlsVersion};

/// Which way a profile judges (the TOML `kind` key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileKind {
    /// The target is this service and must look like it (`--expect`). The default, so profile
    /// files written before `kind` existed keep their meaning.
    #[default]
    Expect,
    /// The target receives mail from this sender (`--sender`).
    Sender,
}

impl ProfileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::Expect => "expect",
            ProfileKind::Sender => "sender",
        }
    }

    /// The flag that takes a profile of this kind.
    pub fn flag(self) -> &'static str {
        match self {
            ProfileKind::Expect => "--expect",
            ProfileKind::Sender => "--sender",
        }
    }
}

/// Profiles shipped with tlscheck: (name, kind, TOML text). A name may exist once per kind.
pub const BUILTIN: &[(&str, ProfileKind, &str)] = &[
    (
        "exchange-online",
        ProfileKind::Expect,
        include_str!("../profiles/exchange-online.toml"),
    ),
    (
        "exchange-online-2018",
        ProfileKind::Expect,
        include_str!("../profiles/exchange-online-2018.toml"),
    ),
    (
        "exchange-online",
        ProfileKind::Sender,
        include_str!("../profiles/exchange-online-sender.toml"),
    ),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// `expect` (default) or `sender`.
    #[serde(default)]
    pub kind: ProfileKind,
    pub name: String,
    pub description: String,
    /// The first and last day the expectation held, as documented (informational).
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
    /// expect: the leaf must carry this name (subject CN or a DNS SAN, case-insensitive).
    #[serde(default)]
    pub certificate_name: Option<String>,
    /// expect: the leaf must carry a name matching one of these (`*.example.com` matches any
    /// name ending in `.example.com`, and the SAN `*.example.com` itself). With
    /// `certificate_name`, either will do.
    #[serde(default)]
    pub certificate_names: Vec<String>,
    /// The leaf's subject organization (O).
    #[serde(default)]
    pub organization: Option<String>,
    /// Minimum RSA (or DSA) key size; EC keys must have at least 256 bits.
    #[serde(default)]
    pub min_key_bits: Option<u32>,
    /// Minimum TLS version, `1.2` or `1.3`.
    #[serde(default)]
    pub min_tls: Option<String>,
    /// expect: the expected roots: the chain must end at one of them (by SPKI SHA-256).
    #[serde(default)]
    pub roots: Vec<ExpectedRoot>,
    /// sender: the cipher suites the sender offers (IANA names, TLS 1.2 and 1.3). The server
    /// must accept one of them; empty: not judged.
    #[serde(default)]
    pub suites: Vec<String>,
    /// sender: the sender requires TLS with certificate validation (a forced-TLS connector): the
    /// chain must validate to a public root and carry the MX host name. `false` (opportunistic):
    /// any certificate works. `--forced-tls` sets it.
    #[serde(default)]
    pub forced_tls: bool,
    /// sender: how the sender's logs and bounces show a failed TLS negotiation, quoted in
    /// findings.
    #[serde(default)]
    pub symptoms: Option<String>,
    /// The CA's CRL, OCSP and CA-issuer endpoints the firewall must let through
    /// (`tlscheck endpoints`).
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    /// expect: MX hosts matching one of these patterns (as `certificate_names`) publish
    /// DNSSEC-signed TLSA records that match their certificates (DANE); one that has none usable
    /// is reported (`dane-expected`).
    #[serde(default)]
    pub dane_hosts: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub kind: EndpointKind,
    pub url: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedRoot {
    pub name: String,
    pub spki_sha256: String,
    #[serde(default)]
    pub sha256: Option<String>,
    /// The root certificate, so it can serve as an anchor when the trust store lacks it.
    #[serde(default)]
    pub pem: Option<String>,
    /// The root is still accepted but on its way out: why and since when (a `root-deprecated`
    /// warning quotes it).
    #[serde(default)]
    pub deprecated: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown profile {0:?} (built in: {1}); give a name or a .toml file")]
    Unknown(String, String),
    #[error("profile {origin} has kind = \"{found}\"; {wanted} takes profiles with kind = \"{wanted_kind}\"", found = .found.as_str(), wanted = .wanted.flag(), wanted_kind = .wanted.as_str())]
    WrongKind {
        origin: String,
        found: ProfileKind,
        wanted: ProfileKind,
    },
    #[error("cannot read profile {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid profile {origin}: {message}")]
    Invalid { origin: String, message: String },
}

impl Profile {
    /// The TOML text of a built-in profile.
    pub fn builtin_text(name: &str, kind: ProfileKind) -> Option<&'static str> {
        BUILTIN
            .iter()
            .find(|(n, k, _)| *n == name && *k == kind)
            .map(|(_, _, text)| *text)
    }

    /// A built-in profile by name and kind.
    pub fn builtin(name: &str, kind: ProfileKind) -> Option<Result<Self, ProfileError>> {
        Self::builtin_text(name, kind).map(|text| Self::parse(text, name))
    }

    /// A built-in profile of `kind` by name, or a TOML file by path (which must be of `kind`).
    pub fn load(name_or_path: &str, kind: ProfileKind) -> Result<Self, ProfileError> {
        if let Some(p) = Self::builtin(name_or_path, kind) {
            return p;
        }
        let path = Path::new(name_or_path);
        if name_or_path.ends_with(".toml") || path.exists() {
            let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
                path: name_or_path.into(),
                source,
            })?;
            let p = Self::parse(&text, name_or_path)?;
            if p.kind != kind {
                return Err(ProfileError::WrongKind {
                    origin: name_or_path.into(),
                    found: p.kind,
                    wanted: kind,
                });
            }
            return Ok(p);
        }
        if let Some((_, other, _)) = BUILTIN
            .iter()
            .find(|(n, k, _)| *n == name_or_path && *k != kind)
        {
            return Err(ProfileError::WrongKind {
                origin: name_or_path.into(),
                found: *other,
                wanted: kind,
            });
        }
        let names: Vec<&str> = BUILTIN
            .iter()
            .filter(|(_, k, _)| *k == kind)
            .map(|(n, _, _)| *n)
            .collect();
        Err(ProfileError::Unknown(name_or_path.into(), names.join(", ")))
    }

    /// The first line of the description (for `tlscheck profile list`).
    pub fn summary(&self) -> &str {
        self.description.lines().next().unwrap_or_default()
    }

    /// The names the leaf must carry one of (expect profiles); empty: not judged.
    pub fn expected_names(&self) -> Vec<&str> {
        self.certificate_name
            .iter()
            .chain(self.certificate_names.iter())
            .map(String::as_str)
            .collect()
    }

    /// Parses and checks a profile: fingerprints are 64 hex digits, and an embedded root
    /// certificate really has the fingerprints the profile states.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ProfileError> {
        let invalid = |message: String| ProfileError::Invalid {
            origin: origin.into(),
            message,
        };
        let mut p: Profile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let (own, foreign): (&[(bool, &str)], &str) = match p.kind {
            // A sender profile never judges who the server is.
            ProfileKind::Sender => (
                &[
                    (p.certificate_name.is_some(), "certificate_name"),
                    (!p.certificate_names.is_empty(), "certificate_names"),
                    (p.organization.is_some(), "organization"),
                    (!p.roots.is_empty(), "roots"),
                    (!p.endpoints.is_empty(), "endpoints"),
                ],
                "expect",
            ),
            ProfileKind::Expect => (
                &[
                    (!p.suites.is_empty(), "suites"),
                    (p.forced_tls, "forced_tls"),
                    (p.symptoms.is_some(), "symptoms"),
                ],
                "sender",
            ),
        };
        if let Some((_, key)) = own.iter().find(|(set, _)| *set) {
            return Err(invalid(format!(
                "{key} belongs to {foreign} profiles, and this one is kind = \"{}\"",
                p.kind.as_str()
            )));
        }
        for n in p.expected_names() {
            if n.is_empty()
                || n.contains(char::is_whitespace)
                || n.chars().skip(1).any(|c| c == '*')
            {
                return Err(invalid(format!(
                    "certificate name {n:?} is not a name or *.pattern"
                )));
            }
        }
        if let Some(v) = &p.min_tls {
            if !matches!(
                TlsVersion::parse(v),
                Some(TlsVersion::Tls12 | TlsVersion::Tls13)
            ) {
                return Err(invalid(format!("min_tls {v:?} is not 1.2 or 1.3")));
            }
        }
        for e in &p.endpoints {
            match url::Url::parse(&e.url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                Ok(_) => {
                    return Err(invalid(format!(
                        "endpoint {}: only http and https URLs",
                        e.url
                    )))
                }
                Err(err) => return Err(invalid(format!("endpoint {:?}: {err}", e.url))),
            }
        }
        for root in &mut p.roots {
            root.spki_sha256 = normalize_fp(&root.spki_sha256).ok_or_else(|| {
                invalid(format!(
                    "root {:?}: spki_sha256 is not a SHA-256 in hex",
                    root.name
                ))
            })?;
            if let Some(fp) = &root.sha256 {
                root.sha256 = Some(normalize_fp(fp).ok_or_else(|| {
                    invalid(format!(
                        "root {:?}: sha256 is not a SHA-256 in hex",
                        root.name
                    ))
                })?);
            }
            if let Some(pem) = &root.pem {
                let der = CertificateDer::from_pem_slice(pem.as_bytes())
                    .map_err(|e| invalid(format!("root {:?}: bad PEM: {e}", root.name)))?;
                let s = summarize(&der);
                if s.spki_sha256 != root.spki_sha256 {
                    return Err(invalid(format!(
                        "root {:?}: the embedded certificate's key is {}, not the stated spki_sha256",
                        root.name, s.spki_sha256
                    )));
                }
                if root.sha256.as_ref().is_some_and(|fp| *fp != s.sha256) {
                    return Err(invalid(format!(
                        "root {:?}: the embedded certificate's sha256 differs",
                        root.name
                    )));
                }
            }
        }
        Ok(p)
    }

    pub fn min_tls(&self) -> Option<TlsVersion> {
        self.min_tls.as_deref().and_then(TlsVersion::parse)
    }

    /// The profile's own root certificates as a trust store, if it carries any.
    pub fn anchors(&self) -> Option<TrustStore> {
        let pem: String = self
            .roots
            .iter()
            .filter_map(|r| r.pem.as_deref())
            .collect::<Vec<_>>()
            .join("\n");
        if pem.trim().is_empty() {
            return None;
        }
        TrustStore::from_pem(&format!("profile:{}", self.name), pem.as_bytes()).ok()
    }

    /// The expected root whose key matches, if any.
    pub fn root_for_spki(&self, spki_sha256: &str) -> Option<&ExpectedRoot> {
        self.roots
            .iter()
            .find(|r| r.spki_sha256.eq_ignore_ascii_case(spki_sha256))
    }
}

/// `tlscheck profile list`: one line per built-in, `NAME  KIND  SUMMARY`, and how to use them.
pub fn list_text() -> String {
    let rows: Vec<(&str, &str, String)> = BUILTIN
        .iter()
        .map(|(name, kind, text)| {
            let summary = match Profile::parse(text, name) {
                Ok(p) => p.summary().to_string(),
                Err(e) => e.to_string(),
            };
            (*name, kind.as_str(), summary)
        })
        .collect();
    let width = rows.iter().map(|(n, _, _)| n.len()).max().unwrap_or(0);
    let mut out = format!("{:width$}  {:6}  SUMMARY\n", "NAME", "KIND");
    for (name, kind, summary) in rows {
        out.push_str(&format!("{name:width$}  {kind:6}  {summary}\n"));
    }
    out.push_str(
        "\nexpect: --expect NAME (the target is the service); sender: --sender NAME (the target receives from it).\n\
         tlscheck profile show NAME [--kind expect|sender] prints one as TOML to edit and pass back as FILE.toml.\n",
    );
    out
}

/// A certificate name against an expected name or pattern: equal (case-insensitive), or for
/// `*.suffix` any name ending in `.suffix` (at any depth: Exchange Online's MX hosts sit two labels
/// under `mx.microsoft`), the wildcard SAN `*.suffix` itself included.
pub fn name_matches(name: &str, pattern: &str) -> bool {
    if name.eq_ignore_ascii_case(pattern) {
        return true;
    }
    let Some(suffix) = pattern.strip_prefix("*.") else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    let suffix = suffix.to_ascii_lowercase();
    name.strip_suffix(&suffix)
        .and_then(|head| head.strip_suffix('.'))
        .is_some_and(|label| !label.is_empty())
}

/// Lower-case hex without separators, or `None` if not 32 bytes of hex.
fn normalize_fp(s: &str) -> Option<String> {
    let hex: String = s
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_parse_and_their_roots_match_their_fingerprints() {
        for (name, kind, _) in BUILTIN {
            let p = Profile::load(name, *kind).unwrap();
            assert_eq!(&p.name, name);
            assert_eq!(p.kind, *kind);
            if *kind == ProfileKind::Sender {
                assert!(p.roots.is_empty() && p.organization.is_none());
                continue;
            }
            assert!(!p.roots.is_empty());
            let anchors = p.anchors().expect("built-in profiles carry their roots");
            assert_eq!(anchors.len(), p.roots.len());
        }
    }

    #[test]
    fn exchange_online_profiles_state_the_documented_expectations() {
        let now = Profile::load("exchange-online", ProfileKind::Expect).unwrap();
        assert_eq!(now.roots[0].name, "DigiCert Global Root G2");
        assert!(now.roots[0].deprecated.is_none());
        assert_eq!(now.roots[1].name, "DigiCert Global Root CA (G1)");
        assert!(now.roots[1].deprecated.is_some());
        let names = now.expected_names();
        assert!(names
            .iter()
            .any(|p| name_matches("contoso-com.mail.protection.outlook.com", p)));
        assert!(names
            .iter()
            .any(|p| name_matches("contoso-com.o-v1.mx.microsoft", p)));
        assert!(!names.iter().any(|p| name_matches("mx.contoso.com", p)));
        let sender = Profile::load("exchange-online", ProfileKind::Sender).unwrap();
        assert_eq!(sender.min_tls(), Some(TlsVersion::Tls12));
        assert!(!sender.forced_tls);
        assert!(sender.suites.iter().all(|s| s.contains("_GCM_")));
        let old = Profile::load("exchange-online-2018", ProfileKind::Expect).unwrap();
        assert_eq!(old.roots[0].name, "GlobalSign Root CA - R1");
        assert_eq!(old.organization.as_deref(), Some("Microsoft Corporation"));
        assert_eq!(old.min_key_bits, Some(2048));
    }

    #[test]
    fn a_pem_that_does_not_match_its_fingerprint_is_refused() {
        let (_, _, text) = BUILTIN[0];
        let tampered = text.replace(
            "8bb593a93be1d0e8a822bb887c547890c3e706aad2dab76254f97fb36b82fc26",
            "0000000000000000000000000000000000000000000000000000000000000000",
        );
        assert!(matches!(
            Profile::parse(&tampered, "t"),
            Err(ProfileError::Invalid { .. })
        ));
    }

    #[test]
    fn unknown_names_and_fields_are_refused() {
        assert!(matches!(
            Profile::load("no-such-profile", ProfileKind::Expect),
            Err(ProfileError::Unknown(..))
        ));
        assert!(matches!(
            Profile::load("exchange-online-2018", ProfileKind::Sender),
            Err(ProfileError::WrongKind { .. })
        ));
        // Each kind refuses the other's keys.
        let err = Profile::parse(
            "kind='sender'\nname='x'\ndescription='y'\norganization='O'\n",
            "t",
        );
        assert!(matches!(err, Err(ProfileError::Invalid { .. })), "{err:?}");
        let err = Profile::parse("name='x'\ndescription='y'\nforced_tls=true\n", "t");
        assert!(matches!(err, Err(ProfileError::Invalid { .. })), "{err:?}");
        let err = Profile::parse("kind='both'\nname='x'\ndescription='y'\n", "t");
        assert!(matches!(err, Err(ProfileError::Invalid { .. })), "{err:?}");
        let err = Profile::parse("name='x'\ndescription='y'\nbogus=1\n", "t");
        assert!(matches!(err, Err(ProfileError::Invalid { .. })));
        let err = Profile::parse("name='x'\ndescription='y'\nmin_tls='1.1'\n", "t");
        assert!(matches!(err, Err(ProfileError::Invalid { .. })));
    }

    #[test]
    fn name_patterns_match_at_any_depth_below_the_suffix() {
        assert!(name_matches(
            "A.Mail.Protection.Outlook.com",
            "*.mail.protection.outlook.com"
        ));
        assert!(name_matches("*.mx.microsoft", "*.mx.microsoft"));
        assert!(name_matches("x.y.mx.microsoft", "*.mx.microsoft"));
        assert!(!name_matches("mx.microsoft", "*.mx.microsoft"));
        assert!(!name_matches("evilmx.microsoft", "*.mx.microsoft"));
        assert!(name_matches(
            "mail.protection.outlook.com",
            "mail.protection.outlook.com"
        ));
        assert!(!name_matches(
            "a.mail.protection.outlook.com",
            "mail.protection.outlook.com"
        ));
    }

    #[test]
    fn fingerprints_are_normalised() {
        assert_eq!(
            normalize_fp("EB:D4:10:40:E4:BB:3E:C7:42:C9:E3:81:D3:1E:F2:A4:1A:48:B6:68:5C:96:E7:CE:F3:C1:DF:6C:D4:33:1C:99").as_deref(),
            Some("ebd41040e4bb3ec742c9e381d31ef2a41a48b6685c96e7cef3c1df6cd4331c99")
        );
        assert_eq!(normalize_fp("abc"), None);
    }
}
