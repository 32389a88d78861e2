//! The disclosure log's rows. The log itself is `log_sequence` (each entry's text and leaf hash at its position)
//! with `log_head`, which writers lock and move; it and the checkpoints are insert-only (the database refuses
//! updates and deletes). Derived from it, behind the writer: `log_entries` (the query columns), `log_blocks` and
//! `log_index_head` (see `disclosure_log::indexer`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    log_blocks, log_checkpoints, log_cosignatures, log_entries, log_head, log_index_head, log_sequence,
};
use super::{AnyConnection, StoreError};

/// An entry as read: its query columns with its text and leaf hash from the sequence.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = log_entries)]
pub struct LogRow {
    #[diesel(embed)]
    pub columns: IndexRow,
    #[diesel(select_expression = log_sequence::canonical)]
    pub canonical: String,
    #[diesel(select_expression = log_sequence::leaf_hash)]
    pub leaf_hash: String,
}

/// An entry as sequenced: what the answer waits for.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = log_sequence)]
// Every column named in the statement (as for [`IndexRow`]).
#[diesel(treat_none_as_default_value = false)]
pub struct SequencedRow {
    pub seq: i64,
    pub canonical: String,
    pub leaf_hash: String,
}

/// An entry's query columns, as the index keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = log_entries)]
// An absent `reviews` or `dropped_from` is inserted as NULL rather than left out of the statement: the statement's
// text is then the same for every row, so diesel finds it prepared by its type instead of writing the text out for
// every row (and each row of PostgreSQL's multi-row insert carries every column).
#[diesel(treat_none_as_default_value = false)]
pub struct IndexRow {
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
    /// For a review: the disclosure it reviews.
    pub reviews: Option<String>,
    /// `,a,b,`: the agencies whose nodes sent records that were not passed on.
    pub dropped_from: Option<String>,
    /// `,a,b,`: the agencies whose DPOs review the entry; none for entries logged before it was kept.
    pub waits_for: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = log_checkpoints)]
pub struct CheckpointRow {
    pub size: i64,
    pub root: String,
    pub at: NaiveDateTime,
    pub signature: String,
}

/// The sequence's head: how many entries, and the last one's leaf hash.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = log_head)]
pub struct HeadRow {
    pub size: i64,
    pub last_hash: String,
}

/// The index's head: how many entries it holds, and the tree's frontier over them (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = log_index_head)]
pub struct IndexHead {
    pub size: i64,
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
        let head = head(conn)?;
        work(conn, head)
    })
}

/// Runs `work` in one transaction holding the index's lock (its head row's, as [`with_head_locked`] does the
/// sequence's): one indexer at a time, whichever gateway it runs in. It never takes the sequence's lock, so a
/// writer that indexes under its own lock (to check a review) cannot deadlock with it.
pub fn with_index_locked<T>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection, IndexHead) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.transaction(|conn| {
        diesel::update(log_index_head::table.filter(log_index_head::id.eq(1)))
            .set(log_index_head::size.eq(log_index_head::size))
            .execute(conn)?;
        let head = index_head(conn)?;
        work(conn, head)
    })
}

pub fn head(conn: &mut AnyConnection) -> Result<HeadRow, StoreError> {
    // The head is one row: no `LIMIT` (see the store module on SQLite and bound limits).
    Ok(log_head::table.select(HeadRow::as_select()).get_result(conn)?)
}

pub fn index_head(conn: &mut AnyConnection) -> Result<IndexHead, StoreError> {
    Ok(log_index_head::table.select(IndexHead::as_select()).get_result(conn)?)
}

pub fn set_head(conn: &mut AnyConnection, head: &HeadRow) -> Result<(), StoreError> {
    diesel::update(log_head::table.filter(log_head::id.eq(1)))
        .set((log_head::size.eq(head.size), log_head::last_hash.eq(&head.last_hash)))
        .execute(conn)?;
    Ok(())
}

pub fn set_index_head(conn: &mut AnyConnection, head: &IndexHead) -> Result<(), StoreError> {
    diesel::update(log_index_head::table.filter(log_index_head::id.eq(1)))
        .set((log_index_head::size.eq(head.size), log_index_head::frontier.eq(&head.frontier)))
        .execute(conn)?;
    Ok(())
}

/// Rows in one PostgreSQL `INSERT`: the widest table (`log_entries`, 14 columns) stays under 65,535 parameters.
const PG_ROWS_PER_INSERT: usize = 4096;

