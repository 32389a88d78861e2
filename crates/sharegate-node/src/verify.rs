//! `sharegate node verify`: checks every stored record's signature, and that the columns used to find records say
//! what the signed text says (a changed category column must not let a record out under another category).

use ed25519_dalek::VerifyingKey;

use crate::store::records::{self, RecordRow};
use crate::store::{Store, StoreError};
use sharegate_protocol::record::{self as seal, Seal, SealedRecord};

/// A record that does not verify, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub id: String,
    pub why: String,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub checked: usize,
    pub failures: Vec<Failure>,
}

const PAGE: i64 = 1000;

/// Walks the whole store in pages, so memory does not grow with it. A record passes if one of `keys` signed it (the
/// node's current key and those it retired).
pub fn verify_all(store: &Store, keys: &[VerifyingKey]) -> Result<Outcome, StoreError> {
    let mut outcome = Outcome::default();
    let mut after: Option<String> = None;
    loop {
        let page = store.run_now(|conn| records::page(conn, after.as_deref(), PAGE))?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        outcome.checked += page.len();
        outcome.failures.extend(
            page.iter().filter_map(|row| check(row, keys).err().map(|why| Failure { id: row.id.clone(), why })),
        );
    }
    Ok(outcome)
}

fn check(row: &RecordRow, keys: &[VerifyingKey]) -> Result<(), String> {
    let stored = Seal { canonical: row.sealed.clone(), signature: row.signature.clone() };
    // The first key that verifies it; else why the last one did not.
    let mut verified = Err(seal::Broken::SignatureMismatch);
    for key in keys {
        verified = seal::verify(&stored, key);
        if verified.is_ok() {
            break;
        }
    }
    let sealed = verified.map_err(|e| e.to_string())?;
    let mismatch = columns_disagree(row, &sealed);
    match mismatch.is_empty() {
        true => Ok(()),
        false => Err(format!("the stored columns disagree with the signed record: {}", mismatch.join(", "))),
    }
}

fn columns_disagree(row: &RecordRow, sealed: &SealedRecord) -> Vec<&'static str> {
    let checks = [
        ("id", row.id == sealed.id.as_str()),
        ("subject_ref", row.subject_ref == sealed.subject_ref.as_str()),
        ("category", row.category == sealed.category.as_str()),
        ("retention_class", row.retention_class == sealed.retention_class.as_str()),
        ("occurred_at", row.occurred_at == sealed.occurred_at.naive_utc()),
        ("recorded_at", row.recorded_at == sealed.recorded_at.naive_utc()),
        ("amends", row.amends.as_deref() == sealed.amends.as_ref().map(|a| a.as_str())),
        ("author_agency", row.author_agency == sealed.author.agency.as_str()),
        ("author_role", row.author_role == sealed.author.role.as_str()),
        ("author_person", row.author_person == sealed.author.person.as_str()),
        ("author_serial", row.author_serial == sealed.author.serial),
    ];
    checks.into_iter().filter(|(_, ok)| !ok).map(|(name, _)| name).collect()
}
