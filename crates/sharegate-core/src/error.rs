//! The API's error format and the one error type every handler returns.
//!
//! Which error type is used where:
//! - [`ApiError`] is what handlers return; its [`ErrorKind`] decides the HTTP status and the `code` of the JSON
//!   envelope `{"error": {"code", "message", "field"}}`. Its message is shown to the caller, so it never carries a
//!   secret, a stack trace or anything about records the caller may not see. The cause, if any, is kept for the log.
//! - Each part of the system has its own `thiserror` enum (`IdentityError`, `ConfigError`, `TlsError`, store
//!   errors, …); a `From` impl turns the ones that can reach a caller into an `ApiError`.
//! - A refused request is not an error: it is an answer (`403 {"disclosure_id", "refused"}`), built elsewhere.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// What went wrong, as the caller needs to know it. One variant per distinct status and code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum ErrorKind {
    /// The body is not JSON, or not the JSON shape expected.
    MalformedJson,
    /// The body has a field the endpoint does not know.
    UnknownField,
    /// A required field is missing.
    MissingField,
    /// A field's value is not acceptable (bad NHS number, unknown purpose, …).
    InvalidField,
    /// The body is larger than the configured limit.
    BodyTooLarge,
    /// The method is not allowed on this resource (records are never edited or deleted).
    MethodNotAllowed,
    /// No usable client identity.
    NotAuthenticated,
    /// The caller is known but may not do this.
    Forbidden,
    NotFound,
    /// The client did not send its request body in time.
    RequestTimeout,
    /// A body that is not of the type the endpoint takes (JSON bodies must say `application/json`).
    UnsupportedMediaType,
    /// The thing exists already (a duplicate NHS number, …).
    Duplicate,
    /// Over this certificate's or agency's rate; `Retry-After` says when to try again.
    TooManyRequests,
    /// A node: the gateway asked about a child other than the one the agency's reference belongs to.
    SubjectMismatch,
    /// Well-formed, but it breaks a recording rule of the policy.
    BreaksRecordingRule,
    /// A store cannot be read or written; nothing was disclosed.
    StoreUnavailable,
    /// A store holds something that cannot be read back; nothing was disclosed, and trying again will not help.
    StoreCorrupt,
    /// A bug. Never expected; logged with its cause.
    Internal,
}

impl ErrorKind {
    pub fn status(self) -> StatusCode {
        match self {
            Self::MalformedJson | Self::UnknownField | Self::MissingField | Self::InvalidField => {
                StatusCode::BAD_REQUEST
            }
            Self::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAuthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Duplicate | Self::SubjectMismatch => StatusCode::CONFLICT,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::BreaksRecordingRule => StatusCode::UNPROCESSABLE_ENTITY,
            Self::StoreUnavailable | Self::StoreCorrupt => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code the error envelope carries, e.g. `invalid_field`.
    pub fn code(self) -> &'static str {
        self.into()
    }
}

type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error answered to the caller. Build it with the constructors; they say what the caller sees.
#[derive(Debug)]
pub struct ApiError {
    kind: ErrorKind,
    message: String,
    field: Option<String>,
    violations: Vec<Violation>,
    cause: Option<Cause>,
}

/// One broken recording rule, for 422 answers that list every rule a record breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Violation {
    /// A stable name for the rule, e.g. `opinion_needs_evidence`.
    pub rule: &'static str,
    /// The field at fault, e.g. `statements[1].evidence`.
    pub field: String,
    pub message: String,
    /// The words at fault, as written, where the rule is about wording (¶15).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// A wording that keeps the rule, where there is one to suggest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

impl Violation {
    pub fn new(rule: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { rule, field: field.into(), message: message.into(), found: None, suggestion: None }
    }
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), field: None, violations: Vec::new(), cause: None }
    }

    /// A field of the request was wrong: 400 (or the kind given) naming the field.
    pub fn with_field(kind: ErrorKind, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: Some(field.into()), ..Self::new(kind, message) }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::with_field(ErrorKind::InvalidField, field, message)
    }

    /// 422: the request is well-formed but breaks recording rules; each is listed.
    pub fn breaks_rules(violations: Vec<Violation>) -> Self {
        let summary = violations.iter().map(|v| v.message.as_str()).collect::<Vec<_>>().join("; ");
        let field = violations.first().map(|v| v.field.clone());
        Self { field, violations, ..Self::new(ErrorKind::BreaksRecordingRule, summary) }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// A store failed: 503, and the cause goes to the log only.
    pub fn store_unavailable(cause: impl Into<Cause>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(
                ErrorKind::StoreUnavailable,
                "the store cannot be reached or written just now; nothing was disclosed, try again shortly",
            )
        }
    }

    /// A stored row that cannot be read back: 503 (the service cannot answer this, as with a failing disk), its
    /// cause to the log only, with a code of its own so that it is not taken for a passing fault.
    pub fn store_corrupt(cause: impl Into<Cause>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(
                ErrorKind::StoreCorrupt,
                "the store holds something that cannot be read; nothing was disclosed, and an operator must check it",
            )
        }
    }

    /// A bug: 500, and the cause goes to the log only.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(ErrorKind::Internal, "an internal error occurred; it has been logged")
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn field_name(&self) -> Option<&str> {
        self.field.as_deref()
    }

    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)?;
        if let Some(cause) = &self.cause {
            write!(f, " (cause: {cause})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().map(|c| c as &(dyn std::error::Error + 'static))
    }
}

/// The JSON envelope of every error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code, e.g. `invalid_field`.
    pub code: String,
    /// What was wrong, in words a practitioner understands.
    pub message: String,
    /// The request field at fault, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For 422: every recording rule the request breaks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        if self.kind.status().is_server_error() {
            tracing::error!(code = self.kind.code(), error = %self, "request failed");
        }
        HttpResponse::build(self.status_code()).json(ErrorEnvelope {
            error: ErrorBody {
                code: self.kind.code().to_owned(),
                message: self.message.clone(),
                field: self.field.clone(),
                violations: self.violations.clone(),
            },
        })
    }
}
