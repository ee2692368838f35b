//! DNS for mail routing: MX by preference, null MX (RFC 7505), implicit MX (RFC 5321 §5.1), and
//! the A/AAAA of each host, with NXDOMAIN kept apart from NODATA and from resolver failures.
//!
//! [`Dns`] wraps a hickory resolver (the system's, or one given with `--resolver`); the
//! interpretation of answers ([`interpret_mx`]) is pure and unit-tested.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::{Resolver, TokioResolver};

use crate::limits::{MAX_ADDRESSES_PER_HOST, MAX_MX_RECORDS};
use crate::report::{Failure, MxRecord};
use crate::vocab::{FailureKind, Families, Phase};

/// What the MX lookup of a domain means for mail routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MxAnswer {
    /// MX records, ordered by preference then name, deduplicated and bounded to
    /// [`MAX_MX_RECORDS`]; `dropped` counts the records past that bound.
    Hosts {
        records: Vec<MxRecord>,
        dropped: usize,
    },
    /// `MX 0 .`: the domain accepts no mail (RFC 7505).
    NullMx,
    /// No MX records (NODATA): the domain itself is the mail host (RFC 5321 §5.1).
    Implicit,
}

/// Interprets the MX records of an answer (preference, exchange with or without the final dot).
pub fn interpret_mx(records: Vec<(u16, String)>) -> MxAnswer {
    if records.is_empty() {
        return MxAnswer::Implicit;
    }
    let is_root = |e: &str| e.is_empty() || e == ".";
    // RFC 7505 §3: a null MX is a single record whose exchange is the root.
    if records.len() == 1 && records.iter().all(|(_, e)| is_root(e)) {
        return MxAnswer::NullMx;
    }
    let mut hosts: Vec<MxRecord> = records
        .into_iter()
        .filter(|(_, e)| !is_root(e))
        .map(|(preference, e)| MxRecord {
            preference,
            exchange: e.trim_end_matches('.').to_ascii_lowercase(),
        })
        .collect();
    hosts.sort_by(|a, b| {
        a.preference
            .cmp(&b.preference)
            .then_with(|| a.exchange.cmp(&b.exchange))
    });
    hosts.dedup();
    let dropped = hosts.len().saturating_sub(MAX_MX_RECORDS);
    hosts.truncate(MAX_MX_RECORDS);
    if hosts.is_empty() {
        MxAnswer::NullMx
    } else {
        MxAnswer::Hosts {
            records: hosts,
            dropped,
        }
    }
}

/// The resolver used for a run.
pub struct Dns {
    resolver: TokioResolver,
    /// The name servers asked (for the DNSSEC validator, which asks them itself).
    servers: Vec<SocketAddr>,
    /// `system` or the server address.
    pub label: String,
    /// The system resolver's name servers, for messages ("192.0.2.53, 192.0.2.54").
    system_servers: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot set up the DNS resolver: {0}")]
pub struct DnsSetupError(String);

impl Dns {
    /// The system's resolver configuration (/etc/resolv.conf).
    pub fn system(timeout: Duration) -> Result<Self, DnsSetupError> {
        let mut builder =
            TokioResolver::builder_tokio().map_err(|e| DnsSetupError(e.to_string()))?;
        let opts = options(timeout, builder.options_mut().clone());
        *builder.options_mut() = opts;
        let resolver = builder.build().map_err(|e| DnsSetupError(e.to_string()))?;
        let servers: Vec<SocketAddr> = hickory_resolver::system_conf::read_system_conf()
            .map(|(config, _)| {
                let mut addrs: Vec<SocketAddr> = config
                    .name_servers()
                    .iter()
                    .map(|n| {
                        let port = n.connections.first().map(|c| c.port).unwrap_or(53);
                        SocketAddr::new(n.ip, port)
                    })
                    .collect();
                addrs.dedup();
                addrs
            })
            .unwrap_or_default();
        let system_servers =
            hickory_resolver::system_conf::read_system_conf()
                .ok()
                .map(|(config, _)| {
                    let mut ips: Vec<String> = config
                        .name_servers()
                        .iter()
                        .map(|n| n.ip.to_string())
                        .collect();
                    ips.dedup();
                    ips.join(", ")
                });
        Ok(Self {
            resolver,
            servers,
            label: "system".into(),
            system_servers,
        })
    }

