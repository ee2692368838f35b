//! The environment of one test (or one example lab): a fresh test PKI, a temporary directory that
//! is removed when the environment is dropped, and a trust file in it holding the test root, to
//! pass to `tlscheck --trust`. Each test makes its own, so no test sees another's certificates.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::pki::{rustls_server_config, LeafSpec, TestPki};
use super::smtp::{SmtpServer, SmtpServerConfig};

pub struct Env {
    pub pki: TestPki,
    pub dir: tempfile::TempDir,
    /// `dir/roots.pem`: the test root only.
    pub trust: PathBuf,
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    pub fn new() -> Env {
        let pki = TestPki::new();
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let trust = pki.write_trust_file(dir.path());
        Env { pki, dir, trust }
    }

    /// A well-behaved STARTTLS server on `bind` presenting a new leaf for `spec`.
    pub fn server(&self, bind: SocketAddr, spec: LeafSpec) -> SmtpServer {
        self.server_with(bind, spec, |_| {})
    }

    /// [`Env::server`], its configuration adjusted by `tweak`.
    pub fn server_with(
        &self,
        bind: SocketAddr,
        spec: LeafSpec,
        tweak: impl FnOnce(&mut SmtpServerConfig),
    ) -> SmtpServer {
        let leaf = self.pki.leaf(spec);
        let mut cfg = SmtpServerConfig::starttls(rustls_server_config(&leaf));
        tweak(&mut cfg);
        SmtpServer::start_blocking(bind, cfg).unwrap_or_else(|e| panic!("bind {bind}: {e}"))
    }

    /// Writes `text` to `name` in the directory; returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }
}
