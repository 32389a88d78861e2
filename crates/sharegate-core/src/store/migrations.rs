//! Schema migrations: each role (the gateway, a node) has its own set, one folder per backend under the workspace's
//! `migrations/<role>/`, embedded in that role's crate, and migrates only its own tables. They run at start and by
//! `sharegate migrate`.
//!
//! The two sets keep the version names of the one set they were split from (a database made before the split has
//! every version applied, so nothing is pending for it; its other role's tables stay, unused).

use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use super::{AnyConnection, StoreError};

/// A role's migrations, for each backend (as functions: an embedded set is a constant, used by value).
pub struct Migrations {
    pub sqlite: fn() -> EmbeddedMigrations,
    pub postgres: fn() -> EmbeddedMigrations,
}

impl Migrations {
    /// Applies every pending migration; returns the versions applied.
    pub fn run_pending(&self, conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
        let applied = match conn {
            AnyConnection::Sqlite(c) => {
                c.run_pending_migrations((self.sqlite)()).map(|v| v.iter().map(|m| m.to_string()).collect())
            }
            AnyConnection::Postgres(c) => {
                c.run_pending_migrations((self.postgres)()).map(|v| v.iter().map(|m| m.to_string()).collect())
            }
        };
        applied.map_err(|e| StoreError::Migration(e.to_string()))
    }
}
