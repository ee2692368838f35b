//! One SMTP session against one address: greeting -> EHLO -> STARTTLS -> TLS handshake -> EHLO
//! again -> QUIT (RFC 5321 §4.1, RFC 3207; the reply to QUIT is read off the critical path), or
//! TLS first for implicit TLS (RFC 8314, port 465).
//!
//! Every command waits for its reply (the one pipelined group is the MAIL question's, on a version
//! probe's connection, only where PIPELINING is advertised), every phase has its own deadline (the
//! per-phase timeout, never later than the whole-run deadline), and a 4xx/5xx reply ends the
//! session as a recorded outcome ([`Failure`] with the reply), not an `Err`: the caller always gets
//! a [`SessionResult`]. The plaintext EHLO keywords are kept for the report, but only the ones
//! received inside TLS describe the secured session (RFC 3207 §4.2).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use crate::net::{is_reset, smtp_reply_line, Sniff};
use crate::politeness::{ConnectError, Connection, ConnectionGate};
use crate::report::{ClientAuth, Failure, SmtpFacts, Timings};
use crate::smtp::extensions::Extensions;
use crate::smtp::reply::{Reply, ReplySummary};
use crate::smtp::stream::{SmtpStream, StreamError};
use crate::tls::client_auth::{ClientAuthSetup, ClientIdentity};
use crate::tls::handshake::{handshake, HandshakeError, Negotiated};
use crate::vocab::{FailureKind, Phase};

/// The name sent with EHLO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EhloName {
    /// A fully qualified name (`--ehlo`, or the machine's host name when it has a dot).
    Name(String),
    /// The address literal of our side of each connection, e.g. `[192.0.2.7]` (RFC 5321 §4.1.3),
    /// used when the machine has no fully qualified host name.
    LocalAddressLiteral,
}

impl EhloName {
    fn for_local(&self, local: Option<SocketAddr>) -> String {
        match (self, local) {
            (EhloName::Name(n), _) => n.clone(),
            (EhloName::LocalAddressLiteral, Some(SocketAddr::V4(a))) => format!("[{}]", a.ip()),
            (EhloName::LocalAddressLiteral, Some(SocketAddr::V6(a))) => {
                format!("[IPv6:{}]", a.ip())
            }
            (EhloName::LocalAddressLiteral, None) => "[127.0.0.1]".into(),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            EhloName::Name(n) => n.clone(),
            EhloName::LocalAddressLiteral => "[local address]".into(),
        }
    }
}

/// What the session is asked to do.
#[derive(Debug, Clone)]
pub struct SessionParams {
    pub addr: SocketAddr,
    /// The host name the address belongs to (SNI and name check); `None` for IP literals.
    pub host_name: Option<String>,
    pub ehlo: EhloName,
    pub implicit_tls: bool,
    pub phase_timeout: Duration,
    pub run_deadline: Instant,
    /// The client certificate to present when a server asks for one (`--client-cert`).
    pub client_identity: Option<ClientIdentity>,
    /// The run's per-IP connection slots: every connection of the session goes through it.
    pub gate: std::sync::Arc<ConnectionGate>,
    /// Send `host_name` as SNI (`--no-sni` turns it off; the name check still uses the name).
    pub sni: bool,
    /// Ask, before STARTTLS, whether the server takes `MAIL FROM:<>` in plaintext
    /// (`--no-mail-probe` turns it off). Only the TLS 1.2 version probe's connection asks
    /// ([`open_for_tls_asking_mail`]); the main session is given `false`.
    pub mail_probe: bool,
}

impl SessionParams {
    /// A fresh client-auth setup for one handshake of this session's kind.
    pub fn client_auth(&self) -> ClientAuthSetup {
        ClientAuthSetup::new(self.client_identity.as_ref())
    }

