//! A node's settings: its agency, door, store, signing key, categories, glossary, lexicon and retention rules.
//! `sharegate node --agency A` runs on the embedded defaults; `--config FILE` reads one TOML file (see
//! `node.example.toml`), overridden by `SHAREGATE_*` environment variables.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::plain_language::{DEFAULT_GLOSSARY, Glossary};
use crate::store::{DatabaseUrl, StoreOptions};
use sharegate_core::certs::Layout;
use sharegate_core::domain::{AgencyName, Category, DEFAULT_CATEGORIES, RetentionClass, Role};
use sharegate_core::identity::Federation;
use sharegate_core::settings::{self, ConfigError, DATA_DIR, EXAMPLE_CERTS};
use sharegate_core::tls::TlsFiles;

/// Which date a retention period counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionFrom {
    /// When the contact happened.
    OccurredAt,
    /// When it was recorded.
    RecordedAt,
    /// The child's date of birth, as the agency's practitioners record it with the child's reference (a record of
    /// a child whose date of birth is not recorded is kept).
    DateOfBirth,
}

/// How long records of one retention class are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    pub keep_years: u16,
    pub from: RetentionFrom,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// The agency whose records this node holds.
    pub agency: AgencyName,
    pub listen: SocketAddr,
    pub database_url: DatabaseUrl,
    #[serde(default = "settings::default_pool_size")]
    pub database_pool_size: u32,
    #[serde(default = "settings::default_database_wait_ms")]
    pub database_wait_ms: u64,
    /// The door: trust anchors, CRL, and the node's server certificate.
    pub tls: TlsFiles,
    /// The node's ed25519 key: it signs every record it stores.
    pub signing_key: PathBuf,
    /// The public halves of keys the node signed with before a rotation: `node verify` accepts the records they
    /// signed (the gateway's `record_keys` must name them too).
    #[serde(default)]
    pub retired_signing_keys: Vec<PathBuf>,
    #[serde(default = "settings::default_body_limit")]
    pub body_limit_bytes: usize,
    /// How long a client may take to send a request's head, and then its body, before it gets 408.
    #[serde(default = "settings::default_client_timeout_ms")]
    pub client_timeout_ms: u64,
    /// The federation's agencies (certificates naming others are refused).
    pub agencies: BTreeSet<AgencyName>,
    #[serde(default = "settings::default_roles")]
    pub roles: BTreeSet<Role>,
    /// The categories this agency records; each must be `<agency>.<kind>`.
    pub categories: BTreeSet<Category>,
    /// Abbreviations records may use without defining them (¶16).
    #[serde(default = "default_glossary")]
    pub glossary: BTreeMap<String, String>,
    /// The lexicon (¶15) of words records may not use outside a quote; read again on SIGHUP.
    #[serde(default = "default_language")]
    pub language: PathBuf,
    /// Retention class → how long its records are kept (¶20). `standard` is required.
    pub retention: BTreeMap<RetentionClass, RetentionRule>,
}

fn default_glossary() -> BTreeMap<String, String> {
    DEFAULT_GLOSSARY.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn default_language() -> PathBuf {
    PathBuf::from(DEFAULT_LANGUAGE)
}

/// The shipped lexicon, beside the need-to-know policy.
pub const DEFAULT_LANGUAGE: &str = "policies/language.toml";

fn default_retention() -> BTreeMap<RetentionClass, RetentionRule> {
    [
        ("standard", 6, RetentionFrom::RecordedAt),
        ("s47_unsubstantiated", 6, RetentionFrom::RecordedAt),
        ("child_protection", 35, RetentionFrom::RecordedAt),
        ("looked_after", 75, RetentionFrom::DateOfBirth),
    ]
    .into_iter()
    .filter_map(|(class, keep_years, from)| {
        RetentionClass::parse(class).ok().map(|class| (class, RetentionRule { keep_years, from }))
    })
    .collect()
}

impl NodeConfig {
    /// The embedded defaults for one of the shipped agencies.
    pub fn embedded(agency: &AgencyName) -> Option<Self> {
        let (_, port) = settings::default_agencies().find(|(a, _)| a == agency)?;
        let layout = Layout::new(Path::new(EXAMPLE_CERTS));
        Some(Self {
            agency: agency.clone(),
            listen: SocketAddr::from(([127, 0, 0, 1], port)),
            database_url: DatabaseUrl::Sqlite(Path::new(DATA_DIR).join(format!("{agency}.db"))),
            database_pool_size: settings::default_pool_size(),
            database_wait_ms: settings::default_database_wait_ms(),
            tls: layout.node(agency),
            signing_key: layout.node_signing_key(agency),
            retired_signing_keys: Vec::new(),
            body_limit_bytes: settings::default_body_limit(),
            client_timeout_ms: settings::default_client_timeout_ms(),
            agencies: settings::default_agencies().map(|(a, _)| a).collect(),
            roles: settings::default_roles(),
            categories: DEFAULT_CATEGORIES
                .iter()
                .filter_map(|c| Category::parse(c).ok())
                .filter(|c| c.holder() == agency)
                .collect(),
            glossary: default_glossary(),
            language: default_language(),
            retention: default_retention(),
        })
    }

    /// Reads the node's configuration: the file if one is given, else the embedded defaults for `agency`.
    pub fn load(file: Option<&Path>, agency: Option<&AgencyName>) -> Result<Self, ConfigError> {
        let figment = match (file, agency) {
            (Some(path), _) if !path.exists() => return Err(ConfigError::Missing(path.to_owned())),
            (Some(path), _) => Figment::from(Toml::file(path)),
            (None, Some(agency)) => {
                Figment::from(Serialized::defaults(Self::embedded(agency).ok_or_else(|| ConfigError::Setting {
                    setting: "agency",
                    reason: format!("'{agency}' has no embedded defaults; use --config"),
                })?))
            }
            (None, None) => {
                return Err(ConfigError::Setting { setting: "agency", reason: "give --agency or --config".into() });
            }
        };
        let config: Self = figment.merge(settings::environment()).extract()?;
        config.check()?;
        if file.is_none() {
            sharegate_core::certs::ensure(
                Path::new(EXAMPLE_CERTS),
                &config.agencies.iter().cloned().collect::<Vec<_>>(),
            )?;
        }
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let setting = |setting: &'static str, reason: String| Err(ConfigError::Setting { setting, reason });
        if !self.agencies.contains(&self.agency) {
            return setting("agencies", format!("must include this node's agency '{}'", self.agency));
        }
        if self.categories.is_empty() {
            return setting("categories", "at least one category is needed".into());
        }
        if let Some(foreign) = self.categories.iter().find(|c| c.holder() != &self.agency) {
            return setting("categories", format!("'{foreign}' is not a category of '{}'", self.agency));
        }
        if !self.retention.keys().any(|c| c.as_str() == "standard") {
            return setting("retention", "the class 'standard' is required".into());
        }
        if let Err(e) = Glossary::new(&self.glossary) {
            return setting("glossary", e);
        }
        if self.database_pool_size == 0 {
            return setting("database_pool_size", "must be more than 0".into());
        }
        Ok(())
    }

    pub fn store_options(&self) -> StoreOptions {
        StoreOptions { max_connections: self.database_pool_size, wait: Duration::from_millis(self.database_wait_ms) }
    }

    pub fn federation(&self) -> Federation {
        Federation { agencies: self.agencies.clone(), roles: self.roles.clone() }
    }
}
