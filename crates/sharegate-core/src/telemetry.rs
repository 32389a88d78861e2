//! Structured logs with tracing: human-readable by default, JSON with `SHAREGATE_LOG_FORMAT=json`; the filter comes
//! from `SHAREGATE_LOG` (e.g. `info`, `sharegate=debug`). Logs never carry record content, certificates or keys,
//! nor a request's path or query, nor what a refused request sent (see [`RequestSpan`]).

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

use crate::error::ApiError;

pub fn init() {
    // actix announces every worker it starts and stops; that is noise unless asked for.
    let filter = EnvFilter::try_from_env("SHAREGATE_LOG").unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(|| LossyStderr);
    let json = std::env::var("SHAREGATE_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    // try_init: a second call (tests, the demo starting several servers) keeps the first subscriber.
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

/// Standard error, where a line that cannot be written is lost rather than reported. When whoever read the log has
/// gone (a log shipper that died, journald restarted), writing fails; tracing would then report the failure with
/// `eprintln!`, which panics on the same closed pipe — in whichever task was logging: a request's handler, or the one
/// waiting for SIGTERM, so that the server never stopped.
struct LossyStderr;

impl std::io::Write for LossyStderr {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        // One event is one `write` of its whole line (tracing formats it into a buffer first).
        let _ = std::io::stderr().write_all(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Each request's span: its method, route template, client address, request id and status — less than
/// tracing-actix-web's default, which also writes the request's target and an error's message. The target's
/// path carries children's ids and agencies' local references, its query a discovery's free-text reason — what the
/// disclosure log keeps, and operational logs never should. The route template (`/v1/subjects/{id}/holders`) says
/// what was called; the request id ties together the lines of one request.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request.match_pattern().unwrap_or_else(|| "default".to_owned());
        let request_id = request.extensions().get::<RequestId>().copied();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            // The connection's own address: `Forwarded` headers are the client's to write.
            http.client_ip = request.peer_addr().map(|a| tracing::field::display(a.ip())),
            request_id = request_id.map(tracing::field::display),
            http.status_code = tracing::field::Empty,
        )
    }

    /// Records the status, and logs an error answer: a refusal by its code, not its message, which may repeat what
    /// the client sent (a child's name typed into the wrong field).
    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, actix_web::Error>) {
        let (status, error) = match outcome {
            Ok(response) => (response.status(), response.response().error()),
            Err(error) => (error.as_response_error().status_code(), Some(error)),
        };
        span.record("http.status_code", status.as_u16());
        let Some(error) = error else { return };
        let _inside = span.enter();
        match (error.as_error::<ApiError>(), status.is_server_error()) {
            // Logged with its message where it is answered (`ApiError`'s `error_response`).
            (Some(_), true) => {}
            (None, true) => tracing::error!(%error, "request failed"),
            (api, false) => tracing::warn!(code = api.map_or("error", |e| e.kind().code()), "request refused"),
        }
    }
}
