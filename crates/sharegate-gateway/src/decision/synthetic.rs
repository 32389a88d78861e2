//! Generated policies for benchmarks and for proving the index equal to casbin beyond the shipped policy. Nothing
//! here runs in a server.

use std::collections::BTreeSet;
use std::fmt::Write;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::policy::Vocabulary;
use sharegate_core::domain::{AgencyName, Category, LawfulBasis, Purpose, Role};

/// A synthetic federation: its vocabulary, and `policy.csv` text with `lines` commented `p` rules plus role
/// hierarchies, over the shipped model.
pub struct Synthetic {
    pub vocabulary: Vocabulary,
    pub policy_text: String,
    pub agencies: Vec<String>,
    pub roles: Vec<String>,
    pub categories: Vec<String>,
    pub purposes: Vec<String>,
    pub bases: Vec<String>,
}

const AGENCIES: usize = 20;
const ROLES: usize = 12;
const KINDS: usize = 25;
const PURPOSES: usize = 6;
const BASES: usize = 8;

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

/// Deterministic for a given `seed`.
pub fn generate(lines: usize, seed: u64) -> Synthetic {
    let mut rng = StdRng::seed_from_u64(seed);
    let agencies = names("agency", AGENCIES);
    let roles = names("role", ROLES);
    let categories: Vec<String> =
        agencies.iter().flat_map(|a| (0..KINDS).map(move |k| format!("{a}.kind{k}"))).collect();
    let purposes = names("purpose", PURPOSES);
    let bases = names("basis", BASES);
    let mut text = String::new();
    // Role hierarchies: in each agency, role k inherits role k+1 for the first few.
    for agency in &agencies {
        for k in 0..4 {
            let _ = writeln!(text, "g, role{k}, role{}, {agency}", k + 1);
        }
    }
    let pick = |rng: &mut StdRng, list: &[String], wildcard_one_in: u32| -> String {
        if wildcard_one_in > 0 && rng.gen_ratio(1, wildcard_one_in) {
            "*".to_owned()
        } else {
            list.get(rng.gen_range(0..list.len())).cloned().unwrap_or_default()
        }
    };
    let mut seen = BTreeSet::new();
    while seen.len() < lines {
        let rule = [
            pick(&mut rng, &roles, 0),
            pick(&mut rng, &agencies, 20),
            pick(&mut rng, &categories, 50),
            pick(&mut rng, &purposes, 10),
            pick(&mut rng, &bases, 10),
            if rng.gen_ratio(1, 10) { "deny" } else { "allow" }.to_owned(),
            if rng.gen_ratio(1, 3) { "endorsed" } else { "-" }.to_owned(),
        ];
        // casbin keeps one copy of a repeated rule; so does the generator.
        if seen.insert(rule[..5].join(",")) {
            let _ = writeln!(text, "# generated rule {}\np, {}", seen.len(), rule.join(", "));
        }
    }
    let vocabulary = Vocabulary {
        agencies: agencies.iter().filter_map(|a| AgencyName::parse(a).ok()).collect(),
        roles: roles.iter().filter_map(|r| Role::parse(r).ok()).collect(),
        categories: categories.iter().filter_map(|c| Category::parse(c).ok()).collect(),
        purposes: purposes.iter().filter_map(|p| Purpose::parse(p).ok()).collect(),
        lawful_bases: bases.iter().filter_map(|b| LawfulBasis::parse(b).ok()).collect(),
    };
    Synthetic { vocabulary, policy_text: text, agencies, roles, categories, purposes, bases }
}

impl Synthetic {
    /// Writes `model.conf` (the shipped model) and `policy.csv` into `dir`.
    pub fn write(&self, dir: &std::path::Path, model_text: &str) -> std::io::Result<()> {
        std::fs::write(dir.join("model.conf"), model_text)?;
        std::fs::write(dir.join("policy.csv"), &self.policy_text)
    }

    /// A random request over the vocabulary (sometimes naming things no rule mentions).
    pub fn request(&self, rng: &mut StdRng) -> [String; 5] {
        let mut one = |list: &[String]| list.get(rng.gen_range(0..list.len())).cloned().unwrap_or_default();
        [one(&self.roles), one(&self.agencies), one(&self.categories), one(&self.purposes), one(&self.bases)]
    }
}
