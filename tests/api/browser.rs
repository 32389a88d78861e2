//! The DPO console in a real headless Chromium that holds a DPO's client certificate: the queue, a disclosure's page,
//! and a review typed into its form and sent by the browser itself (so its own `Origin`, its own redirect).
//!
//! It runs when `SHAREGATE_TEST_CHROMIUM` names a Chromium (`.ci/run` sets it). Chromium needs NSS's tools and
//! openssl to take the certificate, and a policy that chooses the client certificate for `https://localhost:*` —
//! headless, it cannot ask — which `.ci/run` writes. Without the variable the test says it was skipped.

use crate::helpers::BoundedOutput;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use headless_chrome::{Browser, LaunchOptions};

use crate::dpo::story;
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

/// Opens the console, follows the queue's link to `disclosure`, reviews it, and returns the page the browser ends on.
fn review_in_browser(chromium: PathBuf, home: &Path, console: &str, disclosure: &str, comment: &str) -> String {
    let envs = HashMap::from([("HOME".to_owned(), home.display().to_string())]);
    let browser = Browser::new(LaunchOptions {
        path: Some(chromium),
        headless: true,
        // The test may run as root, where Chromium's sandbox cannot start.
        sandbox: false,
        process_envs: Some(envs),
        // With headless_chrome's own (no background networking, sync or first-run): nothing reaches for the network.
        args: vec![OsStr::new("--disable-gpu"), OsStr::new("--disable-component-update")],
        idle_browser_timeout: Duration::from_secs(60),
        ..LaunchOptions::default()
    })
    .expect("Chromium starts");
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
