//! The console's pages. maud escapes every value it is given, so nothing a requester typed (a reason, a name) can
//! become markup; the pages carry no scripts, and their only style sheet is the console's own.

use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};

use super::charts;
use super::{Children, Grouping, SearchForm};
use crate::disclosure_log::policy_change::{Comparison, LoggedPolicyChange, Occasion};
use crate::disclosure_log::proof::{InclusionProof, ProofBroken};
use crate::disclosure_log::{Entry, GroundKind, GroundRef, Kind, Verdict, VerdictKind};
use crate::incidents::{self, Incident, Outcome, State};
use crate::routes::dpo::overview::Overview;
use crate::routes::dpo::{DisclosureView, HistoryLine};
use crate::services::register::{ConsentStatus, RegisterView};
use crate::store::log::CheckpointRow;
use sharegate_core::identity::Identity;

/// A page of the console for `identity`, titled `title`: a DPO's pages with the DPO's tools, everyone else's with
/// their casework.
pub fn layout(identity: Option<&Identity>, title: &str, body: Markup) -> Markup {
    let dpo = identity.is_none_or(|me| !me.works_cases());
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — sharegate console" }
                link rel="stylesheet" href="/console/style.css";
            }
            body {
                header {
                    @if dpo {
                        p.brand { "sharegate — data-protection officer's console" }
                        nav {
                            a href="/console" { "Review queue" }
                            a href="/console/overview" { "Overview" }
                            a href="/console/disclosures" { "Search the log" }
                            a href="/console/incidents" { "Incidents" }
                            a href="/console/policy" { "Policy changes" }
                        }
                    } @else {
                        p.brand { "sharegate — sharing what each agency needs to know about a child" }
                        nav { a href="/console" { "Start: find a child" } }
                    }
                    @if let Some(me) = identity {
                        p.who {
                            "Signed in by certificate as " (me.person) " (" (me.role) ", " (me.agency) "). "
                            @if dpo { "You see only entries in which " (me.agency) " asked or was asked." }
                            @else { "What you find and ask is written to the disclosure log under your name." }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

/// What an agency sent that redaction dropped, counted by why: "2 whose signature does not verify; 1 about another
/// child", or "none".
fn dropped(counts: &std::collections::BTreeMap<crate::redaction::Dropped, usize>) -> String {
    if counts.is_empty() {
        return "none".to_owned();
    }
    counts.iter().map(|(why, n)| format!("{n} {}", why.describe())).collect::<Vec<_>>().join("; ")
}

/// An error as a page: what went wrong, in the words the JSON API would use.
pub fn error(status: u16, reason: &str, message: &str) -> Markup {
    layout(
        None,
        &format!("{status} {reason}"),
        html! { p { (message) } p { a href="/console" { "Back to the review queue" } } },
    )
}

/// A time as the console's readers read a clock: UK time, with GMT or BST said.
pub fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::London).format("%-d %b %Y, %H:%M %Z").to_string()
}

fn when(entry: &Entry) -> String {
    local(entry.at)
}

/// How long since `then`: "2 d 4 h", "3 h 10 min", "5 min".
fn since(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - then).num_minutes().max(0);
    let (days, hours, minutes) = (minutes / (24 * 60), minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes} min"),
        (0, _) => format!("{hours} h {minutes} min"),
        _ => format!("{days} d {hours} h"),
    }
}

/// A child as a reader knows them: name and NHS number (the gateway id only when the index has no such child).
pub fn child(children: &Children, id: &str) -> String {
    match children.get(id) {
        Some(known) => format!("{} (NHS {})", known.name, spaced(&known.nhs_number)),
        None => id.to_owned(),
    }
}

/// An NHS number as it is printed on letters: 3 3 4.
fn spaced(nhs: &str) -> String {
    match (nhs.get(..3), nhs.get(3..6), nhs.get(6..)) {
        (Some(a), Some(b), Some(c)) => format!("{a} {b} {c}"),
        _ => nhs.to_owned(),
    }
}

fn child_cell(children: &Children, id: &str) -> Markup {
    html! {
        a href={ "/console/subjects/" (id) } {
            @match children.get(id) {
                Some(known) => { (known.name) br; span.nhs { "NHS " (spaced(&known.nhs_number)) } },
                None => code { (id) },
            }
        }
    }
}

