//! The disclosure log against its physical limits, each measured in the same run:
//! - durable appends/s through the one writer (group commit), on SQLite and (if `SHAREGATE_TEST_DATABASE_URL` is
//!   set) PostgreSQL, against the disk's rate of `fsync`s;
//! - `log verify` entries/s against raw SHA-256 over the same entry bytes, on one core and on all of them
//!   (verification uses all of them).
//!
//! Run: `cargo bench --bench log` (not in CI: it writes a few hundred thousand entries).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

// As the `sharegate` binary allocates.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};
use sharegate_core::domain::{
    AgencyName, Category, DisclosureId, LawfulBasis, Narrative, PersonName, Purpose, Role, SubjectId,
};
use sharegate_core::store::{DatabaseUrl, StoreOptions};
use sharegate_gateway::disclosure_log::{CheckpointPolicy, Entry, Kind, LogWriter, Outcome, merkle};
use sharegate_gateway::register::Actor;
use sharegate_gateway::store::log_scan::LogReader;

const SECONDS: u64 = 10;
const SUBMITTERS: usize = 512;

fn entry() -> Entry {
    Entry {
        id: DisclosureId::new(),
        at: chrono::Utc::now(),
        kind: Kind::Request,
        requester: Actor {
            agency: AgencyName::parse("social_care").unwrap(),
            role: Role::parse("social_worker").unwrap(),
            person: PersonName::parse("Jess Taylor").unwrap(),
            serial: "2d5aa60232f7dfed0997b221b5098576".into(),
        },
        subject: SubjectId::new(),
        purpose: Purpose::parse("safeguarding").unwrap(),
        lawful_basis: LawfulBasis::parse("consent").unwrap(),
        reason: Narrative::parse("Concerns raised by the school about neglect; checking attendance.").unwrap(),
        meeting: None,
        policy_hash: "5d347da1c1431da4433d644f89b373f37eac37df2cd5bf8570ad7f0dcc19b9cb".into(),
        asked: vec![Category::parse("education.attendance").unwrap()],
        given: vec![],
        refused: vec![],
        agencies: vec![],
        records: vec![],
        outcome: Outcome::Granted,
        response_digest: "7f3a4c9e2b1d8f6a5c4e3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e".into(),
        review: None,
    }
}

