//! Charts drawn on the server as SVG (no scripts): a bar for each count, and a column for each week. Each is an image
//! with a title for screen readers, and each page shows the table it is drawn from beside it.

use maud::{Markup, html};

use crate::routes::dpo::overview::{Count, Week};

const BAR_HEIGHT: u32 = 22;
const LABEL_WIDTH: u32 = 220;
const BARS_WIDTH: u32 = 360;

/// The longest bar's count, never 0 (an empty chart draws no bars).
fn most(counts: impl Iterator<Item = i64>) -> i64 {
    counts.max().unwrap_or(0).max(1)
}

/// `count` of `most` as a length of `full` pixels, at least a hairline for any count above 0.
fn length(count: i64, most: i64, full: u32) -> i64 {
    let scaled = count.saturating_mul(i64::from(full)) / most;
    if count > 0 { scaled.max(2) } else { 0 }
}

/// Horizontal bars, one per name, labelled with the name and the count.
pub fn bars(id: &str, title: &str, counts: &[Count]) -> Markup {
    let most = most(counts.iter().map(|c| c.count));
    let height = BAR_HEIGHT * u32::try_from(counts.len().max(1)).unwrap_or(1) + 8;
    let width = LABEL_WIDTH + BARS_WIDTH + 60;
    html! {
        svg.chart role="img" aria-labelledby=(id) width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) }
            xmlns="http://www.w3.org/2000/svg" {
            title id=(id) { (title) }
            @if counts.is_empty() { text x="4" y="18" { "none in this period" } }
            @for (i, c) in counts.iter().enumerate() {
                @let y = BAR_HEIGHT * u32::try_from(i).unwrap_or(0) + 4;
                text x=(LABEL_WIDTH - 6) y=(y + 15) text-anchor="end" { (c.name) }
                rect x=(LABEL_WIDTH) y=(y + 2) width=(length(c.count, most, BARS_WIDTH)) height=(BAR_HEIGHT - 6) fill="#1d3557" {}
                text x=(i64::from(LABEL_WIDTH) + length(c.count, most, BARS_WIDTH) + 6) y=(y + 15) { (c.count) }
            }
        }
    }
}

/// A column for each week, the count above it and every fourth week's date below.
pub fn weeks(id: &str, title: &str, weeks: &[Week]) -> Markup {
    const COLUMN: u32 = 18;
    const TALL: u32 = 120;
    let most = most(weeks.iter().map(|w| w.count));
    // Room after the last column for a date written under it.
    let width = COLUMN * u32::try_from(weeks.len().max(1)).unwrap_or(1) + 50;
    let height = TALL + 50;
    html! {
        svg.chart role="img" aria-labelledby=(id) width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) }
            xmlns="http://www.w3.org/2000/svg" {
            title id=(id) { (title) }
            line x1="0" y1=(TALL + 20) x2=(width) y2=(TALL + 20) stroke="#888" {}
            @for (i, w) in weeks.iter().enumerate() {
                @let x = COLUMN * u32::try_from(i).unwrap_or(0) + 10;
                @let tall = length(w.count, most, TALL);
                rect x=(x + 2) y=(i64::from(TALL) + 20 - tall) width=(COLUMN - 4) height=(tall) fill="#a00" {}
                @if w.count > 0 {
                    text x=(x + COLUMN / 2) y=(i64::from(TALL) + 16 - tall) text-anchor="middle" font-size="11" { (w.count) }
                }
                @if i % 4 == 0 {
                    text x=(x) y=(TALL + 36) font-size="11" { (w.starting.format("%-d %b")) }
                }
            }
        }
    }
}

/// The table a chart is drawn from.
pub fn table(caption: &str, what: &str, counts: &[Count]) -> Markup {
    let total: i64 = counts.iter().map(|c| c.count).sum();
    html! {
        table.counts {
            caption { (caption) }
            thead { tr { th scope="col" { (what) } th scope="col" { "Entries" } } }
            tbody {
                @for c in counts { tr { td { (c.name) } td { (c.count) } } }
                tr { th scope="row" { "Total" } td { (total) } }
            }
        }
    }
}
