//! A disclosure entry: who asked, about whom, what was asked, given and refused (and why, by which rule), purpose,
//! basis, reason, the consent, decision or meeting that grounded each grant, the policy, each agency's part, and
//! the digest of the exact answer sent.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::decision::consent::ConsentBy;
use crate::redaction::{AgencyReport, Dropped};
use crate::register::Actor;
use sharegate_core::domain::{
    AgencyName, Category, ConsentId, DecisionId, DisclosureId, IncidentId, LawfulBasis, MeetingId, Narrative, Purpose,
    RecordId, SubjectId,
};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Kind {
    /// `POST /v1/requests`: records.
    Request,
    /// `GET /v1/subjects/{id}/holders`: which agencies hold what, no content.
    Discovery,
    /// `POST /v1/disclosures/{id}/review`: a DPO's review of a disclosure.
    Review,
    /// `GET /v1/subjects?nhs_number=…`: a child looked up in the subject index (being in it is itself a signal).
    Lookup,
    /// `GET /v1/meetings/{id}`: a core group meeting read, with what it says about the child.
    MeetingRead,
    /// `POST /v1/access-packs/{id}/release`: a child's history with an agency released to the family (¶28).
    SubjectAccess,
}

impl Kind {
    /// As the log's `kind` column and the API name it (serde's name too: both derived from the variant).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    Granted,
    /// Something was given, and something refused or missing.
    Partial,
    Refused,
}

impl Outcome {
    /// As the log's `outcome` column and the API name it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What grounded a grant: the consent, the decision not to seek consent, or the core group meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroundRef {
    #[schema(value_type = String)]
    Consent(ConsentId),
    #[schema(value_type = String)]
    Decision(DecisionId),
    #[schema(value_type = String)]
    Meeting(MeetingId),
    /// Discovery: need-to-know policy alone lets the requester learn who holds what (no content).
    NeedToKnow,
}

/// The kinds of ground a grant stands on (see [`GroundRef`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum GroundKind {
    Consent,
    Decision,
    Meeting,
    NeedToKnow,
}

impl GroundKind {
    pub const ALL: [GroundKind; 4] =
        [GroundKind::Consent, GroundKind::Decision, GroundKind::Meeting, GroundKind::NeedToKnow];

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// How a grant on this kind of ground stands in an entry's text.
    pub fn in_text(self) -> &'static str {
        match self {
            GroundKind::Consent => r#""ground":{"consent":"#,
            GroundKind::Decision => r#""ground":{"decision":"#,
            GroundKind::Meeting => r#""ground":{"meeting":"#,
            GroundKind::NeedToKnow => r#""ground":"need_to_know""#,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Given {
    #[schema(value_type = String)]
    pub category: Category,
    #[schema(value_type = String)]
    pub agency: AgencyName,
    pub ground: GroundRef,
    pub rule: Option<String>,
    /// For a grant on consent: who recorded the consent, and why it counts for this holder. Absent from entries
    /// logged before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentBy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Refused {
    #[schema(value_type = String)]
    pub category: Category,
    #[schema(value_type = String)]
    pub agency: AgencyName,
    pub why: String,
    pub rule: Option<String>,
}

/// One agency's part, as the entry keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgencyPart {
    #[schema(value_type = String)]
    pub agency: AgencyName,
    pub status: String,
    pub records: usize,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dropped: BTreeMap<Dropped, usize>,
    /// Records held back because the agency's DPO restricts them (UK GDPR Art. 18). Absent when none were.
    #[serde(default, skip_serializing_if = "crate::redaction::is_zero")]
    pub restricted: usize,
}

impl From<&AgencyReport> for AgencyPart {
    fn from(report: &AgencyReport) -> Self {
        Self {
            agency: report.agency.clone(),
            status: report.status.to_owned(),
            records: report.records,
            dropped: report.dropped.clone(),
            restricted: report.restricted,
        }
    }
}

/// An entry as hashed into the log: its position, the leaf hash of the entry before it (empty for the first), what
/// the log's query columns say of it, and the entry — a disclosure's [`Entry`], or a
/// [`super::policy_change::PolicyChange`]. Its canonical text is compact JSON in this field order (see [`head`]); its
/// leaf hash is H(0x00 ‖ that text).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggedEntry<E = Entry> {
    pub seq: u64,
    pub prev: String,
    pub index: Index<String>,
    pub entry: E,
}

/// An entry's text read only as far as the index needs: its position and what its query columns say (the entry
/// itself skipped over unparsed).
#[derive(Debug, Deserialize)]
pub struct Positioned {
    pub seq: u64,
    pub index: Index<String>,
}

