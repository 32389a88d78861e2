//! Fair records (issue 26), each test named for the paragraph of the seed policy it holds the system to: ¶15 fair
//! language, with someone else's words kept as a quote; ¶16 the glossary's meanings travelling with a record to
//! whoever receives it; ¶17 an opinion resting on what its record holds. Real nodes, a real gateway, real TLS.

use serde_json::{Value, json};

use crate::databases::Backend;
use crate::helpers::{TestNode, person, send, spawn_node_with};
use crate::node::gateway_read;

fn record(statements: Value) -> Value {
    json!({
        "subject_ref": "P-1",
        "occurred_at": "2026-11-20T10:00:00Z",
        "contact_type": "home_visit",
        "category": "police.incident",
        "statements": statements,
        "sources": [{"who": "PC Amy Khan", "how": "visited the home"}],
        "retention_class": "standard"
    })
}

async fn write(node: &TestNode, body: &Value) -> (u16, Value) {
    send(person("police-investigator").post(node.url("/v1/records")).json(body)).await
}

/// Each violation as (rule, field, the words found).
fn violations(answer: &Value) -> Vec<(String, String, String)> {
    answer["error"]["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|v| {
            let text = |key: &str| v[key].as_str().unwrap_or_default().to_owned();
            (text("rule"), text("field"), text("found"))
        })
        .collect()
}

fn judged(field: &str, words: &str) -> (String, String, String) {
    ("judgemental_language".to_owned(), field.to_owned(), words.to_owned())
}

/// ¶15: the three statements the issue found in a core group pack are refused, each judgement named beside its field
/// with why and a neutral wording; recorded as quotes naming who said them, they are accepted and read back as quotes.
#[tokio::test]
async fn paragraph_15_judgements_are_refused_with_suggestions_and_kept_as_quotes_naming_who_said_them() {
    let node = spawn_node_with(Backend::Sqlite, "police", |_| {}).await;
    let scrounger = "Mother is a typical benefits scrounger from a gypsy family and the home is a pig sty";
    let lying = "Lily is probably lying like the rest of them";
    let jargon = "Dv incident, nfa by plod. Mum says s/w is useless. Refer to camhs asap";

    let (status, answer) = write(&node, &record(json!([{"kind": "fact", "text": scrounger}]))).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("breaks_recording_rule")), "{answer}");
    assert_eq!(
        violations(&answer),
        [judged("statements[0].text", "benefits scrounger"), judged("statements[0].text", "pig sty")]
    );
    let first = &answer["error"]["violations"][0];
    assert!(first["message"].as_str().unwrap().contains("pejorative"), "{first}");
    assert!(first["suggestion"].as_str().unwrap().contains("Universal Credit"), "a neutral wording: {first}");

    let opinion = json!([
        {"kind": "fact", "text": "Lily said she was at home on Friday night."},
        {"kind": "opinion", "text": lying, "evidence": "gut feeling", "rests_on": {"statements": [0]}}
    ]);
    let (status, answer) = write(&node, &record(opinion)).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(
        violations(&answer),
        [
            judged("statements[1].text", "probably lying"),
            judged("statements[1].text", "like the rest of them"),
            judged("statements[1].evidence", "gut feeling"),
        ]
    );

    let (status, answer) = write(&node, &record(json!([{"kind": "fact", "text": jargon}]))).await;
    assert_eq!(status, 422, "{answer}");
    let found = violations(&answer);
    assert_eq!(found[..2], [judged("statements[0].text", "plod"), judged("statements[0].text", "useless")]);
    assert_eq!(found[2].0, "undefined_abbreviation", "¶16 in any case: {answer}");
    assert!(answer["error"]["violations"][2]["message"].as_str().unwrap().ends_with(": Dv, asap, nfa, s/w"));

    // The same words as someone else's, verbatim, naming who said or wrote them. A quote's abbreviations are still
    // explained for the reader (¶16), here in a fact of the same record.
    let quotes = json!([
        {"kind": "quote", "text": scrounger, "source": "a neighbour, by telephone"},
        {"kind": "quote", "text": lying, "source": "Lily's uncle, at the door"},
        {"kind": "quote", "text": jargon, "source": "a handwritten note on the family's file"},
        {"kind": "fact", "text": "In the note: DV (domestic violence), NFA (no further action), S/W (social worker), ASAP (as soon as possible)."}
    ]);
    let (status, stored) = write(&node, &record(quotes)).await;
    assert_eq!(status, 201, "{stored}");
    let url = node.url("/v1/subjects/P-1/records");
    let (status, list) =
        send(gateway_read(crate::helpers::gateway_client().get(url)).query(&[("categories", "police.incident")])).await;
    assert_eq!(status, 200, "{list}");
    let statements = &list["records"][0]["statements"];
    assert_eq!(statements[0], json!({"kind": "quote", "text": scrounger, "source": "a neighbour, by telephone"}));
    assert_eq!(statements[1]["source"], "Lily's uncle, at the door");

    // A quote names who said it; who said it is held to ¶15 like any of the author's words.
    let (status, answer) = write(&node, &record(json!([{"kind": "quote", "text": "He never came."}]))).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(violations(&answer)[0].0, "quote_needs_source");
    let (status, answer) =
        write(&node, &record(json!([{"kind": "quote", "text": "He never came.", "source": "the junkie next door"}])))
            .await;
    assert_eq!((status, violations(&answer)), (422, vec![judged("statements[0].source", "junkie")]), "{answer}");
}

