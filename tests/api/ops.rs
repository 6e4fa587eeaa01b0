//! Liveness, readiness, request ids, unknown routes.

use serde_json::json;

use crate::db_tests;
use crate::kit::{assert_error, send, spawn, spawn_with, Db};

async fn healthz_and_readyz_answer(db: Db) {
    let app = spawn(db).await;
    let (status, body) = send(app.client.get(app.url("/healthz"))).await;
    assert_eq!((status, body["status"].clone()), (200, json!("ok")));
    let (status, body) = send(app.client.get(app.url("/readyz"))).await;
    assert_eq!((status, body["status"].clone()), (200, json!("ready")));
}

async fn request_id_is_generated_or_echoed(db: Db) {
    let app = spawn(db).await;
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    let generated = resp.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(
        uuid::Uuid::parse_str(&generated).is_ok(),
        "generated id is a UUID: {generated}"
    );
    let resp = app
        .client
        .get(app.url("/v1/nowhere"))
        .header("x-request-id", "line-7-req-42")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["x-request-id"],
        "line-7-req-42",
        "echoed, on errors too"
    );
}

async fn unknown_route_is_not_found_error(db: Db) {
    let app = spawn(db).await;
    let (status, body) = send(app.client.get(app.url("/v1/nowhere"))).await;
    assert_error(status, &body, 404, "NotFoundError");
}

db_tests!(
    healthz_and_readyz_answer,
    request_id_is_generated_or_echoed,
    unknown_route_is_not_found_error
);

/// Readiness follows the database: when PostgreSQL loses the database under a running service,
/// `/readyz` answers 503 `UnavailableError` with `Retry-After` (while `/healthz` still answers).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_unavailable_when_the_database_is_gone() {
    if !crate::kit::app::postgres_enabled() {
        return;
    }
    let app = spawn_with(Db::Postgres, |s| s.pool_size = 2).await;
    let name = app.db.drop_under_the_service();

    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    let status = resp.status().as_u16();
    let retry_after = resp.headers().get("retry-after").cloned();
    let body: serde_json::Value = resp.json().await.unwrap();

    assert_error(status, &body, 503, "UnavailableError");
    assert!(retry_after.is_some(), "503 carries Retry-After");
    let body_text = body.to_string();
    assert!(
        !body_text.contains(&name) && !body_text.contains("database \""),
        "no internals: {body_text}"
    );
    let (status, _) = send(app.client.get(app.url("/healthz"))).await;
    assert_eq!(status, 200, "the process itself is alive");
}
