//! Schema migrations, one folder per backend under the workspace's `migrations/`, embedded in the binary. They run at
//! start and by `sharegate migrate`.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{AnyConnection, StoreError};

pub const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let applied = match conn {
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE).map(|v| v.iter().map(|m| m.to_string()).collect()),
        AnyConnection::Postgres(c) => {
            c.run_pending_migrations(POSTGRES).map(|v| v.iter().map(|m| m.to_string()).collect())
        }
    };
    applied.map_err(|e| StoreError::Migration(e.to_string()))
}
