//! The consent register over real mTLS, on both databases: recorded-by from the certificate, append-only
//! withdrawal, decisions and their endorsement, every entry sealed by the gateway.

use serde_json::{Value, json};
use sharegate_gateway::register::entries::{CONSENT_FORMAT, DECISION_FORMAT};
use sharegate_gateway::register::{ConsentEntry, DecisionEntry};
use sharegate_protocol::seal::Seal;

use crate::databases::Backend;
use crate::helpers::{TestGateway, federation, person, send, spawn_gateway_with};
use crate::on_both_backends;
use crate::subjects::fresh_nhs_number;

/// Adds a child to the index and returns its gateway id.
pub async fn new_subject(gateway: &TestGateway) -> String {
    let body = json!({"nhs_number": fresh_nhs_number(), "name": "Lily Example", "date_of_birth": "2015-03-02", "local_refs": {}});
    let (status, created) =
        send(person("social_care-social_worker").post(gateway.url("/v1/subjects")).json(&body)).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

fn consent_body() -> Value {
    json!({
        "given_by": {"name": "Sarah Example", "relationship": "parent"},
        "categories": ["education.attendance", "health.summary"],
        "recipients": ["social_care"],
        "purposes": ["safeguarding"],
        "valid_until": "2099-01-01T00:00:00Z"
    })
}

fn decision_body() -> Value {
    json!({
        "lawful_basis": "crime_and_disorder_act_1998_s115",
        "reasons": "Asking the family would alert a suspect to an investigation of exploitation.",
        "categories": ["health.mental_health"],
        "recipients": ["police"],
        "purposes": ["crime_prevention"]
    })
}

fn gateway_public_key() -> ed25519_dalek::VerifyingKey {
    sharegate_core::signing::load(&federation().layout.log_signing_key()).unwrap().verifying_key()
}

/// Re-serialises a returned entry (without the view's extra fields) and checks the gateway's signature over it.
fn verify<T: serde::de::DeserializeOwned + serde::Serialize>(format: &str, view: &Value, extra: &[&str]) -> T {
    let mut entry = view.clone();
    for field in extra.iter().chain(&["signature"]) {
        entry.as_object_mut().unwrap().remove(*field);
    }
    let entry: T = serde_json::from_value(entry).expect("the view holds the entry");
    let seal = Seal {
        canonical: serde_json::to_string(&entry).unwrap(),
        signature: view["signature"].as_str().unwrap().to_owned(),
    };
    sharegate_protocol::seal::verify(format, &seal, &gateway_public_key()).expect("the gateway's signature verifies")
}

on_both_backends!(
    consents_are_recorded_by_the_certificate_holder_and_withdrawn_by_appending,
    decisions_need_a_manager_of_the_deciding_agency,
    register_input_is_checked,
    every_register_entry_moves_the_childs_register_version,
    each_agency_reads_only_the_part_of_the_register_it_is_in
);

async fn consents_are_recorded_by_the_certificate_holder_and_withdrawn_by_appending(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let subject = new_subject(&gateway).await;
    let url = gateway.url(&format!("/v1/subjects/{subject}/consents"));
    let (status, created) = send(person("police-investigator").post(&url).json(&consent_body())).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["recorded_by"]["person"], "Alex Morgan");
    assert_eq!(created["recorded_by"]["agency"], "police");
    assert_eq!(created["recorded_by"]["role"], "investigator");
    assert_eq!(created["status"], "active");
    assert!(created["id"].as_str().unwrap().starts_with("con_"));
    let entry: ConsentEntry = verify(CONSENT_FORMAT, &created, &["status", "withdrawal", "confirmations", "obtained"]);
    assert_eq!(entry.recorded_by.person.as_str(), "Alex Morgan");

    let mut spoof = consent_body();
    spoof["recorded_by"] = json!({"person": "Someone Else"});
    let (status, answer) = send(person("police-investigator").post(&url).json(&spoof)).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("recorded_by")), "{answer}");

    let id = created["id"].as_str().unwrap();
    let withdraw = gateway.url(&format!("/v1/consents/{id}/withdraw"));
    let (status, withdrawn) = send(
        person("health-health_visitor").post(&withdraw).json(&json!({"reason": "Mother withdrew consent by phone."})),
    )
    .await;
    assert_eq!(status, 200, "{withdrawn}");
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(withdrawn["withdrawal"]["recorded_by"]["person"], "Grace Okafor");
    assert_eq!(withdrawn["withdrawal"]["reason"], "Mother withdrew consent by phone.");
    let (status, again) = send(person("health-health_visitor").post(&withdraw).json(&json!({"reason": "again"}))).await;
    assert_eq!((status, again["error"]["code"].as_str()), (409, Some("duplicate")), "{again}");

    // Append-only: the consent is exactly as first recorded, signature and all, with the withdrawal beside it.
    let (status, register) = send(person("education-dsl").get(&url)).await;
    assert_eq!(status, 200);
    let listed = &register["consents"][0];
    assert_eq!(listed["signature"], created["signature"]);
    assert_eq!(listed["recorded_at"], created["recorded_at"]);
    assert_eq!(listed["categories"], created["categories"]);
    assert_eq!(listed["status"], "withdrawn");
    let _: ConsentEntry = verify(CONSENT_FORMAT, listed, &["status", "withdrawal", "confirmations", "obtained"]);

    for missing in ["con_00000000000000000000000000000000", "nonsense"] {
        let (status, _) = send(
            person("health-health_visitor")
                .post(gateway.url(&format!("/v1/consents/{missing}/withdraw")))
                .json(&json!({"reason": "x"})),
        )
        .await;
        assert_eq!(status, 404);
    }
    let (status, _) = send(
        person("police-investigator")
            .post(gateway.url("/v1/subjects/sub_00000000000000000000000000000000/consents"))
            .json(&consent_body()),
    )
    .await;
    assert_eq!(status, 404, "no such child");
}

