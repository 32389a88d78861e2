//! The casework console's pages. As the DPO's, they carry no scripts and maud escapes every value.

use maud::{Markup, html};
use serde::Deserialize;

use super::Choices;
use crate::disclosure_log::Given;
use crate::register::DecisionEntry;
use crate::routes::console::pages::{layout, local};
use crate::routes::dpo::DisclosureView;
use crate::routes::subjects::FoundSubject;
use crate::services::meetings::MeetingSummary;
use sharegate_core::identity::Identity;
use sharegate_protocol::record::{SignedRecord, Statement};

/// A category as the ask form offers it: allowed by need-to-know policy for this person, purpose and basis, or not
/// (with the rule's reason when a rule decided).
pub struct Offer {
    pub category: String,
    pub allowed: bool,
    pub rule: Option<String>,
}

/// The answer to an ask, read back from the JSON the API would have sent: the page shows exactly that.
#[derive(Debug, Deserialize)]
pub struct Answer {
    pub disclosure_id: String,
    #[serde(default)]
    pub records: Vec<SignedRecord>,
    #[serde(default)]
    pub partial: bool,
    #[serde(default)]
    pub agencies: Vec<AgencyShown>,
    #[serde(default)]
    pub granted: Vec<Given>,
    #[serde(default)]
    pub refused: Vec<RefusedShown>,
}

#[derive(Debug, Deserialize)]
pub struct AgencyShown {
    pub agency: String,
    pub status: String,
    pub message: Option<String>,
    pub records: usize,
}

#[derive(Debug, Deserialize)]
pub struct RefusedShown {
    pub category: String,
    pub agency: String,
    pub why: String,
}

fn select(name: &str, label: &str, options: &[&str]) -> Markup {
    html! {
        label { (label)
            select name=(name) required {
                option value="" { "choose" }
                @for o in options { option value=(o) { (o) } }
            }
        }
    }
}

/// What ¶34 asks of a reason, said where it is written.
const REASON_HELP: &str = "Say why you need it, for this child, now: what happened, and what you will do with what \
    you learn. It is kept in the disclosure log with your name, and the family may read it (¶28, ¶34).";

/// What a start page lists.
pub struct Start<'a> {
    /// For a manager: the decisions waiting for their endorsement.
    pub waiting: Option<&'a [DecisionEntry]>,
    pub asked: &'a [DisclosureView],
    pub meetings: &'a [MeetingSummary],
}

