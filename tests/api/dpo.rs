//! The DPO's tools over real mTLS on both databases: scoping, filters, pagination under appends, CSV, the review
//! queue and a child's history.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::databases::Backend;
use crate::helpers::{TestGateway, person, send, spawn_gateway_with};
use crate::on_both_backends;
use crate::subjects::fresh_nhs_number;

pub async fn child(gateway: &TestGateway) -> String {
    let body = json!({"nhs_number": fresh_nhs_number(), "name": "Lily Example", "date_of_birth": "2015-03-02", "local_refs": {}});
    let (_, created) = send(person("social_care-social_worker").post(gateway.url("/v1/subjects")).json(&body)).await;
    created["id"].as_str().unwrap().to_owned()
}

pub async fn ask(
    gateway: &TestGateway,
    who: &str,
    subject: &str,
    category: &str,
    purpose: &str,
    basis: &str,
    reason: &str,
) -> String {
    let body = json!({"subject": subject, "categories": [category], "purpose": purpose, "lawful_basis": basis, "reason": reason});
    let (status, answer) = send(person(who).post(gateway.url("/v1/requests")).json(&body)).await;
    assert!(status == 200 || status == 403, "{answer}");
    answer["disclosure_id"].as_str().unwrap().to_owned()
}

async fn list(gateway: &TestGateway, who: &str, query: &[(&str, &str)]) -> (u16, Value) {
    send(person(who).get(gateway.url("/v1/disclosures")).query(query)).await
}

fn ids(page: &Value) -> BTreeSet<String> {
    page["disclosures"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_owned()).collect()
}

/// A small history: who asked what, involving which agencies.
pub struct Story {
    pub subject: String,
    pub other: String,
    pub police_refused: String,
    pub school_granted: String,
    pub health_refused: String,
}

pub async fn story(gateway: &TestGateway) -> Story {
    let subject = child(gateway).await;
    let other = child(gateway).await;
    let consent = json!({"given_by": {"name": "Sarah Example", "relationship": "parent"}, "categories": ["education.attendance"],
        "recipients": ["social_care"], "purposes": ["safeguarding"]});
    send(
        person("social_care-social_worker")
            .post(gateway.url(&format!("/v1/subjects/{subject}/consents")))
            .json(&consent),
    )
    .await;
    Story {
        police_refused: ask(
            gateway,
            "police-investigator",
            &subject,
            "health.mental_health",
            "safeguarding",
            "consent",
            "A call-out, \"urgent\", at night",
        )
        .await,
        school_granted: ask(
            gateway,
            "social_care-social_worker",
            &subject,
            "education.attendance",
            "safeguarding",
            "consent",
            "=HYPERLINK(\"x\") school worries",
        )
        .await,
        health_refused: ask(
            gateway,
            "health-health_visitor",
            &other,
            "education.attendance",
            "safeguarding",
            "children_act_2004_s10",
            "Missed visits",
        )
        .await,
        subject,
        other,
    }
}

on_both_backends!(
    each_dpo_sees_exactly_their_agencys_entries,
    filters_pages_and_exports,
    the_review_flow,
    a_review_sent_several_times_at_once_is_made_once
);

async fn each_dpo_sees_exactly_their_agencys_entries(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let s = story(&gateway).await;
    let seen = |who: &'static str| {
        let gateway = &gateway;
        async move {
            let (status, page) = list(gateway, who, &[]).await;
            assert_eq!(status, 200, "{page}");
            ids(&page)
        }
    };
    let set = |items: &[&String]| items.iter().map(|s| (*s).clone()).collect::<BTreeSet<_>>();
    assert_eq!(seen("police-dpo").await, set(&[&s.police_refused]));
    assert_eq!(seen("health-dpo").await, set(&[&s.police_refused, &s.health_refused]));
    assert_eq!(seen("education-dpo").await, set(&[&s.school_granted, &s.health_refused]));
    assert_eq!(seen("social_care-dpo").await, set(&[&s.school_granted]));
    for who in ["police-investigator", "social_care-manager"] {
        let (status, _) = list(&gateway, who, &[]).await;
        assert_eq!(status, 403, "{who}");
    }
    // Outside its agency's entries a DPO gets 404, the same as for an id that does not exist.
    let (status, _) =
        send(person("police-dpo").get(gateway.url(&format!("/v1/disclosures/{}", s.school_granted)))).await;
    assert_eq!(status, 404);
    let (status, one) =
        send(person("police-dpo").get(gateway.url(&format!("/v1/disclosures/{}", s.police_refused)))).await;
    assert_eq!((status, one["requester"]["person"].as_str()), (200, Some("Alex Morgan")), "{one}");
}

