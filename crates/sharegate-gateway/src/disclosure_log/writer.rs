//! The log's one writer: handlers hand it entries; it appends them in batches — one transaction, one fsync, for
//! every entry that arrived while the previous batch was committing — and acknowledges each only once its batch
//! is committed. An answer is sent only after its acknowledgement. Any failure fails the whole batch: every caller
//! answers 503 and nothing is disclosed. One job a batch turns down on its own: a review by an agency that has already
//! reviewed that disclosure (its caller answers 409; the rest of the batch commits).

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use ed25519_dalek::SigningKey;
use prometheus::core::Collector;
use prometheus::{IntCounterVec, Opts};

use super::checkpoint;
use super::entry::{self, Entry, Index};
use super::merkle::{Frontier, Hash, leaf_hash};
use crate::store::group_commit::{CommitError, CommitFn, GroupCommit, IdleFn};
use crate::store::log::{self, HeadRow, LogRow};
use crate::store::{AnyConnection, Store, StoreError};

/// When the writer signs a checkpoint.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointPolicy {
    /// After this many entries since the last checkpoint…
    pub every: u64,
    /// …or this long, if anything was appended since.
    pub interval: Duration,
}

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

/// What the writer did with a job.
#[derive(Debug)]
enum Done {
    Appended(Appended),
    /// A review not appended: its agency had already reviewed the disclosure.
    AlreadyReviewed {
        agency: String,
    },
    Checkpoint,
}

/// What the writer is asked to do.
enum LogJob {
    Append(Box<Prepared>),
    /// Sign a checkpoint now if anything was appended since the last one.
    Checkpoint,
}

pub type LogError = CommitError;

/// The log's one writer (see `crate::store::group_commit`).
#[derive(Clone)]
pub struct LogWriter {
    writer: GroupCommit<LogJob, Done>,
    /// Entries committed, by kind and outcome: refusals rising, or discoveries, show here first.
    entries: IntCounterVec,
    /// Records nodes sent that were not passed on, by agency and why (see [`crate::redaction::Dropped`]).
    dropped: IntCounterVec,
}

