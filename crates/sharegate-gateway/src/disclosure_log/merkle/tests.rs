use super::*;

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect()
}

/// Leaves in memory, blocks computed from them.
struct Memory(Vec<Hash>);

impl Subtrees for Memory {
    type Error = ();
    fn leaves(&mut self, start: u64, end: u64) -> Result<Vec<Hash>, ()> {
        Ok(self.0.get(start as usize..end as usize).ok_or(())?.to_vec())
    }
    fn blocks(&mut self, start: u64, end: u64) -> Result<Vec<Hash>, ()> {
        (start..end)
            .map(|b| Ok(tree_hash(self.0.get((b * BLOCK) as usize..((b + 1) * BLOCK) as usize).ok_or(())?)))
            .collect()
    }
}

#[test]
fn matches_the_rfc_structure_on_small_trees() {
    let l = leaves(3);
    assert_eq!(tree_hash(&l), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
    assert_eq!(tree_hash(&l[..1]), l[0]);
    assert_eq!(tree_hash(&[]), empty_root());
}

#[test]
fn the_frontier_agrees_with_the_tree_hash_at_every_size_and_reports_blocks() {
    let all = leaves(1100);
    let mut frontier = Frontier::default();
    let mut blocks = Vec::new();
    for (i, leaf) in all.iter().enumerate() {
        if let Some(block) = frontier.push(*leaf) {
            blocks.push(block);
        }
        if i % 37 == 0 || i > 1020 {
            assert_eq!(frontier.root(), tree_hash(&all[..=i]), "size {}", i + 1);
        }
    }
    assert_eq!(blocks.len(), 4);
    for (index, hash) in blocks {
        assert_eq!(hash, tree_hash(&all[(index * BLOCK) as usize..((index + 1) * BLOCK) as usize]));
    }
}

#[test]
fn inclusion_proofs_verify_and_fail_for_anything_else() {
    for size in [1u64, 2, 3, 7, 8, 255, 256, 257, 600, 1025] {
        let all = leaves(size);
        let root = tree_hash(&all);
        let mut source = Memory(all.clone());
        assert_eq!(range_hash(&mut source, 0, size), Ok(root));
        for index in [0, size / 2, size - 1] {
            let proof = inclusion_proof(&mut source, index, size).expect("proof");
            let leaf = all[index as usize];
            assert!(verify_inclusion(&leaf, index, size, &proof, &root), "size {size} index {index}");
            let changed = leaf_hash(b"a changed entry");
            assert!(!verify_inclusion(&changed, index, size, &proof, &root));
            if size > 1 {
                assert!(!verify_inclusion(&leaf, (index + 1) % size, size, &proof, &root), "another index");
                let mut bent = proof.clone();
                bent[0][0] ^= 1;
                assert!(!verify_inclusion(&leaf, index, size, &bent, &root));
            }
        }
    }
}
