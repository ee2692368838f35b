//! Revocation: for every presented certificate, the CRLs and OCSP responders it names, fetched
//! through the policy of [`crate::fetch`], and the OCSP response the server stapled.
//!
//! Every fetch of a run goes through one [`Checker`], which starts each distinct request once
//! (a CRL by URL, an OCSP query by URL and CertID) and shares the answer between all the MX hosts
//! and addresses that need it; a chain's requests all start at once, so revocation costs one round
//! of HTTP requests after the chain arrives.

pub mod crl;
pub mod ocsp;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::{join_all, BoxFuture, FutureExt, Shared};
use time::OffsetDateTime;
use tokio::time::{timeout_at, Instant};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use crate::cert::IssuerKey;
use crate::fetch::{FetchError, Fetcher, Response};
use crate::limits::{
    MAX_CHAIN_CERTS, MAX_CRL_BYTES, MAX_CRL_BYTES_PER_RUN, MAX_OCSP_BYTES, MAX_REVOCATION_URLS,
};
use crate::net::host_label;
use crate::report::{CertRevocation, RevocationCheck};
use crate::vocab::RevocationStatus;

/// How far in the future a `thisUpdate` may be before it counts as wrong.
pub const CLOCK_SKEW: Duration = Duration::from_secs(300);

/// A check with nothing filled in but its status.
pub fn blank(status: RevocationStatus) -> RevocationCheck {
    RevocationCheck {
        url: None,
        host: None,
        reachable: false,
        status,
        http_status: None,
        bytes: None,
        responder_status: None,
        produced_at: None,
        this_update: None,
        next_update: None,
        stale: false,
        revoked_at: None,
        reason: None,
        signer: None,
        ms: None,
        error: None,
    }
}

/// RFC 5280 §5.3.1 CRLReason names.
pub fn reason_name(code: u8) -> String {
    match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        other => return format!("reason {other}"),
    }
    .into()
}

/// Serial numbers as DER INTEGER contents, ignoring leading zero octets.
pub fn same_serial(a: &[u8], b: &[u8]) -> bool {
    fn strip(s: &[u8]) -> &[u8] {
        let first = s.iter().position(|&b| b != 0).unwrap_or(s.len());
        s.get(first..).unwrap_or_default()
    }
    strip(a) == strip(b)
}

type Fetched = Arc<Result<Response, FetchError>>;
type SharedFetch = Shared<BoxFuture<'static, Fetched>>;

/// One run's revocation checker; see the module documentation.
pub struct Checker {
    fetcher: Fetcher,
    deadline: Instant,
    crls: Mutex<HashMap<String, SharedFetch>>,
    ocsp: Mutex<HashMap<(String, Vec<u8>), SharedFetch>>,
    /// Requests actually sent (for tests and the benchmark).
    sent: Arc<std::sync::atomic::AtomicUsize>,
    /// CRL bytes the run may still download ([`MAX_CRL_BYTES_PER_RUN`]).
    crl_budget: Arc<CrlBudget>,
}

/// The run-wide CRL byte budget: each download reserves its cap up front and gives back what it
/// did not use, so the CRLs held at once never exceed the budget.
#[derive(Debug)]
pub struct CrlBudget(std::sync::atomic::AtomicUsize);

impl CrlBudget {
    pub fn new(bytes: usize) -> Self {
        Self(std::sync::atomic::AtomicUsize::new(bytes))
    }