impl LogWriter {
    /// Starts the writer thread. It stops when the last `LogWriter` handle is dropped.
    pub fn start(store: Store, key: SigningKey, policy: CheckpointPolicy) -> std::io::Result<Self> {
        let idle_key = key.clone();
        let commit: CommitFn<LogJob, Done> = Box::new(move |conn, jobs| commit_batch(conn, jobs, &key, policy));
        // Quiet for a while: sign a checkpoint if entries arrived since the last one.
        let idle: IdleFn = Box::new(move |conn| {
            let size = log::head(conn)?.size;
            let covered = log::latest_checkpoint(conn)?.map_or(0, |c| c.size);
            if size > covered {
                commit_batch(conn, vec![LogJob::Checkpoint], &idle_key, policy).map(|_| ())
            } else {
                Ok(())
            }
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
        Ok(Self { writer, entries, dropped })
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
        match self.writer.submit(LogJob::Append(Box::new(prepared))).await? {
            Done::Appended(appended) => {
                self.entries.with_label_values(&[entry.kind.as_str(), entry.outcome.as_str()]).inc();
                for part in &entry.agencies {
                    for (why, count) in &part.dropped {
                        let count = u64::try_from(*count).unwrap_or(u64::MAX);
                        self.dropped.with_label_values(&[part.agency.as_str(), why.code()]).inc_by(count);
                    }
                }
                Ok(appended)
            }
            Done::AlreadyReviewed { agency } => Err(AppendError::AlreadyReviewed { agency }),
            Done::Checkpoint => Err(CommitError::Unavailable("the writer lost an entry".into()).into()),
        }
    }

    /// Signs a checkpoint now if anything was appended since the last one.
    pub async fn checkpoint(&self) -> Result<(), LogError> {
        self.writer.submit(LogJob::Checkpoint).await.map(|_| ())
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
        Ok(Self { index: Index::of(entry), body: entry::body(entry)? })
    }

    /// For a review: the disclosure it reviews and the reviewing agency, which may review it once.
    fn review(&self) -> Option<(&str, &str)> {
        Some((self.index.reviews.as_deref()?, &self.index.requester_agency))
    }

    /// The row the entry becomes at position `seq`, after the entry whose leaf hash is `prev`: its canonical text,
    /// its leaf hash and the columns kept for queries.
    pub fn row(self, seq: u64, prev: &str) -> Result<(LogRow, Hash), StoreError> {
        let canonical =
            entry::canonical(seq, prev, &self.index, &self.body).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let leaf = leaf_hash(canonical.as_bytes());
        let index = self.index;
        let row = LogRow {
            seq: i64::try_from(seq).map_err(|_| corrupt("size"))?,
            id: index.id,
            at: DateTime::from_timestamp_micros(index.at).ok_or_else(|| corrupt("time"))?.naive_utc(),
            kind: index.kind,
            subject_id: index.subject_id,
            requester_agency: index.requester_agency,
            requester_person: index.requester_person,
            purpose: index.purpose,
            lawful_basis: index.lawful_basis,
            outcome: index.outcome,
            agencies: index.agencies,
            canonical,
            leaf_hash: hex::encode(leaf),
            reviews: index.reviews,
            dropped_from: index.dropped_from,
            waits_for: index.waits_for,
        };
        Ok((row, leaf))
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("the log's head is unreadable ({what}); run `sharegate log verify`"))
}

/// Appends the batch's entries and signs a checkpoint if due (or asked for), in one transaction holding the head
/// lock. One result per job, in order.
fn commit_batch(
    conn: &mut AnyConnection,
    jobs: Vec<LogJob>,
    key: &SigningKey,
    policy: CheckpointPolicy,
) -> Result<Vec<Done>, StoreError> {
    let force_checkpoint = jobs.iter().any(|j| matches!(j, LogJob::Checkpoint));
    log::with_head_locked(conn, |conn, head| {
        let mut frontier: Frontier = serde_json::from_str(&head.frontier).map_err(|_| corrupt("frontier"))?;
        let mut size = u64::try_from(head.size).map_err(|_| corrupt("size"))?;
        if frontier.size != size {
            return Err(corrupt("frontier size"));
        }
        let mut last = head.last_hash;
        let mut appended = Vec::with_capacity(jobs.len());
        let mut rows = Vec::with_capacity(jobs.len());
        let mut blocks = Vec::new();
        let mut any = false;
        // Reviews appended in this batch, by disclosure and agency: not yet in the table the check below reads.
        let mut reviewed = BTreeSet::new();
        for job in jobs {
            let LogJob::Append(prepared) = job else {
                appended.push(Done::Checkpoint);
                continue;
            };
            if let Some((disclosure, agency)) = prepared.review() {
                let review = (disclosure.to_owned(), agency.to_owned());
                if reviewed.contains(&review) || log::reviewed_by(conn, disclosure, agency)? {
                    appended.push(Done::AlreadyReviewed { agency: review.1 });
                    continue;
                }
                reviewed.insert(review);
            }
            any = true;
            let (row, leaf) = prepared.row(size, &last)?;
            let leaf_hex = row.leaf_hash.clone();
            rows.push(row);
            if let Some((block, hash)) = frontier.push(leaf) {
                blocks.push((i64::try_from(block).map_err(|_| corrupt("block"))?, hex::encode(hash)));
            }
            appended.push(Done::Appended(Appended { seq: size, leaf_hash: leaf_hex.clone() }));
            last = leaf_hex;
            size += 1;
        }
        log::insert_entries(conn, &rows)?;
        for (block, hash) in &blocks {
            log::insert_block(conn, *block, hash)?;
        }
        let latest = log::latest_checkpoint(conn)?;
        let covered = latest.as_ref().map_or(0, |c| u64::try_from(c.size).unwrap_or(0));
        let now: DateTime<Utc> = Utc::now().trunc_subsecs(6);
        let stale =
            latest.as_ref().is_none_or(|c| (now.naive_utc() - c.at).to_std().unwrap_or_default() >= policy.interval);
        if size > covered && (force_checkpoint || size - covered >= policy.every || stale) {
            let root = frontier.root();
            log::insert_checkpoint(conn, &checkpoint::sign(size, &root, now, key))?;
        }
        if any {
            let frontier = serde_json::to_string(&frontier).map_err(|e| StoreError::Unavailable(e.to_string()))?;
            log::set_head(
                conn,
                &HeadRow { size: i64::try_from(size).map_err(|_| corrupt("size"))?, last_hash: last, frontier },
            )?;
        }
        Ok(appended)
    })
}
