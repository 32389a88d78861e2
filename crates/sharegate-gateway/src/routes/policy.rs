//! `GET /v1/policy`: which need-to-know policy is in force (every decision names it by hash), and its rules with
//! their reasons, so a practitioner can see why a request was refused without asking an operator to run the CLI.
//! `GET /v1/policy/changes`: every policy put in force, as the disclosure log holds it, for DPOs.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::decision::policy::{Effect, Rule};
use crate::decision::shared::SharedPolicy;
use crate::disclosure_log::FreshIndex;
use crate::disclosure_log::policy_change::{self, PolicyChange};
use crate::store::Store;
use sharegate_core::error::{ApiError, ErrorEnvelope};
use sharegate_core::identity::{Dpo, Identity};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyView {
    /// SHA-256 over `model.conf` and `policy.csv`: the version decisions and the log name.
    pub hash: String,
    pub loaded_at: DateTime<Utc>,
    /// The `p` rules in casbin's order: a deny that matches wins, else the first allow.
    pub rules: Vec<RuleView>,
    /// The `g` lines: a role named here can do what the role it inherits can (a manager what their practitioners
    /// can), so a rule for the inherited role decides for it too.
    pub roles: Vec<RoleView>,
}

/// One `g` line.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoleView {
    /// `policy.csv:17 (g, manager, investigator, police)`.
    pub reference: String,
    pub role: String,
    pub inherits: String,
    pub agency: String,
}

/// One rule, as a refusal or a grant names it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RuleView {
    /// `policy.csv:34 (p, …)`, exactly as decisions and the log name it.
    pub reference: String,
    pub role: String,
    pub agency: String,
    pub category: String,
    pub purpose: String,
    pub lawful_basis: String,
    /// `allow` or `deny`.
    pub effect: &'static str,
    /// A decision not to seek consent counts under this rule only once a manager endorses it.
    pub needs_endorsement: bool,
    /// A consent the requester's own agency recorded suffices, without the holder confirming it.
    pub requester_consent_suffices: bool,
    /// The comment above the rule: why it is there.
    pub reason: String,
}

impl RuleView {
    fn of(rule: &Rule) -> Self {
        let field = |i: usize| rule.fields.get(i).cloned().unwrap_or_default();
        Self {
            reference: rule.reference(),
            role: field(0),
            agency: field(1),
            category: field(2),
            purpose: field(3),
            lawful_basis: field(4),
            effect: match rule.effect {
                Effect::Allow => "allow",
                Effect::Deny => "deny",
            },
            needs_endorsement: rule.needs_endorsement,
            requester_consent_suffices: rule.requester_consent_suffices,
            reason: rule.reason.clone(),
        }
    }
}

/// The need-to-know policy in force, rule by rule with reasons.
#[utoipa::path(tag = "practitioners", responses((status = 200, body = PolicyView)))]
#[get("/v1/policy")]
pub async fn current_policy(_identity: Identity, policy: web::Data<SharedPolicy>) -> web::Json<PolicyView> {
    let policy = policy.current();
    web::Json(PolicyView {
        hash: policy.hash.clone(),
        loaded_at: policy.loaded_at,
        rules: policy.rules.iter().map(RuleView::of).collect(),
        roles: policy
            .roles
            .iter()
            .map(|line| RoleView {
                reference: line.reference(),
                role: line.role.clone(),
                inherits: line.inherits.clone(),
                agency: line.agency.clone(),
            })
            .collect(),
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    /// Only changes logged before this position (the `index` of the last change of the page before).
    pub before: Option<u64>,
    /// How many, at most (default 20, at most 100).
    pub limit: Option<i64>,
}

/// A policy put in force, at its place in the disclosure log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyChangeView {
    /// The entry's position in the log.
    pub index: u64,
    #[serde(flatten)]
    pub change: PolicyChange,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyChanges {
    /// The latest first.
    pub changes: Vec<PolicyChangeView>,
    /// Pass as `before` for the page after this one; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<u64>,
}

const CHANGES_PAGE: i64 = 20;
const CHANGES_MAX_PAGE: i64 = 100;

/// Every need-to-know policy put in force, the latest first: when, by which gateway and whose signal, what it
/// changed over the policy before it (counted over the closed lists), and its text — so that any entry's
/// `policy_hash` can be read as the policy that decided it.
#[utoipa::path(
    tag = "dpo",
    params(ChangesQuery),
    responses(
        (status = 200, body = PolicyChanges),
        (status = 400, description = "a parameter is not valid", body = ErrorEnvelope),
        (status = 503, description = "the log cannot be read now", body = ErrorEnvelope),
        (status = 403, description = "not a DPO", body = ErrorEnvelope),
    )
)]
#[get("/v1/policy/changes")]
pub async fn changes(
    _: Dpo,
    query: sharegate_core::extract::ApiQuery<ChangesQuery>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<web::Json<PolicyChanges>, ApiError> {
    let limit = query.0.limit.unwrap_or(CHANGES_PAGE).clamp(1, CHANGES_MAX_PAGE);
    let before = query.0.before.map(|b| i64::try_from(b).unwrap_or(i64::MAX));
    let found = policy_change::latest(&store, before, limit).await?;
    let before = (found.len() == usize::try_from(limit).unwrap_or(0)).then(|| found.last().map(|l| l.seq)).flatten();
    let changes =
        found.into_iter().map(|logged| PolicyChangeView { index: logged.seq, change: logged.entry }).collect();
    Ok(web::Json(PolicyChanges { changes, before }))
}