    /// A specific recursive server (`--resolver IP[:PORT]`), over UDP with TCP fallback.
    pub fn server(addr: SocketAddr, timeout: Duration) -> Result<Self, DnsSetupError> {
        let mut udp = ConnectionConfig::udp();
        udp.port = addr.port();
        let mut tcp = ConnectionConfig::tcp();
        tcp.port = addr.port();
        let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
        let resolver = Resolver::builder_with_config(
            ResolverConfig::from_name_servers(vec![ns]),
            TokioRuntimeProvider::default(),
        )
        .with_options(options(timeout, ResolverOpts::default()))
        .build()
        .map_err(|e| DnsSetupError(e.to_string()))?;
        Ok(Self {
            resolver,
            servers: vec![addr],
            label: addr.to_string(),
            system_servers: None,
        })
    }

    /// The name servers this resolver asks.
    pub fn servers(&self) -> &[SocketAddr] {
        &self.servers
    }

    /// Looks up the MX records of `domain`.
    pub async fn mx(&self, domain: &str) -> Result<MxAnswer, Failure> {
        match self.resolver.mx_lookup(fqdn(domain)).await {
            Ok(lookup) => Ok(interpret_mx(
                lookup
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::MX(mx) => Some((mx.preference, mx.exchange.to_ascii())),
                        _ => None,
                    })
                    .collect(),
            )),
            Err(e) => match classify(&e) {
                FailureKind::NoData => Ok(MxAnswer::Implicit),
                kind => Err(Failure::new(
                    Phase::Dns,
                    kind,
                    format!("MX lookup for {domain}: {}", self.describe(kind, &e)),
                )),
            },
        }
    }

    /// Looks up the A and AAAA records of `host` concurrently, as the families allow.
    pub async fn addresses(&self, host: &str, families: Families) -> Result<Vec<IpAddr>, Failure> {
        self.host_addresses(host, families)
            .await
            .map(|(ips, _)| ips)
    }

    /// [`Dns::addresses`], with the name `host` is an alias (CNAME) of, when it is one.
    pub async fn host_addresses(
        &self,
        host: &str,
        families: Families,
    ) -> Result<(Vec<IpAddr>, Option<String>), Failure> {
        let name = fqdn(host);
        let v4 = async {
            if families == Families::V6 {
                return Ok((vec![], None));
            }
            self.resolver.ipv4_lookup(name.clone()).await.map(|l| {
                let ips = l
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::A(a) => Some(IpAddr::V4(a.0)),
                        _ => None,
                    })
                    .collect::<Vec<_>>();
                (ips, alias_of(l.answers()))
            })
        };
        let v6 = async {
            if families == Families::V4 {
                return Ok((vec![], None));
            }
            self.resolver.ipv6_lookup(name.clone()).await.map(|l| {
                let ips = l
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                        _ => None,
                    })
                    .collect::<Vec<_>>();
                (ips, alias_of(l.answers()))
            })
        };
        let (v4, v6) = tokio::join!(v4, v6);
        let mut out = Vec::new();
        let mut alias = None;
        let mut errors = Vec::new();
        for r in [v4, v6] {
            match r {
                Ok((mut ips, a)) => {
                    ips.truncate(MAX_ADDRESSES_PER_HOST);
                    out.extend(ips);
                    alias = alias.or(a);
                }
                Err(e) => errors.push(e),
            }
        }
        out.dedup();
        if !out.is_empty() {
            return Ok((out, alias));
        }
        // Nothing found: NXDOMAIN beats NODATA beats a lookup failure in explaining why.
        let kinds: Vec<FailureKind> = errors.iter().map(classify).collect();
        let kind = if kinds.contains(&FailureKind::Nxdomain) {
            FailureKind::Nxdomain
        } else if let Some(k) = kinds.iter().find(|k| **k != FailureKind::NoData) {
            *k
        } else {
            FailureKind::NoData
        };
        let what = match families {
            Families::Any => "A/AAAA",
            Families::V4 => "A",
            Families::V6 => "AAAA",
        };
        let detail = match (kind, errors.iter().find(|e| classify(e) == kind)) {
            (FailureKind::NoData, _) => format!("no {what} records"),
            (_, Some(e)) => self.describe(kind, e),
            (_, None) => format!("no {what} records"),
        };
        Err(Failure::new(
            Phase::Dns,
            kind,
            format!("{what} lookup for {host}: {detail}"),
        ))
    }
}

/// The target of the first CNAME in an answer (the name the queried one is an alias of).
fn alias_of(records: &[hickory_resolver::proto::rr::Record]) -> Option<String> {
    records.iter().find_map(|r| match &r.data {
        RData::CNAME(c) => Some(c.0.to_ascii().trim_end_matches('.').to_ascii_lowercase()),
        _ => None,
    })
}

