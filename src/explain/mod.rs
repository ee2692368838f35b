//! `tlscheck explain TEXT` and `tlscheck explain -`: what an SMTP reply, a bounce or a log
//! excerpt most likely means, which tlscheck finding would confirm each cause, and the command to
//! run, filled with the host, address and domain the text names.
//!
//! Three passes over plain data: [`parse`] reads a line into its structured parts (the MTA and
//! its side, reply and enhanced codes, peer host, IP and port, recipient domain, the TLS
//! library's reason, Exchange's detail), [`knowledge`] picks the topic those parts are about, and
//! [`commands`] fills the topic's command templates with validated values. A line no topic
//! covers gets a generic reading of its reply code (RFC 5321 §4.2) and enhanced status code
//! (RFC 3463). Never an error: an unknown text is answered as well as the codes allow.
//!
//! The input is hostile and bounded: at most [`MAX_EXPLAIN_INPUT`] bytes are read, a line is cut
//! at [`MAX_EXPLAIN_LINE`] bytes (on a character boundary, with a note), and an excerpt lists at
//! most [`MAX_EXPLANATIONS`] distinct explanations. Nothing here indexes or unwraps input data.
//!
//! One line gives one [`Explanation`] (the JSON object `explain` has always written, with fields
//! added); several lines give an [`Excerpt`]: each relevant line explained once (identical
//! explanations counted, not repeated), lines that report no failure (`connect from`, a
//! delivered message) skipped, and the counts of both.

pub mod commands;
pub mod knowledge;
pub mod parse;
pub mod vocab;

use std::collections::HashMap;
use std::io::Read;
use std::net::IpAddr;

use serde::Serialize;

use crate::explain::commands::Cmd;
use crate::explain::knowledge::Topic;
use crate::explain::parse::Parsed;
use crate::explain::vocab::{Event, Mta, Side};
use crate::finding::Code;
use crate::limits::{MAX_EXPLAIN_INPUT, MAX_EXPLAIN_LINE, MAX_EXPLANATIONS};
use crate::smtp::reply::{EnhancedCode, ReplyCode};

/// How many lines before and after a line are searched for the same process's host and TLS
/// reason (Postfix logs `warning: TLS library problem: ...` and `SSL_accept error from
/// host[ip]` as two lines).
const NEIGHBOURHOOD: usize = 3;

/// One likely cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    pub cause: String,
    /// Finding codes that would confirm it.
    pub confirmed_by: Vec<Code>,
}

/// What one line means.
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
    /// The stable name of the specific explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<&'static str>,
    /// The software that wrote the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mta: Option<Mta>,
    /// Whether the logging server was sending or receiving.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    /// The other end of the connection (valid host names only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The recipient's domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The OpenSSL reason or certificate-verify string the line carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub openssl_reason: Option<String>,
    /// The GnuTLS error text the line carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gnutls_error: Option<&'static str>,
    /// Exchange's `[Message=...]` detail, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchange_detail: Option<String>,
    /// What was done to the input (a line cut at the length limit).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One explanation of an excerpt: the first line it explains, and how many lines it explains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExcerptItem {
    /// Line number (from 1) of the first line with this explanation.
    pub line: usize,
    /// Lines with this explanation.
    pub occurrences: usize,
    #[serde(flatten)]
    pub explanation: Explanation,
}

/// What a log excerpt of several lines means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excerpt {
    /// Non-blank lines read.
    pub lines_read: usize,
    /// Lines that got an explanation (specific or generic).
    pub lines_explained: usize,
    /// Lines that report no failure (`connect from`, a delivered message, a verified handshake).
    pub lines_skipped: usize,
    /// Lines cut at the line length limit.
    pub lines_cut: usize,
    /// Whether the input was longer than the limit and only its beginning was read.
    pub input_truncated: bool,
    /// Distinct explanations not listed because the excerpt had more than the limit.
    pub explanations_dropped: usize,
    pub explanations: Vec<ExcerptItem>,
}

/// What `explain` answers: one explanation for one line, an excerpt for several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    One(Box<Explanation>),
    Many(Excerpt),
}

/// The text to explain, bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub text: String,
    /// Whether the text was longer than [`MAX_EXPLAIN_INPUT`] and was cut.
    pub truncated: bool,
}

impl Input {
    /// `text` (a command-line argument), cut at [`MAX_EXPLAIN_INPUT`] bytes.
    pub fn new(text: &str) -> Self {
        let (kept, cut) = cut_at(text, MAX_EXPLAIN_INPUT);
        Self {
            text: kept.to_string(),
            truncated: cut,
        }
    }

