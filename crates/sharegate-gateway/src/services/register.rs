//! The consent register's rules (¶26, ¶33–34): what a consent or a decision not to seek consent may say, who may
//! withdraw, confirm or endorse one, and which of a child's entries an agency may read. Every entry is sealed by the
//! gateway binding who recorded it; the register is append-only. The API (`routes::consents`) and the console call
//! these and only shape the answer.

use std::collections::BTreeSet;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::decision::CONSENT;
use crate::decision::policy::{Policy, Vocabulary};
use crate::register::entries::{
    CONFIRMATION_FORMAT, CONSENT_FORMAT, DECISION_FORMAT, ENDORSEMENT_FORMAT, PRIVACY_NOTICE_FORMAT, WITHDRAWAL_FORMAT,
};
use crate::register::{
    Actor, Competence, ConfirmationEntry, ConsentEntry, DecisionEntry, EndorsementEntry, GatewayKey, GivenBy,
    HowObtained, PrivacyNoticeEntry, Relationship, ScopeEntry, WithdrawalEntry, seal,
};
use crate::services::sharing::{named_child, no_such_child};
use crate::store::register::{self as rows, ConsentRecord, DecisionRecord, Signed};
use crate::store::{AnyConnection, Store, StoreError, subjects, write_transaction};
use sharegate_core::domain::{AgencyName, ConsentId, DecisionId, LocalRef, Narrative, NoticeId, SubjectId};
use sharegate_core::error::{ApiError, ErrorKind, Violation};
use sharegate_core::identity::{Identity, Manager};

/// A consent to record, as the practitioner gives it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "given_by": {"name": "Sarah Example", "relationship": "parent"},
    "categories": ["education.attendance"],
    "recipients": ["social_care"],
    "purposes": ["safeguarding"],
    "valid_from": "2026-11-01",
    "valid_until": "2030-11-01",
    "how_obtained": "in_writing",
    "form_reference": "CF-2026-0412"
}))]
pub struct ConsentBody {
    pub given_by: GivenBy,
    #[schema(example = json!(["education.attendance"]))]
    pub categories: Vec<String>,
    /// The agencies that may receive: practitioners of these agencies.
    #[schema(example = json!(["social_care"]))]
    pub recipients: Vec<String>,
    #[schema(example = json!(["safeguarding"]))]
    pub purposes: Vec<String>,
    /// From when it counts; now if left out. A time, or a date alone (the start of that day, UTC).
    #[schema(example = "2026-11-01")]
    pub valid_from: Option<String>,
    /// Until when it counts; open-ended if left out. A time, or a date alone (the start of that day, UTC).
    #[schema(example = "2030-11-01")]
    pub valid_until: Option<String>,

    /// How it was obtained (¶33).
    pub how_obtained: Option<HowObtained>,
    /// The reference of the agency's own consent form.
    #[schema(value_type = Option<String>, example = "CF-2026-0412")]
    pub form_reference: Option<LocalRef>,
    /// Only when the young person gives it: who judged them competent to (Gillick).
    pub competence: Option<Competence>,
}

/// A decision not to seek consent (¶34), as the practitioner gives it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ConsentDecisionBody, example = json!({
    "lawful_basis": "children_act_1989_s47",
    "reasons": "Asking the parents would alert the alleged abuser and place the child at greater risk.",
    "categories": ["education.attendance"],
    "recipients": ["social_care"],
    "purposes": ["safeguarding"],
    "valid_until": "2030-11-01"
}))]
pub struct DecisionBody {
    /// Any basis but `consent`, e.g. `crime_and_disorder_act_1998_s115`.
    pub lawful_basis: String,
    /// Why consent is not being sought (¶34), in words.
    #[schema(value_type = String)]
    pub reasons: Narrative,
    #[schema(example = json!(["education.attendance"]))]
    pub categories: Vec<String>,
    /// The agencies that may receive: practitioners of these agencies.
    #[schema(example = json!(["social_care"]))]
    pub recipients: Vec<String>,
    #[schema(example = json!(["safeguarding"]))]
    pub purposes: Vec<String>,
    /// From when it counts; now if left out. A time, or a date alone (the start of that day, UTC).
    #[schema(example = "2026-11-01")]
    pub valid_from: Option<String>,
    /// Until when it counts; open-ended if left out. A time, or a date alone (the start of that day, UTC).
    #[schema(example = "2030-11-01")]
    pub valid_until: Option<String>,
}

