//! Domain types: one newtype per concept, parsed once at the edge. Past the edge no code re-checks them.

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
mod subject;
mod text;
pub mod time;

pub use category::{Category, CategoryError, DEFAULT_CATEGORIES};
pub use ids::{
    AccessId, ConsentId, DecisionId, DisclosureId, EventId, IdError, LinkEventId, MeetingId, RecordId, SubjectId,
};
pub use name::{AgencyName, LawfulBasis, NameError, PersonName, Purpose, RetentionClass, Role};
pub use nhs_number::{NhsNumber, NhsNumberError};
pub use subject::{DateOfBirth, DateOfBirthInTheFuture, NewSubject, Subject, SubjectKey, SubjectKeyError};
pub use text::{ChildName, ContactType, LocalRef, Narrative, TextError};
