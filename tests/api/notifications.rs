//! The owning agency is told (issue 29): the school reads every answer in which another agency received what its node
//! answered, in log order, from its own cursor — and none is lost when the gateway is killed mid-load.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::config::GatewayProcess;
use crate::databases::Backend;
use crate::helpers::{TestNode, person, send, spawn_node_with};
use crate::node::record;

/// A gateway process whose education node is `node` (the others configured where nothing listens).
fn gateway_for(dir: &std::path::Path, node: &TestNode) -> GatewayProcess {
    GatewayProcess::start_with(dir, &crate::config::valid_toml().replace("https://127.0.0.1:8446", &node.url("")))
}

/// Every notification `who`'s agency has after `after`, page by page, and the cursor to keep.
async fn read_all(base: &str, who: &str, mut after: Option<i64>) -> (Vec<Value>, Option<i64>) {
    let mut all = Vec::new();
    loop {
        let mut query = vec![("limit", "7".to_owned())];
        if let Some(after) = after {
            query.push(("after", after.to_string()));
        }
        let (status, page) = send(person(who).get(format!("{base}/v1/notifications")).query(&query)).await;
        assert_eq!(status, 200, "{page}");
        let next = page["next"].as_i64();
        all.extend(page["notifications"].as_array().unwrap().iter().cloned());
        if next == after {
            return (all, after);
        }
        after = next;
    }
}

fn ids(notifications: &[Value]) -> Vec<String> {
    notifications.iter().map(|n| n["disclosure_id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_owning_agency_is_told_of_each_answer_its_node_gave_in_order_even_across_a_crash() {
    let node = spawn_node_with(Backend::Sqlite, "education", |_| {}).await;
    let school = person("education-dsl");
    let (status, _) =
        send(school.post(node.url("/v1/records")).json(&record("E-1", "education.attendance", "Absent 6 of 10 days.")))
            .await;
    assert_eq!(status, 201);
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway_for(dir.path(), &node);
    let base = format!("https://localhost:{}", gateway.port);
    let (subject, ask) = crate::helpers::child_with_consented_attendance(&base).await;
    let social_care = person("social_care-social_worker");

    // Two answers social care received; one the police were refused; one discovery.
    let mut told = Vec::new();
    for _ in 0..2 {
        let (status, answer) = send(social_care.post(format!("{base}/v1/requests")).json(&ask)).await;
        assert_eq!(status, 200, "{answer}");
        told.push(answer["disclosure_id"].as_str().unwrap().to_owned());
    }
    let (status, _) = send(person("police-investigator").post(format!("{base}/v1/requests")).json(&ask)).await;
    assert_eq!(status, 403);
    let asked_holders = json!({"purpose": "safeguarding", "lawful_basis": "consent", "reason": "Who knows Lily?"});
    let (status, holders) =
        send(social_care.post(format!("{base}/v1/subjects/{subject}/holders")).json(&asked_holders)).await;
    assert_eq!(status, 200, "{holders}");
    told.push(holders["disclosure_id"].as_str().unwrap().to_owned());

    let (first, cursor) = read_all(&base, "education-dsl", None).await;
    assert_eq!(ids(&first), told, "the answers the school's node gave another agency, in log order");
    let notice = &first[0];
    assert_eq!(notice["kind"], "request");
    assert_eq!(notice["subject"], subject.as_str());
    assert_eq!(notice["local_ref"], "E-1");
    assert_eq!(
        (notice["requester_agency"].as_str(), notice["requester_role"].as_str()),
        (Some("social_care"), Some("social_worker"))
    );
    assert_eq!(notice["categories"], json!(["education.attendance"]));
    assert_eq!(notice["records"], 1);
    assert!(notice["grounds"][0]["consent"].is_string(), "{notice}");
    assert_eq!(first[2]["kind"], "discovery");
    // Who asked, by role — not their name nor their reasons: those are the DPO's to read, from the whole entry.
    let text = Value::Array(first.clone()).to_string();
    assert!(!text.contains("Concerns raised") && !text.contains("Example"), "{text}");
    // Another agency is told nothing of the school's; the police's refusal touched no node.
    let (health, _) = read_all(&base, "health-health_visitor", None).await;
    assert_eq!(health, Vec::<Value>::new());
    let (police, _) = read_all(&base, "police-investigator", None).await;
    assert_eq!(police, Vec::<Value>::new());
    // Polling again from the cursor gives nothing new, and bad input is named.
    assert_eq!(read_all(&base, "education-dsl", cursor).await, (Vec::new(), cursor));
    let (status, bad) = send(school.get(format!("{base}/v1/notifications?after=last"))).await;
    assert_eq!(status, 400, "{bad}");
    assert!(bad["error"]["message"].as_str().unwrap().contains("after"), "{bad}");

    // Under load from four clients, the gateway is killed.
    let answered = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (answered, url, body) = (answered.clone(), format!("{base}/v1/requests"), ask.clone());
            tokio::spawn(async move {
                let client = person("social_care-social_worker");
                while let Ok(response) = client.post(&url).json(&body).send().await {
                    if response.status() == 200
                        && let Ok(answer) = response.json::<Value>().await
                        && let Some(id) = answer["disclosure_id"].as_str()
                    {
                        answered.lock().unwrap().push(id.to_owned());
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    gateway.stop("KILL");
    for worker in workers {
        let _ = worker.await;
    }
    let answered = answered.lock().unwrap().clone();
    assert!(answered.len() > 10, "the gateway was under load: {} answers", answered.len());

    // Started again on the same log: from the school's cursor, every answer sent before the crash, once, in order.
    let again = gateway_for(dir.path(), &node);
    let base = format!("https://localhost:{}", again.port);
    let (after_crash, _) = read_all(&base, "education-dsl", cursor).await;
    let indexes: Vec<i64> = after_crash.iter().map(|n| n["index"].as_i64().unwrap()).collect();
    assert!(indexes.windows(2).all(|w| w[0] < w[1]), "in log order: {indexes:?}");
    let delivered = ids(&after_crash);
    assert_eq!(delivered.iter().collect::<BTreeSet<_>>().len(), delivered.len(), "none twice");
    let delivered: BTreeSet<_> = delivered.into_iter().collect();
    for id in &answered {
        assert!(delivered.contains(id), "{id} was answered before the crash but the school was not told");
    }
    assert!(told.iter().all(|id| !delivered.contains(id)), "nothing before the cursor again");
}
