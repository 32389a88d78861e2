//! SIGHUP: one task per server reads again, in turn, everything an operator may change while it runs — the CRLs,
//! and on the gateway the need-to-know policy and the nodes' record keys. Each part fails on its own: what fails
//! to load leaves what was in force, and the log says why. A request keeps what it started with.
//!
//! Each part is told who sent the signal, as the kernel reports it (the sender's pid and uid): the gateway writes
//! that into the disclosure log when a reload puts a new policy in force.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use signal_hook::consts::SIGHUP;
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;

/// Something a SIGHUP reads again.
pub trait Reloadable: Send + Sync + 'static {
    /// Reads its files again and puts what they hold in force, or logs why not and keeps what was in force.
    fn reload(self: Arc<Self>, hangup: Hangup) -> BoxFuture<'static, ()>;
}

/// One SIGHUP, and who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hangup {
    /// None when the kernel names no process (a signal raised by the terminal, not sent by `kill`).
    pub sender: Option<Account>,
}

/// A process, and the account it runs as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub pid: u32,
    pub uid: u32,
    /// The uid's account name on this host, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

impl Account {
    fn of(pid: u32, uid: u32) -> Self {
        let user = uzers::get_user_by_uid(uid).map(|u| u.name().to_string_lossy().into_owned());
        Self { pid, uid, user }
    }

    /// This process.
    pub fn this() -> Self {
        Self::of(std::process::id(), uzers::get_current_uid())
    }
}

/// This host's name, or `unknown` when the system will not say.
pub fn host_name() -> String {
    whoami::hostname().unwrap_or_else(|_| "unknown".to_owned())
}

/// Reloads `parts`, in order, on every SIGHUP, for as long as the process runs.
pub fn on_sighup(parts: Vec<Arc<dyn Reloadable>>) -> std::io::Result<()> {
    let runtime = tokio::runtime::Handle::try_current().map_err(std::io::Error::other)?;
    // The kernel's word on who sent each signal reaches only a handler installed with SA_SIGINFO, which tokio's
    // signal streams do not offer: signal-hook's iterator waits for them on a thread of its own.
    let mut signals = SignalsInfo::<WithOrigin>::new([SIGHUP])?;
    let (hangups, mut received) = tokio::sync::mpsc::unbounded_channel();
    std::thread::Builder::new().name("sighup".into()).spawn(move || {
        for origin in signals.forever() {
            let sender = origin.process.map(|p| Account::of(u32::try_from(p.pid).unwrap_or_default(), p.uid));
            if hangups.send(Hangup { sender }).is_err() {
                break;
            }
        }
    })?;
    runtime.spawn(async move {
        while let Some(hangup) = received.recv().await {
            for part in &parts {
                part.clone().reload(hangup.clone()).await;
            }
        }
    });
    Ok(())
}
