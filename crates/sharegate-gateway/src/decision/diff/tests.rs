//! `policy diff` on real variants of the shipped policy, checked against casbin itself deciding both.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{ChangeKind, PolicyDiff, Request};
use crate::decision::policy::{Policy, Vocabulary};

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies")
}

fn vocabulary() -> Vocabulary {
    crate::config::GatewayConfig::embedded().vocabulary()
}

/// The shipped policy directory with one line of `policy.csv` rewritten.
fn variant(line: &str, becomes: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["model.conf", "policy.csv"] {
        let mut text = std::fs::read_to_string(shipped().join(name)).expect("shipped policy");
        if name == "policy.csv" {
            assert_eq!(text.matches(line).count(), 1, "the variant rewrites exactly one rule: {line}");
            text = text.replace(line, becomes);
        }
        std::fs::write(dir.path().join(name), text).expect("write variant");
    }
    dir
}

fn load(dir: &Path) -> (Policy, casbin::Enforcer) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    runtime.block_on(async {
        let policy = Policy::load(dir, &vocabulary()).await.expect("policy loads");
        let enforcer = policy.casbin().await.expect("casbin");
        (policy, enforcer)
    })
}

/// casbin's answer and deciding rule (the first deny it explains, else the first allow), fields and all: the
/// endorsement field is the rule's last, so a change in what is asked shows here too.
fn casbin_decides(enforcer: &casbin::Enforcer, request: &Request) -> (bool, Option<Vec<String>>) {
    use casbin::CoreApi;
    let ask = vec![
        request.role.as_str(),
        request.agency.as_str(),
        request.category.as_str(),
        request.purpose.as_str(),
        request.basis.as_str(),
    ];
    let (allowed, mut explained) = enforcer.enforce_ex(ask).expect("casbin enforces");
    let rule = if allowed { explained.into_iter().next() } else { explained.pop() };
    (allowed, rule)
}

/// Every request over the closed lists whose answer or deciding rule casbin gives differently under the two.
fn casbin_changed(old: &casbin::Enforcer, new: &casbin::Enforcer) -> BTreeSet<Request> {
    let v = vocabulary();
    let mut changed = BTreeSet::new();
    for role in &v.roles {
        for agency in &v.agencies {
            for category in &v.categories {
                for purpose in &v.purposes {
                    for basis in &v.lawful_bases {
                        let request = Request {
                            role: role.to_string(),
                            agency: agency.to_string(),
                            category: category.to_string(),
                            purpose: purpose.to_string(),
                            basis: basis.to_string(),
                        };
                        if casbin_decides(old, &request) != casbin_decides(new, &request) {
                            changed.insert(request);
                        }
                    }
                }
            }
        }
    }
    changed
}

fn diff_against_shipped(variant: &Path) -> (PolicyDiff, BTreeSet<Request>) {
    let (old, old_casbin) = load(&shipped());
    let (new, new_casbin) = load(variant);
    let diff = PolicyDiff::between(&old, &new, &vocabulary());
    let listed: BTreeSet<Request> = diff.changes.iter().map(|c| c.request.clone()).collect();
    assert_eq!(listed.len(), diff.changes.len(), "each request is listed once");
    assert_eq!(listed, casbin_changed(&old_casbin, &new_casbin), "exactly the requests casbin decides differently");
    (diff, listed)
}

fn kind_of(diff: &PolicyDiff, role: &str, category: &str) -> Option<ChangeKind> {
    diff.changes.iter().find(|c| c.request.role == role && c.request.category == category).map(|c| c.kind)
}

#[test]
fn a_policy_against_itself_changes_nothing_over_the_whole_request_space() {
    let (policy, _) = load(&shipped());
    let diff = PolicyDiff::between(&policy, &policy, &vocabulary());
    // 7 roles × 4 agencies × 8 categories × 4 purposes × 6 bases. (The casbin-equality test's 14,175 adds names
    // outside the closed lists, which are refused with a 400 before any policy is asked.)
    assert_eq!(diff.compared, 5_376, "the closed lists' request space");
    assert!(diff.changes.is_empty());
    assert!(!diff.widens());
    assert!(diff.report().contains("no request's answer changes"), "{}", diff.report());
}

#[test]
fn a_rule_narrowed_lists_exactly_the_requests_casbin_now_refuses() {
    let dir = variant(
        "p, social_worker, social_care, education.behaviour, safeguarding, consent, allow, -",
        "p, social_worker, social_care, education.behaviour, safeguarding, consent, deny, -",
    );
    let (diff, listed) = diff_against_shipped(dir.path());
    let roles: BTreeSet<&str> = listed.iter().map(|r| r.role.as_str()).collect();
    assert_eq!(roles, BTreeSet::from(["coordinator", "manager", "social_worker"]), "the role and those inheriting it");
    assert_eq!(listed.len(), 3);
    assert!(diff.changes.iter().all(|c| c.kind == ChangeKind::Narrowed), "{:?}", diff.counts());
    assert!(!diff.widens(), "a narrowing passes without --allow-widening");
    let report = diff.report();
    assert!(report.contains("NARROWED: allowed before, refused now: 3"), "{report}");
    assert!(report.contains("because: Behaviour at school often shows what is happening at home"), "{report}");
    assert!(
        report.contains("- social_worker in social_care asking for education.behaviour for safeguarding"),
        "{report}"
    );
}

#[test]
fn a_rule_widened_lists_what_is_newly_allowed_and_what_now_asks_less() {
    // Crime prevention's attendance rule given every category: categories with no rule before are newly allowed,
    // and health's, allowed before only with a manager's endorsement, are now decided by the wider rule above them.
    let dir = variant(
        "p, investigator, police, education.attendance, crime_prevention, crime_and_disorder_act_1998_s115, allow, -",
        "p, investigator, police, *, crime_prevention, crime_and_disorder_act_1998_s115, allow, -",
    );
    let (diff, listed) = diff_against_shipped(dir.path());
    assert!(diff.widens(), "the CLI refuses this without --allow-widening");
    assert!(listed.iter().all(|r| r.agency == "police" && r.purpose == "crime_prevention"), "{listed:?}");
    assert_eq!(kind_of(&diff, "investigator", "education.behaviour"), Some(ChangeKind::Widened));
    assert_eq!(kind_of(&diff, "manager", "police.intelligence"), Some(ChangeKind::Widened), "the manager inherits");
    assert_eq!(
        kind_of(&diff, "investigator", "health.mental_health"),
        Some(ChangeKind::Loosened),
        "allowed both times, no longer endorsed"
    );
    assert_eq!(
        kind_of(&diff, "investigator", "education.attendance"),
        Some(ChangeKind::Redecided),
        "the rule's own request: allowed as before, by the rewritten rule"
    );
    let counts = diff.counts();
    assert_eq!(counts.get(&ChangeKind::Narrowed), None);
    assert_eq!(counts.values().sum::<usize>(), listed.len());
}
