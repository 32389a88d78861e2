//! Merkle trees over log entries, as in Certificate Transparency (RFC 9162 §2.1): leaves `H(0x00 ‖ entry)`, nodes
//! `H(0x01 ‖ left ‖ right)`, the tree hash of n leaves splitting at the largest power of two below n. Pure: the
//! storage of leaves and subtree hashes is behind [`Subtrees`].

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// Leaves are grouped in aligned blocks of this many; the store keeps each complete block's hash, so any subtree
/// hash is computed from at most this many leaves and one block hash per `BLOCK` leaves.
pub const BLOCK: u64 = 256;

pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(entry);
    hasher.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The tree hash of an empty log: the hash of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// The tree hash of `leaves` (RFC 9162 MTH), in memory.
pub fn tree_hash(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [one] => *one,
        _ => {
            let k = usize::try_from(split(leaves.len() as u64)).unwrap_or(usize::MAX).min(leaves.len());
            let (left, right) = leaves.split_at(k);
            node_hash(&tree_hash(left), &tree_hash(right))
        }
    }
}

/// The compact range of a log: the roots of its perfect subtrees, largest first. Appending is O(log n) and the
/// root is O(log n), so the writer never rereads the log. Stored in the head row as JSON, hashes in hex.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Frontier {
    pub size: u64,
    /// (subtree size, subtree hash), sizes strictly decreasing powers of two summing to `size`.
    #[serde(with = "hex_subtrees")]
    pub subtrees: Vec<(u64, Hash)>,
}

impl Frontier {
    /// Appends a leaf; returns the index and hash of a block of [`BLOCK`] leaves it completes, if it does.
    pub fn push(&mut self, leaf: Hash) -> Option<(u64, Hash)> {
        let mut current = (1u64, leaf);
        let mut block = None;
        while let Some(&(size, left)) = self.subtrees.last() {
            if size != current.0 {
                break;
            }
            self.subtrees.pop();
            current = (size * 2, node_hash(&left, &current.1));
            if current.0 == BLOCK {
                block = Some(((self.size + 1) / BLOCK - 1, current.1));
            }
        }
        self.subtrees.push(current);
        self.size += 1;
        block
    }

    pub fn root(&self) -> Hash {
        let mut hashes = self.subtrees.iter().rev().map(|(_, h)| *h);
        let Some(last) = hashes.next() else { return empty_root() };
        hashes.fold(last, |right, left| node_hash(&left, &right))
    }
}

mod hex_subtrees {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Hash;

