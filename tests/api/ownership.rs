//! One agency never acts for another (issues 22 and 30): only an agency links its reference to a child; a node
//! refuses a read for another child than its reference's; a consent another agency wrote is a claim until the
//! holder confirms it. Real gateway, real nodes, both backends.

use serde_json::{Value, json};

use crate::databases::Backend;
use crate::helpers::{
    TestGateway, TestNode, person, practitioner, register_child, send, spawn_gateway_with, spawn_node_with,
};
use crate::on_both_backends;
use crate::subjects::fresh_nhs_number;

on_both_backends!(
    only_an_agency_links_its_own_reference,
    a_node_refuses_a_read_for_another_child,
    a_consent_the_requester_wrote_for_itself_is_a_claim_until_the_holder_confirms,
);

/// A gateway with real police, health and education nodes.
struct Nodes {
    gateway: TestGateway,
    police: TestNode,
    health: TestNode,
    education: TestNode,
}

async fn nodes(backend: Backend) -> Nodes {
    let police = spawn_node_with(backend, "police", |_| {}).await;
    let health = spawn_node_with(backend, "health", |_| {}).await;
    let education = spawn_node_with(backend, "education", |_| {}).await;
    let ports = [("police", police.port), ("health", health.port), ("education", education.port)];
    let gateway = spawn_gateway_with(backend, |config| {
        for (agency, port) in ports {
            let agency = sharegate_core::domain::AgencyName::parse(agency).unwrap();
            config.agencies.get_mut(&agency).unwrap().node_url = format!("https://localhost:{port}");
        }
    })
    .await;
    Nodes { gateway, police, health, education }
}

async fn write_record(node: &TestNode, agency: &str, subject_ref: &str, category: &str, text: &str) {
    let record = json!({
        "subject_ref": subject_ref, "occurred_at": "2026-11-20T10:00:00Z", "contact_type": "visit", "category": category,
        "statements": [{"kind": "fact", "text": text}], "sources": [{"who": "the practitioner", "how": "seen in person"}],
        "retention_class": "standard"
    });
    let (status, body) = send(person(practitioner(agency)).post(node.url("/v1/records")).json(&record)).await;
    assert_eq!(status, 201, "{body}");
}

fn ask(subject: &str, categories: &[&str]) -> Value {
    json!({"subject": subject, "categories": categories, "purpose": "safeguarding", "lawful_basis": "consent",
        "reason": "Concerns raised by the school about neglect."})
}

