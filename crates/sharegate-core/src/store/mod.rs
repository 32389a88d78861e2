//! Storage: diesel over SQLite (embedded, the default) or PostgreSQL (several gateway instances), one code path.
//!
//! This module owns connections, migrations and the mapping of database failures onto [`StoreError`]. Blocking
//! database work runs on actix's blocking pool through [`Store::run`]; only brief SQLite reads may run on an async
//! worker ([`Store::run_brief`]). The tables are written through insert functions and read through read functions;
//! most tables (the disclosure log, consents, records) have no update or delete function at all.
//!
//! On SQLite, a statement with a bound `LIMIT` (diesel's `.first()`, `.limit(n)`) is planned anew every time it runs,
//! because SQLite reads the bound value while planning: on a path taken per request or per batch, select by key.

mod checkpoints;
mod connection;
mod database_url;
pub mod group_commit;
pub mod migrations;
pub mod postgres;

use std::time::Duration;

use diesel::r2d2::Pool;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

pub use connection::{AnyConnection, Manager};
pub use database_url::{DatabaseUrl, DatabaseUrlError};
pub use migrations::Migrations;

use crate::error::{ApiError, ErrorKind};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached, is locked, read-only or failing: the caller answers 503.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness rule was broken; `what` names it for the caller.
    #[error("{what} already exists")]
    Duplicate { what: &'static str },
    /// A stored row cannot be read back (damaged, or written by something else): not a passing fault, so not
    /// answered as one; an operator must look (`sharegate log verify`, `sharegate node verify`).
    #[error("the store holds something that cannot be read: {0}")]
    Corrupt(String),
    #[error("migrations failed: {0}")]
    Migration(String),
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match &e {
            // Constraint names differ between backends; the caller says what was duplicated.
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                StoreError::Duplicate { what: "an entry with these details" }
            }
            _ => StoreError::Unavailable(e.to_string()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate { what } => ApiError::new(ErrorKind::Duplicate, format!("{what} already exists")),
            corrupt @ StoreError::Corrupt(_) => ApiError::store_corrupt(corrupt),
            other => ApiError::store_unavailable(other),
        }
    }
}

/// A transaction that takes the database's write lock before anything else, for work that reads and then writes.
///
/// SQLite in WAL mode cannot upgrade a transaction that began by reading once another connection has written: it
/// fails at once (SQLITE_BUSY_SNAPSHOT) instead of waiting. Writing first — a no-op update — takes the write lock
/// up front (waiting up to the busy timeout), as `BEGIN IMMEDIATE` would. On PostgreSQL the no-op touches no row.
pub fn write_transaction<T>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    conn.transaction(|conn| {
        if let AnyConnection::Sqlite(sqlite) = conn {
            // A table every migrated database has, whichever its role.
            sqlite.batch_execute("UPDATE __diesel_schema_migrations SET version = version WHERE 0")?;
        }
        work(conn)
    })
}

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    /// How long a request waits for a connection (or, on SQLite, for a lock) before it gets 503.
    pub wait: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { max_connections: 8, wait: Duration::from_secs(5) }
    }
}

/// A pool of connections to one database, migrated.
#[derive(Clone)]
pub struct Store {
    pool: Pool<Manager>,
    url: DatabaseUrl,
    wait: Duration,
}

impl Store {
    /// Opens the database and applies the role's pending `migrations`. Fails if the database cannot be reached now.
    pub fn open(url: &DatabaseUrl, options: &StoreOptions, migrations: &Migrations) -> Result<Self, StoreError> {
        let store = Self::connect(url, options)?;
        store.migrate(migrations)?;
        Ok(store)
    }

