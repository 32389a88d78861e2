//! Endpoints about the server itself, open to any certificate the door accepts: health, readiness, metrics, the API
//! document.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use prometheus::{Encoder, Registry, TextEncoder};
use serde::Serialize;

use crate::error::ApiError;
use crate::store::Store;
use crate::tls::Revocations;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` while the server is serving.
    pub status: &'static str,
}

/// Liveness: the server is up and its door answers.
#[utoipa::path(tag = "meta", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// Whether this server can do its work now, each part named.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready` when every check below is `ok`.
    pub status: ReadyStatus,
    /// The store answers and would take a write (a PostgreSQL standby would not).
    pub store: Check,
    /// The certificate revocation lists in force have not passed their next update.
    pub revocation_lists: Check,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadyStatus {
    Ready,
    NotReady,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Ok,
    /// Cannot be reached or written; why is in the server's log, not here.
    Unavailable,
    /// Past its next update: a newer list is due (see docs/operations.md).
    Expired,
}

/// Readiness, for a balancer or an orchestrator: 200 when the server can serve, 503 naming what cannot. Unlike
/// `/healthz`, it asks the store for a write transaction each time.
#[utoipa::path(tag = "meta", responses(
    (status = 200, description = "Ready", body = Readiness),
    (status = 503, description = "Not ready: the checks say which part", body = Readiness),
))]
#[get("/readyz")]
pub async fn readyz(store: web::Data<Store>, revocations: web::Data<Revocations>) -> HttpResponse {
    let store = match store.check_writable().await {
        Ok(()) => Check::Ok,
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the store");
            Check::Unavailable
        }
    };
    let revocation_lists = match revocations.summary().next_update {
        Some(next) if next < chrono::Utc::now() => Check::Expired,
        _ => Check::Ok,
    };
    let ready = store == Check::Ok && revocation_lists == Check::Ok;
    let status = if ready { ReadyStatus::Ready } else { ReadyStatus::NotReady };
    let code = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    HttpResponse::build(code).json(Readiness { status, store, revocation_lists })
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(tag = "meta", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(registry: web::Data<Registry>) -> Result<HttpResponse, ApiError> {
    let encoder = TextEncoder::new();
    let mut buffer = Vec::new();
    encoder.encode(&registry.gather(), &mut buffer).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type(encoder.format_type()).body(buffer))
}

/// The OpenAPI document of this server, generated from the code.
#[utoipa::path(tag = "meta", responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
#[get("/openapi.json")]
pub async fn openapi(document: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(document.get_ref())
}
