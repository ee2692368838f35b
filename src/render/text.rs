//! Text for a person at a terminal: per target the verdict first, then per MX host and address a
//! compact block of facts (with the certificate facts a forced-TLS partner asks for, and one
//! revocation line per checked certificate), then each finding with its remediation.
//!
//! It spells the [`ReportView`]: every string from the network or a report file is written with
//! [`Untrusted::terminal`] (control and bidi characters shown escaped, long texts cut), and colour
//! is applied only to our own words.

use std::io::Write;

use crate::explain::Outcome;
use crate::judged::Place;
use crate::render::escape::MAX_PROSE;
use crate::render::view::{
    utc_minutes, verdict_label, AddressStatus, AddressView, CertChecks, CertView, CheckView,
    EndpointsView, ExplanationView, FindingView, Kx, MailProbe, MxView, OutcomeView, ReportView,
    RootIssuer, SchannelView, Stapled, Starttls, TargetView, TlsView, Untrusted, Who,
};
use crate::render::TextOptions;
use crate::report::EndpointsReport;
use crate::vocab::{ChainErrorKind, EndpointStatus, RevocationStatus, Verdict, VersionStatus};

const GREEN: &str = "32";
const RED: &str = "1;31";
const YELLOW: &str = "33";
const DIM: &str = "2";

/// Indent of an address's facts.
const PAD: &str = "      ";

/// The report, wrapped to `opts.width` ([`crate::render::wrap`]).
pub fn render(
    view: &ReportView<'_>,
    opts: TextOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut lines = Vec::new();
    render_lines(view, opts, &mut lines)?;
    let text = String::from_utf8_lossy(&lines);
    out.write_all(crate::render::wrap::wrap(&text, opts.width).as_bytes())
}

fn render_lines(
    view: &ReportView<'_>,
    opts: TextOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for t in &view.targets {
        let mut line = verdict_line(t, opts.color);
        if opts.quiet {
            // What failed, by code, so a batch's summary says which checks to look at.
            let mut codes: Vec<&str> = Vec::new();
            for f in t
                .findings
                .iter()
                .filter(|f| f.severity != crate::finding::Severity::Info)
            {
                if !codes.contains(&f.code.as_str()) {
                    codes.push(f.code.as_str());
                }
            }
            if !codes.is_empty() {
                line.push_str(&format!(" ({})", codes.join(", ")));
            }
        }
        writeln!(out, "{line}")?;
    }
    if opts.quiet {
        return Ok(());
    }
    for t in &view.targets {
        writeln!(out)?;
        target_block(t, opts, out)?;
    }
    if !view.unplaced.is_empty() {
        writeln!(out)?;
        writeln!(out, "Findings about no target of this report:")?;
        for f in &view.unplaced {
            finding(f, "  ", opts.color, out)?;
        }
    }
    Ok(())
}

fn verdict_line(t: &TargetView<'_>, color: bool) -> String {
    let word = format!("{:<5}", verdict_label(t.verdict));
    let code = match t.verdict {
        Verdict::Pass => GREEN,
        Verdict::Fail => RED,
        Verdict::Inconclusive => YELLOW,
    };
    format!(
        "{} {} {}: {}",
        paint(&word, code, color),
        t.kind,
        t.input.terminal(),
        t.counts
    )
}

