//! The disclosure log: tamper evidence, inclusion proofs, the one-writer chain across gateways, and a crash.

use crate::helpers::BoundedOutput;
use std::collections::BTreeSet;

use diesel::connection::SimpleConnection;
use serde_json::{Value, json};
use sharegate_core::domain::{
    AgencyName, Category, DisclosureId, LawfulBasis, Narrative, PersonName, Purpose, Role, SubjectId,
};
use sharegate_core::store::{DatabaseUrl, StoreOptions};
use sharegate_gateway::disclosure_log::merkle::{self, Hash};
use sharegate_gateway::disclosure_log::{CheckpointPolicy, Entry, Kind, LogWriter, Outcome};
use sharegate_gateway::register::Actor;

use crate::config::GatewayProcess;
use crate::databases::{Backend, TestDatabase};
use crate::helpers::{federation, person, send, sharegate_binary, spawn_gateway_with};
use crate::on_both_backends;

fn entry(n: usize) -> Entry {
    Entry {
        id: DisclosureId::new(),
        at: chrono::Utc::now(),
        kind: Kind::Request,
        requester: Actor {
            agency: AgencyName::parse("police").unwrap(),
            role: Role::parse("investigator").unwrap(),
            person: PersonName::parse("Alex Morgan").unwrap(),
            serial: "0a".into(),
        },
        subject: SubjectId::new(),
        purpose: Purpose::parse("safeguarding").unwrap(),
        lawful_basis: LawfulBasis::parse("consent").unwrap(),
        reason: Narrative::parse(&format!("test entry {n}")).unwrap(),
        meeting: None,
        policy_hash: "00".into(),
        asked: vec![Category::parse("health.summary").unwrap()],
        given: vec![],
        refused: vec![],
        agencies: vec![],
        records: vec![],
        outcome: Outcome::Refused,
        response_digest: "00".into(),
        review: None,
    }
}

fn key() -> ed25519_dalek::SigningKey {
    sharegate_core::signing::load(&federation().layout.log_signing_key()).unwrap()
}

/// A log of `n` entries written through the real writer, `concurrency` appends at a time (so batches form).
async fn write_log(url: &DatabaseUrl, n: usize, concurrency: usize) -> Vec<DisclosureId> {
    let store = sharegate_gateway::store::open(url, &StoreOptions::default()).unwrap();
    let policy = CheckpointPolicy { every: 100, interval: std::time::Duration::from_secs(60) };
    let writer = LogWriter::start(store, key(), policy).unwrap();
    let mut ids = Vec::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(concurrency) {
        let appends = chunk.iter().map(|&i| {
            let writer = writer.clone();
            let e = entry(i);
            let id = e.id.clone();
            async move { (id, writer.append(e).await.unwrap()) }
        });
        for (id, appended) in futures_util::future::join_all(appends).await {
            assert_eq!(appended.seq as usize, ids.len(), "positions are handed out in order");
            ids.push(id);
        }
    }
    writer.checkpoint().await.unwrap();
    ids
}

fn verify(url: &DatabaseUrl) -> sharegate_gateway::disclosure_log::verify::Report {
    let store = sharegate_gateway::store::open(url, &StoreOptions::default()).unwrap();
    sharegate_gateway::disclosure_log::verify::verify_log(&store, &key().verifying_key()).unwrap()
}

/// Runs SQL as someone with the database in hand: the append-only triggers dropped or disabled first.
fn tamper(url: &DatabaseUrl, sql: &str) {
    let store = sharegate_gateway::store::open(url, &StoreOptions::default()).unwrap();
    let bypass = match url {
        DatabaseUrl::Sqlite(_) => format!(
            "DROP TRIGGER IF EXISTS log_sequence_append_only_update; DROP TRIGGER IF EXISTS log_sequence_append_only_delete; \
             DROP TRIGGER IF EXISTS log_checkpoints_append_only_update; {sql}"
        ),
        DatabaseUrl::Postgres(_) => format!(
            "ALTER TABLE log_sequence DISABLE TRIGGER USER; ALTER TABLE log_checkpoints DISABLE TRIGGER USER; {sql}; \
             ALTER TABLE log_sequence ENABLE TRIGGER USER; ALTER TABLE log_checkpoints ENABLE TRIGGER USER;"
        ),
    };
    store.run_now(|conn| conn.batch_execute(&bypass).map_err(Into::into)).unwrap();
}

on_both_backends!(any_tampering_is_found_and_named);

