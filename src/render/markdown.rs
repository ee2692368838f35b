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
//! Everything that came from the network goes through [`md`]: control characters are escaped and
//! long texts cut as in the text report ([`clean`]), then the characters Markdown gives a meaning
//! are neutralised, so a certificate's organization cannot end a table cell (`|`), open code
//! (`` ` ``), emphasise, link, or carry raw HTML (`<`, `>` become entities). Values known to be
//! plain (fingerprints, serials, addresses, cipher names) are shown as code.

use std::io::Write;

use crate::diagnose::Finding;
use crate::fetch::host_label;
use crate::render::text::{clean, clean_to, label};
use crate::render::{
    accepted_versions, address_findings, address_status, cert_name, check_outcome,
    client_auth_text, days_left, failure_kind, key_strength, revocation_summary, root_issuer,
    severity_counts, socket_label, utc_minutes,
};
use crate::report::{
    AddressReport, CertSummary, EndpointsReport, Report, RevocationCheck, TargetKind, TargetReport,
    TlsFacts,
};

/// Longest finding message or remediation kept, in characters (they quote the network).
const MAX_PROSE: usize = 2000;

/// Most SANs listed in the "Certificate name" row.
const MAX_SANS: usize = 20;

/// Text from the network, safe in Markdown prose and in a table cell.
pub fn md(s: &str) -> String {
    escape(&clean(s))
}

/// [`md`] for longer texts of our own that quote the network (finding messages, remediations).
fn md_prose(s: &str) -> String {
    escape(&clean_to(s, MAX_PROSE))
}

/// Neutralises what Markdown would interpret inline. `<`, `>` and `&` become entities, which
/// every Markdown flavour passes through as text (a backslash before `<` is not honoured by all);
/// the rest get a backslash (CommonMark §2.4). Newlines and other control characters never get
/// here: [`clean`] has escaped them.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A value shown as code when it is plain (hex, serials, addresses, IANA names); anything else is
/// escaped as prose, because nothing can be escaped inside a code span.
fn code(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().count() <= crate::limits::MAX_DISPLAY_TEXT
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".:-_/[]+=,@ ()".contains(c));
    if plain {
        format!("`{s}`")
    } else {
        md(s)
    }
}

fn row(out: &mut dyn Write, cells: &[String]) -> std::io::Result<()> {
    writeln!(out, "| {} |", cells.join(" | "))
}

fn header(out: &mut dyn Write, names: &[&str]) -> std::io::Result<()> {
    writeln!(out, "| {} |", names.join(" | "))?;
    writeln!(out, "|{}", "---|".repeat(names.len()))
}

const DASH: &str = "—";

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let names: Vec<String> = report.targets.iter().map(|t| md(&t.input)).collect();
    writeln!(out, "# SMTP TLS report: {}", names.join(", "))?;
    writeln!(out)?;
    let o = &report.options;
    let mut how = vec![
        format!("port {}", o.port),
        format!("trust store {}", md(&o.trust_store)),
    ];
    if let Some(p) = &o.profile {
        how.push(format!("profile {}", md(p)));
    }
    if let Some(v) = &o.require_tls {
        how.push(format!("{} required", md(v)));
    }
    how.push(if o.revocation {
        "revocation checked".into()
    } else {
        "revocation not checked".into()
    });
    writeln!(
        out,
        "Verdict: **{}**. Checked by {} {} on {} ({}).",
        label(report.verdict),
        md(&report.tool.name),
        md(&report.tool.version),
        utc_minutes(report.started_at),
        how.join(", ")
    )?;
    for target in &report.targets {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.target == target.input)
            .collect();
        writeln!(out)?;
        target_section(report, target, &findings, out)?;
    }
    Ok(())
}

