//! The DPO console in a real headless Chromium that holds a DPO's client certificate: the queue, a disclosure's page,
//! and a review typed into its form and sent by the browser itself (so its own `Origin`, its own redirect); and every
//! page of the console at 1280 px, each photographed, measured (nothing wider than the window) and checked by
//! axe-core for WCAG 2.2 A and AA.
//!
//! It runs when `SHAREGATE_TEST_CHROMIUM` names a Chromium (`.ci/run` sets it), and the accessibility test when
//! `SHAREGATE_TEST_AXE` names axe-core's `axe.min.js` too. Chromium needs NSS's tools and openssl to take the
//! certificate, and a policy that chooses the client certificate for `https://localhost:*` — headless, it cannot
//! ask — which `.ci/run` writes. Without the variables the tests say they were skipped.

use crate::helpers::BoundedOutput;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use base64::Engine;
use headless_chrome::protocol::cdp::Page;
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::{Value, json};

use crate::dpo::{ask, story};
use crate::helpers::{federation, person, send, spawn_gateway};

const CHROMIUM_ENV: &str = "SHAREGATE_TEST_CHROMIUM";

fn run(command: &mut Command) {
    let output = command.bounded_output().unwrap_or_else(|e| panic!("{command:?} cannot run: {e}"));
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// A home for Chromium whose NSS database holds `<agency>-<role>`'s certificate and key and trusts the federation CA.
fn home_holding(who: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join(".pki/nssdb");
    std::fs::create_dir_all(&db).unwrap();
    let db = format!("sql:{}", db.display());
    let (agency, role) = who.split_once('-').unwrap();
    let (cert, key) = federation().layout.person(agency, role);
    let p12 = home.path().join("person.p12");
    run(Command::new("certutil").args(["-N", "--empty-password", "-d", &db]));
    run(Command::new("openssl")
        .args(["pkcs12", "-export", "-passout", "pass:", "-in"])
        .arg(&cert)
        .arg("-inkey")
        .arg(&key)
        .arg("-out")
        .arg(&p12));
    run(Command::new("pk12util").args(["-W", "", "-d", &db, "-i"]).arg(&p12));
    run(Command::new("certutil")
        .args(["-A", "-n", "sharegate test CA", "-t", "C,,", "-d", &db, "-i"])
        .arg(federation().layout.ca_cert()));
    home
}

/// The width the console is built to fit, as a DPO's laptop shows it.
const WIDTH: u32 = 1280;

/// Chromium, headless, in a window 1280 px wide, with `home`'s certificates.
fn launch(chromium: PathBuf, home: &Path) -> Browser {
    let envs = HashMap::from([("HOME".to_owned(), home.display().to_string())]);
    Browser::new(LaunchOptions {
        path: Some(chromium),
        headless: true,
        // The test may run as root, where Chromium's sandbox cannot start.
        sandbox: false,
        process_envs: Some(envs),
        window_size: Some((WIDTH, 900)),
        // With headless_chrome's own (no background networking, sync or first-run): nothing reaches for the network.
        args: vec![OsStr::new("--disable-gpu"), OsStr::new("--disable-component-update")],
        idle_browser_timeout: Duration::from_secs(60),
        ..LaunchOptions::default()
    })
    .expect("Chromium starts")
}

/// Opens the console, follows the queue's link to `disclosure`, reviews it, and returns the page the browser ends on.
fn review_in_browser(chromium: PathBuf, home: &Path, console: &str, disclosure: &str, comment: &str) -> String {
    let browser = launch(chromium, home);
    let tab = browser.new_tab().unwrap();
    tab.navigate_to(console).unwrap().wait_until_navigated().unwrap();
    let queue = tab.wait_for_element("main").unwrap().get_inner_text().unwrap();
    assert!(queue.contains("Review queue"), "the browser did not reach the console as a DPO: {queue}");
    tab.wait_for_element(&format!("a[href='/console/disclosures/{disclosure}']")).unwrap().click().unwrap();
    tab.wait_for_element("input[name=verdict][value=appropriate]").unwrap().click().unwrap();
    tab.wait_for_element("textarea[name=comment]").unwrap().click().unwrap();
    tab.type_str(comment).unwrap();
    tab.wait_for_element("button[type=submit]").unwrap().click().unwrap();
    tab.wait_for_element("p.reviewed").unwrap();
    tab.wait_for_element("main").unwrap().get_inner_text().unwrap()
}

#[tokio::test]
#[cfg_attr(not(browser_tests), ignore = "SHAREGATE_TEST_CHROMIUM is not set (bash .ci/run sets it)")]
async fn a_dpo_reviews_a_disclosure_in_headless_chromium() {
    let chromium = std::env::var_os(CHROMIUM_ENV).expect("SHAREGATE_TEST_CHROMIUM names a Chromium");
    let gateway = spawn_gateway().await;
    let s = story(&gateway).await;
    let home = home_holding("police-dpo");
    let console = gateway.url("/console");
    let disclosure = s.police_refused.clone();
    let comment = "Seen in the browser: refused for want of consent, correctly.";
    let shown = tokio::task::spawn_blocking({
        let home = home.path().to_owned();
        move || review_in_browser(PathBuf::from(chromium), &home, &console, &disclosure, comment)
    })
    .await
    .unwrap();
    assert!(shown.contains("Reviewed by Tom Hughes (dpo, police) on") && shown.contains(comment), "{shown}");

    // The review the browser sent is the log's entry, in the name its certificate carries.
    let (status, reviews) = send(person("police-dpo").get(gateway.url("/v1/disclosures?kind=review"))).await;
    assert_eq!(status, 200, "{reviews}");
    let review = &reviews["disclosures"][0];
    assert_eq!(
        (review["review"]["disclosure"].as_str(), review["review"]["comment"].as_str()),
        (Some(s.police_refused.as_str()), Some(comment))
    );
    assert_eq!(review["requester"]["person"], "Tom Hughes");
}

/// What one page of the console showed the browser: how wide it drew, and what axe-core found wrong.
struct Checked {
    path: String,
    title: String,
    scroll_width: u64,
    violations: Vec<Value>,
}

/// A script's value, as JSON.
fn value(tab: &Tab, script: &str) -> Value {
    tab.evaluate(script, true).unwrap_or_else(|e| panic!("{script}: {e}")).value.unwrap_or(Value::Null)
}

/// Photographs the page the tab shows whole into `shots/<name>.png`, measures it and runs axe-core on it.
fn check_current(tab: &Tab, name: &str, axe: &str, shots: &Path) -> Checked {
    tab.wait_for_element("body h1").unwrap();
    let height = value(tab, "document.documentElement.scrollHeight").as_f64().unwrap_or(900.0);
    let clip = Page::Viewport { x: 0.0, y: 0.0, width: f64::from(WIDTH), height, scale: 1.0 };
    let shot = tab
        .call_method(Page::CaptureScreenshot {
            format: Some(Page::CaptureScreenshotFormatOption::Png),
            quality: None,
            clip: Some(clip),
            from_surface: Some(true),
            capture_beyond_viewport: Some(true),
            optimize_for_speed: None,
        })
        .unwrap();
    let png = base64::engine::general_purpose::STANDARD.decode(shot.data).unwrap();
    std::fs::write(shots.join(format!("{name}.png")), png).unwrap();
    // axe-core, run from the DevTools protocol (the console's pages allow no scripts of their own).
    tab.evaluate(axe, false).expect("axe-core loads");
    let found = value(
        tab,
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})\
         .then(r => JSON.stringify(r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.html)}))))",
    );
    Checked {
        path: name.to_owned(),
        title: value(tab, "document.title").as_str().unwrap_or_default().to_owned(),
        scroll_width: value(tab, "document.documentElement.scrollWidth").as_u64().unwrap_or(u64::MAX),
        violations: serde_json::from_str(found.as_str().unwrap_or("null")).unwrap_or_default(),
    }
}

