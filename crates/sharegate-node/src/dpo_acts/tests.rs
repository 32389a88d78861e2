use super::*;

fn act(act: &str, record_id: Option<&str>) -> ActRow {
    ActRow {
        id: String::new(),
        at: chrono::NaiveDateTime::default(),
        act: act.to_owned(),
        subject_ref: "P-1".to_owned(),
        record_id: record_id.map(str::to_owned),
        reason: String::new(),
        by_person: String::new(),
        by_serial: String::new(),
        sealed: String::new(),
        signature: String::new(),
    }
}

fn record(id: &str, amends: Option<&str>) -> RecordRow {
    RecordRow {
        id: id.to_owned(),
        subject_ref: "P-1".to_owned(),
        category: String::new(),
        retention_class: String::new(),
        occurred_at: chrono::NaiveDateTime::default(),
        recorded_at: chrono::NaiveDateTime::default(),
        amends: amends.map(str::to_owned),
        author_agency: String::new(),
        author_role: String::new(),
        author_person: String::new(),
        author_serial: String::new(),
        sealed: String::new(),
        signature: String::new(),
    }
}

#[test]
fn the_last_act_for_each_record_and_child_is_in_force() {
    let acts = [
        act("restrict", Some("rec_a")),
        act("restrict", Some("rec_b")),
        act("hold", None),
        act("lift_restriction", Some("rec_a")),
        act("lift_hold", None),
        act("hold", None),
    ];
    let in_force = InForce::from_acts(&acts);
    assert_eq!(in_force.restricted, BTreeSet::from(["rec_b".to_owned()]));
    assert!(in_force.held);
    assert!(in_force.withholds(&record("rec_b", None)));
    assert!(in_force.withholds(&record("rec_c", Some("rec_b"))), "an amendment goes with its original");
    assert!(!in_force.withholds(&record("rec_a", None)), "lifted");
}

#[test]
fn an_act_that_changes_nothing_is_refused() {
    let in_force = InForce::from_acts(&[act("restrict", Some("rec_01a218a8471658a4ff9f76c897652418"))]);
    let record = |id: &str| Target::Record {
        id: RecordId::parse(id).expect("id"),
        subject_ref: LocalRef::parse("P-1").expect("ref"),
    };
    let restricted = record("rec_01a218a8471658a4ff9f76c897652418");
    let other = record("rec_01a218a8471658a4ff9f76c897652419");
    let child = Target::Child(LocalRef::parse("P-1").expect("ref"));
    assert!(in_force.allows(Act::Restrict, &restricted).is_err());
    assert!(in_force.allows(Act::LiftRestriction, &restricted).is_ok());
    assert!(in_force.allows(Act::Restrict, &other).is_ok());
    assert!(in_force.allows(Act::LiftRestriction, &other).is_err());
    assert!(in_force.allows(Act::Hold, &child).is_ok());
    assert!(in_force.allows(Act::LiftHold, &child).is_err());
}