fn who(entry: &Entry) -> String {
    let r = &entry.requester;
    format!("{} ({}, {})", r.person, r.role, r.agency)
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        "—".to_owned()
    } else {
        items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

/// A grant's ground, linked to where the child's consent register shows it.
fn ground(ground: &GroundRef, subject: &str) -> Markup {
    html! {
        @match ground {
            GroundRef::Consent(id) => a href={ "/console/subjects/" (subject) "/register#" (id) } { "consent " (id) },
            GroundRef::Decision(id) => {
                a href={ "/console/subjects/" (subject) "/register#" (id) } { "decision not to seek consent " (id) }
            },
            GroundRef::Meeting(id) => { "core group meeting " (id) },
            GroundRef::NeedToKnow => "need-to-know policy (which agencies hold what, no content)",
        }
    }
}

/// Where a table of entries stands: the queue (with a box to tick each for a review of several, and how long each
/// has waited) or search results.
pub enum Listing {
    Queue { now: DateTime<Utc> },
    Search,
}

/// Entries as a table, each linking to its page and to its child's history; in the review queue, with why each waits.
pub fn entries(views: &[DisclosureView], children: &Children, listing: &Listing) -> Markup {
    let queue = match listing {
        Listing::Queue { now } => Some(*now),
        Listing::Search => None,
    };
    html! {
        div.wide { table.entries {
            thead { tr {
                @if queue.is_some() { th scope="col" { "Review" } }
                th scope="col" { "When" } th scope="col" { "Who asked" } th scope="col" { "Kind" }
                th scope="col" { "Child" } th scope="col" { "Asked for" } th scope="col" { "Purpose and basis" }
                th scope="col" { "Outcome" }
                @if queue.is_some() { th scope="col" { "Why it waits" } th scope="col" { "Waiting" } }
            } }
            tbody {
                @for v in views {
                    @let e = &v.entry;
                    tr {
                        @if queue.is_some() {
                            td { input type="checkbox" name="disclosure" value=(e.id)
                                aria-label={ "Review the entry of " (when(e)) ", asked by " (e.requester.person) }; }
                        }
                        td.when { a href={ "/console/disclosures/" (e.id) } { (when(e)) } }
                        td { (who(e)) }
                        td { (e.kind.as_str()) }
                        td { (child_cell(children, e.subject.as_str())) }
                        td { (list(&e.asked)) }
                        td { (e.purpose) br; (e.lawful_basis) }
                        td class=[(e.outcome.as_str() == "refused").then_some("refused")] { (e.outcome.as_str()) }
                        @if let Some(now) = queue {
                            td { (v.waiting.iter().map(|w| w.describe()).collect::<Vec<_>>().join("; ")) }
                            td.when { (since(e.at, now)) }
                        }
                    }
                }
            }
        } }
    }
}

/// Entries of the queue under one heading (untitled when the queue is not grouped).
pub struct Group {
    pub title: String,
    pub entries: Vec<DisclosureView>,
}

pub struct Queue<'a> {
    pub groups: &'a [Group],
    pub group: Grouping,
    pub next: Option<&'a str>,
    pub checkpoint: Option<&'a CheckpointRow>,
}

fn grouping_label(g: Grouping) -> &'static str {
    match g {
        Grouping::None => "Oldest first",
        Grouping::Child => "By child",
        Grouping::Requester => "By requester",
        Grouping::Meeting => "By core group meeting",
    }
}

/// The verdict a review gives, as radio buttons (one of them must be chosen).
fn verdict_choice() -> Markup {
    html! {
        fieldset {
            legend { "Verdict" }
            @for kind in VerdictKind::ALL {
                label.choice { input type="radio" name="verdict" value=(kind.as_str()) required; (verdict_words(kind)) }
            }
        }
    }
}

fn verdict_words(kind: VerdictKind) -> &'static str {
    match kind {
        VerdictKind::Appropriate => "Appropriate: shared as the policy and the law allow",
        VerdictKind::Concern => "Concern: lawful, but to take up with the requester or their manager",
        VerdictKind::Breach => "Breach: opens an incident (72 hours to decide whether to report it to the ICO)",
    }
}

