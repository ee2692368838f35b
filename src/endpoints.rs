//! `tlscheck endpoints`: the firewall check. Fetches a CA's CRL, OCSP and CA-issuer endpoints
//! (from a profile or `--url`) from this machine, concurrently, through the same policy as the
//! revocation checks, and says for each whether it answered and what it served — like
//! `certutil -URL`, but scriptable.

use futures::future::join_all;
use time::OffsetDateTime;
use tokio::time::{timeout_at, Instant};
use x509_parser::prelude::FromDer;

use crate::fetch::{elapsed_ms, FetchError, Fetcher, Response};
use crate::limits::{MAX_CA_ISSUERS_BYTES, MAX_CRL_BYTES, MAX_OCSP_BYTES};
use crate::net::host_label;
use crate::plan::EndpointsPlan;
use crate::report::{EndpointCheck, EndpointsReport, Tool, SCHEMA_VERSION};
use crate::revocation::ocsp;
use crate::vocab::{EndpointKind, EndpointStatus, Verdict};

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
    let verdict = if checks.iter().all(|c| c.status == EndpointStatus::Ok) {
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
            EndpointKind::Ocsp => match ocsp::probe_request() {
                Ok(body) => {
                    fetcher
                        .post(url, "application/ocsp-request", body, MAX_OCSP_BYTES)
                        .await
                }
                Err(e) => Err(FetchError::Protocol(e.to_string())),
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
        status: EndpointStatus::Unreachable,
        http_status: None,
        bytes: None,
        ms: Some(elapsed_ms(started)),
        detail: None,
        error: None,
    };
    match fetched {
        Ok(Response {
            status, body, ms, ..
        }) => {
            c.reachable = true;
            c.http_status = Some(status);
            c.bytes = u64::try_from(body.len()).ok();
            c.ms = Some(ms);
            if (200..300).contains(&status) {
                match describe(kind, &body) {
                    Ok(detail) => {
                        c.status = EndpointStatus::Ok;
                        c.detail = Some(detail);
                    }
                    Err(e) => {
                        c.status = EndpointStatus::Invalid;
                        c.error = Some(e.to_string());
                    }
                }
            } else {
                c.status = EndpointStatus::HttpError;
                c.error = Some(format!("the server answered HTTP {status}"));
            }
        }
        Err(e) => {
            c.reachable = e.reached();
            c.status = match e {
                FetchError::Refused(_) => EndpointStatus::Refused,
                FetchError::Unreachable(_) => EndpointStatus::Unreachable,
                _ => EndpointStatus::Invalid,
            };
            if let FetchError::TooLarge { read, .. } = &e {
                c.bytes = u64::try_from(*read).ok();
            }
            c.error = Some(e.to_string());
        }
    }
    c
}

/// Why a body is not what its endpoint should serve.
#[derive(Debug, thiserror::Error)]
enum NotServed {
    #[error("not a CRL: {0}")]
    Crl(x509_parser::nom::Err<x509_parser::error::X509Error>),
    #[error(transparent)]
    Ocsp(#[from] ocsp::OcspError),
    #[error("not a certificate: {0}")]
    Certificate(x509_parser::nom::Err<x509_parser::error::X509Error>),
}

/// What the body is, or why it is not what the endpoint should serve.
fn describe(kind: EndpointKind, body: &[u8]) -> Result<String, NotServed> {
    match kind {
        EndpointKind::Crl => {
            let (_, crl) = x509_parser::parse_x509_crl(body).map_err(NotServed::Crl)?;
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
                Err(e) => Err(NotServed::Certificate(e)),
            }
        }
        EndpointKind::Other => Ok(format!("{} bytes", body.len())),
    }
}
