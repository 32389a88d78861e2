//! `sharegate log verify`: re-derives every entry's hash and the chain between them, every block hash, every
//! checkpoint's root and signature, the head, and the index (query columns, blocks, frontier) against the entries,
//! from the store; names the first thing that does not match.
//!
//! The entries are checked in chunks, one reader per core, each with its own connection. For each indexed entry a
//! reader checks its position, its link to the entry before it and its query columns at once — it rebuilds the
//! start of the entry's text from them ([`head`]) and compares bytes — then hashes the text and compares the stored
//! leaf hash. Only when something differs is an entry parsed, to say what; an entry the index does not hold yet
//! (it is built behind the writer) is parsed for its position and link. The chunks' leaf hashes are then followed
//! in log order through the tree, the blocks and the checkpoints.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

use ed25519_dalek::VerifyingKey;
use serde::de::IgnoredAny;

use super::checkpoint;
use super::entry::{Index, LoggedEntry, Matching, head};
use super::merkle::{self, Frontier, Hash};
use crate::store::log::{CheckpointRow, HeadRow, IndexHead};
use crate::store::log_scan::{Columns, EntryRow, LogReader, Tables};
use crate::store::{Store, StoreError};

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub entries: u64,
    pub checkpoints: usize,
    /// The first thing that does not match, in words naming the entry; none if everything does.
    pub problem: Option<String>,
}

/// Entries per chunk: large enough that starting a range query is nothing, small enough to spread over the cores.
const CHUNK: usize = 8_192;

pub fn verify_log(store: &Store, key: &VerifyingKey) -> Result<Report, StoreError> {
    verify_in_chunks(store, key, CHUNK)
}

fn verify_in_chunks(store: &Store, key: &VerifyingKey, chunk: usize) -> Result<Report, StoreError> {
    let (tables, end) = LogReader::open(store)?.tables()?;
    let chunks = usize::try_from(end.max(0)).unwrap_or(usize::MAX).div_ceil(chunk);
    let readers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(chunks.max(1));
    let next = AtomicUsize::new(0);
    // The first chunk found wrong: chunks after it need not be read.
    let first_wrong = AtomicUsize::new(usize::MAX);
    std::thread::scope(|scope| {
        let (results, checked) = channel();
        for _ in 0..readers {
            let results = results.clone();
            let (next, first_wrong) = (&next, &first_wrong);
            let indexed = tables.index_head.size;
            scope.spawn(move || read_chunks(store, chunk, end, indexed, next, first_wrong, &results));
        }
        drop(results);
        let mut walk = Walk::default();
        let problem = walk_in_order(&mut walk, &checked, chunks, &tables, key);
        // Whatever the readers are still doing is no longer needed.
        first_wrong.store(0, Ordering::Relaxed);
        Ok(Report { entries: walk.frontier.size, checkpoints: walk.checked_checkpoints, problem: problem? })
    })
}

/// Follows the chunks' leaves in log order as the chunks arrive (in any order); the first problem found.
fn walk_in_order(
    walk: &mut Walk,
    checked: &Receiver<(usize, Result<Chunk, StoreError>)>,
    chunks: usize,
    tables: &Tables,
    key: &VerifyingKey,
) -> Result<Option<String>, StoreError> {
    let mut waiting = BTreeMap::new();
    for due in 0..chunks {
        let chunk = loop {
            if let Some(chunk) = waiting.remove(&due) {
                break chunk;
            }
            let (index, chunk) =
                checked.recv().map_err(|_| StoreError::Unavailable("a verifier thread failed".into()))?;
            waiting.insert(index, chunk);
        };
        let Chunk { leaves, problem } = chunk?;
        for leaf in leaves {
            if let Err(problem) = walk.push(leaf, tables, key) {
                return Ok(Some(problem));
            }
        }
        if problem.is_some() {
            return Ok(problem);
        }
    }
    Ok(walk.end_problem(tables))
}

/// One chunk checked on its own: the leaf hashes of its entries up to the first that is wrong, and what is wrong.
struct Chunk {
    leaves: Vec<Hash>,
    problem: Option<String>,
}

/// A reader's loop: takes the next unread chunk until none is left (or one before it was found wrong).
fn read_chunks(
    store: &Store,
    chunk_size: usize,
    end: i64,
    indexed: i64,
    next: &AtomicUsize,
    first_wrong: &AtomicUsize,
    results: &Sender<(usize, Result<Chunk, StoreError>)>,
) {
    let mut reader = match LogReader::open(store) {
        Ok(reader) => reader,
        Err(e) => {
            let _ = results.send((next.fetch_add(1, Ordering::Relaxed), Err(e)));
            return;
        }
    };
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let start = i64::try_from(index.saturating_mul(chunk_size)).unwrap_or(i64::MAX);
        if start >= end || index > first_wrong.load(Ordering::Relaxed) {
            return;
        }
        let chunk_end = start.saturating_add(i64::try_from(chunk_size).unwrap_or(i64::MAX)).min(end);
        let chunk = check_chunk(&mut reader, start, chunk_end, indexed);
        if matches!(&chunk, Ok(Chunk { problem: Some(_), .. }) | Err(_)) {
            first_wrong.fetch_min(index, Ordering::Relaxed);
        }
        if results.send((index, chunk)).is_err() {
            return;
        }
    }
}

