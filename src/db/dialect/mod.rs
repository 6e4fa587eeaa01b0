//! Everything SQLite and PostgreSQL do differently, in one place. Query code elsewhere is written
//! once, against `DbConn`, and calls in here where the backends differ:
//!
//! - how a transaction begins ([`begin`]);
//! - the per-connection settings ([`SQLITE_PRAGMAS`], [`configure`]);
//! - `INSERT … ON CONFLICT DO NOTHING` ([`insert_or_ignore`]);
//! - row locks ([`for_update`]) and transaction-scoped advisory locks ([`advisory_lock`]);
//! - the one way a list of keys reaches SQL: bound as ONE parameter ([`Keys`]);
//! - the history index of packs, a different structure on each backend ([`history`]).
//!
//! The migrations (`migrate.rs`) and the connection manager (`pool.rs`) are the only other
//! places that look at the backend. docs/architecture.md lists every one.

pub mod history;
mod keys;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::sql_types::Text;
use diesel::{PgConnection, QueryResult, RunQueryDsl, SqliteConnection};

pub use keys::{InKeys, KeyList, Keys};

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
