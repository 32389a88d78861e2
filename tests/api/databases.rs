//! Test databases: a fresh SQLite file, or a fresh PostgreSQL database, per test, so tests run in parallel.
//!
//! PostgreSQL tests run when `SHAREGATE_TEST_DATABASE_URL` names a server (`.ci/run` sets it); without it they
//! are built ignored, with that reason (see `build.rs`), so `cargo test` reports them as skipped.

use diesel::{Connection, RunQueryDsl};
use sharegate_core::store::DatabaseUrl;
use sharegate_core::store::postgres::{PgConnection, PostgresUrl};

pub const POSTGRES_ENV: &str = "SHAREGATE_TEST_DATABASE_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The admin URL of the PostgreSQL server for tests, if there is one.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty())
}

/// A database that exists for one test and is removed after it.
pub enum TestDatabase {
    Sqlite { _dir: tempfile::TempDir, url: DatabaseUrl },
    Postgres { admin_url: String, name: String, url: DatabaseUrl },
}

impl TestDatabase {
    /// A fresh database on `backend`; `None` when PostgreSQL is asked for and not configured.
    pub fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = DatabaseUrl::Sqlite(dir.path().join("test.db"));
                Some(Self::Sqlite { _dir: dir, url })
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url()?;
                let name = format!("sharegate_test_{}", hex::encode(rand::random::<[u8; 8]>()));
                let mut admin = PgConnection::establish(&admin_url).expect("connect to the test PostgreSQL");
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create database");
                let admin = PostgresUrl::parse(&admin_url).expect("the test PostgreSQL's URL");
                let url = DatabaseUrl::Postgres(admin.with_database(&name).expect("database url"));
                Some(Self::Postgres { admin_url, name, url })
            }
        }
    }

    pub fn url(&self) -> &DatabaseUrl {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }

    /// PostgreSQL: refuses new connections and ends the open ones, as if the server had stopped.
    pub fn stop_postgres(&self) {
        let Self::Postgres { admin_url, name, .. } = self else { panic!("not a PostgreSQL database") };
        let mut admin = PgConnection::establish(admin_url).expect("admin connection");
        diesel::sql_query(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).execute(&mut admin).expect("alter");
        diesel::sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .execute(&mut admin)
        .expect("terminate");
    }

    /// PostgreSQL: accepts connections again.
    pub fn start_postgres(&self) {
        let Self::Postgres { admin_url, name, .. } = self else { panic!("not a PostgreSQL database") };
        let mut admin = PgConnection::establish(admin_url).expect("admin connection");
        diesel::sql_query(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).execute(&mut admin).expect("alter");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name, .. } = self
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
        }
    }
}

/// Runs a test function on SQLite and on PostgreSQL, as two tests named `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name($crate::databases::Backend::Sqlite).await
                }

                #[tokio::test]
                #[cfg_attr(not(postgres_tests), ignore = "SHAREGATE_TEST_DATABASE_URL is not set (bash .ci/run sets it)")]
                async fn postgres() {
                    super::$name($crate::databases::Backend::Postgres).await
                }
            }
        )*
    };
}
