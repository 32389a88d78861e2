//! Review at scale over real mTLS on both databases: verdicts, several disclosures reviewed in one step (all checked
//! before any is written), the incident a breach opens with Art. 33's 72 hours, its closing, every agency's reviews
//! visible to each DPO involved, and the search filters that answer a DPO's questions, with their counts.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::databases::Backend;
use crate::dpo::story;
use crate::helpers::{TestGateway, person, send, spawn_gateway_with};
use crate::on_both_backends;

on_both_backends!(verdicts_bulk_reviews_and_incidents, search_filters_answer_questions);

async fn bulk(gateway: &TestGateway, who: &str, body: Value) -> (u16, Value) {
    send(person(who).post(gateway.url("/v1/reviews")).json(&body)).await
}

async fn search(gateway: &TestGateway, who: &str, query: &[(&str, &str)]) -> (Vec<String>, i64) {
    let (status, page) = send(person(who).get(gateway.url("/v1/disclosures")).query(query)).await;
    assert_eq!(status, 200, "{query:?}: {page}");
    let ids = page["disclosures"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_owned()).collect();
    (ids, page["total"].as_i64().expect("a total"))
}

async fn reviews_logged(gateway: &TestGateway, who: &str) -> usize {
    search(gateway, who, &[("kind", "review")]).await.1.try_into().unwrap()
}

