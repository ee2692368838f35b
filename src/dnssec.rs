//! DNSSEC-validated lookups for transport-security policy (DANE, MTA-STS, TLS-RPT).
//!
//! tlscheck validates itself, with hickory's validator (`DnssecDnsHandle`), from the IANA root
//! keys built into hickory plus any `--dnssec-anchor` file. Every query goes to the resolver with
//! the CD (checking disabled) bit, so a validating resolver hands over bogus data instead of
//! hiding it behind SERVFAIL, and tlscheck can say "bogus" rather than "lookup failed". When a
//! query still fails with SERVFAIL, one plain query (without CD) asks the resolver why: an
//! Extended DNS Error (RFC 8914) with a DNSSEC code (6 = DNSSEC Bogus, and its kin 7-12) makes
//! the answer bogus; anything else leaves it a failed lookup.
//!
//! Every [`Answer`] carries its [`DnssecState`]: a failure is never "no records", and bogus is
//! never "absent".

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverOpts};
use hickory_resolver::net::dnssec::DnssecDnsHandle;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, DnsHandle, NetError};
use hickory_resolver::proto::dnssec::rdata::{DNSSECRData, DNSKEY, DS};
use hickory_resolver::proto::dnssec::{
    Algorithm, DigestType, Proof, PublicKey, PublicKeyBuf, TrustAnchors, Verifier,
};
use hickory_resolver::proto::op::{
    DnsRequest, DnsRequestOptions, Edns, Message, Query, ResponseCode,
};
use hickory_resolver::proto::rr::rdata::opt::EdnsOption;
use hickory_resolver::proto::rr::{DNSClass, LowerName, Name, RData, Record, RecordType};
use hickory_resolver::{NameServerPool, PoolContext, TlsConfig};

use crate::limits::MAX_ANCHOR_FILE_BYTES;
use crate::report::ExtendedDnsError;
use crate::vocab::DnssecState;

/// The resolver handle with the CD bit set on every query it forwards.
#[derive(Clone)]
struct CheckingDisabled(NameServerPool<TokioRuntimeProvider>);

impl DnsHandle for CheckingDisabled {
    type Response = <NameServerPool<TokioRuntimeProvider> as DnsHandle>::Response;
    type Runtime = TokioRuntimeProvider;

    fn send(&self, mut request: DnsRequest) -> Self::Response {
        request.metadata.checking_disabled = true;
        self.0.send(request)
    }
}

/// How a query came out, apart from its DNSSEC state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Records of the type asked for (after any CNAMEs).
    Records,
    /// The name exists but has no records of that type (NODATA).
    NoData,
    /// The name does not exist (NXDOMAIN).
    NxDomain,
    /// No usable answer: SERVFAIL, timeout, an unreachable resolver. The text says which.
    Failed(String),
}

/// One validated answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub state: DnssecState,
    pub outcome: Outcome,
    /// The records of the type asked for (owner name, data).
    pub records: Vec<RData>,
    /// The CNAME targets followed, in order (empty when the name is not an alias).
    pub cnames: Vec<String>,
    /// The resolver's Extended DNS Error, when it sent one.
    pub ede: Option<ExtendedDnsError>,
    /// What made the state bogus or indeterminate, in words (for `-v` and the JSON).
    pub why: Option<String>,
    /// A denial behind a CNAME that hickory judged at the wrong name: the target to ask for
    /// directly, and the state of the CNAME record itself.
    chase: Option<(String, DnssecState)>,
}

/// One step of a lookup: an answer, or an alias to follow.
enum Step {
    Done(Answer),
    Alias { target: String, state: DnssecState },
}

/// The weaker of two states (bogus, then indeterminate, then insecure, then secure).
fn weakest(a: DnssecState, b: DnssecState) -> DnssecState {
    let rank = |s: DnssecState| match s {
        DnssecState::Bogus => 0,
        DnssecState::Indeterminate => 1,
        DnssecState::Insecure => 2,
        DnssecState::Secure => 3,
    };
    if rank(a) <= rank(b) {
        a
    } else {
        b
    }
}

