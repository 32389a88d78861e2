//! What an agency's DPO does at its node to its records' sharing and keeping — each act sealed with the node's key,
//! with who made it and why, and kept for ever:
//!
//! - **restrict** a record while the family's dispute of its accuracy is looked at (UK GDPR Art. 18): the node stops
//!   sharing it and its amendments — a read counts them as `restricted` instead — until the restriction is
//!   **lifted**;
//! - put a child's records on **legal hold** (litigation, an inquiry, a child safeguarding practice review): retention
//!   keeps them, whatever their rules say (¶20), until the hold is **lifted**.
//!
//! The state in force is what a child's acts leave, in the order they were made ([`InForce`]).

use std::collections::BTreeSet;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::NodeState;
use crate::store::dpo_acts::ActRow;
use crate::store::records::RecordRow;
use sharegate_core::domain::{ActId, AgencyName, LocalRef, Narrative, RecordId};
use sharegate_core::error::{ApiError, ErrorKind};
use sharegate_core::identity::Identity;
use sharegate_protocol::record::Author;

/// The text a DPO act's signature covers is this line, then the act as compact JSON.
pub const FORMAT: &str = "sharegate-node-act-v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Act {
    Restrict,
    LiftRestriction,
    Hold,
    LiftHold,
}

impl Act {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Restrict => "restrict",
            Self::LiftRestriction => "lift_restriction",
            Self::Hold => "hold",
            Self::LiftHold => "lift_hold",
        }
    }
}

/// What an act is about: one record (a restriction), or all of a child's records (a hold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Record { id: RecordId, subject_ref: LocalRef },
    Child(LocalRef),
}

/// An act as sealed and served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealedAct {
    #[schema(value_type = String)]
    pub id: ActId,
    #[schema(value_type = String)]
    pub agency: AgencyName,
    pub at: DateTime<Utc>,
    pub act: Act,
    #[schema(value_type = String)]
    pub subject_ref: LocalRef,
    #[schema(value_type = Option<String>)]
    pub record_id: Option<RecordId>,
    #[schema(value_type = String)]
    pub reason: Narrative,
    pub by: Author,
}

/// What a child's acts leave in force.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct InForce {
    /// Records restricted now (their amendments are withheld with them).
    pub restricted: BTreeSet<String>,
    pub held: bool,
}

impl InForce {
    /// Folds a child's acts, oldest first.
    pub fn from_acts(acts: &[ActRow]) -> Self {
        let mut state = Self::default();
        for act in acts {
            match (act.act.as_str(), &act.record_id) {
                ("restrict", Some(record)) => {
                    state.restricted.insert(record.clone());
                }
                ("lift_restriction", Some(record)) => {
                    state.restricted.remove(record);
                }
                ("hold", _) => state.held = true,
                ("lift_hold", _) => state.held = false,
                _ => {}
            }
        }
        state
    }

    /// Whether a record is withheld: it, or the original it amends, is restricted.
    pub fn withholds(&self, row: &RecordRow) -> bool {
        self.restricted.contains(&row.id)
            || row.amends.as_ref().is_some_and(|original| self.restricted.contains(original))
    }

    /// Whether `act` on `target` changes anything, or 409 saying why not.
    pub fn allows(&self, act: Act, target: &Target) -> Result<(), ApiError> {
        let refused = |message: &str| Err(ApiError::new(ErrorKind::Duplicate, message));
        match (act, target) {
            (Act::Restrict, Target::Record { id, .. }) if self.restricted.contains(id.as_str()) => {
                refused("this record is restricted already")
            }
            (Act::LiftRestriction, Target::Record { id, .. }) if !self.restricted.contains(id.as_str()) => {
                refused("this record is not restricted: there is nothing to lift")
            }
            (Act::Hold, Target::Child(_)) if self.held => refused("this child's records are on legal hold already"),
            (Act::LiftHold, Target::Child(_)) if !self.held => {
                refused("this child's records are not on legal hold: there is nothing to lift")
            }
            _ => Ok(()),
        }
    }
}

impl NodeState {
    /// Seals an act by `by` (the agency's DPO) made now, ready to store.
    pub fn seal_act(
        &self,
        act: Act,
        target: Target,
        reason: Narrative,
        by: &Identity,
        now: DateTime<Utc>,
    ) -> Result<ActRow, ApiError> {
        let (subject_ref, record_id) = match target {
            Target::Record { id, subject_ref } => (subject_ref, Some(id)),
            Target::Child(subject_ref) => (subject_ref, None),
        };
        let sealed = SealedAct {
            id: ActId::new(),
            agency: self.agency.clone(),
            // Microseconds: what both databases keep, so the column and the signed text agree.
            at: now.trunc_subsecs(6),
            act,
            subject_ref,
            record_id,
            reason,
            by: Author {
                agency: by.agency.clone(),
                role: by.role.clone(),
                person: by.person.clone(),
                serial: by.serial.clone(),
            },
        };
        let seal = sharegate_protocol::seal::seal(FORMAT, &sealed, &self.key).map_err(ApiError::internal)?;
        Ok(ActRow {
            id: sealed.id.to_string(),
            at: sealed.at.naive_utc(),
            act: act.as_str().to_owned(),
            subject_ref: sealed.subject_ref.to_string(),
            record_id: sealed.record_id.as_ref().map(RecordId::to_string),
            reason: sealed.reason.to_string(),
            by_person: sealed.by.person.to_string(),
            by_serial: sealed.by.serial,
            sealed: seal.canonical,
            signature: seal.signature,
        })
    }
}

#[cfg(test)]
mod tests;
