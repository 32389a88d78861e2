//! The node's tables: its contact records, the children it knows, and its access register. The plumbing
//! (connections, migrations, [`Store`]) is `sharegate_core`'s, re-exported here.

pub mod access;
pub mod records;

pub use sharegate_core::store::*;
