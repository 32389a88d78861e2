//! Revoking a certificate of the federation: `sharegate certs revoke --dir DIR --cert FILE --reason R`.
//!
//! Writes the CA's next CRL: every certificate the current one revokes, this one added, the CRL number one higher,
//! signed with the CA's key, valid for as long as the current one was. The file is replaced in one step (written
//! beside it, then renamed), so a server reloading at that moment reads the old list or the new, never half of one.
//! The servers take it on SIGHUP (see `crate::tls::revocation`).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rcgen::{CertificateRevocationListParams, KeyIdMethod, RevocationReason, RevokedCertParams, SerialNumber};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer};
use time::OffsetDateTime;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::revocation_list::CertificateRevocationList;

use super::{CertsError, Layout, load_ca, unreadable};

/// Why a certificate is revoked (RFC 5280 §5.3.1), as the CRL records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Reason {
    /// Its key is lost, stolen or exposed.
    KeyCompromise,
    /// Its holder has left the agency, or the role.
    AffiliationChanged,
    /// A new certificate replaces it.
    Superseded,
    /// It is no longer needed (a node taken down).
    CessationOfOperation,
    /// Its holder may no longer act in the role it names.
    PrivilegeWithdrawn,
}

impl From<Reason> for RevocationReason {
    fn from(reason: Reason) -> Self {
        match reason {
            Reason::KeyCompromise => Self::KeyCompromise,
            Reason::AffiliationChanged => Self::AffiliationChanged,
            Reason::Superseded => Self::Superseded,
            Reason::CessationOfOperation => Self::CessationOfOperation,
            Reason::PrivilegeWithdrawn => Self::PrivilegeWithdrawn,
        }
    }
}

/// What `revoke` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// The new CRL, with this number, revokes it.
    Now { subject: String, serial: String, crl_number: String },
    /// The CRL in the folder already revoked it; nothing was written.
    Already { subject: String, serial: String, since: DateTime<Utc> },
}

/// Revokes the certificate in `cert`, which the CA of `layout` must have issued.
pub fn revoke(layout: &Layout, cert: &Path, reason: Reason) -> Result<Revoked, CertsError> {
    let (ca_pem, issuer) = load_ca(layout)?;
    let ca_der = CertificateDer::from_pem_slice(ca_pem.as_bytes()).map_err(|e| unreadable(&layout.ca_cert(), e))?;
    let (_, ca) = X509Certificate::from_der(ca_der.as_ref()).map_err(|e| unreadable(&layout.ca_cert(), e))?;

    let target_der = CertificateDer::from_pem_file(cert).map_err(|e| unreadable(cert, e))?;
    let (_, target) = X509Certificate::from_der(target_der.as_ref()).map_err(|e| unreadable(cert, e))?;
    if target.issuer().as_raw() != ca.subject().as_raw() || target.verify_signature(Some(ca.public_key())).is_err() {
        return Err(CertsError::NotIssuedHere { cert: cert.to_owned(), ca: layout.ca_cert() });
    }
    let subject = target.subject().to_string();
    let serial = hex::encode(target.raw_serial());

    let crl_path = layout.crl();
    let crl_der = CertificateRevocationListDer::from_pem_file(&crl_path).map_err(|e| unreadable(&crl_path, e))?;
    let (_, current) = CertificateRevocationList::from_der(crl_der.as_ref()).map_err(|e| unreadable(&crl_path, e))?;
    if current.issuer().as_raw() != ca.subject().as_raw() || current.verify_signature(ca.public_key()).is_err() {
        return Err(CertsError::Unreadable { path: crl_path, reason: "it is not this CA's CRL".into() });
    }
    if let Some(entry) = current.iter_revoked_certificates().find(|r| r.raw_serial() == target.raw_serial()) {
        let since = DateTime::from_timestamp(entry.revocation_date.timestamp(), 0).unwrap_or_default();
        return Ok(Revoked::Already { subject, serial, since });
    }

    let mut revoked_certs: Vec<RevokedCertParams> = current
        .iter_revoked_certificates()
        .map(|r| RevokedCertParams {
            serial_number: SerialNumber::from_slice(r.raw_serial()),
            revocation_time: r.revocation_date.to_datetime(),
            reason_code: r.reason_code().and_then(|(_, code)| reason_from_code(code.0)),
            invalidity_date: r.invalidity_date().map(|(_, t)| t.to_datetime()),
        })
        .collect();
    let now = OffsetDateTime::now_utc();
    revoked_certs.push(RevokedCertParams {
        serial_number: SerialNumber::from_slice(target.raw_serial()),
        revocation_time: now,
        reason_code: Some(reason.into()),
        invalidity_date: None,
    });
    let number = current.crl_number().cloned().unwrap_or_default() + 1u32;
    let this_update = current.last_update().to_datetime();
    let valid_for = current.next_update().map_or(time::Duration::days(30), |next| next.to_datetime() - this_update);
    let next = CertificateRevocationListParams {
        this_update: now,
        next_update: now + valid_for,
        crl_number: SerialNumber::from_slice(&number.to_bytes_be()),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: key_identifier(&ca),
    }
    .signed_by(&issuer)
    .map_err(|e| CertsError::Generate { what: "crl".into(), reason: e.to_string() })?;
    let pem = next.pem().map_err(|e| CertsError::Generate { what: "crl".into(), reason: e.to_string() })?;
    replace(&crl_path, pem.as_bytes())?;
    Ok(Revoked::Now { subject, serial, crl_number: number.to_string() })
}

/// The CA's own key identifier, so that the CRL's authority key identifier names the same key.
fn key_identifier(ca: &X509Certificate<'_>) -> KeyIdMethod {
    ca.extensions()
        .iter()
        .find_map(|ext| match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => Some(KeyIdMethod::PreSpecified(id.0.to_vec())),
            _ => None,
        })
        .unwrap_or(KeyIdMethod::Sha256)
}

fn reason_from_code(code: u8) -> Option<RevocationReason> {
    Some(match code {
        0 => RevocationReason::Unspecified,
        1 => RevocationReason::KeyCompromise,
        2 => RevocationReason::CaCompromise,
        3 => RevocationReason::AffiliationChanged,
        4 => RevocationReason::Superseded,
        5 => RevocationReason::CessationOfOperation,
        6 => RevocationReason::CertificateHold,
        8 => RevocationReason::RemoveFromCrl,
        9 => RevocationReason::PrivilegeWithdrawn,
        10 => RevocationReason::AaCompromise,
        _ => return None,
    })
}

/// Writes `contents` beside `path`, then renames it over `path`: readers see the old file or the new one.
fn replace(path: &Path, contents: &[u8]) -> Result<(), CertsError> {
    let fail = |path: &Path, e: std::io::Error| CertsError::Write { path: path.to_owned(), reason: e.to_string() };
    let mut staged = PathBuf::from(path);
    staged.set_extension("pem.new");
    let write = |staged: &Path| {
        use std::io::Write;
        let mut file = std::fs::File::create(staged)?;
        file.write_all(contents)?;
        file.sync_all()
    };
    write(&staged).map_err(|e| fail(&staged, e))?;
    std::fs::rename(&staged, path).map_err(|e| fail(path, e))
}

#[cfg(test)]
mod tests;
