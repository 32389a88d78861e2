//! Who is asking: the verified client certificate turned into a typed [`Caller`].
//!
//! This module owns the reading of identity from certificates. It never verifies a chain (that is the door's job,
//! `crate::tls`) and never decides what a caller may see (that is the decision's job). Handlers never touch
//! certificates: they take an [`Identity`] or a [`GatewayCaller`] as an argument.
//!
//! Where identity lives in a certificate (written by `sharegate certs init`):
//! - agency: SAN URI `urn:sharegate:agency:<agency>`, else the subject's single O;
//! - role: SAN URI `urn:sharegate:role:<role>`, else the subject's single OU;
//! - person: the subject's single CN;
//! - the gateway's own client certificate carries `urn:sharegate:service:gateway` instead of agency and role.
//!
//! The SAN URIs win because a subject may carry departmental OUs; where there are none, an ambiguous subject
//! (several O or OU values) is refused rather than guessed at.

mod extract;
mod roles;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use crate::domain::{AgencyName, NameError, PersonName, Role};

pub use extract::{GatewayCaller, PeerIdentity, capture_peer_identity, peer_leaf};
pub use roles::{COORDINATOR, Coordinator, DPO, Dpo, MANAGER, Manager};

const URN_AGENCY: &str = "urn:sharegate:agency:";
const URN_ROLE: &str = "urn:sharegate:role:";
const URN_SERVICE: &str = "urn:sharegate:service:";
const URN_PREFIX: &str = "urn:sharegate:";
const GATEWAY_SERVICE: &str = "gateway";

/// The agencies and roles this federation recognises. A certificate naming anything else is refused.
#[derive(Debug, Clone)]
pub struct Federation {
    pub agencies: BTreeSet<AgencyName>,
    pub roles: BTreeSet<Role>,
}

/// A practitioner, as their certificate names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub agency: AgencyName,
    pub role: Role,
    pub person: PersonName,
    /// The certificate's serial number, lowercase hex: bound into every signature the servers make for this person.
    pub serial: String,
    pub not_after: DateTime<Utc>,
}

impl Identity {
    /// Whether this person acts in their agency's casework (a practitioner or a manager), not only reviews it.
    pub fn works_cases(&self) -> bool {
        self.role.as_str() != DPO
    }
}

/// Whoever holds the verified client certificate of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Practitioner(Identity),
    /// The gateway reaching a node with its own client certificate.
    Gateway {
        serial: String,
    },
}

/// Why a verified certificate still names no one this federation can admit. The messages are shown to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("the client certificate could not be read")]
    Unreadable,
    #[error("the client certificate names no agency")]
    NoAgency,
    #[error("the client certificate names several agencies")]
    SeveralAgencies,
    #[error("the client certificate names agency '{0}', which is not part of this federation")]
    UnknownAgency(String),
    #[error("the client certificate names no role")]
    NoRole,
    #[error("the client certificate names several roles")]
    SeveralRoles,
    #[error("the client certificate names role '{0}', which this federation does not recognise")]
    UnknownRole(String),
    #[error("the client certificate names no person (CN)")]
    NoPerson,
    #[error("the client certificate names several people (CN)")]
    SeveralPeople,
    #[error("the client certificate's person name {0}")]
    BadPerson(NameError),
    #[error("the client certificate names service '{0}', which this federation does not recognise")]
    UnknownService(String),
    #[error("the client certificate carries an unrecognised sharegate name '{0}'")]
    UnknownUrn(String),
}

/// The sharegate names a certificate carries in its SAN URIs.
#[derive(Default)]
struct SanNames<'a> {
    agencies: BTreeSet<&'a str>,
    roles: BTreeSet<&'a str>,
    services: BTreeSet<&'a str>,
}

