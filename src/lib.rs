//! sharegate: a gateway through which agencies share what they hold about a child.
//!
//! The modules follow a request's way through the gateway: `tls` (the door) → `identity` (who is asking) and
//! `cross_site` (not a request another site's page made a browser send) →
//! `routes` (parse the request into `domain` types) → … → the answer. `startup` wires them into a server.
#![forbid(unsafe_code)]

pub mod broker;
pub mod certs;
pub mod cli;
pub mod config;
pub mod cross_site;
pub mod decision;
pub mod demo;
pub mod disclosure_log;
pub mod domain;
pub mod error;
pub mod identity;
pub mod meetings;
pub mod node;
pub mod redaction;
pub mod register;
pub mod routes;

pub mod shutdown;
pub mod signing;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod tls;
