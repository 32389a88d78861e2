//! Signed checkpoints: "the first `size` entries of this log have tree hash `root`", signed at `at` with the
//! gateway's key (`log-signing.key`). With a checkpoint and an inclusion proof anyone can check that an entry is in
//! the log, without trusting the gateway's store.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::Serialize;

use super::merkle::Hash;
use crate::store::log::CheckpointRow;

/// When the log's index signs a checkpoint.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointPolicy {
    /// After this many entries since the last checkpoint…
    pub every: u64,
    /// …or this long, if anything was appended since.
    pub interval: Duration,
}

pub const FORMAT: &str = "sharegate-checkpoint-v1";

/// What is signed: the format, size, root (hex) and time, one per line.
pub fn message(size: u64, root: &str, at: DateTime<Utc>) -> String {
    format!("{FORMAT}\n{size}\n{root}\n{}", at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

pub fn sign(size: u64, root: &Hash, at: DateTime<Utc>, key: &SigningKey) -> CheckpointRow {
    let root = hex::encode(root);
    let signature = hex::encode(key.sign(message(size, &root, at).as_bytes()).to_bytes());
    CheckpointRow { size: i64::try_from(size).unwrap_or(i64::MAX), root, at: at.naive_utc(), signature }
}

/// Whether `row` is signed by `key`.
pub fn signed_by(row: &CheckpointRow, key: &VerifyingKey) -> bool {
    u64::try_from(row.size).is_ok_and(|size| holds(size, &row.root, row.at.and_utc(), &row.signature, key))
}

/// Whether `signature` (hex) is `key`'s over the checkpoint of `size` entries with tree hash `root` made at `at`.
fn holds(size: u64, root: &str, at: DateTime<Utc>, signature: &str, key: &VerifyingKey) -> bool {
    let signature = hex::decode(signature).ok().and_then(|b| Signature::from_slice(&b).ok());
    signature.is_some_and(|s| key.verify(message(size, root, at).as_bytes(), &s).is_ok())
}

/// A checkpoint as served.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CheckpointView {
    /// How many entries the checkpoint covers (entries 0 … size−1).
    pub size: u64,
    /// The RFC 9162 tree hash of those entries, hex.
    pub root: String,
    pub at: DateTime<Utc>,
    /// ed25519 over `sharegate-checkpoint-v1\n{size}\n{root}\n{at, RFC 3339 with microseconds}`, hex.
    pub signature: String,
    /// The gateway's public key, hex (also in `log-signing.pub`).
    pub public_key: String,
}

impl CheckpointView {
    pub fn new(row: &CheckpointRow, key: &VerifyingKey) -> Self {
        Self {
            size: u64::try_from(row.size).unwrap_or(0),
            root: row.root.clone(),
            at: row.at.and_utc(),
            signature: row.signature.clone(),
            public_key: hex::encode(key.as_bytes()),
        }
    }

    /// Whether it is signed by `key`: what anyone holding it and the gateway's public key can check.
    pub fn signed_by(&self, key: &VerifyingKey) -> bool {
        holds(self.size, &self.root, self.at, &self.signature, key)
    }
}
