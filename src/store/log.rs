//! The disclosure log's rows: entries, block hashes, checkpoints and the head. Entries, blocks and checkpoints are
//! insert-only (the database refuses updates and deletes); the head row is what writers lock and move.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{log_blocks, log_checkpoints, log_entries, log_head};
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = log_entries)]
pub struct LogRow {
    pub seq: i64,
    pub id: String,
    pub at: NaiveDateTime,
    pub kind: String,
    pub subject_id: String,
    pub requester_agency: String,
    pub requester_person: String,
    pub purpose: String,
    pub lawful_basis: String,
    pub outcome: String,
    pub agencies: String,
    pub canonical: String,
    pub leaf_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = log_checkpoints)]
pub struct CheckpointRow {
    pub size: i64,
    pub root: String,
    pub at: NaiveDateTime,
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = log_head)]
pub struct HeadRow {
    pub size: i64,
    pub last_hash: String,
    pub frontier: String,
}

/// Runs `work` in one transaction holding the log's write lock. Its first statement writes the head row: SQLite
/// then holds its write lock, PostgreSQL the row's lock, so writers — in one gateway or several sharing a database —
/// append one batch at a time and the chain stays one chain.
pub fn with_head_locked<T>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection, HeadRow) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.transaction(|conn| {
        diesel::update(log_head::table.filter(log_head::id.eq(1)))
            .set(log_head::size.eq(log_head::size))
            .execute(conn)?;
        let head = log_head::table.select(HeadRow::as_select()).first(conn)?;
        work(conn, head)
    })
}

pub fn head(conn: &mut AnyConnection) -> Result<HeadRow, StoreError> {
    Ok(log_head::table.select(HeadRow::as_select()).first(conn)?)
}

pub fn set_head(conn: &mut AnyConnection, head: &HeadRow) -> Result<(), StoreError> {
    diesel::update(log_head::table.filter(log_head::id.eq(1)))
        .set((
            log_head::size.eq(head.size),
            log_head::last_hash.eq(&head.last_hash),
            log_head::frontier.eq(&head.frontier),
        ))
        .execute(conn)?;
    Ok(())
}

/// Inserts a batch of entries in as few statements as the backend allows: one round trip per few hundred rows on
/// PostgreSQL, one statement per few hundred rows on SQLite. (diesel's multi-backend connection has no batch
/// insert, so this goes to the concrete connection.)
pub fn insert_entries(conn: &mut AnyConnection, rows: &[LogRow]) -> Result<(), StoreError> {
    // 13 columns × 500 rows stays well under both backends' limits on bound parameters.
    for chunk in rows.chunks(500) {
        match conn {
            AnyConnection::Sqlite(c) => diesel::insert_into(log_entries::table).values(chunk).execute(c)?,
            AnyConnection::Postgres(c) => diesel::insert_into(log_entries::table).values(chunk).execute(c)?,
        };
    }
    Ok(())
}

pub fn insert_block(conn: &mut AnyConnection, idx: i64, hash: &str) -> Result<(), StoreError> {
    diesel::insert_into(log_blocks::table)
        .values((log_blocks::idx.eq(idx), log_blocks::hash.eq(hash)))
        .execute(conn)?;
    Ok(())
}

pub fn insert_checkpoint(conn: &mut AnyConnection, row: &CheckpointRow) -> Result<(), StoreError> {
    diesel::insert_into(log_checkpoints::table).values(row).execute(conn)?;
    Ok(())
}

pub fn latest_checkpoint(conn: &mut AnyConnection) -> Result<Option<CheckpointRow>, StoreError> {
    Ok(log_checkpoints::table
        .order(log_checkpoints::size.desc())
        .select(CheckpointRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn checkpoints(conn: &mut AnyConnection) -> Result<Vec<CheckpointRow>, StoreError> {
    Ok(log_checkpoints::table.order(log_checkpoints::size.asc()).select(CheckpointRow::as_select()).load(conn)?)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<LogRow>, StoreError> {
    Ok(log_entries::table.filter(log_entries::id.eq(id)).select(LogRow::as_select()).first(conn).optional()?)
}

/// Up to `limit` entries from position `from`, in log order.
pub fn page(conn: &mut AnyConnection, from: i64, limit: i64) -> Result<Vec<LogRow>, StoreError> {
    Ok(log_entries::table
        .filter(log_entries::seq.ge(from))
        .order(log_entries::seq.asc())
        .limit(limit)
        .select(LogRow::as_select())
        .load(conn)?)
}

/// Leaf hashes of entries `[start, end)`, in order.
pub fn leaves(conn: &mut AnyConnection, start: i64, end: i64) -> Result<Vec<String>, StoreError> {
    Ok(log_entries::table
        .filter(log_entries::seq.ge(start).and(log_entries::seq.lt(end)))
        .order(log_entries::seq.asc())
        .select(log_entries::leaf_hash)
        .load(conn)?)
}

/// Hashes of blocks `[start, end)`, in order.
pub fn blocks(conn: &mut AnyConnection, start: i64, end: i64) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(log_blocks::table
        .filter(log_blocks::idx.ge(start).and(log_blocks::idx.lt(end)))
        .order(log_blocks::idx.asc())
        .select((log_blocks::idx, log_blocks::hash))
        .load(conn)?)
}

pub fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(log_entries::table.count().get_result(conn)?)
}
