//! What a policy change does, before it applies (as Cedar's analysis shows): the closed lists make the request space
//! finite, so every request — each role, agency, category, purpose and lawful basis of the federation — is decided
//! under both policies and each one whose outcome, endorsement requirement or deciding rule changes is listed,
//! grouped by what changed. `sharegate policy diff` prints it; a SIGHUP reload logs its counts.

use std::collections::BTreeMap;

use serde::Serialize;

use super::policy::{Policy, Rule, Verdict, Vocabulary};

/// How a request's answer changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Refused before, allowed now.
    Widened,
    /// Allowed both times, with less asked now: no manager's endorsement needed, or the requester's own agency's
    /// record of consent suffices.
    Loosened,
    /// Allowed before, refused now.
    Narrowed,
    /// Allowed both times, with more asked now.
    Tightened,
    /// The same answer, decided by another rule or by its rule rewritten.
    Redecided,
}

impl ChangeKind {
    /// Whether the new policy lets more through than the old.
    pub fn widens(self) -> bool {
        matches!(self, Self::Widened | Self::Loosened)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::Widened => "WIDENED: refused before, allowed now",
            Self::Loosened => "LOOSENED: allowed both times, with less asked now",
            Self::Narrowed => "NARROWED: allowed before, refused now",
            Self::Tightened => "TIGHTENED: allowed both times, with more asked now",
            Self::Redecided => "REDECIDED: the same answer, by another or a rewritten rule",
        }
    }
}

/// One request over the closed lists.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Request {
    pub role: String,
    pub agency: String,
    pub category: String,
    pub purpose: String,
    pub basis: String,
}

impl std::fmt::Display for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} in {} asking for {} for {} on {}",
            self.role, self.agency, self.category, self.purpose, self.basis
        )
    }
}

/// What one policy says of a request, as a diff compares it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Answer {
    pub allowed: bool,
    /// The deciding rule's fields and comment; none when no rule matched (refused by default).
    pub rule: Option<RuleText>,
    pub needs_endorsement: bool,
    pub requester_consent_suffices: bool,
}

/// A rule as a diff names it: its fields (not its line, which moves when rules are added above it) and comment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RuleText {
    pub reference: String,
    pub fields: Vec<String>,
    pub reason: String,
}

impl Answer {
    fn of(verdict: Verdict<'_>) -> Self {
        let rule = verdict.rule.map(|r: &Rule| RuleText {
            reference: r.reference(),
            fields: r.fields.clone(),
            reason: r.reason.clone(),
        });
        let allowed_by = verdict.rule.filter(|_| verdict.allowed);
        Self {
            allowed: verdict.allowed,
            rule,
            needs_endorsement: allowed_by.is_some_and(|r| r.needs_endorsement),
            requester_consent_suffices: allowed_by.is_some_and(|r| r.requester_consent_suffices),
        }
    }

    /// What is asked before it is allowed, least first: endorsement needed counts more than not; the requester's
    /// consent sufficing counts less than the holder's being needed.
    fn asks(&self) -> (bool, bool) {
        (self.needs_endorsement, !self.requester_consent_suffices)
    }

    fn same_rule(&self, other: &Self) -> bool {
        self.rule.as_ref().map(|r| &r.fields) == other.rule.as_ref().map(|r| &r.fields)
    }
}

/// How the answer to one request changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub request: Request,
    pub kind: ChangeKind,
    pub before: Answer,
    pub after: Answer,
}

fn change(request: Request, before: Answer, after: Answer) -> Option<Change> {
    let kind = match (before.allowed, after.allowed) {
        (false, true) => ChangeKind::Widened,
        (true, false) => ChangeKind::Narrowed,
        (true, true) if after.asks() < before.asks() => ChangeKind::Loosened,
        (true, true) if after.asks() > before.asks() => ChangeKind::Tightened,
        _ if !before.same_rule(&after) => ChangeKind::Redecided,
        _ => return None,
    };
    Some(Change { request, kind, before, after })
}

/// What groups changes in a report: their kind, the rule deciding before and the rule deciding after.
pub type GroupKey<'a> = (ChangeKind, Option<&'a RuleText>, Option<&'a RuleText>);

/// Every change between two policies over one vocabulary.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyDiff {
    pub old_hash: String,
    pub new_hash: String,
    /// How many requests were decided under both.
    pub compared: usize,
    pub changes: Vec<Change>,
}

impl PolicyDiff {
    /// Decides every request over `vocabulary`'s closed lists under both policies.
    pub fn between(old: &Policy, new: &Policy, vocabulary: &Vocabulary) -> Self {
        let mut changes = Vec::new();
        let mut compared = 0;
        for role in &vocabulary.roles {
            for agency in &vocabulary.agencies {
                for category in &vocabulary.categories {
                    for purpose in &vocabulary.purposes {
                        for basis in &vocabulary.lawful_bases {
                            let ask =
                                [role.as_str(), agency.as_str(), category.as_str(), purpose.as_str(), basis.as_str()];
                            let [r, a, c, p, b] = ask;
                            compared += 1;
                            let request = Request {
                                role: r.to_owned(),
                                agency: a.to_owned(),
                                category: c.to_owned(),
                                purpose: p.to_owned(),
                                basis: b.to_owned(),
                            };
                            let (before, after) =
                                (Answer::of(old.evaluate(r, a, c, p, b)), Answer::of(new.evaluate(r, a, c, p, b)));
                            changes.extend(change(request, before, after));
                        }
                    }
                }
            }
        }
        Self { old_hash: old.hash.clone(), new_hash: new.hash.clone(), compared, changes }
    }

    /// Whether anything is allowed now that was not, or allowed with less asked.
    pub fn widens(&self) -> bool {
        self.changes.iter().any(|c| c.kind.widens())
    }

    /// How many requests changed, by kind.
    pub fn counts(&self) -> BTreeMap<ChangeKind, usize> {
        let mut counts = BTreeMap::new();
        for change in &self.changes {
            *counts.entry(change.kind).or_default() += 1;
        }
        counts
    }

    /// The changes grouped by what changed: the kind, the rule deciding before and the rule deciding after.
    pub fn groups(&self) -> BTreeMap<GroupKey<'_>, Vec<&Request>> {
        let mut groups: BTreeMap<_, Vec<&Request>> = BTreeMap::new();
        for c in &self.changes {
            groups.entry((c.kind, c.before.rule.as_ref(), c.after.rule.as_ref())).or_default().push(&c.request);
        }
        groups
    }

    /// The diff as a person reads it: a summary, then each group with its rules' comments and its requests.
    pub fn report(&self) -> String {
        let mut out = format!(
            "{} requests compared over the closed lists (old {}, new {})\n",
            self.compared,
            short(&self.old_hash),
            short(&self.new_hash)
        );
        let counts = self.counts();
        if counts.is_empty() {
            out.push_str("no request's answer changes\n");
        }
        for (kind, n) in &counts {
            out.push_str(&format!("  {}: {n}\n", kind.describe()));
        }
        for ((kind, before, after), requests) in self.groups() {
            out.push_str(&format!("\n{} ({} requests)\n", kind.describe(), requests.len()));
            for (when, rule) in [("before", before), ("now", after)] {
                match rule {
                    Some(rule) => {
                        out.push_str(&format!("  {when}: {}\n", rule.reference));
                        out.push_str(&format!("    because: {}\n", rule.reason));
                    }
                    None => out.push_str(&format!("  {when}: no rule matches (need-to-know refuses by default)\n")),
                }
            }
            for request in requests {
                out.push_str(&format!("    - {request}\n"));
            }
        }
        out
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests;
