//! One log line or reply text -> its structured parts: which MTA wrote it and from which end of
//! the connection, the reply code (RFC 5321 §4.2) and enhanced status code (RFC 3463), the peer's
//! host name, address and port, the recipient domain, the TLS library's reason, Exchange's
//! `[Message=...]` detail, an RFC 8460 result type, the events it reports and a negotiated TLS
//! version.
//!
//! The line is hostile: every value is found by bounded scans of it (no regular expressions, no
//! backtracking), nothing indexes or slices it unchecked, and a host name, domain or address is
//! kept only when it is valid by syntax ([`HostName`], [`IpAddr`]), so what reaches a suggested
//! command can only be letters, digits, dots, hyphens and colons.

use std::net::IpAddr;

use crate::explain::vocab::{
    all_in, first_in, Event, ExchangeDetail, Mta, ResultType, Side, TlsReason, EVENT_SPELLINGS,
    EXCHANGE_SPELLINGS, MTA_MARKS, REASON_SPELLINGS, RESULT_TYPE_SPELLINGS, SIDE_MARKS,
};
use crate::smtp::reply::{EnhancedCode, ReplyCode};
use crate::vocab::TlsVersion;

/// Longest raw text kept from the line (an unknown OpenSSL reason, an Exchange detail).
const MAX_KEPT_TEXT: usize = 200;

/// A DNS host name valid by syntax: at least two labels of ASCII letters, digits and inner
/// hyphens (international names in their `xn--` form), at most 63 bytes each and 253 in all, the
/// last label not all digits; lower case, without the trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostName(String);

impl HostName {
    /// `s` as a host name, if it is one.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.strip_suffix('.').unwrap_or(s).to_ascii_lowercase();
        if s.is_empty() || s.len() > 253 {
            return None;
        }
        let labels: Vec<&str> = s.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        let last_is_name = labels
            .last()
            .is_some_and(|l| !l.bytes().all(|b| b.is_ascii_digit()));
        (labels.len() >= 2 && labels.iter().all(label_ok) && last_is_name).then_some(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the name ends with one of `suffixes` (each starting with a dot).
    pub fn ends_with_any(&self, suffixes: &[&str]) -> bool {
        suffixes.iter().any(|s| self.0.ends_with(s))
    }
}

/// What [`parse`] found in a line. Every field is optional: a text names what it names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub mta: Option<Mta>,
    pub side: Option<Side>,
    /// The syslog tag of the process (`postfix/smtpd[2345]`), which ties lines of one session.
    pub process: Option<String>,
    pub reply: Option<ReplyCode>,
    pub enhanced: Option<EnhancedCode>,
    /// The other end of the connection: the server delivered to, or the client that connected.
    pub host: Option<HostName>,
    pub ip: Option<IpAddr>,
    pub port: Option<u16>,
    /// The recipient's domain (`to=<alice@contoso.com>`).
    pub domain: Option<HostName>,
    /// The logging server's own name from the syslog prefix, when it is fully qualified.
    pub own_host: Option<HostName>,
    pub reason: Option<TlsReason>,
    /// An OpenSSL reason string (`error:...:reason:`) that is not one of [`TlsReason`].
    pub raw_reason: Option<String>,
    pub exchange: Option<ExchangeDetail>,
    /// Exchange's detail as written (`SubjectMismatch`, `451 5.7.3 STARTTLS is required ...`).
    pub exchange_text: Option<String>,
    pub result_type: Option<ResultType>,
    pub events: Vec<Event>,
    /// The TLS version of a completed handshake the line reports.
    pub version: Option<TlsVersion>,
}

impl Parsed {
    pub fn has(&self, e: Event) -> bool {
        self.events.contains(&e)
    }
}

