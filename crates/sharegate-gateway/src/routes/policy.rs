//! `GET /v1/policy`: which need-to-know policy is in force (every decision names it by hash).

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::decision::shared::SharedPolicy;
use sharegate_core::identity::Identity;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyView {
    /// SHA-256 over `model.conf` and `policy.csv`: the version decisions and the log name.
    pub hash: String,
    pub loaded_at: DateTime<Utc>,
    /// How many `p` rules it has.
    pub rules: usize,
}

/// The need-to-know policy in force.
#[utoipa::path(tag = "practitioners", responses((status = 200, body = PolicyView)))]
#[get("/v1/policy")]
pub async fn current_policy(_identity: Identity, policy: web::Data<SharedPolicy>) -> web::Json<PolicyView> {
    let policy = policy.current();
    web::Json(PolicyView { hash: policy.hash.clone(), loaded_at: policy.loaded_at, rules: policy.rules.len() })
}
