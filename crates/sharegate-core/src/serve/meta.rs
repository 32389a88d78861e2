//! Endpoints about the server itself, open to any certificate the door accepts: health, metrics, the API document.

use actix_web::{HttpResponse, get, web};
use prometheus::{Encoder, Registry, TextEncoder};
use serde::Serialize;

use crate::error::ApiError;

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
