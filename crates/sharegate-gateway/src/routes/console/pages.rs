//! The console's pages. maud escapes every value it is given, so nothing a requester typed (a reason, a name) can
//! become markup; the pages carry no scripts, and their only style sheet is the console's own.

use maud::{DOCTYPE, Markup, html};

use super::SearchForm;
use crate::disclosure_log::policy_change::{Comparison, LoggedPolicyChange, Occasion};
use crate::disclosure_log::proof::{InclusionProof, ProofBroken};
use crate::disclosure_log::{Entry, GroundRef, Kind};
use crate::routes::dpo::{DisclosureView, HistoryLine};
use crate::store::log::CheckpointRow;
use sharegate_core::identity::Identity;

pub const STYLE: &str = "\
body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;line-height:1.4}\
header{background:#1d3557;color:#fff;padding:.6em 1.5em}header a{color:#fff;margin-right:1.2em}\
header p{margin:.2em 0}.brand{font-weight:bold}main{padding:1em 1.5em;max-width:80em}\
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}\
th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#eef}\
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}\
.refused{color:#a00}.note{background:#ffd;padding:.5em;border:1px solid #cc9}\
form.search{display:grid;grid-template-columns:repeat(auto-fill,minmax(14em,1fr));gap:.5em;margin-bottom:1em}\
label{display:flex;flex-direction:column;font-size:.9em}textarea{width:100%;min-height:6em}\
code{font-size:.85em;word-break:break-all}td.when{white-space:nowrap}";