/// ¶17: an opinion names the facts, quotes or sources of its own record it rests on; resting on nothing, on a
/// statement or source that is not there, or on another opinion, it is refused naming the field.
#[tokio::test]
async fn paragraph_17_an_opinion_resting_on_nothing_recorded_is_refused() {
    let node = spawn_node_with(Backend::Sqlite, "police", |_| {}).await;
    let with = |rests_on: Value| {
        record(json!([
            {"kind": "fact", "text": "Lily hid behind her mother when officers arrived."},
            {"kind": "opinion", "text": "Lily was frightened.", "evidence": "How she behaved.", "rests_on": rests_on},
            {"kind": "opinion", "text": "Lily was frightened of her uncle.", "evidence": "She was.",
             "rests_on": {"statements": [1]}}
        ]))
    };
    let (status, answer) = write(&node, &with(json!({}))).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(
        violations(&answer).into_iter().map(|(rule, field, _)| (rule, field)).collect::<Vec<_>>(),
        [
            ("opinion_rests_on_nothing".to_owned(), "statements[1].rests_on".to_owned()),
            ("opinion_rests_on_nothing".to_owned(), "statements[2].rests_on.statements[0]".to_owned()),
        ],
        "nothing named, and an opinion resting on an opinion"
    );
    let message = answer["error"]["violations"][1]["message"].as_str().unwrap();
    assert!(message.contains("not on another opinion") && message.contains("(¶17)"), "{message}");

    let mut body = with(json!({"statements": [0], "sources": [0]}));
    body["statements"][2]["rests_on"] = json!({"statements": [0], "sources": [3]});
    let (status, answer) = write(&node, &body).await;
    assert_eq!(
        (status, answer["error"]["violations"][0]["field"].as_str()),
        (422, Some("statements[2].rests_on.sources[0]")),
        "{answer}"
    );
    body["statements"][2]["rests_on"] = json!({"statements": [0]});
    let (status, stored) = write(&node, &body).await;
    assert_eq!(status, 201, "{stored}");
}

