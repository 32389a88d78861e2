//! The DPO's overview over real mTLS on both databases: each count equal to what the log's own export says for the
//! same agency and period, the week of each disclosure without consent, the queue's size and age; and the console's
//! page drawing the same numbers.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use serde_json::{Value, json};

use crate::databases::Backend;
use crate::dpo::{ask, child, story};
use crate::helpers::{TestGateway, person, send, spawn_gateway_with};
use crate::on_both_backends;

on_both_backends!(the_overview_counts_what_the_log_holds);

/// A child about whom health decided not to seek consent (endorsed), and police asked on that ground.
async fn shared_without_consent(gateway: &TestGateway) -> String {
    let subject = child(gateway).await;
    let decision = json!({
        "lawful_basis": "crime_and_disorder_act_1998_s115",
        "reasons": "Asking the family would alert a suspect to an investigation of exploitation.",
        "categories": ["health.mental_health"], "recipients": ["police"], "purposes": ["crime_prevention"]
    });
    let url = gateway.url(&format!("/v1/subjects/{subject}/consent-decisions"));
    let (status, decided) = send(person("health-health_visitor").post(&url).json(&decision)).await;
    assert_eq!(status, 201, "{decided}");
    let endorse = gateway.url(&format!("/v1/consent-decisions/{}/endorse", decided["id"].as_str().unwrap()));
    assert_eq!(send(person("health-manager").post(&endorse).json(&json!({}))).await.0, 200);
    let reason = "Exploitation enquiry";
    ask(
        gateway,
        "police-investigator",
        &subject,
        "health.mental_health",
        "crime_prevention",
        "crime_and_disorder_act_1998_s115",
        reason,
    )
    .await
}

/// `entries` counted by `field`, as the overview names them.
fn counted(entries: &[&Value], field: impl Fn(&Value) -> String) -> Value {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for e in entries {
        *counts.entry(field(e)).or_default() += 1;
    }
    Value::Array(counts.into_iter().map(|(name, count)| json!({"name": name, "count": count})).collect())
}

async fn the_overview_counts_what_the_log_holds(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let s = story(&gateway).await;
    let without = shared_without_consent(&gateway).await;
    let review = json!({"disclosures": [s.school_granted], "verdict": "appropriate", "comment": "Fine."});
    assert_eq!(send(person("education-dpo").post(gateway.url("/v1/reviews")).json(&review)).await.0, 201);

    for who in ["health-dpo", "education-dpo", "police-dpo"] {
        let (status, overview) = send(person(who).get(gateway.url("/v1/overview"))).await;
        assert_eq!(status, 200, "{overview}");
        let (from, to) = (overview["from"].as_str().unwrap(), overview["to"].as_str().unwrap());
        let (to_time, from_time) = (to.parse::<DateTime<Utc>>().unwrap(), from.parse::<DateTime<Utc>>().unwrap());
        assert_eq!(to_time - from_time, Duration::weeks(12), "the last twelve weeks by default");
        let export =
            person(who).get(gateway.url("/v1/disclosures")).query(&[("format", "json"), ("from", from), ("to", to)]);
        let all: Value = export.send().await.unwrap().json().await.unwrap();
        let all: Vec<&Value> = all.as_array().unwrap().iter().collect();
        let disclosures: Vec<&Value> = all.iter().copied().filter(|e| e["kind"] != "review").collect();
        let text = |key: &'static str| move |e: &Value| e[key].as_str().unwrap().to_owned();
        assert_eq!(overview["by_kind"], counted(&all, text("kind")), "{who}: {overview}");
        assert_eq!(overview["by_outcome"], counted(&disclosures, text("outcome")), "{who}");
        assert_eq!(overview["by_purpose"], counted(&disclosures, text("purpose")), "{who}");
        assert_eq!(overview["by_lawful_basis"], counted(&disclosures, text("lawful_basis")), "{who}");
        assert_eq!(
            overview["by_requesting_agency"],
            counted(&disclosures, |e| e["requester"]["agency"].as_str().unwrap().to_owned()),
            "{who}"
        );

        let weeks = overview["shared_without_consent"].as_array().unwrap();
        assert!((12..=13).contains(&weeks.len()), "every week of the period: {}", weeks.len());
        let made: Vec<&&Value> = disclosures
            .iter()
            .filter(|e| e["kind"] == "request" && e["outcome"] != "refused" && e["lawful_basis"] != "consent")
            .collect();
        let this_week = weeks.last().unwrap();
        let monday =
            Utc::now().date_naive() - chrono::Days::new(u64::from(Utc::now().weekday().num_days_from_monday()));
        assert_eq!(this_week["starting"], monday.to_string());
        assert_eq!(this_week["count"], made.len() as i64, "{who}: {weeks:?}");
        assert_eq!(weeks.iter().map(|w| w["count"].as_i64().unwrap()).sum::<i64>(), made.len() as i64);
        if who == "health-dpo" {
            assert!(
                made.iter().any(|e| e["id"] == without.as_str()),
                "police's request on health's decision: {made:?}"
            );
        }

        // The queue: as long as the queue itself, its oldest entry's time.
        let (_, queue) = send(person(who).get(gateway.url("/v1/disclosures/unreviewed?limit=1000"))).await;
        let queue = queue.as_array().unwrap();
        let waiting = queue.iter().map(|e| e["meeting_disclosures"].as_i64().unwrap_or(1)).sum::<i64>();
        assert_eq!(overview["queue"]["waiting"], waiting, "{who}: {overview}");
        assert_eq!(overview["queue"]["oldest"], queue.first().map_or(Value::Null, |e| e["at"].clone()), "{who}");

        // The console draws the same numbers, with their tables.
        let page = person(who).get(gateway.url("/console/overview")).send().await.unwrap().text().await.unwrap();
        assert!(page.matches("<svg").count() == 6, "a chart for each count: {page}");
        for count in overview["by_purpose"].as_array().unwrap() {
            let row = format!("<tr><td>{}</td><td>{}</td></tr>", count["name"].as_str().unwrap(), count["count"]);
            assert!(page.contains(&row), "{who}: {row} in {page}");
        }
    }

    // A period is checked: the end after the start, at most two years.
    for (query, field) in [("from=2026-12-01&to=2026-11-01", "to"), ("from=2020-01-01&to=2026-01-01", "from")] {
        let (status, answer) = send(person("health-dpo").get(gateway.url(&format!("/v1/overview?{query}")))).await;
        assert_eq!((status, answer["error"]["field"].as_str()), (400, Some(field)), "{query}: {answer}");
    }
    let (status, _) = send(person("health-health_visitor").get(gateway.url("/v1/overview"))).await;
    assert_eq!(status, 403);
}