async fn any_tampering_is_found_and_named(backend: Backend) {
    // (what is done to entry 300 — past the first block of 256 — or the log, what `log verify` must say)
    let cases: Vec<(&str, String, &str)> = vec![
        ("a byte of the entry's text", "UPDATE log_sequence SET canonical = replace(canonical, 'test entry', 'test entrY') WHERE seq = 300".into(), "entry 300 (dis_"),
        ("a byte of its id", "UPDATE log_entries SET id = replace(id, 'dis_', 'dis-') WHERE seq = 300".into(), "its id column"),
        ("a byte of its requester", "UPDATE log_entries SET requester_person = 'Alex Morgen' WHERE seq = 300".into(), "its requester_person column"),
        ("a byte of its outcome", "UPDATE log_entries SET outcome = 'granted' WHERE seq = 300".into(), "its outcome column"),
        ("a byte of its subject", "UPDATE log_entries SET subject_id = replace(subject_id, 'sub_', 'sub-') WHERE seq = 300".into(), "its subject_id column"),
        ("its time", match backend {
            Backend::Sqlite => "UPDATE log_entries SET at = replace(at, substr(at, 1, 4), '1999') WHERE seq = 300",
            Backend::Postgres => "UPDATE log_entries SET at = at - interval '1 microsecond' WHERE seq = 300",
        }.into(), "its at column"),
        ("the agencies it involves", "UPDATE log_entries SET agencies = agencies || 'police,' WHERE seq = 300".into(), "its agencies column"),
        ("a review it never was", "UPDATE log_entries SET reviews = id WHERE seq = 300".into(), "its reviews column"),
        ("a node's records it never dropped", "UPDATE log_entries SET dropped_from = ',police,' WHERE seq = 300".into(), "its dropped_from column"),
        ("a byte of its hash", "UPDATE log_sequence SET leaf_hash = replace(leaf_hash, substr(leaf_hash, 1, 1), 'x') WHERE seq = 300".into(), "does not match its hash"),
        ("the entry deleted", "DELETE FROM log_sequence WHERE seq = 300".into(), "entry 300 is missing: the log jumps"),
        ("its index row deleted", "DELETE FROM log_entries WHERE seq = 300".into(), "entry 300 is missing from the log's index"),
        ("the last entry deleted", "DELETE FROM log_sequence WHERE seq = 319".into(), "entries were removed from its end"),
        ("two entries swapped", "UPDATE log_sequence SET seq = -1 WHERE seq = 300; UPDATE log_sequence SET seq = 300 WHERE seq = 301; UPDATE log_sequence SET seq = 301 WHERE seq = -1".into(), "entry 300 ("),
        ("the index's tree", "UPDATE log_index_head SET frontier = replace(frontier, substr(frontier, 30, 2), 'zz')".into(), "its tree does not match"),
        ("a checkpoint's signature", "UPDATE log_checkpoints SET signature = replace(signature, substr(signature, 1, 2), 'zz') WHERE size = (SELECT MAX(size) FROM log_checkpoints WHERE size < 300)".into(), "entries is not signed by the gateway's key"),
        ("a checkpoint's root", "UPDATE log_checkpoints SET root = replace(root, substr(root, 1, 2), 'zz') WHERE size = (SELECT MIN(size) FROM log_checkpoints)".into(), "entries does not match entries 0–"),
    ];
    for (what, sql, named) in cases {
        let database = TestDatabase::create(backend).unwrap();
        let ids = write_log(database.url(), 320, 16).await;
        let clean = verify(database.url());
        assert_eq!((clean.entries, clean.problem.clone()), (320, None), "{what}: a fresh log verifies");
        assert!(clean.checkpoints >= 3);
        tamper(database.url(), &sql);
        let report = verify(database.url());
        let problem = report.problem.unwrap_or_else(|| panic!("{what}: not found"));
        assert!(problem.contains(named), "{what}: {problem}");
        if named.starts_with("entry 300 (") {
            assert!(
                problem.contains(ids[300].as_str()) || problem.contains(ids[301].as_str()),
                "{what} names the entry: {problem}"
            );
        }
    }
}