/// Visits each page and checks it (see [`check_current`]).
fn check_pages(
    chromium: PathBuf,
    home: &Path,
    base: &str,
    pages: &[(&str, String)],
    axe: &str,
    shots: &Path,
) -> Vec<Checked> {
    let browser = launch(chromium, home);
    let tab = browser.new_tab().unwrap();
    let mut checked = Vec::new();
    for (name, path) in pages {
        tab.navigate_to(&format!("{base}{path}")).unwrap().wait_until_navigated().unwrap();
        let mut page = check_current(&tab, name, axe, shots);
        page.path = path.clone();
        checked.push(page);
    }
    checked
}

/// What went wrong on the pages checked: wider than the window, axe-core's violations, an error where none was
/// expected (only pages whose path ends `nothing-here` are expected to be errors).
fn faults(checked: &[Checked]) -> Vec<String> {
    let mut wrong = Vec::new();
    for page in checked {
        let refused = page.title.starts_with('4') || page.title.starts_with('5') || page.title.is_empty();
        if refused != page.path.ends_with("nothing-here") {
            wrong.push(format!("{}: not the page expected ({})", page.path, page.title));
        }
        if page.scroll_width > u64::from(WIDTH) {
            wrong.push(format!("{}: {} px wide, wider than the window", page.path, page.scroll_width));
        }
        for violation in &page.violations {
            wrong.push(format!("{}: {violation}", page.path));
        }
    }
    wrong
}

