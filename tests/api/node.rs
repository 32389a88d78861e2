//! An agency's record node over real mTLS, on SQLite and PostgreSQL: the recording rules, who may write and read,
//! immutability, amendments, the category filter, retention, and signatures that catch tampering.

use crate::helpers::BoundedOutput;
use diesel::connection::SimpleConnection;
use serde_json::{Value, json};
use sharegate_core::store::{DatabaseUrl, StoreOptions};
use sharegate_node::config::{RetentionFrom, RetentionRule};

use crate::databases::Backend;
use crate::helpers::{TestNode, gateway_client, person, send, sharegate_binary, spawn_node_with};
use crate::on_both_backends;

pub fn record(subject_ref: &str, category: &str, text: &str) -> Value {
    json!({
        "subject_ref": subject_ref,
        "occurred_at": "2026-11-20T10:00:00Z",
        "contact_type": "home_visit",
        "category": category,
        "statements": [
            {"kind": "fact", "text": text},
            {"kind": "opinion", "text": "The child seemed withdrawn.", "evidence": "Would not make eye contact; spoke in a whisper.",
             "rests_on": {"statements": [0]}}
        ],
        "sources": [{"who": "the child's mother", "how": "in person at the home"}],
        "retention_class": "standard"
    })
}

async fn write(node: &TestNode, who: &str, body: &Value) -> (u16, Value) {
    send(person(who).post(node.url("/v1/records")).json(body)).await
}

async fn amend(node: &TestNode, who: &str, id: &str, body: &Value) -> (u16, Value) {
    send(person(who).post(node.url(&format!("/v1/records/{id}/amendments"))).json(body)).await
}

/// A read as the gateway makes it, saying which disclosure it serves, for whom and why.
async fn read(node: &TestNode, subject_ref: &str, categories: &str) -> (u16, Value) {
    let url = node.url(&format!("/v1/subjects/{subject_ref}/records"));
    send(gateway_read(gateway_client().get(url).query(&[("categories", categories)]))).await
}

pub fn gateway_read(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request
        .header("Sharegate-Disclosure-Id", "dis_0123456789abcdef0123456789abcdef")
        .header("Sharegate-Requester", "social_care/social_worker")
        .header("Sharegate-Purpose", "safeguarding")
        .header("Sharegate-Subject-Nhs-Number", "9434765919")
}

fn texts(list: &Value) -> Vec<String> {
    list["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["statements"][0]["text"].as_str().unwrap().to_owned())
        .collect()
}

on_both_backends!(
    each_recording_rule_is_enforced,
    the_author_comes_from_the_certificate,
    only_the_agency_writes_and_only_the_gateway_reads_across,
    records_are_never_edited_or_deleted,
    amendments_follow_their_original_in_order,
    reads_return_only_the_categories_asked,
    retention_removes_expired_records_leaving_tombstones,
    a_changed_byte_breaks_the_signature,
    an_unreadable_record_is_a_store_fault_named_as_such,
);

async fn each_recording_rule_is_enforced(backend: Backend) {
    let node = spawn_node_with(backend, "police", |_| {}).await;
    let who = "police-investigator";
    let good = record("P-1", "police.incident", "Officers attended after a call.");
    assert_eq!(write(&node, who, &good).await.0, 201);

    let mut no_sources = good.clone();
    no_sources["sources"] = json!([]);
    let mut opinion_bare = good.clone();
    opinion_bare["statements"][1].as_object_mut().unwrap().remove("evidence");
    let mut jargon = good.clone();
    jargon["statements"][0]["text"] = json!(
        "Referred to the TAF and the PCSO, and to CAMHS (in the glossary); the LADO (local authority designated officer) told."
    );
    jargon["sources"][0]["who"] = json!("the EWO at school");
    let mut future = good.clone();
    future["occurred_at"] = json!("2099-01-01T00:00:00Z");
    let cases = [
        (no_sources, "sources_required", "sources"),
        (opinion_bare, "opinion_needs_evidence", "statements[1].evidence"),
        (future, "contact_in_future", "occurred_at"),
    ];
    for (body, rule, field) in cases {
        let (status, answer) = write(&node, who, &body).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("breaks_recording_rule")), "{answer}");
        assert_eq!(answer["error"]["violations"][0]["rule"], rule, "{answer}");
        assert_eq!(answer["error"]["violations"][0]["field"], field, "{answer}");
    }
    let (status, answer) = write(&node, who, &jargon).await;
    assert_eq!(status, 422, "{answer}");
    let message = answer["error"]["violations"][0]["message"].as_str().unwrap();
    assert!(message.ends_with(": EWO, PCSO, TAF"), "each undefined abbreviation, once: {message}");
    assert!(!message.contains("LADO"), "LADO is defined in the record itself: {message}");

    for (field, value) in
        [("category", "health.summary"), ("category", "police.secret"), ("retention_class", "forever")]
    {
        let mut body = good.clone();
        body[field] = json!(value);
        let (status, answer) = write(&node, who, &body).await;
        assert_eq!((status, answer["error"]["field"].as_str()), (400, Some(field)), "{answer}");
    }
    // Only the one good record was stored.
    let (_, list) = read(&node, "P-1", "police.incident,police.intelligence").await;
    assert_eq!(list["records"].as_array().unwrap().len(), 1);
}

