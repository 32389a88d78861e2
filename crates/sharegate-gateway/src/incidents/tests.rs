use chrono::{Duration, TimeZone, Utc};

use super::*;

#[test]
fn the_clock_says_what_is_left_and_what_is_overdue() {
    assert_eq!(clock(Duration::minutes(71 * 60 + 59)), "71 h 59 min left");
    assert_eq!(clock(Duration::zero()), "0 h 0 min left");
    assert_eq!(clock(Duration::minutes(-125)), "overdue by 2 h 5 min");
}

#[test]
fn an_incident_is_due_72_hours_after_the_review_that_opened_it() {
    let opened = Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap();
    assert_eq!(opened + TO_DECIDE, Utc.with_ymd_and_hms(2026, 12, 4, 9, 30, 0).unwrap());
}
