//! The meeting pack as a printable page: server-rendered, no scripts, every piece of text escaped (maud), and a
//! page that stands alone when saved (its style inline).

use std::collections::BTreeSet;

use actix_web::HttpResponse;
use maud::{DOCTYPE, Markup, html};

use super::pack_contents::Pack;
use crate::meetings::Dissent;
use sharegate_core::domain::AgencyName;

const STYLE: &str = "body{font-family:sans-serif;max-width:60em;margin:2em auto}.flag{color:#a00;font-weight:bold}";

fn text<'v>(value: &'v serde_json::Value, pointer: &str) -> &'v str {
    value.pointer(pointer).and_then(|v| v.as_str()).unwrap_or_default()
}

/// A time as a person reads it: `2 December 2026, 10:00 UTC` (no seconds, no fractions).
fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%-d %B %Y, %H:%M UTC").to_string()
}

/// A record's time, from its RFC 3339 text, as a person reads it (the text as it is if it is not a time).
fn when_text(value: &serde_json::Value, pointer: &str) -> String {
    let raw = text(value, pointer);
    chrono::DateTime::parse_from_rfc3339(raw).map_or_else(|_| raw.to_owned(), |t| when(t.to_utc()))
}

/// Text ending a sentence: a full stop added unless it already ends with one (or ? or !).
fn sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', '?', '!']) { text.to_owned() } else { format!("{text}.") }
}

fn list(items: &BTreeSet<AgencyName>) -> String {
    items.iter().map(AgencyName::as_str).collect::<Vec<_>>().join(", ")
}

/// `police (Alex Morgan): reason.`, or `police: reason.` when no one is named.
fn dissent(d: &Dissent) -> String {
    match &d.name {
        Some(name) => format!("{} ({name}): {}", d.agency, sentence(d.reason.as_str())),
        None => format!("{}: {}", d.agency, sentence(d.reason.as_str())),
    }
}

/// A record's statements, numbered as a reader counts them: each fact, each opinion with its evidence and what it
/// rests on, each quote as someone's words with who said them (¶17, ¶23).
fn statements(record: &serde_json::Value) -> Markup {
    html! {
        ol {
            @for statement in record_list(record, "/statements") {
                li {
                    @match text(statement, "/kind") {
                        "quote" => {
                            "Quote: " q { (text(statement, "/text")) } " — " (text(statement, "/source"))
                        },
                        "opinion" => {
                            "Opinion: " (text(statement, "/text")) " " i { "(evidence: " (text(statement, "/evidence")) ")" }
                            @let on_statements = numbers_at(statement, "/rests_on/statements");
                            @let on_sources = numbers_at(statement, "/rests_on/sources");
                            @if !on_statements.is_empty() || !on_sources.is_empty() {
                                " Rests on "
                                @if !on_statements.is_empty() { "statement " (on_statements.join(", ")) }
                                @if !on_statements.is_empty() && !on_sources.is_empty() { " and " }
                                @if !on_sources.is_empty() { "source " (on_sources.join(", ")) }
                                "."
                            }
                        },
                        kind => {
                            (capitalised(kind)) ": " (text(statement, "/text"))
                            @if let Some(evidence) = statement.pointer("/evidence").and_then(|e| e.as_str()) {
                                " " i { "(evidence: " (evidence) ")" }
                            }
                        },
                    }
                }
            }
        }
    }
}

fn record_list<'v>(value: &'v serde_json::Value, pointer: &str) -> &'v [serde_json::Value] {
    value.pointer(pointer).and_then(|v| v.as_array()).map(Vec::as_slice).unwrap_or_default()
}

