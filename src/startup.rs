//! Building and running the HTTP application: the shared state, middleware, the route table.

use std::net::TcpListener;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, App, HttpServer};

use crate::audit::checkpoint::CheckpointKeys;
use crate::auth::login_gate::LoginGate;
use crate::auth::rate_limit::{KeyThrottle, RateLimiter};
use crate::auth::tokens::KeyRing;
use crate::config::Settings;
use crate::db::{self, DbPool, SetupError};
use crate::error::{ApiError, Detail};
use crate::http::metrics::HttpMetrics;
use crate::http::{self, request_id};
use crate::routes;

/// Why the service could not start; the message is what `serialhub serve` prints.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] SetupError),
    #[error("cannot load signing keys: {0}")]
    SigningKeys(#[source] diesel::result::Error),
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Listen(#[source] std::io::Error),
    #[error("{0}")]
    Setup(#[source] tokio::task::JoinError),
}

/// The running HTTP server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects, migrates, loads the signing keys and binds the listener (port 0 picks a free port).
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let pool = db::build_pool_with(&settings.database_url, &settings.pool_options())?;
        let url = settings.database_url.clone();
        let (keys, checkpoint_keys) = tokio::task::spawn_blocking(move || {
            // Migrations run on a connection of their own, without the pool's statement timeout:
            // a migration of a large database may rightly take longer than any request.
            let mut conn = db::pool::Manager::new(&url)?.establish()?;
            db::run_migrations(&mut conn)?;
            let ring = KeyRing::load_or_create(&mut conn).map_err(StartupError::SigningKeys)?;
            let checkpoints =
                CheckpointKeys::load_or_create(&mut conn).map_err(StartupError::SigningKeys)?;
            Ok::<_, StartupError>((ring, checkpoints))
        })
        .await
        .map_err(StartupError::Setup)??;
        let listener = TcpListener::bind(&settings.bind).map_err(|source| StartupError::Bind {
            addr: settings.bind.clone(),
            source,
        })?;
        let port = listener.local_addr().map_err(StartupError::Listen)?.port();
        let workers = settings.workers;
        let grace = settings.shutdown_grace;
        let purge_pool = pool.clone();
        // Each handler takes the part it needs: the pool, the key ring, the settings, the limiter.
        let pool = web::Data::new(pool);
        let keys = web::Data::new(keys);
        let checkpoint_keys = web::Data::new(checkpoint_keys);
        let limiter = web::Data::new(RateLimiter::new(settings.auth_rate_per_minute));
        let gate = web::Data::new(LoginGate::new(
            settings.login_concurrency,
            settings.login_queue_timeout,
            KeyThrottle::new(settings.auth_failures_per_key_per_minute),
        ));
        let settings = web::Data::new(settings);
        let http_metrics = web::Data::new(HttpMetrics::default());
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(pool.clone())
                .app_data(keys.clone())
                .app_data(checkpoint_keys.clone())
                .app_data(limiter.clone())
                .app_data(gate.clone())
                .app_data(http_metrics.clone())
                .app_data(settings.clone())
                .app_data(
                    web::QueryConfig::default().error_handler(|e, _| bad_input(e.to_string())),
                )
                .app_data(web::PathConfig::default().error_handler(|e, _| bad_input(e.to_string())))
                .wrap(actix_web::middleware::from_fn(reject_nul_in_url))
                .wrap(actix_web::middleware::from_fn(http::metrics::middleware))
                .wrap(actix_web::middleware::from_fn(request_id::middleware))
                .configure(routes::configure)
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(ApiError::not_found("Endpoint"))
                }))
        });
        if let Some(n) = workers {
            server = server.workers(n);
        }
        // SIGTERM / SIGINT: stop accepting, let in-flight requests finish within the grace
        // period, then exit (0). Requests still running after it are cut off; their
        // transactions roll back.
        server = server.shutdown_timeout(grace.as_secs());
        let server = server.listen(listener).map_err(StartupError::Listen)?.run();
        spawn_housekeeping(purge_pool);
        Ok(Application { port, server })
    }

    /// The port the listener is bound to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the server is stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// No identifier or cursor contains U+0000, and PostgreSQL cannot even compare text with it: a
/// `%00` anywhere in the URL is refused up front (400) rather than failing inside a query (500).
async fn reject_nul_in_url(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let nul = req
        .uri()
        .path_and_query()
        .is_some_and(|pq| pq.as_str().contains("%00"));
    if nul {
        let e = ApiError::validation(
            "Invalid request: the URL must not contain NUL (%00) characters",
            vec![Detail::at("url", "contains %00")],
        );
        return Ok(req.error_response(e).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Hourly: forget idempotency keys past their retention. A plain thread, so it needs no async
/// runtime; it holds a pooled connection only while purging.
fn spawn_housekeeping(pool: DbPool) {
    let spawned = std::thread::Builder::new()
        .name("housekeeping".into())
        .spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
            let purged = match pool.get() {
                Ok(mut conn) => {
                    crate::http::idempotency::purge_expired(&mut conn).map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            };
            match purged {
                Ok(n) if n > 0 => tracing::info!(purged = n, "expired idempotency keys removed"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "idempotency purge failed"),
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "housekeeping thread not started");
    }
}

fn bad_input(problem: String) -> actix_web::Error {
    ApiError::validation(format!("Invalid request: {problem}"), vec![]).into()
}
