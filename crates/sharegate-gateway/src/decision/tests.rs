//! decide() through the shipped policy, table-driven: consent active, expired, withdrawn, not yet valid, for
//! another agency or purpose; decisions with and without the endorsement policy demands; core group meetings;
//! need-to-know refusals and deny-overrides.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use super::consent::{Consent, ConsentDecision, ConsentStanding, Person, Scope, SubjectConsents, Validity};
use super::policy::Policy;
use super::*;
use sharegate_core::domain::{PersonName, Role};

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
        runtime
            .block_on(Policy::load(&dir, &crate::config::GatewayConfig::embedded().vocabulary()))
            .expect("the shipped policy loads")
    })
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
}

const NOW: &str = "2026-11-25T12:00:00Z";

fn set<T: Ord, F: Fn(&str) -> T>(names: &[&str], parse: F) -> BTreeSet<T> {
    names.iter().map(|n| parse(n)).collect()
}

fn scope(categories: &[&str], recipients: &[&str], purposes: &[&str]) -> Scope {
    Scope {
        categories: set(categories, |c| Category::parse(c).expect("category")),
        recipients: set(recipients, |a| AgencyName::parse(a).expect("agency")),
        purposes: set(purposes, |p| Purpose::parse(p).expect("purpose")),
    }
}

fn person(agency: &str, name: &str) -> Person {
    Person { agency: AgencyName::parse(agency).expect("agency"), person: PersonName::parse(name).expect("name") }
}

/// A consent recorded or confirmed by every agency whose records it covers.
fn consent(id: &str, scope: Scope, from: &str, until: Option<&str>, withdrawn: Option<&str>) -> Consent {
    let holders: BTreeSet<AgencyName> = scope.categories.iter().map(|c| c.holder().clone()).collect();
    Consent {
        id: ConsentId::parse(id).expect("id"),
        recorded_by: holders.first().cloned().expect("a category"),
        confirmed_by: holders,
        scope,
        validity: Validity { from: at(from), until: until.map(at) },
        withdrawn_at: withdrawn.map(at),
    }
}

/// A consent recorded by `agency` and confirmed by no one.
fn claim(id: &str, agency: &str, scope: Scope, from: &str) -> Consent {
    Consent {
        recorded_by: AgencyName::parse(agency).expect("agency"),
        confirmed_by: BTreeSet::new(),
        ..consent(id, scope, from, None, None)
    }
}

fn decision(id: &str, basis: &str, scope: Scope, decided_by: Person, endorsed_by: Option<Person>) -> ConsentDecision {
    ConsentDecision {
        id: DecisionId::parse(id).expect("id"),
        lawful_basis: LawfulBasis::parse(basis).expect("basis"),
        scope,
        validity: Validity { from: at("2026-01-01T00:00:00Z"), until: None },
        decided_by,
        endorsed_by,
    }
}

const C1: &str = "con_00000000000000000000000000000001";
const C2: &str = "con_00000000000000000000000000000002";
const C3: &str = "con_00000000000000000000000000000003";
const C4: &str = "con_00000000000000000000000000000004";
const C5: &str = "con_00000000000000000000000000000005";
const C6: &str = "con_00000000000000000000000000000006";
const C7: &str = "con_00000000000000000000000000000007";
const C8: &str = "con_00000000000000000000000000000008";
const D1: &str = "dec_00000000000000000000000000000001";
const D2: &str = "dec_00000000000000000000000000000002";
const D3: &str = "dec_00000000000000000000000000000003";
const D4: &str = "dec_00000000000000000000000000000004";
const D5: &str = "dec_00000000000000000000000000000005";
const D6: &str = "dec_00000000000000000000000000000006";
const D7: &str = "dec_00000000000000000000000000000007";
const D8: &str = "dec_00000000000000000000000000000008";
const D9: &str = "dec_00000000000000000000000000000009";
const MEETING: &str = "mtg_00000000000000000000000000000001";

