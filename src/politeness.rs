//! Politeness towards the servers probed: at most `--per-ip` connections open to one IP address
//! at a time, and optionally `--ip-delay` between the starts of two connections to it.
//!
//! Big mail hosts (Exchange Online, Gmail) count connections per client address and answer too
//! many with `421` or a dropped connection, which would read as a TLS problem. Many domains of a
//! batch share their MX addresses, and one address probe opens a few connections at once (the main
//! session and the version probes), so the cap is per IP address, for every connection the run
//! opens, whichever domain or host name it is for.
//!
//! Every connection goes through [`ConnectionGate::connect`]; the [`Connection`] it returns holds
//! its slot until it is dropped.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{sleep_until, timeout_at, Instant};

/// The default `--per-ip`: one address probe opens up to three connections at once (the main
/// session and two version probes), so one more leaves room for a second host name on the same
/// address without queueing.
pub const DEFAULT_PER_IP: usize = 4;

/// Connection slots per IP address, shared by every probe of a run.
pub struct ConnectionGate {
    per_ip: usize,
    delay: Duration,
    ips: Mutex<HashMap<IpAddr, Arc<IpSlots>>>,
}

struct IpSlots {
    open: Arc<Semaphore>,
    /// When the next connection may start (with a delay).
    next_start: tokio::sync::Mutex<Option<Instant>>,
}

impl std::fmt::Debug for ConnectionGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionGate")
            .field("per_ip", &self.per_ip)
            .field("delay", &self.delay)
            .finish_non_exhaustive()
    }
}

/// Why [`ConnectionGate::connect`] gave no connection.
#[derive(Debug)]
pub enum ConnectError {
    /// The deadline passed while waiting for a slot (the cap or the delay).
    Queued,
    /// The deadline passed during the TCP connect.
    Timeout,
    Io(io::Error),
}

impl ConnectionGate {
    /// `per_ip` is clamped to 1..=`Semaphore::MAX_PERMITS`.
    pub fn new(per_ip: usize, delay: Duration) -> Self {
        Self {
            per_ip: per_ip.clamp(1, Semaphore::MAX_PERMITS),
            delay,
            ips: Mutex::new(HashMap::new()),
        }
    }

    pub fn per_ip(&self) -> usize {
        self.per_ip
    }

    pub fn delay(&self) -> Duration {
        self.delay
    }

    fn slots(&self, ip: IpAddr) -> Arc<IpSlots> {
        let mut ips = match self.ips.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        ips.entry(ip)
            .or_insert_with(|| {
                Arc::new(IpSlots {
                    open: Arc::new(Semaphore::new(self.per_ip)),
                    next_start: tokio::sync::Mutex::new(None),
                })
            })
            .clone()
    }

    /// Waits for a slot for `addr` until `queue_deadline` (the run deadline), then connects within
    /// `connect_timeout`, counted from when the slot was given and cut to `queue_deadline`.
    /// Returns the connection and how long it waited for the slot.
    pub async fn connect(
        &self,
        addr: SocketAddr,
        queue_deadline: Instant,
        connect_timeout: Duration,
    ) -> (Result<Connection, ConnectError>, Duration) {
        let t0 = Instant::now();
        let slots = self.slots(addr.ip());
        let wait = async {
            // The semaphore is never closed, so acquiring only waits.
            let permit = slots.open.clone().acquire_owned().await.ok()?;
            if !self.delay.is_zero() {
                let mut next = slots.next_start.lock().await;
                if let Some(at) = *next {
                    sleep_until(at).await;
                }
                *next = Some(Instant::now() + self.delay);
            }
            Some(permit)
        };
        let permit = match timeout_at(queue_deadline, wait).await {
            // A slot freed by a connection the deadline ended is no use after it.
            Ok(Some(p)) if Instant::now() < queue_deadline => p,
            _ => return (Err(ConnectError::Queued), t0.elapsed()),
        };
        let waited = t0.elapsed();
        let deadline = (Instant::now() + connect_timeout).min(queue_deadline);
        let r = match timeout_at(deadline, TcpStream::connect(addr)).await {
            Ok(Ok(tcp)) => {
                // Every write is a whole command or TLS flight that waits for an answer: Nagle's
                // algorithm would hold the EHLO sent after the client's Finished for a round trip.
                let _ = tcp.set_nodelay(true);
                Ok(Connection { tcp, _slot: permit })
            }
            Ok(Err(e)) => Err(ConnectError::Io(e)),
            Err(_) => Err(ConnectError::Timeout),
        };
        (r, waited)
    }
}

