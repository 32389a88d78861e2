//! A node's access register: every read of its records, with the disclosure it served. Insert and list only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{access_register, node_children};
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
    /// Why the read was refused (`subject_mismatch`); none when it was answered.
    pub refused: Option<String>,
}

/// What the node's practitioners record of the child one of its references belongs to.
pub struct Child<'a> {
    pub nhs_number: &'a str,
    pub date_of_birth: Option<chrono::NaiveDate>,
}

/// Records which child one of the node's references belongs to (replacing what was recorded before).
pub fn record_child(
    conn: &mut AnyConnection,
    local_ref: &str,
    child: Child<'_>,
    at: NaiveDateTime,
    person: &str,
    serial: &str,
) -> Result<(), StoreError> {
    super::write_transaction(conn, |conn| {
        diesel::delete(node_children::table.filter(node_children::local_ref.eq(local_ref))).execute(conn)?;
        diesel::insert_into(node_children::table)
            .values((
                node_children::local_ref.eq(local_ref),
                node_children::nhs_number.eq(child.nhs_number),
                node_children::date_of_birth.eq(child.date_of_birth),
                node_children::recorded_at.eq(at),
                node_children::recorded_by_person.eq(person),
                node_children::recorded_by_serial.eq(serial),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// The NHS number the node's own practitioners recorded for one of its references, if any.
pub fn nhs_number_of(conn: &mut AnyConnection, local_ref: &str) -> Result<Option<String>, StoreError> {
    Ok(node_children::table
        .filter(node_children::local_ref.eq(local_ref))
        .select(node_children::nhs_number)
        .get_result(conn)
        .optional()?)
}

pub fn insert(conn: &mut AnyConnection, row: &AccessRow) -> Result<(), StoreError> {
    diesel::insert_into(access_register::table).values(row).execute(conn)?;
    Ok(())
}

/// Up to `limit` reads, newest first; after `after` (a read's id: the last of the previous page), the reads older
/// than it. Keyset pagination, so reads added meanwhile neither repeat nor leave gaps. An unknown `after` is none.
pub fn recent(conn: &mut AnyConnection, after: Option<&str>, limit: i64) -> Result<Vec<AccessRow>, StoreError> {
    let mut query = access_register::table
        .order((access_register::at.desc(), access_register::id.desc()))
        .limit(limit)
        .select(AccessRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        let Some((at, id)) = access_register::table
            .filter(access_register::id.eq(after))
            .select((access_register::at, access_register::id))
            .get_result::<(NaiveDateTime, String)>(conn)
            .optional()?
        else {
            return Ok(Vec::new());
        };
        query = query.filter(access_register::at.lt(at).or(access_register::at.eq(at).and(access_register::id.lt(id))));
    }
    Ok(query.load(conn)?)
}
