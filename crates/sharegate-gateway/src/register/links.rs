//! The subject index's link history: each agency owns its link to a child (its own reference for the child at its
//! node). Every link, change and removal is an entry sealed by the gateway, binding who made it, and kept: the
//! history is append-only, like the consent register, and shown to the owning agency.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Actor;
use sharegate_core::domain::{AgencyName, LinkEventId, LocalRef, Narrative, SubjectId};

pub const LINK_FORMAT: &str = "sharegate-local-ref-v1";

/// What happened to an agency's link to a child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum LinkChange {
    /// The agency linked the child to its reference.
    Linked {
        #[schema(value_type = String)]
        local_ref: LocalRef,
    },
    /// The agency replaced its reference for the child.
    Changed {
        #[schema(value_type = String)]
        from: LocalRef,
        #[schema(value_type = String)]
        to: LocalRef,
    },
    /// The agency removed its link: its node is no longer asked about the child.
    Unlinked {
        #[schema(value_type = String)]
        local_ref: LocalRef,
    },
}

impl LinkChange {
    /// The reference in force after the change, if any.
    pub fn now(&self) -> Option<&LocalRef> {
        match self {
            Self::Linked { local_ref } => Some(local_ref),
            Self::Changed { to, .. } => Some(to),
            Self::Unlinked { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LinkEntry {
    #[schema(value_type = String)]
    pub id: LinkEventId,
    #[schema(value_type = String)]
    pub subject: SubjectId,
    #[schema(value_type = String)]
    pub agency: AgencyName,
    #[serde(flatten)]
    pub change: LinkChange,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub reason: Option<Narrative>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Actor,
}
