//! The policy the gateway decides with, replaceable while it runs: SIGHUP reloads `policies/` (see
//! `sharegate_core::reload`). A policy that fails
//! to load leaves the old one in place, and the log says why. Every decision names the hash of the policy that
//! made it.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};

use super::policy::{Policy, PolicyError, Vocabulary};

pub struct SharedPolicy {
    current: RwLock<Arc<Policy>>,
    dir: PathBuf,
    vocabulary: Vocabulary,
}

impl SharedPolicy {
    pub fn new(policy: Policy, dir: PathBuf, vocabulary: Vocabulary) -> Self {
        Self { current: RwLock::new(Arc::new(policy)), dir, vocabulary }
    }

    /// The policy in force now. A request keeps the one it started with.
    pub fn current(&self) -> Arc<Policy> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Loads the policy again; on failure the old one stays in force.
    pub async fn reload(&self) -> Result<Arc<Policy>, PolicyError> {
        let loaded = Arc::new(Policy::load(&self.dir, &self.vocabulary).await?);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = loaded.clone();
        Ok(loaded)
    }
}

impl sharegate_core::reload::Reloadable for SharedPolicy {
    fn reload(self: Arc<Self>) -> futures_util::future::BoxFuture<'static, ()> {
        Box::pin(async move {
            let before = self.current().hash.clone();
            match SharedPolicy::reload(&self).await {
                Ok(policy) => {
                    tracing::info!(old = %before, new = %policy.hash, rules = policy.rules.len(), "policy reloaded")
                }
                Err(e) => {
                    tracing::error!(error = %e, kept = %before, "policy reload failed; the previous policy stays in force")
                }
            }
        })
    }
}
