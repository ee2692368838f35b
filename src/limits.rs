//! Every bound tlscheck puts on what it reads from the network, in one place.
//!
//! Servers, DNS answers and certificates come from strangers: each read is bounded in size and
//! (elsewhere, by the per-phase timeout) in time. `docs/limits.md` lists these constants; keep the
//! two in step.

/// Longest SMTP reply line accepted, including CRLF. RFC 5321 §4.5.3.1.5 sets 512 octets for a
/// reply line; real servers exceed it in EHLO banners, so we allow eight times that.
pub const MAX_REPLY_LINE: usize = 4096;

/// Most lines in one (multi-line) SMTP reply. Real EHLO replies have about 15.
pub const MAX_REPLY_LINES: usize = 100;

/// Most bytes in one SMTP reply, all lines together.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// Most lines kept in the recorded SMTP transcript of one address.
pub const MAX_TRANSCRIPT_LINES: usize = 400;

/// Most bytes of line text kept in the SMTP transcript of one address (a normal session's
/// transcript is about 1 KB); later lines are counted as dropped.
pub const MAX_TRANSCRIPT_BYTES: usize = 16 * 1024;

/// Most certificates of a presented chain that are analysed (the rest are counted, not parsed).
pub const MAX_CHAIN_CERTS: usize = 10;

/// Most bytes of one presented certificate that are analysed.
pub const MAX_CERT_BYTES: usize = 64 * 1024;

/// Most bytes read from a server's first TLS flight (ServerHello .. ServerHelloDone) by the raw
/// TLS 1.0-1.2 probes. rustls applies its own 64 KiB limit to one handshake message.
pub const MAX_FLIGHT_BYTES: usize = 128 * 1024;

/// Most CA names kept from one CertificateRequest (mutual TLS).
pub const MAX_CA_NAMES: usize = 64;

/// Most cipher suites recorded per version by `--ciphers` (a guard against a server that never
/// refuses).
pub const MAX_PICKS: usize = 64;

/// Most MX records used from one answer (the rest are reported as dropped).
pub const MAX_MX_RECORDS: usize = 32;

/// Most addresses used per MX host and family.
pub const MAX_ADDRESSES_PER_HOST: usize = 16;

/// Most bytes of a server-provided text (banner line, reply text) shown in the text report.
pub const MAX_DISPLAY_TEXT: usize = 200;

/// Most bytes of a CRL read over HTTP (large public CAs publish CRLs of a few MB).
pub const MAX_CRL_BYTES: usize = 16 * 1024 * 1024;

/// Most bytes of CRLs one run downloads and keeps, all URLs together (CRLs are kept for the run
/// so that addresses sharing a CA fetch each once). Bounds memory whatever a hostile chain lists;
/// a CRL past the budget is reported as not fetched.
pub const MAX_CRL_BYTES_PER_RUN: usize = 128 * 1024 * 1024;

/// Most bytes of an OCSP response read over HTTP (real ones are 1-4 KB).
pub const MAX_OCSP_BYTES: usize = 64 * 1024;

/// Most bytes of a CA-issuer certificate (or PKCS#7 bundle) read over HTTP.
pub const MAX_CA_ISSUERS_BYTES: usize = 256 * 1024;

/// Most HTTP redirects followed for one fetch.
pub const MAX_REDIRECTS: usize = 3;

/// Most CRL URLs and most OCSP URLs checked per certificate.
pub const MAX_REVOCATION_URLS: usize = 4;

/// Most certificates of an OCSP response tried as delegated responders.
pub const MAX_OCSP_CERTS: usize = 4;

/// Most bytes `tlscheck explain` reads: the text argument, or standard input for `explain -`.
pub const MAX_EXPLAIN_INPUT: usize = 1024 * 1024;

/// Longest line `tlscheck explain` reads; a longer one is cut on a character boundary, with a
/// note.
pub const MAX_EXPLAIN_LINE: usize = 8 * 1024;

/// Most distinct explanations listed for one log excerpt (identical ones are counted, not
/// repeated); the rest are counted as dropped.
pub const MAX_EXPLANATIONS: usize = 1000;

/// Largest `--dnssec-anchor` file read (a few DS or DNSKEY records).
pub const MAX_ANCHOR_FILE_BYTES: u64 = 64 * 1024;

/// Largest MTA-STS policy body read (RFC 8461 §3.3 suggests 64 KiB).
pub const MAX_MTA_STS_POLICY_BYTES: usize = 64 * 1024;

/// TLSA records used per MX host; more are reported as dropped.
pub const MAX_TLSA_RECORDS: usize = 32;

/// TXT records read at `_mta-sts.<domain>` and `_smtp._tls.<domain>`.
pub const MAX_POLICY_TXT_RECORDS: usize = 16;

/// Largest registry export read by `tlscheck schannel FILE.reg` (the SCHANNEL and .NET keys
/// take a few KiB; a whole-hive export is not what it wants).
pub const MAX_REG_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[cfg(test)]
mod tests {
    /// docs/limits.md names every constant here (and so states its value and purpose).
    #[test]
    fn every_limit_is_documented() {
        let doc = include_str!("../docs/limits.md");
        let missing: Vec<&str> = include_str!("limits.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("pub const "))
            .filter_map(|l| l.split(':').next())
            .filter(|name| !doc.contains(&format!("`{name}`")))
            .collect();
        assert!(missing.is_empty(), "not in docs/limits.md: {missing:?}");
    }
}
