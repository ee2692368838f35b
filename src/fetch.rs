//! HTTP fetches of URLs that strangers put in certificates (CRL distribution points, OCSP
//! responders, CA issuers) with reqwest, under a strict policy:
//!
//! - only `http` and `https`, never `file:` or any other scheme, and never credentials in the URL
//!   (no cookies, no proxy, no referer either);
//! - no private, loopback, link-local or otherwise non-public destination unless
//!   `--allow-private-fetch` is given — checked for IP literals, for every address a name resolves
//!   to (the resolver used by the client filters them, so a redirect or a rebinding name cannot
//!   slip past), and for every redirect hop;
//! - at most [`MAX_REDIRECTS`] redirects, never a loop;
//! - a timeout on the whole request and a size cap on the body, read chunk by chunk.

use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use tokio::time::Instant;
use url::{Host, Url};

use crate::dns::Dns;
use crate::limits::MAX_REDIRECTS;
use crate::vocab::Families;

/// What an HTTP exchange returned.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    /// The `Location` header (for a redirect the client did not follow).
    pub location: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// Milliseconds from the request to the end of the body.
    pub ms: u64,
}

/// Why a fetch did not produce a response.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    /// The policy forbids this URL or destination; nothing was sent.
    #[error("not fetched: {0}")]
    Refused(String),
    /// No HTTP answer: name resolution, connection or timeout.
    #[error("{0}")]
    Unreachable(String),
    /// The body is larger than the cap; `read` bytes were read before stopping.
    #[error("response larger than {limit} bytes (stopped reading at {read})")]
    TooLarge { limit: usize, read: usize, ms: u64 },
    /// Redirect loop or too many redirects.
    #[error("{0}")]
    Redirect(String),
    /// Anything else that broke HTTP.
    #[error("{0}")]
    Protocol(String),
}

impl FetchError {
    /// An HTTP server answered (the endpoint is reachable from here).
    pub fn reached(&self) -> bool {
        matches!(
            self,
            FetchError::TooLarge { .. } | FetchError::Redirect(_) | FetchError::Protocol(_)
        )
    }
}

/// Why the policy stopped a request, carried through reqwest's error chain: a refused
/// destination (from the resolver or a redirect) or a redirect loop / too many redirects.
#[derive(Debug)]
enum PolicyStop {
    Refused(String),
    Redirect(String),
}

impl std::fmt::Display for PolicyStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyStop::Refused(why) | PolicyStop::Redirect(why) => f.write_str(why),
        }
    }
}

impl StdError for PolicyStop {}

/// The HTTP client cannot be built (a usage error: the TLS setup failed).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot set up the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("cannot set up the HTTP client's TLS: {0}")]
    Tls(String),
}

/// Why the policy refuses a URL before any byte is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}: URLs are never fetched (only http and https)")]
    Scheme(String),
    #[error("URLs with credentials are never fetched")]
    Credentials,
    #[error("the URL has no host")]
    NoHost,
    #[error("{ip} is a {kind} address (use --allow-private-fetch to allow it)")]
    NonPublic { ip: IpAddr, kind: &'static str },
}

/// A shared HTTP client with the fetch policy built in.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    allow_private: bool,
}

