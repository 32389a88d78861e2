//! Subject-access packs' events: insert and read. No update or delete (the database refuses them too).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::access_pack_events;
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = access_pack_events)]
pub struct PackEventRow {
    pub id: String,
    pub pack_id: String,
    /// The agency whose pack it is: only its DPOs see it.
    pub agency: String,
    pub kind: String,
    pub at: NaiveDateTime,
    pub sealed: String,
    pub signature: String,
}

pub fn insert(conn: &mut AnyConnection, row: &PackEventRow) -> Result<(), StoreError> {
    diesel::insert_into(access_pack_events::table).values(row).execute(conn)?;
    Ok(())
}

/// The sealed events of `agency`'s pack `id`, in order (none for another agency's pack, or none at all).
pub fn events(conn: &mut AnyConnection, id: &str, agency: &str) -> Result<Vec<String>, StoreError> {
    Ok(access_pack_events::table
        .filter(access_pack_events::pack_id.eq(id))
        .filter(access_pack_events::agency.eq(agency))
        .order((access_pack_events::at.asc(), access_pack_events::id.asc()))
        .select(access_pack_events::sealed)
        .load(conn)?)
}