pub fn queue(identity: &Identity, shown: &Queue<'_>, children: &Children, now: DateTime<Utc>) -> Markup {
    let count: usize = shown.groups.iter().map(|g| g.entries.len()).sum();
    let body = html! {
        p {
            "Entries that involve " (identity.agency) " and that no DPO of " (identity.agency) " has reviewed yet, "
            "oldest first: disclosures made without consent, refusals, and answers in which " (identity.agency)
            "'s node sent records that the gateway did not pass on."
        }
        nav aria-label="Group the queue" {
            "Show: "
            @for g in Grouping::ALL {
                @if g == shown.group { strong { (grouping_label(g)) } " " }
                @else {
                    a href={ "/console" @if g != Grouping::None { "?group=" (<&str>::from(g)) } } { (grouping_label(g)) } " "
                }
            }
        }
        @if count == 0 {
            p.note { "Nothing is waiting for review." }
        } @else {
            p { (count) @if count == 1 { " entry waits" } @else { " entries wait" } " on this page; the oldest has waited "
                (shown.groups.iter().flat_map(|g| &g.entries).map(|v| v.entry.at).min().map(|at| since(at, now)).unwrap_or_default())
                "." }
            form method="post" action="/console/reviews" {
                input type="hidden" name="group" value=(<&str>::from(shown.group));
                @for group in shown.groups {
                    @if !group.title.is_empty() { h2 { (group.title) " (" (group.entries.len()) ")" } }
                    (entries(&group.entries, children, &Listing::Queue { now }))
                }
                h2 { "Review the ticked entries" }
                p { "Each ticked entry gets its own review in the disclosure log, under your name, with this verdict and comment." }
                (verdict_choice())
                label { "Comment" textarea name="comment" required { } }
                button type="submit" { "Record the reviews" }
            }
            @if let Some(next) = shown.next { p { a href=(next) rel="next" { "More waiting" } } }
        }
        h2 { "The log" }
        @match shown.checkpoint {
            Some(c) => p {
                "The latest signed checkpoint covers the log's first " (c.size)
                @if c.size == 1 { " entry" } @else { " entries" } "; its root is "
                code { (c.root) } ", signed " (local(c.at.and_utc())) ". "
                "Each disclosure's page links to its inclusion proof against the latest checkpoint."
            },
            None => p { "Nothing has been logged yet." },
        }
    };
    layout(Some(identity), "Review queue", body)
}

pub struct Choices<'a> {
    pub agencies: Vec<&'a str>,
    pub purposes: Vec<&'a str>,
    pub bases: Vec<&'a str>,
}

fn select(name: &str, label: &str, options: &[&str], chosen: &str) -> Markup {
    html! {
        label { (label)
            select name=(name) {
                option value="" selected[chosen.is_empty()] { "any" }
                @for o in options { option value=(o) selected[*o == chosen] { (o) } }
            }
        }
    }
}

pub struct Found<'a> {
    pub entries: &'a [DisclosureView],
    /// How many match, on every page.
    pub total: i64,
    pub children: &'a Children,
    pub next: Option<&'a str>,
    pub csv: &'a str,
}

pub fn search(identity: &Identity, fields: &SearchForm, choices: &Choices<'_>, found: &Found<'_>) -> Markup {
    let body = html! {
        form.search method="get" action="/console/subjects" {
            label { "A child's whole history (for a subject-access request): NHS number"
                input name="nhs_number" inputmode="numeric" required; }
            div { button type="submit" { "Show the history" } }
        }
        h2 { "Entries matching" }
        form.search method="get" action="/console/disclosures" {
            label { "Child's gateway id" input name="subject" value=(fields.subject); }
            (select("agency", "Agency that asked or was asked", &choices.agencies, &fields.agency))
            label { "Requester's name (or part of it)" input name="person" value=(fields.person); }
            (select("purpose", "Purpose", &choices.purposes, &fields.purpose))
            (select("basis", "Lawful basis", &choices.bases, &fields.basis))
            (select("decision", "Outcome", &["granted", "partial", "refused"], &fields.decision))
            (select("kind", "Kind", &["request", "discovery", "review"], &fields.kind))
            label { "Reviewed by " (identity.agency)
                select name="reviewed" {
                    option value="" selected[fields.reviewed.is_empty()] { "either" }
                    option value="yes" selected[fields.reviewed == "yes"] { "reviewed" }
                    option value="no" selected[fields.reviewed == "no"] { "not reviewed" }
                }
            }
            (select("verdict", "Verdict of that review", &VerdictKind::ALL.map(VerdictKind::as_str), &fields.verdict))
            (select("ground", "Given on the ground of", &GroundKind::ALL.map(GroundKind::as_str), &fields.ground))
            label { "Core group meeting (its id)" input name="meeting" value=(fields.meeting); }
            label { "Reason contains" input name="reason" value=(fields.reason); }
            label { "Only answers in which " (identity.agency) "'s node sent records that were not passed on"
                input type="checkbox" name="not_passed_on" value="true" checked[fields.not_passed_on == "true"]; }
            label { "From (date, UTC)" input type="date" name="from" value=(fields.from); }
            label { "To (date, UTC, inclusive)" input type="date" name="to" value=(fields.to); }
            div { button type="submit" { "Search" } }
        }
        p { a href=(found.csv) { "Download every matching entry as CSV" } " (a spreadsheet opens it; the download is itself read over your certificate)." }
        p.count { (found.total) @if found.total == 1 { " entry matches" } @else { " entries match" }
            @if found.total > found.entries.len() as i64 { "; this page shows " (found.entries.len()) } "." }
        @if found.entries.is_empty() {
            p.note { "No entry matches." }
        } @else {
            (entries(found.entries, found.children, &Listing::Search))
        }
        @if let Some(next) = found.next { p { a href=(next) rel="next" { "Next page" } } }
    };
    layout(Some(identity), "Search the disclosure log", body)
}

