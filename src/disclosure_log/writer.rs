//! The log's one writer: handlers hand it entries; it appends them in batches — one transaction, one fsync, for
//! every entry that arrived while the previous batch was committing — and acknowledges each only once its batch
//! is committed. An answer is sent only after its acknowledgement. Any failure fails the whole batch: every caller
//! answers 503 and nothing is disclosed.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use ed25519_dalek::SigningKey;
use tokio::sync::{mpsc, oneshot};

use super::checkpoint;
use super::entry::{Entry, LoggedEntry};
use super::merkle::{Frontier, leaf_hash};
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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    #[error("the disclosure log cannot be written: {0}")]
    Unavailable(String),
    #[error("the disclosure log writer has stopped")]
    Stopped,
}

/// An entry's place in the log, once committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub seq: u64,
    pub leaf_hash: String,
}

enum Job {
    Append(Box<Entry>, oneshot::Sender<Result<Appended, LogError>>),
    Checkpoint(oneshot::Sender<Result<(), LogError>>),
}

/// The most entries committed in one transaction.
const MAX_BATCH: usize = 1024;
/// How many entries may wait for the writer before callers wait to hand theirs over.
const QUEUE: usize = 8192;

#[derive(Clone)]
pub struct LogWriter {
    jobs: mpsc::Sender<Job>,
}

impl LogWriter {
    /// Starts the writer thread. It stops when the last `LogWriter` handle is dropped.
    pub fn start(store: Store, key: SigningKey, policy: CheckpointPolicy) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel(QUEUE);
        std::thread::Builder::new().name("disclosure-log".into()).spawn(move || run(queue, &store, &key, policy))?;
        Ok(Self { jobs })
    }

    /// Appends an entry; resolves once it is committed (durable), with its place in the log.
    pub async fn append(&self, entry: Entry) -> Result<Appended, LogError> {
        let (done, wait) = oneshot::channel();
        self.jobs.send(Job::Append(Box::new(entry), done)).await.map_err(|_| LogError::Stopped)?;
        wait.await.map_err(|_| LogError::Stopped)?
    }

    /// Signs a checkpoint now if anything was appended since the last one.
    pub async fn checkpoint(&self) -> Result<(), LogError> {
        let (done, wait) = oneshot::channel();
        self.jobs.send(Job::Checkpoint(done)).await.map_err(|_| LogError::Stopped)?;
        wait.await.map_err(|_| LogError::Stopped)?
    }
}

fn run(mut queue: mpsc::Receiver<Job>, store: &Store, key: &SigningKey, policy: CheckpointPolicy) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_time().build() else {
        tracing::error!("the disclosure log writer cannot start; every disclosure will be refused");
        return;
    };
    loop {
        let first = match runtime.block_on(async { tokio::time::timeout(policy.interval, queue.recv()).await }) {
            Ok(Some(job)) => job,
            Ok(None) => break,
            Err(_) => {
                // Quiet for a while: sign a checkpoint if entries arrived since the last one.
                let idle = store.run_now(|conn| {
                    let size = log::head(conn)?.size;
                    let covered = log::latest_checkpoint(conn)?.map_or(0, |c| c.size);
                    if size > covered { commit_batch(conn, &[], key, policy, true).map(|_| ()) } else { Ok(()) }
                });
                if let Err(e) = idle {
                    tracing::error!(error = %e, "the disclosure log could not sign a checkpoint");
                }
                continue;
            }
        };
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let entries: Vec<&Entry> = jobs
            .iter()
            .filter_map(|j| match j {
                Job::Append(entry, _) => Some(entry.as_ref()),
                Job::Checkpoint(_) => None,
            })
            .collect();
        let force = jobs.iter().any(|j| matches!(j, Job::Checkpoint(_)));
        let result = store.run_now(|conn| commit_batch(conn, &entries, key, policy, force));
        if let Err(e) = &result {
            tracing::error!(error = %e, entries = entries.len(), "a batch of disclosure entries could not be committed; nothing was disclosed");
        }
        let mut appended = result.as_ref().map(|a| a.iter()).map_err(|e| LogError::Unavailable(e.to_string()));
        for job in jobs {
            match job {
                Job::Append(_, done) => {
                    let outcome = match &mut appended {
                        Ok(places) => {
                            places.next().cloned().ok_or_else(|| LogError::Unavailable("lost an entry".into()))
                        }
                        Err(e) => Err(e.clone()),
                    };
                    let _ = done.send(outcome);
                }
                Job::Checkpoint(done) => {
                    let _ = done.send(result.as_ref().map(|_| ()).map_err(|e| LogError::Unavailable(e.to_string())));
                }
            }
        }
    }
}

