//! Structured logs with tracing: human-readable by default, JSON with `SHAREGATE_LOG_FORMAT=json`; the filter comes
//! from `SHAREGATE_LOG` (e.g. `info`, `sharegate=debug`). Logs never carry record content, certificates or keys,
//! nor a request's path or query (see [`RequestSpan`]).

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

pub fn init() {
    // actix announces every worker it starts and stops; that is noise unless asked for.
    let filter = EnvFilter::try_from_env("SHAREGATE_LOG").unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let json = std::env::var("SHAREGATE_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    // try_init: a second call (tests, the demo starting several servers) keeps the first subscriber.
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

/// Each request's span: tracing-actix-web's default fields, less the request's target and user agent. The target's
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
            http.client_ip = %request.connection_info().realip_remote_addr().unwrap_or(""),
            request_id = request_id.map(tracing::field::display),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, actix_web::Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
