//! Redaction (step 6): what nodes sent becomes what may be answered. No I/O: it is given the keys (read at start and
//! again on SIGHUP, see the gateway's `reload`), and which records verified is remembered in memory.
//!
//! A record passes only if it is exactly a signed record in the agreed format, from the agency asked, about the
//! child asked, in a category this requester was allowed for that agency, and signed with that agency's record key.
//! Anything else — a lying or broken node's extra data, a record changed after it was signed — is dropped here and
//! flagged, so nothing leaves the gateway past policy, and every signature a requester gets has been checked.

use std::collections::BTreeMap;
use std::sync::Arc;

use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::broker::{Fetched, NodeFault};
use crate::decision::Authorized;
use sharegate_core::domain::AgencyName;
use sharegate_protocol::record::{SignedRecord, check_text, signed_text};

mod shared;

pub use shared::SharedRecordKeys;

/// How many checked records [`RecordKeys`] remembers: ~100 bytes each.
const REMEMBERED: usize = 100_000;

/// Each agency's record keys: the public keys its node signs records with (more than one across a rotation); and the
/// records already checked.
#[derive(Clone)]
pub struct RecordKeys {
    keys: BTreeMap<AgencyName, Vec<VerifyingKey>>,
    /// The SHA-256 of each record that verified, with its agency and signature. A record is never changed once
    /// signed, and the same records are served again and again (each child's, at each request about them): a
    /// digest (a few µs) stands in for the ed25519 check (~40 µs) the next time. Only records that verified are
    /// kept, and a `RecordKeys` never changes its keys (a reload replaces it whole, see [`SharedRecordKeys`]), so a
    /// record passes from here only if exactly it has passed the check with these keys before.
    verified: Arc<quick_cache::sync::Cache<[u8; 32], ()>>,
}

impl std::fmt::Debug for RecordKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordKeys").field("agencies", &self.keys.keys().collect::<Vec<_>>()).finish_non_exhaustive()
    }
}

/// An agency's record key cannot be read.
impl RecordKeys {
    pub fn new(keys: BTreeMap<AgencyName, Vec<VerifyingKey>>) -> Self {
        Self { keys, verified: Arc::new(quick_cache::sync::Cache::new(REMEMBERED)) }
    }

    /// Whether `other` holds exactly these keys for exactly these agencies.
    pub fn same_keys(&self, other: &Self) -> bool {
        self.keys == other.keys
    }

    /// Whether `record`, read from `sent` (the exact text the node sent), is signed with one of `agency`'s keys. An
    /// agency without keys has no record that passes.
    ///
    /// Remembered by the text sent: the same bytes read the same way and cover the same signed text, so a record
    /// served again is not canonicalised or checked again — only its first passage costs the signature check.
    pub fn signed_by(&self, agency: &AgencyName, record: &SignedRecord, sent: &str) -> bool {
        let Some(keys) = self.keys.get(agency) else { return false };
        let digest: [u8; 32] =
            Sha256::new().chain_update(agency.as_str()).chain_update([0]).chain_update(sent).finalize().into();
        if self.verified.get(&digest).is_some() {
            return true;
        }
        let Ok(text) = signed_text(record, sent) else { return false };
        let format = record.record.format;
        let verified = keys.iter().any(|key| check_text(format, &text, &record.signature, key).is_ok());
        if verified {
            self.verified.insert(digest, ());
        }
        verified
    }
}

/// Why a record a node sent was not passed on.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Dropped {
    /// Not a signed record in the agreed format.
    NotARecord,
    /// Claims to come from another agency.
    OtherAgency,
    /// About another child.
    OtherChild,
    /// In a category that was not allowed.
    CategoryNotAllowed,
    /// Its signature does not verify with the agency's record key: changed after signing, or not signed by the node.
    BadSignature,
}

impl Dropped {
    /// As the API and the metrics name it: `bad_signature`.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// Whether the requester is told of it. A record that cannot be read or whose signature does not verify may
    /// have been one they were to see, so their answer is marked partial. One the node sent beyond what was asked
    /// (another agency's, another child's, another category) was never theirs: telling them of it would tell them
    /// what else the node holds. The log, the DPOs and the metrics count every one.
    pub fn told_to_requester(self) -> bool {
        match self {
            Self::NotARecord | Self::BadSignature => true,
            Self::OtherAgency | Self::OtherChild | Self::CategoryNotAllowed => false,
        }
    }

    /// What was dropped, in words, after a count: "2 whose signature does not verify".
    pub fn describe(self) -> &'static str {
        match self {
            Self::NotARecord => "not a signed record in the agreed format",
            Self::OtherAgency => "claiming to be another agency's",
            Self::OtherChild => "about another child",
            Self::CategoryNotAllowed => "in a category not allowed",
            Self::BadSignature => "whose signature does not verify",
        }
    }
}