/// One child's register, with something for each case below.
fn register() -> SubjectConsents {
    let grace = person("health", "Grace Okafor");
    let martin = person("health", "Martin Doyle");
    SubjectConsents {
        consents: vec![
            // Active: school and health summary to social care and health, for safeguarding.
            consent(
                C1,
                scope(
                    &["education.attendance", "education.behaviour", "health.summary"],
                    &["social_care", "health"],
                    &["safeguarding"],
                ),
                "2026-01-01T00:00:00Z",
                Some("2027-01-01T00:00:00Z"),
                None,
            ),
            // Expired at the end of 2025.
            consent(
                C2,
                scope(&["police.incident"], &["social_care"], &["safeguarding"]),
                "2025-01-01T00:00:00Z",
                Some("2025-12-31T00:00:00Z"),
                None,
            ),
            // Withdrawn in June 2026.
            consent(
                C3,
                scope(&["health.mental_health"], &["police"], &["safeguarding"]),
                "2026-01-01T00:00:00Z",
                None,
                Some("2026-06-01T00:00:00Z"),
            ),
            // Not valid until 2027.
            consent(
                C4,
                scope(&["social_care.plan"], &["education"], &["safeguarding"]),
                "2027-01-01T00:00:00Z",
                None,
                None,
            ),
            // For health only.
            consent(
                C5,
                scope(&["social_care.plan"], &["health"], &["safeguarding"]),
                "2026-01-01T00:00:00Z",
                None,
                None,
            ),
            // For a core group purpose only.
            consent(
                C6,
                scope(&["police.incident"], &["social_care"], &["core_group"]),
                "2026-01-01T00:00:00Z",
                None,
                None,
            ),
            // Police wrote themselves a consent to health's and the school's records: a claim, never confirmed.
            claim(
                C7,
                "police",
                scope(&["health.mental_health", "education.behaviour"], &["police"], &["safeguarding"]),
                "2026-11-01T00:00:00Z",
            ),
            // Social care recorded the family's consent to the school's records from 2027 (after C1 ends).
            claim(
                C8,
                "social_care",
                scope(&["education.attendance", "education.behaviour"], &["social_care"], &["safeguarding"]),
                "2027-01-15T00:00:00Z",
            ),
        ],
        decisions: vec![
            // s115: health decided to share mental health and summary with police to prevent crime; endorsed.
            decision(
                D1,
                "crime_and_disorder_act_1998_s115",
                scope(&["health.mental_health", "health.summary"], &["police"], &["crime_prevention"]),
                grace.clone(),
                Some(martin.clone()),
            ),
            // Operation Encompass, not yet endorsed.
            decision(
                D2,
                "dpa_2018_safeguarding",
                scope(&["police.incident"], &["education"], &["safeguarding"]),
                person("police", "Alex Morgan"),
                None,
            ),
            // s10, not yet endorsed.
            decision(
                D3,
                "children_act_2004_s10",
                scope(&["education.attendance"], &["health"], &["safeguarding"]),
                person("education", "Sam Patel"),
                None,
            ),
            // s47 enquiry: social care assessment to police; endorsed.
            decision(
                D4,
                "children_act_1989_s47",
                scope(&["social_care.assessment"], &["police"], &["child_protection_enquiry"]),
                person("social_care", "Jess Taylor"),
                Some(person("social_care", "Ruth Campbell")),
            ),
            // s115: attendance to police; that rule needs no endorsement.
            decision(
                D5,
                "crime_and_disorder_act_1998_s115",
                scope(&["education.attendance"], &["police"], &["crime_prevention"]),
                person("education", "Sam Patel"),
                None,
            ),
            // A "self-endorsed" decision does not count.
            decision(
                D6,
                "children_act_2004_s11",
                scope(&["social_care.plan"], &["education"], &["safeguarding"]),
                person("social_care", "Ruth Campbell"),
                Some(person("social_care", "Ruth Campbell")),
            ),
            // Endorsed by another agency's manager: does not count either.
            decision(
                D7,
                "dpa_2018_safeguarding",
                scope(&["social_care.assessment"], &["health"], &["safeguarding"]),
                person("social_care", "Jess Taylor"),
                Some(person("health", "Martin Doyle")),
            ),
            // s47 for mental health to social care; endorsed.
            decision(
                D8,
                "children_act_1989_s47",
                scope(&["health.mental_health"], &["social_care"], &["child_protection_enquiry"]),
                grace,
                Some(martin),
            ),
            // Expired decision.
            ConsentDecision {
                validity: Validity { from: at("2025-01-01T00:00:00Z"), until: Some(at("2025-06-01T00:00:00Z")) },
                ..decision(
                    D9,
                    "dpa_2018_safeguarding",
                    scope(&["education.attendance"], &["social_care"], &["safeguarding"]),
                    person("education", "Sam Patel"),
                    Some(person("education", "Linda Evans")),
                )
            },
        ],
    }
}

