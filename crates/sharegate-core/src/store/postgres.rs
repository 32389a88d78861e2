//! PostgreSQL in pure Rust: diesel's queries on tokio-postgres (through diesel-async), TLS by rustls, configured
//! from the URL as libpq's users expect (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`).
//!
//! The rest of the store is blocking diesel, so each connection is wrapped as a blocking one (diesel-async's
//! wrapper, in a type of ours so that it can join [`super::AnyConnection`]). Its socket is served by one small
//! runtime of its own (`postgres-io`), whatever thread runs the query: a query's future only talks to the
//! connection's task over channels, so the calling thread waits for it with a plain executor, as it would wait on
//! libpq's socket, and no caller needs a runtime of its own (or must avoid being inside one).

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use diesel::connection::{
    CacheSize, Connection, ConnectionSealed, Instrumentation, LoadConnection, MultiConnectionHelper, SimpleConnection,
    TransactionManager, TransactionManagerStatus,
};
use diesel::expression::QueryMetadata;
use diesel::migration::MigrationConnection;
use diesel::pg::{FailedToLookupTypeError, Pg, PgMetadataCacheKey, PgMetadataLookup, PgTypeMetadata};
use diesel::query_builder::{Query, QueryFragment, QueryId};
use diesel::r2d2::R2D2Connection;
use diesel::{ConnectionError, ConnectionResult, QueryResult};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::{AsyncConnectionWrapper, BlockOn};
use tokio_postgres::config::{Host, SslMode as WireSslMode};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::tls::database::{ClientIdentity, ServerCheck, database_client_config};

type Wrapped = AsyncConnectionWrapper<AsyncPgConnection, WaitHere>;
type WrappedTransactions = <Wrapped as Connection>::TransactionManager;

/// A blocking diesel connection to PostgreSQL (boxed: the wrapped connection is five times an SQLite one's size, and
/// [`super::AnyConnection`] would otherwise be that size for both).
pub struct PgConnection(Box<Wrapped>);

/// libpq's `sslmode`, less `allow` (plain first, TLS only if the server insists: never what one wants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum SslMode {
    /// Plain TCP.
    Disable,
    /// TLS if the server offers it (nothing checked), plain otherwise.
    Prefer,
    /// TLS or nothing; the certificate checked only if `sslrootcert` is given (then as `verify-ca`).
    Require,
    /// TLS, the certificate chaining to `sslrootcert`.
    VerifyCa,
    /// TLS, the certificate chaining to `sslrootcert` and naming the host.
    VerifyFull,
}

/// Why a `postgres://` URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostgresUrlError {
    #[error("sslmode must be one of disable, prefer, require, verify-ca, verify-full (got '{0}')")]
    UnknownSslMode(String),
    #[error(
        "sslmode={mode} checks the server's certificate and needs sslrootcert=FILE, the CA that signed it{default}"
    )]
    NoRootCert { mode: &'static str, default: &'static str },
    #[error("sslcert and sslkey come together: the URL gives only {0}")]
    HalfIdentity(&'static str),
    #[error("{0} given twice")]
    Repeated(&'static str),
    #[error("not a PostgreSQL URL: {0}")]
    Invalid(String),
}

/// A parsed `postgres://` URL: the settings tokio-postgres reads, and the TLS ones this module reads.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl {
    /// As given (written back when settings are saved; shown only with its password hidden).
    given: String,
    /// The URL less the TLS settings, for tokio-postgres.
    rest: String,
    mode: SslMode,
    root_cert: Option<PathBuf>,
    identity: Option<ClientIdentity>,
}

