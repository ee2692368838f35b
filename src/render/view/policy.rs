//! The policy part of the view: per domain what a DANE sender, an MTA-STS sender and an
//! opportunistic sender would do, and the MTA-STS and TLS-RPT summaries; per MX host its DANE
//! state; per address its DANE and MTA-STS outcome. Every format reads these.

use super::Untrusted;
use crate::report::{AddressReport, DaneHost, HostReport, PolicyFacts, TargetReport};
use crate::vocab::{DaneAddressStatus, DaneHostStatus, MtaStsStatus, StsMode, TlsRptStatus};

/// A domain's transport-security policy, as every format shows it.
pub struct PolicyView<'a> {
    /// What a sender that does DANE would do.
    pub dane_sender: Untrusted<'a>,
    /// What a sender that does MTA-STS (and not DANE) would do.
    pub sts_sender: Untrusted<'a>,
    /// What a sender with opportunistic TLS would do.
    pub opportunistic_sender: Untrusted<'a>,
    /// The MTA-STS record and policy in one line.
    pub mta_sts: Untrusted<'a>,
    /// The TLS-RPT destinations in one line.
    pub tls_rpt: Untrusted<'a>,
}

impl<'a> PolicyView<'a> {
    /// `None` for host targets and runs with `--no-policy` (no policy facts).
    pub fn new(t: &'a TargetReport) -> Option<Self> {
        let p = t.policy.as_ref()?;
        Some(Self {
            dane_sender: Untrusted::owned(dane_sender(t)),
            sts_sender: Untrusted::owned(sts_sender(t, p)),
            opportunistic_sender: Untrusted::owned(opportunistic_sender(t)),
            mta_sts: Untrusted::owned(mta_sts_line(p)),
            tls_rpt: Untrusted::owned(tls_rpt_line(p)),
        })
    }
}

/// An MX host's DANE state in one line (`None` when DANE was not looked up).
pub fn host_line(h: &HostReport) -> Option<Untrusted<'_>> {
    h.dane.as_ref().map(|d| Untrusted::owned(dane_host_line(d)))
}

/// An address's DANE outcome in a few words.
pub fn address_dane(a: &AddressReport) -> Option<Untrusted<'_>> {
    let d = a.dane.as_ref()?;
    let record =
        |r: &crate::report::TlsaRecord| format!("{} {} {}", r.usage, r.selector, r.matching);
    Some(Untrusted::owned(match d.status {
        DaneAddressStatus::Matched => match (&d.matched, d.matched_depth) {
            (Some(r), Some(depth)) if depth > 0 => {
                format!(
                    "matched TLSA {} (CA certificate at depth {depth})",
                    record(r)
                )
            }
            (Some(r), _) => format!("matched TLSA {}", record(r)),
            (None, _) => "matched".into(),
        },
        DaneAddressStatus::Mismatch => "no TLSA record matches (DANE senders defer)".into(),
        DaneAddressStatus::StarttlsMissing => "no STARTTLS (DANE senders defer)".into(),
        DaneAddressStatus::NoTls => "no TLS (DANE senders defer)".into(),
        DaneAddressStatus::Unauthenticated => {
            "TLS required, not authenticated (no usable TLSA record)".into()
        }
    }))
}

/// An address's MTA-STS outcome in a few words.
pub fn address_sts(a: &AddressReport) -> Option<Untrusted<'_>> {
    let s = a.mta_sts.as_ref()?;
    Some(Untrusted::owned(match (s.mx_covered, s.passes) {
        (false, _) => "MX host not covered by the policy".into(),
        (true, true) => format!(
            "passes (mx pattern {})",
            s.pattern.as_deref().unwrap_or("?")
        ),
        (true, false) => format!("fails: {}", s.reasons.join("; ")),
    }))
}

