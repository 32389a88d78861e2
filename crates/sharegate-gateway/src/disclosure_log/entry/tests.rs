#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use chrono::{SubsecRound, Utc};

use super::*;
use sharegate_core::domain::{PersonName, Role};

fn entry() -> Entry {
    sample("Reviewed.")
}

/// A review entry with awkward text in it, for the log's unit tests.
pub(crate) fn sample(reason: &str) -> Entry {
    Entry {
        id: DisclosureId::new(),
        at: Utc::now().trunc_subsecs(6),
        kind: Kind::Review,
        requester: Actor {
            agency: AgencyName::parse("health").unwrap(),
            role: Role::parse("dpo").unwrap(),
            // Quotes and letters beyond ASCII must come out of the columns exactly as the writer escaped them.
            person: PersonName::parse("Siân O'Neill-Ó \"Dee\"").unwrap(),
            serial: "01".into(),
        },
        subject: SubjectId::new(),
        purpose: Purpose::parse("safeguarding").unwrap(),
        lawful_basis: LawfulBasis::parse("consent").unwrap(),
        reason: Narrative::parse(reason).unwrap(),
        meeting: None,
        policy_hash: "00".into(),
        asked: vec![Category::parse("police.intelligence").unwrap(), Category::parse("education.attendance").unwrap()],
        given: vec![],
        refused: vec![],
        agencies: vec![],
        records: vec![],
        outcome: Outcome::Granted,
        response_digest: "00".into(),
        review: Some(Review {
            disclosure: DisclosureId::new(),
            comment: Narrative::parse("Proportionate.").unwrap(),
            verdict: Some(Verdict::Breach(IncidentId::new())),
        }),
    }
}

#[test]
fn the_canonical_text_begins_with_its_head_and_reads_back_whole() {
    let entry = entry();
    let index = Index::of(&entry);
    let text = canonical(7, "ab12", &index, &serde_json::to_string(&entry).unwrap()).unwrap();
    let mut written = Vec::new();
    assert!(head(&mut written, 7, b"ab12", &index));
    assert!(text.as_bytes().starts_with(&written), "{text}");
    let mut matching = Matching::new(text.as_bytes());
    assert!(head(&mut matching, 7, b"ab12", &index));
    assert_eq!(matching.rest, &text.as_bytes()[written.len()..]);

    let logged: LoggedEntry = serde_json::from_str(&text).unwrap();
    assert_eq!((logged.seq, logged.prev.as_str()), (7, "ab12"));
    let read_back = &logged.index;
    assert_eq!(read_back, &index);
    assert_eq!(logged.entry, entry);
}

#[test]
fn the_index_says_what_the_columns_are_queried_for() {
    let entry = entry();
    let index = Index::of(&entry);
    assert_eq!(index.agencies, ",education,health,police,");
    assert_eq!(index.id, entry.id.as_str());
    assert_eq!(index.at, entry.at.timestamp_micros());
    assert_eq!(index.reviews.as_deref(), entry.review.as_ref().map(|r| r.disclosure.as_str()));
    assert_eq!((index.kind.as_str(), index.outcome.as_str()), ("review", "granted"));
}

#[test]
fn a_different_column_or_place_does_not_match() {
    let entry = entry();
    let index = Index::of(&entry);
    let text = canonical(7, "ab12", &index, &serde_json::to_string(&entry).unwrap()).unwrap();
    let matches =
        |seq, prev: &str, index: &Index<String>| head(&mut Matching::new(text.as_bytes()), seq, prev.as_bytes(), index);
    assert!(matches(7, "ab12", &index));
    assert!(!matches(8, "ab12", &index), "another place");
    assert!(!matches(7, "ab13", &index), "another predecessor");
    for changed in [
        Index { requester_person: "Siân O'Neill-Ó \"Dee\" ".into(), ..index.clone() },
        Index { requester_person: "Siân O'Neill-Ó \"Dee".into(), ..index.clone() },
        Index { requester_person: "Siân O'Neill-Ó \\\"Dee\\\"".into(), ..index.clone() },
        Index { at: index.at + 1, ..index.clone() },
        Index { agencies: ",education,health,".into(), ..index.clone() },
        Index { reviews: None, ..index.clone() },
    ] {
        assert!(!matches(7, "ab12", &changed), "{changed:?}");
    }
}

