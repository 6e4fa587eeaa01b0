//! `docs/api-reference.md`, rendered from the OpenAPI document: a reference that needs no
//! JavaScript and no CDN. A unit test keeps the file equal to the rendering
//! (`SERIALHUB_UPDATE_API_REFERENCE=1 cargo test --lib openapi` rewrites it).

use std::fmt::Write;

use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn schema_name(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return format!("`{}`", r.rsplit('/').next().unwrap_or(r));
    }
    match schema.get("type") {
        Some(Value::String(t)) => format!("`{t}`"),
        Some(Value::Array(ts)) => {
            let names: Vec<String> = ts
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect();
            format!("`{}`", names.join(" | "))
        }
        _ => "any".into(),
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The whole page.
pub fn render(doc: &Value) -> String {
    let mut out = String::new();
    let title = doc["info"]["title"].as_str().unwrap_or("API");
    let _ = writeln!(out, "# {title} API reference\n");
    let _ = writeln!(
        out,
        "Generated from the OpenAPI {} document served at `/openapi.json` (do not edit: \
         `SERIALHUB_UPDATE_API_REFERENCE=1 cargo test --lib openapi` rewrites it). The guide is \
         [api.md](api.md).\n",
        doc["openapi"].as_str().unwrap_or("")
    );
    let tags: Vec<(String, String)> = doc["tags"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .map(|t| {
                    (
                        t["name"].as_str().unwrap_or("").to_string(),
                        t["description"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    for (tag, description) in tags {
        let _ = writeln!(out, "## {tag}\n\n{description}\n");
        for (path, item) in &paths {
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let in_tag = op["tags"]
                    .as_array()
                    .is_some_and(|ts| ts.iter().any(|t| t == tag.as_str()));
                if in_tag {
                    operation(&mut out, method, path, op);
                }
            }
        }
    }
    let _ = writeln!(out, "## Schemas\n");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let _ = writeln!(out, "### `{name}`\n");
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| Field | Type | Required | Description |\n|---|---|---|---|"
            );
            if let Some(props) = schema["properties"].as_object() {
                for (field, p) in props {
                    let _ = writeln!(
                        out,
                        "| `{field}` | {} | {} | {} |",
                        schema_name(p),
                        if required.contains(&field.as_str()) {
                            "yes"
                        } else {
                            "no"
                        },
                        cell(p["description"].as_str().unwrap_or(""))
                    );
                }
            }
            out.push('\n');
        }
    }
    out
}

fn operation(out: &mut String, method: &str, path: &str, op: &Value) {
    let _ = writeln!(
        out,
        "### `{} {path}`\n\n{}\n",
        method.to_uppercase(),
        op["summary"].as_str().unwrap_or("")
    );
    if let Some(security) = op["security"].as_array() {
        let options: Vec<String> = security
            .iter()
            .filter_map(Value::as_object)
            .map(|o| o.keys().cloned().collect::<Vec<_>>().join(" + "))
            .collect();
        let _ = writeln!(out, "Credentials: {}.\n", options.join(" or "));
    }
    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        let _ = writeln!(
            out,
            "| Parameter | In | Type | Required | Description |\n|---|---|---|---|---|"
        );
        for p in params {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                p["name"].as_str().unwrap_or(""),
                p["in"].as_str().unwrap_or(""),
                schema_name(&p["schema"]),
                if p["required"] == Value::Bool(true) {
                    "yes"
                } else {
                    "no"
                },
                cell(p["description"].as_str().unwrap_or(""))
            );
        }
        out.push('\n');
    }
    if let Some(body) = op["requestBody"]["content"]["application/json"]["schema"].as_object() {
        let _ = writeln!(
            out,
            "Body: {}.\n",
            schema_name(&Value::Object(body.clone()))
        );
    }
    let _ = writeln!(out, "| Status | Meaning |\n|---|---|");
    if let Some(responses) = op["responses"].as_object() {
        for (status, r) in responses {
            let _ = writeln!(
                out,
                "| {status} | {} |",
                cell(r["description"].as_str().unwrap_or(""))
            );
        }
    }
    out.push('\n');
}
