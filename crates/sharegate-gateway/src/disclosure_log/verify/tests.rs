#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::time::Duration;

use diesel::connection::SimpleConnection;

use super::*;
use crate::disclosure_log::{CheckpointPolicy, Entry, LogWriter};
use crate::store::{DatabaseUrl, StoreOptions};

fn entry(n: usize) -> Entry {
    crate::disclosure_log::sample(&format!("chunk test entry {n}"))
}

/// A real SQLite log of `n` entries written through the writer, and its key.
async fn log_of(dir: &std::path::Path, n: usize) -> (Store, ed25519_dalek::SigningKey) {
    let store = crate::store::open(&DatabaseUrl::Sqlite(dir.join("log.db")), &StoreOptions::default()).unwrap();
    let key = sharegate_core::signing::generate();
    let policy = CheckpointPolicy { every: 50, interval: Duration::from_secs(60) };
    let writer = LogWriter::start(store.clone(), key.clone(), policy).unwrap();
    for batch in (0..n).collect::<Vec<_>>().chunks(32) {
        futures_util::future::join_all(batch.iter().map(|&i| writer.append(entry(i)))).await;
    }
    writer.checkpoint().await.unwrap();
    (store, key)
}

fn tamper(store: &Store, sql: &str) {
    let bypass = format!(
        "DROP TRIGGER IF EXISTS log_entries_append_only_update; \
         DROP TRIGGER IF EXISTS log_entries_append_only_delete; {sql}"
    );
    store.run_now(|conn| conn.batch_execute(&bypass).map_err(Into::into)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_chunks_verify_as_one_and_find_what_lies_across_their_edges() {
    let dir = tempfile::tempdir().unwrap();
    let (store, key) = log_of(dir.path(), 700).await;
    let key = key.verifying_key();
    let whole = verify_in_chunks(&store, &key, 1 << 20).unwrap();
    assert_eq!((whole.entries, whole.problem.as_deref()), (700, None));
    assert_eq!(verify_in_chunks(&store, &key, 64).unwrap(), whole, "eleven chunks of 64 say what one chunk says");

    // The last entry of the second chunk (64–127), then the first of the third.
    for (seq, named) in [(127, "entry 127 is missing"), (128, "entry 128 is missing")] {
        let dir = tempfile::tempdir().unwrap();
        let (store, key) = log_of(dir.path(), 300).await;
        tamper(&store, &format!("DELETE FROM log_entries WHERE seq = {seq}"));
        let report = verify_in_chunks(&store, &key.verifying_key(), 64).unwrap();
        assert!(report.problem.as_deref().is_some_and(|p| p.contains(named)), "{report:?}");
        assert_eq!(report.entries, seq, "the entries before it are followed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_problem_in_log_order_is_named_whichever_chunk_is_read_first() {
    let dir = tempfile::tempdir().unwrap();
    let (store, key) = log_of(dir.path(), 700).await;
    tamper(
        &store,
        "UPDATE log_entries SET outcome = 'partial' WHERE seq = 650; \
         UPDATE log_entries SET canonical = replace(canonical, 'chunk test', 'chunk tesT') WHERE seq = 200;",
    );
    for _ in 0..5 {
        let report = verify_in_chunks(&store, &key.verifying_key(), 64).unwrap();
        let problem = report.problem.unwrap();
        assert!(problem.starts_with("entry 200 (dis_") && problem.contains("does not match its hash"), "{problem}");
        assert_eq!(report.entries, 200);
    }
}
