//! Domain types: one newtype per concept, parsed once at the edge. Past the edge no code re-checks them.

mod ids;
mod name;
mod nhs_number;
mod subject;

pub use ids::{IdError, SubjectId};
pub use name::{AgencyName, NameError, PersonName, Role};
pub use nhs_number::{NhsNumber, NhsNumberError};
pub use subject::{ChildName, DateOfBirth, LocalRef, NewSubject, Subject, SubjectError, SubjectKey, SubjectKeyError};