impl Answer {
    fn failed(why: String, ede: Option<ExtendedDnsError>, state: DnssecState) -> Self {
        Self {
            state,
            outcome: Outcome::Failed(why.clone()),
            records: vec![],
            cnames: vec![],
            ede,
            why: Some(why),
            chase: None,
        }
    }
}

/// The validating resolver of a run.
#[derive(Clone)]
pub struct Validator {
    handle: DnssecDnsHandle<CheckingDisabled>,
    /// The resolver's addresses, for the plain EDE query.
    servers: Vec<SocketAddr>,
    timeout: Duration,
    /// The zones of the `--dnssec-anchor` files.
    anchored: Vec<Name>,
    /// The root zone's keys validate through this resolver (false on a private resolver that
    /// does not serve the root: then only names under an anchor can be decided).
    root_usable: bool,
}

/// A trust anchor read from a `--dnssec-anchor` file.
#[derive(Debug, Clone)]
pub enum AnchorRecord {
    Ds { zone: Name, ds: DS },
    Dnskey { zone: Name, key: DNSKEY },
}

impl AnchorRecord {
    pub fn zone(&self) -> &Name {
        match self {
            AnchorRecord::Ds { zone, .. } | AnchorRecord::Dnskey { zone, .. } => zone,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AnchorError(pub String);

/// Reads DS and DNSKEY records in zone-file syntax (`zone. [TTL] [IN] DS|DNSKEY ...`), with
/// `;` comments and parentheses spanning lines. Other record types are an error, so a wrong file
/// is not taken for an empty one.
pub fn read_anchor_file(path: &Path) -> Result<Vec<AnchorRecord>, AnchorError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| AnchorError(format!("cannot read {}: {e}", path.display())))?;
    if meta.len() > MAX_ANCHOR_FILE_BYTES {
        return Err(AnchorError(format!(
            "{} is {} bytes; a trust anchor file is at most {} bytes",
            path.display(),
            meta.len(),
            MAX_ANCHOR_FILE_BYTES
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| AnchorError(format!("cannot read {}: {e}", path.display())))?;
    parse_anchors(&text).map_err(|e| AnchorError(format!("{}: {e}", path.display())))
}

/// The records of an anchor file's text (see [`read_anchor_file`]).
pub fn parse_anchors(text: &str) -> Result<Vec<AnchorRecord>, String> {
    let mut out = Vec::new();
    for (line_no, entry) in logical_lines(text)? {
        let tokens: Vec<&str> = entry.split_whitespace().collect();
        let mut it = tokens.iter().copied().peekable();
        let Some(owner) = it.next() else { continue };
        if owner.starts_with('$') {
            return Err(format!("line {line_no}: directives such as {owner} are not supported; write each record with its full name"));
        }
        let zone = Name::from_ascii(owner)
            .map_err(|e| format!("line {line_no}: '{owner}' is not a domain name ({e})"))?;
        if !zone.is_fqdn() {
            return Err(format!(
                "line {line_no}: write the zone name with its final dot ('{owner}.')"
            ));
        }
        // [TTL] [class] in either order.
        for _ in 0..2 {
            match it.peek() {
                Some(t) if t.chars().all(|c| c.is_ascii_digit()) => {
                    it.next();
                }
                Some(t) if t.eq_ignore_ascii_case("IN") => {
                    it.next();
                }
                _ => {}
            }
        }
        let rtype = it.next().unwrap_or_default().to_ascii_uppercase();
        let rest: Vec<&str> = it.collect();
        let num = |i: usize, what: &str| -> Result<u32, String> {
            rest.get(i)
                .and_then(|t| t.parse::<u32>().ok())
                .ok_or_else(|| format!("line {line_no}: {rtype} record without a valid {what}"))
        };
        match rtype.as_str() {
            "DS" => {
                let key_tag = u16::try_from(num(0, "key tag")?)
                    .map_err(|_| format!("line {line_no}: key tag out of range"))?;
                let alg = u8::try_from(num(1, "algorithm")?)
                    .map_err(|_| format!("line {line_no}: algorithm out of range"))?;
                let dt = u8::try_from(num(2, "digest type")?)
                    .map_err(|_| format!("line {line_no}: digest type out of range"))?;
                let hex_text: String = rest.iter().skip(3).copied().collect();
                let digest = hex::decode(&hex_text)
                    .map_err(|_| format!("line {line_no}: the DS digest is not hexadecimal"))?;
                if digest.is_empty() {
                    return Err(format!("line {line_no}: the DS record has no digest"));
                }
                let digest_type = DigestType::from(dt);
                if !digest_type.is_supported() {
                    return Err(format!("line {line_no}: DS digest type {dt} is not supported (1 SHA-1, 2 SHA-256, 4 SHA-384)"));
                }
                out.push(AnchorRecord::Ds {
                    zone,
                    ds: DS::new(key_tag, Algorithm::from_u8(alg), digest_type, digest),
                });
            }
            "DNSKEY" => {
                let flags = u16::try_from(num(0, "flags field")?)
                    .map_err(|_| format!("line {line_no}: flags out of range"))?;
                let _protocol = num(1, "protocol")?;
                let alg = u8::try_from(num(2, "algorithm")?)
                    .map_err(|_| format!("line {line_no}: algorithm out of range"))?;
                let b64: String = rest.iter().skip(3).copied().collect();
                use base64::Engine;
                let key = base64::engine::general_purpose::STANDARD
                    .decode(b64.as_bytes())
                    .map_err(|_| format!("line {line_no}: the DNSKEY public key is not base64"))?;
                if key.is_empty() {
                    return Err(format!("line {line_no}: the DNSKEY record has no key"));
                }
                out.push(AnchorRecord::Dnskey {
                    zone,
                    key: DNSKEY::with_flags(flags, PublicKeyBuf::new(key, Algorithm::from_u8(alg))),
                });
            }
            "" => return Err(format!("line {line_no}: a record without a type")),
            other => {
                return Err(format!(
                    "line {line_no}: {other} records are not trust anchors (use DS or DNSKEY)"
                ))
            }
        }
    }
    if out.is_empty() {
        return Err("no DS or DNSKEY record found".into());
    }
    Ok(out)
}

/// Zone-file text as logical lines (comments removed, parentheses joined), with the line number
/// each starts on.
fn logical_lines(text: &str) -> Result<Vec<(usize, String)>, String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    let mut depth = 0usize;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split(';').next().unwrap_or_default();
        if depth == 0 {
            start = i + 1;
        }
        for c in line.chars() {
            match c {
                '(' => {
                    depth += 1;
                    current.push(' ');
                }
                ')' => {
                    depth = depth
                        .checked_sub(1)
                        .ok_or_else(|| format!("line {}: ')' without '('", i + 1))?;
                    current.push(' ');
                }
                c => current.push(c),
            }
        }
        current.push(' ');
        if depth == 0 {
            if !current.trim().is_empty() {
                out.push((start, current.trim().to_string()));
            }
            current.clear();
        }
    }
    if depth != 0 {
        return Err(format!("line {start}: '(' is never closed"));
    }
    Ok(out)
}

impl Validator {
    /// A validator that asks `servers` (the run's resolver) with the CD bit, trusting the root
    /// keys and `anchors`. DS anchors are turned into the zone's DNSKEYs that match them, which
    /// are asked for once here.
    pub async fn new(
        servers: Vec<SocketAddr>,
        timeout: Duration,
        anchors: &[AnchorRecord],
    ) -> Result<Self, AnchorError> {
        let mut opts = ResolverOpts::default();
        opts.timeout = (timeout / 2).max(Duration::from_millis(250));
        opts.attempts = 2;
        opts.edns0 = true;
        let configs: Vec<NameServerConfig> = servers
            .iter()
            .map(|addr| {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                NameServerConfig::new(addr.ip(), true, vec![udp, tcp])
            })
            .collect();
        let tls = TlsConfig::new().map_err(|e| AnchorError(format!("DNS client: {e}")))?;
        let cx = Arc::new(PoolContext::new(opts, tls));
        let pool = NameServerPool::from_config(configs, cx, TokioRuntimeProvider::default());
        let raw = CheckingDisabled(pool);

        let mut trust = TrustAnchors::default();
        let mut zones: Vec<&Name> = anchors.iter().map(AnchorRecord::zone).collect();
        zones.dedup();
        for zone in zones {
            let of_zone: Vec<&AnchorRecord> = anchors.iter().filter(|a| a.zone() == zone).collect();
            let keys = anchored_keys(&raw, zone, &of_zone, timeout).await?;
            for k in keys {
                trust.insert_with_name(k.public_key(), LowerName::from(zone));
            }
        }
        let mut validator = Self {
            handle: DnssecDnsHandle::with_trust_anchor(raw, Arc::new(trust)),
            servers,
            timeout,
            anchored: anchors.iter().map(|a| a.zone().clone()).collect(),
            root_usable: true,
        };
        validator.root_usable =
            validator.query(".", RecordType::DNSKEY).await.state == DnssecState::Secure;
        Ok(validator)
    }

    /// Whether the root's keys validated through this resolver.
    pub fn root_usable(&self) -> bool {
        self.root_usable
    }

    /// Looks up `name`/`rtype` and validates the answer. Where the root is not usable and no
    /// anchor covers the name, nothing can be proven either way: a "bogus" there is only the
    /// missing root, so the state is indeterminate.
    pub async fn query(&self, name: &str, rtype: RecordType) -> Answer {
        let mut answer = self.validated(name, rtype).await;
        if answer.state == DnssecState::Bogus && answer.ede.is_none() {
            // A key or DS lookup that failed on the way makes hickory call the answer bogus; such
            // a proof is not cached, so one more try tells a broken zone from a lost packet.
            answer = self.validated(name, rtype).await;
        }
        if !self.root_usable
            && answer.state == DnssecState::Bogus
            && answer.ede.is_none()
            && !self.is_anchored(name)
        {
            answer.state = DnssecState::Indeterminate;
            answer.why = Some(format!(
                "DNSSEC cannot be checked for {}: the resolver does not serve the root zone's keys, and no --dnssec-anchor covers the name",
                name.trim_end_matches('.')
            ));
        }
        answer
    }

    fn is_anchored(&self, name: &str) -> bool {
        Name::from_ascii(fqdn(name))
            .map(|n| self.anchored.iter().any(|z| z.zone_of(&n)))
            .unwrap_or(false)
    }

    /// The validated answer, following a CNAME whose target has no records of the type: hickory
    /// checks such a denial against the queried name rather than the CNAME's target and calls it
    /// bogus, so the target is asked for directly and the states combined (at most 8 aliases).
    async fn validated(&self, name: &str, rtype: RecordType) -> Answer {
        let mut current = name.to_string();
        let mut aliases: Vec<String> = Vec::new();
        let mut alias_state = DnssecState::Secure;
        for _ in 0..8 {
            match self.validated_once(&current, rtype).await {
                Step::Alias { target, state } => {
                    alias_state = weakest(alias_state, state);
                    aliases.push(target.clone());
                    current = target;
                }
                Step::Done(mut answer) => {
                    if !aliases.is_empty() {
                        answer.state = weakest(answer.state, alias_state);
                        let mut cnames = aliases;
                        cnames.append(&mut answer.cnames);
                        answer.cnames = cnames;
                    }
                    return answer;
                }
            }
        }
        Answer::failed(
            format!("{rtype} lookup for {name}: more than 8 aliases (CNAME)"),
            None,
            DnssecState::Indeterminate,
        )
    }

    async fn validated_once(&self, name: &str, rtype: RecordType) -> Step {
        let mut answer = self.validated_answer(name, rtype).await;
        match answer.chase.take() {
            Some((target, state)) => Step::Alias { target, state },
            None => Step::Done(answer),
        }
    }

    async fn validated_answer(&self, name: &str, rtype: RecordType) -> Answer {
        let Ok(qname) = Name::from_ascii(fqdn(name)) else {
            return Answer::failed(
                format!("'{name}' is not a domain name"),
                None,
                DnssecState::Indeterminate,
            );
        };
        let query = Query::query(qname.clone(), rtype);
        let mut options = DnsRequestOptions::default();
        options.use_edns = true;
        options.edns_set_dnssec_ok = true;
        options.recursion_desired = true;
        let lookup = async {
            let mut stream = self.handle.lookup(query, options);
            stream.next().await
        };
        let result = match tokio::time::timeout(self.timeout, lookup).await {
            Err(_) => {
                return Answer::failed(
                    format!(
                        "{rtype} lookup for {name}: no answer within {} ms",
                        self.timeout.as_millis()
                    ),
                    None,
                    DnssecState::Indeterminate,
                )
            }
            Ok(None) => {
                return Answer::failed(
                    format!("{rtype} lookup for {name}: no answer"),
                    None,
                    DnssecState::Indeterminate,
                )
            }
            Ok(Some(r)) => r,
        };
        match result {
            Ok(message) => interpret(&qname, rtype, &message),
            Err(NetError::Dns(DnsError::Nsec {
                proof, response, ..
            })) => {
                // The name is an alias whose target has no such records: ask for the target.
                let alias = response.answers.iter().find_map(|r| match &r.data {
                    RData::CNAME(c) if r.name == qname => Some((c.0.clone(), state_of(r.proof))),
                    _ => None,
                });
                if let Some((target, cname_state)) = alias {
                    let mut a = Answer::failed(String::new(), None, cname_state);
                    a.chase = Some((
                        target.to_ascii().trim_end_matches('.').to_ascii_lowercase(),
                        cname_state,
                    ));
                    return a;
                }
                // A negative answer whose proof is not secure.
                let state = state_of(proof);
                let outcome = if response.response_code == ResponseCode::NXDomain {
                    Outcome::NxDomain
                } else {
                    Outcome::NoData
                };
                Answer {
                    state,
                    outcome,
                    records: vec![],
                    cnames: vec![],
                    ede: None,
                    why: (state != DnssecState::Insecure).then(|| {
                        format!("the proof that {name} has no {rtype} records does not validate ({proof})")
                    }),
                    chase: None,
                }
            }
            Err(NetError::Dns(DnsError::DnssecBogus)) => Answer::failed(
                format!("{rtype} lookup for {name}: DNSSEC validation failed"),
                None,
                DnssecState::Bogus,
            ),
            Err(e) => {
                let servfail = matches!(
                    &e,
                    NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail))
                );
                let text = describe(&e);
                if servfail {
                    // Ask once more without CD: a validating resolver may say why (RFC 8914).
                    let ede = self.extended_error(&qname, rtype).await;
                    if let Some(ede) = ede.clone().filter(|e| is_dnssec_ede(e.code)) {
                        return Answer::failed(
                            format!(
                                "{rtype} lookup for {name}: the resolver answered SERVFAIL with Extended DNS Error {} ({})",
                                ede.code,
                                ede_name(ede.code)
                            ),
                            Some(ede),
                            DnssecState::Bogus,
                        );
                    }
                    return Answer::failed(
                        format!("{rtype} lookup for {name}: {text}"),
                        ede,
                        DnssecState::Indeterminate,
                    );
                }
                Answer::failed(
                    format!("{rtype} lookup for {name}: {text}"),
                    None,
                    DnssecState::Indeterminate,
                )
            }
        }
    }