fn target_section(
    report: &Report,
    t: &TargetReport,
    findings: &[&Finding],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let kind = if t.kind == TargetKind::Mx {
        "mx"
    } else {
        "host"
    };
    writeln!(
        out,
        "## {} ({kind}): {} — {}",
        md(&t.input),
        label(t.verdict),
        severity_counts(findings)
    )?;
    writeln!(out)?;
    if t.kind == TargetKind::Mx {
        if t.null_mx {
            writeln!(out, "MX: null MX (`0 .`), the domain accepts no mail.")?;
        } else if t.implicit_mx {
            writeln!(out, "MX: none; implicit MX {} (RFC 5321 5.1).", md(&t.name))?;
        } else if !t.mx.is_empty() {
            let list: Vec<String> =
                t.mx.iter()
                    .map(|m| format!("{} {}", m.preference, md(&m.exchange)))
                    .collect();
            writeln!(out, "MX: {}.", list.join(", "))?;
        }
        writeln!(out)?;
    }
    if let Some(e) = &t.dns_error {
        writeln!(out, "DNS: {} ({}).", md(&e.message), failure_kind(e))?;
        writeln!(out)?;
    }
    if t.hosts
        .iter()
        .any(|h| !h.addresses.is_empty() || h.dns_error.is_some())
    {
        address_table(report, t, findings, out)?;
    }
    writeln!(out)?;
    writeln!(out, "### Findings")?;
    writeln!(out)?;
    if findings.is_empty() {
        writeln!(out, "None.")?;
    }
    for f in findings {
        let place: Vec<String> = f
            .host
            .iter()
            .map(|h| md(h))
            .chain(f.ip.iter().map(|ip| code(ip)))
            .collect();
        let place = if place.is_empty() {
            String::new()
        } else {
            format!(" ({})", place.join(", "))
        };
        writeln!(
            out,
            "- **{}** `{}`{place}: {}",
            f.severity.as_str(),
            f.code.as_str(),
            md_prose(&f.message)
        )?;
        writeln!(out, "  - Fix: {}", md_prose(&f.remediation))?;
    }
    for served in distinct_leaves(t) {
        writeln!(out)?;
        partner_section(report, &served, out)?;
    }
    Ok(())
}

