//! A buffered SMTP command writer and reply reader with hard limits.
//!
//! Every read is bounded by [`MAX_REPLY_LINE`] per line and by the reply parser's line and byte
//! limits, and every await by a deadline given by the caller, so a silent, slow or endless server
//! ends the phase with a [`StreamError`] instead of a hang. The stream keeps a bounded transcript.
//! [`SmtpStream::into_tls_ready`] refuses to hand the socket to TLS when the server sent bytes
//! after its `220` to STARTTLS: such bytes would be read as if they came over TLS (the STARTTLS
//! command-injection class of bugs, CVE-2011-0411 and relatives).

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{timeout_at, Instant};

use crate::limits::{MAX_REPLY_LINE, MAX_TRANSCRIPT_BYTES, MAX_TRANSCRIPT_LINES};
use crate::report::TranscriptLine;
use crate::smtp::reply::{Reply, ReplyError, ReplyParser};
use crate::vocab::Direction;

/// Why reading or writing failed. Transport failures apart from protocol failures.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("timed out")]
    Timeout,
    #[error("connection closed by the server")]
    Closed,
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("reply line longer than {MAX_REPLY_LINE} bytes")]
    LineTooLong,
    #[error("malformed reply: {0}")]
    Reply(#[from] ReplyError),
    #[error(
        "server sent {0} bytes of plaintext after its 220 to STARTTLS (command injection risk)"
    )]
    PlaintextAfterStarttls(usize),
}

/// Read buffer size per `read` call; lines are assembled from these chunks.
const READ_CHUNK: usize = 4096;

pub struct SmtpStream<S> {
    inner: S,
    buf: Vec<u8>,
    transcript: Vec<TranscriptLine>,
    /// Bytes of line text in `transcript`.
    transcript_bytes: usize,
    transcript_dropped: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin> SmtpStream<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            buf: Vec::new(),
            transcript: Vec::new(),
            transcript_bytes: 0,
            transcript_dropped: 0,
        }
    }

    /// Continues on a new transport (after the TLS handshake) with the same transcript.
    pub fn with_transcript(inner: S, transcript: Vec<TranscriptLine>, dropped: usize) -> Self {
        Self {
            inner,
            buf: Vec::new(),
            transcript_bytes: transcript.iter().map(|l| l.line.len()).sum(),
            transcript,
            transcript_dropped: dropped,
        }
    }

    fn record(&mut self, dir: Direction, line: String) {
        if self.transcript.len() < MAX_TRANSCRIPT_LINES
            && self.transcript_bytes.saturating_add(line.len()) <= MAX_TRANSCRIPT_BYTES
        {
            self.transcript_bytes += line.len();
            self.transcript.push(TranscriptLine { dir, line });
        } else {
            self.transcript_dropped += 1;
        }
    }

    /// Takes the transcript (and the count of lines dropped past the limit).
    pub fn take_transcript(&mut self) -> (Vec<TranscriptLine>, usize) {
        self.transcript_bytes = 0;
        (
            std::mem::take(&mut self.transcript),
            self.transcript_dropped,
        )
    }

    /// Sends one command line (CRLF appended) before `deadline`.
    pub async fn send(&mut self, command: &str, deadline: Instant) -> Result<(), StreamError> {
        self.send_group(&[command], deadline).await
    }

    /// Sends several command lines in one write (an RFC 2920 pipelined group: only for a server
    /// that advertised PIPELINING, and with the group's last command one of those that may end
    /// a group). Each is recorded in the transcript as it is sent.
    pub async fn send_group(
        &mut self,
        commands: &[&str],
        deadline: Instant,
    ) -> Result<(), StreamError> {
        let mut line = Vec::new();
        for command in commands {
            self.record(Direction::Client, (*command).to_string());
            line.extend_from_slice(command.as_bytes());
            line.extend_from_slice(b"\r\n");
        }
        let write = async {
            self.inner.write_all(&line).await?;
            self.inner.flush().await
        };
        match timeout_at(deadline, write).await {
            Ok(r) => r.map_err(StreamError::from),
            Err(_) => Err(StreamError::Timeout),
        }
    }

    /// Reads one complete reply before `deadline` (the deadline covers the whole reply, so a
    /// server dripping bytes cannot extend it).
    pub async fn read_reply(&mut self, deadline: Instant) -> Result<Reply, StreamError> {
        let mut parser = ReplyParser::new();
        loop {
            let line = self.read_line(deadline).await?;
            let text = String::from_utf8_lossy(&line).into_owned();
            self.record(Direction::Server, text.clone());
            if let Some(reply) = parser.push_line(&text)? {
                return Ok(reply);
            }
        }
    }

    /// One line without its line ending; lenient about a bare LF, strict about length.
    async fn read_line(&mut self, deadline: Instant) -> Result<Vec<u8>, StreamError> {
        loop {
            if let Some(line) = take_line(&mut self.buf)? {
                return Ok(line);
            }
            let mut chunk = [0u8; READ_CHUNK];
            let n = match timeout_at(deadline, self.inner.read(&mut chunk)).await {
                Ok(r) => r?,
                Err(_) => return Err(StreamError::Timeout),
            };
            if n == 0 {
                return Err(StreamError::Closed);
            }
            self.buf
                .extend_from_slice(chunk.get(..n).unwrap_or_default());
        }
    }

    /// Hands the transport over for the TLS handshake, refusing if plaintext is still buffered.
    /// Take the transcript first: it is dropped with the stream.
    pub fn into_tls_ready(self) -> Result<S, StreamError> {
        if !self.buf.is_empty() {
            return Err(StreamError::PlaintextAfterStarttls(self.buf.len()));
        }
        Ok(self.inner)
    }

    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }
}

