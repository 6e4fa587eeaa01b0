//! The two migration folders define the same database: after migrating a fresh SQLite and a
//! fresh PostgreSQL database, their live catalogues show the same tables, the same columns (name,
//! nullability), the same primary keys and the same indexes (name, uniqueness, partial or not,
//! key columns). Types are not compared: they differ by design (`BLOB` / `BYTEA`, …). One table
//! differs on purpose, and exactly as listed: the history index `audit_items` (a row per pack and
//! event, WITHOUT ROWID, on SQLite; a row per event with a GIN-indexed id array on PostgreSQL).

use std::collections::BTreeSet;

use crate::kit::app::{postgres_enabled, TestDb};
use crate::kit::store::{self, Column, Index, Schema};
use crate::kit::Db;

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
        .partition(|d| d.starts_with("table audit_items:"));
    assert!(
        differences.is_empty(),
        "the migration folders drifted apart:\n{}",
        differences.join("\n")
    );
    let column = |name: &str| Column {
        name: name.into(),
        nullable: false,
    };
    let gin = Index {
        name: Some("audit_items_packs".into()),
        unique: false,
        partial: false,
        columns: vec!["item_ids".into()],
    };
    let mut expected = vec![
        format!(
            "table audit_items: column {:?} only on SQLite",
            column("item_id")
        ),
        format!(
            "table audit_items: column {:?} only on PostgreSQL",
            column("item_ids")
        ),
        "table audit_items: primary key [\"item_id\", \"event_id\"] on SQLite, [\"event_id\"] on \
         PostgreSQL"
            .to_string(),
        format!("table audit_items: index {gin:?} only on PostgreSQL"),
    ];
    let mut history = history;
    expected.sort();
    history.sort();
    assert_eq!(
        history, expected,
        "the history index differs only as designed"
    );
}
