use super::*;

#[test]
fn a_decision_sealed_before_people_were_recorded_reads_and_reseals_the_same() {
    let before = r#"{"event":"decision","id":"evt_01a217e2a8aa93b94decbf49f5db6110","meeting":"mtg_01a217e2a8aa93b94decbf49f5db6110","text":"The plan continues.","agreed_by":["education"],"dissent":[],"by":{"agency":"social_care","role":"coordinator","person":"Chris Doe","serial":"01"},"at":"2026-11-25T10:00:00Z"}"#;
    let event: MeetingEvent = crate::seal::open(before).unwrap();
    let MeetingEvent::Decision { agreeing, .. } = &event else { panic!("a decision: {event:?}") };
    assert!(agreeing.is_empty());
    // Its signature was made over exactly this text: serialised again, it must not change.
    assert_eq!(serde_json::to_string(&event).unwrap(), before);
}
