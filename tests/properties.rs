//! Property tests for the parsers that read network data (the same ones `fuzz/` targets): any
//! bytes are a value or an error, never a panic, and a parsed SMTP reply serialises back to
//! itself. And for the JSON writer: any text reads back the same, with nothing left raw that
//! could drive a terminal. They run in CI on every change; `scripts/fuzz.sh` goes deeper with coverage guidance.

mod support;

use proptest::prelude::*;
use support::records::{handshake, record, server_hello};
use tlscheck::cert::summary::summarize;
use tlscheck::render::escape::is_unsafe;
use tlscheck::render::json::line;
use tlscheck::schannel::reg::RegExport;
use tlscheck::schannel::{from_export, VersionSource};
use tlscheck::smtp::extensions::Extensions;
use tlscheck::smtp::reply::{Reply, ReplyCode, ReplyParser};
use tlscheck::smtp::stream::take_line;
use tlscheck::tls::legacy::{FlightReader, HelloOutcome};

/// Every reply in `bytes`, split into lines as the SMTP stream does; parse errors reset the parser.
fn replies(bytes: &[u8]) -> Vec<Reply> {
    let mut buf = bytes.to_vec();
    let mut parser = ReplyParser::new();
    let mut out = Vec::new();
    while let Ok(Some(line)) = take_line(&mut buf) {
        match parser.push_line(&String::from_utf8_lossy(&line)) {
            Ok(Some(r)) => out.push(r),
            Ok(None) => {}
            Err(_) => parser = ReplyParser::new(),
        }
    }
    out
}

/// Parses a reply's own serialisation.
fn reparse(reply: &Reply) -> Option<Reply> {
    let mut parser = ReplyParser::new();
    let mut last = None;
    for line in reply.to_wire().split_terminator("\r\n") {
        last = parser.push_line(line).ok()?;
    }
    last
}

/// Text a server may put on a reply line: anything but CR and LF, control characters included.
fn line_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        any::<char>().prop_filter("no line breaks", |c| *c != '\r' && *c != '\n'),
        0..60,
    )
    .prop_map(|v| v.into_iter().collect())
}

/// Bytes that look like SMTP more often than random bytes do.
fn smtp_ish() -> impl Strategy<Value = Vec<u8>> {
    let line = (
        200u16..600,
        prop_oneof![Just(b' '), Just(b'-'), any::<u8>()],
        line_text(),
    )
        .prop_map(|(code, sep, text)| {
            let mut l = code.to_string().into_bytes();
            l.push(sep);
            l.extend_from_slice(text.as_bytes());
            l.extend_from_slice(b"\r\n");
            l
        });
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        proptest::collection::vec(line, 0..30).prop_map(|ls| ls.concat()),
    ]
}

