//! The log's index, built behind its writer (issue 24). The writer makes each entry durable in `log_sequence` —
//! its text, its leaf hash, its place in the chain — and only then is the answer sent; this thread derives the rest
//! from there, many entries to a transaction: the query columns that DPO search, the review queue, a child's history
//! and the console read (`log_entries`), the tree's block hashes (`log_blocks`), its frontier, and the signed
//! checkpoints. Being derived, all of it can be rebuilt (`sharegate log reindex`) and is checked against the
//! sequence by `log verify`.
//!
//! Most of it is done by the log's writer itself, on its own connection: it keeps the entries it sequenced, columns
//! made, and indexes them at the start of a batch once the oldest is [`GATHER`] old (or when its queue is quiet),
//! so the index's pages are written once for many entries and share that batch's commit. This module's thread does
//! the rest: it answers readers who need the index whole — a DPO reading what was just written asks it to
//! [`Indexer::catch_up`] first, which resolves once everything sequenced before the call is indexed — signs
//! checkpoints that fall due while the log is quiet, and indexes what the writer did not: entries sequenced by
//! another gateway on the same database, or before a restart, read back from `log_sequence` and parsed.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use ed25519_dalek::SigningKey;
use tokio::sync::oneshot;

use super::checkpoint::{self, CheckpointPolicy};
use super::entry::Index;
use super::merkle::{self, Frontier, Hash};
use crate::store::log::{self, IndexHead, IndexRow};
use crate::store::{AnyConnection, Store, StoreError};

/// How long the writer lets entries gather before indexing them: the most the index lags behind the log under load,
/// besides the time to index them.
pub const GATHER: Duration = Duration::from_millis(20);

/// How soon the index tries again after the store failed it.
const RETRY: Duration = Duration::from_millis(250);

/// The most entries indexed in one transaction (a reindex runs in many).
const MOST: u64 = 4096;

/// An entry the writer sequenced, with what the index keeps of it.
pub struct Sequenced {
    pub seq: u64,
    pub leaf: Hash,
    pub index: Index<String>,
}

enum Message {
    /// Answer once everything sequenced so far is indexed; `true`: sign a checkpoint too, if anything is not
    /// covered by one.
    CatchUp(bool, oneshot::Sender<Result<(), String>>),
}

/// The handle to the index's thread. The thread stops when the last handle is dropped.
#[derive(Clone)]
pub struct Indexer {
    messages: Sender<Message>,
}

impl Indexer {
    pub fn start(store: Store, key: SigningKey, policy: CheckpointPolicy) -> std::io::Result<Self> {
        let (messages, received) = channel();
        std::thread::Builder::new()
            .name("disclosure-log-index".into())
            .spawn(move || run(&received, &store, &key, policy))?;
        Ok(Self { messages })
    }

    /// Resolves once every entry sequenced before the call is indexed.
    pub async fn catch_up(&self) -> Result<(), String> {
        self.ask(false).await
    }

    /// Resolves once every entry sequenced before the call is indexed and covered by a signed checkpoint.
    pub async fn checkpoint(&self) -> Result<(), String> {
        self.ask(true).await
    }

    async fn ask(&self, checkpoint: bool) -> Result<(), String> {
        let (done, wait) = oneshot::channel();
        let stopped = || "the log's index has stopped".to_owned();
        self.messages.send(Message::CatchUp(checkpoint, done)).map_err(|_| stopped())?;
        wait.await.map_err(|_| stopped())?
    }
}

