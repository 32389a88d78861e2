//! Retention (¶20): each agency's rules say how long records of each class are kept, counted from when the contact
//! happened, when it was recorded, or the child's date of birth ("until the 25th birthday", "75 years from birth").
//! What has expired is removed with its amendments, and a tombstone (id, hash, class, category, when, which rule)
//! keeps each removal accountable. What a DPO has put on legal hold is kept whatever its rule says; a record counted
//! from a birth date the agency has not recorded is kept, and counted, until it is recorded.

use std::collections::BTreeMap;

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
    /// Expired, but kept: the child's records are on legal hold.
    pub held: Vec<Expired>,
    /// By class counted from the date of birth: how many originals are kept because the child's date of birth is
    /// not recorded at this node.
    pub birth_date_unknown: BTreeMap<String, usize>,
    pub applied: bool,
}

fn describe(class: &str, rule: RetentionRule) -> String {
    let from = match rule.from {
        RetentionFrom::OccurredAt => "occurred_at",
        RetentionFrom::RecordedAt => "recorded_at",
        RetentionFrom::DateOfBirth => "the date of birth",
    };
    format!("{class}: {} years from {from}", rule.keep_years)
}

/// Finds expired records for every class; with `apply`, removes them leaving tombstones, one class per transaction.
/// Records on legal hold are reported and kept.
pub fn run(store: &Store, config: &NodeConfig, now: DateTime<Utc>, apply: bool) -> Result<Report, StoreError> {
    let held_children = store.run_now(crate::store::dpo_acts::held)?;
    let mut report =
        Report { expired: Vec::new(), held: Vec::new(), birth_date_unknown: BTreeMap::new(), applied: apply };
    for (class, rule) in &config.retention {
        let cutoff = cutoff(*rule, now);
        let rows = store.run_now(|conn| match rule.from {
            RetentionFrom::OccurredAt => records::expired(conn, class.as_str(), records::CountFrom::Occurred, cutoff),
            RetentionFrom::RecordedAt => records::expired(conn, class.as_str(), records::CountFrom::Recorded, cutoff),
            RetentionFrom::DateOfBirth => records::expired(conn, class.as_str(), records::CountFrom::Birth, cutoff),
        })?;
        if rule.from == RetentionFrom::DateOfBirth {
            let undated = store.run_now(|conn| records::without_birth_date(conn, class.as_str()))?;
            if undated > 0 {
                report.birth_date_unknown.insert(class.to_string(), undated);
            }
        }
        let description = describe(class.as_str(), *rule);
        let (held, rows): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| held_children.contains(&r.subject_ref));
        report.held.extend(held.into_iter().map(|record| Expired { record, rule: description.clone() }));
        if apply && !rows.is_empty() {
            store.run_now(|conn| records::remove(conn, &rows, now.naive_utc(), &description))?;
            for row in &rows {
                tracing::info!(record = %row.id, category = %row.category, rule = %description, "retention removed a record");
            }
        }
        report.expired.extend(rows.into_iter().map(|record| Expired { record, rule: description.clone() }));
    }
    Ok(report)
}

#[cfg(test)]
mod tests;
