//! Certificates while the servers run: `sharegate certs revoke`, SIGHUP, and what changes at once — handshakes,
//! connections already open, and the gateway's way to the nodes; `sharegate certs issue` for one more person.

use crate::helpers::BoundedOutput;
use std::io::BufRead;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::config::GatewayProcess;
use crate::databases::Backend;
use crate::helpers::{federation, metric, person, send, sharegate_binary, spawn_node_with};
use crate::sharing::federation_with;

/// The federation's CA, its key and its CRL, copied: revoking there touches no other test.
fn ca_copy() -> tempfile::TempDir {
    let layout = &federation().layout;
    let dir = tempfile::tempdir().unwrap();
    for path in [layout.ca_cert(), layout.ca_key(), layout.crl()] {
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

fn revoke(ca: &Path, cert: &Path, reason: &str) -> String {
    let output = Command::new(sharegate_binary())
        .args(["certs", "revoke", "--dir"])
        .arg(ca)
        .arg("--cert")
        .arg(cert)
        .args(["--reason", reason])
        .bounded_output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{text}");
    text
}

/// The next log line with this message from the door's own list (the gateway also keeps one for its nodes).
fn wait_for_door(logs: &mut impl BufRead, message: &str) -> Value {
    loop {
        let fields = crate::policy::wait_for_log(logs, message);
        if fields["side"] == "clients" {
            return fields;
        }
    }
}

#[tokio::test]
async fn a_certificate_revoked_while_the_gateway_runs_is_refused_from_its_next_request() {
    let layout = &federation().layout;
    let ca = ca_copy();
    let crl = ca.path().join("crl.pem");
    let original = std::fs::read(&crl).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let toml = crate::config::valid_toml().replace(&layout.crl().display().to_string(), &crl.display().to_string());
    let mut gateway = GatewayProcess::start_with(dir.path(), &toml);
    let port = gateway.port;
    let base = format!("https://localhost:{port}");
    let whoami = format!("{base}/v1/whoami");
    let revoked_count = r#"sharegate_crl_revoked_certificates{side="clients"}"#;

    // One client, so one connection, kept open across the revocation.
    let investigator = person("police-investigator");
    assert_eq!(send(investigator.get(&whoami)).await.0, 200);
    assert_eq!(metric(&base, revoked_count).await, Some(1.0), "the example CRL revokes its test certificate");

    let (cert, _) = layout.person("police", "investigator");
    let said = revoke(ca.path(), &cert, "affiliation-changed");
    assert!(said.contains("CRL number 2"), "{said}");
    gateway.signal("HUP");
    let reloaded = wait_for_door(gateway.logs(), "certificate revocation list reloaded");
    assert_eq!(reloaded["revoked"], 2, "{reloaded}");

    // The open connection: refused, and closed.
    let response = investigator.get(&whoami).send().await.expect("the open connection answers");
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers().get("connection").map(|v| v.to_str().unwrap()), Some("close"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_authenticated", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("revoked"), "{body}");
    // The same client again: it may resume its TLS session, which skips the handshake's certificate check — the
    // check of each request refuses it then. A client without such a session fails the handshake.
    let again = investigator.get(&whoami).send().await;
    assert!(again.as_ref().map_or(true, |r| r.status() == 401), "{:?}", again.map(|r| r.status()));
    assert!(person("police-investigator").get(&whoami).send().await.is_err(), "a new connection meets the handshake");
    assert_eq!(send(person("police-dpo").get(&whoami)).await.0, 200);
    assert_eq!(metric(&base, revoked_count).await, Some(2.0));

    // A broken file, then an older CRL put back: each refused, and the list in force stays.
    std::fs::write(&crl, "-----BEGIN X509 CRL-----\nnot base64\n-----END X509 CRL-----\n").unwrap();
    gateway.signal("HUP");
    let failed = wait_for_door(gateway.logs(), "certificate revocation list reload failed; the list in force stays");
    assert!(failed["error"].as_str().unwrap().contains(&crl.display().to_string()), "names the file: {failed}");
    std::fs::write(&crl, &original).unwrap();
    gateway.signal("HUP");
    let failed = wait_for_door(gateway.logs(), "certificate revocation list reload failed; the list in force stays");
    assert!(failed["error"].as_str().unwrap().contains("lower than the 2 in force"), "{failed}");
    assert!(person("police-investigator").get(&whoami).send().await.is_err(), "still revoked");
    assert_eq!(send(person("police-dpo").get(&whoami)).await.0, 200);
}

#[tokio::test]
async fn the_gateway_does_not_reach_a_node_whose_certificate_is_revoked() {
    let layout = &federation().layout;
    let ca = ca_copy();
    let education = sharegate_core::domain::AgencyName::parse("education").unwrap();
    revoke(ca.path(), &layout.node(&education).cert, "key-compromise");
    let crl = ca.path().join("crl.pem");
    let f = federation_with(Backend::Sqlite, move |config| config.node_client.crl = crl).await;

    let ask = json!({"subject": f.subject, "categories": ["education.attendance"], "purpose": "safeguarding",
        "lawful_basis": "consent", "reason": "Concerns raised by the school about neglect."});
    let (status, answer) =
        send(person("social_care-social_worker").post(f.gateway.url("/v1/requests")).json(&ask)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["partial"], true, "{answer}");
    assert_eq!(answer["records"], json!([]), "{answer}");
    let part = answer["agencies"].as_array().unwrap().iter().find(|a| a["agency"] == "education").unwrap();
    assert_eq!(part["status"], "unreachable", "{answer}");
    // Nothing reached it: its access register has no read.
    let (status, reads) = send(person("education-dpo").get(f.education.url("/v1/access-register"))).await;
    assert_eq!(status, 200, "{reads}");
    assert_eq!(reads, json!([]), "{reads}");
}

#[tokio::test]
async fn a_node_revoked_while_the_gateway_runs_is_not_reached_on_a_connection_opened_before() {
    let layout = &federation().layout;
    let ca = ca_copy();
    let crl = ca.path().join("crl.pem");
    let node = spawn_node_with(Backend::Sqlite, "education", |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let toml = crate::config::valid_toml()
        .replace(&layout.crl().display().to_string(), &crl.display().to_string())
        .replace("https://127.0.0.1:8446", &node.url(""));
    let mut gateway = GatewayProcess::start_with(dir.path(), &toml);
    let base = format!("https://localhost:{}", gateway.port);

    let (_, ask) = crate::helpers::child_with_consented_attendance(&base).await;
    let worker = person("social_care-social_worker");
    let education_status = |answer: &Value| {
        let parts = answer["agencies"].as_array().unwrap();
        parts.iter().find(|a| a["agency"] == "education").unwrap()["status"].as_str().unwrap().to_owned()
    };
    // The gateway reaches the school's node, and keeps that connection (and its TLS session) for the next request.
    let (status, answer) = send(worker.post(format!("{base}/v1/requests")).json(&ask)).await;
    assert_eq!((status, education_status(&answer)), (200, "answered".to_owned()), "{answer}");

    let education = sharegate_core::domain::AgencyName::parse("education").unwrap();
    revoke(ca.path(), &layout.node(&education).cert, "key-compromise");
    gateway.signal("HUP");
    loop {
        let fields = crate::policy::wait_for_log(gateway.logs(), "certificate revocation list reloaded");
        if fields["side"] == "servers" {
            break;
        }
    }
    let revoked_count = r#"sharegate_crl_revoked_certificates{side="servers"}"#;
    assert_eq!(metric(&base, revoked_count).await, Some(2.0), "the list the gateway checks its nodes against");
    // Asked again on new connections to the gateway, so that each of its workers — each with its own pool of
    // connections to the nodes — serves some: none reaches the node, over an old connection or a new one.
    for _ in 0..4 {
        let worker = person("social_care-social_worker");
        let (status, answer) = send(worker.post(format!("{base}/v1/requests")).json(&ask)).await;
        assert_eq!((status, education_status(&answer)), (200, "unreachable".to_owned()), "{answer}");
    }
    let (status, reads) = send(person("education-dpo").get(node.url("/v1/access-register"))).await;
    assert_eq!(status, 200, "{reads}");
    assert_eq!(reads.as_array().unwrap().len(), 1, "only the read before the revocation: {reads}");
}

#[tokio::test]
async fn a_person_issued_while_the_gateway_runs_is_let_in_at_once() {
    let gateway = crate::helpers::spawn_gateway().await;
    let ca = ca_copy();
    let issue = |name: &str| {
        Command::new(sharegate_binary())
            .args(["certs", "issue", "--dir"])
            .arg(ca.path())
            .args(["--agency", "police", "--role", "investigator", "--name", name, "--days", "30"])
            .bounded_output()
            .unwrap()
    };
    let output = issue("Dana Reid");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{said}{}", String::from_utf8_lossy(&output.stderr));
    let cert = ca.path().join("people/police-investigator-dana-reid.crt");
    assert!(said.contains("serial") && said.contains(&cert.display().to_string()), "{said}");

    let dana = crate::helpers::client_with(&cert, &ca.path().join("people/police-investigator-dana-reid.key"));
    let (status, me) = send(dana.get(gateway.url("/v1/whoami"))).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (me["agency"].as_str(), me["role"].as_str(), me["person"].as_str()),
        (Some("police"), Some("investigator"), Some("Dana Reid"))
    );

    // The same person again: refused, naming the file, and the first key kept.
    let again = issue("Dana Reid");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"), "{again:?}");
    assert_eq!(send(dana.get(gateway.url("/v1/whoami"))).await.0, 200);
}

/// Separation of duties holds by identity, not by how a name looks (issue 30): a name with a zero-width space is
/// refused at issue, and a second certificate with the decider's very name cannot endorse the decision.
#[tokio::test]
async fn a_second_certificate_in_the_deciders_name_cannot_endorse_their_decision() {
    let gateway = crate::helpers::spawn_gateway().await;
    let ca = ca_copy();
    let issue = |name: &str, file: Option<&str>| {
        let mut command = Command::new(sharegate_binary());
        command
            .args(["certs", "issue", "--dir"])
            .arg(ca.path())
            .args(["--agency", "health", "--role", "manager", "--name", name, "--days", "30"]);
        if let Some(file) = file {
            command.args(["--file", file]);
        }
        command.bounded_output().unwrap()
    };
    let sneaky = issue("Grace Okafor\u{200b}", None);
    assert!(!sneaky.status.success());
    assert!(String::from_utf8_lossy(&sneaky.stderr).contains("invisible"), "{sneaky:?}");

    let twin = issue("Grace Okafor", Some("grace-okafor-manager"));
    assert!(twin.status.success(), "{}", String::from_utf8_lossy(&twin.stderr));
    let cert = ca.path().join("people/health-manager-grace-okafor-manager.crt");
    let twin = crate::helpers::client_with(&cert, &cert.with_extension("key"));

    let subject = crate::helpers::register_child(&gateway.url(""), &crate::subjects::fresh_nhs_number(), &[]).await;
    let decision = serde_json::json!({"lawful_basis": "crime_and_disorder_act_1998_s115", "reasons": "Asking would alert him.",
        "categories": ["health.mental_health"], "recipients": ["police"], "purposes": ["crime_prevention"]});
    let url = gateway.url(&format!("/v1/subjects/{subject}/consent-decisions"));
    let (status, decided) = send(person("health-health_visitor").post(url).json(&decision)).await;
    assert_eq!(status, 201, "{decided}");
    assert_eq!(decided["decided_by"]["person"], "Grace Okafor");
    let endorse = gateway.url(&format!("/v1/consent-decisions/{}/endorse", decided["id"].as_str().unwrap()));
    let (status, refused) = send(twin.post(&endorse).json(&serde_json::json!({}))).await;
    assert_eq!(status, 403, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("you made this decision"), "{refused}");
    let (status, _) = send(person("health-manager").post(&endorse).json(&serde_json::json!({}))).await;
    assert_eq!(status, 200, "another manager endorses it");
}
