//! A browser holding a practitioner's certificate must not be made to act by another site's page: real gateway and
//! node, requests carrying what a browser says of a request another site started.

use serde_json::json;

use crate::databases::Backend;
use crate::dpo::child;
use crate::helpers::{person, send, spawn_gateway, spawn_node_with};
use crate::node::record;

const FROM_ANOTHER_SITE: [(&str, &str); 3] =
    [("sec-fetch-site", "cross-site"), ("sec-fetch-mode", "no-cors"), ("origin", "https://attacker.example")];

async fn logged(gateway: &crate::helpers::TestGateway) -> usize {
    let (status, page) = send(person("police-dpo").get(gateway.url("/v1/disclosures"))).await;
    assert_eq!(status, 200, "{page}");
    page["disclosures"].as_array().unwrap().len()
}

#[tokio::test]
async fn another_sites_page_cannot_make_a_browser_ask_for_records_or_discover_holders() {
    let gateway = spawn_gateway().await;
    let subject = child(&gateway).await;
    let ask = json!({"subject": subject, "categories": ["health.mental_health"], "purpose": "safeguarding",
        "lawful_basis": "consent", "reason": "forged"});
    let holders = format!("/v1/subjects/{subject}/holders");
    let discover = json!({"purpose": "safeguarding", "lawful_basis": "consent", "reason": "forged"});

    let mut forged = person("police-investigator").post(gateway.url("/v1/requests")).json(&ask);
    let mut discovery = person("police-investigator").post(gateway.url(&holders)).json(&discover);
    for (name, value) in FROM_ANOTHER_SITE {
        forged = forged.header(name, value);
        discovery = discovery.header(name, value);
    }
    for request in [forged, discovery] {
        let (status, body) = send(request).await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")), "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("another site's page"), "{body}");
    }
    assert_eq!(logged(&gateway).await, 0, "nothing was decided, so nothing was logged");

    // The same from the gateway's own origin, or from a program (no such headers), is decided and logged.
    let own = format!("https://localhost:{}", gateway.port);
    let (status, _) = send(
        person("police-investigator")
            .post(gateway.url("/v1/requests"))
            .json(&ask)
            .header("sec-fetch-site", "same-origin")
            .header("origin", own),
    )
    .await;
    assert_eq!(status, 403, "refused by policy (no consent), not by the guard");
    let (status, _) = send(person("police-investigator").post(gateway.url("/v1/requests")).json(&ask)).await;
    assert_eq!(status, 403);
    assert_eq!(logged(&gateway).await, 2);

    // A link to a console page in an e-mail still opens it.
    let (status, _) = send(
        person("police-dpo")
            .get(gateway.url("/console"))
            .header("sec-fetch-site", "cross-site")
            .header("sec-fetch-mode", "navigate"),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn another_sites_page_cannot_make_a_browser_write_a_record_on_a_node() {
    let node = spawn_node_with(Backend::Sqlite, "police", |_| {}).await;
    let body = record("P-1", "police.incident", "A forged record.");
    let mut forged = person("police-investigator").post(node.url("/v1/records")).json(&body);
    for (name, value) in FROM_ANOTHER_SITE {
        forged = forged.header(name, value);
    }
    let (status, answer) = send(forged).await;
    assert_eq!(status, 403, "{answer}");
    let (status, answer) = send(person("police-investigator").post(node.url("/v1/records")).json(&body)).await;
    assert_eq!(status, 201, "{answer}");
}