/// Takes the first complete line (without CR LF or bare LF) out of `buf`; `Ok(None)` when more
/// bytes are needed. A line, or an unfinished one, longer than [`MAX_REPLY_LINE`] is an error, so
/// the buffer never holds more than one read past that limit. Pure, for the fuzz targets.
pub fn take_line(buf: &mut Vec<u8>) -> Result<Option<Vec<u8>>, StreamError> {
    match buf.iter().position(|&b| b == b'\n') {
        Some(pos) if pos + 1 > MAX_REPLY_LINE => Err(StreamError::LineTooLong),
        Some(pos) => {
            let mut line: Vec<u8> = buf.drain(..=pos).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            Ok(Some(line))
        }
        None if buf.len() >= MAX_REPLY_LINE => Err(StreamError::LineTooLong),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::duplex;

    fn later() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    #[tokio::test]
    async fn reads_multiline_reply_split_across_chunks() {
        let (client, mut server) = duplex(64);
        let mut s = SmtpStream::new(client);
        tokio::spawn(async move {
            server.write_all(b"250-mx Hello\r\n250-STA").await.unwrap();
            server.write_all(b"RTTLS\r\n250 SIZE 1\r\n").await.unwrap();
        });
        let r = s.read_reply(later()).await.unwrap();
        assert_eq!(r.lines, vec!["mx Hello", "STARTTLS", "SIZE 1"]);
        let (t, dropped) = s.take_transcript();
        assert_eq!(t.len(), 3);
        assert_eq!(dropped, 0);
    }

    #[tokio::test]
    async fn transcript_is_bounded_in_bytes() {
        let (client, mut server) = duplex(1 << 16);
        let mut s = SmtpStream::new(client);
        let line = format!("250-{}\r\n", "x".repeat(600));
        tokio::spawn(async move {
            for _ in 0..60 {
                server.write_all(line.as_bytes()).await.unwrap();
            }
            server.write_all(b"250 end\r\n").await.unwrap();
        });
        s.read_reply(later()).await.unwrap();
        let (t, dropped) = s.take_transcript();
        let bytes: usize = t.iter().map(|l| l.line.len()).sum();
        assert!(bytes <= MAX_TRANSCRIPT_BYTES, "{bytes}");
        assert_eq!(t.len() + dropped, 61);
        assert!(dropped > 0);
    }

    #[tokio::test]
    async fn overlong_line_is_refused() {
        let (client, mut server) = duplex(1 << 16);
        let mut s = SmtpStream::new(client);
        tokio::spawn(async move {
            let _ = server.write_all(&vec![b'2'; MAX_REPLY_LINE + 10]).await;
            tokio::time::sleep(Duration::from_secs(10)).await;
        });
        assert!(matches!(
            s.read_reply(later()).await,
            Err(StreamError::LineTooLong)
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn silence_times_out() {
        let (client, _server) = duplex(64);
        let mut s = SmtpStream::new(client);
        let r = s.read_reply(Instant::now() + Duration::from_secs(3)).await;
        assert!(matches!(r, Err(StreamError::Timeout)));
    }

    #[tokio::test]
    async fn eof_is_closed() {
        let (client, server) = duplex(64);
        drop(server);
        let mut s = SmtpStream::new(client);
        assert!(matches!(
            s.read_reply(later()).await,
            Err(StreamError::Closed)
        ));
    }

    #[tokio::test]
    async fn plaintext_after_starttls_is_refused() {
        let (client, mut server) = duplex(256);
        let mut s = SmtpStream::new(client);
        server
            .write_all(b"220 Ready\r\n250 injected\r\n")
            .await
            .unwrap();
        let r = s.read_reply(later()).await.unwrap();
        assert_eq!(r.code.as_u16(), 220);
        assert!(matches!(
            s.into_tls_ready(),
            Err(StreamError::PlaintextAfterStarttls(14))
        ));
    }

    #[tokio::test]
    async fn clean_buffer_is_tls_ready() {
        let (client, mut server) = duplex(256);
        let mut s = SmtpStream::new(client);
        server.write_all(b"220 Ready\r\n").await.unwrap();
        s.read_reply(later()).await.unwrap();
        assert!(s.into_tls_ready().is_ok());
    }
}
