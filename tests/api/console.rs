//! The DPO console over real mTLS: its pages, its scoping, its review form and what keeps other sites' forms out.
//! (`browser.rs` drives the same pages in a real headless Chromium.)

use serde_json::json;

use crate::databases::Backend;
use crate::dpo::{ask, story};
use crate::helpers::{TestGateway, person, send, spawn_gateway};
use crate::sharing::federation_with;
use crate::subjects::fresh_nhs_number;

/// GETs a console page as `who`: status, content type, body.
pub(crate) async fn page(gateway: &TestGateway, who: &str, path: &str) -> (u16, String, String) {
    page_at(&gateway.url(""), who, path).await
}

/// GETs a console page of the server at `base` (a gateway or a node) as `who`: status, content type, body.
pub(crate) async fn page_at(base: &str, who: &str, path: &str) -> (u16, String, String) {
    let response = person(who).get(format!("{base}{path}")).send().await.expect("the server answers");
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, kind, response.text().await.expect("body"))
}

/// Posts the review form for `disclosure` as `who`, with `headers` (a browser's `Origin`, `Sec-Fetch-Site`).
async fn post_review(
    gateway: &TestGateway,
    who: &str,
    disclosure: &str,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = person(who).post(gateway.url(&format!("/console/disclosures/{disclosure}/review"))).form(form);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("the gateway answers")
}

