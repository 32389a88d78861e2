//! HTTP handlers: thin shells that take typed arguments (identity, parsed body), call the part that does the work,
//! and shape the answer. Nothing clever happens here; every route is documented in the OpenAPI document.

pub mod consents;
pub mod console;
pub mod dpo;
pub mod log;
pub mod meetings;
pub mod notifications;
pub mod policy;
pub mod printable;
pub mod requests;
pub mod subjects;
pub mod whoami;
