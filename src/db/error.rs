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
        } else {
            DbError::Query(e)
        }
    }
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
        let locked = database_error(DatabaseErrorKind::Unknown, "database is locked");
        for e in [unique, locked, DieselError::NotFound] {
            assert!(matches!(DbError::from(e), DbError::Query(_)));
        }
    }
}
