//! Network facts shared by every layer that meets them, with no I/O of their own: whether an I/O
//! error means the peer closed or reset the connection (the SMTP stream and session, the raw TLS
//! probes), and which host a firewall must let through for a URL (revocation, `endpoints`, the
//! reports).

use url::Url;

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
    fn resets_are_told_from_other_errors() {
        assert!(is_reset(&std::io::ErrorKind::ConnectionReset.into()));
        assert!(is_reset(&std::io::ErrorKind::UnexpectedEof.into()));
        assert!(!is_reset(&std::io::ErrorKind::TimedOut.into()));
    }
}
