//! A node that misbehaves on purpose: it holds the agency's real certificate, passes the door, and then hangs,
//! fails, talks nonsense, sends too much, or lies.

use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::helpers::federation;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misbehaviour {
    /// Answers after 5 s.
    Hangs,
    Fails,
    Nonsense,
    /// A body of `bytes` bytes.
    TooMuch(usize),
    /// Valid-looking records, some of which it was never asked for.
    Lies,
    /// The record asked for, and properly signed records it was not asked for: another category, another child.
    Overshares,
    /// Sends the gateway elsewhere (`/elsewhere`, which would answer with a record).
    Redirects,
}

/// A record as a node would send it, for `agency` about `subject_ref` in `category`, signed with `agency`'s key.
pub fn record(agency: &str, subject_ref: &str, category: &str, text: &str) -> Value {
    signed_by(agency, unsigned(agency, subject_ref, category, text))
}

/// `record` with its signature made by `agency`'s node key, as the real node would; left as it is if it is not a
/// record the node could have stored (too long a text, say).
fn signed_by(agency: &str, mut record: Value) -> Value {
    let Ok(served) = serde_json::from_value::<sharegate_protocol::record::SignedRecord>(record.clone()) else {
        return record;
    };
    let agency = sharegate_core::domain::AgencyName::parse(agency).expect("agency");
    let key = sharegate_core::signing::load(&federation().layout.node_signing_key(&agency)).expect("the node's key");
    record["signature"] = json!(sharegate_protocol::record::seal(&served.record, &key).expect("seal").signature);
    record
}

fn unsigned(agency: &str, subject_ref: &str, category: &str, text: &str) -> Value {
    json!({
        "format": "sharegate-record-v2",
        "id": format!("rec_{}", hex::encode(rand::random::<[u8; 16]>())),
        "agency": agency,
        "subject_ref": subject_ref,
        "occurred_at": "2026-11-20T10:00:00Z",
        "recorded_at": "2026-11-20T11:00:00Z",
        "contact_type": "home_visit",
        "category": category,
        "statements": [{"kind": "fact", "text": text}],
        "sources": [{"who": "a teacher", "how": "in person"}],
        "retention_class": "standard",
        "author": {"agency": agency, "role": "dsl", "person": "Rogue Author", "serial": "01"},
        "amends": null,
        "signature": "00"
    })
}

/// Starts a misbehaving `agency` node on a free port; returns the port.
pub fn spawn(agency: &'static str, subject_ref: &'static str, how: Misbehaviour) -> u16 {
    let layout = &federation().layout;
    let agency_name = sharegate_core::domain::AgencyName::parse(agency).unwrap();
    let files = layout.node(&agency_name);
    let tls = sharegate_core::tls::server_config(
        &files,
        &sharegate_core::tls::Revocations::load(&files, sharegate_core::tls::revocation::Side::Clients).unwrap(),
    )
    .unwrap();
    let server = HttpServer::new(move || {
        App::new().default_service(web::to(move |req: actix_web::HttpRequest| async move {
            match how {
                Misbehaviour::Hangs => {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    HttpResponse::Ok().json(json!({"records": []}))
                }
                Misbehaviour::Fails => HttpResponse::InternalServerError().body("database on fire"),
                Misbehaviour::Nonsense => {
                    HttpResponse::Ok().content_type("application/json").body("{\"records\": [oops")
                }
                Misbehaviour::TooMuch(bytes) => {
                    let filler = "x".repeat(bytes);
                    HttpResponse::Ok()
                        .json(json!({"records": [record(agency, subject_ref, "education.attendance", &filler)]}))
                }
                Misbehaviour::Lies => {
                    let mut with_extra = record(agency, subject_ref, "education.attendance", "extra field");
                    with_extra["secret_notes"] = json!("never to leave the school");
                    let mut nested_extra = record(agency, subject_ref, "education.attendance", "nested extra field");
                    nested_extra["author"]["home_address"] = json!("1 Private Road");
                    // Changed after it was signed, and signed by another agency's node.
                    let mut changed = record(agency, subject_ref, "education.attendance", "seen on Monday");
                    changed["statements"][0]["text"] = json!("changed after signing");
                    let forged =
                        signed_by("police", unsigned(agency, subject_ref, "education.attendance", "signed by police"));
                    HttpResponse::Ok().json(json!({"records": [
                        record(agency, subject_ref, "education.attendance", "the one that was asked for"),
                        changed,
                        forged,
                        record(agency, subject_ref, "education.behaviour", "a category that was not allowed"),
                        record(agency, "SOMEONE-ELSE", "education.attendance", "another child"),
                        record("police", subject_ref, "education.attendance", "claims to be police"),
                        with_extra,
                        nested_extra,
                        {"not": "a record"},
                        7,
                    ]}))
                }
                Misbehaviour::Overshares => HttpResponse::Ok().json(json!({"records": [
                    record(agency, subject_ref, "education.attendance", "the one that was asked for"),
                    record(agency, subject_ref, "education.behaviour", "a category that was not allowed"),
                    record(agency, "SOMEONE-ELSE", "education.attendance", "another child"),
                ]})),
                Misbehaviour::Redirects if req.path() == "/elsewhere" => HttpResponse::Ok()
                    .json(json!({"records": [record(agency, subject_ref, "education.attendance", "from elsewhere")]})),
                Misbehaviour::Redirects => {
                    HttpResponse::TemporaryRedirect().insert_header(("location", "/elsewhere")).finish()
                }
            }
        }))
    })
    .workers(1)
    .disable_signals()
    .listen_rustls_0_23(std::net::TcpListener::bind("127.0.0.1:0").unwrap(), tls)
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    port
}

/// A port with nothing listening.
pub fn nothing_listening() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