impl Fetcher {
    /// `dns` resolves host names (so `--resolver` applies); `timeout` bounds each request.
    /// HTTPS URLs are judged by `roots` when given (the run's own trust store, already loaded),
    /// else by the platform's verifier, which reads the system store when the client is built.
    pub fn new(
        dns: Arc<Dns>,
        allow_private: bool,
        timeout: Duration,
        roots: Option<rustls::RootCertStore>,
    ) -> Result<Self, SetupError> {
        let policy = redirect::Policy::custom(move |attempt| {
            let url = attempt.url().clone();
            if attempt.previous().contains(&url) {
                return attempt.error(PolicyStop::Redirect(format!("redirect loop at {url}")));
            }
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(PolicyStop::Redirect(format!(
                    "more than {MAX_REDIRECTS} redirects"
                )));
            }
            match check_url(&url, allow_private) {
                Ok(()) => attempt.follow(),
                Err(why) => attempt.error(PolicyStop::Refused(format!("redirect to {url}: {why}"))),
            }
        });
        let mut client = builder(dns, allow_private, timeout).redirect(policy);
        if let Some(roots) = roots {
            client = client.tls_backend_preconfigured(tls_config(roots)?);
        }
        let client = client.build()?;
        Ok(Self {
            client,
            allow_private,
        })
    }

    /// The client for MTA-STS policies (RFC 8461 §3.3): HTTPS only, never a redirect (a 3xx is
    /// returned as the response, with its `Location`), the certificate judged against the run's
    /// own trust store, and the same destination policy as every other fetch.
    pub fn mta_sts(
        dns: Arc<Dns>,
        allow_private: bool,
        timeout: Duration,
        trust: &crate::cert::chain::TrustStore,
    ) -> Result<Self, SetupError> {
        let tls = tls_config(trust.root_store())?;
        let client = builder(dns, allow_private, timeout)
            .redirect(redirect::Policy::none())
            .https_only(true)
            .tls_backend_preconfigured(tls)
            .build()?;
        Ok(Self {
            client,
            allow_private,
        })
    }

    /// GET `url`, reading at most `max` bytes of body.
    pub async fn get(&self, url: &str, max: usize) -> Result<Response, FetchError> {
        let url = self.checked(url)?;
        let started = Instant::now();
        let r = self.client.get(url).send().await;
        read(r, max, started).await
    }

    /// POST `body` to `url` with `content_type`, reading at most `max` bytes of the answer.
    pub async fn post(
        &self,
        url: &str,
        content_type: &'static str,
        body: Vec<u8>,
        max: usize,
    ) -> Result<Response, FetchError> {
        let url = self.checked(url)?;
        let started = Instant::now();
        let r = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await;
        read(r, max, started).await
    }

    fn checked(&self, url: &str) -> Result<Url, FetchError> {
        let parsed = Url::parse(url).map_err(|e| FetchError::Refused(format!("bad URL: {e}")))?;
        check_url(&parsed, self.allow_private).map_err(|r| FetchError::Refused(r.to_string()))?;
        Ok(parsed)
    }
}

/// A rustls client configuration that trusts `roots` alone.
fn tls_config(roots: rustls::RootCertStore) -> Result<rustls::ClientConfig, SetupError> {
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| SetupError::Tls(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

/// What every client of the fetch policy shares: our user agent, no referer, no proxy, the
/// timeouts, and the resolver that drops forbidden destinations.
fn builder(dns: Arc<Dns>, allow_private: bool, timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(concat!("tlscheck/", env!("CARGO_PKG_VERSION")))
        .referer(false)
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout)
        .dns_resolver(Arc::new(PolicyResolver { dns, allow_private }))
}

/// The policy for one URL, before any byte is sent: scheme, credentials, IP-literal destination.
pub fn check_url(url: &Url, allow_private: bool) -> Result<(), Refusal> {
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(Refusal::Scheme(other.to_string())),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Credentials);
    }
    let ip = match url.host() {
        None => return Err(Refusal::NoHost),
        Some(Host::Domain(_)) => return Ok(()),
        Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
    };
    match (allow_private, non_public(ip)) {
        (false, Some(kind)) => Err(Refusal::NonPublic { ip, kind }),
        _ => Ok(()),
    }
}

/// What kind of non-public address `ip` is, or `None` for a public one.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                Some("loopback")
            } else if v4.is_private() {
                Some("private")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if v4.is_unspecified() || a == 0 {
                Some("unspecified")
            } else if v4.is_multicast() || v4.is_broadcast() || a >= 240 {
                Some("multicast or reserved")
            } else if a == 100 && (64..128).contains(&b) {
                Some("shared (carrier-grade NAT)")
            } else if v4.is_documentation() || (a == 198 && (b == 18 || b == 19)) {
                Some("documentation or benchmarking")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return non_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if v6.is_multicast() {
                Some("multicast or reserved")
            } else if first & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if first & 0xfe00 == 0xfc00 {
                Some("private (unique local)")
            } else if first == 0x2001 && v6.segments()[1] == 0x0db8 {
                Some("documentation or benchmarking")
            } else {
                None
            }
        }
    }
}