    /// Opens the database without migrating it.
    pub fn connect(url: &DatabaseUrl, options: &StoreOptions) -> Result<Self, StoreError> {
        url.prepare()?;
        if let DatabaseUrl::Sqlite(_) = url {
            // One connection first, for its own error: the pool's says only that it timed out. A server keeps its
            // SQLite database to itself (see `connection::exclusive_uri`), which is the likely cause.
            diesel::r2d2::ManageConnection::connect(&Manager::new(url.clone(), options.wait)).map_err(|e| {
                let held = e.to_string().contains("database is locked");
                let hint = if held { " (another process has it: stop the server that uses it first)" } else { "" };
                StoreError::Unavailable(format!("cannot open {url}: {e}{hint}"))
            })?;
        }
        // A PostgreSQL connection can die with its server, so each is pinged before use; an SQLite connection is a
        // file handle that cannot, and a ping per checkout would cost a query per request.
        let pool = Pool::builder()
            .max_size(options.max_connections)
            .min_idle(Some(1))
            .test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)))
            .connection_timeout(options.wait)
            .build(Manager::new(url.clone(), options.wait))
            .map_err(|e| StoreError::Unavailable(format!("cannot open {url}: {e}")))?;
        Ok(Self { pool, url: url.clone(), wait: options.wait })
    }

    /// Whether the store would take a write now: the write lock on SQLite (within the wait), a read-write transaction
    /// on PostgreSQL (refused by a standby). Writes nothing.
    pub async fn check_writable(&self) -> Result<(), StoreError> {
        self.run(|conn| {
            write_transaction(conn, |conn| {
                if let AnyConnection::Postgres(pg) = conn {
                    use diesel::connection::SimpleConnection;
                    pg.batch_execute("SET TRANSACTION READ WRITE")?;
                }
                Ok(())
            })
        })
        .await
    }

    /// Applies the role's pending `migrations`; returns the versions applied.
    pub fn migrate(&self, migrations: &Migrations) -> Result<Vec<String>, StoreError> {
        self.run_now(|conn| migrations.run_pending(conn))
    }

    /// Runs `work` with a connection on the blocking pool.
    pub async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("the blocking pool failed: {e}")))?
    }

    /// Runs a brief read — a few indexed lookups — with a connection. On SQLite, when a connection is free, it runs
    /// right here on the calling worker: a local read of a few pages takes tens of microseconds, less than the two
    /// thread switches of a trip to the blocking pool, which were a third of a brokered request's cost under load
    /// (BENCHMARKS.md). Otherwise — on PostgreSQL, a network round trip, or with every connection taken — it goes
    /// to the blocking pool as [`Store::run`] does. Never for anything that scans or writes.
    pub async fn run_brief<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
    {
        if matches!(self.url, DatabaseUrl::Sqlite(_))
            && let Some(mut conn) = self.pool.try_get()
        {
            return work(&mut conn);
        }
        self.run(work).await
    }

    /// Runs `work` with a connection on the current thread: for commands and tests outside a server.
    pub fn run_now<T>(&self, work: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut conn = self.pool.get()?;
        work(&mut conn)
    }

    /// A connection of its own for a writer to keep across its batches (see [`group_commit`]), readied for writing.
    /// Not the pool's: what readies it for one writer (see `connection::for_writer`) must not pass to other users.
    pub(crate) fn writer_connection(&self) -> Result<AnyConnection, StoreError> {
        use diesel::r2d2::ManageConnection;
        let mut conn = Manager::new(self.url.clone(), self.wait)
            .connect()
            .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", self.url)))?;
        connection::for_writer(&mut conn)?;
        Ok(conn)
    }

    /// A connection of its own for a thread that derives what can be derived again (the log's index), readied as a
    /// writer's. On SQLite its commits are not synced (`synchronous = NORMAL`): a power cut may undo its last
    /// commits, never half of one, and whoever syncs next (the log's writer, every batch) syncs them too.
    pub fn index_connection(&self) -> Result<AnyConnection, StoreError> {
        let mut conn = self.writer_connection()?;
        connection::for_index(&mut conn)?;
        Ok(conn)
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Flushes what can be flushed before the process exits (SQLite: the WAL into the database file).
    pub fn close(&self) {
        if let Err(e) = self.run_now(connection::checkpoint) {
            tracing::warn!(error = %e, "could not checkpoint the store on shutdown");
        }
    }
}
