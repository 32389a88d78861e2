//! The log in FHIR R4 (issue 29): a grant, a refusal and a consent as IHE BALP AuditEvents and a FHIR Consent,
//! checked for their meaning here and for their form by an independent FHIR implementation (`tests/fhir/validate.py`,
//! the Python `fhir.resources` models of FHIR 4.0.1).

use serde_json::{Value, json};

use crate::databases::Backend;
use crate::helpers::{BoundedOutput, person, send};

/// Each of `bundles` validated by `fhir.resources`: what it printed.
fn validated(bundles: &[(&str, &Value)]) -> String {
    let python = std::env::var("SHAREGATE_TEST_FHIR_PYTHON").expect("set where cfg(fhir_tests) is");
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<_> = bundles
        .iter()
        .map(|(name, bundle)| {
            let file = dir.path().join(format!("{name}.json"));
            std::fs::write(&file, bundle.to_string()).unwrap();
            file
        })
        .collect();
    let output =
        std::process::Command::new(python).arg("tests/fhir/validate.py").args(&files).bounded_output().unwrap();
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{printed}");
    printed
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"].as_array().map_or(Vec::new(), |entries| {
        entries.iter().map(|e| &e["resource"]).filter(|r| r["resourceType"] == kind).collect()
    })
}

fn coded<'a>(events: &[&'a Value], code: &str) -> &'a Value {
    events.iter().find(|e| e["type"]["code"] == code).unwrap_or_else(|| panic!("no AuditEvent of type {code}"))
}