/// The structured parts of one line.
pub fn parse(line: &str) -> Parsed {
    // ASCII lower-casing keeps every byte offset, so a position found in `lower` is the same
    // position in `line`.
    let lower = line.to_ascii_lowercase();
    let (reply, enhanced) = codes(line);
    let mut mta = first_in(MTA_MARKS, &lower);
    if mta.is_none() && enhanced.is_some_and(is_exchange_online_code) {
        mta = Some(Mta::ExchangeOnline);
    }
    let side = first_in(SIDE_MARKS, &lower).or(match mta {
        Some(Mta::ExchangeOnline | Mta::ExchangeServer | Mta::Gmail) => Some(Side::Sending),
        _ => None,
    });
    let reason = first_in(REASON_SPELLINGS, &lower);
    let raw_reason = if reason.is_none() {
        openssl_reason(line, &lower)
    } else {
        None
    };
    let exchange_text = exchange_detail(line, &lower);
    let exchange = exchange_text
        .as_deref()
        .and_then(|t| first_in(EXCHANGE_SPELLINGS, &t.to_ascii_lowercase()));
    let (process, own_host) = syslog_prefix(line);
    let (host, ip, port) = peer(line, &lower);
    Parsed {
        mta,
        side,
        process,
        reply,
        enhanced,
        host,
        ip,
        port,
        domain: domain(line, &lower),
        own_host,
        reason,
        raw_reason,
        exchange,
        exchange_text,
        result_type: first_in(RESULT_TYPE_SPELLINGS, &lower),
        events: all_in(EVENT_SPELLINGS, &lower),
        version: version(line, &lower),
    }
}

/// Exchange Online's own enhanced codes: 4.4.312-4.4.318 (mail flow through connectors) and
/// 4/5.7.320-4/5.7.327 (certificate validation and DANE).
fn is_exchange_online_code(e: EnhancedCode) -> bool {
    matches!((e.subject, e.detail), (4, 312..=318) | (7, 320..=327))
}

/// The reply code and enhanced status code. A code followed by an enhanced code of the same
/// class (`said: 450 4.7.1`, `LED=450 4.4.317`, `421-4.7.28`) wins; otherwise a code that starts
/// the text or follows a colon (`said: 530`), and the first enhanced code of its class anywhere
/// (`dsn=4.7.5`).
fn codes(line: &str) -> (Option<ReplyCode>, Option<EnhancedCode>) {
    let tokens: Vec<&str> = line
        .split(|c: char| {
            c.is_whitespace() || matches!(c, '\'' | '"' | '(' | '=' | ';' | '#' | '[' | '{' | '<')
        })
        .filter(|t| !t.is_empty())
        .collect();
    let enhanced_of = |t: &str| {
        EnhancedCode::parse_prefix(t.trim_end_matches(['.', ',', ':', ')', ']', '}', '>']))
            .filter(|(_, rest)| rest.is_empty())
            .map(|(e, _)| e)
    };
    let mut weak = None;
    for (i, token) in tokens.iter().enumerate() {
        let Some((code, glued)) = reply_code(token) else {
            continue;
        };
        let next = glued.or_else(|| tokens.get(i + 1).copied());
        if let Some(e) = next
            .and_then(enhanced_of)
            .filter(|e| e.class == code.severity)
        {
            return (Some(code), Some(e));
        }
        let leading = i == 0
            || tokens
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.ends_with(':'));
        if weak.is_none() && leading {
            weak = Some(code);
        }
    }
    let enhanced = tokens
        .iter()
        .filter_map(|t| enhanced_of(t))
        .find(|e| weak.is_none_or(|c: ReplyCode| c.severity == e.class));
    (weak, enhanced)
}

/// A token that is a reply code (`450`, `450:`, `421-4.7.28`), and what is glued to it after a
/// hyphen.
fn reply_code(token: &str) -> Option<(ReplyCode, Option<&str>)> {
    let (digits, glued) = match token.split_once('-') {
        Some((d, rest)) => (d, Some(rest)),
        None => (token.trim_end_matches([':', ',']), None),
    };
    if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code = digits.parse().ok().and_then(ReplyCode::new)?;
    Some((code, glued.filter(|g| !g.is_empty())))
}

/// The value after `key` (found in `lower`) up to the first of `stops`, from `line`.
fn field<'a>(line: &'a str, lower: &str, key: &str, stops: &[char]) -> Option<&'a str> {
    let start = lower.find(key)? + key.len();
    let rest = line.get(start..)?;
    let end = rest
        .find(|c: char| stops.contains(&c))
        .unwrap_or(rest.len());
    rest.get(..end).map(str::trim).filter(|v| !v.is_empty())
}

/// An IP literal, as Postfix (`ipv6:2001:db8::1`) and the others write one.
fn ip_literal(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    let s = s
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("ipv6:"))
        .and_then(|_| s.get(5..))
        .unwrap_or(s);
    s.parse().ok()
}

