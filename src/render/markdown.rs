//! Markdown for a ticket or a partner hand-off (GitHub-flavoured: headings, tables, lists).
//!
//! A probe report becomes, per target: a title line with the verdict and the counts by severity,
//! one table row per address (STARTTLS, TLS version, cipher, forward secrecy, versions accepted,
//! certificate name, expiry, revocation), the findings with their fixes, and for each distinct leaf
//! certificate (by SHA-256) a "Certificate for partners" table: the attributes a partner asks for
//! to set up forced TLS (root issuer, certificate name, organization, organization unit, key
//! strength), validity, fingerprints, and every CRL, OCSP and CA-issuer endpoint of the chain with
//! what it answered from here. [`render_endpoints`] does the same for `tlscheck endpoints`.
//!
//! It spells the [`ReportView`]: every string from the network or a report file is written with
//! [`Untrusted::markdown`] (control characters escaped and long texts cut as in the text report,
//! then what Markdown gives a meaning neutralised, so a certificate's organization cannot end a
//! table cell, open code, emphasise, link, or carry raw HTML), or as code with
//! [`Untrusted::markdown_code`] when the value is plain (fingerprints, serials, cipher names).

use std::io::Write;

use crate::explain::Outcome;
use crate::render::escape::MAX_PROSE;
use crate::render::view::{
    utc_date, utc_minutes, verdict_label, AddressStatus, AddressView, CertView, CheckView,
    EndpointAnswer, EndpointsView, ExplanationView, FindingView, HostView, Kx, MailProbe, MxView,
    OutcomeView, ReportView, RootIssuer, SchannelView, ServedLeaf, Stapled, Starttls, TargetView,
    TlsView, Untrusted, Who,
};
use crate::report::EndpointsReport;
use crate::vocab::EndpointStatus;

/// Most SANs listed in the "Certificate name" row.
const MAX_SANS: usize = 20;

const DASH: &str = "—";

/// The columns of the address table.
const ADDRESS_COLUMNS: [&str; 11] = [
    "Host",
    "IP",
    "Result",
    "STARTTLS",
    "TLS version",
    "Cipher",
    "Forward secrecy",
    "Versions accepted",
    "Certificate name",
    "Expires",
    "Revocation",
];

fn row(out: &mut dyn Write, cells: &[String]) -> std::io::Result<()> {
    writeln!(out, "| {} |", cells.join(" | "))
}

fn header(out: &mut dyn Write, names: &[&str]) -> std::io::Result<()> {
    writeln!(out, "| {} |", names.join(" | "))?;
    writeln!(out, "|{}", "---|".repeat(names.len()))
}

fn md(t: &Untrusted<'_>) -> String {
    t.markdown()
}

fn code(t: &Untrusted<'_>) -> String {
    t.markdown_code()
}

/// A name that may be missing.
fn md_or(t: Option<&Untrusted<'_>>, missing: &str) -> String {
    t.map(md).unwrap_or_else(|| missing.to_string())
}

pub fn render(view: &ReportView<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let names: Vec<String> = view.targets.iter().map(|t| md(&t.input)).collect();
    writeln!(out, "# SMTP TLS report: {}", names.join(", "))?;
    writeln!(out)?;
    let mut how = vec![
        format!("port {}", view.port),
        format!("trust store {}", md(&view.trust_store)),
    ];
    if let Some(p) = &view.profile {
        how.push(format!("profile {}", md(p)));
    }
    if let Some(v) = view.require_tls {
        how.push(format!("{v} required"));
    }
    how.push(if view.revocation {
        "revocation checked".into()
    } else {
        "revocation not checked".into()
    });
    writeln!(
        out,
        "Verdict: **{}**. Checked by {} {} on {} ({}).",
        verdict_label(view.verdict),
        md(&view.tool),
        md(&view.tool_version),
        utc_minutes(view.started_at),
        how.join(", ")
    )?;
    for t in &view.targets {
        writeln!(out)?;
        target_section(view, t, out)?;
    }
    if !view.unplaced.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Findings about no target of this report")?;
        writeln!(out)?;
        for f in &view.unplaced {
            finding(f, out)?;
        }
    }
    Ok(())
}

