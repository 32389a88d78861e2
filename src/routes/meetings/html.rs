//! The meeting pack as a printable page: server-rendered, no scripts, every piece of text escaped.

use std::fmt::Write;

use super::meeting_pack::Pack;

/// Escapes text for HTML element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn text(value: &serde_json::Value, pointer: &str) -> String {
    esc(value.pointer(pointer).and_then(|v| v.as_str()).unwrap_or_default())
}

pub fn render(pack: &Pack) -> String {
    let m = &pack.meeting;
    let list = |items: &std::collections::BTreeSet<crate::domain::AgencyName>| {
        items.iter().map(|a| esc(a.as_str())).collect::<Vec<_>>().join(", ")
    };
    let mut page = String::new();
    let _ = write!(
        page,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Core group meeting pack {id}</title>\
         <style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}.flag{{color:#a00;font-weight:bold}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:.3em;vertical-align:top}}</style></head><body>\
         <h1>Core group meeting pack</h1><p>Meeting {id} for child {subject}, scheduled for {when}. Coordinator: {coordinator}.</p>\
         <p>Invited: {invited}. Attended: {attended}. Apologies: {apologies}.{closed}</p>",
        id = esc(&m.id),
        subject = esc(m.subject.as_str()),
        when = esc(&m.scheduled_for.to_rfc3339()),
        coordinator = esc(&format!("{} ({}, {})", m.coordinator.person, m.coordinator.role, m.coordinator.agency)),
        invited = list(&m.invited),
        attended = list(&m.attended),
        apologies = list(&m.apologies),
        closed = m.closed_at.map(|t| format!(" Closed {}.", esc(&t.to_rfc3339()))).unwrap_or_default(),
    );
    page.push_str("<h2>What each agency may share</h2>");
    for part in &pack.parts {
        let _ = write!(page, "<h3>{} <small>(disclosure {})</small></h3>", esc(&part.agency), esc(&part.disclosure_id));
        if part.partial {
            page.push_str("<p class=\"flag\">Partial: part of this agency's answer is missing.</p>");
        }
        for record in &part.records {
            let statements = record
                .pointer("/statements")
                .and_then(|s| s.as_array())
                .map(|s| {
                    s.iter()
                        .map(|st| format!("<li>{}: {}</li>", text(st, "/kind"), text(st, "/text")))
                        .collect::<String>()
                })
                .unwrap_or_default();
            let _ = write!(
                page,
                "<p><b>{}</b>, {} by {} ({})</p><ul>{statements}</ul>",
                text(record, "/category"),
                text(record, "/occurred_at"),
                text(record, "/author/person"),
                text(record, "/author/role"),
            );
        }
        for refused in &part.refused {
            let _ = write!(page, "<p>{}: {}</p>", text(refused, "/category"), text(refused, "/why"));
        }
    }
    page.push_str("<h2>Written views</h2>");
    for view in &m.views {
        let _ = write!(
            page,
            "<p><b>{} ({}, {})</b>, {}{}:</p><blockquote>{}</blockquote>",
            esc(view.by.person.as_str()),
            esc(view.by.role.as_str()),
            esc(view.by.agency.as_str()),
            esc(&view.at.to_rfc3339()),
            if view.absent { ", given in absence" } else { "" },
            esc(&view.text),
        );
    }
    page.push_str("<h2>Decisions</h2>");
    for d in &m.decisions {
        let dissent = d
            .dissent
            .iter()
            .map(|x| format!("{}: {}", esc(x.agency.as_str()), esc(x.reason.as_str())))
            .collect::<Vec<_>>()
            .join("; ");
        let endorsement = match &d.endorsed_by {
            Some(by) => format!("Endorsed by {} ({}).", esc(by.person.as_str()), esc(by.agency.as_str())),
            None => "<span class=\"flag\">NOT ENDORSED: this decision still needs a manager's endorsement.</span>"
                .to_owned(),
        };
        let _ = write!(
            page,
            "<p><b>{}</b></p><p>Agreed by: {}.{} {endorsement}</p>",
            esc(&d.text),
            list(&d.agreed_by),
            if dissent.is_empty() { String::new() } else { format!(" Dissent: {dissent}.") },
        );
    }
    page.push_str("</body></html>");
    page
}
