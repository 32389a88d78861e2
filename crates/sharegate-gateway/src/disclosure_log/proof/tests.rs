use chrono::{SubsecRound, Utc};

use super::*;
use crate::disclosure_log::checkpoint;
use crate::disclosure_log::merkle;

/// A proof for the first of two entries, against a checkpoint signed with `key`.
fn proof(key: &ed25519_dalek::SigningKey) -> InclusionProof {
    let entries = ["{\"id\":\"dis_first\"}", "{\"id\":\"dis_second\"}"];
    let leaves: Vec<merkle::Hash> = entries.iter().map(|e| merkle::leaf_hash(e.as_bytes())).collect();
    let root = merkle::tree_hash(&leaves);
    let row = checkpoint::sign(2, &root, Utc::now().trunc_subsecs(6), key);
    InclusionProof {
        disclosure_id: "dis_first".into(),
        index: 0,
        entry: entries[0].into(),
        leaf_hash: hex::encode(leaves[0]),
        proof: vec![hex::encode(leaves[1])],
        checkpoint: CheckpointView::new(&row, &key.verifying_key()),
    }
}

#[test]
fn a_proof_holds_and_names_which_part_fails_when_anything_is_changed() {
    let key = sharegate_core::signing::generate();
    let good = proof(&key);
    assert_eq!(good.holds(&key.verifying_key()), Ok(()));

    let mut entry = proof(&key);
    entry.entry = "{\"id\":\"dis_firsT\"}".into();
    assert_eq!(entry.holds(&key.verifying_key()), Err(ProofBroken::Leaf), "a changed entry");
    let mut path = proof(&key);
    path.proof = vec![hex::encode([7u8; 32])];
    assert_eq!(path.holds(&key.verifying_key()), Err(ProofBroken::Path), "a changed path");
    let mut index = proof(&key);
    index.index = 1;
    assert_eq!(index.holds(&key.verifying_key()), Err(ProofBroken::Path), "another position");
    let mut garbage = proof(&key);
    garbage.proof = vec!["not hex".into()];
    assert_eq!(garbage.holds(&key.verifying_key()), Err(ProofBroken::Path));
    let other = sharegate_core::signing::generate();
    assert_eq!(good.holds(&other.verifying_key()), Err(ProofBroken::Signature), "signed by another key");
    let mut resized = proof(&key);
    resized.checkpoint.size = 3;
    assert_ne!(resized.holds(&key.verifying_key()), Ok(()), "a checkpoint claiming more entries");
}