/// A TCP connection that holds its per-IP slot until dropped.
#[derive(Debug)]
pub struct Connection {
    tcp: TcpStream,
    _slot: OwnedSemaphorePermit,
}

impl Connection {
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A listener that accepts and keeps every connection; returns its address.
    async fn listener() -> SocketAddr {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let mut kept = Vec::new();
            while let Ok((s, _)) = l.accept().await {
                kept.push(s);
            }
        });
        addr
    }

    #[tokio::test]
    async fn at_most_per_ip_connections_are_open_at_once() {
        let addr = listener().await;
        let gate = Arc::new(ConnectionGate::new(2, Duration::ZERO));
        let open = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let far = Instant::now() + Duration::from_secs(10);
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (gate, open, peak) = (gate.clone(), open.clone(), peak.clone());
                tokio::spawn(async move {
                    let (c, _) = gate.connect(addr, far, Duration::from_secs(5)).await;
                    let c = c.unwrap();
                    let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    open.fetch_sub(1, Ordering::SeqCst);
                    drop(c);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn other_addresses_are_not_held_up() {
        let a = listener().await;
        let gate = ConnectionGate::new(1, Duration::ZERO);
        let far = Instant::now() + Duration::from_secs(10);
        let (held, _) = gate.connect(a, far, Duration::from_secs(5)).await;
        let held = held.unwrap();
        // Same IP: queued until the deadline.
        let soon = Instant::now() + Duration::from_millis(100);
        let (r, waited) = gate.connect(a, soon, Duration::from_secs(5)).await;
        assert!(matches!(r, Err(ConnectError::Queued)), "{r:?}");
        assert!(waited >= Duration::from_millis(90), "{waited:?}");
        // Another IP of 127/8: not queued.
        let b = SocketAddr::new("127.0.0.2".parse().unwrap(), a.port());
        let (r, waited) = gate.connect(b, far, Duration::from_secs(5)).await;
        // Nothing listens on 127.0.0.2 at that port: refused at once, not queued.
        assert!(matches!(r, Err(ConnectError::Io(_))), "{r:?}");
        assert!(waited < Duration::from_millis(50), "{waited:?}");
        drop(held);
        let (r, _) = gate.connect(a, far, Duration::from_secs(5)).await;
        assert!(r.is_ok());
    }

    #[tokio::test]
    async fn connections_to_one_ip_start_at_least_the_delay_apart() {
        let addr = listener().await;
        let gate = ConnectionGate::new(8, Duration::from_millis(100));
        let far = Instant::now() + Duration::from_secs(60);
        let t0 = Instant::now();
        let mut conns = Vec::new();
        let mut waits = Vec::new();
        for _ in 0..3 {
            let (c, waited) = gate.connect(addr, far, Duration::from_secs(5)).await;
            conns.push(c.unwrap());
            waits.push(waited);
        }
        assert!(waits[0] < Duration::from_millis(50));
        assert!(
            t0.elapsed() >= Duration::from_millis(200),
            "{:?}",
            t0.elapsed()
        );
        assert!(waits[1] >= Duration::from_millis(90) && waits[2] >= Duration::from_millis(90));
        // Connections are not held back by each other's slots, only by the delay.
        assert_eq!(conns.len(), 3);
    }
}
