use actix_web::test::TestRequest;

use super::*;

fn request(method: Method, path: &str, headers: &[(&str, &str)]) -> ServiceRequest {
    let mut request = TestRequest::default().method(method).uri(path).insert_header(("host", "gateway.example:8443"));
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    request.to_srv_request()
}

fn refused(method: Method, path: &str, headers: &[(&str, &str)]) -> bool {
    super::refused(&request(method, path, headers))
}

#[test]
fn a_bare_link_opened_from_a_mail_program_discloses_nothing() {
    // `Sec-Fetch-Site: none` is the address bar, a bookmark, or a link from a mail or chat program (issue 30).
    let bare = [("sec-fetch-site", "none"), ("sec-fetch-mode", "navigate")];
    assert!(refused(Method::GET, "/v1/subjects?nhs_number=9434765919", &bare), "a lookup is a logged disclosure");
    assert!(refused(Method::GET, "/v1/meetings/mtg_1", &bare), "a meeting read is a logged disclosure");
    assert!(refused(Method::GET, "/v1/meetings/mtg_1/pack", &bare), "a pack is a logged disclosure");
    assert!(!refused(Method::GET, "/console/disclosures/dis_1", &bare), "a console page opens");
    assert!(!refused(Method::GET, "/healthz", &bare));
}

#[test]
fn programs_and_the_servers_own_pages_are_let_through() {
    assert!(!refused(Method::POST, "/v1/requests", &[]), "curl, agency systems");
    assert!(!refused(Method::POST, "/v1/requests", &[("sec-fetch-site", "same-origin")]));
    assert!(!refused(Method::GET, "/v1/whoami", &[("sec-fetch-site", "none")]), "typed into the address bar");
    assert!(!refused(Method::GET, "/console", &[("sec-fetch-site", "none"), ("sec-fetch-mode", "navigate")]));
    assert!(!refused(Method::POST, "/console/disclosures/x/review", &[("origin", "https://gateway.example:8443")]));
    // A browser's own form under `Referrer-Policy: no-referrer` says `Origin: null`; Fetch Metadata still knows.
    assert!(!refused(Method::POST, "/x", &[("sec-fetch-site", "same-origin"), ("origin", "null")]));
}

#[test]
fn another_sites_pages_may_only_open_a_console_page() {
    let navigate = [("sec-fetch-site", "cross-site"), ("sec-fetch-mode", "navigate")];
    assert!(!refused(Method::GET, "/console/disclosures/dis_1", &navigate), "a link in an e-mail");
    assert!(!refused(Method::GET, "/console", &navigate));
    assert!(refused(Method::POST, "/console/disclosures/dis_1/review", &navigate), "a form posted from elsewhere");
    assert!(refused(Method::GET, "/v1/subjects/sub_1/holders", &navigate), "discovery is a logged disclosure");
    assert!(refused(Method::GET, "/consolex", &navigate));
    let image = [("sec-fetch-site", "cross-site"), ("sec-fetch-mode", "no-cors")];
    assert!(refused(Method::GET, "/console/subjects/sub_1", &image), "not as an image or a script's fetch");
    assert!(refused(Method::POST, "/v1/requests", &[("sec-fetch-site", "same-site")]), "a sibling subdomain");
}

#[test]
fn without_fetch_metadata_origin_decides() {
    for origin in ["https://attacker.example", "null", "http://gateway.example:8443", "https://gateway.example"] {
        assert!(refused(Method::POST, "/v1/requests", &[("origin", origin)]), "{origin}");
    }
    assert!(!refused(Method::POST, "/v1/requests", &[("origin", "https://gateway.example:8443")]));
}
