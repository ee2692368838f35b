//! Text for a person at a terminal: per target the verdict first, then per MX host and address a
//! compact block of facts (with the certificate facts a forced-TLS partner asks for, and one
//! revocation line per checked certificate), then each finding with its remediation. Everything
//! that came from the network is passed through [`clean`] first: control characters are escaped
//! (a hostile banner must not drive the terminal) and long texts are cut.

use std::io::Write;

use time::OffsetDateTime;

use crate::diagnose::{Finding, Severity, Verdict};
use crate::limits::MAX_DISPLAY_TEXT;
use crate::render::{
    address_findings, address_status, cert_name, check_outcome, client_auth_text, days_left,
    failure_kind, key_strength, root_issuer, severity_counts, socket_label, utc_minutes,
    TextOptions,
};
use crate::report::{
    AddressReport, AnchorSource, CertSummary, Report, RevocationCheck, RevocationStatus,
    TargetKind, TargetReport, TlsFacts, VersionStatus,
};

pub fn render(report: &Report, opts: TextOptions, out: &mut dyn Write) -> std::io::Result<()> {
    for target in &report.targets {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.target == target.input)
            .collect();
        writeln!(out, "{}", verdict_line(target, &findings, opts.color))?;
    }
    if opts.quiet {
        return Ok(());
    }
    for target in &report.targets {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.target == target.input)
            .collect();
        writeln!(out)?;
        target_block(target, &findings, report.started_at, opts, out)?;
    }
    Ok(())
}

fn verdict_line(t: &TargetReport, findings: &[&Finding], color: bool) -> String {
    let word = format!("{:<5}", label(t.verdict));
    let code = match t.verdict {
        Verdict::Pass => GREEN,
        Verdict::Fail => RED,
        Verdict::Inconclusive => YELLOW,
    };
    format!(
        "{} {} {}: {}",
        paint(&word, code, color),
        if t.kind == TargetKind::Mx {
            "mx"
        } else {
            "host"
        },
        clean(&t.input),
        severity_counts(findings)
    )
}

const GREEN: &str = "32";
const RED: &str = "1;31";
const YELLOW: &str = "33";
const DIM: &str = "2";

/// `s` in the ANSI colour `code` when `on` (our own words only: never text from the network).
fn paint(s: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

pub(crate) fn label(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Inconclusive => "INCONCLUSIVE",
    }
}

fn target_block(
    t: &TargetReport,
    findings: &[&Finding],
    now: OffsetDateTime,
    opts: TextOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} ({})",
        clean(&t.name),
        label(t.verdict).to_ascii_lowercase()
    )?;
    if t.kind == TargetKind::Mx {
        if t.null_mx {
            writeln!(out, "  MX: null MX (0 .), the domain accepts no mail")?;
        } else if t.implicit_mx {
            writeln!(
                out,
                "  MX: none; implicit MX {} (RFC 5321 5.1)",
                clean(&t.name)
            )?;
        } else if !t.mx.is_empty() {
            let list: Vec<String> =
                t.mx.iter()
                    .map(|m| format!("{} {}", m.preference, clean(&m.exchange)))
                    .collect();
            writeln!(out, "  MX: {}", list.join(", "))?;
        }
    }
    let target_level: Vec<&&Finding> = findings.iter().filter(|f| f.host.is_none()).collect();
    for f in target_level {
        finding(f, "  ", opts.color, out)?;
    }
    for host in &t.hosts {
        let pref = host
            .preference
            .map(|p| format!(" (MX {p})"))
            .unwrap_or_default();
        writeln!(out, "  {}{}", clean(&host.name), pref)?;
        for f in findings
            .iter()
            .filter(|f| f.host.as_deref() == Some(host.name.as_str()) && f.ip.is_none())
        {
            finding(f, "    ", opts.color, out)?;
        }
        for a in &host.addresses {
            let af = address_findings(findings, &host.name, a);
            address_block(a, &af, now, opts, out)?;
        }
    }
    Ok(())
}

