use super::*;

#[test]
fn later_ids_sort_later() {
    let first = SubjectId::new();
    std::thread::sleep(std::time::Duration::from_millis(2));
    assert!(SubjectId::new() > first);
}

#[test]
fn fresh_ids_parse_and_differ() {
    let (a, b) = (SubjectId::new(), SubjectId::new());
    assert_ne!(a, b);
    assert_eq!(SubjectId::parse(a.as_str()), Ok(a.clone()));
    assert!(a.as_str().starts_with("sub_"));
}

#[test]
fn refuses_what_is_not_an_id_of_its_kind() {
    for bad in [
        "",
        "sub_",
        "sub_xyz",
        "9434765919",
        "con_00000000000000000000000000000000",
        "sub_0000000000000000000000000000000G",
    ] {
        assert_eq!(SubjectId::parse(bad), Err(IdError { kind: "subject" }), "{bad}");
    }
}
