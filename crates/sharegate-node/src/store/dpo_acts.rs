//! The DPO's acts at a node: insert and read only (the database refuses updates and deletes too). The state in
//! force is the last act for each record or child, in the order the acts were made.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::dpo_acts;
use super::{AnyConnection, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = dpo_acts)]
pub struct ActRow {
    pub id: String,
    pub at: NaiveDateTime,
    /// `restrict`, `lift_restriction`, `hold` or `lift_hold`.
    pub act: String,
    pub subject_ref: String,
    /// The record restricted (or whose restriction is lifted); none for a hold.
    pub record_id: Option<String>,
    pub reason: String,
    pub by_person: String,
    pub by_serial: String,
    pub sealed: String,
    pub signature: String,
}

pub fn insert(conn: &mut AnyConnection, row: &ActRow) -> Result<(), StoreError> {
    diesel::insert_into(dpo_acts::table).values(row).execute(conn)?;
    Ok(())
}

/// A child's acts, oldest first.
pub fn for_subject(conn: &mut AnyConnection, subject_ref: &str) -> Result<Vec<ActRow>, StoreError> {
    Ok(dpo_acts::table
        .filter(dpo_acts::subject_ref.eq(subject_ref))
        .order((dpo_acts::at.asc(), dpo_acts::id.asc()))
        .select(ActRow::as_select())
        .load(conn)?)
}

/// Every act, newest first, at most `limit`.
pub fn recent(conn: &mut AnyConnection, limit: i64) -> Result<Vec<ActRow>, StoreError> {
    Ok(dpo_acts::table
        .order((dpo_acts::at.desc(), dpo_acts::id.desc()))
        .limit(limit)
        .select(ActRow::as_select())
        .load(conn)?)
}

/// The children whose records are on legal hold now.
pub fn held(conn: &mut AnyConnection) -> Result<BTreeSet<String>, StoreError> {
    let acts: Vec<(String, String)> = dpo_acts::table
        .filter(dpo_acts::act.eq_any(["hold", "lift_hold"]))
        .order((dpo_acts::at.asc(), dpo_acts::id.asc()))
        .select((dpo_acts::subject_ref, dpo_acts::act))
        .load(conn)?;
    let mut held = BTreeSet::new();
    for (subject_ref, act) in acts {
        if act == "hold" {
            held.insert(subject_ref);
        } else {
            held.remove(&subject_ref);
        }
    }
    Ok(held)
}