/// What the page says about reviewing the entry: a form, or why there is none.
pub enum Reviewing {
    Form,
    IsAReview,
    OwnDisclosure,
    Done,
}

fn verdict_said(verdict: Option<&Verdict>) -> Markup {
    html! {
        @match verdict {
            None => "no verdict (reviewed before verdicts were kept)",
            Some(Verdict::Breach(incident)) => {
                strong.refused { "breach" } " — " a href={ "/console/incidents/" (incident) } { "incident " (incident) }
            },
            Some(v) => strong { (v.kind().as_str()) },
        }
    }
}

pub fn disclosure(
    identity: &Identity,
    v: &DisclosureView,
    reviews: &[DisclosureView],
    reviewing: Reviewing,
    children: &Children,
) -> Markup {
    let e = &v.entry;
    let body = html! {
        dl {
            dt { "Disclosure id" } dd { code { (e.id) } }
            dt { "Position in the log" } dd { (v.index) }
            dt { "When" } dd { (when(e)) }
            dt { "Kind" } dd { (e.kind.as_str()) }
            dt { "Who asked" } dd { (who(e)) ", certificate " code { (e.requester.serial) } }
            dt { "Child" } dd {
                a href={ "/console/subjects/" (e.subject) } { (child(children, e.subject.as_str())) }
                " — " a href={ "/console/subjects/" (e.subject) "/register" } { "consent register" }
            }
            dt { "Purpose" } dd { (e.purpose) }
            dt { "Lawful basis" } dd { (e.lawful_basis) }
            dt { "Reason given" } dd { (e.reason) }
            @if let Some(meeting) = &e.meeting { dt { "Core group meeting" } dd { code { (meeting) } } }
            dt { "Asked for" } dd { (list(&e.asked)) }
            dt { "Outcome" } dd class=[(e.outcome.as_str() == "refused").then_some("refused")] { (e.outcome.as_str()) }
            dt { "Records given" } dd {
                (e.records.len())
                @for (n, record) in e.records.iter().enumerate() { (if n == 0 { ": " } else { ", " }) code { (record) } }
            }
            dt { "Need-to-know policy" } dd { a href="/console/policy" { code { (e.policy_hash) } } }
            dt { "Digest of the answer sent" } dd { code { (e.response_digest) } }
        }
        @if let (Kind::Review, Some(review)) = (e.kind, &e.review) {
            p { "This entry is a review of " a href={ "/console/disclosures/" (review.disclosure) } { "disclosure " (review.disclosure) }
                ". Verdict: " (verdict_said(review.verdict.as_ref())) ". " (review.comment) }
        }
        @if !e.given.is_empty() {
            h2 { "Given" }
            div.wide { table { thead { tr { th scope="col" { "Category" } th scope="col" { "From" } th scope="col" { "On the ground of" } th scope="col" { "Rule" } } }
                tbody { @for g in &e.given { tr {
                    td { (g.category) } td { (g.agency) } td { (ground(&g.ground, e.subject.as_str())) }
                    td { @if let Some(rule) = &g.rule { code { (rule) } } @else { "—" } }
                } } } } }
        }
        @if !e.refused.is_empty() {
            h2 { "Refused" }
            div.wide { table { thead { tr { th scope="col" { "Category" } th scope="col" { "From" } th scope="col" { "Why" } } }
                tbody { @for r in &e.refused { tr.refused { td { (r.category) } td { (r.agency) } td { (r.why) } } } } } }
        }
        @if !e.agencies.is_empty() {
            h2 { "Each agency's part" }
            div.wide { table { thead { tr { th scope="col" { "Agency" } th scope="col" { "Answer" } th scope="col" { "Records" } th scope="col" { "Sent and not passed on" } } }
                tbody { @for a in &e.agencies {
                    tr { td { (a.agency) } td { (a.status) } td { (a.records) } td { (dropped(&a.dropped)) } }
                } } } }
        }
        p { a href={ "/console/disclosures/" (e.id) "/proof" } { "Proof that this entry is in the log" }
            ", against the latest signed checkpoint." }
        @if e.kind != Kind::Review {
            h2 { "Reviews" }
            @if reviews.is_empty() { p { "None yet." } }
            @for r in reviews {
                p.reviewed {
                    "Reviewed by " (who(&r.entry)) " on " (when(&r.entry)) ". Verdict: "
                    (verdict_said(r.entry.review.as_ref().and_then(|x| x.verdict.as_ref()))) ". " (r.entry.reason)
                }
            }
        }
        @match reviewing {
            Reviewing::Form => form method="post" action={ "/console/disclosures/" (e.id) "/review" } {
                h2 { "Your review" }
                (verdict_choice())
                label { "Comment (it is written to the disclosure log, under your name)"
                    textarea name="comment" required { } }
                button type="submit" { "Record the review" }
            },
            Reviewing::IsAReview => p { "A review is not itself reviewed." },
            Reviewing::OwnDisclosure => p.note { "You made this disclosure: another DPO must review it." },
            Reviewing::Done => {},
        }
    };
    layout(Some(identity), &format!("Disclosure {}", e.id), body)
}

