//! Opaque ids, one type per kind of thing, so a `SubjectId` can never be passed where a `ConsentId` belongs.
//!
//! An id is a short prefix naming its kind and 32 hex digits (`sub_3f…`): never ten digits, so it cannot be taken
//! for an NHS number, and never guessable. The first 12 digits are the time of creation in milliseconds and the
//! other 20 are random (80 bits): ids made later sort later, so an index of them grows at its end instead of
//! touching a random page for every insert — the disclosure log's writer writes a fraction of the pages.

use std::fmt;

use rand::RngCore;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a valid {kind} id")]
pub struct IdError {
    pub kind: &'static str,
}

const ID_HEX: usize = 32;

fn fresh(prefix: &str) -> String {
    let millis = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0) & 0xffff_ffff_ffff;
    let mut random = [0u8; 10];
    // The thread's CSPRNG (ChaCha, seeded and reseeded from the operating system): as unguessable as reading the
    // system's generator, without a system call for every id.
    rand::thread_rng().fill_bytes(&mut random);
    format!("{prefix}_{millis:012x}{}", hex::encode(random))
}

fn check(prefix: &str, s: &str) -> bool {
    s.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|hex| hex.len() == ID_HEX && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn new() -> Self {
                Self(fresh($prefix))
            }

            pub fn parse(s: &str) -> Result<Self, IdError> {
                if check($prefix, s) { Ok(Self(s.to_owned())) } else { Err(IdError { kind: $kind }) }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        serialize_as_str!($name);

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A child in the gateway's subject index.
    SubjectId,
    "sub",
    "subject"
);

id_type!(
    /// An event of the subject index's link history: an agency linked, changed or removed its reference to a child.
    LinkEventId,
    "lnk",
    "link event"
);

id_type!(
    /// A contact record (or an amendment) at an agency's node.
    RecordId,
    "rec",
    "record"
);

id_type!(
    /// A consent in the consent register.
    ConsentId,
    "con",
    "consent"
);

id_type!(
    /// A recorded decision not to seek consent.
    DecisionId,
    "dec",
    "consent decision"
);

id_type!(
    /// A core group meeting.
    MeetingId,
    "mtg",
    "meeting"
);

id_type!(
    /// An entry of the disclosure log: one answered request, discovery or review.
    DisclosureId,
    "dis",
    "disclosure"
);

id_type!(
    /// An entry of a node's access register.
    AccessId,
    "acc",
    "access"
);

id_type!(
    /// An event of a core group meeting (a written view, a decision, …) or of a subject-access pack.
    EventId,
    "evt",
    "meeting event"
);

id_type!(
    /// A subject-access pack: a child's history with an agency, written for the family, redacted and released.
    AccessPackId,
    "sar",
    "subject-access pack"
);

id_type!(
    /// An agency's record that it gave a child's family its privacy notice (¶13).
    NoticeId,
    "ntc",
    "privacy notice"
);

id_type!(
    /// An act of an agency's DPO at its node: a record restricted or a child's records put on legal hold, or either
    /// lifted.
    ActId,
    "act",
    "DPO act"
);

id_type!(
    /// An entry of the disclosure log that puts a need-to-know policy in force.
    PolicyChangeId,
    "pol",
    "policy change"
);

id_type!(
    /// A personal-data breach an agency's DPO found on review (UK GDPR Art. 33): open until closed with an outcome.
    IncidentId,
    "inc",
    "incident"
);

#[cfg(test)]
mod tests;
