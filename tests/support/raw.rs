//! A raw TCP server whose every connection runs a test-supplied script: the hostile servers of
//! `tests/hostile.rs` (silence, dripping, endless replies, injection after STARTTLS, garbage
//! instead of TLS, resets). Helpers speak just enough SMTP to bring a client to the point where
//! the script misbehaves.

use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::runner::Runner;

/// A running raw server; it stops (and drops its connections) when dropped.
pub struct RawServer {
    pub addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    _runner: Runner,
}

impl RawServer {
    /// Binds `bind` and runs `script` for every accepted connection, on a thread of its own.
    pub fn start_blocking<F, Fut>(bind: SocketAddr, script: F) -> io::Result<RawServer>
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = StdTcpListener::bind(bind)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let runner = Runner::thread("test-raw", move || async move {
            let listener = TcpListener::from_std(listener).expect("register listener");
            let mut tasks = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                tasks.spawn(script(stream));
                while tasks.try_join_next().is_some() {}
            }
        });
        Ok(RawServer {
            addr,
            connections,
            _runner: runner,
        })
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Reads one line (up to LF, at most 4 KiB); `None` at EOF or error.
pub async fn read_line(s: &mut TcpStream) -> Option<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.len() < 4096 {
        match s.read(&mut byte).await {
            Ok(1) => {
                line.push(byte[0]);
                if byte[0] == b'\n' {
                    return Some(String::from_utf8_lossy(&line).trim_end().to_string());
                }
            }
            _ => return None,
        }
    }
    None
}

/// Writes `bytes`, ignoring errors (the client may have hung up, which is the point).
pub async fn send(s: &mut TcpStream, bytes: &[u8]) {
    let _ = s.write_all(bytes).await;
    let _ = s.flush().await;
}

/// Greets, answers EHLO with `ehlo_reply` (the full wire text) and returns once the client sent
/// STARTTLS, without answering it. `false` when the client quit or hung up first.
pub async fn until_starttls(s: &mut TcpStream, greeting: &[u8], ehlo_reply: &[u8]) -> bool {
    send(s, greeting).await;
    while let Some(cmd) = read_line(s).await {
        let verb = cmd
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => send(s, ehlo_reply).await,
            "STARTTLS" => return true,
            "QUIT" => {
                send(s, b"221 2.0.0 Bye\r\n").await;
                return false;
            }
            _ => send(s, b"502 5.5.2 Not implemented\r\n").await,
        }
    }
    false
}

/// The usual preamble: a normal greeting and an EHLO reply offering STARTTLS.
pub async fn standard_until_starttls(s: &mut TcpStream) -> bool {
    until_starttls(
        s,
        b"220 hostile.test ESMTP\r\n",
        b"250-hostile.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
    )
    .await
}

/// Script: keeps the connection open (and silent) until the client goes away.
pub async fn hold(mut s: TcpStream) {
    drain(&mut s, usize::MAX).await;
}

/// Script: greets normally, then answers the first command (EHLO) with `250-PIPELINING` forever.
pub async fn endless_ehlo(mut s: TcpStream) {
    send(&mut s, b"220 hostile.test ESMTP\r\n").await;
    if read_line(&mut s).await.is_none() {
        return;
    }
    loop {
        if s.write_all(b"250-PIPELINING\r\n").await.is_err() {
            return;
        }
    }
}

/// Reads and discards whatever the client sends until it hangs up (or `limit` bytes); returns
/// how many bytes arrived.
pub async fn drain(s: &mut TcpStream, limit: usize) -> usize {
    let mut total = 0;
    let mut buf = [0u8; 4096];
    while total < limit {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
    total
}
