//! Disclosure entries: insert and read. No update or delete (the database refuses them too).

use diesel::prelude::*;

use super::schema::disclosures;
use super::{AnyConnection, StoreError};
use crate::disclosure_log::Entry;
use crate::domain::DisclosureId;

pub fn insert(conn: &mut AnyConnection, entry: &Entry) -> Result<(), StoreError> {
    let text = serde_json::to_string(entry)
        .map_err(|e| StoreError::Unavailable(format!("an entry cannot be serialised: {e}")))?;
    diesel::insert_into(disclosures::table)
        .values((
            disclosures::id.eq(entry.id.as_str()),
            disclosures::at.eq(entry.at.naive_utc()),
            disclosures::kind.eq(entry.kind.as_str()),
            disclosures::subject_id.eq(entry.subject.as_str()),
            disclosures::requester_agency.eq(entry.requester.agency.as_str()),
            disclosures::requester_person.eq(entry.requester.person.as_str()),
            disclosures::purpose.eq(entry.purpose.as_str()),
            disclosures::lawful_basis.eq(entry.lawful_basis.as_str()),
            disclosures::outcome.eq(entry.outcome.as_str()),
            disclosures::policy_hash.eq(&entry.policy_hash),
            disclosures::response_digest.eq(&entry.response_digest),
            disclosures::entry.eq(text),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id: &DisclosureId) -> Result<Option<Entry>, StoreError> {
    let text: Option<String> =
        disclosures::table.filter(disclosures::id.eq(id.as_str())).select(disclosures::entry).first(conn).optional()?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Unavailable(format!("an entry cannot be read: {e}"))))
        .transpose()
}

pub fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(disclosures::table.count().get_result(conn)?)
}
