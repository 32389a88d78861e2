//! The door: mutual TLS with the federation's certificates, and identity from the certificate.

use serde_json::{Value, json};

use crate::databases::Backend;
use crate::helpers::{client_without_certificate, person, send, spawn_gateway, spawn_node_with};

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

/// The API document is the contract other systems generate clients from: each operation it names is served (a
/// request to it reaches a handler, not the fallback's "no such endpoint" or "does not take"), every parameter is
/// where the operation reads it (a path parameter is in the path, `Sharegate-…` a header, the rest are query
/// parameters), and every
/// request body and response it names is a schema the document defines. The gateway's and a node's.
#[tokio::test]
async fn the_openapi_documents_say_exactly_what_is_served() {
    let gateway = spawn_gateway().await;
    let node = spawn_node_with(Backend::Sqlite, "education", |_| {}).await;
    for (base, who) in [(gateway.url(""), "education-dpo"), (node.url(""), "education-dsl")] {
        let client = person(who);
        let (status, document) = send(client.get(format!("{base}/openapi.json"))).await;
        assert_eq!(status, 200);
        let schemas = document["components"]["schemas"].as_object().expect("schemas");
        let text = document.to_string();
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap_or_default();
            assert!(schemas.contains_key(name), "{base}: the document refers to {name}, which it does not define");
        }
        let paths = document["paths"].as_object().expect("paths");
        assert!(paths.len() > 5, "{base}: {paths:?}");
        // The configured closed lists are enums: a client generated from the document knows what is taken.
        let closed = if base == gateway.url("") {
            &schemas["RequestBody"]["properties"]["categories"]["items"]["enum"]
        } else {
            &schemas["RecordBody"]["properties"]["category"]["enum"]
        };
        assert!(closed.as_array().is_some_and(|v| v.contains(&json!("education.attendance"))), "{base}: {closed}");
        for (template, item) in paths {
            for (method, operation) in item.as_object().expect("an item") {
                for parameter in operation["parameters"].as_array().into_iter().flatten() {
                    let (name, place) = (parameter["name"].as_str().unwrap(), parameter["in"].as_str().unwrap());
                    let in_path = template.contains(&format!("{{{name}}}"));
                    let expected = if in_path {
                        "path"
                    } else if name.starts_with("Sharegate-") {
                        "header"
                    } else {
                        "query"
                    };
                    assert_eq!(place, expected, "{method} {template}: {name}");
                }
                // Any segment fills a `{…}`: the handler answers (perhaps 404 for an unknown id), not the fallback.
                let path = template.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>();
                let url = format!("{base}{}", path.join("/"));
                let request = client.request(method.to_uppercase().parse().expect("a method"), &url);
                let (status, body) = send(request.json(&json!({}))).await;
                let message = body["error"]["message"].as_str().unwrap_or_default().to_owned();
                // (A handler may itself answer 405, as a node's records do for DELETE: it says why, in its words.)
                assert!(
                    !message.starts_with("there is no") && !message.starts_with("this path does not take"),
                    "{method} {template} is documented but not served: {status} {body}"
                );
            }
        }
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

/// The example body of the operation `method template` in `document`: the request body's own example, or its
/// schema's.
fn example_body(document: &Value, method: &str, template: &str) -> Option<Value> {
    let media = &document["paths"][template][method]["requestBody"]["content"]["application/json"];
    if !media["example"].is_null() {
        return Some(media["example"].clone());
    }
    let reference = media["schema"]["$ref"].as_str()?;
    let name = reference.trim_start_matches("#/components/schemas/");
    let example = &document["components"]["schemas"][name]["example"];
    (!example.is_null()).then(|| example.clone())
}

/// Every operation in `document` that takes a body, as `METHOD template`.
fn operations_with_bodies(document: &Value) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    for (template, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("an item") {
            if !operation["requestBody"].is_null() {
                found.insert(format!("{} {template}", method.to_uppercase()));
            }
        }
    }
    found
}

/// Calls an API with the example bodies of its document, in an order that makes each one meaningful (the child
/// registered before it is asked about, a meeting created before it is closed), and checks each is accepted.
struct ExampleWalk {
    base: String,
    document: Value,
    walked: std::collections::BTreeSet<String>,
}

impl ExampleWalk {
    async fn new(base: String, who: &str) -> Self {
        let (status, document) = send(person(who).get(format!("{base}/openapi.json"))).await;
        assert_eq!(status, 200);
        Self { base, document, walked: Default::default() }
    }

