//! The gateway's tables: the subject index and each agency's links, the consent register, meetings, and the
//! disclosure log with its checkpoints. The plumbing (connections, migrations, [`Store`]) is `sharegate_core`'s,
//! re-exported here so that a gateway store function names one module.

pub mod access_packs;
pub mod incidents;
pub mod log;
pub mod log_scan;
pub mod meetings;
pub mod register;
pub mod subjects;

pub mod schema;

pub use sharegate_core::store::*;

const SQLITE: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("../../migrations/gateway/sqlite");
const POSTGRES: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("../../migrations/gateway/postgres");

/// The gateway's migrations (`migrations/gateway/`), embedded.
pub const MIGRATIONS: Migrations = Migrations { sqlite: || SQLITE, postgres: || POSTGRES };

/// Opens the gateway's database and applies its pending migrations.
pub fn open(url: &DatabaseUrl, options: &StoreOptions) -> Result<Store, StoreError> {
    Store::open(url, options, &MIGRATIONS)
}
