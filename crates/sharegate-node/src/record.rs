//! A contact record as the policy demands it (¶14–19): dated, attributed from the certificate, every source named,
//! fact, opinion and quote marked — an opinion with its evidence and what in the record it rests on, a quote with
//! who said it — fair and plain language, a category and a retention class.
//!
//! [`check`] is pure: it turns a wire body into a [`NewRecord`] or says which rules it breaks.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
pub use sharegate_protocol::record::{RestsOn, Source, Statement};

use crate::config::RetentionRule;
use crate::lexicon::Lexicon;
use crate::plain_language::Glossary;
use sharegate_core::domain::{Category, ContactType, LocalRef, Narrative, RetentionClass};
use sharegate_core::error::{ApiError, Violation};

/// A record as a practitioner sends it. The author, the recording time and the id are never taken from the body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "subject_ref": "E-1",
    "occurred_at": "2026-11-20T10:00:00Z",
    "contact_type": "register",
    "category": "education.attendance",
    "statements": [
        {"kind": "fact", "text": "Lily was absent on 12 of the last 20 school days."},
        {"kind": "quote", "text": "I have to look after Sam when Mum is poorly.", "source": "Lily, to her teacher"},
        {"kind": "opinion", "text": "Her absences are linked to caring for her younger brother.",
         "evidence": "What she told her teacher on 18 November, and the days she was absent.",
         "rests_on": {"statements": [0, 1], "sources": [0]}}
    ],
    "sources": [{"who": "the class register", "how": "school records"}],
    "retention_class": "standard"
}))]
pub struct RecordBody {
    /// The child's reference at this agency.
    #[schema(value_type = String, example = "E-1")]
    pub subject_ref: LocalRef,
    /// When the contact happened (RFC 3339).
    pub occurred_at: DateTime<Utc>,
    /// Free text, e.g. `home_visit`.
    #[schema(value_type = String, example = "home_visit")]
    pub contact_type: ContactType,
    /// One of this agency's categories.
    #[schema(value_type = String, example = "education.attendance")]
    pub category: Category,
    pub statements: Vec<StatementBody>,
    /// Every source of the information (¶14: nothing is off the record).
    pub sources: Vec<Source>,
    #[schema(value_type = String, example = "standard")]
    pub retention_class: RetentionClass,
}

/// A statement as a practitioner sends it: a fact, an opinion, or someone's words verbatim.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StatementBody {
    Fact {
        #[schema(value_type = String)]
        text: Narrative,
        /// What the fact is known from, where the sources do not say (¶17).
        #[serde(default)]
        evidence: Option<String>,
    },
    /// ¶17: an opinion, recorded as such, with its evidence and what in this record it rests on.
    Opinion {
        #[schema(value_type = String)]
        text: Narrative,
        /// Required: what the professional judgement rests on, in words.
        #[serde(default)]
        evidence: Option<String>,
        /// Required: the facts and quotes (by index in `statements`, from 0) and sources (by index in `sources`) the
        /// opinion rests on; at least one.
        #[serde(default)]
        rests_on: Option<RestsOn>,
    },
    /// ¶23: someone's words, recorded verbatim because they matter. Not held to the lexicon (¶15): they are not
    /// the author's words.
    Quote {
        #[schema(value_type = String)]
        text: Narrative,
        /// Required: who said or wrote them.
        #[serde(default)]
        source: Option<String>,
    },
}

/// A record that keeps every rule, ready to be sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub subject_ref: LocalRef,
    pub occurred_at: DateTime<Utc>,
    pub contact_type: ContactType,
    pub category: Category,
    pub statements: Vec<Statement>,
    pub sources: Vec<Source>,
    /// The glossary's meanings of the abbreviations the record uses.
    pub glossary: BTreeMap<String, Narrative>,
    pub retention_class: RetentionClass,
}

/// What a node's records must conform to.
pub struct RecordRules<'a> {
    pub categories: &'a BTreeSet<Category>,
    pub retention: &'a BTreeMap<RetentionClass, RetentionRule>,
    pub glossary: &'a Glossary,
    /// The lexicon in force when the record arrived (a reload does not change it mid-check).
    pub lexicon: std::sync::Arc<Lexicon>,
}

/// Contacts a few minutes ahead of the node's clock are clock skew, not the future.
const CLOCK_SKEW: Duration = Duration::minutes(5);
const MAX_STATEMENTS: usize = 200;
const MAX_SOURCES: usize = 50;

