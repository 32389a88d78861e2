use super::*;

#[test]
fn parses_both_schemes_and_refuses_others() {
    assert_eq!(DatabaseUrl::parse("sqlite://data/g.db"), Ok(DatabaseUrl::Sqlite("data/g.db".into())));
    assert!(matches!(DatabaseUrl::parse("postgres://postgres@127.0.0.1/test"), Ok(DatabaseUrl::Postgres(_))));
    assert!(matches!(DatabaseUrl::parse("postgresql://h/db?sslrootcert=ca.crt"), Ok(DatabaseUrl::Postgres(_))));
    assert_eq!(DatabaseUrl::parse("sqlite://"), Err(DatabaseUrlError::EmptyPath));
    assert!(matches!(DatabaseUrl::parse("postgres://h/db?sslmode=off"), Err(DatabaseUrlError::Postgres(_))));
    assert_eq!(DatabaseUrl::parse("mysql://x"), Err(DatabaseUrlError::UnknownScheme("mysql".into())));
    assert_eq!(DatabaseUrl::parse("data/g.db"), Err(DatabaseUrlError::UnknownScheme("data/g.db".into())));
}

#[test]
fn never_shows_a_password() {
    let url =
        DatabaseUrl::parse("postgres://app:s3cret@db.internal:5432/sharegate?sslrootcert=ca.crt").expect("parses");
    assert_eq!(url.to_string(), "postgres://app:***@db.internal:5432/sharegate?sslrootcert=ca.crt");
    assert!(!format!("{url:?}").contains("s3cret"));
}