    /// Sends `template`'s example, with `path` filling its parameters, as `who`; the answer must be a success.
    async fn call(&mut self, who: &str, method: &str, template: &str, path: &str) -> Value {
        let operation = format!("{method} {template}");
        let Some(body) = example_body(&self.document, &method.to_lowercase(), template) else {
            panic!("{}: {operation} takes a body but the document gives no example of a whole one", self.base)
        };
        let url = format!("{}{path}", self.base);
        let request = person(who).request(method.parse().expect("a method"), &url).json(&body);
        let (status, answer) = send(request).await;
        assert!((200..300).contains(&status), "{operation}: its example {body} was refused: {status} {answer}");
        self.walked.insert(operation);
        answer
    }

    /// Sends `template`'s example where it cannot succeed on any run — it signs state made only at run time (the
    /// witness test sends real ones) — and checks it is refused with `status` for that state alone, not as a body
    /// that does not parse.
    async fn call_refused(&mut self, who: &str, method: &str, template: &str, status: u16) -> Value {
        let operation = format!("{method} {template}");
        let Some(body) = example_body(&self.document, &method.to_lowercase(), template) else {
            panic!("{}: {operation} takes a body but the document gives no example of a whole one", self.base)
        };
        let request = person(who).request(method.parse().expect("a method"), format!("{}{template}", self.base));
        let (got, answer) = send(request.json(&body)).await;
        assert_eq!(got, status, "{operation}: its example {body}: {answer}");
        self.walked.insert(operation);
        answer
    }

    /// Every operation with a body was called with its example.
    fn covered_all(&self) {
        let documented = operations_with_bodies(&self.document);
        let missed: Vec<_> = documented.difference(&self.walked).collect();
        assert!(missed.is_empty(), "{}: examples not walked (add them to the walk): {missed:?}", self.base);
    }
}