/// Where this run's screenshots go: `target/tmp/console-screenshots/<test>/`, emptied first.
fn screenshots(test: &str) -> PathBuf {
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots").join(test);
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    shots
}

fn axe_source() -> String {
    std::fs::read_to_string(std::env::var_os("SHAREGATE_TEST_AXE").expect("SHAREGATE_TEST_AXE names axe.min.js"))
        .expect("axe.min.js reads")
}

/// Every page of the DPO console, at 1280 px, in a real Chromium: nothing wider than the window, and axe-core finds
/// no WCAG 2.2 A or AA violation. A screenshot of each is written under the test's output
/// (`target/tmp/console-screenshots/dpo/`).
#[tokio::test]
#[cfg_attr(
    not(all(browser_tests, axe_tests)),
    ignore = "SHAREGATE_TEST_CHROMIUM or SHAREGATE_TEST_AXE is not set (bash .ci/run sets them)"
)]
async fn every_console_page_fits_1280_px_and_axe_core_finds_no_violation() {
    let chromium = std::env::var_os(CHROMIUM_ENV).expect("SHAREGATE_TEST_CHROMIUM names a Chromium");
    let axe =
        std::fs::read_to_string(std::env::var_os("SHAREGATE_TEST_AXE").expect("SHAREGATE_TEST_AXE names axe.min.js"))
            .expect("axe.min.js reads");
    let gateway = spawn_gateway().await;
    let s = story(&gateway).await;
    // A review of each verdict's kind, so that every part of every page is drawn: a breach and its incident, a
    // closed incident, a concern.
    let review = |who: &'static str, ids: Vec<&str>, verdict: &'static str| {
        let body = json!({"disclosures": ids, "verdict": verdict, "comment": "Checked in the browser test."});
        send(person(who).post(gateway.url("/v1/reviews")).json(&body))
    };
    let (status, open) = review("health-dpo", vec![&s.police_refused], "breach").await;
    assert_eq!(status, 201, "{open}");
    let (status, closed) = review("health-dpo", vec![&s.health_refused], "breach").await;
    assert_eq!(status, 201, "{closed}");
    let close = gateway.url(&format!("/v1/incidents/{}/close", closed["incident"].as_str().unwrap()));
    let body = json!({"outcome": "not_a_breach", "note": "The health visitor's basis was right."});
    assert_eq!(send(person("health-dpo").post(close).json(&body)).await.0, 200);
    let (status, _) = review("police-dpo", vec![&s.police_refused], "concern").await;
    assert_eq!(status, 201);

    // And one left to review, so that the queue and a disclosure's page show their forms.
    let waiting =
        ask(&gateway, "police-investigator", &s.subject, "health.summary", "safeguarding", "consent", "Seen at A&E")
            .await;

    // A consent and a decision not to seek consent that health is part of, for its view of the register.
    let consent = json!({"given_by": {"name": "Sarah Example", "relationship": "parent"}, "categories": ["health.summary"],
        "recipients": ["social_care"], "purposes": ["safeguarding"], "how_obtained": "in_person"});
    let url = gateway.url(&format!("/v1/subjects/{}/consents", s.subject));
    assert_eq!(send(person("social_care-social_worker").post(url).json(&consent)).await.0, 201);
    let decision = json!({"lawful_basis": "crime_and_disorder_act_1998_s115", "reasons": "Asking would alert a suspect.",
        "categories": ["health.mental_health"], "recipients": ["police"], "purposes": ["crime_prevention"]});
    let url = gateway.url(&format!("/v1/subjects/{}/consent-decisions", s.subject));
    assert_eq!(send(person("health-health_visitor").post(url).json(&decision)).await.0, 201);

    let incident = open["incident"].as_str().unwrap();
    let pages = [
        ("queue", "/console".to_owned()),
        ("overview", "/console/overview".to_owned()),
        ("queue-by-child", "/console?group=child".to_owned()),
        ("queue-by-requester", "/console?group=requester".to_owned()),
        ("search", "/console/disclosures?kind=request".to_owned()),
        ("search-filtered", "/console/disclosures?verdict=breach&reason=urgent&person=morgan".to_owned()),
        ("disclosure-to-review", format!("/console/disclosures/{waiting}")),
        ("disclosure-reviewed", format!("/console/disclosures/{}", s.police_refused)),
        ("proof", format!("/console/disclosures/{}/proof", s.police_refused)),
        ("incidents", "/console/incidents".to_owned()),
        ("incident-open", format!("/console/incidents/{incident}")),
        ("child-history", format!("/console/subjects/{}", s.subject)),
        ("consent-register", format!("/console/subjects/{}/register", s.subject)),
        ("policy-changes", "/console/policy".to_owned()),
        ("not-found", "/console/nothing-here".to_owned()),
    ];
    let shots = screenshots("dpo");
    let home = home_holding("health-dpo");
    let checked = tokio::task::spawn_blocking({
        let (home, base, shots) = (home.path().to_owned(), gateway.url(""), shots.clone());
        move || check_pages(PathBuf::from(chromium), &home, &base, &pages, &axe, &shots)
    })
    .await
    .unwrap();

    let wrong = faults(&checked);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(std::fs::read_dir(&shots).unwrap().count(), checked.len(), "a screenshot of each page");
}