/// `s` in the ANSI colour `code` when `on` (our own words only: never text from the network).
fn paint(s: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn target_block(t: &TargetView<'_>, opts: TextOptions, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{} ({})",
        t.name.terminal(),
        verdict_label(t.verdict).to_ascii_lowercase()
    )?;
    match &t.mx {
        MxView::Null => writeln!(out, "  MX: null MX (0 .), the domain accepts no mail")?,
        MxView::Implicit => writeln!(
            out,
            "  MX: none; implicit MX {} (RFC 5321 5.1)",
            t.name.terminal()
        )?,
        MxView::Records(records) => {
            let list: Vec<String> = records
                .iter()
                .map(|(pref, host)| format!("{pref} {}", host.terminal()))
                .collect();
            writeln!(out, "  MX: {}", list.join(", "))?;
        }
        MxView::NotLooked | MxView::Nothing => {}
    }
    if let Some(p) = &t.policy {
        writeln!(
            out,
            "  senders: DANE: {}; MTA-STS: {}; opportunistic: {}",
            p.dane_sender.terminal_to(MAX_PROSE),
            p.sts_sender.terminal_to(MAX_PROSE),
            p.opportunistic_sender.terminal_to(MAX_PROSE)
        )?;
        writeln!(out, "  MTA-STS: {}", p.mta_sts.terminal_to(MAX_PROSE))?;
        writeln!(out, "  TLS-RPT: {}", p.tls_rpt.terminal_to(MAX_PROSE))?;
    }
    for f in t.findings_at(Place::Target) {
        finding(f, "  ", opts.color, out)?;
    }
    let shared = shared_findings(t);
    for (h, host) in t.hosts.iter().enumerate() {
        let pref = host
            .preference
            .map(|p| format!(" (MX {p})"))
            .unwrap_or_default();
        writeln!(out, "  {}{}", host.name.terminal(), pref)?;
        if let Some(d) = &host.dane {
            writeln!(out, "    DANE: {}", d.terminal_to(MAX_PROSE))?;
        }
        for f in t.findings_at(Place::Host(h)) {
            finding(f, "    ", opts.color, out)?;
        }
        for (i, a) in host.addresses.iter().enumerate() {
            let here: Vec<&FindingView<'_>> = t.findings_at(Place::Address(h, i)).collect();
            address_block(a, opts, here.is_empty(), out)?;
            // The address is the heading: a finding's message does not repeat it.
            let prefix = format!("{}: ", a.socket);
            for f in here {
                let message = f.message.without_prefix(&prefix);
                match shared
                    .iter()
                    .find(|g| g.code == f.code && g.message == message)
                {
                    Some(g) => writeln!(
                        out,
                        "{PAD}{} [{}] at {} addresses: see below",
                        mark(f.severity, opts.color),
                        f.code.as_str(),
                        g.sockets.len()
                    )?,
                    None => finding_text(f, &message, PAD, opts.color, out)?,
                }
            }
        }
    }
    // The same finding at several addresses, said once.
    for g in &shared {
        let sockets: Vec<String> = g.sockets.iter().map(ToString::to_string).collect();
        let message = format!(
            "{} addresses ({}): {}",
            sockets.len(),
            sockets.join(", "),
            g.message.terminal_to(MAX_PROSE)
        );
        writeln!(
            out,
            "  {} [{}] {message}",
            mark(g.severity, opts.color),
            g.code.as_str()
        )?;
        writeln!(out, "    fix: {}", g.fix.terminal_to(MAX_PROSE))?;
    }
    Ok(())
}

/// A finding that several addresses of a target share, word for word once the address is left
/// out of the message.
struct Shared<'v> {
    code: crate::finding::Code,
    severity: crate::finding::Severity,
    message: Untrusted<'v>,
    fix: &'v Untrusted<'v>,
    sockets: Vec<std::net::SocketAddr>,
}

/// The findings two or more addresses of `t` share, in the order first met.
fn shared_findings<'v>(t: &'v TargetView<'v>) -> Vec<Shared<'v>> {
    let mut all: Vec<Shared<'v>> = Vec::new();
    for (h, host) in t.hosts.iter().enumerate() {
        for (i, a) in host.addresses.iter().enumerate() {
            let prefix = format!("{}: ", a.socket);
            for f in t.findings_at(Place::Address(h, i)) {
                let message = f.message.without_prefix(&prefix);
                match all
                    .iter_mut()
                    .find(|g| g.code == f.code && g.message == message)
                {
                    Some(g) if !g.sockets.contains(&a.socket) => g.sockets.push(a.socket),
                    Some(_) => {}
                    None => all.push(Shared {
                        code: f.code,
                        severity: f.severity,
                        message,
                        fix: &f.fix,
                        sockets: vec![a.socket],
                    }),
                }
            }
        }
    }
    all.retain(|g| g.sockets.len() > 1);
    all
}

