//! PostgreSQL over TLS: the suite's server (made by `.ci/postgres-tls`) speaks TLS only, with a certificate from a CA
//! of its own, and authenticates the role `sharegate_cert` by client certificate. These tests run when
//! `SHAREGATE_TEST_DATABASE_URL` asks for `sslmode=verify-full` (the whole PostgreSQL suite then runs over TLS too);
//! otherwise they are reported ignored.

use diesel::{Connection, RunQueryDsl};
use sharegate_core::certs::{DatabaseCerts, write_database_certs};
use sharegate_core::store::postgres::PgConnection;
use sharegate_core::store::{DatabaseUrl, Store, StoreOptions};

use crate::config::{start_with, valid_toml};
use crate::databases::postgres_admin_url;

/// The suite's URL with `query` in place of its own, and `authority` (user@host:port) if given.
fn variant(authority: Option<&str>, query: &str) -> String {
    let admin = postgres_admin_url().expect("SHAREGATE_TEST_DATABASE_URL");
    let base = admin.split_once('?').map_or(admin.as_str(), |(base, _)| base);
    let (scheme, rest) = base.split_once("://").expect("a URL");
    let (own, path) = rest.split_once('/').expect("a database in the URL");
    format!("{scheme}://{}/{path}?{query}", authority.unwrap_or(own))
}

/// The folder `.ci/postgres-tls` wrote the server's CA and the client certificate into.
fn certs() -> DatabaseCerts {
    let admin = postgres_admin_url().expect("SHAREGATE_TEST_DATABASE_URL");
    let (_, query) = admin.split_once('?').expect("TLS settings");
    let root = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("sslrootcert="))
        .map(std::path::PathBuf::from)
        .expect("sslrootcert");
    DatabaseCerts::new(root.parent().expect("its folder"))
}

fn root() -> String {
    certs().root_cert().display().to_string()
}

/// Opens a store at `url` (waiting briefly): its error, as an operator would read it.
fn refusal(url: &str) -> String {
    let url = DatabaseUrl::parse(url).expect("a valid URL");
    let options = StoreOptions { max_connections: 1, wait: std::time::Duration::from_secs(2) };
    match Store::connect(&url, &options) {
        Ok(_) => panic!("{url} was accepted"),
        Err(e) => e.to_string(),
    }
}

#[derive(diesel::QueryableByName)]
struct Session {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    ssl: bool,
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    role: String,
}

