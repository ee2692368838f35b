//! What the user asked to check: a mail domain (`tlscheck mx`) or a host with an optional port
//! (`tlscheck host`), normalised: IDNA names to ASCII (UTS #46), IP literals recognised,
//! `[v6]:port` and `host:port` split.

use std::net::IpAddr;

/// A host to probe directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostSpec {
    Name(String),
    Ip(IpAddr),
}

impl HostSpec {
    pub fn display(&self) -> String {
        match self {
            HostSpec::Name(n) => n.clone(),
            HostSpec::Ip(ip) => ip.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A mail domain: its MX records are looked up.
    Domain { input: String, name: String },
    /// A host probed without MX lookup.
    Host {
        input: String,
        host: HostSpec,
        port: Option<u16>,
    },
}

impl Target {
    pub fn input(&self) -> &str {
        match self {
            Target::Domain { input, .. } | Target::Host { input, .. } => input,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("{0:?} is not a valid domain name: {1}")]
    BadName(String, String),
    #[error("{0:?} has an invalid port")]
    BadPort(String),
    #[error(
        "{0:?} is an IP address; `tlscheck mx` takes a domain (use `tlscheck host` for an address)"
    )]
    IpForMx(String),
}

/// Normalises a DNS name: IDNA to ASCII, lower case, no trailing dot, RFC 1035 lengths.
pub fn normalize_name(input: &str) -> Result<String, TargetError> {
    let trimmed = input.trim().trim_end_matches('.');
    if trimmed.is_empty() {
        return Err(TargetError::BadName(input.into(), "empty name".into()));
    }
    let ascii = idna::domain_to_ascii(trimmed)
        .map_err(|e| TargetError::BadName(input.into(), format!("IDNA: {e}")))?;
    if ascii.len() > 253 {
        return Err(TargetError::BadName(
            input.into(),
            "longer than 253 characters".into(),
        ));
    }
    for label in ascii.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(TargetError::BadName(
                input.into(),
                "empty or over-long label".into(),
            ));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(TargetError::BadName(
                input.into(),
                format!("invalid characters in {label:?}"),
            ));
        }
    }
    Ok(ascii)
}

/// Why an MX target (an exchange name as published) is not a host name senders will use, if it
/// is not: an IP literal, or a name with invalid characters or a bad IDNA label.
pub fn mx_target_problem(exchange: &str) -> Option<String> {
    let bare = exchange.trim_end_matches('.');
    if bare
        .trim_matches(|c| c == '[' || c == ']')
        .parse::<IpAddr>()
        .is_ok()
    {
        return Some(format!(
            "the MX target {bare} is an IP address, not a host name; senders do not use it"
        ));
    }
    match normalize_name(bare) {
        Ok(_) => None,
        Err(TargetError::BadName(_, why)) => Some(format!(
            "the MX target {bare:?} is not a valid host name ({why}); senders do not use it"
        )),
        Err(e) => Some(e.to_string()),
    }
}

/// Parses a `tlscheck mx` argument.
pub fn parse_domain(input: &str) -> Result<Target, TargetError> {
    if input
        .trim()
        .trim_matches(|c| c == '[' || c == ']')
        .parse::<IpAddr>()
        .is_ok()
    {
        return Err(TargetError::IpForMx(input.into()));
    }
    Ok(Target::Domain {
        input: input.into(),
        name: normalize_name(input)?,
    })
}

/// Parses a `tlscheck host` argument: `name`, `name:port`, `192.0.2.1`, `192.0.2.1:25`,
/// `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:25`.
pub fn parse_host(input: &str) -> Result<Target, TargetError> {
    let s = input.trim();
    let port_of = |p: &str| {
        p.parse::<u16>()
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| TargetError::BadPort(input.into()))
    };
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or_else(|| TargetError::BadName(input.into(), "missing ']'".into()))?;
        let ip: IpAddr = inside
            .parse()
            .map_err(|_| TargetError::BadName(input.into(), "bad IPv6 literal".into()))?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(port_of(p)?),
            None if after.is_empty() => None,
            None => return Err(TargetError::BadPort(input.into())),
        };
        (HostSpec::Ip(ip), port)
    } else if let Ok(ip) = s.parse::<IpAddr>() {
        (HostSpec::Ip(ip), None)
    } else if let Some((h, p)) = s.rsplit_once(':') {
        let port = port_of(p)?;
        match h.parse::<IpAddr>() {
            Ok(ip) => (HostSpec::Ip(ip), Some(port)),
            Err(_) => (HostSpec::Name(normalize_name(h)?), Some(port)),
        }
    } else {
        (HostSpec::Name(normalize_name(s)?), None)
    };
    Ok(Target::Host {
        input: input.into(),
        host,
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised() {
        assert_eq!(
            parse_domain("Contoso.COM.").unwrap(),
            Target::Domain {
                input: "Contoso.COM.".into(),
                name: "contoso.com".into()
            }
        );
        match parse_domain("bücher.example").unwrap() {
            Target::Domain { name, .. } => assert_eq!(name, "xn--bcher-kva.example"),
            other => panic!("{other:?}"),
        }
        assert!(parse_domain("a..b").is_err());
        assert!(parse_domain("").is_err());
        assert!(parse_domain("bad name.example").is_err());
        assert!(matches!(
            parse_domain("192.0.2.1"),
            Err(TargetError::IpForMx(_))
        ));
    }

    #[test]
    fn hosts_with_ports_and_literals() {
        let h = |s| match parse_host(s).unwrap() {
            Target::Host { host, port, .. } => (host, port),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            h("mx.example.com"),
            (HostSpec::Name("mx.example.com".into()), None)
        );
        assert_eq!(
            h("MX.example.com:465"),
            (HostSpec::Name("mx.example.com".into()), Some(465))
        );
        assert_eq!(
            h("192.0.2.1"),
            (HostSpec::Ip("192.0.2.1".parse().unwrap()), None)
        );
        assert_eq!(
            h("192.0.2.1:2525"),
            (HostSpec::Ip("192.0.2.1".parse().unwrap()), Some(2525))
        );
        assert_eq!(
            h("2001:db8::1"),
            (HostSpec::Ip("2001:db8::1".parse().unwrap()), None)
        );
        assert_eq!(
            h("[2001:db8::1]:25"),
            (HostSpec::Ip("2001:db8::1".parse().unwrap()), Some(25))
        );
        assert_eq!(h("[::1]"), (HostSpec::Ip("::1".parse().unwrap()), None));
        assert!(parse_host("mx.example.com:0").is_err());
        assert!(parse_host("mx.example.com:99999").is_err());
        assert!(parse_host("[::1]x").is_err());
    }
}
