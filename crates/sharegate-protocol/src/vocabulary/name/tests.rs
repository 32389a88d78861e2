use super::*;

#[test]
fn tokens_accept_the_shipped_names() {
    for ok in ["police", "social_care", "health_visitor", "dpo", "a1"] {
        assert_eq!(AgencyName::parse(ok).map(|a| a.to_string()), Ok(ok.to_owned()));
    }
}

#[test]
fn tokens_refuse_what_could_escape_a_url_or_a_policy_file() {
    let cases = [
        ("", NameError::Empty),
        ("Police", NameError::NotAToken),
        ("1police", NameError::NotAToken),
        ("police,health", NameError::NotAToken),
        ("social care", NameError::NotAToken),
        ("../etc", NameError::NotAToken),
        ("p\u{e9}", NameError::NotAToken),
        ("a_very_long_agency_name_that_goes_on", NameError::TooLong { max: 32 }),
    ];
    for (input, want) in cases {
        assert_eq!(Role::parse(input), Err(want), "input {input:?}");
    }
}

#[test]
fn person_names_are_bounded_and_printable() {
    assert_eq!(PersonName::parse("  Sam Patel ").map(String::from), Ok("Sam Patel".to_owned()));
    assert_eq!(PersonName::parse("   "), Err(NameError::Empty));
    assert_eq!(PersonName::parse("a\u{0}b"), Err(NameError::ControlCharacters));
    let long = "x".repeat(129);
    assert_eq!(PersonName::parse(&long), Err(NameError::TooLong { max: 128 }));
    assert!(PersonName::parse(&"é".repeat(128)).is_ok(), "the bound counts characters, not bytes");
}

#[test]
fn person_names_with_invisible_characters_are_refused() {
    // Each would let a certificate for "Grace Okafor" with one of these pass for another person (issue 30).
    for sneaky in [
        "Grace Okafor\u{200b}",
        "Grace\u{00a0}Okafor",
        "Grace  Okafor",
        "Gr\u{200d}ace Okafor",
        "\u{feff}Grace Okafor x",
    ] {
        assert_eq!(PersonName::parse(sneaky), Err(NameError::InvisibleCharacters), "{sneaky:?}");
    }
    assert!(PersonName::parse("Siân O'Neill-Ó").is_ok(), "letters beyond ASCII are names, not tricks");
}
