//! `GET /v1/audit/events` as an incremental feed: a reader that resumes after the last event it
//! saw gets every event exactly once, even one that commits after a later event did. On
//! PostgreSQL an aggregation reserves its event id before it moves the packs (`audit::Mark`); when
//! it then waits for a pack's row lock, a request that started later can record (and commit) the
//! next id first. Paged by id alone, a reader that listed in between resumed past the waiting
//! event and never saw it. (SQLite has one writer at a time: ids are in commit order.)

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::kit::app::{postgres_enabled, TestDb};
use crate::kit::gs1::sscc;
use crate::kit::store::{self, LockHolder};
use crate::kit::{children, serials, spawn, Db, Line, TestApp, GTIN};

/// Every event after `after` (none: from the start), following `next` two at a time.
async fn read_feed(app: &TestApp, token: &str, after: Option<String>) -> Vec<Value> {
    let mut events = Vec::new();
    let mut after = after;
    loop {
        let query = match &after {
            Some(a) => format!("?limit=2&after={a}"),
            None => "?limit=2".to_string(),
        };
        let (status, body) = app.get(&format!("/v1/audit/events{query}"), token).await;
        assert_eq!(status, 200, "{body}");
        events.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => return events,
        }
    }
}

fn ids(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

/// Waits until a session of the test database waits for a row lock.
async fn a_request_waits_for_a_row(app: &TestApp) {
    requests_wait_for_rows(app, 1).await;
}

/// Waits until `n` sessions of the test database wait for row locks.
async fn requests_wait_for_rows(app: &TestApp, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while store::waiting_for_rows(&app.db) < n {
        assert!(
            Instant::now() < deadline,
            "the request never waited for the row"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Opens a side connection to `db` and runs `f` on it off the async workers (PostgreSQL may
/// make it wait).
async fn side(db: &TestDb, f: impl FnOnce(&mut LockHolder) + Send + 'static) -> LockHolder {
    let mut holder = LockHolder::open(db);
    tokio::task::spawn_blocking(move || {
        f(&mut holder);
        holder
    })
    .await
    .unwrap()
}

async fn roll_back(mut holder: LockHolder) {
    tokio::task::spawn_blocking(move || holder.roll_back())
        .await
        .unwrap();
}

/// Starts a request; (status, body) when it ends.
fn start(rb: reqwest::RequestBuilder) -> tokio::task::JoinHandle<(u16, Value)> {
    tokio::spawn(async move {
        let resp = rb.send().await.expect("request sent");
        (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
    })
}

/// The cursor a reader resumes from: the id of the last event it was given.
fn resume_after(events: &[Value]) -> Option<String> {
    events.last().map(|e| e["id"].as_str().unwrap().to_string())
}

/// The two readings together are the whole feed (`all`), each event once.
fn read_once(first: &[Value], second: &[Value], all: &[Value]) {
    let mut read: Vec<String> = ids(first).into_iter().chain(ids(second)).collect();
    let mut whole = ids(all);
    read.sort();
    whole.sort();
    assert_eq!(
        read,
        whole,
        "read before and after the late commit: {:?} then {:?}",
        first.iter().map(|e| &e["action"]).collect::<Vec<_>>(),
        second.iter().map(|e| &e["action"]).collect::<Vec<_>>()
    );
}

fn count(events: &[Value], action: &str) -> usize {
    events.iter().filter(|e| e["action"] == action).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_resumes_sees_an_event_that_committed_late() {
    if !postgres_enabled() {
        return;
    }
    // Arrange: two loose packs; a side connection holds F0's row.
    let app = spawn(Db::Postgres).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let packs = serials("F", 2);
    line.commission_ok(GTIN, &packs).await;
    let pack = packs[0].clone();
    let held = side(&app.db, move |h| h.lock_pack(GTIN, &pack)).await;

    // Act: the aggregation of F0 reserves its event id and waits for the row; a commissioning
    // records the next id and commits meanwhile; the reader lists everything so far.
    let late = start(
        line.req(Method::POST, "/aggregate/container")
            .json(&json!({"parent": sscc(0, 1), "child_trade_items": children(GTIN, &packs[..1])})),
    );
    a_request_waits_for_a_row(&app).await;
    line.commission_ok(GTIN, &serials("G", 1)).await;
    let first = read_feed(&app, line.token(), None).await;
    roll_back(held).await;
    let (status, body) = late.await.unwrap();
    assert_eq!(status, 200, "{body}");
    let second = read_feed(&app, line.token(), resume_after(&first)).await;

    // Assert: the two readings together are the whole feed, each event once.
    let all = read_feed(&app, line.token(), None).await;
    assert_eq!(count(&all, "aggregate"), 1, "{all:?}");
    assert_eq!(count(&all, "commission"), 2, "{all:?}");
    read_once(&first, &second, &all);
}

/// The other order of the two: the event with the larger id has the older transaction and is
/// shown first; the one with the smaller id commits later, from a younger transaction. A
/// commissioning takes its transaction id with its first row, then waits for the chain head (a
/// side connection holds it); an aggregation starts after it, reserves the smaller event id and
/// waits for a pack's row; the commissioning records the larger id and commits; the reader lists
/// it, and must still find the aggregation after it once that commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_resumes_sees_a_younger_transactions_smaller_id() {
    if !postgres_enabled() {
        return;
    }
    // Arrange
    let app = spawn(Db::Postgres).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let packs = serials("F", 1);
    line.commission_ok(GTIN, &packs).await;
    let tenant = line.id().to_string();
    let head = side(&app.db, move |h| h.lock_chain_head(&tenant)).await;

    // Act
    let older = start(
        line.req(Method::POST, "/serials/commission")
            .json(&crate::kit::line::commission_body(GTIN, &serials("G", 1))),
    );
    requests_wait_for_rows(&app, 1).await;
    let pack = packs[0].clone();
    let row = side(&app.db, move |h| h.lock_pack(GTIN, &pack)).await;
    let younger = start(
        line.req(Method::POST, "/aggregate/container")
            .json(&json!({"parent": sscc(0, 1), "child_trade_items": children(GTIN, &packs)})),
    );
    requests_wait_for_rows(&app, 2).await;
    roll_back(head).await;
    let (status, body) = older.await.unwrap();
    assert_eq!(status, 200, "{body}");
    let first = read_feed(&app, line.token(), None).await;
    roll_back(row).await;
    let (status, body) = younger.await.unwrap();
    assert_eq!(status, 200, "{body}");
    let second = read_feed(&app, line.token(), resume_after(&first)).await;

    // Assert
    let all = read_feed(&app, line.token(), None).await;
    assert_eq!(count(&all, "aggregate"), 1, "{all:?}");
    assert_eq!(count(&all, "commission"), 2, "{all:?}");
    read_once(&first, &second, &all);
}

/// The feed reads up to the transactions still running in serialhub's database; another
/// database's open transaction on the same server (transaction ids are server-wide) does not hold
/// a tenant's own last write back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_in_another_database_does_not_hold_the_feed_back() {
    if !postgres_enabled() {
        return;
    }
    // Arrange
    let app = spawn(Db::Postgres).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let elsewhere = TestDb::fresh(Db::Postgres);
    let held = side(&elsewhere, |h| h.begin_writing()).await;

    // Act
    line.commission_ok(GTIN, &serials("E", 1)).await;
    let events = read_feed(&app, line.token(), None).await;

    // Assert
    assert_eq!(count(&events, "commission"), 1, "{events:?}");
    roll_back(held).await;
}

/// A write that committed before the read is in it even while an older transaction of the same
/// database is still running: the read waits for that transaction to end (it is short here),
/// rather than stopping short of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_waits_for_a_short_older_transaction_and_shows_the_callers_write() {
    if !postgres_enabled() {
        return;
    }
    // Arrange: an older transaction with an id, still open when the tenant commissions.
    let app = spawn(Db::Postgres).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let held = side(&app.db, |h| h.begin_writing()).await;
    line.commission_ok(GTIN, &serials("W", 1)).await;

    // Act: the read starts while the older transaction runs; it ends 200 ms later.
    let reader = {
        let rb = line.api(Method::GET, "/v1/audit/events?limit=100");
        tokio::spawn(async move {
            let resp = rb.send().await.expect("request sent");
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    roll_back(held).await;
    let (status, body) = reader.await.unwrap();

    // Assert
    assert_eq!(status, 200, "{body}");
    let events = body["items"].as_array().unwrap();
    assert_eq!(count(events, "commission"), 1, "{body}");
}
