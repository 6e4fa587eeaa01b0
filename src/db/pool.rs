use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::Connection;
use diesel::RunQueryDsl;

use super::DbConn;
use crate::error::ApiError;

pub type Pooled = PooledConnection<Manager>;

/// The connection pool, and on SQLite the queue its writers wait in.
///
/// SQLite has one writer at a time. Left to itself, a writer that finds the lock taken sleeps in
/// SQLite's busy handler in growing steps (up to 100 ms) and polls again, so under 16 concurrent
/// lines most of the tail latency was sleeping while the lock stood free. Writers of this process
/// therefore queue in FIFO order in front of `BEGIN IMMEDIATE` (see `run_write`) and each starts
/// the moment its predecessor is done. Other processes on the same file (the CLI) still meet the
/// busy handler. PostgreSQL has row locks and needs no queue.
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<Manager>,
    writers: Option<Arc<tokio::sync::Mutex<()>>>,
}

impl std::ops::Deref for DbPool {
    type Target = Pool<Manager>;

    fn deref(&self) -> &Pool<Manager> {
        &self.pool
    }
}

impl std::fmt::Debug for DbPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbPool")
            .field("state", &self.pool.state())
            .field("write_queue", &self.writers.is_some())
            .finish()
    }
}

/// Which database a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Picks the backend from the URL scheme; anything else is refused, never silently defaulted.
    pub fn from_url(url: &str) -> Result<(Backend, String), String> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// URL needs a file path, e.g. sqlite://serialhub.db".into());
            }
            Ok((Backend::Sqlite, path.to_string()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok((Backend::Postgres, url.to_string()))
        } else {
            let scheme = url.split("://").next().unwrap_or(url);
            Err(format!(
                "unsupported database URL scheme '{scheme}': use sqlite://PATH or postgres://..."
            ))
        }
    }
}

/// Opens connections of the backend the URL chose. (diesel's generic `ConnectionManager` would try
/// every backend in turn, opening a PostgreSQL URL as a SQLite file first and hiding libpq's error.)
#[derive(Debug, Clone)]
pub struct Manager {
    backend: Backend,
    conn_str: String,
}

impl Manager {
    pub fn new(url: &str) -> Result<Manager, String> {
        let (backend, conn_str) = Backend::from_url(url)?;
        Ok(Manager { backend, conn_str })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// One connection, outside any pool.
    pub fn establish(&self) -> diesel::ConnectionResult<DbConn> {
        match self.backend {
            Backend::Sqlite => {
                diesel::SqliteConnection::establish(&self.conn_str).map(DbConn::Sqlite)
            }
            Backend::Postgres => diesel::PgConnection::establish(&self.conn_str).map(DbConn::Pg),
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        self.establish()
            .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        ping(conn).map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection dropped mid-panic or with a broken transaction is discarded, not reused.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Per-connection SQLite settings. WAL is persistent and set once by the migrator; these are not.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(c) = conn {
            c.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                 PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Builds the pool for a database URL (`sqlite://path` or `postgres://...`).
pub fn build_pool(url: &str, max_size: u32) -> Result<DbPool, String> {
    let manager = Manager::new(url)?;
    let backend = manager.backend();
    let builder = Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .min_idle(Some(1))
        .test_on_check_out(false);
    let builder = match backend {
        Backend::Sqlite => builder.connection_customizer(Box::new(SqlitePragmas)),
        Backend::Postgres => builder,
    };
    let pool = builder
        .build(manager)
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    let writers = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
    Ok(DbPool { pool, writers })
}

/// The backend a pooled connection talks to.
pub fn backend_of(conn: &DbConn) -> Backend {
    match conn {
        DbConn::Sqlite(_) => Backend::Sqlite,
        DbConn::Pg(_) => Backend::Postgres,
    }
}

/// Runs blocking database work on actix's blocking thread pool, inside the caller's tracing span.
///
/// Every diesel call of a request goes through here, so async workers never block on I/O.
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _entered = span.enter();
        let mut conn: Pooled = pool.get().map_err(|e| {
            tracing::error!(error = %e, "database pool exhausted or unreachable");
            ApiError::unavailable()
        })?;
        f(&mut conn)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "blocking task failed");
        ApiError::internal()
    })?
}

/// `run` for work that writes: on SQLite it first waits its turn in the pool's FIFO writer queue
/// (without holding a connection or a blocking thread), and keeps the turn until the work is done
/// even if the request is abandoned meanwhile.
pub async fn run_write<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let turn = match &pool.writers {
        Some(queue) => Some(queue.clone().lock_owned().await),
        None => None,
    };
    run(pool, move |conn| {
        let result = f(conn);
        drop(turn);
        result
    })
    .await
}

/// Cheap liveness query used by `/readyz`.
pub fn ping(conn: &mut DbConn) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).map(|_| ())
}
