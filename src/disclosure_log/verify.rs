//! `sharegate log verify`: re-derives every entry's hash and the chain between them, every block hash, every
//! checkpoint's root and signature, and the head, from the store; names the first thing that does not match.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;

use super::checkpoint;
use super::entry::LoggedEntry;
use super::merkle::{self, Frontier};
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

const PAGE: i64 = 2000;

pub fn verify_log(store: &Store, key: &VerifyingKey) -> Result<Report, StoreError> {
    let checkpoints: BTreeMap<i64, log::CheckpointRow> =
        store.run_now(log::checkpoints)?.into_iter().map(|c| (c.size, c)).collect();
    let mut state = Walk { frontier: Frontier::default(), prev: String::new(), checked_checkpoints: 0 };
    let report = |state: &Walk, problem: Option<String>| Report {
        entries: state.frontier.size,
        checkpoints: state.checked_checkpoints,
        problem,
    };
    loop {
        let from = i64::try_from(state.frontier.size).unwrap_or(i64::MAX);
        let page = store.run_now(|conn| log::page(conn, from, PAGE))?;
        let blocks: BTreeMap<i64, String> =
            store.run_now(|conn| log::blocks(conn, from / 256, (from + PAGE) / 256 + 1))?.into_iter().collect();
        if page.is_empty() {
            break;
        }
        for row in &page {
            if let Err(problem) = state.check(row, &blocks, &checkpoints, key) {
                return Ok(report(&state, Some(problem)));
            }
        }
    }
    let size = i64::try_from(state.frontier.size).unwrap_or(i64::MAX);
    if let Some((beyond, _)) = checkpoints.range(size + 1..).next() {
        return Ok(report(
            &state,
            Some(format!(
                "a checkpoint covers {beyond} entries but the log has {size}: entries were removed from its end"
            )),
        ));
    }
    let head = store.run_now(log::head)?;
    let frontier = serde_json::to_string(&state.frontier).unwrap_or_default();
    if head.size != size || head.last_hash != state.prev || head.frontier != frontier {
        return Ok(report(
            &state,
            Some(format!(
                "the log's head says {} entries ending in {}, but the entries are {size} ending in {}",
                head.size, head.last_hash, state.prev
            )),
        ));
    }
    Ok(report(&state, None))
}

struct Walk {
    frontier: Frontier,
    prev: String,
    checked_checkpoints: usize,
}

impl Walk {
    fn check(
        &mut self,
        row: &LogRow,
        blocks: &BTreeMap<i64, String>,
        checkpoints: &BTreeMap<i64, log::CheckpointRow>,
        key: &VerifyingKey,
    ) -> Result<(), String> {
        let seq = self.frontier.size;
        let name = format!("entry {seq} ({})", row.id);
        if row.seq != i64::try_from(seq).unwrap_or(i64::MAX) {
            return Err(format!("entry {seq} is missing: the log jumps to entry {} ({})", row.seq, row.id));
        }
        let leaf = merkle::leaf_hash(row.canonical.as_bytes());
        if hex::encode(leaf) != row.leaf_hash {
            return Err(format!("{name}: its content does not match its hash"));
        }
        let logged: LoggedEntry =
            serde_json::from_str(&row.canonical).map_err(|e| format!("{name}: its text is not a log entry ({e})"))?;
        if logged.seq != seq {
            return Err(format!("{name}: it says it is entry {}: entries were moved", logged.seq));
        }
        if logged.prev != self.prev {
            return Err(format!(
                "{name}: it does not carry the previous entry's hash: an entry before it was changed, removed or moved"
            ));
        }
        let entry = &logged.entry;
        let columns = [
            ("id", row.id == entry.id.as_str()),
            ("at", row.at == entry.at.naive_utc()),
            ("kind", row.kind == entry.kind.as_str()),
            ("subject_id", row.subject_id == entry.subject.as_str()),
            ("requester_agency", row.requester_agency == entry.requester.agency.as_str()),
            ("requester_person", row.requester_person == entry.requester.person.as_str()),
            ("purpose", row.purpose == entry.purpose.as_str()),
            ("lawful_basis", row.lawful_basis == entry.lawful_basis.as_str()),
            ("outcome", row.outcome == entry.outcome.as_str()),
            ("agencies", row.agencies == super::writer::agencies(entry)),
        ];
        if let Some((column, _)) = columns.iter().find(|(_, ok)| !ok) {
            return Err(format!("{name}: its {column} column disagrees with the entry"));
        }
        if let Some((block, hash)) = self.frontier.push(leaf).map_err(|e| format!("{name}: {e}"))? {
            let stored = i64::try_from(block).ok().and_then(|b| blocks.get(&b));
            if stored != Some(&hex::encode(hash)) {
                return Err(format!(
                    "the hash of block {block} (entries {}–{}) does not match its entries",
                    block * 256,
                    block * 256 + 255
                ));
            }
        }
        self.prev = row.leaf_hash.clone();
        if let Some(checkpoint) = checkpoints.get(&i64::try_from(self.frontier.size).unwrap_or(i64::MAX)) {
            let root = self.frontier.root().map_err(|e| format!("{name}: {e}"))?;
            if hex::encode(root) != checkpoint.root {
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