/// Inserts a batch of rows: on PostgreSQL one multi-row `INSERT`, on SQLite one prepared statement run once per row.
/// (diesel's multi-backend connection cannot choose between them, so this goes to the concrete connection.)
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            // In-process: one prepared statement run once per row. A multi-row insert's text differs with the
            // batch's size, so SQLite would parse and plan it anew for every batch.
            AnyConnection::Sqlite(c) => {
                for row in $rows {
                    diesel::insert_into($table).values(row).execute(c)?;
                }
            }
            // Over the network, the whole batch in one round trip (a statement per row would be a round trip per
            // row), under PostgreSQL's limit of 65,535 parameters a statement. Its text grows with the batch, so
            // the server parses and plans it for each batch; binary `COPY` did not, but the pure-Rust client that
            // lets PostgreSQL speak TLS without OpenSSL has no `COPY` through diesel.
            AnyConnection::Postgres(c) => {
                for chunk in $rows.chunks(PG_ROWS_PER_INSERT) {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
        }
    };
}

/// Appends a batch of entries to the sequence.
pub fn insert_sequenced(conn: &mut AnyConnection, rows: &[SequencedRow]) -> Result<(), StoreError> {
    insert_batch!(conn, log_sequence::table, rows);
    Ok(())
}

/// Adds a batch of entries' columns to the index.
pub fn insert_index(conn: &mut AnyConnection, rows: &[IndexRow]) -> Result<(), StoreError> {
    insert_batch!(conn, log_entries::table, rows);
    Ok(())
}

/// Entries `[from, end)` of the sequence: position, text, leaf hash.
pub fn sequenced(conn: &mut AnyConnection, from: i64, end: i64) -> Result<Vec<(i64, String, String)>, StoreError> {
    Ok(log_sequence::table
        .filter(log_sequence::seq.ge(from).and(log_sequence::seq.lt(end)))
        .order(log_sequence::seq.asc())
        .select((log_sequence::seq, log_sequence::canonical, log_sequence::leaf_hash))
        .load(conn)?)
}

