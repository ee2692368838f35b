//! The one fixture builder for sample reports in unit tests: certificates, TLS facts, addresses,
//! targets, a judged report and an endpoints report, with fixed times ([`NOW`]) so every
//! rendering is deterministic. Tests change the facts they need from these.

use std::net::IpAddr;

use time::macros::datetime;
use time::OffsetDateTime;

use crate::finding::{Code, Finding};
use crate::judged::{Judged, TargetJudgement};
use crate::report::{
    AddressReport, Anchor, CertRevocation, CertSummary, EndpointCheck, EndpointsReport, HostReport,
    MxRecord, Report, RevocationCheck, Run, RunOptions, SmtpFacts, TargetReport, Timings, TlsFacts,
    Tool, Versions, SCHEMA_VERSION,
};
use crate::smtp::reply::ReplySummary;
use crate::vocab::{
    AnchorSource, EndpointKind, EndpointStatus, Families, KeyType, RevocationStatus, TargetKind,
    TlsVersion, Verdict, VersionStatus,
};

pub const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

pub fn cert(cn: &str, issuer: &str) -> CertSummary {
    CertSummary {
        subject: format!("CN={cn}, O=Contoso Ltd, OU=Mail"),
        common_name: Some(cn.into()),
        organization: Some("Contoso Ltd".into()),
        organizational_unit: Some("Mail".into()),
        issuer: issuer.into(),
        serial: "0a:1b:2c".into(),
        not_before: datetime!(2026-01-01 0:00 UTC),
        not_after: datetime!(2027-01-01 0:00 UTC),
        san_dns: vec![cn.into(), "mail.contoso.test".into()],
        san_ip: vec![],
        key_type: KeyType::Rsa,
        key_bits: 2048,
        curve: None,
        signature_algorithm: "sha256WithRSAEncryption".into(),
        signature_algorithm_oid: Some("1.2.840.113549.1.1.11".into()),
        is_ca: false,
        self_issued: false,
        sha256: "aa".repeat(32),
        spki_sha256: "bb".repeat(32),
        ocsp_urls: vec![],
        ca_issuers_urls: vec![],
        crl_urls: vec![],
        der: String::new(),
        parse_error: None,
        revocation: None,
    }
}

pub fn check(status: RevocationStatus, url: Option<&str>) -> RevocationCheck {
    let mut c = crate::revocation::blank(status);
    c.url = url.map(str::to_string);
    c.host = url.and_then(crate::net::host_label);
    c.reachable = true;
    c.http_status = Some(200);
    c.ms = Some(312);
    c
}

pub fn tls() -> TlsFacts {
    let mut leaf = cert("mx.contoso.test", "CN=Contoso Issuing CA, O=Contoso Ltd");
    leaf.crl_urls = vec!["http://crl.contoso.test/issuing.crl".into()];
    leaf.ocsp_urls = vec!["http://ocsp.contoso.test/".into()];
    leaf.ca_issuers_urls = vec!["http://certs.contoso.test/issuing.crt".into()];
    let mut ocsp = check(RevocationStatus::Good, Some("http://ocsp.contoso.test/"));
    ocsp.signer = Some("delegated responder CN=Contoso OCSP".into());
    leaf.revocation = Some(CertRevocation {
        crl: vec![check(
            RevocationStatus::Good,
            Some("http://crl.contoso.test/issuing.crl"),
        )],
        ocsp: vec![ocsp],
        stapled: None,
        note: None,
    });
    let mut inter = cert("Contoso Issuing CA", "CN=Contoso Root CA, O=Contoso Ltd");
    inter.subject = "CN=Contoso Issuing CA, O=Contoso Ltd".into();
    inter.organizational_unit = None;
    inter.san_dns = vec![];
    inter.is_ca = true;
    inter.key_type = KeyType::Ec;
    inter.key_bits = 384;
    inter.curve = Some("P-384".into());
    inter.sha256 = "dd".repeat(32);
    inter.not_after = datetime!(2030-01-01 0:00 UTC);
    inter.crl_urls = vec!["http://crl.globalsign.test/root.crl".into()];
    let mut unreachable = check(
        RevocationStatus::Unreachable,
        Some("http://crl.globalsign.test/root.crl"),
    );
    unreachable.reachable = false;
    unreachable.http_status = None;
    unreachable.error = Some("timed out after 10 s".into());
    inter.revocation = Some(CertRevocation {
        crl: vec![unreachable],
        ..Default::default()
    });
    TlsFacts {
        handshake_completed: true,
        version: TlsVersion::Tls13,
        cipher_suite: "TLS_AES_256_GCM_SHA384".into(),
        kx_group: Some("X25519MLKEM768".into()),
        post_quantum: true,
        forward_secrecy: true,
        dh_bits: None,
        client_limits: vec![],
        sni: Some("mx.contoso.test".into()),
        chain: vec![leaf, inter],
        chain_dropped: 0,
        stapled_ocsp: None,
        chain_valid: true,
        chain_error: None,
        trust_store: "webpki".into(),
        anchor: Some(Anchor {
            subject: "CN=Contoso Root CA, O=Contoso Ltd".into(),
            spki_sha256: "cc".repeat(32),
            sha256: None,
            source: AnchorSource::TrustStore,
        }),
        name_checked: Some("mx.contoso.test".into()),
        name_valid: Some(true),
        client_auth: None,
    }
}

