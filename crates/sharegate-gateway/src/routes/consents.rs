//! The consent register over the API: record and list consents, withdraw and confirm them; record decisions not to
//! seek consent and have a manager endorse them. The rules are the register service's
//! ([`crate::services::register`]); these parse the request and shape the answer.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use crate::decision::policy::Vocabulary;
use crate::decision::shared::SharedPolicy;
use crate::register::GatewayKey;
use crate::services::register::{
    ConsentBody, ConsentView, DecisionBody, DecisionView, PrivacyNoticeBody, PrivacyNoticeView, Register, RegisterView,
};
use crate::store::Store;
use sharegate_core::domain::Narrative;
use sharegate_core::error::{ApiError, ErrorEnvelope};
use sharegate_core::extract::{ApiJson, OptionalJson};
use sharegate_core::identity::{Identity, Manager};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The mother withdrew her consent at the review on 3 December."}))]
pub struct WithdrawBody {
    #[schema(value_type = String)]
    pub reason: Narrative,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"comment": "The risk to the child outweighs the family's right to be asked."}))]
pub struct EndorseBody {
    #[schema(value_type = Option<String>)]
    pub comment: Option<Narrative>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"comment": "The mother confirmed it to us by telephone."}))]
pub struct ConfirmBody {
    /// How the agency knows: e.g. the family confirmed it to us, our own consent form's reference.
    #[schema(value_type = Option<String>)]
    pub comment: Option<Narrative>,
}

fn register<'a>(store: &'a Store, key: &'a GatewayKey, vocabulary: &'a Vocabulary) -> Register<'a> {
    Register { store, key, vocabulary }
}

