//! sharegate: a gateway through which agencies share what they hold about a child.
//!
//! This crate is the `sharegate` command: the CLI (`cli`) and the one-command demo (`demo`). The system itself is
//! the workspace's crates: `sharegate-protocol` (the contract between gateway and nodes), `sharegate-core` (what
//! both are made of), `sharegate-gateway` and `sharegate-node`.
#![forbid(unsafe_code)]

pub mod cli;
pub mod demo;
pub mod witness;
