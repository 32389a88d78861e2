//! The need-to-know policy: a casbin model and policy under `policies/`, loaded by casbin (the source of truth for
//! their meaning) and compiled into an index for the hot path ([`super::index`]), proven equal to casbin on every
//! request over the closed lists (see the tests).
//!
//! Every rule in `policy.csv` carries a comment above it saying why; `sharegate policy explain` prints it. Every
//! name a rule uses must be a known role, agency, category, purpose or lawful basis, or `*`, so a typo fails the
//! load instead of silently never matching.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use casbin::{CoreApi, DefaultModel, Enforcer, MgmtApi, StringAdapter};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::index::Index;
use super::rule::POLICY_FILE;
pub use super::rule::{Effect, RoleLine, Rule, WILDCARD};
use sharegate_core::domain::{AgencyName, Category, LawfulBasis, Purpose, Role};

/// The last field of a `consent` rule that lets a consent recorded by the requester's own agency suffice.
const REQUESTER_CONSENT: &str = "requester-consent";
/// Health records are special category data (UK GDPR Art. 9): a consent to share them counts only once the holder
/// recorded or confirmed it.
const SPECIAL_CATEGORY: &str = "health.";
/// The basis whose rules may say `requester-consent`.
const CONSENT: &str = super::CONSENT;
const MODEL_FILE: &str = "model.conf";

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("casbin refuses the policy: {0}")]
    Casbin(String),
    #[error("{file} line {line}: {reason}")]
    Rule { file: &'static str, line: usize, reason: String },
}

/// The names a policy may use.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub agencies: BTreeSet<AgencyName>,
    pub roles: BTreeSet<Role>,
    pub categories: BTreeSet<Category>,
    pub purposes: BTreeSet<Purpose>,
    pub lawful_bases: BTreeSet<LawfulBasis>,
}

impl Vocabulary {
    /// A category of the closed list, or why not (for a 400 naming the field).
    pub fn parse_category(&self, name: &str) -> Result<Category, String> {
        Category::parse(name)
            .ok()
            .filter(|c| self.categories.contains(c))
            .ok_or_else(|| format!("'{name}' is not a known category ({})", join(&self.categories)))
    }

    pub fn parse_purpose(&self, name: &str) -> Result<Purpose, String> {
        Purpose::parse(name)
            .ok()
            .filter(|p| self.purposes.contains(p))
            .ok_or_else(|| format!("'{name}' is not a known purpose ({})", join(&self.purposes)))
    }

    pub fn parse_lawful_basis(&self, name: &str) -> Result<LawfulBasis, String> {
        LawfulBasis::parse(name)
            .ok()
            .filter(|b| self.lawful_bases.contains(b))
            .ok_or_else(|| format!("'{name}' is not a known lawful basis ({})", join(&self.lawful_bases)))
    }

    pub fn parse_agency(&self, name: &str) -> Result<AgencyName, String> {
        AgencyName::parse(name)
            .ok()
            .filter(|a| self.agencies.contains(a))
            .ok_or_else(|| format!("'{name}' is not an agency of this federation ({})", join(&self.agencies)))
    }
}

fn join<T: std::fmt::Display>(names: &BTreeSet<T>) -> String {
    names.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// A loaded policy: the rules, their index, and the hash that names this version in every decision.
#[derive(Debug)]
pub struct Policy {
    pub hash: String,
    pub loaded_at: DateTime<Utc>,
    pub rules: Vec<Rule>,
    /// The `g` lines: which roles inherit which.
    pub roles: Vec<RoleLine>,
    pub(super) index: Index,
    model_text: String,
    policy_text: String,
}

/// What the policy says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict<'a> {
    pub allowed: bool,
    /// The deciding rule: the first deny that matched, else the first allow; none when nothing matched.
    pub rule: Option<&'a Rule>,
}

fn read(path: &Path) -> Result<String, PolicyError> {
    std::fs::read_to_string(path).map_err(|e| PolicyError::Read { path: path.to_owned(), reason: e.to_string() })
}

