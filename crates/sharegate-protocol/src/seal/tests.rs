use super::*;

#[derive(Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
struct Note {
    author: String,
    serial: String,
    text: String,
}

fn note() -> Note {
    Note { author: "Alex Morgan".into(), serial: "0a1b".into(), text: "Seen.".into() }
}

#[test]
fn a_seal_verifies_and_reads_back() {
    let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let sealed = seal("test-v1", &note(), &key).expect("seal");
    assert_eq!(verify::<Note>("test-v1", &sealed, &key.verifying_key()), Ok(note()));
}

#[test]
fn any_change_breaks_the_seal() {
    let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let public = key.verifying_key();
    let sealed = seal("test-v1", &note(), &key).expect("seal");
    let other_author = Seal { canonical: sealed.canonical.replace("Alex Morgan", "Alex Morgen"), ..sealed.clone() };
    assert_eq!(verify::<Note>("test-v1", &other_author, &public), Err(Broken::SignatureMismatch));
    let other_serial = Seal { canonical: sealed.canonical.replace("0a1b", "0a1c"), ..sealed.clone() };
    assert_eq!(verify::<Note>("test-v1", &other_serial, &public), Err(Broken::SignatureMismatch));
    assert_eq!(verify::<Note>("other-v1", &sealed, &public), Err(Broken::SignatureMismatch), "formats differ");
    let other_key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng).verifying_key();
    assert_eq!(verify::<Note>("test-v1", &sealed, &other_key), Err(Broken::SignatureMismatch));
    let garbled = Seal { signature: "zz".into(), ..sealed };
    assert_eq!(verify::<Note>("test-v1", &garbled, &public), Err(Broken::MalformedSignature));
}
