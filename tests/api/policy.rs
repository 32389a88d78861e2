//! `sharegate policy check`, `explain` and `diff`, reloading the policy on SIGHUP without a restart, and the policy
//! in force as practitioners read it.

use crate::helpers::BoundedOutput;
use serde_json::{Value, json};
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
    // The policy put in force at the start is the log's first entry: the policy itself, and who.
    let changes = policy_changes(port).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    let started = &changes[0];
    assert_eq!(
        (started["index"].as_u64(), &started["hash"], &started["replaces"]),
        (Some(0), &first["hash"], &json!(null))
    );
    assert_eq!((&started["compared"], &started["by"]["occasion"]), (&json!("first"), &json!("start")), "{started}");
    assert_eq!(started["by"]["gateway"]["pid"].as_u64(), Some(u64::from(gateway.pid())), "{started}");
    assert_eq!(started["rules"], std::fs::read_to_string(policies.path().join("policy.csv")).unwrap());
    let (status, _) = crate::helpers::send(client.get(format!("https://localhost:{port}/v1/policy/changes"))).await;
    assert_eq!(status, 403, "DPOs only");
    let rules = first["rules"].as_array().expect("the rules, listed");
    assert_eq!(rules.len(), 28, "{first}");
    let never = rules.last().expect("a last rule");
    assert_eq!(never["reference"], "policy.csv:93 (p, dpo, *, *, *, *, deny, -)", "named as decisions name it");
    assert_eq!(never["effect"], "deny");
    assert_eq!(never["reason"], "Data-protection officers review disclosures; they never receive records.");
    let endorsed = rules.iter().filter(|r| r["needs_endorsement"] == true).count();
    assert_eq!(endorsed, 10, "{first}");
    // Who inherits whose need-to-know: a refusal of a manager is explained by the practitioner's rules.
    let roles = first["roles"].as_array().expect("the role lines, listed");
    assert_eq!(roles.len(), 9, "{first}");
    assert_eq!(roles[0]["reference"], "policy.csv:15 (g, manager, investigator, police)");
    assert_eq!(
        (&roles[2]["role"], &roles[2]["inherits"], &roles[2]["agency"]),
        (&serde_json::json!("manager"), &serde_json::json!("dsl"), &serde_json::json!("education"))
    );

    let policy_file = policies.path().join("policy.csv");
    let shipped = std::fs::read_to_string(&policy_file).unwrap();
    std::fs::write(&policy_file, shipped.replace("p, dpo, *, *, *, *, deny, -", "p, dpo, *, *, *, *, allwo, -"))
        .unwrap();
    gateway.signal("HUP");
    let failed = wait_for_log(gateway.logs(), "policy reload failed; the previous policy stays in force");
    assert!(failed["error"].as_str().unwrap().contains("allow or deny"), "{failed}");
    assert_eq!(current().await["hash"], first["hash"], "a broken policy keeps the old one");
    assert_eq!(policy_changes(port).await.len(), 1, "nothing put in force, nothing logged");

    std::fs::write(&policy_file, format!("{shipped}\n# A new rule, for the test.\np, dsl, education, health.summary, safeguarding, consent, allow, -\n")).unwrap();
    gateway.signal("HUP");
    let reloaded = wait_for_log(gateway.logs(), "policy reloaded: it shares more than the one it replaced");
    assert_eq!(reloaded["widened"], 2, "the DSL and the manager who inherits the DSL's role: {reloaded}");
    assert_eq!(reloaded["narrowed"], 0, "{reloaded}");
    let now = current().await;
    assert_eq!(now["rules"].as_array().map(Vec::len), Some(29));
    assert_eq!(now["rules"][28]["reason"], "A new rule, for the test.");
    assert_ne!(now["hash"], first["hash"]);
    assert_eq!(now["hash"], reloaded["new"]);
    let changes = policy_changes(port).await;
    let widened = &changes[0];
    assert_eq!((changes.len(), &widened["id"], &widened["hash"]), (2, &reloaded["entry"], &now["hash"]), "{changes:?}");
    assert_eq!(widened["replaces"], first["hash"]);
    assert_eq!(widened["compared"]["counted"]["widened"], 2, "as the reload counted: {widened}");
    assert_eq!(widened["compared"]["counted"]["requests"], reloaded["compared"]);
    // Sent by `kill`, run by this test as its own user.
    let sender = &widened["by"]["occasion"]["reload"]["sent_by"];
    assert_eq!(sender["uid"].as_u64(), Some(this_uid()), "{widened}");
    assert_ne!(sender["pid"].as_u64(), Some(u64::from(gateway.pid())), "the sender, not the gateway: {widened}");

    std::fs::write(&policy_file, &shipped).unwrap();
    gateway.signal("HUP");
    let back = wait_for_log(gateway.logs(), "policy reloaded");
    assert_eq!((back["narrowed"].as_u64(), back["widened"].as_u64()), (Some(2), Some(0)), "{back}");
    assert_eq!(current().await["hash"], first["hash"], "the shipped policy again, by the same hash");
    let changes = policy_changes(port).await;
    assert_eq!((changes.len(), &changes[0]["hash"]), (3, &first["hash"]), "{changes:?}");
    assert_eq!(changes[0]["compared"]["counted"]["narrowed"], 2);
    // None of them is a disclosure: no DPO's search lists them.
    let dpo = crate::helpers::person("education-dpo");
    let (_, listed) = crate::helpers::send(dpo.get(format!("https://localhost:{port}/v1/disclosures"))).await;
    assert_eq!(listed["disclosures"], json!([]), "{listed}");

    // Started again with the policy last put in force: nothing new to log. With another: logged, counted against
    // the last policy the log holds.
    drop(gateway);
    let gateway = crate::config::GatewayProcess::start_with(dir.path(), &toml);
    assert_eq!(policy_changes(gateway.port).await.len(), 3);
    drop(gateway);
    std::fs::write(&policy_file, format!("{shipped}\n# A new rule, for the test.\np, dsl, education, health.summary, safeguarding, consent, allow, -\n")).unwrap();
    let gateway = crate::config::GatewayProcess::start_with(dir.path(), &toml);
    let changes = policy_changes(gateway.port).await;
    assert_eq!((changes.len(), &changes[0]["by"]["occasion"]), (4, &json!("start")), "{changes:?}");
    assert_eq!((&changes[0]["hash"], &changes[0]["replaces"]), (&now["hash"], &first["hash"]));
    assert_eq!(changes[0]["compared"]["counted"]["widened"], 2, "{changes:?}");
}

