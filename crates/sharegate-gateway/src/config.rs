//! Configuration: one TOML file, overridden by `SHAREGATE_*` environment variables (nested keys with `__`, e.g.
//! `SHAREGATE_TLS__CA`), or the embedded defaults when no file is given.
//!
//! A bad or missing setting stops the start with a message naming the setting; files named here are read when the
//! server is built, and an unreadable one names the file. This module never starts anything.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::decision::policy::Vocabulary;
use crate::store::{DatabaseUrl, StoreOptions};
use sharegate_core::certs::Layout;
use sharegate_core::domain::{AgencyName, Category, DEFAULT_CATEGORIES, LawfulBasis, Purpose, Role};
use sharegate_core::identity::Federation;
use sharegate_core::serve::RequestLimits;
pub use sharegate_core::settings::ConfigError;
use sharegate_core::settings::{self, DATA_DIR, EXAMPLE_CERTS, default_agencies, default_roles};
use sharegate_core::tls::TlsFiles;

/// The folder of the need-to-know policy the defaults use.
pub const POLICY_DIR: &str = "policies";
/// The purposes a request may give (config may add).
pub const DEFAULT_PURPOSES: [&str; 4] = ["safeguarding", "child_protection_enquiry", "core_group", "crime_prevention"];
/// The lawful bases a request or a decision may rely on (config may add).
pub const DEFAULT_LAWFUL_BASES: [&str; 6] = [
    "consent",
    "children_act_1989_s47",
    "children_act_2004_s10",
    "children_act_2004_s11",
    "crime_and_disorder_act_1998_s115",
    "dpa_2018_safeguarding",
];
const GATEWAY_PORT: u16 = 8443;

/// One agency of the federation, as the gateway knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyEntry {
    /// The base URL of the agency's record node, e.g. `https://127.0.0.1:8444`.
    pub node_url: String,
    /// The public halves of the keys the node signs its records with (`signing/<agency>.pub`): its current key, and any
    /// it signed with before a rotation (see docs/operations.md). A record whose signature verifies with none of them
    /// is not passed on.
    pub record_keys: Vec<PathBuf>,
    /// The public half of the key the agency's log witness co-signs checkpoints with (`witness.pub` in the state
    /// directory of its `sharegate log witness`). None: the gateway takes no co-signatures from the agency. Read again
    /// on SIGHUP, with `record_keys`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness_key: Option<PathBuf>,
}

/// The gateway's settings. See `sharegate.example.toml` for each one explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    pub listen: SocketAddr,
    /// `sqlite://PATH` (embedded) or `postgres://…` (several gateway instances).
    pub database_url: DatabaseUrl,
    /// The most connections the gateway opens to its database.
    #[serde(default = "settings::default_pool_size")]
    pub database_pool_size: u32,
    /// How long a request waits for the database (a connection, or SQLite's write lock) before it gets 503.
    #[serde(default = "settings::default_database_wait_ms")]
    pub database_wait_ms: u64,
    /// The door: trust anchors, CRL, and the gateway's server certificate.
    pub tls: TlsFiles,
    /// The largest request body accepted, in bytes.
    #[serde(default = "settings::default_body_limit")]
    pub body_limit_bytes: usize,
    /// How long a client may take to send a request's head, and then its body, before it gets 408: a client that
    /// trickles its body never holds a worker for longer.
    #[serde(default = "settings::default_client_timeout_ms")]
    pub client_timeout_ms: u64,
    /// The agencies of the federation. A certificate naming any other agency is refused.
    pub agencies: BTreeMap<AgencyName, AgencyEntry>,
    /// The roles the federation recognises. A certificate naming any other role is refused.
    #[serde(default = "settings::default_roles")]
    pub roles: BTreeSet<Role>,
    /// Record categories requests may name; each belongs to an agency above.
    #[serde(default = "default_categories")]
    pub categories: BTreeSet<Category>,
    #[serde(default = "default_purposes")]
    pub purposes: BTreeSet<Purpose>,
    #[serde(default = "default_lawful_bases")]
    pub lawful_bases: BTreeSet<LawfulBasis>,
    /// The agencies whose coordinators may convene core group meetings (a meeting is a ground for sharing).
    #[serde(default = "default_meeting_conveners")]
    pub meeting_conveners: BTreeSet<AgencyName>,
    /// How many days before a core group meeting sharing under it opens (it ends when the meeting closes).
    #[serde(default = "default_meeting_opens_days")]
    pub meeting_opens_days: u32,
    /// The folder holding `model.conf`, `policy.csv` and `cases.csv`.
    pub policy_dir: PathBuf,
    /// The gateway's ed25519 key: it signs consent-register entries (and, later, log checkpoints).
    pub signing_key: PathBuf,
    /// What the gateway presents to agency nodes: its client certificate, and the CA it trusts them by.
    pub node_client: TlsFiles,
    /// How long the gateway waits for a node before answering without it (a partial answer).
    #[serde(default = "default_node_timeout_ms")]
    pub node_timeout_ms: u64,
    /// The largest answer the gateway accepts from a node.
    #[serde(default = "default_node_response_limit")]
    pub node_response_limit_bytes: usize,
    /// The disclosure log signs a checkpoint after this many entries…
    #[serde(default = "default_checkpoint_every")]
    pub log_checkpoint_every: u64,
    /// …or after this long, if anything was logged since the last one.
    #[serde(default = "default_checkpoint_interval_ms")]
    pub log_checkpoint_interval_ms: u64,
    /// How many requests a practitioner's certificate, and an agency's practitioners together, may make.
    #[serde(default)]
    pub request_limits: RequestLimits,
    /// The file it was read from (none: the embedded defaults), to read again on SIGHUP.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

