//! Revocation that takes effect while the servers run.
//!
//! A certificate is revoked when its holder leaves, or loses the laptop that holds its key. The CRL file is read at
//! start and again on every SIGHUP: an operator publishes the new CRL and signals the servers — no restart, no
//! dropped sharing. Three things use the list in force:
//! - the door's handshakes: a revoked client certificate fails the handshake (rustls and webpki, given the CRLs);
//! - connections already open, and resumed TLS sessions: a certificate is checked once per full handshake, but a
//!   connection may live for hours (keep-alive, a browser) and a client may resume its session on a new one, which
//!   skips the check. So every request is checked again: once its certificate is revoked (or has expired) it is
//!   refused with 401 and the connection closed;
//! - the gateway's connections to nodes: a revoked node certificate fails the handshake.
//!
//! A new list is taken only if every CRL in it is signed by one of the trust anchors and none is older (by CRL
//! number) than the one in force for its issuer: an old CRL put back would quietly un-revoke certificates. Otherwise
//! the list in force stays, and the log says why. A CRL past its next update is still used — refusing every
//! certificate would stop all sharing about every child — but the log warns, and `/metrics` shows the next update
//! (`sharegate_crl_next_update_timestamp_seconds`) so that monitoring can alert before it passes.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Extensions, ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use chrono::{DateTime, Utc};
use prometheus::core::Collector;
use prometheus::{IntGauge, Opts};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, ServerName, UnixTime};
use x509_parser::num_bigint::BigUint;
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};
use x509_parser::revocation_list::CertificateRevocationList;

use super::{TlsError, TlsFiles, provider, read_certs, read_crls};
use crate::error::{ApiError, ErrorKind};

/// A certificate as revocation knows it: its issuer's name (DER) and its serial number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertKey {
    issuer: Vec<u8>,
    serial: Vec<u8>,
}

impl CertKey {
    fn new(issuer: &[u8], serial: &[u8]) -> Self {
        // The same number may be written with or without a leading zero byte.
        let first = serial.iter().position(|b| *b != 0).unwrap_or(serial.len());
        Self { issuer: issuer.to_vec(), serial: serial.get(first..).unwrap_or_default().to_vec() }
    }
}

/// What a reload took into force, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InForceSummary {
    pub revoked: usize,
    /// The earliest next update of the CRLs in force.
    pub next_update: Option<DateTime<Utc>>,
}

/// The list in force and what was built from it.
struct InForce {
    clients: Arc<dyn ClientCertVerifier>,
    servers: Arc<dyn ServerCertVerifier>,
    revoked: HashSet<CertKey>,
    /// Each issuer whose CRL is in force, with its CRL number if it has one: a later list must not go back.
    issuers: BTreeMap<Vec<u8>, Option<BigUint>>,
    summary: InForceSummary,
}

/// Where the lists come from and what must have signed them.
struct Source {
    crl_path: PathBuf,
    ca_path: PathBuf,
    roots: Arc<RootCertStore>,
    /// The trust anchors, whose keys must have signed every CRL taken.
    anchors: Vec<CertificateDer<'static>>,
}

/// Whose certificates a list of revocations is checked against: it names the list in the log and on `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Side {
    /// The clients a server's door admits.
    Clients,
    /// The servers a client reaches (the gateway's nodes).
    Servers,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The CRLs in force for one set of TLS files, replaceable while the server runs (see the module's doc).
pub struct Revocations {
    side: Side,
    source: Source,
    /// What a server names to clients as acceptable issuers: the anchors, which a reload does not change.
    hints: Vec<DistinguishedName>,
    /// How handshake signatures are checked. They do not depend on the CRLs: both verifiers check them with the
    /// provider's algorithms, as webpki's own verifiers do.
    algorithms: WebPkiSupportedAlgorithms,
    current: RwLock<Arc<InForce>>,
    /// How many lists revoking something new have been taken into force since the first (see
    /// [`Self::generation`]).
    generation: AtomicU64,
    next_update_gauge: IntGauge,
    revoked_gauge: IntGauge,
}

impl std::fmt::Debug for Revocations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Revocations").field("crl", &self.source.crl_path).field("in_force", &self.summary()).finish()
    }
}

