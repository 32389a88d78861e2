use chrono::{NaiveDate, TimeZone, Utc};

use super::*;

#[test]
fn every_week_of_the_period_is_counted_from_its_monday_zeros_included() {
    // Wednesday 4 November 2026 to Thursday 26 November: the weeks of 2, 9, 16 and 23 November.
    let from = Utc.with_ymd_and_hms(2026, 11, 4, 10, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap();
    let at = |d: u32, h: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap().and_hms_opt(h, 0, 0).unwrap();
    // Sunday the 8th ends the first week; Monday the 9th starts the second.
    let weeks = weekly(&[at(4, 11), at(8, 23), at(9, 0), at(25, 9)], from, to);
    let said: Vec<(u32, i64)> = weeks.iter().map(|w| (w.starting.day(), w.count)).collect();
    assert_eq!(said, vec![(2, 2), (9, 1), (16, 0), (23, 1)]);
}
