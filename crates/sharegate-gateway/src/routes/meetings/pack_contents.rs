//! What a meeting pack holds: each invited agency's part, the views and decisions, and what was shared while the
//! meeting was open. Built by `meeting_pack`, shown as JSON or by `html`.

use serde::Serialize;

use crate::meetings::Meeting;

/// One invited agency's part of the pack: what may be shared under `core_group`, as logged.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PackPart {
    pub agency: String,
    /// The disclosure this part is (its entry carries the meeting id).
    pub disclosure_id: String,
    pub records: Vec<serde_json::Value>,
    pub refused: Vec<serde_json::Value>,
    pub partial: bool,
    /// Records held back because the agency's DPO restricts them while their accuracy is disputed (UK GDPR
    /// Art. 18).
    pub restricted: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Pack {
    pub meeting: Meeting,
    pub parts: Vec<PackPart>,
    /// Decisions still lacking the endorsement they need, flagged.
    pub unendorsed_decisions: Vec<String>,
    /// Agencies that sent apologies and gave no written view, flagged (¶32).
    #[schema(value_type = Vec<String>)]
    pub apologies_without_view: Vec<sharegate_core::domain::AgencyName>,
    /// Once the meeting has closed (and `parts` is empty: nothing is fetched or shared any more), what was shared
    /// under it while it was open, read from the disclosure log: who received which categories and how many records.
    pub shared_while_open: Vec<SharedUnderMeeting>,
}

/// One disclosure made under the meeting, as the log keeps it (no content).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SharedUnderMeeting {
    pub disclosure_id: String,
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who received it: `person (role, agency)`.
    pub received_by: String,
    /// `category from agency`, for each category given.
    pub given: Vec<String>,
    pub records: usize,
}
