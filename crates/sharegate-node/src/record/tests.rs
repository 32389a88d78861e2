use serde_json::{Value, json};

use super::*;
use crate::config::RetentionFrom;
use sharegate_core::error::ErrorKind;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z").expect("date").with_timezone(&Utc)
}

fn body() -> Value {
    json!({
        "subject_ref": "P-1",
        "occurred_at": "2026-11-24T09:30:00Z",
        "contact_type": "home_visit",
        "category": "police.incident",
        "statements": [
            {"kind": "fact", "text": "Officers attended after a neighbour's call."},
            {"kind": "opinion", "text": "The child appeared frightened.", "evidence": "Shaking, would not speak."}
        ],
        "sources": [{"who": "neighbour at number 4", "how": "telephone call to the control room"}],
        "retention_class": "standard"
    })
}

fn checked(body: Value) -> Result<NewRecord, ApiError> {
    let categories =
        ["police.incident", "police.intelligence"].iter().filter_map(|c| Category::parse(c).ok()).collect();
    let retention = [(
        RetentionClass::parse("standard").expect("class"),
        RetentionRule { keep_years: 6, from: RetentionFrom::RecordedAt },
    )]
    .into_iter()
    .collect();
    let glossary =
        Glossary::new(&[("GP".to_owned(), "general practitioner".to_owned())].into_iter().collect()).expect("glossary");
    let body: RecordBody = serde_json::from_value(body).expect("well-formed body");
    check(body, &RecordRules { categories: &categories, retention: &retention, glossary: &glossary }, now())
}

fn rules_broken(body: Value) -> Vec<&'static str> {
    let error = checked(body).expect_err("should break a rule");
    assert_eq!(error.kind(), ErrorKind::BreaksRecordingRule, "{error}");
    error.violations().iter().map(|v| v.rule).collect()
}

#[test]
fn a_record_keeping_every_rule_passes() {
    let record = checked(body()).expect("valid");
    assert_eq!(record.statements.len(), 2);
    assert_eq!(record.statements[1].evidence.as_ref().map(Narrative::as_str), Some("Shaking, would not speak."));
}

#[test]
fn an_opinion_needs_evidence_and_blank_evidence_is_none() {
    let mut b = body();
    b["statements"][1].as_object_mut().expect("object").remove("evidence");
    assert_eq!(rules_broken(b), vec!["opinion_needs_evidence"]);
    let mut b = body();
    b["statements"][1]["evidence"] = json!("   ");
    let error = checked(b).expect_err("blank evidence");
    assert_eq!(error.field_name(), Some("statements[1].evidence"));
    // A fact may carry evidence but need not.
    let mut b = body();
    b["statements"][0]["evidence"] = json!("call log 123");
    assert!(checked(b).is_ok());
}

#[test]
fn every_source_must_be_named() {
    let mut b = body();
    b["sources"] = json!([]);
    assert_eq!(rules_broken(b), vec!["sources_required"]);
}

#[test]
fn a_record_needs_a_statement_and_a_past_contact() {
    let mut b = body();
    b["statements"] = json!([]);
    b["occurred_at"] = json!("2026-11-26T12:00:00Z");
    assert_eq!(rules_broken(b), vec!["contact_in_future", "statement_required"]);
    let mut b = body();
    b["occurred_at"] = json!("2026-11-25T12:04:00Z");
    assert!(checked(b).is_ok(), "a few minutes of clock skew is tolerated");
}

#[test]
fn undefined_abbreviations_are_listed_each_once() {
    let mut b = body();
    b["statements"][0]["text"] = json!("Seen by the GP, CAMHS and the LADO. CAMHS to call back.");
    b["sources"][0]["how"] = json!("MASH referral");
    let error = checked(b).expect_err("undefined abbreviations");
    assert_eq!(error.violations().len(), 1);
    let message = &error.violations()[0].message;
    assert!(message.ends_with("CAMHS, LADO, MASH"), "{message}");
}

#[test]
fn every_broken_rule_is_listed_together() {
    let mut b = body();
    b["sources"] = json!([]);
    b["statements"][1].as_object_mut().expect("object").remove("evidence");
    b["statements"][0]["text"] = json!("XYZ");
    assert_eq!(rules_broken(b), vec!["opinion_needs_evidence", "sources_required", "undefined_abbreviation"]);
}

#[test]
fn closed_lists_are_400_not_422() {
    for (field, value) in
        [("category", "police.unknown"), ("category", "health.summary"), ("retention_class", "forever")]
    {
        let mut b = body();
        b[field] = json!(value);
        let error = checked(b).expect_err("closed list");
        assert_eq!((error.kind(), error.field_name()), (ErrorKind::InvalidField, Some(field)), "{error}");
    }
}
