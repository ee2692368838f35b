//! Lookups in a tlscheck JSON report (`docs/report.schema.json`) that tests of every binary make:
//! finding codes, the finding with a code, a target, host or address, version verdicts. They read
//! the JSON only, never the `tlscheck` crate's types, so they see what a user's script would see.
//! A lookup by code or name that finds nothing fails the test and shows what was there.

use serde_json::Value;

/// The code of every finding, in report order.
pub fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array: {report:#}"))
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// Every finding with `code`.
pub fn findings<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array: {report:#}"))
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

/// The first finding with `code`; fails the test when there is none.
pub fn finding<'a>(report: &'a Value, code: &str) -> &'a Value {
    findings(report, code)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no {code} finding in {:?}", codes(report)))
}

/// The target named `name` (the domain or host as tlscheck normalised it).
pub fn target<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["targets"]
        .as_array()
        .unwrap_or_else(|| panic!("no targets array: {report:#}"))
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no target {name}: {report:#}"))
}

/// The host named `name` of the first target.
pub fn host<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["targets"][0]["hosts"]
        .as_array()
        .unwrap_or_else(|| panic!("no hosts array: {report:#}"))
        .iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("no host {name} in {report:#}"))
}

/// The first address of the first host of target `target` (one per `tlscheck host` argument).
pub fn address(report: &Value, target: usize) -> &Value {
    &report["targets"][target]["hosts"][0]["addresses"][0]
}

/// The first address of the first host of the first target: all there is in a single-MX run.
pub fn first_address(report: &Value) -> &Value {
    address(report, 0)
}

/// The `revocation` object of certificate `i` (0 = the leaf) in the first address's chain.
pub fn revocation(report: &Value, i: usize) -> &Value {
    &first_address(report)["tls"]["chain"][i]["revocation"]
}

/// The TLS 1.0, 1.1, 1.2 and 1.3 verdicts of `address` ("accepted", "rejected", "error"), in that
/// order; "absent" where the report has none.
pub fn versions(address: &Value) -> [String; 4] {
    let v = &address["versions"];
    ["tls1_0", "tls1_1", "tls1_2", "tls1_3"].map(|k| v[k].as_str().unwrap_or("absent").to_string())
}

/// The commands `address`'s main session sent, in order (the client lines of its transcript).
pub fn commands(address: &Value) -> Vec<&str> {
    address["smtp"]["transcript"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .filter(|l| l["dir"] == "C")
                .filter_map(|l| l["line"].as_str())
                .collect()
        })
        .unwrap_or_default()
}
