//! The one error type of the HTTP API: a stable error type string, its status, a message for a
//! person and the list of every offending input. Internal causes are logged, never returned.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// The error types of PRODUCT.md §2.1. The string form is part of the public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    NoToken,
    InvalidToken,
    Authentication,
    Channel,
    Forbidden,
    Product,
    NotFound,
    Validation,
    UnsupportedMediaType,
    State,
    IdempotencyInFlight,
    IdempotencyMismatch,
    PayloadTooLarge,
    RateLimit,
    Internal,
    Unavailable,
}

impl ErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::NoToken => "NoTokenError",
            ErrorType::InvalidToken => "InvalidTokenError",
            ErrorType::Authentication => "AuthenticationError",
            ErrorType::Channel => "ChannelError",
            ErrorType::Forbidden => "ForbiddenError",
            ErrorType::Product => "ProductError",
            ErrorType::NotFound => "NotFoundError",
            ErrorType::Validation | ErrorType::UnsupportedMediaType => "ValidationError",
            ErrorType::State => "StateError",
            ErrorType::IdempotencyInFlight | ErrorType::IdempotencyMismatch => "IdempotencyError",
            ErrorType::PayloadTooLarge => "PayloadTooLargeError",
            ErrorType::RateLimit => "RateLimitError",
            ErrorType::Internal => "InternalError",
            ErrorType::Unavailable => "UnavailableError",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorType::NoToken | ErrorType::InvalidToken | ErrorType::Authentication => {
                StatusCode::UNAUTHORIZED
            }
            ErrorType::Channel | ErrorType::Forbidden => StatusCode::FORBIDDEN,
            ErrorType::Product | ErrorType::NotFound => StatusCode::NOT_FOUND,
            ErrorType::Validation => StatusCode::BAD_REQUEST,
            ErrorType::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorType::State | ErrorType::IdempotencyInFlight => StatusCode::CONFLICT,
            ErrorType::IdempotencyMismatch => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorType::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorType::RateLimit => StatusCode::TOO_MANY_REQUESTS,
            ErrorType::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// One offending input: where it is in the request (a JSON path such as
/// `child_trade_items[3].serial_number`, or a header name) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub problem: String,
}

impl Detail {
    pub fn at(path: impl Into<String>, problem: impl Into<String>) -> Detail {
        Detail {
            path: Some(path.into()),
            problem: problem.into(),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct ApiError {
    pub kind: ErrorType,
    pub message: String,
    pub details: Vec<Detail>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(kind: ErrorType, message: impl Into<String>) -> ApiError {
        ApiError {
            kind,
            message: message.into(),
            details: Vec::new(),
            retry_after: None,
        }
    }

    pub fn with_details(mut self, details: Vec<Detail>) -> ApiError {
        self.details = details;
        self
    }

    pub fn validation(message: impl Into<String>, details: Vec<Detail>) -> ApiError {
        ApiError::new(ErrorType::Validation, message).with_details(details)
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(ErrorType::NotFound, format!("{what} not found"))
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorType::Forbidden, message)
    }

    pub fn state(message: impl Into<String>, details: Vec<Detail>) -> ApiError {
        ApiError::new(ErrorType::State, message).with_details(details)
    }

    pub fn invalid_token() -> ApiError {
        ApiError::new(
            ErrorType::InvalidToken,
            "Failed to authenticate the provided token: it is malformed, expired or revoked",
        )
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            ErrorType::Internal,
            "Unexpected error; it has been logged with the request id",
        )
    }

    pub fn unavailable() -> ApiError {
        let mut e = ApiError::new(
            ErrorType::Unavailable,
            "The database is unavailable; retry later",
        );
        e.retry_after = Some(5);
        e
    }

    pub fn too_large(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorType::PayloadTooLarge, message)
    }
}

/// Database errors are internal unless a caller maps them first; the cause goes to the log only.
impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> ApiError {
        tracing::error!(error = %e, "database error");
        ApiError::internal()
    }
}

#[derive(Serialize)]
struct Body<'a> {
    success: bool,
    error: &'static str,
    message: &'a str,
    details: &'a [Detail],
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status_code());
        if let Some(secs) = self.retry_after {
            resp.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        resp.json(Body {
            success: false,
            error: self.kind.as_str(),
            message: &self.message,
            details: &self.details,
        })
    }
}