/// Sets a form field the way a person's choice would (a select's option, a hidden value is never set so).
fn choose(tab: &Tab, selector: &str, option: &str) {
    let script = format!("document.querySelector({selector:?}).value = {option:?}");
    tab.evaluate(&script, false).unwrap_or_else(|e| panic!("{script}: {e}"));
}

/// Fills the start page's find form (the child's NHS number, for safeguarding on consent, with `reason`) and sends it.
fn find_child(tab: &Tab, nhs: &str, reason: &str) {
    type_into(tab, "input[name=nhs_number]", nhs);
    choose(tab, "select[name=purpose]", "safeguarding");
    choose(tab, "select[name=lawful_basis]", "consent");
    type_into(tab, "form[action='/console/find'] textarea[name=reason]", reason);
    tab.wait_for_element("form[action='/console/find'] button[type=submit]").unwrap().click().unwrap();
}

/// Types into the field `selector` names.
fn type_into(tab: &Tab, selector: &str, text: &str) {
    tab.wait_for_element(selector).unwrap().click().unwrap();
    tab.type_str(text).unwrap();
}

/// A social worker's way through the console, in the browser: the start page, the child found by NHS number, the
/// attendance and health summary asked for — attendance given (the school's consent), the health summary refused
/// with why — each page checked. Returns the pages checked and the answer's text.
fn social_worker_asks(
    chromium: PathBuf,
    home: &Path,
    base: &str,
    nhs: &str,
    axe: &str,
    shots: &Path,
) -> (Vec<Checked>, String) {
    let browser = launch(chromium, home);
    let tab = browser.new_tab().unwrap();
    let mut checked = Vec::new();
    tab.navigate_to(&format!("{base}/console")).unwrap().wait_until_navigated().unwrap();
    checked.push(check_current(&tab, "practitioner-start", axe, shots));
    find_child(&tab, nhs, "Referral from the school about neglect.");
    tab.wait_for_element("form[action='/console/ask']").unwrap();
    checked.push(check_current(&tab, "practitioner-child", axe, shots));
    tab.wait_for_element("input[name=category][value='education.attendance']").unwrap().click().unwrap();
    tab.wait_for_element("input[name=category][value='health.summary']").unwrap().click().unwrap();
    type_into(&tab, "form[action='/console/ask'] textarea[name=reason]", "Referral from the school about neglect.");
    tab.wait_for_element("form[action='/console/ask'] button[type=submit]").unwrap().click().unwrap();
    tab.wait_for_element("p.note code").unwrap();
    checked.push(check_current(&tab, "practitioner-answer", axe, shots));
    let answer = tab.wait_for_element("main").unwrap().get_inner_text().unwrap();
    tab.navigate_to(&format!("{base}/console")).unwrap().wait_until_navigated().unwrap();
    checked.push(check_current(&tab, "practitioner-start-after", axe, shots));
    (checked, answer)
}