fn options(timeout: Duration, mut opts: ResolverOpts) -> ResolverOpts {
    // Two attempts fit in one phase timeout; the caller also bounds the whole lookup by it.
    opts.timeout = (timeout / 2).max(Duration::from_millis(250));
    opts.attempts = 2;
    // Mail routing never uses /etc/hosts or search domains.
    opts.ndots = 0;
    opts.use_hosts_file = hickory_resolver::config::ResolveHosts::Never;
    opts
}

/// A fully qualified name, so search domains are never appended.
fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

fn classify(e: &NetError) -> FailureKind {
    if e.is_nx_domain() {
        return FailureKind::Nxdomain;
    }
    if e.is_no_records_found() {
        return FailureKind::NoData;
    }
    match e {
        NetError::Timeout => FailureKind::Timeout,
        // The resolver itself cannot be reached (refused, no route): nothing about the name.
        NetError::Io(_) | NetError::NoConnections => FailureKind::Io,
        _ => FailureKind::DnsFailure,
    }
}

impl Dns {
    /// Why a lookup failed, in words; a resolver that does not answer is named, since that says
    /// nothing about the name looked up.
    fn describe(&self, kind: FailureKind, e: &NetError) -> String {
        match kind {
            FailureKind::Nxdomain => "the name does not exist (NXDOMAIN)".into(),
            FailureKind::NoData => "no records of that type (NODATA)".into(),
            FailureKind::Timeout => format!("{} did not answer (timeout)", self.resolver_name()),
            FailureKind::Io => match e {
                NetError::Io(io) => format!("{} is unreachable ({io})", self.resolver_name()),
                _ => format!("{} is unreachable", self.resolver_name()),
            },
            _ => {
                if let NetError::Dns(hickory_resolver::net::DnsError::ResponseCode(code)) = e {
                    if *code == ResponseCode::ServFail {
                        return "the resolver answered SERVFAIL".into();
                    }
                }
                e.to_string()
            }
        }
    }

    /// "resolver 127.0.0.9:53", or "the system resolver (192.0.2.53)".
    pub fn resolver_name(&self) -> String {
        match self.label.as_str() {
            "system" => match &self.system_servers {
                Some(s) if !s.is_empty() => format!("the system resolver ({s})"),
                _ => "the system resolver".into(),
            },
            addr => format!("resolver {addr}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mx(p: u16, e: &str) -> (u16, String) {
        (p, e.to_string())
    }

    #[test]
    fn orders_by_preference_then_name_and_dedups() {
        let a = interpret_mx(vec![
            mx(20, "b.example."),
            mx(10, "z.example."),
            mx(20, "A.example."),
            mx(10, "z.example"),
        ]);
        let MxAnswer::Hosts {
            records: h,
            dropped,
        } = a
        else {
            panic!("{a:?}")
        };
        assert_eq!(dropped, 0);
        let names: Vec<_> = h
            .iter()
            .map(|m| (m.preference, m.exchange.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![(10, "z.example"), (20, "a.example"), (20, "b.example")]
        );
    }

    #[test]
    fn null_mx_and_implicit() {
        assert_eq!(interpret_mx(vec![mx(0, ".")]), MxAnswer::NullMx);
        assert_eq!(interpret_mx(vec![mx(0, "")]), MxAnswer::NullMx);
        assert_eq!(interpret_mx(vec![]), MxAnswer::Implicit);
        // A root exchange beside real hosts is ignored (RFC 7505 §3 forbids the mix).
        let a = interpret_mx(vec![mx(0, "."), mx(10, "mx.example.")]);
        assert!(matches!(a, MxAnswer::Hosts { ref records, .. } if records.len() == 1));
    }

    #[test]
    fn bounded_number_of_hosts() {
        let many = (0..100)
            .map(|i| mx(i, &format!("mx{i}.example.")))
            .collect();
        let MxAnswer::Hosts { records, dropped } = interpret_mx(many) else {
            panic!()
        };
        assert_eq!(records.len(), MAX_MX_RECORDS);
        assert_eq!(dropped, 100 - MAX_MX_RECORDS);
    }

    #[test]
    fn families() {
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert!(Families::V4.allows(&v4) && !Families::V4.allows(&v6));
        assert!(Families::V6.allows(&v6) && !Families::V6.allows(&v4));
        assert!(Families::Any.allows(&v4) && Families::Any.allows(&v6));
    }
}