impl Caller {
    /// Reads the caller from a DER certificate the door has already verified.
    pub fn from_der(der: &[u8], federation: &Federation) -> Result<Self, IdentityError> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|_| IdentityError::Unreadable)?;
        let serial = hex::encode(cert.raw_serial());
        let san = san_names(&cert)?;

        if !san.services.is_empty() {
            let services = san.services.iter().copied().collect::<Vec<_>>().join(",");
            // A service certificate names exactly one service and nothing else, so it cannot double as a person's.
            return if services == GATEWAY_SERVICE && san.agencies.is_empty() && san.roles.is_empty() {
                Ok(Caller::Gateway { serial })
            } else {
                Err(IdentityError::UnknownService(printable(&services)))
            };
        }

        let subject = cert.subject();
        let agency = match single(&san.agencies, IdentityError::SeveralAgencies)? {
            Some(a) => a.to_owned(),
            None => single_attr(subject.iter_organization(), IdentityError::SeveralAgencies)?
                .ok_or(IdentityError::NoAgency)?,
        };
        let role = match single(&san.roles, IdentityError::SeveralRoles)? {
            Some(r) => r.to_owned(),
            None => single_attr(subject.iter_organizational_unit(), IdentityError::SeveralRoles)?
                .ok_or(IdentityError::NoRole)?,
        };
        let person =
            single_attr(subject.iter_common_name(), IdentityError::SeveralPeople)?.ok_or(IdentityError::NoPerson)?;

        let agency = AgencyName::parse(&agency)
            .ok()
            .filter(|a| federation.agencies.contains(a))
            .ok_or(IdentityError::UnknownAgency(printable(&agency)))?;
        let role = Role::parse(&role)
            .ok()
            .filter(|r| federation.roles.contains(r))
            .ok_or(IdentityError::UnknownRole(printable(&role)))?;
        let person = PersonName::parse(&person).map_err(IdentityError::BadPerson)?;
        let not_after =
            DateTime::from_timestamp(cert.validity().not_after.timestamp(), 0).ok_or(IdentityError::Unreadable)?;

        Ok(Caller::Practitioner(Identity { agency, role, person, serial, not_after }))
    }
}

fn san_names<'a>(cert: &'a X509Certificate<'a>) -> Result<SanNames<'a>, IdentityError> {
    let mut names = SanNames::default();
    let san = cert.subject_alternative_name().map_err(|_| IdentityError::Unreadable)?;
    let uris = san.iter().flat_map(|ext| ext.value.general_names.iter()).filter_map(|name| match name {
        GeneralName::URI(uri) => Some(*uri),
        _ => None,
    });
    for uri in uris {
        if let Some(agency) = uri.strip_prefix(URN_AGENCY) {
            names.agencies.insert(agency);
        } else if let Some(role) = uri.strip_prefix(URN_ROLE) {
            names.roles.insert(role);
        } else if let Some(service) = uri.strip_prefix(URN_SERVICE) {
            names.services.insert(service);
        } else if uri.starts_with(URN_PREFIX) {
            // Fail closed: a name of ours we do not understand may be meant to restrict the holder.
            return Err(IdentityError::UnknownUrn(printable(uri)));
        }
    }
    Ok(names)
}

/// The one element of a set, none, or `several` when there is more than one.
fn single<'a>(set: &BTreeSet<&'a str>, several: IdentityError) -> Result<Option<&'a str>, IdentityError> {
    match set.len() {
        0 => Ok(None),
        1 => Ok(set.first().copied()),
        _ => Err(several),
    }
}

/// The one subject attribute of a kind, as text, none, or `several` when there is more than one.
fn single_attr<'a, I>(mut attrs: I, several: IdentityError) -> Result<Option<String>, IdentityError>
where
    I: Iterator<Item = &'a x509_parser::x509::AttributeTypeAndValue<'a>>,
{
    let Some(first) = attrs.next() else { return Ok(None) };
    if attrs.next().is_some() {
        return Err(several);
    }
    first.as_str().map(|s| Some(s.to_owned())).map_err(|_| IdentityError::Unreadable)
}

/// Caller-supplied text echoed in an error: bounded and without control characters.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(64).collect()
}

#[cfg(test)]
mod tests;
