use super::*;
use crate::domain::Narrative;
use crate::node::record::{Source, Statement, StatementKind};

fn record() -> SealedRecord {
    SealedRecord {
        format: FORMAT.into(),
        id: RecordId::new(),
        agency: AgencyName::parse("police").expect("agency"),
        subject_ref: LocalRef::parse("P-1").expect("ref"),
        occurred_at: Utc::now(),
        recorded_at: Utc::now(),
        contact_type: ContactType::parse("home_visit").expect("type"),
        category: Category::parse("police.incident").expect("category"),
        statements: vec![Statement {
            kind: StatementKind::Fact,
            text: Narrative::parse("Seen.").expect("text"),
            evidence: None,
        }],
        sources: vec![Source {
            who: Narrative::parse("PC Smith").expect("who"),
            how: Narrative::parse("in person").expect("how"),
        }],
        retention_class: RetentionClass::parse("standard").expect("class"),
        author: Author {
            agency: AgencyName::parse("police").expect("agency"),
            role: Role::parse("investigator").expect("role"),
            person: PersonName::parse("Alex Morgan").expect("person"),
            serial: "0a1b".into(),
        },
        amends: None,
    }
}

#[test]
fn a_record_verifies_reads_back_and_binds_its_author() {
    let key = crate::signing::generate();
    let original = record();
    let sealed = seal(&original, &key).expect("seal");
    assert_eq!(verify(&sealed, &key.verifying_key()), Ok(original));
    let other_author = Seal { canonical: sealed.canonical.replace("Alex Morgan", "Alex Morgen"), ..sealed };
    assert_eq!(verify(&other_author, &key.verifying_key()), Err(Broken::SignatureMismatch));
}

#[test]
fn another_kind_of_sealed_text_is_not_a_record() {
    let key = crate::signing::generate();
    let mut other = serde_json::to_value(record()).expect("json");
    other["format"] = serde_json::json!("sharegate-record-v0");
    let sealed = crate::seal::seal(FORMAT, &other, &key).expect("seal");
    assert!(matches!(verify(&sealed, &key.verifying_key()), Err(Broken::Unreadable(_))));
}

#[test]
fn a_signed_record_reads_back_from_its_served_text_and_an_extra_field_anywhere_fails_it() {
    let served = SignedRecord { record: record(), signature: "ab".repeat(32) };
    let text = serde_json::to_value(&served).expect("serialise");
    let read: SignedRecord = serde_json::from_value(text.clone()).expect("read back");
    assert_eq!(read, served);
    // Written as the sealed record's own fields, in their order, then the signature.
    let record = serde_json::to_string(&served.record).expect("record");
    let expected = format!("{},\"signature\":\"{}\"}}", record.strip_suffix('}').expect("an object"), served.signature);
    assert_eq!(serde_json::to_string(&served).expect("served"), expected);

    let mut top = text.clone();
    top["notes"] = serde_json::json!("kept back");
    assert!(serde_json::from_value::<SignedRecord>(top).is_err(), "an extra field beside the signature");
    let mut nested = text.clone();
    nested["author"]["address"] = serde_json::json!("1 Private Road");
    assert!(serde_json::from_value::<SignedRecord>(nested).is_err(), "an extra field inside the record");
    let mut unsigned = text;
    unsigned.as_object_mut().expect("object").remove("signature");
    assert!(serde_json::from_value::<SignedRecord>(unsigned).is_err(), "no signature");
}

#[test]
fn a_served_record_checks_against_its_nodes_key_and_fails_changed_or_signed_by_another() {
    let key = crate::signing::generate();
    let sealed = seal(&record(), &key).expect("seal");
    // As the gateway gets it: the stored text read back and served beside its signature, then parsed from the wire.
    let served = SignedRecord { record: open(&sealed.canonical).expect("open"), signature: sealed.signature };
    let received: SignedRecord = serde_json::from_str(&serde_json::to_string(&served).expect("serve")).expect("read");
    assert_eq!(received.check(&key.verifying_key()), Ok(()));

    let other = crate::signing::generate();
    assert_eq!(received.check(&other.verifying_key()), Err(Broken::SignatureMismatch), "another node's key");
    let mut changed = received.clone();
    changed.record.statements[0].text = Narrative::parse("Not seen.").expect("text");
    assert_eq!(changed.check(&key.verifying_key()), Err(Broken::SignatureMismatch), "a statement changed");
    let mut moved = received.clone();
    moved.record.occurred_at += chrono::Duration::seconds(1);
    assert_eq!(moved.check(&key.verifying_key()), Err(Broken::SignatureMismatch), "the contact time moved");
    let mut forged = received;
    forged.signature = "00".into();
    assert_eq!(forged.check(&key.verifying_key()), Err(Broken::MalformedSignature));
}
