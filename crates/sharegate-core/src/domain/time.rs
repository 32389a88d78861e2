//! Times as practitioners and DPOs write them: an RFC 3339 time, or a date alone, taken as the start of that day in
//! UTC (`2026-11-01` is `2026-11-01T00:00:00Z`). Anything else is refused naming both shapes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer};

/// Why a time was refused.
pub const SHAPES: &str =
    "must be a time such as 2026-11-01T09:30:00Z or a date such as 2026-11-01 (the start of that day, UTC)";

/// A time or a date (the start of that day, UTC).
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
}

/// A browser's `datetime-local` field (`2026-11-20T21:30`), read as a clock in England shows it: UK time, summer
/// time included (the earlier of the two readings when the clocks go back).
pub fn uk_local(text: &str) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    let local = chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M").ok()?;
    chrono_tz::Europe::London.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
}

/// For `#[serde(default, deserialize_with = "crate::domain::time::optional")]`.
pub fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else { return Ok(None) };
    parse(&text).map(Some).ok_or_else(|| serde::de::Error::custom(SHAPES))
}

#[cfg(test)]
mod tests;