impl Revocations {
    /// Reads the trust anchors and the CRL file of `files`, for checking the certificates of `side`.
    pub fn load(files: &TlsFiles, side: Side) -> Result<Arc<Self>, TlsError> {
        let anchors = read_certs(&files.ca)?;
        let mut roots = RootCertStore::empty();
        for cert in &anchors {
            roots
                .add(cert.clone())
                .map_err(|e| TlsError::TrustAnchors { path: files.ca.clone(), reason: e.to_string() })?;
        }
        let source = Source { crl_path: files.crl.clone(), ca_path: files.ca.clone(), roots: Arc::new(roots), anchors };
        let first = source.read(None)?;
        let gauge = |name: &str, help: &str| {
            IntGauge::with_opts(Opts::new(name, help).const_label("side", side.as_str()))
                .map_err(|e| TlsError::Crl { path: files.crl.clone(), reason: format!("cannot make its metric: {e}") })
        };
        let revocations = Self {
            side,
            hints: source.roots.subjects(),
            algorithms: provider().signature_verification_algorithms,
            source,
            current: RwLock::new(Arc::new(first)),
            generation: AtomicU64::new(0),
            next_update_gauge: gauge(
                "sharegate_crl_next_update_timestamp_seconds",
                "When the earliest CRL in force says the next one is due (Unix time): alert before it passes",
            )?,
            revoked_gauge: gauge("sharegate_crl_revoked_certificates", "Certificates revoked by the CRLs in force")?,
        };
        revocations.publish();
        Ok(Arc::new(revocations))
    }

    /// Reads the CRL file again. If it is not a usable list, or would go back to an older CRL, the list in force
    /// stays and the error says why.
    pub fn reload(&self) -> Result<InForceSummary, TlsError> {
        let before = self.in_force();
        let next = self.source.read(Some(&before))?;
        let revokes_more = next.revoked.difference(&before.revoked).next().is_some();
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(next);
        if revokes_more {
            // After the swap: whoever sees the new generation also meets the new list at its next handshake.
            self.generation.fetch_add(1, Ordering::Release);
        }
        self.publish();
        Ok(self.summary())
    }

    /// Changes each time a list that revokes a certificate the one before did not is taken into force (a SIGHUP that
    /// reloads the same list, say for the policy, leaves it). A client keeps its open connections and TLS sessions
    /// only while this stays the same: a connection opened, or a session resumed, under an earlier list was never
    /// checked against this one.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn summary(&self) -> InForceSummary {
        self.in_force().summary.clone()
    }

    /// Whether the list in force revokes this certificate.
    pub fn revokes(&self, key: &CertKey) -> bool {
        self.in_force().revoked.contains(key)
    }

    /// The verifier a server's door uses for client certificates: the list in force at each handshake.
    pub fn client_verifier(self: &Arc<Self>) -> Arc<dyn ClientCertVerifier> {
        Arc::new(CurrentClientVerifier(self.clone()))
    }

    /// The verifier a client uses for server certificates: the list in force at each handshake.
    pub fn server_verifier(self: &Arc<Self>) -> Arc<dyn ServerCertVerifier> {
        Arc::new(CurrentServerVerifier(self.clone()))
    }

    /// The gauges, to be registered with the server's registry.
    pub fn collectors(&self) -> Vec<Box<dyn Collector>> {
        vec![Box::new(self.next_update_gauge.clone()), Box::new(self.revoked_gauge.clone())]
    }

    fn in_force(&self) -> Arc<InForce> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn publish(&self) {
        let summary = self.summary();
        self.next_update_gauge.set(summary.next_update.map_or(0, |t| t.timestamp()));
        self.revoked_gauge.set(i64::try_from(summary.revoked).unwrap_or(i64::MAX));
    }
}

