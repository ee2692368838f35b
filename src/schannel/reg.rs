//! Windows registry export files (`reg export`, regedit's "Export"): the format `tlscheck
//! schannel FILE.reg` reads (issue 16; the judging comes in a later step).
//!
//! `reg export` writes UTF-16LE with a byte-order mark and the header "Windows Registry Editor
//! Version 5.00"; UTF-8 files (with or without a BOM) and the older `REGEDIT4` header occur too.
//! The body is sections (`[HKEY_LOCAL_MACHINE\...]`, or `[-...]` to delete a key and its
//! subkeys) of values (`"name"=dword:00000001`, `"name"="text"`, `"name"=hex:..`,
//! `"name"=hex(b):..` for a QWORD, `"name"=-` to delete it, `@=` for the default value), with
//! `;` comments and long hex lists continued over lines ending in `\`. Key and value names are
//! matched without regard to case, as Windows does. The file is a stranger's: its size is capped,
//! and anything that is not this format is an error naming the line, never a panic.

use std::collections::BTreeMap;

use crate::limits::MAX_REG_FILE_BYTES;

/// The data of one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegData {
    /// `dword:` (REG_DWORD).
    Dword(u32),
    /// `hex(b):` (REG_QWORD, little-endian).
    Qword(u64),
    /// A quoted string (REG_SZ).
    String(String),
    /// `hex:` (REG_BINARY) or `hex(N):` of another type.
    Binary { kind: u32, bytes: Vec<u8> },
}

impl RegData {
    /// The value as a number, as Windows reads a DWORD or QWORD (others: `None`).
    pub fn as_number(&self) -> Option<u64> {
        match self {
            RegData::Dword(v) => Some(u64::from(*v)),
            RegData::Qword(v) => Some(*v),
            _ => None,
        }
    }
}

/// Why a file is not a registry export we can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegError {
    #[error("the file is larger than {max} bytes, the most tlscheck reads of a registry export (export only the keys it needs)", max = MAX_REG_FILE_BYTES)]
    TooLarge(u64),
    #[error("the file is not text (neither UTF-16LE with a byte-order mark nor UTF-8)")]
    NotText,
    #[error("not a registry export: the first line is not \"Windows Registry Editor Version 5.00\" or \"REGEDIT4\"")]
    NoHeader,
    #[error("line {line}: {message}")]
    Syntax { line: usize, message: String },
}

/// The keys of one or more exports: key path (lower-cased) -> value name (lower-cased) -> data.
/// Later sections override earlier ones; a deleted key removes the key and its subkeys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegExport {
    keys: BTreeMap<String, BTreeMap<String, RegData>>,
    /// Value lines that could not be read, skipped: a caller decides whether the key matters.
    bad: Vec<BadValue>,
}

/// A value line that could not be read, and the key it was under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadValue {
    pub line: usize,
    /// The key (normalised: lower case, long hive name).
    pub key: String,
    pub message: String,
}

impl RegExport {
    /// Parses one export file's bytes into this set (several files may be added in turn).
    pub fn add(&mut self, bytes: &[u8]) -> Result<(), RegError> {
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size > MAX_REG_FILE_BYTES {
            return Err(RegError::TooLarge(size));
        }
        let text = decode(bytes)?;
        self.add_text(&text)
    }

    /// The data of `name` under `key` (full path, any case; `@` or "" is the default value).
    pub fn value(&self, key: &str, name: &str) -> Option<&RegData> {
        let name = if name == "@" { "" } else { name };
        self.keys
            .get(&normalize_key(key))?
            .get(&name.to_ascii_lowercase())
    }

    /// Whether the key itself was exported (it may have no values).
    pub fn has_key(&self, key: &str) -> bool {
        self.keys.contains_key(&normalize_key(key))
    }

    /// Whether the key or any key under it was exported.
    pub fn has_key_under(&self, key: &str) -> bool {
        let key = normalize_key(key);
        let prefix = format!("{key}\\");
        self.keys
            .keys()
            .any(|k| *k == key || k.starts_with(&prefix))
    }

