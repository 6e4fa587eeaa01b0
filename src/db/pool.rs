use std::sync::Arc;
use std::time::Duration;

use diesel::r2d2::{ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::Connection;
use diesel::RunQueryDsl;

use super::dialect;
use super::error::{DbError, SetupError};
use super::DbConn;

pub type Pooled = PooledConnection<Manager>;

/// The connection pool, and on SQLite the queue its writers wait in.
///
/// SQLite has one writer at a time. Left to itself, a writer that finds the lock taken sleeps in
/// SQLite's busy handler in growing steps (up to 100 ms) and polls again, so under 16 concurrent
/// lines most of the tail latency was sleeping while the lock stood free. Writers of this process
/// therefore queue in FIFO order in front of `BEGIN IMMEDIATE` (see [`run_queued`]) and each starts
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
    pub fn from_url(url: &str) -> Result<(Backend, String), SetupError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(SetupError::MissingSqlitePath);
            }
            Ok((Backend::Sqlite, path.to_string()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok((Backend::Postgres, url.to_string()))
        } else {
            let scheme = url.split("://").next().unwrap_or(url);
            Err(SetupError::UnsupportedScheme(scheme.to_string()))
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
    /// The manager for a database URL (`sqlite://PATH` or `postgres://...`).
    pub fn new(url: &str) -> Result<Manager, SetupError> {
        let (backend, conn_str) = Backend::from_url(url)?;
        Ok(Manager { backend, conn_str })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// One connection, outside any pool, configured like every pooled one.
    pub fn establish(&self) -> Result<DbConn, SetupError> {
        self.open().map_err(|e| match e {
            diesel::r2d2::Error::ConnectionError(e) => SetupError::Connect(e),
            diesel::r2d2::Error::QueryError(e) => SetupError::Configure(e),
        })
    }

    fn open(&self) -> Result<DbConn, diesel::r2d2::Error> {
        let mut conn = match self.backend {
            Backend::Sqlite => {
                diesel::SqliteConnection::establish(&self.conn_str).map(DbConn::Sqlite)
            }
            Backend::Postgres => diesel::PgConnection::establish(&self.conn_str).map(DbConn::Pg),
        }
        .map_err(diesel::r2d2::Error::ConnectionError)?;
        dialect::configure(&mut conn).map_err(diesel::r2d2::Error::QueryError)?;
        Ok(conn)
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        self.open()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        ping(conn).map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection dropped mid-panic or with a broken transaction is discarded, not reused.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Builds the pool for a database URL (`sqlite://path` or `postgres://...`).
pub fn build_pool(url: &str, max_size: u32) -> Result<DbPool, SetupError> {
    let manager = Manager::new(url)?;
    let backend = manager.backend();
    let pool = Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .min_idle(Some(1))
        .test_on_check_out(false)
        .build(manager)
        .map_err(SetupError::Pool)?;
    let writers = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
    Ok(DbPool { pool, writers })
}

/// Runs blocking database work on the runtime's blocking thread pool, inside the caller's
/// tracing span, with a pooled connection.
///
/// Every diesel call of a request goes through here, so async workers never block on I/O. The
/// work's own error type only has to accept the pool's failures (`DbError`).
pub async fn run<T, E, F>(pool: &DbPool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut conn: Pooled = pool.get().map_err(DbError::Unavailable)?;
        f(&mut conn)
    })
    .await
    .map_err(DbError::Blocking)?
}

/// [`run`] for work that writes: on SQLite it first waits its turn in the pool's FIFO writer
/// queue (without holding a connection or a blocking thread), and keeps the turn until the work
/// is done even if the request is abandoned meanwhile.
pub async fn run_queued<T, E, F>(pool: &DbPool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
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
