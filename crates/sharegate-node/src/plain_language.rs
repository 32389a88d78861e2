//! Plain language (¶16): abbreviations must be kept to a minimum and, where their meaning may be in doubt, defined.
//! A record may use an abbreviation from its agency's glossary, or one it defines itself — `ABC (what it stands
//! for)` or `what it stands for (ABC)`. Anything else is listed back to the author.
//!
//! An abbreviation is found two ways: two or more capitals (`CAMHS`, `S47A`), or — in any case — one of the
//! abbreviations safeguarding practice writes in lower case too ([`KNOWN_IN_ANY_CASE`]: `dv`, `nfa`, `s/w`, `asap`),
//! which capitals alone would miss. The glossary and a record's own definitions count in any case.

use std::collections::{BTreeMap, BTreeSet};

use sharegate_core::domain::Narrative;

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

/// Abbreviations of safeguarding and agency practice that are written in any case, found whatever their case. Words
/// that are also ordinary English (`mash`, `send`) are left to the capitals rule.
pub const KNOWN_IN_ANY_CASE: &[&str] = &[
    "a&e", "adhd", "asap", "asb", "asd", "camhs", "cce", "cin", "cla", "cp", "cpp", "cse", "da", "dsl", "dv", "ehcp",
    "gp", "hv", "icpc", "iro", "lac", "lado", "mappa", "marac", "nfa", "nok", "pc", "rcpc", "s/w", "sen", "senco",
    "sw", "taf", "yot",
];

/// An agency's glossary: abbreviation → meaning.
#[derive(Debug, Clone)]
pub struct Glossary {
    /// By the abbreviation in capitals: the abbreviation as the agency writes it, and its meaning.
    entries: BTreeMap<String, (String, Narrative)>,
}

/// What a record's texts make of the glossary.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct GlossaryUse {
    /// Abbreviations neither in the glossary nor defined in the texts, as written.
    pub undefined: Vec<String>,
    /// The glossary's entries the texts use and do not define themselves: they travel with the record.
    pub used: BTreeMap<String, Narrative>,
}

impl Glossary {
    /// Checks that each key is an abbreviation as [`abbreviations`] finds them, so no entry is dead.
    pub fn new(entries: &BTreeMap<String, String>) -> Result<Self, String> {
        let mut checked = BTreeMap::new();
        for (abbreviation, meaning) in entries {
            if !is_abbreviation(&abbreviation.replace(['/', '&'], "")) {
                return Err(format!(
                    "'{abbreviation}' is not an abbreviation (two or more capitals, digits, '/' and '&' allowed)"
                ));
            }
            if meaning.trim().is_empty() {
                return Err(format!("'{abbreviation}' has no meaning"));
            }
            let meaning = Narrative::parse(meaning.trim()).map_err(|e| format!("'{abbreviation}': its meaning {e}"))?;
            checked.insert(abbreviation.to_uppercase(), (abbreviation.clone(), meaning));
        }
        Ok(Self { entries: checked })
    }

    /// The abbreviations in `texts`: those undefined, and the glossary's entries used.
    pub fn review<'a>(&self, texts: impl IntoIterator<Item = &'a str> + Clone) -> GlossaryUse {
        let used: BTreeSet<&str> = texts.clone().into_iter().flat_map(abbreviations).collect();
        let mut review = GlossaryUse::default();
        for abbreviation in used {
            if texts.clone().into_iter().any(|text| defines(text, abbreviation)) {
                continue;
            }
            match self.entries.get(&abbreviation.to_uppercase()) {
                Some((written, meaning)) => {
                    review.used.insert(written.clone(), meaning.clone());
                }
                None => review.undefined.push(abbreviation.to_owned()),
            }
        }
        review
    }
}

/// Two or more capital letters, digits allowed: `CAMHS`, `S47A`, `GP2` — not `I`, `A`, `S47`.
fn is_abbreviation(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && word.chars().filter(char::is_ascii_uppercase).count() >= 2
}

/// The abbreviations a text uses: by the capitals rule, then those known in any case (a word may hold `/` or `&`).
fn abbreviations(text: &str) -> impl Iterator<Item = &str> {
    let by_capitals = text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|word| is_abbreviation(word));
    let known = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '/' || c == '&'))
        .map(|word| word.trim_matches(['/', '&']))
        .filter(|word| KNOWN_IN_ANY_CASE.iter().any(|known| known.eq_ignore_ascii_case(word)));
    by_capitals.chain(known)
}

/// `ABC (meaning)` or `meaning (ABC)`, with a non-empty meaning; in any case.
fn defines(text: &str, abbreviation: &str) -> bool {
    let (text, abbreviation) = (text.to_lowercase(), abbreviation.to_lowercase());
    let (text, abbreviation) = (text.as_str(), abbreviation.as_str());
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
mod tests;
