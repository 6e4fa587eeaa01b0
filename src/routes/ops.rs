//! Operations endpoints: liveness, readiness, metrics and the OpenAPI document.

use std::sync::atomic::Ordering;

use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use serde_json::json;

use crate::auth::login_gate::LoginGate;
use crate::db::{self, DbError, DbPool};
use crate::error::ApiError;
use crate::http::metrics::HttpMetrics;
use crate::http::{read, reply::Reply};
use crate::metrics::Text;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics))
        .route("/openapi.json", web::get().to(openapi_json));
}

/// The process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "ops", summary = "Liveness", responses((status = 200, description = "Alive", body = crate::openapi::Success)))]
pub async fn healthz() -> Reply {
    Reply::ok(json!({"status": "ok"}))
}

/// The database answers; 503 `UnavailableError` when it does not.
#[utoipa::path(get, path = "/readyz", tag = "ops", summary = "Readiness: the database answers", responses((status = 200, description = "Ready", body = crate::openapi::Success)))]
pub async fn readyz(pool: Data<DbPool>) -> Result<Reply, ApiError> {
    // Whatever the failure, the database is not usable: 503 (a lost connection is also
    // marked for discarding by DbError's classification).
    read(&pool, |conn| {
        db::ping(conn).map_err(|e| ApiError::unavailable(DbError::from(e)))
    })
    .await?;
    Ok(Reply::ok(json!({"status": "ready"})))
}

/// Prometheus text format (docs/operations.md lists every metric). Aggregates only, no tenant's
/// data: it needs no token, like `/healthz`.
#[utoipa::path(get, path = "/metrics", tag = "ops", summary = "Prometheus metrics", responses((status = 200, description = "Prometheus text format 0.0.4", body = String)))]
pub async fn metrics(
    pool: Data<DbPool>,
    gate: Data<LoginGate>,
    http: Data<HttpMetrics>,
) -> HttpResponse {
    let mut out = Text::default();
    http.render(&mut out);
    render_pool(&pool, &mut out);
    render_login(&gate, &mut out);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out.finish())
}

/// This API's OpenAPI 3.1 description.
#[utoipa::path(get, path = "/openapi.json", tag = "ops", summary = "OpenAPI 3.1 description of this API", responses((status = 200, description = "The OpenAPI document", body = Object)))]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::document())
}

fn render_pool(pool: &DbPool, out: &mut Text) {
    let state = pool.state();
    let stats = pool.stats();
    let in_use = state.connections.saturating_sub(state.idle_connections);
    let gauge = |out: &mut Text, name: &str, help: &str, value: f64| {
        out.family(name, "gauge", help);
        out.sample(name, &[], value);
    };
    let counter = |out: &mut Text, name: &str, help: &str, value: u64| {
        out.family(name, "counter", help);
        out.sample(name, &[], value as f64);
    };
    out.family(
        "serialhub_db_pool_connections",
        "gauge",
        "Open database connections of this instance's pool, by state.",
    );
    out.sample(
        "serialhub_db_pool_connections",
        &[("state", "in_use")],
        f64::from(in_use),
    );
    out.sample(
        "serialhub_db_pool_connections",
        &[("state", "idle")],
        f64::from(state.idle_connections),
    );
    gauge(
        out,
        "serialhub_db_pool_max_connections",
        "Most connections the pool opens (--pool-size).",
        f64::from(pool.max_size()),
    );
    let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    counter(
        out,
        "serialhub_db_pool_checkouts_total",
        "Connections handed out by the pool.",
        load(&stats.checkouts),
    );
    counter(
        out,
        "serialhub_db_pool_waits_total",
        "Checkouts that found no idle connection and had to wait.",
        load(&stats.waits),
    );
    counter(
        out,
        "serialhub_db_pool_timeouts_total",
        "Checkouts that gave up after --pool-timeout-ms (answered 503).",
        load(&stats.timeouts),
    );
    out.family(
        "serialhub_db_pool_checkout_seconds",
        "histogram",
        "Time to get a pooled connection.",
    );
    out.histogram(
        "serialhub_db_pool_checkout_seconds",
        &[],
        &stats.checkout_seconds,
    );
    gauge(
        out,
        "serialhub_sqlite_writer_queue",
        "Write requests waiting for their turn at the SQLite write lock (0 on PostgreSQL).",
        stats.writers_queued.load(Ordering::Relaxed) as f64,
    );
    out.family(
        "serialhub_sqlite_writer_wait_seconds",
        "histogram",
        "Time a write request waited in the SQLite writer queue.",
    );
    out.histogram(
        "serialhub_sqlite_writer_wait_seconds",
        &[],
        &stats.writer_wait_seconds,
    );
    let goods = stats.goods.get();
    counter(
        out,
        "serialhub_packs_commissioned_total",
        "Packs commissioned (committed), since this instance started.",
        goods.commissioned,
    );
    counter(
        out,
        "serialhub_packs_aggregated_total",
        "Packs placed on a container or into a bundle pack (committed).",
        goods.aggregated,
    );
    counter(
        out,
        "serialhub_packs_released_total",
        "Packs released to market (committed).",
        goods.released,
    );
    counter(
        out,
        "serialhub_ssccs_assigned_total",
        "SSCCs the SSCC pool handed out with ssccs/request, new or returned ones (committed).",
        goods.ssccs_assigned,
    );
}

fn render_login(gate: &LoginGate, out: &mut Text) {
    let rows = [
        (
            "serialhub_login_hashing_in_flight",
            "argon2 verifications running now.",
            gate.in_flight() as f64,
        ),
        (
            "serialhub_login_hashing_queued",
            "Sign-ins waiting for a hashing slot now.",
            gate.queued() as f64,
        ),
        (
            "serialhub_login_hashing_slots",
            "argon2 verifications allowed at once (--login-concurrency).",
            gate.slots() as f64,
        ),
    ];
    for (name, help, value) in rows {
        out.family(name, "gauge", help);
        out.sample(name, &[], value);
    }
}
