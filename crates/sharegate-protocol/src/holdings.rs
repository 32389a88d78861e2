//! Discovery: which of the asked categories a node holds records in about a child, and how many — no content.

use serde::{Deserialize, Serialize};

/// `GET /v1/children/{local_ref}/holdings?categories=…`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Holdings {
    /// The categories (of those asked) in which this agency holds records about the child.
    pub categories: Vec<String>,
    /// How many records it holds in them (originals and amendments). A node of an older build leaves it out.
    #[serde(default)]
    pub records: u64,
}