impl PostgresUrl {
    /// Takes the TLS settings out of the URL's query; the rest goes to tokio-postgres.
    pub fn parse(given: &str) -> Result<Self, PostgresUrlError> {
        let (base, query) = given.split_once('?').unwrap_or((given, ""));
        let mut rest = form_urlencoded::Serializer::new(String::new());
        let (mut mode, mut root_cert, mut cert, mut key) = (None, None, None, None);
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let (slot, name) = match name.as_ref() {
                "sslmode" => (&mut mode, "sslmode"),
                "sslrootcert" => (&mut root_cert, "sslrootcert"),
                "sslcert" => (&mut cert, "sslcert"),
                "sslkey" => (&mut key, "sslkey"),
                _ => {
                    rest.append_pair(&name, &value);
                    continue;
                }
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(PostgresUrlError::Repeated(name));
            }
        }
        let rest = match rest.finish() {
            q if q.is_empty() => base.to_owned(),
            q => format!("{base}?{q}"),
        };
        let config = tokio_postgres::Config::from_str(&rest).map_err(|e| PostgresUrlError::Invalid(e.to_string()))?;
        let defaulted = mode.is_none();
        let mode = match mode {
            Some(mode) => SslMode::from_str(&mode).map_err(|_| PostgresUrlError::UnknownSslMode(mode))?,
            // Loopback and Unix sockets never leave the machine; anything else is a network a record could be read
            // on.
            None if is_local(&config) => SslMode::Disable,
            None => SslMode::VerifyFull,
        };
        let root_cert = root_cert.map(PathBuf::from);
        if matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) && root_cert.is_none() {
            let default =
                if defaulted { " (verify-full is the default for a host other than this machine)" } else { "" };
            return Err(PostgresUrlError::NoRootCert { mode: mode.into(), default });
        }
        let identity = match (cert, key) {
            (Some(cert), Some(key)) => Some(ClientIdentity { cert: cert.into(), key: key.into() }),
            (None, None) => None,
            (Some(_), None) => return Err(PostgresUrlError::HalfIdentity("sslcert")),
            (None, Some(_)) => return Err(PostgresUrlError::HalfIdentity("sslkey")),
        };
        Ok(Self { given: given.to_owned(), rest, mode, root_cert, identity })
    }

    /// The same server and settings, another database on it.
    pub fn with_database(&self, name: &str) -> Result<Self, PostgresUrlError> {
        let (base, query) = self.given.split_once('?').map_or((self.given.as_str(), None), |(b, q)| (b, Some(q)));
        let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
        let authority = rest.split_once('/').map_or(rest, |(authority, _)| authority);
        match query {
            Some(query) => Self::parse(&format!("{scheme}://{authority}/{name}?{query}")),
            None => Self::parse(&format!("{scheme}://{authority}/{name}")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.given
    }

    pub fn ssl_mode(&self) -> SslMode {
        self.mode
    }

    /// What the client checks of the server, for a mode that speaks TLS.
    fn server_check(&self) -> Option<ServerCheck> {
        let roots = self.root_cert.clone();
        match (self.mode, roots) {
            (SslMode::Disable, _) => None,
            (SslMode::VerifyFull, Some(roots)) => Some(ServerCheck::ChainAndName { roots }),
            (SslMode::VerifyCa | SslMode::Require, Some(roots)) => Some(ServerCheck::Chain { roots }),
            // `parse` refuses verify-* without a root certificate; prefer checks nothing, as libpq's does.
            (SslMode::Prefer, _) | (_, None) => Some(ServerCheck::EncryptionOnly),
        }
    }

    /// The TLS settings in force, for messages: what an operator would change.
    fn tls_settings(&self) -> String {
        let mode: &'static str = self.mode.into();
        match &self.root_cert {
            Some(root) => format!("sslmode={mode}, sslrootcert={}", root.display()),
            None => format!("sslmode={mode}"),
        }
    }
}

/// Whether every host the URL names is this machine.
fn is_local(config: &tokio_postgres::Config) -> bool {
    let loopback = |name: &str| name == "localhost" || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let hosts = config.get_hosts().iter().all(|host| match host {
        Host::Tcp(name) => loopback(name),
        Host::Unix(_) => true,
    });
    hosts && config.get_hostaddrs().iter().all(IpAddr::is_loopback)
}

/// Opens a connection, waiting at most `wait` for the server. A refusal names the TLS settings in force.
pub fn connect(url: &PostgresUrl, wait: Duration) -> Result<PgConnection, ConnectionError> {
    let mut config = tokio_postgres::Config::from_str(&url.rest)
        .map_err(|e| ConnectionError::InvalidConnectionUrl(e.to_string()))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(wait);
    }
    let tls = match url.server_check() {
        None => None,
        Some(check) => {
            let tls = database_client_config(&check, url.identity.as_ref())
                .map_err(|e| ConnectionError::BadConnection(format!("{e} ({})", url.tls_settings())))?;
            config.ssl_mode(if url.mode == SslMode::Prefer { WireSslMode::Prefer } else { WireSslMode::Require });
            Some(MakeRustlsConnect::new(tls))
        }
    };
    let runtime = io_runtime()?;
    let opening = runtime.spawn(async move {
        match tls {
            None => {
                let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
                Ok(AsyncPgConnection::try_from_client_and_connection(client, connection).await)
            }
            Some(tls) => {
                let (client, connection) = config.connect(tls).await?;
                Ok(AsyncPgConnection::try_from_client_and_connection(client, connection).await)
            }
        }
    });
    let opened: Result<_, tokio_postgres::Error> = futures_executor::block_on(opening)
        .map_err(|e| ConnectionError::BadConnection(format!("opening the connection failed: {e}")))?;
    match opened {
        Ok(connection) => Ok(PgConnection(Box::new(Wrapped::from(connection?)))),
        // A plain connection's errors need no TLS settings beside them.
        Err(e) if url.mode == SslMode::Disable => Err(ConnectionError::BadConnection(describe(&e))),
        Err(e) => Err(ConnectionError::BadConnection(format!("{} ({})", describe(&e), url.tls_settings()))),
    }
}

