//! What every operation shares, added to the generated document so that no annotation can forget
//! it: the security schemes, and each error answer an operation can give under the rules of
//! PRODUCT.md §2 (a token → 401/403; a body → 400/408/413/415; a write → 409/422 and
//! `Idempotency-Key`; everything → 500; everything that needs the database → 503).

use serde_json::{json, Map, Value};

const ENVELOPE: &str = "#/components/schemas/ErrorEnvelope";

fn error(description: &str, retry_after: bool) -> Value {
    let mut r = json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": ENVELOPE}}}
    });
    if retry_after {
        r["headers"] = json!({"Retry-After": {
            "description": "Seconds to wait before retrying",
            "schema": {"type": "integer"}
        }});
    }
    r
}

/// Adds `status` unless the annotation already describes it.
fn add(responses: &mut Map<String, Value>, status: u16, description: &str, retry_after: bool) {
    responses
        .entry(status.to_string())
        .or_insert_with(|| error(description, retry_after));
}

/// Completes the document in place.
pub fn apply(doc: &mut Value) {
    doc["components"]["securitySchemes"] = json!({
        "access_token": {"type": "apiKey", "in": "header", "name": "x-access-token",
                         "description": "A token from POST /v1/api_auth or a static token"},
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                   "description": "The same token as Authorization: Bearer"},
        "channel_key": {"type": "apiKey", "in": "header", "name": "x-channel-key",
                        "description": "The channel key of an enabled manufacturer_v2_api channel"}
    });
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            complete(path, method, op);
        }
    }
}

fn complete(path: &str, method: &str, op: &mut Value) {
    let secured = op.get("security").is_some();
    let has_body = op.get("requestBody").is_some();
    let has_params = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty());
    let writes = matches!(method, "post" | "patch" | "delete") && secured;
    let mv2 = path.starts_with("/v1/manufacturer/v2/api/");
    if writes {
        let mut params = op["parameters"].as_array().cloned().unwrap_or_default();
        params.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "1 to 255 characters: the same key with the same body replays the stored answer",
            // Visible ASCII: other bytes do not survive as an HTTP header value.
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}
        }));
        op["parameters"] = Value::Array(params);
    }
    if has_body {
        op["requestBody"]["required"] = json!(true);
    }
    let responses = op["responses"].as_object_mut().expect("responses");
    if has_body || has_params || writes {
        add(
            responses,
            400,
            "ValidationError: malformed input, listing every problem",
            false,
        );
    }
    if has_body {
        add(
            responses,
            408,
            "RequestTimeoutError: the body did not arrive in time",
            false,
        );
        add(
            responses,
            413,
            "PayloadTooLargeError: body or item count over the limit",
            false,
        );
        add(
            responses,
            415,
            "ValidationError: Content-Type must be application/json",
            false,
        );
    }
    if secured {
        add(responses, 401, "NoTokenError or InvalidTokenError", false);
        let forbidden = if mv2 {
            "ChannelError (x-channel-key) or ForbiddenError (role)"
        } else {
            "ForbiddenError: the key's roles or the partnership do not allow it"
        };
        add(responses, 403, forbidden, false);
    }
    if writes {
        add(
            responses,
            409,
            "StateError, or IdempotencyError while the same key runs",
            false,
        );
        add(
            responses,
            422,
            "IdempotencyError: the key was used with another body",
            false,
        );
    }
    if path == "/v1/api_auth" {
        add(responses, 429, "RateLimitError (Retry-After)", true);
    }
    add(
        responses,
        500,
        "InternalError: logged with the request id",
        false,
    );
    if path != "/healthz" && path != "/metrics" {
        add(
            responses,
            503,
            "UnavailableError: database unreachable, locked or timed out, pool exhausted, or sign-ins saturated",
            true,
        );
    }
}