/// Checks a body against the closed lists (400) and the recording rules (422, every broken rule listed).
pub fn check(body: RecordBody, rules: &RecordRules<'_>, now: DateTime<Utc>) -> Result<NewRecord, ApiError> {
    if !rules.categories.contains(&body.category) {
        let known = rules.categories.iter().map(Category::as_str).collect::<Vec<_>>().join(", ");
        return Err(ApiError::invalid(
            "category",
            format!("'{}' is not a category of this agency ({known})", body.category),
        ));
    }
    if !rules.retention.contains_key(&body.retention_class) {
        let known = rules.retention.keys().map(RetentionClass::as_str).collect::<Vec<_>>().join(", ");
        return Err(ApiError::invalid(
            "retention_class",
            format!("'{}' is not a retention class of this agency ({known})", body.retention_class),
        ));
    }
    if body.statements.len() > MAX_STATEMENTS || body.sources.len() > MAX_SOURCES {
        return Err(ApiError::invalid(
            "statements",
            format!("at most {MAX_STATEMENTS} statements and {MAX_SOURCES} sources"),
        ));
    }

    let mut violations = Vec::new();
    if body.occurred_at > now + CLOCK_SKEW {
        violations.push(Violation::new(
            "contact_in_future",
            "occurred_at",
            "the contact cannot have happened in the future (¶19)",
        ));
    }
    if body.statements.is_empty() {
        violations.push(Violation::new("statement_required", "statements", "a record needs at least one statement"));
    }
    // The wording's rules are listed after the structure's, but read the body before it is taken apart.
    let mut wording_violations = Vec::new();
    let wording = wording(&body);
    for Wording { field, text, .. } in wording.iter().filter(|w| w.authors_own) {
        for found in rules.lexicon.find(text) {
            wording_violations.push(Violation {
                found: Some(found.words.clone()),
                suggestion: Some(found.suggest),
                ..Violation::new(
                    "judgemental_language",
                    field.as_str(),
                    format!(
                        "'{}' is {} Write what was seen, said or done (¶15); words someone else said that matter are \
                         a quote naming who said them",
                        found.words, found.why
                    ),
                )
            });
        }
    }
    let glossary = rules.glossary.review(wording.iter().map(|w| w.text));
    if !glossary.undefined.is_empty() {
        wording_violations.push(Violation::new(
            "undefined_abbreviation",
            "statements",
            format!(
                "define these abbreviations where first used, e.g. 'ABC (what it stands for)', or use plain words (¶16): {}",
                glossary.undefined.join(", ")
            ),
        ));
    }

    let kinds: Vec<Kind> = body.statements.iter().map(Kind::of).collect();
    let mut statements = Vec::with_capacity(body.statements.len());
    for (i, statement) in body.statements.into_iter().enumerate() {
        statements.extend(check_statement(i, statement, &kinds, body.sources.len(), &mut violations)?);
    }
    if body.sources.is_empty() {
        violations.push(Violation::new(
            "sources_required",
            "sources",
            "name every source of the information and how it was obtained: nothing is off the record (¶14)",
        ));
    }
    violations.append(&mut wording_violations);

    if !violations.is_empty() {
        return Err(ApiError::breaks_rules(violations));
    }
    Ok(NewRecord {
        subject_ref: body.subject_ref,
        occurred_at: body.occurred_at,
        contact_type: body.contact_type,
        category: body.category,
        statements,
        sources: body.sources,
        glossary: glossary.used,
        retention_class: body.retention_class,
    })
}

/// A text of a record, and the field it is in.
struct Wording<'a> {
    field: String,
    text: &'a str,
    /// The author's own words, held to the lexicon (¶15); a quote's words are someone else's.
    authors_own: bool,
}

/// Every text of a record.
fn wording(body: &RecordBody) -> Vec<Wording<'_>> {
    let own = |field: String, text| Wording { field, text, authors_own: true };
    let mut wording = vec![own("contact_type".into(), body.contact_type.as_str())];
    for (i, statement) in body.statements.iter().enumerate() {
        let field = |name: &str| format!("statements[{i}].{name}");
        match statement {
            StatementBody::Fact { text, evidence } | StatementBody::Opinion { text, evidence, .. } => {
                wording.push(own(field("text"), text.as_str()));
                wording.extend(evidence.as_deref().map(|e| own(field("evidence"), e)));
            }
            StatementBody::Quote { text, source } => {
                wording.push(Wording { field: field("text"), text: text.as_str(), authors_own: false });
                wording.extend(source.as_deref().map(|s| own(field("source"), s)));
            }
        }
    }
    for (i, source) in body.sources.iter().enumerate() {
        wording.push(own(format!("sources[{i}].who"), source.who.as_str()));
        wording.push(own(format!("sources[{i}].how"), source.how.as_str()));
    }
    wording
}

