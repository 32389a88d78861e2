//! A contact record as a node stores, signs and serves it (¶19: dated and signed, so the source can be
//! identified). The node signs each record over a canonical text that binds the author's identity and certificate
//! serial; the text is what the node stores, and a record is read back from it, so what is served is exactly what
//! was signed.
//!
//! # Signing, reproducibly
//!
//! A record names its format in its `format` field, and the format says what the signature covers:
//!
//! - **`sharegate-record-v2`** (what nodes write now): the ed25519 signature, hex, over the bytes
//!   `sharegate-record-v2` `\n` followed by the record object *without its `signature` member*, canonicalised by
//!   RFC 8785 (JSON Canonicalization Scheme: members sorted by their UTF-16 code units, no insignificant
//!   whitespace, strings escaped minimally). A checker canonicalises the object as it *received* it — so a
//!   node in any language, with any field order or whitespace, produces records anyone can check, and a new
//!   field changes nothing for records that do not carry it.
//! - **`sharegate-record-v1`** (records stored before): the same prefix line, then the record as compact JSON with
//!   its members in the order of [`SealedRecord`]'s fields. These keep verifying; no node writes them any more.
//!
//! `test-vectors/records.json` beside this crate holds records, their signed texts and signatures under a fixed
//! test key: another implementation can check itself against it (this crate's tests do).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::seal;
pub use crate::seal::{Broken, Seal, SealError};
use crate::vocabulary::{
    AgencyName, Category, ContactType, LocalRef, Narrative, PersonName, RecordId, RetentionClass, Role,
};

/// How a record's signature is made (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum RecordFormat {
    /// Compact JSON in field order; records stored before the canonical form.
    #[serde(rename = "sharegate-record-v1")]
    V1,
    /// RFC 8785 canonical JSON.
    #[serde(rename = "sharegate-record-v2")]
    V2,
}

impl RecordFormat {
    /// What a node writes now.
    pub const CURRENT: Self = Self::V2;

    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "sharegate-record-v1",
            Self::V2 => "sharegate-record-v2",
        }
    }
}

/// A statement as stored and signed (¶17, ¶23): a fact; an opinion, with its evidence and what in the same record it
/// rests on; or someone's words, recorded verbatim because they matter, with who said them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Statement {
    Fact {
        #[schema(value_type = String)]
        text: Narrative,
        /// What the fact is known from, where the sources do not say it (¶17: facts are evidence-based too).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(value_type = Option<String>)]
        evidence: Option<Narrative>,
    },
    Opinion {
        #[schema(value_type = String)]
        text: Narrative,
        /// What the professional judgement rests on, in words (¶17).
        #[schema(value_type = String)]
        evidence: Narrative,
        /// The facts, quotes and sources in this record the opinion rests on. Absent only on records written before
        /// nodes asked for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rests_on: Option<RestsOn>,
    },
    Quote {
        /// The words as they were said or written.
        #[schema(value_type = String)]
        text: Narrative,
        /// Who said or wrote them.
        #[schema(value_type = String, example = "Lily's mother")]
        source: Narrative,
    },
}

impl Statement {
    pub fn text(&self) -> &Narrative {
        match self {
            Self::Fact { text, .. } | Self::Opinion { text, .. } | Self::Quote { text, .. } => text,
        }
    }

    /// Whether an opinion may rest on this statement: what was observed or said, not another opinion.
    pub fn is_recorded_evidence(&self) -> bool {
        matches!(self, Self::Fact { .. } | Self::Quote { .. })
    }
}

/// What an opinion rests on: indices (from 0) into its own record's statements and sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestsOn {
    /// Facts and quotes of the same record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<u16>,
    /// Sources of the same record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<u16>,
}

/// Where information came from, and how it was obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    #[schema(value_type = String, example = "the child's class teacher")]
    pub who: Narrative,
    #[schema(value_type = String, example = "telephone call")]
    pub how: Narrative,
}

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
    pub format: RecordFormat,
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
    /// What each abbreviation the record takes from its agency's glossary meant when it was written (¶16), so that
    /// whoever receives the record reads it as its author meant it. Absent when it uses none, and on records written
    /// before nodes sent it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(value_type = BTreeMap<String, String>)]
    pub glossary: BTreeMap<String, Narrative>,
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
    format: RecordFormat,
    id: RecordId,
    agency: AgencyName,
    subject_ref: LocalRef,
    occurred_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    contact_type: ContactType,
    category: Category,
    statements: Vec<Statement>,
    sources: Vec<Source>,
    #[serde(default)]
    glossary: BTreeMap<String, Narrative>,
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
            glossary: wire.glossary,
            retention_class: wire.retention_class,
            author: wire.author,
            amends: wire.amends,
        };
        Self { record, signature: wire.signature }
    }
}

/// A record as a node sent it: its fields, and the text its signature must cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub record: SignedRecord,
    pub signed_text: String,
}

/// Seals a record with the node's key, in the record's own format (a node writes [`RecordFormat::CURRENT`]).
pub fn seal(record: &SealedRecord, key: &SigningKey) -> Result<Seal, SealError> {
    let canonical = match record.format {
        RecordFormat::V1 => serde_json::to_string(record)?,
        RecordFormat::V2 => serde_json_canonicalizer::to_string(record)?,
    };
    Ok(seal::sign_text(record.format.as_str(), canonical, key))
}

/// Checks a stored record's signature and reads it back.
pub fn verify(stored: &Seal, key: &VerifyingKey) -> Result<SealedRecord, Broken> {
    let record = open(&stored.canonical)?;
    check_text(record.format, &stored.canonical, &stored.signature, key)?;
    Ok(record)
}

/// Reads a stored record without checking its signature (the read path; `node verify` checks).
pub fn open(canonical: &str) -> Result<SealedRecord, Broken> {
    seal::open(canonical)
}

/// Whether `signature` is `key`'s over a record of `format` whose signed text is `canonical`.
pub fn check_text(format: RecordFormat, canonical: &str, signature: &str, key: &VerifyingKey) -> Result<(), Broken> {
    seal::check(format.as_str(), canonical, signature, key)
}

impl Received {
    /// Reads a record exactly as a node sent it. For `sharegate-record-v2` the signed text is the received object,
    /// less its signature, in RFC 8785 form — not a re-serialisation of what this build understood of it.
    pub fn read(sent: &str) -> Result<Self, Broken> {
        let record: SignedRecord = serde_json::from_str(sent).map_err(|e| Broken::Unreadable(e.to_string()))?;
        let signed_text = signed_text(&record, sent)?;
        Ok(Self { record, signed_text })
    }

    /// Whether the record as received is exactly what the node signed with `key`.
    pub fn check(&self, key: &VerifyingKey) -> Result<(), Broken> {
        check_text(self.record.record.format, &self.signed_text, &self.record.signature, key)
    }
}

/// The text `record`'s signature must cover, `record` being `sent` as read: for v2 the object sent less its
/// signature, in RFC 8785 form; for v1 the record written in field order.
pub fn signed_text(record: &SignedRecord, sent: &str) -> Result<String, Broken> {
    let unreadable = |e: serde_json::Error| Broken::Unreadable(e.to_string());
    match record.record.format {
        RecordFormat::V1 => serde_json::to_string(&record.record).map_err(unreadable),
        RecordFormat::V2 => {
            let mut value: serde_json::Value = serde_json::from_str(sent).map_err(unreadable)?;
            if let Some(object) = value.as_object_mut() {
                object.remove("signature");
            }
            serde_json_canonicalizer::to_string(&value).map_err(unreadable)
        }
    }
}

#[cfg(test)]
mod tests;