/// A social worker finds the child and asks in a real Chromium holding their certificate: the school's record
/// shown with its author and statements, health's summary refused with why; every page at 1280 px and without an
/// axe-core violation; the log holds what the API would have written.
#[tokio::test]
#[cfg_attr(
    not(all(browser_tests, axe_tests)),
    ignore = "SHAREGATE_TEST_CHROMIUM or SHAREGATE_TEST_AXE is not set (bash .ci/run sets them)"
)]
async fn a_social_worker_finds_a_child_and_asks_in_headless_chromium() {
    let chromium = std::env::var_os(CHROMIUM_ENV).expect("SHAREGATE_TEST_CHROMIUM names a Chromium");
    let axe = axe_source();
    let f = crate::sharing::federation_with(crate::databases::Backend::Sqlite, |_| {}).await;
    let home = home_holding("social_care-social_worker");
    let shots = screenshots("social-worker");
    let (checked, answer) = tokio::task::spawn_blocking({
        let (home, base, nhs, shots) = (home.path().to_owned(), f.gateway.url(""), f.nhs.clone(), shots.clone());
        move || social_worker_asks(PathBuf::from(chromium), &home, &base, &nhs, &axe, &shots)
    })
    .await
    .unwrap();
    let wrong = faults(&checked);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(answer.contains("Attendance 72% this term.") && answer.contains("Written by"), "{answer}");
    assert!(answer.contains("health.summary (health): "), "the refusal, with why: {answer}");
    let (_, logged) = send(person("social_care-dpo").get(f.gateway.url("/v1/disclosures?person=Jess%20Taylor"))).await;
    let kinds: Vec<(&str, &str)> = logged["disclosures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("lookup", "granted"), ("request", "partial")], "what the API would have written");
    assert_eq!(std::fs::read_dir(&shots).unwrap().count(), checked.len(), "a screenshot of each step");
}

/// A manager's worklist in the browser: the decision waiting, a comment typed, endorsed; both pages checked.
fn manager_endorses(chromium: PathBuf, home: &Path, base: &str, axe: &str, shots: &Path) -> (Vec<Checked>, String) {
    let browser = launch(chromium, home);
    let tab = browser.new_tab().unwrap();
    tab.navigate_to(&format!("{base}/console")).unwrap().wait_until_navigated().unwrap();
    let mut checked = vec![check_current(&tab, "manager-worklist", axe, shots)];
    type_into(&tab, "section.decision textarea[name=comment]", "Agreed: the risk to the investigation is real.");
    tab.wait_for_element("section.decision button[type=submit]").unwrap().click().unwrap();
    tab.wait_until_navigated().unwrap();
    checked.push(check_current(&tab, "manager-worklist-after", axe, shots));
    (checked, tab.wait_for_element("main").unwrap().get_inner_text().unwrap())
}

#[tokio::test]
#[cfg_attr(
    not(all(browser_tests, axe_tests)),
    ignore = "SHAREGATE_TEST_CHROMIUM or SHAREGATE_TEST_AXE is not set (bash .ci/run sets them)"
)]
async fn a_manager_endorses_a_decision_in_headless_chromium() {
    let chromium = std::env::var_os(CHROMIUM_ENV).expect("SHAREGATE_TEST_CHROMIUM names a Chromium");
    let axe = axe_source();
    let gateway = spawn_gateway().await;
    let subject = crate::dpo::child(&gateway).await;
    let decision = json!({"lawful_basis": "crime_and_disorder_act_1998_s115", "reasons": "Asking would alert a suspect.",
        "categories": ["health.mental_health"], "recipients": ["police"], "purposes": ["crime_prevention"]});
    let url = gateway.url(&format!("/v1/subjects/{subject}/consent-decisions"));
    assert_eq!(send(person("health-health_visitor").post(url).json(&decision)).await.0, 201);
    let home = home_holding("health-manager");
    let shots = screenshots("manager");
    let (checked, after) = tokio::task::spawn_blocking({
        let (home, base, shots) = (home.path().to_owned(), gateway.url(""), shots.clone());
        move || manager_endorses(PathBuf::from(chromium), &home, &base, &axe, &shots)
    })
    .await
    .unwrap();
    let wrong = faults(&checked);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(after.contains("Decisions waiting for your endorsement (0)"), "{after}");
    let (_, register) =
        send(person("health-health_visitor").get(gateway.url(&format!("/v1/subjects/{subject}/consents")))).await;
    let endorsed = &register["decisions"][0]["endorsement"];
    assert_eq!(endorsed["comment"], "Agreed: the risk to the investigation is real.", "{register}");
}