/// An address's facts. `alone`: no finding sits under it, so where the session stopped is said
/// here (otherwise the finding says it, and `-v` repeats it).
fn address_block(
    a: &AddressView<'_>,
    opts: TextOptions,
    alone: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let code = match a.status {
        AddressStatus::Ok => GREEN,
        AddressStatus::Fail => RED,
        AddressStatus::Warn | AddressStatus::NotProbed => YELLOW,
    };
    writeln!(
        out,
        "    {}  {}",
        a.socket,
        paint(a.status.label(), code, opts.color)
    )?;
    if let Some((name, sni)) = &a.name_given {
        let sni = if *sni { "sent as SNI" } else { "no SNI sent" };
        writeln!(
            out,
            "{PAD}name      {} (given with --name; {sni})",
            name.terminal()
        )?;
    }
    if let Some(b) = &a.banner {
        writeln!(out, "{PAD}banner    {}", b.terminal())?;
    }
    let smtp = match &a.starttls {
        Starttls::Implicit => Some("implicit TLS (SMTPS)".to_string()),
        Starttls::Unknown => None,
        Starttls::NotOffered => Some("STARTTLS not offered".to_string()),
        Starttls::Accepted => Some("STARTTLS offered and accepted".to_string()),
        Starttls::Refused(r) => Some(format!("STARTTLS offered, refused: {}", r.terminal())),
        Starttls::Offered => Some("STARTTLS offered".to_string()),
    };
    let mail = match &a.mail {
        MailProbe::NotAsked => String::new(),
        MailProbe::TlsRequired => "; TLS required before MAIL".into(),
        MailProbe::PlaintextAccepted if matches!(a.starttls, Starttls::NotOffered) => {
            "; plaintext MAIL accepted".into()
        }
        MailProbe::PlaintextAccepted => "; plaintext MAIL accepted (opportunistic TLS)".into(),
        MailProbe::Other(r) => format!("; plaintext MAIL answered {}", r.terminal()),
        MailProbe::Lost(why) => format!("; MAIL before TLS not answered ({})", why.terminal()),
    };
    if let Some(smtp) = smtp {
        writeln!(out, "{PAD}smtp      {smtp}{mail}")?;
    }
    if let Some(tls) = &a.tls {
        tls_lines(tls, out)?;
    }
    if let Some(d) = &a.dane {
        writeln!(out, "{PAD}DANE      {}", d.terminal_to(MAX_PROSE))?;
    }
    if let Some(s) = &a.mta_sts {
        writeln!(out, "{PAD}MTA-STS   {}", s.terminal_to(MAX_PROSE))?;
    }
    if let Some(v) = &a.versions {
        let word = |s: VersionStatus| match s {
            VersionStatus::Accepted => "yes",
            VersionStatus::Rejected => "no",
            VersionStatus::Error => "?",
        };
        let [v10, v11, v12, v13] = v.each.map(|(_, s)| word(s));
        let mut line = format!("TLS 1.0 {v10}, 1.1 {v11}, 1.2 {v12}, 1.3 {v13}");
        if let Some(s) = v.static_rsa {
            line.push_str(&format!("; static RSA {}", word(s)));
        }
        writeln!(out, "{PAD}versions  {line}")?;
        // One suite per line, under its version, each with its strength and why.
        for list in &a.ciphers {
            writeln!(
                out,
                "{PAD}ciphers   {} ({} suite(s), {})",
                list.version,
                list.suites.len(),
                list.order
            )?;
            for (suite, rating) in list.suites.iter().zip(&list.ratings) {
                let rated = match rating {
                    Some((strength, why)) => format!("{:<8} {why}", strength.as_str()),
                    None => "unknown suite".into(),
                };
                writeln!(out, "{PAD}  {:<45} {rated}", suite.terminal())?;
            }
        }
        if opts.verbose > 0 {
            for (offered, result) in &v.probes {
                writeln!(
                    out,
                    "{PAD}  probe   {}: {}",
                    offered.terminal(),
                    result.terminal()
                )?;
            }
        }
    }
    if let Some(e) = a.stopped.as_ref().filter(|_| alone || opts.verbose > 0) {
        writeln!(
            out,
            "{PAD}stopped   in {} ({}): {}",
            e.phase,
            e.kind,
            e.message.terminal()
        )?;
        if let Some(detail) = e.detail.as_ref().filter(|_| opts.verbose > 0) {
            writeln!(out, "{PAD}          (TLS stack: {})", detail.terminal())?;
        }
    }
    if opts.verbose > 0 {
        verbose_lines(a, out)?;
    }
    if opts.show_certs {
        for c in &a.pem {
            writeln!(
                out,
                "# subject: {}\n# issuer: {}\n{}",
                c.subject.terminal(),
                c.issuer.terminal(),
                c.pem.trim_end()
            )?;
        }
    }
    Ok(())
}