/// What a consent or decision covers, as sent (the same fields in [`ConsentBody`] and [`DecisionBody`]: written out
/// in each rather than flattened, so that unknown fields are refused and the API document says one object).
struct ScopeBody {
    categories: Vec<String>,
    recipients: Vec<String>,
    purposes: Vec<String>,
    valid_from: Option<String>,
    valid_until: Option<String>,
}

/// The scope fields of a consent's or a decision's body.
macro_rules! scope_of {
    ($body:expr) => {
        ScopeBody {
            categories: $body.categories,
            recipients: $body.recipients,
            purposes: $body.purposes,
            valid_from: $body.valid_from,
            valid_until: $body.valid_until,
        }
    };
}

/// Where a consent stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    Active,
    NotYetValid,
    Expired,
    Withdrawn,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsentView {
    #[serde(flatten)]
    pub consent: ConsentEntry,
    pub status: ConsentStatus,
    pub withdrawal: Option<WithdrawalEntry>,
    /// How it was obtained, in words ("how obtained: not recorded" when it was not said).
    pub obtained: String,
    /// The holding agencies that confirmed it. For a holder that neither recorded nor confirmed it, it is only a
    /// claim: it covers that holder's records only where the policy lets the requester's own record suffice.
    pub confirmations: Vec<ConfirmationEntry>,
    /// The gateway's signature over the consent as recorded.
    pub signature: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    #[serde(flatten)]
    pub decision: DecisionEntry,
    pub endorsement: Option<EndorsementEntry>,
    pub signature: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegisterView {
    pub consents: Vec<ConsentView>,
    pub decisions: Vec<DecisionView>,
    /// ¶13: every agency's record of giving the family its privacy notice, in the order recorded — for every
    /// agency to see before it shares.
    pub privacy_notices: Vec<PrivacyNoticeView>,
    /// The agencies that know the child (they hold a reference for it) and have not recorded giving the family
    /// their privacy notice.
    #[schema(value_type = Vec<String>)]
    pub without_privacy_notice: Vec<AgencyName>,
}

/// A privacy notice the family was given (¶13), to record, as the practitioner gives it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "given_to": {"name": "Sarah Example", "relationship": "parent"},
    "given_at": "2026-11-02",
    "how": "in_person",
    "notice_reference": "PN-2026-v3"
}))]
pub struct PrivacyNoticeBody {
    pub given_to: GivenBy,
    /// When it was given: a time, or a date alone (the start of that day, UTC); not in the future.
    #[schema(example = "2026-11-02")]
    pub given_at: String,
    pub how: HowObtained,
    /// Which notice, as the agency names its versions.
    #[schema(value_type = Option<String>, example = "PN-2026-v3")]
    pub notice_reference: Option<LocalRef>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PrivacyNoticeView {
    #[serde(flatten)]
    pub notice: PrivacyNoticeEntry,
    /// In words: "given to Sarah Example (parent) in person on 2 November 2026".
    pub given: String,
    pub signature: String,
}

fn privacy_notice_view(notice: Signed<PrivacyNoticeEntry>) -> PrivacyNoticeView {
    let entry = &notice.entry;
    let relationship = crate::subject_access::words::relationship(entry.given_to.relationship);
    let given = format!(
        "given to {} ({relationship}) {} on {}",
        entry.given_to.name,
        entry.how.words(),
        entry.given_at.format("%-d %B %Y")
    );
    PrivacyNoticeView { given, notice: notice.entry, signature: notice.signature }
}

fn consent_view(
    (consent, withdrawal): ConsentRecord,
    confirmations: &[Signed<ConfirmationEntry>],
    now: DateTime<Utc>,
) -> ConsentView {
    let status =
        match (&withdrawal, consent.entry.valid_from > now, consent.entry.valid_until.is_some_and(|u| u <= now)) {
            (Some(_), ..) => ConsentStatus::Withdrawn,
            (None, true, _) => ConsentStatus::NotYetValid,
            (None, false, true) => ConsentStatus::Expired,
            (None, false, false) => ConsentStatus::Active,
        };
    ConsentView {
        confirmations: confirmations
            .iter()
            .filter(|c| c.entry.consent == consent.entry.id)
            .map(|c| c.entry.clone())
            .collect(),
        obtained: consent.entry.how_obtained_words(),
        consent: consent.entry,
        status,
        withdrawal: withdrawal.map(|w| w.entry),
        signature: consent.signature,
    }
}

fn decision_view((decision, endorsement): DecisionRecord) -> DecisionView {
    DecisionView { decision: decision.entry, endorsement: endorsement.map(|e| e.entry), signature: decision.signature }
}

/// The register as one agency's practitioners act on it: the store it lives in, the key that seals it, the closed
/// lists its names come from.
pub struct Register<'a> {
    pub store: &'a Store,
    pub key: &'a GatewayKey,
    pub vocabulary: &'a Vocabulary,
}

