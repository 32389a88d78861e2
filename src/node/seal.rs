//! Sealing records: the node signs each record it stores over a canonical serialisation that binds the author's
//! identity and certificate serial (¶19: dated and signed, so the source can be identified). The canonical text
//! is what is stored; a record is read back from it, so what is served is exactly what was signed.
//!
//! Format `sharegate-record-v1`: the [`SealedRecord`] as compact JSON, fields in declaration order. The signature is
//! ed25519 over `sharegate-record-v1\n` followed by that text, hex-encoded. Check one with the node's public key
//! (`signing/<agency>.pub`) and [`verify`].

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::record::{Source, Statement};
use crate::domain::{AgencyName, Category, ContactType, LocalRef, PersonName, RecordId, RetentionClass, Role};

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

/// A sealed record's stored form: the canonical text and its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    pub canonical: String,
    pub signature: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the record cannot be serialised: {0}")]
    Serialise(#[from] serde_json::Error),
}

fn message(canonical: &str) -> Vec<u8> {
    [FORMAT.as_bytes(), b"\n", canonical.as_bytes()].concat()
}

pub fn seal(record: &SealedRecord, key: &SigningKey) -> Result<Seal, SealError> {
    let canonical = serde_json::to_string(record)?;
    let signature = hex::encode(key.sign(&message(&canonical)).to_bytes());
    Ok(Seal { canonical, signature })
}

/// Why a stored record does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("the signature is not a valid ed25519 signature")]
    MalformedSignature,
    #[error("the signature does not match the record")]
    SignatureMismatch,
    #[error("the signed text is not a sharegate-record-v1 record: {0}")]
    Unreadable(String),
}

/// Checks a stored record's signature and reads it back.
pub fn verify(seal: &Seal, key: &VerifyingKey) -> Result<SealedRecord, Broken> {
    let bytes = hex::decode(&seal.signature).map_err(|_| Broken::MalformedSignature)?;
    let signature = Signature::from_slice(&bytes).map_err(|_| Broken::MalformedSignature)?;
    key.verify(&message(&seal.canonical), &signature).map_err(|_| Broken::SignatureMismatch)?;
    open(&seal.canonical)
}

/// Reads a stored record without checking its signature (the read path; `node verify` checks).
pub fn open(canonical: &str) -> Result<SealedRecord, Broken> {
    let record: SealedRecord = serde_json::from_str(canonical).map_err(|e| Broken::Unreadable(e.to_string()))?;
    if record.format != FORMAT {
        return Err(Broken::Unreadable(format!("format '{}'", record.format)));
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Narrative;
    use crate::node::record::StatementKind;

    fn record() -> SealedRecord {
        SealedRecord {
            format: FORMAT.into(),
            id: RecordId::new(),
            agency: AgencyName::parse("police").expect("agency"),
            subject_ref: LocalRef::parse("P-1").expect("ref"),
            occurred_at: Utc::now(),
            recorded_at: Utc::now(),
            contact_type: ContactType::parse("home_visit").expect("type"),
            category: Category::parse("police.incident").expect("category"),
            statements: vec![Statement {
                kind: StatementKind::Fact,
                text: Narrative::parse("Seen.").expect("text"),
                evidence: None,
            }],
            sources: vec![Source {
                who: Narrative::parse("PC Smith").expect("who"),
                how: Narrative::parse("in person").expect("how"),
            }],
            retention_class: RetentionClass::parse("standard").expect("class"),
            author: Author {
                agency: AgencyName::parse("police").expect("agency"),
                role: Role::parse("investigator").expect("role"),
                person: PersonName::parse("Alex Morgan").expect("person"),
                serial: "0a1b".into(),
            },
            amends: None,
        }
    }

    #[test]
    fn a_sealed_record_verifies_and_reads_back() {
        let key = crate::signing::generate();
        let original = record();
        let seal = seal(&original, &key).expect("seal");
        assert_eq!(verify(&seal, &key.verifying_key()), Ok(original));
    }

    #[test]
    fn any_change_breaks_the_seal() {
        let key = crate::signing::generate();
        let seal = seal(&record(), &key).expect("seal");
        let swapped_author = Seal { canonical: seal.canonical.replace("Alex Morgan", "Alex Morgen"), ..seal.clone() };
        assert_eq!(verify(&swapped_author, &key.verifying_key()), Err(Broken::SignatureMismatch));
        let other_serial = Seal { canonical: seal.canonical.replace("0a1b", "0a1c"), ..seal.clone() };
        assert_eq!(verify(&other_serial, &key.verifying_key()), Err(Broken::SignatureMismatch));
        let other_key = crate::signing::generate();
        assert_eq!(verify(&seal, &other_key.verifying_key()), Err(Broken::SignatureMismatch));
        let garbled = Seal { signature: "zz".into(), ..seal };
        assert_eq!(verify(&garbled, &key.verifying_key()), Err(Broken::MalformedSignature));
    }
}