async fn decisions_need_a_manager_of_the_deciding_agency(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let subject = new_subject(&gateway).await;
    let url = gateway.url(&format!("/v1/subjects/{subject}/consent-decisions"));
    let (status, decided) = send(person("health-health_visitor").post(&url).json(&decision_body())).await;
    assert_eq!(status, 201, "{decided}");
    assert_eq!(decided["decided_by"]["person"], "Grace Okafor");
    assert_eq!(decided["endorsement"], Value::Null);
    let _: DecisionEntry = verify(DECISION_FORMAT, &decided, &["endorsement"]);
    let endorse = gateway.url(&format!("/v1/consent-decisions/{}/endorse", decided["id"].as_str().unwrap()));

    // Another agency's decision is not theirs to see: the same 404 as an unknown id (issue 30).
    let (status, answer) = send(person("police-manager").post(&endorse).json(&json!({}))).await;
    let unknown = gateway.url(&format!("/v1/consent-decisions/{}/endorse", sharegate_core::domain::DecisionId::new()));
    let (_, unknown) = send(person("police-manager").post(&unknown).json(&json!({}))).await;
    assert_eq!((status, &answer), (404, &unknown), "{answer}");
    for (who, why) in [("health-health_visitor", "this is for managers"), ("health-dpo", "this is for managers")] {
        let (status, answer) = send(person(who).post(&endorse).json(&json!({}))).await;
        assert_eq!(status, 403, "{who}: {answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains(why), "{answer}");
    }
    // An empty body is an endorsement without comment.
    let (status, endorsed) = send(person("health-manager").post(&endorse)).await;
    assert_eq!(status, 200, "{endorsed}");
    assert_eq!(endorsed["endorsement"]["endorsed_by"]["person"], "Martin Doyle");
    let (status, again) = send(person("health-manager").post(&endorse).json(&json!({"comment": "again"}))).await;
    assert_eq!((status, again["error"]["code"].as_str()), (409, Some("duplicate")));

    // A manager cannot endorse a decision they made themselves.
    let (_, own) = send(person("health-manager").post(&url).json(&decision_body())).await;
    let own_endorse = gateway.url(&format!("/v1/consent-decisions/{}/endorse", own["id"].as_str().unwrap()));
    let (status, answer) =
        send(person("health-manager").post(&own_endorse).json(&json!({"comment": "fine by me"}))).await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("another manager"), "{answer}");

    let (_, register) =
        send(person("police-investigator").get(gateway.url(&format!("/v1/subjects/{subject}/consents")))).await;
    let decisions = register["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0]["endorsement"]["endorsed_by"]["person"], "Martin Doyle");
    assert_eq!(decisions[1]["endorsement"], Value::Null);
}

/// The database moves a child's register version at every entry of the four kinds (gateways check their copy of a
/// child's consents against it), and at nothing refused or about another child.
async fn every_register_entry_moves_the_childs_register_version(backend: Backend) {
    use sharegate_core::domain::SubjectId;
    use sharegate_gateway::store::{StoreOptions, register};
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let store = sharegate_gateway::store::open(gateway.database.url(), &StoreOptions::default()).unwrap();
    let version = |subject: &str| {
        let subject = SubjectId::parse(subject).unwrap();
        store.run_now(|conn| register::version(conn, &subject)).unwrap()
    };
    let (subject, bystander) = (new_subject(&gateway).await, new_subject(&gateway).await);
    assert_eq!(version(&subject), 0, "nothing recorded yet");

    let consents = gateway.url(&format!("/v1/subjects/{subject}/consents"));
    let (status, consent) = send(person("police-investigator").post(&consents).json(&consent_body())).await;
    assert_eq!(status, 201, "{consent}");
    assert_eq!(version(&subject), 1, "a consent");
    let withdraw = gateway.url(&format!("/v1/consents/{}/withdraw", consent["id"].as_str().unwrap()));
    let reason = json!({"reason": "Mother withdrew consent."});
    assert_eq!(send(person("health-health_visitor").post(&withdraw).json(&reason)).await.0, 200);
    assert_eq!(version(&subject), 2, "its withdrawal");
    assert_eq!(send(person("health-health_visitor").post(&withdraw).json(&reason)).await.0, 409);
    assert_eq!(version(&subject), 2, "a second withdrawal is refused and moves nothing");

    let decisions = gateway.url(&format!("/v1/subjects/{subject}/consent-decisions"));
    let (status, decided) = send(person("health-health_visitor").post(&decisions).json(&decision_body())).await;
    assert_eq!(status, 201, "{decided}");
    assert_eq!(version(&subject), 3, "a decision not to seek consent");
    let endorse = gateway.url(&format!("/v1/consent-decisions/{}/endorse", decided["id"].as_str().unwrap()));
    assert_eq!(
        send(person("police-manager").post(&endorse).json(&json!({}))).await.0,
        404,
        "another agency's decision is as unknown to police"
    );
    assert_eq!(version(&subject), 3, "a refused endorsement moves nothing");
    assert_eq!(send(person("health-manager").post(&endorse).json(&json!({}))).await.0, 200);
    assert_eq!(version(&subject), 4, "its endorsement");
    assert_eq!(version(&bystander), 0, "another child's register is untouched");
}

async fn register_input_is_checked(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let subject = new_subject(&gateway).await;
    let consents = gateway.url(&format!("/v1/subjects/{subject}/consents"));
    let decisions = gateway.url(&format!("/v1/subjects/{subject}/consent-decisions"));
    let with = |base: Value, field: &str, value: Value| {
        let mut body = base;
        body[field] = value;
        body
    };
    let cases = [
        (&consents, with(consent_body(), "categories", json!(["fire.report"])), "categories[0]"),
        (&consents, with(consent_body(), "categories", json!([])), "categories"),
        (&consents, with(consent_body(), "recipients", json!(["social_care", "fire"])), "recipients[1]"),
        (&consents, with(consent_body(), "purposes", json!(["curiosity"])), "purposes[0]"),
        (&consents, with(consent_body(), "valid_until", json!("2000-01-01T00:00:00Z")), "valid_until"),
        (
            &consents,
            with(consent_body(), "given_by", json!({"name": "Sarah", "relationship": "neighbour"})),
            "given_by.relationship",
        ),
        (&decisions, with(decision_body(), "lawful_basis", json!("consent")), "lawful_basis"),
        (&decisions, with(decision_body(), "lawful_basis", json!("because")), "lawful_basis"),
        (&decisions, with(decision_body(), "reasons", json!("")), "reasons"),
        (
            &decisions,
            with(decision_body(), "categories", json!(["health.summary", "police.incident"])),
            "categories[1]",
        ),
    ];
    for (url, body, field) in cases {
        let (status, answer) = send(person("health-health_visitor").post(url.as_str()).json(&body)).await;
        assert_eq!((status, answer["error"]["field"].as_str()), (400, Some(field)), "{body} → {answer}");
    }
    // A date alone must be a date; a competence goes with a young person's own consent only (issue 22).
    for (body, field, says) in [
        (with(consent_body(), "valid_until", json!("01/01/2099")), "valid_until", "2026-11-01"),
        (with(consent_body(), "competence", json!({"assessed_by": "Dr Amira Khan"})), "competence", "young person"),
    ] {
        let (status, answer) = send(person("health-health_visitor").post(consents.as_str()).json(&body)).await;
        assert_eq!((status, answer["error"]["field"].as_str()), (400, Some(field)), "{answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains(says), "{answer}");
    }
    // A consent that could never be used: 422, naming why.
    let never = with(consent_body(), "categories", json!(["education.attendance", "police.intelligence"]));
    let (status, answer) = send(person("health-health_visitor").post(consents.as_str()).json(&never)).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("breaks_recording_rule")), "{answer}");
    assert_eq!(answer["error"]["violations"][0]["field"], "categories[1]", "{answer}");
    let (_, register) = send(person("health-health_visitor").get(consents.as_str())).await;
    assert_eq!(
        register,
        json!({"consents": [], "decisions": [], "privacy_notices": [], "without_privacy_notice": []}),
        "nothing refused was kept"
    );

    // How it was obtained, the form, and a young person judged competent; a date alone is the start of that day.
    let mut full = with(consent_body(), "valid_until", json!("2099-01-01"));
    full["given_by"] = json!({"name": "Lily Example", "relationship": "young_person"});
    full["how_obtained"] = json!("in_person");
    full["form_reference"] = json!("CF-2026-0412");
    full["competence"] = json!({"assessed_by": "Dr Amira Khan", "notes": "Understood what would be shared and why."});
    let (status, recorded) = send(person("health-health_visitor").post(consents.as_str()).json(&full)).await;
    assert_eq!(status, 201, "{recorded}");
    assert_eq!(recorded["valid_until"], "2099-01-01T00:00:00Z");
    assert_eq!(
        recorded["obtained"],
        "how obtained: in person; consent form CF-2026-0412; the young person judged competent by Dr Amira Khan"
    );
    let (status, plain) = send(person("health-health_visitor").post(consents.as_str()).json(&consent_body())).await;
    assert_eq!((status, plain["obtained"].as_str()), (201, Some("how obtained: not recorded")), "{plain}");
}

