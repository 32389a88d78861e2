use super::*;

fn parse(url: &str) -> Result<PostgresUrl, PostgresUrlError> {
    PostgresUrl::parse(url)
}

#[test]
fn this_machine_is_plain_by_default_and_any_other_host_verified_in_full() {
    for local in ["postgres://u@127.0.0.1/db", "postgres://u@localhost:5432/db", "postgres://u@[::1]/db"] {
        assert_eq!(parse(local).expect(local).ssl_mode(), SslMode::Disable, "{local}");
    }
    let remote = parse("postgres://u@db.internal/db?sslrootcert=/etc/ca.crt").expect("parses");
    assert_eq!(remote.ssl_mode(), SslMode::VerifyFull);
    assert_eq!(remote.server_check(), Some(ServerCheck::ChainAndName { roots: "/etc/ca.crt".into() }));
    // Without the CA to check against, a remote host is refused, and the message says why verify-full applies.
    let error = parse("postgres://u@db.internal/db").expect_err("no CA");
    assert_eq!(error, PostgresUrlError::NoRootCert { mode: "verify-full", default: error_default(&error) });
    assert!(error.to_string().contains("sslrootcert=FILE"), "{error}");
    assert!(error.to_string().contains("default for a host other than this machine"), "{error}");
    // A loopback address given as hostaddr does not make a named host local.
    assert!(parse("postgres://u@db.internal/db?hostaddr=10.0.0.5").is_err());
}

fn error_default(error: &PostgresUrlError) -> &'static str {
    match error {
        PostgresUrlError::NoRootCert { default, .. } => default,
        _ => "",
    }
}

#[test]
fn each_sslmode_checks_what_libpq_would() {
    let check = |query: &str| parse(&format!("postgres://u@db.internal/db?{query}")).map(|u| u.server_check());
    assert_eq!(check("sslmode=disable"), Ok(None));
    assert_eq!(check("sslmode=prefer"), Ok(Some(ServerCheck::EncryptionOnly)));
    assert_eq!(check("sslmode=require"), Ok(Some(ServerCheck::EncryptionOnly)));
    assert_eq!(check("sslmode=require&sslrootcert=ca.crt"), Ok(Some(ServerCheck::Chain { roots: "ca.crt".into() })));
    assert_eq!(check("sslmode=verify-ca&sslrootcert=ca.crt"), Ok(Some(ServerCheck::Chain { roots: "ca.crt".into() })));
    assert_eq!(
        check("sslmode=verify-full&sslrootcert=ca.crt"),
        Ok(Some(ServerCheck::ChainAndName { roots: "ca.crt".into() }))
    );
    assert_eq!(check("sslmode=verify-ca"), Err(PostgresUrlError::NoRootCert { mode: "verify-ca", default: "" }));
    for wrong in ["allow", "VERIFY-FULL", "on", ""] {
        assert_eq!(check(&format!("sslmode={wrong}")), Err(PostgresUrlError::UnknownSslMode(wrong.into())));
    }
}

#[test]
fn a_client_certificate_needs_its_key_and_settings_are_given_once() {
    let url = |query: &str| parse(&format!("postgres://u@127.0.0.1/db?sslmode=require&{query}"));
    assert_eq!(url("sslcert=c.crt").err(), Some(PostgresUrlError::HalfIdentity("sslcert")));
    assert_eq!(url("sslkey=c.key").err(), Some(PostgresUrlError::HalfIdentity("sslkey")));
    let both = url("sslcert=c.crt&sslkey=c.key").expect("both");
    assert_eq!(both.identity, Some(ClientIdentity { cert: "c.crt".into(), key: "c.key".into() }));
    assert_eq!(url("sslmode=disable").err(), Some(PostgresUrlError::Repeated("sslmode")));
}

#[test]
fn the_other_settings_go_to_the_client_and_another_database_keeps_them() {
    let url = parse("postgres://u:pw@127.0.0.1:5433/db?application_name=sg&sslmode=require&connect_timeout=3")
        .expect("parses");
    assert_eq!(url.rest, "postgres://u:pw@127.0.0.1:5433/db?application_name=sg&connect_timeout=3");
    let other = url.with_database("other").expect("another database");
    assert_eq!(
        other.as_str(),
        "postgres://u:pw@127.0.0.1:5433/other?application_name=sg&sslmode=require&connect_timeout=3"
    );
    assert_eq!(other.ssl_mode(), SslMode::Require);
    assert_eq!(
        parse("postgres://[::1]").expect("no path").with_database("d").expect("d").as_str(),
        "postgres://[::1]/d"
    );
    assert!(matches!(parse("postgres://u@h/db?port=notanumber"), Err(PostgresUrlError::Invalid(_))));
}

#[test]
fn a_password_is_never_shown() {
    assert_eq!(redact_password("postgres://app:s3cret@db/x"), "postgres://app:***@db/x");
    assert_eq!(
        redact_password("postgres://app@db/x?password=s3cret&sslmode=require"),
        "postgres://app@db/x?password=***&sslmode=require"
    );
    let url = parse("postgres://app:s3cret@127.0.0.1/x?password=s3cret").expect("parses");
    assert!(!format!("{url:?}").contains("s3cret"));
}
