//! Brokered requests end to end: a gateway and real nodes on real ports (and a misbehaving node for the faults).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sharegate_core::domain::DisclosureId;

use crate::databases::Backend;
use crate::helpers::{
    TestGateway, TestNode, gateway_config, metric, person, send, spawn_gateway_with, spawn_node_with,
};
use crate::on_both_backends;
use crate::rogue::{self, Misbehaviour};
use crate::subjects::fresh_nhs_number;

/// A gateway with real education and health nodes (and police pointing wherever `police_port` says).
pub struct Federation {
    pub gateway: TestGateway,
    pub education: TestNode,
    pub health: TestNode,
    pub subject: String,
    pub nhs: String,
}

pub async fn federation_with(
    backend: Backend,
    adjust: impl FnOnce(&mut sharegate_gateway::config::GatewayConfig) + Send,
) -> Federation {
    let education = spawn_node_with(backend, "education", |_| {}).await;
    let health = spawn_node_with(backend, "health", |_| {}).await;
    let (e, h) = (education.port, health.port);
    let gateway = spawn_gateway_with(backend, |config| {
        config.node_timeout_ms = 800;
        for (agency, port) in [("education", e), ("health", h), ("police", rogue::nothing_listening())] {
            let agency = sharegate_core::domain::AgencyName::parse(agency).unwrap();
            config.agencies.get_mut(&agency).unwrap().node_url = format!("https://localhost:{port}");
        }
        adjust(config);
    })
    .await;
    let nhs = fresh_nhs_number();
    let subject = crate::helpers::register_child(
        &gateway.url(""),
        &nhs,
        &[("education", "E-1"), ("health", "H-1"), ("police", "P-1")],
    )
    .await;

    for (category, text) in
        [("education.attendance", "Attendance 72% this term."), ("education.behaviour", "Withdrawn in class.")]
    {
        let record = json!({
            "subject_ref": "E-1", "occurred_at": "2026-11-20T10:00:00Z", "contact_type": "register", "category": category,
            "statements": [{"kind": "fact", "text": text}], "sources": [{"who": "the class register", "how": "school records"}],
            "retention_class": "standard"
        });
        assert_eq!(send(person("education-dsl").post(education.url("/v1/records")).json(&record)).await.0, 201);
    }
    // The school records the family's consent to share its own records: it covers them without confirming.
    let consent = json!({"given_by": {"name": "Sarah Example", "relationship": "parent"},
        "categories": ["education.attendance", "education.behaviour"], "recipients": ["social_care"], "purposes": ["safeguarding"]});
    let (status, _) =
        send(person("education-dsl").post(gateway.url(&format!("/v1/subjects/{subject}/consents"))).json(&consent))
            .await;
    assert_eq!(status, 201);
    Federation { gateway, education, health, subject, nhs }
}

fn ask(categories: &[&str], purpose: &str, basis: &str, subject: &str) -> Value {
    json!({"subject": subject, "categories": categories, "purpose": purpose, "lawful_basis": basis,
        "reason": "Concerns raised by the school about neglect."})
}

/// Sends a request and returns (status, body, raw bytes).
async fn request(gateway: &TestGateway, who: &str, body: &Value) -> (u16, Value, Vec<u8>) {
    let response = person(who).post(gateway.url("/v1/requests")).json(body).send().await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap().to_vec();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null), bytes)
}

/// The entry the gateway logged for an answer, which must carry the digest of exactly those bytes.
pub fn logged(gateway: &TestGateway, answer: &Value, bytes: &[u8]) -> sharegate_gateway::disclosure_log::Entry {
    let id = DisclosureId::parse(answer["disclosure_id"].as_str().expect("every answer names its disclosure")).unwrap();
    let row = crate::helpers::indexed(gateway, id.as_str());
    let logged: sharegate_gateway::disclosure_log::LoggedEntry = serde_json::from_str(&row.canonical).unwrap();
    assert_eq!(logged.entry.response_digest, hex::encode(Sha256::digest(bytes)), "the entry's digest is the answer's");
    logged.entry
}

