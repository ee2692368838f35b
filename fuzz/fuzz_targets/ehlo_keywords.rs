//! An EHLO reply's lines as the server sent them (any bytes), read as extension keywords.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlscheck::smtp::extensions::Extensions;
use tlscheck::smtp::reply::{Reply, ReplyCode};

fuzz_target!(|data: &[u8]| {
    let Some(code) = ReplyCode::new(250) else {
        return;
    };
    let lines = data
        .split(|&b| b == b'\n')
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    let reply = Reply {
        code,
        enhanced: None,
        lines,
    };
    let ext = Extensions::from_reply(&reply);
    let _ = ext.starttls();
    let _ = ext.size();
    let _ = ext.has("PIPELINING");
    assert_eq!(ext.keywords().len(), ext.list.len());
    for e in &ext.list {
        assert!(
            ext.has(&e.keyword),
            "a listed keyword is found: {:?}",
            e.keyword
        );
        assert!(!e.keyword.is_empty() && !e.keyword.contains(char::is_whitespace));
    }
});
