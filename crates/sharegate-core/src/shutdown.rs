//! Clean shutdown on SIGINT and SIGTERM: the server stops accepting, finishes the requests in flight, and the
//! caller then closes its stores.

use actix_web::dev::ServerHandle;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// Listens for SIGINT and SIGTERM from the moment it is made (so a signal that arrives before anyone awaits it is
/// not lost), and stops the servers gracefully when one arrives. Call it before announcing that a server listens.
pub fn stop_on_signal(handles: Vec<ServerHandle>) -> std::io::Result<()> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    actix_web::rt::spawn(async move {
        let name = first_of(&mut interrupt, &mut terminate).await;
        tracing::info!(signal = name, "shutting down: finishing requests in flight");
        for handle in handles {
            handle.stop(true).await;
        }
    });
    Ok(())
}

async fn first_of(interrupt: &mut Signal, terminate: &mut Signal) -> &'static str {
    tokio::select! {
        _ = interrupt.recv() => "SIGINT",
        _ = terminate.recv() => "SIGTERM",
    }
}
