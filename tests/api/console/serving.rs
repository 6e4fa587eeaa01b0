//! How the console is served, over plain HTTP: every file the page needs comes from the binary at
//! `/console/` with its content type and the security headers; nothing points anywhere else; the
//! sources hold no inline script or style and no HTML-from-string APIs.

use std::collections::{BTreeSet, VecDeque};

use reqwest::header::{HeaderMap, CONTENT_TYPE};
use reqwest::redirect::Policy;

use crate::db_tests;
use crate::kit::raw::raw_http;
use crate::kit::{spawn, Db, TestApp};

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

#[track_caller]
fn assert_secured(headers: &HeaderMap, what: &str) {
    let h = |n: &str| headers.get(n).map(|v| v.to_str().unwrap().to_string());
    assert_eq!(h("content-security-policy").as_deref(), Some(CSP), "{what}");
    assert_eq!(
        h("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        h("referrer-policy").as_deref(),
        Some("no-referrer"),
        "{what}"
    );
    assert_eq!(h("x-frame-options").as_deref(), Some("DENY"), "{what}");
}

/// The relative URLs a file refers to: `src`/`href` in HTML, `import` in JavaScript, `url()` in CSS.
fn references(path: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut grab = |after: &str, close: char| {
        for part in text.split(after).skip(1) {
            if let Some(end) = part.find(close) {
                out.push(part[..end].to_string());
            }
        }
    };
    if path.ends_with(".html") {
        grab("src=\"", '"');
        grab("href=\"", '"');
    } else if path.ends_with(".js") {
        grab("from '", '\'');
        grab("import('", '\'');
    } else if path.ends_with(".css") {
        grab("url(", ')');
    }
    out
}

/// `base` (a file's path under /console/) joined with a relative reference.
fn resolve(base: &str, reference: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for seg in reference.split('/') {
        match seg {
            "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Every file reachable from index.html, with its content type and text.
async fn crawl(app: &TestApp) -> Vec<(String, String, String)> {
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from(["index.html".to_string(), "favicon.svg".to_string()]);
    let mut files = Vec::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let resp = app
            .client
            .get(app.url(&format!("/console/{path}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path} is served");
        assert_secured(resp.headers(), &path);
        let ctype = resp.headers()[CONTENT_TYPE].to_str().unwrap().to_string();
        let text = resp.text().await.unwrap();
        for r in references(&path, &text) {
            assert!(
                !r.contains("//") && !r.contains(':'),
                "{path} refers to {r}: only files of the console itself may be used"
            );
            if !r.starts_with('#') {
                queue.push_back(resolve(&path, &r));
            }
        }
        files.push((path, ctype, text));
    }
    files
}

async fn the_console_is_served_from_the_binary_with_strict_headers(db: Db) {
    let app = spawn(db).await;

    let resp = no_redirects()
        .get(app.url("/console"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 308);
    assert_eq!(resp.headers()["location"], "/console/");
    assert_secured(resp.headers(), "the redirect");

    let files = crawl(&app).await;
    let paths: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    for needed in [
        "index.html",
        "css/console.css",
        "js/app.js",
        "js/router.js",
        "js/pages/release.js",
        "js/pages/audit.js",
        "js/pages/dashboard/keys.js",
    ] {
        assert!(paths.contains(&needed), "{needed} in {paths:?}");
    }
    for (path, ctype, _) in &files {
        let want = match path.rsplit_once('.').unwrap().1 {
            "html" => "text/html; charset=utf-8",
            "css" => "text/css; charset=utf-8",
            "js" => "text/javascript; charset=utf-8",
            "svg" => "image/svg+xml",
            other => panic!("unexpected kind of file {other}"),
        };
        assert_eq!(ctype, want, "{path}");
    }
    let index = app.client.get(app.url("/console/")).send().await.unwrap();
    assert_eq!(index.status(), 200);
    assert_secured(index.headers(), "/console/");
    assert!(index
        .text()
        .await
        .unwrap()
        .contains("<title>serialhub console</title>"));

    // Unknown files are 404, with the same headers; so are escapes from the folder, sent as raw
    // request lines (an HTTP client would resolve the dots before sending).
    let resp = no_redirects()
        .get(app.url("/console/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_secured(resp.headers(), "an unknown file");
    for bad in [
        "/console/../Cargo.toml",
        "/console/%2e%2e/Cargo.toml",
        "/console/js/..%2f..%2fCargo.toml",
        "/console/..%5c..%5cCargo.toml",
    ] {
        let host = app.address.trim_start_matches("http://");
        let head = format!("GET {bad} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        let (status, body) = raw_http(&app, head, Vec::new()).await;
        assert_eq!(status, 404, "{bad}: {body}");
        assert!(!body.contains("[package]"), "{bad} leaked a file: {body}");
    }

    // Revalidation: the ETag answers 304 without a body.
    let first = app
        .client
        .get(app.url("/console/js/app.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let again = app
        .client
        .get(app.url("/console/js/app.js"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_secured(again.headers(), "304");
}

async fn the_sources_hold_no_inline_code_and_no_html_from_strings(db: Db) {
    let app = spawn(db).await;
    for (path, _, text) in crawl(&app).await {
        if path.ends_with(".html") {
            let lower = text.to_lowercase();
            for tag in lower.split("<script").skip(1) {
                let open = &tag[..tag.find('>').unwrap()];
                assert!(open.contains("src="), "{path}: an inline <script>");
            }
            assert!(!lower.contains("<style"), "{path}: an inline <style>");
            assert!(!lower.contains(" style="), "{path}: a style attribute");
            let handler = lower
                .split_whitespace()
                .any(|w| w.starts_with("on") && w.contains('='));
            assert!(!handler, "{path}: an inline event handler");
        }
        if path.ends_with(".js") {
            for banned in [
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "eval(",
                "new Function",
                "localStorage",
                "document.cookie",
            ] {
                assert!(!text.contains(banned), "{path} uses {banned}");
            }
        }
        // Nothing is fetched from elsewhere: no absolute URLs at all (the SVG namespace is a
        // name, not a fetch).
        let stripped = text.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(
            !stripped.contains("http://") && !stripped.contains("https://"),
            "{path} names an absolute URL"
        );
    }
}

db_tests!(
    the_console_is_served_from_the_binary_with_strict_headers,
    the_sources_hold_no_inline_code_and_no_html_from_strings,
);
