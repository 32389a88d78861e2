//! `sharegate log verify`: re-derives every entry's hash and the chain between them, every block hash, every
//! checkpoint's root and signature, and the head, from the store; names the first thing that does not match.
//!
//! Hashing and reading each entry (to check the columns kept for queries against it) run on every core; the chain,
//! the tree and the checkpoints are then checked in order.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use ed25519_dalek::VerifyingKey;
use serde::Deserialize;

use super::checkpoint;
use super::merkle::{self, Frontier, Hash};
use crate::store::log::{self, LogRow};
use crate::store::{Store, StoreError};

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub entries: u64,
    pub checkpoints: usize,
    /// The first thing that does not match, in words naming the entry; none if everything does.
    pub problem: Option<String>,
}

const PAGE: i64 = 8192;

/// The parts of an entry's text the checks need, borrowed from it.
#[derive(Deserialize)]
struct Hashed<'a> {
    seq: u64,
    #[serde(borrow)]
    prev: Cow<'a, str>,
    #[serde(borrow)]
    entry: Columns<'a>,
}

#[derive(Deserialize)]
struct Columns<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    requester: Requester<'a>,
    #[serde(borrow)]
    subject: Cow<'a, str>,
    #[serde(borrow)]
    purpose: Cow<'a, str>,
    #[serde(borrow)]
    lawful_basis: Cow<'a, str>,
    #[serde(borrow)]
    asked: Vec<Cow<'a, str>>,
    #[serde(borrow)]
    given: Vec<Agency<'a>>,
    #[serde(borrow)]
    refused: Vec<Agency<'a>>,
    #[serde(borrow)]
    outcome: Cow<'a, str>,
    #[serde(borrow, default)]
    review: Option<Reviewed<'a>>,
}

#[derive(Deserialize)]
struct Reviewed<'a> {
    #[serde(borrow)]
    disclosure: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Requester<'a> {
    #[serde(borrow)]
    agency: Cow<'a, str>,
    #[serde(borrow)]
    person: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Agency<'a> {
    #[serde(borrow)]
    agency: Cow<'a, str>,
}

/// An entry hashed and read on its own: its leaf hash, and its place and predecessor as its text states them.
struct Checked {
    leaf: Hash,
    seq: u64,
    prev: String,
}

fn check_alone(row: &LogRow) -> Result<Checked, String> {
    let name = || format!("entry {} ({})", row.seq, row.id);
    let leaf = merkle::leaf_hash(row.canonical.as_bytes());
    let mut hex_leaf = [0u8; 64];
    if hex::encode_to_slice(leaf, &mut hex_leaf).is_err() || hex_leaf != row.leaf_hash.as_bytes() {
        return Err(format!("{}: its content does not match its hash", name()));
    }
    let hashed: Hashed<'_> =
        serde_json::from_str(&row.canonical).map_err(|e| format!("{}: its text is not a log entry ({e})", name()))?;
    let e = &hashed.entry;
    let at = chrono::DateTime::parse_from_rfc3339(&e.at).map(|t| t.naive_utc()).ok();
    let involved: BTreeSet<&str> = std::iter::once(e.requester.agency.as_ref())
        .chain(e.asked.iter().map(|c| c.split('.').next().unwrap_or_default()))
        .chain(e.given.iter().chain(&e.refused).map(|g| g.agency.as_ref()))
        .collect();
    let agencies = format!(",{},", involved.into_iter().collect::<Vec<_>>().join(","));
    let columns = [
        ("id", row.id == e.id),
        ("at", at == Some(row.at)),
        ("kind", row.kind == e.kind),
        ("subject_id", row.subject_id == e.subject),
        ("requester_agency", row.requester_agency == e.requester.agency),
        ("requester_person", row.requester_person == e.requester.person),
        ("purpose", row.purpose == e.purpose),
        ("lawful_basis", row.lawful_basis == e.lawful_basis),
        ("outcome", row.outcome == e.outcome),
        ("agencies", row.agencies == agencies),
        ("reviews", row.reviews.as_deref() == e.review.as_ref().map(|r| r.disclosure.as_ref())),
    ];
    if let Some((column, _)) = columns.iter().find(|(_, ok)| !ok) {
        return Err(format!("{}: its {column} column disagrees with the entry", name()));
    }
    Ok(Checked { leaf, seq: hashed.seq, prev: hashed.prev.into_owned() })
}