/// `-v`: timings, the EHLO keywords inside TLS, the transcript.
fn verbose_lines(a: &AddressView<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let parts: Vec<String> = a
        .timings
        .iter()
        .map(|(n, v)| format!("{n} {v} ms"))
        .collect();
    writeln!(out, "{PAD}timings   {}", parts.join(", "))?;
    if let Some((why, detail)) = a.tls.as_ref().and_then(|t| t.chain_why.as_ref()) {
        writeln!(out, "{PAD}chain     {}", why.terminal())?;
        if let Some(d) = detail {
            writeln!(out, "{PAD}          (verifier: {})", d.terminal())?;
        }
    }
    if let Some(k) = &a.tls_ehlo {
        writeln!(out, "{PAD}ehlo/tls  {}", k.terminal())?;
    }
    writeln!(out, "{PAD}transcript:")?;
    for (dir, line) in &a.transcript {
        writeln!(out, "{PAD}  {dir} {}", line.terminal())?;
    }
    if a.transcript_dropped > 0 {
        writeln!(
            out,
            "{PAD}  ... {} more lines not kept",
            a.transcript_dropped
        )?;
    }
    Ok(())
}

fn tls_lines(tls: &TlsView<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let mut kx = match &tls.kx {
        Kx::Group(g) => g.terminal(),
        Kx::NotRecorded => "group not recorded".into(),
        Kx::StaticRsa => "static RSA key exchange".into(),
    };
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
        "{PAD}tls       {} {}, {kx}, {fs}",
        tls.version,
        tls.suite.terminal()
    )?;
    if !tls.handshake_completed {
        writeln!(
            out,
            "{PAD}          (the server's answer to a raw ClientHello: our TLS client could not finish this handshake)"
        )?;
    }
    if let Some(sni) = &tls.sni {
        writeln!(out, "{PAD}sni       {}", sni.terminal())?;
    }
    if let Some(leaf) = tls.leaf() {
        cert_lines("cert", leaf, out)?;
        writeln!(out, "{PAD}issuer    {}", leaf.issuer.terminal())?;
    }
    let trust = match (tls.chain_valid, tls.chain_error) {
        (true, _) => format!("valid, trusted by {}", tls.trust_store.terminal()),
        (false, Some(kind)) => format!("NOT valid for {} ({kind})", tls.trust_store.terminal()),
        (false, None) => format!("NOT valid for {}", tls.trust_store.terminal()),
    };
    if tls.chain_error == Some(ChainErrorKind::NotSeen) {
        writeln!(
            out,
            "{PAD}chain     not seen: TLS 1.3 encrypts it, and our client could not finish the handshake"
        )?;
    } else {
        writeln!(
            out,
            "{PAD}chain     {} certificate(s), {trust}",
            tls.chain.len() + tls.chain_dropped
        )?;
    }
    if let Some(anchor) = &tls.anchor {
        let src = if anchor.from_profile {
            " [profile anchor]"
        } else {
            ""
        };
        writeln!(out, "{PAD}root      {}{src}", anchor.subject.terminal())?;
        // The SHA-256 of the root's public key (SPKI), which identifies it across reissues.
        writeln!(out, "{PAD}root key  {}", anchor.spki_sha256.terminal())?;
    } else if let RootIssuer::AsNamed(s) = &tls.root_issuer {
        writeln!(
            out,
            "{PAD}root      {} (as the chain names it; not validated)",
            s.terminal()
        )?;
    }
    match &tls.name_check {
        Some((n, true)) => writeln!(out, "{PAD}name      matches {}", n.terminal())?,
        Some((n, false)) => writeln!(out, "{PAD}name      does NOT match {}", n.terminal())?,
        None => {}
    }
    if tls.stapled {
        writeln!(out, "{PAD}ocsp      stapled response present")?;
    }
    for c in &tls.revocation {
        revocation_line(c, &tls.leaf_stapled, out)?;
    }
    if let Some(ca) = &tls.client_auth {
        writeln!(out, "{PAD}client    {}", ca.describe(Untrusted::terminal))?;
    }
    for limit in &tls.client_limits {
        writeln!(out, "{PAD}our side  {limit}")?;
    }
    Ok(())
}