    /// Sets one value, as a section line and a value line would (the live registry on Windows
    /// fills a set this way).
    pub fn insert(&mut self, key: &str, name: &str, data: RegData) {
        let name = if name == "@" { "" } else { name };
        self.keys
            .entry(normalize_key(key))
            .or_default()
            .insert(name.to_ascii_lowercase(), data);
    }

    /// The value lines that were skipped because they could not be read, in file order.
    pub fn bad_values(&self) -> &[BadValue] {
        &self.bad
    }

    /// Marks a key as present (it may have no values).
    pub fn insert_key(&mut self, key: &str) {
        self.keys.entry(normalize_key(key)).or_default();
    }

    /// The number of keys read.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn add_text(&mut self, text: &str) -> Result<(), RegError> {
        let mut lines = logical_lines(text).into_iter();
        match lines.find(|(_, l)| !l.trim().is_empty()) {
            Some((_, first))
                if first.trim() == "Windows Registry Editor Version 5.00"
                    || first.trim() == "REGEDIT4" => {}
            _ => return Err(RegError::NoHeader),
        }
        let mut current: Option<String> = None;
        // Values under a deleted key (`[-...]`) are ignored, as regedit ignores them.
        let mut deleted = false;
        for (line_no, line) in lines {
            let line = line.trim();
            if line.is_empty() || line.starts_with(';') {
                continue;
            }
            let syntax = |message: String| RegError::Syntax {
                line: line_no,
                message,
            };
            if let Some(section) = line.strip_prefix('[') {
                let section = section
                    .strip_suffix(']')
                    .ok_or_else(|| syntax("a key line must end with ']'".into()))?;
                if let Some(removed) = section.strip_prefix('-') {
                    let key = normalize_key(removed);
                    let prefix = format!("{key}\\");
                    self.keys
                        .retain(|k, _| *k != key && !k.starts_with(&prefix));
                    current = None;
                    deleted = true;
                } else {
                    if section.trim().is_empty() {
                        return Err(syntax("an empty key name".into()));
                    }
                    let key = normalize_key(section);
                    self.keys.entry(key.clone()).or_default();
                    current = Some(key);
                }
                continue;
            }
            let Some(key) = current.as_ref() else {
                if deleted {
                    continue;
                }
                return Err(syntax("a value before the first key".into()));
            };
            let parsed = parse_name(line).and_then(|(name, rest)| {
                let rest = rest
                    .trim_start()
                    .strip_prefix('=')
                    .ok_or_else(|| format!("expected '=' after the value name {name:?}"))?
                    .trim();
                if rest == "-" {
                    return Ok((name, None));
                }
                parse_data(rest).map(|d| (name, Some(d)))
            });
            let values = self.keys.entry(key.clone()).or_default();
            match parsed {
                Ok((name, None)) => {
                    values.remove(&name.to_ascii_lowercase());
                }
                Ok((name, Some(data))) => {
                    values.insert(name.to_ascii_lowercase(), data);
                }
                Err(message) => self.bad.push(BadValue {
                    line: line_no,
                    key: key.clone(),
                    message,
                }),
            }
        }
        Ok(())
    }
}

/// `HKEY_LOCAL_MACHINE\...` in one spelling: lower case, the short hive names expanded, no
/// trailing backslash.
fn normalize_key(key: &str) -> String {
    let key = key.trim().trim_end_matches('\\').to_ascii_lowercase();
    for (short, long) in [
        ("hklm\\", "hkey_local_machine\\"),
        ("hkcu\\", "hkey_current_user\\"),
    ] {
        if let Some(rest) = key.strip_prefix(short) {
            return format!("{long}{rest}");
        }
    }
    key
}

/// UTF-16LE with a BOM, or UTF-8 with or without one.
fn decode(bytes: &[u8]) -> Result<String, RegError> {
    if let Some(body) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = body
            .chunks(2)
            .map(|c| match c {
                [lo, hi] => u16::from_le_bytes([*lo, *hi]),
                // An odd trailing byte: a truncated file.
                _ => 0xFFFD,
            })
            .collect();
        // An unpaired surrogate (a damaged file) becomes U+FFFD where it is.
        return Ok(String::from_utf16_lossy(&units));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if body.contains(&0) {
        return Err(RegError::NotText);
    }
    // REGEDIT4 files are in the ANSI code page: a byte that is not UTF-8 (in a name or string
    // tlscheck does not read) becomes U+FFFD rather than rejecting the file.
    Ok(String::from_utf8_lossy(body).into_owned())
}

