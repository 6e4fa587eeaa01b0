//! The one-way layers, checked: each lower layer may only use what lies below it. This reads the
//! source tree itself, so a `use` that breaks the rule fails `cargo test` (docs/architecture.md
//! draws the layers).

use std::path::{Path, PathBuf};

/// The lower layers, from the bottom up; each may use the layers below it, never one above it
/// nor anything of the edge.
const LAYERS: &[(&str, &str)] = &[
    ("ids.rs", "ids"),
    ("domain", "domain"),
    ("db", "db"),
    ("error.rs", "error"),
    ("audit", "audit"),
    ("workflows", "workflows"),
];

/// The edge and the programs around it: the lower layers use none of them.
const EDGE: &[&str] = &["auth", "http", "routes", "startup", "admin", "demo"];

/// Crates no lower layer may use.
const EDGE_CRATES: &[&str] = &["actix_web", "actix_http"];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .expect("readable source folder")
            .map(|e| e.expect("readable entry").path())
            .collect();
        entries.sort();
        for p in entries {
            rust_files(&p, out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The code of a source file: comments dropped, the contents of string and character literals
/// blanked (so neither can pass for an import), everything else as written.
fn code_of(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        let prev_is_ident = i > 0 && is_ident(chars[i - 1]);
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            loop {
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else if i >= chars.len() {
                    break;
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && !prev_is_ident && (at(i + 1) == '"' || at(i + 1) == '#') {
            // A raw string: r"…", r#"…"#, …
            let mut j = i + 1;
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) != '"' {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < chars.len() && !(chars[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#')) {
                j += 1;
            }
            out.push_str("\"\"");
            i = j + 1 + hashes;
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            i = j + 1;
        } else if c == '\'' && (at(i + 1) == '\\' || at(i + 2) == '\'') {
            // A character literal ('x', '\n', '\u{…}'), not a lifetime.
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '\'' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            out.push_str("' '");
            i = j + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The modules of this crate a piece of code names: `crate::x::…`, and each first segment of a
/// `crate::{x, y::z}` group.
fn crate_modules(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let preceded_by_ident = rest[..i].chars().next_back().is_some_and(is_ident);
        rest = &rest[i + "crate::".len()..];
        if preceded_by_ident {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut segment_start = true;
            let mut name = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => segment_start = true,
                    c if depth == 1 && segment_start && is_ident(c) => name.push(c),
                    _ if depth == 1 && segment_start && !name.is_empty() => {
                        out.push(std::mem::take(&mut name));
                        segment_start = false;
                    }
                    _ => {}
                }
            }
            if !name.is_empty() {
                out.push(name);
            }
        } else {
            out.push(rest.chars().take_while(|c| is_ident(*c)).collect());
        }
    }
    out
}

/// Whether `code` names the crate `name` as a path (`name::…` or `use name`).
fn names_crate(code: &str, name: &str) -> bool {
    code.match_indices(name).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + name.len()..].chars().next();
        !before.is_some_and(|c| is_ident(c) || c == ':') && !after.is_some_and(is_ident)
    })
}

/// Every breach of the rules under `src`, as `file: what it uses`.
fn breaches(src: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (i, (path, _)) in LAYERS.iter().enumerate() {
        let above: Vec<&str> = LAYERS[i + 1..].iter().map(|(_, m)| *m).collect();
        let mut files = Vec::new();
        rust_files(&src.join(path), &mut files);
        assert!(
            !files.is_empty(),
            "layer {path} has no source under {src:?}"
        );
        for file in files {
            let code = code_of(&std::fs::read_to_string(&file).expect("readable source"));
            for name in EDGE_CRATES.iter().filter(|c| names_crate(&code, c)) {
                out.push(format!("{}: {name}", file.display()));
            }
            for module in crate_modules(&code) {
                if above.contains(&module.as_str()) || EDGE.contains(&module.as_str()) {
                    out.push(format!("{}: crate::{module}", file.display()));
                }
            }
        }
    }
    out
}

#[test]
fn no_layer_uses_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    assert_eq!(breaches(&src), Vec::<String>::new());
}

#[test]
fn the_check_sees_every_form_of_import() {
    let code = code_of(concat!(
        "use crate::{db::{self, DbConn}, error::ApiError};\n",
        "use crate::routes; // crate::startup in a comment is fine\n",
        "fn f<'a>(_: &'a str) { crate::http::read(); let _ = \"crate::auth \\\" a string\"; }\n",
        "const Q: char = '\"'; const R: &str = r#\"crate::demo \" raw\"#; use crate::audit;\n",
        "/* crate::admin /* nested */ crate::demo */ use actix_web::HttpRequest;",
    ));
    assert_eq!(
        crate_modules(&code),
        ["db", "error", "routes", "http", "audit"]
    );
    assert!(names_crate(&code, "actix_web"));
    assert!(!names_crate("fn g(_: my_actix_web::X) {}", "actix_web"));
    assert!(!names_crate("use crate::x::actix_web_like;", "actix_web"));
}
