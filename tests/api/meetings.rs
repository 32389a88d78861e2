//! Core group meetings over real mTLS, with real nodes: invitations, the written views of those absent, joint
//! decisions and their endorsement, the pack (each part a logged disclosure carrying the meeting id), and closing.

use serde_json::{Value, json};

use crate::databases::Backend;
use crate::helpers::{TestGateway, person, send};
use crate::on_both_backends;
use crate::sharing::federation_with;

async fn post(gateway: &TestGateway, who: &str, path: &str, body: Value) -> (u16, Value) {
    send(person(who).post(gateway.url(path)).json(&body)).await
}

fn logged_meeting(gateway: &TestGateway, disclosure: &str) -> Option<String> {
    let row = crate::helpers::indexed(gateway, disclosure);
    let logged: sharegate_gateway::disclosure_log::LoggedEntry = serde_json::from_str(&row.canonical).unwrap();
    logged.entry.meeting.map(String::from)
}

on_both_backends!(a_core_group_from_invitation_to_closing);

/// Ten o'clock tomorrow, UTC: meetings are scheduled ahead.
fn soon() -> String {
    in_days(1)
}

fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).format("%Y-%m-%dT10:00:00Z").to_string()
}

#[tokio::test]
async fn only_a_coordinator_of_a_convening_agency_creates_a_meeting() {
    // A meeting is a ground for sharing: a federation where police convene refuses social care's coordinator.
    let police = sharegate_core::domain::AgencyName::parse("police").unwrap();
    let f = federation_with(Backend::Sqlite, |config| config.meeting_conveners = [police].into()).await;
    let invitation = json!({"subject": f.subject, "scheduled_for": soon(), "invited": ["education"]});
    let (status, refused) = post(&f.gateway, "social_care-coordinator", "/v1/meetings", invitation).await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"]["message"], "only a core group coordinator of police creates meetings");
}

