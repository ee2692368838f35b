//! Looking up a domain's published transport-security policy: MTA-STS (the TXT record and the
//! policy over HTTPS), TLS-RPT, and each MX host's DANE records with their DNSSEC state. The
//! parsing and matching are the pure functions of [`crate::policy`]; this module only asks DNS
//! and HTTPS, under the run's timeouts and fetch policy, and records what came back.

use std::time::{Duration, Instant};

use hickory_resolver::proto::rr::{RData, RecordType};
use tokio::sync::OnceCell;

use crate::dnssec::{AnchorRecord, Answer, Outcome, Validator};
use crate::fetch::{FetchError, Fetcher};
use crate::limits::{MAX_MTA_STS_POLICY_BYTES, MAX_POLICY_TXT_RECORDS, MAX_TLSA_RECORDS};
use crate::policy::{dane, mta_sts, tlsrpt};
use crate::report::{
    DaneHost, ExtendedDnsError, MtaStsFacts, PolicyFacts, PolicyFetch, TlsRptFacts, TlsaRecord,
};
use crate::vocab::{DaneHostStatus, DnssecState, Families, MtaStsStatus, TlsRptStatus};

/// Longest TXT record kept (its strings joined).
const MAX_TXT_CHARS: usize = 2048;

/// The policy lookups of one run. The validator is set up on first use (it may ask the
/// resolver for an anchored zone's keys), concurrently with the first probes.
pub struct PolicyLookup {
    servers: Vec<std::net::SocketAddr>,
    timeout: Duration,
    anchors: Vec<AnchorRecord>,
    validator: OnceCell<Result<Validator, String>>,
    /// The MTA-STS HTTPS client (`None` when it could not be built: every fetch then says why).
    fetcher: Result<Fetcher, String>,
}

impl PolicyLookup {
    pub fn new(
        servers: Vec<std::net::SocketAddr>,
        timeout: Duration,
        anchors: Vec<AnchorRecord>,
        fetcher: Result<Fetcher, String>,
    ) -> Self {
        Self {
            servers,
            timeout,
            anchors,
            validator: OnceCell::new(),
            fetcher,
        }
    }

