//! Identity parsing on ordinary and odd certificates, made with rcgen at test time.

use rcgen::{CertificateParams, DnType, KeyPair, SanType};

use super::*;

/// rcgen keeps one value per attribute type, so a second OU or CN is written under the same OID as a custom type.
fn second(oid_last: u64) -> DnType {
    DnType::CustomDnType(vec![2, 5, 4, oid_last])
}

fn federation() -> Federation {
    Federation {
        agencies: ["police", "health"].iter().filter_map(|a| AgencyName::parse(a).ok()).collect(),
        roles: ["investigator", "dpo"].iter().filter_map(|r| Role::parse(r).ok()).collect(),
    }
}

/// A self-signed certificate with the given subject attributes and SAN URIs. Parsing does not verify chains, so
/// self-signed is enough here; the door's tests use the real federation CA.
fn cert(subject: &[(DnType, &str)], uris: &[&str]) -> Vec<u8> {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    for (ty, value) in subject {
        params.distinguished_name.push(ty.clone(), *value);
    }
    params.subject_alt_names = uris.iter().map(|u| SanType::URI((*u).try_into().expect("test URI is ASCII"))).collect();
    let key = KeyPair::generate().expect("key generation");
    params.self_signed(&key).expect("self-signing").der().to_vec()
}

fn parse(subject: &[(DnType, &str)], uris: &[&str]) -> Result<Caller, IdentityError> {
    Caller::from_der(&cert(subject, uris), &federation())
}

fn practitioner(result: Result<Caller, IdentityError>) -> Identity {
    match result {
        Ok(Caller::Practitioner(identity)) => identity,
        other => panic!("expected a practitioner, got {other:?}"),
    }
}

#[test]
fn reads_agency_role_and_person_from_san_uris_and_cn() {
    let id = practitioner(parse(
        &[(DnType::CommonName, "Alex Morgan"), (DnType::OrganizationName, "police")],
        &["urn:sharegate:agency:police", "urn:sharegate:role:investigator"],
    ));
    assert_eq!(id.agency.as_str(), "police");
    assert_eq!(id.role.as_str(), "investigator");
    assert_eq!(id.person.as_str(), "Alex Morgan");
    assert!(!id.serial.is_empty() && id.serial.chars().all(|c| c.is_ascii_hexdigit()));
}

#[test]
fn without_a_san_the_subject_o_and_ou_are_used() {
    let id = practitioner(parse(
        &[
            (DnType::CommonName, "Jo Reed"),
            (DnType::OrganizationName, "health"),
            (DnType::OrganizationalUnitName, "dpo"),
        ],
        &[],
    ));
    assert_eq!((id.agency.as_str(), id.role.as_str()), ("health", "dpo"));
}

#[test]
fn several_ous_are_ambiguous_without_a_san_role_but_fine_with_one() {
    let subject = [
        (DnType::CommonName, "Jo Reed"),
        (DnType::OrganizationName, "police"),
        (DnType::OrganizationalUnitName, "investigator"),
        (second(11), "dpo"),
    ];
    assert_eq!(parse(&subject, &[]), Err(IdentityError::SeveralRoles));
    let id = practitioner(parse(&subject, &["urn:sharegate:role:dpo"]));
    assert_eq!(id.role.as_str(), "dpo", "the SAN role decides over departmental OUs");
}

#[test]
fn the_san_agency_decides_over_the_organisation() {
    let id = practitioner(parse(
        &[(DnType::CommonName, "Jo"), (DnType::OrganizationName, "Staffordshire Police")],
        &["urn:sharegate:agency:police", "urn:sharegate:role:investigator"],
    ));
    assert_eq!(id.agency.as_str(), "police");
}

#[test]
fn refuses_certificates_that_name_no_one_admissible() {
    let cn = (DnType::CommonName, "Jo");
    type Case<'a> = (Vec<(DnType, &'a str)>, Vec<&'a str>, IdentityError);
    let cases: Vec<Case> = vec![
        (vec![cn.clone()], vec!["urn:sharegate:role:investigator"], IdentityError::NoAgency),
        (vec![cn.clone()], vec!["urn:sharegate:agency:police"], IdentityError::NoRole),
        (vec![], vec!["urn:sharegate:agency:police", "urn:sharegate:role:investigator"], IdentityError::NoPerson),
        (
            vec![cn.clone()],
            vec!["urn:sharegate:agency:police", "urn:sharegate:agency:health", "urn:sharegate:role:dpo"],
            IdentityError::SeveralAgencies,
        ),
        (
            vec![cn.clone()],
            vec!["urn:sharegate:agency:fire", "urn:sharegate:role:dpo"],
            IdentityError::UnknownAgency("fire".into()),
        ),
        (
            vec![cn.clone()],
            vec!["urn:sharegate:agency:police", "urn:sharegate:role:chief_constable"],
            IdentityError::UnknownRole("chief_constable".into()),
        ),
        (
            vec![cn.clone()],
            vec!["urn:sharegate:agency:Police", "urn:sharegate:role:dpo"],
            IdentityError::UnknownAgency("Police".into()),
        ),
        (
            vec![cn.clone()],
            vec!["urn:sharegate:agency:police", "urn:sharegate:role:dpo", "urn:sharegate:clearance:top"],
            IdentityError::UnknownUrn("urn:sharegate:clearance:top".into()),
        ),
        (
            vec![cn.clone()],
            vec!["urn:sharegate:service:gateway", "urn:sharegate:agency:police"],
            IdentityError::UnknownService("gateway".into()),
        ),
        (vec![cn.clone()], vec!["urn:sharegate:service:printer"], IdentityError::UnknownService("printer".into())),
        (
            vec![cn.clone(), (second(3), "Someone Else")],
            vec!["urn:sharegate:agency:police", "urn:sharegate:role:dpo"],
            IdentityError::SeveralPeople,
        ),
    ];
    for (subject, uris, want) in cases {
        assert_eq!(parse(&subject, &uris), Err(want.clone()), "expected {want:?} for {subject:?} {uris:?}");
    }
}

#[test]
fn a_very_long_cn_is_refused_not_truncated() {
    let long = "A".repeat(1000);
    let got = parse(&[(DnType::CommonName, &long)], &["urn:sharegate:agency:police", "urn:sharegate:role:dpo"]);
    assert_eq!(got, Err(IdentityError::BadPerson(NameError::TooLong { max: PersonName::MAX_CHARS })));
}

#[test]
fn unknown_names_echoed_in_errors_are_bounded_and_printable() {
    let hostile = format!("urn:sharegate:agency:{}", "x".repeat(500));
    let Err(IdentityError::UnknownAgency(echo)) =
        parse(&[(DnType::CommonName, "Jo")], &[&hostile, "urn:sharegate:role:dpo"])
    else {
        panic!("expected an unknown agency");
    };
    assert_eq!(echo.len(), 64);
}

#[test]
fn the_gateway_service_certificate_is_a_gateway_caller() {
    let got = parse(&[(DnType::CommonName, "sharegate gateway")], &["urn:sharegate:service:gateway"]);
    assert!(matches!(got, Ok(Caller::Gateway { .. })), "got {got:?}");
}

#[test]
fn garbage_is_unreadable() {
    assert_eq!(Caller::from_der(b"not a certificate", &federation()), Err(IdentityError::Unreadable));
}