async fn the_author_comes_from_the_certificate(backend: Backend) {
    let node = spawn_node_with(backend, "police", |_| {}).await;
    for spoof in [
        json!({"author": {"person": "Someone Else", "role": "manager"}}),
        json!({"recorded_at": "2001-01-01T00:00:00Z"}),
    ] {
        let mut body = record("P-1", "police.incident", "Spoof attempt.");
        body.as_object_mut().unwrap().extend(spoof.as_object().unwrap().clone());
        let (status, answer) = write(&node, "police-investigator", &body).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("unknown_field")), "{answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains("certificate"), "{answer}");
    }
    let before = chrono::Utc::now();
    let (status, created) =
        write(&node, "police-manager", &record("P-1", "police.incident", "Written by the manager.")).await;
    assert_eq!(status, 201);
    assert_eq!(created["signature"].as_str().unwrap().len(), 128, "a hex ed25519 signature");
    let (_, list) = read(&node, "P-1", "police.incident").await;
    let stored = &list["records"][0];
    assert_eq!(stored["id"], created["id"]);
    assert_eq!(stored["author"]["person"], "Priya Shah");
    assert_eq!(stored["author"]["role"], "manager");
    assert_eq!(stored["author"]["agency"], "police");
    assert!(stored["author"]["serial"].as_str().is_some_and(|s| s.len() >= 16));
    let recorded = chrono::DateTime::parse_from_rfc3339(stored["recorded_at"].as_str().unwrap()).unwrap();
    assert!(recorded >= before - chrono::Duration::seconds(1), "recorded_at is the server's time");
}

async fn only_the_agency_writes_and_only_the_gateway_reads_across(backend: Backend) {
    let node = spawn_node_with(backend, "police", |_| {}).await;
    let body = record("P-1", "police.incident", "Attended.");
    let (status, answer) = write(&node, "health-health_visitor", &body).await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("only practitioners of police"), "{answer}");
    let (status, _) = send(gateway_client().post(node.url("/v1/records")).json(&body)).await;
    assert_eq!(status, 403, "the gateway does not write records");
    assert_eq!(write(&node, "police-investigator", &body).await.0, 201);

    let url = node.url("/v1/subjects/P-1/records");
    let (status, answer) = send(person("education-dsl").get(&url).query(&[("categories", "police.incident")])).await;
    assert_eq!(status, 403, "{answer}");
    let (status, list) = send(person("police-dpo").get(&url).query(&[("categories", "police.incident")])).await;
    assert_eq!((status, list["records"].as_array().map(Vec::len)), (200, Some(1)), "the agency's own staff may read");
    assert_eq!(read(&node, "P-1", "police.incident").await.0, 200);
}