fn target_section(
    view: &ReportView<'_>,
    t: &TargetView<'_>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "## {} ({}): {} — {}",
        md(&t.input),
        t.kind,
        verdict_label(t.verdict),
        t.counts
    )?;
    writeln!(out)?;
    let mx = match &t.mx {
        MxView::NotLooked => None,
        MxView::Nothing => Some(String::new()),
        MxView::Null => Some("MX: null MX (`0 .`), the domain accepts no mail.\n".into()),
        MxView::Implicit => Some(format!(
            "MX: none; implicit MX {} (RFC 5321 5.1).\n",
            md(&t.name)
        )),
        MxView::Records(records) => {
            let list: Vec<String> = records
                .iter()
                .map(|(pref, host)| format!("{pref} {}", md(host)))
                .collect();
            Some(format!("MX: {}.\n", list.join(", ")))
        }
    };
    if let Some(mx) = mx {
        writeln!(out, "{mx}")?;
    }
    if let Some(e) = &t.dns_error {
        writeln!(out, "DNS: {} ({}).", md(&e.message), e.kind)?;
        writeln!(out)?;
    }
    if t.hosts
        .iter()
        .any(|h| !h.addresses.is_empty() || h.dns_error.is_some())
    {
        address_table(view, t, out)?;
    }
    policy_section(t, out)?;
    writeln!(out)?;
    writeln!(out, "### Findings")?;
    writeln!(out)?;
    if t.findings.is_empty() {
        writeln!(out, "None.")?;
    }
    for f in &t.findings {
        finding(f, out)?;
    }
    for served in &t.leaves {
        writeln!(out)?;
        partner_section(t, served, out)?;
    }
    Ok(())
}

/// The transport-security policy: what each kind of sender would do, the MTA-STS and TLS-RPT
/// records, DANE per host and address.
fn policy_section(t: &TargetView<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let hosts_with_dane = t.hosts.iter().any(|h| h.dane.is_some());
    if t.policy.is_none() && !hosts_with_dane {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "### Transport-security policy")?;
    writeln!(out)?;
    header(out, &["What", "Result"])?;
    if let Some(p) = &t.policy {
        row(out, &["DANE sender".into(), md(&p.dane_sender)])?;
        row(out, &["MTA-STS sender".into(), md(&p.sts_sender)])?;
        row(
            out,
            &["Opportunistic sender".into(), md(&p.opportunistic_sender)],
        )?;
        row(out, &["MTA-STS".into(), md(&p.mta_sts)])?;
        row(out, &["TLS-RPT".into(), md(&p.tls_rpt)])?;
    }
    for host in &t.hosts {
        if let Some(d) = &host.dane {
            row(out, &[format!("DANE of {}", md(&host.name)), md(d)])?;
        }
        for a in &host.addresses {
            if let Some(d) = &a.dane {
                row(out, &[format!("DANE at `{}`", a.socket), md(d)])?;
            }
            if let Some(s) = &a.mta_sts {
                row(out, &[format!("MTA-STS at `{}`", a.socket), md(s)])?;
            }
        }
    }
    Ok(())
}

/// `- **warning** `code` (host, `ip`): message` and its fix.
fn finding(f: &FindingView<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let place: Vec<String> = f
        .host
        .iter()
        .map(md)
        .chain(f.ip.map(|ip| format!("`{ip}`")))
        .collect();
    let place = if place.is_empty() {
        String::new()
    } else {
        format!(" ({})", place.join(", "))
    };
    writeln!(
        out,
        "- **{}** `{}`{place}: {}",
        f.severity,
        f.code.as_str(),
        f.message.markdown_to(MAX_PROSE)
    )?;
    writeln!(out, "  - Fix: {}", f.fix.markdown_to(MAX_PROSE))
}