/// Checks entries `[start, end)`, each against the one before it; the index must hold those below `indexed`.
fn check_chunk(reader: &mut LogReader, start: i64, end: i64, indexed: i64) -> Result<Chunk, StoreError> {
    let mut checker = Checker {
        next: start,
        indexed,
        prev: Vec::new(),
        leaves: Vec::with_capacity(usize::try_from(end - start).unwrap_or(0)),
        problem: None,
    };
    // The entry before the chunk only gives its stored leaf hash, which the chunk's first entry must carry.
    reader.range((start - 1).max(0), end, |row| {
        if row.seq == start - 1 {
            checker.prev = row.leaf_hash.to_vec();
            return ControlFlow::Continue(());
        }
        checker.check(&row)
    })?;
    if checker.problem.is_none() && checker.next < end {
        checker.problem = Some(format!("entry {} is missing: the log jumps past it", checker.next));
    }
    Ok(Chunk { leaves: checker.leaves, problem: checker.problem })
}

struct Checker {
    /// The position the next entry must have.
    next: i64,
    /// How many entries the index holds.
    indexed: i64,
    /// The leaf hash of the entry before, hex (empty before the first).
    prev: Vec<u8>,
    leaves: Vec<Hash>,
    problem: Option<String>,
}

impl Checker {
    fn check(&mut self, row: &EntryRow<'_>) -> ControlFlow<()> {
        match self.check_entry(row) {
            Ok(leaf) => {
                self.leaves.push(leaf);
                self.next += 1;
                ControlFlow::Continue(())
            }
            Err(problem) => {
                self.problem = Some(problem);
                ControlFlow::Break(())
            }
        }
    }

    /// The entry's position, link and columns against the start of its text, then its text against its hash.
    fn check_entry(&mut self, row: &EntryRow<'_>) -> Result<Hash, String> {
        let seq = self.next;
        let id = || row.columns.map_or_else(|| "not indexed".into(), |c| String::from_utf8_lossy(c.id));
        if row.seq != seq {
            return Err(format!("entry {seq} is missing: the log jumps to entry {} ({})", row.seq, id()));
        }
        let position = u64::try_from(seq).unwrap_or_default();
        match &row.columns {
            Some(columns) => {
                let Some(index) = index_of(columns) else {
                    return Err(format!("entry {seq} ({}): its at column is not a time the log writes", id()));
                };
                if !head(&mut Matching::new(row.canonical), position, &self.prev, &index) {
                    return Err(format!("entry {seq} ({}): {}", id(), what_differs(row, position, &self.prev, &index)));
                }
            }
            None if seq < self.indexed => {
                return Err(format!(
                    "entry {seq} is missing from the log's index, which says it holds {} entries: run `sharegate log \
                     reindex`",
                    self.indexed
                ));
            }
            // Sequenced, not yet indexed: its position and link from its text.
            None => match serde_json::from_slice::<LoggedEntry<IgnoredAny>>(row.canonical) {
                Err(e) => return Err(format!("entry {seq}: its text is not a log entry ({e})")),
                Ok(logged) if logged.seq != position => {
                    return Err(format!("entry {seq}: it says it is entry {}: entries were moved", logged.seq));
                }
                Ok(logged) if logged.prev.as_bytes() != self.prev => {
                    return Err(format!(
                        "entry {seq}: it does not carry the previous entry's hash: an entry before it was changed, \
                         removed or moved"
                    ));
                }
                Ok(_) => {}
            },
        }
        let leaf = merkle::leaf_hash(row.canonical);
        let mut hex_leaf = [0u8; 64];
        hex::encode_to_slice(leaf, &mut hex_leaf).map_err(|e| e.to_string())?;
        if hex_leaf != row.leaf_hash {
            return Err(format!("entry {seq} ({}): its content does not match its hash", id()));
        }
        self.prev.clear();
        self.prev.extend_from_slice(&hex_leaf);
        Ok(leaf)
    }
}

/// What the row's columns say, as the writer put it into the entry.
fn index_of<'a>(row: &Columns<'a>) -> Option<Index<&'a [u8]>> {
    Some(Index {
        id: row.id,
        at: row.at?,
        kind: row.kind,
        subject_id: row.subject_id,
        requester_agency: row.requester_agency,
        requester_person: row.requester_person,
        purpose: row.purpose,
        lawful_basis: row.lawful_basis,
        outcome: row.outcome,
        agencies: row.agencies,
        reviews: row.reviews,
        dropped_from: row.dropped_from,
        waits_for: row.waits_for,
    })
}