    /// The name for the rustls handshake: the host name (sent as SNI), or the address when there
    /// is none or with `--no-sni` (rustls sends no SNI for an address, RFC 6066 §3). The recording
    /// verifier ignores it; the name check uses `host_name`.
    pub fn server_name(&self) -> ServerName<'static> {
        self.sni_name()
            .and_then(|h| ServerName::try_from(h.to_string()).ok())
            .unwrap_or_else(|| ServerName::IpAddress(ip_of(self.addr.ip())))
    }

    /// The host name to send as SNI, if any: none for IP literals and with `--no-sni`.
    pub fn sni_name(&self) -> Option<&str> {
        self.host_name
            .as_deref()
            .filter(|_| self.sni)
            .filter(|h| h.parse::<IpAddr>().is_err())
    }
}

/// What the session observed.
#[derive(Debug, Default)]
pub struct SessionResult {
    pub smtp: SmtpFacts,
    pub negotiated: Option<Negotiated>,
    /// Present when the server asked for a client certificate or one was configured.
    pub client_auth: Option<ClientAuth>,
    pub timings: Timings,
    pub error: Option<Failure>,
    /// The TLS handshake failed because the server declined it (not a timeout, not a protocol
    /// violation): see [`HandshakeError::is_refusal`].
    pub handshake_refused: bool,
}

/// Runs the session. Never fails: every problem is recorded in the result. A copy of the
/// negotiated handshake goes to `on_chain` as soon as it completes, before the session goes on
/// (the sender is dropped unanswered when there is no handshake).
pub async fn run_session(
    p: &SessionParams,
    on_chain: Option<tokio::sync::oneshot::Sender<Negotiated>>,
) -> SessionResult {
    let mut s = Session {
        p,
        result: SessionResult::default(),
        started: Instant::now(),
        on_chain,
        quit_sent: false,
    };
    s.run().await;
    s.result.timings.total = Some(ms(s.started.elapsed()));
    // With client authentication, success means the server went on talking after the handshake
    // (TLS 1.3 servers reject a client certificate only after the client's Finished).
    let completed = s.result.negotiated.is_some()
        && s.result
            .error
            .as_ref()
            .is_none_or(|e| e.phase == Phase::Quit);
    if let Some(auth) = s.result.client_auth.as_mut() {
        if auth.accepted.is_none() {
            auth.accepted = Some(completed);
        }
    }
    s.result
}

/// Connects and runs the plaintext part (greeting, EHLO, STARTTLS) so the socket is ready for a
/// TLS ClientHello — for the extra version probes, which need no transcript. Implicit TLS returns
/// the socket right after connecting.
pub async fn open_for_tls(p: &SessionParams) -> Result<Connection, Failure> {
    open(p, false).await.0
}

/// What `MAIL FROM:<>` and `RSET` before STARTTLS told: the [`SmtpFacts`] fields they fill.
#[derive(Debug, Clone, Default)]
pub struct MailAnswer {
    pub tls_required: Option<bool>,
    pub mail_reply: Option<ReplySummary>,
    pub rset_reply: Option<ReplySummary>,
    pub lost: Option<String>,
}

impl MailAnswer {
    /// Into the address's SMTP facts.
    pub fn record(self, smtp: &mut SmtpFacts) {
        smtp.tls_required = self.tls_required;
        smtp.mail_reply = self.mail_reply;
        smtp.rset_reply = self.rset_reply;
        smtp.mail_probe_lost = self.lost;
    }
}

/// [`open_for_tls`], asking `MAIL FROM:<>` and `RSET` first when `p.mail_probe` (STARTTLS only).
/// The TLS 1.2 version probe's connection carries the question: it runs beside the main session
/// and is two round trips shorter, so the question costs no time. A server that drops the
/// connection over it is connected to again, without it, so the TLS 1.2 fact is still learnt.
pub async fn open_for_tls_asking_mail(
    p: &SessionParams,
) -> (Result<Connection, Failure>, Option<MailAnswer>) {
    let ask = p.mail_probe && !p.implicit_tls;
    let (opened, answer) = open(p, ask).await;
    match answer {
        Some(a) if a.lost.is_some() => (open_for_tls(p).await, Some(a)),
        answer => (opened, answer),
    }
}

