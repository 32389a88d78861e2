//! The gateway: the only door between agencies. Its modules follow a request's way through it: `routes` (parse the
//! request into domain types) → `decision` (need-to-know, consent or a recorded lawful reason) → `broker` (ask the
//! nodes that hold records) → `redaction` (only what was allowed, only what the node signed) → `disclosure_log`
//! (written before anything leaves) → the answer. `services` hold the rules of each thing the gateway does — sharing
//! (the way above), the consent register and core group meetings — so that routes only parse and shape answers;
//! `register` and `meetings` are their sealed entries, `store` their tables; `startup` wires them into a server and
//! `reload` reads again on SIGHUP what may change while it runs.
#![forbid(unsafe_code)]

pub mod broker;
pub mod config;
pub mod decision;
pub mod disclosure_log;
pub mod fhir;
pub mod incidents;
pub mod meetings;
pub mod redaction;
pub mod register;
pub mod reload;
pub mod routes;
pub mod services;
pub mod startup;
pub mod store;
pub mod subject_access;