pub fn address(ip: &str, tls: TlsFacts) -> AddressReport {
    let accepted = VersionStatus::Accepted;
    let rejected = VersionStatus::Rejected;
    AddressReport {
        ip: ip.parse::<IpAddr>().unwrap_or(IpAddr::from([192, 0, 2, 1])),
        port: 25,
        implicit_tls: false,
        name: None,
        smtp: SmtpFacts {
            banner: Some(ReplySummary {
                code: 220,
                enhanced: None,
                lines: vec!["mx.contoso.test ESMTP".into()],
            }),
            ehlo: Some(ReplySummary {
                code: 250,
                enhanced: None,
                lines: vec!["mx.contoso.test".into(), "STARTTLS".into()],
            }),
            ehlo_keywords: vec!["STARTTLS".into()],
            starttls_offered: true,
            starttls_reply: Some(ReplySummary {
                code: 220,
                enhanced: None,
                lines: vec!["ready".into()],
            }),
            ..Default::default()
        },
        tls: Some(tls),
        versions: Some(Versions {
            tls1_0: rejected,
            tls1_1: rejected,
            tls1_2: accepted,
            tls1_3: accepted,
            static_rsa: None,
            tls12_dh_bits: None,
            probes: vec![],
        }),
        ciphers: None,
        timings_ms: Timings::default(),
        error: None,
        dane: None,
        mta_sts: None,
    }
}

/// An endpoints report with a good CRL and an unreachable OCSP responder; the CRL's detail
/// and the OCSP URL are the caller's (for each format's escaping).
pub fn endpoints(crl_detail: &str, ocsp_url: &str) -> crate::report::EndpointsReport {
    let ok = EndpointCheck {
        kind: EndpointKind::Crl,
        url: "http://crl.example.test/ca.crl".into(),
        host: Some("crl.example.test".into()),
        reachable: true,
        status: EndpointStatus::Ok,
        http_status: Some(200),
        bytes: Some(900),
        ms: Some(31),
        detail: Some(crl_detail.into()),
        error: None,
    };
    let down = EndpointCheck {
        kind: EndpointKind::Ocsp,
        url: ocsp_url.into(),
        host: Some("ocsp.example.test".into()),
        reachable: false,
        status: EndpointStatus::Unreachable,
        http_status: None,
        bytes: None,
        ms: Some(10_000),
        detail: None,
        error: Some("timed out".into()),
    };
    EndpointsReport {
        schema_version: SCHEMA_VERSION,
        kind: "endpoints".into(),
        tool: Tool::this(),
        started_at: NOW,
        duration_ms: 10_000,
        profile: Some("exchange-online".into()),
        allow_private_fetch: false,
        endpoints: vec![ok, down],
        verdict: Verdict::Fail,
    }
}

/// The sample's run: the options of a plain `tlscheck mx` at [`NOW`].
pub fn run() -> Run {
    Run {
        tool: Tool {
            name: "tlscheck".into(),
            version: "0.1.0".into(),
        },
        started_at: NOW,
        duration_ms: 1234,
        options: RunOptions {
            command: TargetKind::Mx,
            port: 25,
            implicit_tls: false,
            ehlo: "probe.example".into(),
            timeout_ms: 10_000,
            deadline_ms: 120_000,
            concurrency: 32,
            per_ip: 4,
            ip_delay_ms: 0,
            families: Families::Any,
            resolver: "system".into(),
            trust_store: "webpki".into(),
            profile: None,
            sender: None,
            forced_tls: false,
            require_tls: None,
            ciphers: false,
            revocation: true,
            policy: false,
            shard: None,
            dnssec_anchors: vec![],
            allow_private_fetch: false,
            client_cert: None,
            name: None,
            sni: true,
            mail_probe: true,
            expiry_warn_days: 30,
        },
    }
}

