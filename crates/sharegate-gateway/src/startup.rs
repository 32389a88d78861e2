//! Building the gateway: load the need-to-know policy, the keys and the store, start the log writer, and serve the
//! routes (see `sharegate_core::serve`). Nothing here decides or stores anything.

use std::sync::Arc;

use actix_web::web;
use sharegate_core::reload::{self, Reloadable};
use sharegate_core::serve::{ClosedList, Listening, ServerParts, StartError, serve};
use sharegate_core::tls::revocation::{Revocations, Side};

use crate::broker::{Broker, NodeLinks};
use crate::config::GatewayConfig;
use crate::decision::policy::Policy;
use crate::decision::shared::SharedPolicy;
use crate::disclosure_log::LogWriter;
use crate::disclosure_log::witness::WitnessKeys;
use crate::meetings::Conveners;
use crate::redaction::SharedRecordKeys;
use crate::register::GatewayKey;
use crate::reload::{ConfiguredKeys, PolicyInForce, read_record_keys, read_witness_keys};
use crate::routes;
use crate::routes::log::LogKey;
use crate::services::sharing::Sharing;
use crate::store::register::RegisterCache;
use crate::store::subjects::SubjectCache;

/// How many subject lookups the gateway keeps (two per child): a few hundred bytes each.
const SUBJECT_CACHE_LOOKUPS: usize = 100_000;
/// How many children's consent states the gateway keeps: a few kilobytes each.
const REGISTER_CACHE_CHILDREN: usize = 20_000;

