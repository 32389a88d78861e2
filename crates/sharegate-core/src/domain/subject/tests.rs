use super::*;

#[test]
fn a_date_of_birth_cannot_be_in_the_future() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let tomorrow = today.succ_opt().expect("date");
    assert!(DateOfBirth::parse(today, today).is_ok());
    assert_eq!(DateOfBirth::parse(tomorrow, today), Err(DateOfBirthInTheFuture));
}

#[test]
fn a_subject_key_is_an_id_or_an_nhs_number() {
    let id = SubjectId::new();
    assert_eq!(SubjectKey::parse(id.as_str()), Ok(SubjectKey::Id(id)));
    assert!(matches!(SubjectKey::parse("943 476 5919"), Ok(SubjectKey::Nhs(_))));
    assert_eq!(SubjectKey::parse("sub_nope"), Err(SubjectKeyError));
    assert_eq!(SubjectKey::parse("9434765918"), Err(SubjectKeyError));
}
