//! Rules about a target as a whole and its MX hosts: the domain's DNS, a null or implicit MX,
//! MX records past the limit, and MX hosts that cannot be used (no addresses, an IP literal, an
//! invalid name, an alias).

use std::net::IpAddr;

use super::Found;
use crate::finding::Code;
use crate::report::{Failure, HostReport, TargetReport};
use crate::vocab::{FailureKind, TargetKind};

/// `otherwise`, unless the resolver did not answer: that says nothing about the name.
fn unless_resolver(e: &Failure, otherwise: Code) -> Code {
    match e.kind {
        FailureKind::Timeout | FailureKind::Io => Code::ResolverUnreachable,
        _ => otherwise,
    }
}

/// The findings about the domain itself.
pub(super) fn domain(t: &TargetReport) -> Vec<Found> {
    let mut out = Vec::new();
    if let Some(e) = &t.dns_error {
        out.push((
            unless_resolver(e, Code::DomainUnresolvable),
            e.message.clone(),
        ));
    }
    if t.null_mx {
        out.push((
            Code::NullMx,
            format!("{} publishes `MX 0 .`: it does not accept mail", t.name),
        ));
    }
    if t.implicit_mx {
        out.push((
            Code::ImplicitMx,
            format!(
                "{} has no MX records; its own address records are used",
                t.name
            ),
        ));
    }
    if t.mx_dropped > 0 {
        out.push((
            Code::MxRecordsDropped,
            format!(
                "{} publishes {} MX records; the {} most preferred were checked",
                t.name,
                t.mx.len() + t.mx_dropped,
                t.mx.len()
            ),
        ));
    }
    out
}

/// The findings about one MX host (or the host given), not about one of its addresses.
pub(super) fn host(t: &TargetReport, host: &HostReport) -> Vec<Found> {
    let mut out = Vec::new();
    if let Some(e) = &host.dns_error {
        out.push(unresolved(t, host, e));
    }
    // The domain's own name is not an MX record when the MX is implicit.
    if let (Some(alias), TargetKind::Mx, false) = (&host.cname, t.kind, t.implicit_mx) {
        out.push((
            Code::MxCname,
            format!("{} is an alias (CNAME) of {alias}", host.name),
        ));
    }
    out
}

