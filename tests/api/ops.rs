//! Liveness, readiness, request ids, unknown routes.

use serde_json::json;

use crate::db_tests;
use crate::helpers::{assert_error, send, spawn, Db};

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
