use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::DbConn;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies every pending migration of the connection's backend.
///
/// On PostgreSQL an advisory lock serialises instances that start at the same time against one
/// database; on SQLite the journal is switched to WAL here, once (it is persistent).
pub fn run_migrations(conn: &mut DbConn) -> Result<usize, String> {
    let result = match conn {
        DbConn::Sqlite(c) => {
            c.batch_execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000;")
                .map_err(|e| e.to_string())?;
            c.run_pending_migrations(SQLITE).map(|v| v.len())
        }
        DbConn::Pg(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7316001)")
                .map_err(|e| e.to_string())?;
            let applied = c.run_pending_migrations(POSTGRES).map(|v| v.len());
            let _ = c.batch_execute("SELECT pg_advisory_unlock(7316001)");
            applied
        }
    };
    result.map_err(|e| format!("migration failed: {e}"))
}