/// What the log's query columns say of an entry, hashed with it. The writer derives the columns and this from the
/// entry in one place ([`Index::of`]); `log verify` matches the text's [`head`] against the columns, so a changed
/// column is found without reparsing every entry. `S` holds the text: borrowed from the entry when written, raw
/// bytes as `log verify` reads the columns, owned when read back from an entry's text.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index<S> {
    pub id: S,
    /// Microseconds since the Unix epoch: what both databases keep of a time.
    pub at: i64,
    pub kind: S,
    pub subject_id: S,
    pub requester_agency: S,
    pub requester_person: S,
    pub purpose: S,
    pub lawful_basis: S,
    pub outcome: S,
    /// `,a,b,`: the requester's agency and every holder of a category asked, given or refused, so that "entries
    /// involving agency X" is one `LIKE '%,X,%'`.
    pub agencies: S,
    /// For a review: the disclosure it reviews.
    pub reviews: Option<S>,
    /// `,a,b,`: the agencies whose nodes sent records that were not passed on (see [`AgencyPart::dropped`]), for
    /// their DPOs' review queue; none when every record sent was passed on. Absent from the text when none, so the
    /// entries written before it was kept read as they were written.
    #[serde(default)]
    pub dropped_from: Option<S>,
    /// `,a,b,`: the agencies whose DPOs review the entry (`Waiting`, see the queue), `,,` for none. Absent from
    /// the text of entries logged before it was kept; always present after.
    #[serde(default)]
    pub waits_for: Option<S>,
}

/// The agencies an entry involves: its requester's, and every holder of a category asked, given or refused.
pub(super) fn involved(entry: &Entry) -> impl Iterator<Item = &AgencyName> {
    std::iter::once(&entry.requester.agency)
        .chain(entry.asked.iter().map(Category::holder))
        .chain(entry.given.iter().map(|g| &g.agency))
        .chain(entry.refused.iter().map(|r| &r.agency))
}

/// Where the start of an entry's text goes: written out by the writer ([`Vec<u8>`]), or matched against a stored
/// text by `log verify` ([`Matching`]). Each call says whether it still agrees.
pub trait Head {
    /// JSON punctuation, keys and numbers, as they are.
    fn raw(&mut self, bytes: &[u8]) -> bool;
    /// A JSON string, escaped as serde_json escapes it (text that is not UTF-8 never agrees).
    fn string(&mut self, value: &[u8]) -> bool;
}

/// The start of an entry's canonical text, up to the entry itself:
/// `{"seq":…,"prev":"…","index":{"id":"…","at":…,…,"reviews":…[,"dropped_from":"…"]},"entry":`. One function both
/// writes it and checks it, so what the writer hashes and what `log verify` expects cannot drift apart.
pub fn head<S: AsRef<[u8]>>(out: &mut impl Head, seq: u64, prev: &[u8], index: &Index<S>) -> bool {
    let (mut seq_digits, mut at_digits) = (itoa::Buffer::new(), itoa::Buffer::new());
    out.raw(b"{\"seq\":")
        && out.raw(seq_digits.format(seq).as_bytes())
        && out.raw(b",\"prev\":")
        && out.string(prev)
        && out.raw(b",\"index\":{\"id\":")
        && out.string(index.id.as_ref())
        && out.raw(b",\"at\":")
        && out.raw(at_digits.format(index.at).as_bytes())
        && [
            (&b",\"kind\":"[..], index.kind.as_ref()),
            (b",\"subject_id\":", index.subject_id.as_ref()),
            (b",\"requester_agency\":", index.requester_agency.as_ref()),
            (b",\"requester_person\":", index.requester_person.as_ref()),
            (b",\"purpose\":", index.purpose.as_ref()),
            (b",\"lawful_basis\":", index.lawful_basis.as_ref()),
            (b",\"outcome\":", index.outcome.as_ref()),
            (b",\"agencies\":", index.agencies.as_ref()),
        ]
        .into_iter()
        .all(|(key, value)| out.raw(key) && out.string(value))
        && out.raw(b",\"reviews\":")
        && match &index.reviews {
            Some(reviewed) => out.string(reviewed.as_ref()),
            None => out.raw(b"null"),
        }
        && match &index.dropped_from {
            Some(agencies) => out.raw(b",\"dropped_from\":") && out.string(agencies.as_ref()),
            None => true,
        }
        && match &index.waits_for {
            Some(agencies) => out.raw(b",\"waits_for\":") && out.string(agencies.as_ref()),
            None => true,
        }
        && out.raw(b"},\"entry\":")
}

impl Head for Vec<u8> {
    fn raw(&mut self, bytes: &[u8]) -> bool {
        self.extend_from_slice(bytes);
        true
    }

    fn string(&mut self, value: &[u8]) -> bool {
        std::str::from_utf8(value).is_ok_and(|value| serde_json::to_writer(self, value).is_ok())
    }
}

/// Matches a head against a stored text, consuming it as it agrees.
pub struct Matching<'t> {
    pub rest: &'t [u8],
    /// For the rare string that needs escaping.
    scratch: Vec<u8>,
}

