//! A scripted HTTP/1.1 server for CRL, OCSP and CA-issuer fetches: each path answers with a
//! fixed reply (bytes, an error status, a redirect, an endless body, or silence), and every
//! request is counted so tests can tell whether (and how often) tlscheck fetched a URL.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::runner::Runner;

/// What a path answers.
#[derive(Clone, Debug)]
pub enum Reply {
    /// 200 with this content type and body.
    Body(&'static str, Vec<u8>),
    /// This status with an empty body.
    Status(u16),
    /// 302 to this location (absolute or relative).
    Redirect(String),
    /// 200 with a body that never ends (a megabyte at a time).
    Endless,
    /// Accepts the request and never answers.
    Silent,
}

impl Reply {
    /// 200 with a DER CRL.
    pub fn crl(der: Vec<u8>) -> Reply {
        Reply::Body("application/pkix-crl", der)
    }

    /// 200 with a DER OCSP response.
    pub fn ocsp(der: Vec<u8>) -> Reply {
        Reply::Body("application/ocsp-response", der)
    }
}

pub struct HttpServer {
    pub addr: SocketAddr,
    /// Wait before each answer (a stand-in for a network round trip; benchmark only).
    pub delay: Duration,
    requests: Arc<Mutex<Vec<(String, String)>>>,
    _runner: Runner,
}

impl HttpServer {
    /// Starts on `bind` (port 0 for any) on its own thread.
    pub fn start_blocking(bind: SocketAddr, routes: Vec<(&str, Reply)>) -> io::Result<HttpServer> {
        Self::start_delayed(bind, routes, Duration::ZERO)
    }

    /// [`HttpServer::start_blocking`], waiting `delay` before every answer.
    pub fn start_delayed(
        bind: SocketAddr,
        routes: Vec<(&str, Reply)>,
        delay: Duration,
    ) -> io::Result<HttpServer> {
        let std_listener = std::net::TcpListener::bind(bind)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let routes: Arc<HashMap<String, Reply>> = Arc::new(
            routes
                .into_iter()
                .map(|(p, r)| (p.to_string(), r))
                .collect(),
        );
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let runner = Runner::thread("test-http", move || async move {
            let listener = TcpListener::from_std(std_listener).expect("listener");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (routes, log) = (routes.clone(), log.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, &routes, &log, delay).await;
                });
            }
        });
        Ok(HttpServer {
            addr,
            delay,
            requests,
            _runner: runner,
        })
    }

    /// `http://ADDR/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Requests received so far: (method, path).
    pub fn requests(&self) -> Vec<(String, String)> {
        self.requests.lock().unwrap().clone()
    }

    /// How many requests asked for `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.requests().iter().filter(|(_, p)| p == path).count()
    }
}

async fn serve(
    mut stream: TcpStream,
    routes: &HashMap<String, Reply>,
    log: &Mutex<Vec<(String, String)>>,
    delay: Duration,
) -> io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return Ok(());
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut first = head.lines().next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_string();
    let path = first.next().unwrap_or_default().to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    log.lock().unwrap().push((method, path.clone()));
    tokio::time::sleep(delay).await;
    match routes.get(&path).cloned().unwrap_or(Reply::Status(404)) {
        Reply::Body(ct, body) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&body).await?;
        }
        Reply::Status(code) => {
            let head =
                format!("HTTP/1.1 {code} Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            stream.write_all(head.as_bytes()).await?;
        }
        Reply::Redirect(to) => {
            let head = format!(
                "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await?;
        }
        Reply::Endless => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nConnection: close\r\n\r\n")
                .await?;
            let mega = vec![0x30u8; 1 << 20];
            loop {
                stream.write_all(&mega).await?;
            }
        }
        Reply::Silent => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }
    stream.shutdown().await
}
