//! The subject index: insert and read. A subject is never updated or deleted here.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{subject_local_refs, subjects};
use super::{AnyConnection, StoreError};
use crate::domain::{AgencyName, ChildName, LocalRef, NewSubject, NhsNumber, Subject, SubjectId, SubjectKey};
use crate::identity::Identity;

#[derive(Queryable, Selectable)]
#[diesel(table_name = subjects)]
struct SubjectRow {
    id: String,
    nhs_number: String,
    name: String,
    date_of_birth: NaiveDate,
}

#[derive(Insertable)]
#[diesel(table_name = subjects)]
struct NewSubjectRow<'a> {
    id: &'a str,
    nhs_number: &'a str,
    name: &'a str,
    date_of_birth: NaiveDate,
    created_at: NaiveDateTime,
    created_by_agency: &'a str,
    created_by_person: &'a str,
    created_by_serial: &'a str,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = subject_local_refs)]
struct LocalRefRow {
    subject_id: String,
    agency: String,
    local_ref: String,
}

/// Adds a child to the index. A known NHS number, or a local reference another child already has at that agency,
/// is a duplicate.
pub fn insert(
    conn: &mut AnyConnection,
    subject: &NewSubject,
    created_by: &Identity,
    now: NaiveDateTime,
) -> Result<SubjectId, StoreError> {
    let id = SubjectId::new();
    super::write_transaction(conn, |conn| {
        let known: i64 =
            subjects::table.filter(subjects::nhs_number.eq(subject.nhs_number.as_str())).count().get_result(conn)?;
        if known > 0 {
            return Err(StoreError::Duplicate { what: "a subject with this NHS number" });
        }
        diesel::insert_into(subjects::table)
            .values(NewSubjectRow {
                id: id.as_str(),
                nhs_number: subject.nhs_number.as_str(),
                name: subject.name.as_str(),
                date_of_birth: subject.date_of_birth.date(),
                created_at: now,
                created_by_agency: created_by.agency.as_str(),
                created_by_person: created_by.person.as_str(),
                created_by_serial: &created_by.serial,
            })
            .execute(conn)?;
        // One row at a time: diesel's multi-backend connection has no batch insert, and a child has few refs.
        for (agency, local_ref) in &subject.local_refs {
            let row = LocalRefRow {
                subject_id: id.to_string(),
                agency: agency.to_string(),
                local_ref: local_ref.to_string(),
            };
            diesel::insert_into(subject_local_refs::table).values(&row).execute(conn).map_err(|e| match e {
                diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                    StoreError::Duplicate { what: "another subject with this agency's local reference" }
                }
                other => other.into(),
            })?;
        }
        Ok(id.clone())
    })
}

pub fn find_by_nhs_number(conn: &mut AnyConnection, nhs: &NhsNumber) -> Result<Option<Subject>, StoreError> {
    let row = subjects::table
        .filter(subjects::nhs_number.eq(nhs.as_str()))
        .select(SubjectRow::as_select())
        .first(conn)
        .optional()?;
    row.map(|row| with_local_refs(conn, row)).transpose()
}

pub fn find_by_id(conn: &mut AnyConnection, id: &SubjectId) -> Result<Option<Subject>, StoreError> {
    let row =
        subjects::table.filter(subjects::id.eq(id.as_str())).select(SubjectRow::as_select()).first(conn).optional()?;
    row.map(|row| with_local_refs(conn, row)).transpose()
}

pub fn find(conn: &mut AnyConnection, key: &SubjectKey) -> Result<Option<Subject>, StoreError> {
    match key {
        SubjectKey::Id(id) => find_by_id(conn, id),
        SubjectKey::Nhs(nhs) => find_by_nhs_number(conn, nhs),
    }
}

/// Children already read from the index, by gateway id and by NHS number, so that a busy child's requests do not
/// each read the index again.
///
/// Sound because a subject and its local references are never updated or deleted: a copy once read stays true for
/// as long as the process runs, whichever gateway added the child. A child not found is not remembered, since it
/// may be added at any moment (on another gateway too).
#[derive(Clone)]
pub struct SubjectCache(Arc<quick_cache::sync::Cache<SubjectKey, Arc<Subject>>>);

impl SubjectCache {
    /// Keeps at most `capacity` lookups (each child takes two: by id and by NHS number).
    pub fn new(capacity: usize) -> Self {
        Self(Arc::new(quick_cache::sync::Cache::new(capacity)))
    }

    /// The child, from the cache or else from the index (and then kept).
    pub fn find(&self, conn: &mut AnyConnection, key: &SubjectKey) -> Result<Option<Arc<Subject>>, StoreError> {
        if let Some(subject) = self.0.get(key) {
            return Ok(Some(subject));
        }
        let Some(subject) = find(conn, key)?.map(Arc::new) else { return Ok(None) };
        self.0.insert(SubjectKey::Id(subject.id.clone()), subject.clone());
        self.0.insert(SubjectKey::Nhs(subject.nhs_number.clone()), subject.clone());
        Ok(Some(subject))
    }
}

fn with_local_refs(conn: &mut AnyConnection, row: SubjectRow) -> Result<Subject, StoreError> {
    let refs: Vec<LocalRefRow> = subject_local_refs::table
        .filter(subject_local_refs::subject_id.eq(&row.id))
        .select(LocalRefRow::as_select())
        .load(conn)?;
    // Rows were checked on the way in; a row that no longer parses means the store was altered behind our back.
    let corrupt = |what: &str| StoreError::Unavailable(format!("subject {} has an unreadable {what}", row.id));
    let local_refs = refs
        .into_iter()
        .map(|r| {
            Ok((
                AgencyName::parse(&r.agency).map_err(|_| corrupt("agency"))?,
                LocalRef::parse(&r.local_ref).map_err(|_| corrupt("local reference"))?,
            ))
        })
        .collect::<Result<BTreeMap<_, _>, StoreError>>()?;
    Ok(Subject {
        id: SubjectId::parse(&row.id).map_err(|_| corrupt("id"))?,
        nhs_number: NhsNumber::parse(&row.nhs_number).map_err(|_| corrupt("NHS number"))?,
        name: ChildName::parse(&row.name).map_err(|_| corrupt("name"))?,
        date_of_birth: row.date_of_birth,
        local_refs,
    })
}