fn identity(agency: &str, role: &str) -> Identity {
    Identity {
        agency: AgencyName::parse(agency).expect("agency"),
        role: Role::parse(role).expect("role"),
        person: PersonName::parse("Test Person").expect("person"),
        serial: "01".into(),
        not_after: at("2030-01-01T00:00:00Z"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Want {
    Consent(&'static str),
    /// A consent, counted for this reason.
    ConsentAs(&'static str, ConsentStanding),
    Decision(&'static str),
    Meeting,
    Refused(Refusal),
}

struct Case {
    who: (&'static str, &'static str),
    category: &'static str,
    purpose: &'static str,
    basis: &'static str,
    meeting: Option<MeetingStanding>,
    now: &'static str,
    want: Want,
}

fn case(
    who: (&'static str, &'static str),
    category: &'static str,
    purpose: &'static str,
    basis: &'static str,
    want: Want,
) -> Case {
    Case { who, category, purpose, basis, meeting: None, now: NOW, want }
}

const SW: (&str, &str) = ("social_care", "social_worker");
const PI: (&str, &str) = ("police", "investigator");
const DSL: (&str, &str) = ("education", "dsl");
const HV: (&str, &str) = ("health", "health_visitor");

/// An open meeting inviting every agency but health.
fn invited() -> MeetingStanding {
    MeetingStanding::Invited(set(&["police", "education", "social_care"], |a| AgencyName::parse(a).expect("agency")))
}

fn forbidden(reason_part: &'static str) -> Want {
    Want::Refused(Refusal::Forbidden { reason: reason_part.to_owned() })
}

fn cases() -> Vec<Case> {
    use Refusal::*;
    let d = |id| DecisionId::parse(id).expect("id");
    let c = |id| ConsentId::parse(id).expect("id");
    let a = |name| AgencyName::parse(name).expect("agency");
    let meeting = |standing, want| Case {
        meeting: Some(standing),
        ..case(PI, "education.attendance", "core_group", "children_act_1989_s47", want)
    };
    vec![
        // Consent: active, and covering category, recipient and purpose.
        case(SW, "education.attendance", "safeguarding", "consent", Want::Consent(C1)),
        case(SW, "education.behaviour", "safeguarding", "consent", Want::Consent(C1)),
        case(SW, "health.summary", "safeguarding", "consent", Want::Consent(C1)),
        case(HV, "education.attendance", "safeguarding", "consent", Want::Consent(C1)),
        case(("social_care", "coordinator"), "education.behaviour", "safeguarding", "consent", Want::Consent(C1)),
        case(("social_care", "manager"), "education.attendance", "safeguarding", "consent", Want::Consent(C1)),
        // Consent expired, withdrawn, not yet valid.
        case(SW, "police.incident", "safeguarding", "consent", Want::Refused(NoConsent)),
        Case {
            now: "2026-05-01T00:00:00Z",
            ..case(PI, "health.mental_health", "safeguarding", "consent", Want::Consent(C3))
        },
        Case {
            now: "2026-06-01T00:00:00Z",
            ..case(PI, "health.mental_health", "safeguarding", "consent", Want::Refused(NoConsent))
        },
        case(DSL, "social_care.plan", "safeguarding", "consent", Want::Refused(NoConsent)),
        Case {
            now: "2027-02-01T00:00:00Z",
            ..case(DSL, "social_care.plan", "safeguarding", "consent", Want::Consent(C4))
        },
        Case {
            now: "2027-01-01T00:00:00Z",
            ..case(SW, "education.attendance", "safeguarding", "consent", Want::Refused(NoConsent))
        },
        // Whose consent (issue 30): one the holder recorded or confirmed counts; one the requester wrote itself is a
        // claim, unless the rule lets the requester's record suffice (attendance, never health records).
        case(
            SW,
            "education.attendance",
            "safeguarding",
            "consent",
            Want::ConsentAs(C1, ConsentStanding::RecordedByHolder),
        ),
        case(SW, "health.summary", "safeguarding", "consent", Want::ConsentAs(C1, ConsentStanding::ConfirmedByHolder)),
        case(
            PI,
            "health.mental_health",
            "safeguarding",
            "consent",
            Want::Refused(ConsentUnconfirmed { consent: c(C7), recorded_by: a("police") }),
        ),
        Case {
            now: "2027-02-01T00:00:00Z",
            ..case(
                SW,
                "education.attendance",
                "safeguarding",
                "consent",
                Want::ConsentAs(C8, ConsentStanding::RecordedByRequester),
            )
        },
        Case {
            now: "2027-02-01T00:00:00Z",
            ..case(
                SW,
                "education.behaviour",
                "safeguarding",
                "consent",
                Want::Refused(ConsentUnconfirmed { consent: c(C8), recorded_by: a("social_care") }),
            )
        },
        // Consent for another agency (C5 is for health) or purpose (C6 is for a core group).
        case(HV, "social_care.plan", "safeguarding", "consent", Want::Consent(C5)),
        case(DSL, "social_care.plan", "safeguarding", "consent", Want::Refused(NoConsent)),
        case(SW, "police.incident", "safeguarding", "consent", Want::Refused(NoConsent)),
        // Decisions not to seek consent: endorsed where the rule demands it.
        case(PI, "health.mental_health", "crime_prevention", "crime_and_disorder_act_1998_s115", Want::Decision(D1)),
        case(PI, "health.summary", "crime_prevention", "crime_and_disorder_act_1998_s115", Want::Decision(D1)),
        case(
            ("police", "manager"),
            "health.mental_health",
            "crime_prevention",
            "crime_and_disorder_act_1998_s115",
            Want::Decision(D1),
        ),
        case(
            DSL,
            "police.incident",
            "safeguarding",
            "dpa_2018_safeguarding",
            Want::Refused(AwaitingEndorsement(d(D2))),
        ),
        case(
            HV,
            "education.attendance",
            "safeguarding",
            "children_act_2004_s10",
            Want::Refused(AwaitingEndorsement(d(D3))),
        ),
        case(PI, "social_care.assessment", "child_protection_enquiry", "children_act_1989_s47", Want::Decision(D4)),
        case(PI, "education.attendance", "crime_prevention", "crime_and_disorder_act_1998_s115", Want::Decision(D5)),
        case(SW, "health.mental_health", "child_protection_enquiry", "children_act_1989_s47", Want::Decision(D8)),
        // Self-endorsed, or endorsed by another agency: awaiting a proper endorsement.
        case(
            DSL,
            "social_care.plan",
            "safeguarding",
            "children_act_2004_s11",
            Want::Refused(AwaitingEndorsement(d(D6))),
        ),
        case(
            HV,
            "social_care.assessment",
            "safeguarding",
            "dpa_2018_safeguarding",
            Want::Refused(AwaitingEndorsement(d(D7))),
        ),
        // No decision on this basis, or an expired one.
        case(SW, "education.attendance", "safeguarding", "dpa_2018_safeguarding", Want::Refused(NoDecision)),
        case(PI, "social_care.assessment", "child_protection_enquiry", "children_act_1989_s47", Want::Decision(D4)),
        case(SW, "police.incident", "safeguarding", "dpa_2018_safeguarding", Want::Refused(NoDecision)),
        case(
            ("police", "manager"),
            "education.attendance",
            "crime_prevention",
            "crime_and_disorder_act_1998_s115",
            Want::Decision(D5),
        ),
        // Need-to-know refuses whatever the register says (DESIGN default: no mental health for safeguarding without consent).
        case(PI, "health.mental_health", "safeguarding", "dpa_2018_safeguarding", Want::Refused(NotNeedToKnow)),
        case(PI, "health.mental_health", "crime_prevention", "consent", Want::Refused(NotNeedToKnow)),
        case(
            PI,
            "education.behaviour",
            "crime_prevention",
            "crime_and_disorder_act_1998_s115",
            Want::Refused(NotNeedToKnow),
        ),
        case(
            ("education", "investigator"),
            "education.attendance",
            "crime_prevention",
            "crime_and_disorder_act_1998_s115",
            Want::Refused(NotNeedToKnow),
        ),
        case(SW, "police.intelligence", "safeguarding", "consent", forbidden("never shared on consent")),
        case(("police", "dpo"), "police.incident", "safeguarding", "consent", forbidden("never receive records")),
        // Core groups: the meeting is the ground.
        meeting(invited(), Want::Meeting),
        Case { meeting: None, ..meeting(invited(), Want::Refused(MeetingRequired)) },
        meeting(MeetingStanding::Closed, Want::Refused(MeetingClosed)),
        meeting(MeetingStanding::Unknown, Want::Refused(MeetingUnknown)),
        // Only an invited agency's records are shared under a meeting (issue 30).
        Case {
            meeting: Some(MeetingStanding::Invited(set(&["education", "health"], |a| {
                AgencyName::parse(a).expect("agency")
            }))),
            ..case(DSL, "health.summary", "core_group", "children_act_1989_s47", Want::Meeting)
        },
        Case {
            meeting: Some(invited()),
            ..case(DSL, "health.summary", "core_group", "children_act_1989_s47", Want::Refused(HolderNotInvited))
        },
        Case {
            meeting: Some(invited()),
            ..case(HV, "social_care.plan", "core_group", "children_act_1989_s47", Want::Meeting)
        },
        Case {
            meeting: Some(invited()),
            ..case(
                PI,
                "health.mental_health",
                "core_group",
                "children_act_1989_s47",
                forbidden("not circulated to a whole core group"),
            )
        },
        Case {
            meeting: Some(invited()),
            ..case(PI, "education.attendance", "core_group", "consent", Want::Refused(NotNeedToKnow))
        },
    ]
}

#[test]
fn decide_answers_every_case_as_policy_and_register_say() {
    let register = register();
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    for case in cases {
        let requester = identity(case.who.0, case.who.1);
        let request = ShareRequest {
            categories: [Category::parse(case.category).expect("category")].into_iter().collect(),
            purpose: Purpose::parse(case.purpose).expect("purpose"),
            lawful_basis: LawfulBasis::parse(case.basis).expect("basis"),
            meeting: case.meeting.as_ref().map(|_| MeetingId::parse(MEETING).expect("meeting")),
        };
        let decision = decide(policy(), &requester, &request, &register, case.meeting.as_ref(), at(case.now));
        let [outcome] = decision.outcomes.as_slice() else { panic!("one outcome per category") };
        let label = format!("{:?} {} {} {} at {}", case.who, case.category, case.purpose, case.basis, case.now);
        match (&case.want, &outcome.result) {
            (Want::Consent(id), Ok(Ground::Consent(got, _))) => assert_eq!(got.as_str(), *id, "{label}"),
            (Want::ConsentAs(id, standing), Ok(Ground::Consent(got, by))) => {
                assert_eq!((got.as_str(), by.standing), (*id, *standing), "{label}")
            }
            (Want::Decision(id), Ok(Ground::Decision(got))) => assert_eq!(got.as_str(), *id, "{label}"),
            (Want::Meeting, Ok(Ground::Meeting(got))) => assert_eq!(got.as_str(), MEETING, "{label}"),
            (Want::Refused(Refusal::Forbidden { reason }), Err(Refusal::Forbidden { reason: got })) => {
                assert!(got.contains(reason.as_str()), "{label}: {got}")
            }
            (Want::Refused(want), Err(got)) => assert_eq!(got, want, "{label}"),
            (want, got) => panic!("{label}: wanted {want:?}, got {got:?}"),
        }
        assert_eq!(outcome.agency.as_str(), case.category.split('.').next().unwrap_or_default(), "{label}");
        assert_eq!(decision.policy_hash, policy().hash);
        let why = outcome.why(&request);
        assert_eq!(why.is_some(), outcome.result.is_err(), "{label}");
        if let Some(why) = why {
            assert!(
                !why.contains("record exists") && !why.contains("no records"),
                "a refusal never says whether records exist: {why}"
            );
        }
    }
}

#[test]
fn each_category_is_decided_on_its_own_and_names_its_rule() {
    let request = ShareRequest {
        categories: ["education.attendance", "police.intelligence", "health.mental_health"]
            .iter()
            .map(|c| Category::parse(c).expect("category"))
            .collect(),
        purpose: Purpose::parse("safeguarding").expect("purpose"),
        lawful_basis: LawfulBasis::parse("consent").expect("basis"),
        meeting: None,
    };
    let decision = decide(policy(), &identity("social_care", "social_worker"), &request, &register(), None, at(NOW));
    let summary: Vec<(&str, bool)> =
        decision.outcomes.iter().map(|o| (o.category.as_str(), o.result.is_ok())).collect();
    assert_eq!(
        summary,
        vec![("education.attendance", true), ("health.mental_health", false), ("police.intelligence", false)]
    );
    let granted = decision.granted().next().expect("one granted");
    let rule = granted.rule.as_deref().expect("a rule");
    assert!(
        rule.starts_with("policy.csv:")
            && rule.contains("social_worker, social_care, education.attendance, safeguarding, consent, allow"),
        "{rule}"
    );
    let deny = decision.refused().find(|o| o.category.as_str() == "police.intelligence").expect("refused");
    assert!(
        deny.rule.as_deref().is_some_and(|r| r.contains("police.intelligence, *, consent, deny")),
        "{:?}",
        deny.rule
    );
    let nothing = decision.refused().find(|o| o.category.as_str() == "health.mental_health").expect("refused");
    assert_eq!(nothing.rule, None, "no rule matched: default deny");
}

#[test]
fn an_empty_register_refuses_everything_but_need_to_know_still_explains() {
    let request = ShareRequest {
        categories: [Category::parse("health.mental_health").expect("category")].into_iter().collect(),
        purpose: Purpose::parse("safeguarding").expect("purpose"),
        lawful_basis: LawfulBasis::parse("consent").expect("basis"),
        meeting: None,
    };
    let decision =
        decide(policy(), &identity("police", "investigator"), &request, &SubjectConsents::default(), None, at(NOW));
    let outcome = &decision.outcomes[0];
    assert_eq!(outcome.result, Err(Refusal::NoConsent), "DESIGN default: refused without consent");
    assert_eq!(
        outcome.why(&request).as_deref(),
        Some("no active consent covers sharing health.mental_health with your agency for safeguarding")
    );
}

/// casbin's own answer and explanation for a request.
fn casbin_says(enforcer: &casbin::Enforcer, request: [&str; 5]) -> (bool, Vec<Vec<String>>) {
    use casbin::CoreApi;
    enforcer.enforce_ex(request.to_vec()).expect("casbin enforces")
}

/// The index must answer as casbin does, naming the rule casbin's explain names: the first deny if any (casbin
/// stops there, and lists it last), else the first allow.
fn assert_same(policy: &Policy, enforcer: &casbin::Enforcer, request: [&str; 5]) {
    let [role, agency, category, purpose, basis] = request;
    let verdict = policy.evaluate(role, agency, category, purpose, basis);
    let (allowed, explained) = casbin_says(enforcer, request);
    assert_eq!(verdict.allowed, allowed, "{request:?}");
    let expected = if allowed { explained.first() } else { explained.last() };
    assert_eq!(verdict.rule.map(|r| &r.fields), expected, "{request:?}");
}

fn load_blocking(dir: &std::path::Path, vocabulary: &super::policy::Vocabulary) -> (Policy, casbin::Enforcer) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    runtime.block_on(async {
        let policy = Policy::load(dir, vocabulary).await.expect("policy loads");
        let enforcer = policy.casbin().await.expect("casbin");
        (policy, enforcer)
    })
}

#[test]
fn the_index_answers_exactly_as_casbin_on_every_request_over_the_closed_lists() {
    let config = crate::config::GatewayConfig::embedded();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let (policy, enforcer) = load_blocking(&dir, &config.vocabulary());
    let with = |mut names: Vec<String>, extra: &[&str]| {
        names.extend(extra.iter().map(|s| (*s).to_owned()));
        names
    };
    let roles = with(config.roles.iter().map(ToString::to_string).collect(), &["practitioner", "stranger"]);
    let agencies = with(config.agencies.keys().map(ToString::to_string).collect(), &["fire"]);
    let categories = with(config.categories.iter().map(ToString::to_string).collect(), &["fire.report"]);
    let purposes = with(config.purposes.iter().map(ToString::to_string).collect(), &["curiosity"]);
    let bases = with(config.lawful_bases.iter().map(ToString::to_string).collect(), &["whim"]);
    let mut checked = 0;
    for role in &roles {
        for agency in &agencies {
            for category in &categories {
                for purpose in &purposes {
                    for basis in &bases {
                        assert_same(&policy, &enforcer, [role, agency, category, purpose, basis]);
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 9 * 5 * 9 * 5 * 7);
}

#[test]
fn the_index_answers_exactly_as_casbin_on_a_large_generated_policy() {
    use rand::SeedableRng;
    let synthetic = super::synthetic::generate(600, 7);
    let dir = tempfile::tempdir().expect("temp dir");
    let model =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/model.conf"))
            .expect("model");
    synthetic.write(dir.path(), &model).expect("write");
    let (policy, enforcer) = load_blocking(dir.path(), &synthetic.vocabulary);
    assert_eq!(policy.rules.len(), 600);
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut allowed = 0;
    for _ in 0..600 {
        let request = synthetic.request(&mut rng);
        let [a, b, c, d, e] = &request;
        assert_same(&policy, &enforcer, [a, b, c, d, e]);
        allowed += usize::from(policy.evaluate(a, b, c, d, e).allowed);
    }
    assert!(allowed > 0, "the sample exercises allows too");
}

#[test]
fn a_rules_reason_is_its_own_comment_not_the_section_heading_above_it() {
    assert!(policy().rules.iter().all(|r| !r.reason.contains("---")), "a heading leaked into a reason");
    let first_never = policy().rules.iter().find(|r| {
        r.fields.get(2).is_some_and(|c| c == "health.mental_health")
            && r.fields.get(3).is_some_and(|p| p == "core_group")
    });
    assert_eq!(
        first_never.map(|r| r.reason.as_str()),
        Some(
            "Mental-health detail is not circulated to a whole core group: it is shared one to one, with its own decision."
        )
    );
}