impl Policy {
    /// Loads `model.conf` and `policy.csv` from `dir`, checks every rule, and compiles the index.
    pub async fn load(dir: &Path, vocabulary: &Vocabulary) -> Result<Self, PolicyError> {
        Self::from_texts(read(&dir.join(MODEL_FILE))?, read(&dir.join(POLICY_FILE))?, vocabulary).await
    }

    /// The policy that `model.conf` and `policy.csv` hold: as [`Policy::load`] reads them, or as the disclosure log
    /// keeps a policy that was in force.
    pub async fn from_texts(
        model_text: String,
        policy_text: String,
        vocabulary: &Vocabulary,
    ) -> Result<Self, PolicyError> {
        let enforcer = enforcer(&model_text, &policy_text).await?;
        let rules = commented_rules(&policy_text, enforcer.get_policy(), vocabulary)?;
        let groupings = enforcer.get_grouping_policy();
        let roles = checked_groupings(&policy_text, &groupings, vocabulary)?;
        let index = Index::compile(&rules, &groupings);
        let mut hasher = Sha256::new();
        hasher.update(model_text.as_bytes());
        hasher.update([0u8]);
        hasher.update(policy_text.as_bytes());
        let hash = hex::encode(hasher.finalize());
        Ok(Self { hash, loaded_at: Utc::now(), rules, roles, index, model_text, policy_text })
    }

    /// Would this role, in this agency, see this category for this purpose on this basis, and by which rule?
    pub fn evaluate(&self, role: &str, agency: &str, category: &str, purpose: &str, basis: &str) -> Verdict<'_> {
        let (allowed, position) = self.index.evaluate(role, agency, category, purpose, basis);
        Verdict { allowed, rule: position.and_then(|p| self.rules.get(p)) }
    }

    /// `model.conf` and `policy.csv` as they were read: what the hash names.
    pub fn texts(&self) -> (&str, &str) {
        (&self.model_text, &self.policy_text)
    }

    /// A casbin enforcer over exactly this policy: for checks and proofs, not the hot path.
    pub async fn casbin(&self) -> Result<Enforcer, PolicyError> {
        enforcer(&self.model_text, &self.policy_text).await
    }
}

async fn enforcer(model_text: &str, policy_text: &str) -> Result<Enforcer, PolicyError> {
    let model = DefaultModel::from_str(model_text).await.map_err(|e| PolicyError::Casbin(e.to_string()))?;
    Enforcer::new(model, StringAdapter::new(policy_text)).await.map_err(|e| PolicyError::Casbin(e.to_string()))
}