async fn access_register(node: &TestNode, agency: &str) -> Vec<Value> {
    let (status, list) = send(person(&format!("{agency}-dpo")).get(node.url("/v1/access-register"))).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().clone()
}

on_both_backends!(
    granted_refused_and_mixed_answers_are_all_logged,
    discovery_is_a_logged_disclosure,
    no_answer_without_its_entry,
    a_new_child_and_a_withdrawn_consent_count_at_the_next_request,
    consents_recorded_through_another_gateway_count_at_the_next_request
);

async fn granted_refused_and_mixed_answers_are_all_logged(backend: Backend) {
    let f = federation_with(backend, |_| {}).await;
    // Granted: attendance for safeguarding under consent, by NHS number.
    let (status, answer, bytes) = request(
        &f.gateway,
        "social_care-social_worker",
        &ask(&["education.attendance"], "safeguarding", "consent", &f.nhs),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let records = answer["records"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["statements"][0]["text"], "Attendance 72% this term.");
    assert_eq!(records[0]["category"], "education.attendance", "behaviour was not asked for and is not given");
    assert_eq!(answer["partial"], false);
    let entry = logged(&f.gateway, &answer, &bytes);
    assert_eq!(entry.outcome.as_str(), "granted");
    assert_eq!(entry.requester.person.as_str(), "Jess Taylor");
    assert_eq!(entry.reason.as_str(), "Concerns raised by the school about neglect.");
    assert!(matches!(entry.given[0].ground, sharegate_gateway::disclosure_log::GroundRef::Consent(_)));
    assert_eq!(entry.records.len(), 1);
    // The school's DPO sees who asked, for which disclosure.
    let reads = access_register(&f.education, "education").await;
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0]["disclosure_id"], answer["disclosure_id"]);
    assert_eq!(reads[0]["requester"], "social_care/social_worker");
    assert_eq!(reads[0]["purpose"], "safeguarding");
    assert_eq!(reads[0]["categories"], json!(["education.attendance"]));

    // Refused: a police investigator asking for mental-health records with no consent. Health is never asked.
    let (status, answer, bytes) = request(
        &f.gateway,
        "police-investigator",
        &ask(&["health.mental_health"], "safeguarding", "consent", &f.subject),
    )
    .await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["refused"][0]["agency"], "health");
    let why = answer["refused"][0]["why"].as_str().unwrap();
    assert!(why.contains("no active consent"), "{why}");
    assert!(answer.get("records").is_none());
    let entry = logged(&f.gateway, &answer, &bytes);
    assert_eq!(entry.outcome.as_str(), "refused");
    assert!(access_register(&f.health, "health").await.is_empty(), "a refused category is not fetched");

    // The same refusal whether or not health holds anything: the answer never says whether records exist.
    let other = fresh_nhs_number();
    let body = json!({"nhs_number": other, "name": "Other Child", "date_of_birth": "2016-01-01", "local_refs": {}});
    assert_eq!(send(person("social_care-social_worker").post(f.gateway.url("/v1/subjects")).json(&body)).await.0, 201);
    let (_, unknown_child, _) =
        request(&f.gateway, "police-investigator", &ask(&["health.mental_health"], "safeguarding", "consent", &other))
            .await;
    assert_eq!(unknown_child["refused"], answer["refused"]);

    // Mixed: one category granted, one refused; police is down (a partial answer, never a hang).
    let (status, answer, bytes) = request(
        &f.gateway,
        "social_care-social_worker",
        &ask(&["education.behaviour", "police.intelligence", "police.incident"], "safeguarding", "consent", &f.subject),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["records"].as_array().unwrap().len(), 1);
    let refused: Vec<&str> =
        answer["refused"].as_array().unwrap().iter().map(|r| r["category"].as_str().unwrap()).collect();
    assert_eq!(
        refused,
        vec!["police.incident", "police.intelligence"],
        "no consent covers police.incident; intelligence is never shared on consent"
    );
    assert_eq!(logged(&f.gateway, &answer, &bytes).outcome.as_str(), "partial");

    for bad in [
        json!({"subject": f.subject, "categories": ["education.attendance"], "purpose": "curiosity", "lawful_basis": "consent", "reason": "x"}),
        json!({"subject": f.subject, "categories": ["fire.report"], "purpose": "safeguarding", "lawful_basis": "consent", "reason": "x"}),
        json!({"subject": "12345", "categories": ["education.attendance"], "purpose": "safeguarding", "lawful_basis": "consent", "reason": "x"}),
        json!({"subject": f.subject, "categories": ["education.attendance"], "purpose": "safeguarding", "lawful_basis": "consent"}),
    ] {
        let (status, answer, _) = request(&f.gateway, "social_care-social_worker", &bad).await;
        assert_eq!(status, 400, "{bad} → {answer}");
        assert!(answer["error"]["field"].is_string(), "{answer}");
    }
}

