//! Everything SQLite and PostgreSQL do differently, in one place. Query code elsewhere is written
//! once for both backends and calls in here where they differ. See docs/architecture.md
//! ("Where the backends differ") for the list.

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::QueryResult;

use super::{Backend, DbConn};

/// The settings every SQLite connection gets when it is opened (pooled or not): wait up to 10 s
/// for a lock instead of failing, enforce foreign keys, and write-ahead logging (persistent in the
/// file; setting it again is a no-op) with `synchronous = NORMAL`, which is safe in WAL mode; a
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
