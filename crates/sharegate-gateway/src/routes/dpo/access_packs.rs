//! Subject-access packs over the API (see [`crate::subject_access`]): a DPO drafts one for a child from the log,
//! marks what is withheld, and releases it — a logged disclosure — as a printable page for the family.

use actix_web::{HttpResponse, get, post, web};
use chrono::{SubsecRound, Utc};
use maud::{DOCTYPE, Markup, html};
use serde::{Deserialize, Serialize};

use crate::decision::shared::SharedPolicy;
use crate::disclosure_log::{FreshIndex, Kind, LogWriter, ReadWhy};
use crate::register::{Actor, GatewayKey, GivenBy};
use crate::store::Store;
use crate::store::access_packs::{self as rows, PackEventRow};
use crate::subject_access::{self, Pack, PackEvent, Withheld, words};
use sharegate_core::domain::{AccessPackId, ChildName, DisclosureId, EventId, LawfulBasis, Narrative, Purpose};
use sharegate_core::error::{ApiError, ErrorEnvelope, ErrorKind};
use sharegate_core::extract::{ApiJson, ApiQuery};
use sharegate_core::identity::{Dpo, Identity};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"requested_by": {"name": "Sarah Example", "relationship": "parent"}}))]
pub struct DraftBody {
    /// Who asked to see the records: the young person, or someone with parental responsibility.
    pub requested_by: GivenBy,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"passage": 0, "words": "Concerns raised", "why": "It would tell the family who raised the concern, which was given in confidence."}))]
pub struct WithholdBody {
    /// The passage's index (from 0).
    pub passage: usize,
    /// The words to withhold, exactly as they stand in the passage; leave out to withhold the whole passage.
    pub words: Option<String>,
    /// Why they are withheld: kept with the release, and told to the family.
    #[schema(value_type = String)]
    pub why: Narrative,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PackView {
    #[serde(flatten)]
    pub pack: Pack,
    /// The passages as the family would be given them now (once released: as they were given).
    pub preview: Vec<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PackQuery {
    /// `html`: the printable page (as released, or the draft with what is marked to withhold).
    pub format: Option<String>,
}

fn view(pack: Pack) -> PackView {
    let preview = pack.released.as_ref().map_or_else(|| pack.redacted(), |r| r.passages.clone());
    PackView { pack, preview }
}

/// Seals `event` by the gateway and stores it as one of `agency`'s packs' events.
async fn append(store: &Store, key: &GatewayKey, agency: &str, event: &PackEvent) -> Result<(), ApiError> {
    let sealed = crate::register::seal(subject_access::FORMAT, event, key)?;
    let (pack, at) = match event {
        PackEvent::Drafted { pack, at, .. }
        | PackEvent::Marked { pack, at, .. }
        | PackEvent::Released { pack, at, .. } => (pack, at),
    };
    let row = PackEventRow {
        id: EventId::new().to_string(),
        pack_id: pack.to_string(),
        agency: agency.to_owned(),
        kind: event.kind().to_owned(),
        at: at.naive_utc(),
        sealed: sealed.canonical,
        signature: sealed.signature,
    };
    store.run(move |conn| rows::insert(conn, &row)).await?;
    Ok(())
}

/// The DPO's agency's pack `raw`; 404 for another agency's or none.
async fn load(store: &Store, identity: &Identity, raw: String) -> Result<Pack, ApiError> {
    let missing = || ApiError::not_found("no subject-access pack of your agency has that id");
    let id = AccessPackId::parse(&raw).map_err(|_| missing())?;
    let agency = identity.agency.to_string();
    let sealed = store.run(move |conn| rows::events(conn, id.as_str(), &agency)).await?;
    Pack::from_sealed(&sealed).map_err(ApiError::store_corrupt)?.ok_or_else(missing)
}

fn released_already() -> ApiError {
    ApiError::new(ErrorKind::Duplicate, "this pack has been released: it is kept as it was given")
}

/// The child's name, for the words of a pack.
async fn child_name(store: &Store, pack: &Pack) -> Result<ChildName, ApiError> {
    let subject = pack.subject.clone();
    let found = store.run(move |conn| crate::store::subjects::find_by_id(conn, &subject)).await?;
    found.map(|s| s.name).ok_or_else(|| ApiError::store_corrupt("a pack's child is not in the subject index"))
}

/// Drafts a subject-access pack: the child's history with the DPO's agency, from the disclosure log, in words for
/// the family. Nothing is disclosed until it is released.
#[utoipa::path(
    tag = "dpo",
    request_body = DraftBody,
    params(("id" = String, Path, description = "the child: gateway id or NHS number")),
    responses(
        (status = 201, body = PackView),
        (status = 403, description = "not a DPO", body = ErrorEnvelope),
        (status = 404, description = "nothing in the log about that child involves the DPO's agency", body = ErrorEnvelope),
    )
)]
#[post("/v1/subjects/{id}/access-packs")]
pub async fn draft(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    body: ApiJson<DraftBody>,
    store: web::Data<Store>,
    key: web::Data<GatewayKey>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    // A child not in the index and one with no history with this agency answer alike.
    let nothing = || ApiError::not_found("nothing in the log about that child involves your agency");
    let subject = crate::services::sharing::named_child(&store, &path.into_inner()).await?.ok_or_else(nothing)?;
    let lookup = subject.clone();
    let child = store.run(move |conn| crate::store::subjects::find_by_id(conn, &lookup)).await?.ok_or_else(nothing)?;
    let entries = super::entries_of(&store, &identity, &subject).await?;
    let passages: Vec<_> =
        entries.iter().filter_map(|v| subject_access::passage(&v.entry, child.name.as_str())).collect();
    if passages.is_empty() {
        return Err(nothing());
    }
    let event = PackEvent::Drafted {
        pack: AccessPackId::new(),
        subject,
        agency: identity.agency.clone(),
        requested_by: body.0.requested_by,
        passages,
        at: Utc::now().trunc_subsecs(6),
        by: Actor::from(&identity),
    };
    append(&store, &key, identity.agency.as_str(), &event).await?;
    let pack = Pack::from_events(std::slice::from_ref(&event)).ok_or_else(|| ApiError::internal("a draft folds"))?;
    Ok(HttpResponse::Created().json(view(pack)))
}