/// The gateway keeps children it has looked up (the subject index never changes), but neither a child it did not
/// find nor anyone's consents: a child added after a miss is found at once, and a withdrawal stops the next request.
async fn a_new_child_and_a_withdrawn_consent_count_at_the_next_request(backend: Backend) {
    let f = federation_with(backend, |_| {}).await;
    let attendance = |subject: &str| ask(&["education.attendance"], "safeguarding", "consent", subject);
    let granted = request(&f.gateway, "social_care-social_worker", &attendance(&f.nhs)).await;
    assert_eq!(granted.0, 200, "{}", granted.1);

    let newcomer = fresh_nhs_number();
    let (status, answer, _) = request(&f.gateway, "social_care-social_worker", &attendance(&newcomer)).await;
    assert_eq!(status, 404, "{answer}");
    let created = crate::helpers::register_child(&f.gateway.url(""), &newcomer, &[("education", "E-2")]).await;
    for key in [newcomer.as_str(), created.as_str()] {
        let (status, answer, _) = request(&f.gateway, "social_care-social_worker", &attendance(key)).await;
        assert_eq!(status, 403, "found, and no consent covers the newcomer: {answer}");
        assert!(answer["refused"][0]["why"].as_str().unwrap().contains("no active consent"), "{answer}");
    }

    let (_, consents) =
        send(person("social_care-social_worker").get(f.gateway.url(&format!("/v1/subjects/{}/consents", f.subject))))
            .await;
    let consent = consents["consents"][0]["id"].as_str().unwrap_or_else(|| panic!("{consents}")).to_owned();
    let withdraw = f.gateway.url(&format!("/v1/consents/{consent}/withdraw"));
    let (status, withdrawn) =
        send(person("social_care-social_worker").post(&withdraw).json(&json!({"reason": "Mother withdrew consent."})))
            .await;
    assert_eq!(status, 200, "{withdrawn}");
    let (status, answer, _) = request(&f.gateway, "social_care-social_worker", &attendance(&f.nhs)).await;
    assert_eq!(status, 403, "the withdrawal counts at once: {answer}");
}

