//! `tlscheck endpoints`: the firewall check. Fetches a CA's CRL, OCSP and CA-issuer endpoints
//! (from a profile or `--url`) from this machine, concurrently, through the same policy as the
//! revocation checks, and says for each whether it answered and what it served — like
//! `certutil -URL`, but scriptable.

use std::io::Write;
use std::sync::Arc;

use futures::future::join_all;
use time::OffsetDateTime;
use tokio::time::{timeout_at, Instant};
use x509_parser::prelude::FromDer;

use crate::diagnose::Verdict;
use crate::fetch::{elapsed_ms, host_label, FetchError, Fetcher, Response};
use crate::limits::{MAX_CA_ISSUERS_BYTES, MAX_CRL_BYTES, MAX_OCSP_BYTES};
use crate::plan::EndpointsPlan;
use crate::render::text::clean;
use crate::report::{EndpointCheck, EndpointKind, EndpointsReport, Tool, SCHEMA_VERSION};
use crate::revocation::ocsp;

/// An OCSP request for serial 1 of an all-zero issuer: any responder answers it (usually
/// `unauthorized` or `unknown`), which proves it is reachable and speaks OCSP.
fn probe_request() -> Result<Vec<u8>, String> {
    use der::asn1::OctetString;
    use x509_cert::serial_number::SerialNumber;
    let zero = || OctetString::new(vec![0u8; 20]).map_err(|e| e.to_string());
    let id = x509_ocsp::CertId {
        hash_algorithm: x509_cert::spki::AlgorithmIdentifierOwned {
            oid: der::oid::ObjectIdentifier::new_unwrap("1.3.14.3.2.26"),
            parameters: Some(der::Any::null()),
        },
        issuer_name_hash: zero()?,
        issuer_key_hash: zero()?,
        serial_number: SerialNumber::new(&[1]).map_err(|e| e.to_string())?,
    };
    ocsp::request(&id)
}