/// One line per checked certificate: every CRL and OCSP answer, and for the leaf the stapled
/// response (or its absence).
fn revocation_line(
    c: &CertChecks<'_>,
    leaf_stapled: &Stapled<'_>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let who = match &c.who {
        Who::Leaf => "leaf".to_string(),
        Who::Named(n) => n.terminal(),
    };
    let mut parts: Vec<String> = c
        .crl
        .iter()
        .map(|ch| check_text("CRL", ch))
        .chain(c.ocsp.iter().map(|ch| check_text("OCSP", ch)))
        .collect();
    if matches!(c.who, Who::Leaf) {
        match leaf_stapled {
            Stapled::Checked(st) => parts.push(check_text("stapled OCSP", st)),
            Stapled::NotChecked => parts.push("stapled OCSP not checked".into()),
            Stapled::Missing => parts.push("not stapled".into()),
            Stapled::NotApplicable => {}
        }
    }
    if parts.is_empty() {
        parts.push("no CRL or OCSP URL to check".into());
    }
    writeln!(out, "{PAD}revocation {who}: {}", parts.join("; "))?;
    if let Some(note) = &c.note {
        writeln!(out, "{PAD}           note: {}", note.terminal())?;
    }
    Ok(())
}

/// `CRL good (http://crl.example/ca.crl)`, `OCSP good, delegated responder CN=R (http://...)`,
/// `CRL revoked since 2026-11-01, keyCompromise (http://...)`, `CRL unreachable (crl.example)`:
/// an unreachable endpoint is named by its host, which is what the firewall needs (the
/// `revocation-unreachable` finding quotes the error).
fn check_text(kind: &str, c: &CheckView<'_>) -> String {
    let unreachable = c.status == RevocationStatus::Unreachable;
    let mut s = format!("{kind} {}", c.outcome.terminal());
    let error = c.error.iter().filter(|_| !unreachable);
    for d in c.details.iter().chain(error) {
        s.push_str(", ");
        s.push_str(&d.terminal());
    }
    let place = if unreachable {
        c.host.as_ref().or(c.url.as_ref())
    } else {
        c.url.as_ref().or(c.host.as_ref())
    };
    if let Some(p) = place {
        s.push_str(&format!(" ({})", p.terminal()));
    }
    s
}