/// The plaintext part on a new connection, asking the MAIL question when `ask_mail`; its answer
/// when it was asked (`lost` set when it cost the connection).
async fn open(
    p: &SessionParams,
    ask_mail: bool,
) -> (Result<Connection, Failure>, Option<MailAnswer>) {
    let mut s = Session {
        p,
        result: SessionResult::default(),
        started: Instant::now(),
        on_chain: None,
        quit_sent: false,
    };
    let failure = |s: Session<'_>, phase| {
        s.result.error.unwrap_or_else(|| {
            Failure::new(phase, FailureKind::Rejected, "STARTTLS is not offered")
        })
    };
    let Ok(tcp) = s.connect().await else {
        return (Err(failure(s, Phase::Connect)), None);
    };
    if p.implicit_tls {
        return (Ok(tcp), None);
    }
    let ehlo_name = p.ehlo.for_local(tcp.local_addr().ok());
    let mut stream = SmtpStream::new(tcp);
    let plain = s.plaintext_part(&mut stream, &ehlo_name, ask_mail).await;
    let answer = ask_mail.then(|| MailAnswer {
        tls_required: s.result.smtp.tls_required,
        mail_reply: s.result.smtp.mail_reply.take(),
        rset_reply: s.result.smtp.rset_reply.take(),
        lost: s.result.smtp.mail_probe_lost.take(),
    });
    if plain.is_err() {
        s.finish(stream);
        return (Err(failure(s, Phase::Starttls)), answer);
    }
    let ready = stream.into_tls_ready().map_err(|e| {
        Failure::new(
            Phase::Starttls,
            FailureKind::PlaintextInjection,
            e.to_string(),
        )
    });
    (ready, answer)
}

struct Session<'a> {
    p: &'a SessionParams,
    result: SessionResult,
    started: Instant,
    /// Told the negotiated chain the moment the handshake completes, so that revocation checks
    /// start while the session goes on (EHLO after TLS, QUIT).
    on_chain: Option<tokio::sync::oneshot::Sender<Negotiated>>,
    /// QUIT went out on the stream in use; [`Session::finish`] reads its reply in the background.
    quit_sent: bool,
}

/// How long a connection stays open after QUIT, in the background, for the server's reply.
const QUIT_LINGER: Duration = Duration::from_secs(2);

/// Marker: the session stopped; the reason is already in `result.error`.
struct Stop;

/// How the plaintext part ended, when it did not reach TLS.
enum Plain {
    /// The session stopped; the reason is in `result.error`.
    Stop(Stop),
    /// The MAIL probe lost the connection (why is in `result.smtp.mail_probe_lost`); no error is
    /// recorded, the session may start again without it.
    MailProbeLost,
}

impl From<Stop> for Plain {
    fn from(s: Stop) -> Self {
        Plain::Stop(s)
    }
}

/// Whether a reply to `MAIL FROM:<>` sent before STARTTLS says TLS is required: `Some(true)` for
/// 530 (RFC 3207 §4) and for any other 4xx/5xx whose text names STARTTLS or TLS (Exchange's
/// `451 5.7.3 STARTTLS is required to send mail`); `Some(false)` for 250; `None` for anything
/// else (421 closing, a refusal for another reason), which says nothing about TLS.
pub fn tls_required(reply: &Reply) -> Option<bool> {
    let code = reply.code.as_u16();
    if code == 250 {
        return Some(false);
    }
    if code == 530 {
        return Some(true);
    }
    if code == 421 || !(400..600).contains(&code) {
        return None;
    }
    let text = reply.text().to_ascii_uppercase();
    let names_tls = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == "TLS" || w == "STARTTLS");
    names_tls.then_some(true)
}

/// The server closed or reset the connection.
fn closed(e: &StreamError) -> bool {
    match e {
        StreamError::Closed => true,
        StreamError::Io(io) => is_reset(io) || io.kind() == std::io::ErrorKind::BrokenPipe,
        _ => false,
    }
}