/// A domain `input` whose one MX host serves `addresses`.
pub fn target(input: &str, host: &str, addresses: Vec<AddressReport>) -> TargetReport {
    TargetReport {
        input: input.into(),
        kind: TargetKind::Mx,
        name: input.into(),
        mx: vec![MxRecord {
            preference: 10,
            exchange: host.into(),
        }],
        mx_dropped: 0,
        null_mx: false,
        implicit_mx: false,
        dns_error: None,
        hosts: vec![HostReport {
            name: host.into(),
            cname: None,
            preference: Some(10),
            dns_error: None,
            addresses,
            other_family: vec![],
            dane: None,
        }],
        policy: None,
    }
}

/// The sample facts: contoso.test, one MX host with two addresses serving the same chain.
pub fn facts() -> Report {
    let addresses = vec![address("192.0.2.1", tls()), address("192.0.2.2", tls())];
    Report {
        run: run(),
        targets: vec![target("contoso.test", "mx.contoso.test", addresses)],
    }
}

/// The sample judged by hand: one warning, about the first address; verdict pass.
pub fn report() -> Judged {
    let finding = Finding::new(
        Code::RevocationUnreachable,
        "contoso.test",
        Some("mx.contoso.test"),
        Some(IpAddr::from([192, 0, 2, 1])),
        "the CRL at http://crl.globalsign.test/root.crl did not answer".into(),
    );
    Judged {
        report: facts(),
        targets: vec![TargetJudgement {
            verdict: Verdict::Pass,
            findings: vec![finding],
        }],
        unplaced: vec![],
        verdict: Verdict::Pass,
    }
}

/// The address at (target, host, address) of a judged report, to change a fact in a test.
pub fn address_mut(j: &mut Judged, t: usize, h: usize, a: usize) -> &mut AddressReport {
    &mut j.report.targets[t].hosts[h].addresses[a]
}

/// The TLS facts of the first address.
pub fn first_tls(j: &mut Judged) -> &mut TlsFacts {
    address_mut(j, 0, 0, 0).tls.as_mut().unwrap()
}