/// ¶16: a record's abbreviations from its agency's glossary carry their meanings to whoever receives it, signed
/// with the record; the gateway passes the record (quote and opinion included) only after checking that signature.
#[tokio::test]
async fn paragraph_16_glossary_meanings_travel_with_the_record_to_the_requester() {
    let f = crate::sharing::federation_with(Backend::Sqlite, |_| {}).await;
    let body = json!({
        "subject_ref": "E-1", "occurred_at": "2026-11-21T10:00:00Z", "contact_type": "register",
        "category": "education.attendance",
        "statements": [
            {"kind": "fact", "text": "Referred to camhs by the dsl after three absences."},
            {"kind": "quote", "text": "I can't sleep because of the shouting.", "source": "Lily, to her teacher"},
            {"kind": "opinion", "text": "Her absences are linked to what happens at home at night.",
             "evidence": "What she told her teacher, and when the absences fall.",
             "rests_on": {"statements": [0, 1], "sources": [0]}}
        ],
        "sources": [{"who": "the class teacher", "how": "in person"}],
        "retention_class": "standard"
    });
    let (status, stored) = send(person("education-dsl").post(f.education.url("/v1/records")).json(&body)).await;
    assert_eq!(status, 201, "{stored}");

    let ask = json!({"subject": f.nhs, "categories": ["education.attendance"], "purpose": "safeguarding",
        "lawful_basis": "consent", "reason": "Concerns raised by the school about sleep and attendance."});
    let (status, answer) =
        send(person("social_care-social_worker").post(f.gateway.url("/v1/requests")).json(&ask)).await;
    assert_eq!(status, 200, "{answer}");
    let record = answer["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["statements"][0]["text"] == "Referred to camhs by the dsl after three absences.")
        .unwrap_or_else(|| panic!("the school's record: {answer}"));
    assert_eq!(
        record["glossary"],
        json!({"CAMHS": "child and adolescent mental health services", "DSL": "designated safeguarding lead"}),
        "the meanings as the school's glossary holds them"
    );
    assert_eq!(record["statements"][1]["kind"], "quote");
    assert_eq!(record["statements"][2]["rests_on"], json!({"statements": [0, 1], "sources": [0]}));
    let school = answer["agencies"].as_array().unwrap().iter().find(|a| a["agency"] == "education").unwrap();
    assert_eq!(school["dropped"], Value::Null, "every record's signature checked and passed: {school}");
}

crate::on_both_backends!(paragraph_20_a_birth_date_rule_and_a_legal_hold_hold_against_retention);

/// ¶20: a class kept "until the 25th birthday" counts from the date of birth the agency recorded with the child's
/// reference (a child without one is kept, and counted); a child's records on legal hold survive `retention --apply`
/// until the hold is lifted; each hold and lift is a sealed act of the agency's DPO, with its reason.
async fn paragraph_20_a_birth_date_rule_and_a_legal_hold_hold_against_retention(backend: Backend) {
    use sharegate_core::domain::RetentionClass;
    use sharegate_node::config::{RetentionFrom, RetentionRule};
    let node = spawn_node_with(backend, "police", |config| {
        let rule = RetentionRule { keep_years: 25, from: RetentionFrom::DateOfBirth };
        config.retention.insert(RetentionClass::parse("until_25").unwrap(), rule);
    })
    .await;
    let investigator = person("police-investigator");
    let mut ids = std::collections::BTreeMap::new();
    for (child, born) in
        [("P-1", Some("1990-01-01")), ("P-2", Some("2015-03-02")), ("P-3", None), ("P-5", Some("1990-06-01"))]
    {
        if let Some(born) = born {
            let body = json!({"nhs_number": crate::subjects::fresh_nhs_number(), "date_of_birth": born});
            let (status, _) = send(investigator.put(node.url(&format!("/v1/children/{child}"))).json(&body)).await;
            assert_eq!(status, 200);
        }
        let mut body = record(json!([{"kind": "fact", "text": "Officers attended."}]));
        body["subject_ref"] = json!(child);
        body["retention_class"] = json!("until_25");
        let (status, created) = write(&node, &body).await;
        assert_eq!(status, 201, "{created}");
        ids.insert(child, created["id"].as_str().unwrap().to_owned());
    }
    let (status, answer) = send(
        investigator
            .put(node.url("/v1/children/P-9"))
            .json(&json!({"nhs_number": crate::subjects::fresh_nhs_number(), "date_of_birth": "2099-01-01"})),
    )
    .await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("date_of_birth")), "{answer}");

    // The hold: the agency's DPO alone, with a reason; once.
    let dpo = person("police-dpo");
    let hold = |who: reqwest::Client, child: &str, what: &str| {
        let url = node.url(&format!("/v1/children/{child}/legal-hold{what}"));
        async move {
            send(who.post(url).json(&json!({"reason": "Disclosure in care proceedings, case ref LC-2026-114."}))).await
        }
    };
    assert_eq!(hold(investigator.clone(), "P-5", "").await.0, 403, "a practitioner");
    assert_eq!(hold(person("health-dpo"), "P-5", "").await.0, 403, "another agency's DPO");
    assert_eq!(hold(dpo.clone(), "P-404", "").await.0, 404, "no records for that reference");
    let (status, held) = hold(dpo.clone(), "P-5", "").await;
    assert_eq!(status, 201, "{held}");
    assert_eq!((held["act"].as_str(), held["by"]["role"].as_str()), (Some("hold"), Some("dpo")));
    assert_eq!(hold(dpo.clone(), "P-5", "").await.0, 409, "on hold already");
    assert_eq!(hold(dpo.clone(), "P-1", "/lift").await.0, 409, "nothing to lift");

    let store =
        sharegate_node::store::open(node.database.url(), &sharegate_core::store::StoreOptions::default()).unwrap();
    let report = sharegate_node::retention::run(&store, &node.config, chrono::Utc::now(), true).unwrap();
    let removed: Vec<&str> = report.expired.iter().map(|e| e.record.id.as_str()).collect();
    assert_eq!(removed, [ids["P-1"].as_str()], "36 years old: past the 25th birthday");
    assert_eq!(report.expired[0].rule, "until_25: 25 years from the date of birth");
    let kept: Vec<&str> = report.held.iter().map(|e| e.record.id.as_str()).collect();
    assert_eq!(kept, [ids["P-5"].as_str()], "expired, but on legal hold");
    assert_eq!(report.birth_date_unknown.get("until_25"), Some(&1), "P-3's birth date is not recorded: kept");

    let (status, lifted) = hold(dpo.clone(), "P-5", "/lift").await;
    assert_eq!((status, lifted["act"].as_str()), (201, Some("lift_hold")), "{lifted}");
    let report = sharegate_node::retention::run(&store, &node.config, chrono::Utc::now(), true).unwrap();
    let removed: Vec<&str> = report.expired.iter().map(|e| e.record.id.as_str()).collect();
    assert_eq!(removed, [ids["P-5"].as_str()], "the hold lifted, retention applies");

    // Each act is kept, newest first, signed by the node over exactly what it says.
    let (status, acts) = send(dpo.get(node.url("/v1/dpo-acts"))).await;
    assert_eq!(status, 200, "{acts}");
    let acts = acts.as_array().unwrap();
    assert_eq!(acts.iter().map(|a| a["act"].as_str().unwrap()).collect::<Vec<_>>(), ["lift_hold", "hold"]);
    assert_eq!(acts[1]["reason"], "Disclosure in care proceedings, case ref LC-2026-114.");
    let mut unsigned = acts[1].clone();
    let signature = unsigned.as_object_mut().unwrap().remove("signature").unwrap();
    let act: sharegate_node::dpo_acts::SealedAct = serde_json::from_value(unsigned).unwrap();
    let key = sharegate_core::signing::load(&node.config.signing_key).unwrap().verifying_key();
    let canonical = serde_json::to_string(&act).unwrap();
    assert_eq!(
        sharegate_protocol::seal::check(
            sharegate_node::dpo_acts::FORMAT,
            &canonical,
            signature.as_str().unwrap(),
            &key
        ),
        Ok(())
    );
    assert_eq!(send(person("police-investigator").get(node.url("/v1/dpo-acts"))).await.0, 403);
}