    /// One plain query (RD, DO, no CD) straight to the resolver over UDP, read for an Extended
    /// DNS Error. Bounded by the phase timeout and a 4 KiB datagram.
    async fn extended_error(&self, name: &Name, rtype: RecordType) -> Option<ExtendedDnsError> {
        let server = *self.servers.first()?;
        let mut msg = Message::query();
        msg.add_query(Query::query(name.clone(), rtype));
        msg.metadata.recursion_desired = true;
        msg.metadata.id = rand_id();
        let mut edns = Edns::new();
        edns.set_max_payload(4096);
        edns.enable_dnssec();
        msg.edns = Some(edns);
        let bytes = msg.to_vec().ok()?;
        let bind: SocketAddr = if server.is_ipv4() {
            SocketAddr::from(([0, 0, 0, 0], 0))
        } else {
            SocketAddr::from(([0u16; 8], 0))
        };
        let exchange = async {
            let socket = tokio::net::UdpSocket::bind(bind).await.ok()?;
            socket.connect(server).await.ok()?;
            socket.send(&bytes).await.ok()?;
            let mut buf = vec![0u8; 4096];
            loop {
                let n = socket.recv(&mut buf).await.ok()?;
                let reply = Message::from_vec(buf.get(..n)?).ok()?;
                if reply.metadata.id == msg.metadata.id {
                    return Some(reply);
                }
            }
        };
        let reply = tokio::time::timeout(self.timeout, exchange).await.ok()??;
        extended_error_of(&reply)
    }
}

