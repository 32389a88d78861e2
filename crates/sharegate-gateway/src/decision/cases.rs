//! `policies/cases.csv`: expected need-to-know answers, each with a one-line why. `sharegate policy check` runs
//! every case through the compiled index and through casbin itself, and reports every disagreement.

use std::path::Path;

use casbin::CoreApi;

use super::policy::{Policy, PolicyError};

pub const CASES_FILE: &str = "cases.csv";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub line: usize,
    pub role: String,
    pub agency: String,
    pub category: String,
    pub purpose: String,
    pub basis: String,
    pub expected: bool,
    pub why: String,
}

/// A case the policy does not answer as expected (or where the index and casbin disagree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub case: Case,
    pub index: bool,
    pub casbin: bool,
    pub rule: Option<String>,
}

pub fn load(dir: &Path) -> Result<Vec<Case>, PolicyError> {
    let path = dir.join(CASES_FILE);
    let text =
        std::fs::read_to_string(&path).map_err(|e| PolicyError::Read { path: path.clone(), reason: e.to_string() })?;
    parse(&text)
}

pub fn parse(text: &str) -> Result<Vec<Case>, PolicyError> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(line, l)| {
            let fields: Vec<&str> = l.splitn(7, ',').map(str::trim).collect();
            let fail = |reason: &str| PolicyError::Rule { file: CASES_FILE, line, reason: reason.to_owned() };
            let [role, agency, category, purpose, basis, expected, why] = fields.as_slice() else {
                return Err(fail("a case is: role, agency, category, purpose, basis, allow|deny, why"));
            };
            let expected = match *expected {
                "allow" => true,
                "deny" => false,
                _ => return Err(fail("the expectation must be allow or deny")),
            };
            if why.is_empty() {
                return Err(fail("every case says why"));
            }
            Ok(Case {
                line,
                role: (*role).to_owned(),
                agency: (*agency).to_owned(),
                category: (*category).to_owned(),
                purpose: (*purpose).to_owned(),
                basis: (*basis).to_owned(),
                expected,
                why: (*why).to_owned(),
            })
        })
        .collect()
}

/// Runs every case; returns those that fail.
pub async fn run(policy: &Policy, cases: &[Case]) -> Result<Vec<Mismatch>, PolicyError> {
    let enforcer = policy.casbin().await?;
    let mut mismatches = Vec::new();
    for case in cases {
        let verdict = policy.evaluate(&case.role, &case.agency, &case.category, &case.purpose, &case.basis);
        let request = (&case.role, &case.agency, &case.category, &case.purpose, &case.basis);
        let casbin = enforcer.enforce(request).map_err(|e| PolicyError::Casbin(e.to_string()))?;
        if verdict.allowed != case.expected || casbin != case.expected {
            mismatches.push(Mismatch {
                case: case.clone(),
                index: verdict.allowed,
                casbin,
                rule: verdict.rule.map(|r| r.reference()),
            });
        }
    }
    Ok(mismatches)
}