/// The agencies an entry involves: the requester's, and every holder of a category asked, given or refused.
pub(super) fn agencies(entry: &Entry) -> String {
    let involved: BTreeSet<&str> = std::iter::once(entry.requester.agency.as_str())
        .chain(entry.asked.iter().map(|c| c.holder().as_str()))
        .chain(entry.given.iter().map(|g| g.agency.as_str()))
        .chain(entry.refused.iter().map(|r| r.agency.as_str()))
        .collect();
    format!(",{},", involved.into_iter().collect::<Vec<_>>().join(","))
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Unavailable(format!("the log's head is unreadable ({what}); run `sharegate log verify`"))
}

/// Appends `entries` (possibly none) and signs a checkpoint if due, in one transaction holding the head lock.
fn commit_batch(
    conn: &mut AnyConnection,
    entries: &[&Entry],
    key: &SigningKey,
    policy: CheckpointPolicy,
    force_checkpoint: bool,
) -> Result<Vec<Appended>, StoreError> {
    log::with_head_locked(conn, |conn, head| {
        let mut frontier: Frontier = serde_json::from_str(&head.frontier).map_err(|_| corrupt("frontier"))?;
        let mut size = u64::try_from(head.size).map_err(|_| corrupt("size"))?;
        if frontier.size != size {
            return Err(corrupt("frontier size"));
        }
        let mut last = head.last_hash;
        let mut appended = Vec::with_capacity(entries.len());
        for entry in entries {
            let mut entry = (*entry).clone();
            // Microseconds: what both databases keep, so the `at` column and the hashed text agree exactly.
            entry.at = entry.at.trunc_subsecs(6);
            let entry = &entry;
            let logged = LoggedEntry { seq: size, prev: last.clone(), entry: entry.clone() };
            let canonical = serde_json::to_string(&logged).map_err(|e| StoreError::Unavailable(e.to_string()))?;
            let leaf = leaf_hash(canonical.as_bytes());
            let leaf_hex = hex::encode(leaf);
            log::insert_entry(
                conn,
                &LogRow {
                    seq: i64::try_from(size).map_err(|_| corrupt("size"))?,
                    id: entry.id.to_string(),
                    at: entry.at.naive_utc(),
                    kind: entry.kind.as_str().to_owned(),
                    subject_id: entry.subject.to_string(),
                    requester_agency: entry.requester.agency.to_string(),
                    requester_person: entry.requester.person.to_string(),
                    purpose: entry.purpose.to_string(),
                    lawful_basis: entry.lawful_basis.to_string(),
                    outcome: entry.outcome.as_str().to_owned(),
                    agencies: agencies(entry),
                    canonical,
                    leaf_hash: leaf_hex.clone(),
                },
            )?;
            if let Some((block, hash)) = frontier.push(leaf).map_err(|e| corrupt(&e))? {
                log::insert_block(conn, i64::try_from(block).map_err(|_| corrupt("block"))?, &hex::encode(hash))?;
            }
            appended.push(Appended { seq: size, leaf_hash: leaf_hex.clone() });
            last = leaf_hex;
            size += 1;
        }
        let latest = log::latest_checkpoint(conn)?;
        let covered = latest.as_ref().map_or(0, |c| u64::try_from(c.size).unwrap_or(0));
        let now: DateTime<Utc> = Utc::now().trunc_subsecs(6);
        let stale =
            latest.as_ref().is_none_or(|c| (now.naive_utc() - c.at).to_std().unwrap_or_default() >= policy.interval);
        if size > covered && (force_checkpoint || size - covered >= policy.every || stale) {
            let root = frontier.root().map_err(|e| corrupt(&e))?;
            log::insert_checkpoint(conn, &checkpoint::sign(size, &root, now, key))?;
        }
        if !entries.is_empty() {
            let frontier = serde_json::to_string(&frontier).map_err(|e| StoreError::Unavailable(e.to_string()))?;
            log::set_head(
                conn,
                &HeadRow { size: i64::try_from(size).map_err(|_| corrupt("size"))?, last_hash: last, frontier },
            )?;
        }
        Ok(appended)
    })
}
