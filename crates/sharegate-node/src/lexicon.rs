//! Fair language (¶15: recording is factual and written in non-discriminatory, non-oppressive language): an agency's
//! lexicon of the words that turn a description into a judgement, each with why and a neutral wording to suggest.
//! A record using one is refused, each use listed beside its field with the suggestion.
//!
//! The lexicon is a TOML file (`policies/language.toml` ships a default; a node's `language` setting names its own),
//! read at start and again on SIGHUP. Words someone else said are not the author's judgement: a `quote` statement
//! (¶23) is recorded verbatim and is not checked against the lexicon.
//!
//! A phrase matches whole words in any case, across any spaces or punctuation between them (`pig sty` finds
//! "Pig-sty" and "pig  sty"); a word ending in `*` matches any word it begins (`scroung*` finds "scrounging").

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use serde::Deserialize;

/// What kind of judgement a term carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    /// Contempt for a person or their home.
    Pejorative,
    /// Treats a person by a group they belong to, or a slur for one.
    Discriminatory,
    /// Blames a child for harm done to them, or a family for what services did not do.
    Oppressive,
    /// Informal words a reader in another agency or the family may misread.
    Slang,
    /// Personal rather than professional judgement (¶17).
    PersonalJudgement,
}

impl TermKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Pejorative => "pejorative",
            Self::Discriminatory => "discriminatory",
            Self::Oppressive => "oppressive",
            Self::Slang => "slang",
            Self::PersonalJudgement => "personal rather than professional judgement",
        }
    }
}

/// One entry of a lexicon file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TermFile {
    phrases: Vec<String>,
    kind: TermKind,
    why: String,
    suggest: String,
    /// Where the entry comes from (a published guide, the policy's paragraph): documentation, not checked.
    #[serde(rename = "from")]
    _from: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    term: Vec<TermFile>,
}

/// A phrase's words, lower case; the last may be a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Phrase {
    words: Vec<String>,
    /// The last word matches any word it begins.
    prefix: bool,
}

#[derive(Debug)]
struct Term {
    phrases: Vec<Phrase>,
    kind: TermKind,
    why: String,
    suggest: String,
}

/// The terms an agency's records may not use outside a quote.
#[derive(Debug)]
pub struct Lexicon {
    terms: Vec<Term>,
}

/// A use of a lexicon term in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The words as written.
    pub words: String,
    /// Why they may not be used, naming the kind of term.
    pub why: String,
    pub suggest: String,
}

/// A lexicon file that cannot be used, naming the entry at fault.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    #[error("cannot read the lexicon {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the lexicon {path} is not a lexicon: {reason}")]
    Malformed { path: PathBuf, reason: String },
    #[error("the lexicon {path}, term {term} ('{phrase}'): {reason}")]
    Term { path: PathBuf, term: usize, phrase: String, reason: &'static str },
}

/// A phrase may not be so short that it finds ordinary words inside others.
const SHORTEST_PREFIX: usize = 4;

impl Lexicon {
    pub fn load(path: &Path) -> Result<Self, LexiconError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| LexiconError::Read { path: path.to_owned(), source })?;
        Self::parse(&text, path)
    }

    /// Reads a lexicon's text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, LexiconError> {
        let file: LexiconFile = toml::from_str(text)
            .map_err(|e| LexiconError::Malformed { path: path.to_owned(), reason: e.message().to_owned() })?;
        let mut seen = BTreeSet::new();
        let mut terms = Vec::with_capacity(file.term.len());
        for (index, term) in file.term.into_iter().enumerate() {
            let fault = |phrase: &str, reason| LexiconError::Term {
                path: path.to_owned(),
                term: index + 1,
                phrase: phrase.to_owned(),
                reason,
            };
            let Some(first) = term.phrases.first() else {
                return Err(fault("", "no phrases"));
            };
            if term.why.trim().is_empty() || term.suggest.trim().is_empty() {
                return Err(fault(first, "says neither why nor what to write instead"));
            }
            let mut phrases = Vec::with_capacity(term.phrases.len());
            for written in &term.phrases {
                let phrase = Phrase::parse(written).map_err(|reason| fault(written, reason))?;
                if !seen.insert((phrase.words.clone(), phrase.prefix)) {
                    return Err(fault(written, "is listed twice"));
                }
                phrases.push(phrase);
            }
            terms.push(Term { phrases, kind: term.kind, why: term.why, suggest: term.suggest });
        }
        Ok(Self { terms })
    }

    /// Every use of a term in `text`, in the order written; where phrases overlap, the longest.
    pub fn find(&self, text: &str) -> Vec<Found> {
        let words = words(text);
        let mut found = Vec::new();
        let mut rest = words.as_slice();
        while let Some(first) = rest.first() {
            let longest = self
                .terms
                .iter()
                .flat_map(|term| term.phrases.iter().map(move |phrase| (term, phrase)))
                .filter_map(|(term, phrase)| Some((term, phrase.matches(rest)?)))
                .max_by_key(|(_, matched)| matched.len());
            let Some((term, matched)) = longest else {
                rest = rest.get(1..).unwrap_or_default();
                continue;
            };
            let end = matched.last().map_or(first.end, |last| last.end);
            found.push(Found {
                words: text.get(first.start..end).unwrap_or_default().to_owned(),
                why: format!("{} — {}", term.kind.describe(), term.why.trim()),
                suggest: term.suggest.trim().to_owned(),
            });
            rest = rest.get(matched.len()..).unwrap_or_default();
        }
        found
    }
}