fn address_table(
    view: &ReportView<'_>,
    t: &TargetView<'_>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    header(out, &ADDRESS_COLUMNS)?;
    let mut client_auth = Vec::new();
    let mut limits = Vec::new();
    for host in &t.hosts {
        if host.addresses.is_empty() {
            row(out, &unprobed_host_cells(host))?;
        }
        for a in &host.addresses {
            row(out, &address_cells(view, host, a))?;
            if let Some(ca) = a.tls.as_ref().and_then(|tls| tls.client_auth.as_ref()) {
                client_auth.push(format!(
                    "- {} `{}`: {}",
                    md(&host.name),
                    a.socket,
                    ca.describe(md)
                ));
            }
            for limit in a.tls.iter().flat_map(|tls| &tls.client_limits) {
                limits.push(format!("- {} `{}`: {limit}", md(&host.name), a.socket));
            }
        }
    }
    if !client_auth.is_empty() {
        writeln!(out)?;
        writeln!(out, "Client certificate (mutual TLS):")?;
        writeln!(out)?;
        for line in client_auth {
            writeln!(out, "{line}")?;
        }
    }
    if !limits.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "What tlscheck's own TLS client could not do (not the server's fault):"
        )?;
        writeln!(out)?;
        for line in limits {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// The row of an MX host with no address to probe.
fn unprobed_host_cells(host: &HostView<'_>) -> Vec<String> {
    let why = host
        .dns_error
        .as_ref()
        .map(|e| format!("{} ({})", md(&e.message), e.kind))
        .unwrap_or_else(|| "no address".into());
    let mut cells = vec![md(&host.name), DASH.into(), format!("NOT PROBED: {why}")];
    cells.resize(ADDRESS_COLUMNS.len(), DASH.into());
    cells
}

fn address_cells(view: &ReportView<'_>, host: &HostView<'_>, a: &AddressView<'_>) -> Vec<String> {
    let mut result = match a.status {
        AddressStatus::Fail => "**FAIL**".to_string(),
        s => s.label().to_string(),
    };
    if let Some(e) = &a.stopped {
        result.push_str(&format!(", stopped in {} ({})", e.phase, e.kind));
    }
    let starttls = match &a.starttls {
        Starttls::Implicit => "implicit TLS".to_string(),
        Starttls::Unknown => DASH.to_string(),
        Starttls::NotOffered => "**not offered**".to_string(),
        Starttls::Accepted => "offered, accepted".to_string(),
        Starttls::Refused(r) => format!("offered, refused: {}", md(r)),
        Starttls::Offered => "offered".to_string(),
    };
    // Whether the server lets mail in without TLS (the MAIL FROM probe).
    let starttls = match &a.mail {
        MailProbe::TlsRequired => format!("{starttls}; TLS required before MAIL"),
        MailProbe::PlaintextAccepted => format!("{starttls}; plaintext MAIL accepted"),
        _ => starttls,
    };
    let versions = a
        .versions
        .as_ref()
        .map(|v| v.accepted())
        .unwrap_or_else(|| DASH.into());
    // A name given with --name (the pre-cutover check) stands beside the address it was used for.
    let host_name = match &a.name_given {
        Some((name, _)) => format!("{} (--name {})", md(&host.name), md(name)),
        None => md(&host.name),
    };
    let mut cells = vec![host_name, format!("`{}`", a.socket), result, starttls];
    match &a.tls {
        Some(tls) => cells.extend(tls_cells(view, tls, versions)),
        None => {
            cells.extend([DASH.into(), DASH.into(), DASH.into(), versions]);
            cells.extend([DASH.into(), DASH.into(), DASH.into()]);
        }
    }
    cells
}

/// TLS version, cipher, forward secrecy, versions accepted, certificate name, expiry, revocation.
fn tls_cells(view: &ReportView<'_>, tls: &TlsView<'_>, versions: String) -> Vec<String> {
    let mut version = format!("`{}`", tls.version);
    if !tls.handshake_completed {
        version.push_str(" (ServerHello only)");
    }
    let fs = match (tls.forward_secrecy, &tls.kx) {
        (true, Kx::Group(g)) if tls.post_quantum => {
            format!("yes ({}, post-quantum hybrid)", code(g))
        }
        (true, Kx::Group(g)) => format!("yes ({})", code(g)),
        (true, _) => "yes".into(),
        (false, _) => "**no**".into(),
    };
    let (name, expires) = match tls.leaf() {
        Some(leaf) if leaf.parse_error.is_none() => {
            let mut name = md_or(leaf.name.as_ref(), DASH);
            if let Some((checked, false)) = &tls.name_check {
                name.push_str(&format!(" (does **not** match {})", md(checked)));
            }
            (
                name,
                format!("{} ({})", utc_date(leaf.not_after), leaf.expiry),
            )
        }
        Some(_) => ("unparseable".into(), DASH.into()),
        None => (DASH.into(), DASH.into()),
    };
    let revocation = if view.revocation {
        tls.revocation_summary.clone()
    } else {
        "not checked".into()
    };
    vec![
        version,
        code(&tls.suite),
        fs,
        versions,
        name,
        expires,
        revocation,
    ]
}

fn partner_section(
    t: &TargetView<'_>,
    served: &ServedLeaf<'_>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let (h, a) = served.first;
    let Some(tls) = t.address(h, a).and_then(|a| a.tls.as_ref()) else {
        return Ok(());
    };
    let Some(leaf) = tls.leaf() else {
        return Ok(());
    };
    let title = leaf
        .name
        .as_ref()
        .map(md)
        .unwrap_or_else(|| code(&leaf.sha256));
    writeln!(out, "### Certificate for partners: {title}")?;
    writeln!(out)?;
    let at: Vec<String> = served
        .at
        .iter()
        .map(|(host, ip)| format!("{} (`{ip}`)", md(host)))
        .collect();
    writeln!(out, "Served by {}.", at.join(", "))?;
    writeln!(out)?;
    header(out, &["Attribute", "Value"])?;
    let attr =
        |out: &mut dyn Write, name: &str, value: String| row(out, &[name.to_string(), value]);
    if let Some(e) = &leaf.parse_error {
        attr(out, "Certificate", format!("unparseable: {}", md(e)))?;
        return attr(out, "SHA-256 fingerprint", code(&leaf.sha256));
    }
    let root = match &tls.root_issuer {
        RootIssuer::Validated(r) => md(r),
        RootIssuer::AsNamed(r) => format!(
            "{} (as the chain names it; the chain did not validate to it)",
            md(r)
        ),
        RootIssuer::Unknown => "unknown".into(),
    };
    attr(out, "Certificate authority root issuer", root)?;
    attr(out, "Certificate name", certificate_name(leaf))?;
    attr(
        out,
        "Organization",
        md_or(leaf.organization.as_ref(), "(none)"),
    )?;
    attr(
        out,
        "Organization unit",
        md_or(leaf.organizational_unit.as_ref(), "(none)"),
    )?;
    attr(out, "Certificate key strength", md(&leaf.key_strength))?;
    attr(out, "Valid from", utc_minutes(leaf.not_before))?;
    attr(
        out,
        "Valid until",
        format!("{} ({})", utc_minutes(leaf.not_after), leaf.expiry),
    )?;
    attr(out, "SHA-256 fingerprint", code(&leaf.sha256))?;
    attr(out, "SPKI SHA-256", code(&leaf.spki_sha256))?;
    attr(out, "Serial", code(&leaf.serial))?;
    attr(out, "Subject", md(&leaf.subject))?;
    attr(out, "Issuer", md(&leaf.issuer))?;
    endpoint_rows(tls, served, out)?;
    let rest = tls.chain.get(1..).unwrap_or_default();
    if !rest.is_empty() || tls.chain_dropped > 0 {
        writeln!(out)?;
        writeln!(out, "Rest of the chain sent by the server:")?;
        writeln!(out)?;
        for c in rest {
            writeln!(out, "- {}", chain_line(c))?;
        }
        if tls.chain_dropped > 0 {
            writeln!(
                out,
                "- … {} more certificate(s), not analysed",
                tls.chain_dropped
            )?;
        }
    }
    Ok(())
}

/// `mx.contoso.test; SAN: mx.contoso.test, mail.contoso.test (+3 more)`.
fn certificate_name(leaf: &CertView<'_>) -> String {
    let mut name = md_or(leaf.name.as_ref(), DASH);
    let sans: Vec<String> = leaf
        .san_dns
        .iter()
        .chain(&leaf.san_ip)
        .take(MAX_SANS)
        .map(md)
        .collect();
    if !sans.is_empty() {
        let total = leaf.san_dns.len() + leaf.san_ip.len();
        let more = if total > MAX_SANS {
            format!(" (+{} more)", total - MAX_SANS)
        } else {
            String::new()
        };
        name.push_str(&format!("; SAN: {}{more}", sans.join(", ")));
    }
    name
}

/// The partner table's rows for every CRL, OCSP and CA-issuers URL of the chain, the leaf's
/// stapled response, revocation notes, and what the firewall must let through.
fn endpoint_rows(
    tls: &TlsView<'_>,
    served: &ServedLeaf<'_>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for (i, cert) in served.endpoints.iter().enumerate() {
        let who = match &cert.who {
            Who::Leaf => "leaf".to_string(),
            Who::Named(n) => md(n),
        };
        for r in &cert.rows {
            let status = match &r.answer {
                EndpointAnswer::Checked(ch) => format!(" — {}", check_md(ch)),
                EndpointAnswer::NotApplicable => String::new(),
                EndpointAnswer::NotChecked => " — not checked".into(),
                EndpointAnswer::RevocationOff => " — not checked (--no-revocation)".into(),
            };
            row(
                out,
                &[
                    format!("Revocation endpoint: {} ({who})", r.kind),
                    format!("{}{status}", md(&r.url)),
                ],
            )?;
        }
        if i == 0 {
            let stapled = match &tls.leaf_stapled {
                Stapled::Checked(ch) => Some(check_md(ch)),
                Stapled::NotChecked => Some("stapled, not checked".into()),
                Stapled::Missing => Some("not stapled".into()),
                Stapled::NotApplicable => None,
            };
            if let Some(st) = stapled {
                row(out, &["Stapled OCSP (leaf)".into(), st])?;
            }
        }
        if let Some(note) = &cert.note {
            row(out, &[format!("Revocation note ({who})"), md(note)])?;
        }
    }
    if served.endpoints.iter().all(|c| c.rows.is_empty()) {
        row(
            out,
            &[
                "Revocation endpoints".into(),
                "none named in the chain".into(),
            ],
        )?;
    }
    if !served.origins.is_empty() {
        let origins: Vec<String> = served.origins.iter().map(md).collect();
        row(
            out,
            &[
                "Outbound access needed (firewall)".into(),
                origins.join(", "),
            ],
        )?;
    }
    Ok(())
}

