#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, IsCa, Issuer, KeyIdMethod, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::*;
use crate::certs::{Layout, Reason, revoke};

/// A fresh example federation of its own, so that revoking in it touches nothing else.
fn federation() -> (tempfile::TempDir, Layout) {
    let dir = tempfile::tempdir().unwrap();
    let agencies: Vec<_> = crate::settings::default_agencies().map(|(agency, _)| agency).collect();
    let layout = crate::certs::init(dir.path(), &agencies, false).unwrap();
    (dir, layout)
}

fn files(layout: &Layout) -> TlsFiles {
    layout.gateway_server()
}

fn key_of(path: &Path) -> CertKey {
    let der = CertificateDer::from_pem_file(path).unwrap();
    let (_, cert) = X509Certificate::from_der(der.as_ref()).unwrap();
    CertKey::new(cert.issuer().as_raw(), cert.raw_serial())
}

/// A CA that is not the federation's, named `name`, and a CRL it signs (number `number`, revoking nothing).
fn other_ca(name: &str, number: u64) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = params.self_signed(&key).unwrap();
    let issuer = Issuer::new(params, key);
    let now = time::OffsetDateTime::now_utc();
    let crl = CertificateRevocationListParams {
        this_update: now,
        next_update: now + time::Duration::days(7),
        crl_number: SerialNumber::from(number),
        issuing_distribution_point: None,
        revoked_certs: vec![],
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&issuer)
    .unwrap();
    (cert.pem(), crl.pem().unwrap())
}

#[test]
fn the_list_in_force_revokes_what_the_crl_names_and_a_reload_takes_a_newer_one() {
    let (_dir, layout) = federation();
    let revocations = Revocations::load(&files(&layout), Side::Clients).unwrap();
    let (investigator, _) = layout.person("police", "investigator");
    assert!(revocations.revokes(&key_of(&layout.test("revoked").0)));
    assert!(!revocations.revokes(&key_of(&investigator)));
    assert_eq!(revocations.summary().revoked, 1);
    assert!(revocations.summary().next_update.is_some_and(|t| t > Utc::now()));

    assert_eq!(revocations.reload().unwrap().revoked, 1);
    assert_eq!(revocations.generation(), 0, "the same list again: connections opened under it stay");

    revoke(&layout, &investigator, Reason::AffiliationChanged).unwrap();
    assert!(!revocations.revokes(&key_of(&investigator)), "nothing changes until the list is read again");
    assert_eq!(revocations.reload().unwrap().revoked, 2);
    assert!(revocations.revokes(&key_of(&investigator)));
    assert!(revocations.revokes(&key_of(&layout.test("revoked").0)), "earlier revocations stay");
    assert_eq!(revocations.revoked_gauge.get(), 2);
    assert_eq!(revocations.generation(), 1, "a list revoking more retires what was opened before it");
}

#[test]
fn an_older_crl_put_back_is_refused_and_the_newer_stays_in_force() {
    let (_dir, layout) = federation();
    let original = std::fs::read(layout.crl()).unwrap();
    let (investigator, _) = layout.person("police", "investigator");
    revoke(&layout, &investigator, Reason::KeyCompromise).unwrap();
    let revocations = Revocations::load(&files(&layout), Side::Clients).unwrap();

    std::fs::write(layout.crl(), original).unwrap();
    let refused = revocations.reload().unwrap_err().to_string();
    assert!(refused.contains("CRL number 1 is lower than the 2 in force"), "{refused}");
    assert!(revocations.revokes(&key_of(&investigator)));
}

#[test]
fn a_crl_not_signed_by_a_trust_anchor_is_refused_even_under_the_anchors_name() {
    let (_dir, layout) = federation();
    let revocations = Revocations::load(&files(&layout), Side::Clients).unwrap();
    let (_, forged) = other_ca("sharegate EXAMPLE federation CA (not for real use)", 99);
    std::fs::write(layout.crl(), forged).unwrap();
    let refused = revocations.reload().unwrap_err().to_string();
    assert!(refused.contains("not signed by a CA in"), "{refused}");
    assert!(revocations.revokes(&key_of(&layout.test("revoked").0)));

    std::fs::write(layout.crl(), "not a CRL at all").unwrap();
    let refused = revocations.reload().unwrap_err().to_string();
    assert!(refused.contains("no PEM CRL"), "{refused}");
    assert!(revocations.revokes(&key_of(&layout.test("revoked").0)));

    // A server cannot start on such a file either.
    assert!(Revocations::load(&files(&layout), Side::Clients).is_err());
}

#[test]
fn a_list_that_leaves_out_an_issuers_crl_is_refused() {
    let (dir, layout) = federation();
    let (other_cert, other_crl) = other_ca("Another agency's CA", 1);
    let anchors = dir.path().join("anchors.crt");
    std::fs::write(&anchors, format!("{}{other_cert}", std::fs::read_to_string(layout.ca_cert()).unwrap())).unwrap();
    let ours = std::fs::read_to_string(layout.crl()).unwrap();
    std::fs::write(layout.crl(), format!("{ours}{other_crl}")).unwrap();
    let files = TlsFiles { ca: anchors, ..files(&layout) };
    let revocations = Revocations::load(&files, Side::Clients).unwrap();

    std::fs::write(layout.crl(), &ours).unwrap();
    let refused = revocations.reload().unwrap_err().to_string();
    assert!(refused.contains("no CRL of CN=Another agency's CA"), "{refused}");
    std::fs::write(layout.crl(), format!("{other_crl}{ours}")).unwrap();
    assert_eq!(revocations.reload().unwrap().revoked, 1, "both lists, in either order");
}

#[test]
fn a_connection_is_refused_once_its_certificate_is_revoked_or_expired() {
    let (_dir, layout) = federation();
    let revocations = Revocations::load(&files(&layout), Side::Clients).unwrap();
    let presented = |path: &Path| {
        let der = CertificateDer::from_pem_file(path).unwrap();
        Presented::of(der.as_ref(), &revocations).unwrap()
    };
    let (investigator, _) = layout.person("police", "investigator");
    let open = presented(&investigator);
    assert_eq!(open.still_valid(Utc::now()), Ok(()));
    revoke(&layout, &investigator, Reason::KeyCompromise).unwrap();
    revocations.reload().unwrap();
    assert_eq!(open.still_valid(Utc::now()), Err(StillValidError::Revoked));

    let expired = presented(&layout.test("expired").0);
    assert!(matches!(expired.still_valid(Utc::now()), Err(StillValidError::Expired(at)) if at < Utc::now()));
    let (dpo, _) = layout.person("police", "dpo");
    let later = Utc::now() + chrono::Duration::days(365 * 11);
    assert!(matches!(presented(&dpo).still_valid(later), Err(StillValidError::Expired(_))));
}

#[test]
fn a_serial_is_the_same_with_or_without_a_leading_zero() {
    assert_eq!(CertKey::new(b"ca", &[0, 0x80, 1]), CertKey::new(b"ca", &[0x80, 1]));
    assert_ne!(CertKey::new(b"ca", &[0x80, 1]), CertKey::new(b"other", &[0x80, 1]));
}
