//! Operations endpoints: liveness and readiness.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::db;
use crate::error::ApiError;
use crate::startup::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

/// The process is up and serving HTTP.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"success": true, "status": "ok"}))
}

/// The database answers; 503 `UnavailableError` when it does not.
async fn readyz(state: State) -> Result<HttpResponse, ApiError> {
    db::run(&state.pool, |conn| {
        db::ping(conn).map_err(|e| {
            tracing::error!(error = %e, "readiness check failed");
            ApiError::unavailable()
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"success": true, "status": "ready"})))
}
