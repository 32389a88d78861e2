//! The console for practitioners and managers over real mTLS, with a real node behind the gateway: a social worker
//! finds a child (a logged lookup), is offered only what the policy lets them see, asks, and reads the records; a
//! refusal says why; a manager endorses a decision from their worklist. Each step writes exactly the log entries the
//! API would.

use serde_json::{Value, json};

use crate::console::{page, page_at, post_form, post_form_at};
use crate::databases::Backend;
use crate::dpo::child;
use crate::helpers::{person, send, spawn_gateway};
use crate::sharing::federation_with;

/// The social worker's entries in the log, as their agency's DPO reads them: (kind, outcome), in order.
async fn logged_for(gateway: &crate::helpers::TestGateway, who: &str) -> Vec<(String, String)> {
    let (status, page) =
        send(person("social_care-dpo").get(gateway.url("/v1/disclosures")).query(&[("person", who)])).await;
    assert_eq!(status, 200, "{page}");
    let entries = page["disclosures"].as_array().unwrap();
    entries
        .iter()
        .map(|e: &Value| (e["kind"].as_str().unwrap().to_owned(), e["outcome"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn a_social_worker_finds_a_child_asks_and_reads_the_records_in_the_console() {
    let f = federation_with(Backend::Sqlite, |_| {}).await;
    let who = "social_care-social_worker";
    let (status, _, start) = page(&f.gateway, who, "/console").await;
    assert_eq!(status, 200, "{start}");
    assert!(start.contains("Find a child") && start.contains("Your latest requests"), "{start}");

    let reason = "Referral from the school about neglect.";
    let find =
        [("nhs_number", f.nhs.as_str()), ("purpose", "safeguarding"), ("lawful_basis", "consent"), ("reason", reason)];
    let (status, _, found) = post_form(&f.gateway, who, "/console/find", &find).await;
    assert_eq!(status, 200, "{found}");
    assert!(found.contains("Lily Example") && found.contains(&f.nhs), "{found}");
    assert!(found.contains(r#"name="category" value="education.attendance""#), "offered: {found}");
    let not_offered = found.split("Not offered, and why").nth(1).expect("what is not offered, and why");
    let ask_form = found.split(r#"action="/console/consents""#).next().unwrap();
    assert!(not_offered.contains("health.mental_health") && !ask_form.contains(r#"value="health.mental_health""#));
    assert_eq!(
        logged_for(&f.gateway, "Jess Taylor").await,
        [("lookup".to_owned(), "granted".to_owned())],
        "the lookup is logged"
    );

    let ask = [
        ("subject", f.subject.as_str()),
        ("category", "education.attendance"),
        ("category", "education.behaviour"),
        ("purpose", "safeguarding"),
        ("lawful_basis", "consent"),
        ("reason", reason),
    ];
    let (status, _, answer) = post_form(&f.gateway, who, "/console/ask", &ask).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("Attendance 72% this term.") && answer.contains("Withdrawn in class."), "{answer}");
    assert!(answer.contains("Written by") && answer.contains("(dsl, education)"), "the author: {answer}");
    assert!(answer.contains("<strong>Fact: </strong>"), "each statement says what it is: {answer}");
    let id = answer.split("Disclosure <code>").nth(1).unwrap().split("</code>").next().unwrap();
    assert!(id.starts_with("dis_"), "{id}");

    // Mental health, sent by hand (the form does not offer it): refused, and the page says why.
    let mut refused = ask.to_vec();
    refused[1] = ("category", "health.mental_health");
    refused.remove(2);
    let (status, _, no) = post_form(&f.gateway, who, "/console/ask", &refused).await;
    assert_eq!(status, 200, "a refusal is an answer: {no}");
    assert!(no.contains("<h1>Refused</h1>") && no.contains("health.mental_health (health): "), "{no}");
    let (status, _, none) = post_form(
        &f.gateway,
        who,
        "/console/ask",
        &[
            ("subject", f.subject.as_str()),
            ("purpose", "safeguarding"),
            ("lawful_basis", "consent"),
            ("reason", reason),
        ],
    )
    .await;
    assert_eq!(status, 400, "{none}");
    assert!(none.contains("choose at least one kind of record"), "{none}");

    // Exactly what the API would have written: a lookup, a grant, a refusal; the empty ask wrote nothing.
    let logged = logged_for(&f.gateway, "Jess Taylor").await;
    let kinds: Vec<(&str, &str)> = logged.iter().map(|(k, o)| (k.as_str(), o.as_str())).collect();
    assert_eq!(kinds, [("lookup", "granted"), ("request", "granted"), ("request", "refused")]);
    let (_, _, start) = page(&f.gateway, who, "/console").await;
    assert!(start.contains(id), "the start page lists the request with its id: {start}");
}

#[tokio::test]
async fn a_manager_endorses_a_decision_from_their_worklist() {
    let gateway = spawn_gateway().await;
    let subject = child(&gateway).await;
    let decision = json!({
        "lawful_basis": "crime_and_disorder_act_1998_s115",
        "reasons": "Asking the family would alert a suspect to an investigation of exploitation.",
        "categories": ["health.mental_health"], "recipients": ["police"], "purposes": ["crime_prevention"]
    });
    let url = gateway.url(&format!("/v1/subjects/{subject}/consent-decisions"));
    let (status, decided) = send(person("health-health_visitor").post(&url).json(&decision)).await;
    assert_eq!(status, 201, "{decided}");
    let id = decided["id"].as_str().unwrap();

    let (_, _, worklist) = page(&gateway, "health-manager", "/console").await;
    assert!(worklist.contains("Decisions waiting for your endorsement (1)"), "{worklist}");
    assert!(worklist.contains("alert a suspect") && worklist.contains(&format!("/console/decisions/{id}/endorse")));
    let (_, _, theirs) = page(&gateway, "police-manager", "/console").await;
    assert!(theirs.contains("(0)") && !theirs.contains("alert a suspect"), "another agency's manager: {theirs}");

    let endorse = format!("/console/decisions/{id}/endorse");
    let (status, _, refused) = post_form(&gateway, "health-health_visitor", &endorse, &[("comment", "")]).await;
    assert_eq!(status, 403, "not a manager: {refused}");
    let (status, at, after) = post_form(&gateway, "health-manager", &endorse, &[("comment", "Agreed.")]).await;
    assert_eq!((status, at.as_str()), (200, "/console"), "{after}");
    assert!(after.contains("Decisions waiting for your endorsement (0)"), "{after}");
    let (_, register) =
        send(person("health-health_visitor").get(gateway.url(&format!("/v1/subjects/{subject}/consents")))).await;
    let endorsed = &register["decisions"][0]["endorsement"];
    assert_eq!(
        (endorsed["comment"].as_str(), endorsed["endorsed_by"]["role"].as_str()),
        (Some("Agreed."), Some("manager")),
        "{register}"
    );
    let (status, _, again) = post_form(&gateway, "health-manager", &endorse, &[("comment", "")]).await;
    assert_eq!(status, 409, "{again}");
}

#[tokio::test]
async fn a_health_visitor_records_a_consent_in_the_console() {
    let f = federation_with(Backend::Sqlite, |_| {}).await;
    let who = "health-health_visitor";
    let find = [
        ("nhs_number", f.nhs.as_str()),
        ("purpose", "safeguarding"),
        ("lawful_basis", "consent"),
        ("reason", "Home visit: mother asked what is shared."),
    ];
    let (status, _, found) = post_form(&f.gateway, who, "/console/find", &find).await;
    assert_eq!(status, 200, "{found}");
    assert!(found.contains(r#"action="/console/consents""#), "{found}");
    let consent = [
        ("subject", f.subject.as_str()),
        ("given_by_name", "Sarah Example"),
        ("relationship", "parent"),
        ("how_obtained", "in_person"),
        ("form_reference", "HV-CF-77"),
        ("competence_assessed_by", ""),
        ("consent_category", "health.summary"),
        ("recipient", "social_care"),
        ("consent_purpose", "safeguarding"),
        ("valid_from", ""),
        ("valid_until", "2030-01-01"),
    ];
    let (status, _, recorded) = post_form(&f.gateway, who, "/console/consents", &consent).await;
    assert_eq!(status, 200, "{recorded}");
    assert!(recorded.contains("Consent recorded") && recorded.contains("Sarah Example (parent)"), "{recorded}");
    assert!(recorded.contains("in person; consent form HV-CF-77"), "{recorded}");
    let (_, register) = send(person(who).get(f.gateway.url(&format!("/v1/subjects/{}/consents", f.subject)))).await;
    let health = register["consents"].as_array().unwrap().iter().find(|c| c["categories"] == json!(["health.summary"]));
    let health = health.unwrap_or_else(|| panic!("the consent is in the register: {register}"));
    assert_eq!(
        (health["how_obtained"].as_str(), health["recorded_by"]["person"].as_str()),
        (Some("in_person"), Some("Grace Okafor"))
    );
    assert_eq!(health["valid_until"], "2030-01-01T00:00:00Z");

    // What the API refuses, the form refuses, naming the field.
    let mut nothing = consent.to_vec();
    nothing.retain(|(k, _)| *k != "consent_category");
    let (status, _, refused) = post_form(&f.gateway, who, "/console/consents", &nothing).await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused.contains("categor"), "{refused}");
}

/// A node's own console: a police officer records a contact through the form; one that breaks two rules comes back
/// with both, each by its paragraph beside its field, and the words as typed; corrected, it is recorded and signed.
#[tokio::test]
async fn a_police_officer_records_a_contact_at_the_node_and_sees_each_broken_rule() {
    let node = crate::helpers::spawn_node_with(Backend::Sqlite, "police", |_| {}).await;
    let who = "police-investigator";
    let (status, _, blank) = page_at(&node.url(""), who, "/console").await;
    assert_eq!(status, 200, "{blank}");
    assert!(blank.contains("Record a contact") && blank.contains(r#"<option value="police.incident""#), "{blank}");
    for other in ["education-dsl", "police-dpo"] {
        let (status, _, refused) = page_at(&node.url(""), other, "/console").await;
        assert_eq!(status, 403, "{other}: {refused}");
    }

    let opinion = "Mother seemed evasive about the injury.";
    let mut form = vec![
        ("subject_ref", "P-1"),
        ("occurred_at", "2026-11-20T21:30"),
        ("contact_type", "call_out"),
        ("category", "police.incident"),
        ("retention_class", "standard"),
        ("s1_kind", "fact"),
        ("s1_text", "Officers attended after a neighbour's call at 21:30."),
        ("s1_evidence", ""),
        ("s1_statements", ""),
        ("s1_sources", ""),
        ("s2_kind", "opinion"),
        ("s2_text", opinion),
        ("s2_evidence", ""),
        ("s2_statements", "1"),
        ("s2_sources", ""),
    ];
    let (status, _, broken) = post_form_at(&node.url(""), who, "/console/records", &form).await;
    assert_eq!(status, 422, "{broken}");
    assert!(broken.contains("Not recorded: 2 rules are broken"), "{broken}");
    let statement_2 = broken.split("<legend>Statement 2</legend>").nth(1).unwrap().split("</fieldset>").next().unwrap();
    assert!(statement_2.contains("must name the evidence it rests on (¶17)"), "beside the opinion: {statement_2}");
    assert!(statement_2.contains(opinion), "the words as typed: {statement_2}");
    assert!(broken.contains("nothing is off the record (¶14)"), "{broken}");
    assert_eq!(
        broken.matches("must name the evidence it rests on (¶17)").count(),
        2,
        "in the list, and beside its field"
    );
    assert!(broken.contains(r#"value="call_out""#) && broken.contains(r#"value="2026-11-20T21:30""#), "{broken}");

    form.retain(|(k, _)| *k != "s2_evidence");
    form.extend([
        ("s2_evidence", "She changed her account of the fall twice while officers were present."),
        ("src1_who", "the attending officers"),
        ("src1_how", "seen and heard at the address"),
    ]);
    let (status, _, recorded) = post_form_at(&node.url(""), who, "/console/records", &form).await;
    assert_eq!(status, 200, "{recorded}");
    let id = recorded.split("<code>").nth(1).unwrap().split("</code>").next().unwrap();
    assert!(id.starts_with("rec_"), "{recorded}");
    let (status, records) =
        send(person(who).get(node.url("/v1/subjects/P-1/records?categories=police.incident"))).await;
    assert_eq!(status, 200, "{records}");
    let stored = records["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{records}"));
    assert_eq!(stored["author"]["person"], "Alex Morgan");
    assert_eq!(stored["occurred_at"], "2026-11-20T21:30:00Z", "UK time in November is UTC");
    assert_eq!(stored["statements"][1]["rests_on"], json!({"statements": [0]}), "{stored}");
}

/// A coordinator runs a core group meeting in the console from convening to its pack: an absent health visitor's
/// written view, attendance and apologies, a decision with a dissent, its endorsement, the close; each reading of
/// the meeting logged as the API logs it.
#[tokio::test]
async fn a_coordinator_runs_a_meeting_to_its_pack_in_the_console() {
    let f = federation_with(Backend::Sqlite, |_| {}).await;
    let coordinator = "social_care-coordinator";
    let (_, _, start) = page(&f.gateway, coordinator, "/console").await;
    assert!(start.contains("Convene a core group meeting"), "{start}");
    let (_, _, worker) = page(&f.gateway, "social_care-social_worker", "/console").await;
    assert!(!worker.contains("Convene a core group meeting"), "only a coordinator convenes: {worker}");

    let when = (chrono::Utc::now() + chrono::Duration::hours(2)).with_timezone(&chrono_tz::Europe::London);
    let when = when.format("%Y-%m-%dT%H:%M").to_string();
    let convene = [
        ("nhs_number", f.nhs.as_str()),
        ("scheduled_for", when.as_str()),
        ("invited", "education"),
        ("invited", "health"),
        ("invited", "social_care"),
    ];
    let (status, at, shown) = post_form(&f.gateway, coordinator, "/console/meetings", &convene).await;
    assert_eq!(status, 200, "{shown}");
    assert!(at.starts_with("/console/meetings/mtg_"), "{at}");
    assert!(shown.contains("Lily Example") && shown.contains("<dd>open</dd>"), "{shown}");

    let view = "Lily is up to date with her immunisations; no concerns about her health.";
    let (status, _, seen) =
        post_form(&f.gateway, "health-health_visitor", &format!("{at}/views"), &[("text", view), ("absent", "true")])
            .await;
    assert_eq!(status, 200, "{seen}");
    assert!(seen.contains(view) && seen.contains("given in absence"), "{seen}");
    assert!(!seen.contains("Record a decision"), "the coordinator's forms are the coordinator's: {seen}");

    let attendance = [("attended", "education"), ("attended", "social_care"), ("apologies", "health")];
    let (status, _, _) = post_form(&f.gateway, coordinator, &format!("{at}/attendance"), &attendance).await;
    assert_eq!(status, 200);
    let decision = "The school nurse will see Lily weekly and tell social care of any injury the same day.";
    let decided = [
        ("text", decision),
        ("agreed_by", "social_care"),
        ("agreed_by", "education"),
        ("dissent_agency", "health"),
        ("dissent_reason", "A paediatric review should come first."),
    ];
    let (status, _, shown) = post_form(&f.gateway, coordinator, &format!("{at}/decisions"), &decided).await;
    assert_eq!(status, 200, "{shown}");
    assert!(
        shown.contains(decision) && shown.contains("health dissented: A paediatric review should come first."),
        "{shown}"
    );
    assert!(shown.contains("Not yet endorsed by a manager."), "{shown}");
    let (status, _, refused) = post_form(&f.gateway, coordinator, &format!("{at}/close"), &[]).await;
    assert_eq!(status, 409, "an unendorsed decision keeps it open: {refused}");

    let meeting = at.trim_start_matches("/console/meetings/");
    let (_, json) = send(person(coordinator).get(f.gateway.url(&format!("/v1/meetings/{meeting}")))).await;
    let d = json["decisions"][0]["id"].as_str().unwrap();
    let endorse = f.gateway.url(&format!("/v1/meetings/{meeting}/decisions/{d}/endorse"));
    assert_eq!(send(person("social_care-manager").post(endorse).json(&json!({}))).await.0, 200);
    let (status, _, closed) = post_form(&f.gateway, coordinator, &format!("{at}/close"), &[]).await;
    assert_eq!(status, 200, "{closed}");
    assert!(closed.contains("<dd>closed ") && !closed.contains("Close the meeting</button>"), "{closed}");

    let pack = person(coordinator).get(f.gateway.url(&format!("/v1/meetings/{meeting}/pack?format=html")));
    let pack = pack.send().await.unwrap().text().await.unwrap();
    assert!(pack.contains(view) && pack.contains(decision), "{pack}");
    // Each page the console showed the coordinator of the meeting was a logged read, as the API's: after convening,
    // attendance, the decision and the close (the refused close showed none), and the API's own read.
    let (_, reads) = send(person("social_care-dpo").get(f.gateway.url("/v1/disclosures?kind=meeting_read"))).await;
    assert_eq!(reads["total"], 5, "{reads}");
    let (_, theirs) = send(person("health-dpo").get(f.gateway.url("/v1/disclosures?kind=meeting_read"))).await;
    assert_eq!(theirs["total"], 1, "the health visitor's read, after adding the view: {theirs}");
}

/// A school's DSL registers a child the index does not hold, with the school's reference; a social worker links
/// social care's reference from the child's page and asks who holds what (no content) — each as the API does it.
#[tokio::test]
async fn a_child_is_registered_linked_and_discovered_in_the_console() {
    let f = federation_with(Backend::Sqlite, |_| {}).await;
    let nhs = crate::subjects::fresh_nhs_number();
    let form =
        [("nhs_number", nhs.as_str()), ("name", "Sam Example"), ("date_of_birth", "2018-06-01"), ("local_ref", "E-77")];
    let (status, _, registered) = post_form(&f.gateway, "education-dsl", "/console/children", &form).await;
    assert_eq!(status, 200, "{registered}");
    assert!(registered.contains("Sam Example") && registered.contains("E-77"), "{registered}");
    let (status, _, again) = post_form(&f.gateway, "education-dsl", "/console/children", &form).await;
    assert_eq!(status, 409, "the NHS number is in the index already: {again}");

    let who = "social_care-social_worker";
    let find = [
        ("nhs_number", f.nhs.as_str()),
        ("purpose", "safeguarding"),
        ("lawful_basis", "consent"),
        ("reason", "Referral from the school."),
    ];
    let (_, _, found) = post_form(&f.gateway, who, "/console/find", &find).await;
    assert!(found.contains(&format!(r#"action="/console/children/{}/link""#, f.subject)), "{found}");
    let (status, _, linked) = post_form(
        &f.gateway,
        who,
        &format!("/console/children/{}/link", f.subject),
        &[("local_ref", "SC-9"), ("reason", "Our case file.")],
    )
    .await;
    assert_eq!(status, 200, "{linked}");
    assert!(linked.contains("SC-9"), "{linked}");
    let (_, history) =
        send(person(who).get(f.gateway.url(&format!("/v1/subjects/{}/local-refs/social_care/history", f.subject))))
            .await;
    assert!(history.to_string().contains("Our case file."), "{history}");

    let discover = [
        ("subject", f.subject.as_str()),
        ("purpose", "safeguarding"),
        ("lawful_basis", "consent"),
        ("reason", "Who knows Lily?"),
    ];
    let (status, _, holders) = post_form(&f.gateway, who, "/console/discover", &discover).await;
    assert_eq!(status, 200, "{holders}");
    assert!(holders.contains("education: education.attendance, education.behaviour"), "{holders}");
    assert!(!holders.contains("Attendance 72%"), "no content: {holders}");
    let (_, logged) =
        send(person("social_care-dpo").get(f.gateway.url("/v1/disclosures")).query(&[("person", "Jess Taylor")])).await;
    let kinds: Vec<&str> =
        logged["disclosures"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["lookup", "discovery"], "{logged}");
}