/// Fetches every endpoint of the plan concurrently.
pub async fn run(plan: &EndpointsPlan, fetcher: &Fetcher) -> EndpointsReport {
    let started_at = OffsetDateTime::now_utc();
    let t0 = Instant::now();
    let deadline = t0 + plan.deadline;
    let checks = join_all(
        plan.endpoints
            .iter()
            .map(|(kind, url)| check(fetcher, *kind, url, deadline)),
    )
    .await;
    let verdict = if checks.iter().all(|c| c.status == "ok") {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    EndpointsReport {
        schema_version: SCHEMA_VERSION,
        kind: "endpoints".into(),
        tool: Tool::this(),
        started_at,
        duration_ms: elapsed_ms(t0),
        profile: plan.profile.clone(),
        allow_private_fetch: plan.allow_private_fetch,
        endpoints: checks,
        verdict,
    }
}

async fn check(
    fetcher: &Fetcher,
    kind: EndpointKind,
    url: &str,
    deadline: Instant,
) -> EndpointCheck {
    let started = Instant::now();
    let request = async {
        match kind {
            EndpointKind::Ocsp => match probe_request() {
                Ok(body) => {
                    fetcher
                        .post(url, "application/ocsp-request", body, MAX_OCSP_BYTES)
                        .await
                }
                Err(e) => Err(FetchError::Protocol(e)),
            },
            EndpointKind::Crl => fetcher.get(url, MAX_CRL_BYTES).await,
            EndpointKind::CaIssuers | EndpointKind::Other => {
                fetcher.get(url, MAX_CA_ISSUERS_BYTES).await
            }
        }
    };
    let fetched = timeout_at(deadline, request).await.unwrap_or_else(|_| {
        Err(FetchError::Unreachable(
            "the run deadline passed before an answer came".into(),
        ))
    });
    let mut c = EndpointCheck {
        kind,
        url: url.to_string(),
        host: host_label(url),
        reachable: false,
        status: String::new(),
        http_status: None,
        bytes: None,
        ms: Some(elapsed_ms(started)),
        detail: None,
        error: None,
    };
    match fetched {
        Ok(Response { status, body, ms }) => {
            c.reachable = true;
            c.http_status = Some(status);
            c.bytes = u64::try_from(body.len()).ok();
            c.ms = Some(ms);
            if (200..300).contains(&status) {
                match describe(kind, &body) {
                    Ok(detail) => {
                        c.status = "ok".into();
                        c.detail = Some(detail);
                    }
                    Err(e) => {
                        c.status = "invalid".into();
                        c.error = Some(e);
                    }
                }
            } else {
                c.status = "http-error".into();
                c.error = Some(format!("the server answered HTTP {status}"));
            }
        }
        Err(e) => {
            c.reachable = e.reached();
            c.status = match e {
                FetchError::Refused(_) => "refused",
                FetchError::Unreachable(_) => "unreachable",
                _ => "invalid",
            }
            .into();
            if let FetchError::TooLarge { read, .. } = &e {
                c.bytes = u64::try_from(*read).ok();
            }
            c.error = Some(e.to_string());
        }
    }
    c
}

/// What the body is, or why it is not what the endpoint should serve.
fn describe(kind: EndpointKind, body: &[u8]) -> Result<String, String> {
    match kind {
        EndpointKind::Crl => {
            let (_, crl) =
                x509_parser::parse_x509_crl(body).map_err(|e| format!("not a CRL: {e}"))?;
            let next = crl
                .next_update()
                .map(|t| t.to_datetime().to_string())
                .unwrap_or_else(|| "none".into());
            Ok(format!(
                "CRL issued by {}, {} entries, this update {}, next update {}",
                crl.issuer(),
                crl.iter_revoked_certificates().count(),
                crl.last_update().to_datetime(),
                next
            ))
        }
        EndpointKind::Ocsp => {
            let status = ocsp::response_status(body)?;
            Ok(format!("OCSP responder answered {status}"))
        }
        EndpointKind::CaIssuers => {
            match x509_parser::certificate::X509Certificate::from_der(body) {
                Ok((_, cert)) => Ok(format!("certificate {}", cert.subject())),
                // PKCS#7 bundles (.p7c) are served as well; say what it is without parsing it.
                Err(_) if body.first() == Some(&0x30) => Ok(format!(
                    "DER data of {} bytes (not a single certificate; PKCS#7?)",
                    body.len()
                )),
                Err(e) => Err(format!("not a certificate: {e}")),
            }
        }
        EndpointKind::Other => Ok(format!("{} bytes", body.len())),
    }
}

/// The text report: one line per endpoint, then the verdict.
pub fn render_text(report: &EndpointsReport, out: &mut dyn Write) -> std::io::Result<()> {
    match &report.profile {
        Some(p) => writeln!(out, "Endpoints of profile {p}:")?,
        None => writeln!(out, "Endpoints:")?,
    }
    for e in &report.endpoints {
        let ms = e.ms.map(|m| format!("{m} ms")).unwrap_or_default();
        let http = e
            .http_status
            .map(|s| format!("HTTP {s}"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:<4} {:<11} {} {} {}",
            if e.status == "ok" { "ok" } else { "FAIL" },
            e.kind.as_str(),
            clean(&e.url),
            http,
            ms
        )?;
        if let Some(d) = &e.detail {
            writeln!(out, "       {}", clean(d))?;
        }
        if let Some(err) = &e.error {
            writeln!(out, "       {}: {}", e.status, clean(err))?;
            if e.status == "unreachable" {
                if let Some(h) = &e.host {
                    writeln!(
                        out,
                        "       The firewall (or proxy) must let this machine reach {} over {}.",
                        clean(h),
                        if e.url.starts_with("https:") {
                            "HTTPS (443)"
                        } else {
                            "HTTP (80)"
                        }
                    )?;
                }
            }
        }
    }
    let failed = report.endpoints.iter().filter(|e| e.status != "ok").count();
    writeln!(
        out,
        "Verdict: {} ({} of {} endpoints answered as expected)",
        if failed == 0 { "pass" } else { "fail" },
        report.endpoints.len() - failed,
        report.endpoints.len()
    )
}

/// Shared by the binary: runs the plan and returns the report.
pub async fn run_plan(plan: &EndpointsPlan) -> Result<EndpointsReport, crate::Error> {
    let dns = Arc::new(crate::make_dns(plan.resolver, plan.timeout)?);
    let fetcher =
        Fetcher::new(dns, plan.allow_private_fetch, plan.timeout).map_err(crate::Error::Usage)?;
    Ok(run(plan, &fetcher).await)
}
