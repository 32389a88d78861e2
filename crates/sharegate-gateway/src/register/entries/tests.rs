use super::*;
use sharegate_core::domain::{AgencyName, Role};

fn identity(agency: &str, person: &str, serial: &str) -> Identity {
    Identity {
        agency: AgencyName::parse(agency).unwrap(),
        role: Role::parse("manager").unwrap(),
        person: PersonName::parse(person).unwrap(),
        serial: serial.into(),
        not_after: Utc::now(),
    }
}

#[test]
fn a_look_alike_name_is_the_same_person_for_separation_of_duties() {
    let decider = Actor::from(&identity("social_care", "Tom Hughes", "0a"));
    assert!(decider.is(&identity("social_care", "Tom Hughes", "0b")), "a renewed certificate");
    assert!(decider.is(&identity("social_care", "T\u{043e}m Hughes", "0c")), "a Cyrillic о");
    assert!(decider.is(&identity("social_care", "TOM HUGHES", "0d")), "another case");
    assert!(decider.is(&identity("social_care", "Torn Hughes", "0e")), "rn for m");
    assert!(!decider.is(&identity("social_care", "Tim Hughes", "0f")), "another person");
    assert!(!decider.is(&identity("police", "Tom Hughes", "0a")), "another agency");
}