/// Feeds `bytes` in chunks of `step`; the first outcome or error.
fn feed(bytes: &[u8], step: usize) -> Result<Option<HelloOutcome>, String> {
    let mut reader = FlightReader::default();
    for chunk in bytes.chunks(step.max(1)) {
        match reader.feed(chunk) {
            Ok(None) => {}
            Ok(Some(o)) => return Ok(Some(o)),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(None)
}

const LEAF_DER: &[u8] = include_bytes!("../fuzz/seeds/cert_summary/leaf_ec.der");

/// Lines of a registry export, valid and broken: sections of the keys tlscheck reads, values of
/// every type with any text, continuations, deletions, comments.
fn reg_line() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just(r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Server".to_string()),
        Just(r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.0\Client".to_string()),
        Just(r"HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319".to_string()),
        Just(r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion".to_string()),
        "[ -~]{0,40}",
    ];
    let name = prop_oneof![
        Just("Enabled".to_string()),
        Just("DisabledByDefault".to_string()),
        Just("SchUseStrongCrypto".to_string()),
        Just("CurrentBuildNumber".to_string()),
        Just("CurrentMajorVersionNumber".to_string()),
        "[ -~]{0,12}",
    ];
    let data = prop_oneof![
        "dword:[0-9a-fA-F]{0,10}",
        "hex(b):([0-9a-f]{2},){0,9}[0-9a-f]{0,2}\\\\?",
        "hex:([0-9a-f]{2},){0,5}",
        "\"[^\"]{0,20}\"",
        Just("-".to_string()),
        "\\PC{0,20}",
    ];
    prop_oneof![
        key.clone().prop_map(|k| format!("[{k}]")),
        key.prop_map(|k| format!("[-{k}]")),
        (name, data).prop_map(|(n, d)| format!("\"{n}\"={d}")),
        Just(String::new()),
        "; \\PC{0,30}",
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn smtp_bytes_never_panic_and_replies_round_trip(bytes in smtp_ish()) {
        for reply in replies(&bytes) {
            prop_assert_eq!(reparse(&reply), Some(reply.clone()));
        }
    }

    #[test]
    fn generated_replies_round_trip(
        code in (200u16..600).prop_filter("a valid code", |c| ReplyCode::new(*c).is_some()),
        lines in proptest::collection::vec(line_text(), 1..20),
    ) {
        let mut wire = String::new();
        for (i, l) in lines.iter().enumerate() {
            let sep = if i + 1 == lines.len() { ' ' } else { '-' };
            wire.push_str(&format!("{code}{sep}{l}\r\n"));
        }
        let parsed = replies(wire.as_bytes());
        prop_assert_eq!(parsed.len(), 1);
        prop_assert_eq!(parsed[0].code.as_u16(), code);
        prop_assert_eq!(&parsed[0].lines, &lines);
        prop_assert_eq!(reparse(&parsed[0]), Some(parsed[0].clone()));
    }

    #[test]
    fn ehlo_lines_never_panic(lines in proptest::collection::vec(line_text(), 0..40)) {
        let reply = Reply { code: ReplyCode::new(250).unwrap(), enhanced: None, lines };
        let ext = Extensions::from_reply(&reply);
        let _ = (ext.starttls(), ext.size(), ext.keywords());
        for e in &ext.list {
            prop_assert!(ext.has(&e.keyword));
            prop_assert!(!e.keyword.is_empty() && !e.keyword.contains(char::is_whitespace));
        }
    }

    #[test]
    fn flight_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096), step in 1usize..300) {
        let _ = feed(&bytes, step);
        // Also behind a valid record header, where the assembler reads further.
        let framed = record(22, 0x0303, &bytes[..bytes.len().min(16384)]);
        let _ = feed(&framed, step);
    }

    #[test]
    fn server_hello_is_found_however_it_is_split(
        version in 0x0300u16..0x0304,
        suite in any::<u16>(),
        step in 1usize..64,
        split_records in any::<bool>(),
    ) {
        let mut flight = server_hello(version, suite);
        flight.extend(handshake(14, &[]));
        let bytes = if split_records {
            let (a, b) = flight.split_at(flight.len() / 2);
            [record(22, 0x0303, a), record(22, 0x0303, b)].concat()
        } else {
            record(22, 0x0303, &flight)
        };
        prop_assert_eq!(
            feed(&bytes, step),
            Ok(Some(HelloOutcome::ServerHello { version, suite, chain: vec![], kx: None }))
        );
    }

    #[test]
    fn certificate_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = summarize(&bytes);
    }

    /// Registry exports from a stranger (`tlscheck schannel FILE.reg`): any text after a valid
    /// header, and any bytes, is a key set or an error, never a panic; the judgement of whatever
    /// parsed never panics either.
    #[test]
    fn registry_exports_never_panic(
        body in proptest::collection::vec(reg_line(), 0..40),
        raw in proptest::collection::vec(any::<u8>(), 0..512),
        utf16 in any::<bool>(),
    ) {
        let text = format!("Windows Registry Editor Version 5.00\r\n{}", body.join("\r\n"));
        let bytes: Vec<u8> = if utf16 {
            let mut b = vec![0xFF, 0xFE];
            b.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            b
        } else {
            text.into_bytes()
        };
        for input in [bytes, raw] {
            let mut export = RegExport::default();
            if export.add(&input).is_ok() {
                if let Ok(report) = from_export(&export, vec![], None, VersionSource::Export) {
                    let judged = tlscheck::diagnose::schannel::judge(report);
                    let _ = tlscheck::schannel::fix::text(&judged.report);
                }
            }
        }
    }

    #[test]
    fn mutated_certificates_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut der = LEAF_DER.to_vec();
        for (at, byte) in flips {
            let i = at.index(der.len());
            der[i] ^= byte;
        }
        let _ = summarize(&der);
        let _ = summarize(&der[..cut.index(der.len())]);
    }

    /// Any text written as JSON reads back the same, and no control or bidirectional character
    /// is left raw in the file (`src/render/json.rs`).
    #[test]
    fn json_strings_are_terminal_safe_and_read_back(
        text in proptest::collection::vec(
            prop_oneof![
                any::<char>(),
                prop::sample::select(vec!['\u{7f}', '\u{85}', '\u{9b}', '\u{61c}', '\u{200f}', '\u{202e}', '\u{2066}', '\u{1b}', '\0']),
            ],
            0..64,
        ).prop_map(|cs| cs.into_iter().collect::<String>()),
    ) {
        let mut out = Vec::new();
        line(&text, &mut out).unwrap();
        let written = String::from_utf8(out).unwrap();
        prop_assert!(written.ends_with('\n'));
        prop_assert!(!written.trim_end_matches('\n').chars().any(is_unsafe), "{written:?}");
        let back: String = serde_json::from_str(&written).unwrap();
        prop_assert_eq!(back, text);
    }
}

#[test]
fn the_seed_certificate_summarises() {
    let s = summarize(LEAF_DER);
    assert!(s.subject.contains("mail.contoso.test"), "{s:?}");
}
