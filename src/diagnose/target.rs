//! Rules about a target as a whole and its MX hosts: the domain's DNS, a null or implicit MX,
//! MX records past the limit, and MX hosts that cannot be used (no addresses, an IP literal, an
//! invalid name, an alias).

use std::net::IpAddr;

use super::Found;
use crate::finding::Code;
use crate::report::{HostReport, TargetReport};
use crate::vocab::{FailureKind, TargetKind};

/// The findings about the domain itself.
pub(super) fn domain(t: &TargetReport) -> Vec<Found> {
    let mut out = Vec::new();
    if let Some(e) = &t.dns_error {
        out.push((Code::DomainUnresolvable, e.message.clone()));
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
        let code = match e.kind {
            FailureKind::BadName if host.name.trim_end_matches('.').parse::<IpAddr>().is_ok() => {
                Code::MxIpLiteral
            }
            FailureKind::BadName => Code::MxInvalidName,
            _ => Code::MxUnresolvable,
        };
        out.push((code, e.message.clone()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::fixtures::{address, tls, NOW};
    use crate::diagnose::{diagnose_target, target_verdict, Policy};
    use crate::finding::Severity;
    use crate::report::Failure;
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
