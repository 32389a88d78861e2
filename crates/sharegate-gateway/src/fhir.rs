//! The log and the consent register in FHIR R4, so that an NHS trust's audit tooling can read every disclosure
//! (issue 29). Each entry becomes AuditEvents following IHE's Basic Audit Log Patterns (BALP): one for the decision
//! (BALP's AuthZ pattern: `AuthZ-Consent` where a consent grounded a grant, `AuthZ-Role` where policy alone, a
//! decision not to seek consent or a meeting did), and one Privacy Disclosure at Source for each agency whose node
//! answered — what left it, to whom, why. The consents that grounded grants become FHIR Consents.
//!
//! Built as JSON values rather than typed models: the Rust FHIR model crates generate every resource of the
//! standard, many times this crate's compile time, for the three resources written here. The tests check the output
//! with an independent FHIR R4 implementation (the Python `fhir.resources` models).
//!
//! Where BALP asks for what the gateway does not keep, it is left out rather than made up, so the events do not
//! claim BALP's profiles in `meta.profile`: the requesting client's network address (the gateway logs no addresses),
//! and, for the AuthZ pattern, the client application (the client is the practitioner's certificate, which is the
//! user agent here).

use serde_json::{Value, json};

use crate::disclosure_log::{Entry, GroundRef, Kind, Outcome};
use crate::redaction::ANSWERED;
use crate::register::Actor;
use crate::store::register::ConsentRecord;
use sharegate_core::domain::{AgencyName, ConsentId};

const DCM: &str = "http://dicom.nema.org/resources/ontology/DCM";
const ISO_21089: &str = "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle";
const AUTHZ_SUBTYPE: &str = "https://profiles.ihe.net/ITI/BALP/CodeSystem/AuthZsubType";
const SOURCE_TYPE: &str = "http://terminology.hl7.org/CodeSystem/security-source-type";
const ENTITY_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
const OBJECT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/object-role";
const PARTICIPATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
const SNOMED: &str = "http://snomed.info/sct";

/// sharegate's own names, as identifier systems and code systems.
const AGENCY: &str = "urn:sharegate:agency";
const SUBJECT: &str = "urn:sharegate:subject";
const CONSENT: &str = "urn:sharegate:consent";
const DISCLOSURE: &str = "urn:sharegate:disclosure";
const CATEGORY: &str = "urn:sharegate:category";
const PURPOSE: &str = "urn:sharegate:purpose";
const ROLE: &str = "urn:sharegate:role";
const CERTIFICATE: &str = "urn:sharegate:certificate-serial";

/// A FHIR id: sharegate's ids with `-` for `_`, which FHIR ids may not hold (`[A-Za-z0-9\-\.]{1,64}`).
fn fhir_id(parts: &[&str]) -> String {
    parts.join("-").replace('_', "-")
}

fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({"system": system, "code": code, "display": display})
}

fn agency(name: &AgencyName) -> Value {
    json!({"type": "Organization", "identifier": {"system": AGENCY, "value": name.as_str()}, "display": name.as_str()})
}

fn gateway() -> Value {
    json!({"type": "Device", "display": "sharegate gateway"})
}

fn patient(entry: &Entry) -> Value {
    json!({
        "what": {"type": "Patient", "identifier": {"system": SUBJECT, "value": entry.subject.as_str()}},
        "type": coding(ENTITY_TYPE, "1", "Person"),
        "role": coding(OBJECT_ROLE, "1", "Patient"),
    })
}

/// The disclosure itself: the whole entry is at `GET /v1/disclosures/{id}`, and the digest says what was sent.
fn disclosure(entry: &Entry) -> Value {
    json!({
        "what": {"identifier": {"system": DISCLOSURE, "value": entry.id.as_str()}},
        "type": coding(ENTITY_TYPE, "2", "System Object"),
        "role": coding(OBJECT_ROLE, "3", "Report"),
        "detail": [{"type": "response-sha256", "valueString": entry.response_digest}],
    })
}

fn purpose(entry: &Entry) -> Value {
    json!([{"coding": [coding(PURPOSE, entry.purpose.as_str(), entry.purpose.as_str())]}])
}

/// The practitioner who asked: the information recipient.
fn requester(actor: &Actor, entry: &Entry) -> Value {
    json!({
        "type": {"coding": [coding(PARTICIPATION, "IRCP", "information recipient")]},
        "role": [{"coding": [coding(ROLE, actor.role.as_str(), actor.role.as_str())]}],
        "who": {"type": "Practitioner", "identifier": {"system": CERTIFICATE, "value": actor.serial}},
        "name": actor.person.as_str(),
        "requestor": true,
        "purposeOfUse": purpose(entry),
    })
}

