//! The gateway's store failing under it: its files made immutable (as a filesystem remounted read-only after disk
//! errors behaves) and its filesystem full. Each must give 503 — nothing answered without its entry — and the
//! gateway must live on and serve again once the store can be written. A gateway of its own, as a process: a fault
//! that killed it (SIGBUS from a memory-mapped file) must not kill the test binary.
//!
//! They need root (`chattr +i`, `mount -t tmpfs`): built ignored, with why, unless `SHAREGATE_TEST_DISK_FAULTS` is
//! set (`.ci/run` sets it when it runs as root; see `build.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::config::GatewayProcess;
use crate::helpers::{BoundedOutput, person, send};

/// Runs `program` with `args`, which must succeed.
fn run(program: &str, args: &[&str]) {
    let output = Command::new(program).args(args).bounded_output().unwrap();
    assert!(output.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// Files made immutable, made mutable again when dropped (a failed test must not leave files nobody can delete).
struct Immutable(Vec<PathBuf>);

impl Immutable {
    fn make(files: Vec<PathBuf>) -> Self {
        for file in &files {
            run("chattr", &["+i", file.to_str().unwrap()]);
        }
        Self(files)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        for file in &self.0 {
            let _ = Command::new("chattr").args(["-i", file.to_str().unwrap()]).status();
        }
    }
}

/// A small tmpfs mounted at a directory, unmounted when dropped.
struct Mounted(PathBuf);

impl Mounted {
    fn tmpfs(at: &Path, size: &str) -> Self {
        std::fs::create_dir_all(at).unwrap();
        run("mount", &["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs", at.to_str().unwrap()]);
        Self(at.to_owned())
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("--lazy").arg(&self.0).status();
    }
}

/// A child and a question about it that the policy refuses whole: answered by the gateway alone (no node is
/// asked), and logged like any answer.
async fn refused_question(gateway: &GatewayProcess, child: &str) -> (u16, Value) {
    let url = |path: &str| format!("https://localhost:{}{path}", gateway.port);
    let ask = json!({"subject": child, "categories": ["health.mental_health"], "purpose": "safeguarding",
        "lawful_basis": "consent", "reason": "Checking the store's faults."});
    send(person("police-investigator").post(url("/v1/requests")).json(&ask)).await
}

/// A new child in the subject index: its gateway id, once registered.
async fn register_child(gateway: &GatewayProcess) -> (u16, Value) {
    let url = format!("https://localhost:{}/v1/subjects", gateway.port);
    let child = json!({"nhs_number": crate::subjects::fresh_nhs_number(), "name": "Lily Example",
        "date_of_birth": "2015-03-02", "local_refs": {}});
    send(person("social_care-social_worker").post(url).json(&child)).await
}

/// While the store cannot be written: 503 for a question and for a registration, and the gateway still there.
async fn refused_while_unwritable(gateway: &mut GatewayProcess, child: &str) {
    for _ in 0..3 {
        let (status, answer) = refused_question(gateway, child).await;
        assert_eq!(status, 503, "nothing answered without its entry: {answer}");
        assert_eq!(answer["error"]["code"], "store_unavailable", "{answer}");
        let (status, created) = register_child(gateway).await;
        assert_eq!(status, 503, "{created}");
    }
    assert!(gateway.is_running(), "the gateway died when its store could not be written");
}

/// Once the store can be written again: answered and logged, as before.
async fn serves_again(gateway: &GatewayProcess, child: &str) {
    // The writer retries on its next batch; a few attempts cover a pool connection opened while it failed.
    let mut last = (0, Value::Null);
    for _ in 0..20 {
        last = refused_question(gateway, child).await;
        if last.0 == 403 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(last.0, 403, "answered (a refusal, logged) again: {}", last.1);
    assert!(last.1["disclosure_id"].is_string(), "{}", last.1);
    assert_eq!(register_child(gateway).await.0, 201);
}

async fn registered(gateway: &GatewayProcess) -> String {
    let (status, created) = register_child(gateway).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

fn log_verifies(dir: &Path) {
    let output = Command::new(crate::helpers::sharegate_binary())
        .args(["log", "verify", "--config", "gateway.toml"])
        .current_dir(dir)
        .bounded_output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && text.contains("the disclosure log verifies"), "{text}");
}

#[tokio::test]
#[cfg_attr(not(disk_fault_tests), ignore = "SHAREGATE_TEST_DISK_FAULTS is not set (needs root; bash .ci/run sets it)")]
async fn files_made_immutable_give_503_and_the_gateway_serves_again_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut gateway = GatewayProcess::start(dir.path());
    let child = registered(&gateway).await;
    assert_eq!(refused_question(&gateway, &child).await.0, 403);

    let data = dir.path().join("data");
    let files: Vec<PathBuf> = std::fs::read_dir(&data).unwrap().map(|f| f.unwrap().path()).collect();
    assert!(files.iter().any(|f| f.ends_with("gateway.db-wal")), "the store in WAL mode: {files:?}");
    let immutable = Immutable::make(files);
    refused_while_unwritable(&mut gateway, &child).await;
    drop(immutable);
    serves_again(&gateway, &child).await;

    let (status, logs) = gateway.stop("TERM");
    assert!(status.success(), "{logs}");
    log_verifies(dir.path());
}

#[tokio::test]
#[cfg_attr(not(disk_fault_tests), ignore = "SHAREGATE_TEST_DISK_FAULTS is not set (needs root; bash .ci/run sets it)")]
async fn a_full_disk_gives_503_and_the_gateway_serves_again_after() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let _mounted = Mounted::tmpfs(&data, "16m");
    let mut gateway = GatewayProcess::start(dir.path());
    let child = registered(&gateway).await;

    // Fill what is left: a file grown until the filesystem refuses.
    let filler = data.join("filler");
    let output = Command::new("dd")
        .args(["if=/dev/zero", &format!("of={}", filler.display()), "bs=64k"])
        .bounded_output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("No space left"), "{output:?}");
    // What the log's files had already allocated still takes entries; once an entry needs more, 503 — and every
    // answer given before then has its entry.
    let mut answered = Vec::new();
    let refusal = loop {
        let (status, answer) = refused_question(&gateway, &child).await;
        match status {
            403 => answered.push(answer["disclosure_id"].as_str().unwrap().to_owned()),
            _ => break (status, answer),
        }
        assert!(answered.len() < 5000, "the full disk was never noticed");
    };
    assert_eq!(refusal.0, 503, "{}", refusal.1);
    assert_eq!(refusal.1["error"]["code"], "store_unavailable", "{}", refusal.1);
    // Still full: a batch that fails gives its space back, so the next may fit. Either answered with its entry, or
    // 503; never anything else, and the gateway lives on.
    for _ in 0..10 {
        let (status, answer) = refused_question(&gateway, &child).await;
        match status {
            403 => answered.push(answer["disclosure_id"].as_str().unwrap().to_owned()),
            _ => assert_eq!((status, &answer["error"]["code"]), (503, &json!("store_unavailable")), "{answer}"),
        }
    }
    assert!(gateway.is_running(), "the gateway died when its disk was full");
    std::fs::remove_file(&filler).unwrap();
    serves_again(&gateway, &child).await;

    let (status, logs) = gateway.stop("TERM");
    assert!(status.success(), "{logs}");
    log_verifies(dir.path());
    let logged = logged_ids(&data.join("gateway.db"));
    for id in &answered {
        assert!(logged.contains(id), "{id} was answered but is not in the log");
    }
}

/// The ids of every entry in the log at `file`.
fn logged_ids(file: &Path) -> std::collections::BTreeSet<String> {
    let store = sharegate_gateway::store::open(
        &sharegate_core::store::DatabaseUrl::Sqlite(file.to_owned()),
        &sharegate_core::store::StoreOptions::default(),
    )
    .unwrap();
    let sequence = store.run_now(|conn| sharegate_gateway::store::log::sequenced(conn, 0, i64::MAX)).unwrap();
    sequence
        .iter()
        .map(|(_, text, _)| {
            let logged: sharegate_gateway::disclosure_log::LoggedEntry<Value> = serde_json::from_str(text).unwrap();
            logged.entry["id"].as_str().unwrap().to_owned()
        })
        .collect()
}
