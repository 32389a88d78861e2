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

/// An old browser's cross-site form can post `text/plain` holding JSON; a JSON endpoint takes only
/// `application/json` (issue 30), and nothing is decided or logged.
#[tokio::test]
async fn a_json_body_must_say_it_is_json() {
    let gateway = spawn_gateway().await;
    let subject = child(&gateway).await;
    let ask = json!({"subject": subject, "categories": ["health.mental_health"], "purpose": "safeguarding",
        "lawful_basis": "consent", "reason": "forged"})
    .to_string();
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let request =
            person("police-investigator").post(gateway.url("/v1/requests")).header("content-type", content_type);
        let (status, body) = send(request.body(ask.clone())).await;
        assert_eq!((status, body["error"]["code"].as_str()), (415, Some("unsupported_media_type")), "{body}");
    }
    let (status, _) = send(person("police-investigator").post(gateway.url("/v1/requests")).body(ask.clone())).await;
    assert_eq!(status, 415, "no content type at all");
    assert_eq!(logged(&gateway).await, 0, "nothing was decided");
    let typed = person("police-investigator")
        .post(gateway.url("/v1/requests"))
        .header("content-type", "application/json; charset=utf-8");
    assert_eq!(send(typed.body(ask)).await.0, 403, "decided: refused by policy, and logged");
    assert_eq!(logged(&gateway).await, 1);
}

/// A client that sends its body slowly gets 408 once the deadline passes, instead of holding a worker for as long
/// as it likes (issue 30). Spoken over a raw TLS connection, so the body can stall mid-way.
#[tokio::test]
async fn a_client_trickling_its_body_is_cut_off() {
    let gateway = crate::helpers::spawn_gateway_with(Backend::Sqlite, |config| config.client_timeout_ms = 500).await;
    let port = gateway.port;
    let answer = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let layout = &crate::helpers::federation().layout;
        let (cert, key) = layout.person("police", "investigator");
        let files = sharegate_core::tls::TlsFiles { ca: layout.ca_cert(), crl: layout.crl(), cert, key };
        let revocations =
            sharegate_core::tls::Revocations::load(&files, sharegate_core::tls::revocation::Side::Servers).unwrap();
        let config = std::sync::Arc::new(sharegate_core::tls::client_config(&files, &revocations).unwrap());
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let connection = rustls::ClientConnection::new(config, name).unwrap();
        let socket = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        socket.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        let mut tls = rustls::StreamOwned::new(connection, socket);
        let head = "POST /v1/requests HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                    Content-Length: 200\r\n\r\n{\"subject\":";
        tls.write_all(head.as_bytes()).unwrap();
        tls.flush().unwrap();
        let started = std::time::Instant::now();
        let mut answer = vec![0u8; 4096];
        let n = tls.read(&mut answer).unwrap_or(0);
        (String::from_utf8_lossy(&answer[..n]).into_owned(), started.elapsed())
    })
    .await
    .unwrap();
    let (text, waited) = answer;
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request_timeout"), "{text}");
    assert!(waited < std::time::Duration::from_secs(4), "cut off at the deadline, not held: {waited:?}");
}