    /// At most [`MAX_EXPLAIN_INPUT`] bytes of `r` (standard input); bytes that are not UTF-8
    /// become U+FFFD.
    pub fn read(r: &mut dyn Read) -> std::io::Result<Self> {
        let mut buf = Vec::new();
        let limit = u64::try_from(MAX_EXPLAIN_INPUT).unwrap_or(u64::MAX);
        r.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
        let over = buf.len() > MAX_EXPLAIN_INPUT;
        buf.truncate(MAX_EXPLAIN_INPUT);
        let text = String::from_utf8_lossy(&buf);
        let (kept, cut) = cut_at(&text, MAX_EXPLAIN_INPUT);
        Ok(Self {
            text: kept.to_string(),
            truncated: over || cut,
        })
    }

    /// Whether there is nothing but white space to explain.
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// `s` cut to at most `max` bytes on a character boundary, and whether it was cut.
fn cut_at(s: &str, max: usize) -> (&str, bool) {
    if s.len() <= max {
        return (s, false);
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    (s.get(..end).unwrap_or_default(), true)
}

/// Explains one reply or log line.
pub fn explain(text: &str) -> Explanation {
    let (line, cut) = cut_at(text.trim(), MAX_EXPLAIN_LINE);
    explain_parsed(line, &parse::parse(line), cut)
}

/// Explains a reply, a log line, or an excerpt of several lines.
pub fn explain_input(input: &Input) -> Outcome {
    let lines: Vec<(usize, &str)> = input
        .text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    if let [(_, only)] = lines.as_slice() {
        let mut e = explain(only);
        if input.truncated {
            e.notes.push(truncated_note());
        }
        return Outcome::One(Box::new(e));
    }
    Outcome::Many(excerpt(&lines, input.truncated))
}

fn truncated_note() -> String {
    format!(
        "the input was longer than {} bytes; only its beginning was read",
        MAX_EXPLAIN_INPUT
    )
}

fn excerpt(lines: &[(usize, &str)], truncated: bool) -> Excerpt {
    let cut: Vec<(usize, &str, bool)> = lines
        .iter()
        .map(|(n, l)| {
            let (kept, was_cut) = cut_at(l, MAX_EXPLAIN_LINE);
            (*n, kept, was_cut)
        })
        .collect();
    let mut parsed: Vec<Parsed> = cut.iter().map(|(_, l, _)| parse::parse(l)).collect();
    inherit_from_neighbours(&mut parsed);
    let mut out = Excerpt {
        lines_read: lines.len(),
        lines_explained: 0,
        lines_skipped: 0,
        lines_cut: cut.iter().filter(|(_, _, c)| *c).count(),
        input_truncated: truncated,
        explanations_dropped: 0,
        explanations: Vec::new(),
    };
    let mut seen: HashMap<(String, Vec<String>), usize> = HashMap::new();
    for ((number, line, was_cut), p) in cut.iter().zip(&parsed) {
        if !relevant(p) {
            out.lines_skipped += 1;
            continue;
        }
        out.lines_explained += 1;
        let e = explain_parsed(line, p, *was_cut);
        let key = (
            e.topic.map_or_else(|| e.meaning.clone(), str::to_string),
            e.commands.clone(),
        );
        if let Some(&i) = seen.get(&key) {
            if let Some(item) = out.explanations.get_mut(i) {
                item.occurrences += 1;
            }
        } else if out.explanations.len() < MAX_EXPLANATIONS {
            seen.insert(key, out.explanations.len());
            out.explanations.push(ExcerptItem {
                line: *number,
                occurrences: 1,
                explanation: e,
            });
        } else {
            out.explanations_dropped += 1;
        }
    }
    out
}

/// A line of an excerpt is explained when a topic covers it, or when it carries a failure code
/// or a TLS library reason; session chatter and successes are skipped.
fn relevant(p: &Parsed) -> bool {
    if knowledge::lookup(p).is_some() {
        return true;
    }
    if p.has(Event::Routine) {
        return false;
    }
    let failed_reply = p.reply.is_some_and(|c| c.severity >= 4);
    let failed_status = p.enhanced.is_some_and(|e| e.class >= 4);
    failed_reply || failed_status || p.raw_reason.is_some()
}

/// Fills what a line lacks from a nearby line of the same process: the peer (a `TLS library
/// problem` line names none), and the TLS reason of a bare `SSL_accept error` or `lost connection
/// after STARTTLS`.
fn inherit_from_neighbours(parsed: &mut [Parsed]) {
    let original = parsed.to_vec();
    for (i, p) in parsed.iter_mut().enumerate() {
        let Some(tag) = p.process.clone() else {
            continue;
        };
        let near: Vec<&Parsed> = (1..=NEIGHBOURHOOD)
            .flat_map(|d| [i.checked_sub(d), i.checked_add(d)])
            .flatten()
            .filter_map(|j| original.get(j))
            .filter(|q| q.process.as_deref() == Some(tag.as_str()))
            .collect();
        if p.host.is_none() && p.ip.is_none() {
            if let Some(q) = near.iter().find(|q| q.host.is_some() || q.ip.is_some()) {
                p.host = q.host.clone();
                p.ip = q.ip;
                p.port = q.port;
            }
        }
        let bare_failure = p.has(Event::HandshakeError) || p.has(Event::LostAfterStarttls);
        if p.reason.is_none() && bare_failure {
            if let Some(q) = near.iter().find(|q| q.reason.is_some()) {
                p.reason = q.reason;
            }
        }
    }
}

/// The explanation of `line`, parsed as `p`.
fn explain_parsed(line: &str, p: &Parsed, cut: bool) -> Explanation {
    let mut notes = Vec::new();
    if cut {
        notes.push(format!(
            "the line was longer than {MAX_EXPLAIN_LINE} bytes; only its first {MAX_EXPLAIN_LINE} bytes were read"
        ));
    }
    let (meaning, causes, commands, topic) = match knowledge::lookup(p) {
        Some(t) => specific(t, p),
        None => generic(p),
    };
    let reason = p.reason;
    Explanation {
        input: line.to_string(),
        reply_code: p.reply.map(ReplyCode::as_u16),
        enhanced_code: p.enhanced.map(|e| e.to_string()),
        meaning,
        causes,
        commands,
        known: topic.is_some(),
        topic,
        mta: p.mta,
        side: p.side,
        host: p.host.as_ref().map(|h| h.as_str().to_string()),
        ip: p.ip,
        port: p.port,
        domain: p.domain.as_ref().map(|d| d.as_str().to_string()),
        openssl_reason: reason
            .filter(|r| !r.is_gnutls())
            .map(|r| r.as_str().to_string())
            .or_else(|| p.raw_reason.clone()),
        gnutls_error: reason.filter(|r| r.is_gnutls()).map(|r| r.as_str()),
        exchange_detail: p.exchange_text.clone(),
        notes,
    }
}

type Parts = (String, Vec<Cause>, Vec<String>, Option<&'static str>);

fn specific(t: &'static Topic, p: &Parsed) -> Parts {
    let causes = t
        .causes
        .iter()
        .map(|(c, f)| Cause {
            cause: c.to_string(),
            confirmed_by: f.to_vec(),
        })
        .collect();
    (
        t.meaning.to_string(),
        causes,
        commands::render(t.commands, p),
        Some(t.id),
    )
}

/// A reading of the codes alone.
fn generic(p: &Parsed) -> Parts {
    let mut meaning = Vec::new();
    if let Some(c) = p.reply {
        meaning.push(format!(
            "Reply {c}: {}; {}.",
            severity_text(c.severity),
            category_text(c.category)
        ));
    }
    if let Some(e) = p.enhanced {
        meaning.push(format!("Enhanced status {e}: {}.", enhanced_text(e)));
    }
    if p.raw_reason.is_some() {
        meaning.push(
            "The TLS library gave a reason (shown as the OpenSSL reason) that tlscheck has no entry for.".into(),
        );
    }
    if meaning.is_empty() {
        meaning.push("No SMTP reply code or enhanced status code found in the text.".into());
    }
    let mut causes = Vec::new();
    let security = p.enhanced.is_some_and(|e| e.subject == 7);
    let network = p.enhanced.is_some_and(|e| e.subject == 4);
    let tls_words = p.reason.is_some()
        || p.raw_reason.is_some()
        || p.has(Event::HandshakeError)
        || p.has(Event::TlsEstablished);
    if security || tls_words {
        causes.push(Cause {
            cause: "A security or policy decision of the receiving server: relaying, authentication or a block list, or a TLS requirement the sender did not meet (the reply text says which).".into(),
            confirmed_by: vec![Code::StarttlsNotOffered, Code::StarttlsRefused, Code::TlsHandshakeFailed, Code::CertUntrusted],
        });
    }
    if network || p.reply.is_some_and(|c| c.category == 2) {
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
    let commands = commands::render(&[Cmd::Host("-v"), Cmd::Mx("-v")], p);
    (meaning.join(" "), causes, commands, None)
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
        assert_eq!(
            e.commands[0],
            "tlscheck host YOUR.SERVER --sender exchange-online"
        );
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
        assert_eq!(e.commands, ["tlscheck host mx.example -v"]);
    }

    #[test]
    fn confirming_codes_are_written_as_finding_codes() {
        let e = explain("421 4.4.2 Connection dropped due to SocketError");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["causes"][0]["confirmed_by"][0], "tls-legacy-only");
        assert_eq!(json["topic"], "exchange-connection-dropped");
        assert_eq!(json["mta"], "exchange-online");
        assert_eq!(json["side"], "sending");
    }

    #[test]
    fn the_three_texts_of_the_issue() {
        let e = explain("Jun 10 10:00:01 mail postfix/smtp[1234]: 4Bx1y2Z3: to=<alice@contoso.com>, relay=mx1.contoso.com[192.0.2.10]:25, delay=1.2, delays=0.1/0/1/0, dsn=4.7.5, status=deferred (Server certificate not verified)");
        assert_eq!(e.topic, Some("certificate-not-verified"));
        assert_eq!(e.commands[0], "tlscheck host mx1.contoso.com");
        let e = explain("Reason: [{LED=450 4.4.317 Cannot connect to remote server [Message=SubjectMismatch] [LastAttemptedServerName=mx1.contoso.com] [LastAttemptedIP=192.0.2.10:25]}]");
        assert_eq!(e.topic, Some("certificate-name-mismatch"));
        assert_eq!(
            e.commands[0],
            "tlscheck host mx1.contoso.com --sender exchange-online"
        );
        let e = explain("2026-05-10 10:00:01 TLS error on connection from mail.fabrikam.com [198.51.100.7]:41234 (gnutls_handshake): The TLS connection was non-properly terminated.");
        assert_eq!(e.topic, Some("closed-during-handshake-inbound"));
        assert_eq!(
            e.gnutls_error,
            Some("The TLS connection was non-properly terminated.")
        );
    }

    #[test]
    fn long_lines_are_cut_on_a_character_boundary() {
        let long = format!(
            "421 4.7.0 Too many connections {}",
            "é".repeat(MAX_EXPLAIN_LINE)
        );
        let e = explain(&long);
        assert!(e.input.len() <= MAX_EXPLAIN_LINE);
        assert!(e.known);
        assert_eq!(e.notes.len(), 1, "{:?}", e.notes);
    }

    #[test]
    fn excerpts_explain_each_relevant_line_once() {
        let log = "\
Jun 10 10:00:01 mail postfix/smtpd[2345]: connect from unknown[203.0.113.5]
Jun 10 10:00:01 mail postfix/smtpd[2345]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1657:
Jun 10 10:00:01 mail postfix/smtpd[2345]: SSL_accept error from unknown[203.0.113.5]: -1
Jun 10 10:00:01 mail postfix/smtpd[2345]: lost connection after STARTTLS from unknown[203.0.113.5]
Jun 10 10:00:01 mail postfix/smtpd[2345]: disconnect from unknown[203.0.113.5] ehlo=1 starttls=0/1 commands=1/2

Jun 10 10:05:00 mail postfix/smtp[3456]: 4Bx1y2Z3: to=<alice@contoso.com>, relay=mx1.contoso.com[192.0.2.10]:25, dsn=2.0.0, status=sent (250 2.0.0 Ok)
Jun 10 10:06:00 mail postfix/smtp[3456]: 4Bx1y2Z4: to=<bob@fabrikam.com>, relay=mx.fabrikam.com[198.51.100.7]:25, dsn=4.7.5, status=deferred (Server certificate not verified)
Jun 10 10:07:00 mail postfix/smtp[3456]: 4Bx1y2Z5: to=<carol@fabrikam.com>, relay=mx.fabrikam.com[198.51.100.7]:25, dsn=4.7.5, status=deferred (Server certificate not verified)
";
        let Outcome::Many(x) = explain_input(&Input::new(log)) else {
            panic!("an excerpt");
        };
        assert_eq!(x.lines_read, 8);
        assert_eq!(x.lines_explained, 5, "{x:#?}");
        assert_eq!(x.lines_skipped, 3);
        let topics: Vec<_> = x
            .explanations
            .iter()
            .map(|i| (i.line, i.occurrences, i.explanation.topic))
            .collect();
        assert_eq!(
            topics,
            [
                (2, 3, Some("no-common-tls-version-inbound")),
                (8, 2, Some("certificate-not-verified")),
            ]
        );
    }

    #[test]
    fn one_line_is_one_explanation() {
        assert!(matches!(
            explain_input(&Input::new("\n  421 4.7.0 Too many connections \n\n")),
            Outcome::One(e) if e.known
        ));
    }

    #[test]
    fn input_is_bounded() {
        let big = "x".repeat(MAX_EXPLAIN_INPUT + 10);
        let input = Input::read(&mut big.as_bytes()).unwrap();
        assert!(input.truncated);
        assert_eq!(input.text.len(), MAX_EXPLAIN_INPUT);
        let input = Input::read(&mut &b"\xff\xfe 421 4.7.0 Too many connections"[..]).unwrap();
        assert!(!input.truncated);
        assert!(input.text.contains('\u{fffd}'));
    }
}
