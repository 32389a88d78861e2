//! A contact record as the policy demands it (¶14–19): dated, attributed from the certificate, every source named,
//! fact and opinion marked with opinion's evidence, plain language, a category and a retention class.
//!
//! [`check`] is pure: it turns a wire body into a [`NewRecord`] or says which rules it breaks.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
pub use sharegate_protocol::record::{Source, Statement, StatementKind};

use crate::config::RetentionRule;
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
        {"kind": "opinion", "text": "Her absences are linked to caring for her younger brother.",
         "evidence": "She told her teacher so on 18 November."}
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementBody {
    pub kind: StatementKind,
    #[schema(value_type = String)]
    pub text: Narrative,
    /// Required for an opinion (¶17): what the professional judgement rests on.
    #[serde(default)]
    pub evidence: Option<String>,
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
    pub retention_class: RetentionClass,
}

/// What a node's records must conform to.
pub struct RecordRules<'a> {
    pub categories: &'a BTreeSet<Category>,
    pub retention: &'a BTreeMap<RetentionClass, RetentionRule>,
    pub glossary: &'a Glossary,
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
    let mut broken =
        |rule: &'static str, field: String, message: String| violations.push(Violation { rule, field, message });

    if body.occurred_at > now + CLOCK_SKEW {
        broken(
            "contact_in_future",
            "occurred_at".into(),
            "the contact cannot have happened in the future (¶19)".into(),
        );
    }
    if body.statements.is_empty() {
        broken("statement_required", "statements".into(), "a record needs at least one statement".into());
    }
    let mut statements = Vec::with_capacity(body.statements.len());
    for (i, statement) in body.statements.into_iter().enumerate() {
        let evidence = statement.evidence.as_deref().map(Narrative::parse).transpose().map_err(|e| {
            ApiError::invalid(format!("statements[{i}].evidence"), format!("statements[{i}].evidence {e}"))
        });
        let evidence = match (statement.evidence.as_deref().map(str::trim), evidence) {
            (Some(""), _) => None,
            (_, Ok(evidence)) => evidence,
            (_, Err(e)) => return Err(e),
        };
        if statement.kind == StatementKind::Opinion && evidence.is_none() {
            broken(
                "opinion_needs_evidence",
                format!("statements[{i}].evidence"),
                format!("statement {} is an opinion and must name the evidence it rests on (¶17)", i + 1),
            );
        }
        statements.push(Statement { kind: statement.kind, text: statement.text, evidence });
    }
    if body.sources.is_empty() {
        broken(
            "sources_required",
            "sources".into(),
            "name every source of the information and how it was obtained: nothing is off the record (¶14)".into(),
        );
    }

    let texts = std::iter::once(body.contact_type.as_str())
        .chain(
            statements
                .iter()
                .flat_map(|s| std::iter::once(s.text.as_str()).chain(s.evidence.as_ref().map(Narrative::as_str))),
        )
        .chain(body.sources.iter().flat_map(|s| [s.who.as_str(), s.how.as_str()]))
        .collect::<Vec<_>>();
    let undefined = rules.glossary.undefined(texts.iter().copied());
    if !undefined.is_empty() {
        broken(
            "undefined_abbreviation",
            "statements".into(),
            format!(
                "define these abbreviations where first used, e.g. 'ABC (what it stands for)', or use plain words (¶16): {}",
                undefined.join(", ")
            ),
        );
    }

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
        retention_class: body.retention_class,
    })
}

#[cfg(test)]
mod tests;
