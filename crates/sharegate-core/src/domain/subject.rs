//! A child in the subject index: the NHS number, name, date of birth, and each agency's own reference.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{AgencyName, ChildName, LocalRef, NhsNumber, SubjectId};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is in the future")]
pub struct DateOfBirthInTheFuture;

/// A child's date of birth: a real date, not in the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DateOfBirth(NaiveDate);

impl DateOfBirth {
    pub fn parse(date: NaiveDate, today: NaiveDate) -> Result<Self, DateOfBirthInTheFuture> {
        if date > today {
            return Err(DateOfBirthInTheFuture);
        }
        Ok(Self(date))
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

/// A subject about to be added to the index. Its links are not part of it: each agency links its own reference.
#[derive(Debug, Clone)]
pub struct NewSubject {
    pub nhs_number: NhsNumber,
    pub name: ChildName,
    pub date_of_birth: DateOfBirth,
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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
mod tests;