/// A judged report in which every field a reader can see is filled: the sample's target with a
/// third address (STARTTLS refused after a transcript, with client authentication, cipher lists,
/// version probes, a stapled response, a note and every kind of revocation answer, a dropped
/// certificate and an unparseable one), an MX host that does not resolve, an IP-literal host
/// target, a saved finding that names no target, and options naming a profile.
pub fn full() -> Judged {
    use crate::report::{
        ChainError, CipherList, ClientAuth, Failure, TranscriptLine, VersionProbe,
    };
    use crate::vocab::{ChainErrorKind, Direction, FailureKind, Phase};

    let mut judged = report();
    let run = &mut judged.report.run;
    run.options.profile = Some("exchange-online".into());
    run.options.require_tls = Some(TlsVersion::Tls12);
    run.options.client_cert = Some("/etc/tlscheck/client.pem".into());

    let mut tls = tls();
    tls.stapled_ocsp = Some("MAA=".into());
    tls.client_limits = vec![crate::vocab::ClientLimit::RsaKeyUnder2048];
    tls.chain_dropped = 2;
    tls.chain_valid = false;
    tls.chain_error = Some(ChainError {
        kind: ChainErrorKind::UnknownIssuer,
        message: "no path to a trusted root".into(),
        detail: Some("UnknownIssuer".into()),
    });
    tls.name_valid = Some(false);
    tls.anchor = tls.anchor.map(|mut a| {
        a.sha256 = Some("ee".repeat(32));
        a.source = AnchorSource::Profile;
        a
    });
    tls.client_auth = Some(ClientAuth {
        requested: true,
        ca_names: (1..=5).map(|i| format!("CN=Partner CA {i}")).collect(),
        presented: Some("CN=probe.contoso.test".into()),
        accepted: Some(false),
    });
    if let Some(rev) = tls.chain.first_mut().and_then(|c| c.revocation.as_mut()) {
        let mut revoked = check(
            RevocationStatus::Revoked,
            Some("http://crl2.contoso.test/a.crl"),
        );
        revoked.reason = Some("keyCompromise".into());
        revoked.revoked_at = Some(datetime!(2026-11-01 0:00 UTC));
        let mut stale = check(
            RevocationStatus::Good,
            Some("http://crl3.contoso.test/b.crl"),
        );
        stale.stale = true;
        stale.next_update = Some(datetime!(2026-11-20 0:00 UTC));
        let mut busy = check(
            RevocationStatus::ResponderError,
            Some("http://ocsp2.contoso.test/"),
        );
        busy.responder_status = Some("tryLater".into());
        busy.error = Some("the responder said tryLater".into());
        let mut invalid = check(
            RevocationStatus::Invalid,
            Some("http://ocsp3.contoso.test/"),
        );
        invalid.error = Some("signed by the wrong key".into());
        let mut http = check(
            RevocationStatus::HttpError,
            Some("http://crl4.contoso.test/c.crl"),
        );
        http.http_status = Some(404);
        rev.crl.extend([revoked, stale, http]);
        rev.ocsp.extend([busy, invalid]);
        let mut stapled = check(RevocationStatus::Good, None);
        stapled.signer = Some("delegated responder CN=Stapler".into());
        rev.stapled = Some(stapled);
        rev.note = Some("the issuer of CN=x is not available".into());
    }
    let mut broken = cert("broken.contoso.test", "CN=nobody");
    broken.parse_error = Some("unparseable DER".into());
    tls.chain.push(broken);

    let mut third = address("2001:db8::25", tls);
    let smtp = &mut third.smtp;
    smtp.starttls_reply = Some(ReplySummary {
        code: 454,
        enhanced: Some("4.7.0".into()),
        lines: vec!["4.7.0 TLS not available".into()],
    });
    smtp.tls_ehlo_keywords = Some(vec!["SIZE 10240000".into(), "8BITMIME".into()]);
    smtp.transcript = vec![
        TranscriptLine {
            dir: Direction::Server,
            line: "220 mx.contoso.test ESMTP".into(),
        },
        TranscriptLine {
            dir: Direction::Client,
            line: "EHLO probe.contoso.test".into(),
        },
    ];
    smtp.transcript_dropped = 3;
    third.ciphers = Some(vec![CipherList {
        version: TlsVersion::Tls12,
        suites: vec![
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".into(),
            "TLS_DH_anon_WITH_AES_256_GCM_SHA384".into(),
        ],
        server_preference: Some(true),
        dh_bits: Some(1024),
    }]);
    if let Some(v) = third.versions.as_mut() {
        v.static_rsa = Some(VersionStatus::Rejected);
        v.probes = vec![VersionProbe {
            offered: "TLSv1.2 only (rustls)".into(),
            result: "ServerHello TLSv1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".into(),
        }];
    }
    let mut stopped = Failure::new(Phase::Starttls, FailureKind::Rejected, "STARTTLS refused");
    stopped.reply = smtp_reply(454, "4.7.0 TLS not available");
    third.error = Some(stopped);
    third.timings_ms = Timings {
        queued: Some(3),
        connect: Some(12),
        total: Some(40),
        ..Timings::default()
    };

    let target = &mut judged.report.targets[0];
    target.hosts[0].addresses.push(third);
    // Transport-security policy: an enforce MTA-STS policy, TLS-RPT, DANE-EE records that match
    // the first address and not the second.
    {
        use crate::report::{
            DaneAddress, DaneHost, ExtendedDnsError, MtaStsAddress, MtaStsFacts, PolicyFacts,
            PolicyFetch, StsPolicy, TlsRptFacts, TlsaRecord,
        };
        use crate::vocab::{
            DaneAddressStatus, DaneHostStatus, DnssecState, MtaStsStatus, StsMode, TlsRptStatus,
        };
        let record = TlsaRecord {
            usage: 3,
            selector: 1,
            matching: 1,
            data: "ab".repeat(32),
        };
        target.policy = Some(PolicyFacts {
            mta_sts: MtaStsFacts {
                status: MtaStsStatus::Valid,
                txt: vec!["v=STSv1; id=20261201".into()],
                id: Some("20261201".into()),
                policy: Some(StsPolicy {
                    mode: StsMode::Enforce,
                    max_age: 604800,
                    mx: vec!["mx.contoso.test".into(), "*.contoso.test".into()],
                }),
                fetch: Some(PolicyFetch {
                    url: "https://mta-sts.contoso.test/.well-known/mta-sts.txt".into(),
                    status: Some(200),
                    location: Some("https://elsewhere.contoso.test/".into()),
                    content_type: Some("text/plain".into()),
                    bytes: Some(80),
                    error: Some("none".into()),
                    ms: 12,
                }),
                error: Some("none".into()),
            },
            tls_rpt: TlsRptFacts {
                status: TlsRptStatus::Valid,
                records: vec!["v=TLSRPTv1; rua=mailto:tlsrpt@contoso.test".into()],
                rua: vec!["mailto:tlsrpt@contoso.test".into()],
                error: Some("none".into()),
            },
        });
        target.hosts[0].dane = Some(DaneHost {
            status: DaneHostStatus::Usable,
            dnssec: DnssecState::Secure,
            tlsa_name: Some("_25._tcp.mx.contoso.test".into()),
            tlsa_dnssec: Some(DnssecState::Secure),
            tlsa: vec![record.clone()],
            ede: Some(ExtendedDnsError {
                code: 6,
                text: Some("signature expired".into()),
            }),
            error: Some("none".into()),
        });
        let addresses = &mut target.hosts[0].addresses;
        if let Some(a) = addresses.first_mut() {
            a.dane = Some(DaneAddress {
                status: DaneAddressStatus::Matched,
                matched: Some(record),
                matched_depth: Some(0),
                reasons: vec![],
            });
            a.mta_sts = Some(MtaStsAddress {
                mx_covered: true,
                pattern: Some("mx.contoso.test".into()),
                passes: true,
                reasons: vec![],
            });
        }
        if let Some(a) = addresses.get_mut(1) {
            a.dane = Some(DaneAddress {
                status: DaneAddressStatus::Mismatch,
                matched: None,
                matched_depth: None,
                reasons: vec!["3 1 1 abab…: the leaf's key digest is cdcd…".into()],
            });
            a.mta_sts = Some(MtaStsAddress {
                mx_covered: true,
                pattern: Some("*.contoso.test".into()),
                passes: false,
                reasons: vec!["the certificate chain is not valid".into()],
            });
        }
    }
    let mut gone = target.hosts[0].clone();
    gone.name = "gone.contoso.test".into();
    gone.preference = Some(20);
    gone.cname = Some("alias.contoso.test".into());
    gone.addresses.clear();
    gone.dns_error = Some(Failure::new(
        Phase::Dns,
        FailureKind::Nxdomain,
        "gone.contoso.test: NXDOMAIN",
    ));
    target.hosts.push(gone);
    target.mx.push(MxRecord {
        preference: 20,
        exchange: "gone.contoso.test".into(),
    });

    let mut literal = target.clone();
    literal.input = "192.0.2.9".into();
    literal.name = "192.0.2.9".into();
    literal.kind = TargetKind::Host;
    literal.mx.clear();
    literal.hosts.truncate(1);
    literal.dns_error = Some(Failure::new(
        Phase::Dns,
        FailureKind::DnsFailure,
        "SERVFAIL",
    ));
    judged.report.targets.push(literal);

    let finding = |target: &str, host: Option<&str>, ip: Option<&str>, code: Code| {
        let ip = ip.and_then(|ip| ip.parse().ok());
        Finding::new(code, target, host, ip, format!("about {code:?}"))
    };
    let host = Some("mx.contoso.test");
    judged.targets[0].findings.extend([
        finding("contoso.test", None, None, Code::MxRecordsDropped),
        finding(
            "contoso.test",
            Some("gone.contoso.test"),
            None,
            Code::MxUnresolvable,
        ),
        finding(
            "contoso.test",
            host,
            Some("2001:db8::25"),
            Code::StarttlsRefused,
        ),
        finding(
            "contoso.test",
            host,
            Some("2001:db8::25"),
            Code::CertRevoked,
        ),
    ]);
    judged.targets[0].verdict = Verdict::Fail;
    judged.targets.push(TargetJudgement {
        verdict: Verdict::Inconclusive,
        findings: vec![finding("192.0.2.9", None, None, Code::DomainUnresolvable)],
    });
    judged.unplaced = vec![finding("elsewhere.test", None, None, Code::NullMx)];
    judged.verdict = Verdict::Fail;
    judged
}

fn smtp_reply(code: u16, line: &str) -> Option<ReplySummary> {
    Some(ReplySummary {
        code,
        enhanced: None,
        lines: vec![line.into()],
    })
}
