//! A stolen certificate must not pull a county's records in a minute: requests per certificate and per agency are
//! limited, answered 429 with Retry-After, and counted.

use std::num::NonZeroU32;

use serde_json::json;
use sharegate_core::serve::{Rate, RequestLimits};

use crate::databases::Backend;
use crate::helpers::{metric, send, spawn_gateway_with};

fn rate(per_minute: u32, burst: u32) -> Rate {
    Rate { per_minute: NonZeroU32::new(per_minute).unwrap(), burst: NonZeroU32::new(burst).unwrap() }
}

#[tokio::test]
async fn a_certificate_over_its_rate_waits_and_its_agency_over_its_own() {
    let gateway = spawn_gateway_with(Backend::Sqlite, |config| {
        config.request_limits = RequestLimits { per_certificate: rate(60, 3), per_agency: rate(60, 5) };
    })
    .await;
    let social_worker = gateway.client_as("social_care-social_worker");
    for _ in 0..3 {
        assert_eq!(send(social_worker.get(gateway.url("/v1/whoami"))).await.0, 200);
    }
    let response = social_worker.get(gateway.url("/v1/whoami")).send().await.expect("request");
    assert_eq!(response.status().as_u16(), 429);
    let retry: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "one request a second comes back within a second or two: {retry}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], json!("too_many_requests"), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("this certificate"), "{body}");

    // A colleague is served from their own bucket, until the agency's runs out (3 + 2 = its burst of 5).
    let manager = gateway.client_as("social_care-manager");
    for _ in 0..2 {
        assert_eq!(send(manager.get(gateway.url("/v1/whoami"))).await.0, 200);
    }
    let (status, body) = send(manager.get(gateway.url("/v1/whoami"))).await;
    assert_eq!(status, 429, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("agency"), "{body}");
    // Another agency is untouched.
    assert_eq!(send(gateway.client_as("health-health_visitor").get(gateway.url("/v1/whoami"))).await.0, 200);

    let base = gateway.url("");
    let base = base.trim_end_matches('/');
    // (`metric` asks as the police DPO, an agency not held back.)
    assert_eq!(metric(base, "sharegate_requests_limited_total{scope=\"certificate\"}").await, Some(1.0));
    assert_eq!(metric(base, "sharegate_requests_limited_total{scope=\"agency\"}").await, Some(1.0));

    // The bucket refills: after the wait it said, the social worker is served again.
    tokio::time::sleep(std::time::Duration::from_secs(retry)).await;
    assert_eq!(send(social_worker.get(gateway.url("/v1/whoami"))).await.0, 200);
}
