//! Example federation material: `sharegate certs init --out DIR`; `sharegate certs issue` for one more person and
//! `sharegate certs revoke` for its CRL; `sharegate certs database` for a PostgreSQL server's TLS.
//!
//! Writes a federation CA and its CRL, server certificates for the gateway and each agency node, the gateway's
//! client certificate, client certificates for people, the servers' ed25519 signing keys, and test material
//! (expired, revoked, foreign-CA and no-agency certificates). The layout is [`Layout`]; operators, docs and scripts
//! rely on it. Everything here is for examples and tests: a real federation's CA lives elsewhere.

mod database;
mod enrol;
mod issue;

mod revoke;

use std::path::{Path, PathBuf};

pub use database::{DatabaseCerts, write_database_certs};
pub use enrol::{Enrolment, Issued, enrol};
pub use issue::{PEOPLE, Person};
mod layout;

pub use layout::Layout;
pub use revoke::{Reason, Revoked, revoke};

use crate::domain::AgencyName;

#[derive(Debug, thiserror::Error)]
pub enum CertsError {
    #[error("{0} already holds a CA; refusing to overwrite it (pass --force to replace the whole set)")]
    AlreadyThere(PathBuf),
    #[error("cannot make certificate '{what}': {reason}")]
    Generate { what: String, reason: String },
    #[error("cannot write {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{cert} was not issued by the CA in {ca}")]
    NotIssuedHere { cert: PathBuf, ca: PathBuf },
    #[error("{0} already exists; refusing to overwrite it")]
    Exists(PathBuf),
    #[error(
        "{0} already exists; refusing to overwrite it (for a namesake, or another certificate for the same person, \
         name the files with --file)"
    )]
    PersonExists(PathBuf),
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error(transparent)]
    SigningKey(#[from] crate::signing::SigningKeyError),
}

/// Makes the whole set under `out`. Refuses to replace an existing CA unless `force`.
pub fn init(out: &Path, agencies: &[AgencyName], force: bool) -> Result<Layout, CertsError> {
    let layout = Layout::new(out);
    if layout.ca_cert().exists() && !force {
        return Err(CertsError::AlreadyThere(out.to_owned()));
    }
    issue::write_federation(&layout, agencies)?;
    Ok(layout)
}

/// Makes the set under `out` only if it has no CA yet: what commands running on the embedded defaults call.
/// Returns whether it made anything.
pub fn ensure(out: &Path, agencies: &[AgencyName]) -> Result<bool, CertsError> {
    if Layout::new(out).ca_cert().exists() {
        return Ok(false);
    }
    init(out, agencies, false).map(|_| true)
}

/// Writes a new ed25519 signing key at `path` (owner-only) and its public half beside it as `<stem>.pub`, for a node's
/// key rotation (see docs/operations.md). Returns the public key's path. Never overwrites either file.
pub fn new_signing_key(path: &Path) -> Result<PathBuf, CertsError> {
    let public = path.with_extension("pub");
    if let Some(there) = [path, public.as_path()].into_iter().find(|p| p.exists()) {
        return Err(CertsError::Exists(there.to_owned()));
    }
    crate::signing::save(&crate::signing::generate(), path)?;
    Ok(public)
}

/// The federation's CA in `layout`: its certificate as PEM, and an issuer that signs with its key.
fn load_ca(layout: &Layout) -> Result<(String, rcgen::Issuer<'static, rcgen::KeyPair>), CertsError> {
    let read = |path: &Path| std::fs::read_to_string(path).map_err(|e| unreadable(path, e));
    let ca_pem = read(&layout.ca_cert())?;
    let key = rcgen::KeyPair::from_pem(&read(&layout.ca_key())?).map_err(|e| unreadable(&layout.ca_key(), e))?;
    let issuer = rcgen::Issuer::from_ca_cert_pem(&ca_pem, key).map_err(|e| unreadable(&layout.ca_cert(), e))?;
    Ok((ca_pem, issuer))
}

fn unreadable(path: &Path, reason: impl std::fmt::Display) -> CertsError {
    CertsError::Unreadable { path: path.to_owned(), reason: reason.to_string() }
}

fn write_public(path: &Path, contents: &[u8]) -> Result<(), CertsError> {
    let fail = |e: std::io::Error| CertsError::Write { path: path.to_owned(), reason: e.to_string() };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    std::fs::write(path, contents).map_err(fail)
}