/// UK GDPR Art. 18: while the family's dispute of a record's accuracy is looked at, the agency's DPO restricts it;
/// the node stops sharing it, the requester's answer counts it as `restricted`, and the disclosure log keeps the
/// count; lifted, it is shared again. Only that agency's DPO restricts, once.
#[tokio::test]
async fn article_18_a_restricted_record_is_not_shared_and_is_counted() {
    let f = crate::sharing::federation_with(Backend::Sqlite, |_| {}).await;
    let (status, own) = send(
        person("education-dsl")
            .get(f.education.url("/v1/subjects/E-1/records"))
            .query(&[("categories", "education.attendance")]),
    )
    .await;
    assert_eq!(status, 200, "{own}");
    let id = own["records"][0]["id"].as_str().unwrap().to_owned();
    let restriction = |who: &str, what: &str| {
        let url = f.education.url(&format!("/v1/records/{id}/restriction{what}"));
        person(who)
            .post(url)
            .json(&json!({"reason": "The mother disputes the attendance figure; checking the register."}))
    };
    assert_eq!(send(restriction("education-dsl", "")).await.0, 403, "a practitioner");
    assert_eq!(send(restriction("police-dpo", "")).await.0, 403, "another agency's DPO");
    let (status, restricted) = send(restriction("education-dpo", "")).await;
    assert_eq!((status, restricted["act"].as_str()), (201, Some("restrict")), "{restricted}");
    assert_eq!(restricted["record_id"], id.as_str());
    assert_eq!(send(restriction("education-dpo", "")).await.0, 409, "restricted already");
    let unknown = f.education.url("/v1/records/rec_0123456789abcdef0123456789abcdef/restriction");
    assert_eq!(send(person("education-dpo").post(unknown).json(&json!({"reason": "x"}))).await.0, 404);

    let ask = json!({"subject": f.nhs, "categories": ["education.attendance"], "purpose": "safeguarding",
        "lawful_basis": "consent", "reason": "Concerns raised by the school about attendance."});
    let asked = || async {
        let response =
            person("social_care-social_worker").post(f.gateway.url("/v1/requests")).json(&ask).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.unwrap().to_vec();
        let answer: Value = serde_json::from_slice(&bytes).unwrap();
        let entry = crate::sharing::logged(&f.gateway, &answer, &bytes);
        (answer, entry)
    };
    let (answer, entry) = asked().await;
    assert_eq!(answer["records"], json!([]), "not shared while restricted: {answer}");
    let school = answer["agencies"].as_array().unwrap().iter().find(|a| a["agency"] == "education").unwrap();
    assert_eq!((school["records"].as_u64(), school["restricted"].as_u64()), (Some(0), Some(1)), "{school}");
    let logged = entry.agencies.iter().find(|a| a.agency.as_str() == "education").unwrap();
    assert_eq!(logged.restricted, 1, "the log keeps the count");

    assert_eq!(send(restriction("education-dpo", "/lift")).await.0, 201);
    assert_eq!(send(restriction("education-dpo", "/lift")).await.0, 409, "nothing left to lift");
    let (answer, _) = asked().await;
    assert_eq!(answer["records"][0]["id"], id.as_str(), "shared again: {answer}");
    let school = answer["agencies"].as_array().unwrap().iter().find(|a| a["agency"] == "education").unwrap();
    assert_eq!(school.get("restricted"), None, "{school}");
}

