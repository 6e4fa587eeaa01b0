//! The live schema of a database, read from its catalogue and normalised so that the two
//! backends compare: tables, columns (name, nullability), the primary key, and indexes (name,
//! uniqueness, partial or not, key columns). An index that backs a PRIMARY KEY or UNIQUE
//! constraint has a name each backend chooses itself (`sqlite_autoindex_…`, `…_key`), so it is
//! compared by what it indexes, not by name.

use std::collections::{BTreeMap, BTreeSet};

use diesel::sql_types::{BigInt, Text};
use diesel::QueryableByName;

use super::{load, Arg};
use crate::kit::app::{Db, TestDb};

/// One column: its name and whether it accepts NULL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Column {
    pub name: String,
    pub nullable: bool,
}

/// One index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Index {
    /// `None` for an index that backs a PRIMARY KEY or UNIQUE constraint.
    pub name: Option<String>,
    pub unique: bool,
    /// Whether it has a `WHERE` clause.
    pub partial: bool,
    /// The key columns in order (`<expr>` for an expression).
    pub columns: Vec<String>,
}

/// One table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// By name.
    pub columns: BTreeSet<Column>,
    pub primary_key: Vec<String>,
    pub indexes: BTreeSet<Index>,
}

/// Every table of serialhub's schema (diesel's own migration table left out), by name.
pub type Schema = BTreeMap<String, Table>;

/// The schema as the database's catalogue describes it now.
pub fn schema(db: &TestDb) -> Schema {
    table_names(db)
        .into_iter()
        .map(|name| {
            let table = match db.backend {
                Db::Sqlite => sqlite_table(db, &name),
                Db::Postgres => postgres_table(db, &name),
            };
            (name, table)
        })
        .collect()
}

/// The names of a table's columns, in their order.
pub(crate) fn column_names(db: &TestDb, table: &str) -> Vec<String> {
    load::<NameRow>(db, &columns_sql(db), &[Arg::Text(table)])
        .into_iter()
        .map(|c| c.name)
        .collect()
}

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Text)]
    name: String,
}

fn table_names(db: &TestDb) -> Vec<String> {
    let sql = match db.backend {
        Db::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'"
        }
        Db::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
             AND table_name <> '__diesel_schema_migrations'"
        }
    };
    load::<NameRow>(db, sql, &[])
        .into_iter()
        .map(|r| r.name)
        .collect()
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    nullable: i64,
    /// Position in the primary key, 1-based; 0 when not part of it.
    #[diesel(sql_type = BigInt)]
    pk: i64,
}

fn columns_sql(db: &TestDb) -> String {
    match db.backend {
        Db::Sqlite => "SELECT name, CAST(1 - \"notnull\" AS BIGINT) AS nullable, \
                       CAST(pk AS BIGINT) AS pk FROM pragma_table_info(?) ORDER BY cid"
            .into(),
        Db::Postgres => "SELECT CAST(c.column_name AS TEXT) AS name, \
                CAST(CASE WHEN c.is_nullable = 'YES' THEN 1 ELSE 0 END AS BIGINT) AS nullable, \
                CAST(COALESCE((SELECT k.ordinal_position FROM information_schema.key_column_usage k \
                  JOIN information_schema.table_constraints tc \
                    ON tc.constraint_name = k.constraint_name AND tc.table_schema = k.table_schema \
                   AND tc.table_name = k.table_name \
                  WHERE tc.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema \
                    AND k.table_name = c.table_name AND k.column_name = c.column_name), 0) \
                  AS BIGINT) AS pk \
             FROM information_schema.columns c \
             WHERE c.table_schema = 'public' AND c.table_name = ? ORDER BY c.ordinal_position"
            .into(),
    }
}

fn columns_and_key(db: &TestDb, table: &str) -> (BTreeSet<Column>, Vec<String>) {
    let rows: Vec<ColumnRow> = load(db, &columns_sql(db), &[Arg::Text(table)]);
    let mut key: Vec<(i64, String)> = rows
        .iter()
        .filter(|c| c.pk > 0)
        .map(|c| (c.pk, c.name.clone()))
        .collect();
    key.sort();
    let columns = rows
        .into_iter()
        .map(|c| Column {
            name: c.name,
            nullable: c.nullable == 1,
        })
        .collect();
    (columns, key.into_iter().map(|(_, name)| name).collect())
}

