//! What the gateway and the nodes are both made of: the door (`tls`), who is asking (`identity`), not a request another
//! site's page made a browser send (`cross_site`), the edge where the wire becomes types (`extract`, `domain`), the
//! error envelope (`error`), serving (`serve`, `telemetry`, `shutdown`), the store's plumbing (`store`), SIGHUP
//! (`reload`), the servers' keys (`signing`), the federation's certificate material (`certs`) and the settings both
//! roles share (`settings`).
//!
//! Nothing here decides who may see what, and nothing here knows a gateway's or a node's tables.
#![forbid(unsafe_code)]

pub mod certs;
pub mod cross_site;
pub mod domain;
pub mod error;
pub mod extract;
pub mod identity;
pub mod pages;
pub mod reload;
pub mod serve;
pub mod settings;
pub mod shutdown;
pub mod signing;
pub mod store;
pub mod telemetry;
pub mod tls;
