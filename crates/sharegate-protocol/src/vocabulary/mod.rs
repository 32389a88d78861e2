//! The words of the contract: one newtype per concept, parsed once where text arrives. Past the edge no code
//! re-checks them. Both sides of the federation use these — a name a node accepts is a name the gateway accepts.

/// Serialises a text newtype as its text, borrowed. (`#[serde(into = "String")]` would clone every value it writes:
/// each id, name and category in every answer and log entry.)
macro_rules! serialize_as_str {
    ($name:ty) => {
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

mod category;
mod ids;
mod name;
mod nhs_number;
mod text;

pub use category::{Category, CategoryError, DEFAULT_CATEGORIES};
pub use ids::{
    AccessId, AccessPackId, ActId, ConsentId, DecisionId, DisclosureId, EventId, IdError, IncidentId, LinkEventId,
    MeetingId, NoticeId, PolicyChangeId, RecordId, SubjectId,
};
pub use name::{AgencyName, LawfulBasis, NameError, PersonName, Purpose, RetentionClass, Role};
pub use nhs_number::{NhsNumber, NhsNumberError};
pub use text::{ChildName, ContactType, LocalRef, Narrative, TextError};
