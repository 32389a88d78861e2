//! A child in the subject index: the NHS number, name, date of birth, and each agency's own reference.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{AgencyName, NhsNumber, SubjectId};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubjectError {
    #[error("must not be empty")]
    Empty,
    #[error("is longer than {max} characters")]
    TooLong { max: usize },
    #[error("contains control characters")]
    ControlCharacters,
    #[error("is in the future")]
    InTheFuture,
}

/// Bounded free text without control characters: names and references.
fn bounded_text(s: &str, max: usize) -> Result<String, SubjectError> {
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return Err(SubjectError::Empty);
    }
    if trimmed.chars().count() > max {
        return Err(SubjectError::TooLong { max });
    }
    if trimmed.chars().any(char::is_control) {
        return Err(SubjectError::ControlCharacters);
    }
    Ok(trimmed.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(s: &str) -> Result<Self, SubjectError> {
                bounded_text(s, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = SubjectError;
            fn try_from(s: String) -> Result<Self, SubjectError> {
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
    200
);
text_type!(
    /// An agency's own reference for a child (its case number, pupil number, …).
    LocalRef,
    64
);

/// A child's date of birth: a real date, not in the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DateOfBirth(NaiveDate);

impl DateOfBirth {
    pub fn parse(date: NaiveDate, today: NaiveDate) -> Result<Self, SubjectError> {
        if date > today {
            return Err(SubjectError::InTheFuture);
        }
        Ok(Self(date))
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

/// A subject about to be added to the index.
#[derive(Debug, Clone)]
pub struct NewSubject {
    pub nhs_number: NhsNumber,
    pub name: ChildName,
    pub date_of_birth: DateOfBirth,
    pub local_refs: BTreeMap<AgencyName, LocalRef>,
}

/// A subject in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub id: SubjectId,
    pub nhs_number: NhsNumber,
    pub name: ChildName,
    pub date_of_birth: NaiveDate,
    pub local_refs: BTreeMap<AgencyName, LocalRef>,
}

/// How a request names a child: the gateway id, or the NHS number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectKey {
    Id(SubjectId),
    Nhs(NhsNumber),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a subject id (sub_…) or a valid NHS number")]
pub struct SubjectKeyError;

impl SubjectKey {
    pub fn parse(s: &str) -> Result<Self, SubjectKeyError> {
        if s.starts_with(SubjectId::PREFIX) {
            SubjectId::parse(s).map(Self::Id).map_err(|_| SubjectKeyError)
        } else {
            NhsNumber::parse(s).map(Self::Nhs).map_err(|_| SubjectKeyError)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_refs_are_bounded_printable_text() {
        assert_eq!(ChildName::parse("  Lily Example "), Ok(ChildName("Lily Example".into())));
        assert_eq!(ChildName::parse(""), Err(SubjectError::Empty));
        assert_eq!(LocalRef::parse(&"x".repeat(65)), Err(SubjectError::TooLong { max: 64 }));
        assert_eq!(LocalRef::parse("P-1\n"), Ok(LocalRef("P-1".into())), "surrounding whitespace is trimmed");
        assert_eq!(LocalRef::parse("P-\u{7}1"), Err(SubjectError::ControlCharacters));
    }

    #[test]
    fn a_date_of_birth_cannot_be_in_the_future() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        let tomorrow = today.succ_opt().expect("date");
        assert!(DateOfBirth::parse(today, today).is_ok());
        assert_eq!(DateOfBirth::parse(tomorrow, today), Err(SubjectError::InTheFuture));
    }

    #[test]
    fn a_subject_key_is_an_id_or_an_nhs_number() {
        let id = SubjectId::new();
        assert_eq!(SubjectKey::parse(id.as_str()), Ok(SubjectKey::Id(id)));
        assert!(matches!(SubjectKey::parse("943 476 5919"), Ok(SubjectKey::Nhs(_))));
        assert_eq!(SubjectKey::parse("sub_nope"), Err(SubjectKeyError));
        assert_eq!(SubjectKey::parse("9434765918"), Err(SubjectKeyError));
    }
}