/// Lines with `\` continuations joined, each with the number of the line it starts on. Only a
/// hex list continues (`"name"=hex...:` and its bytes; a string may end in a backslash), and
/// whether one does is decided on its first line, so a long value costs linear time.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    let mut in_hex = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if current.is_empty() {
            start = i + 1;
            in_hex = false;
        }
        match line.trim_end().strip_suffix('\\') {
            Some(head) if in_hex || head.contains("=hex") => {
                in_hex = true;
                current.push_str(head.trim());
            }
            _ => {
                current.push_str(line.trim());
                out.push((start, std::mem::take(&mut current)));
            }
        }
    }
    if !current.is_empty() {
        out.push((start, current));
    }
    out
}

/// `"name"` (with `\\` and `\"` escapes) or `@`, and the rest of the line.
fn parse_name(line: &str) -> Result<(String, &str), String> {
    if let Some(rest) = line.strip_prefix('@') {
        return Ok((String::new(), rest));
    }
    let Some(body) = line.strip_prefix('"') else {
        return Err("a value line must start with a quoted name or @".into());
    };
    let (text, end) =
        quoted(body).ok_or_else(|| "the value name's quote is never closed".to_string())?;
    Ok((text, body.get(end..).unwrap_or_default()))
}

/// The text of a quoted string whose opening quote was just read, and the byte offset after
/// its closing quote.
fn quoted(body: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, i + 1)),
            '\\' => match chars.next() {
                Some((_, e)) => out.push(e),
                None => return None,
            },
            c => out.push(c),
        }
    }
    None
}