async fn records_are_never_edited_or_deleted(backend: Backend) {
    let node = spawn_node_with(backend, "police", |_| {}).await;
    let (_, created) = write(&node, "police-investigator", &record("P-1", "police.incident", "Original text.")).await;
    let id = created["id"].as_str().unwrap();
    let client = person("police-investigator");
    let url = node.url(&format!("/v1/records/{id}"));
    let body = record("P-1", "police.incident", "Rewritten.");
    for request in [client.put(&url).json(&body), client.patch(&url).json(&body), client.delete(&url)] {
        let (status, answer) = send(request).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (405, Some("method_not_allowed")), "{answer}");
    }
    // Nor behind the API's back: the database refuses too.
    let store = sharegate_node::store::open(node.database.url(), &StoreOptions::default()).unwrap();
    for sql in [
        format!("UPDATE records SET category = 'police.intelligence' WHERE id = '{id}'"),
        format!("DELETE FROM records WHERE id = '{id}'"),
    ] {
        let refused = store.run_now(|conn| Ok(diesel::RunQueryDsl::execute(diesel::sql_query(&sql), conn)));
        let message = refused.unwrap().expect_err(&sql).to_string();
        assert!(message.contains("never edited") || message.contains("only by retention"), "{message}");
    }
    assert_eq!(texts(&read(&node, "P-1", "police.incident").await.1), vec!["Original text."]);
}

async fn amendments_follow_their_original_in_order(backend: Backend) {
    let node = spawn_node_with(backend, "police", |_| {}).await;
    let who = "police-investigator";
    let (_, first) = write(&node, who, &record("P-1", "police.incident", "A: original")).await;
    let a = first["id"].as_str().unwrap();
    let mut earlier = record("P-1", "police.incident", "B: earlier contact");
    earlier["occurred_at"] = json!("2026-11-01T08:00:00Z");
    assert_eq!(write(&node, who, &earlier).await.0, 201);
    let (status, a1) = amend(&node, who, a, &record("P-1", "police.incident", "A1: first correction")).await;
    assert_eq!(status, 201, "{a1}");
    assert_eq!(
        amend(&node, "police-manager", a, &record("P-1", "police.incident", "A2: second correction")).await.0,
        201
    );

    let (_, list) = read(&node, "P-1", "police.incident").await;
    assert_eq!(
        texts(&list),
        vec!["B: earlier contact", "A: original", "A1: first correction", "A2: second correction"]
    );
    assert_eq!(list["records"][2]["amends"], a);
    assert_eq!(list["records"][1]["amends"], Value::Null);
    assert_eq!(list["records"][3]["author"]["person"], "Priya Shah");

    let (status, answer) = amend(&node, who, a1["id"].as_str().unwrap(), &record("P-1", "police.incident", "x")).await;
    assert_eq!(
        (status, answer["error"]["violations"][0]["rule"].as_str()),
        (422, Some("amend_the_original")),
        "{answer}"
    );
    assert!(answer["error"]["message"].as_str().unwrap().contains(a), "names the original: {answer}");
    let (status, answer) = amend(&node, who, a, &record("P-2", "police.incident", "other child")).await;
    assert_eq!(
        (status, answer["error"]["violations"][0]["rule"].as_str()),
        (422, Some("amendment_keeps_child_and_category"))
    );
    let unknown = "rec_00000000000000000000000000000000";
    for id in [unknown, "not-an-id"] {
        assert_eq!(amend(&node, who, id, &record("P-1", "police.incident", "x")).await.0, 404);
    }
    let (status, _) = amend(&node, "health-manager", a, &record("P-1", "police.incident", "x")).await;
    assert_eq!(status, 403);
}

async fn reads_return_only_the_categories_asked(backend: Backend) {
    let node = spawn_node_with(backend, "police", |_| {}).await;
    let who = "police-investigator";
    assert_eq!(write(&node, who, &record("P-1", "police.incident", "incident")).await.0, 201);
    let mut intelligence = record("P-1", "police.intelligence", "intelligence");
    intelligence["occurred_at"] = json!("2026-11-01T08:00:00Z");
    assert_eq!(write(&node, who, &intelligence).await.0, 201);
    assert_eq!(write(&node, who, &record("P-2", "police.incident", "another child")).await.0, 201);

    assert_eq!(texts(&read(&node, "P-1", "police.incident").await.1), vec!["incident"]);
    assert_eq!(texts(&read(&node, "P-1", "police.intelligence").await.1), vec!["intelligence"]);
    // Across categories, by when the contact happened (the intelligence is the earlier); a category named twice is
    // read once.
    for asked in ["police.incident, police.intelligence", "police.incident,police.intelligence,police.incident"] {
        assert_eq!(texts(&read(&node, "P-1", asked).await.1), vec!["intelligence", "incident"], "{asked}");
    }
    assert_eq!(texts(&read(&node, "P-9", "police.incident").await.1), Vec::<String>::new());
    for bad in ["", "health.summary", "police.incident,nonsense"] {
        let (status, answer) = read(&node, "P-1", bad).await;
        assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("categories")), "{bad}: {answer}");
    }
    let (status, _) = send(gateway_read(gateway_client().get(node.url("/v1/subjects/P-1/records")))).await;
    assert_eq!(status, 400, "categories are required: no read without naming what is read");
}

