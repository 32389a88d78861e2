#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use super::*;
use crate::disclosure_log::{AgencyPart, sample};
use crate::redaction::Dropped;
use sharegate_core::domain::LawfulBasis;

fn agency(name: &str) -> AgencyName {
    AgencyName::parse(name).unwrap()
}

/// A request by police, under consent, granted, in which education's node answered.
fn request() -> Entry {
    let mut entry = sample("Checking attendance.");
    entry.kind = Kind::Request;
    entry.review = None;
    entry.agencies = vec![AgencyPart {
        agency: agency("education"),
        status: "answered".into(),
        records: 1,
        dropped: BTreeMap::new(),
        restricted: 0,
    }];
    entry
}

#[test]
fn an_entry_waits_for_a_dpo_for_what_the_review_queue_selects_it() {
    let (police, education) = (agency("police"), agency("education"));
    let granted = request();
    assert_eq!(Waiting::of(&granted, &police), []);
    assert_eq!(Waiting::of(&granted, &education), []);

    let refused = Entry { outcome: Outcome::Refused, ..request() };
    assert_eq!(Waiting::of(&refused, &education), [Waiting::Refused]);

    let s47 = LawfulBasis::parse("children_act_1989_s47").unwrap();
    let without_consent = Entry { lawful_basis: s47.clone(), outcome: Outcome::Refused, ..request() };
    assert_eq!(Waiting::of(&without_consent, &police), [Waiting::Refused, Waiting::WithoutConsent]);

    let mut forged = request();
    forged.outcome = Outcome::Partial;
    forged.agencies[0].dropped.insert(Dropped::BadSignature, 2);
    assert_eq!(Waiting::of(&forged, &education), [Waiting::NotPassedOn], "the node's own agency");
    assert_eq!(Waiting::of(&forged, &police), [], "not the requester's");

    let a_review = Entry { lawful_basis: s47, ..sample("Proportionate.") };
    assert_eq!(Waiting::of(&a_review, &police), [], "a review never waits");
}