fn address_block(
    a: &AddressReport,
    findings: &[&Finding],
    now: OffsetDateTime,
    opts: TextOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let status = address_status(a, findings);
    let code = match status {
        "OK" => GREEN,
        "FAIL" => RED,
        _ => YELLOW,
    };
    writeln!(
        out,
        "    {}  {}",
        socket_label(a),
        paint(status, code, opts.color)
    )?;
    let pad = "      ";
    if let Some(b) = &a.smtp.banner {
        writeln!(out, "{pad}banner    {}", clean(&b.text()))?;
    }
    if a.implicit_tls {
        writeln!(out, "{pad}smtp      implicit TLS (SMTPS)")?;
    } else if a.smtp.ehlo.is_some() {
        let st = match (&a.smtp.starttls_offered, &a.smtp.starttls_reply) {
            (false, _) => "STARTTLS not offered".to_string(),
            (true, Some(r)) if r.code == 220 => "STARTTLS offered and accepted".to_string(),
            (true, Some(r)) => format!("STARTTLS offered, refused: {}", clean(&r.text())),
            (true, None) => "STARTTLS offered".to_string(),
        };
        writeln!(out, "{pad}smtp      {st}")?;
    }
    if let Some(tls) = &a.tls {
        tls_lines(tls, now, pad, out)?;
    }
    if let Some(v) = &a.versions {
        let st = |s: VersionStatus| match s {
            VersionStatus::Accepted => "yes",
            VersionStatus::Rejected => "no",
            VersionStatus::Error => "?",
        };
        let mut line = format!(
            "TLS 1.0 {}, 1.1 {}, 1.2 {}, 1.3 {}",
            st(v.tls1_0),
            st(v.tls1_1),
            st(v.tls1_2),
            st(v.tls1_3)
        );
        if let Some(s) = v.static_rsa {
            line.push_str(&format!("; static RSA {}", st(s)));
        }
        writeln!(out, "{pad}versions  {line}")?;
        for list in a.ciphers.iter().flatten() {
            let order = match list.server_preference {
                Some(true) => "server's order",
                Some(false) => "client's order",
                None => "order unknown",
            };
            writeln!(
                out,
                "{pad}ciphers   {} ({}, {order}): {}",
                list.version,
                list.suites.len(),
                list.suites.join(", ")
            )?;
        }
        if opts.verbose > 0 {
            for p in &v.probes {
                writeln!(out, "{pad}  probe   {}: {}", p.offered, clean(&p.result))?;
            }
        }
    }
    if let Some(e) = &a.error {
        writeln!(
            out,
            "{pad}stopped   in {} ({}): {}",
            e.phase.as_str(),
            failure_kind(e),
            clean(&e.message)
        )?;
    }
    if opts.verbose > 0 {
        let t = &a.timings_ms;
        let parts: Vec<String> = [
            ("queued", t.queued),
            ("connect", t.connect),
            ("banner", t.banner),
            ("ehlo", t.ehlo),
            ("starttls", t.starttls),
            ("handshake", t.handshake),
            ("total", t.total),
        ]
        .iter()
        .filter_map(|(n, v)| v.map(|v| format!("{n} {v} ms")))
        .collect();
        writeln!(out, "{pad}timings   {}", parts.join(", "))?;
        if let Some(k) = &a.smtp.tls_ehlo_keywords {
            writeln!(out, "{pad}ehlo/tls  {}", clean(&k.join(", ")))?;
        }
        writeln!(out, "{pad}transcript:")?;
        for line in &a.smtp.transcript {
            writeln!(out, "{pad}  {} {}", line.dir, clean(&line.line))?;
        }
        if a.smtp.transcript_dropped > 0 {
            writeln!(
                out,
                "{pad}  ... {} more lines not kept",
                a.smtp.transcript_dropped
            )?;
        }
    }
    for f in findings {
        finding(f, pad, opts.color, out)?;
    }
    Ok(())
}