fn session(url: &str) -> Session {
    let mut conn = PgConnection::establish(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    diesel::sql_query(
        "SELECT ssl, coalesce(version, '') AS version, current_user::text AS role FROM pg_stat_ssl \
         WHERE pid = pg_backend_pid()",
    )
    .get_result(&mut conn)
    .expect("the session's TLS state")
}

#[test]
#[cfg_attr(not(postgres_tls_tests), ignore = "SHAREGATE_TEST_DATABASE_URL does not ask for sslmode=verify-full")]
fn verify_full_connects_and_the_session_is_encrypted() {
    let session = session(&postgres_admin_url().expect("URL"));
    assert!(session.ssl, "the server sees a session without TLS");
    assert!(session.version.starts_with("TLSv1."), "{}", session.version);
    assert_eq!(session.role, "postgres");
}

#[test]
#[cfg_attr(not(postgres_tls_tests), ignore = "SHAREGATE_TEST_DATABASE_URL does not ask for sslmode=verify-full")]
fn a_server_certificate_from_another_ca_is_refused_naming_the_settings() {
    let other = tempfile::tempdir().expect("temp dir");
    let other = write_database_certs(other.path(), &["localhost".into()], None, false).expect("another CA");
    let error = refusal(&variant(None, &format!("sslmode=verify-full&sslrootcert={}", other.root_cert().display())));
    assert!(error.contains("invalid peer certificate"), "{error}");
    assert!(error.contains("sslmode=verify-full, sslrootcert="), "the message names the settings: {error}");
    // verify-ca checks the chain as well.
    let error = refusal(&variant(None, &format!("sslmode=verify-ca&sslrootcert={}", other.root_cert().display())));
    assert!(error.contains("invalid peer certificate"), "{error}");
}

#[test]
#[cfg_attr(not(postgres_tls_tests), ignore = "SHAREGATE_TEST_DATABASE_URL does not ask for sslmode=verify-full")]
fn a_host_name_the_certificate_does_not_name_is_refused_by_verify_full_only() {
    // The right server reached by an address, under a name its certificate does not carry.
    let port = variant(None, "")
        .split_once("localhost:")
        .map(|(_, p)| p.chars().take_while(char::is_ascii_digit).collect::<String>())
        .expect("port");
    let misnamed = format!("postgres@db.example.invalid:{port}");
    let error =
        refusal(&variant(Some(&misnamed), &format!("hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={}", root())));
    assert!(error.contains("certificate not valid for name \"db.example.invalid\""), "{error}");
    // verify-ca asks only that the certificate chains to the CA: libpq's meaning, kept.
    let session =
        session(&variant(Some(&misnamed), &format!("hostaddr=127.0.0.1&sslmode=verify-ca&sslrootcert={}", root())));
    assert!(session.ssl);
}

#[test]
#[cfg_attr(not(postgres_tls_tests), ignore = "SHAREGATE_TEST_DATABASE_URL does not ask for sslmode=verify-full")]
fn plain_tcp_is_refused_where_tls_is_required() {
    let error = refusal(&variant(None, "sslmode=disable"));
    assert!(error.contains("no encryption"), "the server's pg_hba.conf refuses it: {error}");
}

#[test]
#[cfg_attr(not(postgres_tls_tests), ignore = "SHAREGATE_TEST_DATABASE_URL does not ask for sslmode=verify-full")]
fn a_role_signs_in_with_its_client_certificate_and_not_without() {
    let (cert, key) = certs().client("sharegate_cert");
    let port_authority = |user: &str| {
        let admin = postgres_admin_url().expect("URL");
        let host = admin.split_once('@').and_then(|(_, rest)| rest.split_once('/')).map(|(h, _)| h.to_owned());
        format!("{user}@{}", host.expect("host"))
    };
    let with_certificate =
        format!("sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}", root(), cert.display(), key.display());
    let session = session(&variant(Some(&port_authority("sharegate_cert")), &with_certificate));
    assert!(session.ssl);
    assert_eq!(session.role, "sharegate_cert");
    let error = refusal(&variant(
        Some(&port_authority("sharegate_cert")),
        &format!("sslmode=verify-full&sslrootcert={}", root()),
    ));
    assert!(error.contains("certificate"), "{error}");
}

#[test]
#[cfg_attr(not(postgres_tls_tests), ignore = "SHAREGATE_TEST_DATABASE_URL does not ask for sslmode=verify-full")]
fn a_gateway_on_a_server_it_cannot_verify_does_not_start_and_says_why() {
    let other = tempfile::tempdir().expect("temp dir");
    let other = write_database_certs(other.path(), &["localhost".into()], None, false).expect("another CA");
    let url = variant(None, &format!("sslmode=verify-full&sslrootcert={}", other.root_cert().display()));
    let toml = valid_toml().replace(
        "database_url = \"sqlite://unused.db\"",
        &format!("database_url = \"{url}\"\ndatabase_wait_ms = 1000"),
    );
    let (started, stderr) = start_with(&toml, &[]);
    assert!(!started, "the gateway started on an unverified server");
    assert!(stderr.contains("sslmode=verify-full, sslrootcert="), "{stderr}");
    assert!(stderr.contains("invalid peer certificate"), "{stderr}");
}

/// Without a server: a URL naming another machine and no CA to check it against stops the start, naming the setting.
#[test]
fn a_remote_database_without_its_ca_stops_the_start_naming_the_setting() {
    let toml = valid_toml().replace(
        "database_url = \"sqlite://unused.db\"",
        "database_url = \"postgres://sharegate@db.example.invalid/sharegate\"",
    );
    let (started, stderr) = start_with(&toml, &[]);
    assert!(!started);
    assert!(stderr.contains("database_url"), "{stderr}");
    assert!(stderr.contains("sslrootcert=FILE"), "{stderr}");
}