fn address_table(
    report: &Report,
    t: &TargetReport,
    findings: &[&Finding],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    header(
        out,
        &[
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
        ],
    )?;
    let mut client_auth = Vec::new();
    for host in &t.hosts {
        if host.addresses.is_empty() {
            let why = host
                .dns_error
                .as_ref()
                .map(|e| format!("{} ({})", md(&e.message), failure_kind(e)))
                .unwrap_or_else(|| "no address".into());
            let mut cells = vec![md(&host.name), DASH.into(), format!("NOT PROBED: {why}")];
            cells.resize(11, DASH.into());
            row(out, &cells)?;
        }
        for a in &host.addresses {
            let af = address_findings(findings, &host.name, a);
            let cells = address_cells(report, &host.name, a, &af);
            row(out, &cells)?;
            if let Some(ca) = a.tls.as_ref().and_then(|tls| tls.client_auth.as_ref()) {
                client_auth.push(format!(
                    "- {} {}: {}",
                    md(&host.name),
                    code(&socket_label(a)),
                    client_auth_text(ca, md)
                ));
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
    Ok(())
}

fn address_cells(
    report: &Report,
    host: &str,
    a: &AddressReport,
    findings: &[&Finding],
) -> Vec<String> {
    let status = address_status(a, findings);
    let mut result = if status == "FAIL" {
        "**FAIL**".to_string()
    } else {
        status.to_string()
    };
    if let Some(e) = &a.error {
        result.push_str(&format!(
            ", stopped in {} ({})",
            e.phase.as_str(),
            failure_kind(e)
        ));
    }
    let starttls = if a.implicit_tls {
        "implicit TLS".to_string()
    } else if a.smtp.ehlo.is_none() {
        DASH.to_string()
    } else {
        match (&a.smtp.starttls_offered, &a.smtp.starttls_reply) {
            (false, _) => "**not offered**".to_string(),
            (true, Some(r)) if r.code == 220 => "offered, accepted".to_string(),
            (true, Some(r)) => format!("offered, refused: {}", md(&r.text())),
            (true, None) => "offered".to_string(),
        }
    };
    let mut cells = vec![md(host), code(&socket_label(a)), result, starttls];
    match &a.tls {
        Some(tls) => {
            let mut version = code(&tls.version);
            if !tls.handshake_completed {
                version.push_str(" (ServerHello only)");
            }
            let fs = match (tls.forward_secrecy, &tls.kx_group) {
                (true, Some(g)) if tls.post_quantum => {
                    format!("yes ({}, post-quantum hybrid)", code(g))
                }
                (true, Some(g)) => format!("yes ({})", code(g)),
                (true, None) => "yes".into(),
                (false, _) => "**no**".into(),
            };
            cells.push(version);
            cells.push(code(&tls.cipher_suite));
            cells.push(fs);
            cells.push(
                a.versions
                    .as_ref()
                    .map(accepted_versions)
                    .unwrap_or_else(|| DASH.into()),
            );
            let (name, expires) = match tls.chain.first() {
                Some(leaf) if leaf.parse_error.is_none() => {
                    let mut name = cert_name(leaf).map(md).unwrap_or_else(|| DASH.into());
                    if let (Some(false), Some(checked)) = (tls.name_valid, &tls.name_checked) {
                        name.push_str(&format!(" (does **not** match {})", md(checked)));
                    }
                    let expires = format!(
                        "{} ({})",
                        leaf.not_after.date(),
                        days_left(leaf.not_after, report.started_at)
                    );
                    (name, expires)
                }
                Some(_) => ("unparseable".into(), DASH.into()),
                None => (DASH.into(), DASH.into()),
            };
            cells.push(name);
            cells.push(expires);
            cells.push(if report.options.revocation {
                revocation_summary(tls)
            } else {
                "not checked".into()
            });
        }
        None => {
            cells.push(DASH.into());
            cells.push(DASH.into());
            cells.push(DASH.into());
            cells.push(
                a.versions
                    .as_ref()
                    .map(accepted_versions)
                    .unwrap_or_else(|| DASH.into()),
            );
            cells.extend([DASH.into(), DASH.into(), DASH.into()]);
        }
    }
    cells
}

/// A leaf certificate and where it was served.
struct Served<'a> {
    tls: &'a TlsFacts,
    leaf: &'a CertSummary,
    at: Vec<String>,
}

/// The distinct leaf certificates of a target (by SHA-256), in the order first seen.
fn distinct_leaves(t: &TargetReport) -> Vec<Served<'_>> {
    let mut leaves: Vec<Served<'_>> = Vec::new();
    for host in &t.hosts {
        for a in &host.addresses {
            let Some(tls) = &a.tls else { continue };
            let Some(leaf) = tls.chain.first() else {
                continue;
            };
            let at = format!("{} ({})", md(&host.name), code(&a.ip.to_string()));
            match leaves.iter_mut().find(|s| s.leaf.sha256 == leaf.sha256) {
                Some(s) => s.at.push(at),
                None => leaves.push(Served {
                    tls,
                    leaf,
                    at: vec![at],
                }),
            }
        }
    }
    leaves
}

fn partner_section(report: &Report, s: &Served<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let leaf = s.leaf;
    let tls = s.tls;
    let title = cert_name(leaf)
        .map(md)
        .unwrap_or_else(|| code(&leaf.sha256));
    writeln!(out, "### Certificate for partners: {title}")?;
    writeln!(out)?;
    writeln!(out, "Served by {}.", s.at.join(", "))?;
    writeln!(out)?;
    header(out, &["Attribute", "Value"])?;
    let attr =
        |out: &mut dyn Write, name: &str, value: String| row(out, &[name.to_string(), value]);
    if let Some(e) = &leaf.parse_error {
        attr(out, "Certificate", format!("unparseable: {}", md(e)))?;
        return attr(out, "SHA-256 fingerprint", code(&leaf.sha256));
    }
    let root = match root_issuer(tls) {
        Some((r, true)) => md(r),
        Some((r, false)) => format!(
            "{} (as the chain names it; the chain did not validate to it)",
            md(r)
        ),
        None => "unknown".into(),
    };
    attr(out, "Certificate authority root issuer", root)?;
    let mut name = cert_name(leaf).map(md).unwrap_or_else(|| DASH.into());
    let sans: Vec<String> = leaf
        .san_dns
        .iter()
        .chain(&leaf.san_ip)
        .take(MAX_SANS)
        .map(|n| md(n))
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
    attr(out, "Certificate name", name)?;
    let or_none = |v: Option<&String>| v.map(|s| md(s)).unwrap_or_else(|| "(none)".into());
    attr(out, "Organization", or_none(leaf.organization.as_ref()))?;
    attr(
        out,
        "Organization unit",
        or_none(leaf.organizational_unit.as_ref()),
    )?;
    attr(out, "Certificate key strength", md(&key_strength(leaf)))?;
    attr(out, "Valid from", utc_minutes(leaf.not_before))?;
    attr(
        out,
        "Valid until",
        format!(
            "{} ({})",
            utc_minutes(leaf.not_after),
            days_left(leaf.not_after, report.started_at)
        ),
    )?;
    attr(out, "SHA-256 fingerprint", code(&leaf.sha256))?;
    attr(out, "SPKI SHA-256", code(&leaf.spki_sha256))?;
    attr(out, "Serial", code(&leaf.serial))?;
    attr(out, "Subject", md(&leaf.subject))?;
    attr(out, "Issuer", md(&leaf.issuer))?;
    let mut origins: Vec<String> = Vec::new();
    let mut any = false;
    for (i, c) in tls.chain.iter().enumerate() {
        let who = if i == 0 {
            "leaf".to_string()
        } else {
            cert_name(c).map(md).unwrap_or_else(|| md(&c.subject))
        };
        let rev = c.revocation.as_ref();
        let kinds = [
            ("CRL", &c.crl_urls, rev.map(|r| r.crl.as_slice())),
            ("OCSP", &c.ocsp_urls, rev.map(|r| r.ocsp.as_slice())),
            ("CA issuers", &c.ca_issuers_urls, None),
        ];
        for (kind, urls, checks) in kinds {
            for url in urls {
                any = true;
                if let Some(origin) = origin(url) {
                    if !origins.contains(&origin) {
                        origins.push(origin);
                    }
                }
                let status = match checks
                    .and_then(|cs| cs.iter().find(|ch| ch.url.as_deref() == Some(url.as_str())))
                {
                    Some(ch) => format!(" — {}", check_md(ch)),
                    None if kind == "CA issuers" => String::new(),
                    None if report.options.revocation => " — not checked".into(),
                    None => " — not checked (--no-revocation)".into(),
                };
                attr(
                    out,
                    &format!("Revocation endpoint: {kind} ({who})"),
                    format!("{}{status}", md(url)),
                )?;
            }
        }
        if i == 0 {
            let stapled = match (rev.and_then(|r| r.stapled.as_ref()), &tls.stapled_ocsp) {
                (Some(ch), _) => Some(check_md(ch)),
                (None, Some(_)) => Some("stapled, not checked".into()),
                (None, None) if !c.ocsp_urls.is_empty() => Some("not stapled".into()),
                (None, None) => None,
            };
            if let Some(st) = stapled {
                attr(out, "Stapled OCSP (leaf)", st)?;
            }
        }
        if let Some(note) = rev.and_then(|r| r.note.as_ref()) {
            attr(out, &format!("Revocation note ({who})"), md(note))?;
        }
    }
    if !any {
        attr(
            out,
            "Revocation endpoints",
            "none named in the chain".into(),
        )?;
    }
    if !origins.is_empty() {
        attr(out, "Outbound access needed (firewall)", origins.join(", "))?;
    }
    let rest: Vec<&CertSummary> = tls.chain.iter().skip(1).collect();
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

/// `Intermediate: CN=... — issued by CN=...; EC P-384 (384 bits); valid until ...; SHA-256 ...`.
fn chain_line(c: &CertSummary) -> String {
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
        md(&key_strength(c)),
        utc_minutes(c.not_after),
        code(&c.sha256)
    )
}

/// `good, delegated responder CN=R (HTTP 200, 312 ms)`.
fn check_md(c: &RevocationCheck) -> String {
    let (outcome, details) = check_outcome(c, true);
    let mut s = md(&outcome);
    for d in &details {
        s.push_str(", ");
        s.push_str(&md(d));
    }
    let meta: Vec<String> = c
        .http_status
        .filter(|_| c.status != crate::report::RevocationStatus::HttpError)
        .map(|h| format!("HTTP {h}"))
        .into_iter()
        .chain(c.ms.map(|m| format!("{m} ms")))
        .collect();
    if !meta.is_empty() {
        s.push_str(&format!(" ({})", meta.join(", ")));
    }
    s
}

/// `http://crl.example.test`: what a firewall or proxy must let through for `url` (http and
/// https only; an `ldap:` URL is never fetched).
fn origin(url: &str) -> Option<String> {
    let scheme = url.split_once("://")?.0.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    Some(md(&format!("{scheme}://{}", host_label(url)?)))
}

/// `tlscheck endpoints` as a table: one row per endpoint, then the verdict.
pub fn render_endpoints(report: &EndpointsReport, out: &mut dyn Write) -> std::io::Result<()> {
    match &report.profile {
        Some(p) => writeln!(out, "# CA endpoints of profile {}", md(p))?,
        None => writeln!(out, "# CA endpoints")?,
    }
    writeln!(out)?;
    let failed = report.endpoints.iter().filter(|e| e.status != "ok").count();
    writeln!(
        out,
        "Verdict: **{}**: {} of {} endpoints answered as expected. Fetched from this machine by {} {} on {}.",
        label(report.verdict),
        report.endpoints.len() - failed,
        report.endpoints.len(),
        md(&report.tool.name),
        md(&report.tool.version),
        utc_minutes(report.started_at)
    )?;
    writeln!(out)?;
    header(
        out,
        &["Result", "Kind", "URL", "HTTP", "Time", "What came back"],
    )?;
    let mut blocked: Vec<String> = Vec::new();
    for e in &report.endpoints {
        let result = if e.status == "ok" {
            "ok".to_string()
        } else {
            format!("**FAIL** ({})", md(&e.status))
        };
        let what = match (&e.detail, &e.error) {
            (Some(d), _) => md(d),
            (None, Some(err)) => md(err),
            (None, None) => DASH.into(),
        };
        row(
            out,
            &[
                result,
                e.kind.as_str().to_string(),
                md(&e.url),
                e.http_status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| DASH.into()),
                e.ms.map(|m| format!("{m} ms"))
                    .unwrap_or_else(|| DASH.into()),
                what,
            ],
        )?;
        if e.status == "unreachable" {
            if let Some(o) = origin(&e.url) {
                if !blocked.contains(&o) {
                    blocked.push(o);
                }
            }
        }
    }
    if !blocked.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "The firewall (or proxy) must let this machine reach: {}.",
            blocked.join(", ")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;
    use crate::report::RevocationStatus;

    fn render_string(report: &Report) -> String {
        let mut buf = Vec::new();
        render(report, &mut buf).unwrap();
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
        if let Some(tls) = r.targets[0].hosts[0].addresses[1].tls.as_mut() {
            tls.chain[0].sha256 = "ee".repeat(32);
            tls.chain[0].key_type = "EC".into();
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
        for a in &mut r.targets[0].hosts[0].addresses {
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
        if let Some(tls) = r.targets[0].hosts[0].addresses[0].tls.as_mut() {
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
        r.options.revocation = false;
        for a in &mut r.targets[0].hosts[0].addresses {
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
        if let Some(tls) = r.targets[0].hosts[0].addresses[0].tls.as_mut() {
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
    fn escape_and_code() {
        assert_eq!(md("a|b"), "a\\|b");
        assert_eq!(md("AT&T <b>"), "AT&amp;T &lt;b&gt;");
        assert_eq!(md("x\\|y"), "x\\\\\\|y");
        assert_eq!(md("line\nnext"), "line\\\\u{a}next");
        assert_eq!(code("aa:bb"), "`aa:bb`");
        assert_eq!(code("a`b"), "a\\`b");
        assert_eq!(code(""), "");
    }

    #[test]
    fn client_auth_is_listed_under_the_table() {
        let mut r = sample::report();
        if let Some(tls) = r.targets[0].hosts[0].addresses[0].tls.as_mut() {
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