/// Resolves with tlscheck's resolver and drops addresses the policy forbids.
struct PolicyResolver {
    dns: Arc<Dns>,
    allow_private: bool,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let dns = self.dns.clone();
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let ips = dns.addresses(&host, Families::Any).await.map_err(
                |f| -> Box<dyn StdError + Send + Sync> {
                    Box::new(std::io::Error::other(f.message))
                },
            )?;
            let mut refused = Vec::new();
            let allowed: Vec<SocketAddr> = ips
                .into_iter()
                .filter(|ip| match (allow_private, non_public(*ip)) {
                    (false, Some(kind)) => {
                        refused.push(format!("{ip} ({kind})"));
                        false
                    }
                    _ => true,
                })
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            if allowed.is_empty() {
                let why = format!(
                    "{host} resolves only to non-public addresses: {} (use --allow-private-fetch to allow them)",
                    refused.join(", ")
                );
                return Err(Box::new(PolicyStop::Refused(why)) as _);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

async fn read(
    sent: Result<reqwest::Response, reqwest::Error>,
    max: usize,
    started: Instant,
) -> Result<Response, FetchError> {
    let mut response = sent.map_err(classify)?;
    let status = response.status().as_u16();
    let header = |name: reqwest::header::HeaderName| {
        response.headers().get(name).map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .chars()
                .take(2048)
                .collect::<String>()
        })
    };
    let location = header(reqwest::header::LOCATION);
    let content_type = header(reqwest::header::CONTENT_TYPE);
    // An error page is kept short: only its status matters.
    let cap = if response.status().is_success() {
        max
    } else {
        max.min(4096)
    };
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > cap {
                    if !response.status().is_success() {
                        break;
                    }
                    return Err(FetchError::TooLarge {
                        limit: cap,
                        read: body.len() + chunk.len(),
                        ms: elapsed_ms(started),
                    });
                }
                // Grow by doubling, but never past the cap (a plain push could double a
                // 16 MiB body's buffer to 32 MiB).
                let need = body.len() + chunk.len();
                if need > body.capacity() {
                    let target = body.capacity().saturating_mul(2).max(need).min(cap);
                    body.reserve_exact(target - body.len());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(classify(e)),
        }
    }
    // Bodies may be kept for the run (CRLs are shared); do not keep doubling slack.
    body.shrink_to_fit();
    Ok(Response {
        status,
        body,
        location,
        content_type,
        ms: elapsed_ms(started),
    })
}

pub fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Maps a reqwest error to what it means for the report, finding our own policy errors in the
/// source chain.
fn classify(e: reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn StdError + 'static)> = e.source();
    while let Some(s) = source {
        match s.downcast_ref::<PolicyStop>() {
            Some(PolicyStop::Refused(why)) => return FetchError::Refused(why.clone()),
            Some(PolicyStop::Redirect(why)) => return FetchError::Redirect(why.clone()),
            None => {}
        }
        source = s.source();
    }
    let detail = chain_text(&e);
    if e.is_timeout() {
        FetchError::Unreachable(format!("timed out ({detail})"))
    } else if e.is_connect() {
        FetchError::Unreachable(format!("cannot connect: {detail}"))
    } else if e.is_redirect() {
        FetchError::Redirect(detail)
    } else if e.is_request() && e.status().is_none() && !e.is_body() && !e.is_decode() {
        // Resolution failures and resets before any response land here.
        FetchError::Unreachable(detail)
    } else {
        FetchError::Protocol(detail)
    }
}

/// The error and its sources on one line (reqwest's own message is often just "error sending
/// request").
fn chain_text(e: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(u: &str, allow: bool) -> Result<(), String> {
        check_url(&Url::parse(u).map_err(|e| e.to_string())?, allow).map_err(|r| r.to_string())
    }

    #[test]
    fn only_http_and_https_without_credentials() {
        assert!(check("http://crl.example.com/a.crl", false).is_ok());
        assert!(check("https://crl.example.com/a.crl", false).is_ok());
        let e = check("file:///etc/passwd", true).unwrap_err();
        assert!(e.contains("file: URLs are never fetched"), "{e}");
        assert!(check("ldap://ldap.example.com/cn=CA", true).is_err());
        assert!(check("ftp://example.com/a.crl", true).is_err());
        let e = check("http://user:pw@example.com/a.crl", true).unwrap_err();
        assert!(e.contains("credentials"), "{e}");
    }

    #[test]
    fn private_destinations_need_the_flag() {
        for u in [
            "http://127.0.0.1/a.crl",
            "http://169.254.169.254/latest/meta-data",
            "http://10.1.2.3/",
            "http://192.168.1.1/",
            "http://172.16.0.1/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fe80::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert!(check(u, false).is_err(), "{u} must be refused");
            assert!(check(u, true).is_ok(), "{u} allowed with the flag");
        }
        let e = check("http://169.254.169.254/", false).unwrap_err();
        assert!(e.contains("link-local"), "{e}");
        assert!(check("http://8.8.8.8/", false).is_ok());
        assert!(check("http://[2a00:1450::1]/", false).is_ok());
    }
}
