//! Copying SQLite's write-ahead log back into the database file (checkpoints), for a group-commit writer.
//!
//! Left to SQLite, the commit that takes the log past a thousand pages does the copy, and every caller of that batch
//! waits for megabytes to be copied and the database file to be synced. A writer's connection therefore never
//! checkpoints on its own (`connection::for_writer`); two others do, neither inside a commit:
//! - a helper thread, on a connection of its own, soon after commits: it copies most of the log while the writer
//!   goes on writing (a passive checkpoint waits for no writer, and no writer waits for it);
//! - the writer itself, between batches, every so often: it copies what the helper has not yet, which leaves the
//!   log fully copied, so that its next commit starts the log file over. Only the writer can: while it writes, the
//!   helper's copy never catches up, and a log never fully copied grows without end.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use super::{AnyConnection, DatabaseUrl, Store, connection};

/// How long the helper lets commits gather before copying them.
const HELPER_GATHER: Duration = Duration::from_millis(20);
/// How often, at most, the writer copies the rest itself.
const WRITER_EVERY: Duration = Duration::from_millis(100);

/// A writer's checkpoints. The helper thread stops when this is dropped.
pub(super) struct Checkpoints {
    /// Wakes the helper; none on PostgreSQL, whose server checkpoints on its own.
    helper: Option<SyncSender<()>>,
    writer_last: Instant,
}

impl Checkpoints {
    pub(super) fn start(store: &Store, writer: &str) -> std::io::Result<Self> {
        let helper = match store.url() {
            DatabaseUrl::Sqlite(_) => {
                let (wake, woken) = sync_channel(1);
                let store = store.clone();
                std::thread::Builder::new().name(format!("{writer}-ckpt")).spawn(move || helper(&store, &woken))?;
                Some(wake)
            }
            DatabaseUrl::Postgres(_) => None,
        };
        Ok(Self { helper, writer_last: Instant::now() })
    }

    /// After a batch is committed and its callers answered, on the writer's own connection.
    pub(super) fn committed(&mut self, conn: &mut AnyConnection) {
        let Some(helper) = &self.helper else { return };
        // Full: the helper is already due to run, and will copy this batch too.
        if let Err(TrySendError::Disconnected(())) = helper.try_send(()) {
            tracing::error!("the write-ahead log's helper has stopped; the writer copies the log alone");
        }
        if self.writer_last.elapsed() < WRITER_EVERY {
            return;
        }
        // Not all copied (the helper was copying meanwhile): again after the next batch.
        match connection::checkpoint_passive(conn) {
            Ok(true) => self.writer_last = Instant::now(),
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %e, "could not copy the write-ahead log into the database file; will try again");
            }
        }
    }
}

fn helper(store: &Store, woken: &Receiver<()>) {
    while woken.recv().is_ok() {
        std::thread::sleep(HELPER_GATHER);
        if let Err(e) = store.run_now(|conn| connection::checkpoint_passive(conn).map(|_| ())) {
            tracing::warn!(error = %e, "could not copy the write-ahead log into the database file; will try again");
        }
    }
}