pub fn start(identity: &Identity, choices: &Choices<'_>, shown: &Start<'_>) -> Markup {
    let (waiting, asked) = (shown.waiting, shown.asked);
    let coordinator = identity.role.as_str() == sharegate_core::identity::COORDINATOR;
    let body = html! {
        h2 { "Find a child" }
        p { "Finding a child in the index is itself recorded in the disclosure log, with your purpose, basis and reason: "
            "being known to the partnership says something about a child." }
        form.search method="post" action="/console/find" {
            label { "NHS number" input name="nhs_number" inputmode="numeric" autocomplete="off" required; }
            (select("purpose", "Purpose", &choices.purposes))
            (select("lawful_basis", "Lawful basis", &choices.bases))
            label.wide-field { "Reason" textarea name="reason" required aria-describedby="reason-help" {} }
            p #reason-help { (REASON_HELP) }
            div { button type="submit" { "Find the child" } }
        }
        details {
            summary { "The child is not in the index yet: register them" }
            form.search method="post" action="/console/children" {
                label { "NHS number" input name="nhs_number" inputmode="numeric" autocomplete="off" required; }
                label { "Name" input name="name" autocomplete="off" required; }
                label { "Date of birth" input type="date" name="date_of_birth" required; }
                label { (identity.agency) "'s own reference (optional)" input name="local_ref"; }
                div { button type="submit" { "Register the child" } }
            }
        }
        @if let Some(waiting) = waiting {
            h2 { "Decisions waiting for your endorsement (" (waiting.len()) ")" }
            @if waiting.is_empty() { p { "None: every decision of " (identity.agency) " not to seek consent is endorsed." } }
            @for d in waiting {
                section.decision {
                    h3 { "Decision by " (d.decided_by.person) " (" (d.decided_by.role) "), " (local(d.decided_at)) }
                    p { strong { (d.lawful_basis) } ": " (d.reasons) }
                    p { "Covers " (d.scope.categories.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
                        " to " (d.scope.recipients.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
                        " for " (d.scope.purposes.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) "." }
                    @if d.decided_by.person == identity.person {
                        p.note { "You made this decision: another manager endorses it." }
                    } @else {
                        form method="post" action={ "/console/decisions/" (d.id) "/endorse" } {
                            label { "Comment (optional)" textarea name="comment" {} }
                            button type="submit" { "Endorse the decision" }
                        }
                    }
                }
            }
        }
        h2 { "Core group meetings" }
        @if shown.meetings.is_empty() { p { "None that " (identity.agency) " is invited to." } }
        @else {
            ul { @for m in shown.meetings { li {
                a href={ "/console/meetings/" (m.id) } { (local(m.scheduled_for)) }
                " — convened by " (m.coordinating_agency) ", invited: "
                (m.invited.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
                @if m.closed_at.is_some() { " (closed)" }
            } } }
            p.small { "Opening a meeting shows what it says about the child: each opening is written to the disclosure log." }
        }
        @if coordinator {
            h3 { "Convene a core group meeting" }
            form.search method="post" action="/console/meetings" {
                label { "The child's NHS number" input name="nhs_number" inputmode="numeric" autocomplete="off" required; }
                label { "When (UK time)" input type="datetime-local" name="scheduled_for" required; }
                fieldset { legend { "Invite" }
                    @for a in &choices.agencies { label.choice { input type="checkbox" name="invited" value=(a); (a) } } }
                div { button type="submit" { "Convene the meeting" } }
            }
        }
        h2 { "Your latest requests" }
        @if asked.is_empty() { p { "None yet." } }
        @else {
            div.wide { table {
                thead { tr { th scope="col" { "When" } th scope="col" { "Kind" } th scope="col" { "Asked for" }
                             th scope="col" { "Purpose and basis" } th scope="col" { "Answer" } th scope="col" { "Disclosure id" } } }
                tbody { @for v in asked { @let e = &v.entry; tr {
                    td.when { (local(e.at)) }
                    td { (e.kind.as_str()) }
                    td { (e.asked.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                    td { (e.purpose) br; (e.lawful_basis) }
                    td class=[(e.outcome.as_str() == "refused").then_some("refused")] {
                        (e.outcome.as_str()) @if !e.refused.is_empty() { br; @for r in &e.refused { (r.category) ": " (r.why) br; } }
                    }
                    td { code { (e.id) } }
                } } }
            } }
        }
    };
    layout(Some(identity), "Start", body)
}

/// The child found, and the form to ask for their records.
pub fn child(
    identity: &Identity,
    found: &FoundSubject,
    (purpose, basis): (&str, &str),
    offer: &[Offer],
    choices: &Choices<'_>,
) -> Markup {
    let s = &found.subject;
    let (allowed, not): (Vec<&Offer>, Vec<&Offer>) = offer.iter().partition(|o| o.allowed);
    let body = html! {
        dl {
            dt { "Name" } dd { (s.name) }
            dt { "NHS number" } dd { (s.nhs_number) }
            dt { "Date of birth" } dd { (s.date_of_birth.format("%-d %B %Y")) }
            dt { "Your agency's reference" } dd { (s.local_refs.get(identity.agency.as_str()).map_or("none linked", String::as_str)) }
            dt { "This lookup" } dd { "logged as " code { (found.disclosure_id) } }
        }
        @if !s.local_refs.contains_key(identity.agency.as_str()) {
            form.search method="post" action={ "/console/children/" (s.id) "/link" } {
                label { (identity.agency) "'s reference for this child" input name="local_ref" required; }
                label { "Why (kept in the link's history)" input name="reason"; }
                div { button type="submit" { "Link the reference" } }
            }
        }
        h2 { "Ask for records" }
        form method="post" action="/console/ask" {
            input type="hidden" name="subject" value=(s.id);
            input type="hidden" name="purpose" value=(purpose);
            input type="hidden" name="lawful_basis" value=(basis);
            fieldset {
                legend { "What a " (identity.role) " of " (identity.agency) " may ask for, for " (purpose) " on the basis " (basis) }
                @if allowed.is_empty() { p { "Nothing: the need-to-know policy lets you see no kind of record for this purpose on this basis." } }
                @for o in &allowed {
                    label.choice { input type="checkbox" name="category" value=(o.category); (o.category) }
                }
            }
            label { "Reason" textarea name="reason" required aria-describedby="ask-help" {} }
            p #ask-help { (REASON_HELP) " Each holding agency's records are given only with the family's consent "
                "(or a recorded, endorsed decision not to seek it), as the policy says." }
            button type="submit" { "Ask" }
        }
        h2 { "Or ask only who holds what" }
        form method="post" action="/console/discover" {
            input type="hidden" name="subject" value=(s.id);
            input type="hidden" name="purpose" value=(purpose);
            input type="hidden" name="lawful_basis" value=(basis);
            p { "Which agencies hold records about the child in the kinds you may be given now — no content. "
                "It is itself written to the disclosure log." }
            label { "Reason" textarea name="reason" required aria-describedby="discover-help" {} }
            p #discover-help { (REASON_HELP) }
            button type="submit" { "Ask who holds records" }
        }
        @if !not.is_empty() {
            h2 { "Not offered, and why" }
            ul.why-not { @for o in &not { li {
                (o.category) ": "
                @match &o.rule {
                    Some(reason) => { "a rule of the need-to-know policy refuses it — " (reason) },
                    None => { "no rule of the need-to-know policy lets a " (identity.role) " of " (identity.agency) " see it for " (purpose) " on the basis " (basis) },
                }
            } } }
        }
        h2 { "Record the family's consent (¶33)" }
        form.consent method="post" action="/console/consents" {
            input type="hidden" name="subject" value=(s.id);
            label { "Given by (name)" input name="given_by_name" autocomplete="off" required; }
            label { "Relationship to the child"
                select name="relationship" required {
                    option value="" { "choose" }
                    @for (value, words) in RELATIONSHIPS { option value=(value) { (words) } }
                }
            }
            label { "How it was obtained"
                select name="how_obtained" required {
                    option value="" { "choose" }
                    @for (value, words) in HOW_OBTAINED { option value=(value) { (words) } }
                }
            }
            label { "Your agency's consent form reference (optional)" input name="form_reference"; }
            label { "If the young person gave it: who judged them competent (Gillick)" input name="competence_assessed_by"; }
            fieldset { legend { "Records it covers" }
                @for c in &choices.categories { label.choice { input type="checkbox" name="consent_category" value=(c); (c) } } }
            fieldset { legend { "Agencies that may receive them" }
                @for a in &choices.agencies { label.choice { input type="checkbox" name="recipient" value=(a); (a) } } }
            fieldset { legend { "For" }
                @for p in &choices.purposes { label.choice { input type="checkbox" name="consent_purpose" value=(p); (p) } } }
            label { "Valid from (optional; today if empty)" input type="date" name="valid_from"; }
            label { "Valid until (optional; open-ended if empty)" input type="date" name="valid_until"; }
            button type="submit" { "Record the consent" }
        }
    };
    layout(Some(identity), &format!("{} (NHS {})", s.name, s.nhs_number), body)
}

fn statement(s: &Statement) -> Markup {
    html! {
        @match s {
            Statement::Fact { text, evidence } => li { strong { "Fact: " } (text) @if let Some(e) = evidence { " (known from: " (e) ")" } },
            Statement::Opinion { text, evidence, .. } => li { strong { "Opinion: " } (text) " — resting on: " (evidence) },
            Statement::Quote { text, source } => li { strong { "Quote: " } "“" (text) "” — " (source) },
        }
    }
}

fn record(signed: &SignedRecord) -> Markup {
    let r = &signed.record;
    html! {
        article.record.amendment[r.amends.is_some()] {
            h3 { (r.category) ": " (r.contact_type) ", " (local(r.occurred_at)) }
            @if let Some(original) = &r.amends { p.note { "An amendment of record " code { (original) } ", which it corrects." } }
            p { "Written by " (r.author.person) " (" (r.author.role) ", " (r.author.agency) "), recorded " (local(r.recorded_at)) "." }
            ul { @for s in &r.statements { (statement(s)) } }
            @if !r.sources.is_empty() {
                p { "Sources: " (r.sources.iter().map(|s| format!("{} ({})", s.who, s.how)).collect::<Vec<_>>().join("; ")) }
            }
            @if !r.glossary.is_empty() {
                p { "Abbreviations: " (r.glossary.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("; ")) }
            }
            p.small { "Record " code { (r.id) } ", signed by " (r.agency) "'s node." }
        }
    }
}

/// An answer as the API gave it: records, each agency's part, refusals with why, the disclosure id.
pub fn answer(identity: &Identity, a: &Answer) -> Markup {
    let body = html! {
        p.note { "Disclosure " code { (a.disclosure_id) } " — copy it into your case notes. Everything below is in the "
                 "disclosure log under your name." }
        @if !a.granted.is_empty() {
            h2 { "Given" }
            ul { @for g in &a.granted { li { (g.category) " from " (g.agency) } } }
        }
        @if a.partial { p.refused { "Part of the answer is missing: see each agency's part below." } }
        h2 { "Records (" (a.records.len()) ")" }
        @if a.records.is_empty() { p { "No record was given." } }
        @for r in &a.records { (record(r)) }
        @if !a.refused.is_empty() {
            h2 { "Refused, and why" }
            ul { @for r in &a.refused { li.refused { (r.category) " (" (r.agency) "): " (r.why) } } }
        }
        @if !a.agencies.is_empty() {
            h2 { "Each agency's part" }
            div.wide { table {
                thead { tr { th scope="col" { "Agency" } th scope="col" { "Answer" } th scope="col" { "Records" } } }
                tbody { @for p in &a.agencies { tr {
                    td { (p.agency) } td { (p.status) @if let Some(m) = &p.message { ": " (m) } } td { (p.records) }
                } } }
            } }
        }
        p { a href="/console" { "Back to the start" } }
    };
    let title = if a.granted.is_empty() { "Refused" } else { "The answer" };
    layout(Some(identity), title, body)
}

/// Who may give consent, as the form offers it.
const RELATIONSHIPS: [(&str, &str); 6] = [
    ("parent", "parent"),
    ("young_person", "the young person themselves"),
    ("guardian", "guardian"),
    ("special_guardian", "special guardian"),
    ("local_authority", "the local authority (care order)"),
    ("other_with_parental_responsibility", "someone else with parental responsibility"),
];

const HOW_OBTAINED: [(&str, &str); 4] = [
    ("in_person", "in person"),
    ("telephone", "by telephone"),
    ("in_writing", "in writing"),
    ("electronic", "electronically"),
];

/// A consent as the register now holds it.
pub fn consent_recorded(identity: &Identity, c: &crate::services::register::ConsentView) -> Markup {
    let e = &c.consent;
    let join = |items: Vec<String>| items.join(", ");
    let body = html! {
        p.note { "Recorded in the consent register and sealed by the gateway: " code { (e.id) } ". "
                 "Holding agencies other than yours confirm it before it covers their records, unless the policy says otherwise." }
        dl {
            dt { "Given by" } dd { (e.given_by.name) " (" (crate::subject_access::words::relationship(e.given_by.relationship)) ")" }
            dt { "Obtained" } dd { (c.obtained) }
            dt { "Covers" } dd { (join(e.scope.categories.iter().map(ToString::to_string).collect())) }
            dt { "To" } dd { (join(e.scope.recipients.iter().map(ToString::to_string).collect())) }
            dt { "For" } dd { (join(e.scope.purposes.iter().map(ToString::to_string).collect())) }
            dt { "Valid" } dd { "from " (local(e.valid_from)) @if let Some(until) = e.valid_until { " until " (local(until)) } @else { ", open-ended" } }
            dt { "Recorded by" } dd { (e.recorded_by.person) " (" (e.recorded_by.role) ", " (e.recorded_by.agency) "), " (local(e.recorded_at)) }
        }
        p { a href="/console" { "Back to the start" } }
    };
    layout(Some(identity), "Consent recorded", body)
}

/// A core group meeting as it stands, with the forms its reader may use.
pub fn meeting(
    identity: &Identity,
    m: &crate::meetings::Meeting,
    children: &crate::routes::console::Children,
) -> Markup {
    let coordinating =
        m.coordinator.agency == identity.agency && identity.role.as_str() == sharegate_core::identity::COORDINATOR;
    let open = m.closed_at.is_none();
    let agencies = |set: &std::collections::BTreeSet<sharegate_core::domain::AgencyName>| {
        if set.is_empty() {
            "—".to_owned()
        } else {
            set.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        }
    };
    let body = html! {
        p.small { "This reading of the meeting is written to the disclosure log under your name." }
        dl {
            dt { "Child" } dd { (crate::routes::console::pages::child(children, m.subject.as_str())) }
            dt { "When" } dd { (local(m.scheduled_for)) }
            dt { "Convened by" } dd { (m.coordinator.person) " (" (m.coordinator.role) ", " (m.coordinator.agency) ")" }
            dt { "Invited" } dd { (agencies(&m.invited)) }
            dt { "Attended" } dd { (agencies(&m.attended)) }
            dt { "Apologies" } dd { (agencies(&m.apologies)) }
            dt { "State" } dd { @match m.closed_at { Some(at) => { "closed " (local(at)) }, None => "open" } }
        }
        p { a href={ "/v1/meetings/" (m.id) "/pack?format=html" } { "The meeting's pack, to print" }
            " (gathering each agency's part is itself a logged disclosure)" }
        h2 { "Written views (¶32)" }
        @if m.views.is_empty() { p { "None yet." } }
        @for v in &m.views {
            article.record {
                p { strong { (v.by.person) " (" (v.by.role) ", " (v.by.agency) ")" } ", " (local(v.at))
                    @if v.absent { " — given in absence" } @if v.late { " — a late addendum" } }
                p { (v.text) }
            }
        }
        h2 { "Decisions (¶26)" }
        @if m.decisions.is_empty() { p { "None yet." } }
        @for d in &m.decisions {
            article.record {
                p { (d.text) }
                p.small { "Agreed by " (agencies(&d.agreed_by))
                    @for x in &d.dissent { "; " (x.agency) " dissented: " (x.reason) }
                    ". Recorded by " (d.by.person) ", " (local(d.at)) ". "
                    @match &d.endorsed_by { Some(e) => { "Endorsed by " (e.person) "." }, None => strong.refused { "Not yet endorsed by a manager." } } }
            }
        }
        h2 { "Add your written view" }
        form method="post" action={ "/console/meetings/" (m.id) "/views" } {
            label { "Your view" textarea name="text" required {} }
            label.choice { input type="checkbox" name="absent" value="true"; "I cannot attend: this view is given in my absence" }
            button type="submit" { "Add the view" }
        }
        @if coordinating && open {
            h2 { "Attendance" }
            form method="post" action={ "/console/meetings/" (m.id) "/attendance" } {
                fieldset { legend { "Attended" }
                    @for a in &m.invited { label.choice { input type="checkbox" name="attended" value=(a) checked[m.attended.contains(a)]; (a) } } }
                fieldset { legend { "Sent apologies" }
                    @for a in &m.invited { label.choice { input type="checkbox" name="apologies" value=(a) checked[m.apologies.contains(a)]; (a) } } }
                button type="submit" { "Record attendance" }
            }
            h2 { "Record a decision" }
            form method="post" action={ "/console/meetings/" (m.id) "/decisions" } {
                label { "The decision" textarea name="text" required {} }
                fieldset { legend { "Agreed by" }
                    @for a in &m.invited { label.choice { input type="checkbox" name="agreed_by" value=(a); (a) } } }
                label { "An agency that dissented (optional)"
                    select name="dissent_agency" { option value="" { "none" } @for a in &m.invited { option value=(a) { (a) } } } }
                label { "Why it dissented" input name="dissent_reason"; }
                button type="submit" { "Record the decision" }
            }
            h2 { "Close the meeting" }
            form method="post" action={ "/console/meetings/" (m.id) "/close" } {
                p { "Nothing more is shared under the meeting once it is closed. Decisions must be endorsed first." }
                button type="submit" { "Close the meeting" }
            }
        }
    };
    layout(Some(identity), "Core group meeting", body)
}

/// A discovery's answer, read back from the API's JSON.
#[derive(Debug, Deserialize)]
pub struct Holders {
    pub disclosure_id: String,
    #[serde(default)]
    pub holders: Vec<HolderShown>,
    #[serde(default)]
    pub partial: bool,
    #[serde(default)]
    pub refused: Vec<RefusedShown>,
}

#[derive(Debug, Deserialize)]
pub struct HolderShown {
    pub agency: String,
    pub categories: Vec<String>,
}

pub fn holders(identity: &Identity, a: &Holders) -> Markup {
    let body = html! {
        p.note { "Disclosure " code { (a.disclosure_id) } " — copy it into your case notes." }
        h2 { "Who holds records (no content)" }
        @if a.holders.is_empty() { p { "No agency holds records in the kinds you may be given now." } }
        ul { @for h in &a.holders { li { (h.agency) ": " (h.categories.join(", ")) } } }
        @if a.partial { p.refused { "An agency did not answer: the list may be incomplete." } }
        @if !a.refused.is_empty() {
            h2 { "Not asked, and why" }
            ul { @for r in &a.refused { li.refused { (r.category) " (" (r.agency) "): " (r.why) } } }
        }
        p { a href="/console" { "Back to the start" } }
    };
    layout(Some(identity), "Who holds records", body)
}

pub fn registered(identity: &Identity, view: &crate::routes::subjects::SubjectView) -> Markup {
    let body = html! {
        p.note { "Registered in the subject index: " code { (view.id) } "." }
        dl {
            dt { "Name" } dd { (view.name) }
            dt { "NHS number" } dd { (view.nhs_number) }
            dt { "Date of birth" } dd { (view.date_of_birth.format("%-d %B %Y")) }
            dt { "Your agency's reference" } dd { (view.local_refs.get(identity.agency.as_str()).map_or("none linked", String::as_str)) }
        }
        p { a href="/console" { "Back to the start" } " — find the child there to ask for records." }
    };
    layout(Some(identity), "Child registered", body)
}

pub fn linked(identity: &Identity, view: &crate::routes::subjects::LinkView) -> Markup {
    let body = html! {
        p.note { (view.agency) "'s reference for the child is now " code { (view.local_ref.as_deref().unwrap_or("none")) }
                 ": its node is asked about the child by that reference." }
        p { a href="/console" { "Back to the start" } }
    };
    layout(Some(identity), "Reference linked", body)
}
