//! Domain types: one newtype per concept, parsed once at the edge. Past the edge no code re-checks them.
//!
//! The words the federation's contract uses (names, ids, categories, NHS numbers, texts) are the protocol crate's;
//! they are re-exported here so that the rest of sharegate names every domain type from one place.

mod subject;
pub mod time;

pub use sharegate_protocol::vocabulary::*;
pub use subject::{DateOfBirth, DateOfBirthInTheFuture, NewSubject, Subject, SubjectKey, SubjectKeyError};
