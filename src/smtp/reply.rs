//! SMTP replies (RFC 5321 §4.2) and enhanced status codes (RFC 3463), and a pure, bounded parser.
//!
//! A reply is one or more lines `DDD-text` ending with a line `DDD text` (or a bare `DDD`). The
//! parser is fed whole lines (without CRLF) by [`crate::smtp::stream`], which enforces the byte and
//! line limits; this module checks the syntax and the reply-code consistency between lines.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::limits::{MAX_REPLY_BYTES, MAX_REPLY_LINES};

/// The three digits of a reply code (RFC 5321 §4.2.1): severity, category, detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplyCode {
    /// 2 positive completion, 3 intermediate, 4 transient negative, 5 permanent negative.
    pub severity: u8,
    /// 0 syntax, 1 information, 2 connections, 5 mail system.
    pub category: u8,
    pub detail: u8,
}

impl ReplyCode {
    pub fn new(code: u16) -> Option<Self> {
        if !(200..=599).contains(&code) {
            return None;
        }
        let category = ((code / 10) % 10) as u8;
        if category > 5 {
            return None;
        }
        Some(Self {
            severity: (code / 100) as u8,
            category,
            detail: (code % 10) as u8,
        })
    }

    pub fn as_u16(self) -> u16 {
        u16::from(self.severity) * 100 + u16::from(self.category) * 10 + u16::from(self.detail)
    }

    pub fn is_positive(self) -> bool {
        self.severity == 2 || self.severity == 3
    }

    pub fn is_transient_failure(self) -> bool {
        self.severity == 4
    }

    pub fn is_permanent_failure(self) -> bool {
        self.severity == 5
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_u16())
    }
}

/// An enhanced mail system status code `class.subject.detail` (RFC 3463 §2), e.g. `4.7.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedCode {
    pub class: u8,
    pub subject: u16,
    pub detail: u16,
}

impl EnhancedCode {
    /// Parses the enhanced code at the start of `text` (class 2, 4 or 5; subject and detail of at
    /// most three digits, RFC 3463 §2). Returns the code and the remaining text.
    pub fn parse_prefix(text: &str) -> Option<(Self, &str)> {
        let (token, rest) = match text.split_once(' ') {
            Some((token, rest)) => (token, rest.trim_start()),
            None => (text, ""),
        };
        let mut parts = token.split('.');
        let class = parts.next()?;
        let subject = parts.next()?;
        let detail = parts.next()?;
        if parts.next().is_some() {
            return None;
        }
        let num = |s: &str| -> Option<u16> {
            if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let class = match class {
            "2" => 2,
            "4" => 4,
            "5" => 5,
            _ => return None,
        };
        Some((
            Self {
                class,
                subject: num(subject)?,
                detail: num(detail)?,
            },
            rest,
        ))
    }
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// A complete SMTP reply: its code and the text of each line (code and separator removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: ReplyCode,
    /// The enhanced status code of the first line, when the server sent one.
    pub enhanced: Option<EnhancedCode>,
    pub lines: Vec<String>,
}

impl Reply {
    /// All lines joined by a space, for messages.
    pub fn text(&self) -> String {
        self.lines.join(" ")
    }

    /// The reply as it went over the wire, CRLF-separated lines (used in tests and transcripts).
    pub fn to_wire(&self) -> String {
        let mut out = String::new();
        let n = self.lines.len();
        for (i, line) in self.lines.iter().enumerate() {
            let sep = if i + 1 == n { ' ' } else { '-' };
            out.push_str(&format!("{}{}{}\r\n", self.code, sep, line));
        }
        if n == 0 {
            out.push_str(&format!("{}\r\n", self.code));
        }
        out
    }

    /// A 421 (service closing) or any reply whose text says the server is refusing us for load:
    /// a throttle, never a missing feature.
    pub fn is_throttle(&self) -> bool {
        if self.code.as_u16() == 421 {
            return true;
        }
        let text = self.text().to_ascii_lowercase();
        self.code.is_transient_failure()
            && [
                "too many connections",
                "too many concurrent",
                "rate limit",
                "try again later",
                "throttl",
            ]
            .iter()
            .any(|p| text.contains(p))
    }
}

/// Why a reply could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("reply line does not start with a three-digit code: {0:?}")]
    BadCode(String),
    #[error("reply line has {0:?} after the code, expected '-' or ' '")]
    BadSeparator(char),
    #[error("reply code changed within a multi-line reply ({first} then {next})")]
    MixedCodes { first: u16, next: u16 },
    #[error("reply has more than {MAX_REPLY_LINES} lines")]
    TooManyLines,
    #[error("reply is longer than {MAX_REPLY_BYTES} bytes")]
    TooLong,
}

