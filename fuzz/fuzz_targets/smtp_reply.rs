//! Bytes from an SMTP server, split into lines exactly as `SmtpStream` does, fed to the reply
//! parser. Every complete reply must serialise and parse back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlscheck::smtp::reply::ReplyParser;
use tlscheck::smtp::stream::take_line;

fuzz_target!(|data: &[u8]| {
    let mut buf = data.to_vec();
    let mut parser = ReplyParser::new();
    while let Ok(Some(line)) = take_line(&mut buf) {
        let text = String::from_utf8_lossy(&line);
        match parser.push_line(&text) {
            Ok(Some(reply)) => {
                let _ = reply.is_throttle();
                let mut again = ReplyParser::new();
                let mut parsed = None;
                for wire_line in reply.to_wire().split_terminator("\r\n") {
                    parsed = again
                        .push_line(wire_line)
                        .expect("a serialised reply parses");
                }
                assert_eq!(parsed.as_ref(), Some(&reply), "round trip");
            }
            Ok(None) => {}
            Err(_) => parser = ReplyParser::new(),
        }
    }
});
