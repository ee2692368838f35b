//! `--show-certs DIR`: the presented chains written as PEM files, one per address and certificate
//! (`DIR/<host>_<ip>_<port>_<n>.pem`, `n` from 0 for the leaf), from the certificates the report
//! already carries (`CertSummary::der`).
//!
//! Host names come from DNS and reports from strangers: every part of a file name is reduced to
//! letters, digits, `-` and `.` (no separator, no leading dot, bounded length), so nothing can
//! name a path outside DIR. Files are replaced when a run writes the same name again.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cert::pem_from_base64;
use crate::report::TargetReport;

/// Longest part of a file name taken from a host name (the whole name stays under 255 bytes).
const MAX_NAME_PART: usize = 120;

/// Writes every presented certificate of `targets` into `dir`; returns the files written.
pub fn write(dir: &Path, targets: &[TargetReport]) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for t in targets {
        for h in &t.hosts {
            for a in &h.addresses {
                let Some(tls) = &a.tls else {
                    continue;
                };
                let host = a.name.as_deref().unwrap_or(&h.name);
                for (n, c) in tls.chain.iter().enumerate() {
                    let Some(pem) = pem_from_base64(&c.der) else {
                        continue;
                    };
                    let path = dir.join(file_name(host, &a.ip.to_string(), a.port, n));
                    let mut f = std::fs::File::create(&path)?;
                    writeln!(f, "# subject: {}", one_line(&c.subject))?;
                    writeln!(f, "# issuer: {}", one_line(&c.issuer))?;
                    f.write_all(pem.as_bytes())?;
                    written.push(path);
                }
            }
        }
    }
    Ok(written)
}

/// `<host>_<ip>_<port>_<n>.pem` with every part made safe.
pub fn file_name(host: &str, ip: &str, port: u16, n: usize) -> String {
    format!("{}_{}_{port}_{n}.pem", safe_part(host), safe_part(ip))
}

/// Letters, digits, `-` and `.` kept, anything else `_`; no leading dot (no `..`, no hidden
/// file); bounded; never empty.
fn safe_part(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(MAX_NAME_PART)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    while out.starts_with('.') {
        out.replace_range(..1, "_");
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

/// A subject or issuer for a `#` comment line: control characters (a newline would end the
/// comment) escaped.
pub fn one_line(s: &str) -> String {
    crate::render::escape::terminal(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside_the_directory() {
        assert_eq!(
            file_name("mx.contoso.com", "192.0.2.10", 25, 0),
            "mx.contoso.com_192.0.2.10_25_0.pem"
        );
        assert_eq!(
            file_name("mx.test", "2001:db8::1", 25, 1),
            "mx.test_2001_db8__1_25_1.pem"
        );
        for hostile in [
            "../../etc/passwd",
            "..",
            "/abs",
            "a\\b",
            "\u{0}x",
            "",
            ".hidden",
        ] {
            let name = file_name(hostile, "::1", 25, 0);
            assert!(!name.contains('/') && !name.contains('\\'), "{name}");
            assert!(!name.starts_with('.'), "{name}");
            assert!(!name.contains('\u{0}'), "{name}");
            let p = Path::new("/out").join(&name);
            assert_eq!(p.parent(), Some(Path::new("/out")), "{name}");
        }
        assert!(file_name(&"a".repeat(1000), "192.0.2.1", 25, 0).len() < 255);
    }

    #[test]
    fn pem_lines_are_base64_of_the_der() {
        use base64::Engine;
        let der = vec![0x30u8; 100];
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        let pem = pem_from_base64(&b64).unwrap();
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(*lines.last().unwrap(), "-----END CERTIFICATE-----");
        assert!(lines[1..lines.len() - 1].iter().all(|l| l.len() <= 64));
        assert_eq!(lines[1..lines.len() - 1].concat(), b64);
        assert!(pem_from_base64("not base64!\n-----END").is_none());
        assert!(pem_from_base64("").is_none());
    }
}