/// An address with an optional port: `192.0.2.10`, `192.0.2.10:25`, `2001:db8::1`,
/// `[2001:db8::1]:25`.
fn ip_and_port(s: &str) -> Option<(IpAddr, Option<u16>)> {
    let s = s.trim();
    if let Some(ip) = ip_literal(s) {
        return Some((ip, None));
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        return Some((ip_literal(inside)?, port(after)));
    }
    let (ip, p) = s.rsplit_once(':')?;
    Some((ip_literal(ip)?, p.parse().ok().filter(|&p| p != 0)))
}

/// The port in `:25` (what follows a closing bracket).
fn port(after: &str) -> Option<u16> {
    let digits: String = after
        .strip_prefix(':')?
        .chars()
        .take_while(char::is_ascii_digit)
        .take(5)
        .collect();
    digits.parse().ok().filter(|&p| p != 0)
}

type Peer = (Option<HostName>, Option<IpAddr>, Option<u16>);

/// The other end of the connection, by the first of these that finds one: Exchange's
/// `LastAttemptedServerName=`/`LastAttemptedIP=` (and `{FQDN=}`/`{IP=}`), a `relay=` field
/// (Postfix `host[ip]:port`, Sendmail `host. [ip]`), Postfix's `host[ip]` anywhere, a host
/// followed by its address in brackets or parentheses (Exim `H=host [ip]`, Exchange `Remote
/// Server at host (ip)`, Gmail `[host. ip: ...]`), Exim's `H="host"`.
fn peer(line: &str, lower: &str) -> Peer {
    let stops = [']', '}', ' ', ';', ','];
    let ms_host = field(line, lower, "lastattemptedservername=", &stops)
        .or_else(|| field(line, lower, "{fqdn=", &stops))
        .and_then(HostName::parse);
    let ms_ip = field(line, lower, "lastattemptedip=", &[']', '}', ' ', ';'])
        .or_else(|| field(line, lower, "{ip=", &stops))
        .and_then(ip_and_port);
    if ms_host.is_some() || ms_ip.is_some() {
        let (ip, port) = ms_ip.map_or((None, None), |(i, p)| (Some(i), p));
        return (ms_host, ip, port);
    }
    if let Some(found) = field(line, lower, "relay=", &[',']).and_then(peer_text) {
        return found;
    }
    if let Some(found) = bracketed(line) {
        return found;
    }
    if let Some(found) = paired(line) {
        return found;
    }
    // Exchange Server: `The last endpoint attempted was 192.0.2.10:25`.
    if let Some((ip, port)) = field(
        line,
        lower,
        "last endpoint attempted was ",
        &[' ', '\'', '"'],
    )
    .and_then(|v| ip_and_port(v.trim_end_matches('.')))
    {
        return (None, Some(ip), port);
    }
    // Postfix `TLSA lookup error for mx1.contoso.com:25`.
    if let Some((name, port)) = field(line, lower, "lookup error for ", &[' ', ',']).map(|v| {
        v.split_once(':')
            .map_or((v, None), |(n, p)| (n, p.parse().ok()))
    }) {
        if let Some(h) = HostName::parse(name) {
            return (Some(h), None, port);
        }
    }
    let quoted = field(line, lower, "h=\"", &['"']).and_then(HostName::parse);
    (quoted, None, None)
}

/// A peer written `host[ip]:port`, `host. [ip]`, `[ip]`, `host.` or `host [ip] (may be forged)`.
fn peer_text(s: &str) -> Option<Peer> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("none") {
        return None;
    }
    let found = match s.split_once('[') {
        Some((name, rest)) => {
            let (inside, after) = rest.split_once(']')?;
            (
                HostName::parse(name.trim()),
                ip_literal(inside),
                port(after),
            )
        }
        None => (
            HostName::parse(s.split_whitespace().next().unwrap_or_default()),
            None,
            None,
        ),
    };
    (found.0.is_some() || found.1.is_some()).then_some(found)
}

/// Postfix's `host[ip]` (or `host[ip]:port`) anywhere in the line: the first bracket that holds
/// an address.
fn bracketed(line: &str) -> Option<Peer> {
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let head = rest.get(..open).unwrap_or_default();
        let after_open = rest.get(open + 1..).unwrap_or_default();
        // Only the next 64 characters: an address is shorter, and a line of brackets must not
        // cost a scan per bracket.
        let close = after_open
            .char_indices()
            .take(65)
            .find(|(_, c)| *c == ']')
            .map(|(i, _)| i);
        if let Some(ip) = close.and_then(|c| after_open.get(..c)).and_then(ip_literal) {
            // The name is what is glued to the bracket, back to a space or punctuation.
            let mut name: Vec<char> = head
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .take(254)
                .collect();
            name.reverse();
            let name: String = name.into_iter().collect();
            let after = close
                .and_then(|c| after_open.get(c + 1..))
                .unwrap_or_default();
            if !name.is_empty() || head.ends_with('=') {
                return Some((HostName::parse(&name), Some(ip), port(after)));
            }
        }
        rest = after_open;
    }
    None
}

