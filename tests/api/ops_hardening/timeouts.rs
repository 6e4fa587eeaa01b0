//! Finding 12.2: a body trickled at one byte per second held its connection open; a write waiting
//! on a lock hung for 23–24 s on PostgreSQL and answered 500 on a locked SQLite file; a request
//! waited 10 s for a pooled connection. Now each is cut off within its configured time: 408
//! `RequestTimeoutError` for the body, 503 `UnavailableError` with `Retry-After` for the database.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::store::WriteBlocker;
use crate::kit::{assert_error, list_items, spawn_with, Db, TestApp};

fn channel_body() -> Value {
    json!({"name": "line 9", "type": "shopfloor", "source": "manufacturer_v2_api"})
}

/// Sends the head of a `POST` with a 64-byte body, then one byte per second, and returns the
/// response's status line and body and how long the answer took.
async fn trickle(app: &TestApp, path: &str, token: &str) -> (String, String, Duration) {
    let addr = app.address.trim_start_matches("http://").to_string();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nx-access-token: {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 64\r\n\r\n"
    );
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        let mut writer = stream.try_clone().unwrap();
        let started = Instant::now();
        std::thread::spawn(move || {
            for _ in 0..64 {
                if writer.write_all(b" ").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        });
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let text = String::from_utf8_lossy(&response).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head.lines().next().unwrap_or("").to_string();
        (status, body.to_string(), started.elapsed())
    })
    .await
    .unwrap()
}

async fn a_body_trickled_in_is_cut_off_with_408(db: Db) {
    // Arrange: bodies get 2 s
    let app = spawn_with(db, |s| s.body_timeout = Duration::from_secs(2)).await;
    let m = app.tenant("M").await;

    // Act: one byte per second of a 64-byte body
    let (status_line, body, took) = trickle(&app, "/v1/tenant/channels", &m.token).await;

    // Assert: 408 after about 2 s, with the error envelope, and the connection closed
    assert!(status_line.contains(" 408 "), "{status_line} {body}");
    let body: Value = serde_json::from_str(&body).expect("JSON error body");
    assert_error(408, &body, 408, "RequestTimeoutError");
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(8),
        "answered after {took:?}"
    );
    let (_, listed) = app.get("/v1/tenant/channels", &m.token).await;
    assert!(list_items(&listed).is_empty(), "nothing written: {listed}");
}

async fn a_write_waiting_on_a_lock_gets_503_in_seconds(db: Db) {
    // Arrange: 1 s to wait for a lock; another session holds the lock the insert needs
    let app = spawn_with(db, |s| {
        s.lock_timeout = Duration::from_secs(1);
        s.sqlite_busy_timeout = Duration::from_secs(1);
    })
    .await;
    let m = app.tenant("M").await;
    let blocker = WriteBlocker::hold(&app.db);

    // Act
    let started = Instant::now();
    let resp = app
        .req(reqwest::Method::POST, "/v1/tenant/channels", &m.token)
        .json(&channel_body())
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    let status = resp.status().as_u16();
    let retry_after = resp.headers().get("retry-after").cloned();
    let body: Value = resp.json().await.unwrap();
    blocker.release();

    // Assert: 503 with Retry-After within seconds, nothing written, and then it works
    assert_error(status, &body, 503, "UnavailableError");
    assert!(retry_after.is_some(), "Retry-After");
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
    let (_, listed) = app.get("/v1/tenant/channels", &m.token).await;
    assert!(list_items(&listed).is_empty(), "nothing written: {listed}");
    let (status, body) = app
        .post("/v1/tenant/channels", &m.token, &channel_body())
        .await;
    assert_eq!(status, 201, "{body}");
}

async fn a_request_without_a_free_connection_gets_503_in_seconds(db: Db) {
    // Arrange: one pooled connection, 1 s to get it; a write holds it while it waits on a lock
    let app = spawn_with(db, |s| {
        s.pool_size = 1;
        s.pool_timeout = Duration::from_secs(1);
        s.lock_timeout = Duration::from_secs(6);
        s.sqlite_busy_timeout = Duration::from_secs(6);
    })
    .await;
    let m = app.tenant("M").await;
    let blocker = WriteBlocker::hold(&app.db);
    let stuck = app
        .req(reqwest::Method::POST, "/v1/tenant/channels", &m.token)
        .json(&channel_body())
        .send();
    let stuck = tokio::spawn(stuck);
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // Act: a read needs a connection too
    let started = Instant::now();
    let resp = app
        .req(reqwest::Method::GET, "/v1/tenant", &m.token)
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    let status = resp.status().as_u16();
    let retry_after = resp.headers().get("retry-after").cloned();
    let body: Value = resp.json().await.unwrap();
    blocker.release();
    let _ = stuck.await;

    // Assert
    assert_error(status, &body, 503, "UnavailableError");
    assert!(retry_after.is_some(), "Retry-After");
    assert!(took < Duration::from_secs(4), "answered after {took:?}");
}

db_tests!(
    a_body_trickled_in_is_cut_off_with_408,
    a_write_waiting_on_a_lock_gets_503_in_seconds,
    a_request_without_a_free_connection_gets_503_in_seconds,
);
