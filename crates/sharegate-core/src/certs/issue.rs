//! Issuing the example federation with rcgen.

use rand::RngCore;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason, RevokedCertParams,
    SanType, SerialNumber,
};
use time::{Duration, OffsetDateTime};

use crate::signing::write_secret;

use super::{CertsError, Layout, write_public};
use crate::domain::AgencyName;

/// A person for whom a client certificate is made.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    pub agency: &'a str,
    pub role: &'a str,
    pub name: &'a str,
}

/// The example people: the roles DESIGN.md names, a manager and a DPO for each agency. All names are fictional.
pub const PEOPLE: &[Person<'static>] = &[
    Person { agency: "police", role: "investigator", name: "Alex Morgan" },
    Person { agency: "police", role: "manager", name: "Priya Shah" },
    Person { agency: "police", role: "dpo", name: "Tom Hughes" },
    Person { agency: "health", role: "health_visitor", name: "Grace Okafor" },
    Person { agency: "health", role: "manager", name: "Martin Doyle" },
    Person { agency: "health", role: "dpo", name: "Helen Price" },
    Person { agency: "education", role: "dsl", name: "Sam Patel" },
    Person { agency: "education", role: "manager", name: "Linda Evans" },
    Person { agency: "education", role: "dpo", name: "Owen Lewis" },
    Person { agency: "social_care", role: "social_worker", name: "Jess Taylor" },
    Person { agency: "social_care", role: "manager", name: "Ruth Campbell" },
    Person { agency: "social_care", role: "coordinator", name: "Nadia Hussain" },
    Person { agency: "social_care", role: "dpo", name: "Chris Walker" },
];

const VALID_FOR: Duration = Duration::days(3650);

fn generate_error(what: &str) -> impl Fn(rcgen::Error) -> CertsError + '_ {
    move |e| CertsError::Generate { what: what.to_owned(), reason: e.to_string() }
}

/// A positive 16-byte serial: unique enough that no two example certificates share one.
fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::from_slice(&bytes)
}

pub(super) fn base_params(common_name: &str, now: OffsetDateTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, common_name);
    params.not_before = now - Duration::days(1);
    params.not_after = now + VALID_FOR;
    params.serial_number = Some(random_serial());
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params
}

fn ca_params(common_name: &str, now: OffsetDateTime) -> CertificateParams {
    let mut params = base_params(common_name, now);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = false;
    params.key_identifier_method = KeyIdMethod::Sha256;
    params
}

fn uri(value: &str) -> Result<SanType, CertsError> {
    Ok(SanType::URI(value.try_into().map_err(generate_error(value))?))
}

/// A practitioner's client certificate: their name as CN, agency as O and role as OU, both again as SAN URIs (what
/// `identity` reads), valid from a day before `now` until `now + valid_for`.
pub(super) fn person_params(
    person: &Person<'_>,
    now: OffsetDateTime,
    valid_for: Duration,
) -> Result<CertificateParams, CertsError> {
    let mut params = base_params(person.name, now);
    params.not_after = now + valid_for;
    params.distinguished_name.push(DnType::OrganizationName, person.agency);
    params.distinguished_name.push(DnType::OrganizationalUnitName, person.role);
    params.subject_alt_names = vec![
        uri(&format!("urn:sharegate:agency:{}", person.agency))?,
        uri(&format!("urn:sharegate:role:{}", person.role))?,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    Ok(params)
}

fn server_params(common_name: &str, now: OffsetDateTime) -> Result<CertificateParams, CertsError> {
    let mut params = base_params(common_name, now);
    params.subject_alt_names = vec![
        SanType::DnsName("localhost".try_into().map_err(generate_error(common_name))?),
        SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()),
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    Ok(params)
}

/// Signs `params` with `issuer` over a fresh key and writes the certificate and the key.
pub(super) fn issue_pair(
    params: &CertificateParams,
    issuer: &Issuer<'_, KeyPair>,
    (cert_path, key_path): (std::path::PathBuf, std::path::PathBuf),
) -> Result<(), CertsError> {
    let what = cert_path.display().to_string();
    let key = KeyPair::generate().map_err(generate_error(&what))?;
    let cert = params.signed_by(&key, issuer).map_err(generate_error(&what))?;
    write_public(&cert_path, cert.pem().as_bytes())?;
    write_secret(&key_path, key.serialize_pem().as_bytes())
        .map_err(|e| CertsError::Write { path: key_path.clone(), reason: e.to_string() })
}

/// Makes a self-signed CA named `common_name`, writes its certificate and key, and returns it as an issuer.
pub(super) fn write_ca(
    common_name: &str,
    (cert_path, key_path): (std::path::PathBuf, std::path::PathBuf),
    now: OffsetDateTime,
) -> Result<Issuer<'static, KeyPair>, CertsError> {
    let what = cert_path.display().to_string();
    let key = KeyPair::generate().map_err(generate_error(&what))?;
    let params = ca_params(common_name, now);
    let cert = params.self_signed(&key).map_err(generate_error(&what))?;
    write_public(&cert_path, cert.pem().as_bytes())?;
    write_secret(&key_path, key.serialize_pem().as_bytes())
        .map_err(|e| CertsError::Write { path: key_path.clone(), reason: e.to_string() })?;
    Ok(Issuer::new(params, key))
}

