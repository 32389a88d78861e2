//! What every server-rendered page of the gateway's and the nodes' consoles is served with: headers that forbid
//! framing, scripts and caching (the pages hold personal data) and send no address to another site; errors as pages
//! that say what the JSON API would have said; and the one style sheet.

use actix_web::HttpResponse;
use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, ContentType, HeaderValue};
use actix_web::middleware::{DefaultHeaders, ErrorHandlerResponse, ErrorHandlers};

use crate::error::ApiError;

/// The headers every console page carries.
pub fn headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .add((header::CACHE_CONTROL, "no-store"))
        // Not `no-referrer`: with it a browser sends its own forms with `Origin: null`. Within the console the
        // addresses (which hold children's ids) stay; to any other site none is sent.
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
}

/// Any error answered under a console becomes the page `render(status, reason, message)` draws, with the message the
/// JSON API would have given. A page a handler drew itself with an error status (a form sent back with what is
/// wrong beside each field) is left as it is.
pub fn errors<B: 'static>(render: fn(u16, &str, &str) -> String) -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(move |response: ServiceResponse<B>| {
        let status = response.status();
        let drawn = response.response().error().is_none()
            && response.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
        if drawn {
            return Ok(ErrorHandlerResponse::Response(response.map_into_left_body()));
        }
        let message = response
            .response()
            .error()
            .and_then(|e| e.as_error::<ApiError>())
            .map_or_else(|| status.canonical_reason().unwrap_or("error").to_owned(), |e| e.message().to_owned());
        let html = render(status.as_u16(), status.canonical_reason().unwrap_or(""), &message);
        let response = response.map_body(|head, _| {
            head.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            EitherBody::right(BoxBody::new(html))
        });
        Ok(ErrorHandlerResponse::Response(response))
    })
}

/// A page, as HTML.
pub fn page(html: String) -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::html()).body(html)
}

/// The consoles' one style sheet.
pub async fn style() -> HttpResponse {
    HttpResponse::Ok().content_type("text/css; charset=utf-8").body(STYLE)
}

pub const STYLE: &str = "\
body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;line-height:1.4}\
header{background:#1d3557;color:#fff;padding:.6em 1.5em}header a{color:#fff;margin-right:1.2em}\
header p{margin:.2em 0}.brand{font-weight:bold}main{padding:1em 1.5em;max-width:80em}\
.wide{overflow-x:auto}table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}\
th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#eef}\
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}\
.refused,.overdue{color:#a00}.note{background:#ffd;padding:.5em;border:1px solid #cc9}\
form.search{display:grid;grid-template-columns:repeat(auto-fill,minmax(14em,1fr));gap:.5em;margin-bottom:1em}\
label{display:flex;flex-direction:column;font-size:.9em}label.choice{flex-direction:row;gap:.4em;align-items:center}\
fieldset{border:1px solid #bbb;margin:.5em 0}textarea{width:100%;box-sizing:border-box;min-height:6em}\
input[type=radio],input[type=checkbox]{width:1.5em;height:1.5em;margin:.2em}button{min-height:2.75em;padding:.4em 1em}\
code{font-size:.85em;word-break:break-all}td.when{white-space:nowrap}.nhs{white-space:nowrap;color:#444}\
.pair{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}.pair table{width:auto}\
svg.chart{max-width:100%;height:auto;font-family:system-ui,sans-serif;font-size:13px}caption{text-align:left;font-weight:bold}\
article.record{border:1px solid #bbb;padding:.2em 1em;margin:.8em 0}article.amendment{margin-left:2em;border-left:4px solid #1d3557}\
section.decision{border:1px solid #bbb;padding:.2em 1em;margin:.8em 0}.small{font-size:.85em}\
.broken{color:#a00;font-weight:bold;margin:.2em 0}.row{display:grid;grid-template-columns:repeat(auto-fill,minmax(16em,1fr));gap:.5em}\
@media (max-width:60em){dl{grid-template-columns:auto}main{padding:.5em}}";
