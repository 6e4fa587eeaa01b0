use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;

/// The one connection type of serialhub: the variant is chosen at run time from the URL scheme.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

/// Runs `f` in a write transaction.
///
/// SQLite gets `BEGIN IMMEDIATE`: the write lock is taken up front, so concurrent writers queue on
/// `busy_timeout` instead of failing with SQLITE_BUSY when a deferred transaction tries to upgrade.
/// PostgreSQL gets a plain `BEGIN` (READ COMMITTED); invariants there rest on constraints, row locks
/// and conditional updates.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    finish(conn, f)
}

/// Runs `f` in a read transaction, so multi-statement reads see one consistent snapshot.
pub fn read_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction(c)?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )?,
    }
    finish(conn, f)
}

fn finish<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            // A failed rollback leaves the connection marked broken; r2d2 then discards it.
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            Err(e)
        }
    }
}
