use super::*;

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Body {
    name: String,
    inner: Inner,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Inner {
    count: u8,
}

fn error(json: &str) -> (ErrorKind, Option<String>, String) {
    let e = parse_json::<Body>(json.as_bytes()).expect_err("should not parse");
    (e.kind(), e.field_name().map(str::to_owned), e.message().to_owned())
}

#[test]
fn names_the_field_at_fault() {
    let cases = [
        (r#"{"name":"a","inner":{"count":1},"extra":1}"#, ErrorKind::UnknownField, Some("extra")),
        (r#"{"name":"a","inner":{"count":1,"x":2}}"#, ErrorKind::UnknownField, Some("inner.x")),
        (r#"{"inner":{"count":1}}"#, ErrorKind::MissingField, Some("name")),
        (r#"{"name":"a","inner":{}}"#, ErrorKind::MissingField, Some("inner.count")),
        (r#"{"name":"a","inner":{"count":300}}"#, ErrorKind::InvalidField, Some("inner.count")),
        (r#"{"name":7,"inner":{"count":1}}"#, ErrorKind::InvalidField, Some("name")),
        (r#"{"name":"a","#, ErrorKind::MalformedJson, None),
        ("", ErrorKind::MalformedJson, None),
        ("[1,2]", ErrorKind::MalformedJson, None),
        (r#"{"name":"a","inner":{"count":1}} trailing"#, ErrorKind::MalformedJson, None),
    ];
    for (json, kind, field) in cases {
        let (got_kind, got_field, message) = error(json);
        assert_eq!((got_kind, got_field.as_deref()), (kind, field), "for {json}: {message}");
        assert!(!message.contains("line"), "position leaked into {message:?}");
    }
}
