//! The subject index: insert and read. A subject is never updated or deleted; an agency's link to a child (its
//! reference) is written only by [`apply_link`], with its sealed history event, in one transaction.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::register::Signed;
use super::schema::{subject_link_events, subject_local_refs, subjects};
use super::{AnyConnection, StoreError};
use crate::register::links::LinkEntry;
use sharegate_core::domain::{
    AgencyName, ChildName, LinkEventId, LocalRef, NewSubject, NhsNumber, Subject, SubjectId, SubjectKey,
};
use sharegate_core::identity::Identity;
use sharegate_protocol::seal::Seal;

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

#[derive(Queryable, Selectable)]
#[diesel(table_name = subject_local_refs)]
struct LocalRefRow {
    agency: String,
    local_ref: String,
}

/// Adds a child to the index, with the registering agency's own link if it gave one (`link`: its sealed history
/// event). A known NHS number is a duplicate, and so is a reference the agency has already linked to another child.
pub fn insert(
    conn: &mut AnyConnection,
    id: &SubjectId,
    subject: &NewSubject,
    created_by: &Identity,
    now: NaiveDateTime,
    link: Option<(&LinkEntry, &Seal)>,
) -> Result<(), StoreError> {
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
        if let Some((entry, seal)) = link {
            write_link(conn, entry, seal, None)?;
        }
        Ok(())
    })
}

/// A reference another child already has at that agency: the caller is not told which child.
const LINKED_ELSEWHERE: &str = "a link of another child to this agency's reference";

/// What became of a change to an agency's link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Done,
    /// The link is no longer what the change was made against (another change came first): nothing was written.
    Moved,
    NoSuchChild,
}

/// The agency's reference for the child now, if it has linked one.
pub fn link_of(
    conn: &mut AnyConnection,
    subject: &SubjectId,
    agency: &AgencyName,
) -> Result<Option<LocalRef>, StoreError> {
    let found: Option<String> = subject_local_refs::table
        .filter(subject_local_refs::subject_id.eq(subject.as_str()))
        .filter(subject_local_refs::agency.eq(agency.as_str()))
        .select(subject_local_refs::local_ref)
        .get_result(conn)
        .optional()?;
    found
        .map(|r| {
            LocalRef::parse(&r)
                .map_err(|_| StoreError::Corrupt(format!("subject {subject} has an unreadable local reference")))
        })
        .transpose()
}

/// Applies a sealed link change (its history event) if the agency's link is still `expected`: the current link is
/// written and the event kept, in one transaction.
pub fn apply_link(
    conn: &mut AnyConnection,
    entry: &LinkEntry,
    seal: &Seal,
    expected: Option<&LocalRef>,
) -> Result<Applied, StoreError> {
    super::write_transaction(conn, |conn| {
        if find_by_id(conn, &entry.subject)?.is_none() {
            return Ok(Applied::NoSuchChild);
        }
        let current = link_of(conn, &entry.subject, &entry.agency)?;
        if current.as_ref() != expected {
            return Ok(Applied::Moved);
        }
        write_link(conn, entry, seal, current.as_ref())?;
        Ok(Applied::Done)
    })
}

/// Writes the link as `entry` leaves it (replacing `current`) and keeps `entry` in the history.
fn write_link(
    conn: &mut AnyConnection,
    entry: &LinkEntry,
    seal: &Seal,
    current: Option<&LocalRef>,
) -> Result<(), StoreError> {
    let (subject, agency) = (entry.subject.as_str(), entry.agency.as_str());
    let this_link = subject_local_refs::table
        .filter(subject_local_refs::subject_id.eq(subject))
        .filter(subject_local_refs::agency.eq(agency));
    if current.is_some() {
        diesel::delete(this_link).execute(conn)?;
    }
    if let Some(local_ref) = entry.change.now() {
        diesel::insert_into(subject_local_refs::table)
            .values((
                subject_local_refs::subject_id.eq(subject),
                subject_local_refs::agency.eq(agency),
                subject_local_refs::local_ref.eq(local_ref.as_str()),
                subject_local_refs::linked_at.eq(Some(entry.recorded_at.naive_utc())),
                subject_local_refs::linked_by_agency.eq(Some(entry.recorded_by.agency.as_str())),
                subject_local_refs::linked_by_person.eq(Some(entry.recorded_by.person.as_str())),
                subject_local_refs::link_event.eq(Some(entry.id.as_str())),
            ))
            .execute(conn)
            .map_err(|e| match e {
                diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                    StoreError::Duplicate { what: LINKED_ELSEWHERE }
                }
                other => other.into(),
            })?;
    }
    diesel::insert_into(subject_link_events::table)
        .values((
            subject_link_events::id.eq(entry.id.as_str()),
            subject_link_events::subject_id.eq(subject),
            subject_link_events::agency.eq(agency),
            subject_link_events::recorded_at.eq(entry.recorded_at.naive_utc()),
            subject_link_events::sealed.eq(&seal.canonical),
            subject_link_events::signature.eq(&seal.signature),
        ))
        .execute(conn)?;
    Ok(())
}

/// How an agency's current link was made: by a sealed event of the history, or before links were owned (the agency
/// and person who registered the child then, whichever agency's reference it was).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentLink {
    pub local_ref: LocalRef,
    pub linked_at: Option<NaiveDateTime>,
    pub linked_by_agency: Option<String>,
    pub linked_by_person: Option<String>,
    /// None: linked before ownership, so no event of the history made it.
    pub link_event: Option<LinkEventId>,
}

