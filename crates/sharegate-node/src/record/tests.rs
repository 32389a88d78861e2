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
            {"kind": "opinion", "text": "The child appeared frightened.", "evidence": "Shaking, would not speak.",
             "rests_on": {"statements": [0], "sources": [0]}}
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
    let lexicon = std::sync::Arc::new(
        Lexicon::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/language.toml"))
            .expect("the shipped lexicon"),
    );
    let body: RecordBody = serde_json::from_value(body).expect("well-formed body");
    check(body, &RecordRules { categories: &categories, retention: &retention, glossary: &glossary, lexicon }, now())
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
    let Statement::Opinion { evidence, rests_on, .. } = &record.statements[1] else { panic!("an opinion") };
    assert_eq!(evidence.as_str(), "Shaking, would not speak.");
    assert_eq!(rests_on, &Some(RestsOn { statements: vec![0], sources: vec![0] }));
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
    b["statements"][1]["rests_on"] = json!({"statements": [0]});
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
    // The opinion rests on source 0, which is gone too.
    assert_eq!(
        rules_broken(b),
        vec!["opinion_needs_evidence", "opinion_rests_on_nothing", "sources_required", "undefined_abbreviation"]
    );
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

fn violations(body: Value) -> Vec<Violation> {
    let error = checked(body).expect_err("should break a rule");
    assert_eq!(error.kind(), ErrorKind::BreaksRecordingRule, "{error}");
    error.violations().to_vec()
}

/// ¶15: the three statements are refused, each judgement listed beside its field with a suggestion.
#[test]
fn paragraph_15_judgemental_words_are_refused_with_a_suggestion_each() {
    let mut b = body();
    b["statements"][0]["text"] =
        json!("Mother is a typical benefits scrounger from a gypsy family and the home is a pig sty");
    b["statements"][1]["text"] = json!("Lily is probably lying like the rest of them");
    b["statements"][1]["evidence"] = json!("gut feeling");
    b["sources"][0]["who"] = json!("plod");
    let found: Vec<(String, String)> = violations(b)
        .into_iter()
        .inspect(|v| {
            assert_eq!(v.rule, "judgemental_language");
            assert!(v.suggestion.as_ref().is_some_and(|s| !s.is_empty()), "{v:?}");
            assert!(v.message.contains("(¶15)"), "{v:?}");
        })
        .map(|v| (v.field, v.found.unwrap_or_default()))
        .collect();
    let expected = [
        ("statements[0].text", "benefits scrounger"),
        ("statements[0].text", "pig sty"),
        ("statements[1].text", "probably lying"),
        ("statements[1].text", "like the rest of them"),
        ("statements[1].evidence", "gut feeling"),
        ("sources[0].who", "plod"),
    ];
    assert_eq!(found, expected.map(|(f, w)| (f.to_owned(), w.to_owned())));
}

/// ¶15 and ¶23: someone else's words, recorded verbatim with who said them, are a quote and are accepted.
#[test]
fn paragraph_15_a_quote_naming_its_source_is_someone_elses_words_and_is_accepted() {
    let mut b = body();
    b["statements"][0] = json!({"kind": "quote", "text": "The social worker is useless.", "source": "Lily's mother"});
    let record = checked(b.clone()).expect("a quote is not the author's judgement");
    assert!(matches!(&record.statements[0], Statement::Quote { source, .. } if source.as_str() == "Lily's mother"));
    // Who said it is the author's words, and must be named.
    b["statements"][0]["source"] = json!("the useless social worker");
    assert_eq!(rules_broken(b.clone()), vec!["judgemental_language"]);
    b["statements"][0].as_object_mut().expect("object").remove("source");
    let broken = violations(b);
    assert_eq!((broken[0].rule, broken[0].field.as_str()), ("quote_needs_source", "statements[0].source"));
    // A quote's words still need their abbreviations explained.
    let mut b = body();
    b["statements"][0] = json!({"kind": "quote", "text": "The SW never came.", "source": "Lily's mother"});
    assert_eq!(rules_broken(b), vec!["undefined_abbreviation"]);
}

/// ¶17: an opinion names what in the same record it rests on; facts, quotes and sources that exist.
#[test]
fn paragraph_17_an_opinion_rests_on_facts_quotes_or_sources_of_its_record() {
    let opinion_resting_on = |rests_on: Value| {
        let mut b = body();
        b["statements"][1]["rests_on"] = rests_on;
        b
    };
    for (rests_on, field) in [
        (json!(null), "statements[1].rests_on"),
        (json!({}), "statements[1].rests_on"),
        (json!({"statements": [], "sources": []}), "statements[1].rests_on"),
        (json!({"statements": [7]}), "statements[1].rests_on.statements[0]"),
        (json!({"statements": [0, 1]}), "statements[1].rests_on.statements[1]"),
        (json!({"sources": [0, 1]}), "statements[1].rests_on.sources[1]"),
    ] {
        let broken = violations(opinion_resting_on(rests_on.clone()));
        assert_eq!(broken.len(), 1, "{rests_on}: {broken:?}");
        assert_eq!((broken[0].rule, broken[0].field.as_str()), ("opinion_rests_on_nothing", field), "{rests_on}");
        assert!(broken[0].message.contains("(¶17)"), "{:?}", broken[0]);
    }
    // Either list alone will do; repeats are kept once.
    let record = checked(opinion_resting_on(json!({"sources": [0, 0]}))).expect("a source alone");
    assert!(
        matches!(&record.statements[1], Statement::Opinion { rests_on: Some(r), .. } if r.sources == [0] && r.statements.is_empty())
    );
    let mut b = body();
    b["statements"][0]["rests_on"] = json!({"statements": [1]});
    let error = serde_json::from_value::<RecordBody>(b).expect_err("only an opinion rests on something");
    assert!(error.to_string().contains("unknown field `rests_on`"), "{error}");
}

/// ¶16: the glossary's meanings for the abbreviations a record uses are kept with it.
#[test]
fn paragraph_16_the_glossary_meanings_a_record_uses_are_kept_with_it() {
    let mut b = body();
    b["statements"][0]["text"] = json!("Seen by the gp.");
    let record = checked(b).expect("GP is in the glossary");
    let glossary: Vec<(&str, &str)> = record.glossary.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(glossary, [("GP", "general practitioner")]);
    assert!(checked(body()).expect("no abbreviations").glossary.is_empty());
}
