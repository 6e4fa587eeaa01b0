//! The connection type and the two transaction helpers every request goes through.

use diesel::connection::TransactionManager;
use diesel::prelude::*;

use super::dialect::{self, Begin};
use super::error::TxError;
use crate::metrics::goods;

/// The one connection type of serialhub: the variant is chosen at run time from the URL scheme.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

/// How often a write transaction runs in all when PostgreSQL keeps aborting it on conflicts.
const WRITE_ATTEMPTS: u32 = 3;

/// Runs `f` in a write transaction.
///
/// SQLite gets `BEGIN IMMEDIATE`: the write lock is taken up front, so concurrent writers queue on
/// `busy_timeout` instead of failing with SQLITE_BUSY when a deferred transaction tries to upgrade.
/// PostgreSQL gets a plain `BEGIN` (READ COMMITTED); invariants there rest on constraints, row locks
/// and conditional updates. When PostgreSQL aborts the transaction to resolve a deadlock or a
/// serialization failure, nothing of it was written and `f` runs again, up to
/// `WRITE_ATTEMPTS` times in all; then the conflict is the caller's error.
pub fn write_tx<T, E, F>(conn: &mut DbConn, mut f: F) -> Result<T, E>
where
    F: FnMut(&mut DbConn) -> Result<T, E>,
    E: TxError,
{
    let mut attempt = 1;
    loop {
        dialect::begin(conn, Begin::Write)?;
        match finish(conn, &mut f) {
            Err(e) if e.is_contention() && attempt < WRITE_ATTEMPTS => {
                tracing::warn!(
                    attempt,
                    "transaction aborted on a conflict; running it again"
                );
                // A little later, and later each time, so the other transaction can finish.
                std::thread::sleep(std::time::Duration::from_millis(10 * u64::from(attempt)));
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// Runs `f` in a read transaction, so multi-statement reads see one consistent snapshot.
pub fn read_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    dialect::begin(conn, Begin::Read)?;
    finish(conn, f)
}

fn finish<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match f(conn) {
        Ok(value) => match <DbConn as Connection>::TransactionManager::commit_transaction(conn) {
            Ok(()) => {
                goods::commit();
                Ok(value)
            }
            Err(e) => {
                goods::roll_back();
                Err(e.into())
            }
        },
        Err(e) => {
            goods::roll_back();
            // A failed rollback leaves the connection marked broken; r2d2 then discards it.
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};

    use super::*;
    use crate::db::pool::Manager;
    use crate::db::DbError;

    fn deadlock() -> DbError {
        let info = Box::new("deadlock detected".to_string());
        DbError::from(DieselError::DatabaseError(DatabaseErrorKind::Unknown, info))
    }

    fn conn() -> DbConn {
        Manager::new("sqlite://:memory:")
            .and_then(|m| m.establish())
            .expect("in-memory database")
    }

    #[test]
    fn a_transaction_aborted_on_a_conflict_runs_again() {
        let mut runs = 0;
        let out: Result<u32, DbError> = write_tx(&mut conn(), |_| {
            runs += 1;
            if runs == 1 {
                Err(deadlock())
            } else {
                Ok(7)
            }
        });
        assert_eq!((out.ok(), runs), (Some(7), 2));
    }

    #[test]
    fn retries_are_bounded_and_other_errors_are_not_retried() {
        let mut runs = 0;
        let out: Result<(), DbError> = write_tx(&mut conn(), |_| {
            runs += 1;
            Err(deadlock())
        });
        assert!(matches!(out, Err(DbError::Contention(_))));
        assert_eq!(runs, WRITE_ATTEMPTS);
        let mut runs = 0;
        let out: Result<(), DbError> = write_tx(&mut conn(), |_| {
            runs += 1;
            Err(DbError::from(DieselError::NotFound))
        });
        assert!(matches!(out, Err(DbError::Query(_))));
        assert_eq!(runs, 1);
    }
}
