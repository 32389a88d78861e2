//! Checkpoints in the form transparency-log tooling reads: a C2SP `tlog-checkpoint` body (origin, size, base64 root)
//! in a C2SP `signed-note`, signed by the log's key and co-signed by witnesses in C2SP `tlog-cosignature/v1` form.
//!
//! The log's own checkpoint signature (`sharegate-checkpoint-v1`, see [`super::checkpoint`]) stays what the store
//! keeps and `log verify` checks; the note is made from it when served, with the same key, so that a witness or an
//! auditor with only standard tools can check it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use super::merkle::Hash;

/// signed-note signature types: an ed25519 signature, and a tlog-cosignature/v1.
const ED25519: u8 = 0x01;
const COSIGNATURE_V1: u8 = 0x04;

/// The log's name in its checkpoints: derived from its public key, so that two logs never share one.
pub fn origin(log_key: &VerifyingKey) -> String {
    let digest: [u8; 32] = Sha256::digest(log_key.as_bytes()).into();
    let [a, b, c, d, e, f, g, h, ..] = digest;
    format!("sharegate-log/{}", hex::encode([a, b, c, d, e, f, g, h]))
}

/// A witness's name: one per agency.
pub fn witness_name(agency: &str) -> String {
    format!("sharegate-witness/{agency}")
}

/// The checkpoint body (C2SP tlog-checkpoint): origin, size and base64 root, each on its line.
pub fn body(origin: &str, size: u64, root: &Hash) -> String {
    format!("{origin}\n{size}\n{}\n", BASE64.encode(root))
}

/// The 4-byte key id of the signed-note spec: SHA-256(name ‖ "\n" ‖ type ‖ public key)[:4].
fn key_id(name: &str, kind: u8, key: &VerifyingKey) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update([kind]);
    hasher.update(key.as_bytes());
    let digest: [u8; 32] = hasher.finalize().into();
    let [a, b, c, d, ..] = digest;
    [a, b, c, d]
}

/// The signed-note verifier key of a witness (`name+keyid+base64(type ‖ key)`), as witness lists publish them.
pub fn cosigner_vkey(name: &str, key: &VerifyingKey) -> String {
    let mut typed = vec![COSIGNATURE_V1];
    typed.extend_from_slice(key.as_bytes());
    format!("{name}+{}+{}", hex::encode(key_id(name, COSIGNATURE_V1, key)), BASE64.encode(typed))
}

/// The log's signature line over `body`.
pub fn log_signature_line(origin: &str, body: &str, key: &SigningKey) -> String {
    let mut blob = key_id(origin, ED25519, &key.verifying_key()).to_vec();
    blob.extend_from_slice(&key.sign(body.as_bytes()).to_bytes());
    format!("— {origin} {}", BASE64.encode(blob))
}

/// What a tlog-cosignature/v1 signs: the header, the time, and the checkpoint body.
fn cosigned_message(time: u64, body: &str) -> String {
    format!("cosignature/v1\ntime {time}\n{body}")
}

/// A witness's co-signature of a checkpoint body at `time` (seconds since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    pub time: u64,
    pub signature: Signature,
}

impl Cosignature {
    pub fn sign(key: &SigningKey, time: u64, body: &str) -> Self {
        Self { time, signature: key.sign(cosigned_message(time, body).as_bytes()) }
    }

    /// Whether it is `key`'s over `body`.
    pub fn holds(&self, key: &VerifyingKey, body: &str) -> bool {
        key.verify(cosigned_message(self.time, body).as_bytes(), &self.signature).is_ok()
    }

    /// The note's signature line: key id, time (8 bytes, big-endian) and signature, base64.
    pub fn line(&self, name: &str, key: &VerifyingKey) -> String {
        let mut blob = key_id(name, COSIGNATURE_V1, key).to_vec();
        blob.extend_from_slice(&self.time.to_be_bytes());
        blob.extend_from_slice(&self.signature.to_bytes());
        format!("— {name} {}", BASE64.encode(blob))
    }
}

/// The whole note: the body, a blank line, then one signature line each.
pub fn note(body: &str, lines: &[String]) -> String {
    let mut text = format!("{body}\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests;
