//! `tlscheck explain TEXT`: what an SMTP reply or a log line most likely means, which tlscheck
//! finding would confirm each cause, and the command to run.
//!
//! Known texts (the Exchange Online TLS errors among them) have specific explanations; anything
//! else gets a generic reading of its reply code (RFC 5321 §4.2) and enhanced status code
//! (RFC 3463). Never an error: an unknown text is answered as well as the codes allow.

use serde::Serialize;

use crate::finding::Code;
use crate::smtp::reply::{EnhancedCode, ReplyCode};

/// One likely cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    pub cause: String,
    /// Finding codes that would confirm it.
    pub confirmed_by: Vec<Code>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub input: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_code: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enhanced_code: Option<String>,
    /// What the text says, in plain words.
    pub meaning: String,
    pub causes: Vec<Cause>,
    /// What to run to find out which cause it is.
    pub commands: Vec<String>,
    /// Whether a specific explanation matched (false: a generic reading of the codes).
    pub known: bool,
}

struct Known {
    /// All of these (lower-case) must occur in the text.
    needles: &'static [&'static str],
    meaning: &'static str,
    causes: &'static [(&'static str, &'static [Code])],
    commands: &'static [&'static str],
}

const LEGACY_TLS: (&str, &[Code]) = (
    "The server accepts only TLS 1.0/1.1, which Exchange Online refuses: enable TLS 1.2 (on Windows: SCHANNEL\\Protocols\\TLS 1.2\\Server and \\Client, Enabled=1, DisabledByDefault=0, then restart).",
    &[Code::TlsLegacyOnly, Code::TlsBelowRequired],
);

const KNOWN: &[Known] = &[
    Known {
        needles: &["connection dropped due to socketerror"],
        meaning: "Exchange Online dropped the connection during or right after the TLS handshake (421 4.4.2: a transient network/routing failure).",
        causes: &[
            LEGACY_TLS,
            ("No cipher suite in common, often a server that offers no ECDHE (forward secrecy) suites.", &[Code::NoForwardSecrecy, Code::TlsHandshakeFailed]),
            ("A certificate problem on the server side of a connector that requires TLS (expired, wrong name, untrusted).", &[Code::CertExpired, Code::CertNameMismatch, Code::CertUntrusted, Code::ChainIncomplete]),
            ("A firewall or SMTP inspection device between the two sides breaks STARTTLS.", &[Code::SmtpProtocolError, Code::StarttlsNotOffered]),
        ],
        commands: &["tlscheck host YOUR.SERVER --require-tls 1.2", "tlscheck mx YOUR.DOMAIN --profile exchange-online -v"],
    },
    Known {
        needles: &["tls negotiation failed", "socketerror"],
        meaning: "The TLS handshake between Exchange Online and the other server failed at the socket level: the peer closed the connection instead of completing TLS.",
        causes: &[
            LEGACY_TLS,
            ("No cipher suite in common (no ECDHE suites, or only weak ones).", &[Code::NoForwardSecrecy, Code::TlsHandshakeFailed]),
            ("The server's certificate or key is unusable, so it aborts the handshake.", &[Code::TlsHandshakeFailed, Code::CertExpired]),
        ],
        commands: &["tlscheck host YOUR.SERVER --require-tls 1.2"],
    },
    Known {
        needles: &["must issue a starttls command first"],
        meaning: "The receiving server requires TLS and the sender tried to send mail without STARTTLS (RFC 3207 §4: 530; Exchange Online answers 451 5.7.3 for a connector that requires TLS).",
        causes: &[
            ("The sender could not negotiate TLS (for example it speaks only TLS 1.0/1.1) and fell back to plaintext.", &[Code::TlsLegacyOnly, Code::TlsHandshakeFailed]),
            ("STARTTLS is not offered, or stripped from EHLO by a firewall, so the sender never tried it.", &[Code::StarttlsNotOffered, Code::SmtpProtocolError]),
            ("The sender does not use TLS at all: enable opportunistic TLS on it (Postfix: smtp_tls_security_level = may).", &[]),
        ],
        commands: &["tlscheck host RECEIVING.SERVER -v", "tlscheck mx RECIPIENT.DOMAIN --require-tls 1.2"],
    },
    Known {
        needles: &["tls not available"],
        meaning: "The server advertises STARTTLS but cannot start TLS now (RFC 3207 §4: 454).",
        causes: &[
            ("The server's TLS configuration is broken: certificate or key missing, unreadable or not matching.", &[Code::StarttlsRefused]),
            ("A temporary resource problem on the server.", &[Code::StarttlsRefused]),
        ],
        commands: &["tlscheck host THE.SERVER -v"],
    },
    Known {
        needles: &["too many"],
        meaning: "The server is limiting connections from this client: a throttle, not a TLS problem.",
        causes: &[("Too many concurrent connections or messages from this address; retry later or lower the concurrency.", &[Code::SmtpThrottled])],
        commands: &["tlscheck host THE.SERVER --concurrency 1"],
    },
    Known {
        needles: &["certificate", "expired"],
        meaning: "A certificate in the chain has expired.",
        causes: &[("The server still presents an expired certificate on at least one address.", &[Code::CertExpired])],
        commands: &["tlscheck mx THE.DOMAIN"],
    },
];

