use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{document, markdown};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literal starting right after `at` in `code`.
fn literal(code: &str, at: usize) -> Option<String> {
    let rest = code[at..].strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// Every `(METHOD, path)` the route table registers, read from `src/routes` (the console's files
/// excepted: they are the web console, not API): each file's `.route("…", web::get()…)` calls,
/// under its `web::scope(…)` if it has one, under `/v1` unless it is `ops.rs`.
fn registered_routes() -> BTreeSet<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut routes = BTreeSet::new();
    for file in files {
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        if name == "console.rs" || name == "mod.rs" {
            continue;
        }
        let code: String = std::fs::read_to_string(&file)
            .unwrap()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let area = if name == "ops.rs" { "" } else { "/v1" };
        let scope = code.find("web::scope(").map(|i| {
            let at = i + "web::scope(".len();
            literal(&code, at).unwrap_or_else(|| {
                // A constant: `web::scope(PREFIX)` with `pubconstPREFIX:&str="…";` in the file.
                let name = &code[at..at + code[at..].find(')').unwrap()];
                let def = format!("const{name}:&str=");
                let i = code.find(&def).expect("the scope's constant") + def.len();
                literal(&code, i).expect("a string constant")
            })
        });
        // `web::resource("/path")….route(web::post()…)`: a resource that carries its own app data
        // (e.g. the roles a write needs) names its path once, its methods after it.
        let mut from = 0;
        while let Some(i) = code[from..].find("web::resource(") {
            let at = from + i + "web::resource(".len();
            from = at;
            let Some(path) = literal(&code, at) else {
                continue;
            };
            let rest = &code[at..];
            let end = rest.find("web::resource(").unwrap_or(rest.len());
            let mut r = 0;
            while let Some(j) = rest[r..end].find(".route(web::") {
                let m_at = r + j + ".route(web::".len();
                r = m_at;
                let method = rest[m_at..].split_once("()").expect("web::METHOD()").0;
                let full = format!("{area}{}{path}", scope.as_deref().unwrap_or(""));
                routes.insert((method.to_string(), full));
            }
        }
        let mut from = 0;
        while let Some(i) = code[from..].find(".route(") {
            let at = from + i + ".route(".len();
            from = at;
            let Some(path) = literal(&code, at) else {
                continue;
            };
            let after = at + path.len() + 2;
            let method = code[after..]
                .strip_prefix(",web::")
                .and_then(|r| r.split_once("()"))
                .map(|(m, _)| m.to_string())
                .expect("web::METHOD() after the path");
            let full = format!("{area}{}{path}", scope.as_deref().unwrap_or(""));
            routes.insert((method, full));
        }
    }
    routes
}

fn documented_routes(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            out.insert((method.clone(), path.clone()));
        }
    }
    out
}

#[test]
fn every_route_is_described_and_every_description_is_routed() {
    let registered = registered_routes();
    assert!(
        registered.len() > 30,
        "the route table was read: {registered:?}"
    );
    let documented = documented_routes(document());
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "routes missing from the OpenAPI document: {undocumented:?}; documented but not routed: {unrouted:?}"
    );
}

#[test]
fn the_document_is_openapi_3_1_with_credentials_and_every_error_answer() {
    let doc = document();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["access_token"]["name"], "x-access-token");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["channel_key"]["name"], "x-channel-key");
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let has = |s: &str| responses.contains_key(s);
            assert!(has("500"), "{method} {path}");
            if op.get("security").is_some() {
                assert!(has("401") && has("403") && has("503"), "{method} {path}");
            }
            if op.get("requestBody").is_some() {
                assert!(
                    has("400") && has("413") && has("415") && has("408"),
                    "{method} {path}"
                );
            }
            if path.starts_with("/v1/manufacturer/v2/api/") {
                let sec = op["security"].to_string();
                assert!(sec.contains("channel_key"), "{method} {path}: {sec}");
            }
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &r["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(
                        schema, "#/components/schemas/ErrorEnvelope",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_reference_page_is_rendered_from_the_document() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/api-reference.md");
    let rendered = markdown::render(document());
    if std::env::var("SERIALHUB_UPDATE_API_REFERENCE").is_ok_and(|v| v == "1") {
        std::fs::write(&file, &rendered).unwrap();
    }
    let stored = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        stored == rendered,
        "docs/api-reference.md is stale: run SERIALHUB_UPDATE_API_REFERENCE=1 cargo test --lib openapi"
    );
}

/// utoipa names a component schema after its Rust type, without the module: two `ToSchema`
/// types of one name (say two `ReleaseBody`s) would silently share one schema, and one of the
/// two operations would document the other's body. Each name must be used once.
#[test]
fn schema_type_names_are_unique() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    for file in files {
        let code = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = code.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let line = line.trim_start();
            if !(line.starts_with("#[derive(") && line.contains("ToSchema")) {
                continue;
            }
            // The item the derive is on: the next line declaring a struct or an enum.
            let name = lines[i + 1..]
                .iter()
                .find_map(|l| {
                    let words: Vec<&str> = l.split_whitespace().collect();
                    let kw = words.iter().position(|w| *w == "struct" || *w == "enum")?;
                    words.get(kw + 1).map(|w| {
                        w.chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect::<String>()
                    })
                })
                .expect("a type after the derive");
            let at = file.strip_prefix(&root).unwrap().display().to_string();
            if let Some(other) = seen.insert(name.clone(), at.clone()) {
                panic!("two ToSchema types named {name}: in {other} and {at}");
            }
        }
    }
    assert!(seen.contains_key("SsccReleaseBody") && seen.contains_key("ReleaseBody"));
}
