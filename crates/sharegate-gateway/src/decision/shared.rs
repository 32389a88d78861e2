//! The policy the gateway decides with, replaceable while it runs: SIGHUP reads `policies/` again (see
//! `crate::reload::PolicyInForce`, which also writes the change into the disclosure log before putting it in force).
//! Every decision names the hash of the policy that made it.

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

    /// The closed lists the policy is checked against.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// Reads the policy's directory again, without putting what it holds in force.
    pub async fn read(&self) -> Result<Policy, PolicyError> {
        Policy::load(&self.dir, &self.vocabulary).await
    }

    /// From now on, requests are decided by `policy`.
    pub fn put_in_force(&self, policy: Arc<Policy>) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = policy;
    }
}
