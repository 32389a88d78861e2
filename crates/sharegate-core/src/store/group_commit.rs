//! Group commit: one thread owns the writes of a kind, and commits everything that arrived while the previous
//! batch was committing in one transaction — one fsync for many writes, and no writers queueing on the database's
//! lock. Each submitter waits until its batch is committed and learns its own outcome; if the transaction fails,
//! every job of the batch fails.

use std::time::{Duration, Instant};

use prometheus::core::Collector;
use prometheus::{Histogram, HistogramOpts, IntCounter, Opts};
use tokio::sync::{mpsc, oneshot};

use super::checkpoints::Checkpoints;
use super::{AnyConnection, Store, StoreError};

/// Why a job was not committed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitError {
    #[error("the store cannot be written: {0}")]
    Unavailable(String),
    #[error("the writer has stopped")]
    Stopped,
}

/// Commits a batch of jobs in one transaction; returns one result per job, in order.
pub type CommitFn<J, R> = Box<dyn Fn(&mut AnyConnection, Vec<J>) -> Result<Vec<R>, StoreError> + Send>;
/// Runs when no job has arrived for a while (e.g. to sign a checkpoint).
pub type IdleFn = Box<dyn Fn(&mut AnyConnection) -> Result<(), StoreError> + Send>;

/// The most jobs committed in one transaction.
const MAX_BATCH: usize = 1024;
/// How many jobs may wait before submitters wait to hand theirs over.
const QUEUE: usize = 8192;

type Job<J, R> = (J, oneshot::Sender<Result<R, CommitError>>);

/// How a writer's batches go, for `/metrics` (labelled with the writer's name): how many jobs each carried, how long
/// each took to commit (the wait every answer behind it shares), and how many failed (each failure refused them all).
#[derive(Clone)]
pub struct BatchMetrics {
    jobs: Histogram,
    seconds: Histogram,
    failures: IntCounter,
}

impl BatchMetrics {
    fn new(writer: &str) -> Result<Self, prometheus::Error> {
        let histogram = |name: &str, help: &str, buckets: Vec<f64>| {
            Histogram::with_opts(HistogramOpts::new(name, help).const_label("writer", writer).buckets(buckets))
        };
        Ok(Self {
            jobs: histogram(
                "sharegate_writer_batch_jobs",
                "Jobs committed together in one transaction",
                prometheus::exponential_buckets(1.0, 2.0, 11)?,
            )?,
            seconds: histogram(
                "sharegate_writer_batch_seconds",
                "Time to commit one batch, durable (fsync included)",
                prometheus::exponential_buckets(0.000_25, 2.0, 14)?,
            )?,
            failures: IntCounter::with_opts(
                Opts::new("sharegate_writer_batch_failures_total", "Batches that could not be committed")
                    .const_label("writer", writer),
            )?,
        })
    }

    /// The metrics, to be registered with the server's registry.
    pub fn collectors(&self) -> Vec<Box<dyn Collector>> {
        vec![Box::new(self.jobs.clone()), Box::new(self.seconds.clone()), Box::new(self.failures.clone())]
    }
}

pub struct GroupCommit<J, R> {
    jobs: mpsc::Sender<Job<J, R>>,
    metrics: BatchMetrics,
}

impl<J, R> Clone for GroupCommit<J, R> {
    fn clone(&self) -> Self {
        Self { jobs: self.jobs.clone(), metrics: self.metrics.clone() }
    }
}