/// Empties the index, to be built again from the sequence (`sharegate log reindex`). Checkpoints stay: signed, they
/// are evidence, and the rebuilt tree must match them.
pub fn clear_index(conn: &mut AnyConnection) -> Result<(), StoreError> {
    diesel::delete(log_entries::table).execute(conn)?;
    diesel::delete(log_blocks::table).execute(conn)?;
    set_index_head(conn, &IndexHead { size: 0, frontier: r#"{"size":0,"subtrees":[]}"#.into() })
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

/// The newest checkpoint. Selected by the largest size rather than `ORDER BY … LIMIT 1`: SQLite reads a bound
/// `LIMIT` while planning, so such a statement is planned anew every time it runs — in the log writer, once per batch.
pub fn latest_checkpoint(conn: &mut AnyConnection) -> Result<Option<CheckpointRow>, StoreError> {
    let others = diesel::alias!(log_checkpoints as others);
    let newest = others.select(diesel::dsl::max(others.field(log_checkpoints::size))).single_value();
    Ok(log_checkpoints::table
        .filter(log_checkpoints::size.nullable().eq(newest))
        .select(CheckpointRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The checkpoint of exactly `size` entries, if one was signed.
pub fn checkpoint_of_size(conn: &mut AnyConnection, size: i64) -> Result<Option<CheckpointRow>, StoreError> {
    Ok(log_checkpoints::table
        .filter(log_checkpoints::size.eq(size))
        .select(CheckpointRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// A witness's co-signature of the checkpoint of `size` entries.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = log_cosignatures)]
pub struct CosignatureRow {
    pub size: i64,
    /// The witness's agency.
    pub witness: String,
    /// Seconds since the epoch.
    pub cosigned_at: i64,
    /// Hex.
    pub public_key: String,
    /// Hex.
    pub signature: String,
}

/// Keeps a co-signature unless the witness already co-signed that size; returns whether it was kept.
pub fn add_cosignature(conn: &mut AnyConnection, row: &CosignatureRow) -> Result<bool, StoreError> {
    match diesel::insert_into(log_cosignatures::table).values(row).execute(conn) {
        Ok(_) => Ok(true),
        // Already co-signed, perhaps a moment ago through another gateway: the first is kept, by the primary key.
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The co-signatures of the checkpoint of `size` entries, by witness.
pub fn cosignatures(conn: &mut AnyConnection, size: i64) -> Result<Vec<CosignatureRow>, StoreError> {
    Ok(log_cosignatures::table
        .filter(log_cosignatures::size.eq(size))
        .order(log_cosignatures::witness.asc())
        .select(CosignatureRow::as_select())
        .load(conn)?)
}

pub fn checkpoints(conn: &mut AnyConnection) -> Result<Vec<CheckpointRow>, StoreError> {
    Ok(log_checkpoints::table.order(log_checkpoints::size.asc()).select(CheckpointRow::as_select()).load(conn)?)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<LogRow>, StoreError> {
    Ok(log_entries::table
        .inner_join(log_sequence::table)
        .filter(log_entries::id.eq(id))
        .select(LogRow::as_select())
        .first(conn)
        .optional()?)
}

/// Up to `limit` entries of `kind` that name no child, before position `before` (all, if none), the latest first.
/// Found through the index by subject, under the empty subject: no scan of the log, however long.
pub fn latest_without_subject(
    conn: &mut AnyConnection,
    kind: &str,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<LogRow>, StoreError> {
    Ok(log_entries::table
        .inner_join(log_sequence::table)
        .filter(log_entries::subject_id.eq(""))
        .filter(log_entries::kind.eq(kind))
        .filter(log_entries::seq.lt(before.unwrap_or(i64::MAX)))
        .order(log_entries::seq.desc())
        .limit(limit)
        .select(LogRow::as_select())
        .load(conn)?)
}

/// Up to `limit` entries at positions `[from, end)`, in log order.
pub fn page(conn: &mut AnyConnection, from: i64, end: i64, limit: i64) -> Result<Vec<LogRow>, StoreError> {
    Ok(log_entries::table
        .inner_join(log_sequence::table)
        .filter(log_entries::seq.ge(from).and(log_entries::seq.lt(end)))
        .order(log_entries::seq.asc())
        .limit(limit)
        .select(LogRow::as_select())
        .load(conn)?)
}

/// Leaf hashes of entries `[start, end)`, in order.
pub fn leaves(conn: &mut AnyConnection, start: i64, end: i64) -> Result<Vec<String>, StoreError> {
    Ok(log_sequence::table
        .filter(log_sequence::seq.ge(start).and(log_sequence::seq.lt(end)))
        .order(log_sequence::seq.asc())
        .select(log_sequence::leaf_hash)
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

/// What a DPO's query asks for. `scope` is always set: a DPO sees only entries their own agency is in.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The DPO's agency: only entries in which it asked or was asked.
    pub scope: String,
    pub subject: Option<String>,
    /// An agency that asked or was asked.
    pub agency: Option<String>,
    /// Part of the requester's name, in any case.
    pub person: Option<String>,
    pub purpose: Option<String>,
    pub basis: Option<String>,
    /// `granted`, `partial` or `refused`.
    pub outcome: Option<String>,
    pub kind: Option<String>,
    /// Only entries in which the scope's own node sent records that were not passed on.
    pub not_passed_on: bool,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// Only entries a DPO of the scope has reviewed (`true`) or has not (`false`).
    pub reviewed: Option<bool>,
    /// Only entries a DPO of the scope reviewed with a verdict written so (`VerdictKind::in_text`).
    pub verdict: Option<&'static str>,
    /// Only entries with a grant on a ground written so (`GroundKind::in_text`).
    pub ground: Option<&'static str>,
    /// Only entries made under this core group meeting (a checked meeting id).
    pub meeting: Option<String>,
    /// Part of the reason given (for a review: of its comment), in any case.
    pub reason: Option<String>,
}

fn involving(agency: &str) -> String {
    format!("%,{agency},%")
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// The `ESCAPE` character of the `LIKE` patterns made from what a DPO typed.
const ESCAPE: char = '!';

/// What a DPO typed, as part of a `LIKE` pattern: lower case, and its own `%`, `_` and `!` matching only themselves.
fn typed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | ESCAPE) {
            out.push(ESCAPE);
        }
        out.push(c);
    }
    out
}

/// A `LIKE` pattern for the text of an entry whose reason contains `part` (in any case): the reason is followed in
/// the text by the meeting (`Entry`'s field order), and a quote inside a string is escaped, so a match between the
/// two keys is within the reason.
fn reason_containing(part: &str) -> String {
    let json = serde_json::to_string(part).unwrap_or_default();
    let inner = json.get(1..json.len().saturating_sub(1)).unwrap_or_default();
    format!(r#"%"reason":"%{}%","meeting":%"#, typed(inner))
}

type Backend = <AnyConnection as diesel::Connection>::Backend;
type Matching<'a> =
    diesel::dsl::IntoBoxed<'a, diesel::dsl::InnerJoin<log_entries::table, log_sequence::table>, Backend>;

/// The entries `filter` matches, as a query to page through or to count.
fn matching(filter: &Filter) -> Matching<'static> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    let mut query = log_entries::table
        .inner_join(log_sequence::table)
        .filter(log_entries::agencies.like(involving(&filter.scope)))
        .into_boxed();
    if let Some(subject) = &filter.subject {
        query = query.filter(log_entries::subject_id.eq(subject.clone()));
    }
    if let Some(agency) = &filter.agency {
        query = query.filter(log_entries::agencies.like(involving(agency)));
    }
    if let Some(person) = &filter.person {
        query = query.filter(lower(log_entries::requester_person).like(format!("%{}%", typed(person))).escape(ESCAPE));
    }
    if let Some(purpose) = &filter.purpose {
        query = query.filter(log_entries::purpose.eq(purpose.clone()));
    }
    if let Some(basis) = &filter.basis {
        query = query.filter(log_entries::lawful_basis.eq(basis.clone()));
    }
    if let Some(outcome) = &filter.outcome {
        query = query.filter(log_entries::outcome.eq(outcome.clone()));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(log_entries::kind.eq(kind.clone()));
    }
    if filter.not_passed_on {
        query = query.filter(log_entries::dropped_from.like(involving(&filter.scope)));
    }
    if let Some(from) = filter.from {
        query = query.filter(log_entries::at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(log_entries::at.lt(to));
    }
    if let Some(ground) = filter.ground {
        query = query.filter(log_sequence::canonical.like(format!("%{ground}%")));
    }
    if let Some(meeting) = &filter.meeting {
        query = query.filter(log_sequence::canonical.like(format!("%\"meeting\":\"{meeting}\"%")));
    }
    if let Some(part) = &filter.reason {
        query = query.filter(lower(log_sequence::canonical).like(reason_containing(part)).escape(ESCAPE));
    }
    // The scope's reviews (of one verdict, or of any: `LIKE '%'`), found through the index of reviews.
    let reviews_by_scope = |verdict: Option<&str>| {
        sql::<Bool>(
            "log_entries.id IN (SELECT r.reviews FROM log_entries r JOIN log_sequence s ON s.seq = r.seq \
             WHERE r.reviews IS NOT NULL AND r.requester_agency = ",
        )
        .bind::<Text, _>(filter.scope.clone())
        .sql(" AND s.canonical LIKE ")
        .bind::<Text, _>(verdict.map_or_else(|| "%".to_owned(), |v| format!("%{v}%")))
        .sql(")")
    };
    match (filter.reviewed, filter.verdict) {
        (_, Some(verdict)) => query = query.filter(reviews_by_scope(Some(verdict))),
        (Some(true), None) => query = query.filter(reviews_by_scope(None)),
        (Some(false), None) => query = query.filter(diesel::dsl::not(reviews_by_scope(None))),
        (None, None) => {}
    }
    query
}

/// Up to `limit` entries matching `filter`, after position `after`, in log order: keyset pagination, so entries
/// appended meanwhile neither repeat nor leave gaps.
pub fn search(
    conn: &mut AnyConnection,
    filter: &Filter,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<LogRow>, StoreError> {
    Ok(matching(filter)
        .filter(log_entries::seq.gt(after.unwrap_or(-1)))
        .order(log_entries::seq.asc())
        .limit(limit)
        .select(LogRow::as_select())
        .load(conn)?)
}

/// How many entries match `filter`.
pub fn count_matching(conn: &mut AnyConnection, filter: &Filter) -> Result<i64, StoreError> {
    Ok(matching(filter).count().get_result(conn)?)
}

/// The candidates for `agency`'s notifications: entries of one of `kinds`, asked by another agency and not refused,
/// that involve `agency`, after position `after`, in log order — up to `limit` of them. Which of them `agency`'s
/// node actually answered is read from each entry (see `routes::notifications`).
pub fn asked_of(
    conn: &mut AnyConnection,
    agency: &str,
    kinds: &[&str],
    refused: &str,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<LogRow>, StoreError> {
    Ok(log_entries::table
        .inner_join(log_sequence::table)
        .filter(log_entries::agencies.like(involving(agency)))
        .filter(log_entries::requester_agency.ne(agency))
        .filter(log_entries::kind.eq_any(kinds))
        .filter(log_entries::outcome.ne(refused))
        .filter(log_entries::seq.gt(after.unwrap_or(-1)))
        .order(log_entries::seq.asc())
        .limit(limit)
        .select(LogRow::as_select())
        .load(conn)?)
}

/// What waits for a DPO of `agency` (see [`crate::routes::dpo::Waiting`], which says the same of one entry): entries
/// that involve `agency` and are not reviews, made without consent, refused, or in which `agency`'s node sent records
/// that were not passed on — and that no DPO of `agency` has reviewed. Up to `limit` after position `after`, oldest
/// first.
pub fn unreviewed(
    conn: &mut AnyConnection,
    agency: &str,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<LogRow>, StoreError> {
    let mut found = Vec::new();
    let mut after = after.unwrap_or(-1);
    while found.len() < usize::try_from(limit).unwrap_or(0) {
        let candidates: Vec<LogRow> = log_entries::table
            .inner_join(log_sequence::table)
            .filter(log_entries::agencies.like(involving(agency)))
            .filter(log_entries::kind.ne("review"))
            .filter(
                log_entries::waits_for.like(involving(agency)).or(log_entries::waits_for.is_null().and(
                    // Entries logged before `waits_for` was kept: the rule as it stood then.
                    log_entries::outcome
                        .eq("refused")
                        .or(log_entries::lawful_basis.ne("consent"))
                        .or(log_entries::dropped_from.like(involving(agency))),
                )),
            )
            .filter(log_entries::seq.gt(after))
            .order(log_entries::seq.asc())
            .limit(500)
            .select(LogRow::as_select())
            .load(conn)?;
        let Some(last) = candidates.last() else { break };
        after = last.columns.seq;
        let ids: Vec<&str> = candidates.iter().map(|r| r.columns.id.as_str()).collect();
        let reviewed: Vec<Option<String>> = log_entries::table
            .filter(log_entries::reviews.eq_any(&ids))
            .filter(log_entries::requester_agency.eq(agency))
            .select(log_entries::reviews)
            .load(conn)?;
        found.extend(
            candidates.into_iter().filter(|c| !reviewed.iter().any(|r| r.as_deref() == Some(c.columns.id.as_str()))),
        );
    }
    found.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(found)
}

/// The disclosures (not reviews) made under core group meeting `meeting` that involve `agency` and that no DPO of
/// `agency` has reviewed, oldest first. The meeting is read from the entries' text (it has no column of its own).
pub fn unreviewed_under_meeting(
    conn: &mut AnyConnection,
    agency: &str,
    meeting: &str,
) -> Result<Vec<LogRow>, StoreError> {
    let under: Vec<LogRow> = under_meeting(conn, meeting)?
        .into_iter()
        .filter(|r| r.columns.agencies.contains(&format!(",{agency},")))
        .collect();
    let ids: Vec<&str> = under.iter().map(|r| r.columns.id.as_str()).collect();
    let reviewed: Vec<Option<String>> = log_entries::table
        .filter(log_entries::reviews.eq_any(&ids))
        .filter(log_entries::requester_agency.eq(agency))
        .select(log_entries::reviews)
        .load(conn)?;
    Ok(under.into_iter().filter(|r| !reviewed.iter().any(|d| d.as_deref() == Some(r.columns.id.as_str()))).collect())
}

/// The requests and discoveries made under core group meeting `meeting`, oldest first. The meeting is read from the
/// entries' text (it has no column of its own): a scan, fine for the few meetings a DPO or a pack looks at.
pub fn under_meeting(conn: &mut AnyConnection, meeting: &str) -> Result<Vec<LogRow>, StoreError> {
    Ok(log_entries::table
        .inner_join(log_sequence::table)
        .filter(log_entries::kind.eq_any(["request", "discovery"]))
        .filter(log_sequence::canonical.like(format!("%\"meeting\":\"{meeting}\"%")))
        .order(log_entries::seq.asc())
        .select(LogRow::as_select())
        .load(conn)?)
}

/// Whether a DPO of `agency` has already reviewed disclosure `id`.
pub fn reviewed_by(conn: &mut AnyConnection, id: &str, agency: &str) -> Result<bool, StoreError> {
    let n: i64 = log_entries::table
        .filter(log_entries::reviews.eq(id))
        .filter(log_entries::requester_agency.eq(agency))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The reviews by DPOs of `agency` whose text holds `verdict` (a breach's, perhaps of one incident), oldest first.
/// Found through the index of reviews (a few rows among the log's many) and read from the reviews' text, where the
/// verdict is.
pub fn reviews_finding(conn: &mut AnyConnection, agency: &str, verdict: &str) -> Result<Vec<LogRow>, StoreError> {
    Ok(log_entries::table
        .inner_join(log_sequence::table)
        .filter(log_entries::reviews.is_not_null())
        .filter(log_entries::requester_agency.eq(agency))
        .filter(log_sequence::canonical.like(format!("%{verdict}%")))
        .order(log_entries::seq.asc())
        .select(LogRow::as_select())
        .load(conn)?)
}

/// Every review of disclosure `id`, by any agency's DPO, oldest first: each DPO involved sees the others' findings.
pub fn all_reviews_of(conn: &mut AnyConnection, id: &str) -> Result<Vec<LogRow>, StoreError> {
    Ok(log_entries::table
        .inner_join(log_sequence::table)
        .filter(log_entries::reviews.eq(id))
        .order(log_entries::seq.asc())
        .select(LogRow::as_select())
        .load(conn)?)
}

/// The reviews by DPOs of `agency` of the entries with these ids.
pub fn reviews_by(conn: &mut AnyConnection, agency: &str, ids: &[&str]) -> Result<Vec<LogRow>, StoreError> {
    Ok(log_entries::table
        .inner_join(log_sequence::table)
        .filter(log_entries::reviews.eq_any(ids))
        .filter(log_entries::requester_agency.eq(agency))
        .select(LogRow::as_select())
        .load(conn)?)
}

/// How many of a DPO's agency's entries there were over a period, counted several ways (see [`tallies`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tallies {
    /// Every kind of entry, reviews included.
    pub by_kind: Vec<(String, i64)>,
    /// The rest count everything but reviews.
    pub by_outcome: Vec<(String, i64)>,
    pub by_purpose: Vec<(String, i64)>,
    pub by_basis: Vec<(String, i64)>,
    pub by_requester: Vec<(String, i64)>,
    /// When each request answered with records on a basis other than consent was made.
    pub shared_without_consent: Vec<NaiveDateTime>,
}

/// The entries `scope` is in at times `[from, to)`, counted by kind, outcome, purpose, lawful basis and requesting
/// agency, each by the database (`GROUP BY`); and the times of those shared without consent.
pub fn tallies(
    conn: &mut AnyConnection,
    scope: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Tallies, StoreError> {
    macro_rules! count_by {
        ($column:expr, $but_reviews:expr) => {{
            let mut query = log_entries::table
                .filter(log_entries::agencies.like(involving(scope)))
                .filter(log_entries::at.ge(from).and(log_entries::at.lt(to)))
                .group_by($column)
                .select(($column, diesel::dsl::count_star()))
                .order($column.asc())
                .into_boxed();
            if $but_reviews {
                query = query.filter(log_entries::kind.ne("review"));
            }
            query.load::<(String, i64)>(conn)?
        }};
    }
    Ok(Tallies {
        by_kind: count_by!(log_entries::kind, false),
        by_outcome: count_by!(log_entries::outcome, true),
        by_purpose: count_by!(log_entries::purpose, true),
        by_basis: count_by!(log_entries::lawful_basis, true),
        by_requester: count_by!(log_entries::requester_agency, true),
        shared_without_consent: log_entries::table
            .filter(log_entries::agencies.like(involving(scope)))
            .filter(log_entries::at.ge(from).and(log_entries::at.lt(to)))
            .filter(log_entries::kind.eq("request"))
            .filter(log_entries::outcome.ne("refused"))
            .filter(log_entries::lawful_basis.ne("consent"))
            .order(log_entries::at.asc())
            .select(log_entries::at)
            .load(conn)?,
    })
}

/// The latest `limit` requests, discoveries and lookups `person` of `agency` made, the latest first: a practitioner's
/// own worklist.
pub fn asked_by(conn: &mut AnyConnection, agency: &str, person: &str, limit: i64) -> Result<Vec<LogRow>, StoreError> {
    Ok(log_entries::table
        .inner_join(log_sequence::table)
        .filter(log_entries::requester_agency.eq(agency))
        .filter(log_entries::requester_person.eq(person))
        .filter(log_entries::kind.eq_any(["request", "discovery", "lookup"]))
        .order(log_entries::seq.desc())
        .limit(limit)
        .select(LogRow::as_select())
        .load(conn)?)
}