/// tokio-postgres names only the kind of failure ("db error", "error performing TLS handshake"); what went wrong
/// (the server's refusal, the certificate's fault) is in its sources.
fn describe(error: &tokio_postgres::Error) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(reason) = cause {
        let said = reason.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = reason.source();
    }
    text
}

/// The runtime that serves every PostgreSQL connection's socket (and TLS).
fn io_runtime() -> Result<&'static tokio::runtime::Runtime, ConnectionError> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("postgres-io")
                .enable_io()
                .enable_time()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| ConnectionError::BadConnection(format!("cannot start PostgreSQL's I/O threads: {e}")))
}

/// Waits for a query on the calling thread (see the module's comment).
pub struct WaitHere;

impl BlockOn for WaitHere {
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        // Unconstrained: on a thread inside a tokio task (a writer's loop, a test), tokio's channels would count
        // their polls against that task's budget and, once it ran out, put off their wake-up until the task yields —
        // which a thread waiting here never does.
        futures_executor::block_on(tokio::task::unconstrained(f))
    }

    fn get_runtime() -> Self {
        WaitHere
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({})", redact_password(&self.given))
    }
}

/// `postgres://user:secret@host/db?password=x` → `postgres://user:***@host/db?password=***`.
pub(super) fn redact_password(url: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let base = match base.split_once("://").and_then(|(scheme, rest)| Some((scheme, rest.split_once('@')?))) {
        Some((scheme, (userinfo, host))) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => base.to_owned(),
        },
        None => base.to_owned(),
    };
    match query {
        None => base,
        Some(query) => {
            let hidden: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some(("password", _)) => "password=***".to_owned(),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{base}?{}", hidden.join("&"))
        }
    }
}

// What follows hands each of diesel's connection traits to the wrapped connection.

impl SimpleConnection for PgConnection {
    fn batch_execute(&mut self, query: &str) -> QueryResult<()> {
        self.0.batch_execute(query)
    }
}

impl ConnectionSealed for PgConnection {}

impl Connection for PgConnection {
    type Backend = Pg;
    type TransactionManager = PgTransactions;

    /// The store opens connections with [`connect`], which knows the store's wait; this is diesel's own way in.
    fn establish(database_url: &str) -> ConnectionResult<Self> {
        let url = PostgresUrl::parse(database_url).map_err(|e| ConnectionError::InvalidConnectionUrl(e.to_string()))?;
        connect(&url, Duration::from_secs(10))
    }

    fn execute_returning_count<T>(&mut self, source: &T) -> QueryResult<usize>
    where
        T: QueryFragment<Pg> + QueryId,
    {
        self.0.execute_returning_count(source)
    }

