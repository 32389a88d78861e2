//! SIGHUP: one task per server reads again, in turn, everything an operator may change while it runs — the CRLs,
//! and on the gateway the need-to-know policy and the nodes' record keys. Each part fails on its own: what fails
//! to load leaves what was in force, and the log says why. A request keeps what it started with.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio::signal::unix::{SignalKind, signal};

/// Something a SIGHUP reads again.
pub trait Reloadable: Send + Sync + 'static {
    /// Reads its files again and puts what they hold in force, or logs why not and keeps what was in force.
    fn reload(self: Arc<Self>) -> BoxFuture<'static, ()>;
}

/// Reloads `parts`, in order, on every SIGHUP, for as long as the process runs.
pub fn on_sighup(parts: Vec<Arc<dyn Reloadable>>) -> std::io::Result<()> {
    let runtime = tokio::runtime::Handle::try_current().map_err(std::io::Error::other)?;
    let _entered = runtime.enter();
    let mut hangup = signal(SignalKind::hangup())?;
    runtime.spawn(async move {
        while hangup.recv().await.is_some() {
            for part in &parts {
                part.clone().reload().await;
            }
        }
    });
    Ok(())
}
