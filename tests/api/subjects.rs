//! The subject index over real mTLS, on SQLite and on PostgreSQL with the same test code.

use serde_json::{Value, json};

use crate::databases::Backend;
use crate::helpers::{TestGateway, send, spawn_gateway_with};
use crate::on_both_backends;

/// A valid NHS number that no other test in this binary uses: nine random digits and their check digit.
pub fn fresh_nhs_number() -> String {
    loop {
        let body: Vec<u32> = (0..9).map(|_| rand::random::<u32>() % 10).collect();
        let sum: u32 = body.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => continue,
            n => n,
        };
        return body.iter().chain(std::iter::once(&check)).map(|d| d.to_string()).collect();
    }
}

fn child(nhs: &str) -> Value {
    json!({
        "nhs_number": nhs,
        "name": "Lily Example",
        "date_of_birth": "2015-03-02",
        "local_refs": {"social_care": "SC-9"}
    })
}

async fn create(gateway: &TestGateway, body: &Value) -> (u16, Value) {
    let client = gateway.client_as("social_care-social_worker");
    send(client.post(gateway.url("/v1/subjects")).json(body)).await
}

async fn lookup(gateway: &TestGateway, who: &str, nhs: &str) -> (u16, Value) {
    let client = gateway.client_as(who);
    send(client.get(gateway.url("/v1/subjects")).query(&why(nhs))).await
}

/// A lookup's query: the NHS number, and why (a lookup is a logged disclosure).
pub fn why(nhs: &str) -> [(&str, &str); 4] {
    [("nhs_number", nhs), ("purpose", "safeguarding"), ("lawful_basis", "consent"), ("reason", "A referral came in.")]
}

on_both_backends!(round_trip, bad_input_names_the_field, duplicates_conflict, the_store_down_means_503_then_recovery);

async fn round_trip(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let nhs = fresh_nhs_number();
    let (status, created) = create(&gateway, &child(&nhs)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id");
    assert!(id.starts_with("sub_") && id.len() > 10, "{id}");
    assert_eq!(created["nhs_number"], nhs.as_str());
    assert_eq!(created["local_refs"], json!({"social_care": "SC-9"}));

    // Spaces in the NHS number find the same child.
    let spaced = format!("{} {} {}", &nhs[..3], &nhs[3..6], &nhs[6..]);
    let (status, found) = lookup(&gateway, "police-investigator", &spaced).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["id"], id);
    assert_eq!(found["name"], "Lily Example");
    assert_eq!(found["date_of_birth"], "2015-03-02");
    assert_eq!(found["local_refs"], json!({}), "a lookup shows only the caller's own reference: police have none");

    let (_, found) = lookup(&gateway, "social_care-manager", &nhs).await;
    assert_eq!(found["local_refs"], json!({"social_care": "SC-9"}));

    // A lookup is a logged disclosure (issue 30): the police DPO finds it, with who looked and why.
    let (status, logged) = send(
        gateway
            .client_as("police-dpo")
            .get(gateway.url("/v1/disclosures"))
            .query(&[("kind", "lookup"), ("subject", id)]),
    )
    .await;
    assert_eq!(status, 200, "{logged}");
    let entries = logged["disclosures"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{logged}");
    assert_eq!(entries[0]["reason"], "A referral came in.");
    assert_eq!(entries[0]["requester"]["person"], "Alex Morgan");
    assert!(found["disclosure_id"].as_str().is_some_and(|d| d.starts_with("dis_")), "{found}");
    // A DPO does not use the index; a lookup without its why is refused, naming what is missing.
    let (status, _) = lookup(&gateway, "police-dpo", &nhs).await;
    assert_eq!(status, 403);
    let (status, answer) =
        send(gateway.client_as("police-investigator").get(gateway.url("/v1/subjects")).query(&[("nhs_number", &nhs)]))
            .await;
    assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("missing_field")), "{answer}");

    let (status, body) = lookup(&gateway, "police-investigator", &crate::subjects::fresh_nhs_number()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));

    // Text that looks like SQL is stored and returned as text.
    let mut hostile = child(&fresh_nhs_number());
    hostile["name"] = json!("Robert'); DROP TABLE subjects;--");
    hostile["local_refs"] = json!({});
    let (status, _) = create(&gateway, &hostile).await;
    assert_eq!(status, 201);
    let (status, found) = lookup(&gateway, "police-investigator", hostile["nhs_number"].as_str().unwrap()).await;
    assert_eq!((status, found["name"].as_str()), (200, Some("Robert'); DROP TABLE subjects;--")));
}