fn run(received: &Receiver<Message>, store: &Store, key: &SigningKey, policy: CheckpointPolicy) {
    let mut conn: Option<AnyConnection> = None;
    // First whatever a previous run left unindexed.
    let mut due = true;
    // Set while the store fails: try again soon rather than at the next question or the next interval.
    let mut failing = false;
    loop {
        let mut waiting = Vec::new();
        let mut force = false;
        if !due {
            match received.recv_timeout(if failing { RETRY } else { policy.interval }) {
                Ok(Message::CatchUp(checkpoint, done)) => {
                    force = checkpoint;
                    waiting.push(done);
                    // Everyone who asked meanwhile is answered by the same catching up.
                    while let Ok(Message::CatchUp(checkpoint, done)) = received.try_recv() {
                        force |= checkpoint;
                        waiting.push(done);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        due = false;
        let outcome = connection(&mut conn, store)
            .and_then(|conn| {
                // Nothing to index and no checkpoint wanted: say so without taking the index's lock.
                let indexed = log::index_head(conn)?.size;
                let covered = log::latest_checkpoint(conn)?.map_or(0, |c| c.size);
                if !force && indexed >= log::head(conn)?.size && (!waiting.is_empty() || covered >= indexed) {
                    return Ok(());
                }
                catch_up(conn, &mut BTreeMap::new(), key, policy, force)
            })
            .map_err(|e| e.to_string());
        match &outcome {
            Err(e) => {
                conn = None;
                if !failing {
                    tracing::error!(error = %e, "the log's index could not be brought up to date; it will try again");
                }
                failing = true;
            }
            Ok(()) => failing = false,
        }
        for done in waiting {
            let _ = done.send(outcome.clone());
        }
    }
}

/// The index's own connection, opened again after a failure, or when its server closed it while it waited (a
/// database restarted: the readers waiting for the index are not failed for it).
fn connection<'c>(conn: &'c mut Option<AnyConnection>, store: &Store) -> Result<&'c mut AnyConnection, StoreError> {
    if conn.as_mut().is_some_and(|held| !held.still_connected()) {
        *conn = None;
    }
    match conn {
        Some(conn) => Ok(conn),
        None => Ok(conn.insert(store.index_connection()?)),
    }
}

/// Indexes every entry sequenced so far, using the entries in `pending` (taken out as they are indexed) and reading
/// back any other; signs a checkpoint if one is due, or if `force` and any entry is not covered by one.
pub fn catch_up(
    conn: &mut AnyConnection,
    pending: &mut BTreeMap<u64, Sequenced>,
    key: &SigningKey,
    policy: CheckpointPolicy,
    force: bool,
) -> Result<(), StoreError> {
    loop {
        let (indexed, whole) =
            log::with_index_locked(conn, |conn, head| index_some(conn, head, pending, key, policy, force))?;
        // Whatever is below the index now was indexed, by this thread or by another (a gateway, the writer).
        *pending = pending.split_off(&indexed);
        if whole {
            return Ok(());
        }
    }
}

/// Indexes up to [`MOST`] entries after the index's head; returns the new size of the index and whether it reaches
/// the end of the sequence.
fn index_some(
    conn: &mut AnyConnection,
    head: IndexHead,
    pending: &mut BTreeMap<u64, Sequenced>,
    key: &SigningKey,
    policy: CheckpointPolicy,
    force: bool,
) -> Result<(u64, bool), StoreError> {
    let corrupt = |what: &str| {
        StoreError::Corrupt(format!("the log's index head is unreadable ({what}); run `sharegate log reindex`"))
    };
    let mut frontier: Frontier = serde_json::from_str(&head.frontier).map_err(|_| corrupt("frontier"))?;
    let start = u64::try_from(head.size).map_err(|_| corrupt("size"))?;
    if frontier.size != start {
        return Err(corrupt("frontier size"));
    }
    let sequenced = u64::try_from(log::head(conn)?.size).map_err(|_| corrupt("sequence size"))?;
    let latest = log::latest_checkpoint(conn)?;
    let covered = latest.as_ref().map_or(0, |c| u64::try_from(c.size).unwrap_or(0));
    // A checkpoint at most every `policy.every` entries, however many are indexed at once.
    let next_due = covered.saturating_add(policy.every).max(start + 1);
    let end = sequenced.min(start + MOST).min(next_due);
    // What the writer did not hand over is read back and parsed (from the first such entry on: one range query).
    let mut read_back = match (start..end).find(|seq| !pending.contains_key(seq)) {
        Some(first) => read_back(conn, first, end)?,
        None => BTreeMap::new(),
    };
    let mut rows = Vec::with_capacity(usize::try_from(end - start).unwrap_or(0));
    let mut blocks = Vec::new();
    for seq in start..end {
        let entry = match pending.remove(&seq) {
            Some(entry) => entry,
            None => read_back.remove(&seq).ok_or_else(|| corrupt(&format!("entry {seq} is missing")))?,
        };
        rows.push(index_row(i64::try_from(seq).map_err(|_| corrupt("size"))?, entry.index)?);
        if let Some((block, hash)) = frontier.push(entry.leaf) {
            blocks.push((i64::try_from(block).map_err(|_| corrupt("block"))?, hex::encode(hash)));
        }
    }
    log::insert_index(conn, &rows)?;
    for (block, hash) in &blocks {
        log::insert_block(conn, *block, hash)?;
    }
    let size = end;
    let now: DateTime<Utc> = Utc::now().trunc_subsecs(6);
    let stale =
        latest.as_ref().is_none_or(|c| (now.naive_utc() - c.at).to_std().unwrap_or_default() >= policy.interval);
    let whole = end == sequenced;
    if size > covered && (size - covered >= policy.every || (whole && (force || stale))) {
        log::insert_checkpoint(conn, &checkpoint::sign(size, &frontier.root(), now, key))?;
    }
    if end > start {
        let frontier = serde_json::to_string(&frontier).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        log::set_index_head(conn, &IndexHead { size: i64::try_from(size).map_err(|_| corrupt("size"))?, frontier })?;
    }
    Ok((size, whole))
}

/// The index's row for the entry at `seq`.
fn index_row(seq: i64, index: Index<String>) -> Result<IndexRow, StoreError> {
    let at = DateTime::from_timestamp_micros(index.at)
        .ok_or_else(|| StoreError::Corrupt(format!("entry {seq} of the log: its time is out of range")))?;
    Ok(IndexRow {
        seq,
        id: index.id,
        at: at.naive_utc(),
        kind: index.kind,
        subject_id: index.subject_id,
        requester_agency: index.requester_agency,
        requester_person: index.requester_person,
        purpose: index.purpose,
        lawful_basis: index.lawful_basis,
        outcome: index.outcome,
        agencies: index.agencies,
        reviews: index.reviews,
        dropped_from: index.dropped_from,
        waits_for: index.waits_for,
    })
}

/// Entries `[from, end)` read back from the sequence: their columns from their text, their leaf hashes as stored.
fn read_back(conn: &mut AnyConnection, from: u64, end: u64) -> Result<BTreeMap<u64, Sequenced>, StoreError> {
    let corrupt = |seq: i64, what: &str| {
        StoreError::Corrupt(format!("entry {seq} of the log: {what}; run `sharegate log verify`"))
    };
    let mut found = BTreeMap::new();
    for (seq, canonical, leaf_hash) in
        log::sequenced(conn, i64::try_from(from).unwrap_or(i64::MAX), i64::try_from(end).unwrap_or(i64::MAX))?
    {
        let parsed: super::entry::Positioned = serde_json::from_str(&canonical)
            .map_err(|e| corrupt(seq, &format!("its text is not a log entry ({e})")))?;
        let leaf = merkle::decode(&leaf_hash).map_err(|_| corrupt(seq, "its leaf hash is not a hash"))?;
        let position = u64::try_from(seq).map_err(|_| corrupt(seq, "a negative position"))?;
        if parsed.seq != position {
            return Err(corrupt(seq, "its text names another position"));
        }
        found.insert(position, Sequenced { seq: position, leaf, index: parsed.index });
    }
    Ok(found)
}

/// `sharegate log reindex`: empties the index and builds it again from the sequence, every entry read back and
/// parsed; returns how many entries it holds. The checkpoints already signed stay (the rebuilt tree must match
/// them, which `log verify` checks); past the last, checkpoints are signed as the writer would.
///
/// Meant for a stopped gateway, or one whose DPO reads may wait meanwhile: the emptying commits at once, and each
/// read waits for the index to reach the end again.
pub fn reindex(store: &Store, key: &SigningKey, policy: CheckpointPolicy) -> Result<u64, StoreError> {
    let mut conn = store.index_connection()?;
    log::with_index_locked(&mut conn, |conn, _| log::clear_index(conn))?;
    catch_up(&mut conn, &mut BTreeMap::new(), key, policy, false)?;
    Ok(u64::try_from(log::index_head(&mut conn)?.size).unwrap_or(0))
}