/// Several gateways share one PostgreSQL database (one process per SQLite file, so PostgreSQL only).
#[tokio::test]
#[cfg_attr(not(postgres_tests), ignore = "SHAREGATE_TEST_DATABASE_URL is not set (bash .ci/run sets it)")]
async fn the_writers_of_two_gateways_make_one_chain() {
    let backend = Backend::Postgres;
    let database = TestDatabase::create(backend).unwrap();
    let url = database.url().clone();
    let (a, b) = (url.clone(), url.clone());
    let first = spawn_gateway_with(backend, move |config| config.database_url = a).await;
    let second = spawn_gateway_with(backend, move |config| config.database_url = b).await;
    let child = json!({"nhs_number": crate::subjects::fresh_nhs_number(), "name": "Lily Example", "date_of_birth": "2015-03-02", "local_refs": {}});
    let (_, created) = send(person("social_care-social_worker").post(first.url("/v1/subjects")).json(&child)).await;
    let subject = created["id"].as_str().unwrap().to_owned();
    let ask = json!({"subject": subject, "categories": ["health.mental_health"], "purpose": "safeguarding", "lawful_basis": "consent", "reason": "load"});
    let requests = (0..120).map(|i| {
        let gateway = if i % 2 == 0 { &first } else { &second };
        let client = person("police-investigator");
        let url = gateway.url("/v1/requests");
        let ask = ask.clone();
        async move { send(client.post(url).json(&ask)).await }
    });
    let answers = futures_util::future::join_all(requests).await;
    let ids: BTreeSet<String> = answers
        .iter()
        .map(|(status, a)| {
            assert_eq!(*status, 403, "{a}");
            a["disclosure_id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 120);
    let report = verify(&url);
    // The policy the first gateway put in force (the second started with the same one: nothing to log), then
    // every answer.
    assert_eq!((report.entries, report.problem), (121, None), "one chain that verifies");
}

/// SQLite keeps commits in its write-ahead log until they are copied back into the database file. The writer's
/// commits leave that to others (so that no caller waits for it); if nobody managed to copy all of it while entries
/// keep coming, the log file would grow with every entry ever written.
#[tokio::test]
async fn the_write_ahead_log_is_copied_back_and_started_over_while_the_writer_writes() {
    let database = TestDatabase::create(Backend::Sqlite).unwrap();
    let DatabaseUrl::Sqlite(path) = database.url().clone() else { unreachable!("an SQLite database") };
    let store = sharegate_gateway::store::open(database.url(), &StoreOptions::default()).unwrap();
    let policy = CheckpointPolicy { every: 1000, interval: std::time::Duration::from_secs(60) };
    let writer = LogWriter::start(store, key(), policy).unwrap();
    let size = |path: &std::path::Path| std::fs::metadata(path).map_or(0, |m| m.len());
    // At least two seconds, and until the database file is large beside what a log copied back every few batches
    // holds (a slow machine needs longer; a log never copied back keeps the file small, so the cap ends the loop).
    let (started, mut written) = (std::time::Instant::now(), 0);
    while started.elapsed() < std::time::Duration::from_secs(2)
        || (size(&path) < 16 << 20 && started.elapsed() < std::time::Duration::from_secs(30))
    {
        let appends = (0..64).map(|i| writer.append(entry(written + i)));
        for appended in futures_util::future::join_all(appends).await {
            appended.unwrap();
        }
        written += 64;
    }
    let (wal, db) = (size(&path.with_extension("db-wal")), size(&path));
    assert!(wal < db / 2, "{written} entries: the write-ahead log grew to {wal} bytes beside a {db}-byte database");
    let report = verify(database.url());
    assert_eq!((report.entries, report.problem), (written as u64, None));
}

#[tokio::test]
async fn an_inclusion_proof_verifies_and_fails_for_a_changed_entry() {
    let gateway = spawn_gateway_with(Backend::Sqlite, |_| {}).await;
    let child = json!({"nhs_number": crate::subjects::fresh_nhs_number(), "name": "Lily Example", "date_of_birth": "2015-03-02", "local_refs": {}});
    let (_, created) = send(person("social_care-social_worker").post(gateway.url("/v1/subjects")).json(&child)).await;
    let ask = json!({"subject": created["id"], "categories": ["health.mental_health"], "purpose": "safeguarding", "lawful_basis": "consent", "reason": "proof"});
    let mut ids = Vec::new();
    for _ in 0..5 {
        let (_, answer) = send(person("police-investigator").post(gateway.url("/v1/requests")).json(&ask)).await;
        ids.push(answer["disclosure_id"].as_str().unwrap().to_owned());
    }
    let (status, _) = send(person("police-investigator").get(gateway.url(&format!("/v1/log/proof/{}", ids[2])))).await;
    assert_eq!(status, 403, "DPOs only");
    let (status, checkpoint) = send(person("police-dpo").get(gateway.url("/v1/log/checkpoint"))).await;
    assert_eq!(status, 200, "{checkpoint}");
    assert_eq!(checkpoint["size"], 6, "the policy put in force at the start, then five requests");

    let (status, proof) = send(person("police-dpo").get(gateway.url(&format!("/v1/log/proof/{}", ids[2])))).await;
    assert_eq!(status, 200, "{proof}");
    let hash = |v: &Value| -> Hash { merkle::decode(v.as_str().unwrap()).unwrap() };
    let path: Vec<Hash> = proof["proof"].as_array().unwrap().iter().map(hash).collect();
    let root = hash(&proof["checkpoint"]["root"]);
    let (index, size) = (proof["index"].as_u64().unwrap(), proof["checkpoint"]["size"].as_u64().unwrap());
    let leaf = merkle::leaf_hash(proof["entry"].as_str().unwrap().as_bytes());
    assert_eq!(hex::encode(leaf), proof["leaf_hash"]);
    assert!(merkle::verify_inclusion(&leaf, index, size, &path, &root), "{proof}");
    let changed = merkle::leaf_hash(proof["entry"].as_str().unwrap().replace("proof", "prooF").as_bytes());
    assert!(!merkle::verify_inclusion(&changed, index, size, &path, &root));

    // The checkpoint is signed by the key in log-signing.pub.
    let public = key().verifying_key();
    assert_eq!(proof["checkpoint"]["public_key"], hex::encode(public.as_bytes()));
    let message = sharegate_gateway::disclosure_log::checkpoint::message(
        size,
        proof["checkpoint"]["root"].as_str().unwrap(),
        chrono::DateTime::parse_from_rfc3339(proof["checkpoint"]["at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc),
    );
    let signature =
        ed25519_dalek::Signature::from_slice(&hex::decode(proof["checkpoint"]["signature"].as_str().unwrap()).unwrap())
            .unwrap();
    assert!(ed25519_dalek::Verifier::verify(&public, message.as_bytes(), &signature).is_ok());
    let (status, missing) =
        send(person("police-dpo").get(gateway.url("/v1/log/proof/dis_00000000000000000000000000000000"))).await;
    assert_eq!(status, 404);
    // The proof carries the whole entry: a DPO of an agency not in it gets the same 404 as for no entry at all.
    let (status, other) = send(person("education-dpo").get(gateway.url(&format!("/v1/log/proof/{}", ids[2])))).await;
    assert_eq!((status, &other), (404, &missing));
    let (status, _) = send(person("health-dpo").get(gateway.url(&format!("/v1/log/proof/{}", ids[2])))).await;
    assert_eq!(status, 200, "health was asked");
}

/// A running gateway keeps its SQLite store to itself (so that the store turning unwritable is a 503, not a SIGBUS):
/// a command that opens it meanwhile stops, saying why, and changes nothing.
#[tokio::test]
async fn a_command_on_a_running_gateways_sqlite_store_says_another_process_has_it() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let gateway = GatewayProcess::start(dir.path());
    let output = Command::new(sharegate_binary())
        .args(["log", "verify", "--config", "gateway.toml"])
        .env("SHAREGATE_DATABASE_WAIT_MS", "300")
        .current_dir(dir.path())
        .bounded_output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("another process has it: stop the server that uses it first"), "{stderr}");
    let (status, logs) = gateway.stop("TERM");
    assert!(status.success(), "the gateway went on: {logs}");
}

#[tokio::test]
async fn killed_under_load_the_log_verifies_and_holds_every_answer() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gateway.toml");
    let gateway = GatewayProcess::start(dir.path());
    let base = format!("https://localhost:{}", gateway.port);
    let child = json!({"nhs_number": crate::subjects::fresh_nhs_number(), "name": "Lily Example", "date_of_birth": "2015-03-02", "local_refs": {}});
    let (_, created) = send(person("social_care-social_worker").post(format!("{base}/v1/subjects")).json(&child)).await;
    let subject = created["id"].as_str().unwrap().to_owned();
    let consent = json!({"given_by": {"name": "Sarah Example", "relationship": "parent"}, "categories": ["education.attendance"],
        "recipients": ["social_care"], "purposes": ["safeguarding"]});
    send(person("social_care-social_worker").post(format!("{base}/v1/subjects/{subject}/consents")).json(&consent))
        .await;
    // Granted (200, nothing to fetch: no agency knows the child) and refused (403) answers, from 8 clients at once.
    let granted = json!({"subject": subject, "categories": ["education.attendance"], "purpose": "safeguarding", "lawful_basis": "consent", "reason": "crash"});
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (received, url, body) = (received.clone(), format!("{base}/v1/requests"), granted.clone());
            tokio::spawn(async move {
                let client = person("social_care-social_worker");
                loop {
                    match client.post(&url).json(&body).send().await {
                        Ok(response) if response.status() == 200 => {
                            let answer: Value = response.json().await.unwrap_or_default();
                            if let Some(id) = answer["disclosure_id"].as_str() {
                                received.lock().unwrap().push(id.to_owned());
                            }
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    gateway.stop("KILL");
    for worker in workers {
        let _ = worker.await;
    }
    let received = received.lock().unwrap().clone();
    assert!(received.len() > 20, "the gateway was under load: {} answers", received.len());

    let output = Command::new(sharegate_binary())
        .args(["log", "verify", "--config"])
        .arg(&config)
        .current_dir(dir.path())
        .bounded_output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("the disclosure log verifies"), "{stdout}");
    let store = sharegate_gateway::store::open(
        &DatabaseUrl::Sqlite(dir.path().join("data/gateway.db")),
        &StoreOptions::default(),
    )
    .unwrap();
    // In the log itself (the index behind it may not have reached the last entries when the process died).
    let sequence = store.run_now(|conn| sharegate_gateway::store::log::sequenced(conn, 0, i64::MAX)).unwrap();
    let logged: std::collections::BTreeSet<String> = sequence
        .iter()
        .map(|(_, text, _)| {
            // Disclosures, and the policy put in force at the first start.
            let logged: sharegate_gateway::disclosure_log::LoggedEntry<Value> = serde_json::from_str(text).unwrap();
            logged.entry["id"].as_str().unwrap().to_owned()
        })
        .collect();
    for id in &received {
        assert!(logged.contains(id), "{id} was answered 200 but is not in the log");
    }
    // And it starts again on the same log, which still verifies after more entries (once this process has let go
    // of the database: a server keeps its SQLite store to itself).
    drop(store);
    let again = GatewayProcess::start(dir.path());
    let url = format!("https://localhost:{}/v1/requests", again.port);
    let (status, _) = send(person("social_care-social_worker").post(url).json(&granted)).await;
    assert_eq!(status, 200);
    again.stop("TERM");
    let output = Command::new(sharegate_binary())
        .args(["log", "verify", "--config"])
        .arg(&config)
        .current_dir(dir.path())
        .bounded_output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
}

/// A backup is only a backup if it restores: `pg_dump` of a running gateway's database, restored into a fresh one,
/// verifies as the same chain, and a gateway on the restored copy carries the chain on.
#[tokio::test]
#[cfg_attr(not(postgres_tests), ignore = "SHAREGATE_TEST_DATABASE_URL is not set (bash .ci/run sets it)")]
async fn a_dump_restored_into_a_fresh_database_verifies_and_the_chain_goes_on() {
    let backend = Backend::Postgres;
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let child = json!({"nhs_number": crate::subjects::fresh_nhs_number(), "name": "Lily Example", "date_of_birth": "2015-03-02", "local_refs": {}});
    let (_, created) = send(person("social_care-social_worker").post(gateway.url("/v1/subjects")).json(&child)).await;
    let subject = created["id"].as_str().unwrap().to_owned();
    let ask = json!({"subject": subject, "categories": ["health.mental_health"], "purpose": "safeguarding", "lawful_basis": "consent", "reason": "backup drill"});
    for _ in 0..20 {
        assert_eq!(send(person("police-investigator").post(gateway.url("/v1/requests")).json(&ask)).await.0, 403);
    }

    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("gateway.dump");
    let libpq_url = |url: &DatabaseUrl| String::from(url.clone());
    // While the gateway runs: pg_dump reads one snapshot.
    let dumped = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(libpq_url(gateway.database.url()))
        .output()
        .expect("pg_dump (PostgreSQL's client tools) on PATH");
    assert!(dumped.status.success(), "pg_dump: {}", String::from_utf8_lossy(&dumped.stderr));

    let restored = TestDatabase::create(backend).unwrap();
    let loaded = std::process::Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(libpq_url(restored.url()))
        .arg(&dump)
        .output()
        .expect("pg_restore on PATH");
    assert!(loaded.status.success(), "pg_restore: {}", String::from_utf8_lossy(&loaded.stderr));
    let original = verify(gateway.database.url());
    let copy = verify(restored.url());
    assert_eq!((copy.entries, copy.problem.clone()), (original.entries, None), "the copy is the same chain");
    assert_eq!(copy.entries, 21, "the policy put in force at the start, then the answers");

    // A gateway on the restored copy: the next entry joins the same chain.
    let url = restored.url().clone();
    let on_copy = spawn_gateway_with(backend, move |config| config.database_url = url).await;
    assert_eq!(send(person("police-investigator").post(on_copy.url("/v1/requests")).json(&ask)).await.0, 403);
    let after = verify(restored.url());
    assert_eq!((after.entries, after.problem), (22, None));
}
