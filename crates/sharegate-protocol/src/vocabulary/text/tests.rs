use super::*;

#[test]
fn single_line_text_is_bounded_and_printable() {
    assert_eq!(ChildName::parse("  Lily Example "), Ok(ChildName("Lily Example".into())));
    assert_eq!(ChildName::parse(""), Err(TextError::Empty));
    assert_eq!(LocalRef::parse(&"x".repeat(65)), Err(TextError::TooLong { max: 64 }));
    assert_eq!(LocalRef::parse("P-1\n"), Ok(LocalRef("P-1".into())), "surrounding whitespace is trimmed");
    assert_eq!(LocalRef::parse("P-\u{7}1"), Err(TextError::ControlCharacters));
    assert_eq!(ContactType::parse("home\nvisit"), Err(TextError::ControlCharacters));
}

#[test]
fn narrative_keeps_line_breaks_but_no_other_control_characters() {
    assert!(Narrative::parse("Seen at home.\nMother present.\tCalm.").is_ok());
    assert_eq!(Narrative::parse("beep\u{7}"), Err(TextError::ControlCharacters));
    assert_eq!(Narrative::parse("  \n "), Err(TextError::Empty));
}
