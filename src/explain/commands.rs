//! The commands an explanation suggests, filled with the host, address, port and domain the line
//! names. A topic lists them as [`Cmd`] templates; [`render`] spells them.
//!
//! Only values [`super::parse`] validated by syntax reach a command (a [`HostName`], an
//! [`IpAddr`] written by the standard library, a port number), so nothing a log line carries can
//! put a shell metacharacter into a command a user may paste. When the line names nothing, a
//! placeholder in capitals takes its place: `YOUR.SERVER` (the mail server of whoever reads the
//! log: the receiving side of an inbound line, the server a bounce from Exchange Online or Gmail
//! is about), `THE.SERVER` (the server the logging MTA delivered to) and `THE.DOMAIN`.

use std::net::IpAddr;

use crate::explain::parse::{HostName, Parsed};
use crate::explain::vocab::{Mta, Side, EXCHANGE_ONLINE_INBOUND, EXCHANGE_ONLINE_OUTBOUND};

pub const OWN_SERVER: &str = "YOUR.SERVER";
pub const PEER_SERVER: &str = "THE.SERVER";
pub const SOME_DOMAIN: &str = "THE.DOMAIN";

/// A suggested command, before it is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    /// `tlscheck host SERVER [--port N] ARGS`: the server the line is about (the peer a sender
    /// delivered to; the logging server itself when it was receiving).
    Host(&'static str),
    /// The server in the other TLS mode: `--port 465 --implicit-tls` when the line names another
    /// port (or none), STARTTLS on port 25 when it names 465.
    HostOtherMode,
    /// `tlscheck host IP --name HOST ARGS`: the very address the line names, judged under its
    /// name; only when the line names both.
    HostAtIp(&'static str),
    /// `tlscheck mx DOMAIN ARGS`, when the line names the domain (or no server either).
    Mx(&'static str),
    /// `tlscheck host SERVER --sender exchange-online`: whether Exchange Online will deliver to
    /// the server, when Exchange Online was the sender.
    SenderExchangeOnline,
    /// `tlscheck mx DOMAIN --expect exchange-online`: whether the peer really is Exchange Online,
    /// when a sender met an Exchange Online host.
    ExpectExchangeOnline,
    /// `dig +dnssec TLSA _25._tcp.HOST`: the DANE records of the server.
    DigTlsa,
    /// `dig +dnssec MX DOMAIN`: the signed MX records of the domain.
    DigMx,
    /// `tlscheck schannel`: the SCHANNEL and .NET keys of a Windows server (Exchange), run on it
    /// or on its `reg export` files.
    Schannel,
}

/// What the commands point at, decided once per line.
struct Targets {
    /// The server to check, as a command argument.
    server: String,
    /// Whether the line names any server (the peer, or the logging server itself).
    named: bool,
    host: Option<HostName>,
    ip: Option<IpAddr>,
    /// ` --port N` (and ` --implicit-tls` for 465) when a sender delivered to another port.
    port_args: String,
    domain: Option<HostName>,
    /// Exchange Online was the sender (of a bounce or message trace, or the client of an inbound
    /// line).
    exchange_online_sent: bool,
    /// The peer a sender delivered to is an Exchange Online host.
    peer_is_exchange_online: bool,
}

impl Targets {
    fn new(p: &Parsed) -> Self {
        let receiving = p.side == Some(Side::Receiving);
        let named = p.host.is_some() || p.ip.is_some() || p.own_host.is_some();
        let server = if receiving {
            p.own_host
                .as_ref()
                .map_or(OWN_SERVER, HostName::as_str)
                .to_string()
        } else {
            match (&p.host, p.ip) {
                (Some(h), _) => h.as_str().to_string(),
                (None, Some(ip)) => ip.to_string(),
                (None, None) => {
                    let own = matches!(
                        p.mta,
                        Some(Mta::ExchangeOnline | Mta::ExchangeServer | Mta::Gmail)
                    );
                    if own { OWN_SERVER } else { PEER_SERVER }.to_string()
                }
            }
        };
        let port_args = match p.port.filter(|&n| n != 25 && !receiving) {
            Some(465) => " --port 465 --implicit-tls".to_string(),
            Some(n) => format!(" --port {n}"),
            None => String::new(),
        };
        let peer_host =
            |suffixes: &[&str]| p.host.as_ref().is_some_and(|h| h.ends_with_any(suffixes));
        Targets {
            server,
            named,
            host: p.host.clone().filter(|_| !receiving),
            ip: p.ip.filter(|_| !receiving),
            port_args,
            domain: p.domain.clone(),
            exchange_online_sent: (p.mta == Some(Mta::ExchangeOnline) && !receiving)
                || (receiving && peer_host(EXCHANGE_ONLINE_OUTBOUND)),
            peer_is_exchange_online: !receiving && peer_host(EXCHANGE_ONLINE_INBOUND),
        }
    }

    fn spell(&self, cmd: Cmd) -> Option<String> {
        let with = |args: &str| {
            if args.is_empty() {
                String::new()
            } else {
                format!(" {args}")
            }
        };
        match cmd {
            Cmd::Host(args) => Some(format!(
                "tlscheck host {}{}{}",
                self.server,
                self.port_args,
                with(args)
            )),
            Cmd::HostOtherMode => Some(if self.port_args.contains("--implicit-tls") {
                format!("tlscheck host {}", self.server)
            } else {
                format!("tlscheck host {} --port 465 --implicit-tls", self.server)
            }),
            Cmd::HostAtIp(args) => match (&self.host, self.ip) {
                (Some(h), Some(ip)) => Some(format!(
                    "tlscheck host {ip} --name {}{}{}",
                    h.as_str(),
                    self.port_args,
                    with(args)
                )),
                _ => None,
            },
            Cmd::Mx(args) => match &self.domain {
                Some(d) => Some(format!("tlscheck mx {}{}", d.as_str(), with(args))),
                None if !self.named => Some(format!("tlscheck mx {SOME_DOMAIN}{}", with(args))),
                None => None,
            },
            Cmd::SenderExchangeOnline => self.exchange_online_sent.then(|| {
                format!(
                    "tlscheck host {}{} --sender exchange-online",
                    self.server, self.port_args
                )
            }),
            Cmd::ExpectExchangeOnline => {
                if !self.peer_is_exchange_online {
                    return None;
                }
                Some(match &self.domain {
                    Some(d) => format!("tlscheck mx {} --expect exchange-online", d.as_str()),
                    None => format!("tlscheck host {} --expect exchange-online", self.server),
                })
            }
            Cmd::DigTlsa => Some(format!(
                "dig +dnssec TLSA _25._tcp.{}",
                self.host.as_ref().map_or(PEER_SERVER, HostName::as_str)
            )),
            Cmd::DigMx => Some(format!(
                "dig +dnssec MX {}",
                self.domain.as_ref().map_or(SOME_DOMAIN, HostName::as_str)
            )),
            Cmd::Schannel => Some(
                "tlscheck schannel --fix fix.reg   (on the Windows server, or with its reg export files)"
                    .into(),
            ),
        }
    }
}

/// The commands of `cmds` for the line `p`, each once, in order.
pub fn render(cmds: &[Cmd], p: &Parsed) -> Vec<String> {
    let targets = Targets::new(p);
    let mut out: Vec<String> = Vec::new();
    for cmd in cmds {
        if let Some(c) = targets.spell(*cmd) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::parse::parse;

    const ALL: &[Cmd] = &[
        Cmd::SenderExchangeOnline,
        Cmd::ExpectExchangeOnline,
        Cmd::Host(""),
        Cmd::HostAtIp(""),
        Cmd::Mx(""),
    ];

    #[test]
    fn commands_name_the_host_address_and_domain_of_the_line() {
        let p = parse("postfix/smtp[1]: 4B: to=<alice@contoso.com>, relay=mx1.contoso.com[192.0.2.10]:25, dsn=4.7.5, status=deferred (Server certificate not verified)");
        assert_eq!(
            render(ALL, &p),
            [
                "tlscheck host mx1.contoso.com",
                "tlscheck host 192.0.2.10 --name mx1.contoso.com",
                "tlscheck mx contoso.com",
            ]
        );
    }

    #[test]
    fn placeholders_only_when_the_line_names_nothing() {
        let p =
            parse("warning: TLS library problem: error:0A00018A:SSL routines::dh key too small");
        assert_eq!(
            render(ALL, &p),
            ["tlscheck host THE.SERVER", "tlscheck mx THE.DOMAIN"]
        );
        // Receiving: the client's address is not the server to check.
        let p = parse("postfix/smtpd[2]: SSL_accept error from unknown[203.0.113.5]: -1");
        assert_eq!(render(ALL, &p), ["tlscheck host YOUR.SERVER"]);
    }

    #[test]
    fn exchange_online_profiles() {
        let p = parse("421 4.4.2 Connection dropped due to SocketError");
        assert_eq!(
            render(ALL, &p)[0],
            "tlscheck host YOUR.SERVER --sender exchange-online"
        );
        let p = parse("postfix/smtp[1]: 4B: to=<bob@contoso.com>, relay=contoso-com.mail.protection.outlook.com[198.51.100.25]:25, dsn=4.7.5, status=deferred (Server certificate not verified)");
        assert_eq!(
            render(ALL, &p)[0],
            "tlscheck mx contoso.com --expect exchange-online"
        );
        let p = parse("postfix/smtpd[2]: lost connection after STARTTLS from mail-am0eur01on2040.outbound.protection.outlook.com[198.51.100.40]");
        assert_eq!(
            render(ALL, &p),
            [
                "tlscheck host YOUR.SERVER --sender exchange-online",
                "tlscheck host YOUR.SERVER"
            ]
        );
    }

    #[test]
    fn another_port_is_kept() {
        let p = parse("TLS error on connection to smtp.contoso.com [192.0.2.10]:465 (SSL_connect): error:0A00010B:SSL routines::wrong version number");
        assert_eq!(
            render(&[Cmd::Host("")], &p),
            ["tlscheck host smtp.contoso.com --port 465 --implicit-tls"]
        );
    }
}
