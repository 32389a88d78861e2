//! Sharing, the request's way once parsed: find the child and their consent state, decide, fetch, redact, log, and
//! only then answer. `/v1/requests`, discovery and meeting packs all share through here; handlers only parse and
//! shape the answer.

use std::sync::Arc;

use chrono::Utc;
use sharegate_core::domain::{DisclosureId, MeetingId, Narrative, Subject, SubjectId, SubjectKey};
use sharegate_core::error::ApiError;
use sharegate_core::identity::Identity;

use crate::broker::{Broker, FetchFor};
use crate::decision::consent::SubjectConsents;
use crate::decision::policy::Vocabulary;
use crate::decision::shared::SharedPolicy;
use crate::decision::{self, MeetingStanding, ShareRequest};
use crate::disclosure_log::{self, LogWriter};
use crate::meetings::OpensBefore;
use crate::redaction::{self, SharedRecordKeys};
use crate::store::Store;
use crate::store::register::RegisterCache;
use crate::store::subjects::{self, SubjectCache};

/// What sharing needs besides the store: the closed lists, the policy in force, the way to the nodes, the log, the
/// children already looked up and their consent states already read.
pub struct Sharing {
    pub vocabulary: Vocabulary,
    pub policy: Arc<SharedPolicy>,
    pub broker: Broker,
    /// What each agency's node signs its records with: redaction checks every record against it.
    pub record_keys: Arc<SharedRecordKeys>,
    pub log: LogWriter,
    pub subjects: SubjectCache,
    pub registers: RegisterCache,
    /// How long before a meeting sharing under it opens.
    pub meeting_opens: OpensBefore,
}

pub fn no_such_child() -> ApiError {
    ApiError::not_found("no child with that id or NHS number is in the subject index")
}

/// The child a path names, by gateway id or NHS number (the index is read only for an NHS number). `None` for an
/// NHS number the index does not hold; a text that is neither is answered as an unknown child.
pub async fn named_child(store: &Store, raw: &str) -> Result<Option<SubjectId>, ApiError> {
    match SubjectKey::parse(raw).map_err(|_| no_such_child())? {
        SubjectKey::Id(id) => Ok(Some(id)),
        SubjectKey::Nhs(nhs) => Ok(store.run(move |conn| subjects::id_of(conn, &nhs)).await?),
    }
}

/// The child, their consent state and the standing of the meeting named (if any), in one trip to the store.
pub async fn ground_state(
    store: &Store,
    sharing: &Sharing,
    identity: &Identity,
    key: SubjectKey,
    meeting: Option<MeetingId>,
) -> Result<(Arc<Subject>, Arc<SubjectConsents>, Option<MeetingStanding>), ApiError> {
    let named = meeting.is_some();
    let (subjects, registers) = (sharing.subjects.clone(), sharing.registers.clone());
    let found = store
        .run_brief(move |conn| match subjects.find(conn, &key)? {
            Some(child) => {
                let consents = registers.consents(conn, &child.subject.id, child.version)?;
                let meeting = meeting.map(|m| crate::store::meetings::load(conn, &m)).transpose()?.flatten();
                Ok(Some((child.subject, consents, meeting)))
            }
            None => Ok(None),
        })
        .await?;
    let (subject, consents, meeting) = found.ok_or_else(no_such_child)?;
    let standing = named.then(|| {
        meeting.map_or(MeetingStanding::Unknown, |m| {
            m.standing(&identity.agency, &subject.id, Utc::now(), sharing.meeting_opens)
        })
    });
    Ok((subject, consents, standing))
}

/// A request's way through once parsed: decide, fetch, redact, log, and only then the answer.
pub async fn share(
    sharing: &Sharing,
    identity: &Identity,
    subject: &Subject,
    consents: &SubjectConsents,
    request: ShareRequest,
    reason: &Narrative,
    meeting: Option<&MeetingStanding>,
) -> Result<disclosure_log::Disclosed, ApiError> {
    let authorized = decision::authorize(&sharing.policy.current(), identity, request, consents, meeting, Utc::now());
    let id = DisclosureId::new();
    let fetched = sharing
        .broker
        .fetch(&authorized, subject, FetchFor { disclosure: &id, requester: identity, subject: &subject.nhs_number })
        .await;
    let redacted = redaction::redact(&authorized, fetched, &sharing.record_keys.current());
    disclosure_log::commit(
        &sharing.log,
        disclosure_log::Request { id, requester: identity, subject, reason, authorized: &authorized, redacted },
    )
    .await
}