fn state_said(incident: &Incident, now: DateTime<Utc>) -> Markup {
    html! {
        @match (incident.state, incident.time_left(now)) {
            (State::Closed, _) => {
                @if let Some(c) = &incident.closed { "closed " (local(c.at)) ": " (c.outcome.describe()) }
            },
            (State::Overdue, Some(left)) => strong.overdue { "open, " (incidents::clock(left)) },
            (_, Some(left)) => { "open, " (incidents::clock(left)) " to decide" },
            (_, None) => "open",
        }
    }
}

/// The agency's incidents: open ones first with Art. 33's clock, then the closed.
pub fn incidents(identity: &Identity, found: &[Incident], now: DateTime<Utc>) -> Markup {
    let open = found.iter().filter(|i| i.closed.is_none()).count();
    let body = html! {
        p {
            "A review whose verdict is breach opens an incident. UK GDPR Art. 33: within 72 hours of becoming aware "
            "of a personal-data breach, report it to the ICO unless it is unlikely to result in a risk to anyone's "
            "rights — and record it either way. Close each incident with what was decided."
        }
        p { (open) " open, " (found.len() - open) " closed." }
        @if found.is_empty() { p.note { "No incident: no review by " (identity.agency) " has found a breach." } }
        @else {
            div.wide { table {
                thead { tr { th scope="col" { "Opened" } th scope="col" { "By" } th scope="col" { "Disclosures" }
                             th scope="col" { "Decide by" } th scope="col" { "State" } } }
                tbody { @for i in found { tr {
                    td.when { a href={ "/console/incidents/" (i.id) } { (local(i.opened_at)) } }
                    td { (i.opened_by.person) " (" (i.opened_by.role) ")" }
                    td { (i.disclosures.len()) }
                    td.when { (local(i.decide_by)) }
                    td { (state_said(i, now)) }
                } } }
            } }
        }
    };
    layout(Some(identity), "Incidents", body)
}

pub fn incident(identity: &Identity, i: &Incident, children: &Children, now: DateTime<Utc>) -> Markup {
    let body = html! {
        dl {
            dt { "Incident" } dd { code { (i.id) } }
            dt { "Opened" } dd { (local(i.opened_at)) " by " (i.opened_by.person) " (" (i.opened_by.role) ", " (i.opened_by.agency) ")" }
            dt { "Finding" } dd { (i.finding) }
            dt { "Decide by" } dd { (local(i.decide_by)) " (72 hours after it was opened)" }
            dt { "State" } dd { (state_said(i, now)) }
            @if let Some(c) = &i.closed {
                dt { "Closed by" } dd { (c.by.person) " (" (c.by.role) ")" }
                dt { "Outcome" } dd { (c.outcome.describe()) }
                dt { "Note" } dd { (c.note) }
            }
        }
        h2 { "Disclosures found in breach" }
        div.wide { table {
            thead { tr { th scope="col" { "Disclosure" } th scope="col" { "Child" } th scope="col" { "The review" } } }
            tbody { @for d in &i.disclosures { tr {
                td { a href={ "/console/disclosures/" (d.disclosure) } { code { (d.disclosure) } } }
                td { (child_cell(children, d.subject.as_str())) }
                td { a href={ "/console/disclosures/" (d.review) } { code { (d.review) } } }
            } } }
        } }
        @if i.closed.is_none() {
            form method="post" action={ "/console/incidents/" (i.id) "/close" } {
                h2 { "Close the incident" }
                fieldset {
                    legend { "Outcome" }
                    @for o in Outcome::ALL {
                        label.choice { input type="radio" name="outcome" value=(o.as_str()) required; (o.describe()) }
                    }
                }
                label { "Note: the ICO's reference, or why it is not reportable, and what was done"
                    textarea name="note" required { } }
                button type="submit" { "Close the incident" }
            }
        }
    };
    layout(Some(identity), &format!("Incident {}", i.id), body)
}

