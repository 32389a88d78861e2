//! `GET /v1/policy`: which need-to-know policy is in force (every decision names it by hash), and its rules with
//! their reasons, so a practitioner can see why a request was refused without asking an operator to run the CLI.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::decision::policy::{Effect, Rule};
use crate::decision::shared::SharedPolicy;
use sharegate_core::identity::Identity;

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