/// ¶13: families know that records exist, why, and how to see them. Each agency records giving its privacy notice
/// (when, how, to whom); every agency sees them in the child's register before it shares, and which agencies that
/// know the child have not recorded one.
#[tokio::test]
async fn paragraph_13_a_privacy_notice_given_is_shown_to_every_agency_before_it_shares() {
    let f = crate::sharing::federation_with(Backend::Sqlite, |_| {}).await;
    let register = |who: &str| {
        let request = person(who).get(f.gateway.url(&format!("/v1/subjects/{}/consents", f.subject)));
        async move { send(request).await }
    };
    let (status, before) = register("social_care-social_worker").await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["privacy_notices"], json!([]));
    assert_eq!(before["without_privacy_notice"], json!(["education", "health", "police"]));

    let notices = f.gateway.url(&format!("/v1/subjects/{}/privacy-notices", f.subject));
    let notice = json!({"given_to": {"name": "Sarah Example", "relationship": "parent"}, "given_at": "2026-11-02",
        "how": "in_person", "notice_reference": "PN-2026-v3"});
    let give = |who: &str, body: &Value| person(who).post(&notices).json(body);
    let mut future = notice.clone();
    future["given_at"] = json!("2099-01-01");
    let (status, answer) = send(give("education-dsl", &future)).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("given_at")), "{answer}");
    let mut unknown_how = notice.clone();
    unknown_how["how"] = json!("by_carrier_pigeon");
    assert_eq!(send(give("education-dsl", &unknown_how)).await.0, 400);
    assert_eq!(send(give("education-dpo", &notice)).await.0, 403, "a DPO does not give the family the notice");
    let nobody = f.gateway.url("/v1/subjects/sub_0123456789abcdef0123456789abcdef/privacy-notices");
    assert_eq!(send(person("education-dsl").post(nobody).json(&notice)).await.0, 404);

    let (status, given) = send(give("education-dsl", &notice)).await;
    assert_eq!(status, 201, "{given}");
    assert_eq!(given["agency"], "education");
    assert_eq!(given["given"], "given to Sarah Example (parent) in person on 2 November 2026");
    assert_eq!(given["recorded_by"]["person"], "Sam Patel");

    let (_, after) = register("health-health_visitor").await;
    assert_eq!(after["privacy_notices"][0]["notice_reference"], "PN-2026-v3", "every agency sees it: {after}");
    assert_eq!(after["without_privacy_notice"], json!(["health", "police"]));
}