async fn a_core_group_from_invitation_to_closing(backend: Backend) {
    let f = federation_with(backend, |_| {}).await;
    let g = &f.gateway;
    let coordinator = "social_care-coordinator";
    let invitation =
        json!({"subject": f.subject, "scheduled_for": soon(), "invited": ["police", "education", "health"]});
    let (status, _) = post(g, "social_care-social_worker", "/v1/meetings", invitation.clone()).await;
    assert_eq!(status, 403, "only a coordinator creates meetings");
    let (status, created) = post(g, coordinator, "/v1/meetings", invitation).await;
    assert_eq!(status, 201, "{created}");
    let m = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["invited"], json!(["education", "health", "police", "social_care"]));

    // A meeting is scheduled ahead; sharing under one opens a week before it (issue 22).
    let past = json!({"subject": f.subject, "scheduled_for": in_days(-1), "invited": ["education"]});
    let (status, answer) = post(g, coordinator, "/v1/meetings", past).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("scheduled_for")), "{answer}");
    let later = json!({"subject": f.subject, "scheduled_for": in_days(30), "invited": ["education"]});
    let (_, later) = post(g, coordinator, "/v1/meetings", later).await;
    let later = later["id"].as_str().unwrap().to_owned();
    let early = json!({"subject": f.subject, "categories": ["education.attendance"], "purpose": "core_group",
        "lawful_basis": "children_act_1989_s47", "reason": "core group", "meeting_id": later});
    let (status, refused) = post(g, "social_care-social_worker", "/v1/requests", early).await;
    assert_eq!(status, 403, "{refused}");
    assert!(refused["refused"][0]["why"].as_str().unwrap().contains("opens on"), "{refused}");

    // Each agency lists the meetings it is invited to; a coordinator, those its agency convenes.
    let (status, listed) =
        send(person("education-dsl").get(g.url("/v1/meetings")).query(&[("subject", f.nhs.as_str())])).await;
    assert_eq!(status, 200, "{listed}");
    let ids: Vec<&str> = listed.as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [m.as_str(), later.as_str()], "{listed}");
    let (_, open_for_health) =
        send(person("health-health_visitor").get(g.url("/v1/meetings")).query(&[("state", "open")])).await;
    assert!(open_for_health.as_array().unwrap().iter().all(|x| x["id"] != later.as_str()), "health is not invited");
    let (status, _) =
        send(person("health-health_visitor").get(g.url("/v1/meetings")).query(&[("state", "shut")])).await;
    assert_eq!(status, 400);

    // A meeting that does not invite health: health is refused under it, and cannot add a view or read its pack.
    let (_, narrow) = post(
        g,
        coordinator,
        "/v1/meetings",
        json!({"subject": f.nhs, "scheduled_for": soon(), "invited": ["education"]}),
    )
    .await;
    let narrow = narrow["id"].as_str().unwrap().to_owned();
    let ask = |meeting: &str| {
        json!({"subject": f.subject, "categories": ["education.attendance"], "purpose": "core_group",
        "lawful_basis": "children_act_1989_s47", "reason": "core group", "meeting_id": meeting})
    };
    // To health the meeting does not exist: every answer is the one an unknown id gets, so none tells an outsider
    // that a core group is meeting about this child.
    let unknown = sharegate_core::domain::MeetingId::new().to_string();
    let (status, refused) = post(g, "health-health_visitor", "/v1/requests", ask(&narrow)).await;
    assert_eq!(status, 403, "{refused}");
    let (_, refused_unknown) = post(g, "health-health_visitor", "/v1/requests", ask(&unknown)).await;
    assert_eq!(refused["refused"][0]["why"], refused_unknown["refused"][0]["why"], "{refused}");
    assert!(refused["refused"][0]["why"].as_str().unwrap().contains("invited to"), "{refused}");
    for meeting in [&narrow, &unknown] {
        let answers = [
            post(g, "health-health_visitor", &format!("/v1/meetings/{meeting}/views"), json!({"text": "x"})).await,
            send(person("health-health_visitor").get(g.url(&format!("/v1/meetings/{meeting}/pack")))).await,
            send(person("health-health_visitor").get(g.url(&format!("/v1/meetings/{meeting}")))).await,
            post(g, "health-manager", &format!("/v1/meetings/{meeting}/close"), json!({})).await,
        ];
        for (status, answer) in answers {
            assert_eq!((status, answer["error"]["message"].as_str()), (404, Some("no such meeting")), "{meeting}");
        }
    }
    // Under a meeting only invited agencies' records are shared (issue 30): the narrow meeting does not invite
    // health, so a social worker (invited: social care convenes) gets the school's part and not health's.
    let mut both = ask(&narrow);
    both["categories"] = json!(["education.attendance", "health.summary"]);
    let (status, part) = post(g, "social_care-social_worker", "/v1/requests", both).await;
    assert_eq!(status, 200, "{part}");
    assert_eq!(part["records"][0]["category"], "education.attendance", "{part}");
    assert_eq!(part["refused"][0]["category"], "health.summary", "{part}");
    assert!(part["refused"][0]["why"].as_str().unwrap().contains("does not invite health"), "{part}");
    // A meeting belongs with the purpose core_group only: under any other purpose it is a 400, not logged unchecked.
    let mut elsewhere = ask(&m);
    elsewhere["purpose"] = json!("safeguarding");
    elsewhere["lawful_basis"] = json!("consent");
    let (status, answer) = post(g, "social_care-social_worker", "/v1/requests", elsewhere).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("meeting_id")), "{answer}");

    // Reading a meeting is a logged disclosure under it (issue 30).
    let (status, read) = send(person("education-dsl").get(g.url(&format!("/v1/meetings/{m}")))).await;
    assert_eq!(status, 200, "{read}");
    let (_, logged) =
        send(person("education-dpo").get(g.url("/v1/disclosures")).query(&[("kind", "meeting_read")])).await;
    let reads = logged["disclosures"].as_array().unwrap();
    assert!(reads.iter().any(|e| e["meeting"] == m.as_str() && e["requester"]["agency"] == "education"), "{logged}");

    // Invited, it is granted under the meeting.
    let (status, granted) = post(g, "health-health_visitor", "/v1/requests", ask(&m)).await;
    assert_eq!(status, 200, "{granted}");
    assert_eq!(granted["records"][0]["category"], "education.attendance");
    assert_eq!(logged_meeting(g, granted["disclosure_id"].as_str().unwrap()).as_deref(), Some(m.as_str()));

    // Attendance, and the written views of those who could not come.
    let (status, _) = post(
        g,
        coordinator,
        &format!("/v1/meetings/{m}/attendance"),
        json!({"attended": ["social_care", "education"], "apologies": ["health", "police"]}),
    )
    .await;
    assert_eq!(status, 200);
    // An agency that attended gives no view "in absence"; one that sent apologies cannot have agreed in person.
    let (status, answer) =
        post(g, "education-dsl", &format!("/v1/meetings/{m}/views"), json!({"text": "x", "absent": true})).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("absent")), "{answer}");
    let (status, answer) = post(
        g,
        coordinator,
        &format!("/v1/meetings/{m}/decisions"),
        json!({"text": "x", "agreed_by": ["police"], "agreeing": [{"agency": "police", "name": "Alex Morgan"}]}),
    )
    .await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("agreeing[0].agency")), "{answer}");
    let (status, answer) =
        post(g, coordinator, &format!("/v1/meetings/{m}/attendance"), json!({"attended": ["fire"]})).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("attended[0]")));
    let (status, view) = post(
        g,
        "health-health_visitor",
        &format!("/v1/meetings/{m}/views"),
        json!({"text": "Missed two appointments; <script>alert(1)</script> not seen since October.", "absent": true}),
    )
    .await;
    assert_eq!(status, 201, "{view}");
    assert_eq!(
        post(
            g,
            "police-investigator",
            &format!("/v1/meetings/{m}/views"),
            json!({"text": "A call-out in November.", "absent": true})
        )
        .await
        .0,
        201
    );

    // Who agreed: a person of an agency that did not agree is refused, naming the field.
    let (status, refused) = post(
        g,
        coordinator,
        &format!("/v1/meetings/{m}/decisions"),
        json!({"text": "x", "agreed_by": ["education"], "agreeing": [{"agency": "police", "name": "Alex Morgan"}]}),
    )
    .await;
    assert_eq!((status, refused["error"]["field"].as_str()), (400, Some("agreeing[0].agency")), "{refused}");

    // A joint decision, with the people who agreed and a dissent; flagged until a manager endorses it.
    let (status, decided) = post(
        g,
        coordinator,
        &format!("/v1/meetings/{m}/decisions"),
        json!({
            "text": "The plan continues; the school shares attendance weekly.",
            "agreed_by": ["social_care", "education", "health"],
            "agreeing": [{"agency": "education", "name": "Sam Patel"}, {"agency": "social_care", "name": "Chris Doe"}],
            "dissent": [{"agency": "police", "name": "Alex Morgan", "reason": "Would escalate to a strategy discussion."}]
        }),
    )
    .await;
    assert_eq!(status, 201, "{decided}");
    let d = decided["id"].as_str().unwrap().to_owned();
    assert_eq!(decided["meeting"]["decisions"][0]["needs_endorsement"], true);
    assert_eq!(
        decided["meeting"]["decisions"][0]["agreeing"][1],
        json!({"agency": "social_care", "name": "Chris Doe"})
    );

    let pack_url = g.url(&format!("/v1/meetings/{m}/pack"));
    let (status, pack) = send(person("education-dsl").get(&pack_url)).await;
    assert_eq!(status, 200, "{pack}");
    assert_eq!(pack["unendorsed_decisions"], json!([d]), "a decision lacking its endorsement is flagged");
    assert_eq!(pack["apologies_without_view"], json!([]), "health and police both gave views");

    // While a decision awaits its endorsement, the coordinator cannot close; a manager can, saying why.
    let (status, refused) = post(g, coordinator, &format!("/v1/meetings/{m}/close"), json!({})).await;
    assert_eq!(status, 409, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains(&d), "names what is missing: {refused}");
    let (status, refused) = post(g, "social_care-manager", &format!("/v1/meetings/{m}/close"), json!({})).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (400, Some("reason")), "{refused}");
    let (status, _) = post(
        g,
        coordinator,
        &format!("/v1/meetings/{later}/decisions"),
        json!({"text": "Meet again in a month.", "agreed_by": ["education"]}),
    )
    .await;
    assert_eq!(status, 201);
    let why = json!({"reason": "The child has moved out of the area; the plan transfers."});
    let (status, closed) = post(g, "social_care-manager", &format!("/v1/meetings/{later}/close"), why).await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["closed_because"], "The child has moved out of the area; the plan transfers.");
    let views = pack["meeting"]["views"].as_array().unwrap();
    assert_eq!(views.len(), 2);
    assert!(views.iter().all(|v| v["absent"] == true), "views given in absence are marked");
    assert_eq!(views[0]["by"]["person"], "Grace Okafor");
    let parts = pack["parts"].as_array().unwrap();
    let agencies: Vec<&str> = parts.iter().map(|p| p["agency"].as_str().unwrap()).collect();
    assert_eq!(agencies, vec!["education", "health", "police", "social_care"]);
    for part in parts {
        let id = part["disclosure_id"].as_str().unwrap();
        assert_eq!(logged_meeting(g, id).as_deref(), Some(m.as_str()), "every part is a disclosure under the meeting");
    }
    let education = &parts[0];
    let categories: Vec<&str> =
        education["records"].as_array().unwrap().iter().map(|r| r["category"].as_str().unwrap()).collect();
    assert_eq!(categories, vec!["education.attendance", "education.behaviour"]);
    let health_refused: Vec<&str> =
        parts[1]["refused"].as_array().unwrap().iter().map(|r| r["category"].as_str().unwrap()).collect();
    assert_eq!(health_refused, vec!["health.mental_health"], "mental health is not circulated to a core group");
    assert_eq!(parts[2]["partial"], true, "police's node is down: its part is marked");

    let html = person("education-dsl").get(&pack_url).query(&[("format", "html")]).send().await.unwrap();
    assert!(html.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let policy = html.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.starts_with("default-src 'none';") && !policy.contains("script"), "no script may run: {policy}");
    assert_eq!(html.headers()["cache-control"], "no-store");
    let html = html.text().await.unwrap();
    assert!(html.contains("education.attendance") && html.contains("Dissent: "), "{html}");
    assert!(html.contains("(Sam Patel of education, Chris Doe of social_care)"), "{html}");
    assert!(html.contains("Dissent: police (Alex Morgan): Would escalate"), "{html}");
    assert!(html.contains("NOT ENDORSED"), "{html}");
    assert!(html.contains("given in absence"));
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"), "text is escaped");

    assert_eq!(
        post(g, coordinator, &format!("/v1/meetings/{m}/decisions/{d}/endorse"), json!({})).await.0,
        403,
        "a coordinator is not a manager"
    );
    assert_eq!(
        post(g, "health-manager", &format!("/v1/meetings/{m}/decisions/{d}/endorse"), json!({})).await.0,
        403,
        "the coordinating agency's manager"
    );
    let (status, endorsed) = post(
        g,
        "social_care-manager",
        &format!("/v1/meetings/{m}/decisions/{d}/endorse"),
        json!({"comment": "Agreed."}),
    )
    .await;
    assert_eq!(status, 200, "{endorsed}");
    assert_eq!(endorsed["decisions"][0]["endorsed_by"]["person"], "Ruth Campbell");
    assert_eq!(
        post(g, "social_care-manager", &format!("/v1/meetings/{m}/decisions/{d}/endorse"), json!({})).await.0,
        409
    );
    let (_, pack) = send(person("education-dsl").get(&pack_url)).await;
    assert_eq!(pack["unendorsed_decisions"], json!([]));
    // The pack keeps what the seed asks: each record's sources (¶14), the endorsement's comment, times as a person
    // reads them, and no doubled full stops.
    let html = person("education-dsl").get(&pack_url).query(&[("format", "html")]).send().await.unwrap();
    let html = html.text().await.unwrap();
    assert!(html.contains("Sources (¶14): 1. the class register (school records)"), "{html}");
    assert!(html.contains("Endorsed by Ruth Campbell (social_care): Agreed."), "{html}");
    assert!(html.contains("Would escalate to a strategy discussion. "), "{html}");
    assert!(!html.contains(".."), "no doubled full stops: {html}");
    assert!(!html.contains("T10:00:00"), "times as a person reads them: {html}");

    // Closed: no new disclosure under it.
    assert_eq!(post(g, "education-dsl", &format!("/v1/meetings/{m}/close"), json!({})).await.0, 403);
    assert_eq!(post(g, coordinator, &format!("/v1/meetings/{m}/close"), json!({})).await.0, 200);
    assert_eq!(post(g, coordinator, &format!("/v1/meetings/{m}/close"), json!({})).await.0, 409);
    let (status, refused) = post(g, "health-health_visitor", "/v1/requests", ask(&m)).await;
    assert_eq!(status, 403, "{refused}");
    assert!(refused["refused"][0]["why"].as_str().unwrap().contains("closed"), "{refused}");
    // A view after the close is a late addendum, marked so; nothing is edited.
    let (status, late) =
        post(g, "police-investigator", &format!("/v1/meetings/{m}/views"), json!({"text": "A late call-out."})).await;
    assert_eq!(status, 201, "{late}");
    assert_eq!(late["meeting"]["views"][2]["late"], true, "{late}");
    assert_eq!(late["meeting"]["views"][0]["late"], false);
    let (_, pack) = send(person("education-dsl").get(&pack_url)).await;
    assert_eq!(pack["parts"], json!([]), "nothing fetched or shared under a closed meeting: {pack}");
    // What was shared while it was open, from the log: the school's attendance to health, among others.
    let shared = pack["shared_while_open"].as_array().unwrap();
    assert!(
        shared.iter().any(|s| s["received_by"].as_str().unwrap().contains("health")
            && s["given"].as_array().unwrap().contains(&json!("education.attendance from education"))),
        "{pack}"
    );
    assert_eq!(pack["meeting"]["views"].as_array().unwrap().len(), 3, "the views, the addendum and decisions stay");
}

