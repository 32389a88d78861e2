//! What checking a node's signature adds to redaction, per record: reading a served record into its strict type (what
//! redaction did before it checked signatures: the baseline) against reading it as received (its RFC 8785 signed text
//! made from what was sent) and checking its ed25519 signature with the agency's record key, the first time and once
//! remembered (`RecordKeys`, as redaction checks), on the same realistic record (~900 bytes, as the demo's nodes serve
//! them).
//!
//! Run: `cargo bench --bench record_check`, then `bash benches/record-check-report.sh` for the medians and ratio.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use sharegate_gateway::redaction::RecordKeys;
use sharegate_protocol::record::{Received, SignedRecord, seal};

fn served(key: &ed25519_dalek::SigningKey) -> String {
    let mut record = json!({
        "format": "sharegate-record-v2",
        "id": "rec_01a218a8471658a4ff9f76c897652418",
        "agency": "education",
        "subject_ref": "E-3003",
        "occurred_at": "2026-11-20T08:45:00Z",
        "recorded_at": "2026-11-20T09:12:31.482913Z",
        "contact_type": "attendance_review",
        "category": "education.attendance",
        "statements": [
            {"kind": "fact", "text": "Absent on 6 of the last 10 school days; no reason given for 4 of them."},
            {"kind": "fact", "text": "Arrived late on 3 days, once without a coat in cold weather."},
            {"kind": "opinion", "text": "Attendance is getting worse and may point to neglect at home.",
             "evidence": "Register entries for November; two conversations with the class teacher."}
        ],
        "sources": [
            {"who": "the class teacher", "how": "in person"},
            {"who": "the school's attendance register", "how": "records"}
        ],
        "retention_class": "standard",
        "author": {"agency": "education", "role": "dsl", "person": "Sam Patel", "serial": "4f1c2a9b7d3e"},
        "amends": null,
        "signature": "00"
    });
    let unsigned: SignedRecord = serde_json::from_value(record.clone()).expect("a record");
    record["signature"] = json!(seal(&unsigned.record, key).expect("seal").signature);
    record.to_string()
}

fn bench(c: &mut Criterion) {
    let key = sharegate_core::signing::generate();
    let public = key.verifying_key();
    let text = served(&key);
    let mut group = c.benchmark_group("served_record");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("read", |b| b.iter(|| serde_json::from_str::<SignedRecord>(black_box(&text)).unwrap()));
    group.bench_function("read_and_check", |b| {
        b.iter(|| {
            let record = Received::read(black_box(&text)).unwrap();
            record.check(&public).unwrap();
            record
        })
    });
    let education = sharegate_core::domain::AgencyName::parse("education").unwrap();
    let keys = RecordKeys::new(BTreeMap::from([(education.clone(), vec![public])]));
    group.bench_function("read_and_check_remembered", |b| {
        b.iter(|| {
            let record = serde_json::from_str::<SignedRecord>(black_box(&text)).unwrap();
            assert!(keys.signed_by(&education, &record, &text));
            record
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
