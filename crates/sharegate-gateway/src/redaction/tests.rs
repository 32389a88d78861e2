use super::*;

/// A record as a node sent it: its text, and the record read from it.
#[derive(Clone)]
struct Sent {
    record: SignedRecord,
    text: String,
}

impl Sent {
    fn from_text(text: String) -> Self {
        Self { record: serde_json::from_str(&text).expect("a record"), text }
    }
}

fn passes(keys: &RecordKeys, agency: &AgencyName, sent: &Sent) -> bool {
    keys.signed_by(agency, &sent.record, &sent.text)
}

/// A record as a node serves it, signed by `key` in `format`.
fn served_as(format: &str, agency: &str, key: &ed25519_dalek::SigningKey, text: &str) -> Sent {
    let mut unsigned = serde_json::json!({
        "format": format, "id": "rec_01a218a8471658a4ff9f76c897652418", "agency": agency,
        "subject_ref": "E-1", "occurred_at": "2026-11-20T08:45:00Z", "recorded_at": "2026-11-20T09:12:31.482913Z",
        "contact_type": "home_visit", "category": "education.attendance",
        "statements": [{"kind": "fact", "text": text}], "sources": [{"who": "the class teacher", "how": "in person"}],
        "retention_class": "standard",
        "author": {"agency": agency, "role": "dsl", "person": "Sam Patel", "serial": "4f"}, "amends": null,
        "signature": "00"
    });
    let record: SignedRecord = serde_json::from_value(unsigned.clone()).expect("a record");
    unsigned["signature"] = sharegate_protocol::record::seal(&record.record, key).expect("seal").signature.into();
    Sent::from_text(unsigned.to_string())
}

fn served(agency: &str, key: &ed25519_dalek::SigningKey, text: &str) -> Sent {
    served_as("sharegate-record-v2", agency, key, text)
}

#[test]
fn a_record_passes_only_as_signed_by_its_agency_and_remembering_one_lets_no_other_through() {
    let (education, police) = (AgencyName::parse("education").unwrap(), AgencyName::parse("police").unwrap());
    let (school, force) = (sharegate_core::signing::generate(), sharegate_core::signing::generate());
    let keys = RecordKeys::new(BTreeMap::from([
        (education.clone(), vec![school.verifying_key()]),
        (police.clone(), vec![force.verifying_key()]),
    ]));
    let record = served("education", &school, "Absent on 6 of the last 10 days.");
    assert!(passes(&keys, &education, &record));
    assert!(passes(&keys, &education, &record), "again, now remembered");
    assert!(!passes(&keys, &police, &record), "not under another agency's key, even once remembered");

    let changed = Sent::from_text(record.text.replace("Absent on 6", "Absent on 1"));
    assert!(!passes(&keys, &education, &changed), "changed after signing, its signature unchanged");
    let other = served("education", &force, "Absent on 6 of the last 10 days.").record.signature;
    let resigned = Sent::from_text(record.text.replace(&record.record.signature, &other));
    assert!(!passes(&keys, &education, &resigned), "the same record signed by another node's key");
    assert!(!passes(&keys, &AgencyName::parse("health").unwrap(), &record), "an agency without a key");

    // The same record sent another way (member order, spacing) is checked anew, and passes on its own signature.
    let pretty = Sent::from_text(serde_json::to_string_pretty(&record.record).unwrap());
    assert_ne!(pretty.text, record.text);
    assert!(passes(&keys, &education, &pretty));
}

#[test]
fn across_a_rotation_records_signed_with_the_old_key_or_the_new_pass_and_no_other() {
    let education = AgencyName::parse("education").unwrap();
    let (old, new, stranger) =
        (sharegate_core::signing::generate(), sharegate_core::signing::generate(), sharegate_core::signing::generate());
    let keys = RecordKeys::new(BTreeMap::from([(education.clone(), vec![new.verifying_key(), old.verifying_key()])]));
    assert!(passes(&keys, &education, &served("education", &old, "Signed before the rotation.")));
    assert!(passes(&keys, &education, &served("education", &new, "Signed after it.")));
    assert!(!passes(&keys, &education, &served("education", &stranger, "Signed by neither.")));
}

#[test]
fn records_signed_before_the_canonical_form_keep_passing() {
    let education = AgencyName::parse("education").unwrap();
    let school = sharegate_core::signing::generate();
    let keys = RecordKeys::new(BTreeMap::from([(education.clone(), vec![school.verifying_key()])]));
    let old = served_as("sharegate-record-v1", "education", &school, "Signed in field order.");
    assert!(passes(&keys, &education, &old));
    let as_v2 = Sent::from_text(old.text.replace("sharegate-record-v1", "sharegate-record-v2"));
    assert!(!passes(&keys, &education, &as_v2), "a format named is a format checked");
}

#[test]
fn each_reason_for_dropping_is_named_alike_in_the_answer_and_the_metrics() {
    // Both names are derived from the variant (serde's and strum's `snake_case`); this checks the two rules agree.
    for &why in <Dropped as strum::VariantArray>::VARIANTS {
        assert_eq!(serde_json::to_value(why).unwrap(), why.code(), "{why:?}");
    }
}
