//! The node console's pages. maud escapes every value; no scripts.

use maud::{DOCTYPE, Markup, html};

use super::{SOURCES, STATEMENTS, Typed};
use crate::NodeState;
use sharegate_core::error::Violation;
use sharegate_core::identity::Identity;

fn layout(identity: Option<&Identity>, agency: &str, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — sharegate " (agency) " records" }
                link rel="stylesheet" href="/console/style.css";
            }
            body {
                header {
                    p.brand { "sharegate — " (agency) "'s records" }
                    nav { a href="/console" { "Record a contact" } }
                    @if let Some(me) = identity {
                        p.who { "Signed in by certificate as " (me.person) " (" (me.role) ", " (me.agency) "): "
                                "you are the record's author." }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

pub fn error(status: u16, reason: &str, message: &str) -> String {
    layout(None, "node", &format!("{status} {reason}"), html! { p { (message) } p { a href="/console" { "Back" } } })
        .into_string()
}

/// The broken rules whose field is exactly `field`.
fn exactly<'a>(broken: &'a [Violation], field: &str) -> Vec<&'a Violation> {
    broken.iter().filter(|v| v.field == field).collect()
}

/// The broken rules whose field is `field` or lies within it (`statements[1]` takes `statements[1].evidence`).
fn beside<'a>(broken: &'a [Violation], field: &str) -> Vec<&'a Violation> {
    broken
        .iter()
        .filter(|v| v.field == field || v.field.strip_prefix(field).is_some_and(|rest| rest.starts_with(['.', '['])))
        .collect()
}

fn said(broken: &[&Violation], id: &str) -> Markup {
    html! {
        @if !broken.is_empty() {
            div.broken id=(id) role="alert" {
                @for v in broken {
                    p { (v.message)
                        @if let Some(found) = &v.found { " Found: “" (found) "”." }
                        @if let Some(better) = &v.suggestion { " Perhaps: “" (better) "”." } }
                }
            }
        }
    }
}

fn text_field(name: &str, label: &str, typed: &Typed, broken: &[&Violation]) -> Markup {
    let error_id = format!("{name}-broken");
    html! {
        label { (label)
            input name=(name) value=(typed.get(name)) aria-invalid=[(!broken.is_empty()).then_some("true")]
                aria-describedby=[(!broken.is_empty()).then_some(error_id.as_str())];
        }
        (said(broken, &error_id))
    }
}

fn choice(name: &str, label: &str, options: &[(&str, &str)], typed: &Typed) -> Markup {
    html! {
        label { (label)
            select name=(name) {
                @for (value, words) in options { option value=(value) selected[typed.get(name) == *value] { (words) } }
            }
        }
    }
}

/// The contact form, with what was typed and each broken rule beside its field.
pub fn form(identity: &Identity, node: &NodeState, typed: &Typed, broken: &[Violation]) -> Markup {
    let agency = node.agency.as_str();
    let categories: Vec<(String, String)> = node.categories.iter().map(|c| (c.to_string(), c.to_string())).collect();
    let categories: Vec<(&str, &str)> =
        std::iter::once(("", "choose")).chain(categories.iter().map(|(a, b)| (a.as_str(), b.as_str()))).collect();
    let classes: Vec<(String, String)> = node.retention.keys().map(|c| (c.to_string(), c.to_string())).collect();
    let classes: Vec<(&str, &str)> =
        std::iter::once(("", "choose")).chain(classes.iter().map(|(a, b)| (a.as_str(), b.as_str()))).collect();
    let kinds = [("", "(none)"), ("fact", "fact"), ("opinion", "opinion"), ("quote", "quote")];
    // The n-th statement (or source) filled in is the one the rules call `statements[n - 1]`.
    let filled = |rows: usize, used: &dyn Fn(usize) -> bool| (1..=rows).filter(|&n| used(n)).collect::<Vec<_>>();
    let statement_rows = filled(STATEMENTS, &|n| !typed.get(&format!("s{n}_kind")).is_empty());
    let source_rows = filled(SOURCES, &|n| {
        !(typed.get(&format!("src{n}_who")).trim().is_empty() && typed.get(&format!("src{n}_how")).trim().is_empty())
    });
    let row_broken = |rows: &[usize], n: usize, list: &str| {
        rows.iter().position(|&r| r == n).map(|i| beside(broken, &format!("{list}[{i}]"))).unwrap_or_default()
    };
    let body = html! {
        @if !broken.is_empty() {
            div.note role="alert" {
                p { strong { "Not recorded: " (broken.len()) @if broken.len() == 1 { " rule is" } @else { " rules are" }
                    " broken. Each is shown beside its field; what you typed is kept." } }
                ul { @for v in broken { li { (v.message) } } }
            }
        }
        form method="post" action="/console/records" {
            div.row {
                (text_field("subject_ref", "The child's reference at this agency", typed, &beside(broken, "subject_ref")))
                label { "When it happened (UK time)"
                    input type="datetime-local" name="occurred_at" value=(typed.get("occurred_at")); }
                (text_field("contact_type", "Kind of contact (e.g. home_visit)", typed, &beside(broken, "contact_type")))
                (choice("category", "Category", &categories, typed))
                (choice("retention_class", "Retention class", &classes, typed))
            }
            (said(&beside(broken, "occurred_at"), "occurred_at-broken"))
            (said(&beside(broken, "category"), "category-broken"))
            (said(&exactly(broken, "statements"), "statements-broken"))
            @for n in 1..=STATEMENTS {
                @let own = row_broken(&statement_rows, n, "statements");
                fieldset {
                    legend { "Statement " (n) }
                    div.row {
                        (choice(&format!("s{n}_kind"), "It is a", &kinds, typed))
                        label { "Evidence (a fact's, an opinion's), or who said it (a quote)"
                            input name={ "s" (n) "_evidence" } value=(typed.get(&format!("s{n}_evidence"))); }
                        label { "An opinion rests on statements (numbers)"
                            input name={ "s" (n) "_statements" } value=(typed.get(&format!("s{n}_statements"))); }
                        label { "and on sources (numbers)"
                            input name={ "s" (n) "_sources" } value=(typed.get(&format!("s{n}_sources"))); }
                    }
                    label { "Words" textarea name={ "s" (n) "_text" } { (typed.get(&format!("s{n}_text"))) } }
                    (said(&own, &format!("s{n}-broken")))
                }
            }
            (said(&exactly(broken, "sources"), "sources-broken"))
            @for n in 1..=SOURCES {
                fieldset {
                    legend { "Source " (n) }
                    div.row {
                        label { "Who" input name={ "src" (n) "_who" } value=(typed.get(&format!("src{n}_who"))); }
                        label { "How it was obtained" input name={ "src" (n) "_how" } value=(typed.get(&format!("src{n}_how"))); }
                    }
                    (said(&row_broken(&source_rows, n, "sources"), &format!("src{n}-broken")))
                }
            }
            button type="submit" { "Record the contact" }
        }
    };
    layout(Some(identity), agency, "Record a contact", body)
}

pub fn recorded(identity: &Identity, node: &NodeState, id: &str) -> Markup {
    let body = html! {
        p.note { "Recorded and signed by " (node.agency) "'s node: " code { (id) } ". It is never edited: a correction "
                 "is an amendment that points at it." }
        p { a href="/console" { "Record another contact" } }
    };
    layout(Some(identity), node.agency.as_str(), "Recorded", body)
}