/// A stream failure in a few words, for the MAIL probe's note.
fn stream_words(e: &StreamError) -> String {
    match e {
        StreamError::Timeout => "no complete reply in time".into(),
        StreamError::Closed => "the server closed the connection".into(),
        other => other.to_string(),
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Session<'_> {
    fn deadline(&self) -> (Instant, bool) {
        let phase = Instant::now() + self.p.phase_timeout;
        if phase >= self.p.run_deadline {
            (self.p.run_deadline, true)
        } else {
            (phase, false)
        }
    }

    fn fail(
        &mut self,
        phase: Phase,
        kind: FailureKind,
        message: String,
        reply: Option<&Reply>,
    ) -> Stop {
        self.result.error = Some(Failure {
            phase,
            kind,
            message,
            detail: None,
            reply: reply.map(ReplySummary::from),
        });
        Stop
    }

    fn stream_failure(&mut self, phase: Phase, e: StreamError, by_run_deadline: bool) -> Stop {
        let kind = match &e {
            StreamError::Timeout if by_run_deadline => FailureKind::Deadline,
            StreamError::Timeout => FailureKind::Timeout,
            StreamError::Closed => FailureKind::Closed,
            StreamError::Io(io) if is_reset(io) => FailureKind::Closed,
            StreamError::Io(_) => FailureKind::Io,
            StreamError::LineTooLong | StreamError::Reply(_) => FailureKind::Protocol,
            StreamError::PlaintextAfterStarttls(_) => FailureKind::PlaintextInjection,
        };
        let message = match kind {
            FailureKind::Timeout => format!("no complete reply within {:?}", self.p.phase_timeout),
            FailureKind::Deadline => "the run deadline passed before the reply was complete".into(),
            _ => e.to_string(),
        };
        self.fail(phase, kind, message, None)
    }

    async fn run(&mut self) {
        let Ok(tcp) = self.connect().await else {
            return;
        };
        let local = tcp.local_addr().ok();
        let ehlo_name = self.p.ehlo.for_local(local);
        if self.p.implicit_tls {
            // What came instead of TLS, if the handshake fails: a plaintext greeting means the
            // port speaks STARTTLS, not SMTPS.
            let sniff = Sniff::new(tcp);
            let seen = sniff.seen();
            let Ok((tls, _)) = self.tls(sniff, Vec::new(), 0).await else {
                self.plaintext_instead_of_tls(&seen);
                return;
            };
            let mut stream = SmtpStream::new(tls);
            if self.greeting(&mut stream).await.is_ok() {
                if let Ok(ext) = self.ehlo(&mut stream, &ehlo_name, Phase::Ehlo).await {
                    self.result.smtp.tls_ehlo_keywords = Some(ext.keywords());
                    self.result.smtp.starttls_offered = false;
                    self.quit(&mut stream).await;
                }
            }
            self.finish(stream);
            return;
        }

        let mut stream = SmtpStream::new(tcp);
        let mut outcome = self
            .plaintext_part(&mut stream, &ehlo_name, self.p.mail_probe)
            .await;
        if matches!(outcome, Err(Plain::MailProbeLost)) {
            // The extra step cost the connection: the TLS check still happens, on a new
            // connection without it (the first one's lines stay in the transcript). The old
            // connection is closed first, so it does not hold the address's connection slot.
            let (lines, dropped) = stream.take_transcript();
            drop(stream);
            let Ok(tcp) = self.connect().await else {
                self.result.smtp.transcript = lines;
                self.result.smtp.transcript_dropped = dropped;
                return;
            };
            stream = SmtpStream::with_transcript(tcp, lines, dropped);
            outcome = self.plaintext_part(&mut stream, &ehlo_name, false).await;
        }
        if outcome.is_err() {
            self.finish(stream);
            return;
        }
        let (transcript, dropped) = stream.take_transcript();
        let tcp = match stream.into_tls_ready() {
            Ok(tcp) => tcp,
            Err(e) => {
                self.result.smtp.transcript = transcript;
                self.result.smtp.transcript_dropped = dropped;
                self.stream_failure(Phase::Starttls, e, false);
                return;
            }
        };
        let Ok((tls, (transcript, dropped))) = self.tls(tcp, transcript, dropped).await else {
            return;
        };
        let mut stream = SmtpStream::with_transcript(tls, transcript, dropped);
        if let Ok(ext) = self.ehlo(&mut stream, &ehlo_name, Phase::TlsEhlo).await {
            self.result.smtp.tls_ehlo_keywords = Some(ext.keywords());
            self.quit(&mut stream).await;
        }
        self.finish(stream);
    }

    /// After a failed implicit-TLS handshake: when the server sent a plaintext SMTP reply, the
    /// port speaks SMTP with STARTTLS, and the failure says so.
    fn plaintext_instead_of_tls(&mut self, seen: &std::sync::Mutex<Vec<u8>>) {
        let line = match seen.lock() {
            Ok(bytes) => smtp_reply_line(&bytes),
            Err(poisoned) => smtp_reply_line(&poisoned.into_inner()),
        };
        let (Some(line), Some(error)) = (line, self.result.error.as_mut()) else {
            return;
        };
        error.kind = FailureKind::PlaintextSmtp;
        error.message = format!(
            "this port speaks SMTP with STARTTLS, not TLS at once: it answered the TLS ClientHello with a plaintext reply ({line})"
        );
    }

    fn keep_transcript<S: AsyncRead + AsyncWrite + Unpin>(&mut self, stream: &mut SmtpStream<S>) {
        let (mut lines, dropped) = stream.take_transcript();
        self.result.smtp.transcript.append(&mut lines);
        self.result.smtp.transcript_dropped += dropped;
    }

    /// Ends the session's use of `stream`: its transcript goes into the result and, when QUIT
    /// was sent, the connection stays open in the background for the reply (so the server, which
    /// closes after `221`, closes first) for at most [`QUIT_LINGER`] and never past the run
    /// deadline. Nothing waits for it: a run that ends sooner closes the connection.
    fn finish<S>(&mut self, mut stream: SmtpStream<S>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        self.keep_transcript(&mut stream);
        if std::mem::take(&mut self.quit_sent) {
            let until = (Instant::now() + QUIT_LINGER).min(self.p.run_deadline);
            tokio::spawn(async move {
                // The reply changes nothing; reading it only lets the server close first.
                let _ = stream.read_reply(until).await;
            });
        }
    }

    async fn connect(&mut self) -> Result<Connection, Stop> {
        let t0 = Instant::now();
        let (r, waited) = self
            .p
            .gate
            .connect(self.p.addr, self.p.run_deadline, self.p.phase_timeout)
            .await;
        if waited >= Duration::from_millis(1) {
            self.result.timings.queued = Some(ms(waited));
        }
        self.result.timings.connect = Some(ms(t0.elapsed().saturating_sub(waited)));
        let by_run = Instant::now() >= self.p.run_deadline;
        match r {
            Ok(s) => Ok(s),
            Err(ConnectError::Io(e)) => {
                let kind = match e.kind() {
                    std::io::ErrorKind::ConnectionRefused => FailureKind::Refused,
                    std::io::ErrorKind::NetworkUnreachable
                    | std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::AddrNotAvailable => FailureKind::Unreachable,
                    _ => FailureKind::Io,
                };
                Err(self.fail(
                    Phase::Connect,
                    kind,
                    format!("connect to {}: {e}", self.p.addr),
                    None,
                ))
            }
            Err(ConnectError::Queued) => {
                let gate = &self.p.gate;
                let msg = format!(
                    "the run deadline passed while waiting to connect to {} (at most {} connections at a time to one address{})",
                    self.p.addr.ip(),
                    gate.per_ip(),
                    if gate.delay().is_zero() {
                        String::new()
                    } else {
                        format!(", {:?} apart", gate.delay())
                    }
                );
                Err(self.fail(Phase::Connect, FailureKind::Deadline, msg, None))
            }
            Err(ConnectError::Timeout) => {
                let (kind, msg) = if by_run {
                    (
                        FailureKind::Deadline,
                        "the run deadline passed while connecting".to_string(),
                    )
                } else {
                    (
                        FailureKind::Timeout,
                        format!(
                            "no answer to the TCP connection within {:?}",
                            self.p.phase_timeout
                        ),
                    )
                };
                Err(self.fail(Phase::Connect, kind, msg, None))
            }
        }
    }

    /// Greeting, EHLO, the MAIL probe when `mail_probe`, and STARTTLS; `Ok` means the server said
    /// 220 to STARTTLS.
    async fn plaintext_part(
        &mut self,
        stream: &mut SmtpStream<Connection>,
        ehlo_name: &str,
        mail_probe: bool,
    ) -> Result<(), Plain> {
        self.greeting(stream).await?;
        let ext = self.ehlo(stream, ehlo_name, Phase::Ehlo).await?;
        self.result.smtp.ehlo_keywords = ext.keywords();
        self.result.smtp.starttls_offered = ext.starttls();
        // RFC 2920: MAIL and RSET may stand anywhere in a pipelined group, STARTTLS last (RFC
        // 3207 §4.2), so where PIPELINING is offered the MAIL question costs no round trip.
        let pipelined = mail_probe && ext.starttls() && ext.has("PIPELINING");
        if mail_probe {
            self.mail_probe(stream, pipelined).await?;
        }
        if !ext.starttls() {
            self.quit(stream).await;
            return Err(Plain::Stop(Stop));
        }
        let (deadline, by_run) = self.deadline();
        let t0 = Instant::now();
        let reply = if pipelined {
            stream.read_reply(deadline).await
        } else {
            match stream.send("STARTTLS", deadline).await {
                Ok(()) => stream.read_reply(deadline).await,
                Err(e) => Err(e),
            }
        };
        let reply = match reply {
            Ok(r) => r,
            // A server that hung up after the MAIL probe without saying so (no 421): the probe
            // cost the connection, not STARTTLS, which is tried again without it.
            Err(e) if mail_probe && closed(&e) => {
                self.result.smtp.mail_probe_lost = Some(format!(
                    "the connection was closed after MAIL and RSET, before STARTTLS: {}",
                    stream_words(&e)
                ));
                return Err(Plain::MailProbeLost);
            }
            Err(e) => return Err(self.stream_failure(Phase::Starttls, e, by_run).into()),
        };
        self.result.timings.starttls = Some(ms(t0.elapsed()));
        self.result.smtp.starttls_reply = Some(ReplySummary::from(&reply));
        if reply.code.as_u16() != 220 {
            let kind = if reply.is_throttle() {
                FailureKind::Throttled
            } else {
                FailureKind::Rejected
            };
            let msg = format!(
                "STARTTLS answered with {}",
                ReplySummary::from(&reply).text()
            );
            let stop = self.fail(Phase::Starttls, kind, msg, Some(&reply));
            if reply.code.as_u16() != 421 {
                self.quit(stream).await;
            }
            return Err(stop.into());
        }
        Ok(())
    }

    /// `MAIL FROM:<>` before STARTTLS, then `RSET` (never RCPT, never a message): does the
    /// server take mail in plaintext, or require TLS first (RFC 3207 §4, `530 5.7.0 Must issue a
    /// STARTTLS command first`)? One command at a time, or, when `pipelined` (the server offers
    /// PIPELINING and STARTTLS), MAIL, RSET and STARTTLS as one group whose STARTTLS reply the
    /// caller reads. Its outcome is information, never the session's error.
    /// `Err(Plain::MailProbeLost)` when the connection cannot carry on to STARTTLS (421, a
    /// timeout, a malformed reply, or the server closed it): the session then reconnects without
    /// this step.
    async fn mail_probe(
        &mut self,
        stream: &mut SmtpStream<Connection>,
        pipelined: bool,
    ) -> Result<(), Plain> {
        let lost = |s: &mut Self, why: String| {
            s.result.smtp.mail_probe_lost = Some(why);
            Err(Plain::MailProbeLost)
        };
        let (deadline, _) = self.deadline();
        let sent = if pipelined {
            stream
                .send_group(&["MAIL FROM:<>", "RSET", "STARTTLS"], deadline)
                .await
        } else {
            stream.send("MAIL FROM:<>", deadline).await
        };
        let reply = match sent {
            Ok(()) => stream.read_reply(deadline).await,
            Err(e) => Err(e),
        };
        let reply = match reply {
            Ok(r) => r,
            Err(e) => return lost(self, format!("MAIL FROM: {}", stream_words(&e))),
        };
        self.result.smtp.mail_reply = Some(ReplySummary::from(&reply));
        self.result.smtp.tls_required = tls_required(&reply);
        if reply.code.as_u16() == 421 {
            return lost(
                self,
                "MAIL FROM was answered 421: the server closes the connection".into(),
            );
        }
        let (deadline, _) = self.deadline();
        let sent = if pipelined {
            Ok(())
        } else {
            stream.send("RSET", deadline).await
        };
        let reply = match sent {
            Ok(()) => stream.read_reply(deadline).await,
            Err(e) => Err(e),
        };
        match reply {
            Ok(r) => {
                self.result.smtp.rset_reply = Some(ReplySummary::from(&r));
                if r.code.as_u16() == 421 {
                    return lost(
                        self,
                        "RSET was answered 421: the server closes the connection".into(),
                    );
                }
                Ok(())
            }
            Err(e) => lost(self, format!("RSET: {}", stream_words(&e))),
        }
    }

    async fn greeting<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        stream: &mut SmtpStream<S>,
    ) -> Result<(), Stop> {
        let (deadline, by_run) = self.deadline();
        let t0 = Instant::now();
        let reply = match stream.read_reply(deadline).await {
            Ok(r) => r,
            Err(e) => return Err(self.stream_failure(Phase::Greeting, e, by_run)),
        };
        self.result.timings.banner = Some(ms(t0.elapsed()));
        self.result.smtp.banner = Some(ReplySummary::from(&reply));
        if reply.code.as_u16() == 220 {
            return Ok(());
        }
        let kind = if reply.is_throttle() {
            FailureKind::Throttled
        } else {
            FailureKind::Rejected
        };
        let msg = format!("greeting was {}", ReplySummary::from(&reply).text());
        let stop = self.fail(Phase::Greeting, kind, msg, Some(&reply));
        // RFC 5321 §3.1: after a 554 greeting the client should QUIT; after 421 the server closes.
        if reply.code.as_u16() == 554 {
            self.quit(stream).await;
        }
        Err(stop)
    }

    async fn ehlo<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        stream: &mut SmtpStream<S>,
        name: &str,
        phase: Phase,
    ) -> Result<Extensions, Stop> {
        let (deadline, by_run) = self.deadline();
        let t0 = Instant::now();
        if let Err(e) = stream.send(&format!("EHLO {name}"), deadline).await {
            return Err(self.stream_failure(phase, e, by_run));
        }
        let reply = match stream.read_reply(deadline).await {
            Ok(r) => r,
            Err(e) => return Err(self.stream_failure(phase, e, by_run)),
        };
        if phase == Phase::Ehlo {
            self.result.timings.ehlo = Some(ms(t0.elapsed()));
            self.result.smtp.ehlo = Some(ReplySummary::from(&reply));
        }
        if reply.code.as_u16() != 250 {
            let kind = if reply.is_throttle() {
                FailureKind::Throttled
            } else {
                FailureKind::Rejected
            };
            let msg = format!("EHLO answered with {}", ReplySummary::from(&reply).text());
            let stop = self.fail(phase, kind, msg, Some(&reply));
            if reply.code.as_u16() != 421 {
                self.quit(stream).await;
            }
            return Err(stop);
        }
        Ok(Extensions::from_reply(&reply))
    }

    /// QUIT politely (RFC 5321 §4.1.1.10). Only the command is sent here: its reply changes
    /// nothing, so it is read off the critical path, after the result is complete
    /// ([`Session::finish`]).
    async fn quit<S: AsyncRead + AsyncWrite + Unpin>(&mut self, stream: &mut SmtpStream<S>) {
        let (deadline, _) = self.deadline();
        self.quit_sent = stream.send("QUIT", deadline).await.is_ok();
    }

    async fn tls<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        io: S,
        transcript: Vec<crate::report::TranscriptLine>,
        dropped: usize,
    ) -> Result<
        (
            tokio_rustls::client::TlsStream<S>,
            (Vec<crate::report::TranscriptLine>, usize),
        ),
        Stop,
    > {
        let server_name = self.p.server_name();
        let (deadline, by_run) = self.deadline();
        let t0 = Instant::now();
        let client = self.p.client_auth();
        let r = handshake(io, server_name, deadline, &client).await;
        self.result.timings.handshake = Some(ms(t0.elapsed()));
        let requested = client.requested();
        if requested.is_some() || self.p.client_identity.is_some() {
            self.result.client_auth = Some(ClientAuth {
                requested: requested.is_some(),
                presented: match (&requested, &self.p.client_identity) {
                    (Some(_), Some(id)) => Some(id.subject.clone()),
                    _ => None,
                },
                ca_names: requested.map(|r| r.ca_names).unwrap_or_default(),
                accepted: r.is_err().then_some(false),
            });
        }
        match r {
            Ok((stream, negotiated)) => {
                if let Some(tx) = self.on_chain.take() {
                    // The receiver may be gone (nothing to check): that is not an error.
                    let _ = tx.send(negotiated.clone());
                }
                self.result.negotiated = Some(negotiated);
                Ok((stream, (transcript, dropped)))
            }
            Err(e) => {
                self.result.smtp.transcript = transcript;
                self.result.smtp.transcript_dropped = dropped;
                self.result.handshake_refused = e.is_refusal();
                let kind = match &e {
                    HandshakeError::Timeout if by_run => FailureKind::Deadline,
                    HandshakeError::Timeout => FailureKind::Timeout,
                    HandshakeError::Failed(io) if is_reset(io) => FailureKind::Closed,
                    _ => FailureKind::Tls,
                };
                let stop = self.fail(Phase::Handshake, kind, e.to_string(), None);
                if let Some(f) = self.result.error.as_mut() {
                    f.detail = e.detail();
                }
                Err(stop)
            }
        }
    }
}

fn ip_of(ip: IpAddr) -> rustls_pki_types::IpAddr {
    rustls_pki_types::IpAddr::from(ip)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::reply::ReplyParser;

    fn reply(line: &str) -> Reply {
        ReplyParser::new().push_line(line).unwrap().unwrap()
    }

    #[test]
    fn which_replies_to_mail_say_tls_is_required() {
        let required = |l: &str| tls_required(&reply(l));
        assert_eq!(
            required("530 5.7.0 Must issue a STARTTLS command first"),
            Some(true)
        );
        assert_eq!(required("530 Authentication required"), Some(true));
        assert_eq!(
            required("451 5.7.3 STARTTLS is required to send mail"),
            Some(true)
        );
        assert_eq!(required("554 5.7.1 TLS required"), Some(true));
        assert_eq!(required("250 2.1.0 Ok"), Some(false));
        assert_eq!(required("421 4.7.0 TLS busy, closing"), None);
        assert_eq!(required("550 5.7.1 Client host rejected"), None);
        // "TLS" as a word, not inside another one.
        assert_eq!(required("550 5.7.1 ATLSX policy"), None);
        assert_eq!(required("354 go ahead"), None);
    }
}