/// The DNSKEY RRset of an anchored zone, once it is proven by the anchor: one of the zone's
/// keys matches a DS or DNSKEY anchor, and that key's signature over the whole DNSKEY RRset
/// verifies and is in its validity period. All the zone's keys are then trusted, so hickory's
/// validator stops at the zone instead of asking its parent for a DS record the anchor replaces.
async fn anchored_keys(
    handle: &CheckingDisabled,
    zone: &Name,
    anchors: &[&AnchorRecord],
    timeout: Duration,
) -> Result<Vec<DNSKEY>, AnchorError> {
    let query = Query::query(zone.clone(), RecordType::DNSKEY);
    let mut options = DnsRequestOptions::default();
    options.use_edns = true;
    options.edns_set_dnssec_ok = true;
    options.recursion_desired = true;
    let lookup = async { handle.lookup(query, options).next().await };
    let fail =
        |why: String| AnchorError(format!("the trust anchor for {zone} cannot be used: {why}"));
    let message = match tokio::time::timeout(timeout, lookup).await {
        Err(_) => {
            return Err(fail(format!(
                "its DNSKEY query got no answer within {} ms",
                timeout.as_millis()
            )))
        }
        Ok(None) => return Err(fail("its DNSKEY query got no answer".into())),
        Ok(Some(Err(e))) => return Err(fail(format!("its DNSKEY query failed: {}", describe(&e)))),
        Ok(Some(Ok(m))) => m,
    };
    let key_records: Vec<&Record> = message
        .answers
        .iter()
        .filter(|r| r.name == *zone && r.record_type() == RecordType::DNSKEY)
        .collect();
    let keys: Vec<DNSKEY> = key_records
        .iter()
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::DNSKEY(k)) => Some(k.clone()),
            _ => None,
        })
        .collect();
    if keys.is_empty() {
        return Err(fail("the zone publishes no DNSKEY records".into()));
    }
    let anchor_keys: Vec<&DNSKEY> = keys
        .iter()
        .filter(|k| {
            anchors.iter().any(|a| match a {
                AnchorRecord::Ds { ds, .. } => ds.covers(zone, k).unwrap_or(false),
                AnchorRecord::Dnskey { key, .. } => {
                    key.public_key().public_bytes() == k.public_key().public_bytes()
                        && key.algorithm() == k.algorithm()
                }
            })
        })
        .collect();
    if anchor_keys.is_empty() {
        return Err(fail(format!(
            "none of its {} DNSKEY records matches the anchor",
            keys.len()
        )));
    }
    let now = u32::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(u32::MAX);
    let signed = message.answers.iter().any(|r| {
        let RData::DNSSEC(DNSSECRData::RRSIG(sig)) = &r.data else {
            return false;
        };
        let input = sig.input();
        input.type_covered == RecordType::DNSKEY
            && r.name == *zone
            && input.sig_inception.get() <= now
            && now <= input.sig_expiration.get()
            && anchor_keys.iter().any(|k| {
                k.calculate_key_tag().ok() == Some(input.key_tag)
                    && k.verify_rrsig(zone, DNSClass::IN, sig, key_records.iter().copied())
                        .is_ok()
            })
    });
    if !signed {
        return Err(fail(
            "no valid, current signature by the anchor key covers the zone's DNSKEY records".into(),
        ));
    }
    Ok(keys)
}