pub fn default_node_timeout_ms() -> u64 {
    2000
}

pub fn default_node_response_limit() -> usize {
    4 * 1024 * 1024
}

pub fn default_checkpoint_every() -> u64 {
    1000
}

pub fn default_checkpoint_interval_ms() -> u64 {
    5000
}

pub fn default_categories() -> BTreeSet<Category> {
    DEFAULT_CATEGORIES.iter().filter_map(|c| Category::parse(c).ok()).collect()
}

pub fn default_purposes() -> BTreeSet<Purpose> {
    DEFAULT_PURPOSES.iter().filter_map(|p| Purpose::parse(p).ok()).collect()
}

pub fn default_lawful_bases() -> BTreeSet<LawfulBasis> {
    DEFAULT_LAWFUL_BASES.iter().filter_map(|b| LawfulBasis::parse(b).ok()).collect()
}

/// Children's social care convenes core group meetings: its social worker leads the child protection plan.
pub fn default_meeting_opens_days() -> u32 {
    7
}

pub fn default_meeting_conveners() -> BTreeSet<AgencyName> {
    AgencyName::parse("social_care").into_iter().collect()
}

impl GatewayConfig {
    /// The embedded defaults: `certs-example/`, SQLite under `./data/`, `127.0.0.1:8443`, nodes on 8444–8447.
    pub fn embedded() -> Self {
        Self::on_certs(&Layout::new(Path::new(EXAMPLE_CERTS)))
    }