#[tokio::test]
#[cfg_attr(not(fhir_tests), ignore = "SHAREGATE_TEST_FHIR_PYTHON is not set (bash .ci/run sets it)")]
async fn a_grant_a_refusal_and_a_consent_are_valid_fhir_r4_following_balp() {
    let federation = crate::sharing::federation_with(Backend::Sqlite, |_| {}).await;
    let gateway = &federation.gateway;
    let ask = json!({"subject": federation.subject, "categories": ["education.attendance"], "purpose": "safeguarding",
        "lawful_basis": "consent", "reason": "Concerns raised by the school about neglect."});
    let (status, granted) =
        send(person("social_care-social_worker").post(gateway.url("/v1/requests")).json(&ask)).await;
    assert_eq!(status, 200, "{granted}");
    let (status, refused) = send(person("police-investigator").post(gateway.url("/v1/requests")).json(&ask)).await;
    assert_eq!(status, 403, "{refused}");
    let fhir = |who: &'static str, answer: &Value| {
        let url = gateway.url(&format!("/v1/disclosures/{}/fhir", answer["disclosure_id"].as_str().unwrap()));
        async move {
            let response = person(who).get(url).send().await.unwrap();
            let status = response.status().as_u16();
            let media = response.headers()["content-type"].to_str().unwrap().to_owned();
            let body: Value = response.json().await.unwrap();
            assert_eq!(status, 200, "{body}");
            assert_eq!(media, "application/fhir+json");
            body
        }
    };

    let grant = fhir("education-dpo", &granted).await;
    let events = resources(&grant, "AuditEvent");
    assert_eq!(events.len(), 2, "the decision and the school's disclosure: {grant}");
    let decision = coded(&events, "110113");
    assert_eq!(
        (decision["subtype"][0]["code"].as_str(), decision["outcome"].as_str()),
        (Some("AuthZ-Consent"), Some("0"))
    );
    assert_eq!(decision["action"], "E");
    let disclosure = coded(&events, "110106");
    assert_eq!(
        (disclosure["subtype"][0]["code"].as_str(), disclosure["action"].as_str()),
        (Some("disclose"), Some("R"))
    );
    let agent = |code: &str| {
        disclosure["agent"].as_array().unwrap().iter().find(|a| a["type"]["coding"][0]["code"] == code).unwrap().clone()
    };
    assert_eq!(agent("159541003")["who"]["identifier"]["value"], "education", "the custodian");
    assert_eq!(agent("110152")["who"]["identifier"]["value"], "social_care", "the recipient");
    let id = granted["disclosure_id"].as_str().unwrap();
    let (_, entry) = send(person("education-dpo").get(gateway.url(&format!("/v1/disclosures/{id}")))).await;
    let user = agent("IRCP");
    assert_eq!((&user["name"], user["requestor"].as_bool()), (&entry["requester"]["person"], Some(true)), "{entry}");
    assert_eq!(disclosure["purposeOfEvent"][0]["coding"][0]["code"], "safeguarding");
    let patient = &disclosure["entity"][0];
    assert_eq!(
        (patient["role"]["code"].as_str(), patient["what"]["identifier"]["value"].as_str()),
        (Some("1"), Some(federation.subject.as_str()))
    );
    let consents = resources(&grant, "Consent");
    assert_eq!(consents.len(), 1, "{grant}");
    let consent = consents[0];
    assert_eq!(consent["status"], "active");
    assert_eq!(consent["provision"]["actor"][0]["reference"]["identifier"]["value"], "social_care");
    assert_eq!(consent["provision"]["class"].as_array().unwrap().len(), 2);
    let consent_id = consent["identifier"][0]["value"].as_str().unwrap().to_owned();
    assert_eq!(decision["entity"][1]["what"]["identifier"]["value"], consent_id.as_str(), "the decision names it");

    let refusal = fhir("police-dpo", &refused).await;
    let events = resources(&refusal, "AuditEvent");
    assert_eq!(events.len(), 1, "a decision, and nothing disclosed: {refusal}");
    assert_eq!(
        (events[0]["outcome"].as_str(), events[0]["subtype"][0]["code"].as_str()),
        (Some("8"), Some("AuthZ-Role"))
    );
    assert!(events[0]["outcomeDesc"].as_str().unwrap().contains("education.attendance"), "{refusal}");

    // Withdrawn, the consent reads inactive; a DPO of an agency not in the disclosure gets the same 404 as for none.
    let url = gateway.url(&format!("/v1/consents/{consent_id}/withdraw"));
    let (status, _) = send(person("education-dsl").post(url).json(&json!({"reason": "The family asked."}))).await;
    assert_eq!(status, 200);
    let withdrawn = fhir("social_care-dpo", &granted).await;
    assert_eq!(resources(&withdrawn, "Consent")[0]["status"], "inactive");
    let (status, _) = send(
        person("health-dpo")
            .get(gateway.url(&format!("/v1/disclosures/{}/fhir", granted["disclosure_id"].as_str().unwrap()))),
    )
    .await;
    assert_eq!(status, 404);

    // The whole log of the school's DPO as one bundle, beside the CSV.
    let response = person("education-dpo").get(gateway.url("/v1/disclosures?format=fhir")).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "application/fhir+json");
    let export: Value = response.json().await.unwrap();
    assert_eq!(resources(&export, "Consent").len(), 1, "each consent once");
    assert!(resources(&export, "AuditEvent").len() >= 3, "{export}");

    let printed =
        validated(&[("grant", &grant), ("refusal", &refusal), ("withdrawn", &withdrawn), ("export", &export)]);
    assert!(printed.contains("grant.json: valid FHIR R4 Bundle: {'AuditEvent': 2, 'Consent': 1}"), "{printed}");
    assert!(printed.contains("refusal.json: valid FHIR R4 Bundle: {'AuditEvent': 1}"), "{printed}");
    // And the validator is a real check: a resource FHIR R4 does not allow is refused, naming the file.
    let mut broken = grant.clone();
    broken["entry"][0]["resource"]["recorded"] = json!("yesterday");
    let python = std::env::var("SHAREGATE_TEST_FHIR_PYTHON").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.json");
    std::fs::write(&file, broken.to_string()).unwrap();
    let output = std::process::Command::new(python).arg("tests/fhir/validate.py").arg(&file).bounded_output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("broken.json: not valid FHIR R4"));
}