/// The state and records of a validated (positive or secure negative) answer.
fn interpret(qname: &Name, rtype: RecordType, message: &Message) -> Answer {
    let mut cnames = Vec::new();
    let mut current = qname.clone();
    let mut used: Vec<&Record> = Vec::new();
    // Follow the CNAME chain inside the answer, bounded by the answer's size.
    for _ in 0..message.answers.len().max(1) {
        let next = message
            .answers
            .iter()
            .find(|r| r.name == current && matches!(r.data, RData::CNAME(_)));
        match next {
            Some(r) => {
                used.push(r);
                if let RData::CNAME(c) = &r.data {
                    current = c.0.clone();
                    cnames.push(c.0.to_ascii().trim_end_matches('.').to_ascii_lowercase());
                }
            }
            None => break,
        }
    }
    let records: Vec<&Record> = message
        .answers
        .iter()
        .filter(|r| r.record_type() == rtype && r.name == current)
        .collect();
    used.extend(records.iter().copied());
    let outcome = if !records.is_empty() {
        Outcome::Records
    } else if message.response_code == ResponseCode::NXDomain {
        Outcome::NxDomain
    } else {
        Outcome::NoData
    };
    let proofs: Vec<Proof> = if used.is_empty() {
        // A negative answer: the state of the denial (the SOA and NSEC/NSEC3 records).
        message.authorities.iter().map(|r| r.proof).collect()
    } else {
        used.iter().map(|r| r.proof).collect()
    };
    let state = combine(&proofs);
    let why = match state {
        DnssecState::Bogus => Some(format!(
            "{rtype} records of {} do not validate (a signature is missing, expired or wrong)",
            current.to_ascii().trim_end_matches('.')
        )),
        DnssecState::Indeterminate => Some(format!(
            "no trust anchor decides the {rtype} records of {}",
            current.to_ascii().trim_end_matches('.')
        )),
        _ => None,
    };
    Answer {
        state,
        outcome,
        records: records.iter().map(|r| r.data.clone()).collect(),
        cnames,
        ede: extended_error_of(message),
        why,
        chase: None,
    }
}