async fn bad_input_names_the_field(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let nhs = fresh_nhs_number();
    let with = |field: &str, value: Value| {
        let mut body = child(&nhs);
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = child(&nhs);
        body.as_object_mut().unwrap().remove(field);
        body
    };
    let cases: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (with("nhs_number", json!("9434765918")), 400, "invalid_field", Some("nhs_number")),
        (with("nhs_number", json!("12345")), 400, "invalid_field", Some("nhs_number")),
        (with("nhs_number", json!(9434765919u64)), 400, "invalid_field", Some("nhs_number")),
        (with("colour", json!("blue")), 400, "unknown_field", Some("colour")),
        (without("name"), 400, "missing_field", Some("name")),
        (with("name", json!("")), 400, "invalid_field", Some("name")),
        (with("name", json!("x".repeat(201))), 400, "invalid_field", Some("name")),
        (with("date_of_birth", json!("02/03/2015")), 400, "invalid_field", Some("date_of_birth")),
        (with("date_of_birth", json!("2999-01-01")), 400, "invalid_field", Some("date_of_birth")),
        (with("local_refs", json!({"fire_service": "F-1"})), 400, "invalid_field", Some("local_refs.fire_service")),
        (with("local_refs", json!({"police": ""})), 400, "invalid_field", Some("local_refs.police")),
        (with("local_refs", json!({"Police": "P-1"})), 400, "invalid_field", Some("local_refs.Police")),
        // Only an agency links its own reference (issue 22).
        (
            with("local_refs", json!({"social_care": "SC-1", "police": "P-1"})),
            403,
            "forbidden",
            Some("local_refs.police"),
        ),
    ];
    for (body, status, code, field) in cases {
        let (got, answer) = create(&gateway, &body).await;
        assert_eq!(got, status, "{body} → {answer}");
        assert_eq!(answer["error"]["code"], code, "{body} → {answer}");
        assert_eq!(answer["error"]["field"].as_str(), field, "{body} → {answer}");
        assert!(answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }

    let client = gateway.client_as("social_care-social_worker");
    for raw in ["{\"nhs_number\": ", "not json", "[]", ""] {
        let (status, answer) = send(
            client.post(gateway.url("/v1/subjects")).header("content-type", "application/json").body(raw.to_owned()),
        )
        .await;
        assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("malformed_json")), "{raw:?}: {answer}");
    }

    let mut huge = child(&nhs);
    huge["name"] = json!("x".repeat(70 * 1024));
    let (status, answer) = create(&gateway, &huge).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (413, Some("body_too_large")), "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("65536"), "{answer}");

    for bad in ["123", "9434765918", ""] {
        let (status, answer) = lookup(&gateway, "police-investigator", bad).await;
        assert_eq!(status, 400, "{bad}: {answer}");
        assert_eq!(answer["error"]["field"], "nhs_number", "{answer}");
    }
    let (status, answer) = send(client.get(gateway.url("/v1/subjects"))).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("missing_field")), "{answer}");
    let (status, answer) =
        send(client.get(gateway.url("/v1/subjects")).query(&why(&nhs)).query(&[("name", "x")])).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("name")), "{answer}");

    // Nothing half-written: none of the refused bodies left a child behind.
    let (status, _) = lookup(&gateway, "police-investigator", &nhs).await;
    assert_eq!(status, 404);
}

async fn duplicates_conflict(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let nhs = fresh_nhs_number();
    assert_eq!(create(&gateway, &child(&nhs)).await.0, 201);
    let (status, answer) = create(&gateway, &child(&nhs)).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("duplicate")), "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("NHS number"), "{answer}");

    // Another child cannot take a local reference an agency already gave to the first; nothing of it is kept.
    let other = fresh_nhs_number();
    let (status, answer) = create(&gateway, &child(&other)).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("duplicate")), "{answer}");
    assert_eq!(lookup(&gateway, "police-investigator", &other).await.0, 404, "the refused child was not half-written");
}

async fn the_store_down_means_503_then_recovery(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |config| config.database_wait_ms = 300).await;
    let known = fresh_nhs_number();
    assert_eq!(create(&gateway, &child(&known)).await.0, 201);

    let outage = Outage::begin(&gateway);
    let attempt = fresh_nhs_number();
    let mut body = child(&attempt);
    body["local_refs"] = json!({});
    let (status, answer) = create(&gateway, &body).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (503, Some("store_unavailable")), "{answer}");
    assert!(!answer.to_string().contains("database is locked"), "internal causes stay in the log: {answer}");
    // Other endpoints keep answering while the store is down.
    let client = gateway.client_as("police-investigator");
    assert_eq!(send(client.get(gateway.url("/healthz"))).await.0, 200);
    // Readiness says what liveness does not: the store cannot be written.
    let (status, readiness) = send(client.get(gateway.url("/readyz"))).await;
    assert_eq!(status, 503, "{readiness}");
    assert_eq!(readiness, json!({"status": "not_ready", "store": "unavailable", "revocation_lists": "ok"}));
    drop(outage);
    let (status, readiness) = send(client.get(gateway.url("/readyz"))).await;
    assert_eq!((status, readiness["status"].as_str()), (200, Some("ready")), "{readiness}");

    let (status, answer) = create(&gateway, &body).await;
    assert_eq!(status, 201, "served again once the store is back: {answer}");
    assert_eq!(lookup(&gateway, "police-investigator", &known).await.0, 200);
}

/// The store made unwritable for a while: SQLite held by another process's exclusive lock; PostgreSQL refusing and
/// dropping connections as if stopped.
pub enum Outage<'a> {
    Sqlite(diesel::sqlite::SqliteConnection),
    Postgres(&'a crate::databases::TestDatabase),
}

impl<'a> Outage<'a> {
    pub fn begin(gateway: &'a TestGateway) -> Self {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        match gateway.database.url() {
            sharegate_core::store::DatabaseUrl::Sqlite(path) => {
                let mut conn = diesel::sqlite::SqliteConnection::establish(&path.to_string_lossy()).expect("open");
                conn.batch_execute("BEGIN EXCLUSIVE").expect("lock");
                Outage::Sqlite(conn)
            }
            sharegate_core::store::DatabaseUrl::Postgres(_) => {
                gateway.database.stop_postgres();
                Outage::Postgres(&gateway.database)
            }
        }
    }
}

impl Drop for Outage<'_> {
    fn drop(&mut self) {
        use diesel::connection::SimpleConnection;
        match self {
            Outage::Sqlite(conn) => conn.batch_execute("ROLLBACK").expect("unlock"),
            Outage::Postgres(database) => database.start_postgres(),
        }
    }
}