/// A health visitor finds the child and records the mother's consent from the child's page, in the browser.
fn health_visitor_records_consent(
    chromium: PathBuf,
    home: &Path,
    base: &str,
    nhs: &str,
    axe: &str,
    shots: &Path,
) -> (Vec<Checked>, String) {
    let browser = launch(chromium, home);
    let tab = browser.new_tab().unwrap();
    tab.navigate_to(&format!("{base}/console")).unwrap().wait_until_navigated().unwrap();
    find_child(&tab, nhs, "Home visit: the mother asked what we share.");
    tab.wait_for_element("form[action='/console/consents']").unwrap();
    type_into(&tab, "input[name=given_by_name]", "Sarah Example");
    choose(&tab, "select[name=relationship]", "parent");
    choose(&tab, "select[name=how_obtained]", "in_person");
    type_into(&tab, "input[name=form_reference]", "HV-CF-77");
    for (name, value) in
        [("consent_category", "health.summary"), ("recipient", "social_care"), ("consent_purpose", "safeguarding")]
    {
        tab.wait_for_element(&format!("input[name={name}][value='{value}']")).unwrap().click().unwrap();
    }
    tab.wait_for_element("form[action='/console/consents'] button[type=submit]").unwrap().click().unwrap();
    tab.wait_for_element("p.note code").unwrap();
    let checked = vec![check_current(&tab, "consent-recorded", axe, shots)];
    (checked, tab.wait_for_element("main").unwrap().get_inner_text().unwrap())
}

