//! The one error type of the API: a stable error type string, a message for a person, the list of
//! every offending input, and the cause (kept for the log, never shown to the caller). It carries
//! no HTTP type: the status and the response are made once, at the edge (`http::error`).

use serde::Serialize;

use crate::db::{DbError, TxError};
pub use crate::domain::problems::Detail;

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
    RequestTimeout,
}

impl ErrorType {
    /// The `error` field of the answer.
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
            ErrorType::RequestTimeout => "RequestTimeoutError",
        }
    }
}

/// What made an error happen, for the log: the database error, the failed task, ….
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// An answer that is not a success.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", kind.as_str())]
pub struct ApiError {
    pub kind: ErrorType,
    pub message: String,
    pub details: Vec<Detail>,
    /// Seconds for `Retry-After` (429 and 503).
    pub retry_after: Option<u64>,
    /// Logged once, with the request id, where the answer is made; never sent.
    #[source]
    pub cause: Option<Cause>,
}

impl ApiError {
    pub fn new(kind: ErrorType, message: impl Into<String>) -> ApiError {
        ApiError {
            kind,
            message: message.into(),
            details: Vec::new(),
            retry_after: None,
            cause: None,
        }
    }

    pub fn with_details(mut self, details: Vec<Detail>) -> ApiError {
        self.details = details;
        self
    }

    /// Keeps what made this error happen, for the log.
    pub fn caused_by(mut self, cause: impl Into<Cause>) -> ApiError {
        self.cause = Some(cause.into());
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

    /// An unexpected failure; `cause` says what it was (in the log only).
    pub fn internal(cause: impl Into<Cause>) -> ApiError {
        ApiError::new(
            ErrorType::Internal,
            "Unexpected error; it has been logged with the request id",
        )
        .caused_by(cause)
    }

    /// The database did not answer in time; `cause` says why (in the log only).
    pub fn unavailable(cause: impl Into<Cause>) -> ApiError {
        let mut e = ApiError::new(
            ErrorType::Unavailable,
            "The database is unavailable; retry later",
        )
        .caused_by(cause);
        e.retry_after = Some(5);
        e
    }

    pub fn too_large(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorType::PayloadTooLarge, message)
    }

    /// The body of the answer: `{"success": false, "error", "message", "details"}`. The one
    /// serialiser of error bodies (responses and stored idempotent replays alike).
    /// At most [`MAX_DETAILS`] details are sent; `details_omitted` counts the rest (a request of
    /// 100 000 bad serials would otherwise answer megabytes of them).
    pub fn body(&self) -> ErrorBody<'_> {
        let shown = self.details.len().min(MAX_DETAILS);
        ErrorBody {
            success: false,
            error: self.kind.as_str(),
            message: &self.message,
            details: &self.details[..shown],
            details_omitted: self.details.len() - shown,
        }
    }
}

/// The most `details` an error answer lists (docs/api.md).
pub const MAX_DETAILS: usize = 1000;

/// See [`ApiError::body`].
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    success: bool,
    error: &'static str,
    message: &'a str,
    details: &'a [Detail],
    /// How many details were left out beyond [`MAX_DETAILS`]; absent when none were.
    #[serde(skip_serializing_if = "is_zero")]
    details_omitted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The database's failures, as the caller is told about them: no connection in time, a lost
/// connection, a lock or statement timeout, or a conflict with concurrent transactions that
/// retrying did not resolve, is 503 (retry later); anything else is internal. The cause goes to the log only.
impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        match e {
            DbError::Unavailable(_) | DbError::Lost(_) => ApiError::unavailable(e),
            DbError::Timeout(_) => {
                let mut err = ApiError::new(
                    ErrorType::Unavailable,
                    "The database is busy (locked or timed out); nothing was written, retry",
                )
                .caused_by(e);
                err.retry_after = Some(2);
                err
            }
            DbError::Contention(_) => {
                let mut err = ApiError::new(
                    ErrorType::Unavailable,
                    "The request conflicted with concurrent requests; nothing was written, retry",
                )
                .caused_by(e);
                err.retry_after = Some(1);
                err
            }
            DbError::Query(_) | DbError::Blocking(_) => ApiError::internal(e),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> ApiError {
        DbError::from(e).into()
    }
}

impl TxError for ApiError {
    fn is_contention(&self) -> bool {
        self.cause
            .as_deref()
            .and_then(|c| c.downcast_ref::<DbError>())
            .is_some_and(TxError::is_contention)
    }
}

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};

    use super::*;

    #[test]
    fn a_conflict_that_retrying_did_not_resolve_is_unavailable_with_its_cause() {
        let deadlock = DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("deadlock detected".to_string()),
        );
        let e = ApiError::from(deadlock);
        assert_eq!((e.kind, e.retry_after), (ErrorType::Unavailable, Some(1)));
        assert!(e.is_contention(), "still recognised for the retry loop");
        let cause = std::error::Error::source(&e).expect("the cause is kept");
        assert!(cause.to_string().contains("conflicted"), "{cause}");
        assert!(cause
            .source()
            .unwrap()
            .to_string()
            .contains("deadlock detected"));
    }

    #[test]
    fn details_are_capped_with_a_count_of_the_rest() {
        let details = (0..MAX_DETAILS + 5)
            .map(|i| Detail::at(format!("serial_numbers[{i}]"), "bad"))
            .collect();
        let e = ApiError::validation("Invalid", details);
        let body = serde_json::to_value(e.body()).unwrap();
        assert_eq!(body["details"].as_array().unwrap().len(), 1000);
        assert_eq!(body["details"][999]["path"], "serial_numbers[999]");
        assert_eq!(body["details_omitted"], 5);
        let few = ApiError::validation("Invalid", vec![Detail::at("a", "bad")]);
        assert!(serde_json::to_value(few.body())
            .unwrap()
            .get("details_omitted")
            .is_none());
    }

    #[test]
    fn other_database_failures_are_internal_and_keep_their_cause() {
        let e = ApiError::from(DieselError::NotFound);
        assert_eq!(e.kind, ErrorType::Internal);
        assert!(!e.is_contention());
        assert!(e.cause.is_some());
        assert_eq!(
            serde_json::to_value(e.body()).unwrap(),
            serde_json::json!({"success": false, "error": "InternalError",
                               "message": "Unexpected error; it has been logged with the request id",
                               "details": []})
        );
    }
}
