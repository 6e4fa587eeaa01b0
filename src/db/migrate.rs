use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::error::SetupError;
use super::DbConn;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies every pending migration of the connection's backend.
///
/// On PostgreSQL an advisory lock serialises instances that start at the same time against one
/// database; on SQLite the write lock of each migration's transaction does.
pub fn run_migrations(conn: &mut DbConn) -> Result<usize, SetupError> {
    let result = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE).map(|v| v.len()),
        DbConn::Pg(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7316001)")
                .map_err(|e| SetupError::Migration(e.into()))?;
            let applied = c.run_pending_migrations(POSTGRES).map(|v| v.len());
            // Dropping the connection would release the lock too; a failed unlock changes nothing.
            let _ = c.batch_execute("SELECT pg_advisory_unlock(7316001)");
            applied
        }
    };
    result.map_err(SetupError::Migration)
}
