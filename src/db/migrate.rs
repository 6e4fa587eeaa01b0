use diesel::backend::Backend;
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::error::SetupError;
use super::DbConn;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies every pending migration of the connection's backend, after checking that every
/// migration the database already has is one of ours: a database made by an older schema (before
/// the baseline) is refused as it is, never half-migrated.
///
/// On PostgreSQL an advisory lock serialises instances that start at the same time against one
/// database; on SQLite the write lock of each migration's transaction does.
pub fn run_migrations(conn: &mut DbConn) -> Result<usize, SetupError> {
    let migration = SetupError::Migration;
    match conn {
        DbConn::Sqlite(c) => {
            refuse_unknown(c, SQLITE)?;
            c.run_pending_migrations(SQLITE)
                .map(|v| v.len())
                .map_err(migration)
        }
        DbConn::Pg(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7316001)")
                .map_err(|e| SetupError::Migration(e.into()))?;
            let applied = refuse_unknown(c, POSTGRES).and_then(|()| {
                c.run_pending_migrations(POSTGRES)
                    .map(|v| v.len())
                    .map_err(migration)
            });
            // Dropping the connection would release the lock too; a failed unlock changes nothing.
            let _ = c.batch_execute("SELECT pg_advisory_unlock(7316001)");
            applied
        }
    }
}

/// `Err(UnknownSchema)` naming the newest applied version that `ours` does not contain.
fn refuse_unknown<DB: Backend>(
    conn: &mut impl MigrationHarness<DB>,
    ours: EmbeddedMigrations,
) -> Result<(), SetupError> {
    let known: Vec<String> = MigrationSource::<DB>::migrations(&ours)
        .map_err(SetupError::Migration)?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let mut unknown: Vec<String> = conn
        .applied_migrations()
        .map_err(SetupError::Migration)?
        .into_iter()
        .map(|v| v.to_string())
        .filter(|v| !known.contains(v))
        .collect();
    unknown.sort();
    match unknown.pop() {
        Some(version) => Err(SetupError::UnknownSchema(
            version,
            known.first().cloned().unwrap_or_default(),
        )),
        None => Ok(()),
    }
}
