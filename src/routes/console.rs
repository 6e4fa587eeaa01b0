//! The web console (PRODUCT.md §5): static HTML, CSS and JavaScript modules from `console/`,
//! embedded in the binary at compile time, served at `/console/`. The console is a client of the
//! public JSON API like any other; nothing here reads the database or knows a token.
//!
//! Every response under `/console` carries a strict Content-Security-Policy (scripts and styles
//! only from this origin, no inline code, no framing), `nosniff` and `no-referrer`. See
//! docs/console.md.

use std::collections::HashMap;
use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use include_dir::{include_dir, Dir};
use sha2::{Digest, Sha256};

/// The console's files, as they are in the repository: there is no build step.
static ASSETS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/console");

/// Scripts, styles, images and API calls from this origin only; no inline code, no plugins, no
/// framing, no `<base>`; forms post only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console", web::get().to(redirect))
        .route("/console/{path:.*}", web::get().to(asset));
}

/// `/console` → `/console/`, so that the page's relative asset URLs resolve under it.
async fn redirect() -> HttpResponse {
    let mut resp = secured(StatusCode::PERMANENT_REDIRECT);
    resp.insert_header((header::LOCATION, "/console/"));
    resp.finish()
}

async fn asset(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let path = path.into_inner();
    let name = if path.is_empty() { "index.html" } else { &path };
    let Some(file) = ASSETS.get_file(name).filter(|_| !name.contains("..")) else {
        let mut resp = secured(StatusCode::NOT_FOUND);
        return resp
            .content_type("text/plain; charset=utf-8")
            .body("Not found");
    };
    let etag = etag_of(name, file.contents());
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut resp = secured(if fresh {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    });
    // Revalidate on every load (cheap with the ETag), so an upgraded binary is never served stale.
    resp.insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, etag));
    if fresh {
        return resp.finish();
    }
    resp.content_type(content_type(name)).body(file.contents())
}

/// A response builder with the console's security headers.
fn secured(status: StatusCode) -> HttpResponseBuilder {
    let mut resp = HttpResponse::build(status);
    resp.insert_header((
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    ))
    .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
    .insert_header((header::REFERRER_POLICY, "no-referrer"))
    .insert_header((header::X_FRAME_OPTIONS, "DENY"))
    .insert_header(("cross-origin-opener-policy", "same-origin"))
    .insert_header(("cross-origin-resource-policy", "same-origin"));
    resp
}

/// The content type by extension; the console ships only these kinds of file.
fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// A strong ETag per file: the start of its SHA-256, computed once per process.
fn etag_of(name: &str, contents: &[u8]) -> String {
    static TAGS: OnceLock<std::sync::Mutex<HashMap<String, String>>> = OnceLock::new();
    let tags = TAGS.get_or_init(Default::default);
    let mut tags = tags.lock().unwrap_or_else(|e| e.into_inner());
    tags.entry(name.to_string())
        .or_insert_with(|| format!("\"{}\"", &hex::encode(Sha256::digest(contents))[..32]))
        .clone()
}
