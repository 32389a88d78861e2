use super::*;

#[test]
fn accepts_valid_numbers_with_or_without_spaces() {
    for ok in ["9434765919", "943 476 5919", "4010232137", "9990000018"] {
        assert!(NhsNumber::parse(ok).is_ok(), "{ok}");
    }
    assert_eq!(NhsNumber::parse("943 476 5919").map(String::from), Ok("9434765919".to_owned()));
}

#[test]
fn refuses_mistyped_and_malformed_numbers() {
    let cases = [
        ("9434765918", NhsNumberError::BadCheckDigit),
        ("9434765991", NhsNumberError::BadCheckDigit),
        // remainder 1 → check digit 10: never issued.
        ("0000000060", NhsNumberError::BadCheckDigit),
        ("943476591", NhsNumberError::NotTenDigits),
        ("94347659190", NhsNumberError::NotTenDigits),
        ("943-476-5919", NhsNumberError::NotTenDigits),
        ("", NhsNumberError::NotTenDigits),
        ("９４３４７６５９１９", NhsNumberError::NotTenDigits),
        ("' OR 1=1 --", NhsNumberError::NotTenDigits),
    ];
    for (input, want) in cases {
        assert_eq!(NhsNumber::parse(input), Err(want), "{input}");
    }
}
