//! `GET /v1/whoami`: who the gateway thinks you are, read from your certificate.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;

use sharegate_core::identity::Identity;

#[derive(Serialize, utoipa::ToSchema)]
pub struct WhoAmI {
    #[schema(example = "police")]
    pub agency: String,
    #[schema(example = "investigator")]
    pub role: String,
    #[schema(example = "Alex Morgan")]
    pub person: String,
    /// The certificate's serial number, lowercase hex.
    pub serial: String,
    /// When the certificate expires.
    pub not_after: DateTime<Utc>,
}

impl From<Identity> for WhoAmI {
    fn from(id: Identity) -> Self {
        Self {
            agency: id.agency.into(),
            role: id.role.into(),
            person: id.person.into(),
            serial: id.serial,
            not_after: id.not_after,
        }
    }
}

/// The practitioner identity the client certificate names.
#[utoipa::path(
    tag = "practitioners",
    responses(
        (status = 200, body = WhoAmI),
        (status = 403, description = "the certificate names no agency or role of this federation", body = sharegate_core::error::ErrorEnvelope),
    )
)]
#[get("/v1/whoami")]
pub async fn whoami(identity: Identity) -> web::Json<WhoAmI> {
    web::Json(identity.into())
}
