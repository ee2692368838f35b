//! `tlscheck explain` on real logs: every line of the corpus (`tests/fixtures/explain/corpus.toml`:
//! Postfix, Exim, Sendmail, Exchange Online and Server, Gmail and other bounces) gets its specific
//! explanation, naming the expected finding codes and suggesting commands filled with the host,
//! address and domain of the line; the corpus as one excerpt through `tlscheck explain -`; the
//! usage errors; and, for any text at all, no panic and no command that carries anything but a
//! host name, an address and our own words.

mod support;

use std::io::Write;
use std::process::Stdio;

use proptest::prelude::*;
use serde::Deserialize;
use support::run::{exit_code, stdout_json, tlscheck, tlscheck_path};
use tlscheck::explain::{explain, explain_input, Input, Outcome};

#[derive(Debug, Deserialize)]
struct Corpus {
    line: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    mta: String,
    text: String,
    topic: String,
    codes: Vec<String>,
    commands: Vec<String>,
}

fn corpus() -> Vec<Entry> {
    let text = include_str!("fixtures/explain/corpus.toml");
    toml::from_str::<Corpus>(text)
        .expect("the corpus parses")
        .line
}

/// What is wrong with the explanation of `entry`, if anything.
fn check(entry: &Entry) -> Vec<String> {
    let e = explain(&entry.text);
    let json = serde_json::to_value(&e).unwrap();
    let mut wrong = Vec::new();
    if !e.known {
        wrong.push("no specific answer".to_string());
    }
    if e.topic != Some(entry.topic.as_str()) {
        wrong.push(format!("topic {:?}, expected {}", e.topic, entry.topic));
    }
    let mta = json["mta"].as_str().unwrap_or_default();
    if mta != entry.mta {
        wrong.push(format!("mta {mta:?}, expected {:?}", entry.mta));
    }
    let named: Vec<&str> = json["causes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["confirmed_by"].as_array().unwrap())
        .filter_map(|c| c.as_str())
        .collect();
    for code in &entry.codes {
        if !named.contains(&code.as_str()) {
            wrong.push(format!("no cause names {code} (named: {named:?})"));
        }
    }
    for command in &entry.commands {
        if !e.commands.contains(command) {
            wrong.push(format!("no command {command:?} (got {:?})", e.commands));
        }
    }
    wrong
}

#[test]
fn corpus_lines_get_specific_answers() {
    let corpus = corpus();
    assert!(corpus.len() >= 40, "the corpus has {} lines", corpus.len());
    let mut failures = Vec::new();
    for entry in &corpus {
        let wrong = check(entry);
        if !wrong.is_empty() {
            failures.push(format!("{}\n  {}", entry.text, wrong.join("\n  ")));
        }
    }
    let specific = corpus.iter().filter(|e| explain(&e.text).known).count();
    println!(
        "corpus: {} lines, {specific} with a specific answer, {} as expected",
        corpus.len(),
        corpus.len() - failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_corpus_as_one_excerpt_through_stdin() {
    let corpus = corpus();
    let mut text: String = corpus.iter().map(|e| format!("{}\n", e.text)).collect();
    // Session chatter and successes are read and skipped.
    text.push_str(
        "Jun 10 10:00:00 mx1.contoso.com postfix/smtpd[9876]: connect from unknown[203.0.113.5]\n\
         Jun 10 10:00:09 mx1.contoso.com postfix/smtpd[9876]: disconnect from unknown[203.0.113.5] ehlo=1 starttls=0/1 commands=1/2\n\
         Jun 10 10:05:00 mx.fabrikam.com postfix/smtp[5555]: 4Bx1y2Z9: to=<alice@contoso.com>, relay=mx1.contoso.com[192.0.2.10]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4C0D1E2F3)\n\
         Jun 10 10:05:00 mx.fabrikam.com postfix/smtp[5555]: Verified TLS connection established to mx1.contoso.com[192.0.2.10]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n\n",
    );
    let mut child = std::process::Command::new(tlscheck_path())
        .args(["explain", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let x = stdout_json(&out);
    assert_eq!(x["lines_read"], corpus.len() + 4);
    assert_eq!(x["lines_explained"], corpus.len());
    assert_eq!(x["lines_skipped"], 4);
    assert_eq!(x["input_truncated"], false);
    let items = x["explanations"].as_array().unwrap();
    assert!(items.iter().all(|i| i["known"] == true), "{x:#}");
    let occurrences: u64 = items
        .iter()
        .map(|i| i["occurrences"].as_u64().unwrap())
        .sum();
    assert_eq!(occurrences, corpus.len() as u64);
    assert!(
        items.len() < corpus.len(),
        "identical explanations are counted once"
    );
}

#[test]
fn a_postfix_session_excerpt_in_text() {
    let log = "\
Jun 10 10:00:01 mx1.contoso.com postfix/smtpd[2345]: connect from mail-am0eur01on2040.outbound.protection.outlook.com[198.51.100.40]
Jun 10 10:00:01 mx1.contoso.com postfix/smtpd[2345]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1657:
Jun 10 10:00:01 mx1.contoso.com postfix/smtpd[2345]: SSL_accept error from mail-am0eur01on2040.outbound.protection.outlook.com[198.51.100.40]: -1
Jun 10 10:00:01 mx1.contoso.com postfix/smtpd[2345]: lost connection after STARTTLS from mail-am0eur01on2040.outbound.protection.outlook.com[198.51.100.40]
Jun 10 10:00:01 mx1.contoso.com postfix/smtpd[2345]: disconnect from mail-am0eur01on2040.outbound.protection.outlook.com[198.51.100.40] ehlo=1 starttls=0/1 commands=1/2
";
    let out = tlscheck()
        .args(["explain", "-"])
        .write_stdin(log)
        .output()
        .unwrap();
    assert_eq!(exit_code(&out), 0);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(
            "Read 5 lines: 3 explained (1 distinct), 2 skipped as reporting no failure.\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("[1] line 2, and 2 more lines like it:"),
        "{text}"
    );
    // The text is wrapped to the terminal: compare words, not line breaks.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("OpenSSL reason unsupported protocol"),
        "{text}"
    );
    // This server, as Exchange Online would judge it.
    assert!(
        text.contains("  tlscheck host mx1.contoso.com --sender exchange-online\n"),
        "{text}"
    );
}

#[test]
fn empty_text_is_a_usage_error() {
    for args in [&["explain", ""][..], &["explain", "  ", "\t"]] {
        let out = tlscheck().args(args).output().unwrap();
        assert_eq!(exit_code(&out), 2, "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("explain needs"));
    }
    let out = tlscheck()
        .args(["explain", "-"])
        .write_stdin(" \n\n\t\n")
        .output()
        .unwrap();
    assert_eq!(exit_code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard input holds no"));
}

#[test]
fn standard_input_is_bounded() {
    let mut big = String::from("421 4.7.0 Too many connections\n");
    while big.len() <= 1024 * 1024 {
        big.push_str("Jun 10 10:00:01 mail postfix/smtpd[1]: connect from unknown[203.0.113.5]\n");
    }
    let out = tlscheck()
        .args(["explain", "--format", "json", "-"])
        .write_stdin(big)
        .output()
        .unwrap();
    assert_eq!(exit_code(&out), 0);
    let x = stdout_json(&out);
    assert_eq!(x["input_truncated"], true);
    assert_eq!(x["lines_explained"], 1);
}

#[test]
fn shell_metacharacters_never_reach_a_command() {
    let e = explain(
        "postfix/smtp[1]: 4B: to=<a@contoso.com;reboot>, relay=mx1.contoso.com$(reboot)[192.0.2.10]:25, \
         dsn=4.7.5, status=deferred (Server certificate not verified)",
    );
    assert!(e.known);
    assert_eq!(e.commands, ["tlscheck host 192.0.2.10"]);
}

/// Characters a suggested command may hold: our words, host names, IP literals, `_25._tcp.`.
fn harmless(command: &str) -> bool {
    command
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " .-:_+".contains(c))
}

/// Fragments of real lines, so that random texts reach the parsers' interesting paths.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("relay=".to_string()),
        Just("[192.0.2.10]:25".to_string()),
        Just("[2001:db8::1]".to_string()),
        Just("mx1.contoso.com".to_string()),
        Just(" said: 450 4.7.1 ".to_string()),
        Just("421-4.7.28 ".to_string()),
        Just("to=<a@contoso.com>".to_string()),
        Just("error:0A000102:SSL routines::".to_string()),
        Just("[Message=".to_string()),
        Just("[LastAttemptedIP=".to_string()),
        Just("{FQDN=".to_string()),
        Just("H=\"".to_string()),
        Just("TLS error on connection from ".to_string()),
        Just("postfix/smtpd[1]: ".to_string()),
        Just("version=TLSv1".to_string()),
        Just("TLSA lookup error for ".to_string()),
        Just("The last endpoint attempted was ".to_string()),
        "[\\PC]{0,12}",
        any::<String>(),
    ]
}

proptest! {
    #[test]
    fn any_text_is_answered_without_panic(text in any::<String>()) {
        let input = Input::new(&text);
        let outcome = explain_input(&input);
        let commands: Vec<String> = match &outcome {
            Outcome::One(e) => e.commands.clone(),
            Outcome::Many(x) => x.explanations.iter().flat_map(|i| i.explanation.commands.clone()).collect(),
        };
        prop_assert!(commands.iter().all(|c| harmless(c)), "{commands:?}");
    }

    #[test]
    fn log_like_text_is_answered_without_panic(parts in proptest::collection::vec(fragment(), 0..24)) {
        let text = parts.concat();
        let e = explain(&text);
        prop_assert!(!e.commands.is_empty());
        prop_assert!(e.commands.iter().all(|c| harmless(c)), "{:?}", e.commands);
        let many = explain_input(&Input::new(&format!("{text}\n{text}\n")));
        prop_assert!(matches!(many, Outcome::Many(_) | Outcome::One(_)));
    }
}
