//! The node's console: the agency's own practitioners record a contact through a form, as `POST /v1/records` takes
//! it. A record that breaks recording rules comes back as the form with the text as typed and each broken rule, by
//! its paragraph of the policy, beside its field — never lost. No scripts; the same headers and cross-site guard as
//! the gateway's console.

mod pages;

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};

use crate::NodeState;
use crate::record::{self, RecordBody, RestsOn, Source, StatementBody};
use crate::store::Store;
use crate::store::records;
use sharegate_core::domain::{Category, ContactType, LocalRef, Narrative, RetentionClass};
use sharegate_core::error::{ApiError, Violation};
use sharegate_core::extract::ApiForm;
use sharegate_core::identity::Identity;

/// Statement rows the form offers, and source rows.
pub const STATEMENTS: usize = 4;
pub const SOURCES: usize = 3;

/// Registers the console under `/console`.
pub fn configure(config: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    config.service(
        web::scope("/console")
            .wrap(sharegate_core::pages::errors(pages::error))
            .wrap(sharegate_core::pages::headers())
            .route("", web::get().to(form))
            .route("/", web::get().to(form))
            .route("/style.css", web::get().to(sharegate_core::pages::style))
            .route("/records", web::post().to(record))
            .default_service(web::to(not_found)),
    )
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("the console has no such page"))
}

fn writer(node: &NodeState, identity: &Identity) -> Result<(), ApiError> {
    if identity.agency != node.agency || !identity.works_cases() {
        return Err(ApiError::forbidden(format!("only practitioners of {} record its contacts here", node.agency)));
    }
    Ok(())
}

/// The empty form.
async fn form(identity: Identity, node: web::Data<NodeState>) -> Result<HttpResponse, ApiError> {
    writer(&node, &identity)?;
    Ok(sharegate_core::pages::page(pages::form(&identity, &node, &Typed::default(), &[]).into_string()))
}

/// What was typed, field by field, as the form sends it back.
#[derive(Debug, Default)]
pub struct Typed(BTreeMap<String, String>);

impl Typed {
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map_or("", String::as_str)
    }

    fn given(&self, field: &str) -> Option<&str> {
        Some(self.get(field).trim()).filter(|v| !v.is_empty())
    }
}

/// The names the form has: anything else is refused, as the API refuses unknown fields.
fn known(name: &str) -> bool {
    const FIELDS: [&str; 5] = ["subject_ref", "occurred_at", "contact_type", "category", "retention_class"];
    let row = |prefix: &str, parts: &[&str], rows: usize| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.split_once('_'))
            .is_some_and(|(n, part)| n.parse::<usize>().is_ok_and(|n| (1..=rows).contains(&n)) && parts.contains(&part))
    };
    FIELDS.contains(&name)
        || row("s", &["kind", "text", "evidence", "statements", "sources"], STATEMENTS)
        || row("src", &["who", "how"], SOURCES)
}

/// A field's problem, as the API would name it.
fn invalid(field: impl Into<String>, message: impl Into<String>) -> Violation {
    Violation::new("invalid", field, message)
}

/// `result`'s value, or its fault kept with the others.
fn take<T>(wrong: &mut Vec<Violation>, result: Result<T, Violation>) -> Option<T> {
    result.map_err(|v| wrong.push(v)).ok()
}

/// The form's rows that were filled in, by their number on the form (from 1): the n-th filled row is the record's
/// statement (or source) n - 1, which is how the rules name it.
fn filled_rows(typed: &Typed, rows: usize, filled: impl Fn(&Typed, usize) -> bool) -> Vec<usize> {
    (1..=rows).filter(|&n| filled(typed, n)).collect()
}

/// Row numbers typed as "1, 3" (as numbered on the form), as the record's indices of those rows.
fn numbers(text: &str, rows: &[usize], what: &str, field: &str) -> Result<Vec<u16>, Violation> {
    text.split([',', ' '])
        .filter(|t| !t.is_empty())
        .map(|t| {
            let row = t.parse::<usize>().map_err(|_| invalid(field, format!("'{t}' is not a {what} number")))?;
            let index =
                rows.iter().position(|&r| r == row).ok_or_else(|| invalid(field, format!("{what} {row} is empty")))?;
            Ok(u16::try_from(index).unwrap_or(u16::MAX))
        })
        .collect()
}

