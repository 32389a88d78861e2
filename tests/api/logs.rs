//! Operational logs carry no personal data: a request's log lines name its route, never its path (children's ids,
//! agencies' local references, an NHS number in a mistyped path) or its query (a discovery's free-text reason).

use crate::config::GatewayProcess;
use crate::helpers::{person, send};

#[tokio::test]
async fn a_requests_log_lines_name_its_route_not_its_path_or_query() {
    let dir = tempfile::tempdir().expect("temp dir");
    let gateway = GatewayProcess::start(dir.path());
    let port = gateway.port;

    // A refused request, so that its span's fields are written out: a child's id in the path, free text in the
    // reason, and a name typed into the wrong field (the 400 repeats it to the client, who sent it).
    let (child_id, reason, name) =
        ("sub_0123456789abcdef0123456789abcdef", "the-mother-said-something", "Lily-Example");
    let url = format!("https://localhost:{port}/v1/subjects/{child_id}/holders");
    let body = serde_json::json!({"purpose": name, "lawful_basis": "consent", "reason": reason});
    let (status, body) = send(person("health-health_visitor").post(url).json(&body)).await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains(name)), "{body}");
    // A mistyped path holding an NHS number: no route, so the path is all there is to log.
    let nhs_number = "9434765919";
    let (status, body) =
        send(person("health-health_visitor").get(format!("https://localhost:{port}/v1/subject/{nhs_number}"))).await;
    assert_eq!(status, 404);
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("/openapi.json")), "{body}");

    let (_, logged) = gateway.stop("TERM");
    assert!(
        logged.contains("/v1/subjects/{id}/holders") && logged.contains("invalid_field"),
        "the request's error is logged with its route:\n{logged}"
    );
    assert!(!logged.contains(child_id), "a child's id in the logs:\n{logged}");
    assert!(!logged.contains(reason), "a request's reason in the logs:\n{logged}");
    assert!(!logged.contains(name), "what the client typed in the logs:\n{logged}");
    assert!(logged.contains("\"code\":\"not_found\""), "the mistyped path's 404 is logged:\n{logged}");
    assert!(!logged.contains(nhs_number), "an NHS number in the logs:\n{logged}");
}
