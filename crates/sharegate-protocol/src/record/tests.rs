use super::*;

fn generate() -> SigningKey {
    SigningKey::generate(&mut rand::rngs::OsRng)
}

/// What a node serves for a stored seal: the record read back from its text, beside its signature.
fn served_text(sealed: &Seal) -> String {
    let served = SignedRecord { record: open(&sealed.canonical).expect("open"), signature: sealed.signature.clone() };
    serde_json::to_string(&served).expect("serve")
}

fn record() -> SealedRecord {
    SealedRecord {
        format: RecordFormat::CURRENT,
        id: RecordId::new(),
        agency: AgencyName::parse("police").expect("agency"),
        subject_ref: LocalRef::parse("P-1").expect("ref"),
        occurred_at: Utc::now(),
        recorded_at: Utc::now(),
        contact_type: ContactType::parse("home_visit").expect("type"),
        category: Category::parse("police.incident").expect("category"),
        statements: vec![Statement::Fact { text: Narrative::parse("Seen.").expect("text"), evidence: None }],
        sources: vec![Source {
            who: Narrative::parse("PC Smith").expect("who"),
            how: Narrative::parse("in person").expect("how"),
        }],
        glossary: BTreeMap::new(),
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
    let key = generate();
    let original = record();
    let sealed = seal(&original, &key).expect("seal");
    assert_eq!(verify(&sealed, &key.verifying_key()), Ok(original));
    let other_author = Seal { canonical: sealed.canonical.replace("Alex Morgan", "Alex Morgen"), ..sealed };
    assert_eq!(verify(&other_author, &key.verifying_key()), Err(Broken::SignatureMismatch));
}

#[test]
fn another_kind_of_sealed_text_is_not_a_record() {
    let key = generate();
    let mut other = serde_json::to_value(record()).expect("json");
    other["format"] = serde_json::json!("sharegate-record-v0");
    let sealed = crate::seal::seal("sharegate-record-v0", &other, &key).expect("seal");
    assert!(matches!(verify(&sealed, &key.verifying_key()), Err(Broken::Unreadable(_))));
    let served = format!("{},\"signature\":\"{}\"}}", sealed.canonical.trim_end_matches('}'), sealed.signature);
    assert!(Received::read(&served).is_err(), "an unknown format is not a record: {served}");
}

#[test]
fn a_record_of_either_format_verifies_and_the_format_is_bound() {
    let key = generate();
    for format in [RecordFormat::V1, RecordFormat::V2] {
        let original = SealedRecord { format, ..record() };
        let sealed = seal(&original, &key).expect("seal");
        assert_eq!(verify(&sealed, &key.verifying_key()), Ok(original), "{format:?}");
        let received = Received::read(&served_text(&sealed)).expect("read");
        assert_eq!(received.check(&key.verifying_key()), Ok(()), "{format:?} as the gateway receives it");
    }
    // A v1 record relabelled v2 (or back) is checked as what it claims to be, and fails.
    let v1 = seal(&SealedRecord { format: RecordFormat::V1, ..record() }, &key).expect("seal");
    let relabelled = Seal { canonical: v1.canonical.replace("record-v1", "record-v2"), ..v1 };
    assert_eq!(verify(&relabelled, &key.verifying_key()), Err(Broken::SignatureMismatch));
}

#[test]
fn a_v2_signature_covers_the_object_sent_whatever_its_member_order_or_spacing() {
    let key = generate();
    let sealed = seal(&record(), &key).expect("seal");
    // Members in field order (not sorted) and pretty-printed: what a node in another language might send.
    let served: SignedRecord = serde_json::from_str(&served_text(&sealed)).expect("read");
    let text = serde_json::to_string_pretty(&served).expect("text");
    assert!(text.starts_with("{\n  \"format\""), "not sorted as the canonical text is: {text}");
    let received = Received::read(&text).expect("read");
    assert_eq!(received.check(&key.verifying_key()), Ok(()));
    assert_eq!(received.signed_text, sealed.canonical, "the canonical text is the node's stored text");
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
    let key = generate();
    let sealed = seal(&record(), &key).expect("seal");
    // As the gateway gets it: the stored text read back and served beside its signature, then parsed from the wire.
    let text = served_text(&sealed);
    let received = Received::read(&text).expect("read");
    assert_eq!(received.check(&key.verifying_key()), Ok(()));

    let other = generate();
    assert_eq!(received.check(&other.verifying_key()), Err(Broken::SignatureMismatch), "another node's key");
    let changed = Received::read(&text.replace("Seen.", "Not seen.")).expect("read");
    assert_eq!(changed.check(&key.verifying_key()), Err(Broken::SignatureMismatch), "a statement changed");
    let mut moved = served_value(&text);
    moved["occurred_at"] = serde_json::json!("2020-01-01T00:00:01Z");
    let moved = Received::read(&moved.to_string()).expect("read");
    assert_eq!(moved.check(&key.verifying_key()), Err(Broken::SignatureMismatch), "the contact time moved");
    let mut forged = served_value(&text);
    forged["signature"] = serde_json::json!("00");
    let forged = Received::read(&forged.to_string()).expect("read");
    assert_eq!(forged.check(&key.verifying_key()), Err(Broken::MalformedSignature));
}

fn served_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("json")
}

#[test]
fn a_statement_is_a_fact_an_opinion_or_a_quote_and_each_kind_takes_only_its_own_fields() {
    let read = |json: serde_json::Value| serde_json::from_value::<Statement>(json);
    let quote = read(serde_json::json!({"kind": "quote", "text": "He hit me.", "source": "the child"})).expect("quote");
    assert_eq!(quote.text().as_str(), "He hit me.");
    assert!(quote.is_recorded_evidence());
    let opinion = read(serde_json::json!({
        "kind": "opinion", "text": "She is frightened.", "evidence": "She shook.", "rests_on": {"statements": [0]}
    }))
    .expect("opinion");
    assert!(!opinion.is_recorded_evidence());
    for wrong in [
        serde_json::json!({"kind": "quote", "text": "He hit me."}),
        serde_json::json!({"kind": "fact", "text": "Seen.", "source": "PC Smith"}),
        serde_json::json!({"kind": "fact", "text": "Seen.", "rests_on": {"statements": [0]}}),
        serde_json::json!({"kind": "opinion", "text": "Frightened.", "evidence": "Shook.", "rests_on": {"facts": [0]}}),
        serde_json::json!({"kind": "hearsay", "text": "Seen."}),
    ] {
        assert!(read(wrong.clone()).is_err(), "{wrong}");
    }
    // An opinion stored before `rests_on` reads back, and writes back, exactly as it was.
    let old = r#"{"kind":"opinion","text":"Withdrawn.","evidence":"No eye contact."}"#;
    let statement: Statement = serde_json::from_str(old).expect("an old opinion");
    assert_eq!(serde_json::to_string(&statement).expect("text"), old);
}
