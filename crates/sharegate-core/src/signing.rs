//! Ed25519 signing keys of the servers: the gateway's `log-signing.key` (log checkpoints and consent-register
//! entries) and each node's `signing/<agency>.key` (contact records). Authors hold no keys: a server signs what it
//! stores and binds the author's identity into what it signs.
//!
//! This module reads and writes keys; it never decides what is signed.

use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};

#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    #[error("cannot read the signing key {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("cannot write the signing key {path}: {reason}")]
    Write { path: PathBuf, reason: String },
}

pub fn generate() -> SigningKey {
    SigningKey::generate(&mut rand::rngs::OsRng)
}

/// Reads a PKCS#8 PEM ed25519 private key.
pub fn load(path: &Path) -> Result<SigningKey, SigningKeyError> {
    let fail = |reason: String| SigningKeyError::Read { path: path.to_owned(), reason };
    let pem = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    SigningKey::from_pkcs8_pem(&pem).map_err(|e| fail(e.to_string()))
}

/// Reads a public key as [`save`] writes it beside the private one (SPKI PEM): what another server checks
/// signatures with.
pub fn load_public(path: &Path) -> Result<VerifyingKey, SigningKeyError> {
    let fail = |reason: String| SigningKeyError::Read { path: path.to_owned(), reason };
    let pem = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    VerifyingKey::from_public_key_pem(&pem).map_err(|e| fail(e.to_string()))
}

/// Writes the private key (PKCS#8 PEM, owner-only) at `path` and its public key beside it as `<stem>.pub`.
pub fn save(key: &SigningKey, path: &Path) -> Result<(), SigningKeyError> {
    let fail = |path: &Path, reason: String| SigningKeyError::Write { path: path.to_owned(), reason };
    let private = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| fail(path, e.to_string()))?;
    write_secret(path, private.as_bytes()).map_err(|e| fail(path, e.to_string()))?;
    let public_path = path.with_extension("pub");
    let public =
        key.verifying_key().to_public_key_pem(LineEnding::LF).map_err(|e| fail(&public_path, e.to_string()))?;
    std::fs::write(&public_path, public).map_err(|e| fail(&public_path, e.to_string()))
}

/// Writes a file readable by its owner only (private keys), creating parent folders.
pub fn write_secret(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    file.write_all(contents)
}
