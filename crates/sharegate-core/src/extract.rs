//! Turning the wire into Rust at the edge: JSON bodies (bounded, strict, errors naming the field), query strings
//! and path segments. Every failure is an [`ApiError`] in the JSON envelope, never actix's plain-text default.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::web::{self, BytesMut};
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorKind};

/// The largest request body accepted (config `body_limit_bytes`), and how long its client may take to send it
/// (config `client_timeout_ms`).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit {
    pub bytes: usize,
    pub deadline: std::time::Duration,
}

/// A JSON body parsed into `T` (which should `deny_unknown_fields`). Bodies over [`BodyLimit`] are refused with 413
/// before they are read in full.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

fn too_large(limit: usize) -> ApiError {
    ApiError::new(ErrorKind::BodyTooLarge, format!("the request body is larger than the limit of {limit} bytes"))
}

/// Reads the whole body, refusing it with 413 as soon as it passes the limit, and with 408 if the client has not
/// sent it all by the deadline (a client trickling its body would otherwise hold a worker as long as it liked).
fn read_body(req: &HttpRequest, payload: &mut Payload) -> LocalBoxFuture<'static, Result<BytesMut, ApiError>> {
    let BodyLimit { bytes: limit, deadline } = req
        .app_data::<BodyLimit>()
        .copied()
        .unwrap_or(BodyLimit { bytes: 64 * 1024, deadline: std::time::Duration::from_secs(10) });
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let mut payload = payload.take();
    let read = async move {
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large(limit));
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::new(ErrorKind::MalformedJson, format!("the request body could not be read: {e}"))
            })?;
            if body.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    Box::pin(async move {
        tokio::time::timeout(deadline, read).await.unwrap_or_else(|_| {
            Err(ApiError::new(
                ErrorKind::RequestTimeout,
                format!("the request body did not arrive within {} ms", deadline.as_millis()),
            ))
        })
    })
}

/// A JSON body must say so: a browser's cross-site form can post `text/plain`, never `application/json`.
fn says_json(req: &HttpRequest) -> Result<(), ApiError> {
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorKind::UnsupportedMediaType,
            "the request body must be JSON, sent with Content-Type: application/json",
        ))
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let typed = says_json(req);
        let body = read_body(req, payload);
        Box::pin(async move {
            typed?;
            parse_json(&body.await?).map(ApiJson)
        })
    }
}

/// A JSON body that may be left out entirely (an empty body is `T::default()`), for endpoints whose fields are all
/// optional.
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let typed = says_json(req);
        let body = read_body(req, payload);
        Box::pin(async move {
            let body = body.await?;
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(T::default()));
            }
            typed?;
            parse_json(&body).map(OptionalJson)
        })
    }
}

/// Parses a JSON object into `T`, turning serde's error into one that names the field at fault.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // serde would take a struct from an array too; every body of this API is an object.
    if body.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b != b'{') {
        return Err(ApiError::new(ErrorKind::MalformedJson, "the request body must be a JSON object"));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = without_position(&inner.to_string());
        if inner.is_data() {
            field_error(&path, &message, "the request body has the wrong shape")
        } else {
            ApiError::new(ErrorKind::MalformedJson, format!("the request body is not valid JSON: {message}"))
        }
    })?;
    deserializer.end().map_err(|e| {
        let message = without_position(&e.to_string());
        ApiError::new(ErrorKind::MalformedJson, format!("the request body is not valid JSON: {message}"))
    })?;
    Ok(value)
}

/// A serde data error at `path` (`.` for the top level) as an error naming the field.
fn field_error(path: &str, message: &str, top_level: &str) -> ApiError {
    let at = |name: &str| if path == "." { name.to_owned() } else { format!("{path}.{name}") };
    // serde_path_to_error's path usually ends at the unknown field itself, but at the object when the field was
    // refused by a flattened struct, and at the object missing a field.
    if let Some(name) = quoted_after(message, "unknown field `") {
        let field = if path.ends_with(name) { path.to_owned() } else { at(name) };
        ApiError::with_field(ErrorKind::UnknownField, field, format!("unknown field '{name}'"))
    } else if let Some(name) = quoted_after(message, "missing field `") {
        ApiError::with_field(ErrorKind::MissingField, at(name), format!("'{name}' is required"))
    } else if path == "." {
        ApiError::new(ErrorKind::MalformedJson, format!("{top_level}: {message}"))
    } else {
        ApiError::invalid(path, format!("{path} {message}"))
    }
}

/// A query string parsed into `T` (which should `deny_unknown_fields`), errors naming the parameter.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_urlencoded(req.query_string().as_bytes(), "the query string is not acceptable").map(ApiQuery))
    }
}

/// A form body (`application/x-www-form-urlencoded`, as a browser posts it) parsed into `T` (which should
/// `deny_unknown_fields`): bounded like [`ApiJson`], errors naming the field.
#[derive(Debug)]
pub struct ApiForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiForm<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload);
        Box::pin(async move { parse_urlencoded(&body.await?, "the form is not acceptable").map(ApiForm) })
    }
}

/// Parses `a=1&b=2` (a query string, or a form's body) into `T`, errors naming the field; `top_level` says what was
/// not acceptable when no field is at fault.
fn parse_urlencoded<T: DeserializeOwned>(text: &[u8], top_level: &str) -> Result<T, ApiError> {
    let parser = form_urlencoded::parse(text);
    serde_path_to_error::deserialize(serde_html_form::Deserializer::new(parser)).map_err(|e| {
        let path = e.path().to_string();
        field_error(&path, &e.into_inner().to_string(), top_level)
    })
}

/// serde_json appends " at line L column C"; the caller needs the field, not the column.
fn without_position(message: &str) -> String {
    message.rfind(" at line ").and_then(|i| message.get(..i)).unwrap_or(message).to_owned()
}

/// The text between `prefix` and the next backtick.
fn quoted_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.get(message.find(prefix)? + prefix.len()..)?;
    rest.split('`').next()
}

/// Path segments that do not parse answer 400 in the envelope.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|e, _| ApiError::new(ErrorKind::InvalidField, format!("the path is not acceptable: {e}")).into())
}

#[cfg(test)]
mod tests;
