//! The log's one writer: handlers hand it entries; it sequences them in batches — one transaction, one fsync, for
//! every entry that arrived while the previous batch was committing — and acknowledges each only once its batch
//! is committed. An answer is sent only after its acknowledgement. Sequencing is all the answer waits for: each
//! entry's text and leaf hash appended at its place in the chain (`log_sequence`), and the head moved. The query
//! columns, the tree and the checkpoints are built behind it by the [`Indexer`], which the writer tells of each
//! entry once committed.
//!
//! Any failure fails the whole batch: every caller answers 503 and nothing is disclosed. One job a batch turns down
//! on its own: a review by an agency that has already reviewed that disclosure (its caller answers 409; the rest of
//! the batch commits).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::SubsecRound;
use ed25519_dalek::SigningKey;
use prometheus::core::Collector;
use prometheus::{IntCounterVec, Opts};

use super::checkpoint::CheckpointPolicy;
use super::entry::{self, Entry, Index};
use super::indexer::{self, Indexer, Sequenced};
use super::merkle::leaf_hash;
use crate::store::group_commit::{CommitError, CommitFn, GroupCommit, IdleFn};
use crate::store::log::{self, HeadRow, SequencedRow};
use crate::store::{AnyConnection, Store, StoreError};

/// An entry's place in the log, once committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub seq: u64,
    pub leaf_hash: String,
}

/// Why an entry was not appended although the log could be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppendError {
    #[error(transparent)]
    Unavailable(#[from] CommitError),
    /// Each agency reviews a disclosure once. Checked by the writer, inside the transaction that would append the
    /// review, so that two reviews sent at the same moment (a double click, two DPOs of one agency, two gateways)
    /// cannot both pass.
    #[error("a DPO of {agency} has already reviewed this disclosure")]
    AlreadyReviewed { agency: String },
}

/// What the writer did with an entry.
enum Done {
    Appended(Appended),
    /// A review not appended: its agency had already reviewed the disclosure.
    AlreadyReviewed {
        agency: String,
    },
}

pub type LogError = CommitError;

/// The log's one writer (see `crate::store::group_commit`).
#[derive(Clone)]
pub struct LogWriter {
    writer: GroupCommit<Prepared, Done>,
    indexer: Indexer,
    /// Entries committed, by kind and outcome: refusals rising, or discoveries, show here first.
    entries: IntCounterVec,
    /// Records nodes sent that were not passed on, by agency and why (see [`crate::redaction::Dropped`]).
    dropped: IntCounterVec,
}

impl LogWriter {
    /// Starts the writer's thread and the index's. They stop when the last `LogWriter` handle is dropped.
    pub fn start(store: Store, key: SigningKey, policy: CheckpointPolicy) -> std::io::Result<Self> {
        let indexer = Indexer::start(store.clone(), key.clone(), policy)?;
        let behind = Arc::new(Mutex::new(Behind::default()));
        let (idle_key, idle_behind) = (key.clone(), Arc::clone(&behind));
        let commit: CommitFn<Prepared, Done> =
            Box::new(move |conn, jobs| commit_batch(conn, jobs, &key, policy, &mut lock(&behind)));
        // Quiet for a while (no batch to index it at the start of): index what is behind. Not sooner: an idle writer
        // with no connection opens one to run this, and a stopped database is not to be asked fifty times a second.
        let idle: IdleFn = Box::new(move |conn| {
            let mut behind = lock(&idle_behind);
            if behind.pending.is_empty() { Ok(()) } else { behind.index(conn, &idle_key, policy) }
        });
        let entries = IntCounterVec::new(
            Opts::new("sharegate_log_entries_total", "Entries committed to the disclosure log"),
            &["kind", "outcome"],
        )
        .map_err(std::io::Error::other)?;
        // What a node sent and the gateway did not pass on, by agency and why: a count that should stay at zero, for
        // an operator to alert on (a node changed after signing, or serving more than it is asked).
        let dropped = IntCounterVec::new(
            Opts::new("sharegate_records_dropped_total", "Records agency nodes sent that the gateway did not pass on"),
            &["agency", "why"],
        )
        .map_err(std::io::Error::other)?;
        let writer = GroupCommit::start("disclosure-log", store, commit, Some((policy.interval, idle)))?;
        Ok(Self { writer, indexer, entries, dropped })
    }

