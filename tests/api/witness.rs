//! `sharegate log witness`: an agency co-signs only a log that extends what it saw, and alarms at a log rolled back
//! to an older copy or rewritten (an entry changed, the tree rebuilt and signed again by the log's own key).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use diesel::connection::SimpleConnection;
use serde_json::{Value, json};
use sharegate_core::store::{DatabaseUrl, StoreOptions};
use sharegate_gateway::disclosure_log::merkle;
use sharegate_gateway::disclosure_log::note::{self, Cosignature};

use crate::config::{GatewayProcess, valid_toml};
use crate::helpers::{BoundedOutput, federation, person, send, sharegate_binary};

/// A gateway process on `dir` that takes co-signatures from the police witness whose key is in `state`.
fn start(dir: &Path, state: &Path) -> GatewayProcess {
    let toml = valid_toml().replace(
        "[agencies.police]\n",
        &format!("[agencies.police]\nwitness_key = \"{}\"\n", state.join("witness.pub").display()),
    );
    GatewayProcess::start_with(dir, &toml)
}

/// `n` requests logged through the gateway.
async fn disclose(port: u16, n: usize, reason: &str) {
    let url = |path: &str| format!("https://localhost:{port}{path}");
    let child = json!({"nhs_number": crate::subjects::fresh_nhs_number(), "name": "Lily Example", "date_of_birth": "2015-03-02", "local_refs": {}});
    let (status, created) = send(person("social_care-social_worker").post(url("/v1/subjects")).json(&child)).await;
    assert_eq!(status, 201, "{created}");
    let ask = json!({"subject": created["id"], "categories": ["health.mental_health"], "purpose": "safeguarding", "lawful_basis": "consent", "reason": reason});
    for _ in 0..n {
        let (status, answer) = send(person("police-investigator").post(url("/v1/requests")).json(&ask)).await;
        assert!(answer["disclosure_id"].is_string(), "{status} {answer}");
    }
}

/// Runs the police witness against the gateway on `port`.
fn witness(port: u16, state: &Path) -> Output {
    let layout = &federation().layout;
    let (cert, key) = layout.person("police", "dpo");
    Command::new(sharegate_binary())
        .args(["log", "witness", "--gateway", &format!("https://localhost:{port}")])
        .arg("--ca")
        .arg(layout.ca_cert())
        .arg("--crl")
        .arg(layout.crl())
        .arg("--cert")
        .arg(cert)
        .arg("--key")
        .arg(key)
        .arg("--log-key")
        .arg(layout.log_signing_key().with_extension("pub"))
        .arg("--state")
        .arg(state)
        .bounded_output()
        .expect("run the witness")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn seen(state: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(state.join("checkpoint.json")).expect("the witness's state")).expect("json")
}

fn database(dir: &Path) -> DatabaseUrl {
    DatabaseUrl::parse(&format!("sqlite://{}", dir.join("data/gateway.db").display())).expect("url")
}

/// What someone holding the database and the log's key does to rewrite history: entry `seq`'s text changed and its
/// hash with it (the chain's head too, when it is the last), the checkpoints and co-signatures that would give it
/// away deleted, the index rebuilt by `log reindex`. `log verify` then finds nothing wrong: only a witness can tell.
fn rewrite(dir: &Path, seq: i64, from: &str, to: &str) {
    let store = sharegate_gateway::store::open(&database(dir), &StoreOptions::default()).expect("store");
    let canonical: String = store
        .run_now(move |conn| {
            use diesel::prelude::*;
            use sharegate_gateway::store::schema::log_sequence;
            Ok(log_sequence::table.filter(log_sequence::seq.eq(seq)).select(log_sequence::canonical).first(conn)?)
        })
        .expect("the entry");
    assert!(canonical.contains(from), "{canonical}");
    let changed = canonical.replace(from, to);
    let leaf = hex::encode(merkle::leaf_hash(changed.as_bytes()));
    let sql = format!(
        "DROP TRIGGER IF EXISTS log_sequence_append_only_update; \
         DROP TRIGGER IF EXISTS log_checkpoints_append_only_delete; \
         DROP TRIGGER IF EXISTS log_cosignatures_append_only_delete; \
         UPDATE log_sequence SET canonical = '{}', leaf_hash = '{leaf}' WHERE seq = {seq}; \
         UPDATE log_head SET last_hash = '{leaf}' WHERE size = {}; \
         DELETE FROM log_checkpoints; DELETE FROM log_cosignatures;",
        changed.replace('\'', "''"),
        seq + 1,
    );
    store.run_now(|conn| conn.batch_execute(&sql).map_err(Into::into)).expect("rewrite");
    drop(store);
    let log = |command: &str| {
        let mut run = Command::new(sharegate_binary());
        run.args(["log", command, "--config"]).arg(dir.join("gateway.toml")).current_dir(dir);
        run.bounded_output().expect("sharegate log")
    };
    let reindexed = log("reindex");
    assert!(reindexed.status.success(), "{}", text(&reindexed));
    let verified = log("verify");
    assert!(verified.status.success(), "the rewrite is not one `log verify` sees: {}", text(&verified));
}

