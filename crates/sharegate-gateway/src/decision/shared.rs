//! The policy the gateway decides with, replaceable while it runs: SIGHUP reloads `policies/` (see
//! `sharegate_core::reload`). A policy that fails to load leaves the old one in place, and the log says why; one that
//! loads is logged with what it changes over the closed lists (as `sharegate policy diff` counts it), as a warning
//! when it shares more. Every decision names the hash of the policy that made it.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};

use super::diff::{ChangeKind, PolicyDiff};
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
            let before = self.current();
            match SharedPolicy::reload(&self).await {
                Ok(policy) => {
                    let diff = PolicyDiff::between(&before, &policy, &self.vocabulary);
                    let counts = diff.counts();
                    let count = |kind| counts.get(&kind).copied().unwrap_or(0);
                    macro_rules! reloaded {
                        ($level:ident, $message:literal) => {
                            tracing::$level!(
                                old = %before.hash,
                                new = %policy.hash,
                                rules = policy.rules.len(),
                                compared = diff.compared,
                                widened = count(ChangeKind::Widened),
                                loosened = count(ChangeKind::Loosened),
                                narrowed = count(ChangeKind::Narrowed),
                                tightened = count(ChangeKind::Tightened),
                                redecided = count(ChangeKind::Redecided),
                                $message
                            )
                        };
                    }
                    if diff.widens() {
                        reloaded!(warn, "policy reloaded: it shares more than the one it replaced")
                    } else {
                        reloaded!(info, "policy reloaded")
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, kept = %before.hash, "policy reload failed; the previous policy stays in force")
                }
            }
        })
    }
}
