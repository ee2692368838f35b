//! JUnit XML for CI test reports (Jenkins, GitLab CI, GitHub test reporters, Azure DevOps).
//!
//! A probe report becomes one `<testsuite>` per target (named after the target as typed) and one
//! `<testcase>` per address checked (`classname` `tlscheck.<target>`, name `<host> <ip>:<port>`):
//!
//! - **failed** (`<failure>`) when any finding about the address is an error: the message and type
//!   are the first error's, the text lists every finding of the address with its fix;
//! - **skipped** (`<skipped>`) when the address could not be probed (no EHLO, no TLS) and no
//!   finding about it is an error: the message says where the session stopped;
//! - **passed** otherwise, with a line of TLS facts and the warnings and infos in `<system-out>`.
//!
//! Findings not about one address (the domain's DNS, a null MX, an MX host that does not resolve)
//! get a test case of their own, named after the host, or `<target> DNS` for the domain: failed on
//! an error, skipped when nothing of the target could be probed, passed otherwise. Every target
//! has at least one test case, so a domain that resolves to nothing still shows up in CI.
//!
//! Test case times are the address's total time; a suite's time is the sum of its test cases
//! (addresses are probed concurrently, so suite times add up to more than the run took); the
//! `<testsuites>` time is the run's wall-clock duration. Timestamps are UTC without a zone, as the
//! JUnit schema wants them. `errors` is always 0: tlscheck reports what it found, it does not
//! crash a test. [`render_endpoints`] does the same for `tlscheck endpoints`.
//!
//! It spells the [`ReportView`]: every string from the network or a report file is cleaned with
//! [`Untrusted::terminal`] when a test case is built (control characters and bidi overrides
//! become `\u{..}`, long texts are cut), and everything is escaped with [`xml`] when the document
//! is written (the five XML specials, and anything XML 1.0 forbids), so a hostile banner or
//! certificate field cannot break the document.

use std::io::Write;

use time::{OffsetDateTime, UtcOffset};

use crate::finding::Severity;
use crate::judged::Place;
use crate::render::escape::{xml, MAX_PROSE};
use crate::render::view::{
    utc_minutes, AddressView, EndpointView, EndpointsView, FindingView, Kx, ReportView,
    SchannelView, TargetView, Untrusted,
};
use crate::report::EndpointsReport;
use crate::vocab::EndpointStatus;

/// How one test case ended.
enum Outcome {
    Passed,
    /// `message` and `kind` (the `type` attribute) head the failure; `text` is its body.
    Failed {
        message: String,
        kind: String,
        text: String,
    },
    Skipped {
        message: String,
    },
}

/// One `<testcase>`. Every string is already cleaned (no control characters but `\n` between
/// lines of our own); [`xml`] escapes them when written.
struct Case {
    classname: String,
    name: String,
    time_ms: Option<u64>,
    outcome: Outcome,
    system_out: Vec<String>,
}

/// One `<testsuite>`.
struct Suite {
    name: String,
    timestamp: OffsetDateTime,
    cases: Vec<Case>,
}

impl Suite {
    fn failures(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed { .. }))
            .count()
    }

    fn skipped(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Skipped { .. }))
            .count()
    }

    fn time_ms(&self) -> u64 {
        self.cases
            .iter()
            .filter_map(|c| c.time_ms)
            .fold(0, u64::saturating_add)
    }
}

/// A probe report as JUnit XML.
pub fn render(view: &ReportView<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let mut suites: Vec<Suite> = view.targets.iter().map(|t| target_suite(view, t)).collect();
    if !view.unplaced.is_empty() {
        let refs: Vec<&FindingView<'_>> = view.unplaced.iter().collect();
        suites.push(Suite {
            name: "findings about no target".into(),
            timestamp: view.started_at,
            cases: vec![group_case(
                "tlscheck.unplaced",
                "findings about no target".into(),
                &refs,
                true,
            )],
        });
    }
    write_document(&suites, view.duration_ms, out)
}

/// `tlscheck endpoints` as JUnit XML: one suite, one test case per endpoint, failed when the
/// endpoint did not answer as expected (`status` other than `ok`).
pub fn render_endpoints(report: &EndpointsReport, out: &mut dyn Write) -> std::io::Result<()> {
    let view = EndpointsView::new(report);
    let name = match &view.profile {
        Some(p) => format!("endpoints of profile {}", p.terminal()),
        None => "endpoints".to_string(),
    };
    let cases = view.rows.iter().map(endpoint_case).collect();
    let suite = Suite {
        name,
        timestamp: view.started_at,
        cases,
    };
    write_document(&[suite], view.duration_ms, out)
}