async fn unreviewed(gateway: &TestGateway, who: &str) -> Vec<String> {
    let (status, queue) = send(person(who).get(gateway.url("/v1/disclosures/unreviewed"))).await;
    assert_eq!(status, 200, "{queue}");
    queue.as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_dpo_reads_the_queue_an_entry_and_a_childs_history() {
    let gateway = spawn_gateway().await;
    let s = story(&gateway).await;
    let hostile = "<script>alert(1)</script> & <b>bold</b>";
    let injected =
        ask(&gateway, "police-investigator", &s.subject, "health.summary", "safeguarding", "consent", hostile).await;

    let response = person("police-dpo").get(gateway.url("/console")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let queue = response.text().await.unwrap();
    assert!(queue.contains("Tom Hughes (dpo, police)"), "{queue}");
    assert!(queue.contains(&format!("/console/disclosures/{}", s.police_refused)), "{queue}");
    assert!(queue.contains(&format!("/console/disclosures/{injected}")), "{queue}");
    // Not police's: a school's answer to social care.
    assert!(!queue.contains(&s.school_granted), "{queue}");

    let (status, kind, entry) = page(&gateway, "police-dpo", &format!("/console/disclosures/{injected}")).await;
    assert_eq!((status, kind.as_str()), (200, "text/html; charset=utf-8"));
    assert!(entry.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"), "{entry}");
    assert!(!entry.contains("<script") && !entry.contains("<b>"), "the requester's text became markup: {entry}");
    assert!(entry.contains("Alex Morgan (investigator, police)") && entry.contains("refused"), "{entry}");
    assert!(entry.contains(r#"<textarea name="comment""#), "a form to review it: {entry}");

    // The proof that it is in the log, checked by the console and shown with what checks it elsewhere.
    let proof_page = format!("/console/disclosures/{injected}/proof");
    assert!(entry.contains(&proof_page), "{entry}");
    let (status, _, proof) = page(&gateway, "police-dpo", &proof_page).await;
    assert_eq!(status, 200, "{proof}");
    assert!(
        proof.contains("Checked here: entry") && proof.contains("is part of the log the gateway signed"),
        "{proof}"
    );
    let (_, json) = send(person("police-dpo").get(gateway.url(&format!("/v1/log/proof/{injected}")))).await;
    assert!(proof.contains(json["checkpoint"]["root"].as_str().unwrap()), "the root the JSON proof names: {proof}");
    // The evidence file to keep, linked for download (`evidence::…` checks the file itself).
    assert!(proof.contains(&format!("href=\"/v1/disclosures/{injected}/evidence\" download")), "{proof}");
    let (status, _, _) = page(&gateway, "education-dpo", &proof_page).await;
    assert_eq!(status, 404, "not an entry the school is in");

    let (status, _, history) = page(&gateway, "police-dpo", &format!("/console/subjects/{}", s.subject)).await;
    assert_eq!(status, 200);
    assert!(history.contains(&s.police_refused) && history.contains(&injected), "{history}");
    assert!(history.contains("Alex Morgan (investigator, police) asked for health.mental_health"), "{history}");
    assert!(!history.contains(&s.school_granted), "{history}");
}

#[tokio::test]
async fn a_granted_disclosures_page_names_what_was_given_on_what_ground_and_which_records() {
    let f = federation_with(Backend::Sqlite, |_| {}).await;
    let body = json!({"subject": f.subject, "categories": ["education.attendance", "health.mental_health"],
        "purpose": "safeguarding", "lawful_basis": "consent", "reason": "Concerns raised by the school."});
    let (status, answer) =
        send(person("social_care-social_worker").post(f.gateway.url("/v1/requests")).json(&body)).await;
    assert_eq!(status, 200, "{answer}");
    let (id, record) = (answer["disclosure_id"].as_str().unwrap(), answer["records"][0]["id"].as_str().unwrap());

    let (status, _, shown) = page(&f.gateway, "education-dpo", &format!("/console/disclosures/{id}")).await;
    assert_eq!(status, 200, "{shown}");
    assert!(shown.contains(&format!("1: <code>{record}</code>")), "the record given, by id: {shown}");
    let given = shown.split("<h2>Given</h2>").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(given.contains("education.attendance") && given.contains("consent con_"), "{given}");
    let refused = shown.split("<h2>Refused</h2>").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(refused.contains("health.mental_health"), "{refused}");
    assert!(shown.contains("partial"), "granted in part: {shown}");
    // Made under consent and not refused outright: not for review, but any DPO involved may still review it.
    assert!(shown.contains(r#"<textarea name="comment""#));
}

#[tokio::test]
async fn the_console_shows_only_a_dpo_what_their_agency_is_in() {
    let gateway = spawn_gateway().await;
    let s = story(&gateway).await;
    for who in ["police-investigator", "social_care-manager"] {
        // Their start page is their casework; the DPO's pages are not theirs.
        let (status, _, start) = page(&gateway, who, "/console").await;
        assert_eq!(status, 200, "{start}");
        assert!(start.contains("Find a child") && !start.contains("Review queue"), "{who}: {start}");
        for path in ["/console/disclosures", "/console/overview", "/console/incidents", "/console/policy"] {
            let (status, kind, body) = page(&gateway, who, path).await;
            assert_eq!((status, kind.as_str()), (403, "text/html; charset=utf-8"), "{who} {path}");
            assert!(body.contains("this is for data-protection officers"), "{body}");
        }
    }
    // Education was neither asked nor asking: "not found", word for word as for an id that does not exist.
    let (status, _, other) =
        page(&gateway, "education-dpo", &format!("/console/disclosures/{}", s.police_refused)).await;
    let (missing, _, none) =
        page(&gateway, "education-dpo", "/console/disclosures/dis_0000000000000000000000000000dead").await;
    assert_eq!((status, missing), (404, 404));
    assert_eq!(other, none);
    assert!(other.contains("no disclosure with that id involves your agency"), "{other}");
    let (status, _, queue) = page(&gateway, "police-dpo", "/console/").await;
    assert_eq!(status, 200, "{queue}");
    let (status, _, body) = page(&gateway, "police-dpo", "/console/no-such-page").await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn the_search_filters_exports_and_names_what_it_cannot_read() {
    let gateway = spawn_gateway().await;
    let s = story(&gateway).await;
    // The browser sends every field of the form, the unused ones empty.
    let blank = "subject=&agency=&person=&purpose=&basis=&decision=&kind=&from=&to=";
    let (status, _, all) = page(&gateway, "health-dpo", &format!("/console/disclosures?{blank}")).await;
    assert_eq!(status, 200, "{all}");
    assert!(all.contains(&s.police_refused) && all.contains(&s.health_refused), "{all}");
    assert!(!all.contains(&s.school_granted), "{all}");
    let one_child =
        format!("/console/disclosures?subject={}&agency=police&decision=refused&from=2000-01-01", s.subject);
    let (status, _, found) = page(&gateway, "health-dpo", &one_child).await;
    assert_eq!(status, 200, "{found}");
    assert!(found.contains(&s.police_refused) && !found.contains(&s.health_refused), "{found}");
    assert!(found.contains(r#"<option value="police" selected>"#), "the form shows the filter again: {found}");
    let future = "/console/disclosures?to=2000-01-01";
    let (_, _, none) = page(&gateway, "health-dpo", future).await;
    assert!(none.contains("No entry matches.") && !none.contains(&s.police_refused), "{none}");

    // The CSV link asks the JSON API for the same entries.
    let link = found.split(r#"<a href=""#).find(|a| a.starts_with("/v1/disclosures?")).unwrap();
    let link = link.split('"').next().unwrap().replace("&amp;", "&");
    let csv = person("health-dpo").get(gateway.url(&link)).send().await.unwrap().text().await.unwrap();
    assert!(csv.starts_with("index,") && csv.contains(&s.police_refused), "{csv}");
    assert!(!csv.contains(&s.health_refused), "{csv}");

    for (query, field) in [("from=26/11/2026", "from"), ("agency=mi5", "agency"), ("colour=red", "colour")] {
        let (status, kind, body) = page(&gateway, "health-dpo", &format!("/console/disclosures?{query}")).await;
        assert_eq!((status, kind.as_str()), (400, "text/html; charset=utf-8"), "{query}: {body}");
        assert!(body.contains(field), "the page names {field}: {body}");
    }
}

#[tokio::test]
async fn a_childs_history_is_found_by_nhs_number() {
    let gateway = spawn_gateway().await;
    let nhs = fresh_nhs_number();
    let body = json!({"nhs_number": nhs, "name": "Lily Example", "date_of_birth": "2015-03-02", "local_refs": {}});
    let (_, child) = send(person("social_care-social_worker").post(gateway.url("/v1/subjects")).json(&body)).await;
    let child = child["id"].as_str().unwrap();
    let asked =
        ask(&gateway, "police-investigator", child, "health.summary", "safeguarding", "consent", "worried").await;
    // The API takes the NHS number for a child's history too.
    let (status, lines) = send(person("health-dpo").get(gateway.url(&format!("/v1/subjects/{nhs}/disclosures")))).await;
    assert_eq!(status, 200, "{lines}");
    assert_eq!(lines[0]["disclosure_id"], asked.as_str(), "{lines}");
    // And the log's search, by NHS number as by id (issue 22); an NHS number the index does not hold finds nothing.
    let (status, found) =
        send(person("health-dpo").get(gateway.url("/v1/disclosures")).query(&[("subject", nhs.as_str())])).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["disclosures"][0]["id"], asked.as_str(), "{found}");
    let stranger = fresh_nhs_number();
    let (_, none) =
        send(person("health-dpo").get(gateway.url("/v1/disclosures")).query(&[("subject", stranger.as_str())])).await;
    assert_eq!(none["disclosures"], json!([]), "{none}");
    let (_, _, listing) = page(&gateway, "health-dpo", &format!("/console/disclosures?subject={nhs}")).await;
    assert!(listing.contains(&asked), "the console's search takes the NHS number too");

    // Found from the DPO's agency's own entries, not the subject index (issue 30): no redirect to the child's id.
    let response =
        person("health-dpo").get(gateway.url(&format!("/console/subjects?nhs_number={nhs}"))).send().await.unwrap();
    assert_eq!((response.status().as_u16(), response.url().path()), (200, "/console/subjects"));
    assert!(response.text().await.unwrap().contains(&asked));
    let (status, _, body) = page(&gateway, "health-dpo", "/console/subjects?nhs_number=9434765918").await;
    assert_eq!(status, 400, "a number that fails its check digit: {body}");
    assert!(body.contains("nhs_number"), "{body}");
    // A child the index does not hold reads as one with no history with the agency: the page says nothing more.
    let (status, _, body) =
        page(&gateway, "health-dpo", &format!("/console/subjects?nhs_number={}", fresh_nhs_number())).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("/console/disclosures/dis_"), "{body}");
    let (status, _, _) = page(&gateway, "police-investigator", &format!("/console/subjects?nhs_number={nhs}")).await;
    assert_eq!(status, 403);
}

/// The disclosure ids a page of the console links to, in order.
fn linked(page: &str) -> Vec<String> {
    page.split(r#"href="/console/disclosures/"#)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn search_results_page_by_a_next_link_without_gaps_or_repeats() {
    let gateway = spawn_gateway().await;
    let s = story(&gateway).await;
    let mut made = vec![s.police_refused.clone()];
    for n in 0..60 {
        let reason = format!("refusal {n}");
        made.push(
            ask(&gateway, "police-investigator", &s.subject, "health.summary", "safeguarding", "consent", &reason)
                .await,
        );
    }
    let (status, _, first) = page(&gateway, "police-dpo", "/console/disclosures?decision=refused&kind=request").await;
    assert_eq!(status, 200, "{first}");
    let next = first.split(r#"<a href=""#).find(|a| a.starts_with("/console/disclosures?")).unwrap();
    let next = next.split('"').next().unwrap().replace("&amp;", "&");
    assert!(next.contains("decision=refused") && next.contains("kind=request") && next.contains("after="), "{next}");
    let (status, _, second) = page(&gateway, "police-dpo", &next).await;
    assert_eq!(status, 200, "{second}");
    assert!(!second.contains(r#"rel="next""#), "the last page links to no next one");
    let (first, second) = (linked(&first), linked(&second));
    assert_eq!((first.len(), second.len()), (50, 11));
    assert_eq!([first, second].concat(), made, "every entry once, in log order");

    // All of them wait for police's review: the queue pages the same way ("More waiting").
    let (_, _, first) = page(&gateway, "police-dpo", "/console").await;
    let more = first.split(r#"<a href=""#).find(|a| a.starts_with("/console?after=")).unwrap();
    let (status, _, second) = page(&gateway, "police-dpo", more.split('"').next().unwrap()).await;
    assert_eq!(status, 200, "{second}");
    assert!(!second.contains("More waiting"), "{second}");
    assert_eq!([linked(&first), linked(&second)].concat(), made);
    // So does the API's queue, from the last entry's index.
    let queue = |query: String| {
        let gateway = &gateway;
        async move {
            let (status, page) =
                send(person("police-dpo").get(gateway.url(&format!("/v1/disclosures/unreviewed?{query}")))).await;
            assert_eq!(status, 200, "{page}");
            page.as_array().unwrap().clone()
        }
    };
    let first = queue("limit=60".into()).await;
    let rest = queue(format!("after={}", first.last().unwrap()["index"])).await;
    let ids: Vec<&str> = first.iter().chain(&rest).map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!((first.len(), rest.len(), ids), (60, 1, made.iter().map(String::as_str).collect::<Vec<_>>()));
}

#[tokio::test]
async fn a_review_made_in_the_console_is_logged_once_and_other_sites_forms_are_refused() {
    let gateway = spawn_gateway().await;
    let s = story(&gateway).await;
    let own = format!("https://localhost:{}", gateway.port);
    let comment = [("verdict", "appropriate"), ("comment", "Checked: no consent, refused correctly.")];
    let other_sites: [&[(&str, &str)]; 4] = [
        &[("origin", "https://attacker.example")],
        &[("origin", "null")],
        &[("sec-fetch-site", "cross-site"), ("sec-fetch-mode", "navigate"), ("origin", "https://attacker.example")],
        &[("sec-fetch-site", "same-site"), ("origin", "https://other.localhost")],
    ];
    for headers in other_sites {
        let response = post_review(&gateway, "police-dpo", &s.police_refused, &comment, headers).await;
        assert_eq!(response.status(), 403, "{headers:?}");
        assert!(response.text().await.unwrap().contains("started by another site's page"), "{headers:?}");
    }
    assert!(unreviewed(&gateway, "police-dpo").await.contains(&s.police_refused), "a refused form changed nothing");
    let own: &[(&str, &str)] = &[("origin", &own), ("sec-fetch-site", "same-origin")];

    let extra = [("verdict", "appropriate"), ("comment", "x"), ("reviewer", "someone else")];
    let response = post_review(&gateway, "police-dpo", &s.police_refused, &extra, own).await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("unknown field"));

    // Accepted: See Other to the disclosure's page, which now shows the review and no form.
    let response = post_review(&gateway, "police-dpo", &s.police_refused, &comment, own).await;
    assert_eq!(
        (response.status().as_u16(), response.url().path()),
        (200, format!("/console/disclosures/{}", s.police_refused).as_str())
    );
    let shown = response.text().await.unwrap();
    assert!(shown.contains("Reviewed by Tom Hughes (dpo, police)") && shown.contains(comment[1].1), "{shown}");
    assert!(shown.contains("Verdict: <strong>appropriate</strong>"), "{shown}");
    assert!(!shown.contains(r#"name="comment""#), "{shown}");
    assert!(!unreviewed(&gateway, "police-dpo").await.contains(&s.police_refused));
    // The review is an entry of the log, like one made through the API; health's queue is its own.
    let (_, reviews) = send(person("police-dpo").get(gateway.url("/v1/disclosures?kind=review"))).await;
    assert_eq!(reviews["disclosures"].as_array().unwrap().len(), 1, "{reviews}");
    assert!(unreviewed(&gateway, "health-dpo").await.contains(&s.police_refused));

    let again = post_review(&gateway, "police-dpo", &s.police_refused, &comment, own).await;
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("already"));
}

/// The policies the gateway decided with, as its log holds them: the one it started with, by whom.
#[tokio::test]
async fn the_policy_changes_page_lists_the_policy_put_in_force_at_the_start() {
    let gateway = spawn_gateway().await;
    let (status, kind, body) = page(&gateway, "health-dpo", "/console/policy").await;
    assert_eq!((status, kind.starts_with("text/html")), (200, true), "{body}");
    let (_, policy) = send(person("health-dpo").get(gateway.url("/v1/policy"))).await;
    let hash = policy["hash"].as_str().unwrap();
    assert!(body.contains(&hash[..16]), "the policy in force, by hash: {body}");
    assert!(body.contains("the gateway started with it") && body.contains("the first policy logged"), "{body}");
    assert!(body.contains(&format!("pid {}", std::process::id())), "the gateway's process (this test's): {body}");
    let (status, _, refused) = page(&gateway, "police-investigator", "/console/policy").await;
    assert_eq!(status, 403, "{refused}");
}

/// Posts a console form to `path` as `who`, from the console's own page (its `Origin`); follows the See Other.
pub(crate) async fn post_form(
    gateway: &TestGateway,
    who: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    post_form_at(&gateway.url(""), who, path, form).await
}

/// The same, to the server at `base` (a gateway or a node).
pub(crate) async fn post_form_at(base: &str, who: &str, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let response = person(who)
        .post(format!("{base}{path}"))
        .form(form)
        .header("origin", base)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("the server answers");
    let (status, at) = (response.status().as_u16(), response.url().path().to_owned());
    (status, at, response.text().await.unwrap())
}

/// The queue grouped by child and by requester, with names, NHS numbers and time waiting; two entries ticked and
/// found in breach in one step; the incident's page with its clock, closed from its form.
#[tokio::test]
async fn the_queue_is_grouped_reviewed_several_at_once_and_a_breach_is_an_incident() {
    let gateway = spawn_gateway().await;
    let s = story(&gateway).await;
    let (status, _, by_child) = page(&gateway, "health-dpo", "/console?group=child").await;
    assert_eq!(status, 200, "{by_child}");
    assert_eq!(by_child.matches("<h2>Child: Lily Example (NHS ").count(), 2, "two children, a group each: {by_child}");
    for heading in by_child.split("<h2>Child: Lily Example (NHS ").skip(1) {
        // The NHS number as letters print it, 3 3 4, and the group's count.
        let number = heading.get(..12).unwrap_or_default();
        let printed =
            number.chars().enumerate().all(|(i, c)| if i == 3 || i == 7 { c == ' ' } else { c.is_ascii_digit() });
        assert!(printed && heading[12..].starts_with(") (1)</h2>"), "{heading}");
    }
    assert!(by_child.contains(" min</td>"), "how long each has waited: {by_child}");
    assert!(!by_child.contains(&format!("<code>{}</code>", s.subject)), "the child by name, not id: {by_child}");
    let (_, _, by_requester) = page(&gateway, "health-dpo", "/console?group=requester").await;
    assert!(by_requester.contains("<h2>Asked by Alex Morgan (investigator, police) (1)</h2>"), "{by_requester}");
    let (status, _, _) = page(&gateway, "health-dpo", "/console?group=colour").await;
    assert_eq!(status, 400);

    // Nothing ticked: refused, saying so.
    let verdict = [("verdict", "breach"), ("comment", "Asked with no ground at all."), ("group", "child")];
    let (status, _, none) = post_form(&gateway, "health-dpo", "/console/reviews", &verdict).await;
    assert_eq!(status, 400, "{none}");
    assert!(none.contains("choose at least one disclosure"), "{none}");
    let mut ticked = vec![("disclosure", s.police_refused.as_str()), ("disclosure", s.health_refused.as_str())];
    ticked.extend(verdict);
    let (status, at, incident) = post_form(&gateway, "health-dpo", "/console/reviews", &ticked).await;
    assert_eq!(status, 200, "{incident}");
    assert!(at.starts_with("/console/incidents/inc_"), "a breach goes to its incident: {at}");
    for id in [&s.police_refused, &s.health_refused] {
        assert!(incident.contains(&format!("href=\"/console/disclosures/{id}\"")), "{incident}");
    }
    assert!(incident.contains("to decide") && incident.contains(" h "), "the 72 hours' clock: {incident}");
    let (_, _, queue) = page(&gateway, "health-dpo", "/console").await;
    assert!(!queue.contains(&s.police_refused) && !queue.contains(&s.health_refused), "{queue}");
    let (_, _, list) = page(&gateway, "health-dpo", "/console/incidents").await;
    assert!(list.contains("1 open, 0 closed."), "{list}");

    let close = [("outcome", "reported_to_ico"), ("note", "Reported: ICO reference IC-000001-TEST.")];
    let (status, _, closed) = post_form(&gateway, "health-dpo", &format!("{at}/close"), &close).await;
    assert_eq!(status, 200, "{closed}");
    assert!(closed.contains("reported to the ICO") && closed.contains("IC-000001-TEST"), "{closed}");
    assert!(!closed.contains("name=\"note\""), "closed: no form any more: {closed}");
    let (_, _, list) = page(&gateway, "health-dpo", "/console/incidents").await;
    assert!(list.contains("0 open, 1 closed."), "{list}");
    let (status, _, _) = page(&gateway, "police-dpo", &at).await;
    assert_eq!(status, 404, "another agency's incident");

    // The search counts what matches, and takes the new filters.
    let (_, _, found) =
        page(&gateway, "health-dpo", "/console/disclosures?verdict=breach&reviewed=yes&person=MORG").await;
    assert!(found.contains("1 entry matches.") && found.contains(&s.police_refused), "{found}");
}

/// A disclosure's ground is one click from the child's consent register, which shows the consent as recorded, a
/// decision not to seek consent with its reasons — waiting for its endorsement, then endorsed — and the privacy
/// notices.
#[tokio::test]
async fn the_ground_of_a_disclosure_links_to_the_childs_consent_register() {
    let gateway = spawn_gateway().await;
    let s = story(&gateway).await;
    let (_, _, shown) = page(&gateway, "education-dpo", &format!("/console/disclosures/{}", s.school_granted)).await;
    let link = format!("/console/subjects/{}/register#con_", s.subject);
    let at =
        shown.find(&format!("href=\"{link}")).unwrap_or_else(|| panic!("the ground links to the register: {shown}"));
    let consent = &shown[at + 6 + link.len() - 4..][..36];
    assert!(consent.starts_with("con_"), "{consent}");

    let decision = json!({
        "lawful_basis": "children_act_1989_s47",
        "reasons": "Asking the parents would alert the alleged abuser.",
        "categories": ["education.attendance"], "recipients": ["social_care"], "purposes": ["safeguarding"]
    });
    let url = gateway.url(&format!("/v1/subjects/{}/consent-decisions", s.subject));
    let (status, decided) = send(person("education-dsl").post(&url).json(&decision)).await;
    assert_eq!(status, 201, "{decided}");
    let register = format!("/console/subjects/{}/register", s.subject);
    let (status, _, before) = page(&gateway, "education-dpo", &register).await;
    assert_eq!(status, 200, "{before}");
    assert!(before.contains(&format!("id=\"{consent}\"")) && before.contains("Sarah Example (parent)"), "{before}");
    assert!(before.contains("active") && before.contains("Asking the parents would alert the alleged abuser."));
    assert!(before.contains("not endorsed: waiting"), "{before}");
    let endorse = gateway.url(&format!("/v1/consent-decisions/{}/endorse", decided["id"].as_str().unwrap()));
    let comment = json!({"comment": "Agreed: the risk is real."});
    assert_eq!(send(person("education-manager").post(&endorse).json(&comment)).await.0, 200);
    let (_, _, after) = page(&gateway, "education-dpo", &register).await;
    assert!(
        !after.contains("not endorsed") && after.contains("(manager, education): Agreed: the risk is real."),
        "{after}"
    );
    // Police is part of neither: the register shows it nothing of them.
    let (_, _, theirs) = page(&gateway, "police-dpo", &register).await;
    assert!(!theirs.contains(consent) && !theirs.contains("alleged abuser"), "{theirs}");
}
