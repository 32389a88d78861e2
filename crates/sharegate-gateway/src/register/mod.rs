//! The consent register (¶33–34): consents, their withdrawals, decisions not to seek consent, and their
//! endorsements (¶26); and the privacy notices each agency gave the family (¶13). Every entry is sealed by the gateway (`log-signing.key`) binding who recorded it, and the
//! register is append-only: a withdrawal or an endorsement is a new entry, never an edit.
//!
//! This module owns the entries; `crate::store::register` keeps them, `crate::services::register` holds the rules
//! for adding to them. Decisions read them through [`crate::decision::consent::SubjectConsents`].
//!
//! The subject index's link history ([`links`]) is sealed the same way: who linked, changed or removed an agency's
//! reference to a child.

pub mod entries;
pub mod links;

pub use entries::{
    Actor, Competence, ConfirmationEntry, ConsentEntry, DecisionEntry, EndorsementEntry, GivenBy, HowObtained,
    PrivacyNoticeEntry, Relationship, ScopeEntry, WithdrawalEntry,
};

/// The gateway's signing key: it seals consent-register entries, link events and meeting events.
pub struct GatewayKey(pub ed25519_dalek::SigningKey);

/// Seals `entry` as a value of kind `format` with the gateway's key.
pub fn seal<T: serde::Serialize>(
    format: &str,
    entry: &T,
    key: &GatewayKey,
) -> Result<sharegate_protocol::seal::Seal, sharegate_core::error::ApiError> {
    sharegate_protocol::seal::seal(format, entry, &key.0).map_err(sharegate_core::error::ApiError::internal)
}