/// The gateway keeps each child's consent state between requests; a withdrawal or a new consent recorded through
/// another gateway on the same database (which this gateway never hears of) counts at its very next request.
async fn consents_recorded_through_another_gateway_count_at_the_next_request(backend: Backend) {
    let f = federation_with(backend, |_| {}).await;
    let other =
        sharegate_gateway::startup::gateway(&gateway_config(&f.gateway.database)).await.expect("second gateway");
    let other_port = other.port();
    tokio::spawn(other.run());
    let other_url = |path: &str| format!("https://localhost:{other_port}{path}");
    let attendance = ask(&["education.attendance"], "safeguarding", "consent", &f.nhs);
    let asked = || request(&f.gateway, "social_care-social_worker", &attendance);
    assert_eq!(asked().await.0, 200, "the consent made in setting up covers it");
    assert_eq!(asked().await.0, 200, "and again, from what the gateway kept");

    let (_, consents) =
        send(person("social_care-social_worker").get(other_url(&format!("/v1/subjects/{}/consents", f.subject)))).await;
    let consent = consents["consents"][0]["id"].as_str().unwrap_or_else(|| panic!("{consents}")).to_owned();
    let (status, withdrawn) = send(
        person("social_care-social_worker")
            .post(other_url(&format!("/v1/consents/{consent}/withdraw")))
            .json(&json!({"reason": "Mother withdrew consent."})),
    )
    .await;
    assert_eq!(status, 200, "{withdrawn}");
    let (status, answer, _) = asked().await;
    assert_eq!(status, 403, "withdrawn through the other gateway: {answer}");

    let renewed = json!({"given_by": {"name": "Sarah Example", "relationship": "parent"},
        "categories": ["education.attendance"], "recipients": ["social_care"], "purposes": ["safeguarding"]});
    let (status, created) = send(
        person("social_care-social_worker")
            .post(other_url(&format!("/v1/subjects/{}/consents", f.subject)))
            .json(&renewed),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let (status, answer, _) = asked().await;
    assert_eq!(status, 200, "consent given again through the other gateway: {answer}");
}

async fn discovery_is_a_logged_disclosure(backend: Backend) {
    let f = federation_with(backend, |_| {}).await;
    let url = f.gateway.url(&format!("/v1/subjects/{}/holders", f.subject));
    let query = json!({"purpose": "safeguarding", "lawful_basis": "consent", "reason": "Who knows this child?"});
    let response = person("social_care-social_worker").post(&url).json(&query).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let answer: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        answer["holders"],
        json!([{"agency": "education", "categories": ["education.attendance", "education.behaviour"]}])
    );
    assert!(answer.get("records").is_none() && !answer.to_string().contains("72%"), "no content: {answer}");
    // Police (down) and health are not asked at all: no consent covers their categories, so discovery could not
    // grant them, and the answer says why instead.
    let asked: Vec<&Value> = answer["agencies"].as_array().unwrap().iter().map(|a| &a["agency"]).collect();
    assert_eq!(asked, [&json!("education")], "{answer}");
    assert_eq!(answer["partial"], false);
    assert!(answer["refused"].as_array().unwrap().iter().any(|r| r["category"] == "police.incident"), "{answer}");
    let entry = logged(&f.gateway, &answer, &bytes);
    assert_eq!(entry.kind, sharegate_gateway::disclosure_log::Kind::Discovery);
    assert_eq!(entry.given.len(), 2);
    assert_eq!(answer["agencies"][0]["records"], 2, "the school's part counts what it holds: {answer}");
    let reads = access_register(&f.education, "education").await;
    assert_eq!(reads[0]["disclosure_id"], answer["disclosure_id"]);
    // By NHS number too.
    let by_nhs = f.gateway.url(&format!("/v1/subjects/{}/holders", f.nhs));
    let (status, again) = send(person("social_care-social_worker").post(&by_nhs).json(&query)).await;
    assert_eq!((status, &again["holders"]), (200, &answer["holders"]), "{again}");

    let (status, refused) = send(person("police-dpo").post(&url).json(&query)).await;
    assert_eq!(status, 403, "{refused}");
    assert!(refused["disclosure_id"].is_string(), "a refused discovery is logged too");

    // Discovery is decided like a request (issue 22): a health visitor asking on consent, with no consent that
    // covers the plan, does not learn that a plan exists; and a bare link (GET) discloses nothing.
    let (status, refused) = send(person("health-health_visitor").post(&url).json(&query)).await;
    assert_eq!(status, 403, "{refused}");
    assert!(
        refused["refused"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["category"] == "social_care.plan" && r["why"].as_str().unwrap().contains("no active consent")),
        "{refused}"
    );
    let response = person("social_care-social_worker").get(&url).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let response = person("social_care-social_worker").get(f.gateway.url("/v1/requests")).send().await.unwrap();
    assert_eq!((response.status().as_u16(), response.headers()["allow"].to_str().unwrap()), (405, "POST"));
    // Discovery on a decision not to seek consent waits for the holders' DPOs like a request would.
    let without = json!({"purpose": "safeguarding", "lawful_basis": "dpa_2018_safeguarding", "reason": "Urgent."});
    let (status, refused) = send(person("social_care-social_worker").post(&url).json(&without)).await;
    assert_eq!(status, 403, "no decision recorded: {refused}");
    let (_, queue) = send(person("education-dpo").get(f.gateway.url("/v1/disclosures/unreviewed"))).await;
    let queued = queue.as_array().unwrap().iter().find(|e| e["id"] == refused["disclosure_id"]);
    assert_eq!(queued.map(|e| e["waiting"].clone()), Some(json!(["refused", "without_consent"])), "{queue}");
    // With the school's endorsed decision not to seek consent, the same discovery is granted, and waits for the
    // school's DPO as sharing without consent does.
    let decision = json!({"lawful_basis": "dpa_2018_safeguarding", "reasons": "Asking the family would put the child at risk.",
        "categories": ["education.attendance"], "recipients": ["social_care"], "purposes": ["safeguarding"]});
    let decisions = f.gateway.url(&format!("/v1/subjects/{}/consent-decisions", f.subject));
    let (status, decided) = send(person("education-dsl").post(&decisions).json(&decision)).await;
    assert_eq!(status, 201, "{decided}");
    let endorse = f.gateway.url(&format!("/v1/consent-decisions/{}/endorse", decided["id"].as_str().unwrap()));
    assert_eq!(send(person("education-manager").post(&endorse).json(&json!({}))).await.0, 200);
    let (status, granted) = send(person("social_care-social_worker").post(&url).json(&without)).await;
    assert_eq!(status, 200, "{granted}");
    assert_eq!(granted["holders"], json!([{"agency": "education", "categories": ["education.attendance"]}]));
    let (_, queue) = send(person("education-dpo").get(f.gateway.url("/v1/disclosures/unreviewed"))).await;
    let queued = queue.as_array().unwrap().iter().find(|e| e["id"] == granted["disclosure_id"]);
    assert_eq!(queued.map(|e| e["waiting"].clone()), Some(json!(["without_consent"])), "{queue}");
}