async fn filters_pages_and_exports(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let s = story(&gateway).await;
    let dpo = "education-dpo";
    type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<&'a String>);
    let cases: Vec<Case> = vec![
        (vec![("subject", s.subject.as_str())], vec![&s.school_granted]),
        (vec![("subject", s.other.as_str())], vec![&s.health_refused]),
        (vec![("agency", "health")], vec![&s.health_refused]),
        (vec![("person", "Jess Taylor")], vec![&s.school_granted]),
        (vec![("purpose", "safeguarding")], vec![&s.school_granted, &s.health_refused]),
        (vec![("basis", "children_act_2004_s10")], vec![&s.health_refused]),
        (vec![("decision", "refused")], vec![&s.health_refused]),
        (vec![("decision", "granted")], vec![&s.school_granted]),
        (vec![("kind", "request")], vec![&s.school_granted, &s.health_refused]),
        (
            vec![("from", "2000-01-01T00:00:00Z"), ("to", "2099-01-01T00:00:00Z")],
            vec![&s.school_granted, &s.health_refused],
        ),
        (vec![("to", "2000-01-01T00:00:00Z")], vec![]),
    ];
    for (query, expected) in cases {
        let (status, page) = list(&gateway, dpo, &query).await;
        assert_eq!(status, 200, "{query:?}: {page}");
        assert_eq!(ids(&page), expected.into_iter().cloned().collect::<BTreeSet<_>>(), "{query:?}");
    }
    for (field, value) in
        [("decision", "maybe"), ("purpose", "curiosity"), ("from", "yesterday"), ("format", "xml"), ("colour", "red")]
    {
        let (status, answer) = list(&gateway, dpo, &[(field, value)]).await;
        assert_eq!((status, answer["error"]["field"].as_str()), (400, Some(field)), "{answer}");
    }

    // Pages of 2 while new entries keep arriving: at the end every entry was read exactly once, in log order.
    let mut expected: BTreeSet<String> = [s.school_granted.clone(), s.health_refused.clone()].into();
    let (mut collected, mut after, mut pages) = (Vec::new(), None::<i64>, 0);
    loop {
        if pages < 4 {
            for _ in 0..3 {
                expected.insert(
                    ask(
                        &gateway,
                        "health-health_visitor",
                        &s.other,
                        "education.attendance",
                        "safeguarding",
                        "children_act_2004_s10",
                        "more",
                    )
                    .await,
                );
            }
        }
        pages += 1;
        let after_text = after.map(|a| a.to_string());
        let mut query = vec![("limit", "2")];
        if let Some(a) = &after_text {
            query.push(("after", a.as_str()));
        }
        let (_, page) = list(&gateway, dpo, &query).await;
        let indexes: Vec<i64> =
            page["disclosures"].as_array().unwrap().iter().map(|d| d["index"].as_i64().unwrap()).collect();
        assert!(
            indexes.windows(2).all(|w| w[0] < w[1]) && indexes.iter().all(|i| after.is_none_or(|a| *i > a)),
            "in log order"
        );
        collected.extend(page["disclosures"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_owned()));
        match page["next"].as_i64() {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let unique: BTreeSet<String> = collected.iter().cloned().collect();
    assert_eq!(unique.len(), collected.len(), "no entry twice");
    assert_eq!(unique, expected, "no entry missed, including those added while paging");

    // CSV a spreadsheet opens: a header, quoted fields, no formula.
    let response = person(dpo)
        .get(gateway.url("/v1/disclosures"))
        .query(&[("format", "csv"), ("subject", s.subject.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(&header[..3], &["index", "disclosure_id", "at"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{text}");
    let reason = &rows[0][header.iter().position(|h| h == "reason").unwrap()];
    assert_eq!(reason, "'=HYPERLINK(\"x\") school worries", "a formula is exported as text");
    assert!(text.contains("\"'=HYPERLINK(\"\"x\"\") school worries\""), "quotes doubled inside a quoted field: {text}");
    // The grounds and the deciding rules, category by category, after the first columns.
    assert_eq!(&header[17..], &["meeting", "grounds", "rules", "verdict"]);
    let column = |name: &str| rows[0][header.iter().position(|h| h == name).unwrap()].to_owned();
    let (_, entry) = send(person(dpo).get(gateway.url(&format!("/v1/disclosures/{}", &rows[0][1])))).await;
    for given in entry["given"].as_array().unwrap() {
        let ground =
            given["ground"].as_object().unwrap().iter().next().map(|(k, v)| format!("{k}:{}", v.as_str().unwrap()));
        assert!(column("grounds").contains(&ground.unwrap()), "{}: {entry}", column("grounds"));
    }
    for decided in entry["given"].as_array().unwrap().iter().chain(entry["refused"].as_array().unwrap()) {
        let rule = decided["rule"].as_str().unwrap_or("no rule matched");
        assert!(column("rules").contains(rule), "{}: {entry}", column("rules"));
    }
    assert!(!column("rules").is_empty(), "{entry}");

    let response = person(dpo).get(gateway.url("/v1/disclosures")).query(&[("format", "json")]).send().await.unwrap();
    let all: Value = response.json().await.unwrap();
    assert_eq!(all.as_array().unwrap().len(), expected.len(), "the JSON export has every entry of the agency");
}

async fn the_review_flow(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let s = story(&gateway).await;
    let queue = |who: &'static str| {
        let gateway = &gateway;
        async move {
            let (status, list) = send(person(who).get(gateway.url("/v1/disclosures/unreviewed"))).await;
            assert_eq!(status, 200, "{list}");
            list.as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    // Refusals and disclosures without consent, oldest first; the granted one under consent is not there.
    assert_eq!(queue("health-dpo").await, vec![s.police_refused.clone(), s.health_refused.clone()]);
    assert_eq!(queue("social_care-dpo").await, Vec::<String>::new());
    // Each says why it waits; the log's other views of an entry do not.
    let (_, waiting) = send(person("health-dpo").get(gateway.url("/v1/disclosures/unreviewed"))).await;
    assert_eq!(waiting[0]["waiting"], json!(["refused"]), "{waiting}");
    let (_, one) = send(person("health-dpo").get(gateway.url(&format!("/v1/disclosures/{}", s.police_refused)))).await;
    assert_eq!((one["id"].as_str(), one.get("waiting")), (Some(s.police_refused.as_str()), None), "{one}");

    let review = |who: &'static str, id: &String| {
        let url = gateway.url(&format!("/v1/disclosures/{id}/review"));
        async move {
            send(
                person(who)
                    .post(url)
                    .json(&json!({"verdict": "appropriate", "comment": "Refusal was right: no consent on file."})),
            )
            .await
        }
    };
    let (status, made) = review("health-dpo", &s.police_refused).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["reviewed_by"]["person"], "Helen Price");
    assert_eq!(review("health-dpo", &s.police_refused).await.0, 409, "once per agency");
    assert_eq!(queue("health-dpo").await, vec![s.health_refused.clone()]);
    assert_eq!(queue("police-dpo").await, vec![s.police_refused.clone()], "police's DPO still has it to review");
    assert_eq!(review("education-dpo", &s.police_refused).await.0, 404, "education was not involved");
    assert_eq!(review("police-investigator", &s.police_refused).await.0, 403);

    // The review is itself in the log.
    let (_, reviews) = list(&gateway, "health-dpo", &[("kind", "review")]).await;
    let entries = reviews["disclosures"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["id"], made["id"]);
    assert_eq!(entries[0]["review"]["disclosure"], s.police_refused.as_str());

    // A child's history, for a subject-access request.
    let (status, history) =
        send(person("health-dpo").get(gateway.url(&format!("/v1/subjects/{}/disclosures", s.subject)))).await;
    assert_eq!(status, 200, "{history}");
    let lines = history.as_array().unwrap();
    assert_eq!(lines.len(), 2, "the refusal and its review: {history}");
    let summary = lines[0]["summary"].as_str().unwrap();
    assert!(
        summary.contains(
            "Alex Morgan (investigator, police) asked for health.mental_health for safeguarding on the basis consent"
        ),
        "{summary}"
    );
    assert!(summary.contains("Refused: health.mental_health from health: no active consent"), "{summary}");
    assert!(lines[1]["summary"].as_str().unwrap().contains("reviewed disclosure"), "{history}");
}

/// A double click, or two DPOs of one agency at the same moment: every request passes the handler's own check before
/// any of them is written, so only the log's writer, deciding inside its transaction, can keep it to one review.
async fn a_review_sent_several_times_at_once_is_made_once(backend: Backend) {
    let gateway = spawn_gateway_with(backend, |_| {}).await;
    let s = story(&gateway).await;
    let url = gateway.url(&format!("/v1/disclosures/{}/review", s.health_refused));
    let sends = (0..8).map(|i| {
        send(
            person("health-dpo")
                .post(url.clone())
                .json(&json!({"verdict": "concern", "comment": format!("Reviewed ({i}).")})),
        )
    });
    let answers = futures_util::future::join_all(sends).await;
    let made: Vec<&Value> = answers.iter().filter(|(status, _)| *status == 201).map(|(_, body)| body).collect();
    assert_eq!(made.len(), 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(status, _)| *status != 201) {
        assert_eq!(*status, 409, "{body}");
        assert!(body.to_string().contains("already reviewed"), "{body}");
    }
    let (_, reviews) = list(&gateway, "health-dpo", &[("kind", "review")]).await;
    let entries = reviews["disclosures"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "one review in the log: {reviews}");
    assert_eq!(entries[0]["id"], made[0]["id"]);
}