/// `Intermediate: CN=... — issued by CN=...; EC P-384 (384 bits); valid until ...; SHA-256 ...`.
fn chain_line(c: &CertView<'_>) -> String {
    if let Some(e) = &c.parse_error {
        return format!("unparseable ({}), SHA-256 {}", md(e), code(&c.sha256));
    }
    let role = if c.self_issued {
        "Root (self-issued)"
    } else {
        "Intermediate"
    };
    format!(
        "{role}: {} — issued by {}; {}; valid until {}; SHA-256 {}",
        md(&c.subject),
        md(&c.issuer),
        md(&c.key_strength),
        utc_minutes(c.not_after),
        code(&c.sha256)
    )
}

/// `good, delegated responder CN=R (HTTP 200, 312 ms)`.
fn check_md(c: &CheckView<'_>) -> String {
    let mut s = md(&c.outcome);
    for d in c.details.iter().chain(&c.error) {
        s.push_str(", ");
        s.push_str(&md(d));
    }
    let meta: Vec<String> = c
        .http_status
        .map(|h| format!("HTTP {h}"))
        .into_iter()
        .chain(c.ms.map(|m| format!("{m} ms")))
        .collect();
    if !meta.is_empty() {
        s.push_str(&format!(" ({})", meta.join(", ")));
    }
    s
}