fn cert_lines(what: &str, c: &CertView<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    if let Some(e) = &c.parse_error {
        return writeln!(
            out,
            "{PAD}{what:<9} unparseable ({}), sha256 {}",
            e.terminal(),
            c.sha256.terminal()
        );
    }
    const SHOWN: usize = 4;
    let mut san = c
        .san_dns
        .iter()
        .take(SHOWN)
        .map(Untrusted::terminal)
        .collect::<Vec<_>>()
        .join(", ");
    let more = c.san_dns.len().saturating_sub(SHOWN);
    if more > 0 {
        san.push_str(&format!(" (+{more})"));
    }
    writeln!(out, "{PAD}{what:<9} {}", c.subject.terminal())?;
    writeln!(
        out,
        "{PAD}          SAN {san}; {}",
        c.key_strength.terminal()
    )?;
    writeln!(
        out,
        "{PAD}          valid {} to {} ({})",
        utc_minutes(c.not_before),
        utc_minutes(c.not_after),
        c.expiry
    )?;
    writeln!(out, "{PAD}sha256    {}", c.sha256.terminal())
}

fn finding(
    f: &FindingView<'_>,
    pad: &str,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    finding_text(f, &f.message, pad, color, out)
}

/// `f` with `message` (its own, or without the address it sits under).
fn finding_text(
    f: &FindingView<'_>,
    message: &Untrusted<'_>,
    pad: &str,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{pad}{} [{}] {}",
        mark(f.severity, color),
        f.code.as_str(),
        // Our own sentence around bounded quotes: kept whole, like the fix.
        message.terminal_to(MAX_PROSE)
    )?;
    writeln!(out, "{pad}  fix: {}", f.fix.terminal_to(MAX_PROSE))
}

fn mark(severity: crate::finding::Severity, color: bool) -> String {
    match severity {
        crate::finding::Severity::Error => paint("✗ error", RED, color),
        crate::finding::Severity::Warning => paint("! warning", YELLOW, color),
        crate::finding::Severity::Info => paint("· info", DIM, color),
    }
}

/// `tlscheck endpoints` as text: one line per endpoint, then the verdict.
pub fn render_endpoints(report: &EndpointsReport, out: &mut dyn Write) -> std::io::Result<()> {
    let view = EndpointsView::new(report);
    match &view.profile {
        Some(p) => writeln!(out, "Endpoints of profile {}:", p.terminal())?,
        None => writeln!(out, "Endpoints:")?,
    }
    for e in &view.rows {
        let ms = e.ms.map(|m| format!("{m} ms")).unwrap_or_default();
        let http = e
            .http_status
            .map(|s| format!("HTTP {s}"))
            .unwrap_or_default();
        let ok = e.status == EndpointStatus::Ok;
        writeln!(
            out,
            "  {:<4} {:<11} {} {} {}",
            if ok { "ok" } else { "FAIL" },
            e.kind.as_str(),
            e.url.terminal(),
            http,
            ms
        )?;
        if let Some(d) = &e.detail {
            writeln!(out, "       {}", d.terminal())?;
        }
        if let Some(err) = &e.error {
            writeln!(out, "       {}: {}", e.status, err.terminal())?;
            if let Some((host, over)) = &e.firewall {
                writeln!(
                    out,
                    "       The firewall (or proxy) must let this machine reach {} over {over}.",
                    host.terminal()
                )?;
            }
        }
    }
    writeln!(
        out,
        "Verdict: {} ({} of {} endpoints answered as expected)",
        view.verdict,
        view.ok,
        view.rows.len()
    )
}

/// `tlscheck explain` as text: for an excerpt, the counts first, then each distinct
/// explanation with the line it was first seen on.
pub fn render_explanations(o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    let view = OutcomeView::new(o);
    for line in view.summary() {
        writeln!(out, "{line}")?;
    }
    for (i, e) in view.items.iter().enumerate() {
        if let Some((line, count)) = e.at {
            writeln!(out)?;
            let more = match count {
                1 => String::new(),
                2 => ", and 1 more line like it".to_string(),
                n => format!(", and {} more lines like it", n - 1),
            };
            writeln!(out, "[{}] line {line}{more}:", i + 1)?;
        }
        explanation_block(e, out)?;
    }
    Ok(())
}