/// Pairs casbin's `p` rules with their lines and comments in the file, and checks each one.
fn commented_rules(
    text: &str,
    casbin_rules: Vec<Vec<String>>,
    vocabulary: &Vocabulary,
) -> Result<Vec<Rule>, PolicyError> {
    let mut comment: Vec<&str> = Vec::new();
    let mut lines = Vec::new();
    for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() {
            comment.clear();
        } else if let Some(text) = line.strip_prefix('#') {
            // A section heading (`# --- Never ---…`) titles the rules below it; it is no rule's reason.
            if text.trim().starts_with("---") {
                comment.clear();
            } else {
                comment.push(text.trim());
            }
        } else {
            if line.starts_with("p,") {
                lines.push((number, comment.join(" ")));
            }
            comment.clear();
        }
    }
    if lines.len() != casbin_rules.len() {
        return Err(PolicyError::Rule {
            file: POLICY_FILE,
            line: 0,
            reason: format!(
                "{} rules in the file but casbin holds {} (is a rule repeated?)",
                lines.len(),
                casbin_rules.len()
            ),
        });
    }
    lines
        .into_iter()
        .zip(casbin_rules)
        .enumerate()
        .map(|(position, ((line, reason), fields))| {
            let fail = |reason: String| PolicyError::Rule { file: POLICY_FILE, line, reason };
            if reason.is_empty() {
                return Err(fail("every rule needs a comment above it saying why".into()));
            }
            let [role, agency, category, purpose, basis, effect, endorse] = fields.as_slice() else {
                return Err(fail(format!("a rule has 7 fields, this has {}", fields.len())));
            };
            let known = |ok: bool, what: &str, name: &str| {
                if ok { Ok(()) } else { Err(fail(format!("unknown {what} '{name}'"))) }
            };
            let wild_or = |name: &str, ok: &dyn Fn(&str) -> bool| name == WILDCARD || ok(name);
            known(is_role(role, vocabulary) || is_group(text, role), "role", role)?;
            known(
                wild_or(agency, &|a| AgencyName::parse(a).is_ok_and(|a| vocabulary.agencies.contains(&a))),
                "agency",
                agency,
            )?;
            known(
                wild_or(category, &|c| Category::parse(c).is_ok_and(|c| vocabulary.categories.contains(&c))),
                "category",
                category,
            )?;
            known(
                wild_or(purpose, &|p| Purpose::parse(p).is_ok_and(|p| vocabulary.purposes.contains(&p))),
                "purpose",
                purpose,
            )?;
            known(
                wild_or(basis, &|b| LawfulBasis::parse(b).is_ok_and(|b| vocabulary.lawful_bases.contains(&b))),
                "lawful basis",
                basis,
            )?;
            let effect = match effect.as_str() {
                "allow" => Effect::Allow,
                "deny" => Effect::Deny,
                other => return Err(fail(format!("the effect must be allow or deny, not '{other}'"))),
            };
            let (needs_endorsement, requester_consent_suffices) = match endorse.as_str() {
                "endorsed" => (true, false),
                "-" => (false, false),
                REQUESTER_CONSENT if basis != CONSENT || effect == Effect::Deny => {
                    return Err(fail(format!("'{REQUESTER_CONSENT}' is for rules that allow on the basis consent")));
                }
                REQUESTER_CONSENT if category == WILDCARD || category.starts_with(SPECIAL_CATEGORY) => {
                    return Err(fail(format!(
                        "'{REQUESTER_CONSENT}' names one category, never special category data ({SPECIAL_CATEGORY}*): \
                         the holder confirms such a consent itself"
                    )));
                }
                REQUESTER_CONSENT => (false, true),
                other => {
                    return Err(fail(format!(
                        "the last field must be 'endorsed', '{REQUESTER_CONSENT}' or '-', not '{other}'"
                    )));
                }
            };
            Ok(Rule {
                position,
                line,
                fields: fields.clone(),
                effect,
                needs_endorsement,
                requester_consent_suffices,
                reason,
            })
        })
        .collect()
}

fn is_role(name: &str, vocabulary: &Vocabulary) -> bool {
    Role::parse(name).is_ok_and(|r| vocabulary.roles.contains(&r))
}

/// A group role: one that `g` lines give to others (e.g. `practitioner`).
fn is_group(text: &str, name: &str) -> bool {
    text.lines().filter_map(|l| l.trim().strip_prefix("g,")).any(|l| l.split(',').nth(1).map(str::trim) == Some(name))
}

/// Checks each `g` line and pairs it with its line in the file.
fn checked_groupings(
    text: &str,
    groupings: &[Vec<String>],
    vocabulary: &Vocabulary,
) -> Result<Vec<RoleLine>, PolicyError> {
    let mut lines = Vec::with_capacity(groupings.len());
    for grouping in groupings {
        let line = text
            .lines()
            .position(|l| l.trim().starts_with("g,") && l.contains(&grouping.join(", ")))
            .map_or(0, |i| i + 1);
        let fail = |reason: String| PolicyError::Rule { file: POLICY_FILE, line, reason };
        let [member, group, agency] = grouping.as_slice() else {
            return Err(fail(format!(
                "a role line has 3 fields (role, inherited role, agency), this has {}",
                grouping.len()
            )));
        };
        if !is_role(member, vocabulary) && !is_group(text, member) {
            return Err(fail(format!("unknown role '{member}'")));
        }
        if !AgencyName::parse(agency).is_ok_and(|a| vocabulary.agencies.contains(&a)) {
            return Err(fail(format!("unknown agency '{agency}'")));
        }
        lines.push(RoleLine { line, role: member.clone(), inherits: group.clone(), agency: agency.clone() });
    }
    Ok(lines)
}
