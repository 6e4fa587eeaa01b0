//! The one shape of a success answer: a status and a JSON object with `"success": true`.

use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Responder};
use serde::Serialize;
use serde_json::Value;

/// A success answer. Handlers return it; the write path stores it for idempotent replays.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    /// 200 with `body` (an object) and `"success": true`.
    pub fn ok(body: impl Serialize) -> Reply {
        Reply::with_status(StatusCode::OK, body)
    }

    /// 201 with `body` (an object) and `"success": true`.
    pub fn created(body: impl Serialize) -> Reply {
        Reply::with_status(StatusCode::CREATED, body)
    }

    /// 200 `{"success": true, "message": …}`.
    pub fn message(message: &str) -> Reply {
        Reply::ok(serde_json::json!({ "message": message }))
    }

    fn with_status(status: StatusCode, body: impl Serialize) -> Reply {
        // Response types are structs and maps of strings, numbers and booleans: serialising them
        // into a `Value` cannot fail.
        let mut body = serde_json::to_value(body).expect("response bodies serialise");
        if let Some(fields) = body.as_object_mut() {
            fields.insert("success".into(), Value::Bool(true));
        }
        Reply { status, body }
    }
}

impl Responder for Reply {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::build(self.status).json(self.body)
    }
}
