//! The HTTP edge's machinery, below the route handlers: request ids, the JSON body extractor,
//! pagination, error answers, and the write path with its idempotency protocol. Nothing below this
//! layer knows about HTTP.

pub mod body;
pub mod error;
pub mod idempotency;
pub mod identity;
pub mod metrics;
pub mod page;
pub mod reply;
pub mod request_id;
pub mod write;

use crate::db::{DbConn, DbPool};
use crate::error::ApiError;

/// `db::run` for the edge: blocking database work off the async workers, its errors API errors.
pub async fn read<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    crate::db::run(pool, f).await
}