impl Source {
    /// Reads and checks the CRL file; `before` is the list in force, which the new one may not go back from.
    fn read(&self, before: Option<&InForce>) -> Result<InForce, TlsError> {
        let fail = |reason: String| TlsError::Crl { path: self.crl_path.clone(), reason };
        let crls = read_crls(&self.crl_path)?;
        let mut revoked = HashSet::new();
        let mut issuers = BTreeMap::new();
        let mut next_update: Option<DateTime<Utc>> = None;
        for der in &crls {
            let (_, crl) =
                CertificateRevocationList::from_der(der.as_ref()).map_err(|e| fail(format!("not a CRL: {e}")))?;
            let issuer = crl.issuer().as_raw();
            self.check_signature(&crl).map_err(&fail)?;
            let number = crl.crl_number();
            if let (Some(number), Some(Some(old))) = (number, before.and_then(|b| b.issuers.get(issuer)))
                && number < old
            {
                return Err(fail(format!(
                    "its CRL number {number} is lower than the {old} in force: an older list would un-revoke \
                     certificates"
                )));
            }
            issuers.insert(issuer.to_vec(), number.cloned());
            if let Some(next) = crl.next_update().and_then(|t| DateTime::from_timestamp(t.timestamp(), 0)) {
                next_update = Some(next_update.map_or(next, |earliest| earliest.min(next)));
            }
            revoked.extend(crl.iter_revoked_certificates().map(|r| CertKey::new(issuer, r.raw_serial())));
        }
        // An issuer whose CRL went missing from the file would have its revocations forgotten.
        if let Some(dropped) = before.and_then(|b| b.issuers.keys().find(|issuer| !issuers.contains_key(*issuer))) {
            let name = X509Name::from_der(dropped).map(|(_, n)| n.to_string()).unwrap_or_default();
            return Err(fail(format!("it has no CRL of {name}, whose CRL is in force")));
        }
        if let Some(next) = next_update.filter(|next| *next < Utc::now()) {
            tracing::warn!(crl = %self.crl_path.display(), next_update = %next,
                "the CRL is past its next update: certificates revoked since are not known until a new one is loaded");
        }
        Ok(InForce {
            clients: self.client_verifier(&crls)?,
            servers: self.server_verifier(&crls)?,
            summary: InForceSummary { revoked: revoked.len(), next_update },
            revoked,
            issuers,
        })
    }

    /// A CRL is taken only if one of the trust anchors signed it.
    fn check_signature(&self, crl: &CertificateRevocationList<'_>) -> Result<(), String> {
        let issuer = crl.issuer().as_raw();
        let signed = self.anchors.iter().any(|anchor| {
            X509Certificate::from_der(anchor.as_ref())
                .is_ok_and(|(_, ca)| ca.subject().as_raw() == issuer && crl.verify_signature(ca.public_key()).is_ok())
        });
        if signed { Ok(()) } else { Err(format!("it is not signed by a CA in {}", self.ca_path.display())) }
    }

    fn client_verifier(
        &self,
        crls: &[CertificateRevocationListDer<'static>],
    ) -> Result<Arc<dyn ClientCertVerifier>, TlsError> {
        let verifier = WebPkiClientVerifier::builder_with_provider(self.roots.clone(), provider())
            .with_crls(crls.iter().cloned())
            .build()
            .map_err(|e| TlsError::TrustAnchors { path: self.ca_path.clone(), reason: e.to_string() })?;
        Ok(verifier)
    }

    fn server_verifier(
        &self,
        crls: &[CertificateRevocationListDer<'static>],
    ) -> Result<Arc<dyn ServerCertVerifier>, TlsError> {
        let verifier = WebPkiServerVerifier::builder_with_provider(self.roots.clone(), provider())
            .with_crls(crls.iter().cloned())
            .build()
            .map_err(|e| TlsError::TrustAnchors { path: self.ca_path.clone(), reason: e.to_string() })?;
        Ok(verifier)
    }
}

/// Checks client certificates with the list in force at each handshake.
#[derive(Debug)]
struct CurrentClientVerifier(Arc<Revocations>);

impl ClientCertVerifier for CurrentClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.0.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.0.in_force().clients.verify_client_cert(end_entity, intermediates, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.algorithms.supported_schemes()
    }
}

/// Checks server certificates with the list in force at each handshake.
#[derive(Debug)]
struct CurrentServerVerifier(Arc<Revocations>);

impl ServerCertVerifier for CurrentServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.0.in_force().servers.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.algorithms.supported_schemes()
    }
}