pub fn history(identity: &Identity, subject: &str, lines: &[HistoryLine]) -> Markup {
    let body = html! {
        p {
            "Everything the log holds about this child that involves " (identity.agency)
            ", oldest first: for a subject-access request. "
            @if !lines.is_empty() { a href={ "/console/subjects/" (subject) "/register" } { "The child's consent register" } }
        }
        @if lines.is_empty() {
            p.note { "No entry about this child involves " (identity.agency) "." }
        } @else {
            table {
                thead { tr { th { "When" } th { "What happened" } } }
                tbody { @for l in lines { tr {
                    td { a href={ "/console/disclosures/" (l.disclosure_id) } { (l.when.format("%Y-%m-%d %H:%M UTC")) } }
                    td { (l.summary) }
                } } }
            }
        }
    };
    layout(Some(identity), &format!("Child {subject}"), body)
}

/// Every need-to-know policy put in force, as the log holds it: when, on what occasion, by whom, and what it
/// changed over the one before.
pub fn policy_changes(identity: &Identity, changes: &[LoggedPolicyChange]) -> Markup {
    let body = html! {
        p {
            "Each policy the gateway decided with is an entry of the disclosure log, written before it decided anything. "
            "Every disclosure names its policy by hash; the full text of each is in its entry ("
            code { "GET /v1/policy/changes" } ")."
        }
        @if changes.is_empty() { p { "None logged yet." } }
        @else {
            table {
                thead { tr {
                    th scope="col" { "When" } th scope="col" { "Occasion" } th scope="col" { "Put in force by" }
                    th scope="col" { "What changed" } th scope="col" { "Policy (hash)" }
                } }
                tbody { @for logged in changes {
                    @let c = &logged.entry;
                    tr class=[c.widens().then_some("refused")] {
                        td { (c.at.format("%Y-%m-%d %H:%M:%S UTC")) br; "entry " (logged.seq) }
                        td { (occasion(&c.by.occasion)) }
                        td { (account(&c.by.gateway)) " on " (c.by.host) }
                        td { (compared(&c.compared)) }
                        td { code { (c.hash.get(..16).unwrap_or(&c.hash)) "…" } }
                    }
                } }
            }
        }
    };
    layout(Some(identity), "Need-to-know policy changes", body)
}

fn account(a: &sharegate_core::reload::Account) -> String {
    match &a.user {
        Some(user) => format!("{user} (uid {}, pid {})", a.uid, a.pid),
        None => format!("uid {} (pid {})", a.uid, a.pid),
    }
}

fn occasion(o: &Occasion) -> String {
    match o {
        Occasion::Start => "the gateway started with it".to_owned(),
        Occasion::Reload { sent_by: Some(sender) } => format!("reloaded on a signal from {}", account(sender)),
        Occasion::Reload { sent_by: None } => "reloaded on a signal".to_owned(),
    }
}

fn compared(c: &Comparison) -> String {
    match c {
        Comparison::First => "the first policy logged".to_owned(),
        Comparison::NotComparable { why } => format!("not compared: {why}"),
        Comparison::Counted(c) => {
            let changed = [
                (c.widened, "widened"),
                (c.loosened, "loosened"),
                (c.narrowed, "narrowed"),
                (c.tightened, "tightened"),
                (c.redecided, "decided by another rule"),
            ];
            let said: Vec<String> =
                changed.iter().filter(|(n, _)| *n > 0).map(|(n, what)| format!("{n} {what}")).collect();
            match said.is_empty() {
                true => format!("none of {} requests answered differently", c.requests),
                false => format!("of {} requests: {}", c.requests, said.join(", ")),
            }
        }
    }
}

