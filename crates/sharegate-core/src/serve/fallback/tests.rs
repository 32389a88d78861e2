#![allow(clippy::unwrap_used)]

use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
use utoipa::openapi::{OpenApiBuilder, PathsBuilder};

use super::methods_at;

#[test]
fn a_known_path_names_the_methods_it_takes() {
    let document = OpenApiBuilder::new()
        .paths(
            PathsBuilder::new()
                .path("/v1/requests", PathItem::new(HttpMethod::Post, OperationBuilder::new()))
                .path("/v1/subjects/{id}/local-refs/{agency}", PathItem::new(HttpMethod::Put, OperationBuilder::new()))
                .path(
                    "/v1/subjects/{id}/local-refs/{agency}",
                    PathItem::new(HttpMethod::Delete, OperationBuilder::new()),
                ),
        )
        .build();
    assert_eq!(methods_at(&document, "/v1/requests"), ["POST"]);
    assert_eq!(methods_at(&document, "/v1/subjects/sub_1/local-refs/police"), ["PUT", "DELETE"]);
    assert!(methods_at(&document, "/v1/subjects//local-refs/police").is_empty(), "an empty segment fills nothing");
    assert!(methods_at(&document, "/v1/request").is_empty());
    assert!(methods_at(&document, "/v1/requests/extra").is_empty());
}
