//! The two migration folders define the same database: after migrating a fresh SQLite and a
//! fresh PostgreSQL database, their live catalogues show the same tables, the same columns (name,
//! nullability), the same primary keys and the same indexes (name, uniqueness, partial or not,
//! key columns). Types are not compared: they differ by design (`BLOB` / `BYTEA`, …). The history
//! index differs on purpose, and exactly as listed: a table `audit_items` (a row per pack and
//! event, WITHOUT ROWID) on SQLite, a column `items.event_ids` (the event ids on the pack's row)
//! on PostgreSQL.

use std::collections::BTreeSet;

use serde_json::json;

use crate::kit::app::{postgres_enabled, TestDb};
use crate::kit::gs1::sscc;
use crate::kit::store::{self, Column, Schema};
use crate::kit::{child, serials, spawn, Db, Line, GTIN};

/// Every difference between the two schemas, one line each.
fn differences(sqlite: &Schema, postgres: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let names: BTreeSet<&String> = sqlite.keys().chain(postgres.keys()).collect();
    for name in names {
        let (Some(s), Some(p)) = (sqlite.get(name), postgres.get(name)) else {
            let only = if sqlite.contains_key(name) {
                "SQLite"
            } else {
                "PostgreSQL"
            };
            out.push(format!("table {name}: only on {only}"));
            continue;
        };
        for c in s.columns.symmetric_difference(&p.columns) {
            let side = if s.columns.contains(c) {
                "SQLite"
            } else {
                "PostgreSQL"
            };
            out.push(format!("table {name}: column {c:?} only on {side}"));
        }
        if s.primary_key != p.primary_key {
            out.push(format!(
                "table {name}: primary key {:?} on SQLite, {:?} on PostgreSQL",
                s.primary_key, p.primary_key
            ));
        }
        for i in s.indexes.symmetric_difference(&p.indexes) {
            let side = if s.indexes.contains(i) {
                "SQLite"
            } else {
                "PostgreSQL"
            };
            out.push(format!("table {name}: index {i:?} only on {side}"));
        }
    }
    out
}

/// Needs both databases in one test: without PostgreSQL it is skipped, or fails when
/// `SERIALHUB_TEST_REQUIRE_POSTGRES=1`.
#[test]
fn both_migration_folders_build_the_same_schema() {
    if !postgres_enabled() {
        return;
    }
    let (sqlite, postgres) = (TestDb::fresh(Db::Sqlite), TestDb::fresh(Db::Postgres));
    sqlite.migrate();
    postgres.migrate();

    let (s, p) = (store::schema(&sqlite), store::schema(&postgres));

    // The catalogue was really read (an empty reading on both sides would compare equal).
    for table in [
        "tenants",
        "items",
        "containers",
        "audit_events",
        "partnerships",
    ] {
        assert!(s.contains_key(table), "{table} read from SQLite: {s:#?}");
    }
    let items = &s["items"];
    assert!(
        items
            .indexes
            .iter()
            .any(|i| i.name.as_deref() == Some("items_parent_container")
                && i.partial
                && i.columns == ["parent_container_id"]),
        "indexes read: {items:#?}"
    );
    assert!(
        items
            .indexes
            .iter()
            .any(|i| i.name.is_none() && i.unique && i.columns == ["product_id", "serial_number"]),
        "unique constraints read: {items:#?}"
    );
    assert_eq!(items.primary_key, ["id"]);
    assert!(items
        .columns
        .iter()
        .any(|c| c.name == "parent_item_id" && c.nullable));
    assert!(items
        .columns
        .iter()
        .any(|c| c.name == "serial_number" && !c.nullable));
    let (history, differences): (Vec<String>, Vec<String>) = differences(&s, &p)
        .into_iter()
        .partition(|d| d.starts_with("table audit_items:") || d.contains("\"event_ids\""));
    assert!(
        differences.is_empty(),
        "the migration folders drifted apart:\n{}",
        differences.join("\n")
    );
    let stamps = Column {
        name: "event_ids".into(),
        nullable: true,
    };
    let mut expected = vec![
        "table audit_items: only on SQLite".to_string(),
        format!("table items: column {stamps:?} only on PostgreSQL"),
    ];
    let mut history = history;
    expected.sort();
    history.sort();
    assert_eq!(
        history, expected,
        "the history index differs only as designed"
    );
}

/// PostgreSQL's history migration (`000010_history_on_packs`) moves the index without losing or
/// inventing an entry: on a database with history, its down (back to one GIN-indexed row per
/// event) and its up again give every pack the same event ids, byte for byte, and the lookups
/// the same history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_migration_keeps_every_entry() {
    if !postgres_enabled() {
        return;
    }
    let app = spawn(Db::Postgres).await;
    let m = Line::new(&app, "M").await;
    m.register(GTIN).await;
    m.commission_ok(GTIN, &serials("S", 5)).await;
    m.pack_onto(&sscc(0, 1), GTIN, &serials("S", 2)).await;
    m.aggregate_ok(&sscc(0, 2), &[child(GTIN, "S2")]).await;
    m.palletise_ok(&sscc(0, 3), &[&sscc(0, 1), &sscc(0, 2)])
        .await;
    let (status, body) = m.release(&json!({"ssccs": [sscc(0, 3)]})).await;
    assert_eq!(status, 200, "{body}");
    let lookup = |s: &'static str| format!("/v1/items/{GTIN}/{s}");
    let (_, s0) = app.get(&lookup("S0"), m.token()).await;
    let before = store::history_stamps(&app.db);
    // S0, S1, S2: their aggregation and the release; S3, S4 none.
    assert_eq!(store::audit_index_rows(&app.db), 6, "{before:?}");

    let down =
        include_str!("../../migrations/postgres/2026-12-03-000010_history_on_packs/down.sql");
    let up = include_str!("../../migrations/postgres/2026-12-03-000010_history_on_packs/up.sql");
    store::try_sql(&app.db, down).expect("down");
    let rows = "SELECT CAST(SUM(cardinality(item_ids)) AS BIGINT) AS n FROM audit_items";
    assert_eq!(store::count(&app.db, rows, &[]), 6);
    store::try_sql(&app.db, up).expect("up");
    assert_eq!(store::history_stamps(&app.db), before);
    let (status, again) = app.get(&lookup("S0"), m.token()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["history"], s0["history"]);
    assert_eq!(s0["history"].as_array().map(Vec::len), Some(3), "{s0}");
}