/// Incremental parser: feed lines until it returns a complete [`Reply`].
#[derive(Debug, Default)]
pub struct ReplyParser {
    code: Option<ReplyCode>,
    lines: Vec<String>,
    bytes: usize,
}

impl ReplyParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one line (without CRLF). Returns `Ok(Some(reply))` when the line ended the reply.
    pub fn push_line(&mut self, line: &str) -> Result<Option<Reply>, ReplyError> {
        self.bytes = self.bytes.saturating_add(line.len() + 2);
        if self.bytes > MAX_REPLY_BYTES {
            return Err(ReplyError::TooLong);
        }
        if self.lines.len() >= MAX_REPLY_LINES {
            return Err(ReplyError::TooManyLines);
        }
        let (code, last, text) = parse_line(line)?;
        if let Some(first) = self.code {
            if first != code {
                return Err(ReplyError::MixedCodes {
                    first: first.as_u16(),
                    next: code.as_u16(),
                });
            }
        }
        self.code = Some(code);
        self.lines.push(text.to_string());
        if !last {
            return Ok(None);
        }
        let lines = std::mem::take(&mut self.lines);
        self.code = None;
        self.bytes = 0;
        let enhanced = lines
            .first()
            .and_then(|l| EnhancedCode::parse_prefix(l))
            .map(|(e, _)| e);
        // RFC 3463 §3: an enhanced code whose class differs from the reply code's is not one.
        let enhanced = enhanced.filter(|e| e.class == code.severity);
        Ok(Some(Reply {
            code,
            enhanced,
            lines,
        }))
    }
}

/// Splits `DDD-text` / `DDD text` / `DDD` into (code, is_last_line, text).
fn parse_line(line: &str) -> Result<(ReplyCode, bool, &str), ReplyError> {
    let bytes = line.as_bytes();
    let digits = bytes
        .get(..3)
        .filter(|d| d.iter().all(|b| b.is_ascii_digit()));
    let Some(digits) = digits else {
        return Err(ReplyError::BadCode(line.chars().take(40).collect()));
    };
    let code = digits
        .iter()
        .fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'));
    let code =
        ReplyCode::new(code).ok_or_else(|| ReplyError::BadCode(line.chars().take(40).collect()))?;
    match bytes.get(3) {
        None => Ok((code, true, "")),
        Some(b' ') => Ok((code, true, line.get(4..).unwrap_or(""))),
        Some(b'-') => Ok((code, false, line.get(4..).unwrap_or(""))),
        Some(_) => {
            let c = line.get(3..).and_then(|s| s.chars().next()).unwrap_or('?');
            Err(ReplyError::BadSeparator(c))
        }
    }
}

/// The serialisable form of a reply kept in reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReplySummary {
    /// The three-digit reply code (RFC 5321 §4.2).
    pub code: u16,
    /// The enhanced status code (RFC 3463), e.g. `4.7.0`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub enhanced: Option<String>,
    /// The text of each line, without the code and separator.
    pub lines: Vec<String>,
}

impl From<&Reply> for ReplySummary {
    fn from(r: &Reply) -> Self {
        Self {
            code: r.code.as_u16(),
            enhanced: r.enhanced.map(|e| e.to_string()),
            lines: r.lines.clone(),
        }
    }
}

