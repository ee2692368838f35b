//! Network facts shared by every layer that meets them: whether an I/O error means the peer
//! closed or reset the connection (the SMTP stream and session, the raw TLS probes), what a peer
//! sent first ([`Sniff`]), and which host a firewall must let through for a URL (revocation,
//! `endpoints`, the reports).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use url::Url;

/// A stream that keeps a copy of the first [`SNIFFED`] bytes the peer sent, so a failed exchange
/// can say what came instead (a plaintext `220` greeting where TLS was awaited). The copy outlives
/// the stream: [`Sniff::seen`] hands out a handle before the stream is given away.
pub struct Sniff<S> {
    inner: S,
    seen: Arc<Mutex<Vec<u8>>>,
}

/// Bytes a [`Sniff`] keeps: enough for a greeting line.
pub const SNIFFED: usize = 256;

impl<S> Sniff<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            seen: Arc::default(),
        }
    }

    /// A handle on what the peer sent first (at most [`SNIFFED`] bytes).
    pub fn seen(&self) -> Arc<Mutex<Vec<u8>>> {
        self.seen.clone()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Sniff<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let mut seen = match self.seen.lock() {
                Ok(s) => s,
                Err(poisoned) => poisoned.into_inner(),
            };
            let room = SNIFFED.saturating_sub(seen.len());
            let new = buf.filled().get(before..).unwrap_or_default();
            seen.extend_from_slice(new.get(..room.min(new.len())).unwrap_or_default());
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Sniff<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The first line of `bytes` when it is an SMTP reply (`220 mx.example ESMTP`): three digits and a
/// space or hyphen.
pub fn smtp_reply_line(bytes: &[u8]) -> Option<String> {
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let is_reply = matches!(line, [a, b, c, sep, ..] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() && (*sep == b' ' || *sep == b'-'));
    is_reply.then(|| String::from_utf8_lossy(line).trim_end().to_string())
}

/// The peer reset or closed the connection under us.
pub fn is_reset(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::UnexpectedEof
    )
}

/// The host (and non-default port) a firewall must let through for `url`.
pub fn host_label(url: &str) -> Option<String> {
    let u = Url::parse(url).ok()?;
    let host = u.host_str()?.to_string();
    Some(match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

/// `http://crl.example.test`: what a firewall or proxy must let through for `url` (http and https
/// only: an `ldap:` URL is never fetched).
pub fn origin(url: &str) -> Option<String> {
    let scheme = url.split_once("://")?.0.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    Some(format!("{scheme}://{}", host_label(url)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_labels_and_origins() {
        assert_eq!(
            host_label("http://crl.globalsign.com/gs/x.crl").as_deref(),
            Some("crl.globalsign.com")
        );
        assert_eq!(
            host_label("http://127.0.0.1:8080/x").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(host_label("not a url"), None);
        assert_eq!(
            origin("HTTPS://ocsp.example.test:8443/x").as_deref(),
            Some("https://ocsp.example.test:8443")
        );
        assert_eq!(origin("ldap:///CN=CA"), None);
    }

    #[test]
    fn a_plaintext_greeting_is_told_from_tls() {
        assert_eq!(
            smtp_reply_line(b"220 mx.example ESMTP\r\n250 x").as_deref(),
            Some("220 mx.example ESMTP")
        );
        assert_eq!(smtp_reply_line(b"220-mx").as_deref(), Some("220-mx"));
        assert_eq!(smtp_reply_line(&[0x16, 0x03, 0x03, 0x00, 0x31]), None);
        assert_eq!(smtp_reply_line(b"22"), None);
    }

    #[tokio::test]
    async fn sniff_keeps_the_first_bytes() {
        use tokio::io::AsyncReadExt;
        let data = vec![b'x'; 1000];
        let mut s = Sniff::new(data.as_slice());
        let seen = s.seen();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        drop(s);
        assert_eq!(out.len(), 1000);
        assert_eq!(seen.lock().unwrap().len(), SNIFFED);
    }

    #[test]
    fn resets_are_told_from_other_errors() {
        assert!(is_reset(&std::io::ErrorKind::ConnectionReset.into()));
        assert!(is_reset(&std::io::ErrorKind::UnexpectedEof.into()));
        assert!(!is_reset(&std::io::ErrorKind::TimedOut.into()));
    }
}