async fn no_answer_without_its_entry(backend: Backend) {
    let f = federation_with(backend, |config| config.database_wait_ms = 300).await;
    let body = ask(&["education.attendance"], "safeguarding", "consent", &f.subject);
    let outage = crate::subjects::Outage::begin(&f.gateway);
    let (status, answer, _) = request(&f.gateway, "social_care-social_worker", &body).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (503, Some("store_unavailable")), "{answer}");
    assert!(answer.get("records").is_none() && !answer.to_string().contains("72%"), "nothing disclosed: {answer}");
    let base = f.gateway.url("");
    let failures = r#"sharegate_writer_batch_failures_total{writer="disclosure-log"}"#;
    let granted = r#"sharegate_log_entries_total{kind="request",outcome="granted"}"#;
    // On SQLite the request gets as far as the log, whose commit fails; PostgreSQL's outage refuses it earlier, at
    // its first read.
    let expected = if backend == Backend::Sqlite { 1.0 } else { 0.0 };
    assert_eq!(metric(&base, failures).await, Some(expected), "the operator sees the log's failed commits");
    assert_eq!(metric(&base, granted).await, None, "no entry counted");
    drop(outage);
    let (status, answer, bytes) = request(&f.gateway, "social_care-social_worker", &body).await;
    assert_eq!(status, 200, "{answer}");
    logged(&f.gateway, &answer, &bytes);
    assert_eq!(metric(&base, granted).await, Some(1.0));
    let batches = r#"sharegate_writer_batch_seconds_count{writer="disclosure-log"}"#;
    // The policy put in force at the start, the failed commit, the request.
    assert_eq!(metric(&base, batches).await, Some(2.0 + expected), "every commit timed, a failed one too");
    // The school's node wrote each read into its access register (on SQLite the one behind the failed commit too:
    // read, then not disclosed), with its own writer's metrics.
    let reads = r#"sharegate_writer_batch_jobs_sum{writer="education-access-register"}"#;
    assert_eq!(metric(&f.education.url(""), reads).await, Some(1.0 + expected));
}

