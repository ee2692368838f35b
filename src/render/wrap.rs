//! Wrapping the text report to the terminal's width: a long line is broken at spaces, and its
//! continuation lines hang under the value, so the label column stays clear:
//!
//! ```text
//!       banner    220 mx.example.com ESMTP a long banner that goes on and
//!                 on past the edge
//!       ✗ error [cert-expired] leaf certificate "mx.example.com" expired on
//!         2026-11-22 (10 days ago)
//! ```
//!
//! A word longer than the room left (a URL, a fingerprint) is broken where the line ends, never
//! cut. Widths are counted in characters; the ANSI colour sequences our own words carry take no
//! room. Every string from the network reaches here already escaped, so no other escape occurs.

/// Width of a text fact's label column (`banner    `): the value starts this far in.
const LABEL_COLUMN: usize = 10;

/// Fewest characters a continuation line keeps for text, however deep its indent.
const MIN_ROOM: usize = 20;

/// `text`, each line wrapped to `width` characters (0: not wrapped).
pub fn wrap(text: &str, width: usize) -> String {
    if width == 0 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        wrap_line(body, width, &mut out);
        out.push_str(newline);
    }
    out
}

/// One line: its indent (and a fact's label column) is kept as it is; the rest is broken at
/// spaces, continuations hanging at [`hanging_indent`].
fn wrap_line(line: &str, width: usize, out: &mut String) {
    if visible_len(line) <= width {
        out.push_str(line);
        return;
    }
    let (head_len, hang) = hanging_indent(line);
    let hang = hang.min(width.saturating_sub(MIN_ROOM));
    let (head, body) = line.split_at(head_len.min(line.len()));
    out.push_str(head);
    let mut used = visible_len(head);
    let mut line_has_word = false;
    for (spaces, word) in words(body) {
        let len = visible_len(word);
        // The spaces before a word are kept as written (a column's padding), unless the word
        // starts a continuation line.
        let gap = if line_has_word { spaces } else { 0 };
        if used + gap + len <= width {
            out.push_str(&" ".repeat(gap));
            out.push_str(word);
            used += gap + len;
            line_has_word = true;
            continue;
        }
        if line_has_word {
            out.push('\n');
            out.push_str(&" ".repeat(hang));
            used = hang;
        }
        // A word longer than a whole line: broken where each line ends.
        let mut rest = word;
        while used + visible_len(rest) > width {
            let take = width.saturating_sub(used).max(1);
            let (part, tail) = rest.split_at(char_boundary(rest, take));
            out.push_str(part);
            out.push('\n');
            out.push_str(&" ".repeat(hang));
            used = hang;
            rest = tail;
        }
        out.push_str(rest);
        used += visible_len(rest);
        line_has_word = true;
    }
}

/// The words of `body` (split at spaces), each with the number of spaces before it.
fn words(body: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut spaces = 0;
    for piece in body.split(' ') {
        if piece.is_empty() {
            spaces += 1;
        } else {
            out.push((spaces.max(1), piece));
            spaces = 1;
        }
    }
    out
}

/// The head kept as it is (bytes) and where continuation lines start: a `label     value` fact
/// keeps its label column and hangs under the value; a finding hangs two in from its mark, a
/// `fix:` under its text; any other line keeps its indent and hangs two further in.
fn hanging_indent(line: &str) -> (usize, usize) {
    let trimmed = line.trim_start_matches(' ');
    let lead = line.len() - trimmed.len();
    if trimmed.starts_with("fix: ") {
        return (lead, lead + 5);
    }
    if trimmed.starts_with(['✗', '!', '·']) || trimmed.starts_with("\x1b[") {
        return (lead, lead + 2);
    }
    // A numbered item (`1. ...`): under its text.
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && trimmed.get(digits..).is_some_and(|r| r.starts_with(". ")) {
        return (lead, lead + digits + 2);
    }
    // `label` (`tls`, `root key`, `sha256`, `ehlo/tls`) padded with spaces to LABEL_COLUMN,
    // then the value.
    let head: Vec<char> = trimmed.chars().take(LABEL_COLUMN + 1).collect();
    let is_fact = head.first().is_some_and(char::is_ascii_lowercase)
        && head.get(..LABEL_COLUMN).is_some_and(|label| {
            label
                .iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '/' | ' '))
        })
        && head.get(LABEL_COLUMN - 1) == Some(&' ')
        && head.get(LABEL_COLUMN).is_some_and(|c| *c != ' ');
    if is_fact {
        (lead + LABEL_COLUMN, lead + LABEL_COLUMN)
    } else {
        (lead, lead + 2)
    }
}

/// Characters shown, not counting ANSI colour sequences (`ESC [ ... m`).
fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

/// The byte index after `chars` characters of `s` (or its end).
fn char_boundary(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_hang_under_their_value_and_nothing_is_cut() {
        let line = "      banner    220 mx.example.com ESMTP a long banner that goes on and on past the edge of the screen";
        let w = wrap(line, 60);
        for l in w.lines() {
            assert!(l.chars().count() <= 60, "{l:?}");
        }
        let rest: Vec<&str> = w.lines().skip(1).collect();
        assert!(!rest.is_empty());
        assert!(
            rest.iter()
                .all(|l| l.starts_with(&" ".repeat(16)) && !l[16..].starts_with(' ')),
            "{w}"
        );
        // Nothing lost: the words are all there, in order.
        assert_eq!(
            w.split_whitespace().collect::<Vec<_>>(),
            line.split_whitespace().collect::<Vec<_>>()
        );
    }

    #[test]
    fn findings_and_fixes_hang_two_in() {
        let w = wrap("      ✗ error [cert-expired] leaf certificate \"mx.example.com\" expired on 2026-11-22 (10 days ago)", 50);
        assert!(
            w.lines()
                .skip(1)
                .all(|l| l.starts_with("        ") && !l.starts_with("         ")),
            "{w}"
        );
        let w = wrap("        fix: Renew the certificate and install the new chain on every MX host and address.", 50);
        assert!(
            w.lines().skip(1).all(|l| l.starts_with(&" ".repeat(13))),
            "{w}"
        );
    }

    #[test]
    fn numbered_items_hang_under_their_text() {
        let w = wrap(
            "  1. The server sends its certificate without the intermediate certificate(s), so",
            40,
        );
        assert!(
            w.lines()
                .skip(1)
                .all(|l| l.starts_with("     ") && !l.starts_with("      ")),
            "{w}"
        );
    }

    #[test]
    fn long_words_are_broken_not_cut_and_colour_takes_no_room() {
        let sha = "a".repeat(100);
        let line = format!("      root      CN=R (key sha256 {sha})");
        let w = wrap(&line, 40);
        assert!(w.lines().all(|l| l.chars().count() <= 40), "{w}");
        assert_eq!(
            w.split_whitespace().collect::<String>(),
            line.split_whitespace().collect::<String>()
        );
        let painted = "\x1b[1;31mFAIL \x1b[0m mx example.com: 1 error";
        assert_eq!(wrap(painted, 30), painted);
        assert_eq!(wrap("short", 0), "short");
        // Width 0 never wraps; a tiny width still terminates.
        let w = wrap("      banner    xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 5);
        assert_eq!(w.matches('x').count(), 36, "{w}");
    }
}