/// The witness's key, made as its first run makes it, before the gateway that must know it starts.
fn witness_key(state: &Path) -> ed25519_dalek::SigningKey {
    let key = sharegate_core::signing::generate();
    sharegate_core::signing::save(&key, &state.join("witness.key")).expect("witness key");
    key
}

#[tokio::test]
async fn a_witness_cosigns_a_growing_log_and_alarms_at_a_rollback_and_a_rewrite() {
    let dir = tempfile::tempdir().unwrap();
    let state_dir = tempfile::tempdir().unwrap();
    let state = state_dir.path();
    let key = witness_key(state);
    let gateway = start(dir.path(), state);
    let port = gateway.port;

    disclose(port, 3, "witnessed").await;
    let first = witness(port, state);
    assert!(first.status.success(), "{}", text(&first));
    let size = seen(state)["size"].as_u64().unwrap();
    assert!(text(&first).contains(&format!("co-signed the checkpoint of {size} entries")), "{}", text(&first));

    // The co-signature is published with its checkpoint, in the gateway's form and as a C2SP signed note.
    let (status, published) =
        send(person("health-dpo").get(format!("https://localhost:{port}/v1/log/checkpoint?size={size}"))).await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["cosignatures"][0]["witness"], "police");
    assert_eq!(published["cosignatures"][0]["public_key"], hex::encode(key.verifying_key().as_bytes()));
    let log_key =
        sharegate_core::signing::load_public(&federation().layout.log_signing_key().with_extension("pub")).unwrap();
    let root = merkle::decode(published["root"].as_str().unwrap()).unwrap();
    let body = note::body(&note::origin(&log_key), size, &root);
    let time = published["cosignatures"][0]["cosigned_at"].as_u64().unwrap();
    let signature = ed25519_dalek::Signature::from_slice(
        &hex::decode(published["cosignatures"][0]["signature"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert!(Cosignature { time, signature }.holds(&key.verifying_key(), &body));
    let note_text = published["note"].as_str().unwrap();
    assert!(note_text.starts_with(&format!("{body}\n— {} ", note::origin(&log_key))), "{note_text}");
    assert!(note_text.contains("\n— sharegate-witness/police "), "{note_text}");

    // Nothing new: the witness says it had co-signed; the log grows: it checks the proof and co-signs again.
    let again = witness(port, state);
    assert!(again.status.success() && text(&again).contains("had already co-signed"), "{}", text(&again));
    let _ = gateway.stop("TERM");
    let older = keep(dir.path(), "older.db");
    let gateway = start(dir.path(), state);
    disclose(gateway.port, 4, "witnessed").await;
    let grown = witness(gateway.port, state);
    assert!(grown.status.success(), "{}", text(&grown));
    let grown_seen = seen(state);
    let grown_size = grown_seen["size"].as_u64().unwrap();
    assert!(grown_size > size);
    let _ = gateway.stop("TERM");
    let cosigned = keep(dir.path(), "cosigned.db");

    // Rolled back to the older copy: smaller than what the witness co-signed.
    restore(dir.path(), &older);
    let gateway = start(dir.path(), state);
    let rolled = witness(gateway.port, state);
    assert_eq!(rolled.status.code(), Some(2), "{}", text(&rolled));
    let said = text(&rolled);
    assert!(said.contains("ALARM: the log rolled back"), "{said}");
    assert!(said.contains(&format!("co-signed the checkpoint of {grown_size} entries")), "names what it saw: {said}");
    assert!(said.contains(&format!("now serves the checkpoint of {size} entries")), "names what it got: {said}");
    assert_eq!(seen(state), grown_seen, "an alarm leaves the state as it was, so it repeats");
    let _ = gateway.stop("TERM");

    // Rewritten: the log the witness co-signed, its last entry changed, the tree rebuilt and signed again.
    restore(dir.path(), &cosigned);
    rewrite(dir.path(), i64::try_from(grown_size).unwrap() - 1, "witnessed", "witnesseD");
    let gateway = start(dir.path(), state);
    let forked = witness(gateway.port, state);
    assert_eq!(forked.status.code(), Some(2), "{}", text(&forked));
    let said = text(&forked);
    assert!(said.contains("ALARM: the log forked"), "{said}");
    assert!(said.contains(grown_seen["root"].as_str().unwrap()), "names the checkpoint it co-signed: {said}");
    assert!(said.contains(&format!("now serves the checkpoint of {grown_size} entries")), "{said}");
    // Growing past it does not hide the fork: the consistency proof from what it saw fails.
    disclose(gateway.port, 2, "witnessed").await;
    let still = witness(gateway.port, state);
    assert_eq!(still.status.code(), Some(2), "{}", text(&still));
    assert!(text(&still).contains("ALARM: the log forked"), "{}", text(&still));
    assert_eq!(seen(state), grown_seen);
}

/// A copy of the stopped gateway's store, as `name` beside it.
fn keep(dir: &Path, name: &str) -> PathBuf {
    let copy = dir.join(name);
    std::fs::copy(dir.join("data/gateway.db"), &copy).expect("copy the store");
    copy
}

/// The stopped gateway's store replaced by `copy`.
fn restore(dir: &Path, copy: &Path) {
    for stale in ["data/gateway.db-wal", "data/gateway.db-shm"] {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    std::fs::copy(copy, dir.join("data/gateway.db")).expect("restore the store");
}

/// The gateway takes only the configured witness's co-signature of a checkpoint it signed.
#[tokio::test]
async fn cosignatures_are_checked_before_they_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let state_dir = tempfile::tempdir().unwrap();
    let key = witness_key(state_dir.path());
    let mut gateway = start(dir.path(), state_dir.path());
    let port = gateway.port;
    let url = |path: &str| format!("https://localhost:{port}{path}");
    disclose(port, 2, "checked").await;
    let (status, checkpoint) = send(person("police-dpo").get(url("/v1/log/checkpoint"))).await;
    assert_eq!(status, 200, "{checkpoint}");
    let size = checkpoint["size"].as_u64().unwrap();
    let root = merkle::decode(checkpoint["root"].as_str().unwrap()).unwrap();
    let log_key =
        sharegate_core::signing::load_public(&federation().layout.log_signing_key().with_extension("pub")).unwrap();
    let body = note::body(&note::origin(&log_key), size, &root);
    let signed = |key: &ed25519_dalek::SigningKey, size: u64, root: &str| {
        let cosignature = Cosignature::sign(key, 1_800_000_000, &body);
        json!({"size": size, "root": root, "cosigned_at": 1_800_000_000u64, "signature": hex::encode(cosignature.signature.to_bytes())})
    };
    let good = signed(&key, size, checkpoint["root"].as_str().unwrap());
    let post = |who: &str, body: &Value| person(who).post(url("/v1/log/cosignatures")).json(body);

    let (status, refused) = send(post("police-investigator", &good)).await;
    assert_eq!(status, 403, "DPOs only: {refused}");
    let (status, refused) = send(post("education-dpo", &good)).await;
    assert_eq!(status, 403, "education has no witness: {refused}");
    assert!(refused.to_string().contains("agencies.education.witness_key"), "{refused}");
    let stranger = sharegate_core::signing::generate();
    let (status, refused) =
        send(post("police-dpo", &signed(&stranger, size, checkpoint["root"].as_str().unwrap()))).await;
    assert_eq!(status, 400, "not the police witness's key: {refused}");
    assert!(refused.to_string().contains("signature"), "{refused}");
    let other_root = hex::encode([7u8; 32]);
    let (status, refused) = send(post("police-dpo", &signed(&key, size, &other_root))).await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused.to_string().contains("another root"), "{refused}");
    let (status, refused) =
        send(post("police-dpo", &signed(&key, size + 100, checkpoint["root"].as_str().unwrap()))).await;
    assert_eq!(status, 404, "{refused}");
    let (status, refused) = send(post("police-dpo", &json!({"size": size, "root": "zz"}))).await;
    assert_eq!(status, 400, "{refused}");
    let (_, unsigned) = send(person("police-dpo").get(url(&format!("/v1/log/checkpoint?size={size}")))).await;
    assert_eq!(unsigned["cosignatures"], json!([]), "nothing refused was kept");

    let (status, _) = send(post("police-dpo", &good)).await;
    assert_eq!(status, 201);
    let (status, _) = send(post("police-dpo", &good)).await;
    assert_eq!(status, 200, "once per witness and checkpoint");
    let (_, cosigned) = send(person("police-dpo").get(url(&format!("/v1/log/checkpoint?size={size}")))).await;
    assert_eq!(cosigned["cosignatures"].as_array().map(Vec::len), Some(1), "{cosigned}");

    // The school's witness is added while the gateway runs: its key in the file, then SIGHUP.
    let school_state = tempfile::tempdir().unwrap();
    let school_key = witness_key(school_state.path());
    let file = dir.path().join("gateway.toml");
    let toml = std::fs::read_to_string(&file).unwrap().replace(
        "[agencies.education]\n",
        &format!("[agencies.education]\nwitness_key = \"{}\"\n", school_state.path().join("witness.pub").display()),
    );
    std::fs::write(&file, toml).unwrap();
    gateway.signal("HUP");
    let reloaded = crate::policy::wait_for_log(gateway.logs(), "record keys reloaded");
    assert_eq!(reloaded["witness_keys_changed"], true, "{reloaded}");
    let school = signed(&school_key, size, checkpoint["root"].as_str().unwrap());
    let (status, refused) = send(post("education-dpo", &school)).await;
    assert_eq!(status, 201, "{refused}");
    let (_, cosigned) = send(person("police-dpo").get(url(&format!("/v1/log/checkpoint?size={size}")))).await;
    assert_eq!(cosigned["cosignatures"].as_array().map(Vec::len), Some(2), "{cosigned}");
    assert!(cosigned["note"].as_str().unwrap().contains("— sharegate-witness/education "), "{cosigned}");

    // Consistency proofs: from must not pass to, and to must be a signed checkpoint.
    let (status, _) =
        send(person("police-dpo").get(url(&format!("/v1/log/consistency?from={}&to={size}", size + 1)))).await;
    assert_eq!(status, 400);
    let (status, _) = send(person("police-dpo").get(url(&format!("/v1/log/consistency?from=1&to={}", size + 1)))).await;
    assert_eq!(status, 404);
    let (status, proof) = send(person("police-dpo").get(url(&format!("/v1/log/consistency?from=1&to={size}")))).await;
    assert_eq!(status, 200, "{proof}");
    assert!(proof["proof"].as_array().is_some_and(|p| !p.is_empty()), "{proof}");
}

/// An auditor with only a DPO's certificate and the log's public key: the checkpoint note, then hash tiles, then the
/// tree rebuilt from them and checked against the signed root — no database, no trust in the gateway's arithmetic.
#[tokio::test]
async fn an_auditor_rebuilds_the_tree_from_tiles_and_checks_the_signed_root() {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as BASE64;
    let gateway = crate::helpers::spawn_gateway_with(crate::databases::Backend::Sqlite, |config| {
        config.request_limits = sharegate_core::serve::RequestLimits::none_worth_counting();
    })
    .await;
    let child = json!({"nhs_number": crate::subjects::fresh_nhs_number(), "name": "Lily Example", "date_of_birth": "2015-03-02", "local_refs": {}});
    let (_, created) = send(person("social_care-social_worker").post(gateway.url("/v1/subjects")).json(&child)).await;
    let ask = json!({"subject": created["id"], "categories": ["health.mental_health"], "purpose": "safeguarding", "lawful_basis": "consent", "reason": "tiles"});
    // Past one full tile of leaves, so that a level-1 tile exists.
    for _ in 0..20 {
        let sends = (0..16).map(|_| send(person("police-investigator").post(gateway.url("/v1/requests")).json(&ask)));
        for (status, answer) in futures_util::future::join_all(sends).await {
            assert!(answer["disclosure_id"].is_string(), "{status} {answer}");
        }
    }
    let auditor = person("health-dpo");
    let get = |path: &str| auditor.get(gateway.url(&format!("/v1/log/tiles/{path}"))).send();

    let response = get("checkpoint").await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.unwrap();
    let (body, signatures) = text.split_once("\n\n").expect("a signed note");
    let body = format!("{body}\n");
    let lines: Vec<&str> = body.lines().collect();
    let log_key =
        sharegate_core::signing::load_public(&federation().layout.log_signing_key().with_extension("pub")).unwrap();
    assert_eq!(lines[0], note::origin(&log_key));
    let size: u64 = lines[1].parse().unwrap();
    assert!(size >= 320, "{text}");
    let root: [u8; 32] = BASE64.decode(lines[2]).unwrap().try_into().unwrap();
    let signature_line = signatures.lines().next().unwrap();
    let blob = BASE64.decode(signature_line.rsplit(' ').next().unwrap()).unwrap();
    let signature = ed25519_dalek::Signature::from_slice(&blob[4..]).unwrap();
    assert!(ed25519_dalek::Verifier::verify(&log_key, body.as_bytes(), &signature).is_ok(), "{text}");

    let fetch = async |path: String| -> Vec<[u8; 32]> {
        let response = get(&path).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable", "{path}");
        let bytes = response.bytes().await.unwrap();
        bytes.chunks(32).map(|h| h.try_into().unwrap()).collect()
    };
    let (full, rest) = (size / 256, size % 256);
    let mut leaves = Vec::new();
    let mut full_tiles = Vec::new();
    for n in 0..full {
        let tile = fetch(format!("tile/0/{n:03}")).await;
        assert_eq!(tile.len(), 256);
        full_tiles.push(merkle::tree_hash(&tile));
        leaves.extend(tile);
    }
    if rest > 0 {
        leaves.extend(fetch(format!("tile/0/{full:03}.p/{rest}")).await);
    }
    assert_eq!(merkle::tree_hash(&leaves), root, "the tiles make the signed tree");
    assert_eq!(fetch(format!("tile/1/000.p/{full}")).await, full_tiles, "level 1 is the hashes of level 0's tiles");

    for (path, status, says) in [
        (format!("tile/0/{:03}", full + 1), 404, "does not reach"),
        (format!("tile/0/{full:03}.p/{}", rest + 1), 404, "does not reach"),
        ("tile/1/000".to_owned(), 404, "does not reach"),
        ("tile/entries/000".to_owned(), 404, "not published"),
        ("tile/0/000.p/0".to_owned(), 400, "width"),
        ("tile/0/0".to_owned(), 400, "groups of three digits"),
        ("tile/9/000".to_owned(), 400, "level"),
    ] {
        let response = get(&path).await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        let said = response.text().await.unwrap();
        assert!(said.contains(says), "{path}: {said}");
    }
    let (status, _) = send(person("police-investigator").get(gateway.url("/v1/log/tiles/tile/0/000"))).await;
    assert_eq!(status, 403, "DPOs only");
}
