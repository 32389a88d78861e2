use ed25519_dalek::SigningKey;

use super::*;
use crate::disclosure_log::checkpoint;
use crate::disclosure_log::merkle::{Subtrees, consistency_proof, leaf_hash, tree_hash};

struct Memory(Vec<Hash>);

impl Subtrees for Memory {
    type Error = ();
    fn leaves(&mut self, start: u64, end: u64) -> Result<Vec<Hash>, ()> {
        Ok(self.0[start as usize..end as usize].to_vec())
    }
    fn blocks(&mut self, start: u64, end: u64) -> Result<Vec<Hash>, ()> {
        let block = merkle::BLOCK as usize;
        Ok((start as usize..end as usize).map(|b| tree_hash(&self.0[b * block..(b + 1) * block])).collect())
    }
}

fn log(texts: &[String]) -> Vec<Hash> {
    texts.iter().map(|t| leaf_hash(t.as_bytes())).collect()
}

fn signed(leaves: &[Hash], key: &SigningKey) -> CheckpointView {
    let row = checkpoint::sign(leaves.len() as u64, &tree_hash(leaves), Utc::now(), key);
    CheckpointView::new(&row, &key.verifying_key())
}

fn proof(leaves: &[Hash], from: u64) -> Vec<Hash> {
    consistency_proof(&mut Memory(leaves.to_vec()), from, leaves.len() as u64).unwrap()
}

#[test]
fn a_growing_log_is_co_signed_and_a_rewritten_or_rolled_back_one_alarms() {
    let key = SigningKey::from_bytes(&[3; 32]);
    let texts: Vec<String> = (0..700).map(|i| format!("entry {i}")).collect();
    let honest = log(&texts);

    let first = signed(&honest[..300], &key);
    let seen = judge(None, &first, &key.verifying_key(), &[]).expect("the first checkpoint is taken as it is");
    let later = signed(&honest, &key);
    assert_eq!(proof_needed(Some(&seen), &later), Some(300));
    let seen = judge(Some(&seen), &later, &key.verifying_key(), &proof(&honest, 300)).expect("an extension");
    assert_eq!(seen.size, 700);

    // Entry 120 changed, the tree rebuilt and signed again with the log's own key: internally consistent, and a fork.
    let mut rewritten_texts = texts.clone();
    rewritten_texts[120] = "entry 120, rewritten".into();
    let rewritten = log(&rewritten_texts);
    let same_size = signed(&rewritten, &key);
    let alarm = judge(Some(&seen), &same_size, &key.verifying_key(), &[]).unwrap_err();
    assert!(matches!(alarm, Alarm::Fork { .. }), "{alarm}");
    let grown: Vec<Hash> = rewritten.iter().copied().chain(log(&["entry 700".to_owned()])).collect();
    let longer = signed(&grown, &key);
    let alarm = judge(Some(&seen), &longer, &key.verifying_key(), &proof(&grown, 700)).unwrap_err();
    let message = alarm.to_string();
    assert!(
        message.contains("forked") && message.contains("700 entries") && message.contains("701 entries"),
        "{message}"
    );
    assert!(message.contains(&seen.root) && message.contains(&longer.root), "names both checkpoints: {message}");

    // An older copy of the log served again.
    let alarm = judge(Some(&seen), &first, &key.verifying_key(), &[]).unwrap_err();
    assert!(matches!(alarm, Alarm::Rollback { .. }) && alarm.to_string().contains("rolled back"), "{alarm}");

    // A checkpoint signed by any other key is not the log's.
    let forged = signed(&honest, &SigningKey::from_bytes(&[4; 32]));
    assert!(matches!(judge(Some(&seen), &forged, &key.verifying_key(), &[]), Err(Alarm::Unsigned(_))));
}
