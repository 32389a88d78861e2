//! Record categories: `<agency>.<kind>`, e.g. `police.incident`. The agency part names who holds such records;
//! need-to-know policy is written over categories.

use std::fmt;

use serde::Deserialize;

use super::{AgencyName, NameError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoryError {
    #[error("must be <agency>.<kind>, e.g. police.incident")]
    Shape,
    #[error("has an agency part that {0}")]
    Agency(NameError),
    #[error("has a kind part that {0}")]
    Kind(NameError),
}

/// The shipped categories (config may add).
pub const DEFAULT_CATEGORIES: [&str; 8] = [
    "police.incident",
    "police.intelligence",
    "health.summary",
    "health.mental_health",
    "education.attendance",
    "education.behaviour",
    "social_care.assessment",
    "social_care.plan",
];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Category {
    full: String,
    holder: AgencyName,
}

serialize_as_str!(Category);

impl Category {
    pub fn parse(s: &str) -> Result<Self, CategoryError> {
        let (agency, kind) = s.split_once('.').ok_or(CategoryError::Shape)?;
        let holder = AgencyName::parse(agency).map_err(CategoryError::Agency)?;
        // The kind has the shape of a name token; reuse its rules.
        super::Role::parse(kind).map_err(CategoryError::Kind)?;
        Ok(Self { full: s.to_owned(), holder })
    }

    /// The agency that holds records of this category.
    pub fn holder(&self) -> &AgencyName {
        &self.holder
    }

    pub fn as_str(&self) -> &str {
        &self.full
    }
}

impl TryFrom<String> for Category {
    type Error = CategoryError;
    fn try_from(s: String) -> Result<Self, CategoryError> {
        Self::parse(&s)
    }
}

impl From<Category> for String {
    fn from(c: Category) -> String {
        c.full
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

#[cfg(test)]
mod tests;