    /// The embedded defaults with every certificate and key from the federation laid out as `layout` (what
    /// `certs init` writes).
    pub fn on_certs(layout: &Layout) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], GATEWAY_PORT)),
            database_url: DatabaseUrl::Sqlite(Path::new(DATA_DIR).join("gateway.db")),
            database_pool_size: settings::default_pool_size(),
            database_wait_ms: settings::default_database_wait_ms(),
            tls: layout.gateway_server(),
            body_limit_bytes: settings::default_body_limit(),
            client_timeout_ms: settings::default_client_timeout_ms(),
            request_limits: RequestLimits::default(),
            agencies: default_agencies()
                .map(|(agency, port)| {
                    let entry = AgencyEntry {
                        node_url: format!("https://127.0.0.1:{port}"),
                        record_keys: vec![layout.node_record_key(&agency)],
                        witness_key: None,
                    };
                    (agency, entry)
                })
                .collect(),
            roles: default_roles(),
            categories: default_categories(),
            purposes: default_purposes(),
            lawful_bases: default_lawful_bases(),
            meeting_conveners: default_meeting_conveners(),
            meeting_opens_days: default_meeting_opens_days(),
            policy_dir: PathBuf::from(POLICY_DIR),
            signing_key: layout.log_signing_key(),
            node_client: layout.gateway_client(),
            node_timeout_ms: default_node_timeout_ms(),
            node_response_limit_bytes: default_node_response_limit(),
            log_checkpoint_every: default_checkpoint_every(),
            log_checkpoint_interval_ms: default_checkpoint_interval_ms(),
            source: None,
        }
    }

    /// Reads the configuration: the file if one is given (else the embedded defaults), then the environment.
    /// On the embedded defaults, the example certificates are made if they are missing.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let figment = match file {
            Some(path) if !path.exists() => return Err(ConfigError::Missing(path.to_owned())),
            Some(path) => Figment::from(Toml::file(path)),
            None => Figment::from(Serialized::defaults(Self::embedded())),
        };
        let config = Self { source: file.map(Path::to_owned), ..figment.merge(settings::environment()).extract()? };
        config.check()?;
        if file.is_none() {
            let agencies: Vec<AgencyName> = config.agencies.keys().cloned().collect();
            sharegate_core::certs::ensure(Path::new(EXAMPLE_CERTS), &agencies)?;
        }
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.agencies.is_empty() {
            return Err(ConfigError::Setting { setting: "agencies", reason: "at least one agency is needed".into() });
        }
        if let Some(orphan) = self.categories.iter().find(|c| !self.agencies.contains_key(c.holder())) {
            return Err(ConfigError::Setting {
                setting: "categories",
                reason: format!("'{orphan}' belongs to no agency of the federation"),
            });
        }
        if let Some(stranger) = self.meeting_conveners.iter().find(|a| !self.agencies.contains_key(*a)) {
            return Err(ConfigError::Setting {
                setting: "meeting_conveners",
                reason: format!("'{stranger}' is not an agency of the federation"),
            });
        }
        if self.database_pool_size == 0 {
            return Err(ConfigError::Setting { setting: "database_pool_size", reason: "must be more than 0".into() });
        }
        if self.log_checkpoint_every == 0 || self.log_checkpoint_interval_ms == 0 {
            return Err(ConfigError::Setting {
                setting: "log_checkpoint_every",
                reason: "log_checkpoint_every and log_checkpoint_interval_ms must be more than 0".into(),
            });
        }
        if self.node_timeout_ms == 0 {
            return Err(ConfigError::Setting { setting: "node_timeout_ms", reason: "must be more than 0".into() });
        }
        if let Some((agency, entry)) = self.agencies.iter().find(|(_, e)| !e.node_url.starts_with("https://")) {
            return Err(ConfigError::Setting {
                setting: "agencies",
                reason: format!(
                    "{agency}'s node_url '{}' must be https:// (nodes are reached over mutual TLS)",
                    entry.node_url
                ),
            });
        }
        if let Some((agency, _)) = self.agencies.iter().find(|(_, e)| e.record_keys.is_empty()) {
            return Err(ConfigError::Setting {
                setting: "agencies",
                reason: format!("{agency}'s record_keys is empty: name at least the public key its node signs with"),
            });
        }
        if self.client_timeout_ms == 0 {
            return Err(ConfigError::Setting { setting: "client_timeout_ms", reason: "must be more than 0".into() });
        }
        if self.body_limit_bytes == 0 {
            return Err(ConfigError::Setting { setting: "body_limit_bytes", reason: "must be more than 0".into() });
        }
        Ok(())
    }

    pub fn store_options(&self) -> StoreOptions {
        StoreOptions { max_connections: self.database_pool_size, wait: Duration::from_millis(self.database_wait_ms) }
    }

    pub fn federation(&self) -> Federation {
        Federation { agencies: self.agencies.keys().cloned().collect(), roles: self.roles.clone() }
    }

    pub fn checkpoint_policy(&self) -> crate::disclosure_log::CheckpointPolicy {
        crate::disclosure_log::CheckpointPolicy {
            every: self.log_checkpoint_every,
            interval: Duration::from_millis(self.log_checkpoint_interval_ms),
        }
    }

    /// The names requests and the policy may use.
    pub fn vocabulary(&self) -> Vocabulary {
        Vocabulary {
            agencies: self.agencies.keys().cloned().collect(),
            roles: self.roles.clone(),
            categories: self.categories.clone(),
            purposes: self.purposes.clone(),
            lawful_bases: self.lawful_bases.clone(),
        }
    }
}
