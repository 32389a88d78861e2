//! The published test vectors (`test-vectors/records.json`): this implementation reads each `sent` text to the same
//! signed text, accepts exactly the valid ones, and signs a valid one's text to the very signature it carries.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::Deserialize;
use sharegate_protocol::record::{Received, seal};

#[derive(Deserialize)]
struct Vectors {
    key: Key,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Key {
    seed: String,
    public: String,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    sent: String,
    signed_text: String,
    valid: bool,
}

fn bytes32(hex_text: &str) -> [u8; 32] {
    hex::decode(hex_text).expect("hex").try_into().expect("32 bytes")
}

#[test]
fn the_published_vectors_read_sign_and_check_as_they_say() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/records.json");
    let vectors: Vectors = serde_json::from_str(&std::fs::read_to_string(file).expect("the vectors")).expect("json");
    let signing = SigningKey::from_bytes(&bytes32(&vectors.key.seed));
    let public = VerifyingKey::from_bytes(&bytes32(&vectors.key.public)).expect("a public key");
    assert_eq!(signing.verifying_key(), public, "the seed is the public key's");
    assert!(vectors.vectors.iter().any(|v| !v.valid), "the file tests a failure too");

    for vector in &vectors.vectors {
        let received = Received::read(&vector.sent).expect(&vector.name);
        assert_eq!(received.signed_text, vector.signed_text, "{}", vector.name);
        assert_eq!(received.check(&public).is_ok(), vector.valid, "{}", vector.name);
        if vector.valid {
            let resealed = seal(&received.record.record, &signing).expect("seal");
            assert_eq!(resealed.canonical, vector.signed_text, "{}: this node writes the same text", vector.name);
            assert_eq!(resealed.signature, received.record.signature, "{}: and the same signature", vector.name);
        }
    }
}