    /// The writer's metrics, to be registered with the server's registry.
    pub fn collectors(&self) -> Vec<Box<dyn Collector>> {
        let mut all = self.writer.metrics().collectors();
        all.push(Box::new(self.entries.clone()));
        all.push(Box::new(self.dropped.clone()));
        all
    }

    /// Appends an entry; resolves once it is committed (durable), with its place in the log.
    pub async fn append(&self, mut entry: Entry) -> Result<Appended, AppendError> {
        // Microseconds: what both databases keep, so the `at` column and the hashed text agree exactly.
        entry.at = entry.at.trunc_subsecs(6);
        let prepared = Prepared::new(&entry).map_err(|e| CommitError::Unavailable(e.to_string()))?;
        let appended = self.submit(prepared).await?;
        self.entries.with_label_values(&[entry.kind.as_str(), entry.outcome.as_str()]).inc();
        for part in &entry.agencies {
            for (why, count) in &part.dropped {
                let count = u64::try_from(*count).unwrap_or(u64::MAX);
                self.dropped.with_label_values(&[part.agency.as_str(), why.code()]).inc_by(count);
            }
        }
        Ok(appended)
    }

    /// Appends an entry made ready by its own module (a policy change); resolves once it is committed (durable).
    pub(super) async fn submit(&self, prepared: Prepared) -> Result<Appended, AppendError> {
        match self.writer.submit(prepared).await? {
            Done::Appended(appended) => Ok(appended),
            Done::AlreadyReviewed { agency } => Err(AppendError::AlreadyReviewed { agency }),
        }
    }

    /// Resolves once everything appended so far is indexed and covered by a signed checkpoint.
    pub async fn checkpoint(&self) -> Result<(), LogError> {
        self.indexer.checkpoint().await.map_err(CommitError::Unavailable)
    }

    /// Resolves once everything appended so far is indexed: a reader of the index then sees every entry committed
    /// before it asked, its own included.
    pub async fn caught_up(&self) -> Result<(), LogError> {
        self.indexer.catch_up().await.map_err(CommitError::Unavailable)
    }
}

/// An entry made ready for the log by whoever submits it, on their own thread: its columns and its own text. The one
/// writer, through which every entry passes in turn, then does only what depends on the entry's place in the log.
pub struct Prepared {
    index: Index<String>,
    body: String,
}

impl Prepared {
    /// `entry.at` must already be in whole microseconds.
    pub fn new(entry: &Entry) -> serde_json::Result<Self> {
        Self::with(Index::of(entry), entry)
    }

    /// Anything else the log keeps, with what its columns say of it.
    pub(super) fn with(index: Index<String>, entry: &impl serde::Serialize) -> serde_json::Result<Self> {
        Ok(Self { index, body: serde_json::to_string(entry)? })
    }

    /// For a review: the disclosure it reviews and the reviewing agency, which may review it once.
    fn review(&self) -> Option<(&str, &str)> {
        Some((self.index.reviews.as_deref()?, &self.index.requester_agency))
    }

    /// The entry at position `seq`, after the entry whose leaf hash is `prev`: its row in the sequence (its
    /// canonical text and leaf hash), and what the index is to keep of it.
    pub fn sequence(self, seq: u64, prev: &str) -> Result<(SequencedRow, Sequenced), StoreError> {
        let canonical =
            entry::canonical(seq, prev, &self.index, &self.body).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let leaf = leaf_hash(canonical.as_bytes());
        let row = SequencedRow {
            seq: i64::try_from(seq).map_err(|_| corrupt("size"))?,
            canonical,
            leaf_hash: hex::encode(leaf),
        };
        Ok((row, Sequenced { seq, leaf, index: self.index }))
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("the log's head is unreadable ({what}); run `sharegate log verify`"))
}