/// Explains `text`.
pub fn explain(text: &str) -> Explanation {
    let input = text.trim().to_string();
    let (code, rest) = leading_code(&input);
    let enhanced = EnhancedCode::parse_prefix(rest.trim_start())
        .or_else(|| find_enhanced(&input))
        .map(|(e, _)| e)
        .filter(|e| code.is_none_or(|c| c.severity == e.class));
    let lower = input.to_ascii_lowercase();
    if let Some(k) = KNOWN
        .iter()
        .find(|k| k.needles.iter().all(|n| lower.contains(n)))
    {
        return Explanation {
            input,
            reply_code: code.map(ReplyCode::as_u16),
            enhanced_code: enhanced.map(|e| e.to_string()),
            meaning: k.meaning.to_string(),
            causes: k
                .causes
                .iter()
                .map(|(c, f)| Cause {
                    cause: c.to_string(),
                    confirmed_by: f.to_vec(),
                })
                .collect(),
            commands: k.commands.iter().map(|s| s.to_string()).collect(),
            known: true,
        };
    }
    let mut meaning = Vec::new();
    if let Some(c) = code {
        meaning.push(format!(
            "Reply {c}: {}; {}.",
            severity_text(c.severity),
            category_text(c.category)
        ));
    }
    if let Some(e) = enhanced {
        meaning.push(format!("Enhanced status {e}: {}.", enhanced_text(e)));
    }
    if meaning.is_empty() {
        meaning.push("No SMTP reply code or enhanced status code found in the text.".into());
    }
    let mut causes = Vec::new();
    let security = enhanced.is_some_and(|e| e.subject == 7);
    let network = enhanced.is_some_and(|e| e.subject == 4);
    if security || lower.contains("tls") || lower.contains("ssl") || lower.contains("starttls") {
        causes.push(Cause {
            cause: "A security or policy decision of the receiving server: relaying, authentication or a block list, or a TLS requirement the sender did not meet (the reply text says which).".into(),
            confirmed_by: vec![Code::StarttlsNotOffered, Code::StarttlsRefused, Code::TlsHandshakeFailed, Code::CertUntrusted],
        });
    }
    if network || code.is_some_and(|c| c.category == 2) {
        causes.push(Cause {
            cause:
                "A connection or routing problem (server down, port blocked, connection dropped)."
                    .into(),
            confirmed_by: vec![
                Code::ConnectFailed,
                Code::PortUnreachable,
                Code::SmtpTimeout,
            ],
        });
    }
    if causes.is_empty() {
        causes.push(Cause {
            cause: "Not a TLS-specific error as far as the text shows; read the reply text and the server's logs.".into(),
            confirmed_by: vec![],
        });
    }
    Explanation {
        input,
        reply_code: code.map(ReplyCode::as_u16),
        enhanced_code: enhanced.map(|e| e.to_string()),
        meaning: meaning.join(" "),
        causes,
        commands: vec!["tlscheck mx THE.DOMAIN -v".into()],
        known: false,
    }
}

/// A reply code at the start of the text (`451 ...`, `451-...`), and the text after it.
fn leading_code(s: &str) -> (Option<ReplyCode>, &str) {
    let digits: String = s.chars().take(3).collect();
    let sep_ok = matches!(s.chars().nth(3), None | Some(' ') | Some('-'));
    if digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()) && sep_ok {
        if let Some(code) = digits.parse().ok().and_then(ReplyCode::new) {
            return (Some(code), s.get(4..).unwrap_or(""));
        }
    }
    (None, s)
}

