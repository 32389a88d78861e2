//! Free text that is safe to store, log, export to CSV and print in HTML: bounded, trimmed, and without control
//! characters (narrative text may hold line breaks and tabs).

use std::fmt;

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("is longer than {max} characters")]
    TooLong { max: usize },
    #[error("contains control characters")]
    ControlCharacters,
}

fn bounded_text(s: &str, max: usize, multiline: bool) -> Result<String, TextError> {
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    if trimmed.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    let allowed = |c: char| multiline && (c == '\n' || c == '\t' || c == '\r');
    if trimmed.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(TextError::ControlCharacters);
    }
    Ok(trimmed.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $max:literal, $multiline:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(s: &str) -> Result<Self, TextError> {
                bounded_text(s, $max, $multiline).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        serialize_as_str!($name);

        impl TryFrom<String> for $name {
            type Error = TextError;
            fn try_from(s: String) -> Result<Self, TextError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_type!(
    /// A child's name as the agencies know it.
    ChildName,
    200,
    false
);
text_type!(
    /// An agency's own reference for a child (its case number, pupil number, …).
    LocalRef,
    64,
    false
);
text_type!(
    /// What kind of contact a record is about: `home_visit`, `phone call`, … (free text).
    ContactType,
    64,
    false
);
text_type!(
    /// Narrative: a statement, its evidence, a source and how it was obtained, a reason.
    Narrative,
    4000,
    true
);

#[cfg(test)]
mod tests;
