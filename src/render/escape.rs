//! Escaping, one function per output format, for every string that came from the network or
//! from a report file (a banner, a certificate field, a finding's message in a saved report):
//!
//! - [`terminal`]: control characters (C0, DEL, C1), and the bidirectional controls
//!   (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) are shown as `\u{..}`, so text cannot move
//!   the cursor, recolour the terminal, ring the bell or reorder the line; long texts are cut.
//! - [`markdown`]: [`terminal`] first (a Markdown file is read in terminals and editors too), then
//!   what Markdown gives a meaning is neutralised: `<`, `>`, `&` become entities (raw HTML cannot
//!   pass), the inline specials and `|` get a backslash (a value cannot end a table cell, open
//!   code, emphasise or link). [`markdown_code`] shows plain values as code.
//! - [`xml`]: the five XML specials become entities, and what XML 1.0 forbids (and C1 controls)
//!   is shown as `\u{..}`; in attributes, tab and newline become character references.
//!
//! The renderers never print such a string any other way: the view ([`super::view`]) hands it to
//! them as [`super::view::Untrusted`], which has no `Display`.

use crate::limits::MAX_DISPLAY_TEXT;

/// Longest text of our own that quotes the network (a finding's message or remediation) kept in a
/// ticket or a CI report, in characters.
pub const MAX_PROSE: usize = 2000;

/// Text shown on a terminal, cut at [`MAX_DISPLAY_TEXT`] characters.
pub fn terminal(s: &str) -> String {
    terminal_to(s, MAX_DISPLAY_TEXT)
}

/// [`terminal`] with another length limit, in characters (`…` marks a cut).
pub fn terminal_to(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars.saturating_add(8)));
    for (n, c) in s.chars().enumerate() {
        if n >= max_chars {
            out.push('…');
            break;
        }
        if is_unsafe(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// [`terminal`] for a message of several lines (an error that quotes a file or the network):
/// each line escaped and cut at [`MAX_PROSE`] characters, the line breaks kept.
pub fn terminal_lines(s: &str) -> String {
    s.split('\n')
        .map(|line| terminal_to(line, MAX_PROSE))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A control character (C0, DEL, C1) or a bidirectional control (the marks U+200E, U+200F and
/// U+061C, the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// Text from the network, safe in Markdown prose and in a table cell.
pub fn markdown(s: &str) -> String {
    markdown_neutral(&terminal(s))
}

/// [`markdown`] with another length limit, in characters.
pub fn markdown_to(s: &str, max_chars: usize) -> String {
    markdown_neutral(&terminal_to(s, max_chars))
}

/// A value shown as code when it is plain (hex, serials, addresses, IANA names); anything else is
/// escaped as prose, because nothing can be escaped inside a code span.
pub fn markdown_code(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().count() <= MAX_DISPLAY_TEXT
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".:-_/[]+=,@ ()".contains(c));
    if plain {
        format!("`{s}`")
    } else {
        markdown(s)
    }
}

/// Neutralises what Markdown would interpret inline. `<`, `>` and `&` become entities, which
/// every Markdown flavour passes through as text (a backslash before `<` is not honoured by all);
/// the rest get a backslash (CommonMark §2.4). Newlines and other control characters never get
/// here: [`terminal`] has escaped them.
fn markdown_neutral(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes `& < > " '` and replaces what XML 1.0 does not allow (control characters other than
/// tab, newline and carriage return; U+FFFE, U+FFFF) with its `\u{..}` escape, as [`terminal`]
/// does. C1 controls are allowed by XML 1.0 but replaced too. In attribute values (`attr`) tab and
/// newline become character references, which parsers keep instead of normalising to spaces; a
/// carriage return always does.
pub fn xml(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push_str(&c.escape_unicode().to_string());
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            terminal("220 ok\x1b[31mred\x07"),
            "220 ok\\u{1b}[31mred\\u{7}"
        );
        assert_eq!(terminal("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(terminal("tab\there"), "tab\\u{9}here");
        assert_eq!(terminal("c1\u{9b}31m"), "c1\\u{9b}31m");
        assert_eq!(terminal("plain ünicode"), "plain ünicode");
        assert_eq!(terminal("a\u{61c}b"), "a\\u{61c}b");
        assert_eq!(
            terminal_lines("one \u{1b}[2J\ntwo\r"),
            "one \\u{1b}[2J\ntwo\\u{d}"
        );
    }

    #[test]
    fn long_text_is_cut() {
        let long = "x".repeat(1000);
        let c = terminal(&long);
        assert_eq!(c.chars().count(), MAX_DISPLAY_TEXT + 1);
        assert!(c.ends_with('…'));
    }

    #[test]
    fn markdown_escape_and_code() {
        assert_eq!(markdown("a|b"), "a\\|b");
        assert_eq!(markdown("AT&T <b>"), "AT&amp;T &lt;b&gt;");
        assert_eq!(markdown("x\\|y"), "x\\\\\\|y");
        assert_eq!(markdown("line\nnext"), "line\\\\u{a}next");
        assert_eq!(markdown_code("aa:bb"), "`aa:bb`");
        assert_eq!(markdown_code("a`b"), "a\\`b");
        assert_eq!(markdown_code(""), "");
    }

    #[test]
    fn xml_escapes_specials_and_forbidden_characters() {
        assert_eq!(xml("a<b>&\"'", false), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(xml("a\nb\tc\rd", false), "a\nb\tc&#13;d");
        assert_eq!(xml("a\nb\tc", true), "a&#10;b&#9;c");
        assert_eq!(xml("\x00\x1b\u{fffe}", false), "\\u{0}\\u{1b}\\u{fffe}");
    }
}