/// The gateway: the only door between agencies. Loads the need-to-know policy and the nodes' record keys (and
/// reloads both on SIGHUP).
pub async fn gateway(config: &GatewayConfig) -> Result<Listening, StartError> {
    let vocabulary = config.vocabulary();
    let policy = Policy::load(&config.policy_dir, &vocabulary).await.map_err(|e| StartError::Setup(e.to_string()))?;
    let policy = Arc::new(SharedPolicy::new(policy, config.policy_dir.clone(), vocabulary.clone()));
    let key = sharegate_core::signing::load(&config.signing_key).map_err(|e| StartError::Setup(e.to_string()))?;
    let (policy, key, vocabulary) =
        (web::Data::from(policy), web::Data::new(GatewayKey(key)), web::Data::new(vocabulary));
    let conveners = web::Data::new(Conveners(config.meeting_conveners.clone()));
    let store = crate::store::open(&config.database_url, &config.store_options())?;
    let log_key = sharegate_core::signing::load(&config.signing_key).map_err(|e| StartError::Setup(e.to_string()))?;
    let public_key = web::Data::new(LogKey(log_key.verifying_key()));
    let witnesses = read_witness_keys(config).map_err(|e| StartError::Setup(e.to_string()))?;
    let witnesses = web::Data::new(WitnessKeys::new(witnesses));
    // The gateway's side of its connections to nodes: a node whose certificate is revoked is not reached.
    let node_revocations = Revocations::load(&config.node_client, Side::Servers)?;
    let record_keys = read_record_keys(config).map_err(|e| StartError::Setup(e.to_string()))?;
    let record_keys = Arc::new(SharedRecordKeys::new(record_keys));
    let log = LogWriter::start(store.clone(), log_key, config.checkpoint_policy())
        .map_err(|e| StartError::Setup(format!("cannot start the disclosure log writer: {e}")))?;
    let sharing = web::Data::new(Sharing {
        vocabulary: vocabulary.get_ref().clone(),
        policy: policy.clone().into_inner(),
        broker: Broker::new(&node_links(config), &node_revocations).map_err(|e| StartError::Setup(e.to_string()))?,
        record_keys: record_keys.clone(),
        log: log.clone(),
        subjects: SubjectCache::new(SUBJECT_CACHE_LOOKUPS),
        registers: RegisterCache::new(REGISTER_CACHE_CHILDREN),
        meeting_opens: crate::meetings::OpensBefore(chrono::Duration::days(i64::from(config.meeting_opens_days))),
    });
    // Before it decides anything, the policy is in the log (if it is not the last one there).
    crate::disclosure_log::policy_change::at_start(&log, &store, &policy.current(), &vocabulary)
        .await
        .map_err(|e| StartError::Setup(e.to_string()))?;
    let policy_in_force = Arc::new(PolicyInForce { policy: policy.clone().into_inner(), log: log.clone() });
    let at_stop = log.clone();
    let log = web::Data::new(log);
    let parts = ServerParts {
        title: "sharegate gateway".into(),
        listen: config.listen,
        tls: &config.tls,
        federation: config.federation(),
        body_limit_bytes: config.body_limit_bytes,
        client_timeout: std::time::Duration::from_millis(config.client_timeout_ms),
        // The door's own lists are added by `serve`; these are the nodes'.
        metrics: log.collectors().into_iter().chain(node_revocations.collectors()).collect(),
        closed_lists: closed_lists(config),
        limits: Some(config.request_limits),
    };
    let reloadable: Vec<Arc<dyn Reloadable>> = vec![
        node_revocations.clone(),
        policy_in_force,
        Arc::new(ConfiguredKeys {
            record_keys: record_keys.clone(),
            witness_keys: witnesses.clone().into_inner(),
            started: config.clone(),
        }),
    ];
    let listening = serve(parts, store, move |routes| {
        routes
            .app_data(policy.clone())
            .app_data(key.clone())
            .app_data(vocabulary.clone())
            .app_data(conveners.clone())
            .app_data(sharing.clone())
            .app_data(log.clone())
            .app_data(public_key.clone())
            .app_data(witnesses.clone())
            // The busiest route first: actix tries the routes in this order, matching each pattern in turn.
            .service(routes::requests::request_records)
            .service(routes::whoami::whoami)
            .service(routes::policy::current_policy)
            .service(routes::policy::changes)
            .service(routes::subjects::create_subject)
            .service(routes::subjects::find_subject)
            .service(routes::subjects::link_reference)
            .service(routes::subjects::unlink_reference)
            .service(routes::subjects::link_history)
            .service(routes::consents::record_consent)
            .service(routes::consents::list_consents)
            .service(routes::consents::record_privacy_notice)
            .service(routes::consents::withdraw_consent)
            .service(routes::consents::confirm_consent)
            .service(routes::consents::record_decision)
            .service(routes::consents::endorse_decision)
            .service(routes::requests::holders)
            .service(routes::meetings::list)
            .service(routes::meetings::create)
            .service(routes::meetings::show)
            .service(routes::meetings::attendance)
            .service(routes::meetings::add_view)
            .service(routes::meetings::record_decision)
            .service(routes::meetings::endorse)
            .service(routes::meetings::close)
            .service(routes::meetings::pack)
            .service(routes::dpo::list)
            .service(routes::dpo::unreviewed)
            .service(routes::dpo::one)
            .service(routes::dpo::fhir::one)
            .service(routes::dpo::reviews::review)
            .service(routes::dpo::reviews::bulk)
            .service(routes::dpo::reviews::review_meeting)
            .service(routes::dpo::incidents::list)
            .service(routes::dpo::incidents::one)
            .service(routes::dpo::incidents::close)
            .service(routes::dpo::overview::overview)
            .service(routes::dpo::history)
            .service(routes::dpo::access_packs::draft)
            .service(routes::dpo::access_packs::read)
            .service(routes::dpo::access_packs::withhold)
            .service(routes::dpo::access_packs::release)
            .service(routes::log::checkpoint)
            .service(routes::log::inclusion_proof)
            .service(routes::log::evidence)
            .service(routes::log::consistency)
            .service(routes::log::cosign)
            .service(routes::log::tiles_checkpoint)
            .service(routes::log::tile)
            .service(routes::notifications::notifications)
            // HTML for browsers, so not in the OpenAPI document.
            .map(routes::console::configure);
    })?;
    // One reload path for everything a SIGHUP reads again, the door's CRLs first.
    let door: Arc<dyn Reloadable> = listening.door();
    reload::on_sighup([door].into_iter().chain(reloadable).collect())
        .map_err(|e| StartError::Setup(format!("cannot listen for SIGHUP: {e}")))?;
    // Stopping: every entry indexed and covered by a signed checkpoint, then the store closed. The log's tail is
    // signed, and its index writes nothing after the store's last checkpoint.
    Ok(listening.finishing_with(Box::pin(async move {
        if let Err(e) = at_stop.checkpoint().await {
            tracing::warn!(error = %e, "the log's last checkpoint could not be signed at stop");
        }
    })))
}

/// The closed lists the gateway is configured with, by the names of the fields that hold them.
fn closed_lists(config: &GatewayConfig) -> Vec<ClosedList> {
    vec![
        ClosedList {
            fields: &["category", "categories"],
            values: config.categories.iter().map(ToString::to_string).collect(),
        },
        ClosedList {
            fields: &["purpose", "purposes"],
            values: config.purposes.iter().map(ToString::to_string).collect(),
        },
        ClosedList {
            fields: &["lawful_basis", "basis"],
            values: config.lawful_bases.iter().map(ToString::to_string).collect(),
        },
        ClosedList {
            fields: &["agency", "recipients", "invited"],
            values: config.agencies.keys().map(ToString::to_string).collect(),
        },
        ClosedList { fields: &["role"], values: config.roles.iter().map(ToString::to_string).collect() },
    ]
}

/// How the broker reaches the nodes, from the configuration.
fn node_links(config: &GatewayConfig) -> NodeLinks<'_> {
    NodeLinks {
        nodes: config.agencies.iter().map(|(agency, entry)| (agency.clone(), entry.node_url.as_str())).collect(),
        client: &config.node_client,
        timeout: std::time::Duration::from_millis(config.node_timeout_ms),
        response_limit: config.node_response_limit_bytes,
    }
}