/// The weakest state among the records used: bogus, then indeterminate, then insecure.
fn combine(proofs: &[Proof]) -> DnssecState {
    if proofs.is_empty() {
        return DnssecState::Indeterminate;
    }
    let states: Vec<DnssecState> = proofs.iter().map(|p| state_of(*p)).collect();
    for worst in [
        DnssecState::Bogus,
        DnssecState::Indeterminate,
        DnssecState::Insecure,
    ] {
        if states.contains(&worst) {
            return worst;
        }
    }
    DnssecState::Secure
}

fn state_of(proof: Proof) -> DnssecState {
    match proof {
        Proof::Secure => DnssecState::Secure,
        Proof::Insecure => DnssecState::Insecure,
        Proof::Bogus => DnssecState::Bogus,
        _ => DnssecState::Indeterminate,
    }
}

/// The first Extended DNS Error option of a message (RFC 8914 §2: INFO-CODE, then UTF-8 text).
pub fn extended_error_of(message: &Message) -> Option<ExtendedDnsError> {
    let edns = message.edns.as_ref()?;
    edns.options()
        .as_ref()
        .iter()
        .find_map(|(_, opt)| match opt {
            EdnsOption::Unknown(15, data) => parse_ede(data),
            _ => None,
        })
}

/// An EDE option's data: two bytes of INFO-CODE and optional text (bounded, lossy UTF-8).
pub fn parse_ede(data: &[u8]) -> Option<ExtendedDnsError> {
    let code = u16::from_be_bytes([*data.first()?, *data.get(1)?]);
    let text = data
        .get(2..)
        .map(|t| String::from_utf8_lossy(t.get(..t.len().min(256)).unwrap_or_default()))
        .map(|t| t.trim_end_matches('\0').trim().to_string())
        .filter(|t| !t.is_empty());
    Some(ExtendedDnsError { code, text })
}