/// A host name followed by its address as the next word: `host [ip]`, `host [ip]:port`,
/// `host (ip)`, `[host. ip: ...]`. The host is dropped when it is a HELO name in parentheses.
fn paired(line: &str) -> Option<Peer> {
    let words: Vec<&str> = line.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        let (ip, port) = if let Some(inside) = word
            .strip_prefix('(')
            .and_then(|w| w.trim_end_matches([',', ':', ';']).strip_suffix(')'))
        {
            (ip_literal(inside), None)
        } else if word.starts_with('[') {
            match word.split_once(']') {
                Some((inside, after)) => (ip_literal(inside.trim_start_matches('[')), port(after)),
                None => (None, None),
            }
        } else if i > 0 && word.ends_with(':') {
            // Gmail: `[mx.fabrikam.com. 198.51.100.7: timed out]`.
            let bracket_before = words
                .get(i.wrapping_sub(1))
                .is_some_and(|w| w.starts_with('['));
            let ip = ip_literal(word.trim_end_matches(':')).filter(|_| bracket_before);
            (ip, None)
        } else {
            (None, None)
        };
        let Some(ip) = ip else { continue };
        let before = words.get(i.wrapping_sub(1)).filter(|_| i > 0);
        let host = before
            .map(|w| {
                w.trim_start_matches("H=")
                    .trim_start_matches('[')
                    .trim_matches('"')
            })
            .and_then(HostName::parse);
        // An address after anything but a host name, a HELO name in parentheses or `from` is
        // not the peer (Microsoft's `The mail server [198.51.100.25] has been rate limited`
        // names the sender).
        let helo_or_from = before.is_some_and(|w| w.starts_with('(') || *w == "from");
        if host.is_some() || helo_or_from {
            return Some((host.filter(|_| !helo_or_from), Some(ip), port));
        }
    }
    None
}

/// The recipient's domain: Postfix and Sendmail `to=<...>`, Exim's delivery marks (`** addr`,
/// `== addr`, `=> addr`), and the address after "message to" in a bounce.
fn domain(line: &str, lower: &str) -> Option<HostName> {
    let address = field(line, lower, "to=<", &['>', ' ', ','])
        .or_else(|| {
            let words: Vec<&str> = line.split_whitespace().collect();
            words.windows(2).find_map(|w| match w {
                [mark, addr] if matches!(*mark, "**" | "==" | "=>" | "->") => Some(*addr),
                [to, addr] if to.eq_ignore_ascii_case("to") && addr.contains('@') => Some(*addr),
                _ => None,
            })
        })
        .or_else(|| field(line, lower, "rcpt to:<", &['>']));
    let Some(address) = address else {
        // Exchange Online: `MX hosts of contoso.com failed MTA-STS validation`.
        return field(line, lower, "mx hosts of ", &[' ']).and_then(HostName::parse);
    };
    let (_, domain) = address.rsplit_once('@')?;
    HostName::parse(domain.trim_end_matches(['>', ',', ':', ';', ')', '.']))
}

/// The syslog process tag (`postfix/smtpd[2345]`, `sm-mta[4321]`) and the fully qualified host
/// name just before it, if any.
fn syslog_prefix(line: &str) -> (Option<String>, Option<HostName>) {
    let words: Vec<&str> = line.split_whitespace().take(8).collect();
    for (i, word) in words.iter().enumerate() {
        if let Some(tag) = word.strip_suffix(':').filter(|w| {
            w.ends_with(']')
                && w.contains('[')
                && w.len() <= 64
                && w.bytes().all(|b| b.is_ascii_graphic())
        }) {
            let own = words
                .get(i.wrapping_sub(1))
                .filter(|_| i > 0)
                .and_then(|w| HostName::parse(w));
            return (Some(tag.to_string()), own);
        }
    }
    (None, None)
}

