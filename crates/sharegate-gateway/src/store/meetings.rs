//! Meeting events: insert and read. No update or delete (the database refuses them too).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::meeting_events;
use super::{AnyConnection, StoreError};
use crate::meetings::{Meeting, MeetingEvent};
use sharegate_core::domain::MeetingId;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = meeting_events)]
pub struct EventRow {
    pub id: String,
    pub meeting_id: String,
    pub kind: String,
    pub at: NaiveDateTime,
    pub sealed: String,
    pub signature: String,
}

pub fn insert(conn: &mut AnyConnection, row: &EventRow) -> Result<(), StoreError> {
    diesel::insert_into(meeting_events::table).values(row).execute(conn)?;
    Ok(())
}

/// The ids of every meeting, oldest first (their creation events).
pub fn meeting_ids(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    Ok(meeting_events::table
        .filter(meeting_events::kind.eq("created"))
        .order((meeting_events::at.asc(), meeting_events::id.asc()))
        .select(meeting_events::meeting_id)
        .load(conn)?)
}

/// A meeting's events in the order they happened.
pub fn events(conn: &mut AnyConnection, meeting: &str) -> Result<Vec<EventRow>, StoreError> {
    Ok(meeting_events::table
        .filter(meeting_events::meeting_id.eq(meeting))
        .order((meeting_events::at.asc(), meeting_events::id.asc()))
        .select(EventRow::as_select())
        .load(conn)?)
}

/// A meeting from its events; none if there is no such meeting.
pub fn load(conn: &mut AnyConnection, id: &MeetingId) -> Result<Option<Meeting>, StoreError> {
    let rows = events(conn, id.as_str())?;
    let parsed = rows
        .into_iter()
        .map(|row| {
            sharegate_protocol::seal::open::<MeetingEvent>(&row.sealed)
                .map(|event| (event, row.signature))
                .map_err(|e| StoreError::Corrupt(format!("a meeting record cannot be read: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Meeting::from_events(&parsed))
}
