use serde_json::json;

use super::statements;

/// ¶17 and ¶23 on paper: an opinion shows its evidence and what it rests on, counted from 1 as the page numbers
/// statements and sources; a quote is someone's words, marked as such, with who said them; a record written before
/// either reads as it did.
#[test]
fn statements_show_each_kind_as_a_reader_needs_it() {
    let record = json!({"statements": [
        {"kind": "fact", "text": "Absent on 6 of 10 days."},
        {"kind": "quote", "text": "I look after Sam.", "source": "Lily, to her teacher"},
        {"kind": "opinion", "text": "She is a young carer.", "evidence": "What she said.",
         "rests_on": {"statements": [0, 1], "sources": [0]}},
        {"kind": "opinion", "text": "Written before rests_on.", "evidence": "Old evidence."}
    ]});
    let html = statements(&record).into_string();
    assert!(html.contains("<li>Fact: Absent on 6 of 10 days.</li>"), "{html}");
    assert!(html.contains("<li>Quote: <q>I look after Sam.</q> — Lily, to her teacher</li>"), "{html}");
    assert!(html.contains("(evidence: What she said.)</i> Rests on statement 1, 2 and source 1.</li>"), "{html}");
    assert!(html.contains("(evidence: Old evidence.)</i></li>"), "{html}");
    assert!(html.starts_with("<ol>"), "numbered as the rests-on references count: {html}");
}
