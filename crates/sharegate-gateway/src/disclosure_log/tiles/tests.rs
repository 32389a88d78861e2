use super::*;
use crate::disclosure_log::merkle::{leaf_hash, tree_hash};

/// Leaves in memory; block hashes computed from them, as the store's are.
struct Memory(Vec<Hash>);

impl Subtrees for Memory {
    type Error = String;
    fn leaves(&mut self, start: u64, end: u64) -> Result<Vec<Hash>, String> {
        Ok(self.0.get(start as usize..end as usize).ok_or("no such leaves")?.to_vec())
    }
    fn blocks(&mut self, start: u64, end: u64) -> Result<Vec<Hash>, String> {
        (start..end)
            .map(|b| Ok(tree_hash(self.0.get((b * BLOCK) as usize..((b + 1) * BLOCK) as usize).ok_or("no block")?)))
            .collect()
    }
}

fn tile(level: u8, index: u64, width: u64) -> TileId {
    TileId { level, index, width }
}

#[test]
fn paths_read_as_they_are_written() {
    for (id, path) in [
        (tile(0, 0, 256), "tile/0/000"),
        (tile(0, 1, 44), "tile/0/001.p/44"),
        (tile(1, 999, 256), "tile/1/999"),
        (tile(2, 1000, 1), "tile/2/x001/000.p/1"),
        (tile(0, 1_234_067, 256), "tile/0/x001/x234/067"),
        (tile(7, u64::MAX, 255), "tile/7/x018/x446/x744/x073/x709/x551/615.p/255"),
    ] {
        assert_eq!(id.to_string(), path);
        let rest = path.strip_prefix("tile/").unwrap();
        let (level, index) = rest.split_once('/').unwrap();
        assert_eq!(TileId::parse(level, index), Ok(id), "{path}");
    }
}

#[test]
fn a_path_that_names_no_tile_says_what_is_wrong() {
    for (level, index, error) in [
        ("entries", "000", TilePathError::Entries),
        ("8", "000", TilePathError::Level),
        ("01", "000", TilePathError::Level),
        ("-1", "000", TilePathError::Level),
        ("0", "1234067", TilePathError::Index),
        ("0", "x1/067", TilePathError::Index),
        ("0", "001/067", TilePathError::Index),
        ("0", "x000/001", TilePathError::Index),
        ("0", "067/", TilePathError::Index),
        ("0", "", TilePathError::Index),
        ("0", "x018/x446/x744/x073/x709/x551/616", TilePathError::Index),
        ("0", "067.p/256", TilePathError::Width),
        ("0", "067.p/0", TilePathError::Width),
        ("0", "067.p/07", TilePathError::Width),
        ("0", "067.p/", TilePathError::Width),
    ] {
        assert_eq!(TileId::parse(level, index), Err(error), "{level}/{index}");
    }
}

#[test]
fn tiles_hold_the_subtree_hashes_the_tree_is_made_of() {
    let size = 256 * 256 + 300;
    let leaves: Vec<Hash> = (0..size).map(|i: u64| leaf_hash(&i.to_be_bytes())).collect();
    let mut memory = Memory(leaves.clone());
    let mut hashes = |id: TileId| id.hashes(&mut memory, size).unwrap();
    assert_eq!(hashes(tile(0, 0, 256)), Some(leaves[..256].to_vec()));
    assert_eq!(hashes(tile(0, 257, 44)), Some(leaves[65_792..].to_vec()));
    assert_eq!(hashes(tile(0, 257, 45)), None, "past the end");
    assert_eq!(hashes(tile(0, 257, 256)), None, "not full yet");
    let blocks: Vec<Hash> = leaves.chunks(256).filter(|c| c.len() == 256).map(tree_hash).collect();
    assert_eq!(hashes(tile(1, 0, 256)), Some(blocks[..256].to_vec()));
    assert_eq!(hashes(tile(1, 1, 1)), Some(vec![blocks[256]]));
    assert_eq!(hashes(tile(1, 1, 2)), None);
    assert_eq!(hashes(tile(2, 0, 1)), Some(vec![tree_hash(&leaves[..65_536])]));
    assert_eq!(hashes(tile(2, 0, 2)), None);
    assert_eq!(hashes(tile(7, u64::MAX, 1)), None, "beyond any log");
    // What an auditor does: the root from the level-1 hashes and the leaves after them.
    let mut pieces = hashes(tile(2, 0, 1)).unwrap();
    pieces.push(tree_hash(&hashes(tile(1, 1, 1)).unwrap()));
    pieces.push(tree_hash(&hashes(tile(0, 257, 44)).unwrap()));
    let [a, b, c] = pieces.as_slice() else { panic!("three pieces") };
    assert_eq!(merkle::node_hash(a, &merkle::node_hash(b, c)), tree_hash(&leaves));
}
