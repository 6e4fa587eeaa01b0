//! PostgreSQL going away under a running service, on a cluster of the test's own: every request
//! that needs the database answers 503 `UnavailableError` with `Retry-After` within seconds (it
//! answered 500 on the first request before), `/readyz` is 503, `/healthz` stays 200; and when
//! the server is back, serialhub serves again without a restart.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::kit::app::{spawn_on, test_settings, TestDb};
use crate::kit::pg_cluster::{self, PgCluster};
use crate::kit::{assert_error, TestApp};

async fn answer(app: &TestApp, method: Method, path: &str, token: &str) -> (u16, bool, Value) {
    let mut rb = app.req(method.clone(), path, token);
    if method == Method::POST {
        rb = rb
            .json(&json!({"name": "line 2", "type": "shopfloor", "source": "manufacturer_v2_api"}));
    }
    let resp = rb.send().await.unwrap();
    let status = resp.status().as_u16();
    let retry_after = resp.headers().contains_key("retry-after");
    (
        status,
        retry_after,
        resp.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_down_is_503_with_retry_after_and_back_serves_again() {
    if !crate::kit::app::postgres_enabled() {
        return;
    }
    assert!(
        pg_cluster::available(),
        "PostgreSQL server binaries are needed"
    );
    // Arrange: a service on a cluster of its own, with a tenant and a token
    let cluster = PgCluster::create();
    let db = TestDb::on_cluster(
        &cluster.url("postgres"),
        &cluster.url("serialhub"),
        "serialhub",
    );
    let mut settings = test_settings(&db.url);
    settings.pool_timeout = Duration::from_secs(1);
    let app = spawn_on(db, settings).await;
    let m = app.tenant("M").await;
    let (status, _, body) = answer(&app, Method::GET, "/v1/tenant", &m.token).await;
    assert_eq!(status, 200, "{body}");

    // Act: the server stops
    cluster.stop();

    // Assert: reads, writes, sign-ins and readiness answer 503 with Retry-After, quickly
    for (method, path) in [
        (Method::GET, "/v1/tenant"),
        (Method::POST, "/v1/tenant/channels"),
        (Method::GET, "/v1/tenant"),
        (Method::GET, "/readyz"),
    ] {
        let started = Instant::now();
        let (status, retry_after, body) = answer(&app, method.clone(), path, &m.token).await;
        let took = started.elapsed();
        assert_error(status, &body, 503, "UnavailableError");
        assert!(retry_after, "{method} {path}: Retry-After");
        assert!(
            took < Duration::from_secs(5),
            "{method} {path} took {took:?}"
        );
    }
    let auth = app.auth(&m.api_key, &m.api_secret).await;
    assert_eq!(auth.status(), 503, "sign-in needs the database too");
    let (status, _, _) = answer(&app, Method::GET, "/healthz", &m.token).await;
    assert_eq!(status, 200, "the process itself is alive");

    // Act: the server is back
    cluster.start();

    // Assert: served again within seconds, no restart; writes work
    let started = Instant::now();
    loop {
        let (status, _, body) = answer(&app, Method::GET, "/v1/tenant", &m.token).await;
        if status == 200 {
            break;
        }
        assert_error(status, &body, 503, "UnavailableError");
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "not back after 15 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, _, body) = answer(&app, Method::POST, "/v1/tenant/channels", &m.token).await;
    assert_eq!(status, 201, "{body}");
    let (status, _, _) = answer(&app, Method::GET, "/readyz", &m.token).await;
    assert_eq!(status, 200);
}
