//! The demo's mail servers: one small SMTP server per demo MX host, each a task on the run's
//! runtime, stopped when its [`MailServer`] is dropped.
//!
//! Each speaks the part of SMTP a TLS check uses (RFC 5321 greeting, EHLO/HELO, MAIL (accepted; RCPT never), NOOP, RSET,
//! QUIT; RFC 3207 STARTTLS) and misbehaves only as its [`Mode`] says. They listen on loopback
//! only, yet read like any server: every command line and TLS record is bounded in size, every
//! read in time, every connection in length, and each server holds a bounded number of
//! connections at once. Bytes a client sends after STARTTLS and before the handshake are thrown
//! away, never fed to TLS.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;

use super::legacy::LegacyTls;

/// Longest command line read, CRLF included (RFC 5321 §4.5.3.1.4 allows 512 octets).
const MAX_COMMAND_LINE: usize = 1024;
/// Largest ClientHello record read by the TLS 1.0/1.1 server (one record, RFC 5246 §6.2.1).
const MAX_HELLO_RECORD: usize = 16384 + 2048;
/// Most bytes read (and dropped) after the TLS 1.0/1.1 server's first flight.
const MAX_AFTER_FLIGHT: u64 = 64 * 1024;
/// Longest wait for one command or TLS record.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a connection may last.
const CONNECTION_TIME: Duration = Duration::from_secs(60);
/// Most connections one server holds at once (a demo run opens about 3 per server at a time);
/// one more is closed at once.
const MAX_CONNECTIONS: usize = 32;

/// How a demo mail server behaves.
pub enum Mode {
    /// Offers STARTTLS; rustls serves the TLS with this configuration.
    Starttls(Arc<rustls::ServerConfig>),
    /// Offers STARTTLS; then speaks only TLS 1.0/1.1 ([`LegacyTls`]).
    LegacyTls(Arc<LegacyTls>),
    /// No STARTTLS in the EHLO reply: plaintext only.
    Plaintext,
    /// Greets with `421 4.7.0 ... Too many connections` and closes, as busy mail hosts do.
    Throttled,
}

/// A running demo mail server; it stops, with its connections, when dropped.
pub struct MailServer {
    task: JoinHandle<()>,
}

impl Drop for MailServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Server {
    /// The host name in the greeting and the EHLO reply.
    name: String,
    mode: Mode,
    acceptor: Option<TlsAcceptor>,
}

/// Serves `listener` (bound, not yet registered with tokio) as the mail host `name`. Must be
/// called inside the runtime.
pub fn spawn(listener: std::net::TcpListener, name: &str, mode: Mode) -> io::Result<MailServer> {
    listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(listener)?;
    let acceptor = match &mode {
        Mode::Starttls(config) => Some(TlsAcceptor::from(config.clone())),
        _ => None,
    };
    let server = Arc::new(Server {
        name: name.to_string(),
        mode,
        acceptor,
    });
    Ok(MailServer {
        task: tokio::spawn(accept(listener, server)),
    })
}

async fn accept(listener: TcpListener, server: Arc<Server>) {
    // Dropping this future (the server stopping) drops the set, which aborts the connections.
    let mut connections = JoinSet::new();
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            // Out of file descriptors, say: back off rather than spin.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        while connections.try_join_next().is_some() {}
        if connections.len() >= MAX_CONNECTIONS {
            continue;
        }
        let server = server.clone();
        connections.spawn(async move {
            let _ = tcp.set_nodelay(true);
            let _ = timeout(CONNECTION_TIME, session(tcp, &server)).await;
        });
    }
}