impl crate::reload::Reloadable for Revocations {
    fn reload(self: Arc<Self>, _: crate::reload::Hangup) -> futures_util::future::BoxFuture<'static, ()> {
        Box::pin(async move {
            let (side, crl) = (self.side.as_str(), self.source.crl_path.display().to_string());
            // A file or two, read on the reload task: the servers' threads are not involved.
            match Revocations::reload(&self) {
                Ok(summary) => tracing::info!(
                    side,
                    crl,
                    revoked = summary.revoked,
                    next_update = summary.next_update.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    "certificate revocation list reloaded"
                ),
                Err(e) => tracing::error!(side, error = %e, revoked = self.summary().revoked,
                    "certificate revocation list reload failed; the list in force stays"),
            }
        })
    }
}

/// The certificate a connection was opened with, and the list that may since have revoked it.
pub struct Presented {
    key: CertKey,
    not_after: DateTime<Utc>,
    revocations: Arc<Revocations>,
}

/// Why a request on an open connection is refused although its handshake passed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StillValidError {
    #[error("this client certificate has been revoked since the connection was opened")]
    Revoked,
    #[error("this client certificate expired at {0}")]
    Expired(DateTime<Utc>),
    #[error("no readable client certificate on this connection")]
    Unreadable,
}

impl Presented {
    /// Read once per connection, from the leaf certificate the handshake verified.
    pub fn of(leaf: &[u8], revocations: &Arc<Revocations>) -> Option<Self> {
        let (_, cert) = X509Certificate::from_der(leaf).ok()?;
        Some(Self {
            key: CertKey::new(cert.issuer().as_raw(), cert.raw_serial()),
            not_after: DateTime::from_timestamp(cert.validity().not_after.timestamp(), 0)?,
            revocations: revocations.clone(),
        })
    }

    fn still_valid(&self, now: DateTime<Utc>) -> Result<(), StillValidError> {
        if self.revocations.revokes(&self.key) {
            Err(StillValidError::Revoked)
        } else if now > self.not_after {
            Err(StillValidError::Expired(self.not_after))
        } else {
            Ok(())
        }
    }
}

/// The `on_connect` hook's part: keeps the connection's certificate for the per-request check.
pub fn capture_presented(leaf: Option<&[u8]>, extensions: &mut Extensions, revocations: &Arc<Revocations>) {
    if let Some(presented) = leaf.and_then(|der| Presented::of(der, revocations)) {
        extensions.insert(presented);
    }
}

/// The middleware: every request, on every connection, is refused once its certificate is revoked or expired.
pub async fn refuse_revoked(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let checked = match req.conn_data::<Presented>() {
        Some(presented) => presented.still_valid(Utc::now()),
        None => Err(StillValidError::Unreadable),
    };
    match checked {
        Ok(()) => next.call(req).await.map(ServiceResponse::map_into_left_body),
        Err(why) => {
            let mut refused = req.error_response(ApiError::new(ErrorKind::NotAuthenticated, why.to_string()));
            // The next attempt opens a new connection, and meets the handshake.
            refused.response_mut().head_mut().set_connection_type(ConnectionType::Close);
            Ok(refused.map_into_right_body())
        }
    }
}

#[cfg(test)]
mod tests;
