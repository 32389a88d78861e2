//! An agency's record node: that agency's contact records, kept the way the policy demands (¶11–27), written by its
//! own practitioners and read across agencies by the gateway alone.
//!
//! The node owns the recording rules ([`record`]), plain language ([`plain_language`]), retention ([`retention`]),
//! its access register ([`access`]) and verification ([`verify`]); records are sealed as `sharegate_protocol`
//! says. It never decides who may see what: the gateway does.
#![forbid(unsafe_code)]

pub mod access;
pub mod config;
mod console;
pub mod dpo_acts;
pub mod lexicon;
pub mod plain_language;
pub mod record;
pub mod retention;
mod routes;
pub mod store;
pub mod verify;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use ed25519_dalek::SigningKey;

use self::config::{NodeConfig, RetentionRule};
use self::lexicon::SharedLexicon;
use self::plain_language::Glossary;
use self::record::{NewRecord, RecordRules};
use crate::store::Store;
use crate::store::access::{self as access_register, AccessRow};
use crate::store::group_commit::{CommitFn, GroupCommit};
use crate::store::records::RecordRow;
use sharegate_core::domain::{AgencyName, Category, RecordId, RetentionClass};
use sharegate_core::identity::Identity;
use sharegate_core::serve::{ClosedList, Listening, ServerParts, StartError, serve};
use sharegate_protocol::record::{self as seal, Author, RecordFormat, SealedRecord};

/// What the node's handlers share.
pub struct NodeState {
    pub agency: AgencyName,
    pub categories: BTreeSet<Category>,
    pub retention: BTreeMap<RetentionClass, RetentionRule>,
    pub glossary: Glossary,
    /// ¶15: the words records may not use, read again on SIGHUP.
    pub lexicon: Arc<SharedLexicon>,
    key: Arc<SigningKey>,
    /// Writes the access register with group commit: one fsync for all the reads that arrive together.
    pub access: GroupCommit<AccessRow, ()>,
}

impl NodeState {
    pub fn new(config: &NodeConfig, key: SigningKey, store: Store) -> Result<Self, String> {
        let commit: CommitFn<AccessRow, ()> = Box::new(|conn, rows| {
            crate::store::write_transaction(conn, |conn| {
                rows.iter().map(|row| access_register::insert(conn, row)).collect()
            })
        });
        Ok(Self {
            agency: config.agency.clone(),
            categories: config.categories.clone(),
            retention: config.retention.clone(),
            glossary: Glossary::new(&config.glossary)?,
            lexicon: Arc::new(SharedLexicon::load(&config.language).map_err(|e| e.to_string())?),
            key: Arc::new(key),
            access: GroupCommit::start(&format!("{}-access-register", config.agency), store, commit, None)
                .map_err(|e| format!("cannot start the access register's writer: {e}"))?,
        })
    }

    pub fn rules(&self) -> RecordRules<'_> {
        RecordRules {
            categories: &self.categories,
            retention: &self.retention,
            glossary: &self.glossary,
            lexicon: self.lexicon.current(),
        }
    }

    /// Seals a checked record as written now by `author`, ready to store.
    pub fn seal(
        &self,
        record: NewRecord,
        author: &Identity,
        amends: Option<RecordId>,
        now: DateTime<Utc>,
    ) -> Result<RecordRow, seal::SealError> {
        // Microseconds: what both databases keep, so the columns and the signed text agree exactly.
        let recorded_at = now.trunc_subsecs(6);
        let sealed = SealedRecord {
            format: RecordFormat::CURRENT,
            id: RecordId::new(),
            agency: self.agency.clone(),
            subject_ref: record.subject_ref,
            occurred_at: record.occurred_at.trunc_subsecs(6),
            recorded_at,
            contact_type: record.contact_type,
            category: record.category,
            statements: record.statements,
            sources: record.sources,
            glossary: record.glossary,
            retention_class: record.retention_class,
            author: Author {
                agency: author.agency.clone(),
                role: author.role.clone(),
                person: author.person.clone(),
                serial: author.serial.clone(),
            },
            amends,
        };
        let seal = seal::seal(&sealed, &self.key)?;
        Ok(RecordRow {
            id: sealed.id.to_string(),
            subject_ref: sealed.subject_ref.to_string(),
            category: sealed.category.to_string(),
            retention_class: sealed.retention_class.to_string(),
            occurred_at: sealed.occurred_at.naive_utc(),
            recorded_at: sealed.recorded_at.naive_utc(),
            amends: sealed.amends.as_ref().map(RecordId::to_string),
            author_agency: sealed.author.agency.to_string(),
            author_role: sealed.author.role.to_string(),
            author_person: sealed.author.person.to_string(),
            author_serial: sealed.author.serial.clone(),
            sealed: seal.canonical,
            signature: seal.signature,
        })
    }
}

/// Starts a node: its own door, store and routes.
pub fn start(config: &NodeConfig) -> Result<Listening, StartError> {
    let key = sharegate_core::signing::load(&config.signing_key).map_err(|e| StartError::Setup(e.to_string()))?;
    let store = crate::store::open(&config.database_url, &config.store_options())?;
    let state = actix_web::web::Data::new(NodeState::new(config, key, store.clone()).map_err(StartError::Setup)?);
    let lexicon = state.lexicon.clone();
    let parts = ServerParts {
        // The gateway is a node's caller at volume, and is itself held to each practitioner's rate.
        limits: None,
        title: format!("sharegate {} node", config.agency),
        listen: config.listen,
        tls: &config.tls,
        federation: config.federation(),
        body_limit_bytes: config.body_limit_bytes,
        client_timeout: std::time::Duration::from_millis(config.client_timeout_ms),
        metrics: state.access.metrics().collectors(),
        closed_lists: vec![
            ClosedList {
                fields: &["category", "categories"],
                values: config.categories.iter().map(ToString::to_string).collect(),
            },
            ClosedList {
                fields: &["retention_class"],
                values: config.retention.keys().map(ToString::to_string).collect(),
            },
        ],
    };
    let listening = serve(parts, store, move |service| {
        service.app_data(state.clone());
        routes::register(service);
    })?;
    // What a SIGHUP reads again on a node: its door's CRLs and its lexicon.
    let door: std::sync::Arc<dyn sharegate_core::reload::Reloadable> = listening.door();
    sharegate_core::reload::on_sighup(vec![door, lexicon])
        .map_err(|e| StartError::Setup(format!("cannot listen for SIGHUP: {e}")))?;
    Ok(listening)
}
