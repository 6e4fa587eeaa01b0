//! Everything SQLite and PostgreSQL do differently, in one place. Query code elsewhere is written
//! once, against `DbConn`, and calls in here where the backends differ:
//!
//! - how a transaction begins ([`begin`]);
//! - the per-connection settings ([`SQLITE_PRAGMAS`], [`configure`]);
//! - `INSERT … ON CONFLICT DO NOTHING` ([`insert_or_ignore`]);
//! - row locks ([`for_update`]) and transaction-scoped advisory locks ([`advisory_lock`]);
//! - the one way a list of keys reaches SQL: bound as ONE parameter ([`Keys`]).
//!
//! The migrations (`migrate.rs`) and the connection manager (`pool.rs`) are the only other
//! places that look at the backend. docs/architecture.md lists every one.

use std::io::Write as _;
use std::marker::PhantomData;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Array, BigInt, Bool, HasSqlType, SingleValue, SqlType, Text};
use diesel::sqlite::{Sqlite, SqliteType};
use diesel::{PgConnection, QueryResult, RunQueryDsl, SqliteConnection};

use super::conn::MultiBackend;
use super::{Backend, DbConn};

/// The settings every SQLite connection gets when it is opened (pooled or not): wait up to 10 s
/// for a lock instead of failing, write-ahead logging (persistent in the file; setting it again is
/// a no-op) with `synchronous = NORMAL`, which is safe in WAL mode, foreign keys enforced, a
/// 64 MiB page cache, temporary tables in memory.
pub const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; \
     PRAGMA temp_store = MEMORY;";

/// The backend a connection talks to.
pub fn backend(conn: &DbConn) -> Backend {
    match conn {
        DbConn::Sqlite(_) => Backend::Sqlite,
        DbConn::Pg(_) => Backend::Postgres,
    }
}

/// Applies the per-connection settings of the backend (PostgreSQL needs none).
pub fn configure(conn: &mut DbConn) -> QueryResult<()> {
    match backend(conn) {
        Backend::Sqlite => conn.batch_execute(SQLITE_PRAGMAS),
        Backend::Postgres => Ok(()),
    }
}

/// What a transaction is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    Write,
    Read,
}

/// Begins a transaction. Writes on SQLite take the write lock up front (`BEGIN IMMEDIATE`), so
/// concurrent writers wait instead of failing when a deferred transaction tries to upgrade; reads
/// on PostgreSQL see one snapshot (`REPEATABLE READ READ ONLY`).
pub fn begin(conn: &mut DbConn, kind: Begin) -> QueryResult<()> {
    match (conn, kind) {
        (DbConn::Sqlite(c), Begin::Write) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        (DbConn::Sqlite(c), Begin::Read) => AnsiTransactionManager::begin_transaction(c),
        (DbConn::Pg(c), Begin::Write) => AnsiTransactionManager::begin_transaction(c),
        (DbConn::Pg(c), Begin::Read) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        ),
    }
}

/// Executes `insert_into(…).values(…).on_conflict_do_nothing()` and returns the rows inserted
/// (0 when the row already existed). Both backends spell it the same, but it is outside
/// MultiConnection's common subset, so it runs on the backend's own connection.
pub fn insert_or_ignore<Q>(conn: &mut DbConn, insert: Q) -> QueryResult<usize>
where
    Q: ExecuteDsl<SqliteConnection> + ExecuteDsl<PgConnection>,
{
    match conn {
        DbConn::Sqlite(c) => ExecuteDsl::<SqliteConnection>::execute(insert, c),
        DbConn::Pg(c) => ExecuteDsl::<PgConnection>::execute(insert, c),
    }
}

/// The end of a `SELECT` whose rows must stay locked until the transaction ends, so that a
/// concurrent writer of the same rows waits: `FOR UPDATE` on PostgreSQL; nothing on SQLite, whose
/// write lock (`BEGIN IMMEDIATE`) already serialises writers.
pub fn for_update(conn: &DbConn) -> &'static str {
    match backend(conn) {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE",
    }
}

/// Work that must not interleave with other transactions doing the same, although no row can be
/// locked for it.
#[derive(Debug, Clone, Copy)]
pub enum Serialised<'a> {
    /// Creating the first signing key when several instances start on one empty database.
    SigningKeyCreation,
    /// Nesting packs in packs or containers in containers for one tenant: two crossing requests
    /// (A into B while B into A) could otherwise build a cycle.
    Nesting { tenant_id: &'a str },
}

