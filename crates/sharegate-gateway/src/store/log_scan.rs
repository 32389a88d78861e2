//! Reading the whole disclosure log for `sharegate log verify`: its head, checkpoints and block hashes as of one
//! moment, then its entries in ranges, in order, handed over borrowed.
//!
//! Verification reads millions of rows, and materialising each one (a dozen `String`s, a parsed time) cost more
//! than hashing it. On SQLite the rows are therefore read with rusqlite straight from SQLite's pages — the same
//! linked SQLite diesel uses, its own read-only connection — and lent out without copying; PostgreSQL's rows
//! come through diesel a page at a time.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::Path;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::log::{self, CheckpointRow, HeadRow, IndexHead, IndexRow};
use super::schema::{log_entries, log_sequence};
use super::{AnyConnection, DatabaseUrl, Store, StoreError};

/// An entry as read, borrowed from the database: its text and leaf hash from the sequence, and its query columns
/// where the index holds it. Text columns are raw bytes: checking them against the entry's text needs no UTF-8
/// validation of its own (the text they must equal is checked against its hash).
#[derive(Debug, Clone, Copy)]
pub struct EntryRow<'a> {
    pub seq: i64,
    pub canonical: &'a [u8],
    pub leaf_hash: &'a [u8],
    pub columns: Option<Columns<'a>>,
}

/// An entry's query columns, as the index holds them.
#[derive(Debug, Clone, Copy)]
pub struct Columns<'a> {
    pub id: &'a [u8],
    /// Microseconds since the Unix epoch; none if the column does not hold a time in whole microseconds.
    pub at: Option<i64>,
    pub kind: &'a [u8],
    pub subject_id: &'a [u8],
    pub requester_agency: &'a [u8],
    pub requester_person: &'a [u8],
    pub purpose: &'a [u8],
    pub lawful_basis: &'a [u8],
    pub outcome: &'a [u8],
    pub agencies: &'a [u8],
    pub reviews: Option<&'a [u8]>,
    pub dropped_from: Option<&'a [u8]>,
    pub waits_for: Option<&'a [u8]>,
}

impl<'a> From<&'a IndexRow> for Columns<'a> {
    fn from(row: &'a IndexRow) -> Self {
        Self {
            id: row.id.as_bytes(),
            at: Some(row.at.and_utc().timestamp_micros()),
            kind: row.kind.as_bytes(),
            subject_id: row.subject_id.as_bytes(),
            requester_agency: row.requester_agency.as_bytes(),
            requester_person: row.requester_person.as_bytes(),
            purpose: row.purpose.as_bytes(),
            lawful_basis: row.lawful_basis.as_bytes(),
            outcome: row.outcome.as_bytes(),
            agencies: row.agencies.as_bytes(),
            reviews: row.reviews.as_deref().map(str::as_bytes),
            dropped_from: row.dropped_from.as_deref().map(str::as_bytes),
            waits_for: row.waits_for.as_deref().map(str::as_bytes),
        }
    }
}

/// The log's other tables, as of the same snapshot as the entries that follow.
#[derive(Debug, Clone)]
pub struct Tables {
    pub head: HeadRow,
    pub index_head: IndexHead,
    /// By size.
    pub checkpoints: BTreeMap<i64, CheckpointRow>,
    /// Block hashes by block index.
    pub blocks: BTreeMap<i64, String>,
}

/// A reader of the log, for one thread: `log verify` runs one per core, each over its own ranges of entries.
pub enum LogReader {
    /// Its own read-only connection, reading straight from SQLite's pages.
    Sqlite(rusqlite::Connection),
    /// Pooled diesel connections, a page of entries at a time.
    Diesel(Store),
}

impl LogReader {
    pub fn open(store: &Store) -> Result<Self, StoreError> {
        match store.url() {
            DatabaseUrl::Sqlite(path) => sqlite::open(path).map(Self::Sqlite).map_err(unavailable),
            DatabaseUrl::Postgres(_) => Ok(Self::Diesel(store.clone())),
        }
    }

