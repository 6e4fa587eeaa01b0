//! Append-only in the database: every UPDATE, DELETE and TRUNCATE of the trail is refused by the
//! database itself, whoever sends it.

use serde_json::json;

use crate::db_tests;
use crate::kit::gs1::sscc;
use crate::kit::store;
use crate::kit::{serials, spawn, Db, Line, GTIN};

async fn the_database_refuses_to_update_or_delete_audit_rows(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(GTIN).await;
    m.commission_ok(GTIN, &serials("S", 3)).await;
    // The commissioning needs no index entry (its packs' commission names the event); the
    // aggregation of the three packs writes three.
    m.pack_onto(&sscc(0, 1), GTIN, &serials("S", 3)).await;
    let n = store::event_count(&app.db);
    let idx = store::audit_index_rows(&app.db);
    assert_eq!(idx, 3);
    for sql in store::audit_rewrites(&app.db) {
        let err = store::try_sql(&app.db, sql).expect_err(sql);
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(store::event_count(&app.db), n);
    assert_eq!(store::audit_index_rows(&app.db), idx);
    let (status, body) = app.get("/v1/audit/verify", m.token()).await;
    assert_eq!(
        (status, body["valid"].clone()),
        (200, json!(true)),
        "{body}"
    );
}

db_tests!(the_database_refuses_to_update_or_delete_audit_rows);
