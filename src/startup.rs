//! Building the servers: bind the listener (port 0 in tests), wire the door, the identity hook, the routes and the
//! metrics, and hand back the running server with its port. Nothing here decides or stores anything.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, middleware, web};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::Registry;
use prometheus::core::Collector;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::broker::Broker;
use crate::config::GatewayConfig;
use crate::cross_site;
use crate::decision::policy::Policy;
use crate::decision::shared::{SharedPolicy, reload_on_sighup};
use crate::disclosure_log::LogWriter;
use crate::identity::{Federation, capture_peer_identity, peer_leaf};
use crate::meetings::Conveners;
use crate::redaction::{self, RecordKeys, SharedRecordKeys};
use crate::routes::consents::GatewayKey;
use crate::routes::log::LogKey;
use crate::routes::requests::Sharing;
use crate::routes::{self, extract};
use crate::store::register::RegisterCache;
use crate::store::subjects::SubjectCache;
use crate::store::{Store, StoreError};
use crate::telemetry::RequestSpan;
use crate::tls::revocation::{self, Revocations, Side};
use crate::tls::{self, TlsError, TlsFiles};

/// Why a server could not start. Each names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Broker(#[from] crate::broker::BrokerError),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: String, source: std::io::Error },
    #[error("cannot set up metrics: {0}")]
    Metrics(String),
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Setup(String),
}

/// What every sharegate server has in common: where it listens, its door, who it admits.
pub struct ServerParts<'a> {
    /// Names the server in its API document: "sharegate gateway", "sharegate police node".
    pub title: String,
    pub listen: SocketAddr,
    pub tls: &'a TlsFiles,
    pub federation: Federation,
    pub body_limit_bytes: usize,
    /// For a request's head, and again for its body.
    pub client_timeout: std::time::Duration,
    /// The server's own metrics (its writers'), served at `/metrics` with the HTTP ones.
    pub metrics: Vec<Box<dyn Collector>>,
}

/// A server that is listening, and the store it closes when it stops.
pub struct Listening {
    server: Server,
    port: u16,
    store: Store,
}

impl Listening {
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped through its handle (see `crate::shutdown`), then closes the store.
    pub async fn run(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.store.close();
        served
    }
}

