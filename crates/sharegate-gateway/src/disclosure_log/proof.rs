//! Inclusion proofs from the store: leaves and block hashes read as needed (never more than a block of leaves,
//! and one hash per block), checked against the latest signed checkpoint.

use super::merkle::{self, Hash, Subtrees};
use crate::store::log::{self, CheckpointRow, LogRow};
use crate::store::{AnyConnection, StoreError};

struct Stored<'a> {
    conn: &'a mut AnyConnection,
}

fn unreadable(e: String) -> StoreError {
    StoreError::Corrupt(format!("the log cannot be read: {e}; run `sharegate log verify`"))
}

impl Subtrees for Stored<'_> {
    type Error = StoreError;

    fn leaves(&mut self, start: u64, end: u64) -> Result<Vec<Hash>, StoreError> {
        let (s, e) = (i64::try_from(start).unwrap_or(i64::MAX), i64::try_from(end).unwrap_or(i64::MAX));
        let hashes = log::leaves(self.conn, s, e)?;
        if hashes.len() as u64 != end - start {
            return Err(unreadable(format!("entries {start}..{end} are not all there")));
        }
        hashes.iter().map(|h| merkle::decode(h).map_err(unreadable)).collect()
    }

    fn blocks(&mut self, start: u64, end: u64) -> Result<Vec<Hash>, StoreError> {
        let (s, e) = (i64::try_from(start).unwrap_or(i64::MAX), i64::try_from(end).unwrap_or(i64::MAX));
        let hashes = log::blocks(self.conn, s, e)?;
        if hashes.len() as u64 != end - start {
            return Err(unreadable(format!("blocks {start}..{end} are not all there")));
        }
        hashes.iter().map(|(_, h)| merkle::decode(h).map_err(unreadable)).collect()
    }
}

/// An entry, the checkpoint that covers it, and the path from the entry to the checkpoint's root.
#[derive(Debug, Clone)]
pub struct Included {
    pub entry: LogRow,
    pub checkpoint: CheckpointRow,
    pub path: Vec<Hash>,
}

/// What the store holds for a proof request.
#[derive(Debug)]
pub enum ProofOutcome {
    Proved(Box<Included>),
    NoSuchEntry,
    /// The entry is newer than the latest checkpoint: sign one, then ask again.
    NotYetCheckpointed,
}

pub fn prove(conn: &mut AnyConnection, id: &str) -> Result<ProofOutcome, StoreError> {
    let Some(entry) = log::find(conn, id)? else { return Ok(ProofOutcome::NoSuchEntry) };
    let Some(checkpoint) = log::latest_checkpoint(conn)? else { return Ok(ProofOutcome::NotYetCheckpointed) };
    if entry.seq >= checkpoint.size {
        return Ok(ProofOutcome::NotYetCheckpointed);
    }
    let (index, size) = (u64::try_from(entry.seq).unwrap_or(0), u64::try_from(checkpoint.size).unwrap_or(0));
    let path = merkle::inclusion_proof(&mut Stored { conn }, index, size)?;
    Ok(ProofOutcome::Proved(Box::new(Included { entry, checkpoint, path })))
}
