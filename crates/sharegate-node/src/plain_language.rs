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
mod tests;
