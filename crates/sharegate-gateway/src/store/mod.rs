//! The gateway's tables: the subject index and each agency's links, the consent register, meetings, and the
//! disclosure log with its checkpoints. The plumbing (connections, migrations, [`Store`]) is `sharegate_core`'s,
//! re-exported here so that a gateway store function names one module.

pub mod log;
pub mod log_scan;
pub mod meetings;
pub mod register;
pub mod subjects;

pub use sharegate_core::store::*;
