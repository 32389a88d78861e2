use super::*;

#[test]
fn a_decision_sealed_before_people_were_recorded_reads_and_reseals_the_same() {
    let before = r#"{"event":"decision","id":"evt_01a217e2a8aa93b94decbf49f5db6110","meeting":"mtg_01a217e2a8aa93b94decbf49f5db6110","text":"The plan continues.","agreed_by":["education"],"dissent":[{"agency":"police","reason":"Too soon."}],"by":{"agency":"social_care","role":"coordinator","person":"Chris Doe","serial":"01"},"at":"2026-11-25T10:00:00Z"}"#;
    let event: MeetingEvent = sharegate_protocol::seal::open(before).unwrap();
    let MeetingEvent::Decision { agreeing, .. } = &event else { panic!("a decision: {event:?}") };
    assert!(agreeing.is_empty());
    // Its signature was made over exactly this text: serialised again, it must not change.
    assert_eq!(serde_json::to_string(&event).unwrap(), before);
}

fn created(invited: &[&str]) -> Meeting {
    let agency = |a: &str| AgencyName::parse(a).unwrap();
    let created = MeetingEvent::Created {
        meeting: MeetingId::new(),
        subject: SubjectId::new(),
        scheduled_for: Utc::now(),
        invited: invited.iter().map(|a| agency(a)).collect(),
        by: Actor {
            agency: agency("social_care"),
            role: sharegate_core::domain::Role::parse("coordinator").unwrap(),
            person: sharegate_core::domain::PersonName::parse("Chris Doe").unwrap(),
            serial: "01".to_owned(),
        },
        at: Utc::now(),
    };
    Meeting::from_events(&[(created, String::new())]).unwrap()
}

#[test]
fn a_meeting_is_unknown_to_an_agency_it_does_not_invite_even_once_closed() {
    let mut meeting = created(&["social_care", "education"]);
    let (education, health) = (AgencyName::parse("education").unwrap(), AgencyName::parse("health").unwrap());
    let subject = meeting.subject.clone();
    let week = OpensBefore(chrono::Duration::days(7));
    let standing =
        |m: &Meeting, agency: &AgencyName, subject: &SubjectId| m.standing(agency, subject, Utc::now(), week);
    assert_eq!(standing(&meeting, &education, &subject), MeetingStanding::Invited(meeting.invited.clone()));
    assert_eq!(standing(&meeting, &health, &subject), MeetingStanding::Unknown);
    assert_eq!(standing(&meeting, &education, &SubjectId::new()), MeetingStanding::Unknown, "another child's");
    meeting.closed_at = Some(Utc::now());
    assert_eq!(standing(&meeting, &education, &subject), MeetingStanding::Closed);
    assert_eq!(standing(&meeting, &health, &subject), MeetingStanding::Unknown, "closing says nothing to outsiders");
}

#[test]
fn sharing_under_a_meeting_opens_a_set_time_before_it() {
    let meeting = created(&["social_care", "education"]);
    let education = AgencyName::parse("education").unwrap();
    let week = OpensBefore(chrono::Duration::days(7));
    let opens = meeting.scheduled_for - chrono::Duration::days(7);
    let at = |t| meeting.standing(&education, &meeting.subject, t, week);
    assert_eq!(at(opens - chrono::Duration::seconds(1)), MeetingStanding::NotYetOpen(opens));
    assert_eq!(at(opens), MeetingStanding::Invited(meeting.invited.clone()));
    assert_eq!(
        at(meeting.scheduled_for + chrono::Duration::days(1)),
        MeetingStanding::Invited(meeting.invited.clone())
    );
}