/// An enhanced status code anywhere in a log line.
fn find_enhanced(s: &str) -> Option<(EnhancedCode, &str)> {
    s.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ';' || c == ',')
        .find_map(|w| EnhancedCode::parse_prefix(w.trim_end_matches(['.', ':'])))
        .map(|(e, _)| (e, ""))
}

fn severity_text(s: u8) -> &'static str {
    match s {
        2 => "positive completion (success)",
        3 => "positive intermediate (send more)",
        4 => "transient failure (the sender retries)",
        5 => "permanent failure (the sender gives up and bounces)",
        _ => "unknown class",
    }
}

fn category_text(c: u8) -> &'static str {
    match c {
        0 => "about syntax",
        1 => "informational",
        2 => "about the connection",
        3 => "unspecified",
        4 => "unspecified",
        5 => "about the mail system",
        _ => "unknown category",
    }
}

/// RFC 3463 §3 subjects, and the details tlscheck users meet most.
fn enhanced_text(e: EnhancedCode) -> String {
    let class = match e.class {
        2 => "success",
        4 => "persistent transient failure",
        _ => "permanent failure",
    };
    let subject = match e.subject {
        0 => "other or undefined status",
        1 => "addressing",
        2 => "mailbox",
        3 => "mail system",
        4 => "network and routing",
        5 => "mail delivery protocol",
        6 => "message content or media",
        7 => "security or policy",
        _ => "unknown subject",
    };
    let detail = match (e.subject, e.detail) {
        (4, 1) => Some("no answer from host"),
        (4, 2) => Some("bad connection"),
        (4, 4) => Some("unable to route"),
        (4, 7) => Some("delivery time expired"),
        (5, 0) => Some("other protocol status"),
        (7, 0) => Some("other security status"),
        (7, 1) => Some("delivery not authorized, message refused"),
        (7, 5) => Some("cryptographic failure"),
        (7, 7) => Some("message integrity failure"),
        (7, 10) => Some("encryption needed (RFC 5248)"),
        _ => None,
    };
    match detail {
        Some(d) => format!("{class}, {subject}: {d}"),
        None => format!("{class}, {subject}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_online_errors_are_known() {
        for text in [
            "421 4.4.2 Connection dropped due to SocketError",
            "TLS negotiation failed with error SocketError",
            "451 5.7.3 Must issue a STARTTLS command first",
            "530 5.7.0 Must issue a STARTTLS command first",
            "454 4.7.0 TLS not available due to local problem",
            "421 4.7.0 Too many connections",
        ] {
            let e = explain(text);
            assert!(e.known, "{text}");
            assert!(!e.causes.is_empty() && !e.commands.is_empty());
        }
        let e = explain("421 4.4.2 Connection dropped due to SocketError");
        assert_eq!(e.reply_code, Some(421));
        assert_eq!(e.enhanced_code.as_deref(), Some("4.4.2"));
        assert!(e.causes[0].confirmed_by.contains(&Code::TlsLegacyOnly));
        assert!(e.causes[0].cause.contains("DisabledByDefault=0"));
    }

    #[test]
    fn mismatched_enhanced_class_is_not_taken() {
        // Exchange Online's 451 5.7.3: the 5.x.x is not a valid enhanced code for a 4xx reply.
        let e = explain("451 5.7.3 Must issue a STARTTLS command first");
        assert_eq!(e.reply_code, Some(451));
        assert_eq!(e.enhanced_code, None);
    }

    #[test]
    fn unknown_text_gets_a_generic_reading() {
        let e = explain("550 5.7.1 Client host rejected: access denied");
        assert!(!e.known);
        assert!(e.meaning.contains("permanent failure"), "{}", e.meaning);
        assert!(e.meaning.contains("security or policy"), "{}", e.meaning);
        let e = explain("hello world");
        assert!(!e.known);
        assert!(e.meaning.contains("No SMTP reply code"));
        let e = explain("status=deferred (host mx.example[192.0.2.1] said: 450 4.4.1 no answer)");
        assert_eq!(e.enhanced_code.as_deref(), Some("4.4.1"));
    }

    #[test]
    fn confirming_codes_are_written_as_finding_codes() {
        let e = explain("421 4.4.2 Connection dropped due to SocketError");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["causes"][0]["confirmed_by"][0], "tls-legacy-only");
    }
}
