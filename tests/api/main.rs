//! Black-box tests: real servers on port 0, real certificates, real TLS handshakes. One test binary.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod browser;
mod casework;
mod config;
mod consents;
mod console;
mod cross_site;
mod databases;
mod demo;
mod disk_faults;
mod door;
mod dpo;
mod evidence;
mod fair_records;
mod fhir;
mod helpers;
mod limits;
mod log;
mod logs;
mod meetings;
mod migrations;
mod node;
mod notifications;
mod overview;
mod ownership;
mod policy;
mod postgres_tls;
mod reviews;
mod revocation;
mod rogue;
mod sharing;
mod subjects;
mod upgrade;
mod witness;
