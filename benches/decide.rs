//! decide() against plain casbin `enforce`, on the same generated policy of 10,000 rules, with a consent register
//! of 100,000 consents (and 20,000 decisions not to seek consent) over 20,000 children.
//!
//! Run: `cargo bench --bench decide`, then `bash benches/decide-report.sh` for the medians and their ratio.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::{BTreeSet, HashMap};
use std::hint::black_box;
use std::time::Duration;

use casbin::CoreApi;
use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sharegate_core::domain::{
    AgencyName, Category, ConsentId, DecisionId, LawfulBasis, PersonName, Purpose, Role, SubjectId,
};
use sharegate_core::identity::Identity;
use sharegate_gateway::decision::consent::{Consent, ConsentDecision, Person, Scope, SubjectConsents, Validity};
use sharegate_gateway::decision::policy::Policy;
use sharegate_gateway::decision::synthetic::{self, Synthetic};
use sharegate_gateway::decision::{ShareRequest, decide};

const RULES: usize = 10_000;
const SUBJECTS: usize = 20_000;
const CONSENTS_PER_SUBJECT: usize = 5;
const DECISIONS_PER_SUBJECT: usize = 1;

fn pick<'a>(rng: &mut StdRng, list: &'a [String]) -> &'a str {
    list.get(rng.gen_range(0..list.len())).map(String::as_str).unwrap_or_default()
}

fn scope(rng: &mut StdRng, s: &Synthetic) -> Scope {
    Scope {
        categories: (0..3).filter_map(|_| Category::parse(pick(rng, &s.categories)).ok()).collect(),
        recipients: (0..3).filter_map(|_| AgencyName::parse(pick(rng, &s.agencies)).ok()).collect(),
        purposes: (0..2).filter_map(|_| Purpose::parse(pick(rng, &s.purposes)).ok()).collect(),
    }
}

fn register(
    rng: &mut StdRng,
    s: &Synthetic,
    now: DateTime<Utc>,
) -> (Vec<SubjectId>, HashMap<SubjectId, SubjectConsents>) {
    let ids: Vec<SubjectId> = (0..SUBJECTS).map(|_| SubjectId::new()).collect();
    let validity = Validity { from: now - chrono::Duration::days(30), until: Some(now + chrono::Duration::days(300)) };
    let someone = |agency: &str| Person {
        agency: AgencyName::parse(agency).unwrap(),
        person: PersonName::parse("Someone").unwrap(),
    };
    let register = ids
        .iter()
        .map(|id| {
            let consents = (0..CONSENTS_PER_SUBJECT)
                .map(|_| {
                    let scope = scope(rng, s);
                    // Recorded by some agency, confirmed by every holder: each consent counts as before.
                    Consent {
                        id: ConsentId::new(),
                        recorded_by: AgencyName::parse(pick(rng, &s.agencies)).unwrap(),
                        confirmed_by: scope.categories.iter().map(|c| c.holder().clone()).collect(),
                        scope,
                        validity,
                        withdrawn_at: None,
                    }
                })
                .collect();
            let decisions = (0..DECISIONS_PER_SUBJECT)
                .map(|_| {
                    let agency = pick(rng, &s.agencies).to_owned();
                    ConsentDecision {
                        id: DecisionId::new(),
                        lawful_basis: LawfulBasis::parse(pick(rng, &s.bases)).unwrap(),
                        scope: scope(rng, s),
                        validity,
                        decided_by: someone(&agency),
                        endorsed_by: rng
                            .gen_bool(0.5)
                            .then(|| Person { person: PersonName::parse("Manager").unwrap(), ..someone(&agency) }),
                    }
                })
                .collect();
            (id.clone(), SubjectConsents { consents, decisions })
        })
        .collect();
    (ids, register)
}

struct Case {
    identity: Identity,
    request: ShareRequest,
    subject: SubjectId,
    raw: [String; 5],
}

fn cases(rng: &mut StdRng, s: &Synthetic, subjects: &[SubjectId], now: DateTime<Utc>) -> Vec<Case> {
    (0..4096)
        .map(|_| {
            let raw = s.request(rng);
            let [role, agency, category, purpose, basis] = raw.clone();
            let identity = Identity {
                agency: AgencyName::parse(&agency).unwrap(),
                role: Role::parse(&role).unwrap(),
                person: PersonName::parse("Bench Person").unwrap(),
                serial: "01".into(),
                not_after: now,
            };
            let request = ShareRequest {
                categories: BTreeSet::from([Category::parse(&category).unwrap()]),
                purpose: Purpose::parse(&purpose).unwrap(),
                lawful_basis: LawfulBasis::parse(&basis).unwrap(),
                meeting: None,
            };
            let subject = subjects.get(rng.gen_range(0..subjects.len())).cloned().unwrap_or_default();
            Case { identity, request, subject, raw }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let synthetic = synthetic::generate(RULES, 42);
    let dir = tempfile::tempdir().unwrap();
    let model = std::fs::read_to_string("policies/model.conf").unwrap();
    synthetic.write(dir.path(), &model).unwrap();
    let (policy, enforcer) = runtime.block_on(async {
        let policy = Policy::load(dir.path(), &synthetic.vocabulary).await.unwrap();
        let enforcer = policy.casbin().await.unwrap();
        (policy, enforcer)
    });
    assert_eq!(policy.rules.len(), RULES);
    let now = Utc::now();
    let mut rng = StdRng::seed_from_u64(7);
    let (subjects, register) = register(&mut rng, &synthetic, now);
    let consents: usize = register.values().map(|r| r.consents.len()).sum();
    assert_eq!(consents, SUBJECTS * CONSENTS_PER_SUBJECT);
    let cases = cases(&mut rng, &synthetic, &subjects, now);

    let mut group = c.benchmark_group("decide_vs_casbin_10k_rules");
    let mut i = 0usize;
    group.bench_function("sharegate_decide", |b| {
        b.iter(|| {
            i = (i + 1) % cases.len();
            let case = &cases[i];
            let state = register.get(&case.subject).unwrap();
            black_box(decide(&policy, &case.identity, &case.request, state, None, now))
        })
    });
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    let mut j = 0usize;
    group.bench_function("casbin_enforce", |b| {
        b.iter(|| {
            j = (j + 1) % cases.len();
            black_box(enforcer.enforce(cases[j].raw.to_vec()).unwrap_or(false))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
