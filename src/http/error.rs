//! Errors at the HTTP edge: each error type's status, the one `ResponseError` impl, and the one
//! place where an error's cause is logged (inside the request's span, so with its request id).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use crate::error::{ApiError, ErrorType};

/// The HTTP status of each error type (PRODUCT.md §2.1).
pub fn status(kind: ErrorType) -> StatusCode {
    match kind {
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
        ErrorType::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
    }
}

/// An error and its causes, outermost first: `a: b: c`.
struct Chain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(e) = next {
            write!(f, ": {e}")?;
            next = e.source();
        }
        Ok(())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status(self.kind)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let Some(cause) = self.cause.as_deref() {
            let (error, cause) = (self.kind.as_str(), Chain(cause));
            if status.is_server_error() {
                tracing::error!(error, %cause, "answered with an error");
            } else {
                tracing::warn!(error, %cause, "answered with an error");
            }
        }
        let mut resp = HttpResponse::build(status);
        if let Some(secs) = self.retry_after {
            resp.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if self.kind == ErrorType::RequestTimeout {
            // The rest of the body may still be trickling in: the connection cannot be reused.
            resp.force_close();
        }
        resp.json(self.body())
    }
}
