//! Domain types: one newtype per concept, parsed once at the edge. Past the edge no code re-checks them.

mod category;
mod ids;
mod name;
mod nhs_number;
mod subject;
mod text;

pub use category::{Category, CategoryError, DEFAULT_CATEGORIES};
pub use ids::{AccessId, ConsentId, DecisionId, DisclosureId, EventId, IdError, MeetingId, RecordId, SubjectId};
pub use name::{AgencyName, LawfulBasis, NameError, PersonName, Purpose, RetentionClass, Role};
pub use nhs_number::{NhsNumber, NhsNumberError};
pub use subject::{DateOfBirth, DateOfBirthInTheFuture, NewSubject, Subject, SubjectKey, SubjectKeyError};
pub use text::{ChildName, ContactType, LocalRef, Narrative, TextError};