/// A gateway whose education node misbehaves in `how`.
async fn with_rogue_education(how: Misbehaviour, limit: Option<usize>) -> (TestGateway, String, Value) {
    let port = rogue::spawn("education", "E-1", how);
    let gateway = spawn_gateway_with(Backend::Sqlite, |config| {
        config.node_timeout_ms = 500;
        if let Some(limit) = limit {
            config.node_response_limit_bytes = limit;
        }
        let education = sharegate_core::domain::AgencyName::parse("education").unwrap();
        config.agencies.get_mut(&education).unwrap().node_url = format!("https://localhost:{port}");
    })
    .await;
    let (subject, asked) = crate::helpers::child_with_consented_attendance(&gateway.url("")).await;
    let started = std::time::Instant::now();
    let (status, answer, bytes) = request(&gateway, "social_care-social_worker", &asked).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "nothing hangs: {:?}", started.elapsed());
    assert_eq!(status, 200, "{answer}");
    logged(&gateway, &answer, &bytes);
    (gateway, subject, answer)
}

#[tokio::test]
async fn each_node_fault_gives_a_marked_partial_answer() {
    for (how, limit, status) in [
        (Misbehaviour::Hangs, None, "timed_out"),
        (Misbehaviour::Fails, None, "failed"),
        (Misbehaviour::Nonsense, None, "malformed"),
        (Misbehaviour::TooMuch(200 * 1024), Some(64 * 1024), "too_large"),
        // Not followed: the gateway asks each node only what it decided to ask, where it is configured.
        (Misbehaviour::Redirects, None, "failed"),
    ] {
        let (gateway, _, answer) = with_rogue_education(how, limit).await;
        assert_eq!(answer["partial"], true, "{how:?}: {answer}");
        assert_eq!(answer["records"], json!([]), "{how:?}");
        let education = answer["agencies"].as_array().unwrap().iter().find(|a| a["agency"] == "education").unwrap();
        assert_eq!(education["status"], status, "{how:?}: {answer}");
        assert!(
            education["message"].as_str().is_some_and(|m| !m.contains("fire")),
            "the node's own words stay out: {answer}"
        );
        // A node that is down or slow has disclosed nothing: no DPO's matter.
        assert_eq!(waiting_for(&gateway, "education-dpo").await, [], "{how:?}");
    }
}

