//! What is stored, read and tampered with in raw SQL: the only part of the suite that knows the
//! database schema. Tests ask by intent (`store::pack_status(&app.db, gtin, serial)`,
//! `store::rewrite_event(…)`) and get API-level values (statuses as the API names them, parents
//! by SSCC or GTIN/serial, never internal row ids), so a change of tables, columns or keys
//! changes this module and nothing else. It uses plain diesel connections and no serialhub code.

mod audit;
mod brand;
mod identity;
mod locks;
mod packs;
mod schema;
mod sscc_pool;

use std::sync::Mutex;

use diesel::connection::SimpleConnection;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};

use super::app::{Db, TestDb};

pub use audit::*;
pub use brand::*;
pub use identity::*;
pub use locks::*;
pub use packs::*;
pub use schema::*;
pub use sscc_pool::*;

/// A raw connection to a test database, of either backend.
pub(crate) enum Conn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// A value bound to a `?` placeholder.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Text(&'a str),
    Int(i64),
    Time(chrono::NaiveDateTime),
}

/// The connection cached on a test database; opened on first use.
pub(crate) type Cache = Mutex<Option<Conn>>;

fn open(db: &TestDb) -> Conn {
    match db.backend {
        Db::Sqlite => {
            let path = db.url.strip_prefix("sqlite://").expect("sqlite:// URL");
            let mut c = SqliteConnection::establish(path).expect("open the SQLite test database");
            // Wait for the service's writers instead of failing with SQLITE_BUSY.
            c.batch_execute("PRAGMA busy_timeout = 10000;")
                .expect("busy timeout");
            Conn::Sqlite(c)
        }
        Db::Postgres => {
            Conn::Pg(PgConnection::establish(&db.url).expect("open the PostgreSQL test database"))
        }
    }
}

/// Runs `f` on the test database's connection.
fn with<T>(db: &TestDb, f: impl FnOnce(&mut Conn) -> T) -> T {
    let mut cached = db.store.lock().unwrap_or_else(|e| e.into_inner());
    let conn = cached.get_or_insert_with(|| open(db));
    f(conn)
}

/// `?` placeholders as PostgreSQL writes them (`$1`, `$2`, …); SQL here never has a `?` in a
/// literal.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(ch);
        }
    }
    out
}

macro_rules! bound {
    ($backend:ty, $sql:expr, $args:expr) => {{
        let mut q: BoxedSqlQuery<'_, $backend, SqlQuery> = diesel::sql_query($sql).into_boxed();
        for arg in $args {
            q = match *arg {
                Arg::Text(s) => q.bind::<Text, _>(s),
                Arg::Int(i) => q.bind::<BigInt, _>(i),
                Arg::Time(t) => q.bind::<Timestamp, _>(t),
            };
        }
        q
    }};
}

/// Loads the rows of a query written with `?` placeholders.
pub(crate) fn load<T>(db: &TestDb, sql: &str, args: &[Arg]) -> Vec<T>
where
    T: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static,
{
    with(db, |conn| match conn {
        Conn::Sqlite(c) => bound!(Sqlite, sql.to_string(), args).load(c),
        Conn::Pg(c) => bound!(Pg, numbered(sql), args).load(c),
    })
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Executes a statement written with `?` placeholders; the number of rows it touched.
pub(crate) fn execute(db: &TestDb, sql: &str, args: &[Arg]) -> Result<usize, String> {
    with(db, |conn| match conn {
        Conn::Sqlite(c) => bound!(Sqlite, sql.to_string(), args).execute(c),
        Conn::Pg(c) => bound!(Pg, numbered(sql), args).execute(c),
    })
    .map_err(|e| e.to_string())
}

/// Runs statements without parameters, as someone with database access would.
pub(crate) fn batch(db: &TestDb, sql: &str) -> Result<(), String> {
    with(db, |conn| match conn {
        Conn::Sqlite(c) => c.batch_execute(sql),
        Conn::Pg(c) => c.batch_execute(sql),
    })
    .map_err(|e| e.to_string())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The single number a `SELECT COUNT(*) AS n …` answers.
pub(crate) fn count(db: &TestDb, sql: &str, args: &[Arg]) -> i64 {
    load::<Count>(db, sql, args)
        .first()
        .map(|c| c.n)
        .unwrap_or_else(|| panic!("{sql}: no row"))
}

#[derive(QueryableByName)]
struct OneText {
    #[diesel(sql_type = Nullable<Text>)]
    t: Option<String>,
}

/// The first column of every row, as text (`SELECT … AS t`).
pub(crate) fn texts(db: &TestDb, sql: &str, args: &[Arg]) -> Vec<Option<String>> {
    load::<OneText>(db, sql, args)
        .into_iter()
        .map(|r| r.t)
        .collect()
}

/// Every row of `table` with every column, as text: for fingerprints and leak scans that must
/// not miss a column added later.
pub(crate) fn dump(db: &TestDb, table: &str, filter: &str, args: &[Arg]) -> Vec<String> {
    let columns = column_names(db, table);
    let cells: Vec<String> = columns
        .iter()
        .map(|c| format!("'{c}=' || COALESCE(CAST({c} AS TEXT), 'NULL')"))
        .collect();
    assert!(!columns.is_empty(), "{table} has columns");
    let sql = format!(
        "SELECT {} AS t FROM {table} {filter} ORDER BY t",
        cells.join(" || ' ' || ")
    );
    texts(db, &sql, args).into_iter().flatten().collect()
}