    pub fn serialize<S: Serializer>(subtrees: &[(u64, Hash)], s: S) -> Result<S::Ok, S::Error> {
        subtrees.iter().map(|(size, hash)| (*size, hex::encode(hash))).collect::<Vec<_>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(u64, Hash)>, D::Error> {
        let raw = Vec::<(u64, String)>::deserialize(d)?;
        raw.into_iter()
            .map(|(size, hex)| super::decode(&hex).map(|h| (size, h)).map_err(serde::de::Error::custom))
            .collect()
    }
}

pub fn decode(hex_hash: &str) -> Result<Hash, String> {
    let bytes = hex::decode(hex_hash).map_err(|e| format!("not a hash: {e}"))?;
    bytes.try_into().map_err(|_| "a hash is 32 bytes".to_owned())
}

/// Where subtree hashes come from: leaf hashes by index, and complete blocks' hashes by block index.
pub trait Subtrees {
    type Error;
    /// Leaf hashes `[start, end)`.
    fn leaves(&mut self, start: u64, end: u64) -> Result<Vec<Hash>, Self::Error>;
    /// Hashes of blocks `[start, end)` (block i covers leaves `[i·BLOCK, (i+1)·BLOCK)`).
    fn blocks(&mut self, start: u64, end: u64) -> Result<Vec<Hash>, Self::Error>;
}

/// MTH(D[start:end]) for a range the RFC's recursion produces (perfect pieces are aligned).
pub fn range_hash<S: Subtrees>(source: &mut S, start: u64, end: u64) -> Result<Hash, S::Error> {
    let n = end - start;
    if n.is_power_of_two() && n >= BLOCK && start.is_multiple_of(n) {
        return Ok(tree_hash(&source.blocks(start / BLOCK, end / BLOCK)?));
    }
    if n <= BLOCK {
        return Ok(tree_hash(&source.leaves(start, end)?));
    }
    let k = split(n);
    Ok(node_hash(&range_hash(source, start, start + k)?, &range_hash(source, start + k, end)?))
}

/// The inclusion proof of leaf `index` in the tree of the first `size` leaves (RFC 9162 PATH).
pub fn inclusion_proof<S: Subtrees>(source: &mut S, index: u64, size: u64) -> Result<Vec<Hash>, S::Error> {
    fn path<S: Subtrees>(source: &mut S, m: u64, start: u64, end: u64, out: &mut Vec<Hash>) -> Result<(), S::Error> {
        let n = end - start;
        if n <= 1 {
            return Ok(());
        }
        let k = split(n);
        if m < start + k {
            path(source, m, start, start + k, out)?;
            out.push(range_hash(source, start + k, end)?);
        } else {
            path(source, m, start + k, end, out)?;
            out.push(range_hash(source, start, start + k)?);
        }
        Ok(())
    }
    let mut proof = Vec::new();
    if index < size {
        path(source, index, 0, size, &mut proof)?;
    }
    Ok(proof)
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2): that the leaf with hash `leaf` is entry `index` of the log of
/// `size` entries whose tree hash is `root`. Anyone holding a signed checkpoint can run this; nothing else is
/// needed.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s, mut r) = (index, size - 1, *leaf);
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// The consistency proof between the tree of the first `old` leaves and the tree of the first `new` (RFC 9162
/// §2.1.4.1 PROOF): the hashes that show the older tree is a prefix of the newer. Empty when `old` is 0 or equal to
/// `new`; `old > new` has no proof (the caller refuses it).
pub fn consistency_proof<S: Subtrees>(source: &mut S, old: u64, new: u64) -> Result<Vec<Hash>, S::Error> {
    /// SUBPROOF(m, D[start:end], whole): `whole` while the range still starts at the older tree's first leaf.
    fn subproof<S: Subtrees>(
        source: &mut S,
        m: u64,
        (start, end): (u64, u64),
        whole: bool,
        out: &mut Vec<Hash>,
    ) -> Result<(), S::Error> {
        let n = end - start;
        if m == n {
            if !whole {
                out.push(range_hash(source, start, end)?);
            }
            return Ok(());
        }
        let k = split(n);
        if m <= k {
            subproof(source, m, (start, start + k), whole, out)?;
            out.push(range_hash(source, start + k, end)?);
        } else {
            subproof(source, m - k, (start + k, end), false, out)?;
            out.push(range_hash(source, start, start + k)?);
        }
        Ok(())
    }
    let mut proof = Vec::new();
    if 0 < old && old < new {
        subproof(source, old, (0, new), true, &mut proof)?;
    }
    Ok(proof)
}

/// Checks a consistency proof (RFC 9162 §2.1.4.2): that the log of `old` entries with tree hash `old_root` is a
/// prefix of the log of `new` entries with tree hash `new_root`. What a witness runs before it co-signs.
pub fn verify_consistency(old: u64, new: u64, old_root: &Hash, new_root: &Hash, proof: &[Hash]) -> bool {
    if old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    if old == 0 {
        // The empty log is a prefix of every log.
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else { return false };
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut old_hash, mut new_hash) = (*first, *first);
    for c in rest {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            old_hash = node_hash(c, &old_hash);
            new_hash = node_hash(c, &new_hash);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            new_hash = node_hash(&new_hash, c);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && old_hash == *old_root && new_hash == *new_root
}

#[cfg(test)]
mod tests;
