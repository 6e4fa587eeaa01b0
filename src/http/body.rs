//! The JSON body extractor of every write endpoint: `Content-Type: application/json` required (415),
//! the configured size limit enforced while reading (413), and deserialisation errors reported as
//! 400 `ValidationError` naming the JSON path of the offending field.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::Settings;
use crate::error::{ApiError, Detail, ErrorType};

/// A parsed JSON body plus its raw bytes (the idempotency hash covers the exact bytes sent).
pub struct JsonBody<T> {
    pub value: T,
    pub raw: web::Bytes,
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<Settings>>()
            .map(|s| s.body_limit)
            .unwrap_or(16 << 20);
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move { read_json(&req, payload, limit).await })
    }
}

/// Reads and parses a JSON body of at most `limit` bytes (for handlers that must check something,
/// like a rate limit, before reading the body at all).
pub async fn read_json<T: DeserializeOwned>(
    req: &HttpRequest,
    mut payload: Payload,
    limit: usize,
) -> Result<JsonBody<T>, ApiError> {
    if !is_json(req) {
        return Err(ApiError::new(
            ErrorType::UnsupportedMediaType,
            "Content-Type must be application/json",
        )
        .with_details(vec![Detail::at(
            "Content-Type",
            "expected application/json",
        )]));
    }
    let declared_len = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared_len.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    // A body trickled in byte by byte would otherwise hold the connection (and its buffer) for
    // as long as the sender likes.
    let deadline = req
        .app_data::<web::Data<Settings>>()
        .map_or(Duration::from_secs(30), |s| s.body_timeout);
    let read = async {
        let mut buf = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::validation("The request body could not be read", vec![]).caused_by(e)
            })?;
            if buf.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf)
    };
    let raw = tokio::time::timeout(deadline, read)
        .await
        .map_err(|_| {
            ApiError::new(
                ErrorType::RequestTimeout,
                format!(
                    "The request body did not arrive within {} s",
                    deadline.as_secs_f64()
                ),
            )
        })??
        .freeze();
    let value = parse_json(&raw)?;
    Ok(JsonBody { value, raw })
}

fn too_large(limit: usize) -> ApiError {
    ApiError::too_large(format!(
        "The request body is larger than the limit of {limit} bytes"
    ))
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// Deserialises with the path of the failing field, e.g. `child_trade_items[2].serial_number`.
/// Strings containing U+0000 are refused too (PostgreSQL cannot store them; both backends must
/// answer alike), each named by its path.
pub fn parse_json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    let value = deserialize(raw)?;
    // JSON can only carry NUL as the escape `\u0000`; look closer only when it appears.
    if raw.windows(6).any(|w| w == b"\\u0000") {
        let mut details = Vec::new();
        if let Ok(tree) = serde_json::from_slice::<Value>(raw) {
            nul_paths(&tree, "", &mut details);
        }
        if !details.is_empty() {
            return Err(ApiError::validation(
                "Invalid request body: text must not contain NUL (U+0000) characters",
                details,
            ));
        }
    }
    Ok(value)
}

/// Adds a detail for every string (or object key) under `v` that contains U+0000.
fn nul_paths(v: &Value, path: &str, out: &mut Vec<Detail>) {
    let problem = "must not contain NUL (U+0000) characters";
    match v {
        Value::String(s) if s.contains('\0') => {
            let at = if path.is_empty() { "$" } else { path };
            out.push(Detail::at(at, problem));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                nul_paths(item, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if key.contains('\0') {
                    out.push(Detail::at(at.clone(), problem));
                }
                nul_paths(item, &at, out);
            }
        }
        _ => {}
    }
}

fn deserialize<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    // The plain parser first: tracking the path of every element costs a share of the time of a
    // 10 000-child body, and the path is only needed to report an error, so a failing body is
    // parsed a second time to name where.
    if let Ok(value) = serde_json::from_slice(raw) {
        return Ok(value);
    }
    let de = &mut serde_json::Deserializer::from_slice(raw);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let problem = strip_position(&inner.to_string());
        let parent = if path == "." { String::new() } else { path };
        // serde reports a missing field at its parent object; name the field itself.
        let path = match problem
            .strip_prefix("missing field `")
            .and_then(|r| r.strip_suffix('`'))
        {
            Some(field) if parent.is_empty() => field.to_string(),
            Some(field) => format!("{parent}.{field}"),
            None if parent.is_empty() => "$".to_string(),
            None => parent,
        };
        ApiError::validation(
            format!("Invalid request body: {problem}"),
            vec![Detail::at(path, problem)],
        )
    })?;
    // Only trailing characters after a valid document are left to explain.
    de.end().map_err(|err| {
        let problem = strip_position(&err.to_string());
        ApiError::validation(
            format!("Invalid request body: {problem}"),
            vec![Detail::at("$", problem)],
        )
    })?;
    Ok(value)
}

/// serde_json appends " at line L column C"; the path already says where, and shorter is clearer.
/// Rust's names for what was expected ("struct CommissionBody with 6 elements", "u32") are
/// internal: they become what a JSON author would call them.
fn strip_position(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    plain_expectation(message)
}

/// Rewrites the `expected …` part of a serde message in JSON terms.
fn plain_expectation(message: &str) -> String {
    let Some(at) = message.find("expected ") else {
        return message.to_string();
    };
    let (head, expected) = message.split_at(at + "expected ".len());
    let mut words = expected.split(' ');
    let plain = match words.next().unwrap_or_default() {
        // `struct Name` or `struct Name with N elements`: the rest names a Rust type.
        "struct" | "map" => "a JSON object".to_string(),
        "enum" => "one of the documented values".to_string(),
        "u8" | "u16" | "u32" | "u64" | "usize" => "a non-negative whole number".to_string(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_string(),
        "f32" | "f64" => "a number".to_string(),
        _ => return message.to_string(),
    };
    format!("{head}{plain}")
}

#[cfg(test)]
mod tests {
    use super::plain_expectation;

    #[test]
    fn rust_type_names_become_json_terms() {
        assert_eq!(
            plain_expectation("invalid length 0, expected struct CommissionBody with 6 elements"),
            "invalid length 0, expected a JSON object"
        );
        assert_eq!(
            plain_expectation("invalid type: sequence, expected struct ReleaseBody"),
            "invalid type: sequence, expected a JSON object"
        );
        assert_eq!(
            plain_expectation("invalid type: string \"x\", expected u32"),
            "invalid type: string \"x\", expected a non-negative whole number"
        );
        assert_eq!(
            plain_expectation("invalid type: integer `1`, expected a string"),
            "invalid type: integer `1`, expected a string"
        );
        assert_eq!(
            plain_expectation("missing field `name`"),
            "missing field `name`"
        );
    }
}