fn target_suite(view: &ReportView<'_>, t: &TargetView<'_>) -> Suite {
    let target = t.input.terminal();
    let classname = format!("tlscheck.{target}");
    let mut cases = Vec::new();
    for (h, host) in t.hosts.iter().enumerate() {
        for (i, a) in host.addresses.iter().enumerate() {
            let mine: Vec<&FindingView<'_>> = t.findings_at(Place::Address(h, i)).collect();
            cases.push(address_case(&classname, &host.name, a, &mine));
        }
    }
    // What no address test case shows: the target's own findings, then per host.
    let own: Vec<&FindingView<'_>> = t.findings_at(Place::Target).collect();
    if !own.is_empty() {
        cases.push(group_case(
            &classname,
            format!("{target} DNS"),
            &own,
            t.probed,
        ));
    }
    for (h, host) in t.hosts.iter().enumerate() {
        let list: Vec<&FindingView<'_>> = t.findings_at(Place::Host(h)).collect();
        if !list.is_empty() {
            cases.push(group_case(
                &classname,
                host.name.terminal(),
                &list,
                t.probed,
            ));
        }
    }
    if let Some(p) = &t.policy {
        let mut lines = vec![
            format!("DANE sender: {}", prose(&p.dane_sender)),
            format!("MTA-STS sender: {}", prose(&p.sts_sender)),
            format!("Opportunistic sender: {}", prose(&p.opportunistic_sender)),
            format!("MTA-STS: {}", prose(&p.mta_sts)),
            format!("TLS-RPT: {}", prose(&p.tls_rpt)),
        ];
        for host in &t.hosts {
            if let Some(d) = &host.dane {
                lines.push(format!("DANE of {}: {}", host.name.terminal(), prose(d)));
            }
        }
        // The findings that fail it are in the DNS, host and address cases.
        cases.push(Case {
            classname: classname.clone(),
            name: format!("{target} policy"),
            time_ms: None,
            outcome: Outcome::Passed,
            system_out: lines,
        });
    }
    if cases.is_empty() {
        cases.push(Case {
            classname,
            name: format!("{target} DNS"),
            time_ms: None,
            outcome: Outcome::Skipped {
                message: "not probed: no host or address to check was found".into(),
            },
            system_out: vec![],
        });
    }
    Suite {
        name: target,
        timestamp: view.started_at,
        cases,
    }
}