/// Each example body in the API documents is accepted, as a client generated from them would send it: a whole,
/// valid request that succeeds when the state it names exists. Every operation that takes a body is walked, so a
/// new one without a working example fails here.
#[tokio::test]
async fn every_example_body_in_the_api_documents_is_accepted() {
    let education = spawn_node_with(Backend::Sqlite, "education", |_| {}).await;
    let port = education.port;
    let witness = tempfile::tempdir().unwrap();
    let witness_key = witness.path().join("witness.key");
    sharegate_core::signing::save(&sharegate_core::signing::generate(), &witness_key).unwrap();
    let gateway = crate::helpers::spawn_gateway_with(Backend::Sqlite, |config| {
        let agency = sharegate_core::domain::AgencyName::parse("education").unwrap();
        let entry = config.agencies.get_mut(&agency).unwrap();
        entry.node_url = format!("https://localhost:{port}");
        entry.witness_key = Some(witness_key.with_extension("pub"));
    })
    .await;

    // The node: its practitioners say which child E-1 is, record a contact and amend it.
    let mut node = ExampleWalk::new(education.url(""), "education-dsl").await;
    node.call("education-dsl", "PUT", "/v1/children/{local_ref}", "/v1/children/E-1").await;
    let record = node.call("education-dsl", "POST", "/v1/records", "/v1/records").await;
    let record = record["id"].as_str().expect("a record id");
    let amendments = format!("/v1/records/{record}/amendments");
    node.call("education-dsl", "POST", "/v1/records/{id}/amendments", &amendments).await;
    // Its DPO restricts the record and lifts it, and holds the child's records and lifts that: as they were.
    let restriction = format!("/v1/records/{record}/restriction");
    node.call("education-dpo", "POST", "/v1/records/{id}/restriction", &restriction).await;
    node.call("education-dpo", "POST", "/v1/records/{id}/restriction/lift", &format!("{restriction}/lift")).await;
    node.call("education-dpo", "POST", "/v1/children/{local_ref}/legal-hold", "/v1/children/E-1/legal-hold").await;
    node.call("education-dpo", "POST", "/v1/children/{local_ref}/legal-hold/lift", "/v1/children/E-1/legal-hold/lift")
        .await;
    node.covered_all();

    // The gateway: the child, the school's link, a consent confirmed by the school, a request and a discovery.
    let mut api = ExampleWalk::new(gateway.url(""), "education-dpo").await;
    let (worker, school) = ("social_care-social_worker", "education-dsl");
    let child = api.call(worker, "POST", "/v1/subjects", "/v1/subjects").await;
    let child = child["id"].as_str().expect("a child id").to_owned();
    let link = format!("/v1/subjects/{child}/local-refs/education");
    api.call(school, "PUT", "/v1/subjects/{id}/local-refs/{agency}", &link).await;
    let consent =
        api.call(worker, "POST", "/v1/subjects/{id}/consents", &format!("/v1/subjects/{child}/consents")).await;
    let consent = consent["id"].as_str().expect("a consent id").to_owned();
    api.call(school, "POST", "/v1/consents/{id}/confirm", &format!("/v1/consents/{consent}/confirm")).await;
    let notices = format!("/v1/subjects/{child}/privacy-notices");
    api.call(school, "POST", "/v1/subjects/{id}/privacy-notices", &notices).await;
    let answer = api.call(worker, "POST", "/v1/requests", "/v1/requests").await;
    assert_eq!(answer["records"].as_array().map(Vec::len), Some(2), "the record and its amendment: {answer}");
    let disclosure = answer["disclosure_id"].as_str().expect("a disclosure id").to_owned();
    let holders = api.call(worker, "POST", "/v1/subjects/{id}/holders", &format!("/v1/subjects/{child}/holders")).await;
    let review = format!("/v1/disclosures/{disclosure}/review");
    api.call("education-dpo", "POST", "/v1/disclosures/{id}/review", &review).await;
    // The bulk review's example names disclosures of no log; a breach found on the discovery opens an incident,
    // which the example closes.
    let refused = api.call_refused("education-dpo", "POST", "/v1/reviews", 404).await;
    assert!(refused.to_string().contains("involves your agency"), "{refused}");
    let discovery = holders["disclosure_id"].as_str().expect("the discovery's id");
    let breach = json!({"disclosures": [discovery], "verdict": "breach", "comment": "Asked of every agency at once."});
    let (status, found) = send(person("education-dpo").post(gateway.url("/v1/reviews")).json(&breach)).await;
    assert_eq!(status, 201, "{found}");
    let close = format!("/v1/incidents/{}/close", found["incident"].as_str().expect("an incident"));
    api.call("education-dpo", "POST", "/v1/incidents/{id}/close", &close).await;
    let packs = format!("/v1/subjects/{child}/access-packs");
    let pack = api.call("education-dpo", "POST", "/v1/subjects/{id}/access-packs", &packs).await;
    let withhold = format!("/v1/access-packs/{}/withhold", pack["id"].as_str().expect("a pack id"));
    api.call("education-dpo", "POST", "/v1/access-packs/{id}/withhold", &withhold).await;

    // A decision not to seek consent, endorsed by a manager; the consent withdrawn.
    let decisions = format!("/v1/subjects/{child}/consent-decisions");
    let decision = api.call(school, "POST", "/v1/subjects/{id}/consent-decisions", &decisions).await;
    let decision = decision["id"].as_str().expect("a decision id").to_owned();
    let endorse = format!("/v1/consent-decisions/{decision}/endorse");
    api.call("education-manager", "POST", "/v1/consent-decisions/{id}/endorse", &endorse).await;
    api.call(worker, "POST", "/v1/consents/{id}/withdraw", &format!("/v1/consents/{consent}/withdraw")).await;

    // A core group meeting from creation to close; its sharing reviewed.
    let coordinator = "social_care-coordinator";
    let meeting = api.call(coordinator, "POST", "/v1/meetings", "/v1/meetings").await;
    let meeting = meeting["id"].as_str().expect("a meeting id").to_owned();
    let at = |tail: &str| format!("/v1/meetings/{meeting}{tail}");
    api.call(coordinator, "POST", "/v1/meetings/{id}/attendance", &at("/attendance")).await;
    api.call("health-health_visitor", "POST", "/v1/meetings/{id}/views", &at("/views")).await;
    let decided = api.call(coordinator, "POST", "/v1/meetings/{id}/decisions", &at("/decisions")).await;
    let decided = decided["id"].as_str().expect("a decision id").to_owned();
    let endorse = at(&format!("/decisions/{decided}/endorse"));
    api.call("social_care-manager", "POST", "/v1/meetings/{id}/decisions/{d}/endorse", &endorse).await;
    let (status, pack) = send(person(coordinator).get(gateway.url(&at("/pack")))).await;
    assert_eq!(status, 200, "{pack}");
    api.call("social_care-dpo", "POST", "/v1/meetings/{id}/review", &at("/review")).await;
    api.call(coordinator, "POST", "/v1/meetings/{id}/close", &at("/close")).await;

    api.call(school, "DELETE", "/v1/subjects/{id}/local-refs/{agency}", &link).await;
    // The school's witness co-signs a checkpoint of 1,024 entries: well formed, but this log has none that size.
    let refused = api.call_refused("education-dpo", "POST", "/v1/log/cosignatures", 404).await;
    assert!(refused.to_string().contains("no checkpoint of that many entries"), "{refused}");
    api.covered_all();
}