/// `tlscheck endpoints` as a table: one row per endpoint, then the verdict.
pub fn render_endpoints(report: &EndpointsReport, out: &mut dyn Write) -> std::io::Result<()> {
    let view = EndpointsView::new(report);
    match &view.profile {
        Some(p) => writeln!(out, "# CA endpoints of profile {}", md(p))?,
        None => writeln!(out, "# CA endpoints")?,
    }
    writeln!(out)?;
    writeln!(
        out,
        "Verdict: **{}**: {} of {} endpoints answered as expected. Fetched from this machine by {} {} on {}.",
        verdict_label(view.verdict),
        view.ok,
        view.rows.len(),
        md(&view.tool),
        md(&view.tool_version),
        utc_minutes(view.started_at)
    )?;
    writeln!(out)?;
    header(
        out,
        &["Result", "Kind", "URL", "HTTP", "Time", "What came back"],
    )?;
    for e in &view.rows {
        let result = if e.status == EndpointStatus::Ok {
            "ok".to_string()
        } else {
            format!("**FAIL** ({})", e.status)
        };
        let what = e
            .detail
            .as_ref()
            .or(e.error.as_ref())
            .map(md)
            .unwrap_or_else(|| DASH.into());
        row(
            out,
            &[
                result,
                e.kind.to_string(),
                md(&e.url),
                e.http_status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| DASH.into()),
                e.ms.map(|m| format!("{m} ms"))
                    .unwrap_or_else(|| DASH.into()),
                what,
            ],
        )?;
    }
    if !view.blocked.is_empty() {
        let blocked: Vec<String> = view.blocked.iter().map(md).collect();
        writeln!(out)?;
        writeln!(
            out,
            "The firewall (or proxy) must let this machine reach: {}.",
            blocked.join(", ")
        )?;
    }
    Ok(())
}

/// `tlscheck explain` for a ticket: the counts of an excerpt, then per explanation the line (as
/// escaped prose), what was read from it, the meaning, the causes with the findings that would
/// confirm them, and the commands as code.
pub fn render_explanations(o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    let view = OutcomeView::new(o);
    writeln!(out, "# tlscheck explain")?;
    let summary = view.summary();
    if !summary.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", summary.join(" "))?;
    }
    for e in &view.items {
        writeln!(out)?;
        match e.at {
            Some((line, 1)) => writeln!(out, "## Line {line}")?,
            Some((line, 2)) => writeln!(out, "## Line {line} (and 1 more line like it)")?,
            Some((line, n)) => writeln!(out, "## Line {line} (and {} more lines like it)", n - 1)?,
            None => {}
        }
        explanation_section(e, out)?;
    }
    Ok(())
}