on_both_backends!(a_meetings_sharing_is_reviewed_as_one);

/// Opening a meeting's pack three times writes a disclosure per invited agency each time. Each used to wait for
/// every involved agency's DPO as sharing "without consent"; now each DPO's queue shows the meeting's sharing as one
/// line, and one review covers it (issue 22).
async fn a_meetings_sharing_is_reviewed_as_one(backend: Backend) {
    let f = federation_with(backend, |_| {}).await;
    let g = &f.gateway;
    let invitation =
        json!({"subject": f.subject, "scheduled_for": soon(), "invited": ["police", "education", "health"]});
    let (status, created) = post(g, "social_care-coordinator", "/v1/meetings", invitation).await;
    assert_eq!(status, 201, "{created}");
    let m = created["id"].as_str().unwrap().to_owned();
    for _ in 0..3 {
        let (status, _) = send(person("education-dsl").get(g.url(&format!("/v1/meetings/{m}/pack")))).await;
        assert_eq!(status, 200);
    }
    let queue = |dpo: &'static str| {
        let (url, m) = (g.url("/v1/disclosures/unreviewed"), m.clone());
        async move {
            let (status, queue) = send(person(dpo).get(url)).await;
            assert_eq!(status, 200, "{queue}");
            queue.as_array().unwrap().iter().filter(|e| e["meeting"] == m.as_str()).cloned().collect::<Vec<Value>>()
        }
    };
    let school = queue("education-dpo").await;
    assert_eq!(school.len(), 1, "one line for the meeting: {school:?}");
    assert_eq!(school[0]["waiting"], json!(["core_group_meeting"]));
    assert_eq!(school[0]["meeting_disclosures"], 12, "four parts, three times");
    let health = queue("health-dpo").await;
    assert_eq!((health.len(), &health[0]["meeting_disclosures"]), (1, &json!(3)), "{health:?}");

    let url = g.url(&format!("/v1/meetings/{m}/review"));
    let comment = json!({"verdict": "appropriate", "comment": "The core group's sharing was within the plan."});
    let (status, _) = send(person("education-dsl").post(&url).json(&comment)).await;
    assert_eq!(status, 403, "a DPO reviews");
    let (status, reviewed) = send(person("education-dpo").post(&url).json(&comment)).await;
    assert_eq!(status, 201, "{reviewed}");
    assert_eq!(reviewed["reviews"].as_array().unwrap().len(), 12, "one review entry per disclosure");
    assert!(queue("education-dpo").await.is_empty(), "the school's queue is clear of the meeting");
    assert_eq!(queue("health-dpo").await.len(), 1, "health's DPO still reviews its own part");
    let (status, _) = send(person("education-dpo").post(&url).json(&comment)).await;
    assert_eq!(status, 404, "nothing left to review");
}
