use super::*;

fn glossary() -> Glossary {
    let entries = [("GP".to_owned(), "general practitioner".to_owned())].into_iter().collect();
    Glossary::new(&entries).expect("valid glossary")
}

#[test]
fn lists_each_undefined_abbreviation_once() {
    let texts = ["Seen by the GP and CAMHS.", "Referred to MASH; CAMHS to follow up."];
    assert_eq!(glossary().undefined(texts), vec!["CAMHS", "MASH"]);
}

#[test]
fn a_record_may_define_its_own_abbreviations_either_way() {
    let texts = [
        "Discussed at the MARAC (multi-agency risk assessment conference).",
        "The multi-agency safeguarding hub (MASH) was told. MASH agreed.",
        "Later notes mention MARAC again",
    ];
    assert_eq!(glossary().undefined(texts), Vec::<String>::new());
}

#[test]
fn an_empty_definition_does_not_count() {
    assert_eq!(glossary().undefined(["Told the LADO () today.", "(IRO) joined."]), vec!["IRO", "LADO"]);
}

#[test]
fn ordinary_words_and_single_capitals_are_not_abbreviations() {
    assert_eq!(
        glossary().undefined(["I saw A. Smith at 10am; S47 enquiry opened. Mother said 'no'."]),
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