/// Records a consent to share (¶33). Who recorded it comes from the certificate.
#[utoipa::path(
    tag = "consent register",
    request_body = ConsentBody,
    params(("id" = String, Path, description = "the child's gateway id")),
    responses(
        (status = 201, body = ConsentView),
        (status = 400, description = "a field is missing, unknown or invalid", body = ErrorEnvelope),
        (status = 404, description = "no such child", body = ErrorEnvelope),
        (status = 422, description = "a consent that could never be used: a category no rule allows on consent, or a period in the past", body = ErrorEnvelope),
    )
)]
#[post("/v1/subjects/{id}/consents")]
pub async fn record_consent(
    identity: Identity,
    path: web::Path<String>,
    body: ApiJson<ConsentBody>,
    policy: web::Data<SharedPolicy>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let register = register(&store, &key, &vocabulary);
    let view = register.record_consent(&identity, &path.into_inner(), body.0, &policy.current()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The child's consents and decisions not to seek consent that the caller's agency is part of — a recipient, the
/// holder of a category covered, or the agency that recorded or decided it — in the order they were recorded.
#[utoipa::path(
    tag = "consent register",
    params(("id" = String, Path, description = "the child's gateway id")),
    responses((status = 200, body = RegisterView), (status = 404, description = "no such child", body = ErrorEnvelope))
)]
#[get("/v1/subjects/{id}/consents")]
pub async fn list_consents(
    identity: Identity,
    path: web::Path<String>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<web::Json<RegisterView>, ApiError> {
    Ok(web::Json(register(&store, &key, &vocabulary).of_child(&identity, &path.into_inner()).await?))
}

/// Withdraws a consent from now on. The consent stays in the register as recorded; the withdrawal is appended.
#[utoipa::path(
    tag = "consent register",
    request_body = WithdrawBody,
    params(("id" = String, Path, description = "the consent")),
    responses(
        (status = 200, body = ConsentView),
        (status = 404, description = "no such consent", body = ErrorEnvelope),
        (status = 409, description = "already withdrawn", body = ErrorEnvelope),
    )
)]
#[post("/v1/consents/{id}/withdraw")]
pub async fn withdraw_consent(
    identity: Identity,
    path: web::Path<String>,
    body: ApiJson<WithdrawBody>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<web::Json<ConsentView>, ApiError> {
    let register = register(&store, &key, &vocabulary);
    Ok(web::Json(register.withdraw(&identity, &path.into_inner(), body.0.reason).await?))
}

/// A practitioner or manager of a holding agency confirms a consent another agency recorded (¶33): from then on it
/// covers that agency's records too. Until confirmed, for that agency's records the consent is only a claim. A
/// consent the caller's agency holds nothing under, recorded itself, or cannot see answers as the register says.
#[utoipa::path(
    tag = "consent register",
    request_body(content = ConfirmBody, description = "optional: the body may be empty"),
    params(("id" = String, Path, description = "the consent")),
    responses(
        (status = 200, body = ConsentView),
        (status = 403, description = "a data-protection officer: practitioners and managers confirm", body = ErrorEnvelope),
        (status = 404, description = "no such consent covering the caller's agency's records", body = ErrorEnvelope),
        (status = 409, description = "already confirmed by this agency, recorded by it, or withdrawn", body = ErrorEnvelope),
    )
)]
#[post("/v1/consents/{id}/confirm")]
pub async fn confirm_consent(
    identity: Identity,
    path: web::Path<String>,
    body: OptionalJson<ConfirmBody>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<web::Json<ConsentView>, ApiError> {
    let register = register(&store, &key, &vocabulary);
    Ok(web::Json(register.confirm(&identity, &path.into_inner(), body.0.comment).await?))
}

/// Records a decision not to seek consent (¶34): the lawful basis, the reasons, what it covers. An agency decides
/// only about its own records; where policy asks, a manager of the agency must endorse it before it counts.
#[utoipa::path(
    tag = "consent register",
    request_body = DecisionBody,
    params(("id" = String, Path, description = "the child's gateway id")),
    responses(
        (status = 201, body = DecisionView),
        (status = 400, description = "a field is missing, unknown or invalid; `consent` as the basis; another agency's categories", body = ErrorEnvelope),
        (status = 404, description = "no such child", body = ErrorEnvelope),
    )
)]
#[post("/v1/subjects/{id}/consent-decisions")]
pub async fn record_decision(
    identity: Identity,
    path: web::Path<String>,
    body: ApiJson<DecisionBody>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let register = register(&store, &key, &vocabulary);
    let view = register.record_decision(&identity, &path.into_inner(), body.0).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A manager of the deciding agency endorses a decision not to seek consent (¶26). The decider cannot endorse
/// their own decision.
#[utoipa::path(
    tag = "consent register",
    request_body(content = EndorseBody, description = "optional: the body may be empty"),
    params(("id" = String, Path, description = "the decision")),
    responses(
        (status = 200, body = DecisionView),
        (status = 403, description = "not a manager, or the decider", body = ErrorEnvelope),
        (status = 404, description = "no such decision of the caller's agency", body = ErrorEnvelope),
        (status = 409, description = "already endorsed", body = ErrorEnvelope),
    )
)]
#[post("/v1/consent-decisions/{id}/endorse")]
pub async fn endorse_decision(
    manager: Manager,
    path: web::Path<String>,
    body: OptionalJson<EndorseBody>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<web::Json<DecisionView>, ApiError> {
    let register = register(&store, &key, &vocabulary);
    Ok(web::Json(register.endorse(&manager, &path.into_inner(), body.0.comment).await?))
}

/// Records that the caller's agency gave the child's family (or the child, where old enough) its privacy notice:
/// that it keeps records, why, and how to see them (¶13). Shown to every agency in the child's register.
#[utoipa::path(
    tag = "consent register",
    request_body = PrivacyNoticeBody,
    params(("id" = String, Path, description = "the child's gateway id")),
    responses(
        (status = 201, body = PrivacyNoticeView),
        (status = 400, description = "a field is missing, unknown or invalid; a time in the future", body = ErrorEnvelope),
        (status = 403, description = "a data-protection officer: practitioners and managers record what they did", body = ErrorEnvelope),
        (status = 404, description = "no such child", body = ErrorEnvelope),
    )
)]
#[post("/v1/subjects/{id}/privacy-notices")]
pub async fn record_privacy_notice(
    identity: Identity,
    path: web::Path<String>,
    body: ApiJson<PrivacyNoticeBody>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    if !identity.works_cases() {
        return Err(ApiError::forbidden("a data-protection officer does not give the family the agency's notice"));
    }
    let register = register(&store, &key, &vocabulary);
    let view = register.record_privacy_notice(&identity, &path.into_inner(), body.0).await?;
    Ok(HttpResponse::Created().json(view))
}
