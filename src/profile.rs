//! Expectation profiles: dated data files (under `profiles/`, embedded in the binary) saying what a
//! peer such as Exchange Online expects of a server's TLS — the root by key fingerprint, the
//! certificate name and organization, minimum key size and TLS version.
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

/// Profiles shipped with tlscheck: (name, TOML text).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "exchange-online",
        include_str!("../profiles/exchange-online.toml"),
    ),
    (
        "exchange-online-2018",
        include_str!("../profiles/exchange-online-2018.toml"),
    ),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub description: String,
    /// The first and last day the expectation held, as documented (informational).
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
    /// The leaf must carry this name (subject CN or a DNS SAN, case-insensitive).
    #[serde(default)]
    pub certificate_name: Option<String>,
    /// The leaf's subject organization (O).
    #[serde(default)]
    pub organization: Option<String>,
    /// Minimum RSA (or DSA) key size; EC keys must have at least 256 bits.
    #[serde(default)]
    pub min_key_bits: Option<u32>,
    /// Minimum TLS version, `1.2` or `1.3`.
    #[serde(default)]
    pub min_tls: Option<String>,
    /// The expected roots: the chain must end at one of them (by SPKI SHA-256).
    #[serde(default)]
    pub roots: Vec<ExpectedRoot>,
    /// The CA's CRL, OCSP and CA-issuer endpoints the firewall must let through
    /// (`tlscheck endpoints`).
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
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
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown profile {0:?} (built in: {1}); give a name or a .toml file")]
    Unknown(String, String),
    #[error("cannot read profile {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid profile {origin}: {message}")]
    Invalid { origin: String, message: String },
}

impl Profile {
    /// A built-in profile by name.
    pub fn builtin(name: &str) -> Option<Result<Self, ProfileError>> {
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| Self::parse(text, name))
    }

    /// A built-in profile by name, or a TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Self, ProfileError> {
        if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Self::parse(text, name_or_path);
        }
        let path = Path::new(name_or_path);
        if name_or_path.ends_with(".toml") || path.exists() {
            let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
                path: name_or_path.into(),
                source,
            })?;
            return Self::parse(&text, name_or_path);
        }
        let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        Err(ProfileError::Unknown(name_or_path.into(), names.join(", ")))
    }

    /// Parses and checks a profile: fingerprints are 64 hex digits, and an embedded root
    /// certificate really has the fingerprints the profile states.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ProfileError> {
        let invalid = |message: String| ProfileError::Invalid {
            origin: origin.into(),
            message,
        };
        let mut p: Profile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
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
        for (name, _) in BUILTIN {
            let p = Profile::load(name).unwrap();
            assert_eq!(&p.name, name);
            assert!(!p.roots.is_empty());
            let anchors = p.anchors().expect("built-in profiles carry their roots");
            assert_eq!(anchors.len(), p.roots.len());
        }
    }

    #[test]
    fn exchange_online_profiles_state_the_documented_expectations() {
        let now = Profile::load("exchange-online").unwrap();
        assert_eq!(now.roots[0].name, "DigiCert Global Root G2");
        assert_eq!(
            now.certificate_name.as_deref(),
            Some("mail.protection.outlook.com")
        );
        let old = Profile::load("exchange-online-2018").unwrap();
        assert_eq!(old.roots[0].name, "GlobalSign Root CA - R1");
        assert_eq!(old.organization.as_deref(), Some("Microsoft Corporation"));
        assert_eq!(old.min_key_bits, Some(2048));
    }

    #[test]
    fn a_pem_that_does_not_match_its_fingerprint_is_refused() {
        let (_, text) = BUILTIN[0];
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
            Profile::load("no-such-profile"),
            Err(ProfileError::Unknown(..))
        ));
        let err = Profile::parse("name='x'\ndescription='y'\nbogus=1\n", "t");
        assert!(matches!(err, Err(ProfileError::Invalid { .. })));
        let err = Profile::parse("name='x'\ndescription='y'\nmin_tls='1.1'\n", "t");
        assert!(matches!(err, Err(ProfileError::Invalid { .. })));
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
