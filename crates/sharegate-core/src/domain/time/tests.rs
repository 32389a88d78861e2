#![allow(clippy::unwrap_used)]

use super::parse;

#[test]
fn a_date_alone_is_the_start_of_that_day_in_utc() {
    assert_eq!(parse("2027-01-01").unwrap().to_rfc3339(), "2027-01-01T00:00:00+00:00");
    assert_eq!(parse("2026-11-01T09:30:00+01:00").unwrap().to_rfc3339(), "2026-11-01T08:30:00+00:00");
    for bad in ["01/01/2027", "2027-13-01", "2027-01-01T25:00:00Z", "tomorrow", ""] {
        assert_eq!(parse(bad), None, "{bad}");
    }
}