async fn consent(gateway: &TestGateway, who: &str, subject: &str, categories: &[&str], recipients: &[&str]) -> String {
    let body = json!({"given_by": {"name": "Anyone", "relationship": "parent"}, "categories": categories,
        "recipients": recipients, "purposes": ["safeguarding"]});
    let url = gateway.url(&format!("/v1/subjects/{subject}/consents"));
    let (status, created) = send(person(who).post(url).json(&body)).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

async fn unreviewed(gateway: &TestGateway, dpo: &str) -> Vec<Value> {
    let (status, queue) = send(person(dpo).get(gateway.url("/v1/disclosures/unreviewed"))).await;
    assert_eq!(status, 200, "{queue}");
    queue.as_array().unwrap().clone()
}

async fn only_an_agency_links_its_own_reference(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let (other, nhs) = (fresh_nhs_number(), fresh_nhs_number());
    // The police's own child P-7777.
    let other_child = register_child(&gateway.url(""), &other, &[("police", "P-7777")]).await;

    // The school registers a child naming a police reference: refused, naming the field, and nothing stored.
    let body = json!({"nhs_number": nhs, "name": "Lily Example", "date_of_birth": "2015-03-02",
        "local_refs": {"education": "E-1", "police": "P-7777"}});
    let (status, refused) = send(person("education-dsl").post(gateway.url("/v1/subjects")).json(&body)).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (403, Some("local_refs.police")), "{refused}");
    let (status, _) =
        send(person("education-dsl").get(gateway.url("/v1/subjects")).query(&crate::subjects::why(&nhs))).await;
    assert_eq!(status, 404, "nothing was stored");

    let (status, _) = send(person("education-dpo").post(gateway.url("/v1/subjects")).json(&body)).await;
    assert_eq!(status, 403, "a DPO does not register children");

    // Its own reference only: accepted.
    let body = json!({"nhs_number": nhs, "name": "Lily Example", "date_of_birth": "2015-03-02",
        "local_refs": {"education": "E-1"}});
    let (status, created) = send(person("education-dsl").post(gateway.url("/v1/subjects")).json(&body)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["local_refs"], json!({"education": "E-1"}));
    let child = created["id"].as_str().unwrap().to_owned();

    let link = |agency: &str| gateway.url(&format!("/v1/subjects/{child}/local-refs/{agency}"));
    // Another agency, or the agency's DPO, cannot link the police's reference.
    for who in ["education-dsl", "social_care-manager", "police-dpo"] {
        let (status, body) = send(person(who).put(link("police")).json(&json!({"local_ref": "P-1"}))).await;
        assert_eq!(status, 403, "{who}: {body}");
    }
    // A reference the police linked to another child: 409, and the answer does not say which child.
    let (status, body) =
        send(person("police-investigator").put(link("police")).json(&json!({"local_ref": "P-7777"}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("duplicate")), "{body}");
    let text = body.to_string();
    assert!(!text.contains(&other_child) && !text.contains(&other), "{text}");

    // The police link, change and remove their own reference; each is kept, sealed, with its author.
    let (status, linked) = send(
        person("police-investigator").put(link("police")).json(&json!({"local_ref": "P-1", "reason": "Matched."})),
    )
    .await;
    assert_eq!((status, linked["local_ref"].as_str()), (200, Some("P-1")), "{linked}");
    let (status, same) =
        send(person("police-investigator").put(link("police")).json(&json!({"local_ref": "P-1"}))).await;
    assert_eq!((status, &same["event"]), (200, &Value::Null), "the same reference again changes nothing: {same}");
    let (status, changed) = send(person("police-manager").put(link("police")).json(&json!({"local_ref": "P-2"}))).await;
    assert_eq!((status, changed["event"]["action"].as_str()), (200, Some("changed")), "{changed}");
    let (status, _) = send(person("police-investigator").delete(link("police")).json(&json!({}))).await;
    assert_eq!(status, 400, "a removal says why");
    let (status, removed) =
        send(person("police-investigator").delete(link("police")).json(&json!({"reason": "Wrong child."}))).await;
    assert_eq!((status, &removed["local_ref"]), (200, &Value::Null), "{removed}");
    let (status, _) =
        send(person("police-investigator").delete(link("police")).json(&json!({"reason": "Again."}))).await;
    assert_eq!(status, 404);

    let history = gateway.url(&format!("/v1/subjects/{child}/local-refs/police/history"));
    let (status, read) = send(person("police-dpo").get(&history)).await;
    assert_eq!(status, 200, "{read}");
    let actions: Vec<&str> =
        read["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["linked", "changed", "unlinked"], "{read}");
    assert_eq!(read["history"][0]["recorded_by"]["person"], "Alex Morgan");
    assert_eq!(read["history"][1]["recorded_by"]["role"], "manager");
    assert_eq!(read["history"][2]["reason"], "Wrong child.");
    assert!(
        read["history"].as_array().unwrap().iter().all(|e| e["signature"].as_str().is_some_and(|s| s.len() == 128))
    );
    assert_eq!(read["current"], Value::Null);
    let (status, _) = send(person("education-dpo").get(&history)).await;
    assert_eq!(status, 403, "another agency's DPO does not read police's links");
    // The school's own link, made at registration, is in its history too.
    let (_, school) = send(person("education-dpo").get(link("education") + "/history")).await;
    assert_eq!(school["current"]["local_ref"], "E-1", "{school}");
    assert_eq!(school["current"]["before_ownership"], false);
    assert_eq!(school["history"][0]["action"], "linked");
}

async fn a_node_refuses_a_read_for_another_child(backend: Backend) {
    let n = nodes(backend).await;
    let (lily, other) = (fresh_nhs_number(), fresh_nhs_number());
    // The police node knows P-7 as the other child, and holds an incident about them.
    let (status, _) =
        send(person("police-investigator").put(n.police.url("/v1/children/P-7")).json(&json!({"nhs_number": other})))
            .await;
    assert_eq!(status, 200);
    write_record(&n.police, "police", "P-7", "police.incident", "Another child's incident.").await;
    // At the gateway the police link Lily to P-7 by mistake; police recorded the family's consent.
    let subject = register_child(&n.gateway.url(""), &lily, &[("police", "P-7")]).await;
    consent(&n.gateway, "police-investigator", &subject, &["police.incident"], &["social_care"]).await;

    let (status, answer) = send(
        person("social_care-social_worker")
            .post(n.gateway.url("/v1/requests"))
            .json(&ask(&subject, &["police.incident"])),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["records"], json!([]), "nothing of the other child's is sent: {answer}");
    assert_eq!((answer["partial"].as_bool(), answer["agencies"][0]["status"].as_str()), (Some(true), Some("mismatch")));
    assert!(!answer.to_string().contains("Another child"), "{answer}");

    // The node wrote the refused read down; the police DPO has it to review, saying why.
    let (_, register) = send(person("police-dpo").get(n.police.url("/v1/access-register"))).await;
    assert_eq!(register[0]["refused"], "subject_mismatch", "{register}");
    assert_eq!(register[0]["returned"], 0);
    let queue = unreviewed(&n.gateway, "police-dpo").await;
    let waiting: Vec<&Value> = queue.iter().filter(|e| e["id"] == answer["disclosure_id"]).collect();
    assert_eq!(waiting.len(), 1, "{queue:?}");
    assert_eq!(waiting[0]["waiting"], json!(["link_mismatch"]));

    // A read for the child the node knows goes ahead: the police correct their link.
    let (status, _) =
        send(person("police-investigator").put(n.police.url("/v1/children/P-8")).json(&json!({"nhs_number": lily})))
            .await;
    assert_eq!(status, 200);
    write_record(&n.police, "police", "P-8", "police.incident", "Lily's incident.").await;
    let url = n.gateway.url(&format!("/v1/subjects/{subject}/local-refs/police"));
    let (status, _) = send(person("police-investigator").put(url).json(&json!({"local_ref": "P-8"}))).await;
    assert_eq!(status, 200);
    let (status, answer) = send(
        person("social_care-social_worker")
            .post(n.gateway.url("/v1/requests"))
            .json(&ask(&subject, &["police.incident"])),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["records"][0]["statements"][0]["text"], "Lily's incident.", "the changed link counts at once");
    // The access register pages (newest first, `after` the last id) and its times carry their zone.
    let dpo = person("police-dpo");
    let (_, first) = send(dpo.get(n.police.url("/v1/access-register")).query(&[("limit", "1")])).await;
    assert_eq!(first.as_array().unwrap().len(), 1, "{first}");
    assert!(first[0]["at"].as_str().unwrap().ends_with('Z'), "{first}");
    assert_eq!(first[0]["refused"], Value::Null, "the newest read was answered");
    let after = first[0]["id"].as_str().unwrap();
    let (_, next) = send(dpo.get(n.police.url("/v1/access-register")).query(&[("limit", "1"), ("after", after)])).await;
    assert_eq!(next[0]["refused"], "subject_mismatch", "the page after it holds the older, refused read: {next}");

    // Only its own practitioners tell the node which child a reference is.
    let (status, _) =
        send(person("health-health_visitor").put(n.police.url("/v1/children/P-9")).json(&json!({"nhs_number": lily})))
            .await;
    assert_eq!(status, 403);
    let (status, _) =
        send(person("police-dpo").put(n.police.url("/v1/children/P-9")).json(&json!({"nhs_number": lily}))).await;
    assert_eq!(status, 403);
    drop((n.health, n.education));
}

async fn a_consent_the_requester_wrote_for_itself_is_a_claim_until_the_holder_confirms(backend: Backend) {
    let n = nodes(backend).await;
    let subject =
        register_child(&n.gateway.url(""), &fresh_nhs_number(), &[("health", "H-1"), ("education", "E-1")]).await;
    write_record(
        &n.health,
        "health",
        "H-1",
        "health.mental_health",
        "Referred to CAMHS (child and adolescent mental health services).",
    )
    .await;
    write_record(&n.education, "education", "E-1", "education.attendance", "Attendance 72% this term.").await;
    write_record(&n.education, "education", "E-1", "education.behaviour", "Withdrawn in class.").await;

    // Police ask for mental health on consent: refused. They write themselves a consent: still refused, saying
    // health must confirm it — and it reaches no one's records.
    let mental_health = ask(&subject, &["health.mental_health"]);
    let asks = |body: &Value| send(person("police-investigator").post(n.gateway.url("/v1/requests")).json(body));
    let (status, _) = asks(&mental_health).await;
    assert_eq!(status, 403);
    // The reproduction also named categories no rule lets police see on consent: such a consent could
    // never be used, and is refused whole (422).
    let reproduction = json!({"given_by": {"name": "Anyone", "relationship": "parent"},
        "categories": ["health.mental_health", "health.summary", "social_care.assessment", "education.behaviour"],
        "recipients": ["police"], "purposes": ["safeguarding"]});
    let url = n.gateway.url(&format!("/v1/subjects/{subject}/consents"));
    let (status, _) = send(person("police-investigator").post(url).json(&reproduction)).await;
    assert_eq!(status, 422);
    let claim = consent(&n.gateway, "police-investigator", &subject, &["health.mental_health"], &["police"]).await;
    let (status, refused) = asks(&mental_health).await;
    assert_eq!(status, 403, "{refused}");
    let why = refused["refused"][0]["why"].as_str().unwrap();
    assert!(why.contains(&claim) && why.contains("health must confirm"), "{why}");

    // Health confirms (a practitioner of the holder; not police, not health's DPO): the consent now covers it.
    let confirm = n.gateway.url(&format!("/v1/consents/{claim}/confirm"));
    let (status, _) = send(person("police-investigator").post(&confirm).json(&json!({}))).await;
    assert_eq!(status, 404, "police hold nothing under it: not theirs to confirm");
    let (status, _) = send(person("health-dpo").post(&confirm).json(&json!({}))).await;
    assert_eq!(status, 403);
    let (status, _) = send(person("social_care-social_worker").post(&confirm).json(&json!({}))).await;
    assert_eq!(status, 404, "social care holds nothing under it");
    let (status, confirmed) = send(
        person("health-health_visitor").post(&confirm).json(&json!({"comment": "Mother confirmed it to the GP."})),
    )
    .await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["confirmations"][0]["agency"], "health");
    let (status, again) = send(person("health-manager").post(&confirm).json(&json!({}))).await;
    assert_eq!(status, 409, "{again}");
    let (status, granted) = asks(&mental_health).await;
    assert_eq!(status, 200, "{granted}");
    assert_eq!(granted["records"].as_array().unwrap().len(), 1);
    assert_eq!(
        granted["granted"][0]["consent"],
        json!({"recorded_by": "police", "standing": "confirmed_by_holder"}),
        "the answer says whose consent it was: {granted}"
    );

    // Social care records the family's consent for the school's attendance and behaviour itself. The policy lets
    // that suffice for attendance (not special category data), and the school's DPO reviews each such grant;
    // behaviour waits for the school to confirm.
    let own = consent(
        &n.gateway,
        "social_care-social_worker",
        &subject,
        &["education.attendance", "education.behaviour"],
        &["social_care"],
    )
    .await;
    let (status, answer) = send(
        person("social_care-social_worker")
            .post(n.gateway.url("/v1/requests"))
            .json(&ask(&subject, &["education.attendance", "education.behaviour"])),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["records"].as_array().unwrap().len(), 1, "attendance only: {answer}");
    assert_eq!(answer["granted"][0]["consent"]["standing"], "recorded_by_requester");
    assert!(answer["refused"][0]["why"].as_str().unwrap().contains("education must confirm"), "{answer}");
    let queue = unreviewed(&n.gateway, "education-dpo").await;
    let entry = queue.iter().find(|e| e["id"] == answer["disclosure_id"]).unwrap_or_else(|| panic!("{queue:?}"));
    assert_eq!(entry["waiting"], json!(["consent_recorded_by_requester"]));
    assert_eq!(entry["given"][0]["consent"]["recorded_by"], "social_care", "the log says whose consent");
    let theirs = unreviewed(&n.gateway, "social_care-dpo").await;
    assert!(!theirs.iter().any(|e| e["id"] == answer["disclosure_id"]), "the requester's DPO is not asked");

    // The family withdraws through the school: it ends for everyone at once.
    let withdraw = n.gateway.url(&format!("/v1/consents/{own}/withdraw"));
    let (status, _) =
        send(person("education-dsl").post(&withdraw).json(&json!({"reason": "Mother withdrew consent."}))).await;
    assert_eq!(status, 200);
    let (status, after) = send(
        person("social_care-social_worker")
            .post(n.gateway.url("/v1/requests"))
            .json(&ask(&subject, &["education.attendance"])),
    )
    .await;
    assert_eq!(status, 403, "{after}");
    drop(n.police);
}
