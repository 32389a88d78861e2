use chrono::NaiveDateTime;

use super::sqlite::micros;

fn chrono_micros(text: &str) -> i64 {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").map_or(i64::MIN, |t| t.and_utc().timestamp_micros())
}

#[test]
fn times_read_by_hand_agree_with_chrono() {
    for text in [
        "2026-11-25 19:53:08.123456",
        "2026-11-25 19:53:08",
        "2026-11-25 19:53:08.5",
        "2026-11-25 19:53:08.120",
        "2026-11-25 19:53:08.123456000",
        "1999-01-01 00:00:00.000001",
        "2024-02-29 23:59:59.999999",
    ] {
        assert_eq!(micros(text.as_bytes()), Some(chrono_micros(text)), "{text}");
    }
}

#[test]
fn anything_else_is_not_a_time_the_log_writes() {
    for text in [
        "",
        "2026-11-25",
        "2026-11-25T19:53:08.123456",
        "2026-11-25 19:53:08.",
        "2026-11-25 19:53:08.1234567",
        "2026-11-25 19:53:08.123456789",
        "2026-11-25 19:53:08.1234567890",
        "2026-13-25 19:53:08",
        "2025-02-29 19:53:08",
        "2026-11-25 24:53:08",
        "2026-11-25 19:53:08.12345a",
        "2026-11-25 19:53:08 ",
        "+026-11-25 19:53:08",
    ] {
        assert_eq!(micros(text.as_bytes()), None, "{text}");
    }
}