/// EDE codes that say DNSSEC validation failed (RFC 8914 §4: 6 DNSSEC Bogus, 7 Signature
/// Expired, 8 Signature Not Yet Valid, 9 DNSKEY Missing, 10 RRSIGs Missing, 11 No Zone Key Bit
/// Set, 12 NSEC Missing).
pub fn is_dnssec_ede(code: u16) -> bool {
    (6..=12).contains(&code)
}

/// The RFC 8914 name of an INFO-CODE.
pub fn ede_name(code: u16) -> &'static str {
    match code {
        0 => "Other Error",
        1 => "Unsupported DNSKEY Algorithm",
        2 => "Unsupported DS Digest Type",
        3 => "Stale Answer",
        4 => "Forged Answer",
        5 => "DNSSEC Indeterminate",
        6 => "DNSSEC Bogus",
        7 => "Signature Expired",
        8 => "Signature Not Yet Valid",
        9 => "DNSKEY Missing",
        10 => "RRSIGs Missing",
        11 => "No Zone Key Bit Set",
        12 => "NSEC Missing",
        13 => "Cached Error",
        14 => "Not Ready",
        15 => "Blocked",
        16 => "Censored",
        17 => "Filtered",
        18 => "Prohibited",
        19 => "Stale NXDomain Answer",
        20 => "Not Authoritative",
        21 => "Not Supported",
        22 => "No Reachable Authority",
        23 => "Network Error",
        24 => "Invalid Data",
        _ => "unassigned",
    }
}