fn explanation_section(e: &ExplanationView<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "> {}", e.input.markdown_to(MAX_PROSE))?;
    writeln!(out)?;
    if !e.found.is_empty() {
        let found: Vec<String> = e
            .found
            .iter()
            .map(|(label, value)| format!("{label} {}", code(value)))
            .collect();
        writeln!(out, "**Read:** {}", found.join("; "))?;
        writeln!(out)?;
    }
    for note in e.notes {
        writeln!(out, "*Note:* {note}")?;
        writeln!(out)?;
    }
    writeln!(out, "**Meaning:** {}", e.meaning)?;
    writeln!(out)?;
    writeln!(out, "**Likely causes:**")?;
    writeln!(out)?;
    for (i, c) in e.causes.iter().enumerate() {
        let codes: Vec<String> = c
            .confirmed_by
            .iter()
            .map(|c| format!("`{}`", c.as_str()))
            .collect();
        if codes.is_empty() {
            writeln!(out, "{}. {}", i + 1, c.cause)?;
        } else {
            writeln!(
                out,
                "{}. {} Confirmed by: {}",
                i + 1,
                c.cause,
                codes.join(", ")
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "**Run:**")?;
    writeln!(out)?;
    for c in &e.commands {
        writeln!(out, "- {}", code(c))?;
    }
    Ok(())
}

/// `tlscheck schannel` as Markdown for a ticket: the Windows version, a protocol table, a .NET
/// table, the findings, the verdict.
pub fn render_schannel(view: &SchannelView<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "# SCHANNEL and .NET TLS settings")?;
    writeln!(out)?;
    let sources: Vec<String> = view.sources.iter().map(code).collect();
    writeln!(
        out,
        "Verdict: **{}** ({} error{}, {} warning{}). Read from {}.",
        view.verdict,
        view.errors,
        if view.errors == 1 { "" } else { "s" },
        view.warnings,
        if view.warnings == 1 { "" } else { "s" },
        sources.join(", ")
    )?;
    writeln!(out)?;
    let product = view
        .product_name
        .as_ref()
        .map(|p| format!("; ProductName {}", code(p)))
        .unwrap_or_default();
    writeln!(
        out,
        "Windows: {}, {}{product}.",
        view.windows, view.windows_source
    )?;
    writeln!(out)?;
    if view.protocols.is_empty() {
        writeln!(
            out,
            "Protocols: not checked (no SCHANNEL keys in the input)."
        )?;
    } else {
        header(out, &["Protocol", "Client", "Server"])?;
        for r in &view.protocols {
            let cell = |c: &crate::render::view::Cell| {
                let state = if c.bad {
                    format!("**{}**", c.words)
                } else {
                    c.words.to_string()
                };
                format!("{state} ({})", c.why)
            };
            row(
                out,
                &[
                    r.protocol.as_str().to_string(),
                    cell(&r.client),
                    cell(&r.server),
                ],
            )?;
        }
    }
    writeln!(out)?;
    header(
        out,
        &[
            ".NET Framework",
            "View",
            "SchUseStrongCrypto",
            "SystemDefaultTlsVersions",
        ],
    )?;
    for d in &view.dotnet {
        let mark = |v: &str| {
            if d.read && v != "1" {
                format!("**{v}**")
            } else {
                v.to_string()
            }
        };
        row(
            out,
            &[
                d.framework.as_str().to_string(),
                d.view.as_str().to_string(),
                mark(&d.strong_crypto),
                mark(&d.system_default),
            ],
        )?;
    }
    let notes: Vec<&Untrusted<'_>> = view
        .notes
        .iter()
        .chain(view.dotnet.iter().flat_map(|d| d.notes.iter()))
        .collect();
    if !notes.is_empty() {
        writeln!(out)?;
        for n in notes {
            writeln!(out, "- Note: {}", md(n))?;
        }
    }
    if !view.findings.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Findings")?;
        writeln!(out)?;
        for f in &view.findings {
            finding(f, out)?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "Absent values are judged by the Windows defaults of {}.",
        md(&view.defaults_source)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judged::Judged;
    use crate::sample::{self, address_mut};
    use crate::vocab::{KeyType, RevocationStatus};

    fn render_string(report: &Judged) -> String {
        let mut buf = Vec::new();
        render(&ReportView::new(report), &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    /// The value of the partner-table row named `name` (the first one).
    fn cell<'a>(md: &'a str, name: &str) -> &'a str {
        let prefix = format!("| {name} | ");
        md.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .and_then(|v| v.strip_suffix(" |"))
            .unwrap_or_else(|| panic!("no row {name:?} in\n{md}"))
    }

    /// Unescaped `|` in a table line: the cell separators.
    fn separators(line: &str) -> usize {
        let mut n = 0;
        let mut escaped = false;
        for c in line.chars() {
            match c {
                '\\' if !escaped => escaped = true,
                '|' if !escaped => n += 1,
                _ => escaped = false,
            }
            if c != '\\' {
                escaped = false;
            }
        }
        n
    }

    #[test]
    fn the_mail_probe_and_a_given_name_are_in_the_address_row() {
        let mut r = sample::report();
        let a = address_mut(&mut r, 0, 0, 0);
        a.smtp.tls_required = Some(true);
        a.name = Some("mx.cutover.test".into());
        let out = render_string(&r);
        assert!(
            out.contains("offered, accepted; TLS required before MAIL"),
            "{out}"
        );
        assert!(out.contains("(--name mx.cutover.test)"), "{out}");
        address_mut(&mut r, 0, 0, 0).smtp.tls_required = Some(false);
        assert!(render_string(&r).contains("plaintext MAIL accepted"));
    }

    #[test]
    fn title_verdict_and_address_rows() {
        let out = render_string(&sample::report());
        assert!(
            out.starts_with("# SMTP TLS report: contoso.test\n"),
            "{out}"
        );
        assert!(
            out.contains("## contoso.test (mx): PASS — 0 errors, 1 warning, 0 infos\n"),
            "{out}"
        );
        assert!(out.contains("MX: 10 mx.contoso.test.\n"), "{out}");
        assert!(
            out.contains(
                "| mx.contoso.test | `192.0.2.1:25` | WARN | offered, accepted | `TLSv1.3` | \
                 `TLS_AES_256_GCM_SHA384` | yes (`X25519MLKEM768`, post-quantum hybrid) | \
                 TLS 1.2, 1.3 | mx.contoso.test | 2027-01-01 (38 days left) | \
                 2 good, 1 unreachable |"
            ),
            "{out}"
        );
        assert!(
            out.contains("| mx.contoso.test | `192.0.2.2:25` | OK |"),
            "{out}"
        );
        assert!(
            out.contains(
                "- **warning** `revocation-unreachable` (mx.contoso.test, `192.0.2.1`): \
                 the CRL at http://crl.globalsign.test/root.crl did not answer\n  - Fix: "
            ),
            "{out}"
        );
        // Every table line has as many cells as its header.
        for line in out.lines().filter(|l| l.starts_with("| ")) {
            let n = separators(line);
            assert!(n == 12 || n == 3, "{n} separators: {line}");
        }
    }

    #[test]
    fn partner_table_once_per_distinct_leaf() {
        let out = render_string(&sample::report());
        assert_eq!(
            out.matches("### Certificate for partners: mx.contoso.test")
                .count(),
            1,
            "two addresses, one leaf: {out}"
        );
        assert!(
            out.contains("Served by mx.contoso.test (`192.0.2.1`), mx.contoso.test (`192.0.2.2`)."),
            "{out}"
        );
        assert_eq!(
            cell(&out, "Certificate authority root issuer"),
            "CN=Contoso Root CA, O=Contoso Ltd"
        );
        assert_eq!(
            cell(&out, "Certificate name"),
            "mx.contoso.test; SAN: mx.contoso.test, mail.contoso.test"
        );
        assert_eq!(cell(&out, "Organization"), "Contoso Ltd");
        assert_eq!(cell(&out, "Organization unit"), "Mail");
        assert_eq!(cell(&out, "Certificate key strength"), "RSA 2048 bits");
        assert_eq!(cell(&out, "Valid from"), "2026-01-01 00:00 UTC");
        assert_eq!(
            cell(&out, "Valid until"),
            "2027-01-01 00:00 UTC (38 days left)"
        );
        assert_eq!(
            cell(&out, "SHA-256 fingerprint"),
            format!("`{}`", "aa".repeat(32))
        );
        assert_eq!(cell(&out, "SPKI SHA-256"), format!("`{}`", "bb".repeat(32)));
        assert_eq!(cell(&out, "Serial"), "`0a:1b:2c`");
        assert_eq!(cell(&out, "Issuer"), "CN=Contoso Issuing CA, O=Contoso Ltd");
        assert!(
            out.contains("- Intermediate: CN=Contoso Issuing CA, O=Contoso Ltd — issued by CN=Contoso Root CA, O=Contoso Ltd; EC P-384 (384 bits); valid until 2030-01-01 00:00 UTC; SHA-256 `dddd"),
            "{out}"
        );

        // Another leaf at the second address gets its own table.
        let mut r = sample::report();
        if let Some(tls) = address_mut(&mut r, 0, 0, 1).tls.as_mut() {
            tls.chain[0].sha256 = "ee".repeat(32);
            tls.chain[0].key_type = KeyType::Ec;
            tls.chain[0].key_bits = 256;
            tls.chain[0].curve = Some("P-256".into());
        }
        let out = render_string(&r);
        assert_eq!(out.matches("### Certificate for partners:").count(), 2);
        assert!(
            out.contains("| Certificate key strength | EC P-256 (256 bits) |"),
            "{out}"
        );
    }

    #[test]
    fn root_issuer_falls_back_to_the_top_issuer() {
        let mut r = sample::report();
        for a in &mut r.report.targets[0].hosts[0].addresses {
            if let Some(tls) = a.tls.as_mut() {
                tls.anchor = None;
            }
        }
        let out = render_string(&r);
        assert_eq!(
            cell(&out, "Certificate authority root issuer"),
            "CN=Contoso Root CA, O=Contoso Ltd (as the chain names it; the chain did not validate to it)"
        );
    }

    #[test]
    fn revocation_endpoints_with_their_answers() {
        let out = render_string(&sample::report());
        assert_eq!(
            cell(&out, "Revocation endpoint: CRL (leaf)"),
            "http://crl.contoso.test/issuing.crl — good (HTTP 200, 312 ms)"
        );
        assert_eq!(
            cell(&out, "Revocation endpoint: OCSP (leaf)"),
            "http://ocsp.contoso.test/ — good, delegated responder CN=Contoso OCSP (HTTP 200, 312 ms)"
        );
        assert_eq!(
            cell(&out, "Revocation endpoint: CA issuers (leaf)"),
            "http://certs.contoso.test/issuing.crt"
        );
        assert_eq!(cell(&out, "Stapled OCSP (leaf)"), "not stapled");
        assert_eq!(
            cell(&out, "Revocation endpoint: CRL (Contoso Issuing CA)"),
            "http://crl.globalsign.test/root.crl — unreachable, timed out after 10 s (312 ms)"
        );
        assert_eq!(
            cell(&out, "Outbound access needed (firewall)"),
            "http://crl.contoso.test, http://ocsp.contoso.test, http://certs.contoso.test, \
             http://crl.globalsign.test"
        );

        // A revoked leaf says since when and why.
        let mut r = sample::report();
        if let Some(tls) = address_mut(&mut r, 0, 0, 0).tls.as_mut() {
            if let Some(rev) = tls.chain[0].revocation.as_mut() {
                rev.crl[0].status = RevocationStatus::Revoked;
                rev.crl[0].revoked_at = Some(time::macros::datetime!(2026-11-01 0:00 UTC));
                rev.crl[0].reason = Some("keyCompromise".into());
            }
        }
        let out = render_string(&r);
        assert_eq!(
            cell(&out, "Revocation endpoint: CRL (leaf)"),
            "http://crl.contoso.test/issuing.crl — revoked since 2026-11-01, keyCompromise (HTTP 200, 312 ms)"
        );
        assert!(out.contains("| REVOKED |"), "{out}");

        // Without revocation checks the endpoints are still listed.
        let mut r = sample::report();
        r.report.run.options.revocation = false;
        for a in &mut r.report.targets[0].hosts[0].addresses {
            if let Some(tls) = a.tls.as_mut() {
                for c in &mut tls.chain {
                    c.revocation = None;
                }
            }
        }
        let out = render_string(&r);
        assert_eq!(
            cell(&out, "Revocation endpoint: CRL (leaf)"),
            "http://crl.contoso.test/issuing.crl — not checked (--no-revocation)"
        );
    }

    #[test]
    fn network_text_cannot_break_the_markdown() {
        let mut r = sample::report();
        if let Some(tls) = address_mut(&mut r, 0, 0, 0).tls.as_mut() {
            tls.chain[0].organization = Some("Evil | Corp\n<script>`x`".into());
            tls.chain[0].organizational_unit =
                Some("\x1b[31mred\x1b[0m [link](http://x) *b*".into());
            tls.chain[0].serial = "01|02".into();
        }
        let out = render_string(&r);
        assert_eq!(
            cell(&out, "Organization"),
            "Evil \\| Corp\\\\u{a}&lt;script&gt;\\`x\\`"
        );
        assert_eq!(
            cell(&out, "Organization unit"),
            "\\\\u{1b}\\[31mred\\\\u{1b}\\[0m \\[link\\](http://x) \\*b\\*"
        );
        assert_eq!(cell(&out, "Serial"), "01\\|02", "not code: escaped prose");
        assert!(!out.contains('\x1b') && !out.contains("<script"), "{out}");
        for line in out.lines().filter(|l| l.starts_with("| ")) {
            let n = separators(line);
            assert!(n == 12 || n == 3, "{n} separators: {line}");
        }
    }

    #[test]
    fn client_auth_is_listed_under_the_table() {
        let mut r = sample::report();
        if let Some(tls) = address_mut(&mut r, 0, 0, 0).tls.as_mut() {
            tls.client_auth = Some(crate::report::ClientAuth {
                requested: true,
                ca_names: vec!["CN=Partner <CA>".into()],
                presented: Some("CN=us".into()),
                accepted: Some(false),
            });
        }
        let out = render_string(&r);
        assert!(
            out.contains("- mx.contoso.test `192.0.2.1:25`: certificate requested (CAs: CN=Partner &lt;CA&gt;), presented CN=us, refused"),
            "{out}"
        );
    }

    #[test]
    fn endpoints_table() {
        let report = sample::endpoints(
            "CRL issued by CN=CA|x, 0 entries",
            "http://ocsp.example.test/",
        );
        let mut buf = Vec::new();
        render_endpoints(&report, &mut buf).unwrap();
        let out = String::from_utf8(buf).unwrap();
        assert!(
            out.starts_with("# CA endpoints of profile exchange-online\n"),
            "{out}"
        );
        assert!(out.contains("Verdict: **FAIL**: 1 of 2 endpoints"), "{out}");
        assert!(out.contains("| Result | Kind | URL | HTTP | Time | What came back |"));
        assert!(
            out.contains("| ok | crl | http://crl.example.test/ca.crl | 200 | 31 ms | CRL issued by CN=CA\\|x, 0 entries |"),
            "{out}"
        );
        assert!(
            out.contains("| **FAIL** (unreachable) | ocsp | http://ocsp.example.test/ | — | 10000 ms | timed out |"),
            "{out}"
        );
        assert!(
            out.contains("must let this machine reach: http://ocsp.example.test."),
            "{out}"
        );
    }
}