fn address_case(
    classname: &str,
    host: &Untrusted<'_>,
    a: &AddressView<'_>,
    findings: &[&FindingView<'_>],
) -> Case {
    let lines: Vec<String> = findings.iter().map(|f| finding_text(f)).collect();
    let mut system_out = Vec::new();
    let policy_lines: Vec<String> = a
        .dane
        .iter()
        .map(|d| format!("DANE: {}", prose(d)))
        .chain(a.mta_sts.iter().map(|s| format!("MTA-STS: {}", prose(s))))
        .collect();
    let outcome = if let Some(e) = findings.iter().find(|f| f.severity == Severity::Error) {
        system_out.extend(tls_facts(a));
        system_out.extend(policy_lines);
        Outcome::Failed {
            message: prose(&e.message),
            kind: e.code.as_str().to_string(),
            text: lines.join("\n"),
        }
    } else if !a.probed {
        system_out = lines;
        let message = match &a.stopped {
            Some(e) => format!("not probed: {} phase: {}", e.phase, prose(&e.message)),
            None => "not probed: the session stopped before EHLO".into(),
        };
        Outcome::Skipped { message }
    } else {
        system_out.extend(tls_facts(a));
        system_out.extend(policy_lines);
        system_out.extend(lines);
        Outcome::Passed
    };
    Case {
        classname: classname.to_string(),
        name: format!("{} {}", host.terminal(), a.socket),
        time_ms: a.total_ms(),
        outcome,
        system_out,
    }
}

/// A test case for findings about a host or the whole target rather than one address.
fn group_case(classname: &str, name: String, findings: &[&FindingView<'_>], probed: bool) -> Case {
    let lines: Vec<String> = findings.iter().map(|f| finding_text(f)).collect();
    let outcome = if let Some(e) = findings.iter().find(|f| f.severity == Severity::Error) {
        Outcome::Failed {
            message: prose(&e.message),
            kind: e.code.as_str().to_string(),
            text: lines.join("\n"),
        }
    } else if !probed {
        // The finding that says why nothing was probed: a warning before an info.
        let why = findings
            .iter()
            .find(|f| f.severity == Severity::Warning)
            .or(findings.first());
        Outcome::Skipped {
            message: match why {
                Some(f) => format!("not probed: {}", prose(&f.message)),
                None => "not probed".into(),
            },
        }
    } else {
        Outcome::Passed
    };
    let system_out = match outcome {
        Outcome::Failed { .. } => vec![],
        _ => lines,
    };
    Case {
        classname: classname.to_string(),
        name,
        time_ms: None,
        outcome,
        system_out,
    }
}

fn endpoint_case(e: &EndpointView<'_>) -> Case {
    let mut lines = vec![format!("URL: {}", prose(&e.url))];
    if let Some(s) = e.http_status {
        lines.push(format!("HTTP status: {s}"));
    }
    if let Some(d) = &e.detail {
        lines.push(prose(d));
    }
    let outcome = if e.status == EndpointStatus::Ok {
        Outcome::Passed
    } else {
        if let Some(err) = &e.error {
            lines.push(format!("{}: {}", e.status, prose(err)));
        }
        if let Some((host, over)) = &e.firewall {
            lines.push(format!(
                "The firewall (or proxy) must let this machine reach {} over {over}.",
                host.terminal()
            ));
        }
        let why = e
            .error
            .as_ref()
            .or(e.detail.as_ref())
            .map(prose)
            .or_else(|| e.http_status.map(|s| format!("HTTP {s}")));
        Outcome::Failed {
            message: match why {
                Some(w) => format!("{}: {w}", e.status),
                None => e.status.to_string(),
            },
            kind: e.status.to_string(),
            text: lines.join("\n"),
        }
    };
    let system_out = match outcome {
        Outcome::Passed => lines,
        _ => vec![],
    };
    Case {
        classname: "tlscheck.endpoints".into(),
        name: format!("{} {}", e.kind, e.url.terminal()),
        time_ms: e.ms,
        outcome,
        system_out,
    }
}

/// `warning revocation-unreachable: the CRL ... did not answer` and its fix on the next line.
fn finding_text(f: &FindingView<'_>) -> String {
    format!(
        "{} {}: {}\n  Fix: {}",
        f.severity,
        f.code.as_str(),
        prose(&f.message),
        prose(&f.fix)
    )
}

/// `TLSv1.3 TLS_AES_256_GCM_SHA384 (X25519MLKEM768); accepts TLS 1.2, 1.3; certificate
/// mx.contoso.test, valid until 2027-01-01 00:00 UTC (38 days left)`.
fn tls_facts(a: &AddressView<'_>) -> Option<String> {
    let tls = a.tls.as_ref()?;
    let mut s = format!("{} {}", tls.version, tls.suite.terminal());
    if let Kx::Group(g) = &tls.kx {
        s.push_str(&format!(" ({})", g.terminal()));
    }
    if let Some(v) = &a.versions {
        s.push_str(&format!("; accepts {}", v.accepted()));
    }
    for limit in &tls.client_limits {
        s.push_str(&format!("; our client: {limit}"));
    }
    if let Some(leaf) = tls.parsed_leaf() {
        s.push_str(&format!(
            "; certificate {}, valid until {} ({})",
            leaf.name
                .as_ref()
                .map(Untrusted::terminal)
                .unwrap_or_else(|| "unnamed".into()),
            utc_minutes(leaf.not_after),
            leaf.expiry
        ));
    }
    Some(s)
}

/// Text of our own that quotes the network, cleaned and cut.
fn prose(s: &Untrusted<'_>) -> String {
    s.terminal_to(MAX_PROSE)
}

/// `1.234`: milliseconds as JUnit's seconds.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// `2026-11-23T12:00:00`: UTC, without a zone (the JUnit schema's `timestamp`).
fn timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{}T{:02}:{:02}:{:02}",
        t.date(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn write_document(suites: &[Suite], duration_ms: u64, out: &mut dyn Write) -> std::io::Result<()> {
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    let failures: usize = suites.iter().map(Suite::failures).sum();
    let skipped: usize = suites.iter().map(Suite::skipped).sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="tlscheck" tests="{tests}" failures="{failures}" errors="0" skipped="{skipped}" time="{}">"#,
        seconds(duration_ms)
    )?;
    for s in suites {
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="0" skipped="{}" time="{}" timestamp="{}">"#,
            xml(&s.name, true),
            s.cases.len(),
            s.failures(),
            s.skipped(),
            seconds(s.time_ms()),
            timestamp(s.timestamp)
        )?;
        for c in &s.cases {
            write_case(c, out)?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

fn write_case(c: &Case, out: &mut dyn Write) -> std::io::Result<()> {
    let time = c
        .time_ms
        .map(|ms| format!(r#" time="{}""#, seconds(ms)))
        .unwrap_or_default();
    let open = format!(
        r#"    <testcase classname="{}" name="{}"{time}"#,
        xml(&c.classname, true),
        xml(&c.name, true)
    );
    if matches!(c.outcome, Outcome::Passed) && c.system_out.is_empty() {
        return writeln!(out, "{open}/>");
    }
    writeln!(out, "{open}>")?;
    match &c.outcome {
        Outcome::Passed => {}
        Outcome::Failed {
            message,
            kind,
            text,
        } => writeln!(
            out,
            r#"      <failure message="{}" type="{}">{}</failure>"#,
            xml(message, true),
            xml(kind, true),
            xml(text, false)
        )?,
        Outcome::Skipped { message } => {
            writeln!(out, r#"      <skipped message="{}"/>"#, xml(message, true))?
        }
    }
    if !c.system_out.is_empty() {
        writeln!(
            out,
            "      <system-out>{}</system-out>",
            xml(&c.system_out.join("\n"), false)
        )?;
    }
    writeln!(out, "    </testcase>")
}

/// `tlscheck schannel` as JUnit: one case per protocol (failing when TLS 1.2 is not on), one for
/// the .NET values and one for what the input lacked; warnings are in the passing cases' output.
pub fn render_schannel(view: &SchannelView<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let classname = "tlscheck.schannel";
    let of = |code: crate::finding::Code| -> Vec<&FindingView<'_>> {
        view.findings.iter().filter(|f| f.code == code).collect()
    };
    let mut cases = Vec::new();
    for r in &view.protocols {
        let lines: Vec<String> = [("Client", &r.client), ("Server", &r.server)]
            .iter()
            .map(|(side, c)| format!("{side}: {} ({})", c.words, c.why))
            .collect();
        let tls12 = of(crate::finding::Code::SchannelTls12Disabled);
        let outcome = match tls12.first() {
            Some(f) if r.protocol == crate::schannel::Protocol::Tls12 => Outcome::Failed {
                message: prose(&f.message),
                kind: f.code.as_str().to_string(),
                text: tls12
                    .iter()
                    .map(|f| finding_text(f))
                    .chain(lines.iter().cloned())
                    .collect::<Vec<_>>()
                    .join("\n"),
            },
            _ => Outcome::Passed,
        };
        let system_out = match outcome {
            Outcome::Passed => lines,
            _ => vec![],
        };
        cases.push(Case {
            classname: classname.into(),
            name: r.protocol.as_str().to_string(),
            time_ms: None,
            outcome,
            system_out,
        });
    }
    let mut dotnet_lines: Vec<String> = view
        .dotnet
        .iter()
        .map(|d| {
            format!(
                "{} {}: SchUseStrongCrypto {}, SystemDefaultTlsVersions {}",
                d.framework, d.view, d.strong_crypto, d.system_default
            )
        })
        .collect();
    dotnet_lines.extend(
        of(crate::finding::Code::DotnetStrongCryptoMissing)
            .iter()
            .map(|f| finding_text(f)),
    );
    cases.push(Case {
        classname: classname.into(),
        name: ".NET Framework".into(),
        time_ms: None,
        outcome: Outcome::Passed,
        system_out: dotnet_lines,
    });
    let rest: Vec<&FindingView<'_>> = view
        .findings
        .iter()
        .filter(|f| {
            !matches!(
                f.code,
                crate::finding::Code::SchannelTls12Disabled
                    | crate::finding::Code::DotnetStrongCryptoMissing
            )
        })
        .collect();
    if !rest.is_empty() {
        cases.push(group_case(classname, "settings".into(), &rest, true));
    }
    let sources: Vec<String> = view.sources.iter().map(Untrusted::terminal).collect();
    let suite = Suite {
        name: format!("SCHANNEL settings from {}", sources.join(", ")),
        timestamp: view.started_at,
        cases,
    };
    write_document(&[suite], 0, out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::finding::{Code, Finding};
    use crate::judged::Judged;
    use crate::report::{Failure, HostReport, SmtpFacts, Timings};
    use crate::sample::{self, address_mut};
    use crate::vocab::{FailureKind, Phase};

    use quick_xml::events::{BytesStart, Event};
    use quick_xml::Reader;
    use quick_xml::XmlVersion;

    fn render_string(report: &Judged) -> String {
        let mut buf = Vec::new();
        render(&ReportView::new(report), &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    fn finding(code: Code, host: Option<&str>, ip: Option<&str>, message: &str) -> Finding {
        let ip = ip.map(|ip| ip.parse().unwrap());
        Finding::new(code, "contoso.test", host, ip, message.into())
    }

    /// An element as parsed: its name, attributes (unescaped) and the text directly inside it.
    #[derive(Debug, Default, Clone)]
    pub(crate) struct Element {
        name: String,
        attrs: Vec<(String, String)>,
        text: String,
    }

    impl Element {
        pub(crate) fn attr(&self, name: &str) -> &str {
            self.attrs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("no attribute {name} on {self:?}"))
        }

        fn count(&self, name: &str) -> usize {
            self.attr(name).parse().unwrap()
        }
    }

    /// A parsed element and the elements it contains.
    #[derive(Debug, Default)]
    pub(crate) struct Node {
        pub(crate) el: Element,
        pub(crate) children: Vec<Node>,
    }

    impl Node {
        fn all<'a>(&'a self, name: &str, found: &mut Vec<&'a Node>) {
            for c in &self.children {
                if c.el.name == name {
                    found.push(c);
                }
                c.all(name, found);
            }
        }

        pub(crate) fn find(&self, name: &str) -> Vec<&Node> {
            let mut v = Vec::new();
            self.all(name, &mut v);
            v
        }

        fn child(&self, name: &str) -> Option<&Node> {
            self.children.iter().find(|c| c.el.name == name)
        }
    }

    fn element(e: &BytesStart) -> Element {
        let name = e.name().as_ref().to_string();
        let attrs = e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    a.key.as_ref().to_string(),
                    a.normalized_value(XmlVersion::Explicit1_0)
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect();
        Element {
            name,
            attrs,
            text: String::new(),
        }
    }

    /// Parses `xml` with quick-xml, failing on anything not well-formed (unbalanced or mismatched
    /// tags, duplicate attributes, unknown entities, characters XML 1.0 forbids), and returns the
    /// document element.
    fn parse(xml: &str) -> Node {
        for c in xml.chars() {
            let legal = matches!(c, '\t' | '\n' | '\r')
                || ('\u{20}'..='\u{d7ff}').contains(&c)
                || ('\u{e000}'..='\u{fffd}').contains(&c)
                || c >= '\u{10000}';
            assert!(legal, "character {c:?} is not allowed in XML 1.0:\n{xml}");
        }
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            "{xml}"
        );
        let mut reader = Reader::from_str(xml);
        reader.config_mut().check_end_names = true;
        let mut stack: Vec<Node> = vec![Node::default()];
        let mut decl = false;
        loop {
            match reader.read_event() {
                Err(e) => panic!("not well-formed at {}: {e}\n{xml}", reader.error_position()),
                Ok(Event::Eof) => break,
                Ok(Event::Decl(_)) => decl = true,
                Ok(Event::Start(e)) => stack.push(Node {
                    el: element(&e),
                    children: vec![],
                }),
                Ok(Event::Empty(e)) => {
                    let node = Node {
                        el: element(&e),
                        children: vec![],
                    };
                    stack.last_mut().unwrap().children.push(node);
                }
                Ok(Event::End(e)) => {
                    let node = stack.pop().unwrap();
                    assert_eq!(node.el.name, e.name().as_ref());
                    stack.last_mut().unwrap().children.push(node);
                }
                Ok(Event::Text(t)) => {
                    let text = t.xml10_content();
                    assert!(
                        stack.len() > 1 || text.trim().is_empty(),
                        "text outside the root: {text:?}"
                    );
                    stack.last_mut().unwrap().el.text.push_str(&text);
                }
                Ok(Event::GeneralRef(r)) => {
                    let c = match r.resolve_char_ref().unwrap() {
                        Some(c) => c.to_string(),
                        None => {
                            let name = r.xml10_content();
                            quick_xml::escape::resolve_predefined_entity(&name)
                                .unwrap_or_else(|| panic!("unknown entity &{name};"))
                                .to_string()
                        }
                    };
                    stack.last_mut().unwrap().el.text.push_str(&c);
                }
                Ok(e) => panic!("unexpected event {e:?}"),
            }
        }
        assert!(decl, "no XML declaration");
        assert_eq!(stack.len(), 1, "unclosed elements");
        let mut doc = stack.pop().unwrap();
        assert_eq!(doc.children.len(), 1, "one document element");
        doc.children.pop().unwrap()
    }

    /// Checks that every count attribute matches the test cases, and returns the document.
    pub(crate) fn parse_and_check(xml: &str) -> Node {
        let root = parse(xml);
        assert_eq!(root.el.name, "testsuites");
        let suites: Vec<&Node> = root.children.iter().collect();
        assert!(suites.iter().all(|s| s.el.name == "testsuite"), "{xml}");
        let (mut tests, mut failures, mut skipped) = (0, 0, 0);
        for s in &suites {
            let cases: Vec<&Node> = s.children.iter().collect();
            assert!(!cases.is_empty(), "a suite without test cases: {xml}");
            assert!(cases.iter().all(|c| c.el.name == "testcase"), "{xml}");
            let f = s.find("failure").len();
            let k = s.find("skipped").len();
            assert_eq!(s.el.count("tests"), cases.len(), "{xml}");
            assert_eq!(s.el.count("failures"), f, "{xml}");
            assert_eq!(s.el.count("skipped"), k, "{xml}");
            assert_eq!(s.el.count("errors"), 0, "{xml}");
            // A suite's time is the sum of its test cases'.
            let sum: u64 = cases
                .iter()
                .filter_map(|c| c.el.attrs.iter().find(|(n, _)| n == "time"))
                .map(|(_, v)| (v.parse::<f64>().unwrap() * 1000.0).round() as u64)
                .sum();
            assert_eq!(s.el.attr("time"), seconds(sum), "{xml}");
            assert_eq!(s.el.attr("timestamp").len(), 19, "{xml}");
            for c in &cases {
                assert!(c.el.attr("classname").starts_with("tlscheck."), "{xml}");
                assert!(!c.el.attr("name").is_empty(), "{xml}");
                assert!(
                    c.child("failure").is_none() || c.child("skipped").is_none(),
                    "failed and skipped: {xml}"
                );
            }
            tests += cases.len();
            failures += f;
            skipped += k;
        }
        assert_eq!(root.el.count("tests"), tests, "{xml}");
        assert_eq!(root.el.count("failures"), failures, "{xml}");
        assert_eq!(root.el.count("skipped"), skipped, "{xml}");
        assert_eq!(root.el.count("errors"), 0, "{xml}");
        root
    }

    fn case<'a>(root: &'a Node, name: &str) -> &'a Node {
        root.find("testcase")
            .into_iter()
            .find(|c| c.el.attr("name") == name)
            .unwrap_or_else(|| panic!("no test case {name:?}"))
    }

    #[test]
    fn sample_report_one_case_per_address() {
        let mut r = sample::report();
        address_mut(&mut r, 0, 0, 0).timings_ms.total = Some(1532);
        address_mut(&mut r, 0, 0, 1).timings_ms.total = Some(250);
        let out = render_string(&r);
        let root = parse_and_check(&out);
        assert_eq!(root.el.attr("name"), "tlscheck");
        assert_eq!(root.el.count("tests"), 2);
        assert_eq!(root.el.count("failures"), 0);
        assert_eq!(root.el.count("skipped"), 0);
        assert_eq!(root.el.attr("time"), "1.234", "the run's duration");
        let suite = &root.children[0];
        assert_eq!(suite.el.attr("name"), "contoso.test");
        assert_eq!(suite.el.attr("time"), "1.782");
        assert_eq!(suite.el.attr("timestamp"), "2026-11-23T12:00:00");
        let first = case(&root, "mx.contoso.test 192.0.2.1:25");
        assert_eq!(first.el.attr("classname"), "tlscheck.contoso.test");
        assert_eq!(first.el.attr("time"), "1.532");
        let so = &first.child("system-out").unwrap().el.text;
        assert!(
            so.starts_with(
                "TLSv1.3 TLS_AES_256_GCM_SHA384 (X25519MLKEM768); accepts TLS 1.2, 1.3; \
                 certificate mx.contoso.test, valid until 2027-01-01 00:00 UTC (38 days left)\n\
                 warning revocation-unreachable: the CRL at http://crl.globalsign.test/root.crl \
                 did not answer\n  Fix: "
            ),
            "{so}"
        );
        let second = case(&root, "mx.contoso.test 192.0.2.2:25");
        assert_eq!(second.el.attr("time"), "0.250");
        assert!(second.child("failure").is_none() && second.child("skipped").is_none());
    }

    #[test]
    fn an_error_fails_the_address_and_lists_every_finding() {
        let mut r = sample::report();
        r.targets[0].findings.push(finding(
            Code::CertExpired,
            Some("mx.contoso.test"),
            Some("192.0.2.1"),
            "192.0.2.1:25: the certificate expired on 2026-01-01",
        ));
        r.targets[0].findings.push(finding(
            Code::WeakKey,
            Some("mx.contoso.test"),
            Some("192.0.2.1"),
            "192.0.2.1:25: RSA 1024 bits",
        ));
        let out = render_string(&r);
        let root = parse_and_check(&out);
        assert_eq!(root.el.count("tests"), 2);
        assert_eq!(root.el.count("failures"), 1);
        let failed = case(&root, "mx.contoso.test 192.0.2.1:25");
        let failure = failed.child("failure").unwrap();
        assert_eq!(
            failure.el.attr("message"),
            "192.0.2.1:25: the certificate expired on 2026-01-01",
            "the first error"
        );
        assert_eq!(failure.el.attr("type"), "cert-expired");
        let text = &failure.el.text;
        assert!(
            text.starts_with(
                "warning revocation-unreachable: the CRL at http://crl.globalsign.test/root.crl did not answer\n  Fix: "
            ),
            "{text}"
        );
        assert!(
            text.contains("\nerror cert-expired: 192.0.2.1:25: the certificate expired on 2026-01-01\n  Fix: "),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "\nerror weak-key: 192.0.2.1:25: RSA 1024 bits\n  Fix: {}",
                Code::WeakKey.remediation()
            )),
            "{text}"
        );
        // The other address still passes.
        assert!(case(&root, "mx.contoso.test 192.0.2.2:25")
            .child("failure")
            .is_none());
    }

    #[test]
    fn network_text_is_escaped() {
        let mut r = sample::report();
        r.report.targets[0].hosts[0].name = "mx<&\"'>.test".into();
        r.targets[0].findings[0].host = Some("mx<&\"'>.test".into());
        r.targets[0].findings[0].message =
            "evil <b>&amp; \"quoted\" 'x' \u{1b}[31mred\u{0}\u{7}\r\n]]>".into();
        r.targets[0].findings.push(finding(
            Code::CertNameMismatch,
            Some("mx<&\"'>.test"),
            Some("192.0.2.2"),
            "CN=<script>&\u{1b}\u{fffe}",
        ));
        if let Some(tls) = address_mut(&mut r, 0, 0, 0).tls.as_mut() {
            tls.chain[0].common_name = Some("a\u{1b}]0;title\u{7}<x>".into());
        }
        let out = render_string(&r);
        assert!(!out.contains('\u{1b}') && !out.contains('\u{0}') && !out.contains('\u{7}'));
        assert!(!out.contains("<b>") && !out.contains("<script>") && !out.contains("<x>"));
        assert!(!out.contains('\u{fffe}'), "{out}");
        let root = parse_and_check(&out);
        let passed = case(&root, "mx<&\"'>.test 192.0.2.1:25");
        let so = &passed.child("system-out").unwrap().el.text;
        assert!(
            so.contains("certificate a\\u{1b}]0;title\\u{7}<x>, valid"),
            "{so}"
        );
        assert!(
            so.contains(
                "warning revocation-unreachable: evil <b>&amp; \"quoted\" 'x' \\u{1b}[31mred\\u{0}\\u{7}\\u{d}\\u{a}]]>\n"
            ),
            "{so}"
        );
        let failed = case(&root, "mx<&\"'>.test 192.0.2.2:25");
        let failure = failed.child("failure").unwrap();
        assert_eq!(failure.el.attr("message"), "CN=<script>&\\u{1b}\\u{fffe}");
        assert!(
            out.contains("CN=&lt;script&gt;&amp;\\u{1b}\\u{fffe}"),
            "{out}"
        );
    }

    #[test]
    fn xml_escapes_specials_and_illegal_characters() {
        assert_eq!(
            xml("a<b>&\"c\"'d'", false),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;"
        );
        assert_eq!(
            xml("x\u{1b}y\u{0}\u{ffff}", false),
            "x\\u{1b}y\\u{0}\\u{ffff}"
        );
        assert_eq!(xml("l1\nl2\tx\r", false), "l1\nl2\tx&#13;");
        assert_eq!(xml("l1\nl2\tx\r", true), "l1&#10;l2&#9;x&#13;");
        assert_eq!(xml("ünïcødé ✓", true), "ünïcødé ✓");
        assert_eq!(seconds(0), "0.000");
        assert_eq!(seconds(61_005), "61.005");
    }

    #[test]
    fn an_unprobed_address_is_skipped() {
        let mut r = sample::report();
        let a = address_mut(&mut r, 0, 0, 1);
        a.smtp = SmtpFacts::default();
        a.tls = None;
        a.versions = None;
        a.error = Some(Failure::new(
            Phase::Connect,
            FailureKind::Refused,
            "connection refused",
        ));
        a.timings_ms = Timings {
            connect: Some(3),
            total: Some(3),
            ..Default::default()
        };
        r.targets[0].findings.push(finding(
            Code::ConnectFailed,
            Some("mx.contoso.test"),
            Some("192.0.2.2"),
            "192.0.2.2:25: connect phase: connection refused",
        ));
        let out = render_string(&r);
        let root = parse_and_check(&out);
        assert_eq!(root.el.count("tests"), 2);
        assert_eq!(root.el.count("skipped"), 1);
        assert_eq!(root.el.count("failures"), 0);
        let skipped = case(&root, "mx.contoso.test 192.0.2.2:25");
        assert_eq!(
            skipped.child("skipped").unwrap().el.attr("message"),
            "not probed: connect phase: connection refused"
        );
        assert!(
            skipped.child("system-out").unwrap().el.text.starts_with(
                "warning connect-failed: 192.0.2.2:25: connect phase: connection refused\n  Fix: "
            ),
            "{out}"
        );
        assert_eq!(skipped.el.attr("time"), "0.003");

        // An error finding about an unprobed address fails it instead.
        r.targets[0].findings.push(finding(
            Code::StarttlsNotOffered,
            Some("mx.contoso.test"),
            Some("192.0.2.2"),
            "192.0.2.2:25: EHLO offered no extensions; no STARTTLS",
        ));
        let root = parse_and_check(&render_string(&r));
        assert_eq!(root.el.count("skipped"), 0);
        assert_eq!(root.el.count("failures"), 1);
    }

    #[test]
    fn findings_not_about_an_address_get_their_own_case() {
        // A null MX: nothing to probe, one skipped case for the domain.
        let mut r = sample::report();
        let t = &mut r.report.targets[0];
        t.null_mx = true;
        t.mx.clear();
        t.hosts.clear();
        r.targets[0].findings = vec![finding(
            Code::NullMx,
            None,
            None,
            "contoso.test publishes `MX 0 .`: it does not accept mail",
        )];
        let out = render_string(&r);
        let root = parse_and_check(&out);
        assert_eq!(root.el.count("tests"), 1);
        assert_eq!(root.el.count("skipped"), 1);
        let dns = case(&root, "contoso.test DNS");
        assert_eq!(dns.el.attr("classname"), "tlscheck.contoso.test");
        assert_eq!(
            dns.child("skipped").unwrap().el.attr("message"),
            "not probed: contoso.test publishes `MX 0 .`: it does not accept mail"
        );

        // An MX host that is an IP literal fails on its own; a second one that does not resolve
        // is a warning and passes, because the other host was probed; the domain's info passes.
        let mut r = sample::report();
        let t = &mut r.report.targets[0];
        t.implicit_mx = false;
        for (name, kind) in [
            ("192.0.2.9", FailureKind::BadName),
            ("gone.contoso.test", FailureKind::Nxdomain),
        ] {
            t.hosts.push(HostReport {
                name: name.into(),
                preference: Some(20),
                cname: None,
                dns_error: Some(Failure::new(Phase::Dns, kind, "no")),
                addresses: vec![],
                other_family: vec![],
                dane: None,
            });
        }
        r.targets[0].findings.push(finding(
            Code::MxIpLiteral,
            Some("192.0.2.9"),
            None,
            "the MX target 192.0.2.9 is an IP address",
        ));
        r.targets[0].findings.push(finding(
            Code::MxUnresolvable,
            Some("gone.contoso.test"),
            None,
            "gone.contoso.test: NXDOMAIN",
        ));
        r.targets[0].findings.push(finding(
            Code::MxRecordsDropped,
            None,
            None,
            "contoso.test publishes 12 MX records",
        ));
        let out = render_string(&r);
        let root = parse_and_check(&out);
        assert_eq!(root.el.count("tests"), 5, "{out}");
        assert_eq!(root.el.count("failures"), 1, "{out}");
        assert_eq!(root.el.count("skipped"), 0, "{out}");
        let literal = case(&root, "192.0.2.9");
        let failure = literal.child("failure").unwrap();
        assert_eq!(failure.el.attr("type"), "mx-ip-literal");
        assert_eq!(
            failure.el.attr("message"),
            "the MX target 192.0.2.9 is an IP address"
        );
        let gone = case(&root, "gone.contoso.test");
        assert!(gone.child("failure").is_none() && gone.child("skipped").is_none());
        assert!(gone
            .child("system-out")
            .unwrap()
            .el
            .text
            .starts_with("warning mx-unresolvable: gone.contoso.test: NXDOMAIN"));
        let dns = case(&root, "contoso.test DNS");
        assert!(dns.child("failure").is_none() && dns.child("skipped").is_none());
        // The domain's own case comes before the hosts'.
        let names: Vec<&str> = root
            .find("testcase")
            .iter()
            .map(|c| c.el.attr("name"))
            .collect();
        assert_eq!(
            names,
            [
                "mx.contoso.test 192.0.2.1:25",
                "mx.contoso.test 192.0.2.2:25",
                "contoso.test DNS",
                "192.0.2.9",
                "gone.contoso.test"
            ]
        );
    }

    #[test]
    fn every_target_has_a_case() {
        let mut r = sample::report();
        let mut empty = r.report.targets[0].clone();
        empty.input = "empty.test".into();
        empty.name = "empty.test".into();
        empty.hosts.clear();
        r.report.targets.push(empty);
        r.targets.push(crate::judged::TargetJudgement {
            verdict: crate::vocab::Verdict::Inconclusive,
            findings: vec![],
        });
        let out = render_string(&r);
        let root = parse_and_check(&out);
        assert_eq!(root.children.len(), 2);
        assert_eq!(root.children[1].el.attr("name"), "empty.test");
        assert_eq!(root.children[1].el.count("tests"), 1);
        let c = case(&root, "empty.test DNS");
        assert_eq!(c.el.attr("classname"), "tlscheck.empty.test");
        assert!(c.child("skipped").is_some());
    }

    /// A full run's report, as the probe fills it and `judge` judges it: two targets (one domain
    /// with a failing and an unreachable address, one domain that does not resolve), rendered
    /// through the format dispatch.
    #[test]
    fn full_judged_report() {
        let mut r = sample::facts();
        let mut bad = sample::tls();
        bad.chain[0].not_after = time::macros::datetime!(2026-01-01 0:00 UTC);
        let mut down = sample::address("2001:db8::25", sample::tls());
        down.smtp = SmtpFacts::default();
        down.tls = None;
        down.versions = None;
        down.error = Some(Failure::new(
            Phase::Connect,
            FailureKind::Timeout,
            "timed out after 10 s",
        ));
        let mut first = sample::address("192.0.2.1", bad);
        first.timings_ms.total = Some(900);
        r.targets[0].hosts[0].addresses =
            vec![first, sample::address("192.0.2.2", sample::tls()), down];
        let mut nx = r.targets[0].clone();
        nx.input = "nx.test".into();
        nx.name = "nx.test".into();
        nx.mx.clear();
        nx.hosts.clear();
        nx.dns_error = Some(Failure::new(
            Phase::Dns,
            FailureKind::Nxdomain,
            "nx.test: NXDOMAIN",
        ));
        r.targets.push(nx);
        let r = crate::diagnose::judge(r, &crate::diagnose::Policy::default());
        assert_eq!(r.verdict, crate::vocab::Verdict::Fail);

        let mut buf = Vec::new();
        crate::render::report(
            &r,
            crate::plan::Format::Junit,
            crate::render::TextOptions::default(),
            &mut buf,
        )
        .unwrap();
        let out = String::from_utf8(buf).unwrap();
        let root = parse_and_check(&out);
        assert_eq!(root.children.len(), 2, "{out}");
        assert_eq!(root.el.count("tests"), 4, "{out}");
        assert_eq!(root.el.count("failures"), 1, "{out}");
        assert_eq!(root.el.count("skipped"), 2, "{out}");
        let failed = case(&root, "mx.contoso.test 192.0.2.1:25");
        assert_eq!(
            failed.child("failure").unwrap().el.attr("type"),
            "cert-expired",
            "{out}"
        );
        let down = case(&root, "mx.contoso.test [2001:db8::25]:25");
        assert_eq!(
            down.child("skipped").unwrap().el.attr("message"),
            "not probed: connect phase: timed out after 10 s"
        );
        let nx = case(&root, "nx.test DNS");
        assert_eq!(nx.el.attr("classname"), "tlscheck.nx.test");
        assert_eq!(
            nx.child("skipped").unwrap().el.attr("message"),
            "not probed: nx.test: NXDOMAIN"
        );
        assert!(nx
            .child("system-out")
            .unwrap()
            .el
            .text
            .starts_with("warning domain-unresolvable: nx.test: NXDOMAIN\n  Fix: "));
    }

    /// The checker itself: it must catch what a CI system would choke on.
    #[test]
    fn the_checker_rejects_broken_documents() {
        let good = render_string(&sample::report());
        parse_and_check(&good);
        let broken = [
            good.replace("</testsuite>", ""),
            good.replace(" name=\"mx.contoso.test 192.0.2.1:25\"", " name=\"a & b\""),
            good.replace("Fix: ", "Fix: \u{1b}"),
            good.replace("tests=\"2\"", "tests=\"3\""),
            good.replacen("<system-out>", "<system-out><failure/>", 1),
        ];
        for doc in broken {
            assert_ne!(doc, good);
            let r = std::panic::catch_unwind(|| parse_and_check(&doc));
            assert!(r.is_err(), "accepted:\n{doc}");
        }
    }

    #[test]
    fn endpoints_one_case_each() {
        let report = sample::endpoints(
            "CRL issued by CN=CA<x>, 0 entries",
            "http://ocsp.example.test/?a=1&b=2",
        );
        let mut buf = Vec::new();
        render_endpoints(&report, &mut buf).unwrap();
        let out = String::from_utf8(buf).unwrap();
        let root = parse_and_check(&out);
        assert_eq!(root.el.count("tests"), 2);
        assert_eq!(root.el.count("failures"), 1);
        assert_eq!(
            root.children[0].el.attr("name"),
            "endpoints of profile exchange-online"
        );
        assert_eq!(root.children[0].el.attr("time"), "10.031");
        let ok = case(&root, "crl http://crl.example.test/ca.crl");
        assert_eq!(ok.el.attr("classname"), "tlscheck.endpoints");
        assert!(ok.child("failure").is_none());
        assert!(ok
            .child("system-out")
            .unwrap()
            .el
            .text
            .contains("CRL issued by CN=CA<x>, 0 entries"));
        let down = case(&root, "ocsp http://ocsp.example.test/?a=1&b=2");
        let failure = down.child("failure").unwrap();
        assert_eq!(failure.el.attr("type"), "unreachable");
        assert_eq!(failure.el.attr("message"), "unreachable: timed out");
        assert!(
            failure
                .el
                .text
                .contains("must let this machine reach ocsp.example.test over HTTP (80)."),
            "{out}"
        );
    }
}