impl Phrase {
    fn parse(written: &str) -> Result<Self, &'static str> {
        let (body, prefix) = match written.trim().strip_suffix('*') {
            Some(body) => (body, true),
            None => (written.trim(), false),
        };
        let parsed: Vec<String> = words(body).into_iter().map(|word| word.lower).collect();
        let rejoined = parsed.join(" ");
        if parsed.is_empty() {
            return Err("is empty");
        }
        if rejoined != body.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ") {
            return Err("holds more than words and spaces (and a final '*')");
        }
        if prefix && parsed.last().is_some_and(|last| last.chars().count() < SHORTEST_PREFIX) {
            return Err("a prefix ending in '*' needs at least four letters");
        }
        Ok(Self { words: parsed, prefix })
    }

    /// The words at the start of `words` that this phrase matches, if it does.
    fn matches<'w>(&self, words: &'w [Word]) -> Option<&'w [Word]> {
        let candidate = words.get(..self.words.len())?;
        let last = self.words.len().saturating_sub(1);
        let all = self.words.iter().zip(candidate).enumerate().all(|(i, (want, word))| {
            if self.prefix && i == last { word.lower.starts_with(want) } else { word.lower == *want }
        });
        all.then_some(candidate)
    }
}

/// A word of a text: letters and digits, an apostrophe inside (`didn't`) kept; where it stands, and lower case.
struct Word {
    start: usize,
    end: usize,
    lower: String,
}

fn words(text: &str) -> Vec<Word> {
    let mut found: Vec<Word> = Vec::new();
    let mut current: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let inner_apostrophe = matches!(c, '\'' | '’')
            && current.is_some()
            && chars.peek().is_some_and(|(_, next)| next.is_alphanumeric());
        if c.is_alphanumeric() || inner_apostrophe {
            current.get_or_insert(at);
        } else if let Some(start) = current.take() {
            found.push(Word { start, end: at, lower: normalise(&text[start..at]) });
        }
    }
    if let Some(start) = current {
        found.push(Word { start, end: text.len(), lower: normalise(&text[start..]) });
    }
    found
}

fn normalise(word: &str) -> String {
    word.to_lowercase().replace('’', "'")
}

/// The lexicon in force, replaced whole when SIGHUP reads its file again; a file that fails leaves the old one.
pub struct SharedLexicon {
    current: RwLock<Arc<Lexicon>>,
    path: PathBuf,
}

impl SharedLexicon {
    pub fn load(path: &Path) -> Result<Self, LexiconError> {
        Ok(Self { current: RwLock::new(Arc::new(Lexicon::load(path)?)), path: path.to_owned() })
    }

    pub fn current(&self) -> Arc<Lexicon> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl sharegate_core::reload::Reloadable for SharedLexicon {
    fn reload(self: Arc<Self>, _: sharegate_core::reload::Hangup) -> futures_util::future::BoxFuture<'static, ()> {
        Box::pin(async move {
            match Lexicon::load(&self.path) {
                Ok(lexicon) => {
                    let terms = lexicon.terms.len();
                    *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(lexicon);
                    tracing::info!(path = %self.path.display(), terms, "lexicon reloaded");
                }
                Err(e) => tracing::error!(error = %e, "lexicon reload failed; the previous lexicon stays in force"),
            }
        })
    }
}

#[cfg(test)]
mod tests;