async fn verdicts_bulk_reviews_and_incidents(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let s = story(&gateway).await;
    let both = [s.police_refused.as_str(), s.health_refused.as_str()];
    let comment = "Asked without any ground: shared nothing, but should not have been asked.";

    // Refused steps write nothing, and say which disclosure was at fault.
    let refusals = [
        (json!({"disclosures": [], "verdict": "breach", "comment": comment}), 400, "at least one".to_owned()),
        (
            json!({"disclosures": [both[0], both[0]], "verdict": "breach", "comment": comment}),
            400,
            format!("{} is named twice", both[0]),
        ),
        (
            json!({"disclosures": [both[0], s.school_granted], "verdict": "breach", "comment": comment}),
            404,
            format!("no disclosure {} involves your agency", s.school_granted),
        ),
        (
            json!({"disclosures": vec![both[0]; 201], "verdict": "breach", "comment": comment}),
            400,
            "at most 200".to_owned(),
        ),
        (json!({"disclosures": both, "verdict": "fine", "comment": comment}), 400, "verdict".to_owned()),
        (json!({"disclosures": both, "comment": comment}), 400, "verdict".to_owned()),
    ];
    for (body, status, says) in refusals {
        let (got, answer) = bulk(&gateway, "health-dpo", body.clone()).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains(&says), "{body}: {answer}");
    }
    assert_eq!(reviews_logged(&gateway, "health-dpo").await, 0, "a refused step wrote a review");
    // A single review needs its verdict too.
    let url = gateway.url(&format!("/v1/disclosures/{}/review", both[0]));
    let (status, answer) = send(person("health-dpo").post(&url).json(&json!({"comment": comment}))).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("verdict")), "{answer}");

    // The police DPO finds its own refusal a concern; then health finds both in breach, in one step.
    let url = gateway.url(&format!("/v1/disclosures/{}/review", both[0]));
    let concern = json!({"verdict": "concern", "comment": "A thin reason for mental health records."});
    let (status, police) = send(person("police-dpo").post(&url).json(&concern)).await;
    assert_eq!((status, police["verdict"].as_str(), police.get("incident")), (201, Some("concern"), None), "{police}");
    let before = Utc::now();
    let (status, written) =
        bulk(&gateway, "health-dpo", json!({"disclosures": both, "verdict": "breach", "comment": comment})).await;
    assert_eq!(status, 201, "{written}");
    let incident = written["incident"].as_str().expect("a breach opens an incident").to_owned();
    let reviews = written["reviews"].as_array().unwrap();
    assert_eq!(reviews.iter().map(|r| r["disclosure_id"].as_str().unwrap()).collect::<Vec<_>>(), both);
    assert!(reviews.iter().all(|r| r["verdict"] == "breach" && r["incident"] == incident.as_str()), "{written}");
    assert_eq!(reviews_logged(&gateway, "health-dpo").await, 2, "one log entry for each disclosure");
    // Once per agency: a second step naming either is refused whole.
    let (status, again) =
        bulk(&gateway, "health-dpo", json!({"disclosures": [both[1]], "verdict": "appropriate", "comment": "x"})).await;
    assert_eq!(status, 409, "{again}");
    assert!(again["error"]["message"].as_str().unwrap().contains(both[1]), "{again}");

    // The incident: health's alone, due 72 hours after the review that opened it.
    let (status, listed) = send(person("health-dpo").get(gateway.url("/v1/incidents"))).await;
    assert_eq!(status, 200, "{listed}");
    let found = &listed["incidents"].as_array().unwrap()[..];
    assert_eq!(found.len(), 1, "{listed}");
    let open = &found[0];
    assert_eq!(
        (open["id"].as_str(), open["state"].as_str(), open["agency"].as_str()),
        (Some(incident.as_str()), Some("open"), Some("health"))
    );
    let at = |v: &Value| v.as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    assert!(at(&open["opened_at"]) >= before - Duration::seconds(1) && at(&open["opened_at"]) <= Utc::now());
    assert_eq!(at(&open["decide_by"]) - at(&open["opened_at"]), Duration::hours(72));
    let named: Vec<&str> =
        open["disclosures"].as_array().unwrap().iter().map(|d| d["disclosure"].as_str().unwrap()).collect();
    assert_eq!(named, both);
    assert_eq!(open["opened_by"]["agency"], "health");
    let (_, theirs) = send(person("police-dpo").get(gateway.url("/v1/incidents"))).await;
    assert_eq!(theirs["incidents"], json!([]), "another agency's incidents are not listed");
    let one = gateway.url(&format!("/v1/incidents/{incident}"));
    let (status, _) = send(person("police-dpo").get(&one)).await;
    assert_eq!(status, 404, "another agency's incident is not found");
    let (status, _) = send(person("health-health_visitor").get(&one)).await;
    assert_eq!(status, 403, "a practitioner is not a DPO");

    // Closing: by a DPO of the agency, with an outcome and a note, once.
    let close = gateway.url(&format!("/v1/incidents/{incident}/close"));
    let body = json!({"outcome": "not_reportable", "note": "Nothing was shared; the practitioner was spoken to."});
    let (status, _) = send(person("police-dpo").post(&close).json(&body)).await;
    assert_eq!(status, 404);
    let (status, answer) = send(person("health-dpo").post(&close).json(&json!({"outcome": "not_reportable"}))).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("note")), "{answer}");
    let (status, closed) = send(person("health-dpo").post(&close).json(&body)).await;
    assert_eq!(
        (status, closed["state"].as_str(), closed["closed"]["outcome"].as_str()),
        (200, Some("closed"), Some("not_reportable")),
        "{closed}"
    );
    assert_eq!(closed["closed"]["by"]["agency"], "health");
    let (status, _) = send(person("health-dpo").post(&close).json(&body)).await;
    assert_eq!(status, 409, "closed once");
    let (_, shown) = send(person("health-dpo").get(&one)).await;
    assert_eq!(shown["closed"]["note"], body["note"], "the closure is kept: {shown}");

    // Each DPO involved sees the other agencies' reviews of a disclosure on its page.
    let page = gateway.url(&format!("/console/disclosures/{}", both[0]));
    let seen = person("police-dpo").get(&page).send().await.unwrap().text().await.unwrap();
    assert!(seen.contains("(dpo, health)") && seen.contains(&format!("incident {incident}")), "{seen}");
    assert!(seen.contains("Verdict: <strong>concern</strong>"), "its own review too: {seen}");

    // Searches by review and verdict, each DPO for its own agency's reviews.
    let (ids, total) = search(&gateway, "health-dpo", &[("verdict", "breach")]).await;
    assert_eq!((ids.iter().map(String::as_str).collect::<Vec<_>>(), total), (both.to_vec(), 2));
    let (ids, _) = search(&gateway, "police-dpo", &[("verdict", "breach")]).await;
    assert!(ids.is_empty(), "police found no breach: {ids:?}");
    let (ids, _) = search(&gateway, "police-dpo", &[("verdict", "concern")]).await;
    assert_eq!(ids, vec![both[0].to_owned()]);
    let (ids, _) = search(&gateway, "health-dpo", &[("reviewed", "false"), ("kind", "request")]).await;
    assert!(ids.iter().all(|id| !both.contains(&id.as_str())), "{ids:?}");
    let (ids, total) = search(&gateway, "health-dpo", &[("reviewed", "true")]).await;
    assert_eq!((ids.len(), total), (2, 2));
    let (status, _) = send(person("health-dpo").get(gateway.url("/v1/disclosures?verdict=awful"))).await;
    assert_eq!(status, 400);

    // The CSV says each entry's verdict by the exporting agency, and each review's own.
    let csv = person("health-dpo").get(gateway.url("/v1/disclosures?format=csv")).send().await.unwrap();
    let text = csv.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (id, verdict) = (column("disclosure_id"), column("verdict"));
    let cells: Vec<(String, String)> =
        reader.records().map(|r| r.unwrap()).map(|r| (r[id].to_owned(), r[verdict].to_owned())).collect();
    let breach = format!("breach:{incident}");
    for disclosure in both {
        assert!(cells.contains(&(disclosure.to_owned(), breach.clone())), "{disclosure}: {text}");
    }
    assert_eq!(cells.iter().filter(|(_, v)| *v == breach).count(), 4, "two disclosures, two reviews: {text}");
    assert!(cells.iter().all(|(_, v)| v.is_empty() || *v == breach), "police's concern is police's: {text}");
}

