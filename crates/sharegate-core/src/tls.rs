//! The door: rustls configurations for mutual TLS.
//!
//! Servers (gateway and nodes) require a client certificate chaining to the federation's trust anchors, not expired
//! and not revoked by the configured CRLs, over TLS 1.2 or 1.3 only. A connection that fails any of these never
//! reaches a handler. Clients (the gateway reaching nodes) present the gateway's client certificate and trust only
//! the federation's anchors, and refuse a node whose certificate is revoked. The CRLs can be replaced while the
//! servers run (see [`revocation`]). This module reads files and builds configurations; it never reads identity.

pub mod database;
pub mod revocation;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use serde::{Deserialize, Serialize};

pub use revocation::Revocations;

/// Why a TLS configuration could not be built. Each names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read certificates from {path}: {reason}")]
    Certificates { path: PathBuf, reason: String },
    #[error("cannot read a private key from {path}: {reason}")]
    Key { path: PathBuf, reason: String },
    #[error("cannot read the CRL {path}: {reason}")]
    Crl { path: PathBuf, reason: String },
    #[error("the trust anchors in {path} are not usable: {reason}")]
    TrustAnchors { path: PathBuf, reason: String },
    #[error("the TLS provider cannot offer TLS 1.2 or 1.3: {0}")]
    Provider(String),
    #[error("the certificate {cert} and key {key} do not make a usable identity: {reason}")]
    Identity { cert: PathBuf, key: PathBuf, reason: String },
}

/// The files a server or client needs: trust anchors, CRL, and its own certificate and key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    /// The federation CA certificate(s): the trust anchors for peers.
    pub ca: PathBuf,
    /// The CRL(s) of that CA, PEM. Revoked certificates fail the handshake; SIGHUP reads the file again.
    pub crl: PathBuf,
    /// This server's (or client's) certificate chain, PEM.
    pub cert: PathBuf,
    /// Its private key, PEM (PKCS#8, SEC1 or PKCS#1).
    pub key: PathBuf,
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let fail = |reason: String| TlsError::Certificates { path: path.to_owned(), reason };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| fail(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(e.to_string()))?;
    if certs.is_empty() {
        return Err(fail("no PEM certificate in the file".into()));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| TlsError::Key { path: path.to_owned(), reason: e.to_string() })
}

fn read_crls(path: &Path) -> Result<Vec<CertificateRevocationListDer<'static>>, TlsError> {
    let fail = |reason: String| TlsError::Crl { path: path.to_owned(), reason };
    let crls = CertificateRevocationListDer::pem_file_iter(path)
        .map_err(|e| fail(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(e.to_string()))?;
    if crls.is_empty() {
        return Err(fail("no PEM CRL in the file".into()));
    }
    Ok(crls)
}

/// A server that admits only clients with a valid certificate from the federation CA, unrevoked by the list in
/// force at each handshake.
pub fn server_config(files: &TlsFiles, revocations: &Arc<Revocations>) -> Result<ServerConfig, TlsError> {
    let identity_error =
        |reason: String| TlsError::Identity { cert: files.cert.clone(), key: files.key.clone(), reason };
    ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| identity_error(e.to_string()))?
        .with_client_cert_verifier(revocations.client_verifier())
        .with_single_cert(read_certs(&files.cert)?, read_key(&files.key)?)
        .map_err(|e| identity_error(e.to_string()))
}

/// A client that presents its certificate and trusts only servers with a certificate from the federation CA,
/// unrevoked by the list in force at each handshake.
pub fn client_config(files: &TlsFiles, revocations: &Arc<Revocations>) -> Result<ClientConfig, TlsError> {
    let identity_error =
        |reason: String| TlsError::Identity { cert: files.cert.clone(), key: files.key.clone(), reason };
    ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| identity_error(e.to_string()))?
        // webpki's own verifier with the CRLs, reached through the list in force so that SIGHUP can replace them:
        // "dangerous" is rustls's name for any verifier it did not build itself.
        .dangerous()
        .with_custom_certificate_verifier(revocations.server_verifier())
        .with_client_auth_cert(read_certs(&files.cert)?, read_key(&files.key)?)
        .map_err(|e| identity_error(e.to_string()))
}
