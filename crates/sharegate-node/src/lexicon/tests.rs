use super::*;

fn shipped() -> Lexicon {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/language.toml");
    Lexicon::load(&path).expect("the shipped lexicon loads")
}

fn found(lexicon: &Lexicon, text: &str) -> Vec<String> {
    lexicon.find(text).into_iter().map(|f| f.words).collect()
}

#[test]
fn the_shipped_lexicon_finds_the_judgements_in_the_issues_examples() {
    let lexicon = shipped();
    assert_eq!(
        found(&lexicon, "Mother is a typical benefits scrounger from a gypsy family and the home is a pig sty"),
        ["benefits scrounger", "pig sty"]
    );
    assert_eq!(
        found(&lexicon, "Lily is probably lying like the rest of them"),
        ["probably lying", "like the rest of them"]
    );
    assert_eq!(found(&lexicon, "Dv incident, nfa by plod. Mum says s/w is useless."), ["plod", "useless"]);
    assert_eq!(found(&lexicon, "Based on a gut feeling."), ["gut feeling"]);
}

#[test]
fn phrases_match_whole_words_in_any_case_across_punctuation_and_prefixes_match_word_starts() {
    let lexicon = shipped();
    assert_eq!(found(&lexicon, "The house was a PIG-STY; he was SCROUNGING."), ["PIG-STY", "SCROUNGING"]);
    assert_eq!(found(&lexicon, "She is a risk-taking   behaviour case"), ["risk-taking   behaviour"]);
    // Ordinary words holding a term, and a descriptive use of a word the lexicon only lists in a phrase.
    for fair in [
        "The baby was lying on the sofa.",
        "Mother says she is Gypsy and wants that recorded.",
        "Pigs were kept in a sty behind the house.",
        "The officers' report is attached.",
        "Scrabble was played.",
    ] {
        assert_eq!(found(&lexicon, fair), Vec::<String>::new(), "{fair}");
    }
    let why = &lexicon.find("hovel")[0];
    assert!(why.why.starts_with("pejorative — "), "{why:?}");
    assert!(why.suggest.starts_with("Describe what was seen"), "{why:?}");
}

#[test]
fn a_lexicon_that_cannot_be_used_is_refused_naming_the_term() {
    let path = Path::new("language.toml");
    let term = |phrases: &str| {
        format!("[[term]]\nphrases = {phrases}\nkind = \"slang\"\nwhy = \"w\"\nsuggest = \"s\"\nfrom = \"f\"\n")
    };
    let refused = |text: &str| Lexicon::parse(text, path).expect_err(text).to_string();
    assert!(refused(&term("[]")).contains("term 1"), "no phrases");
    assert!(refused(&term("[\"ab*\"]")).contains("four letters"), "a short prefix");
    assert!(refused(&term("[\"a/b\"]")).contains("more than words"), "punctuation");
    assert!(
        refused(&format!("{}{}", term("[\"x y\"]"), term("[\"X  Y\"]"))).contains("term 2 ('X  Y'): is listed twice")
    );
    assert!(refused("[[term]]\nphrases = [\"x\"]\nkind = \"rude\"\n").contains("not a lexicon"), "an unknown kind");
    assert!(refused(&term("[\"x\"]").replace("why = \"w\"", "why = \" \"")).contains("neither why"));
    assert!(Lexicon::parse(&term("[\"x y\", \"abcd*\"]"), path).is_ok());
}

/// SIGHUP's part: a changed file is in force at the next record; a broken one leaves the lexicon in force.
#[test]
fn a_reload_puts_a_changed_lexicon_in_force_and_a_broken_one_changes_nothing() {
    use sharegate_core::reload::Reloadable;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("language.toml");
    let term = |phrase: &str| {
        format!("[[term]]\nphrases = [\"{phrase}\"]\nkind = \"slang\"\nwhy = \"w\"\nsuggest = \"s\"\nfrom = \"f\"\n")
    };
    std::fs::write(&path, term("wibble")).expect("write");
    let shared = Arc::new(SharedLexicon::load(&path).expect("load"));
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let words = |shared: &SharedLexicon, text: &str| found(&shared.current(), text);

    std::fs::write(&path, term("wobble")).expect("write");
    runtime.block_on(shared.clone().reload(sharegate_core::reload::Hangup { sender: None }));
    assert_eq!(words(&shared, "wibble wobble"), ["wobble"]);
    std::fs::write(&path, "[[term]]\nphrases = []\n").expect("write");
    runtime.block_on(shared.clone().reload(sharegate_core::reload::Hangup { sender: None }));
    assert_eq!(words(&shared, "wibble wobble"), ["wobble"], "the lexicon in force stays");
}
