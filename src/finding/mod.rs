//! Judgements: a [`Finding`] is one problem (or fact worth knowing) about a target, an MX host or
//! an address, with its stable [`Code`], its [`Severity`], the specifics and the fix. Findings are
//! computed by `diagnose` from a report's facts; the report itself never holds them (the judged
//! result is [`crate::judged::Judged`]).

pub mod codes;

use std::net::IpAddr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use codes::Code;

use crate::vocab::words;

words! {
    /// How much a finding weighs: any `error` fails its target; `warning` and `info` do not.
    #[derive(PartialOrd, Ord)]
    pub enum Severity {
        /// The target fails.
        Error = "error",
        /// A problem that does not fail the target.
        Warning = "warning",
        /// Worth knowing.
        Info = "info",
    }
}

/// A judgement about one target, host or address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// The target as the user typed it.
    pub target: String,
    /// The host the finding concerns, where it applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The address the finding concerns, where it applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub ip: Option<IpAddr>,
    /// The specifics.
    pub message: String,
    /// What to do about it.
    pub remediation: String,
}

impl Finding {
    /// A finding of `code` with its default severity and remediation.
    pub fn new(
        code: Code,
        target: &str,
        host: Option<&str>,
        ip: Option<IpAddr>,
        message: String,
    ) -> Self {
        Self {
            code,
            severity: code.severity(),
            target: target.to_string(),
            host: host.map(str::to_string),
            ip,
            message,
            remediation: code.remediation().to_string(),
        }
    }
}