/// What the writer has sequenced and not indexed yet, with the columns already made: it indexes them itself, many
/// batches' worth at a time, at the start of a later batch's transaction (the pages of the index are then written
/// once for many entries, and share that batch's commit) or when the queue is quiet.
#[derive(Default)]
struct Behind {
    pending: BTreeMap<u64, Sequenced>,
    /// When the oldest of them was sequenced.
    oldest: Option<Instant>,
}

impl Behind {
    /// Indexes everything sequenced so far, these entries from memory and any other read back.
    fn index(
        &mut self,
        conn: &mut AnyConnection,
        key: &SigningKey,
        policy: CheckpointPolicy,
    ) -> Result<(), StoreError> {
        indexer::catch_up(conn, &mut self.pending, key, policy, false)?;
        self.oldest = None;
        Ok(())
    }
}

/// The most entries left behind before the writer indexes them whatever their age.
const MOST_BEHIND: usize = 2048;

fn lock(behind: &Mutex<Behind>) -> std::sync::MutexGuard<'_, Behind> {
    // Only the writer's thread takes it; a panic there leaves nothing half-changed that matters (the index is
    // derived and checked against the sequence).
    behind.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Sequences the batch's entries in one transaction holding the head lock, after indexing what is behind if it is
/// due. One result per entry, in order.
fn commit_batch(
    conn: &mut AnyConnection,
    jobs: Vec<Prepared>,
    key: &SigningKey,
    policy: CheckpointPolicy,
    behind: &mut Behind,
) -> Result<Vec<Done>, StoreError> {
    // A review is checked against every review before it: the index must hold them all.
    let review = jobs.iter().any(|j| j.review().is_some());
    let due = behind.oldest.is_some_and(|t| t.elapsed() >= indexer::GATHER) || behind.pending.len() >= MOST_BEHIND;
    let (done, sequenced) = log::with_head_locked(conn, |conn, head| {
        if due || review {
            behind.index(conn, key, policy)?;
        }
        let mut size = u64::try_from(head.size).map_err(|_| corrupt("size"))?;
        let mut last = head.last_hash;
        let mut done = Vec::with_capacity(jobs.len());
        let mut rows = Vec::with_capacity(jobs.len());
        let mut sequenced = Vec::with_capacity(jobs.len());
        // Reviews appended in this batch, by disclosure and agency: not yet in the table the check below reads.
        let mut reviewed = BTreeSet::new();
        for prepared in jobs {
            if let Some((disclosure, agency)) = prepared.review() {
                let review = (disclosure.to_owned(), agency.to_owned());
                if reviewed.contains(&review) || log::reviewed_by(conn, disclosure, agency)? {
                    done.push(Done::AlreadyReviewed { agency: review.1 });
                    continue;
                }
                reviewed.insert(review);
            }
            let (row, entry) = prepared.sequence(size, &last)?;
            last.clone_from(&row.leaf_hash);
            done.push(Done::Appended(Appended { seq: size, leaf_hash: row.leaf_hash.clone() }));
            rows.push(row);
            sequenced.push(entry);
            size += 1;
        }
        if !rows.is_empty() {
            log::insert_sequenced(conn, &rows)?;
            log::set_head(conn, &HeadRow { size: i64::try_from(size).map_err(|_| corrupt("size"))?, last_hash: last })?;
        }
        Ok((done, sequenced))
    })?;
    // Committed: only now are the entries the writer's to index (a batch rolled back gives its places to the next).
    for entry in sequenced {
        behind.oldest.get_or_insert_with(Instant::now);
        behind.pending.insert(entry.seq, entry);
    }
    Ok(done)
}
