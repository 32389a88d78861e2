use super::*;

fn glossary() -> Glossary {
    let entries = [("GP".to_owned(), "general practitioner".to_owned())].into_iter().collect();
    Glossary::new(&entries).expect("valid glossary")
}

#[test]
fn lists_each_undefined_abbreviation_once() {
    let texts = ["Seen by the GP and CAMHS.", "Referred to MASH; CAMHS to follow up."];
    assert_eq!(glossary().review(texts).undefined, vec!["CAMHS", "MASH"]);
}

#[test]
fn a_record_may_define_its_own_abbreviations_either_way() {
    let texts = [
        "Discussed at the MARAC (multi-agency risk assessment conference).",
        "The multi-agency safeguarding hub (MASH) was told. MASH agreed.",
        "Later notes mention MARAC again",
    ];
    assert_eq!(glossary().review(texts).undefined, Vec::<String>::new());
}

#[test]
fn an_empty_definition_does_not_count() {
    assert_eq!(glossary().review(["Told the LADO () today.", "(IRO) joined."]).undefined, vec!["IRO", "LADO"]);
}

#[test]
fn ordinary_words_and_single_capitals_are_not_abbreviations() {
    assert_eq!(
        glossary().review(["I saw A. Smith at 10am; S47 enquiry opened. Mother said 'no'."]).undefined,
        Vec::<String>::new()
    );
}

#[test]
fn glossary_entries_must_be_abbreviations_with_meanings() {
    let bad = [("gp".to_owned(), "x".to_owned())].into_iter().collect();
    assert!(Glossary::new(&bad).is_err());
    let empty = [("GP".to_owned(), " ".to_owned())].into_iter().collect();
    assert!(Glossary::new(&empty).is_err());
    let defaults = DEFAULT_GLOSSARY.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    assert!(Glossary::new(&defaults).is_ok());
}

/// ¶16: the abbreviations practice writes in lower case are found in any case; the glossary and a record's own
/// definitions count in any case too.
#[test]
fn paragraph_16_abbreviations_are_found_in_any_case() {
    let texts = ["Dv incident, nfa by the police. Mum says s/w is useless. Refer to camhs asap."];
    // CAMHS is in the glossary below; the rest are listed as written.
    let glossary = Glossary::new(
        &[("CAMHS".to_owned(), "child and adolescent mental health services".to_owned())].into_iter().collect(),
    )
    .unwrap();
    assert_eq!(glossary.review(texts).undefined, vec!["Dv", "asap", "nfa", "s/w"]);
    let defined = [
        "The dv (domestic violence) incident; no further action (NFA). S/W (social worker) told asap (as soon as possible).",
    ];
    assert_eq!(glossary.review(defined).undefined, Vec::<String>::new());
    // Ordinary words that happen to be abbreviations elsewhere are left alone.
    assert_eq!(glossary.review(["She helped mash the potatoes and will send a card."]).undefined, Vec::<String>::new());
    // A glossary may hold them too.
    let slash = Glossary::new(&[("S/W".to_owned(), "social worker".to_owned())].into_iter().collect()).unwrap();
    assert_eq!(slash.review(["the s/w visited"]).undefined, Vec::<String>::new());
}

/// ¶16: the meanings a record takes from its agency's glossary travel with it, as the agency writes them.
#[test]
fn paragraph_16_the_glossary_entries_a_record_uses_travel_with_it() {
    let glossary = Glossary::new(
        &[
            ("CAMHS".to_owned(), "child and adolescent mental health services".to_owned()),
            ("S/W".to_owned(), "social worker".to_owned()),
            ("GP".to_owned(), "general practitioner".to_owned()),
        ]
        .into_iter()
        .collect(),
    )
    .unwrap();
    let review = glossary.review(["Referred to camhs; the s/w told.", "The GP (family doctor) agreed."]);
    assert_eq!(review.undefined, Vec::<String>::new());
    let used: Vec<(&str, &str)> = review.used.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // The GP is defined in the record itself, in its own words: the glossary's meaning is not added.
    assert_eq!(used, [("CAMHS", "child and adolescent mental health services"), ("S/W", "social worker")]);
}