/// Checks each row of a page on its own, the page split across the machine's cores.
fn check_page(page: &[LogRow]) -> Vec<Result<Checked, String>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = page.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = page
            .chunks(chunk)
            .map(|rows| scope.spawn(move || rows.iter().map(check_alone).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|_| vec![Err("a verifier thread failed".into())]))
            .collect()
    })
}

pub fn verify_log(store: &Store, key: &VerifyingKey) -> Result<Report, StoreError> {
    let checkpoints: BTreeMap<i64, log::CheckpointRow> =
        store.run_now(log::checkpoints)?.into_iter().map(|c| (c.size, c)).collect();
    let mut walk = Walk { frontier: Frontier::default(), prev: String::new(), checked_checkpoints: 0 };
    let report = |walk: &Walk, problem: Option<String>| Report {
        entries: walk.frontier.size,
        checkpoints: walk.checked_checkpoints,
        problem,
    };
    loop {
        let from = i64::try_from(walk.frontier.size).unwrap_or(i64::MAX);
        let page = store.run_now(|conn| log::page(conn, from, PAGE))?;
        if page.is_empty() {
            break;
        }
        let blocks: BTreeMap<i64, String> =
            store.run_now(|conn| log::blocks(conn, from / 256, (from + PAGE) / 256 + 1))?.into_iter().collect();
        for (row, checked) in page.iter().zip(check_page(&page)) {
            if let Err(problem) = walk.follow(row, checked, &blocks, &checkpoints, key) {
                return Ok(report(&walk, Some(problem)));
            }
        }
    }
    let size = i64::try_from(walk.frontier.size).unwrap_or(i64::MAX);
    if let Some((beyond, _)) = checkpoints.range(size + 1..).next() {
        return Ok(report(
            &walk,
            Some(format!(
                "a checkpoint covers {beyond} entries but the log has {size}: entries were removed from its end"
            )),
        ));
    }
    let head = store.run_now(log::head)?;
    let frontier = serde_json::to_string(&walk.frontier).unwrap_or_default();
    if head.size != size || head.last_hash != walk.prev || head.frontier != frontier {
        return Ok(report(
            &walk,
            Some(format!(
                "the log's head says {} entries ending in {}, but the entries are {size} ending in {}",
                head.size, head.last_hash, walk.prev
            )),
        ));
    }
    Ok(report(&walk, None))
}

/// The chain, the tree and the checkpoints, followed entry by entry in log order.
struct Walk {
    frontier: Frontier,
    prev: String,
    checked_checkpoints: usize,
}

impl Walk {
    fn follow(
        &mut self,
        row: &LogRow,
        checked: Result<Checked, String>,
        blocks: &BTreeMap<i64, String>,
        checkpoints: &BTreeMap<i64, log::CheckpointRow>,
        key: &VerifyingKey,
    ) -> Result<(), String> {
        let seq = self.frontier.size;
        if row.seq != i64::try_from(seq).unwrap_or(i64::MAX) {
            return Err(format!("entry {seq} is missing: the log jumps to entry {} ({})", row.seq, row.id));
        }
        let checked = checked?;
        let name = format!("entry {seq} ({})", row.id);
        if checked.seq != seq {
            return Err(format!("{name}: it says it is entry {}: entries were moved", checked.seq));
        }
        if checked.prev != self.prev {
            return Err(format!(
                "{name}: it does not carry the previous entry's hash: an entry before it was changed, removed or moved"
            ));
        }
        if let Some((block, hash)) = self.frontier.push(checked.leaf) {
            let stored = i64::try_from(block).ok().and_then(|b| blocks.get(&b));
            if stored != Some(&hex::encode(hash)) {
                let first = block * merkle::BLOCK;
                return Err(format!(
                    "the hash of block {block} (entries {first}–{}) does not match its entries",
                    first + merkle::BLOCK - 1
                ));
            }
        }
        self.prev.clone_from(&row.leaf_hash);
        if let Some(checkpoint) = checkpoints.get(&i64::try_from(self.frontier.size).unwrap_or(i64::MAX)) {
            if hex::encode(self.frontier.root()) != checkpoint.root {
                return Err(format!("the checkpoint at {} entries does not match entries 0–{seq}", checkpoint.size));
            }
            if !checkpoint::signed_by(checkpoint, key) {
                return Err(format!(
                    "the checkpoint at {} entries is not signed by the gateway's key",
                    checkpoint.size
                ));
            }
            self.checked_checkpoints += 1;
        }
        Ok(())
    }
}
