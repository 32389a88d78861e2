use super::*;

#[test]
fn the_shipped_categories_parse_and_name_their_holder() {
    for name in DEFAULT_CATEGORIES {
        let category = Category::parse(name).expect(name);
        assert!(name.starts_with(category.holder().as_str()));
    }
    assert_eq!(Category::parse("social_care.plan").map(|c| c.holder().to_string()), Ok("social_care".into()));
}

#[test]
fn refuses_malformed_categories() {
    for bad in ["police", "police.", ".incident", "Police.incident", "police.inc ident", "police.a.b", ""] {
        assert!(Category::parse(bad).is_err(), "{bad}");
    }
}