/// ¶28 (and UK GDPR Art. 15): a DPO drafts the child's history with the agency in words for the family, withholds
/// third-party information with why, and releases it as a printable page; the release is a logged disclosure whose
/// digest is the page's, and what was withheld and why is kept with it.
#[tokio::test]
async fn paragraph_28_a_subject_access_pack_is_redacted_released_and_logged() {
    use sha2::Digest;
    let f = crate::sharing::federation_with(Backend::Sqlite, |_| {}).await;
    let ask = json!({"subject": f.nhs, "categories": ["education.attendance"], "purpose": "safeguarding",
        "lawful_basis": "consent", "reason": "Concerns raised by Ann Neighbour about the children being left alone."});
    let (status, asked) =
        send(person("social_care-social_worker").post(f.gateway.url("/v1/requests")).json(&ask)).await;
    assert_eq!(status, 200, "{asked}");

    let drafts = f.gateway.url(&format!("/v1/subjects/{}/access-packs", f.nhs));
    let body = json!({"requested_by": {"name": "Sarah Example", "relationship": "parent"}});
    assert_eq!(send(person("education-dsl").post(&drafts).json(&body)).await.0, 403, "a DPO's tool");
    let stranger = f.gateway.url(&format!("/v1/subjects/{}/access-packs", crate::subjects::fresh_nhs_number()));
    let (status, unknown) = send(person("education-dpo").post(stranger).json(&body)).await;
    assert_eq!(status, 404, "a child not in the index answers as one with no history: {unknown}");
    let (status, draft) = send(person("education-dpo").post(&drafts).json(&body)).await;
    assert_eq!(status, 201, "{draft}");
    let text = draft["passages"][0]["text"].as_str().unwrap().to_owned();
    assert!(text.contains("a social worker at children's social care, asked for Lily Example's attendance records held by the school to keep Lily Example safe, with consent"), "{text}");
    assert!(!text.contains("education.attendance") && !text.contains("your agency"), "words, not codes: {text}");
    assert_eq!(draft["passages"][0]["disclosure_id"], asked["disclosure_id"]);
    let pack = draft["id"].as_str().unwrap().to_owned();
    let url = |tail: &str| f.gateway.url(&format!("/v1/access-packs/{pack}{tail}"));
    assert_eq!(send(person("police-dpo").get(url(""))).await.0, 404, "another agency's DPO");

    let withhold = |mark: Value| person("education-dpo").post(url("/withhold")).json(&mark);
    let why = "It names a neighbour who gave information in confidence.";
    let (status, refused) = send(withhold(json!({"passage": 9, "why": why}))).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (400, Some("passage")), "{refused}");
    let (status, refused) = send(withhold(json!({"passage": 0, "words": "Bob Neighbour", "why": why}))).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (400, Some("words")), "{refused}");
    let (status, marked) = send(withhold(json!({"passage": 0, "words": "Ann Neighbour", "why": why}))).await;
    assert_eq!(status, 201, "{marked}");
    assert!(marked["preview"][0].as_str().unwrap().contains("Concerns raised by [withheld] about"), "{marked}");
    let draft_page = person("education-dpo").get(url("")).query(&[("format", "html")]).send().await.unwrap();
    assert!(draft_page.text().await.unwrap().contains("DRAFT: not released"));

    let (status, released) = send(person("education-dpo").post(url("/release"))).await;
    assert_eq!(status, 201, "{released}");
    assert_eq!(released["released"]["withheld"][0]["words"], "Ann Neighbour", "what was withheld is kept");
    assert_eq!(send(person("education-dpo").post(url("/release"))).await.0, 409, "once");
    assert_eq!(send(withhold(json!({"passage": 0, "why": why}))).await.0, 409, "kept as it was given");

    let page = person("education-dpo").get(url("")).query(&[("format", "html")]).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    let page = page.bytes().await.unwrap();
    let html = String::from_utf8_lossy(&page);
    assert!(
        html.contains("Who has seen Lily Example") && html.contains(why) && !html.contains("Ann Neighbour"),
        "{html}"
    );
    let disclosure = released["released"]["disclosure"].as_str().unwrap();
    let row = crate::helpers::indexed(&f.gateway, disclosure);
    let logged: sharegate_gateway::disclosure_log::LoggedEntry = serde_json::from_str(&row.canonical).unwrap();
    assert_eq!(logged.entry.kind.as_str(), "subject_access");
    assert_eq!(
        logged.entry.response_digest,
        hex::encode(sha2::Sha256::digest(&page)),
        "the log holds the page's digest"
    );
    assert!(logged.entry.reason.as_str().starts_with("Subject-access request by Sarah Example (parent)"));
}
