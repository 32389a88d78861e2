//! The client side of TLS to PostgreSQL: what libpq's `sslmode` asks of the server's certificate, built on rustls
//! with ring, so that children's data never crosses a network in clear and the build stays free of OpenSSL.
//!
//! Unlike the federation's mutual TLS, the database's certificate comes from whoever runs the database (often a
//! managed service's own CA), so its trust anchors are a file of their own (`sslrootcert`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_cert_signed_by_trust_anchor};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::server::ParsedCertificate;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use super::{TlsError, provider, read_certs, read_key};

/// What the client checks of the database server's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerCheck {
    /// Nothing: the connection is encrypted, but anyone on the path could be the server (`sslmode=require` without
    /// `sslrootcert`, as libpq does it).
    EncryptionOnly,
    /// It chains to these anchors (`verify-ca`), whatever host name it names.
    Chain { roots: PathBuf },
    /// It chains to these anchors and names the host connected to (`verify-full`).
    ChainAndName { roots: PathBuf },
}

/// A certificate and key the client presents, for servers that authenticate clients by certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A client configuration for PostgreSQL. Reads its files each time, so that a replaced CA file or client
/// certificate is used from the next connection on.
pub fn database_client_config(
    check: &ServerCheck,
    identity: Option<&ClientIdentity>,
) -> Result<ClientConfig, TlsError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Provider(e.to_string()))?;
    let verifier: Arc<dyn ServerCertVerifier> = match check {
        ServerCheck::EncryptionOnly => Arc::new(WithoutName { anchors: None, provider }),
        ServerCheck::Chain { roots } => Arc::new(WithoutName { anchors: Some(Arc::new(root_store(roots)?)), provider }),
        ServerCheck::ChainAndName { roots } => {
            WebPkiServerVerifier::builder_with_provider(Arc::new(root_store(roots)?), provider)
                .build()
                .map_err(|e| TlsError::TrustAnchors { path: roots.clone(), reason: e.to_string() })?
        }
    };
    let builder = builder.dangerous().with_custom_certificate_verifier(verifier);
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some(ClientIdentity { cert, key }) => builder
            .with_client_auth_cert(read_certs(cert)?, read_key(key)?)
            .map_err(|e| TlsError::Identity { cert: cert.clone(), key: key.clone(), reason: e.to_string() }),
    }
}

fn root_store(path: &Path) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in read_certs(path)? {
        roots.add(cert).map_err(|e| TlsError::TrustAnchors { path: path.to_owned(), reason: e.to_string() })?;
    }
    Ok(roots)
}

/// The checks that do not name the host: `verify-ca` checks the chain to the anchors but not the name in the
/// certificate (libpq's meaning); `require` without anchors checks neither. Both check the handshake's signatures, so
/// the session is with whoever holds the certificate's key.
#[derive(Debug)]
struct WithoutName {
    /// The anchors the chain must reach; none for encryption only.
    anchors: Option<Arc<RootCertStore>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for WithoutName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(anchors) = &self.anchors {
            let cert = ParsedCertificate::try_from(end_entity)?;
            let algorithms = self.provider.signature_verification_algorithms.all;
            verify_server_cert_signed_by_trust_anchor(&cert, anchors, intermediates, now, algorithms)?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
