use super::*;

fn form(from: &str, to: &str) -> SearchForm {
    SearchForm { from: from.into(), to: to.into(), ..SearchForm::default() }
}

#[test]
fn blank_fields_are_no_filter_and_dates_cover_whole_days() {
    let query = SearchForm { subject: "  ".into(), person: " Jess Taylor ".into(), ..form("2026-11-01", "2026-11-02") }
        .query()
        .unwrap();
    assert_eq!((query.subject, query.person.as_deref()), (None, Some("Jess Taylor")));
    assert_eq!(query.from.unwrap().to_rfc3339(), "2026-11-01T00:00:00+00:00");
    // "To" is inclusive: the whole of 2 November, so the API's exclusive end is the next midnight.
    assert_eq!(query.to.unwrap().to_rfc3339(), "2026-11-03T00:00:00+00:00");
}

#[test]
fn a_date_that_is_not_one_names_its_field() {
    let error = form("01/11/2026", "").query().unwrap_err();
    assert_eq!((error.field_name(), error.message()), (Some("from"), "from must be a date (YYYY-MM-DD)"));
    assert_eq!(form("", "2026-13-01").query().unwrap_err().field_name(), Some("to"));
}

#[test]
fn the_csv_link_asks_the_api_for_the_same_entries() {
    let query = SearchForm {
        purpose: "safeguarding".into(),
        person: "O'Brien & Co".into(),
        not_passed_on: "true".into(),
        ..form("2026-11-01", "")
    }
    .query()
    .unwrap();
    assert_eq!(
        SearchForm::csv_link(&query),
        "/v1/disclosures?person=O%27Brien+%26+Co&purpose=safeguarding&not_passed_on=true\
         &from=2026-11-01T00%3A00%3A00%2B00%3A00&format=csv"
    );
    let ticked_oddly = SearchForm { not_passed_on: "yes".into(), ..SearchForm::default() }.query().unwrap_err();
    assert_eq!(ticked_oddly.field_name(), Some("not_passed_on"));
}
