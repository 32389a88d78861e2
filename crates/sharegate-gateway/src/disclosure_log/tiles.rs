//! The log's tree as C2SP tlog-tiles hash tiles: what an auditor fetches to rebuild the tree and check a checkpoint's
//! root, or to make any proof itself, without access to the database — and what a cache in front may keep forever,
//! since a tile (a full one, or the first `w` hashes of one) never changes once the log reaches it.
//!
//! A tile at level `L` and index `N` holds the hashes of the perfect subtrees of 256^L leaves numbered `N·256 …`,
//! in order: level 0 the leaf hashes, level 1 the hashes of 256-leaf blocks (what the store keeps as `log_blocks`,
//! since [`merkle::BLOCK`] is the tile width), level 2 and up folded from those. Entry bundles (`tile/entries/…`)
//! are not served: the entries name children and practitioners, and each DPO reads only their agency's.

use std::fmt;

use super::merkle::{self, BLOCK, Hash, Subtrees};

/// Hashes in a full tile (tile height 8).
pub const WIDTH: u64 = 256;

/// Levels a tile can have: a level-8 tile would span 2^64 leaves.
const LEVELS: u8 = 8;

/// A hash tile, as named in its path: `tile/<level>/<index>` (full) or `tile/<level>/<index>.p/<width>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileId {
    pub level: u8,
    pub index: u64,
    /// 1 … 256: how many of the tile's hashes (256 for a full tile).
    pub width: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TilePathError {
    #[error(
        "entry bundles are not published: entries name children and practitioners (DPOs read their agency's at /v1/disclosures)"
    )]
    Entries,
    #[error("the level must be 0 to {}", LEVELS - 1)]
    Level,
    #[error("the index is groups of three digits, each but the last prefixed with x (e.g. x001/x234/067)")]
    Index,
    #[error("a partial tile's width is 1 to 255, with no leading zero")]
    Width,
}

/// Three decimal digits.
fn digits(group: &str) -> Option<u64> {
    (group.len() == 3 && group.bytes().all(|b| b.is_ascii_digit())).then(|| group.parse().ok()).flatten()
}

impl TileId {
    /// Reads `<level>` and `<index>[.p/<width>]` as they follow `tile/` in a tile's path.
    pub fn parse(level: &str, rest: &str) -> Result<Self, TilePathError> {
        if level == "entries" {
            return Err(TilePathError::Entries);
        }
        let level = match level.parse::<u8>() {
            Ok(parsed) if parsed < LEVELS && parsed.to_string() == level => parsed,
            _ => return Err(TilePathError::Level),
        };
        let (index_part, width) = match rest.split_once(".p/") {
            None => (rest, WIDTH),
            Some((index, width)) => {
                let parsed = width.parse::<u64>().ok().filter(|w| (1..WIDTH).contains(w) && width == w.to_string());
                (index, parsed.ok_or(TilePathError::Width)?)
            }
        };
        let groups: Vec<&str> = index_part.split('/').collect();
        let mut index: u64 = 0;
        for (n, group) in groups.iter().enumerate() {
            // Every group but the last is prefixed with x.
            let group = if n + 1 < groups.len() { group.strip_prefix('x') } else { Some(*group) };
            let value = group.and_then(digits).ok_or(TilePathError::Index)?;
            index = index.checked_mul(1000).and_then(|i| i.checked_add(value)).ok_or(TilePathError::Index)?;
        }
        let id = Self { level, index, width };
        // One name per tile (not `x000/001` for `001`), so that caches keep one copy.
        if id.to_string() != format!("tile/{level}/{rest}") {
            return Err(TilePathError::Index);
        }
        Ok(id)
    }

    /// How many leaves one of the tile's hashes covers.
    fn span(self) -> Option<u64> {
        WIDTH.checked_pow(u32::from(self.level))
    }

    /// The hashes of this tile, when the tree of `size` leaves holds all of them; `None` when it does not (yet).
    pub fn hashes<S: Subtrees>(self, source: &mut S, size: u64) -> Result<Option<Vec<Hash>>, S::Error> {
        let Some(span) = self.span() else { return Ok(None) };
        let first = self.index.checked_mul(WIDTH);
        let end = first.and_then(|f| f.checked_add(self.width));
        let Some((first, end)) = first.zip(end) else { return Ok(None) };
        if end.checked_mul(span).is_none_or(|leaves| leaves > size) {
            return Ok(None);
        }
        if self.level == 0 {
            return source.leaves(first, end).map(Some);
        }
        // Each hash of a level-L tile is the tree hash of 256^(L-1) consecutive block hashes.
        let per_hash = span / BLOCK;
        let blocks = source.blocks(first * per_hash, end * per_hash)?;
        let chunk = usize::try_from(per_hash).unwrap_or(usize::MAX);
        Ok(Some(blocks.chunks(chunk).map(merkle::tree_hash).collect()))
    }
}

impl fmt::Display for TileId {
    /// The tile's path: `tile/<level>/<index>[.p/<width>]`, the index in groups of three digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut groups = vec![format!("{:03}", self.index % 1000)];
        let mut rest = self.index / 1000;
        while rest > 0 {
            groups.push(format!("x{:03}", rest % 1000));
            rest /= 1000;
        }
        groups.reverse();
        write!(f, "tile/{}/{}", self.level, groups.join("/"))?;
        if self.width < WIDTH {
            write!(f, ".p/{}", self.width)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
