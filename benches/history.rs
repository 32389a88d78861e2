//! A child's history (`GET /v1/subjects/{id}/disclosures`) over a log of 10 million entries (fewer with
//! `SHAREGATE_BENCH_ENTRIES`), made by a bulk loader: real entries with their chain and hashes, inserted in large
//! transactions. Times the store query and the reading of every entry, as the endpoint does, for random children.
//!
//! Run: `cargo bench --bench history` (not in CI: the log it builds is several gigabytes). Keep it with
//! `SHAREGATE_BENCH_DIR=DIR` to reuse it next time.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::time::{Duration, Instant};

use chrono::SubsecRound;
use rand::Rng;
use sharegate_core::domain::{
    AgencyName, Category, DisclosureId, LawfulBasis, Narrative, PersonName, Purpose, Role, SubjectId,
};
use sharegate_core::store::{DatabaseUrl, Store, StoreOptions};
use sharegate_gateway::disclosure_log::{CheckpointPolicy, Entry, Kind, LoggedEntry, Outcome};
use sharegate_gateway::register::Actor;
use sharegate_gateway::store::log::{Filter, HeadRow};

const PER_CHILD: u64 = 10;
const AGENCIES: [&str; 4] = ["police", "health", "education", "social_care"];

fn entry(subject: &SubjectId, n: u64) -> Entry {
    let agency = AGENCIES[(n % 4) as usize];
    let asked =
        ["education.attendance", "health.summary", "police.incident", "social_care.plan"][((n / 4) % 4) as usize];
    Entry {
        id: DisclosureId::new(),
        at: chrono::Utc::now(),
        kind: Kind::Request,
        requester: Actor {
            agency: AgencyName::parse(agency).unwrap(),
            role: Role::parse("manager").unwrap(),
            person: PersonName::parse("Bulk Loader").unwrap(),
            serial: "01".into(),
        },
        subject: subject.clone(),
        purpose: Purpose::parse("safeguarding").unwrap(),
        lawful_basis: LawfulBasis::parse("consent").unwrap(),
        reason: Narrative::parse("Generated for the history benchmark.").unwrap(),
        meeting: None,
        policy_hash: "00".into(),
        asked: vec![Category::parse(asked).unwrap()],
        given: vec![],
        refused: vec![],
        agencies: vec![],
        records: vec![],
        outcome: Outcome::Refused,
        response_digest: "00".into(),
        review: None,
    }
}

fn load(store: &Store, total: u64) -> Vec<SubjectId> {
    let children: Vec<SubjectId> = (0..total / PER_CHILD).map(|_| SubjectId::new()).collect();
    let existing = store.run_now(sharegate_gateway::store::log::count).unwrap() as u64;
    if existing >= total {
        println!("reusing a log of {existing} entries");
        return store
            .run_now(|conn| sharegate_gateway::store::log::page(conn, 0, i64::MAX, 5000))
            .unwrap()
            .into_iter()
            .filter_map(|r| SubjectId::parse(&r.columns.subject_id).ok())
            .collect();
    }
    let started = Instant::now();
    let mut prev = String::new();
    let mut seq = 0u64;
    let mut rng = rand::thread_rng();
    while seq < total {
        let mut rows = Vec::with_capacity(20_000);
        for _ in 0..20_000.min(total - seq) {
            // Children's entries are spread over the whole log, as over years.
            let child = &children[rng.gen_range(0..children.len())];
            let mut e = entry(child, seq);
            e.at = e.at.trunc_subsecs(6);
            let (row, _) =
                sharegate_gateway::disclosure_log::writer::Prepared::new(&e).unwrap().sequence(seq, &prev).unwrap();
            let leaf = row.leaf_hash.clone();
            rows.push(row);
            prev = leaf;
            seq += 1;
        }
        store
            .run_now(|conn| {
                use diesel::Connection;
                conn.transaction(|conn| {
                    sharegate_gateway::store::log::insert_sequenced(conn, &rows)?;
                    let head = HeadRow { size: i64::try_from(seq).unwrap(), last_hash: prev.clone() };
                    sharegate_gateway::store::log::set_head(conn, &head)
                })
            })
            .unwrap();
        if seq.is_multiple_of(1_000_000) {
            println!("loaded {seq} entries in {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    println!("bulk-loaded {total} entries in {:.0} s", started.elapsed().as_secs_f64());
    // The index, as `sharegate log reindex` builds it: every entry read back and parsed.
    let started = Instant::now();
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let policy = CheckpointPolicy { every: 1 << 40, interval: Duration::from_secs(1 << 30) };
    sharegate_gateway::disclosure_log::indexer::reindex(store, &key, policy).unwrap();
    println!("indexed {total} entries in {:.0} s", started.elapsed().as_secs_f64());
    children
}

fn main() {
    let total: u64 = std::env::var("SHAREGATE_BENCH_ENTRIES").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000_000);
    let kept = std::env::var("SHAREGATE_BENCH_DIR").ok();
    let scratch = tempfile::tempdir_in(".").unwrap();
    let dir = kept.as_deref().map_or(scratch.path(), std::path::Path::new);
    std::fs::create_dir_all(dir).unwrap();
    let url = DatabaseUrl::Sqlite(dir.join("history.db"));
    let store = sharegate_gateway::store::open(&url, &StoreOptions::default()).unwrap();
    let children = load(&store, total);

    let mut rng = rand::thread_rng();
    let mut times = Vec::new();
    let mut lines = 0usize;
    for _ in 0..200 {
        let child = children[rng.gen_range(0..children.len())].to_string();
        let scope = AGENCIES[rng.gen_range(0..4)].to_owned();
        let filter = Filter { scope, subject: Some(child), ..Filter::default() };
        let started = Instant::now();
        let rows = store.run_now(|conn| sharegate_gateway::store::log::search(conn, &filter, None, 500)).unwrap();
        let entries: Vec<LoggedEntry> = rows.iter().map(|r| serde_json::from_str(&r.canonical).unwrap()).collect();
        times.push(started.elapsed());
        lines += entries.len();
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "a child's history over {total} entries ({:.1} entries per answer on average): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (goal < 20 ms)",
        lines as f64 / times.len() as f64,
        ms(at(0.5)),
        ms(at(0.99)),
        ms(at(1.0))
    );
}
