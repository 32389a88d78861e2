//! A disclosure's evidence file: downloaded by a DPO of an agency in it, checked offline by `sharegate log
//! check-evidence` and by the by-hand script of docs/evidence.md (Python's standard library and `openssl`), each
//! naming what does not hold when one byte of it is changed.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::databases::Backend;
use crate::helpers::{BoundedOutput, person, send, sharegate_binary, spawn_gateway_with};

/// The test federation's log key, as its operator would hand it out.
fn log_key() -> String {
    crate::helpers::federation().layout.log_signing_key().with_extension("pub").display().to_string()
}

/// `sharegate log check-evidence` and the script on `file` with `key`: whether each held, and what each said.
fn checked(file: &Path, key: &str) -> [(bool, String); 2] {
    let said = |output: std::process::Output| {
        (
            output.status.success(),
            format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)),
        )
    };
    let cli = Command::new(sharegate_binary())
        .args(["log", "check-evidence"])
        .arg(file)
        .args(["--log-key", key])
        .bounded_output()
        .unwrap();
    let script = Command::new("python3").arg("docs/check-evidence.py").arg(file).arg(key).bounded_output().unwrap();
    [said(cli), said(script)]
}

/// One byte (or number) of an evidence file changed.
type Change = Box<dyn FnOnce(&mut Value)>;

/// Writes `evidence` changed by `change` to a file of its own, and checks it.
fn changed(dir: &Path, evidence: &Value, name: &str, change: impl FnOnce(&mut Value)) -> [(bool, String); 2] {
    let mut changed = evidence.clone();
    change(&mut changed);
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, changed.to_string()).unwrap();
    checked(&file, &log_key())
}

#[tokio::test]
async fn evidence_checks_offline_and_a_changed_byte_is_named() {
    let gateway = spawn_gateway_with(Backend::Sqlite, |_| {}).await;
    let child = json!({"nhs_number": crate::subjects::fresh_nhs_number(), "name": "Lily Example", "date_of_birth": "2015-03-02", "local_refs": {}});
    let (_, created) = send(person("social_care-social_worker").post(gateway.url("/v1/subjects")).json(&child)).await;
    let ask = json!({"subject": created["id"], "categories": ["health.mental_health"], "purpose": "safeguarding", "lawful_basis": "consent", "reason": "evidence"});
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (_, answer) = send(person("police-investigator").post(gateway.url("/v1/requests")).json(&ask)).await;
        ids.push(answer["disclosure_id"].as_str().unwrap().to_owned());
    }
    let id = &ids[1];
    let url = gateway.url(&format!("/v1/disclosures/{id}/evidence"));
    let response = person("health-dpo").get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.contains(&format!("attachment; filename=\"evidence-{id}.json\"")), "{disposition}");
    let bytes = response.bytes().await.unwrap();
    let evidence: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        (&evidence["format"], &evidence["proof"]["disclosure_id"]),
        (&json!("sharegate-evidence-v1"), &json!(id))
    );
    // Only a DPO of an agency in the entry, as for every read of the log.
    let (status, _) = send(person("education-dpo").get(&url)).await;
    assert_eq!(status, 404);
    let (status, _) = send(person("police-investigator").get(&url)).await;
    assert_eq!(status, 403);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("evidence.json");
    std::fs::write(&file, &bytes).unwrap();
    assert!(Path::new(&log_key()).exists(), "the federation's log-signing.pub");
    for (held, said) in checked(&file, &log_key()) {
        assert!(held && said.contains("the evidence holds"), "{said}");
        assert!(said.contains(id.as_str()), "{said}");
    }

    let cases: [(&str, Change, &str); 4] = [
        (
            "entry",
            Box::new(|e| {
                let text = e["proof"]["entry"].as_str().unwrap().replacen("evidence", "evidencE", 1);
                e["proof"]["entry"] = json!(text);
            }),
            "the entry's text does not hash to its leaf hash",
        ),
        (
            "path",
            Box::new(|e| {
                let hash = e["proof"]["proof"][0].as_str().unwrap();
                let flipped = format!("{}{}", if hash.starts_with('0') { "1" } else { "0" }, &hash[1..]);
                e["proof"]["proof"][0] = json!(flipped);
            }),
            "the path does not lead from the entry to the checkpoint's root",
        ),
        (
            "signature",
            Box::new(|e| {
                let signature = e["proof"]["checkpoint"]["signature"].as_str().unwrap();
                let flipped = format!("{}{}", if signature.starts_with('0') { "1" } else { "0" }, &signature[1..]);
                e["proof"]["checkpoint"]["signature"] = json!(flipped);
            }),
            "the checkpoint is not signed by the",
        ),
        ("position", Box::new(|e| e["proof"]["index"] = json!(e["proof"]["index"].as_u64().unwrap() + 1)), ""),
    ];
    for (name, change, named) in cases {
        for (held, said) in changed(dir.path(), &evidence, name, change) {
            assert!(!held, "{name} changed, and it held: {said}");
            assert!(said.contains("FAILED") && said.contains(named), "{name}: {said}");
        }
    }
    // Checked against another key than the log's: the file naming the log's own key does not make it hold.
    for (held, said) in checked(&file, "certs-example/signing/police.pub") {
        assert!(!held && said.contains("FAILED"), "{said}");
    }
}