#[tokio::test]
#[cfg_attr(
    not(all(browser_tests, axe_tests)),
    ignore = "SHAREGATE_TEST_CHROMIUM or SHAREGATE_TEST_AXE is not set (bash .ci/run sets them)"
)]
async fn a_health_visitor_records_a_consent_in_headless_chromium() {
    let chromium = std::env::var_os(CHROMIUM_ENV).expect("SHAREGATE_TEST_CHROMIUM names a Chromium");
    let axe = axe_source();
    let f = crate::sharing::federation_with(crate::databases::Backend::Sqlite, |_| {}).await;
    let home = home_holding("health-health_visitor");
    let shots = screenshots("health-visitor");
    let (checked, shown) = tokio::task::spawn_blocking({
        let (home, base, nhs, shots) = (home.path().to_owned(), f.gateway.url(""), f.nhs.clone(), shots.clone());
        move || health_visitor_records_consent(PathBuf::from(chromium), &home, &base, &nhs, &axe, &shots)
    })
    .await
    .unwrap();
    let wrong = faults(&checked);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(shown.contains("Sarah Example (parent)") && shown.contains("consent form HV-CF-77"), "{shown}");
    let (_, register) =
        send(person("health-health_visitor").get(f.gateway.url(&format!("/v1/subjects/{}/consents", f.subject)))).await;
    let recorded = register["consents"].as_array().unwrap().iter().any(|c| {
        c["categories"] == json!(["health.summary"])
            && c["recorded_by"]["person"] == "Grace Okafor"
            && c["form_reference"] == "HV-CF-77"
    });
    assert!(recorded, "the register holds the consent the browser sent: {register}");
}

/// A police officer records a contact at the police node in the browser: one that breaks two rules, seen with both
/// beside their fields; then corrected and recorded.
fn officer_records(
    chromium: PathBuf,
    home: &Path,
    base: &str,
    axe: &str,
    shots: &Path,
) -> (Vec<Checked>, String, String) {
    let browser = launch(chromium, home);
    let tab = browser.new_tab().unwrap();
    tab.navigate_to(&format!("{base}/console")).unwrap().wait_until_navigated().unwrap();
    let mut checked = vec![check_current(&tab, "node-form", axe, shots)];
    type_into(&tab, "input[name=subject_ref]", "P-1");
    choose(&tab, "input[name=occurred_at]", "2026-11-20T21:30");
    type_into(&tab, "input[name=contact_type]", "call_out");
    choose(&tab, "select[name=category]", "police.incident");
    choose(&tab, "select[name=retention_class]", "standard");
    choose(&tab, "select[name=s1_kind]", "fact");
    type_into(&tab, "textarea[name=s1_text]", "Officers attended after a neighbour's call.");
    choose(&tab, "select[name=s2_kind]", "opinion");
    type_into(&tab, "textarea[name=s2_text]", "Mother seemed evasive about the injury.");
    type_into(&tab, "input[name=s2_statements]", "1");
    tab.wait_for_element("button[type=submit]").unwrap().click().unwrap();
    tab.wait_for_element("div.note[role=alert]").unwrap();
    checked.push(check_current(&tab, "node-form-broken", axe, shots));
    let broken = tab.wait_for_element("main").unwrap().get_inner_text().unwrap();
    type_into(&tab, "input[name=s2_evidence]", "She changed her account of the fall twice.");
    type_into(&tab, "input[name=src1_who]", "the attending officers");
    type_into(&tab, "input[name=src1_how]", "seen and heard at the address");
    tab.wait_for_element("button[type=submit]").unwrap().click().unwrap();
    tab.wait_for_element("p.note code").unwrap();
    checked.push(check_current(&tab, "node-recorded", axe, shots));
    (checked, broken, tab.wait_for_element("main").unwrap().get_inner_text().unwrap())
}

#[tokio::test]
#[cfg_attr(
    not(all(browser_tests, axe_tests)),
    ignore = "SHAREGATE_TEST_CHROMIUM or SHAREGATE_TEST_AXE is not set (bash .ci/run sets them)"
)]
async fn a_police_officer_records_a_contact_at_the_node_in_headless_chromium() {
    let chromium = std::env::var_os(CHROMIUM_ENV).expect("SHAREGATE_TEST_CHROMIUM names a Chromium");
    let axe = axe_source();
    let node = crate::helpers::spawn_node_with(crate::databases::Backend::Sqlite, "police", |_| {}).await;
    let home = home_holding("police-investigator");
    let shots = screenshots("police-officer");
    let (checked, broken, recorded) = tokio::task::spawn_blocking({
        let (home, base, shots) = (home.path().to_owned(), node.url(""), shots.clone());
        move || officer_records(PathBuf::from(chromium), &home, &base, &axe, &shots)
    })
    .await
    .unwrap();
    let wrong = faults(&checked);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(broken.contains("2 rules are broken") && broken.contains("(¶17)") && broken.contains("(¶14)"), "{broken}");
    assert!(recorded.contains("Recorded and signed by police's node"), "{recorded}");
}

