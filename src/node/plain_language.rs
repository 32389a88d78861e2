//! Plain language (¶16): abbreviations must be kept to a minimum and, where their meaning may be in doubt, defined.
//! A record may use an abbreviation from its agency's glossary, or one it defines itself — `ABC (what it stands
//! for)` or `what it stands for (ABC)`. Anything else is listed back to the author.

use std::collections::{BTreeMap, BTreeSet};

/// The abbreviations every agency may use without defining them (config may replace the list).
pub const DEFAULT_GLOSSARY: &[(&str, &str)] = &[
    ("ADHD", "attention deficit hyperactivity disorder"),
    ("ASB", "anti-social behaviour"),
    ("ASD", "autism spectrum disorder"),
    ("CAMHS", "child and adolescent mental health services"),
    ("CCE", "child criminal exploitation"),
    ("CIN", "child in need"),
    ("CLA", "child looked after"),
    ("CP", "child protection"),
    ("CPP", "child protection plan"),
    ("CSE", "child sexual exploitation"),
    ("DA", "domestic abuse"),
    ("DSL", "designated safeguarding lead"),
    ("EHCP", "education, health and care plan"),
    ("GP", "general practitioner"),
    ("ICPC", "initial child protection conference"),
    ("LADO", "local authority designated officer"),
    ("MARAC", "multi-agency risk assessment conference"),
    ("MASH", "multi-agency safeguarding hub"),
    ("NHS", "National Health Service"),
    ("PC", "police constable"),
    ("RCPC", "review child protection conference"),
    ("SEN", "special educational needs"),
    ("SENCO", "special educational needs coordinator"),
    ("SEND", "special educational needs and disabilities"),
    ("UK", "United Kingdom"),
];

/// An agency's glossary: abbreviation → meaning.
#[derive(Debug, Clone)]
pub struct Glossary(BTreeSet<String>);

impl Glossary {
    /// Checks that each key is an abbreviation as [`abbreviations`] finds them, so no entry is dead.
    pub fn new(entries: &BTreeMap<String, String>) -> Result<Self, String> {
        for (abbreviation, meaning) in entries {
            if !is_abbreviation(abbreviation) {
                return Err(format!("'{abbreviation}' is not an abbreviation (two or more capitals, digits allowed)"));
            }
            if meaning.trim().is_empty() {
                return Err(format!("'{abbreviation}' has no meaning"));
            }
        }
        Ok(Self(entries.keys().cloned().collect()))
    }

    /// The abbreviations in `texts` that are neither in the glossary nor defined in the texts themselves.
    pub fn undefined<'a>(&self, texts: impl IntoIterator<Item = &'a str> + Clone) -> Vec<String> {
        let used: BTreeSet<&str> = texts.clone().into_iter().flat_map(abbreviations).collect();
        used.into_iter()
            .filter(|abbreviation| !self.0.contains(*abbreviation))
            .filter(|abbreviation| !texts.clone().into_iter().any(|text| defines(text, abbreviation)))
            .map(str::to_owned)
            .collect()
    }
}

/// Two or more capital letters, digits allowed: `CAMHS`, `S47A`, `GP2` — not `I`, `A`, `S47`.
fn is_abbreviation(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && word.chars().filter(char::is_ascii_uppercase).count() >= 2
}

fn abbreviations(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|word| is_abbreviation(word))
}

/// `ABC (meaning)` or `meaning (ABC)`, with a non-empty meaning.
fn defines(text: &str, abbreviation: &str) -> bool {
    let expanded_after = text.match_indices(abbreviation).any(|(at, _)| {
        let rest = text.get(at + abbreviation.len()..).unwrap_or_default().trim_start();
        rest.strip_prefix('(')
            .and_then(|inner| inner.split_once(')'))
            .is_some_and(|(meaning, _)| meaning.chars().any(char::is_alphabetic))
    });
    let expanded_before = text.match_indices(&format!("({abbreviation})")).any(|(at, _)| {
        text.get(..at).unwrap_or_default().trim_end().chars().rev().take_while(|c| *c != '.').any(char::is_alphabetic)
    });
    expanded_after || expanded_before
}

#[cfg(test)]
mod tests {
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
}