fn source() -> Value {
    json!({"site": "sharegate", "observer": gateway(), "type": [coding(SOURCE_TYPE, "4", "Application Server")]})
}

/// The AuditEvents for `entry`: its decision, and a disclosure for each agency whose node answered. A review, which
/// discloses nothing, has none.
pub fn audit_events(entry: &Entry) -> Vec<Value> {
    if entry.kind == Kind::Review {
        return Vec::new();
    }
    let mut events = vec![decision(entry)];
    for part in entry.agencies.iter().filter(|p| p.status == ANSWERED) {
        let categories: Vec<_> = entry.given.iter().filter(|g| g.agency == part.agency).collect();
        if !categories.is_empty() {
            events.push(disclosed(entry, &part.agency, &categories, part.records));
        }
    }
    events
}

/// BALP's AuthZ pattern: who asked, for what, and what the policy, consents and decisions said.
fn decision(entry: &Entry) -> Value {
    let mut consents: Vec<&ConsentId> = Vec::new();
    for id in consents_of(entry) {
        if !consents.contains(&id) {
            consents.push(id);
        }
    }
    let subtype = if consents.is_empty() { "AuthZ-Role" } else { "AuthZ-Consent" };
    // audit-event-outcome: 0 success, 4 minor failure, 8 serious failure.
    let (outcome, description) = match entry.outcome {
        Outcome::Granted => ("0", None),
        Outcome::Partial => ("4", Some("granted in part")),
        Outcome::Refused => ("8", Some("refused")),
    };
    let why: Vec<String> = entry
        .refused
        .iter()
        .map(|r| {
            format!(
                "{} ({}): {}{}",
                r.category,
                r.agency,
                r.why,
                r.rule.as_ref().map(|rule| format!(" [{rule}]")).unwrap_or_default()
            )
        })
        .collect();
    let mut entities = vec![patient(entry)];
    for id in consents {
        entities.push(json!({
            "what": {"type": "Consent", "identifier": {"system": CONSENT, "value": id.as_str()}},
            "type": coding("http://hl7.org/fhir/resource-types", "Consent", "Consent"),
        }));
    }
    for g in &entry.given {
        let (system, id) = match &g.ground {
            GroundRef::Decision(id) => ("urn:sharegate:consent-decision", id.as_str()),
            GroundRef::Meeting(id) => ("urn:sharegate:meeting", id.as_str()),
            GroundRef::Consent(_) | GroundRef::NeedToKnow => continue,
        };
        let ground = json!({"what": {"identifier": {"system": system, "value": id}}, "type": coding(ENTITY_TYPE, "2", "System Object"), "role": coding(OBJECT_ROLE, "13", "Security Resource")});
        if !entities.contains(&ground) {
            entities.push(ground);
        }
    }
    entities.push(disclosure(entry));
    let description =
        description.map(|d| if why.is_empty() { d.to_owned() } else { format!("{d}: {}", why.join("; ")) });
    without_nulls(json!({
        "resourceType": "AuditEvent",
        "id": fhir_id(&[entry.id.as_str(), "decision"]),
        "type": coding(DCM, "110113", "Security Alert"),
        "subtype": [coding(AUTHZ_SUBTYPE, subtype, subtype)],
        "action": "E",
        "recorded": entry.at.to_rfc3339(),
        "outcome": outcome,
        "outcomeDesc": description,
        "purposeOfEvent": purpose(entry),
        "agent": [
            requester(&entry.requester, entry),
            {"type": {"coding": [coding("http://terminology.hl7.org/CodeSystem/v3-RoleClass", "PROV", "healthcare provider")]},
             "who": agency(&entry.requester.agency), "requestor": false},
            {"type": {"coding": [coding("http://terminology.hl7.org/CodeSystem/extra-security-role-type", "authserver", "authorization server")]},
             "who": gateway(), "requestor": false,
             "policy": [format!("urn:sharegate:policy:{}", entry.policy_hash)]},
        ],
        "source": {"site": "sharegate", "observer": gateway(), "type": [coding(SOURCE_TYPE, "6", "Security Server")]},
        "entity": entities,
    }))
}