/// The form's fields as the API's body, or what in them cannot even be read (each beside its field, named as the
/// rules name it: `statements[i]` is the i-th statement filled in).
fn body(typed: &Typed) -> Result<RecordBody, Vec<Violation>> {
    let statement_rows = filled_rows(typed, STATEMENTS, |t, n| t.given(&format!("s{n}_kind")).is_some());
    let source_rows = filled_rows(typed, SOURCES, |t, n| {
        t.given(&format!("src{n}_who")).or(t.given(&format!("src{n}_how"))).is_some()
    });
    let mut wrong = Vec::new();
    let subject_ref = take(
        &mut wrong,
        LocalRef::parse(typed.get("subject_ref").trim())
            .map_err(|e| invalid("subject_ref", format!("the child's reference {e}"))),
    );
    let occurred_at = take(
        &mut wrong,
        sharegate_core::domain::time::uk_local(typed.get("occurred_at"))
            .ok_or_else(|| invalid("occurred_at", "when it happened: a date and a time (UK time)")),
    );
    let contact_type = take(
        &mut wrong,
        ContactType::parse(typed.get("contact_type").trim())
            .map_err(|e| invalid("contact_type", format!("the kind of contact {e}"))),
    );
    let category = take(
        &mut wrong,
        Category::parse(typed.get("category")).map_err(|e| invalid("category", format!("category {e}"))),
    );
    let retention_class = take(
        &mut wrong,
        RetentionClass::parse(typed.get("retention_class"))
            .map_err(|e| invalid("retention_class", format!("retention class {e}"))),
    );
    let mut statements = Vec::new();
    for (i, &n) in statement_rows.iter().enumerate() {
        let kind = typed.get(&format!("s{n}_kind"));
        let text = take(
            &mut wrong,
            Narrative::parse(typed.get(&format!("s{n}_text")).trim())
                .map_err(|e| invalid(format!("statements[{i}].text"), format!("statement {n}'s words {e}"))),
        );
        let evidence = typed.given(&format!("s{n}_evidence")).map(str::to_owned);
        let field = format!("statements[{i}].rests_on");
        let rests_on = match (typed.given(&format!("s{n}_statements")), typed.given(&format!("s{n}_sources"))) {
            (None, None) => None,
            (on, from) => Some(RestsOn {
                statements: take(&mut wrong, numbers(on.unwrap_or(""), &statement_rows, "statement", &field))
                    .unwrap_or_default(),
                sources: take(&mut wrong, numbers(from.unwrap_or(""), &source_rows, "source", &field))
                    .unwrap_or_default(),
            }),
        };
        let Some(text) = text else { continue };
        match kind {
            "fact" => statements.push(StatementBody::Fact { text, evidence }),
            "opinion" => statements.push(StatementBody::Opinion { text, evidence, rests_on }),
            "quote" => statements.push(StatementBody::Quote { text, source: evidence }),
            other => {
                let kind = invalid(format!("statements[{i}].kind"), format!("'{other}' is not fact, opinion or quote"));
                take::<()>(&mut wrong, Err(kind));
            }
        }
    }
    let mut sources = Vec::new();
    for (i, &n) in source_rows.iter().enumerate() {
        let part = |name: &str, what: &str| {
            Narrative::parse(typed.get(&format!("src{n}_{name}")).trim())
                .map_err(|e| invalid(format!("sources[{i}].{name}"), format!("source {n}: {what} {e}")))
        };
        let (who, how) = (take(&mut wrong, part("who", "who")), take(&mut wrong, part("how", "how it was obtained")));
        if let (Some(who), Some(how)) = (who, how) {
            sources.push(Source { who, how });
        }
    }
    match (subject_ref, occurred_at, contact_type, category, retention_class) {
        (Some(subject_ref), Some(occurred_at), Some(contact_type), Some(category), Some(retention_class))
            if wrong.is_empty() =>
        {
            Ok(RecordBody { subject_ref, occurred_at, contact_type, category, statements, sources, retention_class })
        }
        _ => Err(wrong),
    }
}

/// Records the contact the form describes, as `POST /v1/records` does; or sends the form back with every broken
/// rule beside its field and the text as typed.
async fn record(
    identity: Identity,
    form: ApiForm<Vec<(String, String)>>,
    node: web::Data<NodeState>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    writer(&node, &identity)?;
    if let Some((name, _)) = form.0.iter().find(|(name, _)| !known(name)) {
        return Err(ApiError::invalid(name.clone(), format!("unknown field '{name}'")));
    }
    let typed = Typed(form.0.into_iter().collect());
    let now: DateTime<Utc> = Utc::now();
    let checked = body(&typed).and_then(|body| {
        record::check(body, &node.rules(), now).map_err(|e| match e.violations() {
            [] => vec![Violation::new("invalid", e.field_name().unwrap_or("record"), e.message())],
            broken => broken.to_vec(),
        })
    });
    match checked {
        Ok(checked) => {
            let row = node.seal(checked, &identity, None, now).map_err(ApiError::internal)?;
            let id = row.id.clone();
            store.run(move |conn| records::insert(conn, &row)).await?;
            Ok(sharegate_core::pages::page(pages::recorded(&identity, &node, &id).into_string()))
        }
        Err(broken) => Ok(HttpResponse::UnprocessableEntity()
            .content_type(actix_web::http::header::ContentType::html())
            .body(pages::form(&identity, &node, &typed, &broken).into_string())),
    }
}
