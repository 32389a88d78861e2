//! HTTP handlers: thin shells that take typed arguments (identity, parsed body), call the part that does the work,
//! and shape the answer. Nothing clever happens here; every route is documented in the OpenAPI document.

pub mod consents;
pub mod console;
pub mod dpo;
pub mod extract;
pub mod log;
pub mod meetings;
pub mod meta;
pub mod policy;
pub mod requests;
pub mod subjects;
pub mod whoami;

use actix_web::{HttpRequest, HttpResponse};

use crate::error::ApiError;

/// Any path or method the API does not have. The answer does not repeat the path: it is logged, and a mistyped path
/// may hold an NHS number.
pub async fn no_such_endpoint(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "there is no {} endpoint at this path; GET /openapi.json lists every endpoint",
        req.method()
    )))
}