impl Register<'_> {
    /// Records a consent to share (¶33) for the child `raw` names. A consent that could never be used under
    /// `policy` is refused, naming why.
    pub async fn record_consent(
        &self,
        identity: &Identity,
        raw: &str,
        body: ConsentBody,
        policy: &Policy,
    ) -> Result<ConsentView, ApiError> {
        let now = Utc::now().trunc_subsecs(6);
        let named = body.categories.clone();
        let ParsedScope { scope, valid_from, valid_until } = parse_scope(scope_of!(body), self.vocabulary, now)?;
        if body.competence.is_some() && body.given_by.relationship != Relationship::YoungPerson {
            return Err(ApiError::invalid(
                "competence",
                "competence is recorded only when the young person gives consent themselves",
            ));
        }
        never_usable(&scope, &named, valid_until, policy, self.vocabulary, now)?;
        let subject = known_subject(self.store, raw).await?;
        let entry = ConsentEntry {
            id: ConsentId::new(),
            subject,
            given_by: body.given_by,
            scope,
            valid_from,
            valid_until,
            recorded_at: now,
            recorded_by: Actor::from(identity),
            how_obtained: body.how_obtained,
            form_reference: body.form_reference,
            competence: body.competence,
        };
        let stored = (self.seal_and_store(CONSENT_FORMAT, entry, rows::insert_consent).await?, None);
        Ok(consent_view(stored, &[], now))
    }

    /// The child's consents and decisions that `identity`'s agency is part of (see [`part_of`]), in the order they
    /// were recorded.
    pub async fn of_child(&self, identity: &Identity, raw: &str) -> Result<RegisterView, ApiError> {
        let id = named_child(self.store, raw).await?.ok_or_else(no_such_child)?;
        let (subject, register, notices) = self
            .store
            .run(move |conn| {
                let subject = subjects::find_by_id(conn, &id)?;
                Ok((subject, rows::for_subject(conn, &id)?, rows::privacy_notices(conn, &id)?))
            })
            .await?;
        let subject = subject.ok_or_else(no_such_child)?;
        let told: BTreeSet<&AgencyName> = notices.iter().map(|n| &n.entry.agency).collect();
        let without_privacy_notice = subject.local_refs.keys().filter(|a| !told.contains(a)).cloned().collect();
        let now = Utc::now();
        let confirmations = &register.confirmations;
        Ok(RegisterView {
            privacy_notices: notices.into_iter().map(privacy_notice_view).collect(),
            without_privacy_notice,
            consents: register
                .consents
                .into_iter()
                .filter(|(c, _)| part_of(&c.entry.scope, &c.entry.recorded_by, &identity.agency))
                .map(|c| consent_view(c, confirmations, now))
                .collect(),
            decisions: register
                .decisions
                .into_iter()
                .filter(|(d, _)| part_of(&d.entry.scope, &d.entry.decided_by, &identity.agency))
                .map(decision_view)
                .collect(),
        })
    }

    /// Records that `identity`'s agency gave the family of the child `raw` names its privacy notice (¶13).
    pub async fn record_privacy_notice(
        &self,
        identity: &Identity,
        raw: &str,
        body: PrivacyNoticeBody,
    ) -> Result<PrivacyNoticeView, ApiError> {
        let now = Utc::now().trunc_subsecs(6);
        let given_at = sharegate_core::domain::time::parse(&body.given_at)
            .ok_or_else(|| ApiError::invalid("given_at", format!("given_at {}", sharegate_core::domain::time::SHAPES)))?
            .trunc_subsecs(6);
        if given_at > now {
            return Err(ApiError::invalid("given_at", "given_at is in the future: record a notice once it is given"));
        }
        let subject = known_subject(self.store, raw).await?;
        let entry = PrivacyNoticeEntry {
            id: NoticeId::new(),
            subject,
            agency: identity.agency.clone(),
            given_to: body.given_to,
            given_at,
            how: body.how,
            notice_reference: body.notice_reference,
            recorded_at: now,
            recorded_by: Actor::from(identity),
        };
        let stored = self.seal_and_store(PRIVACY_NOTICE_FORMAT, entry, rows::insert_privacy_notice).await?;
        Ok(privacy_notice_view(stored))
    }

    /// Withdraws a consent from now on: the consent stays as recorded; the withdrawal is appended.
    pub async fn withdraw(&self, identity: &Identity, raw: &str, reason: Narrative) -> Result<ConsentView, ApiError> {
        let not_found = || ApiError::not_found("no consent with that id is in the register");
        let id = ConsentId::parse(raw).map_err(|_| not_found())?;
        let now = Utc::now().trunc_subsecs(6);
        let entry =
            WithdrawalEntry { consent: id.clone(), withdrawn_at: now, reason, recorded_by: Actor::from(identity) };
        let sealed = seal(WITHDRAWAL_FORMAT, &entry, self.key)?;
        let agency = identity.agency.clone();
        let appended = self
            .store
            .run(move |conn| {
                write_transaction(conn, |conn| match rows::find_consent(conn, &id)? {
                    // A consent the agency is not part of is not its to see, nor to withdraw: as if there were none.
                    Some((consent, _)) if !part_of(&consent.entry.scope, &consent.entry.recorded_by, &agency) => {
                        Ok(Appended::Missing)
                    }
                    None => Ok(Appended::Missing),
                    Some((_, Some(_))) => Ok(Appended::AlreadyThere),
                    Some((consent, None)) => {
                        rows::insert_withdrawal(conn, &entry, &sealed)?;
                        let confirmations = rows::confirmations_of(conn, &consent.entry.id)?;
                        let record = (consent, Some(Signed { entry, signature: sealed.signature }));
                        Ok(Appended::Done((record, confirmations)))
                    }
                })
            })
            .await?;
        match appended {
            Appended::Done((record, confirmations)) => Ok(consent_view(record, &confirmations, now)),
            Appended::Missing => Err(not_found()),
            Appended::AlreadyThere => {
                Err(ApiError::new(ErrorKind::Duplicate, "this consent has already been withdrawn"))
            }
        }
    }

    /// A practitioner or manager of a holding agency confirms a consent another agency recorded (issue 30): from
    /// then on it covers that agency's records too. A consent the agency holds nothing under is not its to see.
    pub async fn confirm(
        &self,
        identity: &Identity,
        raw: &str,
        comment: Option<Narrative>,
    ) -> Result<ConsentView, ApiError> {
        let not_found = || ApiError::not_found("no consent with that id covers your agency's records");
        let id = ConsentId::parse(raw).map_err(|_| not_found())?;
        if !identity.works_cases() {
            return Err(ApiError::forbidden("a practitioner or manager of the holding agency confirms a consent"));
        }
        let now = Utc::now().trunc_subsecs(6);
        let entry = ConfirmationEntry {
            consent: id.clone(),
            agency: identity.agency.clone(),
            confirmed_at: now,
            comment,
            confirmed_by: Actor::from(identity),
        };
        let sealed = seal(CONFIRMATION_FORMAT, &entry, self.key)?;
        let agency = identity.agency.clone();
        let confirmed = self
            .store
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    let Some((consent, withdrawal)) = rows::find_consent(conn, &id)? else {
                        return Ok(Confirmed::Missing);
                    };
                    // Only a holder of a category it covers confirms it; to anyone else it is not theirs to see.
                    if !consent.entry.scope.categories.iter().any(|c| c.holder() == &agency) {
                        return Ok(Confirmed::Missing);
                    }
                    if consent.entry.recorded_by.agency == agency {
                        return Ok(Confirmed::RecordedByYou);
                    }
                    if withdrawal.is_some() {
                        return Ok(Confirmed::Withdrawn);
                    }
                    let mut confirmations = rows::confirmations_of(conn, &id)?;
                    if confirmations.iter().any(|c| c.entry.agency == agency) {
                        return Ok(Confirmed::AlreadyThere);
                    }
                    rows::insert_confirmation(conn, &entry, &sealed)?;
                    confirmations.push(Signed { entry, signature: sealed.signature });
                    Ok(Confirmed::Done(Box::new((consent, withdrawal)), confirmations))
                })
            })
            .await?;
        let duplicate = |message: &str| ApiError::new(ErrorKind::Duplicate, message);
        match confirmed {
            Confirmed::Done(record, confirmations) => Ok(consent_view(*record, &confirmations, now)),
            Confirmed::Missing => Err(not_found()),
            Confirmed::RecordedByYou => {
                Err(duplicate("your agency recorded this consent: it already covers your records"))
            }
            Confirmed::Withdrawn => Err(duplicate("this consent has been withdrawn: there is nothing to confirm")),
            Confirmed::AlreadyThere => Err(duplicate("your agency has already confirmed this consent")),
        }
    }

    /// Records a decision not to seek consent (¶34). An agency decides only about its own records.
    pub async fn record_decision(
        &self,
        identity: &Identity,
        raw: &str,
        body: DecisionBody,
    ) -> Result<DecisionView, ApiError> {
        let now = Utc::now().trunc_subsecs(6);
        let lawful_basis = self
            .vocabulary
            .parse_lawful_basis(&body.lawful_basis)
            .map_err(|why| ApiError::invalid("lawful_basis", why))?;
        if lawful_basis.as_str() == CONSENT {
            return Err(ApiError::invalid(
                "lawful_basis",
                "a decision not to seek consent rests on a basis other than consent",
            ));
        }
        let reasons = body.reasons.clone();
        let ParsedScope { scope, valid_from, valid_until } = parse_scope(scope_of!(body), self.vocabulary, now)?;
        if let Some((i, other)) = scope.categories.iter().enumerate().find(|(_, c)| c.holder() != &identity.agency) {
            return Err(ApiError::invalid(
                format!("categories[{i}]"),
                format!("an agency decides only about its own records: {other} is held by {}", other.holder()),
            ));
        }
        let subject = known_subject(self.store, raw).await?;
        let entry = DecisionEntry {
            id: DecisionId::new(),
            subject,
            lawful_basis,
            reasons,
            scope,
            valid_from,
            valid_until,
            decided_at: now,
            decided_by: Actor::from(identity),
        };
        let stored = (self.seal_and_store(DECISION_FORMAT, entry, rows::insert_decision).await?, None);
        Ok(decision_view(stored))
    }

    /// A manager of the deciding agency endorses a decision not to seek consent (¶26); not the one who made it.
    pub async fn endorse(
        &self,
        Manager(identity): &Manager,
        raw: &str,
        comment: Option<Narrative>,
    ) -> Result<DecisionView, ApiError> {
        let not_found = || ApiError::not_found("no decision with that id is in the register");
        let id = DecisionId::parse(raw).map_err(|_| not_found())?;
        let now = Utc::now().trunc_subsecs(6);
        let lookup = id.clone();
        let (decision, _) =
            self.store.run(move |conn| rows::find_decision(conn, &lookup)).await?.ok_or_else(not_found)?;
        let decider = &decision.entry.decided_by;
        // Another agency's decision is not this agency's to see: answered as an unknown id is (issue 30).
        if identity.agency != decider.agency {
            return Err(not_found());
        }
        if decider.is(identity) {
            return Err(ApiError::forbidden("you made this decision: another manager must endorse it"));
        }
        let entry =
            EndorsementEntry { decision: id.clone(), endorsed_at: now, comment, endorsed_by: Actor::from(identity) };
        let sealed = seal(ENDORSEMENT_FORMAT, &entry, self.key)?;
        let appended = self
            .store
            .run(move |conn| {
                write_transaction(conn, |conn| match rows::find_decision(conn, &id)? {
                    None => Ok(Appended::Missing),
                    Some((_, Some(_))) => Ok(Appended::AlreadyThere),
                    Some((decision, None)) => {
                        rows::insert_endorsement(conn, &entry, &sealed)?;
                        Ok(Appended::Done((decision, Some(Signed { entry, signature: sealed.signature }))))
                    }
                })
            })
            .await?;
        match appended {
            Appended::Done(record) => Ok(decision_view(record)),
            Appended::Missing => Err(not_found()),
            Appended::AlreadyThere => {
                Err(ApiError::new(ErrorKind::Duplicate, "this decision has already been endorsed"))
            }
        }
    }

    /// Seals a new register entry and stores it; returns it as stored.
    async fn seal_and_store<E: Serialize + Clone + Send + 'static>(
        &self,
        format: &'static str,
        entry: E,
        insert: fn(&mut AnyConnection, &E, &sharegate_protocol::seal::Seal) -> Result<(), StoreError>,
    ) -> Result<Signed<E>, ApiError> {
        let sealed = seal(format, &entry, self.key)?;
        let stored = Signed { entry: entry.clone(), signature: sealed.signature.clone() };
        self.store.run(move |conn| insert(conn, &entry, &sealed)).await?;
        Ok(stored)
    }
}

