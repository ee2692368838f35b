//! How strong a cipher suite is, by its IANA name, for the `--ciphers` list: the suite's own
//! parts (key exchange, authentication, cipher, mode, MAC) as tls-parser's suite table gives
//! them, judged the way current guidance does (RFC 9325, BSI TR-02102-2): AEAD with forward
//! secrecy is strong; CBC, 3DES or static RSA is weak; no encryption, no authentication,
//! export-grade, RC4 or DES is insecure. The DH group a DHE suite used is judged apart
//! (`weak-dh-group`).

use tls_parser::{TlsCipherAu, TlsCipherEnc, TlsCipherKx, TlsCipherMac, TlsCipherSuite};

use crate::vocab::SuiteStrength;

/// The strength of the suite named `name` and why, or `None` for a name tls-parser does not
/// know.
pub fn rate(name: &str) -> Option<(SuiteStrength, &'static str)> {
    use SuiteStrength::{Insecure, Strong, Weak};
    let s = TlsCipherSuite::from_name(name)?;
    let rating = if s.enc == TlsCipherEnc::Null {
        (Insecure, "no encryption")
    } else if s.au == TlsCipherAu::Null && s.kx != TlsCipherKx::Tls13 {
        (Insecure, "no authentication")
    } else if name.contains("EXPORT") {
        (Insecure, "export-grade keys")
    } else if s.enc == TlsCipherEnc::Rc4 {
        (Insecure, "RC4 (RFC 7465)")
    } else if matches!(s.enc, TlsCipherEnc::Des | TlsCipherEnc::Rc2) {
        (Insecure, "DES/RC2 keys")
    } else if s.mac == TlsCipherMac::HmacMd5 {
        (Insecure, "MD5 MAC")
    } else if s.enc == TlsCipherEnc::TripleDes {
        (Weak, "3DES (Sweet32)")
    } else if matches!(s.kx, TlsCipherKx::Rsa | TlsCipherKx::Dh | TlsCipherKx::Ecdh) {
        (Weak, "no forward secrecy")
    } else if s.mac != TlsCipherMac::Aead {
        (Weak, "CBC, not AEAD")
    } else {
        (Strong, "AEAD, forward secrecy")
    };
    Some(rating)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_are_rated_by_their_parts() {
        let word = |n: &str| rate(n).map(|r| r.0);
        assert_eq!(word("TLS_AES_128_GCM_SHA256"), Some(SuiteStrength::Strong));
        assert_eq!(
            word("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
            Some(SuiteStrength::Strong)
        );
        assert_eq!(
            word("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
            Some(SuiteStrength::Strong)
        );
        assert_eq!(
            word("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
            Some(SuiteStrength::Weak)
        );
        assert_eq!(
            word("TLS_RSA_WITH_AES_128_GCM_SHA256"),
            Some(SuiteStrength::Weak)
        );
        assert_eq!(
            word("TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
            Some(SuiteStrength::Weak)
        );
        assert_eq!(
            word("TLS_RSA_WITH_RC4_128_SHA"),
            Some(SuiteStrength::Insecure)
        );
        assert_eq!(
            word("TLS_DH_anon_WITH_AES_256_GCM_SHA384"),
            Some(SuiteStrength::Insecure)
        );
        assert_eq!(
            word("TLS_RSA_WITH_NULL_SHA256"),
            Some(SuiteStrength::Insecure)
        );
        assert_eq!(
            word("TLS_RSA_EXPORT_WITH_RC4_40_MD5"),
            Some(SuiteStrength::Insecure)
        );
        assert_eq!(word("0x1234"), None);
    }
}
