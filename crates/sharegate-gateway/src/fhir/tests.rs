#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use crate::disclosure_log::{AgencyPart, Given, Refused};
use sharegate_core::domain::{Category, ConsentId};

/// A request: the school's attendance given on a consent, the police's intelligence refused.
fn request() -> Entry {
    let mut entry = crate::disclosure_log::sample("Concerns raised by the school.");
    entry.kind = Kind::Request;
    entry.review = None;
    entry.outcome = Outcome::Partial;
    let education = AgencyName::parse("education").unwrap();
    let consent = ConsentId::new();
    entry.given = vec![Given {
        category: Category::parse("education.attendance").unwrap(),
        agency: education.clone(),
        ground: GroundRef::Consent(consent.clone()),
        rule: Some("policy.csv:40 (p, …)".into()),
        consent: None,
    }];
    entry.refused = vec![Refused {
        category: Category::parse("police.intelligence").unwrap(),
        agency: AgencyName::parse("police").unwrap(),
        why: "need-to-know policy does not let your role see police.intelligence".into(),
        rule: None,
    }];
    entry.agencies = vec![AgencyPart {
        agency: education,
        status: ANSWERED.into(),
        records: 2,
        dropped: Default::default(),
        restricted: 0,
    }];
    entry
}

/// Every id is a FHIR id, and no array, object or string is empty (FHIR JSON allows none).
fn well_formed(value: &Value, path: &str) {
    match value {
        Value::Array(items) => {
            assert!(!items.is_empty(), "empty array at {path}");
            items.iter().enumerate().for_each(|(i, v)| well_formed(v, &format!("{path}[{i}]")));
        }
        Value::Object(fields) => {
            assert!(!fields.is_empty(), "empty object at {path}");
            for (k, v) in fields {
                if k == "id" {
                    let id = v.as_str().unwrap();
                    assert!(
                        (1..=64).contains(&id.len())
                            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'),
                        "not a FHIR id at {path}: {id}"
                    );
                }
                well_formed(v, &format!("{path}.{k}"));
            }
        }
        Value::String(text) => assert!(!text.trim().is_empty(), "empty string at {path}"),
        Value::Null => panic!("null at {path}"),
        _ => {}
    }
}

#[test]
fn a_partial_grant_is_a_decision_and_one_disclosure_per_agency_that_answered() {
    let entry = request();
    let events = audit_events(&entry);
    assert_eq!(events.len(), 2);
    let (decision, disclosed) = (&events[0], &events[1]);
    assert_eq!(decision["type"]["code"], "110113");
    assert_eq!(decision["subtype"][0]["code"], "AuthZ-Consent");
    assert_eq!(decision["outcome"], "4");
    assert!(decision["outcomeDesc"].as_str().unwrap().contains("police.intelligence (police)"), "{decision}");
    let GroundRef::Consent(consent) = &entry.given[0].ground else { panic!("a consent") };
    assert_eq!(decision["entity"][1]["what"]["identifier"]["value"], consent.as_str());
    assert_eq!((disclosed["type"]["code"].as_str(), disclosed["action"].as_str()), (Some("110106"), Some("R")));
    assert_eq!(disclosed["subtype"][0]["code"], "disclose");
    assert_eq!(disclosed["agent"][1]["who"]["identifier"]["value"], "education");
    assert_eq!(disclosed["agent"][2]["who"]["identifier"]["value"], "health");
    well_formed(&bundle(events), "bundle");
}

#[test]
fn a_refusal_is_a_decision_only_and_a_review_nothing() {
    let mut entry = request();
    entry.outcome = Outcome::Refused;
    entry.given.clear();
    entry.agencies.clear();
    let events = audit_events(&entry);
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0]["outcome"].as_str(), events[0]["subtype"][0]["code"].as_str()),
        (Some("8"), Some("AuthZ-Role"))
    );
    well_formed(&bundle(events), "bundle");
    assert_eq!(audit_events(&crate::disclosure_log::sample("Reviewed.")), Vec::<Value>::new());
    assert_eq!(bundle(Vec::new()), json!({"resourceType": "Bundle", "type": "collection"}));
}
