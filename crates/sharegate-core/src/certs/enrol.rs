//! Issuing one more person's certificate under the federation's CA: `sharegate certs issue --dir DIR --agency A
//! --role R --name N`. A new practitioner joins, or one whose certificate was revoked (a lost laptop) needs a new
//! one: nothing else in the folder changes, and nothing needs restarting — the servers trust the CA, not a list of
//! people. The certificate is written as `people/<agency>-<role>-<name>.{crt,key}` (or `--file` instead of the name),
//! the key readable by its owner only; an existing file is never overwritten.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::issue::{Person, issue_pair, person_params};
use super::{CertsError, Layout, load_ca, unreadable};
use crate::domain::{AgencyName, PersonName, Role};

/// The longest a person's certificate may be valid for.
pub const MAX_DAYS: u32 = 3650;

/// What `enrol` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub subject: String,
    /// Hex, as `certs revoke` and the CRL name it.
    pub serial: String,
    pub not_after: DateTime<Utc>,
}

/// Whom to issue a certificate for, as `certs issue` is told.
#[derive(Debug, Clone, Copy)]
pub struct Enrolment<'a> {
    pub agency: &'a str,
    pub role: &'a str,
    pub name: &'a str,
    /// How many days it is valid for.
    pub days: u32,
    /// What to name its files by instead of the name (`people/<agency>-<role>-<file>`): a namesake, or a second
    /// certificate for one person while the first's files are kept.
    pub file: Option<&'a str>,
}

/// Issues a client certificate as `enrolment` says, signed by the CA in `layout`.
pub fn enrol(layout: &Layout, enrolment: Enrolment<'_>) -> Result<Issued, CertsError> {
    let invalid =
        |field: &'static str| move |e: crate::domain::NameError| CertsError::Invalid { field, reason: e.to_string() };
    let agency = AgencyName::parse(enrolment.agency).map_err(invalid("--agency"))?;
    let role = Role::parse(enrolment.role).map_err(invalid("--role"))?;
    let name = PersonName::parse(enrolment.name).map_err(invalid("--name"))?;
    if !(1..=MAX_DAYS).contains(&enrolment.days) {
        return Err(CertsError::Invalid { field: "--days", reason: format!("must be from 1 to {MAX_DAYS}") });
    }
    let (field, named_by) = enrolment.file.map_or(("--name", name.as_str()), |file| ("--file", file));
    let stem = file_stem(named_by).ok_or_else(|| CertsError::Invalid {
        field,
        reason: "needs at least one letter or digit to name files by".into(),
    })?;
    let (cert, key) = layout.person(&agency, format!("{role}-{stem}"));
    if let Some(there) = [&cert, &key].into_iter().find(|p| p.exists()) {
        return Err(CertsError::PersonExists(there.clone()));
    }
    let (_, issuer) = load_ca(layout)?;
    let person = Person { agency: agency.as_str(), role: role.as_str(), name: name.as_str() };
    let params = person_params(&person, OffsetDateTime::now_utc(), Duration::days(i64::from(enrolment.days)))?;
    issue_pair(&params, &issuer, (cert.clone(), key.clone()))?;
    describe(cert, key)
}

/// `Sam O'Neil-Patel` → `sam-o-neil-patel`: letters and digits, lower case, anything else one `-`.
fn file_stem(name: &str) -> Option<String> {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    (!words.is_empty()).then(|| words.join("-"))
}

/// Reads back what was written: the subject, serial and expiry as the servers will see them.
fn describe(cert: PathBuf, key: PathBuf) -> Result<Issued, CertsError> {
    let der = CertificateDer::from_pem_file(&cert).map_err(|e| unreadable(&cert, e))?;
    let (_, parsed) = X509Certificate::from_der(der.as_ref()).map_err(|e| unreadable(&cert, e))?;
    let not_after = DateTime::from_timestamp(parsed.validity().not_after.timestamp(), 0).unwrap_or_default();
    let (subject, serial) = (parsed.subject().to_string(), hex::encode(parsed.raw_serial()));
    Ok(Issued { cert, key, subject, serial, not_after })
}

#[cfg(test)]
mod tests;
