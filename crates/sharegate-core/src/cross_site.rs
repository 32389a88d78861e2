//! Requests that another site's page makes a browser send are refused.
//!
//! A browser that holds a practitioner's certificate presents it to the gateway (or a node) whenever it is asked,
//! including for requests that a page of any other site starts: a form, an image, a script's `fetch`. Without this
//! guard such a page could have a DPO's browser record a review, or a practitioner's browser ask for records and so
//! write a disclosure in their name. Programs (curl, agency systems, the gateway reaching nodes) send neither of
//! the headers read here and are not affected.
//!
//! The rule, from the browser's own account of where a request comes from (Fetch Metadata's `Sec-Fetch-Site`, and
//! `Origin` for browsers too old to send it):
//! - from the server's own pages: allowed;
//! - with no initiator (`Sec-Fetch-Site: none`: typed into the address bar, a bookmark — or a link opened from a
//!   mail or chat program, which looks the same): only opening a console page, or reading what discloses nothing
//!   (`/healthz`, `/readyz`, `/metrics`, `/openapi.json`, `/v1/whoami`, `/v1/policy`). A bare link to a lookup or a
//!   meeting is otherwise a logged disclosure in the clicker's name;
//! - from another site: only opening a console page (a link to it in an e-mail still works); nothing else — not a
//!   `GET` either, since asking who holds what about a child is itself a logged disclosure.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;

use crate::error::ApiError;

/// Where the browser says a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Initiator {
    /// Not a browser, or one that says nothing (checked by `Origin` alone).
    Unsaid,
    /// The server's own pages.
    OwnPages,
    /// No page: the address bar, a bookmark, or a link opened from another program.
    NoPage,
    /// A page of another origin.
    OtherSite,
}

fn initiator(req: &ServiceRequest) -> Initiator {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    match header("sec-fetch-site") {
        Some("same-origin") => Initiator::OwnPages,
        Some("none") => Initiator::NoPage,
        Some(_) => Initiator::OtherSite,
        None => match req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            Some(origin) if origin == format!("https://{}", req.connection_info().host()) => Initiator::OwnPages,
            // Browsers send `Origin` with every request that can change something, and with any request from
            // a script; a program sends none.
            Some(_) => Initiator::OtherSite,
            None => Initiator::Unsaid,
        },
    }
}

/// Opening a console page from a link elsewhere: a top-level navigation that reads and changes nothing.
fn opens_a_console_page(req: &ServiceRequest) -> bool {
    let navigates = req.headers().get("sec-fetch-mode").is_some_and(|m| m == "navigate");
    let console = req.path() == "/console" || req.path().starts_with("/console/");
    navigates && console && matches!(*req.method(), Method::GET | Method::HEAD)
}

/// Reading what discloses nothing about anyone.
fn reads_nothing_personal(req: &ServiceRequest) -> bool {
    const PATHS: [&str; 6] = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/whoami", "/v1/policy"];
    matches!(*req.method(), Method::GET | Method::HEAD) && PATHS.contains(&req.path())
}

/// Whether the module's rule refuses `req`.
fn refused(req: &ServiceRequest) -> bool {
    match initiator(req) {
        Initiator::Unsaid | Initiator::OwnPages => false,
        Initiator::NoPage => !opens_a_console_page(req) && !reads_nothing_personal(req),
        Initiator::OtherSite => !opens_a_console_page(req),
    }
}

/// The middleware: see the module's doc.
pub async fn refuse_other_sites(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if refused(&req) {
        return Err(ApiError::forbidden(
            "this request was started by another site's page; sharegate takes requests only from its own pages \
             and from programs",
        )
        .into());
    }
    next.call(req).await
}

#[cfg(test)]
mod tests;