/// Takes the lock of `work` until the transaction ends: a transaction-scoped advisory lock on
/// PostgreSQL; nothing on SQLite, whose write lock already serialises every writer.
pub fn advisory_lock(conn: &mut DbConn, work: Serialised<'_>) -> QueryResult<()> {
    if backend(conn) == Backend::Sqlite {
        return Ok(());
    }
    match work {
        Serialised::SigningKeyCreation => {
            diesel::sql_query("SELECT pg_advisory_xact_lock(7316002)").execute(conn)?
        }
        Serialised::Nesting { tenant_id } => {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind::<Text, _>(tenant_id)
                .execute(conn)?
        }
    };
    Ok(())
}

/// The SQL type of a bound list of `ST` values: `text[]` / `bigint[]` on PostgreSQL, a JSON array
/// in a text parameter on SQLite.
pub struct KeyList<ST>(PhantomData<ST>);

impl<ST> KeyList<ST> {
    fn new() -> KeyList<ST> {
        KeyList(PhantomData)
    }
}

impl<ST> QueryId for KeyList<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST: 'static> SqlType for KeyList<ST> {
    type IsNull = diesel::sql_types::is_nullable::NotNull;
}

impl<ST: 'static> SingleValue for KeyList<ST> {}

impl<ST: 'static> HasSqlType<KeyList<ST>> for Pg
where
    Pg: HasSqlType<Array<ST>>,
{
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        <Pg as HasSqlType<Array<ST>>>::metadata(lookup)
    }
}

impl<ST: 'static> HasSqlType<KeyList<ST>> for Sqlite {
    fn metadata(_: &mut ()) -> SqliteType {
        SqliteType::Text
    }
}

impl<ST: 'static> HasSqlType<KeyList<ST>> for MultiBackend
where
    Pg: HasSqlType<KeyList<ST>>,
{
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<KeyList<ST>>(lookup)
    }
}

/// A list of keys (serials, GTINs, statuses, row ids) bound as ONE statement parameter however
/// long it is: binding a parameter per key costs diesel an AST node and a bind each (a quarter of
/// a 100 000-serial request when profiled) and runs into bind limits. Encoded once, for the
/// backend of the connection it was made for: PostgreSQL's binary array format (the query reads
/// it with `= ANY($n)` / `unnest($n)`), or a JSON array for SQLite (`json_each($n)`).
pub struct Keys<ST> {
    backend: Backend,
    encoded: Vec<u8>,
    _type: PhantomData<ST>,
}

impl<ST> Clone for Keys<ST> {
    fn clone(&self) -> Keys<ST> {
        Keys {
            backend: self.backend,
            encoded: self.encoded.clone(),
            _type: PhantomData,
        }
    }
}

impl<ST> std::fmt::Debug for Keys<ST> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("backend", &self.backend)
            .field("bytes", &self.encoded.len())
            .finish()
    }
}

/// Element OIDs of PostgreSQL's array format.
const PG_TEXT_OID: u32 = 25;
const PG_INT8_OID: u32 = 20;

impl<ST> Keys<ST> {
    fn encode<T>(
        backend: Backend,
        keys: impl IntoIterator<Item = T>,
        pg_oid: u32,
        pg_element: impl Fn(&T, &mut Vec<u8>),
        json_element: impl Fn(&T, &mut Vec<u8>),
    ) -> Keys<ST> {
        let mut out = Vec::with_capacity(64);
        match backend {
            Backend::Postgres => {
                // One dimension, no NULLs, the element type, the length (patched below), base 1.
                out.extend_from_slice(&1i32.to_be_bytes());
                out.extend_from_slice(&0i32.to_be_bytes());
                out.extend_from_slice(&pg_oid.to_be_bytes());
                out.extend_from_slice(&0i32.to_be_bytes());
                out.extend_from_slice(&1i32.to_be_bytes());
                let mut n: i32 = 0;
                for key in keys {
                    pg_element(&key, &mut out);
                    n += 1;
                }
                out[12..16].copy_from_slice(&n.to_be_bytes());
            }
            Backend::Sqlite => {
                out.push(b'[');
                for (i, key) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    json_element(&key, &mut out);
                }
                out.push(b']');
            }
        }
        Keys {
            backend,
            encoded: out,
            _type: PhantomData,
        }
    }

    /// `column` is one of the keys, the keys being parameter `$n` of a hand-written statement.
    ///
    /// Number the parameters of a hand-written statement in the order they first appear in its
    /// text: SQLite treats `$n` as a name and gives each name the next index when it first meets
    /// it, while the binds are positional.
    pub fn sql_contains(&self, column: &str, n: usize) -> String {
        match self.backend {
            Backend::Sqlite => format!("{column} IN (SELECT value FROM json_each(${n}))"),
            Backend::Postgres => format!("{column} = ANY(${n})"),
        }
    }

    /// The keys as a table of one column, `value`, the keys being parameter `$n` of a
    /// hand-written statement: `SELECT value FROM {rows}`.
    pub fn sql_rows(&self, n: usize) -> String {
        match self.backend {
            Backend::Sqlite => format!("json_each(${n})"),
            Backend::Postgres => format!("unnest(${n}) AS value"),
        }
    }

    /// `column` is one of the keys, as a query-builder filter.
    pub fn contains<C>(self, column: C) -> InKeys<C, ST> {
        InKeys { column, keys: self }
    }
}