async fn search_filters_answer_questions(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let s = story(&gateway).await;
    // Alex Morgan (police) asked with the reason `A call-out, "urgent", at night`.
    for part in ["morg", "MORGAN", "alex m"] {
        let (ids, total) = search(&gateway, "police-dpo", &[("person", part), ("kind", "request")]).await;
        assert_eq!((ids, total), (vec![s.police_refused.clone()], 1), "person={part}");
    }
    for part in ["URGENT", "\"urgent\", at", "call-out"] {
        let (ids, _) = search(&gateway, "health-dpo", &[("reason", part)]).await;
        assert_eq!(ids, vec![s.police_refused.clone()], "reason={part}");
    }
    // What is typed is matched as text: `%` and `_` are no wildcards, and no field but the reason is searched.
    for part in ["%", "_", "police", "mental_health", "safeguarding"] {
        let (ids, total) = search(&gateway, "health-dpo", &[("reason", part), ("kind", "request")]).await;
        assert_eq!((ids.len(), total), (0, 0), "reason={part}: {ids:?}");
    }
    let (ids, _) = search(&gateway, "education-dpo", &[("ground", "consent")]).await;
    assert_eq!(ids, vec![s.school_granted.clone()]);
    let (ids, _) = search(&gateway, "education-dpo", &[("ground", "decision")]).await;
    assert!(ids.is_empty(), "{ids:?}");
    let (ids, total) = search(&gateway, "education-dpo", &[("limit", "1")]).await;
    assert_eq!((ids.len(), total), (1, 2), "the total counts every page");
    for (query, field) in [("ground=luck", "ground"), ("meeting=mtg_1", "meeting"), ("reviewed=maybe", "reviewed")] {
        let (status, answer) =
            send(person("education-dpo").get(gateway.url(&format!("/v1/disclosures?{query}")))).await;
        assert_eq!((status, answer["error"]["field"].as_str()), (400, Some(field)), "{query}: {answer}");
    }
}
