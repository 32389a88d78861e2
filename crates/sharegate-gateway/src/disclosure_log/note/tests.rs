use super::*;

/// The signed-note spec's own example (golang.org/x/mod/sumdb/note, c2sp.org/signed-note): this key, this text, this
/// signature line. Ours must be byte for byte the same, or no other tool reads our checkpoints.
#[test]
fn a_log_signature_line_is_the_signed_note_reference_example() {
    let seed = BASE64.decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz").unwrap();
    assert_eq!(seed[0], ED25519);
    let key = SigningKey::from_bytes(&seed[1..].try_into().unwrap());
    assert_eq!(hex::encode(key_id("PeterNeumann", ED25519, &key.verifying_key())), "c74f20a3");
    let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    assert_eq!(
        log_signature_line("PeterNeumann", text, &key),
        "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
    );
}

#[test]
fn a_cosignature_holds_for_its_checkpoint_only() {
    let witness = SigningKey::from_bytes(&[7; 32]);
    let origin = origin(&SigningKey::from_bytes(&[9; 32]).verifying_key());
    let body = body(&origin, 320, &[1; 32]);
    assert!(body.starts_with("sharegate-log/") && body.ends_with(&format!("\n320\n{}\n", BASE64.encode([1; 32]))));
    let cosignature = Cosignature::sign(&witness, 1_764_800_000, &body);
    assert!(cosignature.holds(&witness.verifying_key(), &body));
    assert!(!cosignature.holds(&witness.verifying_key(), &self::body(&origin, 321, &[1; 32])), "another size");
    assert!(!cosignature.holds(&witness.verifying_key(), &self::body(&origin, 320, &[2; 32])), "another root");
    let later = Cosignature { time: cosignature.time + 1, ..cosignature.clone() };
    assert!(!later.holds(&witness.verifying_key(), &body), "the time is signed");
    assert!(!cosignature.holds(&SigningKey::from_bytes(&[8; 32]).verifying_key(), &body), "another witness");

    // The line: name, then key id ‖ time ‖ signature in base64 (4 + 8 + 64 bytes).
    let name = witness_name("police");
    let line = cosignature.line(&name, &witness.verifying_key());
    let blob = BASE64.decode(line.strip_prefix("— sharegate-witness/police ").unwrap()).unwrap();
    assert_eq!(blob.len(), 76);
    assert_eq!(&blob[4..12], &1_764_800_000u64.to_be_bytes());
    let vkey = cosigner_vkey(&name, &witness.verifying_key());
    assert!(vkey.starts_with(&format!("sharegate-witness/police+{}+", hex::encode(&blob[..4]))), "{vkey}");
}
