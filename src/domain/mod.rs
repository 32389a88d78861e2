//! Domain types: one newtype per concept, parsed once at the edge. Past the edge no code re-checks them.

mod name;

pub use name::{AgencyName, NameError, PersonName, Role};