/// What an opinion may rest on: a statement's kind, known before any statement is checked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Fact,
    Opinion,
    Quote,
}

impl Kind {
    fn of(statement: &StatementBody) -> Self {
        match statement {
            StatementBody::Fact { .. } => Self::Fact,
            StatementBody::Opinion { .. } => Self::Opinion,
            StatementBody::Quote { .. } => Self::Quote,
        }
    }
}

/// Checks statement `i`: the statement as stored, or `None` where it breaks a rule (each is added to `violations`).
/// Text that is not text at all (too long, control characters) is 400 at once.
fn check_statement(
    i: usize,
    statement: StatementBody,
    kinds: &[Kind],
    sources: usize,
    violations: &mut Vec<Violation>,
) -> Result<Option<Statement>, ApiError> {
    let narrative = |field: &str, value: Option<String>| -> Result<Option<Narrative>, ApiError> {
        let field = format!("statements[{i}].{field}");
        match value.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(value) => {
                Narrative::parse(value).map(Some).map_err(|e| ApiError::invalid(&field, format!("{field} {e}")))
            }
        }
    };
    Ok(match statement {
        StatementBody::Fact { text, evidence } => {
            Some(Statement::Fact { text, evidence: narrative("evidence", evidence)? })
        }
        StatementBody::Quote { text, source } => {
            let source = narrative("source", source)?;
            if source.is_none() {
                violations.push(Violation::new(
                    "quote_needs_source",
                    format!("statements[{i}].source"),
                    format!("statement {} is a quote and must name who said or wrote it (¶14)", i + 1),
                ));
            }
            source.map(|source| Statement::Quote { text, source })
        }
        StatementBody::Opinion { text, evidence, rests_on } => {
            let evidence = narrative("evidence", evidence)?;
            if evidence.is_none() {
                violations.push(Violation::new(
                    "opinion_needs_evidence",
                    format!("statements[{i}].evidence"),
                    format!("statement {} is an opinion and must name the evidence it rests on (¶17)", i + 1),
                ));
            }
            let rests_on = check_rests_on(i, rests_on, kinds, sources, violations);
            evidence.zip(rests_on).map(|(evidence, rests_on)| Statement::Opinion {
                text,
                evidence,
                rests_on: Some(rests_on),
            })
        }
    })
}

/// ¶17: an opinion rests on at least one fact, quote or source of its own record, each of which exists.
fn check_rests_on(
    i: usize,
    rests_on: Option<RestsOn>,
    kinds: &[Kind],
    sources: usize,
    violations: &mut Vec<Violation>,
) -> Option<RestsOn> {
    let field = format!("statements[{i}].rests_on");
    let Some(mut rests_on) = rests_on.filter(|r| !r.statements.is_empty() || !r.sources.is_empty()) else {
        violations.push(Violation::new(
            "opinion_rests_on_nothing",
            field,
            format!(
                "statement {} is an opinion and must name the facts, quotes or sources in this record it rests on, \
                 e.g. \"rests_on\": {{\"statements\": [0], \"sources\": [0]}} (¶17)",
                i + 1
            ),
        ));
        return None;
    };
    let before = violations.len();
    for (k, &index) in rests_on.statements.iter().enumerate() {
        let why = match kinds.get(usize::from(index)) {
            None => "there is no such statement",
            Some(Kind::Opinion) => "an opinion rests on facts and quotes, not on another opinion",
            Some(Kind::Fact | Kind::Quote) => continue,
        };
        violations.push(Violation::new(
            "opinion_rests_on_nothing",
            format!("{field}.statements[{k}]"),
            format!("statement {} rests on statement index {index}: {why} (¶17)", i + 1),
        ));
    }
    for (k, &index) in rests_on.sources.iter().enumerate() {
        if usize::from(index) >= sources {
            violations.push(Violation::new(
                "opinion_rests_on_nothing",
                format!("{field}.sources[{k}]"),
                format!("statement {} rests on source index {index}: there is no such source (¶17)", i + 1),
            ));
        }
    }
    rests_on.statements.sort_unstable();
    rests_on.statements.dedup();
    rests_on.sources.sort_unstable();
    rests_on.sources.dedup();
    (violations.len() == before).then_some(rests_on)
}

#[cfg(test)]
mod tests;
