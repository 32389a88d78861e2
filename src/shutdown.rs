//! Clean shutdown on SIGINT and SIGTERM: the server stops accepting, finishes the requests in flight, and the
//! caller then closes its stores.

use actix_web::dev::ServerHandle;
use tokio::signal::unix::{SignalKind, signal};

/// Resolves when the process receives SIGINT or SIGTERM, naming the signal.
pub async fn signal_received() -> &'static str {
    match signal(SignalKind::terminate()) {
        Ok(mut term) => tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        },
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM; only SIGINT will stop the server cleanly");
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}

/// Stops the servers gracefully when a signal arrives.
pub fn stop_on_signal(handles: Vec<ServerHandle>) {
    actix_web::rt::spawn(async move {
        let signal = signal_received().await;
        tracing::info!(signal, "shutting down: finishing requests in flight");
        for handle in handles {
            handle.stop(true).await;
        }
    });
}
