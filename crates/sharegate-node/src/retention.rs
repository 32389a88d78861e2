//! Retention (¶20): each agency's rules say how long records of each class are kept, counted from when the contact
//! happened or when it was recorded. What has expired is removed with its amendments, and a tombstone (id, hash,
//! class, category, when, which rule) keeps each removal accountable.

use chrono::{DateTime, Months, NaiveDateTime, Utc};

use crate::config::{NodeConfig, RetentionFrom, RetentionRule};
use crate::store::records::{self, RecordRow};
use crate::store::{Store, StoreError};

/// The oldest counting date a record of this rule may have and still be kept.
pub fn cutoff(rule: RetentionRule, now: DateTime<Utc>) -> NaiveDateTime {
    let months = Months::new(u32::from(rule.keep_years) * 12);
    now.checked_sub_months(months).unwrap_or(DateTime::<Utc>::MIN_UTC).naive_utc()
}

/// One record that has expired (or was removed).
#[derive(Debug, Clone)]
pub struct Expired {
    pub record: RecordRow,
    /// The rule in words, e.g. `standard: 6 years from recorded_at`.
    pub rule: String,
}

/// What a retention run found, and whether it removed it.
#[derive(Debug)]
pub struct Report {
    pub expired: Vec<Expired>,
    pub applied: bool,
}

fn describe(class: &str, rule: RetentionRule) -> String {
    let from = match rule.from {
        RetentionFrom::OccurredAt => "occurred_at",
        RetentionFrom::RecordedAt => "recorded_at",
    };
    format!("{class}: {} years from {from}", rule.keep_years)
}

/// Finds expired records for every class; with `apply`, removes them leaving tombstones, one class per transaction.
pub fn run(store: &Store, config: &NodeConfig, now: DateTime<Utc>, apply: bool) -> Result<Report, StoreError> {
    let mut expired = Vec::new();
    for (class, rule) in &config.retention {
        let by_occurrence = rule.from == RetentionFrom::OccurredAt;
        let rows = store.run_now(|conn| records::expired(conn, class.as_str(), by_occurrence, cutoff(*rule, now)))?;
        let description = describe(class.as_str(), *rule);
        if apply && !rows.is_empty() {
            store.run_now(|conn| records::remove(conn, &rows, now.naive_utc(), &description))?;
            for row in &rows {
                tracing::info!(record = %row.id, category = %row.category, rule = %description, "retention removed a record");
            }
        }
        expired.extend(rows.into_iter().map(|record| Expired { record, rule: description.clone() }));
    }
    Ok(Report { expired, applied: apply })
}

#[cfg(test)]
mod tests;