/// How one agency's part of the answer went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgencyReport {
    #[schema(value_type = String)]
    pub agency: AgencyName,
    /// `answered`, `not_known` (the agency has no reference for this child, so nothing was asked), or why the
    /// agency's part is missing: `unreachable`, `timed_out`, `failed`, `malformed`, `too_large`, `not_configured`.
    pub status: &'static str,
    /// In words, when the agency's part is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub records: usize,
    /// Records the agency sent that were not passed on, by reason. The requester's answer names only those that
    /// may have been theirs to see ([`Dropped::told_to_requester`]); the log keeps them all.
    #[serde(serialize_with = "serialize_told", skip_serializing_if = "nothing_to_tell")]
    #[schema(value_type = BTreeMap<Dropped, usize>)]
    pub dropped: BTreeMap<Dropped, usize>,
    /// Records in the categories allowed that the agency does not share while its DPO restricts them: their
    /// accuracy is disputed (UK GDPR Art. 18). Absent when there are none.
    #[serde(skip_serializing_if = "is_zero")]
    pub restricted: usize,
}

pub(crate) fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The counts a requester is told of.
fn told(dropped: &BTreeMap<Dropped, usize>) -> impl Iterator<Item = (&Dropped, &usize)> {
    dropped.iter().filter(|(why, _)| why.told_to_requester())
}

fn serialize_told<S: serde::Serializer>(dropped: &BTreeMap<Dropped, usize>, to: S) -> Result<S::Ok, S::Error> {
    to.collect_map(told(dropped))
}

fn nothing_to_tell(dropped: &BTreeMap<Dropped, usize>) -> bool {
    told(dropped).next().is_none()
}

/// The status of an agency's part when its node answered (every other status says why its part is missing).
pub const ANSWERED: &str = "answered";

impl AgencyReport {
    /// An agency that answered with `records` records.
    pub fn answered(agency: AgencyName, records: usize) -> Self {
        Self { agency, status: ANSWERED, message: None, records, dropped: BTreeMap::new(), restricted: 0 }
    }

    /// Whether this agency's part, as the requester sees it, is missing or was cut.
    pub fn incomplete(&self) -> bool {
        self.message.is_some() || !nothing_to_tell(&self.dropped)
    }
}

/// What may be answered. Only [`redact`] makes one.
#[derive(Debug, Clone)]
pub struct Redacted {
    records: Vec<SignedRecord>,
    agencies: Vec<AgencyReport>,
}

impl Redacted {
    pub fn records(&self) -> &[SignedRecord] {
        &self.records
    }

    pub fn agencies(&self) -> &[AgencyReport] {
        &self.agencies
    }

    /// Some agency's part is missing or was cut.
    pub fn partial(&self) -> bool {
        self.agencies.iter().any(AgencyReport::incomplete)
    }
}

pub fn redact(authorized: &Authorized, fetched: Fetched, keys: &RecordKeys) -> Redacted {
    let allowed = authorized.allowed_by_agency();
    let mut records = Vec::new();
    let mut agencies = Vec::new();
    for answer in fetched.into_answers() {
        let mut report = AgencyReport {
            agency: answer.agency.clone(),
            status: ANSWERED,
            message: None,
            records: 0,
            dropped: BTreeMap::new(),
            restricted: 0,
        };
        match (&answer.local_ref, answer.result) {
            (None, _) => report.status = "not_known",
            (Some(_), Err(fault)) => {
                report.status = fault.code();
                report.message = Some(fault.to_string());
            }
            (Some(local_ref), Ok(sent)) => {
                let may_pass = allowed.get(&answer.agency);
                report.restricted = sent.restricted;
                for text in sent.records {
                    // Strict: exactly a signed record's fields, at every depth (see `SignedRecord`).
                    let verdict = match serde_json::from_str::<SignedRecord>(text.get()).ok() {
                        None => Err(Dropped::NotARecord),
                        Some(r) if r.record.agency != answer.agency => Err(Dropped::OtherAgency),
                        Some(r) if &r.record.subject_ref != local_ref => Err(Dropped::OtherChild),
                        Some(r) if !may_pass.is_some_and(|c| c.contains(&r.record.category)) => {
                            Err(Dropped::CategoryNotAllowed)
                        }
                        // Last: the costliest check, made only for a record that would otherwise pass.
                        Some(r) if !keys.signed_by(&answer.agency, &r, text.get()) => Err(Dropped::BadSignature),
                        Some(r) => Ok(r),
                    };
                    match verdict {
                        Ok(record) => {
                            report.records += 1;
                            records.push(record);
                        }
                        Err(why) => *report.dropped.entry(why).or_default() += 1,
                    }
                }
                if let Some(forged) = report.dropped.get(&Dropped::BadSignature) {
                    // Records changed after they were signed, or record_keys without the node's key: either way an
                    // operator must look, not only the next DPO review.
                    tracing::error!(agency = %answer.agency, records = forged, "a node sent records whose signatures do not verify with its record_keys; dropped");
                }
                if !report.dropped.is_empty() {
                    tracing::warn!(agency = %answer.agency, dropped = ?report.dropped, "a node sent records that may not be passed on; dropped");
                }
            }
        }
        agencies.push(report);
    }
    Redacted { records, agencies }
}

/// A fault as the answer reports it (for callers that only have the fault).
pub fn fault_report(agency: AgencyName, fault: &NodeFault) -> AgencyReport {
    AgencyReport {
        agency,
        status: fault.code(),
        message: Some(fault.to_string()),
        records: 0,
        dropped: BTreeMap::new(),
        restricted: 0,
    }
}

#[cfg(test)]
mod tests;