/// Why a row's text does not begin as its columns say it should: read slowly, once, to name the difference.
fn what_differs(row: &EntryRow<'_>, seq: u64, prev: &[u8], columns: &Index<&[u8]>) -> String {
    // A disclosure or a policy change: only the head is compared.
    let logged: LoggedEntry<IgnoredAny> = match serde_json::from_slice(row.canonical) {
        Ok(logged) => logged,
        Err(e) => return format!("its text is not a log entry ({e})"),
    };
    if logged.seq != seq {
        return format!("it says it is entry {}: entries were moved", logged.seq);
    }
    if logged.prev.as_bytes() != prev {
        return "it does not carry the previous entry's hash: an entry before it was changed, removed or moved".into();
    }
    let (text, column) = (&logged.index, columns);
    let differing = [
        ("id", text.id.as_bytes() == column.id),
        ("at", text.at == column.at),
        ("kind", text.kind.as_bytes() == column.kind),
        ("subject_id", text.subject_id.as_bytes() == column.subject_id),
        ("requester_agency", text.requester_agency.as_bytes() == column.requester_agency),
        ("requester_person", text.requester_person.as_bytes() == column.requester_person),
        ("purpose", text.purpose.as_bytes() == column.purpose),
        ("lawful_basis", text.lawful_basis.as_bytes() == column.lawful_basis),
        ("outcome", text.outcome.as_bytes() == column.outcome),
        ("agencies", text.agencies.as_bytes() == column.agencies),
        ("reviews", text.reviews.as_ref().map(String::as_bytes) == column.reviews),
        ("dropped_from", text.dropped_from.as_ref().map(String::as_bytes) == column.dropped_from),
        ("waits_for", text.waits_for.as_ref().map(String::as_bytes) == column.waits_for),
    ]
    .into_iter()
    .find(|(_, same)| !same);
    match differing {
        Some((name, _)) => format!("its {name} column disagrees with the entry"),
        None => "its text is not in the form the log writes".into(),
    }
}

/// The tree, the blocks and the checkpoints, followed leaf by leaf in log order.
#[derive(Default)]
struct Walk {
    frontier: Frontier,
    last: Option<Hash>,
    checked_checkpoints: usize,
    /// The frontier where the index ends, as the index's head must hold it.
    at_index_end: Option<String>,
}

impl Walk {
    fn push(&mut self, leaf: Hash, tables: &Tables, key: &VerifyingKey) -> Result<(), String> {
        let seq = self.frontier.size;
        if let Some((block, hash)) = self.frontier.push(leaf) {
            let stored = i64::try_from(block).ok().and_then(|b| tables.blocks.get(&b));
            let indexed = i64::try_from(self.frontier.size).unwrap_or(i64::MAX) <= tables.index_head.size;
            // A block the index does not reach yet may be missing; one that is there must match.
            if stored.is_some_and(|stored| *stored != hex::encode(hash)) || (stored.is_none() && indexed) {
                let first = block * merkle::BLOCK;
                return Err(format!(
                    "the hash of block {block} (entries {first}–{}) does not match its entries",
                    first + merkle::BLOCK - 1
                ));
            }
        }
        self.last = Some(leaf);
        let size = i64::try_from(self.frontier.size).unwrap_or(i64::MAX);
        if size == tables.index_head.size {
            self.at_index_end = Some(serde_json::to_string(&self.frontier).unwrap_or_default());
        }
        if let Some(checkpoint) = tables.checkpoints.get(&size) {
            check_checkpoint(checkpoint, &self.frontier, seq, key)?;
            self.checked_checkpoints += 1;
        }
        Ok(())
    }

    /// What is wrong with the log's end, once every entry checked out.
    fn end_problem(&self, tables: &Tables) -> Option<String> {
        let size = i64::try_from(self.frontier.size).unwrap_or(i64::MAX);
        if let Some((beyond, _)) = tables.checkpoints.range(size + 1..).next() {
            return Some(format!(
                "a checkpoint covers {beyond} entries but the log has {size}: entries were removed from its end"
            ));
        }
        let HeadRow { size: head_size, last_hash } = &tables.head;
        let last = self.last.map(hex::encode).unwrap_or_default();
        if *head_size != size || *last_hash != last {
            return Some(format!(
                "the log's head says {head_size} entries ending in {last_hash}, but the entries are {size} ending in {last}"
            ));
        }
        let IndexHead { size: indexed, frontier } = &tables.index_head;
        let expected = match indexed {
            0 => Some(serde_json::to_string(&Frontier::default()).unwrap_or_default()),
            _ => self.at_index_end.clone(),
        };
        if expected.as_ref() != Some(frontier) {
            return Some(format!(
                "the log's index says it holds {indexed} of the {size} entries, but its tree does not match theirs: \
                 run `sharegate log reindex`"
            ));
        }
        None
    }
}

fn check_checkpoint(
    checkpoint: &CheckpointRow,
    frontier: &Frontier,
    seq: u64,
    key: &VerifyingKey,
) -> Result<(), String> {
    if hex::encode(frontier.root()) != checkpoint.root {
        return Err(format!("the checkpoint at {} entries does not match entries 0–{seq}", checkpoint.size));
    }
    if !checkpoint::signed_by(checkpoint, key) {
        return Err(format!("the checkpoint at {} entries is not signed by the gateway's key", checkpoint.size));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