/// BALP's Privacy Disclosure at Source: what of `holder`'s left, for whom, why.
fn disclosed(entry: &Entry, holder: &AgencyName, given: &[&crate::disclosure_log::Given], records: usize) -> Value {
    let mut entities = vec![patient(entry)];
    for g in given {
        entities.push(json!({
            "what": {"identifier": {"system": CATEGORY, "value": g.category.to_string()}},
            "type": coding(ENTITY_TYPE, "2", "System Object"),
            "role": coding(OBJECT_ROLE, "4", "Domain Resource"),
            "name": g.category.to_string(),
        }));
    }
    entities.push(disclosure(entry));
    // A discovery tells only which categories the agency holds and how many records: its own subtype says so.
    let what = match entry.kind {
        Kind::Discovery => format!("which categories {holder} holds ({records} records); no content"),
        _ => format!("{records} records of {holder}"),
    };
    json!({
        "resourceType": "AuditEvent",
        "id": fhir_id(&[entry.id.as_str(), "disclose", holder.as_str()]),
        "type": coding(DCM, "110106", "Export"),
        "subtype": [coding(ISO_21089, "disclose", "Disclose Record Lifecycle Event")],
        "action": "R",
        "recorded": entry.at.to_rfc3339(),
        "outcome": "0",
        "outcomeDesc": what,
        "purposeOfEvent": purpose(entry),
        "agent": [
            {"type": {"coding": [coding(DCM, "110153", "Source Role ID")]}, "who": gateway(), "requestor": false},
            {"type": {"coding": [coding(SNOMED, "159541003", "Record keeping/library clerk")]}, "who": agency(holder), "requestor": false},
            {"type": {"coding": [coding(DCM, "110152", "Destination Role ID")]}, "who": agency(&entry.requester.agency), "requestor": false},
            requester(&entry.requester, entry),
        ],
        "source": source(),
        "entity": entities,
    })
}

/// A consent in the register as a FHIR Consent: who gave it, which agencies may receive which categories for which
/// purposes, from when until when; `inactive` once withdrawn.
pub fn consent((given, withdrawal): &ConsentRecord) -> Value {
    let c = &given.entry;
    let relationship = serde_json::to_value(c.given_by.relationship).unwrap_or(Value::Null);
    let relationship = relationship.as_str().unwrap_or("unknown");
    let performer = json!({
        "type": if relationship == "young_person" { "Patient" } else { "RelatedPerson" },
        "display": format!("{} ({relationship})", c.given_by.name.as_str()),
    });
    without_nulls(json!({
        "resourceType": "Consent",
        "id": fhir_id(&[c.id.as_str()]),
        "identifier": [{"system": CONSENT, "value": c.id.as_str()}],
        "status": if withdrawal.is_some() { "inactive" } else { "active" },
        "scope": {"coding": [coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", "Privacy Consent")]},
        "category": [{"coding": [coding("http://loinc.org", "59284-0", "Patient Consent")]}],
        "patient": {"type": "Patient", "identifier": {"system": SUBJECT, "value": c.subject.as_str()}},
        "dateTime": c.recorded_at.to_rfc3339(),
        "performer": [performer],
        "organization": [agency(&c.recorded_by.agency)],
        "policy": [{"uri": "urn:sharegate:lawful-basis:consent"}],
        "provision": {
            "type": "permit",
            "period": {"start": c.valid_from.to_rfc3339(), "end": c.valid_until.map(|t| t.to_rfc3339())},
            "actor": c.scope.recipients.iter().map(|r| json!({
                "role": {"coding": [coding(PARTICIPATION, "IRCP", "information recipient")]},
                "reference": agency(r),
            })).collect::<Vec<_>>(),
            "purpose": c.scope.purposes.iter().map(|p| coding(PURPOSE, p.as_str(), p.as_str())).collect::<Vec<_>>(),
            "class": c.scope.categories.iter().map(|k| json!({"system": CATEGORY, "code": k.to_string()})).collect::<Vec<_>>(),
        },
    }))
}

/// The consents that grounded `entry`'s grants.
pub fn consents_of(entry: &Entry) -> impl Iterator<Item = &ConsentId> {
    entry.given.iter().filter_map(|g| match &g.ground {
        GroundRef::Consent(id) => Some(id),
        _ => None,
    })
}

/// A FHIR Bundle of type `collection` holding `resources` (FHIR allows no empty arrays: none, no `entry`).
pub fn bundle(resources: Vec<Value>) -> Value {
    let entries: Vec<_> = resources.into_iter().map(|r| json!({"resource": r})).collect();
    without_nulls(
        json!({"resourceType": "Bundle", "type": "collection", "entry": (!entries.is_empty()).then_some(entries)}),
    )
}

/// `value` without its null fields: an absent element, as FHIR JSON writes it (it allows no nulls).
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, without_nulls(v))).collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests;
