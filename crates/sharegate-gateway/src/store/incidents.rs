//! Incidents' closures: insert and read. An incident is opened by the breach reviews in the log that name it (see
//! [`super::log::breach_reviews`]); only its closing is kept here, once. No update or delete (the database refuses
//! them too).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::incident_closures;
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = incident_closures)]
pub struct ClosureRow {
    pub incident_id: String,
    /// The agency whose incident it is: only its DPOs see it, or close it.
    pub agency: String,
    pub closed_at: NaiveDateTime,
    pub sealed: String,
    pub signature: String,
}

/// Keeps a closure unless the incident is closed already; returns whether it was kept.
pub fn close(conn: &mut AnyConnection, row: &ClosureRow) -> Result<bool, StoreError> {
    match diesel::insert_into(incident_closures::table).values(row).execute(conn) {
        Ok(_) => Ok(true),
        // Closed a moment ago, perhaps through another gateway: the first closure stands, by the primary key.
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The sealed closures of `agency`'s incidents.
pub fn closures(conn: &mut AnyConnection, agency: &str) -> Result<Vec<String>, StoreError> {
    Ok(incident_closures::table
        .filter(incident_closures::agency.eq(agency))
        .select(incident_closures::sealed)
        .load(conn)?)
}
