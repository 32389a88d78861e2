//! A node's contact records: insert, read, and removal by retention only (each removal leaves a tombstone first).
//! There is no update function; the database refuses updates too.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::schema::{node_children, record_tombstones, records};
use super::{AnyConnection, StoreError};

/// A record as the node stores it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = records)]
pub struct RecordRow {
    pub id: String,
    pub subject_ref: String,
    pub category: String,
    pub retention_class: String,
    pub occurred_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
    pub amends: Option<String>,
    pub author_agency: String,
    pub author_role: String,
    pub author_person: String,
    pub author_serial: String,
    pub sealed: String,
    pub signature: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = record_tombstones)]
pub struct TombstoneRow {
    pub record_id: String,
    pub sealed_sha256: String,
    pub category: String,
    pub retention_class: String,
    pub removed_at: NaiveDateTime,
    pub rule: String,
}

pub fn insert(conn: &mut AnyConnection, row: &RecordRow) -> Result<(), StoreError> {
    diesel::insert_into(records::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<RecordRow>, StoreError> {
    Ok(records::table.filter(records::id.eq(id)).select(RecordRow::as_select()).first(conn).optional()?)
}

/// A child's records in the given categories: each original (by when the contact happened) followed by its
/// amendments in the order they were recorded.
pub fn for_subject(
    conn: &mut AnyConnection,
    subject_ref: &str,
    categories: &[String],
) -> Result<Vec<RecordRow>, StoreError> {
    // One query per category, not one with `IN (…)`: the statement's text is then the same for every read, so it
    // is prepared once per connection instead of parsed and planned anew each time (a read's largest cost).
    let mut rows = Vec::new();
    for category in categories {
        rows.extend(
            records::table
                .filter(records::subject_ref.eq(subject_ref))
                .filter(records::category.eq(category))
                .select(RecordRow::as_select())
                .load(conn)?,
        );
    }
    rows.sort_by(|a, b| (a.occurred_at, a.recorded_at, &a.id).cmp(&(b.occurred_at, b.recorded_at, &b.id)));
    Ok(originals_then_amendments(rows))
}

/// Orders rows (sorted by occurrence) as each original followed by its amendments by recording time.
fn originals_then_amendments(rows: Vec<RecordRow>) -> Vec<RecordRow> {
    let (originals, mut amendments): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.amends.is_none());
    amendments.sort_by(|a, b| (a.recorded_at, &a.id).cmp(&(b.recorded_at, &b.id)));
    let mut ordered = Vec::with_capacity(originals.len() + amendments.len());
    for original in originals {
        let id = original.id.clone();
        ordered.push(original);
        ordered.extend(amendments.iter().filter(|a| a.amends.as_deref() == Some(id.as_str())).cloned());
    }
    ordered
}

/// Up to `limit` records after `after` in id order: for walking the whole store in constant memory.
pub fn page(conn: &mut AnyConnection, after: Option<&str>, limit: i64) -> Result<Vec<RecordRow>, StoreError> {
    let mut query = records::table.select(RecordRow::as_select()).order(records::id.asc()).limit(limit).into_boxed();
    if let Some(after) = after {
        query = query.filter(records::id.gt(after.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// What a retention period counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountFrom {
    Occurred,
    Recorded,
    /// The child's date of birth, as the node's own practitioners recorded it.
    Birth,
}

/// Originals of a retention class whose counting date is before `cutoff`, each followed by its amendments. Counted
/// from the date of birth, a child whose date of birth is not recorded has nothing expired.
pub fn expired(
    conn: &mut AnyConnection,
    retention_class: &str,
    from: CountFrom,
    cutoff: NaiveDateTime,
) -> Result<Vec<RecordRow>, StoreError> {
    let originals = records::table
        .filter(records::retention_class.eq(retention_class))
        .filter(records::amends.is_null())
        .select(RecordRow::as_select())
        .order(records::id.asc())
        .into_boxed();
    let originals: Vec<RecordRow> = match from {
        CountFrom::Occurred => originals.filter(records::occurred_at.lt(cutoff)).load(conn)?,
        CountFrom::Recorded => originals.filter(records::recorded_at.lt(cutoff)).load(conn)?,
        CountFrom::Birth => {
            let born_before = node_children::table
                .filter(node_children::date_of_birth.lt(cutoff.date()))
                .select(node_children::local_ref);
            originals.filter(records::subject_ref.eq_any(born_before)).load(conn)?
        }
    };
    let ids: Vec<String> = originals.iter().map(|r| r.id.clone()).collect();
    let amendments: Vec<RecordRow> =
        records::table.filter(records::amends.eq_any(&ids)).select(RecordRow::as_select()).load(conn)?;
    Ok(originals_then_amendments(originals.into_iter().chain(amendments).collect()))
}

/// How many originals of a retention class belong to children whose date of birth is not recorded.
pub fn without_birth_date(conn: &mut AnyConnection, retention_class: &str) -> Result<usize, StoreError> {
    let dated =
        node_children::table.filter(node_children::date_of_birth.is_not_null()).select(node_children::local_ref);
    let count: i64 = records::table
        .filter(records::retention_class.eq(retention_class))
        .filter(records::amends.is_null())
        .filter(records::subject_ref.ne_all(dated))
        .count()
        .get_result(conn)?;
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}

/// The hash a tombstone keeps of a removed record: SHA-256 over its signed text and signature.
pub fn sealed_hash(row: &RecordRow) -> String {
    let mut hasher = Sha256::new();
    hasher.update(row.sealed.as_bytes());
    hasher.update(b"\n");
    hasher.update(row.signature.as_bytes());
    hex::encode(hasher.finalize())
}

/// Removes records, amendments before their originals, leaving a tombstone for each, all in one transaction.
pub fn remove(
    conn: &mut AnyConnection,
    rows: &[RecordRow],
    removed_at: NaiveDateTime,
    rule: &str,
) -> Result<Vec<TombstoneRow>, StoreError> {
    conn.transaction(|conn| {
        let mut tombstones = Vec::with_capacity(rows.len());
        for row in rows.iter().filter(|r| r.amends.is_some()).chain(rows.iter().filter(|r| r.amends.is_none())) {
            let tombstone = TombstoneRow {
                record_id: row.id.clone(),
                sealed_sha256: sealed_hash(row),
                category: row.category.clone(),
                retention_class: row.retention_class.clone(),
                removed_at,
                rule: rule.to_owned(),
            };
            diesel::insert_into(record_tombstones::table).values(&tombstone).execute(conn)?;
            diesel::delete(records::table.filter(records::id.eq(&row.id))).execute(conn)?;
            tombstones.push(tombstone);
        }
        Ok(tombstones)
    })
}

pub fn tombstones(conn: &mut AnyConnection) -> Result<Vec<TombstoneRow>, StoreError> {
    Ok(record_tombstones::table
        .select(TombstoneRow::as_select())
        .order((record_tombstones::removed_at.asc(), record_tombstones::record_id.asc()))
        .load(conn)?)
}

/// Whether the node holds any record of a child.
pub fn any_for_subject(conn: &mut AnyConnection, subject_ref: &str) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(records::table.filter(records::subject_ref.eq(subject_ref))))
        .get_result(conn)?)
}

/// How many records a child has in each of the given categories (originals and amendments), without content; in
/// category order. One prepared count per category, as in [`for_subject`].
pub fn holdings(
    conn: &mut AnyConnection,
    subject_ref: &str,
    categories: &[String],
) -> Result<Vec<(String, i64)>, StoreError> {
    let mut held = Vec::with_capacity(categories.len());
    for category in categories {
        let count: i64 = records::table
            .filter(records::subject_ref.eq(subject_ref))
            .filter(records::category.eq(category))
            .count()
            .get_result(conn)?;
        held.push((category.clone(), count));
    }
    held.sort();
    Ok(held)
}
