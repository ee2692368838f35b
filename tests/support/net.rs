//! Loopback address allocation: every test binary and example lab that binds specific addresses
//! owns one 127.0.N.0/24, and all of them are listed here. The tests of one binary run in
//! parallel, other test runners run binaries side by side, and a benchmark lab may run beside
//! `cargo test`: a range per binary keeps them from ever fighting over an address, and each binary
//! numbers the addresses of its own tests inside its range.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};

/// One binary's range, 127.0.N.0/24: `Net::CLI.ip(5)` is 127.0.9.5.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Net(u8);

impl Net {
    /// 127.0.0.x is shared, with ephemeral ports only: `smtp::closed_port` and the test DNS
    /// servers on 127.0.0.1, the unit tests in `src/` (127.0.0.1 and 127.0.0.2), and
    /// `tlscheck demo` (`tests/demo.rs`: its DNS server on 127.0.0.1, its mail servers on
    /// 127.0.0.2-127.0.0.6, which retry another port when one is taken).
    pub const SHARED: Net = Net(0);
    /// The real-peer lab's Postfix instances (127.0.1.10-20). `tests/lab/lab.sh` assigns the
    /// lab's addresses (here, `LAB_DNS` and `LAB_HTTP`) and `tests/lab.rs` reads them from
    /// `lab.sh env`; they are listed so that nothing else takes them.
    pub const LAB: Net = Net(1);
    /// `tests/cli.rs`.
    pub const CLI: Net = Net(9);
    /// `tests/revocation.rs`.
    pub const REVOCATION: Net = Net(10);
    /// `tests/hostile.rs`.
    pub const HOSTILE: Net = Net(11);
    /// The lab's DNS server, 127.0.53.1.
    pub const LAB_DNS: Net = Net(53);
    /// `examples/loopback_lab.rs` (`bench/probe.sh`).
    pub const LOOPBACK_LAB: Net = Net(77);
    /// `examples/batch_lab.rs` (`bench/batch.sh`): its CRL and OCSP server, then its SMTP servers.
    pub const BATCH_LAB_HTTP: Net = Net(78);
    pub const BATCH_LAB: Net = Net(79);
    /// The lab's CRL, CA-issuer and OCSP servers and its dead endpoint, 127.0.80.x.
    pub const LAB_HTTP: Net = Net(80);
    /// `examples/hostile_lab.rs` (`bench/memory.sh`).
    pub const HOSTILE_LAB: Net = Net(88);

    /// Every range above. A new one goes here too, where the check below refuses a duplicate.
    const ALL: [Net; 11] = [
        Net::SHARED,
        Net::LAB,
        Net::CLI,
        Net::REVOCATION,
        Net::HOSTILE,
        Net::LAB_DNS,
        Net::LOOPBACK_LAB,
        Net::BATCH_LAB_HTTP,
        Net::BATCH_LAB,
        Net::LAB_HTTP,
        Net::HOSTILE_LAB,
    ];

    /// 127.0.N.`last`.
    pub const fn ip(self, last: u8) -> Ipv4Addr {
        Ipv4Addr::new(127, 0, self.0, last)
    }

    /// 127.0.N.`last` on `port`.
    pub fn at(self, last: u8, port: u16) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(self.ip(last)), port)
    }

    /// 127.0.N.`last` on port 0, for a server to bind any free port.
    pub fn bind(self, last: u8) -> SocketAddr {
        self.at(last, 0)
    }

    /// 127.0.N.`last` on a port that is free on it right now (bound and released): for a server
    /// whose URL must be known before it starts, or an address where nothing listens. Another
    /// process could take the port meanwhile, which is unlikely enough for tests.
    pub fn free(self, last: u8) -> SocketAddr {
        let addr = TcpListener::bind(self.bind(last))
            .and_then(|l| l.local_addr())
            .unwrap_or_else(|e| panic!("bind {}: {e}", self.ip(last)));
        self.at(last, addr.port())
    }
}

// Two binaries sharing a range would make their tests flaky, not fail: refuse it at compile time.
const _: () = {
    let mut i = 0;
    while i < Net::ALL.len() {
        let mut j = i + 1;
        while j < Net::ALL.len() {
            assert!(
                Net::ALL[i].0 != Net::ALL[j].0,
                "two Net ranges share 127.0.N"
            );
            j += 1;
        }
        i += 1;
    }
};