async fn retention_removes_expired_records_leaving_tombstones(backend: Backend) {
    let node = spawn_node_with(backend, "police", |config| {
        let rule = RetentionRule { keep_years: 6, from: RetentionFrom::OccurredAt };
        config.retention.insert(sharegate_core::domain::RetentionClass::parse("standard").unwrap(), rule);
    })
    .await;
    let who = "police-investigator";
    let mut old = record("P-1", "police.incident", "old contact");
    old["occurred_at"] = json!("2015-05-01T09:00:00Z");
    let (_, old_created) = write(&node, who, &old).await;
    let old_id = old_created["id"].as_str().unwrap().to_owned();
    let mut old_fix = old.clone();
    old_fix["statements"][0]["text"] = json!("old contact, corrected");
    let (_, fix) = amend(&node, who, &old_id, &old_fix).await;
    let fix_id = fix["id"].as_str().unwrap().to_owned();
    assert_eq!(write(&node, who, &record("P-1", "police.incident", "recent contact")).await.0, 201);

    let store = sharegate_node::store::open(node.database.url(), &StoreOptions::default()).unwrap();
    let dry = sharegate_node::retention::run(&store, &node.config, chrono::Utc::now(), false).unwrap();
    let mut listed: Vec<&str> = dry.expired.iter().map(|e| e.record.id.as_str()).collect();
    listed.sort();
    let mut expected = vec![old_id.as_str(), fix_id.as_str()];
    expected.sort();
    assert_eq!(listed, expected, "the dry run lists the expired record and its amendment");
    assert_eq!(texts(&read(&node, "P-1", "police.incident").await.1).len(), 3, "a dry run removes nothing");

    let applied = sharegate_node::retention::run(&store, &node.config, chrono::Utc::now(), true).unwrap();
    assert_eq!(applied.expired.len(), 2);
    assert_eq!(texts(&read(&node, "P-1", "police.incident").await.1), vec!["recent contact"]);
    let tombstones = store.run_now(sharegate_node::store::records::tombstones).unwrap();
    let mut removed: Vec<&str> = tombstones.iter().map(|t| t.record_id.as_str()).collect();
    removed.sort();
    assert_eq!(removed, expected);
    for (tombstone, expired) in
        tombstones.iter().filter_map(|t| dry.expired.iter().find(|e| e.record.id == t.record_id).map(|e| (t, e)))
    {
        assert_eq!(tombstone.sealed_sha256, sharegate_node::store::records::sealed_hash(&expired.record));
        assert_eq!(tombstone.retention_class, "standard");
        assert_eq!(tombstone.rule, "standard: 6 years from occurred_at");
    }
    let again = sharegate_node::retention::run(&store, &node.config, chrono::Utc::now(), true).unwrap();
    assert!(again.expired.is_empty(), "nothing left to remove");
}