/// The reason of an OpenSSL error string (`error:0A000102:SSL routines::unsupported protocol:`,
/// OpenSSL 1.1 `error:1425F102:SSL routines:ssl_choose_client_version:unsupported protocol:`), if
/// it is plain text of a sensible length.
fn openssl_reason(line: &str, lower: &str) -> Option<String> {
    let structured = lower
        .match_indices("error:")
        .take(16)
        .find_map(|(at, key)| {
            let mut parts = line.get(at + key.len()..)?.split(':');
            let code = parts.next()?;
            if code.len() != 8 || !code.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let _library = parts.next()?;
            let _function = parts.next()?;
            parts.next()
        });
    // Sendmail writes the reason as a field: `reason=unsupported protocol,`.
    let reason = structured
        .or_else(|| field(line, lower, "reason=", &[',']))?
        .trim();
    let plain = !reason.is_empty()
        && reason.len() <= 80
        && reason
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-' | b'_' | b'/' | b'.'));
    plain.then(|| reason.to_string())
}

/// Exchange's detail: `[Message=...]`, `{MSG=...}`, or the word after `with error`.
fn exchange_detail(line: &str, lower: &str) -> Option<String> {
    let text = field(line, lower, "[message=", &[']'])
        .or_else(|| field(line, lower, "{msg=", &['}']))
        .or_else(|| field(line, lower, "with error ", &[' ', ',', ']', ';']))?;
    let kept: String = text.chars().take(MAX_KEPT_TEXT).collect();
    Some(kept)
}

