//! Sealing records: the node signs each record it stores over a canonical serialisation that binds the author's
//! identity and certificate serial (¶19: dated and signed, so the source can be identified). The canonical text
//! is what is stored; a record is read back from it, so what is served is exactly what was signed.
//!
//! Format `sharegate-record-v1` (see `crate::seal`): the [`SealedRecord`] as compact JSON. Check one with the
//! node's public key (`signing/<agency>.pub`) and [`verify`].

use chrono::{DateTime, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::record::{Source, Statement};
use crate::domain::{AgencyName, Category, ContactType, LocalRef, PersonName, RecordId, RetentionClass, Role};
pub use crate::seal::{Broken, Seal, SealError};

pub const FORMAT: &str = "sharegate-record-v1";

/// Who wrote a record, from their certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Author {
    #[schema(value_type = String)]
    pub agency: AgencyName,
    #[schema(value_type = String)]
    pub role: Role,
    #[schema(value_type = String)]
    pub person: PersonName,
    /// The author's certificate serial (hex).
    pub serial: String,
}

/// Everything a signature covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealedRecord {
    /// Always `sharegate-record-v1`.
    pub format: String,
    #[schema(value_type = String)]
    pub id: RecordId,
    /// The agency whose node stores and signs the record.
    #[schema(value_type = String)]
    pub agency: AgencyName,
    #[schema(value_type = String)]
    pub subject_ref: LocalRef,
    pub occurred_at: DateTime<Utc>,
    /// Server time when the record was stored.
    pub recorded_at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub contact_type: ContactType,
    #[schema(value_type = String)]
    pub category: Category,
    pub statements: Vec<Statement>,
    pub sources: Vec<Source>,
    #[schema(value_type = String)]
    pub retention_class: RetentionClass,
    pub author: Author,
    /// For an amendment: the original record it corrects.
    #[schema(value_type = Option<String>)]
    pub amends: Option<RecordId>,
}

/// A stored record as served: the sealed record and the node's signature over it. The gateway parses what nodes
/// send into this shape and nothing else: a record that is not exactly this is not passed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(from = "SignedRecordWire")]
pub struct SignedRecord {
    #[serde(flatten)]
    pub record: SealedRecord,
    /// The node's ed25519 signature over the sealed record, hex.
    pub signature: String,
}

/// A signed record as read: the sealed record's fields and the signature side by side, and nothing else. `flatten`
/// cannot deny unknown fields (it hands the flattened part whatever is left over), so the fields are listed once
/// more here; an extra field anywhere fails the record. A field added to [`SealedRecord`] and not here stops the
/// build (the conversion below names every field).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignedRecordWire {
    format: String,
    id: RecordId,
    agency: AgencyName,
    subject_ref: LocalRef,
    occurred_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    contact_type: ContactType,
    category: Category,
    statements: Vec<Statement>,
    sources: Vec<Source>,
    retention_class: RetentionClass,
    author: Author,
    amends: Option<RecordId>,
    signature: String,
}

impl From<SignedRecordWire> for SignedRecord {
    fn from(wire: SignedRecordWire) -> Self {
        let record = SealedRecord {
            format: wire.format,
            id: wire.id,
            agency: wire.agency,
            subject_ref: wire.subject_ref,
            occurred_at: wire.occurred_at,
            recorded_at: wire.recorded_at,
            contact_type: wire.contact_type,
            category: wire.category,
            statements: wire.statements,
            sources: wire.sources,
            retention_class: wire.retention_class,
            author: wire.author,
            amends: wire.amends,
        };
        Self { record, signature: wire.signature }
    }
}

/// Seals a record with the node's key.
pub fn seal(record: &SealedRecord, key: &SigningKey) -> Result<Seal, SealError> {
    crate::seal::seal(FORMAT, record, key)
}

/// Checks a stored record's signature and reads it back.
pub fn verify(seal: &Seal, key: &VerifyingKey) -> Result<SealedRecord, Broken> {
    checked_format(crate::seal::verify(FORMAT, seal, key)?)
}

impl SignedRecord {
    /// The text the node signed: the record as compact JSON in declaration order, as [`seal`] made it, rebuilt from
    /// the record as received — so a record changed in any field after signing no longer matches its signature.
    pub fn signed_text(&self) -> Result<String, Broken> {
        serde_json::to_string(&self.record).map_err(|e| Broken::Unreadable(e.to_string()))
    }

    /// Whether the record as received is exactly what the node signed with `key`.
    pub fn check(&self, key: &VerifyingKey) -> Result<(), Broken> {
        check_text(&self.signed_text()?, &self.signature, key)
    }
}

/// Whether `signature` is `key`'s over a record whose signed text is `canonical`.
pub fn check_text(canonical: &str, signature: &str, key: &VerifyingKey) -> Result<(), Broken> {
    crate::seal::check(FORMAT, canonical, signature, key)
}

/// Reads a stored record without checking its signature (the read path; `node verify` checks).
pub fn open(canonical: &str) -> Result<SealedRecord, Broken> {
    checked_format(crate::seal::open(canonical)?)
}

fn checked_format(record: SealedRecord) -> Result<SealedRecord, Broken> {
    if record.format != FORMAT {
        return Err(Broken::Unreadable(format!("format '{}'", record.format)));
    }
    Ok(record)
}

#[cfg(test)]
mod tests;
