//! Finding 12.1: 48 source addresses, each within its own rate limit, trying a few wrong secrets
//! took the process from 42 MB to 1 021 MB (argon2 holds ~19 MiB per hash and nothing bounded
//! how many ran at once) and slowed `/healthz`. Now hashing runs a bounded number at a time, a
//! login that waits too long gets 503 `UnavailableError` with `Retry-After`, resident memory
//! stays within 200 MB of idle, and many addresses guessing one key are throttled per key.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::app::{create_tenant_in, TestDb};
use crate::kit::process::Server;
use crate::kit::{assert_error, spawn_with, Db};

/// A client whose connections come from `127.0.0.N` (all of 127/8 is loopback on Linux), so the
/// service sees N different addresses.
fn client_from(n: u8) -> reqwest::Client {
    let ip: IpAddr = format!("127.0.0.{n}").parse().unwrap();
    reqwest::Client::builder()
        .local_address(ip)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

const ADDRESSES: u8 = 48;
const TRIES_EACH: usize = 4;

async fn a_login_flood_from_many_addresses_keeps_memory_and_health(db: Db) {
    // Arrange: the real binary with its default limits (60 attempts per address per minute)
    let test_db = TestDb::fresh(db);
    test_db.migrate();
    let m = create_tenant_in(&test_db.url, "M", &["4012345"]).await;
    let server = Server::start(&test_db.url, &["--login-concurrency", "2"]).await;
    let auth = format!("{}/v1/api_auth", server.address);
    let good = client_from(2)
        .post(&auth)
        .json(&json!({"api_key": m.api_key, "api_secret": m.api_secret}))
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), 200);
    let idle_kib = server.memory_kib("VmRSS");

    // Act: every address sends its tries at once, with wrong secrets for invented keys
    let mut attempts = Vec::new();
    for a in 0..ADDRESSES {
        let client = client_from(10 + a);
        for t in 0..TRIES_EACH {
            let (client, auth) = (client.clone(), auth.clone());
            attempts.push(tokio::spawn(async move {
                let resp = client
                    .post(auth)
                    .json(&json!({"api_key": format!("guess-{a}-{t}"), "api_secret": "wrong-secret-123"}))
                    .send()
                    .await
                    .unwrap();
                let retry_after = resp.headers().contains_key("retry-after");
                let status = resp.status().as_u16();
                (status, retry_after, resp.json::<Value>().await.unwrap())
            }));
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let health = client_from(3)
        .get(format!("{}/healthz", server.address))
        .send()
        .await
        .unwrap();
    let health_took = started.elapsed();
    let mut refused = 0;
    for attempt in attempts {
        let (status, retry_after, body) = attempt.await.unwrap();
        match status {
            401 => assert_error(status, &body, 401, "AuthenticationError"),
            503 => {
                assert_error(status, &body, 503, "UnavailableError");
                assert!(retry_after, "503 carries Retry-After");
                refused += 1;
            }
            _ => panic!("unexpected answer {status}: {body}"),
        }
    }
    let peak_kib = server.memory_kib("VmHWM");

    // Assert: healthy during the flood, memory within 200 MB of idle
    assert_eq!(health.status(), 200);
    assert!(
        health_took < Duration::from_secs(1),
        "/healthz took {health_took:?}"
    );
    let grew_mib = peak_kib.saturating_sub(idle_kib) / 1024;
    assert!(
        grew_mib < 200,
        "peak RSS {} MiB, idle {} MiB: grew {grew_mib} MiB",
        peak_kib / 1024,
        idle_kib / 1024
    );
    eprintln!(
        "login flood: idle {} MiB, peak {} MiB, {refused} of {} refused with 503",
        idle_kib / 1024,
        peak_kib / 1024,
        usize::from(ADDRESSES) * TRIES_EACH
    );
}

async fn many_addresses_guessing_one_key_are_throttled_per_key(db: Db) {
    // Arrange: 5 failures per key per minute, a generous limit per address
    let app = spawn_with(db, |s| s.auth_failures_per_key_per_minute = 5).await;
    let m = app.create_tenant("M", &["4012345"]).await;
    let other = app.create_tenant("O", &["4099999"]).await;
    let auth = app.url("/v1/api_auth");
    let try_from = |n: u8, key: &str, secret: &str| {
        client_from(n)
            .post(&auth)
            .json(&json!({"api_key": key, "api_secret": secret}))
            .send()
    };

    // Act: twelve addresses, one wrong guess each, at M's key
    let mut statuses = Vec::new();
    for n in 0..12u8 {
        let resp = try_from(20 + n, &m.api_key, "wrong-secret-123")
            .await
            .unwrap();
        let retry_after = resp.headers().contains_key("retry-after");
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        if status == 429 {
            assert_error(status, &body, 429, "RateLimitError");
            assert!(retry_after, "429 carries Retry-After");
        } else {
            assert_error(status, &body, 401, "AuthenticationError");
        }
        statuses.push(status);
    }

    // Assert: five guesses were checked, the rest refused; the right secret waits too; other
    // keys are not affected
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        5,
        "{statuses:?}"
    );
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    let right = try_from(40, &m.api_key, &m.api_secret).await.unwrap();
    assert_eq!(right.status(), 429, "guessing has stopped for this key");
    let unrelated = try_from(41, &other.api_key, &other.api_secret)
        .await
        .unwrap();
    assert_eq!(unrelated.status(), 200, "another key signs in");
}

db_tests!(
    a_login_flood_from_many_addresses_keeps_memory_and_health,
    many_addresses_guessing_one_key_are_throttled_per_key,
);