impl<'t> Matching<'t> {
    pub fn new(text: &'t [u8]) -> Self {
        Self { rest: text, scratch: Vec::new() }
    }
}

impl Head for Matching<'_> {
    fn raw(&mut self, bytes: &[u8]) -> bool {
        match self.rest.strip_prefix(bytes) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn string(&mut self, value: &[u8]) -> bool {
        // serde_json escapes only quotes, backslashes and control characters: without them a string is itself.
        // (Folded rather than searched: no early exit, so it runs over whole words at once.)
        // Bytes that are not UTF-8 cannot equal the stored text, which is (its hash is checked too).
        let plain = !value.iter().fold(false, |special, &b| special | (b == b'"') | (b == b'\\') | (b < 0x20));
        if plain {
            return self.raw(b"\"") && self.raw(value) && self.raw(b"\"");
        }
        let mut escaped = std::mem::take(&mut self.scratch);
        escaped.clear();
        let agrees = escaped.string(value) && self.raw(&escaped);
        self.scratch = escaped;
        agrees
    }
}

/// An entry's canonical text (see [`LoggedEntry`]): its [`head`] at `seq` after `prev`, then its own text, `body`
/// (compact JSON, independent of the entry's place in the log, so made before the entry reaches the log's one writer).
pub fn canonical<S: AsRef<[u8]>>(seq: u64, prev: &str, index: &Index<S>, body: &str) -> Result<String, NotText> {
    let mut start = Vec::with_capacity(320 + body.len());
    if !head(&mut start, seq, prev.as_bytes(), index) {
        return Err(NotText);
    }
    let mut text = String::from_utf8(start).map_err(|_| NotText)?;
    text.push_str(body);
    text.push('}');
    Ok(text)
}

/// A column of the entry is not text (only an index built from raw bytes can say so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a column of the entry is not text")]
pub struct NotText;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    #[schema(value_type = String)]
    pub id: DisclosureId,
    pub at: DateTime<Utc>,
    pub kind: Kind,
    pub requester: Actor,
    #[schema(value_type = String)]
    pub subject: SubjectId,
    #[schema(value_type = String)]
    pub purpose: Purpose,
    #[schema(value_type = String)]
    pub lawful_basis: LawfulBasis,
    #[schema(value_type = String)]
    pub reason: Narrative,
    #[schema(value_type = Option<String>)]
    pub meeting: Option<MeetingId>,
    pub policy_hash: String,
    #[schema(value_type = Vec<String>)]
    pub asked: Vec<Category>,
    pub given: Vec<Given>,
    pub refused: Vec<Refused>,
    pub agencies: Vec<AgencyPart>,
    /// The ids of the records given.
    #[schema(value_type = Vec<String>)]
    pub records: Vec<RecordId>,
    pub outcome: Outcome,
    /// SHA-256 of the exact answer body sent.
    pub response_digest: String,
    /// For a review entry: which disclosure was reviewed, and the DPO's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
}

/// A DPO's review of a disclosure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    #[schema(value_type = String)]
    pub disclosure: DisclosureId,
    #[schema(value_type = String)]
    pub comment: Narrative,
    /// What the DPO found: `"appropriate"`, `"concern"`, or `{"breach": "inc_…"}` with the incident it opened.
    /// Absent from reviews logged before verdicts were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub verdict: Option<Verdict>,
}

/// A DPO's finding on a disclosure they reviewed. A breach names the incident it opened (UK GDPR Art. 33: decide
/// within 72 hours whether to report it), so the incident is in the log with the review that found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Shared as the policy and the law allow.
    Appropriate,
    /// Lawful, but something to take up with the requester or their manager (a thin reason, more asked than needed).
    Concern,
    /// A personal-data breach: the incident it opened.
    Breach(IncidentId),
}

impl Verdict {
    pub fn kind(&self) -> VerdictKind {
        match self {
            Verdict::Appropriate => VerdictKind::Appropriate,
            Verdict::Concern => VerdictKind::Concern,
            Verdict::Breach(_) => VerdictKind::Breach,
        }
    }
}

/// A verdict as a DPO chooses it, before a breach has its incident.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum VerdictKind {
    Appropriate,
    Concern,
    Breach,
}

impl VerdictKind {
    pub const ALL: [VerdictKind; 3] = [VerdictKind::Appropriate, VerdictKind::Concern, VerdictKind::Breach];

    /// As the API and the console name it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// How a review's text starts its verdict of this kind: what a search for such reviews looks for.
    pub fn in_text(self) -> &'static str {
        match self {
            VerdictKind::Appropriate => r#""verdict":"appropriate""#,
            VerdictKind::Concern => r#""verdict":"concern""#,
            VerdictKind::Breach => r#""verdict":{"breach":"#,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
