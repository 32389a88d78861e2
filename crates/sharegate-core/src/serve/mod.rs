//! Serving: bind the listener (port 0 in tests), wire the door, the identity hook, the routes and the metrics, and
//! hand back the running server with its port. Both the gateway and the nodes are served this way. Nothing here
//! decides or stores anything.

mod closed_lists;
mod fallback;
pub mod limits;
pub mod meta;

pub use closed_lists::ClosedList;
pub use limits::{Rate, RequestLimits};

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, OnceLock};

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, middleware, web};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::Registry;
use prometheus::core::Collector;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::cross_site;
use crate::extract;
use crate::identity::{Federation, capture_peer_identity, peer_leaf};
use crate::store::{Store, StoreError};
use crate::telemetry::RequestSpan;
use crate::tls::revocation::{self, Revocations, Side};
use crate::tls::{self, TlsError, TlsFiles};

/// Why a server could not start. Each names what to fix, its cause in its own message (not again as a source: the
/// CLI prints an error's chain of sources, and would say it twice).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: std::io::Error },
    #[error("cannot set up metrics: {0}")]
    Metrics(String),
    #[error("cannot open the store: {0}")]
    Store(StoreError),
    #[error("{0}")]
    Setup(String),
}

impl From<StoreError> for StartError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
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
    /// The configured closed lists, for the API document (see [`ClosedList`]).
    pub closed_lists: Vec<ClosedList>,
    /// The rates practitioners are held to; none where the only caller at volume is the gateway (a node).
    pub limits: Option<RequestLimits>,
}

/// A server that is listening, and the store it closes when it stops.
pub struct Listening {
    server: Server,
    port: u16,
    store: Store,
    door: Arc<Revocations>,
    /// What must finish once the server has stopped serving and before the store is closed.
    finish: Option<futures_util::future::BoxFuture<'static, ()>>,
}

impl Listening {
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The CRLs its door checks clients against: for the server's SIGHUP reload (see `crate::reload`).
    pub fn door(&self) -> Arc<Revocations> {
        self.door.clone()
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Once stopped, `finish` runs before the store is closed: background writers bring their work to an end, so
    /// that nothing is written after the store's last checkpoint.
    pub fn finishing_with(mut self, finish: futures_util::future::BoxFuture<'static, ()>) -> Self {
        self.finish = Some(finish);
        self
    }

    /// Serves until stopped through its handle (see `crate::shutdown`), then closes the store.
    pub async fn run(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some(finish) = self.finish {
            finish.await;
        }
        self.store.close();
        served
    }
}

/// Starts a server: mutual TLS (its CRLs for the caller's SIGHUP reload, see [`Listening::door`]), identity per
/// connection, revocation checked again on every request, metrics, request tracing, the meta endpoints, and the routes
/// `routes` registers (each appears in the OpenAPI document).
pub fn serve<F>(parts: ServerParts<'_>, store: Store, routes: F) -> Result<Listening, StartError>
where
    F: Fn(&mut ServiceConfig<'_>) + Clone + Send + 'static,
{
    let revocations = Revocations::load(parts.tls, Side::Clients)?;
    let tls = tls::server_config(parts.tls, &revocations)?;
    let listen_error = |reason| StartError::Listen { addr: parts.listen.to_string(), reason };
    let listener = TcpListener::bind(parts.listen).map_err(listen_error)?;
    let port = listener.local_addr().map_err(listen_error)?.port();

    let federation = Arc::new(parts.federation);
    let federation_data = web::Data::from(federation.clone());
    let store_data = web::Data::new(store.clone());
    let door_data = web::Data::from(revocations.clone());
    let registry = Registry::new();
    for collector in parts.metrics.into_iter().chain(revocations.collectors()) {
        registry.register(collector).map_err(|e| StartError::Metrics(e.to_string()))?;
    }
    let limiter = match &parts.limits {
        Some(limits) => {
            let limiter = limits::Limiter::new(limits).map_err(|e| StartError::Metrics(e.to_string()))?;
            registry.register(limiter.collector()).map_err(|e| StartError::Metrics(e.to_string()))?;
            Some(web::Data::from(limiter))
        }
        None => None,
    };
    let metrics = http_metrics(&registry)?;
    let body_limit = extract::BodyLimit { bytes: parts.body_limit_bytes, deadline: parts.client_timeout };
    let client_timeout = parts.client_timeout;
    let title = parts.title;
    let lists = parts.closed_lists;
    let described: Arc<OnceLock<web::Data<utoipa::openapi::OpenApi>>> = Arc::default();

    let server = HttpServer::new(move || {
        let (app, document) = App::new()
            .wrap(middleware::from_fn(limits::limit_requests))
            .wrap(middleware::from_fn(cross_site::refuse_other_sites))
            .wrap(middleware::from_fn(revocation::refuse_revoked))
            .wrap(metrics.clone())
            .wrap(TracingLogger::<RequestSpan>::new())
            .app_data(body_limit)
            .app_data(extract::path_config())
            .app_data(web::Data::new(registry.clone()))
            .app_data(federation_data.clone())
            .app_data(store_data.clone())
            .app_data(door_data.clone())
            .app_data(limiter.clone())
            .into_utoipa_app()
            .service(meta::healthz)
            .service(meta::readyz)
            .service(meta::metrics)
            .service(meta::openapi)
            .configure(routes.clone())
            .split_for_parts();
        // Every worker registers the same routes, so the first worker's document serves them all: it is finished
        // (titled, closed lists filled in) once, not once per worker.
        let document =
            described.get_or_init(|| web::Data::new(closed_lists::apply(api_document(document, &title), &lists)));
        app.app_data(document.clone()).default_service(web::to(fallback::no_such_endpoint))
    })
    .on_connect({
        let revocations = revocations.clone();
        move |connection, extensions| {
            let leaf = peer_leaf(connection);
            capture_peer_identity(leaf, extensions, &federation);
            revocation::capture_presented(leaf, extensions, &revocations);
        }
    })
    .client_request_timeout(client_timeout)
    .disable_signals()
    .shutdown_timeout(10)
    .listen_rustls_0_23(listener, tls)
    .map_err(listen_error)?
    .run();
    Ok(Listening { server, port, store, door: revocations, finish: None })
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
