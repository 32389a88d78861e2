//! The answer to a request no route takes: 404, or 405 naming the methods the path does take.

use actix_web::http::header::{ALLOW, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::OpenApi;

use crate::error::{ApiError, ErrorKind};

/// Any path or method the API does not have. A path the API has, with another method, is a 405 whose `Allow` says
/// which methods it takes (read from the OpenAPI document, so it cannot fall behind the routes). The answer does
/// not repeat the path: it is logged, and a mistyped path may hold an NHS number.
pub async fn no_such_endpoint(req: HttpRequest, document: Option<web::Data<OpenApi>>) -> HttpResponse {
    let allowed = document.map(|d| methods_at(&d, req.path())).unwrap_or_default();
    if allowed.is_empty() {
        // Built from the error, so that the request's log line names it (see `telemetry`).
        return HttpResponse::from_error(ApiError::not_found(format!(
            "there is no {} endpoint at this path; GET /openapi.json lists every endpoint",
            req.method()
        )));
    }
    let allow = allowed.join(", ");
    let mut response = HttpResponse::from_error(ApiError::new(
        ErrorKind::MethodNotAllowed,
        format!("this path does not take {}; it takes {allow}", req.method()),
    ));
    if let Ok(value) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(ALLOW, value);
    }
    response
}

/// The methods the document gives the path that `path` fills in (a `{…}` segment matches any one segment).
fn methods_at(document: &OpenApi, path: &str) -> Vec<&'static str> {
    let given: Vec<&str> = path.split('/').collect();
    let fits = |template: &str| {
        let parts: Vec<&str> = template.split('/').collect();
        parts.len() == given.len()
            && parts.iter().zip(&given).all(|(t, g)| (t.starts_with('{') && !g.is_empty()) || t == g)
    };
    let mut methods = Vec::new();
    for (_, item) in document.paths.paths.iter().filter(|(template, _)| fits(template)) {
        for (method, operation) in [
            ("GET", &item.get),
            ("PUT", &item.put),
            ("POST", &item.post),
            ("DELETE", &item.delete),
            ("PATCH", &item.patch),
        ] {
            if operation.is_some() && !methods.contains(&method) {
                methods.push(method);
            }
        }
    }
    methods
}

#[cfg(test)]
mod tests;