/// A consent names who gave it and a decision why the family was not asked: each agency reads only the entries it is
/// part of (recipient, holder of a category covered, recorder or decider).
async fn each_agency_reads_only_the_part_of_the_register_it_is_in(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let subject = new_subject(&gateway).await;
    let consent = json!({"given_by": {"name": "Sarah Example", "relationship": "parent"},
        "categories": ["education.attendance"], "recipients": ["social_care"], "purposes": ["safeguarding"]});
    let url = gateway.url(&format!("/v1/subjects/{subject}/consents"));
    let (status, recorded) = send(person("social_care-social_worker").post(&url).json(&consent)).await;
    assert_eq!(status, 201, "{recorded}");
    // Nor may an agency not part of it withdraw it: the same 404 as for no such consent.
    let withdraw = gateway.url(&format!("/v1/consents/{}/withdraw", recorded["id"].as_str().unwrap()));
    let (status, refused) = send(person("police-investigator").post(&withdraw).json(&json!({"reason": "x"}))).await;
    assert_eq!(
        (status, refused["error"]["message"].as_str()),
        (404, Some("no consent with that id is in the register"))
    );
    let decisions = gateway.url(&format!("/v1/subjects/{subject}/consent-decisions"));
    assert_eq!(send(person("health-health_visitor").post(&decisions).json(&decision_body())).await.0, 201);

    for (who, sees_consent, sees_decision) in [
        ("social_care-social_worker", true, false), // recorded the consent, and receives under it
        ("education-dsl", true, false),             // holds what the consent covers
        ("health-health_visitor", false, true),     // decided, and holds mental-health records
        ("police-investigator", false, true),       // receives under the decision
        ("police-dpo", false, true),
        ("education-dpo", true, false),
    ] {
        let (status, register) = send(person(who).get(&url)).await;
        assert_eq!(status, 200, "{who}: {register}");
        let (consents, decisions) =
            (register["consents"].as_array().unwrap().len(), register["decisions"].as_array().unwrap().len());
        assert_eq!((consents, decisions), (usize::from(sees_consent), usize::from(sees_decision)), "{who}: {register}");
    }
    let (_, register) = send(person("education-dsl").get(&url)).await;
    assert_eq!(register["consents"][0]["status"], "active", "{register}");
    let (status, _) =
        send(person("education-dsl").post(&withdraw).json(&json!({"reason": "Mother told the school."}))).await;
    assert_eq!(status, 200, "the school holds what it covers");
}
