use super::*;

fn enrolment<'a>(agency: &'a str, role: &'a str, name: &'a str, days: u32) -> Enrolment<'a> {
    Enrolment { agency, role, name, days, file: None }
}

fn federation() -> (tempfile::TempDir, Layout) {
    let dir = tempfile::tempdir().unwrap();
    let agencies = [AgencyName::parse("police").unwrap()];
    let layout = crate::certs::init(dir.path(), &agencies, false).unwrap();
    (dir, layout)
}

#[test]
fn a_person_is_issued_under_the_ca_with_their_agency_role_and_name_and_never_over_another() {
    let (_dir, layout) = federation();
    let issued = enrol(&layout, enrolment("police", "investigator", "Dana O'Reilly", 30)).unwrap();
    assert_eq!(issued.cert, layout.root().join("people/police-investigator-dana-o-reilly.crt"));
    assert!(issued.subject.contains("CN=Dana O'Reilly"), "{}", issued.subject);
    let days = (issued.not_after - Utc::now()).num_days();
    assert!((29..=30).contains(&days), "{days}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&issued.key).unwrap().permissions().mode() & 0o777, 0o600, "the key is private");

    // Read as the gateway reads identities.
    let der = CertificateDer::from_pem_file(&issued.cert).unwrap();
    let federation = crate::identity::Federation {
        agencies: [AgencyName::parse("police").unwrap()].into(),
        roles: [Role::parse("investigator").unwrap()].into(),
    };
    let caller = crate::identity::Caller::from_der(der.as_ref(), &federation).unwrap();
    let crate::identity::Caller::Practitioner(identity) = caller else { panic!("a practitioner: {caller:?}") };
    assert_eq!((identity.agency.as_str(), identity.role.as_str()), ("police", "investigator"));
    assert_eq!(identity.person.as_str(), "Dana O'Reilly");
    assert_eq!(identity.serial, issued.serial);

    let before = std::fs::read(&issued.key).unwrap();
    let again = enrol(&layout, enrolment("police", "investigator", "Dana O'Reilly", 30)).unwrap_err();
    assert!(matches!(again, CertsError::PersonExists(_)) && again.to_string().contains("--file"), "{again}");
    assert_eq!(std::fs::read(&issued.key).unwrap(), before, "the first key is untouched");

    // A namesake (or a second certificate for her), named by --file: both certificates stand.
    let namesake =
        Enrolment { file: Some("Dana O'Reilly 2"), ..enrolment("police", "investigator", "Dana O'Reilly", 30) };
    let second = enrol(&layout, namesake).unwrap();
    assert_eq!(second.cert, layout.root().join("people/police-investigator-dana-o-reilly-2.crt"));
    assert!(second.subject.contains("CN=Dana O'Reilly") && second.serial != issued.serial, "{second:?}");
    assert_eq!(std::fs::read(&issued.key).unwrap(), before, "the first key is untouched");
}

#[test]
fn bad_names_days_and_a_folder_without_a_ca_are_refused_naming_what_is_wrong() {
    let (_dir, layout) = federation();
    for (agency, role, name, days, field) in [
        ("Police!", "investigator", "Dana Reid", 30, "--agency"),
        ("police", "", "Dana Reid", 30, "--role"),
        ("police", "investigator", "Dana\u{7}Reid", 30, "--name"),
        ("police", "investigator", "···", 30, "--name"),
        ("police", "investigator", "Dana Reid", 0, "--days"),
        ("police", "investigator", "Dana Reid", MAX_DAYS + 1, "--days"),
    ] {
        let refused = enrol(&layout, enrolment(agency, role, name, days)).unwrap_err().to_string();
        assert!(refused.starts_with(field), "{field}: {refused}");
    }
    let empty = tempfile::tempdir().unwrap();
    let no_file = Enrolment { file: Some("--"), ..enrolment("police", "investigator", "Dana Reid", 30) };
    let refused = enrol(&layout, no_file).unwrap_err().to_string();
    assert!(refused.starts_with("--file"), "{refused}");
    let refused = enrol(&Layout::new(empty.path()), enrolment("police", "investigator", "Dana Reid", 30)).unwrap_err();
    assert!(refused.to_string().contains("ca.crt"), "{refused}");
    assert!(!empty.path().join("people").exists(), "nothing written without a CA");
}