fn dane_host_line(d: &DaneHost) -> String {
    let records = || {
        d.tlsa
            .iter()
            .map(|r| {
                let short: String = r.data.chars().take(16).collect();
                let more = if r.data.len() > 16 { "…" } else { "" };
                format!("{} {} {} {short}{more}", r.usage, r.selector, r.matching)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let at = d.tlsa_name.as_deref().unwrap_or("TLSA");
    match d.status {
        DaneHostStatus::NotApplicable => format!(
            "not applicable (address records DNSSEC {}{})",
            d.dnssec,
            d.error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ),
        DaneHostStatus::NoTlsa => format!("none (DNSSEC secure, no TLSA records at {at})"),
        DaneHostStatus::Usable => format!("{at}: {} (DNSSEC secure)", records()),
        DaneHostStatus::Unusable => {
            format!("{at}: {} (DNSSEC secure; none usable for SMTP)", records())
        }
        DaneHostStatus::Bogus => format!(
            "DNSSEC bogus{}",
            d.error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ),
        DaneHostStatus::LookupFailed => format!(
            "lookup failed{}",
            d.error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ),
    }
}

/// The hosts (by name) whose addresses all satisfy `ok`, and those where one does not.
fn split_hosts<'t>(
    hosts: impl Iterator<Item = &'t HostReport>,
    ok: impl Fn(&AddressReport) -> bool,
) -> (Vec<&'t str>, Vec<&'t str>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for h in hosts {
        if !h.addresses.is_empty() && h.addresses.iter().all(&ok) {
            good.push(h.name.as_str());
        } else {
            bad.push(h.name.as_str());
        }
    }
    (good, bad)
}

fn dane_sender(t: &TargetReport) -> String {
    if t.null_mx {
        return "sends nothing (null MX)".into();
    }
    let failed: Vec<&str> = t
        .hosts
        .iter()
        .filter(|h| {
            h.dane.as_ref().is_some_and(|d| {
                matches!(
                    d.status,
                    DaneHostStatus::Bogus | DaneHostStatus::LookupFailed
                )
            })
        })
        .map(|h| h.name.as_str())
        .collect();
    let with_tlsa = t.hosts.iter().filter(|h| {
        h.dane
            .as_ref()
            .is_some_and(|d| matches!(d.status, DaneHostStatus::Usable | DaneHostStatus::Unusable))
    });
    let (good, bad) = split_hosts(with_tlsa, |a| {
        a.dane.as_ref().is_some_and(|d| {
            matches!(
                d.status,
                DaneAddressStatus::Matched | DaneAddressStatus::Unauthenticated
            )
        })
    });
    let mut parts = Vec::new();
    if !good.is_empty() {
        parts.push(format!("authenticated TLS to {}", good.join(", ")));
    }
    if !bad.is_empty() {
        parts.push(format!("defers at {} (TLSA not satisfied)", bad.join(", ")));
    }
    if !failed.is_empty() {
        parts.push(format!(
            "defers at {} (DNSSEC bogus or lookup failed)",
            failed.join(", ")
        ));
    }
    if parts.is_empty() {
        "no DANE (no DNSSEC-signed TLSA records): falls back to MTA-STS or opportunistic TLS".into()
    } else {
        parts.join("; ")
    }
}

fn sts_sender(t: &TargetReport, p: &PolicyFacts) -> String {
    if t.null_mx {
        return "sends nothing (null MX)".into();
    }
    let sts = &p.mta_sts;
    let Some(policy) = sts.policy.as_ref() else {
        return match sts.status {
            MtaStsStatus::Missing => "no MTA-STS policy: opportunistic TLS".into(),
            MtaStsStatus::LookupFailed => {
                "the policy record could not be looked up: a cached policy or none".into()
            }
            _ => "no valid policy: a cached one if it has one, else opportunistic TLS".into(),
        };
    };
    let (good, bad) = split_hosts(t.hosts.iter(), |a| {
        a.mta_sts.as_ref().is_some_and(|s| s.mx_covered && s.passes)
    });
    match policy.mode {
        StsMode::None => "policy mode none: no MTA-STS requirements".into(),
        StsMode::Testing if bad.is_empty() => {
            "testing mode: delivers, and would pass enforce".into()
        }
        StsMode::Testing => format!(
            "testing mode: delivers, but reports failures at {}",
            bad.join(", ")
        ),
        StsMode::Enforce if bad.is_empty() => {
            format!("delivers with validated TLS to {}", good.join(", "))
        }
        StsMode::Enforce if good.is_empty() => {
            format!("refuses every MX host ({})", bad.join(", "))
        }
        StsMode::Enforce => format!(
            "delivers to {}; refuses {}",
            good.join(", "),
            bad.join(", ")
        ),
    }
}

fn opportunistic_sender(t: &TargetReport) -> String {
    if t.null_mx {
        return "sends nothing (null MX)".into();
    }
    let probed: Vec<&AddressReport> = t
        .hosts
        .iter()
        .flat_map(|h| &h.addresses)
        .filter(|a| a.got_ehlo())
        .collect();
    if probed.is_empty() {
        return "could not be judged (no address answered)".into();
    }
    let tls = probed
        .iter()
        .filter(|a| a.tls.as_ref().is_some_and(|t| t.handshake_completed))
        .count();
    if tls == probed.len() {
        "delivers over TLS (certificate not checked)".into()
    } else if tls == 0 {
        "delivers in plaintext (no TLS at any address)".into()
    } else {
        format!(
            "delivers over TLS at {tls} of {} addresses, in plaintext at the others",
            probed.len()
        )
    }
}

fn mta_sts_line(p: &PolicyFacts) -> String {
    let s = &p.mta_sts;
    match (&s.policy, s.status) {
        (Some(policy), _) => format!(
            "mode {}, max_age {}, mx {} (id {})",
            policy.mode,
            policy.max_age,
            if policy.mx.is_empty() {
                "none".to_string()
            } else {
                policy.mx.join(", ")
            },
            s.id.as_deref().unwrap_or("?")
        ),
        (None, MtaStsStatus::Missing) => "none published".into(),
        (None, status) => format!(
            "{status}{}",
            s.error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ),
    }
}

fn tls_rpt_line(p: &PolicyFacts) -> String {
    let r = &p.tls_rpt;
    match r.status {
        TlsRptStatus::Valid => format!("reports to {}", r.rua.join(", ")),
        TlsRptStatus::Missing => "none published".into(),
        status => format!(
            "{status}{}",
            r.error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ),
    }
}