fn explanation_block(e: &ExplanationView<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", e.input.terminal_to(MAX_PROSE))?;
    writeln!(out)?;
    if !e.found.is_empty() {
        let found: Vec<String> = e
            .found
            .iter()
            .map(|(label, value)| format!("{label} {}", value.terminal()))
            .collect();
        writeln!(out, "Read: {}", found.join("; "))?;
    }
    for note in e.notes {
        writeln!(out, "Note: {note}")?;
    }
    writeln!(out, "Meaning: {}", e.meaning)?;
    writeln!(out)?;
    writeln!(out, "Likely causes:")?;
    for (i, c) in e.causes.iter().enumerate() {
        writeln!(out, "  {}. {}", i + 1, c.cause)?;
        if !c.confirmed_by.is_empty() {
            let codes: Vec<&str> = c.confirmed_by.iter().map(|c| c.as_str()).collect();
            writeln!(out, "     confirmed by finding: {}", codes.join(", "))?;
        }
    }
    writeln!(out)?;
    writeln!(out, "Run:")?;
    for c in &e.commands {
        writeln!(out, "  {}", c.terminal())?;
    }
    Ok(())
}

/// `tlscheck schannel` as text: the Windows version, one line per protocol side, the .NET
/// values, the findings with their fixes, the verdict.
pub fn render_schannel(
    view: &SchannelView<'_>,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let sources: Vec<String> = view.sources.iter().map(Untrusted::terminal).collect();
    writeln!(
        out,
        "SCHANNEL and .NET TLS settings from {}",
        sources.join(", ")
    )?;
    write!(out, "Windows: {}, {}", view.windows, view.windows_source)?;
    match &view.product_name {
        Some(p) => writeln!(out, "; ProductName \"{}\"", p.terminal())?,
        None => writeln!(out)?,
    }
    if view.protocols.is_empty() {
        writeln!(
            out,
            "Protocols: not checked (no SCHANNEL keys in the input)"
        )?;
    } else {
        writeln!(
            out,
            "Protocols (as applications that leave the choice to Windows use them):"
        )?;
        for row in &view.protocols {
            for (side, c) in [("Client", &row.client), ("Server", &row.server)] {
                let state = if c.bad {
                    paint(
                        c.words,
                        if row.protocol.is_legacy() {
                            YELLOW
                        } else {
                            RED
                        },
                        color,
                    )
                } else {
                    c.words.to_string()
                };
                // Pad by the word's own width: colour codes take no room on screen.
                let pad = " ".repeat(15usize.saturating_sub(c.words.len()));
                writeln!(
                    out,
                    "  {:<8} {:<7} {}{state}{pad} {}",
                    row.protocol.as_str(),
                    side,
                    if c.bad { "✗ " } else { "  " },
                    c.why
                )?;
            }
        }
    }
    writeln!(
        out,
        ".NET Framework (SchUseStrongCrypto, SystemDefaultTlsVersions; both should be 1):"
    )?;
    for d in &view.dotnet {
        writeln!(
            out,
            "  {:<11} {:<12} {}{}, {}",
            d.framework.as_str(),
            d.view.as_str(),
            if d.read && !d.ok { "✗ " } else { "  " },
            d.strong_crypto,
            d.system_default
        )?;
        for n in &d.notes {
            writeln!(out, "      {}", n.terminal())?;
        }
    }
    for n in &view.notes {
        writeln!(out, "  note: {}", n.terminal())?;
    }
    if !view.findings.is_empty() {
        writeln!(out)?;
    }
    for f in &view.findings {
        finding(f, "", color, out)?;
    }
    writeln!(out)?;
    let verdict = match view.verdict {
        Verdict::Pass => paint("pass", GREEN, color),
        _ => paint(view.verdict.as_str(), RED, color),
    };
    writeln!(
        out,
        "Verdict: {verdict} ({} error{}, {} warning{})",
        view.errors,
        if view.errors == 1 { "" } else { "s" },
        view.warnings,
        if view.warnings == 1 { "" } else { "s" }
    )?;
    writeln!(
        out,
        "Absent values are judged by the Windows defaults of {}.",
        view.defaults_source.terminal_to(MAX_PROSE)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judged::Judged;
    use crate::report::ClientAuth;
    use crate::sample::{self, first_tls};

    fn render_string(report: &Judged, opts: TextOptions) -> String {
        let mut buf = Vec::new();
        render(&ReportView::new(report), opts, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn partner_facts_for_the_leaf_said_once() {
        let out = render_string(&sample::report(), TextOptions::default());
        // Name, O and OU (the subject), key strength, validity and fingerprint, then the root.
        let block = "      cert      CN=mx.contoso.test, O=Contoso Ltd, OU=Mail\n\
                     \x20               SAN mx.contoso.test, mail.contoso.test; RSA 2048 bits\n\
                     \x20               valid 2026-01-01 00:00 UTC to 2027-01-01 00:00 UTC";
        assert!(out.contains(block), "{out}");
        assert!(out.contains("      sha256    aaaa"), "{out}");
        assert!(
            out.contains("      root      CN=Contoso Root CA, O=Contoso Ltd\n"),
            "{out}"
        );
        assert!(!out.contains("partners"), "said once: {out}");

        // Without a validated anchor the root issuer is what the chain names, and says so.
        let mut r = sample::report();
        first_tls(&mut r).anchor = None;
        let out = render_string(&r, TextOptions::default());
        assert!(
            out.contains("root      CN=Contoso Root CA, O=Contoso Ltd (as the chain names it; not validated)\n"),
            "{out}"
        );
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
        first_tls(&mut r).chain[0].subject = "CN=Evil\x1b[2J\nCorp".into();
        let out = render_string(&r, TextOptions::default());
        assert!(
            out.contains("cert      CN=Evil\\u{1b}[2J\\u{a}Corp\n"),
            "{out}"
        );
        assert!(!out.contains('\x1b'));
    }

    #[test]
    fn colour_only_when_asked_and_never_on_network_text() {
        let mut report = sample::report();
        if let Some(b) = sample::address_mut(&mut report, 0, 0, 0)
            .smtp
            .banner
            .as_mut()
        {
            b.lines = vec!["mx \x1b[31mred".into()];
        }
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
    fn a_finding_shared_by_addresses_is_said_once_without_the_address() {
        let mut r = sample::report();
        let at = |ip: u8| {
            crate::finding::Finding::new(
                crate::finding::Code::RevocationInvalid,
                "contoso.test",
                Some("mx.contoso.test"),
                Some(std::net::IpAddr::from([192, 0, 2, ip])),
                format!("192.0.2.{ip}:25: OCSP response signed by an unauthorised responder"),
            )
        };
        r.targets[0].findings = vec![at(1), at(2)];
        let out = render_string(&r, TextOptions::default());
        assert_eq!(
            out.matches("[revocation-invalid] at 2 addresses: see below")
                .count(),
            2,
            "{out}"
        );
        assert!(
            out.contains("[revocation-invalid] 2 addresses (192.0.2.1:25, 192.0.2.2:25): OCSP response signed by an unauthorised responder\n"),
            "{out}"
        );
        assert_eq!(out.matches("fix: ").count(), 1, "{out}");

        // One address only: under it, without repeating it.
        r.targets[0].findings = vec![at(2)];
        let out = render_string(&r, TextOptions::default());
        assert!(
            out.contains("] OCSP response signed by an unauthorised responder\n"),
            "{out}"
        );
        assert!(!out.contains("192.0.2.2:25: OCSP"), "{out}");
    }

    #[test]
    fn quiet_is_the_verdict_only() {
        let opts = TextOptions {
            quiet: true,
            ..TextOptions::default()
        };
        assert_eq!(
            render_string(&sample::report(), opts),
            // The codes of what is not a pass, so a batch's summary says where to look.
            "PASS  mx contoso.test: 0 errors, 1 warning, 0 infos (revocation-unreachable)\n"
        );
    }
}
