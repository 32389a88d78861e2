//! One connection type over both backends, and the pool's way of opening it.

use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;

use super::postgres::{self, PgConnection};
use super::{DatabaseUrl, StoreError};

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// The SQLite URI that opens `path` through SQLite's `unix-excl` VFS. Its first connection locks the database file
/// for this process, and the connections of this process then keep the WAL index in memory they share, not in the
/// `-shm` file mapped into memory. A mapped file that turns unwritable under SQLite (made immutable, or on a
/// filesystem remounted read-only after disk errors) kills the process with SIGBUS at the next write to a page of
/// it; kept in memory, the same fault is an I/O error, answered with 503 until the file can be written again. The
/// price: one process at a time has the database — a server, or a command run while its server is stopped.
fn exclusive_uri(path: &std::path::Path) -> String {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            // What a URI filename would read as a query, a fragment or an escape.
            '%' | '?' | '#' => uri.push_str(&format!("%{:02X}", u32::from(c))),
            c => uri.push(c),
        }
    }
    uri.push_str("?vfs=unix-excl");
    uri
}

impl AnyConnection {
    /// Whether a connection kept across idle time still reaches its server. A PostgreSQL server may have closed it
    /// meanwhile (a restart, a failover, an administrator ending sessions); a connection to SQLite's file cannot be
    /// closed under it, and is not asked.
    pub fn still_connected(&mut self) -> bool {
        match self {
            Self::Sqlite(_) => true,
            Self::Postgres(conn) => diesel::r2d2::R2D2Connection::ping(conn).is_ok(),
        }
    }
}

/// Opens connections for the pool. diesel's own `MultiConnection::establish` tries each backend in turn (and
/// SQLite would take any string as a file name); this chooses by the URL's scheme and keeps the real error.
pub struct Manager {
    url: DatabaseUrl,
    busy_timeout: Duration,
}

impl Manager {
    pub fn new(url: DatabaseUrl, busy_timeout: Duration) -> Self {
        Self { url, busy_timeout }
    }
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn =
                    SqliteConnection::establish(&exclusive_uri(path)).map_err(r2d2::Error::ConnectionError)?;
                // busy_timeout, first: a writer waits this long for the lock, then the caller gets 503; and a
                // connection opened beside others on a new database waits for the switch to WAL instead of failing.
                // 16 KiB pages (for a new database; an existing one keeps its own): a disclosure log entry is about
                // 1 KiB, and the writer's commit writes each page to the write-ahead log in two system calls, so
                // larger pages make fewer of them (measured: ~1.3x the durable appends/s of 4 KiB pages).
                // WAL: readers do not block the writer. synchronous=FULL: a committed disclosure survives a power
                // cut. A 64 MiB page cache. No memory-mapped reads here: a connection drops its whole mapping
                // (munmap, and a TLB flush on every core) at the first read after anyone else wrote, which under
                // load is every read; the group-commit writers map the file on their own connection (see
                // `for_writer`). Statement journals in memory: a multi-row insert would otherwise create and delete
                // a temporary file each time.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; \
                     PRAGMA temp_store = MEMORY;",
                    self.busy_timeout.as_millis()
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(AnyConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => postgres::connect(url, self.busy_timeout)
                .map(AnyConnection::Postgres)
                .map_err(r2d2::Error::ConnectionError),
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        conn.is_broken()
    }
}

/// Readies a connection that one writer will keep: on SQLite, its reads are memory-mapped. The log's indexes grow
/// in random order, and re-reading their pages through the kernel was a tenth of the writer's time; a writer's own
/// writes never make it drop its mapping, so the mapping stays. It never checkpoints within a commit (see
/// `checkpoints`).
pub(super) fn for_writer(conn: &mut AnyConnection) -> Result<(), StoreError> {
    match conn {
        AnyConnection::Sqlite(conn) => {
            Ok(conn.batch_execute("PRAGMA mmap_size = 268435456; PRAGMA wal_autocheckpoint = 0;")?)
        }
        AnyConnection::Postgres(_) => Ok(()),
    }
}

/// Readies a writer's connection for work that can be derived again: commits not synced (see
/// `Store::index_connection`).
pub(super) fn for_index(conn: &mut AnyConnection) -> Result<(), StoreError> {
    match conn {
        AnyConnection::Sqlite(conn) => Ok(conn.batch_execute("PRAGMA synchronous = NORMAL;")?),
        AnyConnection::Postgres(conn) => Ok(conn.batch_execute("SET synchronous_commit = off;")?),
    }
}

/// What `PRAGMA wal_checkpoint` says it did.
#[derive(diesel::QueryableByName)]
struct Checkpointed {
    /// 1 if another connection's checkpoint was running, so this one did nothing.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
    /// Pages in the WAL.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
    /// Of those, pages now copied into the database file.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    checkpointed: i32,
}

/// SQLite: copies what it can of the WAL into the database file, without waiting for (or holding up) anyone.
/// Whether all of it is copied now (always, on PostgreSQL).
pub(super) fn checkpoint_passive(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    use diesel::RunQueryDsl;
    match conn {
        AnyConnection::Sqlite(conn) => {
            let done: Checkpointed = diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result(conn)?;
            Ok(done.busy == 0 && done.log == done.checkpointed)
        }
        AnyConnection::Postgres(_) => Ok(true),
    }
}

/// SQLite: moves the WAL into the database file, so a stopped server leaves one complete file behind.
pub(super) fn checkpoint(conn: &mut AnyConnection) -> Result<(), StoreError> {
    match conn {
        AnyConnection::Sqlite(conn) => Ok(conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?),
        AnyConnection::Postgres(_) => Ok(()),
    }
}
