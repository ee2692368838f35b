//! A presented certificate (any bytes) summarised for the report: names, key, validity, AIA and
//! CRL distribution points.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let summary = tlscheck::cert::summary::summarize(data);
    // The summary is data for the JSON report: it must always serialise.
    serde_json::to_string(&summary).expect("summary serialises");
});