    async fn validator(&self) -> Result<&Validator, String> {
        self.validator
            .get_or_init(|| async {
                if self.servers.is_empty() {
                    return Err("no resolver is configured (no name server in /etc/resolv.conf); give one with --resolver".to_string());
                }
                Validator::new(self.servers.clone(), self.timeout, &self.anchors)
                    .await
                    .map_err(|e| e.to_string())
            })
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Facts for lookups that did not finish: both `lookup-failed`, with `why`.
    pub fn failed(why: &str) -> PolicyFacts {
        PolicyFacts {
            mta_sts: MtaStsFacts {
                status: MtaStsStatus::LookupFailed,
                txt: vec![],
                id: None,
                policy: None,
                fetch: None,
                error: Some(why.to_string()),
            },
            tls_rpt: TlsRptFacts {
                status: TlsRptStatus::LookupFailed,
                records: vec![],
                rua: vec![],
                error: Some(why.to_string()),
            },
        }
    }

    /// MTA-STS and TLS-RPT of `domain`, looked up concurrently.
    pub async fn domain(&self, domain: &str) -> PolicyFacts {
        let (mta_sts, tls_rpt) = tokio::join!(self.mta_sts(domain), self.tls_rpt(domain));
        PolicyFacts { mta_sts, tls_rpt }
    }

    /// The TXT records at `name`, those starting with `version` first (so the cap never hides
    /// them). A bogus answer is an error: validating resolvers answer SERVFAIL for it, so senders
    /// cannot read the record (and its absence would not be proven either).
    async fn txt(&self, name: &str, version: &str) -> Result<(Answer, Vec<String>), String> {
        let validator = self.validator().await?;
        let answer = validator.query(name, RecordType::TXT).await;
        if answer.state == DnssecState::Bogus {
            return Err(format!(
                "the TXT answer for {name} fails DNSSEC validation, so validating resolvers answer SERVFAIL ({})",
                answer.why.as_deref().unwrap_or("bogus")
            ));
        }
        let mut all: Vec<String> = answer
            .records
            .iter()
            .filter_map(|r| match r {
                RData::TXT(txt) => Some(
                    txt.txt_data
                        .iter()
                        .map(|s| String::from_utf8_lossy(s).into_owned())
                        .collect::<String>()
                        .chars()
                        .take(MAX_TXT_CHARS)
                        .collect::<String>(),
                ),
                _ => None,
            })
            .collect();
        all.sort_by_key(|r| !r.starts_with(version));
        all.truncate(MAX_POLICY_TXT_RECORDS);
        Ok((answer, all))
    }

    async fn mta_sts(&self, domain: &str) -> MtaStsFacts {
        let mut facts = MtaStsFacts {
            status: MtaStsStatus::Missing,
            txt: vec![],
            id: None,
            policy: None,
            fetch: None,
            error: None,
        };
        let (answer, records) = match self.txt(&format!("_mta-sts.{domain}"), "v=STSv1").await {
            Ok(found) => found,
            Err(e) => {
                facts.status = MtaStsStatus::LookupFailed;
                facts.error = Some(e);
                return facts;
            }
        };
        if let Outcome::Failed(why) = &answer.outcome {
            facts.status = MtaStsStatus::LookupFailed;
            facts.error = Some(why.clone());
            return facts;
        }
        facts.txt = records;
        match mta_sts::parse_txt(&facts.txt) {
            Ok(None) => return facts,
            Ok(Some(id)) => facts.id = Some(id),
            Err(why) => {
                facts.status = MtaStsStatus::Invalid;
                facts.error = Some(why);
                return facts;
            }
        }
        let url = format!("https://mta-sts.{domain}/.well-known/mta-sts.txt");
        let mut fetch = PolicyFetch {
            url: url.clone(),
            ..PolicyFetch::default()
        };
        let fetcher = match &self.fetcher {
            Ok(f) => f,
            Err(e) => {
                fetch.error = Some(e.clone());
                facts.status = MtaStsStatus::FetchFailed;
                facts.error = Some(format!("the policy was not fetched: {e}"));
                facts.fetch = Some(fetch);
                return facts;
            }
        };
        let started = Instant::now();
        let got = fetcher.get(&url, MAX_MTA_STS_POLICY_BYTES).await;
        fetch.ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match got {
            Err(e) => {
                let why = fetch_error_text(&e);
                fetch.error = Some(why.clone());
                facts.status = MtaStsStatus::FetchFailed;
                facts.error = Some(format!("{url}: {why}"));
            }
            Ok(r) => {
                fetch.status = Some(r.status);
                fetch.location = r.location.clone();
                fetch.content_type = r.content_type.clone();
                fetch.bytes = u64::try_from(r.body.len()).ok();
                if (300..400).contains(&r.status) {
                    let why = match &r.location {
                        Some(to) => format!("HTTP {} redirect to {to}; MTA-STS senders never follow redirects (RFC 8461 §3.3)", r.status),
                        None => format!("HTTP {} redirect; MTA-STS senders never follow redirects (RFC 8461 §3.3)", r.status),
                    };
                    fetch.error = Some(why.clone());
                    facts.status = MtaStsStatus::FetchFailed;
                    facts.error = Some(format!("{url}: {why}"));
                } else if r.status != 200 {
                    let why = format!("HTTP {} (only 200 counts)", r.status);
                    fetch.error = Some(why.clone());
                    facts.status = MtaStsStatus::FetchFailed;
                    facts.error = Some(format!("{url}: {why}"));
                } else if !mta_sts::content_type_ok(r.content_type.as_deref()) {
                    facts.status = MtaStsStatus::Invalid;
                    facts.error = Some(match &r.content_type {
                        Some(ct) => format!("{url} is served as {ct}; the policy must be text/plain (RFC 8461 §3.2)"),
                        None => format!("{url} has no Content-Type; the policy must be text/plain (RFC 8461 §3.2)"),
                    });
                } else {
                    match mta_sts::parse_policy(&r.body) {
                        Ok(policy) => {
                            facts.policy = Some(policy);
                            facts.status = MtaStsStatus::Valid;
                        }
                        Err(why) => {
                            facts.status = MtaStsStatus::Invalid;
                            facts.error = Some(format!("the policy at {url}: {why}"));
                        }
                    }
                }
            }
        }
        facts.fetch = Some(fetch);
        facts
    }

    async fn tls_rpt(&self, domain: &str) -> TlsRptFacts {
        let mut facts = TlsRptFacts {
            status: TlsRptStatus::Missing,
            records: vec![],
            rua: vec![],
            error: None,
        };
        let (answer, records) = match self
            .txt(&format!("_smtp._tls.{domain}"), "v=TLSRPTv1")
            .await
        {
            Ok(found) => found,
            Err(e) => {
                facts.status = TlsRptStatus::LookupFailed;
                facts.error = Some(e);
                return facts;
            }
        };
        if let Outcome::Failed(why) = &answer.outcome {
            facts.status = TlsRptStatus::LookupFailed;
            facts.error = Some(why.clone());
            return facts;
        }
        facts.records = records;
        match tlsrpt::parse(&facts.records) {
            Ok(None) => {}
            Ok(Some(rua)) => {
                facts.rua = rua;
                facts.status = TlsRptStatus::Valid;
            }
            Err(why) => {
                facts.status = TlsRptStatus::Invalid;
                facts.error = Some(why);
            }
        }
        facts
    }

    /// DANE for the MX host `host` on `port`: the DNSSEC state of its address records, then,
    /// only when they are secure, its TLSA records (RFC 7672 §2.2), at the CNAME target first
    /// and then at the name itself (RFC 7672 §2.2.3, RFC 7671 §7).
    pub async fn dane_host(&self, host: &str, port: u16, families: Families) -> DaneHost {
        let mut facts = DaneHost::lookup_failed(String::new());
        facts.error = None;
        let validator = match self.validator().await {
            Ok(v) => v,
            Err(e) => {
                facts.error = Some(e);
                return facts;
            }
        };
        let v4 = async {
            if families == Families::V6 {
                None
            } else {
                Some(validator.query(host, RecordType::A).await)
            }
        };
        let v6 = async {
            if families == Families::V4 {
                None
            } else {
                Some(validator.query(host, RecordType::AAAA).await)
            }
        };
        let (v4, v6) = tokio::join!(v4, v6);
        let answers: Vec<Answer> = [v4, v6].into_iter().flatten().collect();
        let (state, why, ede) = address_state(&answers);
        facts.dnssec = state;
        facts.ede = ede;
        match state {
            DnssecState::Secure => {}
            DnssecState::Bogus => {
                facts.status = DaneHostStatus::Bogus;
                facts.error = why;
                return facts;
            }
            DnssecState::Insecure => {
                facts.status = DaneHostStatus::NotApplicable;
                return facts;
            }
            DnssecState::Indeterminate => {
                let failed = answers
                    .iter()
                    .any(|a| matches!(a.outcome, Outcome::Failed(_)));
                let no_addresses = !failed && answers.iter().all(|a| a.outcome != Outcome::Records);
                facts.status = if no_addresses {
                    // Nothing to connect to: the DNS findings say so.
                    DaneHostStatus::NotApplicable
                } else if failed || validator.root_usable() {
                    DaneHostStatus::LookupFailed
                } else {
                    DaneHostStatus::NotApplicable
                };
                facts.error = why;
                return facts;
            }
        }
        // The final name of the address lookups (a CNAME's target), then the name itself.
        let target = answers
            .iter()
            .find_map(|a| a.cnames.last().cloned())
            .filter(|t| !t.eq_ignore_ascii_case(host));
        let mut names: Vec<String> = target.into_iter().collect();
        names.push(host.trim_end_matches('.').to_ascii_lowercase());
        for name in names {
            let tlsa_name = format!("_{port}._tcp.{name}");
            let answer = validator.query(&tlsa_name, RecordType::TLSA).await;
            facts.tlsa_name = Some(tlsa_name.clone());
            facts.tlsa_dnssec = Some(answer.state);
            facts.ede = answer.ede.clone().or(facts.ede.take());
            match (&answer.outcome, answer.state) {
                (Outcome::Failed(why), DnssecState::Bogus) => {
                    facts.status = DaneHostStatus::Bogus;
                    facts.error = Some(why.clone());
                    return facts;
                }
                (Outcome::Failed(why), _) => {
                    facts.status = DaneHostStatus::LookupFailed;
                    facts.error = Some(why.clone());
                    return facts;
                }
                (_, DnssecState::Bogus) => {
                    facts.status = DaneHostStatus::Bogus;
                    facts.error = answer.why.clone();
                    return facts;
                }
                (_, DnssecState::Indeterminate) => {
                    facts.status = DaneHostStatus::LookupFailed;
                    facts.error = answer.why.clone();
                    return facts;
                }
                (_, DnssecState::Insecure) => {
                    // TLSA records in an unsigned zone below a signed one: not usable.
                    facts.status = DaneHostStatus::NotApplicable;
                    facts.error = Some(format!(
                        "the TLSA answer for {tlsa_name} is not signed (insecure), so DANE does not apply"
                    ));
                    return facts;
                }
                (Outcome::Records, DnssecState::Secure) => {
                    facts.tlsa = answer
                        .records
                        .iter()
                        .filter_map(|r| match r {
                            RData::TLSA(t) => Some(TlsaRecord {
                                usage: u8::from(t.cert_usage),
                                selector: u8::from(t.selector),
                                matching: u8::from(t.matching),
                                data: hex::encode(&t.cert_data),
                            }),
                            _ => None,
                        })
                        .take(MAX_TLSA_RECORDS)
                        .collect();
                    facts.status = if facts.tlsa.iter().any(dane::usable) {
                        DaneHostStatus::Usable
                    } else {
                        DaneHostStatus::Unusable
                    };
                    return facts;
                }
                // A secure denial: try the next name.
                (Outcome::NoData | Outcome::NxDomain, DnssecState::Secure) => {}
            }
        }
        facts.status = DaneHostStatus::NoTlsa;
        facts
    }
}

/// The DNSSEC state of a host's address records: the weakest of the A and AAAA answers that
/// are not a secure denial, with the reason and the resolver's Extended DNS Error.
fn address_state(answers: &[Answer]) -> (DnssecState, Option<String>, Option<ExtendedDnsError>) {
    let ede = answers.iter().find_map(|a| a.ede.clone());
    for worst in [
        DnssecState::Bogus,
        DnssecState::Indeterminate,
        DnssecState::Insecure,
    ] {
        if let Some(a) = answers.iter().find(|a| a.state == worst) {
            let why = a.why.clone().or_else(|| match &a.outcome {
                Outcome::Failed(w) => Some(w.clone()),
                _ => None,
            });
            return (worst, why, ede);
        }
    }
    if answers.iter().any(|a| a.outcome == Outcome::Records) {
        (DnssecState::Secure, None, ede)
    } else {
        // No address records at all: nothing to secure.
        (
            DnssecState::Indeterminate,
            Some("the host has no address records".into()),
            ede,
        )
    }
}

/// A fetch failure in words: certificate problems are named as such.
fn fetch_error_text(e: &FetchError) -> String {
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    if lower.contains("notvalidforname") || lower.contains("not valid for name") {
        format!("the certificate is not valid for the policy host ({text})")
    } else if lower.contains("unknownissuer") || lower.contains("unknown issuer") {
        format!("the certificate is not issued by a CA of the trust store ({text})")
    } else if lower.contains("expired") {
        format!("the certificate has expired ({text})")
    } else {
        text
    }
}
