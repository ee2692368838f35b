//! JSON Schemas of the reports, generated from the Rust types with `schemars`.
//!
//! `docs/report.schema.json` ([`report_schema`]) describes the JSON of `tlscheck mx|host
//! --format json` ([`Judged`]); `docs/endpoints.schema.json` ([`endpoints_schema`]) that of
//! `tlscheck endpoints --format json` ([`EndpointsReport`]); `docs/schannel.schema.json`
//! ([`schannel_schema`]) that of `tlscheck schannel --format json`. All are committed; a unit test keeps
//! them in step with the types (`TLSCHECK_BLESS=1 cargo test --lib schema` rewrites them).
//!
//! The schemas describe what tlscheck writes (schemars' serialize contract): a field that is
//! always written is `required`, one omitted when empty is not, and an optional field is never
//! `null` (every `Option` field of the report is skipped when `None`). Unknown fields are allowed,
//! since adding a field is not a breaking change (docs/report-schema.md).

use schemars::generate::{Contract, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::Value;

use crate::judged::Judged;
use crate::report::EndpointsReport;

/// The JSON Schema (draft 2020-12) of the probe report.
pub fn report_schema() -> serde_json::Value {
    schema_for::<Judged>()
}

/// The JSON Schema (draft 2020-12) of the `tlscheck endpoints` report.
pub fn endpoints_schema() -> serde_json::Value {
    schema_for::<EndpointsReport>()
}

/// The JSON Schema (draft 2020-12) of the `tlscheck schannel` report.
pub fn schannel_schema() -> serde_json::Value {
    schema_for::<crate::diagnose::schannel::SchannelJudged>()
}

fn schema_for<T: JsonSchema>() -> serde_json::Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.contract = Contract::Serialize;
    let schema: Schema = settings.into_generator().into_root_schema_for::<T>();
    let mut value = schema.to_value();
    drop_null_from_optional(&mut value);
    value
}

/// schemars lets every `Option` field be `null`, but the report skips a `None` field
/// (`skip_serializing_if = "Option::is_none"`) rather than writing `null`: for each property that
/// is not `required` (so skipped when empty), removes `null` from its type. A required property
/// keeps its `null` (an `Option` written as `null`; the report has none today).
fn drop_null_from_optional(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let required: Vec<String> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            if let Some(Value::Object(props)) = map.get_mut("properties") {
                for (name, prop) in props.iter_mut() {
                    if !required.contains(name) {
                        strip_null(prop);
                    }
                }
            }
            map.values_mut().for_each(drop_null_from_optional);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_from_optional),
        _ => {}
    }
}

/// `{"type": ["T", "null"]}` becomes `{"type": "T"}`; `{"anyOf": [S, {"type": "null"}]}` becomes S
/// (keeping the property's own keywords, such as its description).
fn strip_null(prop: &mut Value) {
    let Value::Object(map) = prop else { return };
    let is_null = |s: &Value| s.get("type").and_then(Value::as_str) == Some("null");
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t.as_str() != Some("null"));
        if let [only] = types.as_slice() {
            let only = only.clone();
            map.insert("type".into(), only);
        }
    }
    let rest = match map.get("anyOf").and_then(Value::as_array) {
        Some(any) if any.iter().any(is_null) => {
            let rest: Vec<Value> = any.iter().filter(|s| !is_null(s)).cloned().collect();
            Some(rest)
        }
        _ => None,
    };
    match rest.as_deref() {
        Some([Value::Object(only)]) => {
            map.remove("anyOf");
            for (k, v) in only {
                map.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        Some(rest) => {
            map.insert("anyOf".into(), Value::Array(rest.to_vec()));
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compares `value` with the committed file; `TLSCHECK_BLESS=1` rewrites the file first.
    fn check_committed(file: &str, value: &serde_json::Value) {
        let path = format!("{}/docs/{file}", env!("CARGO_MANIFEST_DIR"));
        let expected = serde_json::to_string_pretty(value).unwrap() + "\n";
        if std::env::var_os("TLSCHECK_BLESS").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/{file} is stale (the report types changed): run \
             TLSCHECK_BLESS=1 cargo test --lib schema, then review and commit the diff"
        );
    }

    #[test]
    fn docs_report_schema_matches_the_types() {
        check_committed("report.schema.json", &report_schema());
    }

    #[test]
    fn docs_endpoints_schema_matches_the_types() {
        check_committed("endpoints.schema.json", &endpoints_schema());
    }

    #[test]
    fn docs_schannel_schema_matches_the_types() {
        check_committed("schannel.schema.json", &schannel_schema());
    }

    #[test]
    fn a_judged_schannel_report_validates() {
        let mut export = crate::schannel::reg::RegExport::default();
        export
            .add(b"REGEDIT4\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server]\n\"Enabled\"=dword:0\n")
            .unwrap();
        let report = crate::schannel::from_export(
            &export,
            vec!["a.reg".into()],
            None,
            crate::schannel::VersionSource::Export,
        )
        .unwrap();
        let value = serde_json::to_value(crate::diagnose::schannel::judge(report)).unwrap();
        let errors = validate(&schannel_schema(), &value);
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(value["verdict"], "fail");
        assert_eq!(value["findings"][0]["code"], "schannel-tls12-disabled");
    }

    fn validate(schema: &serde_json::Value, instance: &serde_json::Value) -> Vec<String> {
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(schema)
            .unwrap();
        validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    #[test]
    fn the_sample_report_validates_against_the_schema() {
        let report = serde_json::to_value(crate::sample::report()).unwrap();
        let errors = validate(&report_schema(), &report);
        assert!(errors.is_empty(), "{errors:#?}");
    }

    #[test]
    fn the_schema_rejects_a_broken_report() {
        let schema = report_schema();
        let mut report = serde_json::to_value(crate::sample::report()).unwrap();
        report["verdict"] = "maybe".into();
        report["findings"][0]["code"] = "no-such-code".into();
        report["started_at"] = "yesterday".into();
        report.as_object_mut().unwrap().remove("targets");
        let errors = validate(&schema, &report);
        assert_eq!(errors.len(), 4, "{errors:#?}");
    }

    #[test]
    fn the_schema_lists_every_code_and_time_format() {
        let schema = report_schema();
        let text = schema.to_string();
        for c in crate::finding::Code::ALL {
            assert!(
                text.contains(&format!("\"{}\"", c.as_str())),
                "{} missing",
                c.as_str()
            );
        }
        assert_eq!(
            schema["properties"]["started_at"]["format"], "date-time",
            "{schema:#}"
        );
    }

    /// Every optional field of the reports is skipped when `None`, so nothing in them is `null`.
    #[test]
    fn no_field_is_null() {
        for schema in [report_schema(), endpoints_schema(), schannel_schema()] {
            let text = schema.to_string();
            assert!(!text.contains("\"null\""), "{schema:#}");
        }
        let mut report = serde_json::to_value(crate::sample::report()).unwrap();
        report["findings"][0]["host"] = serde_json::Value::Null;
        assert_eq!(validate(&report_schema(), &report).len(), 1);
    }

    #[test]
    fn a_sample_endpoints_report_validates() {
        let report =
            crate::sample::endpoints("CRL issued by CN=Contoso Issuing CA", "http://ocsp.test/");
        let value = serde_json::to_value(&report).unwrap();
        let errors = validate(&endpoints_schema(), &value);
        assert!(errors.is_empty(), "{errors:#?}");
        let mut wrong = value.clone();
        wrong["kind"] = "report".into();
        assert_eq!(validate(&endpoints_schema(), &wrong).len(), 1);
    }
}