/// Indices from 0, as a reader counts them from 1.
fn numbers_at(value: &serde_json::Value, pointer: &str) -> Vec<String> {
    record_list(value, pointer).iter().filter_map(serde_json::Value::as_u64).map(|i| (i + 1).to_string()).collect()
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn render(pack: &Pack) -> Markup {
    let m = &pack.meeting;
    let coordinator = &m.coordinator;
    html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { "Core group meeting pack " (m.id) } style { (STYLE) } }
            body {
                h1 { "Core group meeting pack" }
                p {
                    "Meeting " (m.id) " for child " (m.subject) ", scheduled for " (when(m.scheduled_for)) ". "
                    "Coordinator: " (coordinator.person) " (" (coordinator.role) ", " (coordinator.agency) ")."
                }
                p {
                    "Invited: " (list(&m.invited)) ". Attended: " (list(&m.attended)) ". Apologies: "
                    (list(&m.apologies)) "."
                    @if let Some(closed) = m.closed_at { " Closed " (when(closed)) "." }
                    @if let Some(why) = &m.closed_because {
                        " Closed by a manager with decisions unendorsed, because: " (sentence(why.as_str()))
                    }
                }
                h2 { "What each agency may share" }
                @for part in &pack.parts {
                    h3 { (part.agency) " " small { "(disclosure " (part.disclosure_id) ")" } }
                    @if part.partial { p.flag { "Partial: part of this agency's answer is missing." } }
                    @if part.restricted > 0 {
                        p.flag {
                            (part.restricted) " record(s) held back: the agency restricts them while their accuracy is "
                            "disputed (UK GDPR Art. 18)."
                        }
                    }
                    @for record in &part.records {
                        p {
                            b { (text(record, "/category")) } ", " (when_text(record, "/occurred_at")) " by "
                            (text(record, "/author/person")) " (" (text(record, "/author/role")) ")"
                        }
                        (statements(record))
                        p.sources {
                            "Sources (¶14): "
                            (record_list(record, "/sources").iter().enumerate()
                                .map(|(i, s)| format!("{}. {} ({})", i + 1, text(s, "/who"), text(s, "/how")))
                                .collect::<Vec<_>>().join("; "))
                        }
                        @if let Some(glossary) = record.pointer("/glossary").and_then(|g| g.as_object()) {
                            p.glossary {
                                "Abbreviations, as the recording agency defines them (¶16): "
                                (glossary.iter().map(|(abbreviation, meaning)| {
                                    format!("{abbreviation}: {}", meaning.as_str().unwrap_or_default())
                                }).collect::<Vec<_>>().join("; "))
                            }
                        }
                    }
                    @for refused in &part.refused { p { (text(refused, "/category")) ": " (text(refused, "/why")) } }
                }
                @if m.closed_at.is_some() {
                    h2 { "Shared while the meeting was open" }
                    p { "The meeting is closed: nothing more is shared under it. From the disclosure log:" }
                    ul {
                        @for shared in &pack.shared_while_open {
                            li {
                                (when(shared.at)) ": " (shared.received_by) " received " (shared.given.join(", "))
                                " (" (shared.records) " records; disclosure " (shared.disclosure_id) ")"
                            }
                        }
                    }
                }
                h2 { "Written views" }
                @for agency in &pack.apologies_without_view {
                    p { span.flag { "NO VIEW: " (agency) " sent apologies and gave no written view (¶32)." } }
                }
                @for view in &m.views {
                    p {
                        b { (view.by.person) " (" (view.by.role) ", " (view.by.agency) ")" } ", " (when(view.at))
                        @if view.absent { ", given in absence" }
                        @if view.late { ", a late addendum given after the meeting closed" } ":"
                    }
                    blockquote { (view.text) }
                }
                h2 { "Decisions" }
                @for d in &m.decisions {
                    p { b { (d.text) } }
                    p {
                        "Agreed by: " (list(&d.agreed_by))
                        @if !d.agreeing.is_empty() {
                            " ("
                            (d.agreeing.iter().map(|p| format!("{} of {}", p.name, p.agency)).collect::<Vec<_>>().join(", "))
                            ")"
                        }
                        "."
                        @if !d.dissent.is_empty() {
                            " Dissent: "
                            (d.dissent.iter().map(dissent).collect::<Vec<_>>().join(" "))
                        }
                        " "
                        @match &d.endorsed_by {
                            Some(by) => {
                                "Endorsed by " (by.person) " (" (by.agency) ")"
                                @if let Some(comment) = &d.endorsement_comment { ": " (sentence(comment)) } @else { "." }
                            },
                            None => span.flag { "NOT ENDORSED: this decision still needs a manager's endorsement." },
                        }
                    }
                }
            }
        }
    }
}

/// The page, with what keeps a page of personal data from being framed, scripted, cached or referred elsewhere.
pub fn page(pack: &Pack) -> HttpResponse {
    crate::routes::printable::page(render(pack))
}

#[cfg(test)]
mod tests;
