//! Deadlocks on PostgreSQL, provoked for real: a side connection holds the pallet's row lock
//! and then asks for the tenant's nesting lock, which the request already holds while it waits
//! for the row. PostgreSQL aborts the request's transaction (SQLSTATE 40P01); serialhub runs the
//! transaction again, and answers 503 `UnavailableError` with `Retry-After` only when it keeps
//! being aborted. (SQLite has one writer at a time and cannot deadlock.)

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use reqwest::Method;
use serde_json::{json, Value};
use serialhub::db::schema::{audit_events, containers};
use serialhub::db::DbConn;

use crate::helpers::{assert_error, postgres_enabled, spawn, Db, TestApp};
use crate::mv2::{children, serials, sscc, Line, GTIN};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

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
    line.register(&app, GTIN).await;
    let packs = serials("D", 2);
    line.commission_ok(&app, GTIN, &packs).await;
    let (case_a, case_b, pallet) = (sscc(0, 1), sscc(0, 2), sscc(1, 3));
    line.aggregate_ok(&app, &case_a, &children(GTIN, &packs[..1]))
        .await;
    line.aggregate_ok(&app, &case_b, &children(GTIN, &packs[1..]))
        .await;
    let (status, body) = line.palletise(&app, &pallet, &[&case_a]).await;
    assert_eq!(status, 200, "{body}");
    Scene {
        app,
        line,
        pallet,
        case_b,
    }
}

/// Runs blocking database work of the side connection off the test's async workers.
async fn side<T: Send + 'static>(
    conn: &mut Option<DbConn>,
    f: impl FnOnce(&mut DbConn) -> T + Send + 'static,
) -> T {
    let mut c = conn.take().expect("side connection");
    let (c, out) = tokio::task::spawn_blocking(move || {
        let out = f(&mut c);
        (c, out)
    })
    .await
    .expect("side work");
    *conn = Some(c);
    out
}

/// Waits until a session of the test database waits for a row lock (not an advisory lock).
async fn request_waits_for_a_row(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut probe = app.db.conn();
    loop {
        let waiting: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE NOT l.granted AND l.locktype <> 'advisory' AND a.datname = current_database()",
        )
        .get_result(&mut probe)
        .expect("read pg_locks");
        if waiting.n > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the request never waited for the row"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn deadlocks_so_far(conn: &mut DbConn) -> i64 {
    let c: Count = diesel::sql_query(
        "SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()",
    )
    .get_result(conn)
    .expect("read pg_stat_database");
    c.n
}

/// Whether PostgreSQL's statistics have counted `n` more deadlocks than `before` (they are
/// flushed asynchronously, so this waits a little for them).
async fn deadlocks_counted(app: &TestApp, before: i64, n: i64) -> bool {
    // Idle backends flush their statistics within about ten seconds.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = deadlocks_so_far(&mut app.db.conn());
        if now >= before + n {
            return now == before + n;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn on_pallet(app: &TestApp, case: &str) -> Option<i64> {
    containers::table
        .filter(containers::sscc.eq(case))
        .select(containers::parent_container_id)
        .first::<Option<i64>>(&mut app.db.conn())
        .expect("case stored")
}

fn aggregate_events(app: &TestApp) -> i64 {
    audit_events::table
        .filter(audit_events::action.eq("aggregate"))
        .count()
        .get_result(&mut app.db.conn())
        .expect("count events")
}

/// Starts `POST /aggregate/containers` {parent: pallet, child_containers: [case B]}.
fn put_b_on_pallet(s: &Scene) -> tokio::task::JoinHandle<(u16, Option<String>, Value)> {
    let rb = s
        .line
        .req(&s.app, Method::POST, "/aggregate/containers")
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

/// The scene, the counts of aggregate events and deadlocks so far, and the side connection in a
/// transaction that holds the pallet's row lock.
async fn arrange() -> (Scene, i64, i64, Option<DbConn>) {
    let s = scene().await;
    let events = aggregate_events(&s.app);
    let deadlocks = deadlocks_so_far(&mut s.app.db.conn());
    let conn = lock_pallet_row(&s).await;
    (s, events, deadlocks, conn)
}

/// The side connection: a transaction that holds the pallet's row lock.
async fn lock_pallet_row(s: &Scene) -> Option<DbConn> {
    let mut conn = Some(s.app.db.conn());
    let pallet = s.pallet.clone();
    side(&mut conn, move |c| {
        diesel::sql_query("BEGIN").execute(c).unwrap();
        diesel::sql_query("SELECT id FROM containers WHERE sscc = $1 FOR UPDATE")
            .bind::<Text, _>(pallet)
            .execute(c)
            .unwrap();
    })
    .await;
    conn
}

/// One deadlock: once the request holds the nesting lock and waits for the pallet's row, the
/// side connection asks for the nesting lock. The request waited first, so PostgreSQL aborts it;
/// the side connection then holds the nesting lock (session-level, released by `unlock`).
async fn deadlock_once(s: &Scene, conn: &mut Option<DbConn>) {
    request_waits_for_a_row(&s.app).await;
    let tenant = s.line.tenant.id.clone();
    side(conn, move |c| {
        diesel::sql_query("SELECT pg_advisory_lock(hashtext($1))")
            .bind::<Text, _>(tenant)
            .execute(c)
            .expect("the side connection is not the deadlock's victim")
    })
    .await;
}

async fn unlock_nesting(s: &Scene, conn: &mut Option<DbConn>) {
    let tenant = s.line.tenant.id.clone();
    side(conn, move |c| {
        diesel::sql_query("SELECT pg_advisory_unlock(hashtext($1))")
            .bind::<Text, _>(tenant)
            .execute(c)
            .unwrap()
    })
    .await;
}

async fn roll_back(conn: &mut Option<DbConn>) {
    side(conn, |c| diesel::sql_query("ROLLBACK").execute(c).unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadlocked_write_runs_again_and_succeeds() {
    if !postgres_enabled() {
        return;
    }
    // Arrange
    let (s, events_before, deadlocks_before, mut conn) = arrange().await;

    // Act
    let request = put_b_on_pallet(&s);
    deadlock_once(&s, &mut conn).await;
    // The request runs again, takes the nesting lock, and gets the row once the side
    // transaction is gone.
    unlock_nesting(&s, &mut conn).await;
    request_waits_for_a_row(&s.app).await;
    roll_back(&mut conn).await;
    let (status, _, body) = request.await.unwrap();

    // Assert
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"success": true, "message": "Aggregated on container"})
    );
    assert!(
        on_pallet(&s.app, &s.case_b).is_some(),
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
    let (s, events_before, deadlocks_before, mut conn) = arrange().await;

    // Act: every attempt (three in all) deadlocks.
    let request = put_b_on_pallet(&s);
    for attempt in 1..=3 {
        deadlock_once(&s, &mut conn).await;
        if attempt < 3 {
            // Let the next attempt take the nesting lock and wait for the row again.
            unlock_nesting(&s, &mut conn).await;
        }
    }
    let (status, retry_after, body) = request.await.unwrap();
    roll_back(&mut conn).await;

    // Assert
    assert_error(status, &body, 503, "UnavailableError");
    assert_eq!(retry_after.as_deref(), Some("1"));
    assert_eq!(body["details"], json!([]));
    assert_eq!(on_pallet(&s.app, &s.case_b), None, "nothing written");
    assert_eq!(aggregate_events(&s.app), events_before, "nothing recorded");
    assert!(
        deadlocks_counted(&s.app, deadlocks_before, 3).await,
        "three deadlocks"
    );
}