fn part(agency: &str, dropped: &[(Dropped, usize)]) -> AgencyPart {
    AgencyPart {
        agency: AgencyName::parse(agency).unwrap(),
        status: "answered".into(),
        records: 1,
        dropped: dropped.iter().copied().collect(),
        restricted: 0,
    }
}

#[test]
fn the_index_names_the_agencies_whose_nodes_sent_what_was_not_passed_on() {
    let mut entry = entry();
    entry.agencies = vec![
        part("police", &[(Dropped::BadSignature, 2)]),
        part("education", &[]),
        part("health", &[(Dropped::OtherChild, 1), (Dropped::NotARecord, 3)]),
    ];
    let index = Index::of(&entry);
    assert_eq!(index.dropped_from.as_deref(), Some(",health,police,"));
    let text = canonical(7, "ab12", &index, &serde_json::to_string(&entry).unwrap()).unwrap();
    assert!(
        text.contains(r#","reviews":"#)
            && text.contains(r#","dropped_from":",health,police,","waits_for":",,"},"entry":"#),
        "{text}"
    );
    let logged: LoggedEntry = serde_json::from_str(&text).unwrap();
    assert_eq!(logged.index, index);
    let matches = |index: &Index<String>| head(&mut Matching::new(text.as_bytes()), 7, b"ab12", index);
    assert!(matches(&index));
    assert!(!matches(&Index { dropped_from: None, ..index.clone() }), "the column emptied");
    assert!(!matches(&Index { dropped_from: Some(",police,".into()), ..index.clone() }), "an agency taken out");
}

#[test]
fn an_entry_logged_before_dropped_from_and_waits_for_were_kept_reads_as_written() {
    // Entries logged before `dropped_from` and `waits_for` existed must still match their text: without them the
    // text is exactly the old form and reads back with neither.
    let mut entry = entry();
    entry.agencies = vec![part("education", &[])];
    let index = Index { waits_for: None, ..Index::of(&entry) };
    assert_eq!(index.dropped_from, None);
    let text = canonical(7, "ab12", &index, &serde_json::to_string(&entry).unwrap()).unwrap();
    assert!(!text.contains("dropped_from") && !text.contains("waits_for"), "{text}");
    assert!(text.contains(r#"","reviews":""#) && text.contains(r#""},"entry":{"#), "{text}");
    let logged: LoggedEntry = serde_json::from_str(&text).unwrap();
    assert_eq!(logged.index, index);
    assert!(!head(
        &mut Matching::new(text.as_bytes()),
        7,
        b"ab12",
        &Index { dropped_from: Some(",education,".into()), ..index.clone() }
    ));
}

/// What a search for reviews of a verdict looks for in the log's text is how each verdict is written there; a review
/// logged before verdicts were kept reads back without one and writes out as it was.
#[test]
fn each_verdict_is_found_in_the_text_as_it_is_written() {
    for verdict in [Verdict::Appropriate, Verdict::Concern, Verdict::Breach(IncidentId::new())] {
        let review = Review {
            disclosure: DisclosureId::new(),
            comment: Narrative::parse("Seen.").unwrap(),
            verdict: Some(verdict.clone()),
        };
        let text = serde_json::to_string(&review).unwrap();
        assert!(text.contains(verdict.kind().in_text()), "{text}");
        let others = VerdictKind::ALL.into_iter().filter(|k| *k != verdict.kind());
        assert!(others.into_iter().all(|k| !text.contains(k.in_text())), "{text}");
    }
    let old = format!(r#"{{"disclosure":"{}","comment":"Seen."}}"#, DisclosureId::new());
    let review: Review = serde_json::from_str(&old).unwrap();
    assert_eq!((review.verdict.as_ref(), serde_json::to_string(&review).unwrap()), (None, old));
}
