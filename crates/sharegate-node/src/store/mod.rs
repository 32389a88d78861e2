//! The node's tables: its contact records, the children it knows, its access register, and its DPO's acts. The plumbing
//! (connections, migrations, [`Store`]) is `sharegate_core`'s, re-exported here.

pub mod access;
pub mod dpo_acts;
pub mod records;

pub mod schema;

pub use sharegate_core::store::*;

const SQLITE: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("../../migrations/node/sqlite");
const POSTGRES: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("../../migrations/node/postgres");

/// The node's migrations (`migrations/node/`), embedded.
pub const MIGRATIONS: Migrations = Migrations { sqlite: || SQLITE, postgres: || POSTGRES };

/// Opens the node's database and applies its pending migrations.
pub fn open(url: &DatabaseUrl, options: &StoreOptions) -> Result<Store, StoreError> {
    Store::open(url, options, &MIGRATIONS)
}