    fn transaction_state(&mut self) -> &mut <PgTransactions as TransactionManager<Self>>::TransactionStateData {
        self.0.transaction_state()
    }

    fn instrumentation(&mut self) -> &mut dyn Instrumentation {
        self.0.instrumentation()
    }

    fn set_instrumentation(&mut self, instrumentation: impl Instrumentation) {
        self.0.set_instrumentation(instrumentation);
    }

    fn set_prepared_statement_cache_size(&mut self, size: CacheSize) {
        self.0.set_prepared_statement_cache_size(size);
    }
}

impl LoadConnection for PgConnection {
    type Cursor<'conn, 'query> = <Wrapped as LoadConnection>::Cursor<'conn, 'query>;
    type Row<'conn, 'query> = <Wrapped as LoadConnection>::Row<'conn, 'query>;

    fn load<'conn, 'query, T>(&'conn mut self, source: T) -> QueryResult<Self::Cursor<'conn, 'query>>
    where
        T: Query + QueryFragment<Pg> + QueryId + 'query,
        Pg: QueryMetadata<T::SqlType>,
    {
        self.0.load(source)
    }
}

/// The wrapped connection's transactions, for [`PgConnection`].
pub struct PgTransactions;

impl TransactionManager<PgConnection> for PgTransactions {
    type TransactionStateData = <WrappedTransactions as TransactionManager<Wrapped>>::TransactionStateData;

    fn begin_transaction(conn: &mut PgConnection) -> QueryResult<()> {
        WrappedTransactions::begin_transaction(&mut conn.0)
    }

    fn rollback_transaction(conn: &mut PgConnection) -> QueryResult<()> {
        WrappedTransactions::rollback_transaction(&mut conn.0)
    }

    fn commit_transaction(conn: &mut PgConnection) -> QueryResult<()> {
        WrappedTransactions::commit_transaction(&mut conn.0)
    }

    fn transaction_manager_status_mut(conn: &mut PgConnection) -> &mut TransactionManagerStatus {
        WrappedTransactions::transaction_manager_status_mut(&mut conn.0)
    }

    fn is_broken_transaction_manager(conn: &mut PgConnection) -> bool {
        WrappedTransactions::is_broken_transaction_manager(&mut conn.0)
    }
}

impl R2D2Connection for PgConnection {
    fn ping(&mut self) -> QueryResult<()> {
        self.0.ping()
    }

    fn is_broken(&mut self) -> bool {
        self.0.is_broken()
    }
}

impl MigrationConnection for PgConnection {
    fn setup(&mut self) -> QueryResult<usize> {
        self.0.setup()
    }
}

/// The multi-backend connection carries a backend's type lookup through `Any`. diesel-async's lookup cannot be
/// carried (it does not offer itself as `Any`), and sharegate's tables use PostgreSQL's built-in types only, whose
/// identifiers are known without asking: this lookup stands in, and names any type it is asked for as not found.
struct BuiltInTypesOnly;

impl PgMetadataLookup for BuiltInTypesOnly {
    fn lookup_type(&mut self, type_name: &str, schema: Option<&str>) -> PgTypeMetadata {
        let key = PgMetadataCacheKey::new(schema.map(|s| Cow::Owned(s.to_owned())), Cow::Owned(type_name.to_owned()));
        PgTypeMetadata::from_result(Err(FailedToLookupTypeError::new(key)))
    }
}

impl MultiConnectionHelper for PgConnection {
    fn to_any<'a, 'l>(_lookup: &'l mut (dyn PgMetadataLookup + 'static)) -> &'l mut (dyn Any + 'a) {
        // A box of a type without fields allocates nothing, so leaking it costs nothing.
        Box::leak(Box::new(BuiltInTypesOnly))
    }

    fn from_any(lookup: &mut dyn Any) -> Option<&mut (dyn PgMetadataLookup + 'static)> {
        lookup.downcast_mut::<BuiltInTypesOnly>().map(|lookup| lookup as &mut (dyn PgMetadataLookup + 'static))
    }
}

#[cfg(test)]
mod tests;