/// Why a host has no address to probe, said as what is true: a family left out by `-4`/`-6`, a
/// mail domain given to `tlscheck host`, a host name that does not resolve, or an MX record that
/// names something unusable.
fn unresolved(t: &TargetReport, host: &HostReport, e: &Failure) -> Found {
    if !host.other_family.is_empty() {
        let (has, flag) = match host.other_family.first() {
            Some(IpAddr::V6(_)) => ("IPv6", "-4"),
            _ => ("IPv4", "-6"),
        };
        let list: Vec<String> = host.other_family.iter().map(IpAddr::to_string).collect();
        return (
            Code::NoAddressInFamily,
            format!(
                "{} has only {has} addresses ({}); {flag} left nothing to probe: run without {flag}",
                host.name,
                list.join(", ")
            ),
        );
    }
    match (t.kind, e.kind) {
        (_, FailureKind::Timeout | FailureKind::Io) => {
            (Code::ResolverUnreachable, e.message.clone())
        }
        (TargetKind::Host, _) if !t.mx.is_empty() => {
            let mx: Vec<&str> = t.mx.iter().map(|m| m.exchange.as_str()).collect();
            (
                Code::HostIsMailDomain,
                format!(
                    "{} has no address records but publishes MX records ({}): it is a mail domain; use `tlscheck mx {}`",
                    host.name,
                    mx.join(", "),
                    host.name
                ),
            )
        }
        (TargetKind::Host, _) => (Code::HostUnresolvable, e.message.clone()),
        (TargetKind::Mx, FailureKind::BadName)
            if host.name.trim_end_matches('.').parse::<IpAddr>().is_ok() =>
        {
            (Code::MxIpLiteral, e.message.clone())
        }
        (TargetKind::Mx, FailureKind::BadName) => (Code::MxInvalidName, e.message.clone()),
        (TargetKind::Mx, _) => (Code::MxUnresolvable, e.message.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::fixtures::{address, tls, NOW};
    use crate::diagnose::{diagnose_target, target_verdict, Policy};
    use crate::finding::Severity;
    use crate::report::MxRecord;
    use crate::sample;
    use crate::vocab::{Phase, Verdict};

    fn target() -> TargetReport {
        sample::target(
            "contoso.test",
            "mx.contoso.test",
            vec![address(Some(tls()), None)],
        )
    }

    #[test]
    fn null_and_implicit_mx() {
        let mut t = target();
        t.null_mx = true;
        t.hosts.clear();
        let f = diagnose_target(&t, &Policy::default(), NOW);
        assert_eq!(
            f.iter().map(|x| x.code).collect::<Vec<_>>(),
            vec![Code::NullMx]
        );
        assert_eq!(target_verdict(&t, &f), Verdict::Inconclusive);

        let mut t = target();
        t.implicit_mx = true;
        let f = diagnose_target(&t, &Policy::default(), NOW);
        assert_eq!(f[0].code, Code::ImplicitMx);
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(target_verdict(&t, &f), Verdict::Pass);
    }

    #[test]
    fn unusable_mx_hosts_are_named_by_why() {
        let mut t = target();
        for (name, kind) in [
            ("192.0.2.9", FailureKind::BadName),
            ("bad_name!.test", FailureKind::BadName),
            ("gone.contoso.test", FailureKind::Nxdomain),
        ] {
            let mut h = t.hosts[0].clone();
            h.name = name.into();
            h.addresses.clear();
            h.dns_error = Some(Failure::new(Phase::Dns, kind, "no"));
            t.hosts.push(h);
        }
        let codes: Vec<Code> = t
            .hosts
            .iter()
            .flat_map(|h| host(&t, h))
            .map(|f| f.0)
            .collect();
        assert_eq!(
            codes,
            [Code::MxIpLiteral, Code::MxInvalidName, Code::MxUnresolvable]
        );
    }

    #[test]
    fn an_alias_is_reported_unless_the_mx_is_implicit() {
        let mut t = target();
        t.hosts[0].cname = Some("real.contoso.test".into());
        let found = host(&t, &t.hosts[0]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, Code::MxCname);
        assert!(found[0].1.contains("real.contoso.test"), "{}", found[0].1);
        t.implicit_mx = true;
        assert!(host(&t, &t.hosts[0]).is_empty());
    }

    #[test]
    fn what_is_true_about_a_host_without_addresses() {
        let nodata = || {
            Some(Failure::new(
                Phase::Dns,
                FailureKind::NoData,
                "no A records",
            ))
        };
        // -4 and a host with only IPv6 addresses: the family, not the MX record.
        let mut t = target();
        t.hosts[0].addresses.clear();
        t.hosts[0].dns_error = nodata();
        t.hosts[0].other_family = vec!["2001:db8::25".parse().unwrap()];
        let found = host(&t, &t.hosts[0]);
        assert_eq!(found[0].0, Code::NoAddressInFamily);
        assert!(
            found[0].1.ends_with(
                "has only IPv6 addresses (2001:db8::25); -4 left nothing to probe: run without -4"
            ),
            "{}",
            found[0].1
        );
        // `tlscheck host` on a mail domain.
        let mut t = target();
        t.kind = TargetKind::Host;
        t.mx.clear();
        t.hosts[0].name = "contoso.test".into();
        t.hosts[0].addresses.clear();
        t.hosts[0].dns_error = nodata();
        let found = host(&t, &t.hosts[0]);
        assert_eq!(found[0].0, Code::HostUnresolvable);
        t.mx = vec![MxRecord {
            preference: 10,
            exchange: "mx.contoso.test".into(),
        }];
        let found = host(&t, &t.hosts[0]);
        assert_eq!(found[0].0, Code::HostIsMailDomain);
        assert!(
            found[0].1.contains("use `tlscheck mx contoso.test`"),
            "{}",
            found[0].1
        );
    }

    #[test]
    fn too_many_mx_records() {
        let mut t = target();
        t.mx_dropped = 468;
        let found = domain(&t);
        assert_eq!(found[0].0, Code::MxRecordsDropped);
        assert!(
            found[0].1.contains("publishes 469 MX records"),
            "{}",
            found[0].1
        );
    }
}
