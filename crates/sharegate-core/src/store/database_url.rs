//! The one setting that chooses the database: `sqlite://PATH` or `postgres://…`.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::StoreError;
use super::postgres::{PostgresUrl, PostgresUrlError, redact_password};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseUrlError {
    #[error("must start with sqlite:// or postgres:// (got '{0}')")]
    UnknownScheme(String),
    #[error("sqlite:// needs a file path")]
    EmptyPath,
    #[error(transparent)]
    Postgres(#[from] PostgresUrlError),
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(PostgresUrl),
}

impl DatabaseUrl {
    pub fn parse(s: &str) -> Result<Self, DatabaseUrlError> {
        if let Some(path) = s.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DatabaseUrlError::EmptyPath);
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(Self::Postgres(PostgresUrl::parse(s)?))
        } else {
            let scheme: String = s.split("://").next().unwrap_or_default().chars().take(20).collect();
            Err(DatabaseUrlError::UnknownScheme(scheme))
        }
    }

    /// Makes what must exist before connecting: the SQLite file's folder.
    pub(super) fn prepare(&self) -> Result<(), StoreError> {
        if let Self::Sqlite(path) = self
            && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Unavailable(format!("cannot create {}: {e}", parent.display())))?;
        }
        Ok(())
    }
}

impl TryFrom<String> for DatabaseUrl {
    type Error = DatabaseUrlError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<DatabaseUrl> for String {
    fn from(url: DatabaseUrl) -> String {
        match url {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => url.as_str().to_owned(),
        }
    }
}

/// Shown in logs and errors: a PostgreSQL password never is.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact_password(url.as_str())),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests;
