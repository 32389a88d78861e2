//! A node's access register: every read of its records, with the disclosure it served. Insert and list only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::access_register;
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = access_register)]
pub struct AccessRow {
    pub id: String,
    pub at: NaiveDateTime,
    /// The gateway's disclosure this read served; none for the agency's own staff.
    pub disclosure_id: Option<String>,
    /// Who asked: `agency/role` as the gateway says, or the agency's own practitioner.
    pub requester: String,
    pub purpose: String,
    /// Whose certificate read: the gateway's (serial) or the practitioner's.
    pub reader: String,
    pub subject_ref: String,
    /// Comma-separated categories read.
    pub categories: String,
    /// How many records were returned (for holdings: how many were counted).
    pub returned: i64,
}

pub fn insert(conn: &mut AnyConnection, row: &AccessRow) -> Result<(), StoreError> {
    diesel::insert_into(access_register::table).values(row).execute(conn)?;
    Ok(())
}

/// The newest `limit` reads, newest first.
pub fn recent(conn: &mut AnyConnection, limit: i64) -> Result<Vec<AccessRow>, StoreError> {
    Ok(access_register::table
        .order((access_register::at.desc(), access_register::id.desc()))
        .limit(limit)
        .select(AccessRow::as_select())
        .load(conn)?)
}