/// An agency's link to a child now and its history, oldest first, each event with the gateway's signature.
pub fn link_history(
    conn: &mut AnyConnection,
    subject: &SubjectId,
    agency: &AgencyName,
) -> Result<(Option<CurrentLink>, Vec<Signed<LinkEntry>>), StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("subject {subject} has an unreadable {what}"));
    type Row = (String, Option<NaiveDateTime>, Option<String>, Option<String>, Option<String>);
    let row: Option<Row> = subject_local_refs::table
        .filter(subject_local_refs::subject_id.eq(subject.as_str()))
        .filter(subject_local_refs::agency.eq(agency.as_str()))
        .select((
            subject_local_refs::local_ref,
            subject_local_refs::linked_at,
            subject_local_refs::linked_by_agency,
            subject_local_refs::linked_by_person,
            subject_local_refs::link_event,
        ))
        .get_result(conn)
        .optional()?;
    let current = row
        .map(|(local_ref, linked_at, linked_by_agency, linked_by_person, link_event)| {
            Ok::<_, StoreError>(CurrentLink {
                local_ref: LocalRef::parse(&local_ref).map_err(|_| corrupt("local reference"))?,
                linked_at,
                linked_by_agency,
                linked_by_person,
                link_event: link_event
                    .map(|e| LinkEventId::parse(&e).map_err(|_| corrupt("link event")))
                    .transpose()?,
            })
        })
        .transpose()?;
    let events: Vec<(String, String)> = subject_link_events::table
        .filter(subject_link_events::subject_id.eq(subject.as_str()))
        .filter(subject_link_events::agency.eq(agency.as_str()))
        .order((subject_link_events::recorded_at.asc(), subject_link_events::id.asc()))
        .select((subject_link_events::sealed, subject_link_events::signature))
        .load(conn)?;
    let events = events
        .into_iter()
        .map(|(sealed, signature)| {
            let entry = sharegate_protocol::seal::open(&sealed).map_err(|_| corrupt("link history event"))?;
            Ok(Signed { entry, signature })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok((current, events))
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

/// Children already read from the index, kept between requests and checked at every use against the child's
/// version (`register_versions`), which the database moves on whenever an agency links, changes or removes its
/// reference to the child (and whenever the child's consent register changes) — so a corrected link counts from the
/// very next request, on this gateway or another sharing the database, and an unchanged child costs one small read.
///
/// Which gateway id an NHS number names never changes, so that pairing is kept without a check. The version is read
/// before the child: a copy kept under a version is never older than that version. A child not found is not
/// remembered, since it may be added at any moment (on another gateway too).
#[derive(Clone)]
pub struct SubjectCache {
    ids: Arc<quick_cache::sync::Cache<NhsNumber, SubjectId>>,
    children: Arc<quick_cache::sync::Cache<SubjectId, (i64, Arc<Subject>)>>,
}

/// A child as read now, with the version it was read at (for [`super::register::RegisterCache::consents`]).
#[derive(Debug, Clone)]
pub struct Current {
    pub subject: Arc<Subject>,
    pub version: i64,
}

impl SubjectCache {
    /// Keeps at most `capacity` children.
    pub fn new(capacity: usize) -> Self {
        Self {
            ids: Arc::new(quick_cache::sync::Cache::new(capacity)),
            children: Arc::new(quick_cache::sync::Cache::new(capacity)),
        }
    }

    /// The child as the index says now: from the cache if its version has not moved, else read (and then kept).
    pub fn find(&self, conn: &mut AnyConnection, key: &SubjectKey) -> Result<Option<Current>, StoreError> {
        let id = match key {
            SubjectKey::Id(id) => id.clone(),
            SubjectKey::Nhs(nhs) => match self.ids.get(nhs) {
                Some(id) => id,
                None => {
                    let Some(id) = id_of(conn, nhs)? else { return Ok(None) };
                    self.ids.insert(nhs.clone(), id.clone());
                    id
                }
            },
        };
        let version = super::register::version(conn, &id)?;
        if let Some((kept, subject)) = self.children.get(&id)
            && kept == version
        {
            return Ok(Some(Current { subject, version }));
        }
        let Some(subject) = find_by_id(conn, &id)?.map(Arc::new) else { return Ok(None) };
        self.children.insert(id, (version, subject.clone()));
        Ok(Some(Current { subject, version }))
    }
}

/// The gateway id of the child with this NHS number.
pub fn id_of(conn: &mut AnyConnection, nhs: &NhsNumber) -> Result<Option<SubjectId>, StoreError> {
    let id: Option<String> = subjects::table
        .filter(subjects::nhs_number.eq(nhs.as_str()))
        .select(subjects::id)
        .get_result(conn)
        .optional()?;
    id.map(|id| SubjectId::parse(&id).map_err(|_| StoreError::Corrupt(format!("subject {id} has an unreadable id"))))
        .transpose()
}

fn with_local_refs(conn: &mut AnyConnection, row: SubjectRow) -> Result<Subject, StoreError> {
    let refs: Vec<LocalRefRow> = subject_local_refs::table
        .filter(subject_local_refs::subject_id.eq(&row.id))
        .select(LocalRefRow::as_select())
        .load(conn)?;
    // Rows were checked on the way in; a row that no longer parses means the store was altered behind our back.
    let corrupt = |what: &str| StoreError::Corrupt(format!("subject {} has an unreadable {what}", row.id));
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

/// How a reader knows a child at a glance: name and NHS number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub name: String,
    pub nhs_number: String,
}

/// The names and NHS numbers of the children with these gateway ids (those the index holds), by id: one query for
/// a page of entries.
pub fn known(conn: &mut AnyConnection, ids: &[&str]) -> Result<BTreeMap<String, Known>, StoreError> {
    let rows: Vec<SubjectRow> =
        subjects::table.filter(subjects::id.eq_any(ids)).select(SubjectRow::as_select()).load(conn)?;
    Ok(rows.into_iter().map(|r| (r.id, Known { name: r.name, nhs_number: r.nhs_number })).collect())
}
