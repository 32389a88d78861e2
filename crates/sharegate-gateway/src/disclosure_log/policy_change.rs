//! A need-to-know policy put in force, as the disclosure log keeps it: the policy itself (so that every entry's
//! `policy_hash` resolves, in the log, to the text that decided it), what it changed over the policy it replaced
//! (counted over the closed lists, as `sharegate policy diff` counts), and who put it in force — the gateway's host,
//! process and account, and for a reload the process and account that sent the SIGHUP, as the kernel reports them.
//!
//! Written when the gateway starts with a policy other than the last one the log holds, and on each reload that
//! changes the policy, *before* the policy decides anything: a reload whose entry cannot be written leaves the old
//! policy in force, and a start whose entry cannot be written does not start.
//!
//! In the log beside disclosures, in the one chain, its query columns say only what it is (`kind`
//! `policy_change`): no child, no agency, so no DPO's search, queue or notification feed lists it. `GET
//! /v1/policy/changes` does.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use sharegate_core::domain::PolicyChangeId;
use sharegate_core::reload::Account;

use super::entry::{Index, LoggedEntry};
use super::writer::{AppendError, LogWriter, Prepared};
use crate::decision::diff::{ChangeKind, PolicyDiff};
use crate::decision::policy::{Policy, Vocabulary};
use crate::store::group_commit::CommitError;
use crate::store::log;
use crate::store::{Store, StoreError};

/// The log's `kind` for a policy change.
pub const KIND: &str = "policy_change";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyChange {
    #[schema(value_type = String)]
    pub id: PolicyChangeId,
    pub at: DateTime<Utc>,
    /// The hash every decision under this policy names.
    pub hash: String,
    /// The hash of the policy this gateway had in force before (at a start: the last one the log holds); none for
    /// the first.
    pub replaces: Option<String>,
    pub compared: Comparison,
    pub by: PutInForce,
    /// `model.conf`, as hashed.
    pub model: String,
    /// `policy.csv`, as hashed.
    pub rules: String,
}

/// What the policy changed over the one it replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Comparison {
    /// The first policy the log holds.
    First,
    Counted(Counts),
    /// The policy replaced no longer loads with the gateway's closed lists (an agency, category or role renamed
    /// since): why.
    NotComparable {
        why: String,
    },
}

/// Every request over the closed lists decided under both policies: how many there were, and how many changed, by
/// kind (`sharegate policy diff` lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub requests: usize,
    pub widened: usize,
    pub loosened: usize,
    pub narrowed: usize,
    pub tightened: usize,
    pub redecided: usize,
}

impl Counts {
    pub fn of(diff: &PolicyDiff) -> Self {
        let counts = diff.counts();
        let count = |kind| counts.get(&kind).copied().unwrap_or(0);
        Self {
            requests: diff.compared,
            widened: count(ChangeKind::Widened),
            loosened: count(ChangeKind::Loosened),
            narrowed: count(ChangeKind::Narrowed),
            tightened: count(ChangeKind::Tightened),
            redecided: count(ChangeKind::Redecided),
        }
    }

    /// Whether the new policy lets more through than the old (as [`PolicyDiff::widens`]).
    pub fn widens(&self) -> bool {
        self.widened + self.loosened > 0
    }
}

/// Who put a policy in force, and on what occasion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutInForce {
    pub occasion: Occasion,
    /// The gateway's host name.
    pub host: String,
    /// The gateway's process and the account it runs as.
    pub gateway: Account,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Occasion {
    /// The gateway started with it.
    Start,
    /// A SIGHUP read it: who sent the signal, when the kernel names them. Under systemd (`systemctl reload`) that is
    /// systemd itself; the operator is then in systemd's journal.
    Reload { sent_by: Option<Account> },
}

impl PutInForce {
    /// This gateway, now, on `occasion`.
    pub fn here(occasion: Occasion) -> Self {
        Self { occasion, host: sharegate_core::reload::host_name(), gateway: Account::this() }
    }
}

impl PolicyChange {
    pub fn new(policy: &Policy, replaces: Option<String>, compared: Comparison, by: PutInForce) -> Self {
        let (model, rules) = policy.texts();
        Self {
            id: PolicyChangeId::new(),
            at: Utc::now().trunc_subsecs(6),
            hash: policy.hash.clone(),
            replaces,
            compared,
            by,
            model: model.to_owned(),
            rules: rules.to_owned(),
        }
    }

    /// Whether the change shares more than the policy it replaced.
    pub fn widens(&self) -> bool {
        matches!(&self.compared, Comparison::Counted(counts) if counts.widens())
    }
}

impl Index<String> {
    /// What the columns say of a policy change: what it is, when, and nothing of a child or an agency.
    pub fn of_policy_change(change: &PolicyChange) -> Self {
        Self {
            id: change.id.to_string(),
            at: change.at.timestamp_micros(),
            kind: KIND.to_owned(),
            subject_id: String::new(),
            requester_agency: String::new(),
            requester_person: String::new(),
            purpose: String::new(),
            lawful_basis: String::new(),
            outcome: String::new(),
            agencies: ",,".to_owned(),
            reviews: None,
            dropped_from: None,
            waits_for: Some(",,".to_owned()),
        }
    }
}

/// A policy change as read back from the log.
pub type LoggedPolicyChange = LoggedEntry<PolicyChange>;

/// Why a policy was not put in force.
#[derive(Debug, thiserror::Error)]
pub enum NotInForce {
    #[error("the disclosure log cannot be read: {0}")]
    Store(#[from] StoreError),
    #[error("the policy change cannot be written into the disclosure log: {0}")]
    Log(#[from] AppendError),
}

/// The policy changes the log holds, the latest first: up to `limit` before position `before`, each at its place.
pub async fn latest(store: &Store, before: Option<i64>, limit: i64) -> Result<Vec<LoggedPolicyChange>, StoreError> {
    let rows = store.run(move |conn| log::latest_without_subject(conn, KIND, before, limit)).await?;
    rows.iter()
        .map(|row| {
            serde_json::from_str(&row.canonical).map_err(|e| {
                StoreError::Corrupt(format!(
                    "entry {} is not a policy change: {e}; run `sharegate log verify`",
                    row.columns.seq
                ))
            })
        })
        .collect()
}

/// Appends `change`; resolves once it is committed (durable).
pub async fn append(log: &LogWriter, change: &PolicyChange) -> Result<(), AppendError> {
    let prepared =
        Prepared::with(Index::of_policy_change(change), change).map_err(|e| CommitError::Unavailable(e.to_string()))?;
    log.submit(prepared).await.map(drop)
}

/// At start: writes `policy` into the log as put in force, unless it is the last policy the log holds. The entry
/// written, if one was.
pub async fn at_start(
    log: &LogWriter,
    store: &Store,
    policy: &Policy,
    vocabulary: &Vocabulary,
) -> Result<Option<PolicyChange>, NotInForce> {
    log.caught_up().await.map_err(AppendError::from)?;
    let last = latest(store, None, 1).await?.into_iter().next().map(|logged| logged.entry);
    let compared = match &last {
        Some(last) if last.hash == policy.hash => return Ok(None),
        Some(last) => match Policy::from_texts(last.model.clone(), last.rules.clone(), vocabulary).await {
            Ok(before) => Comparison::Counted(Counts::of(&PolicyDiff::between(&before, policy, vocabulary))),
            Err(e) => Comparison::NotComparable { why: e.to_string() },
        },
        None => Comparison::First,
    };
    let change = PolicyChange::new(policy, last.map(|l| l.hash), compared, PutInForce::here(Occasion::Start));
    append(log, &change).await?;
    Ok(Some(change))
}