/// The outcome of appending to an entry that may not exist, or may already have what is appended.
enum Appended<T> {
    Done(T),
    Missing,
    AlreadyThere,
}

enum Confirmed {
    Done(Box<ConsentRecord>, Vec<Signed<ConfirmationEntry>>),
    Missing,
    RecordedByYou,
    Withdrawn,
    AlreadyThere,
}

/// The child a path names (gateway id or NHS number), or 404 unless the child is in the index.
async fn known_subject(store: &Store, raw: &str) -> Result<SubjectId, ApiError> {
    let id = named_child(store, raw).await?.ok_or_else(no_such_child)?;
    let lookup = id.clone();
    match store.run(move |conn| subjects::find_by_id(conn, &lookup)).await? {
        Some(_) => Ok(id),
        None => Err(no_such_child()),
    }
}

/// A scope and its validity, checked.
struct ParsedScope {
    scope: ScopeEntry,
    valid_from: DateTime<Utc>,
    valid_until: Option<DateTime<Utc>>,
}

/// Checks every name against the closed lists, naming the field at fault.
fn parse_scope(body: ScopeBody, vocabulary: &Vocabulary, now: DateTime<Utc>) -> Result<ParsedScope, ApiError> {
    fn each<T: Ord>(
        field: &str,
        names: &[String],
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<BTreeSet<T>, ApiError> {
        if names.is_empty() {
            return Err(ApiError::invalid(field, format!("{field} must name at least one")));
        }
        names
            .iter()
            .enumerate()
            .map(|(i, n)| parse(n).map_err(|why| ApiError::invalid(format!("{field}[{i}]"), why)))
            .collect()
    }
    let scope = ScopeEntry {
        categories: each("categories", &body.categories, |n| vocabulary.parse_category(n))?,
        recipients: each("recipients", &body.recipients, |n| vocabulary.parse_agency(n))?,
        purposes: each("purposes", &body.purposes, |n| vocabulary.parse_purpose(n))?,
    };
    // Read here rather than by serde, so that the error names the field.
    let time = |field: &str, text: Option<String>| {
        text.map(|t| {
            sharegate_core::domain::time::parse(&t)
                .ok_or_else(|| ApiError::invalid(field, format!("{field} {}", sharegate_core::domain::time::SHAPES)))
        })
        .transpose()
    };
    let from = time("valid_from", body.valid_from)?.unwrap_or(now).trunc_subsecs(6);
    let until = time("valid_until", body.valid_until)?.map(|u| u.trunc_subsecs(6));
    if until.is_some_and(|until| until <= from) {
        return Err(ApiError::invalid("valid_until", "valid_until must be after valid_from"));
    }
    Ok(ParsedScope { scope, valid_from: from, valid_until: until })
}

/// A consent that could never be used is refused (422), naming why: a category no rule lets any of its recipients
/// see for any of its purposes on consent, or a period wholly in the past.
fn never_usable(
    scope: &ScopeEntry,
    named: &[String],
    valid_until: Option<DateTime<Utc>>,
    policy: &Policy,
    vocabulary: &Vocabulary,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let mut violations = Vec::new();
    for category in &scope.categories {
        let usable = vocabulary.roles.iter().any(|role| {
            scope.recipients.iter().any(|recipient| {
                scope.purposes.iter().any(|purpose| {
                    policy
                        .evaluate(role.as_str(), recipient.as_str(), category.as_str(), purpose.as_str(), CONSENT)
                        .allowed
                })
            })
        });
        if !usable {
            violations.push(Violation::new(
                "consent_could_be_used",
                // Where the body named it (the scope is kept sorted).
                format!("categories[{}]", named.iter().position(|n| n == category.as_str()).unwrap_or(0)),
                format!(
                    "need-to-know policy never lets {} see {category} for {} on consent: this consent could never be used",
                    names(&scope.recipients),
                    names(&scope.purposes)
                ),
            ));
        }
    }
    if valid_until.is_some_and(|until| until <= now) {
        violations.push(Violation::new(
            "consent_could_be_used",
            "valid_until",
            "the consent's period is wholly in the past: it could never be used",
        ));
    }
    if violations.is_empty() { Ok(()) } else { Err(ApiError::breaks_rules(violations)) }
}

fn names<T: std::fmt::Display>(set: &BTreeSet<T>) -> String {
    set.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// Need to know: a consent names who gave it, a decision why the family was not asked; about another agency's records
/// for yet another agency, none of that is `agency`'s to read. It is part of an entry it receives under, whose
/// categories it holds, or that it recorded or decided.
fn part_of(scope: &ScopeEntry, by: &Actor, agency: &AgencyName) -> bool {
    scope.involves(agency) || by.agency == *agency
}