impl Keys<Text> {
    /// Text keys for statements on `conn`.
    pub fn text<S: AsRef<str>>(conn: &DbConn, keys: impl IntoIterator<Item = S>) -> Keys<Text> {
        Keys::encode(
            backend(conn),
            keys,
            PG_TEXT_OID,
            |k, out| {
                let k = k.as_ref().as_bytes();
                out.extend_from_slice(&(k.len() as i32).to_be_bytes());
                out.extend_from_slice(k);
            },
            |k, out| serde_json::to_writer(out, k.as_ref()).expect("writing JSON to memory"),
        )
    }
}

impl Keys<BigInt> {
    /// Integer keys (row ids) for statements on `conn`.
    pub fn ids<I: Into<i64>>(conn: &DbConn, keys: impl IntoIterator<Item = I>) -> Keys<BigInt> {
        Keys::encode(
            backend(conn),
            keys.into_iter().map(Into::into),
            PG_INT8_OID,
            |k: &i64, out| {
                out.extend_from_slice(&8i32.to_be_bytes());
                out.extend_from_slice(&k.to_be_bytes());
            },
            |k, out| write!(out, "{k}").expect("writing to memory"),
        )
    }
}

fn wrong_backend() -> Box<dyn std::error::Error + Send + Sync> {
    "a key list was bound on a connection of the other backend".into()
}

impl<ST: 'static> ToSql<KeyList<ST>, Pg> for Keys<ST> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        if self.backend != Backend::Postgres {
            return Err(wrong_backend());
        }
        out.write_all(&self.encoded)?;
        Ok(IsNull::No)
    }
}

impl<ST: 'static> ToSql<KeyList<ST>, Sqlite> for Keys<ST> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        if self.backend != Backend::Sqlite {
            return Err(wrong_backend());
        }
        // Valid UTF-8: built from `&str`s and digits by `encode`.
        out.set_value(std::str::from_utf8(&self.encoded)?);
        Ok(IsNull::No)
    }
}

impl<ST> ToSql<KeyList<ST>, MultiBackend> for Keys<ST>
where
    ST: Send + Sync + 'static,
    Pg: HasSqlType<KeyList<ST>>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((KeyList::<ST>::new(), self));
        Ok(IsNull::No)
    }
}

/// `column IN (the keys)` as a query-builder expression: see [`Keys::contains`].
#[derive(Debug)]
pub struct InKeys<C, ST> {
    column: C,
    keys: Keys<ST>,
}

impl<C, ST> Expression for InKeys<C, ST> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, ST, QS> AppearsOnTable<QS> for InKeys<C, ST> {}

impl<C: SelectableExpression<QS>, ST, QS> SelectableExpression<QS> for InKeys<C, ST> {}

impl<C: ValidGrouping<()>, ST> ValidGrouping<()> for InKeys<C, ST> {
    type IsAggregate = C::IsAggregate;
}

impl<C, ST> QueryId for InKeys<C, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C, ST> QueryFragment<Sqlite> for InKeys<C, ST>
where
    C: QueryFragment<Sqlite>,
    ST: 'static,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<KeyList<ST>, _>(&self.keys)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C, ST> QueryFragment<Pg> for InKeys<C, ST>
where
    C: QueryFragment<Pg>,
    ST: 'static,
    Pg: HasSqlType<KeyList<ST>>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<KeyList<ST>, _>(&self.keys)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<C, ST> QueryFragment<MultiBackend> for InKeys<C, ST>
where
    Self: QueryFragment<Sqlite> + QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, out)
    }
}
