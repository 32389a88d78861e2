//! Core group meetings in the console, through the meetings service as the API: a coordinator convenes one,
//! records attendance and apologies, decisions with who agreed and who dissented, and closes it; an invited
//! practitioner adds a written view (given in absence, or late); the pack is the printable page the API serves.
//! Reading a meeting is a logged disclosure, as `GET /v1/meetings/{id}` is.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::super::{page, see_other};
use super::pages;
use crate::decision::policy::Vocabulary;
use crate::meetings::{Conveners, Dissent};
use crate::register::GatewayKey;
use crate::services::meetings::{AttendanceBody, DecisionBody, MeetingBody, Meetings, MeetingsQuery, ViewBody};
use crate::services::sharing::Sharing;
use crate::store::Store;
use sharegate_core::domain::{AgencyName, Narrative};
use sharegate_core::error::ApiError;
use sharegate_core::extract::ApiForm;
use sharegate_core::identity::{Coordinator, Identity};

fn service<'a>(store: &'a Store, key: &'a GatewayKey, vocabulary: &'a Vocabulary) -> Meetings<'a> {
    Meetings { store, key, vocabulary }
}

/// The meetings the person's agency is invited to (a coordinator's: those their agency convenes).
pub(super) async fn list(
    identity: &Identity,
    store: &Store,
    key: &GatewayKey,
    vocabulary: &Vocabulary,
) -> Result<Vec<crate::services::meetings::MeetingSummary>, ApiError> {
    service(store, key, vocabulary).list(identity, MeetingsQuery::default()).await
}

/// A time typed in a `datetime-local` field, read as UK time.
fn uk_time(field: &str, typed: &str) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    sharegate_core::domain::time::uk_local(typed)
        .ok_or_else(|| ApiError::invalid(field, format!("{field}: a date and a time (UK time)")))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::routes::console) struct ConveneForm {
    nhs_number: String,
    scheduled_for: String,
    #[serde(default)]
    invited: Vec<String>,
}

pub(in crate::routes::console) async fn convene(
    coordinator: Coordinator,
    form: ApiForm<ConveneForm>,
    vocabulary: web::Data<Vocabulary>,
    conveners: web::Data<Conveners>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let ConveneForm { nhs_number, scheduled_for, invited } = form.0;
    let body = MeetingBody {
        subject: nhs_number.trim().to_owned(),
        scheduled_for: uk_time("scheduled_for", &scheduled_for)?,
        invited,
    };
    let meeting = service(&store, &key, &vocabulary).create(&coordinator, &conveners, body).await?;
    Ok(see_other(format!("/console/meetings/{}", meeting.id)))
}

/// The meeting as it stands, with the forms the reader may use: a logged read.
pub(in crate::routes::console) async fn show(
    identity: Identity,
    path: web::Path<String>,
    sharing: web::Data<Sharing>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let (meeting, _) = service(&store, &key, &sharing.vocabulary).read(&identity, &path.into_inner(), &sharing).await?;
    let known = super::super::children(&store, [meeting.subject.to_string()]).await?;
    Ok(page(pages::meeting(&identity, &meeting, &known)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::routes::console) struct AttendanceForm {
    #[serde(default)]
    attended: Vec<String>,
    #[serde(default)]
    apologies: Vec<String>,
}

pub(in crate::routes::console) async fn attendance(
    identity: Identity,
    path: web::Path<String>,
    form: ApiForm<AttendanceForm>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let AttendanceForm { attended, apologies } = form.0;
    service(&store, &key, &vocabulary).attendance(&identity, &id, AttendanceBody { attended, apologies }).await?;
    Ok(see_other(format!("/console/meetings/{id}")))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::routes::console) struct ViewForm {
    text: Narrative,
    /// `true` when ticked.
    #[serde(default)]
    absent: Option<String>,
}

pub(in crate::routes::console) async fn view(
    identity: Identity,
    path: web::Path<String>,
    form: ApiForm<ViewForm>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let ViewForm { text, absent } = form.0;
    let body = ViewBody { text, absent: absent.as_deref() == Some("true") };
    service(&store, &key, &vocabulary).add_view(&identity, &id, body).await?;
    Ok(see_other(format!("/console/meetings/{id}")))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::routes::console) struct DecisionForm {
    text: Narrative,
    #[serde(default)]
    agreed_by: Vec<String>,
    #[serde(default)]
    dissent_agency: String,
    #[serde(default)]
    dissent_reason: String,
}

pub(in crate::routes::console) async fn decision(
    identity: Identity,
    path: web::Path<String>,
    form: ApiForm<DecisionForm>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let DecisionForm { text, agreed_by, dissent_agency, dissent_reason } = form.0;
    let dissent = match (dissent_agency.trim(), dissent_reason.trim()) {
        ("", "") => Vec::new(),
        (agency, reason) => vec![Dissent {
            agency: AgencyName::parse(agency)
                .map_err(|e| ApiError::invalid("dissent[0].agency", format!("the agency that dissented {e}")))?,
            name: None,
            reason: Narrative::parse(reason)
                .map_err(|e| ApiError::invalid("dissent[0].reason", format!("why they dissented {e}")))?,
        }],
    };
    let body = DecisionBody { text, agreed_by, agreeing: Vec::new(), dissent };
    service(&store, &key, &vocabulary).record_decision(&identity, &id, body).await?;
    Ok(see_other(format!("/console/meetings/{id}")))
}

pub(in crate::routes::console) async fn close(
    identity: Identity,
    path: web::Path<String>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    service(&store, &key, &vocabulary).close(&identity, &id, None).await?;
    Ok(see_other(format!("/console/meetings/{id}")))
}