fn parse_data(rest: &str) -> Result<RegData, String> {
    if let Some(hex) = rest.strip_prefix("dword:") {
        let hex = hex.trim();
        if hex.is_empty() || hex.len() > 8 {
            return Err(format!("dword:{hex} is not 1 to 8 hexadecimal digits"));
        }
        return u32::from_str_radix(hex, 16)
            .map(RegData::Dword)
            .map_err(|_| format!("dword:{hex} is not hexadecimal"));
    }
    if let Some(body) = rest.strip_prefix('"') {
        let (text, end) =
            quoted(body).ok_or_else(|| "the string's quote is never closed".to_string())?;
        if !body.get(end..).unwrap_or_default().trim().is_empty() {
            return Err("text after the closing quote".into());
        }
        return Ok(RegData::String(text));
    }
    let (kind, list) = if let Some(list) = rest.strip_prefix("hex:") {
        (3, list)
    } else if let Some(typed) = rest.strip_prefix("hex(") {
        let (kind, list) = typed
            .split_once("):")
            .ok_or_else(|| "hex( without its closing '):'".to_string())?;
        let kind = u32::from_str_radix(kind, 16)
            .map_err(|_| format!("hex({kind}) is not a registry type number"))?;
        (kind, list)
    } else {
        return Err(format!(
            "unknown value data {:?} (expected dword:, a quoted string, hex: or hex(N):)",
            rest.chars().take(40).collect::<String>()
        ));
    };
    let bytes = list
        .split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| u8::from_str_radix(b, 16).map_err(|_| format!("{b:?} is not a hexadecimal byte")))
        .collect::<Result<Vec<u8>, String>>()?;
    // A QWORD of another length (regedit writes an empty one as `hex(b):`) stays binary.
    if kind == 0xb {
        if let Ok(arr) = <[u8; 8]>::try_from(bytes.as_slice()) {
            return Ok(RegData::Qword(u64::from_le_bytes(arr)));
        }
    }
    if kind == 4 {
        if let Ok(arr) = <[u8; 4]>::try_from(bytes.as_slice()) {
            return Ok(RegData::Dword(u32::from_le_bytes(arr)));
        }
    }
    Ok(RegData::Binary { kind, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TLS12: &str = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client";

    fn utf16le(text: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            out.extend_from_slice(&u.to_le_bytes());
        }
        out
    }

    const EXPORT: &str = "Windows Registry Editor Version 5.00\r\n\r\n\
[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client]\r\n\
\"DisabledByDefault\"=dword:00000000\r\n\
\"Enabled\"=dword:00000001\r\n\
\r\n\
[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319]\r\n\
\"SchUseStrongCrypto\"=hex(b):01,00,00,00,00,00,00,00\r\n\
\"InstallPath\"=\"C:\\\\Windows\\\\Microsoft.NET\\\\Framework64\\\\v4.0.30319\\\\\"\r\n\
\"Blob\"=hex:01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,16,17,\\\r\n\
  18,19,1a\r\n\
@=\"default\"\r\n";

    #[test]
    fn reads_utf16le_exports_as_reg_export_writes_them() {
        let mut r = RegExport::default();
        r.add(&utf16le(EXPORT)).unwrap();
        assert_eq!(r.value(TLS12, "Enabled"), Some(&RegData::Dword(1)));
        assert_eq!(
            r.value(TLS12, "DisabledByDefault"),
            Some(&RegData::Dword(0))
        );
        let net = "HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319";
        assert_eq!(
            r.value(net, "schusestrongcrypto")
                .and_then(RegData::as_number),
            Some(1)
        );
        assert_eq!(
            r.value(net, "InstallPath"),
            Some(&RegData::String(
                "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\".into()
            ))
        );
        match r.value(net, "Blob") {
            Some(RegData::Binary { kind: 3, bytes }) => assert_eq!(bytes.len(), 26),
            other => panic!("{other:?}"),
        }
        assert_eq!(r.value(net, "@"), Some(&RegData::String("default".into())));
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn reads_utf8_and_regedit4_and_any_case() {
        let mut r = RegExport::default();
        let text = EXPORT.replace("Windows Registry Editor Version 5.00", "REGEDIT4");
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(text.as_bytes());
        r.add(&bytes).unwrap();
        assert_eq!(
            r.value(&TLS12.to_ascii_uppercase(), "ENABLED"),
            Some(&RegData::Dword(1))
        );
        assert!(r.has_key(&TLS12.to_ascii_lowercase()));
    }

    #[test]
    fn later_files_override_and_deletions_apply() {
        let mut r = RegExport::default();
        r.add(EXPORT.as_bytes()).unwrap();
        let later = format!(
            "Windows Registry Editor Version 5.00\n[{TLS12}]\n\"Enabled\"=dword:0\n\"DisabledByDefault\"=-\n"
        );
        r.add(later.as_bytes()).unwrap();
        assert_eq!(r.value(TLS12, "Enabled"), Some(&RegData::Dword(0)));
        assert_eq!(r.value(TLS12, "DisabledByDefault"), None);
        let delete = "Windows Registry Editor Version 5.00\n[-HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL]\n";
        r.add(delete.as_bytes()).unwrap();
        assert!(!r.has_key(TLS12), "a deleted key takes its subkeys");
        assert!(r.has_key("HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319"));
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"hello world\n".to_vec(), "not a registry export"),
            (b"".to_vec(), "not a registry export"),
            (vec![0x00, 0x01, 0x02, 0xff], "not text"),
            (
                b"REGEDIT4\n\"x\"=dword:1\n".to_vec(),
                "before the first key",
            ),
            (b"REGEDIT4\n[HKLM\\X\n".to_vec(), "must end with ']'"),
        ];
        for (bytes, want) in cases {
            let e = RegExport::default().add(&bytes).unwrap_err().to_string();
            assert!(
                e.contains(want),
                "{:?}: {e}",
                String::from_utf8_lossy(&bytes)
            );
        }
        // A value line that cannot be read is skipped and kept with its key and line, so that
        // the caller can refuse it where it matters (a key it reads) and ignore it elsewhere.
        let skipped = [
            ("\"x\"=dword:123456789", "1 to 8"),
            ("\"x\"=dword:zz", "not hexadecimal"),
            ("\"x=dword:1", "never closed"),
            ("\"x\"=hex:0g", "hexadecimal byte"),
            ("\"x\"=qword:1", "unknown value data"),
            ("Enabled=1", "quoted name"),
        ];
        for (line, want) in skipped {
            let mut e = RegExport::default();
            e.add(format!("REGEDIT4\n[HKLM\\X]\n\"ok\"=dword:1\n{line}\n").as_bytes())
                .unwrap();
            let bad = e.bad_values();
            assert_eq!(bad.len(), 1, "{line}");
            assert_eq!(
                (bad[0].line, bad[0].key.as_str()),
                (4, "hkey_local_machine\\x")
            );
            assert!(bad[0].message.contains(want), "{line}: {}", bad[0].message);
            assert_eq!(e.value("HKLM\\X", "ok"), Some(&RegData::Dword(1)));
        }
    }

    /// What regedit writes or accepts and a strict reading would refuse.
    #[test]
    fn real_format_oddities_are_read() {
        let mut e = RegExport::default();
        let text = "REGEDIT4\n[HKLM\\X]\n\"wrapped\"=hex:\\\n  01,02,\\\n  03\n\"empty\"=hex(b):\n\"ansi\"=\"M\u{fffd}ller\"\n[-HKLM\\Y]\n\"ignored\"=dword:1\n[HKLM\\X]\n\"after\"=dword:2\n";
        let mut bytes = text.as_bytes().to_vec();
        // One ANSI byte (Windows-1252 u-umlaut) in a REGEDIT4 string.
        let at = text.find("M\u{fffd}").unwrap() + 1;
        bytes.splice(at..at + '\u{fffd}'.len_utf8(), [0xFC]);
        e.add(&bytes).unwrap();
        assert_eq!(e.bad_values(), &[]);
        assert_eq!(
            e.value("HKLM\\X", "wrapped"),
            Some(&RegData::Binary {
                kind: 3,
                bytes: vec![1, 2, 3]
            })
        );
        assert_eq!(
            e.value("HKLM\\X", "empty"),
            Some(&RegData::Binary {
                kind: 0xb,
                bytes: vec![]
            })
        );
        assert_eq!(e.value("HKLM\\X", "after"), Some(&RegData::Dword(2)));
        // An unpaired surrogate in UTF-16 does not reject the file.
        let mut units: Vec<u8> = vec![0xFF, 0xFE];
        for u in "REGEDIT4\r\n[HKLM\\X]\r\n\"n\"=\"".encode_utf16() {
            units.extend(u.to_le_bytes());
        }
        units.extend([0x00, 0xD8]);
        for u in "\"\r\n\"Enabled\"=dword:00000000\r\n".encode_utf16() {
            units.extend(u.to_le_bytes());
        }
        let mut e = RegExport::default();
        e.add(&units).unwrap();
        assert_eq!(e.value("HKLM\\X", "Enabled"), Some(&RegData::Dword(0)));
    }

    /// A hex value of megabytes over 200,000 lines is read (when each continuation rescanned
    /// the value so far, this took minutes: the test would not finish).
    #[test]
    fn a_long_wrapped_hex_value_is_read_quickly() {
        let mut text = String::from("REGEDIT4\n[HKLM\\X]\n\"big\"=hex:");
        for _ in 0..200_000 {
            text.push_str("00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,\\\n  ");
        }
        text.push_str("ff\n\"Enabled\"=dword:1\n");
        let mut e = RegExport::default();
        e.add(text.as_bytes()).unwrap();
        assert!(
            matches!(e.value("HKLM\\X", "big"), Some(RegData::Binary { bytes, .. }) if bytes.len() == 3_200_001)
        );
        assert_eq!(e.value("HKLM\\X", "Enabled"), Some(&RegData::Dword(1)));
    }

    #[test]
    fn a_truncated_utf16_file_and_a_huge_one_do_not_panic() {
        let whole = utf16le(EXPORT);
        let mut complete = RegExport::default();
        complete.add(&whole).unwrap();
        // Cut anywhere: an error, a skipped value or fewer keys, never a panic and never more.
        for cut in (2..whole.len()).step_by(7) {
            let mut e = RegExport::default();
            if e.add(&whole[..cut]).is_ok() {
                assert!(e.len() <= complete.len(), "cut at {cut}");
            }
        }
        let huge = vec![b'a'; usize::try_from(MAX_REG_FILE_BYTES).unwrap_or(0) + 1];
        assert!(matches!(
            RegExport::default().add(&huge),
            Err(RegError::TooLarge(_))
        ));
    }
}
