//! The demo's fictional case: one child known to all four agencies, records in several categories, a consent that
//! covers some sharing, and an endorsed decision not to seek consent for another. Loaded through the public API;
//! loading again finds it there and adds nothing.

use serde_json::{Value, json};

use super::client::{DemoClient, at};
use sharegate_core::domain::SubjectId;

/// The child's NHS number (a valid test number; the child is fictional).
pub const NHS_NUMBER: &str = "9434765919";

/// Each agency's reference for the child, and the person who writes its records.
pub const LOCAL_REFS: [(&str, &str, &str); 4] = [
    ("police", "P-1001", "police-investigator"),
    ("health", "H-2002", "health-health_visitor"),
    ("education", "E-3003", "education-dsl"),
    ("social_care", "SC-4004", "social_care-social_worker"),
];

fn record(subject_ref: &str, category: &str, contact_type: &str, statements: Value, sources: Value) -> Value {
    json!({
        "subject_ref": subject_ref,
        "occurred_at": "2026-11-02T10:30:00Z",
        "contact_type": contact_type,
        "category": category,
        "statements": statements,
        "sources": sources,
        "retention_class": "standard"
    })
}

fn records_of(agency: &str, subject_ref: &str) -> Vec<(String, Value)> {
    let fact = |text: &str| json!({"kind": "fact", "text": text});
    // Each demo opinion follows the fact it rests on, and names the record's one source.
    let opinion = |text: &str, evidence: &str| json!({"kind": "opinion", "text": text, "evidence": evidence, "rests_on": {"statements": [0], "sources": [0]}});
    let quote = |text: &str, who: &str| json!({"kind": "quote", "text": text, "source": who});
    let source = |who: &str, how: &str| json!([{"who": who, "how": how}]);
    let list: Vec<(&str, &str, Value, Value)> = match agency {
        "police" => vec![
            (
                "police.incident",
                "call_out",
                json!([
                    fact(
                        "Officers attended a report of shouting at the home at 22:40. Mother and child present; no injuries seen."
                    ),
                    opinion(
                        "The child appeared frightened.",
                        "She hid behind her mother and would not speak to officers."
                    ),
                ]),
                source("a neighbour", "telephone call to the control room"),
            ),
            (
                "police.intelligence",
                "intelligence_check",
                json!([fact("An adult who visits the home is known to police for offences against children."),]),
                source("the police intelligence system", "database check"),
            ),
        ],
        "health" => vec![
            (
                "health.summary",
                "health_review",
                json!([fact("Registered with the GP; immunisations up to date; two appointments missed in October."),]),
                source("the GP practice", "practice records"),
            ),
            (
                "health.mental_health",
                "referral",
                json!([fact("Referred to CAMHS in September for anxiety; first appointment attended."),]),
                source("a CAMHS letter", "letter to the GP"),
            ),
        ],
        "education" => vec![
            (
                "education.attendance",
                "register",
                json!([fact("Attendance 82% this term: 9 sessions missed, 6 of them unauthorised."),]),
                source("the school register", "school records"),
            ),
            (
                "education.behaviour",
                "classroom",
                json!([
                    fact("Fell asleep in class twice this month."),
                    opinion(
                        "She seems tired and hungry in the mornings.",
                        "Asked the teaching assistant for breakfast on three mornings."
                    ),
                ]),
                source("her class teacher", "conversation with the DSL"),
            ),
        ],
        _ => vec![
            (
                "social_care.assessment",
                "home_visit",
                json!([
                    fact("Single assessment opened after a referral from the school. Home visited."),
                    quote("I want help getting the children to bed on time.", "the mother"),
                ]),
                source("the mother", "home visit"),
            ),
            (
                "social_care.plan",
                "planning",
                json!([fact(
                    "Child protection plan under the category of neglect. Core group to meet every six weeks."
                ),]),
                source("the initial child protection conference", "conference minutes"),
            ),
        ],
    };
    list.into_iter()
        .map(|(category, kind, statements, sources)| {
            (category.to_owned(), record(subject_ref, category, kind, statements, sources))
        })
        .collect()
}

fn expect(step: &str, got: &super::client::Answer, status: u16) -> anyhow::Result<()> {
    if got.status == status {
        Ok(())
    } else {
        Err(anyhow::anyhow!("{step}: expected {status}, got {} {}", got.status, got.body))
    }
}