    /// The head, checkpoints and blocks, and where the entries end (one past the highest position), as of one moment.
    /// Entries below that end never change (the database refuses it), so ranges read later see the same rows.
    pub fn tables(&mut self) -> Result<(Tables, i64), StoreError> {
        match self {
            Self::Sqlite(conn) => sqlite::tables(conn).map_err(unavailable),
            Self::Diesel(store) => store.run_now(|conn| {
                conn.transaction(|conn| {
                    if let AnyConnection::Postgres(pg) = conn {
                        diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(pg)?;
                    }
                    let head = log::head(conn)?;
                    let index_head = log::index_head(conn)?;
                    let checkpoints = log::checkpoints(conn)?.into_iter().map(|c| (c.size, c)).collect();
                    let blocks = log::blocks(conn, 0, i64::MAX)?.into_iter().collect();
                    let last: Option<i64> =
                        log_sequence::table.select(diesel::dsl::max(log_sequence::seq)).first(conn)?;
                    Ok((Tables { head, index_head, checkpoints, blocks }, last.map_or(0, |l| l + 1)))
                })
            }),
        }
    }

    /// Entries at positions `[start, end)`, in order, each handed to `each` until it breaks.
    pub fn range(
        &mut self,
        start: i64,
        end: i64,
        mut each: impl FnMut(EntryRow<'_>) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(conn) => sqlite::range(conn, start, end, each).map_err(unavailable),
            Self::Diesel(store) => store.run_now(|conn| {
                let mut from = start;
                while from < end {
                    let page: Vec<((i64, String, String), Option<IndexRow>)> = log_sequence::table
                        .left_join(log_entries::table)
                        .filter(log_sequence::seq.ge(from).and(log_sequence::seq.lt(end)))
                        .order(log_sequence::seq.asc())
                        .limit(PAGE)
                        .select((
                            (log_sequence::seq, log_sequence::canonical, log_sequence::leaf_hash),
                            Option::<IndexRow>::as_select(),
                        ))
                        .load(conn)?;
                    let Some(((last, ..), _)) = page.last() else { break };
                    from = last + 1;
                    for ((seq, canonical, leaf_hash), columns) in &page {
                        let row = EntryRow {
                            seq: *seq,
                            canonical: canonical.as_bytes(),
                            leaf_hash: leaf_hash.as_bytes(),
                            columns: columns.as_ref().map(Columns::from),
                        };
                        if each(row).is_break() {
                            return Ok(());
                        }
                    }
                }
                Ok(())
            }),
        }
    }
}

fn unavailable(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!("cannot read the log: {e}"))
}

const PAGE: i64 = 8192;

mod sqlite {
    use super::*;
    use rusqlite::types::ValueRef;
    use rusqlite::{Connection, OpenFlags, Row};