/// One connection: greeting, commands, and after STARTTLS the TLS of the server's mode.
async fn session(tcp: TcpStream, server: &Server) -> io::Result<()> {
    let mut plain = BufReader::new(tcp);
    if let Mode::Throttled = server.mode {
        let text = format!(
            "421 4.7.0 {} Too many connections, try again later",
            server.name
        );
        return reply(&mut plain, &text).await;
    }
    let greeting = format!(
        "220 {} ESMTP tlscheck demo server (simulated, on loopback)",
        server.name
    );
    reply(&mut plain, &greeting).await?;
    if !commands(&mut plain, server, false).await? {
        return Ok(());
    }
    // Whatever the client pipelined after STARTTLS stays in the buffer and is dropped here.
    let tcp = plain.into_inner();
    match (&server.mode, &server.acceptor) {
        (Mode::LegacyTls(legacy), _) => legacy_tls(tcp, legacy).await,
        (_, Some(acceptor)) => {
            let tls = timeout(READ_TIMEOUT, acceptor.accept(tcp)).await??;
            commands(&mut BufReader::new(tls), server, true).await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The command loop; `true` when STARTTLS was accepted and TLS is to start.
async fn commands<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut BufReader<S>,
    server: &Server,
    in_tls: bool,
) -> io::Result<bool> {
    let offers_starttls = !in_tls && matches!(server.mode, Mode::Starttls(_) | Mode::LegacyTls(_));
    let mut line = Vec::with_capacity(128);
    loop {
        line.clear();
        let read = {
            let mut limited = (&mut *stream).take(MAX_COMMAND_LINE as u64);
            timeout(READ_TIMEOUT, limited.read_until(b'\n', &mut line)).await??
        };
        if read == 0 {
            return Ok(false);
        }
        if !line.ends_with(b"\n") {
            // Too long, or the client left mid-line.
            if line.len() >= MAX_COMMAND_LINE {
                reply(stream, "500 5.5.2 Line too long").await?;
            }
            return Ok(false);
        }
        let text = String::from_utf8_lossy(&line);
        let verb = text
            .split_ascii_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => reply(stream, &ehlo_reply(&server.name, offers_starttls)).await?,
            "HELO" => reply(stream, &format!("250 {}", server.name)).await?,
            "STARTTLS" if offers_starttls => {
                reply(stream, "220 2.0.0 Ready to start TLS").await?;
                return Ok(true);
            }
            "NOOP" | "RSET" => reply(stream, "250 2.0.0 Ok").await?,
            "QUIT" => {
                reply(stream, "221 2.0.0 Bye").await?;
                // Inside TLS this sends close_notify.
                let _ = stream.shutdown().await;
                return Ok(false);
            }
            // The sender is accepted, as a real server at `may` would (tlscheck's MAIL probe
            // reads it as opportunistic TLS); no recipient ever is.
            "MAIL" => reply(stream, "250 2.1.0 Ok").await?,
            "RCPT" | "DATA" => reply(stream, "554 5.7.1 This demo server takes no mail").await?,
            _ => reply(stream, "502 5.5.1 Command not implemented").await?,
        }
    }
}

fn ehlo_reply(name: &str, starttls: bool) -> String {
    let mut keywords = vec!["PIPELINING", "SIZE 36700160"];
    if starttls {
        keywords.push("STARTTLS");
    }
    keywords.extend(["ENHANCEDSTATUSCODES", "8BITMIME"]);
    let mut lines = vec![format!("250-{name}")];
    let last = keywords.len().saturating_sub(1);
    for (i, k) in keywords.iter().enumerate() {
        lines.push(format!("250{}{k}", if i == last { ' ' } else { '-' }));
    }
    lines.join("\r\n")
}

/// Writes one reply (its lines joined by CRLF) and the final CRLF.
async fn reply<W: AsyncWrite + Unpin>(w: &mut W, text: &str) -> io::Result<()> {
    w.write_all(format!("{text}\r\n").as_bytes()).await?;
    w.flush().await
}

/// The TLS 1.0/1.1-only server after STARTTLS: reads one ClientHello record, answers with the
/// first flight or an alert, then waits (bounded) for the client to hang up.
async fn legacy_tls(mut tcp: TcpStream, legacy: &LegacyTls) -> io::Result<()> {
    let mut header = [0u8; 5];
    timeout(READ_TIMEOUT, tcp.read_exact(&mut header)).await??;
    let [_, _, _, hi, lo] = header;
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    let mut record = header.to_vec();
    if len <= MAX_HELLO_RECORD {
        record.resize(5 + len, 0);
        if let Some(body) = record.get_mut(5..) {
            timeout(READ_TIMEOUT, tcp.read_exact(body)).await??;
        }
    }
    // An oversized record is answered as undecodable (the header alone does not parse).
    tcp.write_all(&legacy.answer(&record)).await?;
    tcp.flush().await?;
    let mut rest = (&mut tcp).take(MAX_AFTER_FLIGHT);
    let _ = timeout(
        READ_TIMEOUT,
        tokio::io::copy(&mut rest, &mut tokio::io::sink()),
    )
    .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ehlo_reply_lists_starttls_only_when_offered() {
        let with = ehlo_reply("mx.a.example", true);
        assert_eq!(
            with,
            "250-mx.a.example\r\n250-PIPELINING\r\n250-SIZE 36700160\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME"
        );
        assert!(!ehlo_reply("mx.a.example", false).contains("STARTTLS"));
    }

    #[tokio::test]
    async fn a_long_line_is_refused_and_the_connection_closed() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let _server = spawn(listener, "mx.a.example", Mode::Plaintext).unwrap();
        let mut c = TcpStream::connect(addr).await.unwrap();
        // Exactly as much as the server reads: no unread byte turns its close into a reset.
        c.write_all(&[b'A'; MAX_COMMAND_LINE]).await.unwrap();
        let mut got = Vec::new();
        let _ = timeout(Duration::from_secs(5), c.read_to_end(&mut got)).await;
        let got = String::from_utf8_lossy(&got);
        assert!(got.starts_with("220 mx.a.example ESMTP"), "{got}");
        assert!(got.ends_with("500 5.5.2 Line too long\r\n"), "{got}");
    }
}
