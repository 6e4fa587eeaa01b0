//! Use cases that span several tables. Each runs inside the one write transaction of its request:
//! it reads through `db`, decides through `domain`, writes through `db`, and returns an
//! `ApiError` listing every offending input when anything is wrong (the transaction then rolls
//! back, so nothing is written).

pub mod access;
pub mod aggregate;
pub mod commission;
pub mod decommission;
pub mod disaggregate;
pub mod ownership;
pub mod partnership;
pub mod release;
pub mod sscc_pool;

use crate::domain::aggregation::{Finding, FindingKind};
use crate::error::{ApiError, ErrorType};

/// Turns findings into one error: a `ValidationError` if any input is malformed or contradicts
/// stored facts, else a `StateError`. Every finding is listed either way.
pub fn findings_error(mut findings: Vec<Finding>) -> ApiError {
    findings.sort_by_key(|f| f.kind);
    let (kind, message) = match findings.first().map(|f| f.kind) {
        Some(FindingKind::Validation) => {
            (ErrorType::Validation, "Some items do not match the request")
        }
        _ => (
            ErrorType::State,
            "Some items are not in the status this action needs",
        ),
    };
    ApiError::new(kind, message).with_details(findings.into_iter().map(|f| f.detail).collect())
}

/// The conditional update touched fewer rows than checked: another request changed them between
/// our read and our write. Nothing is written; the client may retry.
pub fn concurrent_change() -> ApiError {
    ApiError::state(
        "Some items were changed by a concurrent request; nothing was written, retry",
        vec![],
    )
}

/// A unique-key violation on insert means a concurrent request committed the same key first.
pub fn map_unique(e: diesel::result::Error, what: &str) -> ApiError {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => ApiError::state(
            format!("{what} was created by a concurrent request; nothing was written"),
            vec![],
        ),
        other => other.into(),
    }
}