/// A pack of the DPO's agency: JSON, or with `format=html` the printable page.
#[utoipa::path(
    tag = "dpo",
    params(("id" = String, Path, description = "the pack"), PackQuery),
    responses((status = 200, body = PackView), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope))
)]
#[get("/v1/access-packs/{id}")]
pub async fn read(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    query: ApiQuery<PackQuery>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let pack = load(&store, &identity, path.into_inner()).await?;
    match query.0.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(view(pack))),
        Some("html") => {
            let child = child_name(&store, &pack).await?;
            Ok(crate::routes::printable::page(page(&pack, child.as_str())))
        }
        Some(other) => Err(ApiError::invalid("format", format!("format '{other}' is not json or html"))),
    }
}

/// Marks words of a passage, or a whole passage, to be withheld from the family, with why (third-party
/// information, for instance). The mark is kept; the draft's preview shows the effect.
#[utoipa::path(
    tag = "dpo",
    request_body = WithholdBody,
    params(("id" = String, Path, description = "the pack")),
    responses(
        (status = 201, body = PackView),
        (status = 400, description = "no such passage, or words not in it", body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "released already", body = ErrorEnvelope),
    )
)]
#[post("/v1/access-packs/{id}/withhold")]
pub async fn withhold(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    body: ApiJson<WithholdBody>,
    store: web::Data<Store>,
    key: web::Data<GatewayKey>,
) -> Result<HttpResponse, ApiError> {
    let mut pack = load(&store, &identity, path.into_inner()).await?;
    if pack.released.is_some() {
        return Err(released_already());
    }
    let WithholdBody { passage, words, why } = body.0;
    let words = words.filter(|w| !w.trim().is_empty());
    let withheld = Withheld { passage, words, why };
    pack.check(&withheld).map_err(|e| {
        let field = if matches!(e, subject_access::MarkError::NoSuchPassage(_)) { "passage" } else { "words" };
        ApiError::invalid(field, e.to_string())
    })?;
    let event = PackEvent::Marked {
        pack: pack.id.clone(),
        withheld: withheld.clone(),
        at: Utc::now().trunc_subsecs(6),
        by: Actor::from(&identity),
    };
    append(&store, &key, identity.agency.as_str(), &event).await?;
    pack.withheld.push(withheld);
    Ok(HttpResponse::Created().json(view(pack)))
}