/// The version of a completed handshake: Sendmail `version=TLSv1.2`, Postfix `...: TLSv1 with
/// cipher ...`.
fn version(line: &str, lower: &str) -> Option<TlsVersion> {
    let word = field(line, lower, "version=", &[',', ' ']).or_else(|| {
        let before = line.get(..lower.find(" with cipher")?)?;
        before.split_whitespace().last()
    })?;
    match word.to_ascii_lowercase().as_str() {
        "sslv3" => Some(TlsVersion::Ssl3),
        "tlsv1" | "tlsv1.0" => Some(TlsVersion::Tls10),
        "tlsv1.1" => Some(TlsVersion::Tls11),
        "tlsv1.2" => Some(TlsVersion::Tls12),
        "tlsv1.3" => Some(TlsVersion::Tls13),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(s: &str) -> Option<HostName> {
        HostName::parse(s)
    }

    #[test]
    fn host_names_are_valid_by_syntax_or_nothing() {
        assert_eq!(
            host("MX1.Contoso.com.").unwrap().as_str(),
            "mx1.contoso.com"
        );
        for bad in [
            "unknown",
            "192.0.2.10",
            "mx1.contoso.com;rm",
            "$(id).contoso.com",
            "-mx.contoso.com",
            "mx..contoso.com",
            "mx.contoso.com`",
            "mx contoso.com",
            "",
        ] {
            assert_eq!(host(bad), None, "{bad:?}");
        }
        assert!(host(&format!("{}.com", "a".repeat(64))).is_none());
    }

    #[test]
    fn postfix_client_line() {
        let p = parse(
            "Jun 10 10:00:01 mx.fabrikam.com postfix/smtp[1234]: 4Bx1y2Z3: to=<alice@contoso.com>, \
             relay=mx1.contoso.com[192.0.2.10]:25, delay=1.2, delays=0.1/0/1/0, dsn=4.7.5, \
             status=deferred (Server certificate not verified)",
        );
        assert_eq!(p.mta, Some(Mta::Postfix));
        assert_eq!(p.side, Some(Side::Sending));
        assert_eq!(p.host, host("mx1.contoso.com"));
        assert_eq!(p.ip, Some("192.0.2.10".parse().unwrap()));
        assert_eq!(p.port, Some(25));
        assert_eq!(p.domain, host("contoso.com"));
        assert_eq!(p.own_host, host("mx.fabrikam.com"));
        assert_eq!(p.process.as_deref(), Some("postfix/smtp[1234]"));
        assert_eq!(p.enhanced.map(|e| e.to_string()).as_deref(), Some("4.7.5"));
        assert_eq!(p.reply, None);
        assert!(p.has(Event::ServerCertNotVerified));
    }

    #[test]
    fn replies_inside_log_lines() {
        let p = parse(
            "status=deferred (host mx1.contoso.com[2001:db8::25] said: 454 4.7.0 TLS not \
             available due to local problem (in reply to STARTTLS command))",
        );
        assert_eq!(p.reply.map(|c| c.as_u16()), Some(454));
        assert_eq!(p.enhanced.map(|e| e.to_string()).as_deref(), Some("4.7.0"));
        assert_eq!(p.ip, Some("2001:db8::25".parse().unwrap()));
        let p = parse("421-4.7.28 [203.0.113.5      15] Our system has detected an unusual rate");
        assert_eq!(p.reply.map(|c| c.as_u16()), Some(421));
        assert_eq!(p.enhanced.map(|e| e.to_string()).as_deref(), Some("4.7.28"));
        // Gmail's bracket holds the sender's own address: it is not the peer.
        assert_eq!(p.ip, None);
    }

    #[test]
    fn exchange_online_trace() {
        let p = parse(
            "Reason: [{LED=450 4.4.317 Cannot connect to remote server [Message=SubjectMismatch] \
             [LastAttemptedServerName=mx1.contoso.com] [LastAttemptedIP=192.0.2.10:25] \
             [AM0PR01MB1234.eurprd01.prod.protection.outlook.com]};{MSG=SubjectMismatch};\
             {FQDN=mx1.contoso.com};{IP=192.0.2.10};{LRT=}]",
        );
        assert_eq!(p.mta, Some(Mta::ExchangeOnline));
        assert_eq!(p.side, Some(Side::Sending));
        assert_eq!(p.reply.map(|c| c.as_u16()), Some(450));
        assert_eq!(
            p.enhanced.map(|e| e.to_string()).as_deref(),
            Some("4.4.317")
        );
        assert_eq!(p.host, host("mx1.contoso.com"));
        assert_eq!(p.ip, Some("192.0.2.10".parse().unwrap()));
        assert_eq!(p.port, Some(25));
        assert_eq!(p.exchange, Some(ExchangeDetail::SubjectMismatch));
        assert_eq!(p.exchange_text.as_deref(), Some("SubjectMismatch"));
    }

    #[test]
    fn exim_sendmail_and_gmail_peers() {
        let p = parse(
            "2026-05-10 10:00:01 1uAbCd-000AbC-1x TLS error on connection to mx1.contoso.com \
             [192.0.2.10] (SSL_connect): error:0A00018A:SSL routines::dh key too small",
        );
        assert_eq!((p.mta, p.side), (Some(Mta::Exim), Some(Side::Sending)));
        assert_eq!(p.host, host("mx1.contoso.com"));
        assert_eq!(p.reason, Some(TlsReason::DhKeyTooSmall));
        let p = parse(
            "sm-mta[4321]: 55AA1B2C3D: to=<bob@fabrikam.com>, relay=mx.fabrikam.com. \
             [198.51.100.7], dsn=4.0.0, stat=Deferred: 403 4.7.0 TLS handshake failed.",
        );
        assert_eq!(p.mta, Some(Mta::Sendmail));
        assert_eq!(p.host, host("mx.fabrikam.com"));
        assert_eq!(p.ip, Some("198.51.100.7".parse().unwrap()));
        assert_eq!(p.domain, host("fabrikam.com"));
        let p = parse(
            "The recipient server did not accept our requests to connect. \
             [mx.fabrikam.com. 198.51.100.7: timed out]",
        );
        assert_eq!(p.host, host("mx.fabrikam.com"));
        assert_eq!(p.ip, Some("198.51.100.7".parse().unwrap()));
        let p = parse(
            "TLS error on connection from (ylmf-pc) [203.0.113.5]:51234 (gnutls_handshake): The \
             TLS connection was non-properly terminated.",
        );
        assert_eq!(p.side, Some(Side::Receiving));
        assert_eq!(p.host, None, "a HELO name is not a host");
        assert_eq!(p.ip, Some("203.0.113.5".parse().unwrap()));
    }

    #[test]
    fn openssl_reasons_known_and_unknown() {
        let p = parse("warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1657:");
        assert_eq!(p.reason, Some(TlsReason::UnsupportedProtocol));
        let p = parse("warning: TLS library problem: error:0A0000FA:SSL routines::bad key share:ssl/statem/extensions_clnt.c:1771:");
        assert_eq!(p.reason, None);
        assert_eq!(p.raw_reason.as_deref(), Some("bad key share"));
    }

    #[test]
    fn negotiated_versions() {
        let p = parse("postfix/smtp[1]: Trusted TLS connection established to mx1.contoso.com[192.0.2.10]:25: TLSv1 with cipher AES256-SHA (256/256 bits)");
        assert_eq!(p.version, Some(TlsVersion::Tls10));
        let p = parse("tlsv1 alert protocol version");
        assert_eq!(p.version, None);
    }
}