/// An entry's inclusion proof, checked here, with everything needed to check it again elsewhere.
pub fn proof(identity: &Identity, p: &InclusionProof, holds: Result<(), ProofBroken>) -> Markup {
    let c = &p.checkpoint;
    let body = html! {
        @match holds {
            Ok(()) => p.note {
                "Checked here: entry " (p.index) " of the disclosure log hashes to its leaf, the path below leads from "
                "it to the root of the checkpoint of the first " (c.size) " entries, and the checkpoint is signed with "
                "the gateway's key: this entry, exactly as the JSON below gives it, is part of the log the gateway signed."
            },
            Err(broken) => p.refused { "This proof does not hold: " (broken) ". Tell the gateway's operator." },
        }
        dl {
            dt { "Disclosure id" } dd { a href={ "/console/disclosures/" (p.disclosure_id) } { code { (p.disclosure_id) } } }
            dt { "Position in the log" } dd { (p.index) }
            dt { "Leaf hash" } dd { code { (p.leaf_hash) } }
            dt { "Checkpoint" } dd { "the first " (c.size) " entries, signed " (c.at.format("%Y-%m-%d %H:%M:%S UTC")) }
            dt { "Root" } dd { code { (c.root) } }
            dt { "Signature" } dd { code { (c.signature) } }
            dt { "Gateway's public key" } dd { code { (c.public_key) } " (also in " code { "log-signing.pub" } ")" }
        }
        h2 { "Path from the entry to the root" }
        @if p.proof.is_empty() { p { "None: the entry is the whole tree." } }
        ol { @for hash in &p.proof { li { code { (hash) } } } }
        p {
            "To keep it, and check it without trusting this server: "
            a href={ "/v1/disclosures/" (p.disclosure_id) "/evidence" } download { "download the evidence file" }
            " (the entry's exact text, this path, the signed checkpoint and the key), then run "
            code { "sharegate log check-evidence FILE --log-key log-signing.pub" }
            " with the gateway's public key as you hold it, or follow docs/evidence.md, which needs only a short script."
        }
    };
    layout(Some(identity), &format!("Proof for disclosure {}", p.disclosure_id), body)
}

/// The agency's part of the log over a period, as charts with their tables.
pub fn overview(identity: &Identity, o: &Overview, now: DateTime<Utc>) -> Markup {
    let last_day = o.to - chrono::Duration::microseconds(1);
    let weeks_total: i64 = o.shared_without_consent.iter().map(|w| w.count).sum();
    let sections: [(&str, &str, &str, &[crate::routes::dpo::overview::Count]); 5] = [
        ("by-kind", "Entries by kind", "Kind", &o.by_kind),
        ("by-outcome", "Requests and other entries by outcome (reviews not counted)", "Outcome", &o.by_outcome),
        ("by-purpose", "By purpose (reviews not counted)", "Purpose", &o.by_purpose),
        ("by-basis", "By lawful basis (reviews not counted)", "Lawful basis", &o.by_lawful_basis),
        ("by-requester", "By the agency that asked (reviews not counted)", "Agency", &o.by_requesting_agency),
    ];
    let body = html! {
        form.search method="get" action="/console/overview" {
            label { "From (date, UTC)" input type="date" name="from" value=(o.from.format("%Y-%m-%d")); }
            label { "To (date, UTC, inclusive)" input type="date" name="to" value=(last_day.format("%Y-%m-%d")); }
            div { button type="submit" { "Show the period" } }
        }
        p { "Everything in the disclosure log that involves " (identity.agency) " from " (local(o.from)) " to "
            (local(o.to)) ", counted by the database." }
        h2 { "The review queue now" }
        p {
            @if o.queue.at_least { "At least " }
            (o.queue.waiting) @if o.queue.waiting == 1 { " entry waits" } @else { " entries wait" }
            " for review by " (identity.agency)
            @if let Some(oldest) = o.queue.oldest { "; the oldest has waited " (since(oldest, now)) " (since " (local(oldest)) ")" }
            ". " a href="/console" { "Open the queue" }
        }
        h2 { "Disclosures without consent, week by week" }
        p { (weeks_total) " requests in the period were answered with records on a basis other than consent." }
        div.pair {
            div.wide { (charts::weeks("chart-without-consent", "Disclosures without consent per week", &o.shared_without_consent)) }
            table.counts {
                caption { "Per week (from Monday)" }
                thead { tr { th scope="col" { "Week of" } th scope="col" { "Disclosures" } } }
                tbody { @for w in &o.shared_without_consent { tr { td { (w.starting.format("%-d %b %Y")) } td { (w.count) } } } }
            }
        }
        @for (id, title, what, counts) in sections {
            h2 { (title) }
            div.pair {
                div.wide { (charts::bars(&format!("chart-{id}"), title, counts)) }
                (charts::table(title, what, counts))
            }
        }
    };
    layout(Some(identity), "Overview", body)
}

fn scope(s: &crate::register::ScopeEntry) -> Markup {
    let join = |items: Vec<String>| items.join(", ");
    html! {
        (join(s.categories.iter().map(ToString::to_string).collect())) br;
        "to " (join(s.recipients.iter().map(ToString::to_string).collect())) br;
        "for " (join(s.purposes.iter().map(ToString::to_string).collect()))
    }
}

