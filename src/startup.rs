//! Building the servers: bind the listener (port 0 in tests), wire the door, the identity hook, the routes and the
//! metrics, and hand back the running server with its port. Nothing here decides or stores anything.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::Registry;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;

use crate::config::GatewayConfig;
use crate::identity::capture_peer_identity;
use crate::routes::{self, extract};
use crate::store::{Store, StoreError};
use crate::tls::{self, TlsError};

/// Why a server could not start. Each names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: String, source: std::io::Error },
    #[error("cannot set up metrics: {0}")]
    Metrics(String),
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
}

/// A gateway that is listening and ready to be run.
pub struct Gateway {
    server: Server,
    port: u16,
    store: Store,
}

impl Gateway {
    pub fn build(config: &GatewayConfig) -> Result<Self, StartError> {
        let tls = tls::server_config(&config.tls)?;
        let listen_error = |source| StartError::Listen { addr: config.listen.to_string(), source };
        let listener = TcpListener::bind(config.listen).map_err(listen_error)?;
        let port = listener.local_addr().map_err(listen_error)?.port();

        let store = Store::open(&config.database_url, &config.store_options())?;
        let federation = Arc::new(config.federation());
        let federation_data = web::Data::from(federation.clone());
        let store_data = web::Data::new(store.clone());
        let registry = Registry::new();
        let metrics = http_metrics(&registry)?;
        let body_limit = extract::BodyLimit(config.body_limit_bytes);

        let server = HttpServer::new(move || {
            let (app, document) = App::new()
                .wrap(metrics.clone())
                .wrap(TracingLogger::default())
                .app_data(body_limit)
                .app_data(extract::path_config())
                .app_data(web::Data::new(registry.clone()))
                .app_data(federation_data.clone())
                .app_data(store_data.clone())
                .into_utoipa_app()
                .service(routes::meta::healthz)
                .service(routes::meta::metrics)
                .service(routes::meta::openapi)
                .service(routes::whoami::whoami)
                .service(routes::subjects::create_subject)
                .service(routes::subjects::find_subject)
                .split_for_parts();
            app.app_data(web::Data::new(api_document(document))).default_service(web::to(routes::no_such_endpoint))
        })
        .on_connect(move |connection, extensions| capture_peer_identity(connection, extensions, &federation))
        .disable_signals()
        .shutdown_timeout(10)
        .listen_rustls_0_23(listener, tls)
        .map_err(listen_error)?
        .run();
        Ok(Self { server, port, store })
    }

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

/// Request counts and latencies per route pattern (never per concrete path, so ids do not become labels).
fn http_metrics(registry: &Registry) -> Result<PrometheusMetrics, StartError> {
    PrometheusMetricsBuilder::new("sharegate")
        .registry(registry.clone())
        .mask_unmatched_patterns("UNKNOWN")
        .build()
        .map_err(|e| StartError::Metrics(e.to_string()))
}

fn api_document(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    document.info.title = "sharegate".into();
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