/// Starts a server: mutual TLS (its CRLs reloaded on SIGHUP), identity per connection, revocation checked again on
/// every request, metrics, request tracing, the meta endpoints, and the routes `routes` registers (each appears in
/// the OpenAPI document).
pub fn serve<F>(parts: ServerParts<'_>, store: Store, routes: F) -> Result<Listening, StartError>
where
    F: Fn(&mut ServiceConfig<'_>) + Clone + Send + 'static,
{
    let revocations = Revocations::load(parts.tls, Side::Clients)?;
    let tls = tls::server_config(parts.tls, &revocations)?;
    revocation::reload_on_sighup(revocations.clone())
        .map_err(|e| StartError::Setup(format!("cannot listen for SIGHUP: {e}")))?;
    let listen_error = |source| StartError::Listen { addr: parts.listen.to_string(), source };
    let listener = TcpListener::bind(parts.listen).map_err(listen_error)?;
    let port = listener.local_addr().map_err(listen_error)?.port();

    let federation = Arc::new(parts.federation);
    let federation_data = web::Data::from(federation.clone());
    let store_data = web::Data::new(store.clone());
    let registry = Registry::new();
    for collector in parts.metrics.into_iter().chain(revocations.collectors()) {
        registry.register(collector).map_err(|e| StartError::Metrics(e.to_string()))?;
    }
    let metrics = http_metrics(&registry)?;
    let body_limit = extract::BodyLimit { bytes: parts.body_limit_bytes, deadline: parts.client_timeout };
    let client_timeout = parts.client_timeout;
    let title = parts.title;

    let server = HttpServer::new(move || {
        let (app, document) = App::new()
            .wrap(middleware::from_fn(cross_site::refuse_other_sites))
            .wrap(middleware::from_fn(revocation::refuse_revoked))
            .wrap(metrics.clone())
            .wrap(TracingLogger::<RequestSpan>::new())
            .app_data(body_limit)
            .app_data(extract::path_config())
            .app_data(web::Data::new(registry.clone()))
            .app_data(federation_data.clone())
            .app_data(store_data.clone())
            .into_utoipa_app()
            .service(routes::meta::healthz)
            .service(routes::meta::metrics)
            .service(routes::meta::openapi)
            .configure(routes.clone())
            .split_for_parts();
        app.app_data(web::Data::new(api_document(document, &title))).default_service(web::to(routes::no_such_endpoint))
    })
    .on_connect(move |connection, extensions| {
        let leaf = peer_leaf(connection);
        capture_peer_identity(leaf, extensions, &federation);
        revocation::capture_presented(leaf, extensions, &revocations);
    })
    .client_request_timeout(client_timeout)
    .disable_signals()
    .shutdown_timeout(10)
    .listen_rustls_0_23(listener, tls)
    .map_err(listen_error)?
    .run();
    Ok(Listening { server, port, store })
}

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
    reload_on_sighup(policy.clone()).map_err(|e| StartError::Setup(format!("cannot listen for SIGHUP: {e}")))?;
    let key = crate::signing::load(&config.signing_key).map_err(|e| StartError::Setup(e.to_string()))?;
    let (policy, key, vocabulary) =
        (web::Data::from(policy), web::Data::new(GatewayKey(key)), web::Data::new(vocabulary));
    let conveners = web::Data::new(Conveners(config.meeting_conveners.clone()));
    let store = Store::open(&config.database_url, &config.store_options())?;
    let log_key = crate::signing::load(&config.signing_key).map_err(|e| StartError::Setup(e.to_string()))?;
    let public_key = web::Data::new(LogKey(log_key.verifying_key()));
    // The gateway's side of its connections to nodes: a node whose certificate is revoked is not reached.
    let node_revocations = Revocations::load(&config.node_client, Side::Servers)?;
    revocation::reload_on_sighup(node_revocations.clone())
        .map_err(|e| StartError::Setup(format!("cannot listen for SIGHUP: {e}")))?;
    let record_keys = RecordKeys::load(&config.agencies).map_err(|e| StartError::Setup(e.to_string()))?;
    let record_keys = Arc::new(SharedRecordKeys::new(record_keys));
    redaction::reload_on_sighup(record_keys.clone(), config.clone())
        .map_err(|e| StartError::Setup(format!("cannot listen for SIGHUP: {e}")))?;
    let log = LogWriter::start(store.clone(), log_key, config.checkpoint_policy())
        .map_err(|e| StartError::Setup(format!("cannot start the disclosure log writer: {e}")))?;
    let sharing = web::Data::new(Sharing {
        vocabulary: vocabulary.get_ref().clone(),
        policy: policy.clone().into_inner(),
        broker: Broker::new(config, &node_revocations)?,
        record_keys: record_keys.clone(),
        log: log.clone(),
        subjects: SubjectCache::new(SUBJECT_CACHE_LOOKUPS),
        registers: RegisterCache::new(REGISTER_CACHE_CHILDREN),
        meeting_opens: crate::meetings::OpensBefore(chrono::Duration::days(i64::from(config.meeting_opens_days))),
    });
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
    };
    serve(parts, store, move |routes| {
        routes
            .app_data(policy.clone())
            .app_data(key.clone())
            .app_data(vocabulary.clone())
            .app_data(conveners.clone())
            .app_data(sharing.clone())
            .app_data(log.clone())
            .app_data(public_key.clone())
            // The busiest route first: actix tries the routes in this order, matching each pattern in turn.
            .service(routes::requests::request_records)
            .service(routes::whoami::whoami)
            .service(routes::policy::current_policy)
            .service(routes::subjects::create_subject)
            .service(routes::subjects::find_subject)
            .service(routes::subjects::link_reference)
            .service(routes::subjects::unlink_reference)
            .service(routes::subjects::link_history)
            .service(routes::consents::record_consent)
            .service(routes::consents::list_consents)
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
            .service(routes::dpo::review)
            .service(routes::dpo::review_meeting)
            .service(routes::dpo::history)
            .service(routes::log::checkpoint)
            .service(routes::log::inclusion_proof)
            // HTML for browsers, so not in the OpenAPI document.
            .map(routes::console::configure);
    })
}

/// Request counts and latencies per route pattern (never per concrete path, so ids do not become labels).
fn http_metrics(registry: &Registry) -> Result<PrometheusMetrics, StartError> {
    PrometheusMetricsBuilder::new("sharegate")
        .registry(registry.clone())
        .mask_unmatched_patterns("UNKNOWN")
        .build()
        .map_err(|e| StartError::Metrics(e.to_string()))
}

fn api_document(mut document: utoipa::openapi::OpenApi, title: &str) -> utoipa::openapi::OpenApi {
    document.info.title = title.to_owned();
    document.info.contact = None;
    document.info.license = Some(utoipa::openapi::License::new(env!("CARGO_PKG_LICENSE")));
    document.info.version = env!("CARGO_PKG_VERSION").into();
    document.info.description = Some(
        "Need-to-know sharing between police, health, education and children's social care. \
         Every call is over mutual TLS; identity comes from the client certificate."
            .into(),
    );
    document
}