    /// Reserves up to `want` bytes; `None` when less than `min` is left.
    pub fn reserve(&self, want: usize, min: usize) -> Option<usize> {
        use std::sync::atomic::Ordering;
        let mut got = 0;
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                got = left.min(want);
                (got >= min).then(|| left - got)
            })
            .ok()
            .map(|_| got)
    }

    /// Gives back `bytes` of a reservation that were not used.
    pub fn release(&self, bytes: usize) {
        self.0.fetch_add(bytes, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Checker {
    pub fn new(fetcher: Fetcher, deadline: Instant) -> Self {
        Self {
            fetcher,
            deadline,
            crls: Mutex::new(HashMap::new()),
            ocsp: Mutex::new(HashMap::new()),
            sent: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            crl_budget: Arc::new(CrlBudget::new(MAX_CRL_BYTES_PER_RUN)),
        }
    }

    /// HTTP requests started so far (each distinct URL or query once).
    pub fn requests(&self) -> usize {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn shared<K: std::hash::Hash + Eq>(
        &self,
        map: &Mutex<HashMap<K, SharedFetch>>,
        key: K,
        start: impl FnOnce() -> BoxFuture<'static, Result<Response, FetchError>>,
    ) -> SharedFetch {
        let mut map = match map.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(key)
            .or_insert_with(|| {
                self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let deadline = self.deadline;
                let request = start();
                async move {
                    Arc::new(match timeout_at(deadline, request).await {
                        Ok(r) => r,
                        Err(_) => Err(FetchError::Unreachable(
                            "the run deadline passed before an answer came".into(),
                        )),
                    })
                }
                .boxed()
                .shared()
            })
            .clone()
    }

    fn crl(&self, url: &str) -> SharedFetch {
        let fetcher = self.fetcher.clone();
        let budget = self.crl_budget.clone();
        let u = url.to_string();
        self.shared(&self.crls, url.to_string(), move || {
            async move {
                // A CRL smaller than 64 KiB still fits when the budget is nearly spent.
                let Some(cap) = budget.reserve(MAX_CRL_BYTES, 64 * 1024) else {
                    return Err(FetchError::Refused(format!(
                        "this run already holds {} MiB of CRLs, its limit (docs/limits.md)",
                        MAX_CRL_BYTES_PER_RUN >> 20
                    )));
                };
                let r = fetcher.get(&u, cap).await;
                let kept = r.as_ref().map_or(0, |resp| resp.body.len());
                budget.release(cap.saturating_sub(kept));
                r
            }
            .boxed()
        })
    }

    fn ocsp_query(&self, url: &str, request: Vec<u8>) -> SharedFetch {
        let fetcher = self.fetcher.clone();
        let u = url.to_string();
        let body = request.clone();
        self.shared(&self.ocsp, (url.to_string(), request), move || {
            async move {
                fetcher
                    .post(&u, "application/ocsp-request", body, MAX_OCSP_BYTES)
                    .await
            }
            .boxed()
        })
    }

    /// Checks every certificate of `chain` (leaf first) but self-issued ones; `stapled` is the
    /// OCSP response the server stapled for the leaf; `anchors` are issuer keys known outside the
    /// chain (trust store and profile roots). The result has one entry per chain certificate
    /// (up to the analysis limit).
    pub async fn check_chain(
        &self,
        chain: &[Vec<u8>],
        stapled: Option<&[u8]>,
        anchors: &dyn Fn(&[u8]) -> Vec<IssuerKey>,
    ) -> Vec<Option<CertRevocation>> {
        let chain = chain
            .get(..chain.len().min(MAX_CHAIN_CERTS))
            .unwrap_or_default();
        let parsed: Vec<Option<X509Certificate<'_>>> = chain
            .iter()
            .map(|der| X509Certificate::from_der(der).ok().map(|(_, c)| c))
            .collect();
        let now = OffsetDateTime::now_utc();
        let mut jobs = Vec::new();
        let mut out: Vec<Option<CertRevocation>> = vec![None; chain.len()];
        for (i, cert) in parsed.iter().enumerate() {
            let Some(cert) = cert else { continue };
            if cert.subject().as_raw() == cert.issuer().as_raw() {
                continue; // a root: nothing above it can revoke it
            }
            let mut issuers: Vec<IssuerKey> = parsed
                .iter()
                .enumerate()
                .filter(|(j, c)| {
                    *j != i
                        && c.as_ref()
                            .is_some_and(|c| c.subject().as_raw() == cert.issuer().as_raw())
                })
                .filter_map(|(_, c)| c.as_ref().map(IssuerKey::of))
                .collect();
            issuers.extend(anchors(cert.issuer().as_raw()));
            let crl_list = dedup(crl_urls(cert));
            let ocsp_list = dedup(ocsp_urls(cert));
            let stapled = stapled.filter(|_| i == 0);
            if crl_list.is_empty() && ocsp_list.is_empty() && stapled.is_none() {
                continue; // nothing to check: no revocation entry
            }
            let mut rev = CertRevocation::default();
            if issuers.is_empty() {
                rev.note = Some(format!(
                    "the issuer ({}) is neither in the chain nor a known anchor: answers cannot be verified",
                    cert.issuer()
                ));
            }
            if let Some(body) = stapled {
                rev.stapled = Some(stapled_check(body, cert, &issuers, now));
            }
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(rev);
            }
            for url in crl_list {
                let fetch = self.crl(&url);
                let issuers = issuers.clone();
                jobs.push(
                    async move {
                        let fetched = fetch.await;
                        let check = finish(&url, &fetched, |body| {
                            chain
                                .get(i)
                                .and_then(|der| X509Certificate::from_der(der).ok())
                                .map(|(_, c)| crl::judge(body, &c, &issuers, now))
                                .unwrap_or_else(|| blank(RevocationStatus::Invalid))
                        });
                        (i, true, check)
                    }
                    .boxed(),
                );
            }
            let id = issuers.first().map(|issuer| ocsp::cert_id(cert, issuer));
            for url in ocsp_list {
                match &id {
                    None => {
                        let mut c = blank(RevocationStatus::Unverified);
                        c.url = Some(url.clone());
                        c.host = host_label(&url);
                        c.error =
                            Some("the issuer is not available to build the OCSP request".into());
                        jobs.push(async move { (i, false, c) }.boxed());
                    }
                    Some(Err(why)) => {
                        let mut c = blank(RevocationStatus::Invalid);
                        c.url = Some(url.clone());
                        c.host = host_label(&url);
                        c.error = Some(why.to_string());
                        jobs.push(async move { (i, false, c) }.boxed());
                    }
                    Some(Ok(id)) => {
                        let id = id.clone();
                        let request = match ocsp::request(&id) {
                            Ok(r) => r,
                            Err(_) => continue,
                        };
                        let fetch = self.ocsp_query(&url, request);
                        let issuers = issuers.clone();
                        jobs.push(
                            async move {
                                let fetched = fetch.await;
                                let check = finish(&url, &fetched, |body| {
                                    ocsp::judge(body, &id, &issuers, now)
                                });
                                (i, false, check)
                            }
                            .boxed(),
                        );
                    }
                }
            }
        }
        for (i, is_crl, check) in join_all(jobs).await {
            if let Some(Some(rev)) = out.get_mut(i) {
                if is_crl {
                    rev.crl.push(check);
                } else {
                    rev.ocsp.push(check);
                }
            }
        }
        out
    }
}

/// Checks a stapled OCSP response for `cert`.
fn stapled_check(
    body: &[u8],
    cert: &X509Certificate<'_>,
    issuers: &[IssuerKey],
    now: OffsetDateTime,
) -> RevocationCheck {
    let Some(issuer) = issuers.first() else {
        let mut c = blank(RevocationStatus::Unverified);
        c.reachable = true;
        c.error = Some("the issuer is not available to check the stapled response".into());
        return c;
    };
    let mut c = match ocsp::cert_id(cert, issuer) {
        Ok(id) => ocsp::judge(body, &id, issuers, now),
        Err(why) => {
            let mut c = blank(RevocationStatus::Invalid);
            c.error = Some(why.to_string());
            c
        }
    };
    c.reachable = true;
    c.bytes = u64::try_from(body.len()).ok();
    c
}

/// Fills the transport facts of a check and judges the body of a successful response.
fn finish(
    url: &str,
    fetched: &Result<Response, FetchError>,
    judge: impl FnOnce(&[u8]) -> RevocationCheck,
) -> RevocationCheck {
    let mut check = match fetched {
        Ok(r) if (200..300).contains(&r.status) => {
            let mut c = judge(&r.body);
            c.reachable = true;
            c.http_status = Some(r.status);
            c.bytes = u64::try_from(r.body.len()).ok();
            c.ms = Some(r.ms);
            c
        }
        Ok(r) => {
            let mut c = blank(RevocationStatus::HttpError);
            c.reachable = true;
            c.http_status = Some(r.status);
            c.ms = Some(r.ms);
            c.error = Some(format!("the server answered HTTP {}", r.status));
            c
        }
        Err(e) => {
            let status = match e {
                FetchError::Refused(_) => RevocationStatus::Refused,
                FetchError::Unreachable(_) => RevocationStatus::Unreachable,
                _ => RevocationStatus::Invalid,
            };
            let mut c = blank(status);
            c.reachable = e.reached();
            if let FetchError::TooLarge { read, ms, .. } = e {
                c.bytes = u64::try_from(*read).ok();
                c.ms = Some(*ms);
            }
            c.error = Some(e.to_string());
            c
        }
    };
    check.url = Some(url.to_string());
    check.host = host_label(url);
    check
}

fn crl_urls(cert: &X509Certificate<'_>) -> Vec<String> {
    crate::cert::summary::crl_urls(cert)
}

fn ocsp_urls(cert: &X509Certificate<'_>) -> Vec<String> {
    crate::cert::summary::aia_urls(cert).0
}

fn dedup(mut urls: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    urls.retain(|u| seen.insert(u.clone()));
    urls.truncate(MAX_REVOCATION_URLS);
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crl_budget_reserves_and_gives_back() {
        let b = CrlBudget::new(100);
        assert_eq!(b.reserve(60, 10), Some(60));
        assert_eq!(b.reserve(60, 10), Some(40));
        assert_eq!(b.reserve(60, 10), None);
        b.release(25);
        assert_eq!(b.reserve(60, 30), None);
        assert_eq!(b.reserve(60, 10), Some(25));
    }

    #[test]
    fn serials_ignore_leading_zeros() {
        assert!(same_serial(&[0, 0x81, 2], &[0x81, 2]));
        assert!(!same_serial(&[1, 2], &[2, 1]));
        assert!(same_serial(&[], &[0]));
    }

    #[test]
    fn reasons_have_rfc_names() {
        assert_eq!(reason_name(1), "keyCompromise");
        assert_eq!(reason_name(7), "reason 7");
    }
}