#[tokio::test]
async fn a_lying_nodes_extra_data_and_forged_records_are_dropped_and_flagged() {
    let (gateway, _, answer) = with_rogue_education(Misbehaviour::Lies, None).await;
    let records = answer["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{answer}");
    assert_eq!(records[0]["statements"][0]["text"], "the one that was asked for");
    // What passed carries a signature the requester can check with the school's public key.
    let passed = sharegate_protocol::record::Received::read(&records[0].to_string()).unwrap();
    let education = sharegate_core::domain::AgencyName::parse("education").unwrap();
    let key = sharegate_core::signing::load_public(&crate::helpers::federation().layout.node_record_key(&education));
    assert_eq!(passed.check(&key.unwrap()), Ok(()));
    let text = answer.to_string();
    for leaked in [
        "not allowed",
        "another child",
        "claims to be police",
        "never to leave",
        "Private Road",
        "changed after signing",
        "signed by police",
    ] {
        assert!(!text.contains(leaked), "{leaked} leaked: {answer}");
    }
    // The requester is told of what may have been theirs to see (records that cannot be read, or do not verify),
    // not of what the node sent beyond what was asked: that would tell them what else the school holds.
    let education = answer["agencies"].as_array().unwrap().iter().find(|a| a["agency"] == "education").unwrap();
    assert_eq!(education["dropped"], json!({"not_a_record": 4, "bad_signature": 2}), "{answer}");
    assert_eq!(answer["partial"], true);
    for (why, count) in
        [("other_agency", 1.0), ("other_child", 1.0), ("category_not_allowed", 1.0), ("not_a_record", 4.0)]
    {
        let series = format!(r#"sharegate_records_dropped_total{{agency="education",why="{why}"}}"#);
        assert_eq!(metric(&gateway.url(""), &series).await, Some(count), "{why}");
    }
    // An operator can alert on it.
    let forged = r#"sharegate_records_dropped_total{agency="education",why="bad_signature"}"#;
    assert_eq!(metric(&gateway.url(""), forged).await, Some(2.0));
    // The school's DPO sees in the console what its node sent and the gateway did not pass on.
    let disclosure = answer["disclosure_id"].as_str().unwrap();
    let url = gateway.url(&format!("/console/disclosures/{disclosure}"));
    let page = person("education-dpo").get(url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("2 whose signature does not verify"), "{page}");
    assert!(page.contains("1 about another child"), "{page}");
    assert!(page.contains("1 in a category not allowed"), "{page}");
    // It waits for the school DPO's review, though it was asked under consent and nothing was refused: a node that
    // sends what it must not is its own agency's matter. The requester's DPO has nothing of it to review.
    assert_eq!(waiting_for(&gateway, "education-dpo").await, [(disclosure.to_owned(), json!(["not_passed_on"]))]);
    assert_eq!(waiting_for(&gateway, "social_care-dpo").await, []);
    let queue = person("education-dpo").get(gateway.url("/console")).send().await.unwrap().text().await.unwrap();
    assert!(queue.contains(disclosure), "{queue}");
    assert!(queue.contains("your agency's node sent records that were not passed on"), "{queue}");
}

#[tokio::test]
async fn a_node_that_sends_more_than_it_was_asked_leaves_the_requester_none_the_wiser() {
    let (gateway, _, answer) = with_rogue_education(Misbehaviour::Overshares, None).await;
    // Everything asked for arrived and verified: a whole answer, with no word of what else the school holds.
    assert_eq!(answer["records"].as_array().unwrap().len(), 1, "{answer}");
    assert_eq!(answer["partial"], false, "{answer}");
    let education = answer["agencies"].as_array().unwrap().iter().find(|a| a["agency"] == "education").unwrap();
    assert_eq!(education.get("dropped"), None, "{answer}");
    let text = answer.to_string();
    for leaked in ["behaviour", "SOMEONE-ELSE", "category_not_allowed", "other_child"] {
        assert!(!text.contains(leaked), "{leaked} leaked: {answer}");
    }
    // The log says granted, and keeps what was dropped; the school's DPO has it to review.
    let disclosure = answer["disclosure_id"].as_str().unwrap();
    let (_, logged) = send(person("education-dpo").get(gateway.url(&format!("/v1/disclosures/{disclosure}")))).await;
    assert_eq!(logged["outcome"], "granted", "{logged}");
    let part = logged["agencies"].as_array().unwrap().iter().find(|a| a["agency"] == "education").unwrap();
    assert_eq!(part["dropped"], json!({"other_child": 1, "category_not_allowed": 1}), "{logged}");
    assert_eq!(waiting_for(&gateway, "education-dpo").await, [(disclosure.to_owned(), json!(["not_passed_on"]))]);
    // And the school's DPO finds it again, reviewed or not, by searching for it; social care's node sent nothing so.
    let found = |who: &'static str| {
        let url = gateway.url("/v1/disclosures?not_passed_on=true");
        async move {
            let (status, page) = send(person(who).get(url)).await;
            assert_eq!(status, 200, "{page}");
            page["disclosures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("education-dpo").await, [disclosure]);
    assert_eq!(found("social_care-dpo").await, Vec::<String>::new());
    let url = gateway.url("/console/disclosures?not_passed_on=true");
    let page = person("education-dpo").get(url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(disclosure) && page.contains(r#"name="not_passed_on" value="true" checked"#), "{page}");
}

/// The entries waiting for review by the DPO `who`: each one's id and why it waits.
async fn waiting_for(gateway: &TestGateway, who: &str) -> Vec<(String, Value)> {
    let (status, waiting) = send(person(who).get(gateway.url("/v1/disclosures/unreviewed"))).await;
    assert_eq!(status, 200, "{waiting}");
    waiting.as_array().unwrap().iter().map(|e| (e["id"].as_str().unwrap().to_owned(), e["waiting"].clone())).collect()
}
