//! The consent register's rows: insert and read, never update or delete (the database refuses those too).

use std::sync::Arc;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::de::DeserializeOwned;

use super::schema::{
    consent_confirmations, consent_decisions, consent_endorsements, consent_withdrawals, consents, privacy_notices,
    register_versions,
};
use super::{AnyConnection, StoreError};
use crate::decision::consent::SubjectConsents;
use crate::register::{
    ConfirmationEntry, ConsentEntry, DecisionEntry, EndorsementEntry, PrivacyNoticeEntry, WithdrawalEntry,
};
use sharegate_core::domain::{ConsentId, DecisionId, SubjectId};
use sharegate_protocol::seal::Seal;

/// An entry read back, with the gateway's signature over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed<T> {
    pub entry: T,
    pub signature: String,
}

/// A consent and, if it was withdrawn, its withdrawal.
pub type ConsentRecord = (Signed<ConsentEntry>, Option<Signed<WithdrawalEntry>>);
/// A decision not to seek consent and, if it was endorsed, its endorsement.
pub type DecisionRecord = (Signed<DecisionEntry>, Option<Signed<EndorsementEntry>>);

/// One child's register.
#[derive(Debug, Clone, Default)]
pub struct SubjectRegister {
    pub consents: Vec<ConsentRecord>,
    /// Every holding agency's confirmation of a consent another agency recorded, in the order recorded.
    pub confirmations: Vec<Signed<ConfirmationEntry>>,
    pub decisions: Vec<DecisionRecord>,
}

impl SubjectRegister {
    /// What decisions read.
    pub fn state(&self) -> SubjectConsents {
        SubjectConsents {
            consents: self
                .consents
                .iter()
                .map(|(c, w)| {
                    c.entry.to_consent(w.as_ref().map(|w| &w.entry), self.confirmations.iter().map(|c| &c.entry))
                })
                .collect(),
            decisions: self.decisions.iter().map(|(d, e)| d.entry.to_decision(e.as_ref().map(|e| &e.entry))).collect(),
        }
    }
}

fn time(t: chrono::DateTime<chrono::Utc>) -> NaiveDateTime {
    t.naive_utc()
}

fn unique(what: &'static str) -> impl Fn(diesel::result::Error) -> StoreError {
    move |e| match e {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
            StoreError::Duplicate { what }
        }
        other => other.into(),
    }
}

