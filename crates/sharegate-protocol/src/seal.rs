//! Seals: a server signs what it stores, over a canonical text that binds the author's identity and certificate
//! serial. Contact records (nodes, see [`crate::record`]) and the gateway's register entries are sealed; authors
//! hold no keys.
//!
//! A seal is a canonical text and an ed25519 signature, hex, over `<format>\n<canonical text>`. The format names
//! what kind of thing was signed, so a signature over one kind can never pass for another. The canonical text is
//! what is stored, and a value is read back from it. [`seal`] makes the text as compact JSON in field order: right
//! for what one server writes and reads back itself; what crosses the federation is signed as [`crate::record`]
//! says.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A stored value's canonical text and the server's signature over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    pub canonical: String,
    pub signature: String,
}

#[derive(Debug, thiserror::Error)]
#[error("the value cannot be serialised for sealing: {0}")]
pub struct SealError(#[from] serde_json::Error);

/// Why a stored value does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("the signature is not a valid ed25519 signature")]
    MalformedSignature,
    #[error("the signature does not match the record")]
    SignatureMismatch,
    #[error("the signed text cannot be read: {0}")]
    Unreadable(String),
}

fn message(format: &str, canonical: &str) -> Vec<u8> {
    [format.as_bytes(), b"\n", canonical.as_bytes()].concat()
}

pub fn seal<T: Serialize>(format: &str, value: &T, key: &SigningKey) -> Result<Seal, SealError> {
    Ok(sign_text(format, serde_json::to_string(value)?, key))
}

/// Signs `canonical`, already made, as a value of kind `format`.
pub fn sign_text(format: &str, canonical: String, key: &SigningKey) -> Seal {
    let signature = hex::encode(key.sign(&message(format, &canonical)).to_bytes());
    Seal { canonical, signature }
}

/// Checks a seal's signature and reads the value back.
pub fn verify<T: DeserializeOwned>(format: &str, seal: &Seal, key: &VerifyingKey) -> Result<T, Broken> {
    check(format, &seal.canonical, &seal.signature, key)?;
    open(&seal.canonical)
}

/// Checks that `signature` (hex) is `key`'s over `canonical` as a value of kind `format`.
pub fn check(format: &str, canonical: &str, signature: &str, key: &VerifyingKey) -> Result<(), Broken> {
    let bytes = hex::decode(signature).map_err(|_| Broken::MalformedSignature)?;
    let signature = Signature::from_slice(&bytes).map_err(|_| Broken::MalformedSignature)?;
    key.verify(&message(format, canonical), &signature).map_err(|_| Broken::SignatureMismatch)
}

/// Reads a sealed value without checking its signature (read paths; the verify commands check).
pub fn open<T: DeserializeOwned>(canonical: &str) -> Result<T, Broken> {
    serde_json::from_str(canonical).map_err(|e| Broken::Unreadable(e.to_string()))
}

#[cfg(test)]
mod tests;