fn tls_lines(
    tls: &TlsFacts,
    now: OffsetDateTime,
    pad: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut kx = tls.kx_group.clone().unwrap_or_else(|| {
        if tls.forward_secrecy {
            "group not recorded".into()
        } else {
            "static RSA key exchange".into()
        }
    });
    if tls.post_quantum {
        kx.push_str(" (post-quantum hybrid)");
    }
    let fs = if tls.forward_secrecy {
        "forward secrecy"
    } else {
        "NO forward secrecy"
    };
    writeln!(
        out,
        "{pad}tls       {} {}, {kx}, {fs}",
        tls.version, tls.cipher_suite
    )?;
    if !tls.handshake_completed {
        writeln!(
            out,
            "{pad}          (from the server's ServerHello: a modern client cannot complete this handshake)"
        )?;
    }
    if let Some(sni) = &tls.sni {
        writeln!(out, "{pad}sni       {}", clean(sni))?;
    }
    if let Some(leaf) = tls.chain.first() {
        cert_line("cert", leaf, now, pad, out)?;
        writeln!(out, "{pad}issuer    {}", clean(&leaf.issuer))?;
    }
    let trust = if tls.chain_valid {
        format!("valid, trusted by {}", tls.trust_store)
    } else {
        match &tls.chain_error {
            Some(e) => format!(
                "NOT valid for {} ({})",
                tls.trust_store,
                serde_json::to_value(e.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            ),
            None => format!("NOT valid for {}", tls.trust_store),
        }
    };
    writeln!(
        out,
        "{pad}chain     {} certificate(s), {trust}",
        tls.chain.len() + tls.chain_dropped
    )?;
    if let Some(anchor) = &tls.anchor {
        let src = if anchor.source == AnchorSource::Profile {
            " [profile anchor]"
        } else {
            ""
        };
        writeln!(
            out,
            "{pad}root      {} (key sha256 {}){src}",
            clean(&anchor.subject),
            &anchor.spki_sha256
        )?;
    }
    match (&tls.name_checked, tls.name_valid) {
        (Some(n), Some(true)) => writeln!(out, "{pad}name      matches {}", clean(n))?,
        (Some(n), Some(false)) => writeln!(out, "{pad}name      does NOT match {}", clean(n))?,
        _ => {}
    }
    if tls.stapled_ocsp.is_some() {
        writeln!(out, "{pad}ocsp      stapled response present")?;
    }
    partner_lines(tls, pad, out)?;
    revocation_lines(tls, pad, out)?;
    if let Some(ca) = &tls.client_auth {
        writeln!(out, "{pad}client    {}", client_auth_text(ca, clean))?;
    }
    Ok(())
}

/// The certificate facts a partner asks for to set up forced TLS, compactly, for the leaf:
/// root issuer, name, O, OU, key strength, validity and fingerprint.
fn partner_lines(tls: &TlsFacts, pad: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let Some(leaf) = tls.chain.first().filter(|c| c.parse_error.is_none()) else {
        return Ok(());
    };
    let root = match root_issuer(tls) {
        Some((s, true)) => clean(s),
        Some((s, false)) => format!("{} (as the chain names it; not validated)", clean(s)),
        None => "unknown".into(),
    };
    let or_none = |v: Option<&str>| v.map(clean).unwrap_or_else(|| "none".into());
    writeln!(out, "{pad}partners  root issuer {root}")?;
    writeln!(
        out,
        "{pad}          name {}; O {}; OU {}",
        or_none(cert_name(leaf)),
        or_none(leaf.organization.as_deref()),
        or_none(leaf.organizational_unit.as_deref())
    )?;
    writeln!(
        out,
        "{pad}          key {}; valid {} to {}",
        clean(&key_strength(leaf)),
        utc_minutes(leaf.not_before),
        utc_minutes(leaf.not_after)
    )?;
    writeln!(out, "{pad}          sha256 {}", clean(&leaf.sha256))
}

/// One line per checked certificate: every CRL and OCSP answer, and for the leaf the stapled
/// response (or its absence).
fn revocation_lines(tls: &TlsFacts, pad: &str, out: &mut dyn Write) -> std::io::Result<()> {
    for (i, c) in tls.chain.iter().enumerate() {
        let Some(rev) = &c.revocation else { continue };
        let who = if i == 0 {
            "leaf".to_string()
        } else {
            clean(cert_name(c).unwrap_or(&c.subject))
        };
        let mut parts: Vec<String> = rev
            .crl
            .iter()
            .map(|ch| check_text("CRL", ch))
            .chain(rev.ocsp.iter().map(|ch| check_text("OCSP", ch)))
            .collect();
        if i == 0 {
            match (&rev.stapled, &tls.stapled_ocsp) {
                (Some(st), _) => parts.push(check_text("stapled OCSP", st)),
                (None, Some(_)) => parts.push("stapled OCSP not checked".into()),
                (None, None) if !c.ocsp_urls.is_empty() => parts.push("not stapled".into()),
                (None, None) => {}
            }
        }
        if parts.is_empty() {
            parts.push("no CRL or OCSP URL to check".into());
        }
        writeln!(out, "{pad}revocation {who}: {}", parts.join("; "))?;
        if let Some(note) = &rev.note {
            writeln!(out, "{pad}           note: {}", clean(note))?;
        }
    }
    Ok(())
}

/// `CRL good (http://crl.example/ca.crl)`, `OCSP good, delegated responder CN=R (http://...)`,
/// `CRL revoked since 2026-11-01, keyCompromise (http://...)`, `CRL unreachable (crl.example)`:
/// an unreachable endpoint is named by its host, which is what the firewall needs (the
/// `revocation-unreachable` finding quotes the error).
fn check_text(kind: &str, c: &RevocationCheck) -> String {
    let unreachable = c.status == RevocationStatus::Unreachable;
    let (outcome, details) = check_outcome(c, !unreachable);
    let mut s = format!("{kind} {}", clean(&outcome));
    for d in &details {
        s.push_str(", ");
        s.push_str(&clean(d));
    }
    let place = if unreachable {
        c.host.as_ref().or(c.url.as_ref())
    } else {
        c.url.as_ref().or(c.host.as_ref())
    };
    if let Some(p) = place {
        s.push_str(&format!(" ({})", clean(p)));
    }
    s
}

fn cert_line(
    what: &str,
    c: &CertSummary,
    now: OffsetDateTime,
    pad: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if let Some(e) = &c.parse_error {
        return writeln!(
            out,
            "{pad}{what:<9} unparseable ({}), sha256 {}",
            clean(e),
            c.sha256
        );
    }
    let expiry = days_left(c.not_after, now);
    let key = match &c.curve {
        Some(curve) => format!("{} {curve}", c.key_type),
        None => format!("{} {}", c.key_type, c.key_bits),
    };
    let mut names = c.san_dns.clone();
    names.truncate(4);
    let more = c.san_dns.len().saturating_sub(4);
    let san = if more > 0 {
        format!("{} (+{more})", names.join(", "))
    } else {
        names.join(", ")
    };
    writeln!(out, "{pad}{what:<9} {}", clean(&c.subject))?;
    writeln!(
        out,
        "{pad}          SAN {}; {key}; expires {} ({expiry})",
        clean(&san),
        c.not_after.date()
    )
}

fn finding(f: &Finding, pad: &str, color: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let mark = match f.severity {
        Severity::Error => paint("✗ error", RED, color),
        Severity::Warning => paint("! warning", YELLOW, color),
        Severity::Info => paint("· info", DIM, color),
    };
    writeln!(
        out,
        "{pad}{mark} [{}] {}",
        f.code.as_str(),
        clean(&f.message)
    )?;
    writeln!(out, "{pad}  fix: {}", f.remediation)
}

/// Escapes control characters (C0, DEL, C1, and bidirectional overrides) and cuts long text, so
/// what a server sent cannot move the cursor, recolour the terminal or reorder the line.
pub fn clean(s: &str) -> String {
    clean_to(s, MAX_DISPLAY_TEXT)
}

/// [`clean`] with another length limit (in characters), for longer texts of our own that quote
/// the network, such as a finding's message in a ticket.
pub fn clean_to(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars.saturating_add(8)));
    for (n, c) in s.chars().enumerate() {
        if n >= max_chars {
            out.push('…');
            break;
        }
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
        if c.is_control() || bidi {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;
    use crate::report::ClientAuth;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(clean("220 ok\x1b[31mred\x07"), "220 ok\\u{1b}[31mred\\u{7}");
        assert_eq!(clean("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(clean("tab\there"), "tab\\u{9}here");
        assert_eq!(clean("plain ünicode"), "plain ünicode");
    }

    fn render_string(report: &Report, opts: TextOptions) -> String {
        let mut buf = Vec::new();
        render(report, opts, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    fn first_tls(r: &mut Report) -> &mut TlsFacts {
        r.targets[0].hosts[0].addresses[0].tls.as_mut().unwrap()
    }

    #[test]
    fn partner_facts_for_the_leaf() {
        let out = render_string(&sample::report(), TextOptions::default());
        let block = "      partners  root issuer CN=Contoso Root CA, O=Contoso Ltd\n\
                     \x20               name mx.contoso.test; O Contoso Ltd; OU Mail\n\
                     \x20               key RSA 2048 bits; valid 2026-01-01 00:00 UTC to 2027-01-01 00:00 UTC\n\
                     \x20               sha256 aaaa";
        assert!(out.contains(block), "{out}");
        assert_eq!(out.matches("      partners  ").count(), 2, "per address");

        // Without a validated anchor the root issuer is what the chain names, and says so.
        let mut r = sample::report();
        first_tls(&mut r).anchor = None;
        first_tls(&mut r).chain[0].organizational_unit = None;
        let out = render_string(&r, TextOptions::default());
        assert!(
            out.contains("partners  root issuer CN=Contoso Root CA, O=Contoso Ltd (as the chain names it; not validated)\n"),
            "{out}"
        );
        assert!(out.contains("; OU none\n"), "{out}");
    }

    #[test]
    fn revocation_line_per_checked_certificate() {
        let out = render_string(&sample::report(), TextOptions::default());
        assert!(
            out.contains(
                "      revocation leaf: CRL good (http://crl.contoso.test/issuing.crl); \
                 OCSP good, delegated responder CN=Contoso OCSP (http://ocsp.contoso.test/); \
                 not stapled\n"
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "      revocation Contoso Issuing CA: CRL unreachable (crl.globalsign.test)\n"
            ),
            "the firewall needs the host: {out}"
        );

        let mut r = sample::report();
        let tls = first_tls(&mut r);
        tls.stapled_ocsp = Some("MAA=".into());
        if let Some(rev) = tls.chain[0].revocation.as_mut() {
            rev.crl[0].status = RevocationStatus::Revoked;
            rev.crl[0].revoked_at = Some(time::macros::datetime!(2026-11-01 0:00 UTC));
            rev.crl[0].reason = Some("keyCompromise".into());
            rev.ocsp.clear();
            rev.stapled = Some(sample::check(RevocationStatus::Revoked, None));
            rev.note = Some("the issuer of CN=x is not available".into());
        }
        tls.chain[1].revocation = None;
        let out = render_string(&r, TextOptions::default());
        assert!(
            out.contains(
                "      revocation leaf: CRL revoked since 2026-11-01, keyCompromise \
                 (http://crl.contoso.test/issuing.crl); stapled OCSP revoked\n"
            ),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "{}note: the issuer of CN=x is not available\n",
                " ".repeat(17)
            )),
            "{out}"
        );
        assert_eq!(
            out.matches("revocation Contoso Issuing CA").count(),
            1,
            "only the second address's intermediate was checked: {out}"
        );
    }

    #[test]
    fn client_certificate_line() {
        let mut r = sample::report();
        first_tls(&mut r).client_auth = Some(ClientAuth {
            requested: true,
            ca_names: vec!["CN=Partner CA".into()],
            presented: Some("CN=us".into()),
            accepted: Some(false),
        });
        let out = render_string(&r, TextOptions::default());
        assert!(
            out.contains("      client    certificate requested (CAs: CN=Partner CA), presented CN=us, refused\n"),
            "{out}"
        );
        first_tls(&mut r).client_auth = Some(ClientAuth {
            requested: true,
            ca_names: vec![],
            presented: None,
            accepted: None,
        });
        let out = render_string(&r, TextOptions::default());
        assert!(
            out.contains("client    certificate requested (CAs: any), none presented\n"),
            "{out}"
        );
    }

    #[test]
    fn hostile_certificate_fields_are_cleaned() {
        let mut r = sample::report();
        first_tls(&mut r).chain[0].organization = Some("Evil\x1b[2J\nCorp".into());
        let out = render_string(&r, TextOptions::default());
        assert!(
            out.contains("; O Evil\\u{1b}[2J\\u{a}Corp; OU Mail\n"),
            "{out}"
        );
        assert!(!out.contains('\x1b'));
    }

    #[test]
    fn colour_only_when_asked_and_never_on_network_text() {
        let mut report = sample::report();
        report.targets[0].hosts[0].addresses[0].smtp.banner = report.targets[0].hosts[0].addresses
            [0]
        .smtp
        .banner
        .clone()
        .map(|mut b| {
            b.lines = vec!["mx \x1b[31mred".into()];
            b
        });
        let plain = render_string(&report, TextOptions::default());
        assert!(!plain.contains('\x1b'), "{plain}");
        let color = TextOptions {
            color: true,
            ..TextOptions::default()
        };
        let coloured = render_string(&report, color);
        assert!(
            coloured.starts_with("\x1b[32mPASS \x1b[0m mx contoso.test"),
            "{coloured}"
        );
        assert!(coloured.contains("\x1b[33m! warning\x1b[0m"), "{coloured}");
        // The banner's own escape stays escaped.
        assert!(coloured.contains("mx \\u{1b}[31mred"), "{coloured}");
    }

    #[test]
    fn quiet_is_the_verdict_only() {
        let opts = TextOptions {
            quiet: true,
            ..TextOptions::default()
        };
        assert_eq!(
            render_string(&sample::report(), opts),
            "PASS  mx contoso.test: 0 errors, 1 warning, 0 infos\n"
        );
    }

    #[test]
    fn long_text_is_cut() {
        let long = "x".repeat(1000);
        let c = clean(&long);
        assert_eq!(c.chars().count(), MAX_DISPLAY_TEXT + 1);
        assert!(c.ends_with('…'));
    }
}
