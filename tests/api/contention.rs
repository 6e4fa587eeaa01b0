//! Deadlocks on PostgreSQL, provoked for real: a side connection holds the pallet's row lock
//! and then asks for the tenant's nesting lock, which the request already holds while it waits
//! for the row. PostgreSQL aborts the request's transaction (SQLSTATE 40P01); serialhub runs the
//! transaction again, and answers 503 `UnavailableError` with `Retry-After` only when it keeps
//! being aborted. (SQLite has one writer at a time and cannot deadlock.)

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::kit::app::postgres_enabled;
use crate::kit::gs1::sscc;
use crate::kit::store::{self, LockHolder};
use crate::kit::{assert_error, children, serials, spawn, Db, Line, TestApp, GTIN};

/// A pallet holding case A, and case B still loose; the request under test puts B on the pallet.
struct Scene {
    app: TestApp,
    line: Line,
    pallet: String,
    case_b: String,
}

async fn scene() -> Scene {
    let app = spawn(Db::Postgres).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let packs = serials("D", 2);
    line.commission_ok(GTIN, &packs).await;
    let (case_a, case_b, pallet) = (sscc(0, 1), sscc(0, 2), sscc(1, 3));
    line.aggregate_ok(&case_a, &children(GTIN, &packs[..1]))
        .await;
    line.aggregate_ok(&case_b, &children(GTIN, &packs[1..]))
        .await;
    line.palletise_ok(&pallet, &[&case_a]).await;
    Scene {
        app,
        line,
        pallet,
        case_b,
    }
}

/// The side connection, used off the test's async workers (PostgreSQL makes it wait).
struct Side(Option<LockHolder>);

impl Side {
    async fn run(&mut self, f: impl FnOnce(&mut LockHolder) + Send + 'static) {
        let mut holder = self.0.take().expect("side connection");
        let holder = tokio::task::spawn_blocking(move || {
            f(&mut holder);
            holder
        })
        .await
        .expect("side work");
        self.0 = Some(holder);
    }
}

fn aggregate_events(app: &TestApp) -> usize {
    store::events(&app.db)
        .iter()
        .filter(|e| e.action == "aggregate")
        .count()
}

/// The scene, the counts of aggregate events and deadlocks so far, and the side connection in a
/// transaction that holds the pallet's row lock.
async fn arrange() -> (Scene, usize, i64, Side) {
    let s = scene().await;
    let events = aggregate_events(&s.app);
    let deadlocks = store::deadlocks(&s.app.db);
    let mut side = Side(Some(LockHolder::open(&s.app.db)));
    let pallet = s.pallet.clone();
    side.run(move |h| h.lock_container(&pallet)).await;
    (s, events, deadlocks, side)
}

/// Waits until a session of the test database waits for a row lock (not an advisory lock).
async fn request_waits_for_a_row(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while store::waiting_for_rows(&app.db) == 0 {
        assert!(
            Instant::now() < deadline,
            "the request never waited for the row"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether PostgreSQL's statistics count exactly `n` more deadlocks than `before` (idle
/// backends flush them within about ten seconds).
async fn deadlocks_counted(app: &TestApp, before: i64, n: i64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = store::deadlocks(&app.db);
        if now >= before + n {
            return now == before + n;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts `POST /aggregate/containers` {parent: pallet, child_containers: [case B]}.
fn put_b_on_pallet(s: &Scene) -> tokio::task::JoinHandle<(u16, Option<String>, Value)> {
    let rb = s
        .line
        .req(Method::POST, "/aggregate/containers")
        .json(&json!({"parent": s.pallet, "child_containers": [s.case_b]}));
    tokio::spawn(async move {
        let resp = rb.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let body = resp.json::<Value>().await.unwrap_or(Value::Null);
        (status, retry_after, body)
    })
}

/// One deadlock: once the request holds the nesting lock and waits for the pallet's row, the
/// side connection asks for the nesting lock. The side connection never runs PostgreSQL's
/// deadlock check (its `deadlock_timeout` is an hour, `LockHolder::open`), so the request's
/// backend finds the cycle and is aborted, whichever backend the machine schedules first; the
/// side connection then holds the nesting lock.
async fn deadlock_once(s: &Scene, side: &mut Side) {
    request_waits_for_a_row(&s.app).await;
    let tenant = s.line.id().to_string();
    side.run(move |h| h.lock_nesting(&tenant)).await;
}

async fn unlock_nesting(s: &Scene, side: &mut Side) {
    let tenant = s.line.id().to_string();
    side.run(move |h| h.unlock_nesting(&tenant)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadlocked_write_runs_again_and_succeeds() {
    if !postgres_enabled() {
        return;
    }
    // Arrange
    let (s, events_before, deadlocks_before, mut side) = arrange().await;

    // Act
    let request = put_b_on_pallet(&s);
    deadlock_once(&s, &mut side).await;
    // The request runs again, takes the nesting lock, and gets the row once the side
    // transaction is gone.
    unlock_nesting(&s, &mut side).await;
    request_waits_for_a_row(&s.app).await;
    side.run(|h| h.roll_back()).await;
    let (status, _, body) = request.await.unwrap();

    // Assert
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"success": true, "message": "Aggregated on container"})
    );
    assert_eq!(
        store::container_parent(&s.app.db, &s.case_b),
        Some(Some(s.pallet.clone())),
        "case B is on the pallet"
    );
    assert_eq!(
        aggregate_events(&s.app),
        events_before + 1,
        "one event, not two"
    );
    assert!(
        deadlocks_counted(&s.app, deadlocks_before, 1).await,
        "exactly one deadlock"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_keeps_deadlocking_is_unavailable_and_writes_nothing() {
    if !postgres_enabled() {
        return;
    }
    // Arrange
    let (s, events_before, deadlocks_before, mut side) = arrange().await;

    // Act: every attempt (three in all) deadlocks.
    let request = put_b_on_pallet(&s);
    for attempt in 1..=3 {
        deadlock_once(&s, &mut side).await;
        if attempt < 3 {
            // Let the next attempt take the nesting lock and wait for the row again.
            unlock_nesting(&s, &mut side).await;
        }
    }
    let (status, retry_after, body) = request.await.unwrap();
    side.run(|h| h.roll_back()).await;

    // Assert
    assert_error(status, &body, 503, "UnavailableError");
    assert_eq!(retry_after.as_deref(), Some("1"));
    assert_eq!(body["details"], json!([]));
    assert_eq!(
        store::container_parent(&s.app.db, &s.case_b),
        Some(None),
        "nothing written"
    );
    assert_eq!(aggregate_events(&s.app), events_before, "nothing recorded");
    assert!(
        deadlocks_counted(&s.app, deadlocks_before, 3).await,
        "three deadlocks"
    );
}