impl<J: Send + 'static, R: Send + 'static> GroupCommit<J, R> {
    /// Starts the writer thread; it stops when the last handle is dropped.
    pub fn start(
        name: &str,
        store: Store,
        commit: CommitFn<J, R>,
        idle: Option<(Duration, IdleFn)>,
    ) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let metrics = BatchMetrics::new(name).map_err(std::io::Error::other)?;
        let checkpoints = Checkpoints::start(&store, name)?;
        let conn = HeldConnection { store, held: None, checkpoints };
        let recorded = metrics.clone();
        std::thread::Builder::new().name(name.to_owned()).spawn(move || run(queue, conn, &commit, idle, &recorded))?;
        Ok(Self { jobs, metrics })
    }

    pub fn metrics(&self) -> &BatchMetrics {
        &self.metrics
    }

    /// Hands a job to the writer; resolves once its batch is committed.
    pub async fn submit(&self, job: J) -> Result<R, CommitError> {
        let (done, wait) = oneshot::channel();
        self.jobs.send((job, done)).await.map_err(|_| CommitError::Stopped)?;
        wait.await.map_err(|_| CommitError::Stopped)?
    }
}

fn run<J, R>(
    mut queue: mpsc::Receiver<Job<J, R>>,
    mut conn: HeldConnection,
    commit: &CommitFn<J, R>,
    idle: Option<(Duration, IdleFn)>,
    metrics: &BatchMetrics,
) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_time().build() else {
        tracing::error!("a group-commit writer cannot start; its writes will be refused");
        return;
    };
    let wait = idle.as_ref().map_or(Duration::from_secs(3600), |(every, _)| *every);
    loop {
        // Whether the writer waited for this batch: its connection has then been idle, and is checked before use.
        let mut waited = false;
        let first = match queue.try_recv() {
            Ok(job) => Ok(Some(job)),
            Err(_) => {
                waited = true;
                runtime.block_on(async { tokio::time::timeout(wait, queue.recv()).await })
            }
        };
        let first = match first {
            Ok(Some(job)) => job,
            Ok(None) => break,
            Err(_) => {
                if let Some((_, idle)) = &idle
                    && let Err(e) = conn.run(|conn| idle(conn))
                {
                    tracing::error!(error = %e, "a group-commit writer's idle work failed");
                }
                continue;
            }
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (jobs, waiters): (Vec<J>, Vec<_>) = batch.into_iter().unzip();
        let count = jobs.len();
        let started = Instant::now();
        if waited {
            conn.check();
        }
        let outcome = conn.run(|conn| commit(conn, jobs));
        metrics.seconds.observe(started.elapsed().as_secs_f64());
        match outcome {
            Ok(results) if results.len() == waiters.len() => {
                for (result, waiter) in results.into_iter().zip(waiters) {
                    let _ = waiter.send(Ok(result));
                }
                metrics.jobs.observe(count as f64);
                conn.committed();
            }
            outcome => {
                let why = match outcome {
                    Err(e) => e.to_string(),
                    Ok(_) => "a batch lost track of its jobs".into(),
                };
                metrics.failures.inc();
                tracing::error!(error = %why, jobs = count, "a batch could not be committed");
                for waiter in waiters {
                    let _ = waiter.send(Err(CommitError::Unavailable(why.clone())));
                }
            }
        }
    }
}

/// The one connection a writer keeps, its own, not the pool's (its statements stay prepared, its SQLite file mapped).
/// It is given up after a failure, so that a connection broken with its server is replaced for the next batch.
struct HeldConnection {
    store: Store,
    held: Option<AnyConnection>,
    checkpoints: Checkpoints,
}

impl HeldConnection {
    fn run<T>(&mut self, work: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let conn = match self.held.as_mut() {
            Some(conn) => conn,
            None => self.held.insert(self.store.writer_connection()?),
        };
        let done = work(conn);
        if done.is_err() {
            self.held = None;
        }
        done
    }

    /// Gives up the connection if its server has closed it while it was idle, so that the first batch after a
    /// database restart does not fail on it (one round trip, and only after the writer has waited: under load,
    /// batches follow each other and are never held up by it).
    fn check(&mut self) {
        if self.held.as_mut().is_some_and(|conn| !conn.still_connected()) {
            self.held = None;
        }
    }

    /// After a batch, once its callers have their answers: what SQLite's write-ahead log needs (see `checkpoints`).
    fn committed(&mut self) {
        if let Some(conn) = self.held.as_mut() {
            self.checkpoints.committed(conn);
        }
    }
}