    pub(super) fn open(path: &Path) -> rusqlite::Result<Connection> {
        // This connection never leaves its thread: no need for SQLite to lock it on every call. Through the VFS the
        // store's own connections use (`unix-excl`, see `sharegate_core::store`), and so opened for writing: a
        // read-only connection there takes the file's locks itself, and the first it let go of would release the
        // lock this process holds the database by. `query_only` keeps it from writing.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags_and_vfs(path, flags, c"unix-excl")?;
        conn.pragma_update(None, "query_only", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Pages read straight from the mapped file rather than copied by a read() each.
        conn.pragma_update(None, "mmap_size", 1_i64 << 40)?;
        Ok(conn)
    }

    pub(super) fn tables(conn: &mut Connection) -> rusqlite::Result<(Tables, i64)> {
        // One read transaction: every table as of one moment, whatever writers do meanwhile.
        let tx = conn.transaction()?;
        let head = tx.query_row("SELECT size, last_hash FROM log_head WHERE id = 1", [], |r| {
            Ok(HeadRow { size: r.get(0)?, last_hash: r.get(1)? })
        })?;
        let index_head = tx.query_row("SELECT size, frontier FROM log_index_head WHERE id = 1", [], |r| {
            Ok(IndexHead { size: r.get(0)?, frontier: r.get(1)? })
        })?;
        let checkpoints = tx
            .prepare("SELECT size, root, at, signature FROM log_checkpoints ORDER BY size")?
            .query_map([], |r| {
                Ok(CheckpointRow { size: r.get(0)?, root: r.get(1)?, at: time(r, 2)?, signature: r.get(3)? })
            })?
            .map(|c| c.map(|c| (c.size, c)))
            .collect::<rusqlite::Result<_>>()?;
        let blocks = tx
            .prepare("SELECT idx, hash FROM log_blocks ORDER BY idx")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let last: Option<i64> = tx.query_row("SELECT max(seq) FROM log_sequence", [], |r| r.get(0))?;
        Ok((Tables { head, index_head, checkpoints, blocks }, last.map_or(0, |l| l + 1)))
    }

    pub(super) fn range(
        conn: &Connection,
        start: i64,
        end: i64,
        mut each: impl FnMut(EntryRow<'_>) -> ControlFlow<()>,
    ) -> rusqlite::Result<()> {
        let mut statement = conn.prepare(
            "SELECT s.seq, s.canonical, s.leaf_hash, e.id, e.at, e.kind, e.subject_id, e.requester_agency, \
             e.requester_person, e.purpose, e.lawful_basis, e.outcome, e.agencies, e.reviews, e.dropped_from, \
             e.waits_for FROM log_sequence s LEFT JOIN log_entries e ON e.seq = s.seq \
             WHERE s.seq >= ?1 AND s.seq < ?2 ORDER BY s.seq",
        )?;
        let mut rows = statement.query([start, end])?;
        while let Some(r) = rows.next()? {
            let columns = match r.get_ref(3)? {
                ValueRef::Null => None,
                _ => Some(Columns {
                    id: bytes(r, 3)?,
                    at: micros(bytes(r, 4)?),
                    kind: bytes(r, 5)?,
                    subject_id: bytes(r, 6)?,
                    requester_agency: bytes(r, 7)?,
                    requester_person: bytes(r, 8)?,
                    purpose: bytes(r, 9)?,
                    lawful_basis: bytes(r, 10)?,
                    outcome: bytes(r, 11)?,
                    agencies: bytes(r, 12)?,
                    reviews: nullable(r, 13)?,
                    dropped_from: nullable(r, 14)?,
                    waits_for: nullable(r, 15)?,
                }),
            };
            let row = EntryRow { seq: r.get(0)?, canonical: bytes(r, 1)?, leaf_hash: bytes(r, 2)?, columns };
            if each(row).is_break() {
                break;
            }
        }
        Ok(())
    }
    fn bytes<'r>(row: &'r Row<'_>, column: usize) -> rusqlite::Result<&'r [u8]> {
        Ok(row.get_ref(column)?.as_bytes()?)
    }

    fn nullable<'r>(row: &'r Row<'_>, column: usize) -> rusqlite::Result<Option<&'r [u8]>> {
        match row.get_ref(column)? {
            ValueRef::Null => Ok(None),
            _ => bytes(row, column).map(Some),
        }
    }

    /// A time as diesel keeps it in SQLite, `YYYY-MM-DD HH:MM:SS[.fraction]` in UTC, in microseconds since the
    /// epoch; none if it is anything else or finer than a microsecond. (Read by hand: a general parser cost more
    /// than the rest of the row.)
    pub(super) fn micros(text: &[u8]) -> Option<i64> {
        let number = |at: usize, len: usize| {
            let digits = text.get(at..at + len)?;
            digits.iter().try_fold(0u32, |n, &b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
        };
        let separators = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
        if !separators.iter().all(|&(at, separator)| text.get(at) == Some(&separator)) {
            return None;
        }
        let fraction = match text.get(19..) {
            Some([]) => 0,
            Some([b'.', digits @ ..]) if (1..=9).contains(&digits.len()) => {
                let nanos = number(20, digits.len())? * 10u32.pow(9 - u32::try_from(digits.len()).ok()?);
                if !nanos.is_multiple_of(1000) {
                    return None;
                }
                nanos / 1000
            }
            _ => return None,
        };
        let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(number(0, 4)?).ok()?, number(5, 2)?, number(8, 2)?)?;
        let time = date.and_hms_micro_opt(number(11, 2)?, number(14, 2)?, number(17, 2)?, fraction)?;
        Some(time.and_utc().timestamp_micros())
    }

    /// A checkpoint's time, read as the entries' are.
    fn time(row: &Row<'_>, column: usize) -> rusqlite::Result<NaiveDateTime> {
        micros(row.get_ref(column)?.as_bytes()?)
            .and_then(chrono::DateTime::from_timestamp_micros)
            .map(|t| t.naive_utc())
            .ok_or(rusqlite::Error::InvalidColumnType(column, "at".into(), rusqlite::types::Type::Text))
    }
}

#[cfg(test)]
mod tests;
