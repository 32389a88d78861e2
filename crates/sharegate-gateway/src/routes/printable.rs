//! A printable page of personal data, as the gateway serves one: no scripts, not framed, cached or referred
//! elsewhere, its style inline so that it stands alone when saved.

use actix_web::HttpResponse;
use actix_web::http::header;
use maud::Markup;

/// `markup` as such a page.
pub fn page(markup: Markup) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(markup.into_string())
}
