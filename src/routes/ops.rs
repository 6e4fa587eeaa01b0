//! Operations endpoints: liveness and readiness.

use actix_web::web::{self, Data};
use serde_json::json;

use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::http::{read, reply::Reply};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

/// The process is up and serving HTTP.
async fn healthz() -> Reply {
    Reply::ok(json!({"status": "ok"}))
}

/// The database answers; 503 `UnavailableError` when it does not.
async fn readyz(pool: Data<DbPool>) -> Result<Reply, ApiError> {
    read(&pool, |conn| db::ping(conn).map_err(ApiError::unavailable)).await?;
    Ok(Reply::ok(json!({"status": "ready"})))
}
