//! Settings both roles share: the example federation's folders and names, the defaults of the door and the store,
//! the environment overrides, and the error that names a bad setting. Each role's own settings are its crate's
//! (`GatewayConfig`, `NodeConfig`); nothing below a role's startup reads them.

use std::collections::BTreeSet;
use std::path::PathBuf;

use figment::providers::Env;

use crate::domain::{AgencyName, Role};

/// The folder of example certificates the embedded defaults use.
pub const EXAMPLE_CERTS: &str = "certs-example";

/// The folder of embedded stores the defaults use.
pub const DATA_DIR: &str = "data";

/// The agencies of the shipped federation, with their nodes' default ports.
pub const DEFAULT_AGENCIES: [(&str, u16); 4] =
    [("police", 8444), ("health", 8445), ("education", 8446), ("social_care", 8447)];

/// The roles the shipped policy knows.
pub const DEFAULT_ROLES: [&str; 7] =
    ["investigator", "health_visitor", "dsl", "social_worker", "manager", "coordinator", "dpo"];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(Box<figment::Error>),
    #[error("configuration file {0} does not exist")]
    Missing(PathBuf),
    #[error("configuration: {setting}: {reason}")]
    Setting { setting: &'static str, reason: String },
    #[error("cannot make the example certificates: {0}")]
    Certs(#[from] crate::certs::CertsError),
}

impl From<figment::Error> for ConfigError {
    fn from(e: figment::Error) -> Self {
        Self::Invalid(Box::new(e))
    }
}

pub fn default_body_limit() -> usize {
    64 * 1024
}

pub fn default_client_timeout_ms() -> u64 {
    10_000
}

pub fn default_pool_size() -> u32 {
    8
}

pub fn default_database_wait_ms() -> u64 {
    5000
}

pub fn default_roles() -> BTreeSet<Role> {
    DEFAULT_ROLES.iter().filter_map(|r| Role::parse(r).ok()).collect()
}

/// The shipped agencies with their nodes' default ports.
pub fn default_agencies() -> impl Iterator<Item = (AgencyName, u16)> {
    DEFAULT_AGENCIES.iter().filter_map(|(name, port)| AgencyName::parse(name).ok().map(|a| (a, *port)))
}

/// `SHAREGATE_*` variables override settings, except those that are not settings: the log filter and format, and
/// the test suite's switches (`SHAREGATE_TEST_*`, read by `build.rs` and the tests, never by a server).
pub fn environment() -> Env {
    Env::prefixed("SHAREGATE_").filter(|key| !key.starts_with("test_")).ignore(&["log", "log_format"]).split("__")
}