pub fn insert_consent(conn: &mut AnyConnection, entry: &ConsentEntry, seal: &Seal) -> Result<(), StoreError> {
    diesel::insert_into(consents::table)
        .values((
            consents::id.eq(entry.id.as_str()),
            consents::subject_id.eq(entry.subject.as_str()),
            consents::recorded_at.eq(time(entry.recorded_at)),
            consents::sealed.eq(&seal.canonical),
            consents::signature.eq(&seal.signature),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn insert_withdrawal(conn: &mut AnyConnection, entry: &WithdrawalEntry, seal: &Seal) -> Result<(), StoreError> {
    diesel::insert_into(consent_withdrawals::table)
        .values((
            consent_withdrawals::consent_id.eq(entry.consent.as_str()),
            consent_withdrawals::withdrawn_at.eq(time(entry.withdrawn_at)),
            consent_withdrawals::sealed.eq(&seal.canonical),
            consent_withdrawals::signature.eq(&seal.signature),
        ))
        .execute(conn)
        .map_err(unique("a withdrawal of this consent"))?;
    Ok(())
}

pub fn insert_confirmation(conn: &mut AnyConnection, entry: &ConfirmationEntry, seal: &Seal) -> Result<(), StoreError> {
    diesel::insert_into(consent_confirmations::table)
        .values((
            consent_confirmations::consent_id.eq(entry.consent.as_str()),
            consent_confirmations::agency.eq(entry.agency.as_str()),
            consent_confirmations::confirmed_at.eq(time(entry.confirmed_at)),
            consent_confirmations::sealed.eq(&seal.canonical),
            consent_confirmations::signature.eq(&seal.signature),
        ))
        .execute(conn)
        .map_err(unique("a confirmation of this consent by this agency"))?;
    Ok(())
}

/// The confirmations of one consent, oldest first.
pub fn confirmations_of(
    conn: &mut AnyConnection,
    consent: &ConsentId,
) -> Result<Vec<Signed<ConfirmationEntry>>, StoreError> {
    let rows: Vec<(String, String)> = consent_confirmations::table
        .filter(consent_confirmations::consent_id.eq(consent.as_str()))
        .order((consent_confirmations::confirmed_at.asc(), consent_confirmations::agency.asc()))
        .select((consent_confirmations::sealed, consent_confirmations::signature))
        .load(conn)?;
    rows.into_iter().map(signed).collect()
}

pub fn insert_decision(conn: &mut AnyConnection, entry: &DecisionEntry, seal: &Seal) -> Result<(), StoreError> {
    diesel::insert_into(consent_decisions::table)
        .values((
            consent_decisions::id.eq(entry.id.as_str()),
            consent_decisions::subject_id.eq(entry.subject.as_str()),
            consent_decisions::deciding_agency.eq(entry.decided_by.agency.as_str()),
            consent_decisions::decided_at.eq(time(entry.decided_at)),
            consent_decisions::sealed.eq(&seal.canonical),
            consent_decisions::signature.eq(&seal.signature),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn insert_endorsement(conn: &mut AnyConnection, entry: &EndorsementEntry, seal: &Seal) -> Result<(), StoreError> {
    diesel::insert_into(consent_endorsements::table)
        .values((
            consent_endorsements::decision_id.eq(entry.decision.as_str()),
            consent_endorsements::endorsed_at.eq(time(entry.endorsed_at)),
            consent_endorsements::sealed.eq(&seal.canonical),
            consent_endorsements::signature.eq(&seal.signature),
        ))
        .execute(conn)
        .map_err(unique("an endorsement of this decision"))?;
    Ok(())
}

fn signed<T: DeserializeOwned>((sealed, signature): (String, String)) -> Result<Signed<T>, StoreError> {
    let entry = sharegate_protocol::seal::open(&sealed)
        .map_err(|e| StoreError::Corrupt(format!("a consent-register entry cannot be read: {e}")))?;
    Ok(Signed { entry, signature })
}

pub fn insert_privacy_notice(
    conn: &mut AnyConnection,
    entry: &PrivacyNoticeEntry,
    seal: &Seal,
) -> Result<(), StoreError> {
    diesel::insert_into(privacy_notices::table)
        .values((
            privacy_notices::id.eq(entry.id.as_str()),
            privacy_notices::subject_id.eq(entry.subject.as_str()),
            privacy_notices::recorded_at.eq(time(entry.recorded_at)),
            privacy_notices::sealed.eq(&seal.canonical),
            privacy_notices::signature.eq(&seal.signature),
        ))
        .execute(conn)?;
    Ok(())
}

/// The privacy notices recorded as given for a child, in the order recorded.
pub fn privacy_notices(
    conn: &mut AnyConnection,
    subject: &SubjectId,
) -> Result<Vec<Signed<PrivacyNoticeEntry>>, StoreError> {
    let rows: Vec<(String, String)> = privacy_notices::table
        .filter(privacy_notices::subject_id.eq(subject.as_str()))
        .order((privacy_notices::recorded_at.asc(), privacy_notices::id.asc()))
        .select((privacy_notices::sealed, privacy_notices::signature))
        .load(conn)?;
    rows.into_iter().map(signed).collect()
}

pub fn find_consent(conn: &mut AnyConnection, id: &ConsentId) -> Result<Option<ConsentRecord>, StoreError> {
    let row: Option<(String, String)> = consents::table
        .filter(consents::id.eq(id.as_str()))
        .select((consents::sealed, consents::signature))
        .first(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let withdrawal: Option<(String, String)> = consent_withdrawals::table
        .filter(consent_withdrawals::consent_id.eq(id.as_str()))
        .select((consent_withdrawals::sealed, consent_withdrawals::signature))
        .first(conn)
        .optional()?;
    Ok(Some((signed(row)?, withdrawal.map(signed).transpose()?)))
}

pub fn find_decision(conn: &mut AnyConnection, id: &DecisionId) -> Result<Option<DecisionRecord>, StoreError> {
    let row: Option<(String, String)> = consent_decisions::table
        .filter(consent_decisions::id.eq(id.as_str()))
        .select((consent_decisions::sealed, consent_decisions::signature))
        .first(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let endorsement: Option<(String, String)> = consent_endorsements::table
        .filter(consent_endorsements::decision_id.eq(id.as_str()))
        .select((consent_endorsements::sealed, consent_endorsements::signature))
        .first(conn)
        .optional()?;
    Ok(Some((signed(row)?, endorsement.map(signed).transpose()?)))
}

/// A child's whole register, in the order it was recorded: two queries, each entry joined to its withdrawal or
/// endorsement.
pub fn for_subject(conn: &mut AnyConnection, subject: &SubjectId) -> Result<SubjectRegister, StoreError> {
    type Joined = (String, String, Option<String>, Option<String>);
    let consent_query = consents::table
        .left_join(consent_withdrawals::table)
        .filter(consents::subject_id.eq(subject.as_str()))
        .order((consents::recorded_at.asc(), consents::id.asc()))
        .select((
            consents::sealed,
            consents::signature,
            consent_withdrawals::sealed.nullable(),
            consent_withdrawals::signature.nullable(),
        ));
    let decision_query = consent_decisions::table
        .left_join(consent_endorsements::table)
        .filter(consent_decisions::subject_id.eq(subject.as_str()))
        .order((consent_decisions::decided_at.asc(), consent_decisions::id.asc()))
        .select((
            consent_decisions::sealed,
            consent_decisions::signature,
            consent_endorsements::sealed.nullable(),
            consent_endorsements::signature.nullable(),
        ));
    // Read on every request, so through the backend's own connection: there diesel finds the prepared statement by
    // its type, where the multi-backend connection writes out the statement's text to look it up, each time.
    let (consent_rows, decision_rows): (Vec<Joined>, Vec<Joined>) = match conn {
        AnyConnection::Sqlite(c) => (consent_query.load(c)?, decision_query.load(c)?),
        AnyConnection::Postgres(c) => (consent_query.load(c)?, decision_query.load(c)?),
    };
    fn pair<A: DeserializeOwned, B: DeserializeOwned>(
        (sealed, signature, later, later_signature): Joined,
    ) -> Result<(Signed<A>, Option<Signed<B>>), StoreError> {
        Ok((signed((sealed, signature))?, later.zip(later_signature).map(signed).transpose()?))
    }
    let confirmation_query = consent_confirmations::table
        .inner_join(consents::table)
        .filter(consents::subject_id.eq(subject.as_str()))
        .order((consent_confirmations::confirmed_at.asc(), consent_confirmations::agency.asc()))
        .select((consent_confirmations::sealed, consent_confirmations::signature));
    let confirmation_rows: Vec<(String, String)> = match conn {
        AnyConnection::Sqlite(c) => confirmation_query.load(c)?,
        AnyConnection::Postgres(c) => confirmation_query.load(c)?,
    };
    Ok(SubjectRegister {
        confirmations: confirmation_rows.into_iter().map(signed).collect::<Result<_, _>>()?,
        consents: consent_rows.into_iter().map(pair).collect::<Result<_, _>>()?,
        decisions: decision_rows.into_iter().map(pair).collect::<Result<_, _>>()?,
    })
}

/// Each child's consent state as decisions read it, kept between requests and checked at every use against the
/// child's register version, which the database moves on at every insert into the register (migration
/// `register_versions`) — so a consent withdrawn, on this gateway or another sharing the database, counts from the
/// very next request, and an unchanged register costs one small read instead of reading and parsing every entry.
///
/// The version is read before the register: a copy kept under a version is never older than that version, so a
/// change made between the two reads is at worst read again at the next request, never missed.
#[derive(Clone)]
pub struct RegisterCache(Arc<quick_cache::sync::Cache<SubjectId, (i64, Arc<SubjectConsents>)>>);

impl RegisterCache {
    /// Keeps at most `capacity` children's consent states.
    pub fn new(capacity: usize) -> Self {
        Self(Arc::new(quick_cache::sync::Cache::new(capacity)))
    }

    /// The child's consent state as the register says at `version` (read by [`super::subjects::SubjectCache::find`]
    /// just before).
    pub fn consents(
        &self,
        conn: &mut AnyConnection,
        subject: &SubjectId,
        version: i64,
    ) -> Result<Arc<SubjectConsents>, StoreError> {
        if let Some((kept, consents)) = self.0.get(subject)
            && kept == version
        {
            return Ok(consents);
        }
        let consents = Arc::new(for_subject(conn, subject)?.state());
        self.0.insert(subject.clone(), (version, consents.clone()));
        Ok(consents)
    }
}

/// The child's register version; 0 before anything was recorded for them.
pub fn version(conn: &mut AnyConnection, subject: &SubjectId) -> Result<i64, StoreError> {
    let query = register_versions::table
        .filter(register_versions::subject_id.eq(subject.as_str()))
        .select(register_versions::version);
    // Per request, so through the backend's own connection (see `for_subject`); by key, with no `LIMIT`.
    let version = match conn {
        AnyConnection::Sqlite(c) => query.get_result(c).optional()?,
        AnyConnection::Postgres(c) => query.get_result(c).optional()?,
    };
    Ok(version.unwrap_or(0))
}

/// The decisions not to seek consent that `agency` made and no manager has endorsed yet, oldest first: a manager's
/// worklist (¶24: managers monitor).
pub fn awaiting_endorsement(conn: &mut AnyConnection, agency: &str) -> Result<Vec<Signed<DecisionEntry>>, StoreError> {
    let rows: Vec<(String, String)> = consent_decisions::table
        .left_join(consent_endorsements::table)
        .filter(consent_decisions::deciding_agency.eq(agency))
        .filter(consent_endorsements::decision_id.nullable().is_null())
        .order((consent_decisions::decided_at.asc(), consent_decisions::id.asc()))
        .select((consent_decisions::sealed, consent_decisions::signature))
        .load(conn)?;
    rows.into_iter().map(signed).collect()
}
