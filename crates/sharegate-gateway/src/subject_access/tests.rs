#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use crate::disclosure_log::{GroundRef, Refused, sample};
use crate::register::Relationship;
use sharegate_core::domain::{Category, ChildName, LawfulBasis, PersonName, Role};

fn request() -> Entry {
    let mut entry = sample("Concerns raised by the school about neglect.");
    entry.kind = Kind::Request;
    entry.review = None;
    entry.at = "2026-11-20T10:05:00Z".parse().unwrap();
    entry.requester.agency = AgencyName::parse("social_care").unwrap();
    entry.requester.role = Role::parse("social_worker").unwrap();
    entry.requester.person = PersonName::parse("Chris Doe").unwrap();
    entry.given = vec![crate::disclosure_log::Given {
        category: Category::parse("education.attendance").unwrap(),
        agency: AgencyName::parse("education").unwrap(),
        ground: GroundRef::NeedToKnow,
        rule: None,
        consent: None,
    }];
    entry.refused = vec![Refused {
        category: Category::parse("police.intelligence").unwrap(),
        agency: AgencyName::parse("police").unwrap(),
        why: "no consent or recorded decision covers it.".into(),
        rule: None,
    }];
    entry
}

/// ¶28: a family reads who saw what, when and why — in words, not codes, and no "your agency".
#[test]
fn a_request_is_told_in_words_the_family_reads() {
    let told = passage(&request(), "Lily Example").unwrap();
    assert_eq!(
        told.text,
        "On 20 November 2026 at 10:05, Chris Doe, a social worker at children's social care, asked for Lily Example's \
         intelligence records held by the police and attendance records held by the school to keep Lily Example safe, \
         with consent. The reason they gave: “Concerns raised by the school about neglect”. They were given the \
         attendance records held by the school. They were not given the intelligence records held by the police: no \
         consent or recorded decision covers it."
    );
    let mut s47 = request();
    s47.lawful_basis = LawfulBasis::parse("children_act_1989_s47").unwrap();
    assert!(passage(&s47, "Lily").unwrap().text.contains("under section 47 of the Children Act 1989"));
    let review = sample("Reviewed.");
    assert_eq!(passage(&review, "Lily"), None, "a DPO's review is not the child's records seen");
}

fn drafted(texts: &[&str]) -> PackEvent {
    PackEvent::Drafted {
        pack: AccessPackId::new(),
        subject: SubjectId::new(),
        agency: AgencyName::parse("education").unwrap(),
        requested_by: GivenBy { name: ChildName::parse("Sarah Example").unwrap(), relationship: Relationship::Parent },
        passages: texts.iter().map(|t| Passage { disclosure_id: DisclosureId::new(), text: (*t).to_owned() }).collect(),
        at: Utc::now(),
        by: request().requester,
    }
}

#[test]
fn marks_withhold_words_or_whole_passages_and_only_what_is_there() {
    let mut pack =
        Pack::from_events(&[drafted(&["Asked because a neighbour, Ann, called.", "Read a meeting."])]).unwrap();
    let why = Narrative::parse("It names someone who spoke in confidence.").unwrap();
    let mark = |passage, words: Option<&str>| Withheld { passage, words: words.map(str::to_owned), why: why.clone() };
    assert_eq!(pack.check(&mark(2, None)), Err(MarkError::NoSuchPassage(2)));
    assert!(matches!(pack.check(&mark(0, Some("Bob"))), Err(MarkError::WordsNotInPassage { .. })));
    pack.withheld.push(mark(0, Some("a neighbour, Ann,")));
    pack.withheld.push(mark(1, None));
    assert_eq!(
        pack.redacted(),
        ["Asked because [withheld] called.", "[This passage is withheld; the list at the end says why.]"]
    );
    assert_eq!(Pack::from_events(&[]), None);
}