async fn a_changed_byte_breaks_the_signature(backend: Backend) {
    let node = spawn_node_with(backend, "police", |_| {}).await;
    let who = "police-investigator";
    let (_, kept) = write(&node, who, &record("P-1", "police.incident", "Nothing unusual.")).await;
    let (_, target) = write(&node, who, &record("P-1", "police.incident", "Marker-7f3a: the door was open.")).await;
    let key = sharegate_core::signing::load(&node.config.signing_key).unwrap().verifying_key();
    let store = sharegate_node::store::open(node.database.url(), &StoreOptions::default()).unwrap();
    let outcome = sharegate_node::verify::verify_all(&store, &[key]).unwrap();
    assert_eq!((outcome.checked, outcome.failures.len()), (2, 0), "fresh records verify");

    match node.database.url() {
        DatabaseUrl::Sqlite(path) => {
            // Every byte on disk: move the WAL into the file, close everything, then change one byte of the file.
            store.close();
            drop(store);
            flip_one_byte(path, b"Marker-7f3a");
        }
        DatabaseUrl::Postgres(_) => {
            // A database administrator going round the triggers.
            store
                .run_now(|conn| {
                    conn.batch_execute(
                        "ALTER TABLE records DISABLE TRIGGER USER; \
                         UPDATE records SET sealed = replace(sealed, 'Marker-7f3a', 'Marker-7f3b'); \
                         ALTER TABLE records ENABLE TRIGGER USER;",
                    )
                    .map_err(Into::into)
                })
                .unwrap();
        }
    }
    let store = sharegate_node::store::open(node.database.url(), &StoreOptions::default()).unwrap();
    let outcome = sharegate_node::verify::verify_all(&store, &[key]).unwrap();
    assert_eq!(outcome.checked, 2);
    assert_eq!(outcome.failures.len(), 1, "{:?}", outcome.failures);
    assert_eq!(outcome.failures[0].id, target["id"].as_str().unwrap());
    assert_ne!(outcome.failures[0].id, kept["id"].as_str().unwrap());

    // The command an operator runs says the same, and exits non-zero.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("node.toml");
    std::fs::write(&file, toml::to_string(&node.config).unwrap()).unwrap();
    let output = std::process::Command::new(sharegate_binary())
        .args(["node", "verify", "--config"])
        .arg(&file)
        .bounded_output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.contains(&format!("FAILED {}", target["id"].as_str().unwrap())), "{stdout}");
    assert!(stdout.contains("2 records checked, 1 failed"), "{stdout}");
}

async fn an_unreadable_record_is_a_store_fault_named_as_such(backend: Backend) {
    let node = spawn_node_with(backend, "police", |_| {}).await;
    let (status, _) = write(&node, "police-investigator", &record("P-1", "police.incident", "Seen.")).await;
    assert_eq!(status, 201);
    let damage = "UPDATE records SET sealed = '{\"format\": broken'";
    let bypass = match node.database.url() {
        DatabaseUrl::Sqlite(_) => format!("DROP TRIGGER records_are_never_edited; {damage};"),
        DatabaseUrl::Postgres(_) => {
            format!("ALTER TABLE records DISABLE TRIGGER USER; {damage}; ALTER TABLE records ENABLE TRIGGER USER;")
        }
    };
    let store = sharegate_node::store::open(node.database.url(), &StoreOptions::default()).unwrap();
    store.run_now(|conn| conn.batch_execute(&bypass).map_err(Into::into)).unwrap();
    // Not a passing fault to retry, and not a bug: the store holds something that cannot be read. Nothing is sent.
    let (status, body) = read(&node, "P-1", "police.incident").await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("store_corrupt")), "{body}");
    assert!(!body.to_string().contains("broken"), "what the row holds stays out of the answer: {body}");
}