pub(super) fn write_federation(layout: &Layout, agencies: &[AgencyName]) -> Result<(), CertsError> {
    let now = OffsetDateTime::now_utc();

    let ca = write_ca("sharegate EXAMPLE federation CA (not for real use)", (layout.ca_cert(), layout.ca_key()), now)?;

    issue_pair(&server_params("sharegate gateway", now)?, &ca, pair(&layout.gateway_server()))?;
    let mut gateway_client = base_params("sharegate gateway", now);
    gateway_client.subject_alt_names = vec![uri("urn:sharegate:service:gateway")?];
    gateway_client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    issue_pair(&gateway_client, &ca, pair(&layout.gateway_client()))?;

    for agency in agencies {
        issue_pair(&server_params(&format!("{agency} record node"), now)?, &ca, pair(&layout.node(agency)))?;
        crate::signing::save(&crate::signing::generate(), &layout.node_signing_key(agency))?;
    }
    crate::signing::save(&crate::signing::generate(), &layout.log_signing_key())?;

    let configured = |p: &&Person| agencies.iter().any(|a| a.as_str() == p.agency);
    for person in PEOPLE.iter().filter(configured) {
        issue_pair(&person_params(person, now, VALID_FOR)?, &ca, layout.person(person.agency, person.role))?;
    }

    write_test_material(layout, &ca, now)
}

fn pair(files: &crate::tls::TlsFiles) -> (std::path::PathBuf, std::path::PathBuf) {
    (files.cert.clone(), files.key.clone())
}

/// Certificates the door must refuse, and the CRL that revokes one of them.
fn write_test_material(layout: &Layout, ca: &Issuer<'_, KeyPair>, now: OffsetDateTime) -> Result<(), CertsError> {
    let investigator = Person { agency: "police", role: "investigator", name: "Test Investigator" };

    let mut expired = person_params(&investigator, now, VALID_FOR)?;
    expired.not_before = now - Duration::days(400);
    expired.not_after = now - Duration::days(30);
    issue_pair(&expired, ca, layout.test("expired"))?;

    let revoked = person_params(&investigator, now, VALID_FOR)?;
    let revoked_serial = revoked
        .serial_number
        .clone()
        .ok_or_else(|| CertsError::Generate { what: "revoked".into(), reason: "no serial".into() })?;
    issue_pair(&revoked, ca, layout.test("revoked"))?;

    let mut no_agency = base_params("Test No Agency", now);
    no_agency.distinguished_name.push(DnType::OrganizationalUnitName, "investigator");
    no_agency.subject_alt_names = vec![uri("urn:sharegate:role:investigator")?];
    no_agency.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    issue_pair(&no_agency, ca, layout.test("no-agency"))?;

    // A CA outside the federation, issuing a certificate that otherwise looks right. Its key is not kept.
    let foreign_key = KeyPair::generate().map_err(generate_error("foreign-ca"))?;
    let foreign_params = ca_params("Some other federation's CA", now);
    let foreign_cert = foreign_params.self_signed(&foreign_key).map_err(generate_error("foreign-ca"))?;
    write_public(&layout.foreign_ca_cert(), foreign_cert.pem().as_bytes())?;
    let foreign = Issuer::new(foreign_params, foreign_key);
    issue_pair(&person_params(&investigator, now, VALID_FOR)?, &foreign, layout.test("foreign"))?;

    let crl = CertificateRevocationListParams {
        this_update: now - Duration::days(1),
        next_update: now + VALID_FOR,
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: vec![RevokedCertParams {
            serial_number: revoked_serial,
            revocation_time: now - Duration::hours(1),
            reason_code: Some(RevocationReason::KeyCompromise),
            invalidity_date: None,
        }],
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(ca)
    .map_err(generate_error("crl"))?;
    write_public(&layout.crl(), crl.pem().map_err(generate_error("crl"))?.as_bytes())
}
