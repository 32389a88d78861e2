//! Names that come from certificates and configuration: agencies, roles and people.

use std::fmt;

use serde::Deserialize;

/// Why a name was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("is empty")]
    Empty,
    #[error("is longer than {max} characters")]
    TooLong { max: usize },
    #[error("must be lowercase letters, digits and underscores, starting with a letter")]
    NotAToken,
    #[error("contains control characters")]
    ControlCharacters,
    #[error(
        "contains invisible or unusual spacing characters (such as a zero-width space), which could make two names look alike"
    )]
    InvisibleCharacters,
}

/// Characters that show as nothing, or as a space other than the plain one: in a person's name they would let two
/// certificates whose names look the same pass for two people.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00A0}' | '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{2000}'..='\u{200F}' | '\u{2028}'..='\u{202F}' | '\u{205F}'..='\u{206F}'
        | '\u{3000}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

const TOKEN_MAX: usize = 32;

/// `[a-z][a-z0-9_]*`, at most 32 characters: the shape of agency and role names, safe in URLs, file names and
/// policy files.
fn parse_token(s: &str) -> Result<String, NameError> {
    if s.is_empty() {
        return Err(NameError::Empty);
    }
    if s.len() > TOKEN_MAX {
        return Err(NameError::TooLong { max: TOKEN_MAX });
    }
    let mut chars = s.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    if !first_ok || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(NameError::NotAToken);
    }
    Ok(s.to_owned())
}

macro_rules! token_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, NameError> {
                parse_token(s).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        serialize_as_str!($name);

        impl TryFrom<String> for $name {
            type Error = NameError;
            fn try_from(s: String) -> Result<Self, NameError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(n: $name) -> String {
                n.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

token_newtype!(
    /// An agency of the federation: `police`, `health`, `education`, `social_care`, or one configuration adds.
    AgencyName
);
token_newtype!(
    /// A practitioner's role within their agency: `investigator`, `dsl`, `social_worker`, `manager`, `dpo`, …
    Role
);

token_newtype!(
    /// Why something is asked for: `safeguarding`, `child_protection_enquiry`, `core_group`, `crime_prevention`, …
    Purpose
);
token_newtype!(
    /// The lawful basis a request or a decision relies on: `consent`, `children_act_1989_s47`, …
    LawfulBasis
);
token_newtype!(
    /// A retention class of contact records: `standard`, `child_protection`, … (¶20).
    RetentionClass
);

/// A person's name as their certificate gives it (CN). Free text, but bounded and without control characters, so
/// it is safe in logs, CSV exports and HTML.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct PersonName(String);

serialize_as_str!(PersonName);

impl PersonName {
    pub const MAX_CHARS: usize = 128;

    pub fn parse(s: &str) -> Result<Self, NameError> {
        let trimmed = s.trim();
        if trimmed.is_empty() {
            return Err(NameError::Empty);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(NameError::TooLong { max: Self::MAX_CHARS });
        }
        if trimmed.chars().any(char::is_control) {
            return Err(NameError::ControlCharacters);
        }
        if trimmed.chars().any(invisible) || trimmed.contains("  ") {
            return Err(NameError::InvisibleCharacters);
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PersonName {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, NameError> {
        Self::parse(&s)
    }
}

impl From<PersonName> for String {
    fn from(n: PersonName) -> String {
        n.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests;
