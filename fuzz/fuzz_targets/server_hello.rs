//! A server's answer to a raw ClientHello, delivered in chunks whose size the first byte picks,
//! read by the record/handshake assembler that finds ServerHello, Certificate and alerts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlscheck::tls::legacy::{alert_name, suite_facts, version_label, FlightReader, HelloOutcome};

fuzz_target!(|data: &[u8]| {
    let Some((&step, rest)) = data.split_first() else {
        return;
    };
    let step = usize::from(step).max(1);
    let mut reader = FlightReader::default();
    for chunk in rest.chunks(step) {
        match reader.feed(chunk) {
            Ok(None) => continue,
            Ok(Some(HelloOutcome::ServerHello {
                version,
                suite,
                chain,
            })) => {
                let _ = version_label(version);
                let _ = suite_facts(suite);
                for der in &chain {
                    let _ = tlscheck::cert::summary::summarize(der);
                }
                break;
            }
            Ok(Some(HelloOutcome::Alert(code))) => {
                let _ = alert_name(code);
                break;
            }
            Ok(Some(HelloOutcome::Closed)) | Err(_) => break,
        }
    }
});
