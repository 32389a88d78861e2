//! The door: mutual TLS with the federation's certificates, and identity from the certificate.

use serde_json::Value;

use crate::helpers::{client_without_certificate, spawn_gateway};

#[tokio::test]
async fn a_practitioner_certificate_names_agency_role_and_person() {
    let gateway = spawn_gateway().await;
    for (who, agency, role, person) in [
        ("police-investigator", "police", "investigator", "Alex Morgan"),
        ("education-dsl", "education", "dsl", "Sam Patel"),
        ("social_care-social_worker", "social_care", "social_worker", "Jess Taylor"),
        ("health-dpo", "health", "dpo", "Helen Price"),
    ] {
        let response = gateway.client_as(who).get(gateway.url("/v1/whoami")).send().await.expect("request");
        assert_eq!(response.status(), 200, "{who}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["agency"], agency);
        assert_eq!(body["role"], role);
        assert_eq!(body["person"], person);
        assert!(body["serial"].as_str().is_some_and(|s| s.len() >= 16), "serial in {body}");
        let not_after = body["not_after"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        assert!(not_after.is_some_and(|t| t > chrono::Utc::now()), "not_after in {body}");
    }
}

#[tokio::test]
async fn certificates_outside_the_federation_fail_the_handshake() {
    let gateway = spawn_gateway().await;
    for name in ["expired", "revoked", "foreign"] {
        let outcome = gateway.client_with_test_cert(name).get(gateway.url("/healthz")).send().await;
        assert!(outcome.is_err(), "{name}: the handshake should fail, got {:?}", outcome.map(|r| r.status()));
    }
    let outcome = client_without_certificate().get(gateway.url("/healthz")).send().await;
    assert!(outcome.is_err(), "no certificate: the handshake should fail, got {:?}", outcome.map(|r| r.status()));

    // The door is still open to the right people afterwards.
    let ok = gateway.client_as("police-investigator").get(gateway.url("/healthz")).send().await.expect("request");
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn a_certificate_naming_no_configured_agency_is_refused_with_a_reason() {
    let gateway = spawn_gateway().await;
    let client = gateway.client_with_test_cert("no-agency");
    let response = client.get(gateway.url("/v1/whoami")).send().await.expect("the door admits the chain");
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.expect("json envelope");
    assert_eq!(body["error"]["code"], "forbidden");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("names no agency")), "{body}");

    // Health, metrics and the API document answer any certificate the door accepts.
    for path in ["/healthz", "/metrics", "/openapi.json"] {
        let response = client.get(gateway.url(path)).send().await.expect("request");
        assert_eq!(response.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn the_gateway_service_certificate_is_not_a_practitioner() {
    let gateway = spawn_gateway().await;
    let layout = &crate::helpers::federation().layout;
    let files = layout.gateway_client();
    let client = crate::helpers::client_with(&files.cert, &files.key);
    let response = client.get(gateway.url("/v1/whoami")).send().await.expect("request");
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern() {
    let gateway = spawn_gateway().await;
    let client = gateway.client_as("police-dpo");
    client.get(gateway.url("/v1/whoami")).send().await.expect("request");
    client.get(gateway.url("/no/such/thing/12345")).send().await.expect("request");
    let text = client.get(gateway.url("/metrics")).send().await.expect("request").text().await.expect("text");
    assert!(text.contains(r#"endpoint="/v1/whoami""#), "{text}");
    assert!(!text.contains("12345"), "concrete paths must not become labels");
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let gateway = spawn_gateway().await;
    let document: Value = gateway
        .client_as("education-dsl")
        .get(gateway.url("/openapi.json"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let paths = document["paths"].as_object().expect("paths");
    for path in [
        "/healthz",
        "/metrics",
        "/openapi.json",
        "/v1/whoami",
        "/v1/policy",
        "/v1/subjects",
        "/v1/subjects/{id}/consents",
        "/v1/consents/{id}/withdraw",
        "/v1/subjects/{id}/consent-decisions",
        "/v1/consent-decisions/{id}/endorse",
        "/v1/requests",
        "/v1/subjects/{id}/holders",
        "/v1/meetings",
        "/v1/meetings/{id}",
        "/v1/meetings/{id}/attendance",
        "/v1/meetings/{id}/views",
        "/v1/meetings/{id}/decisions",
        "/v1/meetings/{id}/decisions/{d}/endorse",
        "/v1/meetings/{id}/close",
        "/v1/meetings/{id}/pack",
        "/v1/disclosures",
        "/v1/disclosures/unreviewed",
        "/v1/disclosures/{id}",
        "/v1/disclosures/{id}/review",
        "/v1/subjects/{id}/disclosures",
        "/v1/log/checkpoint",
        "/v1/log/proof/{disclosure_id}",
    ] {
        assert!(paths.contains_key(path), "{path} missing from {:?}", paths.keys());
    }
}

#[tokio::test]
async fn unknown_endpoints_answer_in_the_envelope() {
    let gateway = spawn_gateway().await;
    let response = gateway.client_as("education-dsl").post(gateway.url("/v1/nothing")).send().await.expect("request");
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "not_found");
}
