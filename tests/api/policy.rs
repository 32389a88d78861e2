//! `sharegate policy check` and `explain`, and reloading the policy on SIGHUP without a restart.

use crate::helpers::BoundedOutput;
use std::path::Path;
use std::process::Command;

use crate::helpers::sharegate_binary;

/// A copy of the shipped policy folder to change.
fn policy_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in ["model.conf", "policy.csv", "cases.csv"] {
        std::fs::copy(Path::new("policies").join(file), dir.path().join(file)).unwrap();
    }
    dir
}

fn policy_command(dir: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(sharegate_binary())
        .arg("policy")
        .args(args)
        .env("SHAREGATE_POLICY_DIR", dir)
        .bounded_output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[test]
fn the_shipped_policy_passes_every_case() {
    let (ok, text) = policy_command(Path::new("policies"), &["check"]);
    assert!(ok, "{text}");
    assert!(text.contains(" 0 mismatches"), "{text}");
    let cases = text.split(" cases").next().and_then(|t| t.rsplit(' ').next()).and_then(|n| n.parse::<usize>().ok());
    assert!(cases.is_some_and(|n| n >= 40), "at least 40 cases: {text}");
}

#[test]
fn a_case_the_policy_does_not_answer_is_printed_and_fails_the_check() {
    let dir = policy_copy();
    let cases = std::fs::read_to_string(dir.path().join("cases.csv")).unwrap();
    let flipped = cases.replacen(
        "dsl, education, police.intelligence, safeguarding, dpa_2018_safeguarding, deny,",
        "dsl, education, police.intelligence, safeguarding, dpa_2018_safeguarding, allow,",
        1,
    );
    assert_ne!(cases, flipped);
    std::fs::write(dir.path().join("cases.csv"), flipped).unwrap();
    let (ok, text) = policy_command(dir.path(), &["check"]);
    assert!(!ok, "{text}");
    assert!(text.contains("MISMATCH cases.csv:") && text.contains("police.intelligence"), "{text}");
    assert!(text.contains("1 mismatches"), "{text}");
}

#[test]
fn a_rule_without_a_reason_or_with_a_typo_fails_the_load_naming_its_line() {
    for (from, to, expected) in [
        ("# And behaviour at school.\n", "\n", "every rule needs a comment"),
        ("p, dsl, education, police.incident", "p, dls, education, police.incident", "unknown role 'dls'"),
        ("safeguarding, consent, allow, -", "safeguarding, consent, allwo, -", "the effect must be allow or deny"),
    ] {
        let dir = policy_copy();
        let policy = std::fs::read_to_string(dir.path().join("policy.csv")).unwrap();
        assert!(policy.contains(from), "{from}");
        std::fs::write(dir.path().join("policy.csv"), policy.replacen(from, to, 1)).unwrap();
        let (ok, text) = policy_command(dir.path(), &["check"]);
        assert!(!ok, "{text}");
        assert!(text.contains("policy.csv line") && text.contains(expected), "{expected}: {text}");
    }
}

#[test]
fn explain_names_the_deciding_rule_and_its_reason() {
    let (ok, text) = policy_command(
        Path::new("policies"),
        &[
            "explain",
            "--role",
            "social_worker",
            "--agency",
            "social_care",
            "--category",
            "education.attendance",
            "--purpose",
            "safeguarding",
        ],
    );
    assert!(ok, "{text}");
    assert!(text.starts_with("ALLOWED"), "{text}");
    assert!(
        text.contains(
            "p, social_worker, social_care, education.attendance, safeguarding, consent, allow, requester-consent"
        ),
        "{text}"
    );
    assert!(text.contains("whether the child is in school"), "the rule's comment: {text}");
    let (_, text) = policy_command(
        Path::new("policies"),
        &[
            "explain",
            "--role",
            "dpo",
            "--agency",
            "police",
            "--category",
            "police.incident",
            "--purpose",
            "safeguarding",
        ],
    );
    assert!(text.starts_with("REFUSED") && text.contains("never receive records"), "{text}");
}

/// Reads JSON log lines from the gateway until one has `message`, returning that line's fields.
pub fn wait_for_log(reader: &mut impl std::io::BufRead, message: &str) -> serde_json::Value {
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "the gateway exited before logging '{message}'");
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(&line)
            && value["fields"]["message"] == message
        {
            return value["fields"].clone();
        }
    }
}

#[tokio::test]
async fn sighup_reloads_the_policy_and_a_broken_one_keeps_the_old() {
    let policies = policy_copy();
    let dir = tempfile::tempdir().unwrap();
    let toml = crate::config::valid_toml().replace(
        &std::env::current_dir().unwrap().join("policies").display().to_string(),
        &policies.path().display().to_string(),
    );
    let mut gateway = crate::config::GatewayProcess::start_with(dir.path(), &toml);
    let port = gateway.port;
    let client = crate::helpers::person("education-dsl");
    let url = format!("https://localhost:{port}/v1/policy");
    let current = || async { crate::helpers::send(client.get(&url)).await.1 };
    let first = current().await;
    assert_eq!(first["rules"], 28, "{first}");

    let policy_file = policies.path().join("policy.csv");
    let shipped = std::fs::read_to_string(&policy_file).unwrap();
    std::fs::write(&policy_file, shipped.replace("p, dpo, *, *, *, *, deny, -", "p, dpo, *, *, *, *, allwo, -"))
        .unwrap();
    gateway.signal("HUP");
    let failed = wait_for_log(gateway.logs(), "policy reload failed; the previous policy stays in force");
    assert!(failed["error"].as_str().unwrap().contains("allow or deny"), "{failed}");
    assert_eq!(current().await["hash"], first["hash"], "a broken policy keeps the old one");

    std::fs::write(&policy_file, format!("{shipped}\n# A new rule, for the test.\np, dsl, education, health.summary, safeguarding, consent, allow, -\n")).unwrap();
    gateway.signal("HUP");
    let reloaded = wait_for_log(gateway.logs(), "policy reloaded");
    let now = current().await;
    assert_eq!(now["rules"], 29);
    assert_ne!(now["hash"], first["hash"]);
    assert_eq!(now["hash"], reloaded["new"]);
}
