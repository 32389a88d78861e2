use super::*;

#[test]
fn the_cutoff_counts_calendar_years_back() {
    let now = DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z").expect("date").with_timezone(&Utc);
    let rule = RetentionRule { keep_years: 6, from: RetentionFrom::RecordedAt };
    assert_eq!(cutoff(rule, now).to_string(), "2020-11-25 10:00:00");
    let leap = DateTime::parse_from_rfc3339("2028-02-29T00:00:00Z").expect("date").with_timezone(&Utc);
    assert_eq!(cutoff(RetentionRule { keep_years: 1, ..rule }, leap).to_string(), "2027-02-28 00:00:00");
    assert_eq!(cutoff(RetentionRule { keep_years: 0, ..rule }, now), now.naive_utc());
}