impl ReplySummary {
    pub fn text(&self) -> String {
        let body = self.lines.join(" ");
        format!("{} {}", self.code, body).trim_end().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(lines: &[&str]) -> Result<Option<Reply>, ReplyError> {
        let mut p = ReplyParser::new();
        let mut out = None;
        for l in lines {
            out = p.push_line(l)?;
        }
        Ok(out)
    }

    #[test]
    fn single_line_reply_with_enhanced_code() {
        let r = parse_all(&["250 2.0.0 OK"]).unwrap().unwrap();
        assert_eq!(r.code.as_u16(), 250);
        assert_eq!(r.enhanced.unwrap().to_string(), "2.0.0");
        assert_eq!(r.lines, vec!["2.0.0 OK"]);
    }

    #[test]
    fn multi_line_reply_completes_on_space_line() {
        let mut p = ReplyParser::new();
        assert_eq!(p.push_line("250-mx.example Hello").unwrap(), None);
        assert_eq!(p.push_line("250-STARTTLS").unwrap(), None);
        let r = p.push_line("250 SIZE 100").unwrap().unwrap();
        assert_eq!(r.lines, vec!["mx.example Hello", "STARTTLS", "SIZE 100"]);
        assert!(r.enhanced.is_none());
    }

    #[test]
    fn bare_code_is_a_complete_reply() {
        let r = parse_all(&["220"]).unwrap().unwrap();
        assert_eq!(r.code.as_u16(), 220);
        assert_eq!(r.lines, vec![""]);
    }

    #[test]
    fn rejects_non_digit_codes_and_out_of_range() {
        assert!(matches!(
            parse_all(&["2x0 hi"]),
            Err(ReplyError::BadCode(_))
        ));
        assert!(matches!(parse_all(&["25"]), Err(ReplyError::BadCode(_))));
        assert!(matches!(
            parse_all(&["199 hi"]),
            Err(ReplyError::BadCode(_))
        ));
        assert!(matches!(
            parse_all(&["600 hi"]),
            Err(ReplyError::BadCode(_))
        ));
        assert!(matches!(
            parse_all(&["270 hi"]),
            Err(ReplyError::BadCode(_))
        ));
        assert!(matches!(
            parse_all(&["250_hi"]),
            Err(ReplyError::BadSeparator('_'))
        ));
        assert!(matches!(parse_all(&["é50 x"]), Err(ReplyError::BadCode(_))));
    }

    #[test]
    fn mixed_codes_are_an_error() {
        assert_eq!(
            parse_all(&["250-a", "251 b"]),
            Err(ReplyError::MixedCodes {
                first: 250,
                next: 251
            })
        );
    }

    #[test]
    fn too_many_lines_is_an_error() {
        let mut p = ReplyParser::new();
        let mut err = None;
        for _ in 0..=MAX_REPLY_LINES {
            if let Err(e) = p.push_line("250-x") {
                err = Some(e);
                break;
            }
        }
        assert_eq!(err, Some(ReplyError::TooManyLines));
    }

    #[test]
    fn too_many_bytes_is_an_error() {
        let mut p = ReplyParser::new();
        let line = format!("250-{}", "a".repeat(4000));
        let mut err = None;
        for _ in 0..MAX_REPLY_LINES {
            if let Err(e) = p.push_line(&line) {
                err = Some(e);
                break;
            }
        }
        assert_eq!(err, Some(ReplyError::TooLong));
    }

    #[test]
    fn enhanced_code_class_must_match_reply() {
        let r = parse_all(&["451 5.7.3 Must issue a STARTTLS command first"])
            .unwrap()
            .unwrap();
        assert_eq!(
            r.enhanced, None,
            "class 5 on a 4xx reply is not an enhanced code"
        );
        let r = parse_all(&["530 5.7.0 Must issue a STARTTLS command first"])
            .unwrap()
            .unwrap();
        assert_eq!(r.enhanced.unwrap().to_string(), "5.7.0");
    }

    #[test]
    fn enhanced_code_parser_bounds() {
        assert!(EnhancedCode::parse_prefix("4.4.2 Connection dropped").is_some());
        assert!(EnhancedCode::parse_prefix("3.1.1 x").is_none());
        assert!(EnhancedCode::parse_prefix("4.1234.1 x").is_none());
        assert!(EnhancedCode::parse_prefix("4.1.1.1 x").is_none());
        assert!(EnhancedCode::parse_prefix("4..1 x").is_none());
    }

    #[test]
    fn throttle_detection() {
        let r = parse_all(&["421 4.7.0 Too many connections"])
            .unwrap()
            .unwrap();
        assert!(r.is_throttle());
        let r = parse_all(&["450 4.7.1 Too many concurrent SMTP connections"])
            .unwrap()
            .unwrap();
        assert!(r.is_throttle());
        let r = parse_all(&["454 4.7.0 TLS not available"])
            .unwrap()
            .unwrap();
        assert!(!r.is_throttle());
    }

    #[test]
    fn wire_round_trip() {
        let r = parse_all(&["250-a b", "250-c", "250 d"]).unwrap().unwrap();
        let wire = r.to_wire();
        let lines: Vec<&str> = wire.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(parse_all(&lines).unwrap().unwrap(), r);
    }
}
