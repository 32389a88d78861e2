#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;

#[test]
fn each_revocation_writes_the_next_crl_keeping_the_earlier_ones() {
    let dir = tempfile::tempdir().unwrap();
    let agencies: Vec<_> = crate::settings::default_agencies().map(|(agency, _)| agency).collect();
    let layout = crate::certs::init(dir.path(), &agencies, false).unwrap();
    let (investigator, _) = layout.person("police", "investigator");
    let (visitor, _) = layout.person("health", "health_visitor");

    let Revoked::Now { subject, crl_number, .. } = revoke(&layout, &investigator, Reason::KeyCompromise).unwrap()
    else {
        panic!("revoked now")
    };
    assert_eq!((subject.as_str(), crl_number.as_str()), ("CN=Alex Morgan, O=police, OU=investigator", "2"));
    assert!(matches!(revoke(&layout, &investigator, Reason::Superseded).unwrap(), Revoked::Already { .. }));
    let Revoked::Now { crl_number, .. } = revoke(&layout, &visitor, Reason::AffiliationChanged).unwrap() else {
        panic!("revoked now")
    };
    assert_eq!(crl_number, "3", "one higher each time; an already revoked certificate writes nothing");

    let der = CertificateRevocationListDer::from_pem_file(layout.crl()).unwrap();
    let (_, crl) = CertificateRevocationList::from_der(der.as_ref()).unwrap();
    let reasons: Vec<_> = crl.iter_revoked_certificates().map(|r| r.reason_code().map(|(_, code)| code.0)).collect();
    // The example's own revoked test certificate, then the two: each with the reason it was given.
    assert_eq!(reasons, vec![Some(1), Some(1), Some(3)]);
    assert!(crl.next_update().is_some_and(|next| next.timestamp() > crl.last_update().timestamp()));

    let refused = revoke(&layout, &layout.test("foreign").0, Reason::KeyCompromise).unwrap_err();
    assert!(matches!(refused, CertsError::NotIssuedHere { .. }), "{refused}");
    let refused = revoke(&layout, &layout.crl(), Reason::KeyCompromise).unwrap_err();
    assert!(matches!(refused, CertsError::Unreadable { .. }), "{refused}");
}