/// A coordinator convenes a meeting, records attendance and a decision, and opens the pack, in the browser.
fn coordinator_runs_a_meeting(
    chromium: PathBuf,
    home: &Path,
    base: &str,
    nhs: &str,
    axe: &str,
    shots: &Path,
) -> (Vec<Checked>, String) {
    let browser = launch(chromium, home);
    let tab = browser.new_tab().unwrap();
    tab.navigate_to(&format!("{base}/console")).unwrap().wait_until_navigated().unwrap();
    let mut checked = vec![check_current(&tab, "coordinator-start", axe, shots)];
    let when = (chrono::Utc::now() + chrono::Duration::hours(2)).with_timezone(&chrono_tz::Europe::London);
    type_into(&tab, "form[action='/console/meetings'] input[name=nhs_number]", nhs);
    choose(&tab, "input[name=scheduled_for]", &when.format("%Y-%m-%dT%H:%M").to_string());
    for agency in ["education", "health", "social_care"] {
        tab.wait_for_element(&format!("input[name=invited][value='{agency}']")).unwrap().click().unwrap();
    }
    tab.wait_for_element("form[action='/console/meetings'] button[type=submit]").unwrap().click().unwrap();
    tab.wait_for_element("form[action$='/attendance']").unwrap();
    checked.push(check_current(&tab, "meeting-convened", axe, shots));
    for (name, agency) in [("attended", "education"), ("attended", "social_care"), ("apologies", "health")] {
        tab.wait_for_element(&format!("input[name={name}][value='{agency}']")).unwrap().click().unwrap();
    }
    tab.wait_for_element("form[action$='/attendance'] button[type=submit]").unwrap().click().unwrap();
    tab.wait_for_element("form[action$='/decisions']").unwrap();
    type_into(&tab, "form[action$='/decisions'] textarea[name=text]", "The school nurse will see Lily weekly.");
    for agency in ["education", "social_care"] {
        tab.wait_for_element(&format!("input[name=agreed_by][value='{agency}']")).unwrap().click().unwrap();
    }
    tab.wait_for_element("form[action$='/decisions'] button[type=submit]").unwrap().click().unwrap();
    tab.wait_for_element("article.record").unwrap();
    checked.push(check_current(&tab, "meeting-decided", axe, shots));
    tab.wait_for_element("a[href$='/pack?format=html']").unwrap().click().unwrap();
    tab.wait_until_navigated().unwrap();
    checked.push(check_current(&tab, "meeting-pack", axe, shots));
    (checked, tab.wait_for_element("body").unwrap().get_inner_text().unwrap())
}

#[tokio::test]
#[cfg_attr(
    not(all(browser_tests, axe_tests)),
    ignore = "SHAREGATE_TEST_CHROMIUM or SHAREGATE_TEST_AXE is not set (bash .ci/run sets them)"
)]
async fn a_coordinator_runs_a_meeting_to_its_pack_in_headless_chromium() {
    let chromium = std::env::var_os(CHROMIUM_ENV).expect("SHAREGATE_TEST_CHROMIUM names a Chromium");
    let axe = axe_source();
    let f = crate::sharing::federation_with(crate::databases::Backend::Sqlite, |_| {}).await;
    let home = home_holding("social_care-coordinator");
    let shots = screenshots("coordinator");
    let (checked, pack) = tokio::task::spawn_blocking({
        let (home, base, nhs, shots) = (home.path().to_owned(), f.gateway.url(""), f.nhs.clone(), shots.clone());
        move || coordinator_runs_a_meeting(PathBuf::from(chromium), &home, &base, &nhs, &axe, &shots)
    })
    .await
    .unwrap();
    let wrong = faults(&checked);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(pack.contains("The school nurse will see Lily weekly."), "the pack holds the decision: {pack}");
}
