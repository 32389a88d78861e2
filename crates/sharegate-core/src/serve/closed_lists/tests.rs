#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use serde_json::json;

use super::*;

#[test]
fn named_fields_and_parameters_become_enums_and_others_stay() {
    let mut document = json!({
        "components": {"schemas": {"Body": {"type": "object", "properties": {
            "purpose": {"type": "string"},
            "categories": {"type": "array", "items": {"type": "string"}},
            "until": {"type": ["string", "null"]},
            "reason": {"type": "string"}
        }}}},
        "paths": {"/x": {"get": {"parameters": [{"name": "purpose", "in": "query", "schema": {"type": "string"}}]}}}
    });
    let lists = [
        ClosedList { fields: &["purpose"], values: vec!["safeguarding".into()] },
        ClosedList { fields: &["categories"], values: vec!["police.incident".into()] },
        ClosedList { fields: &["until"], values: vec!["soon".into()] },
    ];
    restrict(&mut document, &lists);
    let body = &document["components"]["schemas"]["Body"]["properties"];
    assert_eq!(body["purpose"]["enum"], json!(["safeguarding"]));
    assert_eq!(body["categories"]["items"]["enum"], json!(["police.incident"]));
    assert_eq!(body["until"]["enum"], json!(["soon", null]), "a nullable field keeps null");
    assert!(body["reason"].get("enum").is_none());
    assert_eq!(document["paths"]["/x"]["get"]["parameters"][0]["schema"]["enum"], json!(["safeguarding"]));
}