/// `fsync`s per second on the filesystem holding `dir`: the disk's limit for one-commit-per-write.
fn fsync_rate(dir: &std::path::Path) -> f64 {
    let path = dir.join("fsync.probe");
    let mut file = std::fs::File::create(&path).unwrap();
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < Duration::from_secs(3) {
        file.write_all(&[0u8; 128]).unwrap();
        file.sync_all().unwrap();
        n += 1;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// PostgreSQL's durable commits per second, one at a time (a one-row insert each, on one connection): the server's
/// own limit for one-commit-per-write, its WAL flush and a round trip each.
fn postgres_commit_rate(url: &str) -> f64 {
    let mut conn = sharegate_core::store::postgres::PgConnection::establish(url).unwrap();
    diesel::sql_query("CREATE TABLE commit_probe (n BIGINT NOT NULL)").execute(&mut conn).unwrap();
    let started = Instant::now();
    let mut n = 0i64;
    while started.elapsed() < Duration::from_secs(3) {
        diesel::sql_query("INSERT INTO commit_probe (n) VALUES ($1)")
            .bind::<diesel::sql_types::BigInt, _>(n)
            .execute(&mut conn)
            .unwrap();
        n += 1;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// Durable appends per second: `SUBMITTERS` tasks appending as fast as the writer acknowledges.
fn appends_per_second(url: &DatabaseUrl, runtime: &tokio::runtime::Runtime, key: &ed25519_dalek::SigningKey) -> f64 {
    let store = sharegate_gateway::store::open(url, &StoreOptions::default()).unwrap();
    let key = key.clone();
    let writer =
        LogWriter::start(store, key, CheckpointPolicy { every: 10_000, interval: Duration::from_secs(5) }).unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..SUBMITTERS)
            .map(|_| {
                let (writer, done, stop) = (writer.clone(), done.clone(), stop.clone());
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        writer.append(entry()).await.expect("append");
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_secs(SECONDS)).await;
        stop.store(true, Ordering::Relaxed);
        for task in tasks {
            task.await.unwrap();
        }
    });
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir_in(".").unwrap();
    let fsyncs = fsync_rate(dir.path());
    println!("disk: {fsyncs:.0} fsync/s (128-byte write + fsync, one at a time)");

    let key = sharegate_core::signing::generate();
    let sqlite = DatabaseUrl::Sqlite(dir.path().join("log.db"));
    let rate = appends_per_second(&sqlite, &runtime, &key);
    println!("SQLite: {rate:.0} durable appends/s = {:.1}x the fsync rate (goal >= 10x, >= 20,000/s)", rate / fsyncs);
    // The write-ahead log must be copied back and started over while the writer writes, not grow without end.
    let wal = std::fs::metadata(dir.path().join("log.db-wal")).map_or(0, |m| m.len());
    let db = std::fs::metadata(dir.path().join("log.db")).map_or(0, |m| m.len());
    println!(
        "  after it: database file {:.0} MiB, write-ahead log {:.1} MiB",
        db as f64 / 1048576.0,
        wal as f64 / 1048576.0
    );

    if let Ok(admin) = std::env::var("SHAREGATE_TEST_DATABASE_URL") {
        let name = format!("sharegate_bench_{}", std::process::id());
        let mut conn = sharegate_core::store::postgres::PgConnection::establish(&admin).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).unwrap();
        let admin_url = sharegate_core::store::postgres::PostgresUrl::parse(&admin).unwrap();
        let url = DatabaseUrl::Postgres(admin_url.with_database(&name).unwrap());
        let rate = appends_per_second(&url, &runtime, &key);
        println!(
            "PostgreSQL: {rate:.0} durable appends/s = {:.1}x the fsync rate (goal >= 10x, >= 10,000/s)",
            rate / fsyncs
        );
        let DatabaseUrl::Postgres(bench_url) = &url else { unreachable!("a PostgreSQL URL") };
        let commits = postgres_commit_rate(bench_url.as_str());
        println!(
            "  PostgreSQL's own limit, one small durable commit at a time over one connection: {commits:.0}/s -> \
             appends at {:.1}x that",
            rate / commits
        );
        diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut conn).unwrap();
    } else {
        println!("PostgreSQL: skipped (set SHAREGATE_TEST_DATABASE_URL)");
    }

    // `log verify` against raw SHA-256 over exactly the bytes it hashes; each figure the median of five runs.
    let store = sharegate_gateway::store::open(&sqlite, &StoreOptions::default()).unwrap();
    let mut reader = LogReader::open(&store).unwrap();
    let (_, end) = reader.tables().unwrap();
    let mut texts: Vec<Vec<u8>> = Vec::new();
    reader
        .range(0, end, |row| {
            texts.push(row.canonical.to_vec());
            ControlFlow::Continue(())
        })
        .unwrap();
    let entries = texts.len() as f64;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let hash_all = |texts: &[Vec<u8>]| texts.iter().fold(0u8, |acc, text| acc ^ merkle::leaf_hash(text)[0]);
    let sha_one = median(|| {
        let started = Instant::now();
        std::hint::black_box(hash_all(&texts));
        entries / started.elapsed().as_secs_f64()
    });
    let sha_all = median(|| {
        let started = Instant::now();
        std::thread::scope(|scope| {
            for part in texts.chunks(texts.len().div_ceil(cores).max(1)) {
                scope.spawn(move || std::hint::black_box(hash_all(part)));
            }
        });
        entries / started.elapsed().as_secs_f64()
    });
    let read = median(|| {
        let started = Instant::now();
        let mut bytes = 0usize;
        reader
            .range(0, end, |row| {
                bytes += row.canonical.len();
                ControlFlow::Continue(())
            })
            .unwrap();
        std::hint::black_box(bytes);
        entries / started.elapsed().as_secs_f64()
    });
    let verified = median(|| {
        let started = Instant::now();
        let report = sharegate_gateway::disclosure_log::verify::verify_log(&store, &key.verifying_key()).unwrap();
        assert_eq!((report.entries as f64, report.problem), (entries, None), "the benchmark's log verifies");
        entries / started.elapsed().as_secs_f64()
    });
    let bytes = texts.iter().map(Vec::len).sum::<usize>() / texts.len().max(1);
    println!(
        "log verify ({cores} cores): {verified:.0} entries/s over {entries} entries ({bytes} bytes each on average)"
    );
    println!(
        "  raw SHA-256 over the same bytes: {sha_one:.0} entries/s on one core -> verify at {:.0}% (goal >= 50%); \
         {sha_all:.0} entries/s on {cores} cores -> {:.0}%",
        100.0 * verified / sha_one,
        100.0 * verified / sha_all
    );
    println!("  reading the rows alone (one core, no checks): {read:.0} entries/s");
}

/// The median of five runs of `run`.
fn median(mut run: impl FnMut() -> f64) -> f64 {
    let mut runs: Vec<f64> = (0..5).map(|_| run()).collect();
    runs.sort_by(f64::total_cmp);
    runs[2]
}