/// Releases a pack to the family: the page as released is logged as a disclosure (its digest in the entry) before it
/// is kept, with what was withheld and why. Once.
#[utoipa::path(
    tag = "dpo",
    params(("id" = String, Path, description = "the pack")),
    responses(
        (status = 201, body = PackView),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "released already", body = ErrorEnvelope),
        (status = 503, description = "the release could not be logged", body = ErrorEnvelope),
    )
)]
#[post("/v1/access-packs/{id}/release")]
pub async fn release(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    store: web::Data<Store>,
    key: web::Data<GatewayKey>,
    log: web::Data<LogWriter>,
    policy: web::Data<SharedPolicy>,
) -> Result<HttpResponse, ApiError> {
    let mut pack = load(&store, &identity, path.into_inner()).await?;
    if pack.released.is_some() {
        return Err(released_already());
    }
    let child = child_name(&store, &pack).await?;
    let disclosure = DisclosureId::new();
    let at = Utc::now().trunc_subsecs(6);
    pack.released = Some(subject_access::Release {
        disclosure: disclosure.clone(),
        passages: pack.redacted(),
        withheld: pack.withheld.clone(),
        at,
        by: Actor::from(&identity),
    });
    let body = page(&pack, child.as_str()).into_string().into_bytes();
    let who = &pack.requested_by;
    let why = ReadWhy {
        purpose: Purpose::parse("subject_access").map_err(ApiError::internal)?,
        lawful_basis: LawfulBasis::parse("uk_gdpr_article_15").map_err(ApiError::internal)?,
        reason: Narrative::parse(&format!(
            "Subject-access request by {} ({}): pack {}",
            who.name,
            words::relationship(who.relationship),
            pack.id
        ))
        .map_err(ApiError::internal)?,
        meeting: None,
        policy_hash: policy.current().hash.clone(),
    };
    crate::disclosure_log::commit_read(
        &log,
        disclosure.clone(),
        Kind::SubjectAccess,
        &identity,
        &pack.subject,
        why,
        body,
    )
    .await?;
    let given = pack.released.clone().ok_or_else(|| ApiError::internal("set above"))?;
    let event = PackEvent::Released {
        pack: pack.id.clone(),
        disclosure,
        passages: given.passages,
        withheld: given.withheld,
        at,
        by: given.by,
    };
    append(&store, &key, identity.agency.as_str(), &event).await?;
    Ok(HttpResponse::Created().json(view(pack)))
}

/// The pack as a page: as released (exactly what the family was given, whose digest the log keeps), or the draft
/// with what is marked to withhold.
fn page(pack: &Pack, child: &str) -> Markup {
    let agency = words::agency(pack.agency.as_str());
    let (passages, withheld, state) = match &pack.released {
        Some(given) => {
            (given.passages.clone(), &given.withheld, format!("Released on {}.", given.at.format("%-d %B %Y")))
        }
        None => (
            pack.redacted(),
            &pack.withheld,
            "DRAFT: not released. Marked passages are withheld on release.".to_owned(),
        ),
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Who has seen " (child) "'s records, and why" }
                style { "body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.5}.state{font-weight:bold}" }
            }
            body {
                h1 { "Who has seen " (child) "'s records, and why" }
                p.state { (state) }
                p {
                    "For " (pack.requested_by.name) ". This is every time, up to " (pack.drafted_at.format("%-d %B %Y"))
                    ", that " (agency) " shared what it holds about " (child)
                    " with other services, or asked them for what they hold, through the safeguarding partnership's "
                    "information-sharing gateway: who, when, what, and why."
                }
                ol {
                    @for passage in &passages { li { (passage) } }
                }
                @if !withheld.is_empty() {
                    h2 { "What was withheld, and why" }
                    ul {
                        @for w in withheld.iter() {
                            li { "From passage " (w.passage + 1) ": " (w.why) }
                        }
                    }
                }
                p {
                    "If anything here is wrong, you can ask " (agency) " to correct it, and to stop sharing it while "
                    "that is looked at."
                }
            }
        }
    }
}
