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

/// The reference vectors' tree heads for n = 1…8, and the empty tree's.
#[test]
fn the_tree_hash_matches_the_published_ct_vectors() {
    let (leaves, roots) = (reference::leaves(), reference::ROOTS);
    assert_eq!(
        hex::encode(empty_root()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "the empty tree: SHA-256 of nothing"
    );
    for (n, root) in (1..=8).zip(roots) {
        assert_eq!(hex::encode(tree_hash(&leaves[..n])), root, "the tree of {n} leaves");
        let mut frontier = Frontier::default();
        for leaf in &leaves[..n] {
            frontier.push(*leaf);
        }
        assert_eq!(hex::encode(frontier.root()), root, "the frontier of {n} leaves");
    }
    // The inclusion proof of leaf 0 in the tree of 8, as the same vectors give it.
    let proof: Vec<Hash> = [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]
    .iter()
    .map(|h| decode(h).unwrap())
    .collect();
    let root = decode(roots[7]).unwrap();
    assert!(verify_inclusion(&leaves[0], 0, 8, &proof, &root));
    assert_eq!(inclusion_proof(&mut Memory(leaves.clone()), 0, 8).unwrap(), proof);
}

/// Certificate Transparency's reference test vectors (RFC 6962's tree, as in certificate-transparency-go's
/// `merkle/testonly`, Trillian and transparency-dev/merkle): eight leaves, the tree head of the first n of them,
/// and consistency proofs between sizes.
mod reference {
    use super::*;

    pub const LEAVES: [&str; 8] =
        ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
    pub const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    /// (old size, new size, proof)
    pub const CONSISTENCY: [(u64, u64, &[&str]); 4] = [
        (1, 1, &[]),
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];

    pub fn leaves() -> Vec<Hash> {
        LEAVES.iter().map(|l| leaf_hash(&hex::decode(l).unwrap())).collect()
    }

    pub fn root(size: u64) -> Hash {
        decode(ROOTS[size as usize - 1]).unwrap()
    }
}

#[test]
fn consistency_proofs_are_the_reference_vectors_and_verify() {
    let mut source = Memory(reference::leaves());
    for (old, new, expected) in reference::CONSISTENCY {
        let expected: Vec<Hash> = expected.iter().map(|h| decode(h).unwrap()).collect();
        assert_eq!(consistency_proof(&mut source, old, new), Ok(expected.clone()), "proof {old} → {new}");
        let (old_root, new_root) = (reference::root(old), reference::root(new));
        assert!(verify_consistency(old, new, &old_root, &new_root, &expected), "{old} → {new} verifies");
    }
}

/// Every way of getting a proof wrong fails (the reference implementation's own probes).
fn refused(old: u64, new: u64, old_root: &Hash, new_root: &Hash, proof: &[Hash]) -> Vec<String> {
    let other = leaf_hash(b"some other hash");
    let mut probes: Vec<(String, u64, u64, Hash, Hash, Vec<Hash>)> = vec![
        ("old − 1".into(), old - 1, new, *old_root, *new_root, proof.to_vec()),
        ("old + 1".into(), old + 1, new, *old_root, *new_root, proof.to_vec()),
        ("old ^ 2".into(), old ^ 2, new, *old_root, *new_root, proof.to_vec()),
        ("new × 2".into(), old, new * 2, *old_root, *new_root, proof.to_vec()),
        ("new / 2".into(), old, new / 2, *old_root, *new_root, proof.to_vec()),
        ("wrong old root".into(), old, new, other, *new_root, proof.to_vec()),
        ("wrong new root".into(), old, new, *old_root, other, proof.to_vec()),
        ("swapped roots".into(), old, new, *new_root, *old_root, proof.to_vec()),
        ("empty proof".into(), old, new, *old_root, *new_root, vec![]),
        ("trailing old root".into(), old, new, *old_root, *new_root, [proof, &[*old_root]].concat()),
        ("trailing new root".into(), old, new, *old_root, *new_root, [proof, &[*new_root]].concat()),
        ("preceding old root".into(), old, new, *old_root, *new_root, [&[*old_root], proof].concat()),
        ("preceding proof[0]".into(), old, new, *old_root, *new_root, [&proof[..1], proof].concat()),
        ("truncated".into(), old, new, *old_root, *new_root, proof[..proof.len() - 1].to_vec()),
    ];
    for i in 0..proof.len() {
        let mut flipped = proof.to_vec();
        flipped[i][0] ^= 16;
        probes.push((format!("proof[{i}] changed"), old, new, *old_root, *new_root, flipped));
    }
    probes
        .into_iter()
        .filter(|(_, o, n, or, nr, p)| verify_consistency(*o, *n, or, nr, p))
        .map(|(what, ..)| what)
        .collect()
}

#[test]
fn every_consistency_proof_verifies_and_every_altered_one_fails() {
    // All pairs in small trees, and pairs across the block size the store keeps hashes for.
    let mut pairs: Vec<(u64, u64)> = (0..=70u64).flat_map(|n| (0..=n).map(move |m| (m, n))).collect();
    pairs.extend([(1, 600), (255, 256), (256, 257), (256, 600), (300, 1025), (512, 1024), (1000, 1025)]);
    let all = leaves(1025);
    let mut source = Memory(all.clone());
    for (old, new) in pairs {
        let (old_root, new_root) = (tree_hash(&all[..old as usize]), tree_hash(&all[..new as usize]));
        let proof = consistency_proof(&mut source, old, new).expect("proof");
        assert!(verify_consistency(old, new, &old_root, &new_root, &proof), "{old} → {new}");
        if !proof.is_empty() {
            assert_eq!(refused(old, new, &old_root, &new_root, &proof), Vec::<String>::new(), "{old} → {new}");
        }
    }
    // A log that went backwards, or a same-size log with another root, is no extension.
    let (r5, r8) = (tree_hash(&all[..5]), tree_hash(&all[..8]));
    assert!(!verify_consistency(8, 5, &r8, &r5, &[]));
    assert!(!verify_consistency(8, 8, &r8, &r5, &[]));
}
