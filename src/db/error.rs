//! What can go wrong in the database layer, with the cause kept. Nothing here knows about HTTP:
//! the edge decides what a caller is told (see `http::error`).

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// A failure of database work at run time.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection within the pool's timeout: the pool is exhausted or the database unreachable.
    #[error("no database connection available")]
    Unavailable(#[source] diesel::r2d2::PoolError),
    /// PostgreSQL aborted the transaction to resolve a conflict with a concurrent one
    /// (SQLSTATE 40001 serialization failure or 40P01 deadlock), and retrying did not help.
    #[error("the transaction conflicted with concurrent transactions (serialization failure or deadlock)")]
    Contention(#[source] DieselError),
    /// The database did not answer in time: SQLite stayed locked by another process past its
    /// busy timeout, or PostgreSQL cancelled a statement on its lock or statement timeout.
    /// Nothing of the transaction was written.
    #[error("the database did not answer in time (locked or timed out)")]
    Timeout(#[source] DieselError),
    /// The connection to the database server was lost (the server stopped, restarted or is
    /// unreachable). The connection is discarded.
    #[error("the connection to the database was lost")]
    Lost(#[source] DieselError),
    /// A statement failed.
    #[error("database query failed")]
    Query(#[source] DieselError),
    /// The blocking task running the work panicked or was cancelled.
    #[error("the blocking database task failed")]
    Blocking(#[source] tokio::task::JoinError),
}

impl From<DieselError> for DbError {
    fn from(e: DieselError) -> DbError {
        if is_contention(&e) {
            DbError::Contention(e)
        } else if is_timeout(&e) {
            DbError::Timeout(e)
        } else if is_lost(&e) {
            note_lost();
            DbError::Lost(e)
        } else {
            DbError::Query(e)
        }
    }
}

/// Whether the database gave up waiting: SQLite's `SQLITE_BUSY` ("database is locked", after
/// `busy_timeout`), PostgreSQL's `lock_timeout` and `statement_timeout` cancellations (SQLSTATE
/// 55P03 and 57014, which diesel does not name; recognised by the default `lc_messages` text).
pub fn is_timeout(e: &DieselError) -> bool {
    const MESSAGES: [&str; 4] = [
        "database is locked",
        "database table is locked",
        "canceling statement due to lock timeout",
        "canceling statement due to statement timeout",
    ];
    match e {
        DieselError::DatabaseError(_, info) => {
            MESSAGES.iter().any(|m| info.message().starts_with(m))
        }
        _ => false,
    }
}

/// Whether the connection to the server is gone: diesel says so when libpq reports the
/// connection bad, and a server shutting down says so before it closes the socket.
pub fn is_lost(e: &DieselError) -> bool {
    const MESSAGES: [&str; 4] = [
        "terminating connection due to administrator command",
        "server closed the connection unexpectedly",
        "no connection to the server",
        "the database system is shutting down",
    ];
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => true,
        DieselError::DatabaseError(_, info) => MESSAGES.iter().any(|m| info.message().contains(m)),
        _ => false,
    }
}

thread_local! {
    /// Set when work on this thread found its connection lost, so that the pool discards that
    /// connection when it is handed back (on the same thread; see `pool::Manager::has_broken`):
    /// diesel only reports a connection broken for a broken transaction, and a dead connection
    /// would otherwise fail the next request too.
    static LOST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn note_lost() {
    LOST.with(|l| l.set(true));
}

/// Whether work on this thread lost its connection since the last call; clears the mark.
pub(crate) fn take_lost() -> bool {
    LOST.with(|l| l.replace(false))
}

/// Whether PostgreSQL aborted the statement to resolve a conflict between transactions: a
/// serialization failure (SQLSTATE 40001, which diesel names) or a deadlock (40P01, which diesel
/// reports as an unknown error: it is recognised by the server's message, `deadlock detected`,
/// the text of the default `lc_messages`). Such a transaction may simply be run again.
pub fn is_contention(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        DieselError::DatabaseError(_, info) => info.message().starts_with("deadlock detected"),
        _ => false,
    }
}

/// Errors a write transaction can end with, as far as retrying is concerned: the transaction
/// helpers run the work again (a bounded number of times) when it failed on contention.
pub trait TxError: From<DieselError> {
    /// True when the work failed only because a concurrent transaction conflicted with it.
    fn is_contention(&self) -> bool;
}

impl TxError for DieselError {
    fn is_contention(&self) -> bool {
        is_contention(self)
    }
}

impl TxError for DbError {
    fn is_contention(&self) -> bool {
        matches!(self, DbError::Contention(_))
    }
}

/// A failure to open or prepare the database (URL, connection, migrations): what the operator
/// reads on the command line, so each message carries its cause in one line.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// `sqlite://` without a file path.
    #[error("sqlite:// URL needs a file path, e.g. sqlite://serialhub.db")]
    MissingSqlitePath,
    /// A URL scheme other than `sqlite://`, `postgres://` or `postgresql://`.
    #[error("unsupported database URL scheme '{0}': use sqlite://PATH or postgres://...")]
    UnsupportedScheme(String),
    /// The first connection failed.
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] diesel::ConnectionError),
    /// The pool could not get a working connection.
    #[error("cannot connect to the database: {0}")]
    Pool(#[source] diesel::r2d2::PoolError),
    /// A per-connection setting (the SQLite pragmas) was refused.
    #[error("cannot configure the database connection: {0}")]
    Configure(#[source] DieselError),
    /// A migration failed (or the lock around them could not be taken).
    #[error("migration failed: {0}")]
    Migration(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The database was made by a schema this version does not know (an older one, from before
    /// the baseline, or a newer one): nothing was changed.
    #[error(
        "the database has schema version {0}, which this serialhub does not know (it starts from \
         the baseline {1}); nothing was changed: keep using the serialhub that made it, or start \
         from a new database"
    )]
    UnknownSchema(String, String),
}

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};

    use super::*;

    fn database_error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_string()))
    }

    #[test]
    fn serialization_failures_and_deadlocks_are_contention() {
        let serialization = database_error(
            DatabaseErrorKind::SerializationFailure,
            "could not serialize access due to concurrent update",
        );
        let deadlock = database_error(DatabaseErrorKind::Unknown, "deadlock detected");
        for e in [serialization, deadlock] {
            assert!(matches!(DbError::from(e), DbError::Contention(_)));
        }
    }

    #[test]
    fn other_failures_are_query_errors() {
        let unique = database_error(DatabaseErrorKind::UniqueViolation, "duplicate key");
        let check = database_error(DatabaseErrorKind::CheckViolation, "violates check");
        for e in [unique, check, DieselError::NotFound] {
            assert!(matches!(DbError::from(e), DbError::Query(_)));
        }
    }

    #[test]
    fn locks_and_timeouts_that_ran_out_are_timeouts() {
        for message in [
            "database is locked",
            "canceling statement due to lock timeout",
            "canceling statement due to statement timeout",
        ] {
            let e = database_error(DatabaseErrorKind::Unknown, message);
            assert!(matches!(DbError::from(e), DbError::Timeout(_)), "{message}");
        }
    }

    #[test]
    fn a_closed_connection_is_lost_and_marks_the_connection_for_discarding() {
        let _ = take_lost();
        let closed = database_error(DatabaseErrorKind::ClosedConnection, "server closed");
        assert!(matches!(DbError::from(closed), DbError::Lost(_)));
        assert!(take_lost(), "marked");
        assert!(!take_lost(), "the mark is taken once");
        let admin = database_error(
            DatabaseErrorKind::Unknown,
            "terminating connection due to administrator command",
        );
        assert!(matches!(DbError::from(admin), DbError::Lost(_)));
    }
}