/// Loads the case, skipping whatever is already there (`known`: the child, if an earlier run added them). Returns the
/// child's gateway id.
pub async fn load(client: &DemoClient, known: Option<SubjectId>) -> anyhow::Result<String> {
    let sw = "social_care-social_worker";
    let subject = if let Some(known) = known {
        known.to_string()
    } else {
        // Social care registers the child with its own reference; each other agency links its own (issue 22).
        let body = json!({"nhs_number": NHS_NUMBER, "name": "Lily Example", "date_of_birth": "2015-03-02",
            "local_refs": {"social_care": "SC-4004"}});
        let created = client.post(sw, &client.at_gateway("/v1/subjects"), &body).await?;
        expect("adding the child to the index", &created, 201)?;
        at(&created.body, "/id").as_str().unwrap_or_default().to_owned()
    };
    for (agency, subject_ref, author) in LOCAL_REFS {
        let url = client.at_gateway(&format!("/v1/subjects/{subject}/local-refs/{agency}"));
        let body =
            json!({"local_ref": subject_ref, "reason": "Matched on NHS number and date of birth in our own system."});
        let linked = client.put(author, &url, &body).await?;
        expect(&format!("{agency} linking its reference"), &linked, 200)?;
        // Each node knows its own children: it refuses a read whose reference and NHS number disagree.
        let url = client.node(agency, &format!("/v1/children/{subject_ref}"));
        let known = client.put(author, &url, &json!({"nhs_number": NHS_NUMBER})).await?;
        expect(&format!("{agency}'s node recording its child"), &known, 200)?;
    }

    for (agency, subject_ref, author) in LOCAL_REFS {
        for (category, body) in records_of(agency, subject_ref) {
            let url = client.node(agency, &format!("/v1/subjects/{subject_ref}/records?categories={category}"));
            let existing = client.get(author, &url).await?;
            if at(&existing.body, "/records").as_array().is_some_and(|r| !r.is_empty()) {
                continue;
            }
            let created = client.post(author, &client.node(agency, "/v1/records"), &body).await?;
            expect(&format!("recording {category}"), &created, 201)?;
        }
    }

    let register = client.get(sw, &client.at_gateway(&format!("/v1/subjects/{subject}/consents"))).await?;
    if at(&register.body, "/consents").as_array().is_none_or(Vec::is_empty) {
        let consent = json!({
            "given_by": {"name": "Sarah Example", "relationship": "parent"},
            "categories": ["education.attendance", "education.behaviour", "health.summary"],
            "recipients": ["social_care", "health"],
            "purposes": ["safeguarding"]
        });
        let created =
            client.post(sw, &client.at_gateway(&format!("/v1/subjects/{subject}/consents")), &consent).await?;
        expect("recording the mother's consent", &created, 201)?;
        // Social care recorded it: for the school's behaviour records and health's summary it is a claim until each
        // holder confirms it has the family's consent too (issue 30).
        let id = at(&created.body, "/id").as_str().unwrap_or_default().to_owned();
        for who in ["education-dsl", "health-health_visitor"] {
            let url = client.at_gateway(&format!("/v1/consents/{id}/confirm"));
            let body = json!({"comment": "The mother confirmed this consent to us directly."});
            let confirmed = client.post(who, &url, &body).await?;
            expect(&format!("{who} confirming the consent"), &confirmed, 200)?;
        }
    }
    // Health's decision, as health sees its part of the register (social care is not part of it).
    let health =
        client.get("health-health_visitor", &client.at_gateway(&format!("/v1/subjects/{subject}/consents"))).await?;
    let decision_id = match at(&health.body, "/decisions").as_array().and_then(|d| d.first()) {
        Some(decision) if at(decision, "/endorsement").is_object() => None,
        Some(decision) => at(decision, "/id").as_str().map(str::to_owned),
        None => {
            let decision = json!({
                "lawful_basis": "crime_and_disorder_act_1998_s115",
                "reasons": "Police are investigating an adult who visits the home; asking the family would alert him.",
                "categories": ["health.mental_health"],
                "recipients": ["police"],
                "purposes": ["crime_prevention"]
            });
            let url = client.at_gateway(&format!("/v1/subjects/{subject}/consent-decisions"));
            let created = client.post("health-health_visitor", &url, &decision).await?;
            expect("recording health's decision not to seek consent", &created, 201)?;
            at(&created.body, "/id").as_str().map(str::to_owned)
        }
    };
    if let Some(id) = decision_id {
        let url = client.at_gateway(&format!("/v1/consent-decisions/{id}/endorse"));
        let body = json!({"comment": "Agreed: seeking consent would put the investigation and the child at risk."});
        let endorsed = client.post("health-manager", &url, &body).await?;
        expect("the health manager endorsing it", &endorsed, 200)?;
    }
    Ok(subject)
}