/// Changes one byte inside the first occurrence of `marker` in the file.
fn flip_one_byte(path: &std::path::Path, marker: &[u8]) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = bytes.windows(marker.len()).position(|w| w == marker).expect("the marker is in the database file");
    bytes[at + marker.len() - 1] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn after_a_key_rotation_records_signed_with_the_retired_key_still_verify() {
    let node = spawn_node_with(Backend::Sqlite, "police", |_| {}).await;
    let (status, _) =
        write(&node, "police-investigator", &record("P-1", "police.incident", "Before the rotation.")).await;
    assert_eq!(status, 201);

    // The node's next key, made with the command an operator runs; never over a key already there.
    let dir = tempfile::tempdir().unwrap();
    let next = dir.path().join("police-2027.key");
    let make = || {
        std::process::Command::new(sharegate_binary())
            .args(["certs", "signing-key", "--out"])
            .arg(&next)
            .bounded_output()
            .unwrap()
    };
    assert!(make().status.success());
    assert!(dir.path().join("police-2027.pub").exists());
    let again = make();
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("already exists"));

    // The command opens the store itself, which a running node keeps to itself on SQLite: it checks a copy, taken
    // through the node's own store while it runs.
    let copy = dir.path().join("copy.db");
    let store = sharegate_node::store::open(node.database.url(), &StoreOptions::default()).unwrap();
    let into = format!("VACUUM INTO '{}'", copy.display());
    store.run_now(|conn| conn.batch_execute(&into).map_err(Into::into)).unwrap();
    let verify = |config: &sharegate_node::config::NodeConfig| {
        let mut config = config.clone();
        config.database_url = DatabaseUrl::Sqlite(copy.clone());
        let file = dir.path().join("node.toml");
        std::fs::write(&file, toml::to_string(&config).unwrap()).unwrap();
        let output = std::process::Command::new(sharegate_binary())
            .args(["node", "verify", "--config"])
            .arg(&file)
            .bounded_output()
            .unwrap();
        (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let mut rotated = node.config.clone();
    rotated.signing_key = next.clone();
    let (ok, said) = verify(&rotated);
    assert!(!ok && said.contains("1 records checked, 1 failed"), "the old key not named: {said}");
    rotated.retired_signing_keys = vec![node.config.signing_key.with_extension("pub")];
    let (ok, said) = verify(&rotated);
    assert!(ok && said.contains("1 records checked, 0 failed"), "{said}");
}

/// The gateway's side of a rotation, while it runs: it is told the school's next key before the school's node uses
/// it, so the node's records fail their check; the operator lists the current key too and sends SIGHUP, and they
/// pass, with no restart. A broken edit is refused and changes nothing.
#[tokio::test]
async fn the_gateway_takes_its_record_keys_from_its_configuration_again_on_sighup() {
    let node = spawn_node_with(Backend::Sqlite, "education", |_| {}).await;
    let (status, _) =
        write(&node, "education-dsl", &record("E-1", "education.attendance", "Absent 6 of 10 days.")).await;
    assert_eq!(status, 201);
    let dir = tempfile::tempdir().unwrap();
    let next = dir.path().join("education-2027.key");
    sharegate_core::certs::new_signing_key(&next).unwrap();
    let current = node.config.signing_key.with_extension("pub").display().to_string();
    let configured = |keys: &[&str]| {
        let keys = keys.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", ");
        crate::config::valid_toml()
            .replace("https://127.0.0.1:8446", &node.url(""))
            .replace(&format!("record_keys = [{current:?}]"), &format!("record_keys = [{keys}]"))
    };
    let next_pub = next.with_extension("pub").display().to_string();
    let first = configured(&[&next_pub]);
    assert_ne!(first, configured(&[&current]), "the school's record_keys is set");
    let mut gateway = crate::config::GatewayProcess::start_with(dir.path(), &first);
    let base = format!("https://localhost:{}", gateway.port);

    let (_, ask) = crate::helpers::child_with_consented_attendance(&base).await;
    let asked = || async {
        let (status, answer) =
            send(person("social_care-social_worker").post(format!("{base}/v1/requests")).json(&ask)).await;
        assert_eq!(status, 200, "{answer}");
        let school =
            answer["agencies"].as_array().unwrap().iter().find(|a| a["agency"] == "education").unwrap().clone();
        (school["records"].as_u64().unwrap(), school["dropped"].clone())
    };
    assert_eq!(asked().await, (0, json!({"bad_signature": 1})), "not under the key the node does not use yet");

    std::fs::write(dir.path().join("gateway.toml"), configured(&[&next_pub, &current])).unwrap();
    gateway.signal("HUP");
    let reloaded = crate::policy::wait_for_log(gateway.logs(), "record keys reloaded");
    assert_eq!(reloaded["changed"], true, "{reloaded}");
    assert_eq!(asked().await, (1, Value::Null), "under the key the node signs with");

    let missing = dir.path().join("education-2028.pub").display().to_string();
    std::fs::write(dir.path().join("gateway.toml"), configured(&[&missing])).unwrap();
    gateway.signal("HUP");
    let failed = crate::policy::wait_for_log(gateway.logs(), "record keys reload failed; the keys in force stay");
    assert!(failed["error"].as_str().unwrap().contains("education-2028.pub"), "{failed}");
    assert_eq!(asked().await, (1, Value::Null), "the keys in force stay");
}
