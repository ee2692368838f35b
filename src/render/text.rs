//! Text for a person at a terminal: per target the verdict first, then per MX host and address a
//! compact block of facts, then each finding with its remediation. Everything that came from the
//! network is passed through [`clean`] first: control characters are escaped (a hostile banner must
//! not drive the terminal) and long texts are cut.

use std::io::Write;

use time::OffsetDateTime;

use crate::diagnose::{Finding, Severity, Verdict};
use crate::limits::MAX_DISPLAY_TEXT;
use crate::render::TextOptions;
use crate::report::{
    AddressReport, AnchorSource, CertSummary, Report, TargetKind, TargetReport, TlsFacts,
    VersionStatus,
};

pub fn render(report: &Report, opts: TextOptions, out: &mut dyn Write) -> std::io::Result<()> {
    for target in &report.targets {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.target == target.input)
            .collect();
        writeln!(out, "{}", verdict_line(target, &findings))?;
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

fn verdict_line(t: &TargetReport, findings: &[&Finding]) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let (e, w, i) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{:<5} {} {}: {}, {}, {}",
        label(t.verdict),
        if t.kind == TargetKind::Mx {
            "mx"
        } else {
            "host"
        },
        clean(&t.input),
        plural(e, "error"),
        plural(w, "warning"),
        plural(i, "info")
    )
}

fn label(v: Verdict) -> &'static str {
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
        finding(f, "  ", out)?;
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
            finding(f, "    ", out)?;
        }
        for a in &host.addresses {
            let ip = a.ip.to_string();
            let af: Vec<&&Finding> = findings
                .iter()
                .filter(|f| {
                    f.host.as_deref() == Some(host.name.as_str())
                        && f.ip.as_deref() == Some(ip.as_str())
                })
                .collect();
            address_block(a, &af, now, opts, out)?;
        }
    }
    Ok(())
}

fn address_block(
    a: &AddressReport,
    findings: &[&&Finding],
    now: OffsetDateTime,
    opts: TextOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let status = if findings.iter().any(|f| f.severity == Severity::Error) {
        "FAIL"
    } else if !a.got_ehlo() {
        "NOT PROBED"
    } else if findings.iter().any(|f| f.severity == Severity::Warning) {
        "WARN"
    } else {
        "OK"
    };
    let addr = match a.ip {
        std::net::IpAddr::V6(v6) => format!("[{v6}]:{}", a.port),
        ip => format!("{ip}:{}", a.port),
    };
    writeln!(out, "    {addr}  {status}")?;
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
            kind_str(e),
            clean(&e.message)
        )?;
    }
    if opts.verbose > 0 {
        let t = &a.timings_ms;
        let parts: Vec<String> = [
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
        finding(f, pad, out)?;
    }
    Ok(())
}

fn kind_str(e: &crate::report::Failure) -> String {
    serde_json::to_value(e.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
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
    Ok(())
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
    let days = (c.not_after - now).whole_days();
    let expiry = if days < 0 {
        format!("EXPIRED {} days ago", -days)
    } else {
        format!("{days} days left")
    };
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

fn finding(f: &Finding, pad: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let mark = match f.severity {
        Severity::Error => "✗ error",
        Severity::Warning => "! warning",
        Severity::Info => "· info",
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
    let mut out = String::with_capacity(s.len().min(MAX_DISPLAY_TEXT + 8));
    for (n, c) in s.chars().enumerate() {
        if n >= MAX_DISPLAY_TEXT {
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

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(clean("220 ok\x1b[31mred\x07"), "220 ok\\u{1b}[31mred\\u{7}");
        assert_eq!(clean("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(clean("tab\there"), "tab\\u{9}here");
        assert_eq!(clean("plain ünicode"), "plain ünicode");
    }

    #[test]
    fn long_text_is_cut() {
        let long = "x".repeat(1000);
        let c = clean(&long);
        assert_eq!(c.chars().count(), MAX_DISPLAY_TEXT + 1);
        assert!(c.ends_with('…'));
    }
}
