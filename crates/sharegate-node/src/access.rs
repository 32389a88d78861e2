//! Who a read is for. The gateway says, with every read, which disclosure it serves, who asked (agency/role) and
//! why; the node keeps that in its access register, so every agency can see who asked for its records — as CP-IS
//! tells the local authority of each access. A gateway read without them is refused: no read goes unaccounted.

use actix_web::HttpRequest;

use sharegate_core::domain::{DisclosureId, NhsNumber, Purpose};
use sharegate_core::error::ApiError;
use sharegate_core::identity::Caller;
use sharegate_protocol::headers::{DISCLOSURE_HEADER, PURPOSE_HEADER, REQUESTER_HEADER, SUBJECT_HEADER};

/// For whom and why a read is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFor {
    pub disclosure_id: Option<DisclosureId>,
    pub requester: String,
    pub purpose: String,
    pub reader: String,
    /// The child the gateway asks about; none for the agency's own practitioners.
    pub subject: Option<NhsNumber>,
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Result<&'a str, ApiError> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::invalid(name, format!("the gateway must say {name} with every read")))
}

/// `agency/role`, each a name token.
fn requester(value: &str) -> Option<String> {
    let (agency, role) = value.split_once('/')?;
    sharegate_core::domain::AgencyName::parse(agency).ok()?;
    sharegate_core::domain::Role::parse(role).ok()?;
    Some(value.to_owned())
}

pub fn read_for(req: &HttpRequest, caller: &Caller) -> Result<ReadFor, ApiError> {
    match caller {
        Caller::Gateway { serial } => {
            let disclosure = header(req, DISCLOSURE_HEADER)?;
            let disclosure_id = DisclosureId::parse(disclosure)
                .map_err(|e| ApiError::invalid(DISCLOSURE_HEADER, format!("{DISCLOSURE_HEADER} {e}")))?;
            let requester = requester(header(req, REQUESTER_HEADER)?).ok_or_else(|| {
                ApiError::invalid(REQUESTER_HEADER, format!("{REQUESTER_HEADER} must be agency/role"))
            })?;
            let purpose = Purpose::parse(header(req, PURPOSE_HEADER)?)
                .map_err(|e| ApiError::invalid(PURPOSE_HEADER, format!("{PURPOSE_HEADER} {e}")))?;
            let subject = NhsNumber::parse(header(req, SUBJECT_HEADER)?)
                .map_err(|e| ApiError::invalid(SUBJECT_HEADER, format!("{SUBJECT_HEADER} {e}")))?;
            Ok(ReadFor {
                disclosure_id: Some(disclosure_id),
                requester,
                purpose: purpose.to_string(),
                reader: format!("gateway certificate {serial}"),
                subject: Some(subject),
            })
        }
        Caller::Practitioner(identity) => Ok(ReadFor {
            disclosure_id: None,
            requester: format!("{}/{}", identity.agency, identity.role),
            purpose: "own_agency".into(),
            reader: format!("{} (certificate {})", identity.person, identity.serial),
            subject: None,
        }),
    }
}