/// A page of the console for `identity`, titled `title`.
pub fn layout(identity: Option<&Identity>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — sharegate DPO console" }
                link rel="stylesheet" href="/console/style.css";
            }
            body {
                header {
                    p.brand { "sharegate — data-protection officer's console" }
                    nav {
                        a href="/console" { "Review queue" }
                        a href="/console/disclosures" { "Search the log" }
                        a href="/console/policy" { "Policy changes" }
                    }
                    @if let Some(me) = identity {
                        p.who {
                            "Signed in by certificate as " (me.person) " (" (me.role) ", " (me.agency) "). "
                            "You see only entries in which " (me.agency) " asked or was asked."
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

fn when(entry: &Entry) -> String {
    entry.at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
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

fn ground(ground: &GroundRef) -> String {
    match ground {
        GroundRef::Consent(id) => format!("consent {id}"),
        GroundRef::Decision(id) => format!("decision not to seek consent {id}"),
        GroundRef::Meeting(id) => format!("core group meeting {id}"),
        GroundRef::NeedToKnow => "need-to-know policy (which agencies hold what, no content)".to_owned(),
    }
}

/// Entries as a table, each linking to its page and to its child's history; in the review queue, with why each waits.
pub fn entries(views: &[DisclosureView], queue: bool) -> Markup {
    html! {
        table.entries {
            thead { tr { th { "When" } th { "Who asked" } th { "Kind" } th { "Child" } th { "Asked for" }
                         th { "Purpose" } th { "Basis" } th { "Outcome" }
                         @if queue { th { "Why it waits" } } } }
            tbody {
                @for v in views {
                    @let e = &v.entry;
                    tr {
                        td.when { a href={ "/console/disclosures/" (e.id) } { (when(e)) } }
                        td { (who(e)) }
                        td { (e.kind.as_str()) }
                        td { a href={ "/console/subjects/" (e.subject) } { code { (e.subject) } } }
                        td { (list(&e.asked)) }
                        td { (e.purpose) }
                        td { (e.lawful_basis) }
                        td class=[(e.outcome.as_str() == "refused").then_some("refused")] { (e.outcome.as_str()) }
                        @if queue {
                            td { (v.waiting.iter().map(|w| w.describe()).collect::<Vec<_>>().join("; ")) }
                        }
                    }
                }
            }
        }
    }
}

pub fn queue(
    identity: &Identity,
    waiting: &[DisclosureView],
    next: Option<&str>,
    checkpoint: Option<&CheckpointRow>,
) -> Markup {
    let body = html! {
        p {
            "Entries that involve " (identity.agency) " and that no DPO of " (identity.agency) " has reviewed yet, "
            "oldest first: disclosures made without consent, refusals, and answers in which " (identity.agency)
            "'s node sent records that the gateway did not pass on."
        }
        @if waiting.is_empty() {
            p.note { "Nothing is waiting for review." }
        } @else {
            (entries(waiting, true))
            @if let Some(next) = next { p { a href=(next) rel="next" { "More waiting" } } }
        }
        h2 { "The log" }
        @match checkpoint {
            Some(c) => p {
                "The latest signed checkpoint covers the log's first " (c.size)
                @if c.size == 1 { " entry" } @else { " entries" } "; its root is "
                code { (c.root) } ", signed " (c.at.format("%Y-%m-%d %H:%M:%S UTC")) ". "
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

pub fn search(
    identity: &Identity,
    fields: &SearchForm,
    choices: &Choices<'_>,
    found: &[DisclosureView],
    next: Option<&str>,
    csv: &str,
) -> Markup {
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
            label { "Requester's name (exactly)" input name="person" value=(fields.person); }
            (select("purpose", "Purpose", &choices.purposes, &fields.purpose))
            (select("basis", "Lawful basis", &choices.bases, &fields.basis))
            (select("decision", "Outcome", &["granted", "partial", "refused"], &fields.decision))
            (select("kind", "Kind", &["request", "discovery", "review"], &fields.kind))
            label { "Only answers in which " (identity.agency) "'s node sent records that were not passed on"
                input type="checkbox" name="not_passed_on" value="true" checked[fields.not_passed_on == "true"]; }
            label { "From (date, UTC)" input type="date" name="from" value=(fields.from); }
            label { "To (date, UTC, inclusive)" input type="date" name="to" value=(fields.to); }
            div { button type="submit" { "Search" } }
        }
        p { a href=(csv) { "Download every matching entry as CSV" } " (a spreadsheet opens it; the download is itself read over your certificate)." }
        @if found.is_empty() {
            p.note { "No entry matches." }
        } @else {
            (entries(found, false))
        }
        @if let Some(next) = next { p { a href=(next) rel="next" { "Next page" } } }
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

pub fn disclosure(identity: &Identity, v: &DisclosureView, reviews: &[DisclosureView], reviewing: Reviewing) -> Markup {
    let e = &v.entry;
    let body = html! {
        dl {
            dt { "Disclosure id" } dd { code { (e.id) } }
            dt { "Position in the log" } dd { (v.index) }
            dt { "When" } dd { (when(e)) }
            dt { "Kind" } dd { (e.kind.as_str()) }
            dt { "Who asked" } dd { (who(e)) ", certificate " code { (e.requester.serial) } }
            dt { "Child" } dd { a href={ "/console/subjects/" (e.subject) } { code { (e.subject) } } }
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
            dt { "Need-to-know policy" } dd { code { (e.policy_hash) } }
            dt { "Digest of the answer sent" } dd { code { (e.response_digest) } }
        }
        @if let (Kind::Review, Some(review)) = (e.kind, &e.review) {
            p { "This entry is a review of " a href={ "/console/disclosures/" (review.disclosure) } { "disclosure " (review.disclosure) } ": " (review.comment) }
        }
        @if !e.given.is_empty() {
            h2 { "Given" }
            table { thead { tr { th { "Category" } th { "From" } th { "On the ground of" } } }
                tbody { @for g in &e.given { tr { td { (g.category) } td { (g.agency) } td { (ground(&g.ground)) } } } } }
        }
        @if !e.refused.is_empty() {
            h2 { "Refused" }
            table { thead { tr { th { "Category" } th { "From" } th { "Why" } } }
                tbody { @for r in &e.refused { tr.refused { td { (r.category) } td { (r.agency) } td { (r.why) } } } } }
        }
        @if !e.agencies.is_empty() {
            h2 { "Each agency's part" }
            table { thead { tr { th { "Agency" } th { "Answer" } th { "Records" } th { "Sent and not passed on" } } }
                tbody { @for a in &e.agencies {
                    tr { td { (a.agency) } td { (a.status) } td { (a.records) } td { (dropped(&a.dropped)) } }
                } } }
        }
        p { a href={ "/console/disclosures/" (e.id) "/proof" } { "Proof that this entry is in the log" }
            ", against the latest signed checkpoint." }
        h2 { "Reviews by " (identity.agency) }
        @if reviews.is_empty() { p { "None yet." } }
        @for r in reviews {
            p.reviewed { "Reviewed by " (who(&r.entry)) " on " (when(&r.entry)) ": " (r.entry.reason) }
        }
        @match reviewing {
            Reviewing::Form => form method="post" action={ "/console/disclosures/" (e.id) "/review" } {
                label { "Your review (it is written to the disclosure log, under your name)"
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

pub fn history(identity: &Identity, subject: &str, lines: &[HistoryLine]) -> Markup {
    let body = html! {
        p {
            "Everything the log holds about this child that involves " (identity.agency)
            ", oldest first: for a subject-access request."
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