#[derive(QueryableByName)]
struct IndexRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    uniq: i64,
    #[diesel(sql_type = BigInt)]
    partial: i64,
    /// `pk` (primary key), `u` (UNIQUE constraint) or `c` (CREATE INDEX).
    #[diesel(sql_type = Text)]
    origin: String,
    /// The key columns, comma-separated (PostgreSQL only; SQLite asks per index).
    #[diesel(sql_type = Text)]
    cols: String,
}

fn index(row: &IndexRow, columns: Vec<String>) -> Option<Index> {
    // The primary key is compared as `Table::primary_key` (SQLite's rowid key has no index).
    (row.origin != "pk").then(|| Index {
        name: (row.origin == "c").then(|| row.name.clone()),
        unique: row.uniq == 1,
        partial: row.partial == 1,
        columns,
    })
}

fn sqlite_table(db: &TestDb, table: &str) -> Table {
    let (columns, primary_key) = columns_and_key(db, table);
    let rows: Vec<IndexRow> = load(
        db,
        "SELECT name, CAST(\"unique\" AS BIGINT) AS uniq, CAST(partial AS BIGINT) AS partial, \
         origin, '' AS cols FROM pragma_index_list(?)",
        &[Arg::Text(table)],
    );
    let indexes = rows
        .iter()
        .filter_map(|row| {
            let cols = load::<NameRow>(
                db,
                "SELECT COALESCE(name, '<expr>') AS name FROM pragma_index_info(?) ORDER BY seqno",
                &[Arg::Text(&row.name)],
            );
            index(row, cols.into_iter().map(|c| c.name).collect())
        })
        .collect();
    Table {
        columns,
        primary_key,
        indexes,
    }
}

fn postgres_table(db: &TestDb, table: &str) -> Table {
    let (columns, primary_key) = columns_and_key(db, table);
    let rows: Vec<IndexRow> = load(
        db,
        "SELECT CAST(i.relname AS TEXT) AS name, \
                CAST(CASE WHEN ix.indisunique THEN 1 ELSE 0 END AS BIGINT) AS uniq, \
                CAST(CASE WHEN ix.indpred IS NULL THEN 0 ELSE 1 END AS BIGINT) AS partial, \
                CASE WHEN ix.indisprimary THEN 'pk' \
                     WHEN EXISTS (SELECT 1 FROM pg_constraint con \
                                  WHERE con.conindid = ix.indexrelid AND con.contype = 'u') \
                     THEN 'u' ELSE 'c' END AS origin, \
                array_to_string(ARRAY( \
                    SELECT COALESCE(CAST(a.attname AS TEXT), '<expr>') \
                    FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) \
                    LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum \
                    ORDER BY k.ord), ',') AS cols \
         FROM pg_index ix \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND t.relname = ?",
        &[Arg::Text(table)],
    );
    let indexes = rows
        .iter()
        .filter_map(|row| index(row, row.cols.split(',').map(str::to_string).collect()))
        .collect();
    Table {
        columns,
        primary_key,
        indexes,
    }
}

/// The versions of serialhub's migration history before the one baseline (issue 11).
pub const PRE_BASELINE_VERSIONS: [&str; 5] = [
    "20261125000001",
    "20261125000002",
    "20261125000003",
    "20261125000004",
    "20261201000005",
];

/// Makes the empty database look like one an older serialhub made: diesel's migration table
/// with the pre-baseline versions, and a table of that schema (`items` with text statuses).
pub fn make_pre_baseline(db: &TestDb) {
    let rows = PRE_BASELINE_VERSIONS
        .iter()
        .map(|v| format!("('{v}')"))
        .collect::<Vec<_>>()
        .join(", ");
    super::batch(
        db,
        &format!(
            "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, \
             run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP); \
             INSERT INTO __diesel_schema_migrations (version) VALUES {rows}; \
             CREATE TABLE items (id BIGINT PRIMARY KEY, status TEXT NOT NULL);"
        ),
    )
    .expect("an older schema");
}

/// The names of the tables of the database (diesel's own left out), sorted.
pub fn table_list(db: &TestDb) -> Vec<String> {
    let mut names = table_names(db);
    names.sort();
    names
}