fn describe(e: &NetError) -> String {
    match e {
        NetError::Timeout => "the resolver did not answer (timeout)".into(),
        NetError::Dns(DnsError::ResponseCode(code)) => format!("the resolver answered {code}"),
        NetError::Io(io) => format!("the resolver is unreachable ({io})"),
        NetError::NoConnections => "the resolver is unreachable".into(),
        other => other.to_string(),
    }
}

fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

fn rand_id() -> u16 {
    let mut b = [0u8; 2];
    // aws-lc-rs's system RNG; a fixed id would only make the EDE probe easier to spoof.
    let _ = aws_lc_rs::rand::fill(&mut b);
    u16::from_be_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_in_zone_file_syntax() {
        let text = "; lab anchor\n\
            sec.test. 3600 IN DS 43853 13 2 7dd9005fa9472f51223a4c06e77cf5123e396d343ecaec5d3c6e1376dc673944\n\
            sec.test. IN DNSKEY 257 3 13 ( mdsswUyr3DPW132mOi8V9xESWE8jTo0d\n\
              xCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ== ) ; KSK\n";
        let a = parse_anchors(text).unwrap();
        assert_eq!(a.len(), 2);
        assert!(
            matches!(&a[0], AnchorRecord::Ds { ds, zone } if ds.key_tag() == 43853 && zone.to_ascii() == "sec.test.")
        );
        assert!(
            matches!(&a[1], AnchorRecord::Dnskey { key, .. } if key.flags() == 257 && key.public_key().public_bytes().len() == 64)
        );
    }

    #[test]
    fn anchor_file_errors_are_plain() {
        for (text, want) in [
            ("", "no DS or DNSKEY"),
            ("sec.test. IN A 192.0.2.1", "not trust anchors"),
            ("sec.test IN DS 1 13 2 aabb", "final dot"),
            ("sec.test. IN DS 1 13 2 zz", "not hexadecimal"),
            ("sec.test. IN DS 1 13 9 aabb", "digest type 9"),
            ("sec.test. IN DNSKEY 257 3 13 (abc", "never closed"),
            ("sec.test. IN DNSKEY 257 3 13 !!!", "not base64"),
            ("$ORIGIN sec.test.", "directives"),
            ("sec.test. IN DS 99999 13 2 aa", "out of range"),
        ] {
            let e = parse_anchors(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn ede_option_data() {
        assert_eq!(
            parse_ede(&[0, 6, b'b', b'a', b'd']),
            Some(ExtendedDnsError {
                code: 6,
                text: Some("bad".into())
            })
        );
        assert_eq!(
            parse_ede(&[0, 22]),
            Some(ExtendedDnsError {
                code: 22,
                text: None
            })
        );
        assert_eq!(parse_ede(&[0]), None);
        assert!(is_dnssec_ede(6) && is_dnssec_ede(12) && !is_dnssec_ede(22) && !is_dnssec_ede(5));
        assert_eq!(ede_name(6), "DNSSEC Bogus");
    }

    #[test]
    fn weakest_state_wins() {
        assert_eq!(
            combine(&[Proof::Secure, Proof::Secure]),
            DnssecState::Secure
        );
        assert_eq!(
            combine(&[Proof::Secure, Proof::Insecure]),
            DnssecState::Insecure
        );
        assert_eq!(
            combine(&[Proof::Insecure, Proof::Bogus]),
            DnssecState::Bogus
        );
        assert_eq!(
            combine(&[Proof::Secure, Proof::Indeterminate]),
            DnssecState::Indeterminate
        );
        assert_eq!(combine(&[]), DnssecState::Indeterminate);
    }
}