/// The policy changes a DPO reads in the gateway's log, the latest first.
async fn policy_changes(port: u16) -> Vec<Value> {
    let dpo = crate::helpers::person("education-dpo");
    let (status, body) = crate::helpers::send(dpo.get(format!("https://localhost:{port}/v1/policy/changes"))).await;
    assert_eq!(status, 200, "{body}");
    body["changes"].as_array().expect("the changes, listed").clone()
}

fn this_uid() -> u64 {
    let id = Command::new("id").arg("-u").bounded_output().unwrap();
    String::from_utf8_lossy(&id.stdout).trim().parse().unwrap()
}

/// The shipped policy with one rule rewritten.
fn variant(from: &str, to: &str) -> tempfile::TempDir {
    let dir = policy_copy();
    let policy = std::fs::read_to_string(dir.path().join("policy.csv")).unwrap();
    assert_eq!(policy.matches(from).count(), 1, "{from}");
    std::fs::write(dir.path().join("policy.csv"), policy.replacen(from, to, 1)).unwrap();
    dir
}

#[test]
fn diff_lists_what_a_change_does_and_fails_on_widening_unless_allowed() {
    let narrowed = variant(
        "p, dsl, education, social_care.plan, safeguarding, consent, allow, -",
        "p, dsl, education, social_care.plan, safeguarding, consent, deny, -",
    );
    let narrowed_dir = narrowed.path().to_str().unwrap();
    let (ok, text) = policy_command(Path::new("policies"), &["diff", "policies", narrowed_dir]);
    assert!(ok, "a narrowing passes: {text}");
    assert!(text.starts_with("5376 requests compared over the closed lists"), "{text}");
    assert!(text.contains("NARROWED: allowed before, refused now: 2"), "{text}");
    assert!(text.contains("because: A school's designated safeguarding lead needs to know the child protection plan"));
    assert!(text.contains("- dsl in education asking for social_care.plan for safeguarding on consent"), "{text}");
    assert!(text.contains("- manager in education asking for social_care.plan"), "{text}");

    // The same change the other way round widens: refused without --allow-widening, listed either way.
    let (ok, text) = policy_command(Path::new("policies"), &["diff", narrowed_dir, "policies"]);
    assert!(!ok, "{text}");
    assert!(text.contains("WIDENED: refused before, allowed now: 2") && text.contains("--allow-widening"), "{text}");
    let (ok, text) = policy_command(Path::new("policies"), &["diff", "--allow-widening", narrowed_dir, "policies"]);
    assert!(ok && text.contains("WIDENED: refused before, allowed now: 2"), "{text}");

    let (ok, text) = policy_command(Path::new("policies"), &["diff", "policies", "policies"]);
    assert!(ok && text.contains("no request's answer changes"), "{text}");
    let (ok, text) = policy_command(Path::new("policies"), &["diff", "policies", "/nonexistent/policies"]);
    assert!(!ok && text.contains("/nonexistent/policies"), "names the directory that did not load: {text}");
}
