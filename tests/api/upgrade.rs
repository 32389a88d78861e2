//! A database made by the previous build is taken up by this one. `tests/fixtures/previous-build/` holds the demo's
//! gateway and education node as build 6bbb59b left them (one disclosure, one refusal, records signed as
//! `sharegate-record-v1`), dumped by `sqlite3 .dump`; they were signed with `certs-example/`'s keys. Restored,
//! migrated in place by this build and served, the log and the records still verify, and the old records still pass
//! the gateway's signature check on their way to a requester.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use serde_json::json;
use sharegate_core::domain::AgencyName;
use sharegate_core::store::{DatabaseUrl, Store, StoreOptions};

use crate::databases::Backend;
use crate::helpers::{person, send, spawn_gateway_with, spawn_node_with};

fn repository(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The fixture `name` restored into a fresh SQLite file.
fn restored(dir: &Path, name: &str) -> PathBuf {
    let dump = std::fs::read_to_string(repository(&format!("tests/fixtures/previous-build/{name}.sql"))).unwrap();
    let file = dir.join(format!("{name}.db"));
    let mut conn = SqliteConnection::establish(&file.display().to_string()).unwrap();
    conn.batch_execute(&dump).unwrap();
    file
}

/// The gateway's log in `file`, migrated to this build's tables (as its start does), verified.
fn log_verifies(file: &Path) -> u64 {
    let store =
        sharegate_gateway::store::open(&DatabaseUrl::Sqlite(file.to_owned()), &StoreOptions::default()).unwrap();
    let key = sharegate_core::signing::load(&repository("certs-example/log-signing.key")).unwrap();
    let report = sharegate_gateway::disclosure_log::verify::verify_log(&store, &key.verifying_key()).unwrap();
    assert_eq!(report.problem, None, "{report:?}");
    report.entries
}

#[tokio::test]
async fn a_previous_builds_databases_upgrade_in_place_verify_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let (gateway_db, education_db) = (restored(dir.path(), "gateway"), restored(dir.path(), "education"));
    assert_eq!(log_verifies(&gateway_db), 2, "the previous build's log, upgraded in place");

    let education_key = repository("certs-example/signing/education.key");
    let node_file = education_db.clone();
    let node = spawn_node_with(Backend::Sqlite, "education", move |config| {
        config.database_url = DatabaseUrl::Sqlite(node_file);
        config.signing_key = education_key;
    })
    .await;
    // Migrated by this build's start; every record the previous build sealed still verifies, as `node verify` checks.
    let node_store = Store::connect(&DatabaseUrl::Sqlite(education_db), &StoreOptions::default()).unwrap();
    let public = sharegate_core::signing::load_public(&repository("certs-example/signing/education.pub")).unwrap();
    let outcome = sharegate_node::verify::verify_all(&node_store, &[public]).unwrap();
    assert!(outcome.checked >= 2 && outcome.failures.is_empty(), "{outcome:?}");

    let (node_port, gateway_file) = (node.port, gateway_db.clone());
    let gateway = spawn_gateway_with(Backend::Sqlite, move |config| {
        config.database_url = DatabaseUrl::Sqlite(gateway_file);
        config.signing_key = repository("certs-example/log-signing.key");
        let education = config.agencies.get_mut(&AgencyName::parse("education").unwrap()).unwrap();
        education.node_url = format!("https://localhost:{node_port}");
        education.record_keys = vec![repository("certs-example/signing/education.pub")];
    })
    .await;
    // The demo's child, its consent and its links come from the previous build's register.
    let ask = json!({"subject": "9434765919", "categories": ["education.attendance"], "purpose": "safeguarding",
        "lawful_basis": "consent", "reason": "After the upgrade: the same question as before it."});
    let (status, answer) = send(person("social_care-social_worker").post(gateway.url("/v1/requests")).json(&ask)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["partial"], false, "no record dropped: {answer}");
    let record = &answer["records"][0];
    assert_eq!(record["format"], "sharegate-record-v1", "{answer}");
    assert_eq!(record["category"], "education.attendance");

    drop(gateway);
    // This build's entries continue the previous build's chain: the policy it put in force (the previous build's
    // log holds none), then the request (the writer has committed both before answering).
    assert_eq!(log_verifies(&gateway_db), 4);
}