fn valid(from: DateTime<Utc>, until: Option<DateTime<Utc>>) -> String {
    match until {
        Some(until) => format!("{} to {}", local(from), local(until)),
        None => format!("from {}, open-ended", local(from)),
    }
}

fn actor(a: &crate::register::Actor) -> String {
    format!("{} ({}, {})", a.person, a.role, a.agency)
}

/// A child's consent register as the DPO's agency is part of it.
pub fn register(
    identity: &Identity,
    subject: &str,
    children: &Children,
    r: &RegisterView,
    now: DateTime<Utc>,
) -> Markup {
    let body = html! {
        p {
            "The consents and decisions not to seek consent that " (identity.agency) " is part of (a recipient, the "
            "holder of a category covered, or the agency that recorded it), and every agency's privacy notices. "
            "Each is sealed by the gateway; nothing here is ever edited — a withdrawal or an endorsement is added. "
            a href={ "/console/subjects/" (subject) } { "The child's history with " (identity.agency) }
        }
        h2 { "Consents (" (r.consents.len()) ")" }
        @if r.consents.is_empty() { p { "None that " (identity.agency) " is part of." } }
        @else { div.wide { table {
            thead { tr { th scope="col" { "Consent" } th scope="col" { "Given by" } th scope="col" { "Covers" }
                         th scope="col" { "Valid" } th scope="col" { "Status" } th scope="col" { "Recorded" } } }
            tbody { @for c in &r.consents { tr id=(c.consent.id) {
                td { code { (c.consent.id) } }
                td { (c.consent.given_by.name) " (" (crate::subject_access::words::relationship(c.consent.given_by.relationship)) ")" br;
                     (c.obtained) }
                td { (scope(&c.consent.scope)) }
                td { (valid(c.consent.valid_from, c.consent.valid_until)) }
                td class=[(c.status == ConsentStatus::Withdrawn).then_some("refused")] {
                    (match c.status { ConsentStatus::Active => "active", ConsentStatus::NotYetValid => "not yet valid",
                                      ConsentStatus::Expired => "expired", ConsentStatus::Withdrawn => "withdrawn" })
                    @if let Some(w) = &c.withdrawal { br; (local(w.withdrawn_at)) " by " (actor(&w.recorded_by)) ": " (w.reason) }
                    @for confirmed in &c.confirmations { br; "confirmed by " (confirmed.agency) " (" (confirmed.confirmed_by.person) "), " (local(confirmed.confirmed_at)) }
                }
                td { (local(c.consent.recorded_at)) br; (actor(&c.consent.recorded_by)) }
            } } }
        } } }
        h2 { "Decisions not to seek consent (" (r.decisions.len()) ")" }
        @if r.decisions.is_empty() { p { "None that " (identity.agency) " is part of." } }
        @else { div.wide { table {
            thead { tr { th scope="col" { "Decision" } th scope="col" { "Basis and reasons" } th scope="col" { "Covers" }
                         th scope="col" { "Valid" } th scope="col" { "Decided" } th scope="col" { "Endorsed" } } }
            tbody { @for d in &r.decisions { tr id=(d.decision.id) {
                td { code { (d.decision.id) } }
                td { strong { (d.decision.lawful_basis) } br; (d.decision.reasons) }
                td { (scope(&d.decision.scope)) }
                td { (valid(d.decision.valid_from, d.decision.valid_until)) }
                td { (local(d.decision.decided_at)) br; (actor(&d.decision.decided_by)) }
                @match &d.endorsement {
                    Some(e) => td { (local(e.endorsed_at)) " by " (actor(&e.endorsed_by))
                                    @if let Some(comment) = &e.comment { ": " (comment) } },
                    None => td.overdue { "not endorsed: waiting " (since(d.decision.decided_at, now)) " for a manager of " (d.decision.decided_by.agency) },
                }
            } } }
        } } }
        h2 { "Privacy notices (¶13)" }
        @if r.privacy_notices.is_empty() { p { "No agency has recorded giving the family its privacy notice." } }
        ul { @for n in &r.privacy_notices { li { (n.notice.agency) ": " (n.given) ", recorded by " (actor(&n.notice.recorded_by)) } } }
        @if !r.without_privacy_notice.is_empty() {
            p.note { "Agencies that know the child and have not recorded giving the privacy notice: "
                (r.without_privacy_notice.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) "." }
        }
    };
    layout(Some(identity), &format!("Consent register: {}", child(children, subject)), body)
}
