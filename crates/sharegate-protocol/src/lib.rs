//! The federation's contract: what an agency's record node and the gateway say to each other, so that a node can
//! be written in any language from this crate's documentation, its OpenAPI schemas and its test vectors.
//!
//! - [`vocabulary`]: the names, ids and texts both sides parse the same way;
//! - [`record`]: a contact record as signed and served, and how its signature is made and checked (versioned by
//!   the record's `format`);
//! - [`seal`]: signing a stored value over a canonical text;
//! - [`headers`]: what the gateway says with every read;
//! - [`holdings`]: what a node answers when asked only whether it holds anything.
//!
//! This crate depends on no other crate of sharegate's, and does no I/O.
#![forbid(unsafe_code)]

pub mod headers;
pub mod holdings;
pub mod record;
pub mod seal;
pub mod vocabulary;
