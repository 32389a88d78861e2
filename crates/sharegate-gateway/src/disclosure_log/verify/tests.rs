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
        "DROP TRIGGER IF EXISTS log_sequence_append_only_update; \
         DROP TRIGGER IF EXISTS log_sequence_append_only_delete; {sql}"
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

    // The last entry of the second chunk (64–127), then the first of the third; from the log, then from its index.
    for (table, seq, named) in [
        ("log_sequence", 127, "entry 127 is missing: the log jumps"),
        ("log_sequence", 128, "entry 128 is missing: the log jumps"),
        ("log_entries", 127, "entry 127 is missing from the log's index"),
        ("log_entries", 128, "entry 128 is missing from the log's index"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (store, key) = log_of(dir.path(), 300).await;
        tamper(&store, &format!("DELETE FROM {table} WHERE seq = {seq}"));
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
         UPDATE log_sequence SET canonical = replace(canonical, 'chunk test', 'chunk tesT') WHERE seq = 200;",
    );
    for _ in 0..5 {
        let report = verify_in_chunks(&store, &key.verifying_key(), 64).unwrap();
        let problem = report.problem.unwrap();
        assert!(problem.starts_with("entry 200 (dis_") && problem.contains("does not match its hash"), "{problem}");
        assert_eq!(report.entries, 200);
    }
}

/// Entries sequenced but not indexed yet (as after a crash, or between batches) verify by their place and link; a
/// change to one is still found; `reindex` builds the index again, and the log verifies whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unindexed_tail_verifies_and_reindex_rebuilds_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let (store, key) = log_of(dir.path(), 300).await;
    // 40 more, appended to the sequence as the writer does, and never indexed.
    store
        .run_now(|conn| {
            let head = crate::store::log::head(conn)?;
            let (mut size, mut last) = (u64::try_from(head.size).unwrap(), head.last_hash);
            let mut rows = Vec::new();
            for i in 300..340 {
                let mut e = entry(i);
                e.at = chrono::SubsecRound::trunc_subsecs(e.at, 6);
                let (row, _) = crate::disclosure_log::writer::Prepared::new(&e).unwrap().sequence(size, &last)?;
                last.clone_from(&row.leaf_hash);
                rows.push(row);
                size += 1;
            }
            crate::store::log::insert_sequenced(conn, &rows)?;
            let head = crate::store::log::HeadRow { size: i64::try_from(size).unwrap(), last_hash: last };
            crate::store::log::set_head(conn, &head)
        })
        .unwrap();
    let public = key.verifying_key();
    let report = verify_in_chunks(&store, &public, 64).unwrap();
    assert_eq!((report.entries, report.problem.as_deref()), (340, None), "{report:?}");

    tamper(
        &store,
        "UPDATE log_sequence SET canonical = replace(canonical, '\"seq\":320', '\"seq\":321') WHERE seq = 320",
    );
    let report = verify_in_chunks(&store, &public, 64).unwrap();
    assert!(
        report.problem.as_deref().is_some_and(|p| p.starts_with("entry 320: it says it is entry 321")),
        "{report:?}"
    );
    tamper(
        &store,
        "UPDATE log_sequence SET canonical = replace(canonical, '\"seq\":321', '\"seq\":320') WHERE seq = 320",
    );

    let policy = CheckpointPolicy { every: 50, interval: Duration::from_secs(60) };
    assert_eq!(crate::disclosure_log::indexer::reindex(&store, &key, policy).unwrap(), 340);
    let report = verify_in_chunks(&store, &public, 64).unwrap();
    assert_eq!((report.entries, report.problem.as_deref()), (340, None), "{report:?}");
    let indexed = store.run_now(crate::store::log::index_head).unwrap();
    assert_eq!(indexed.size, 340, "the index reaches the log's end again");
}
