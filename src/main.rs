use std::process::ExitCode;

use clap::Parser;
use serialhub::admin::{AssignError, TenantError};
use serialhub::cli::{AuditCommand, Cli, Command, ProductCommand, TenantCommand};
use serialhub::db::SetupError;
use serialhub::demo::DemoError;
use serialhub::ids::TenantId;
use serialhub::startup::{Application, StartupError};
use serialhub::{admin, demo, telemetry};

/// Why a command failed: printed as `error: …`, exit status 1.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Database(#[from] SetupError),
    #[error(transparent)]
    Tenant(#[from] TenantError),
    #[error(transparent)]
    Assign(#[from] AssignError),
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error(transparent)]
    Demo(#[from] DemoError),
    #[error(transparent)]
    Backup(#[from] admin::BackupFailure),
    #[error("{0}")]
    Serve(#[from] std::io::Error),
    #[error("{0}")]
    Verify(#[from] diesel::result::Error),
    #[error("{}", .0.join("; "))]
    BrokenChains(Vec<String>),
    #[error("checkpoint {file}: {problem}")]
    CheckpointFile { file: String, problem: String },
}

/// mimalloc instead of glibc's malloc: allocation was ~25 % of the service's CPU in the
/// aggregation profile, and glibc kept the peak of a burst of large requests resident for good
/// (one arena per blocking thread), where mimalloc hands freed memory back to the system.
/// See docs/benchmarks.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_json);
    let result = match cli.command {
        Command::Serve(args) => serve(args.into_settings()),
        Command::Migrate(db) => admin::connect(&db.database_url)
            .map(|_| eprintln!("migrations applied"))
            .map_err(Failure::from),
        Command::Tenant(TenantCommand::Create(a)) => create_tenant(a),
        Command::Product(ProductCommand::Assign(a)) => assign_product(a),
        Command::Demo(a) => run_demo(a),
        Command::Audit(AuditCommand::Verify(a)) => audit_verify(a),
        Command::Backup(a) => admin::backup(&a.db.database_url, &a.to)
            .map(|()| eprintln!("backup written to {}", a.to))
            .map_err(Failure::from),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn create_tenant(a: serialhub::cli::TenantCreateArgs) -> Result<(), Failure> {
    let mut conn = admin::connect(&a.db.database_url)?;
    let created = admin::create_tenant(&mut conn, &a.name, &a.gcp, a.gln.as_deref())?;
    println!("{}", serde_json::to_string(&created).expect("serialisable"));
    Ok(())
}

fn assign_product(a: serialhub::cli::ProductAssignArgs) -> Result<(), Failure> {
    let mut conn = admin::connect(&a.db.database_url)?;
    let done = admin::assign_product(&mut conn, &TenantId::from_text(&a.tenant), &a.gtin)?;
    println!("{}", serde_json::to_string(&done).expect("serialisable"));
    Ok(())
}

fn serve(settings: serialhub::config::Settings) -> Result<(), Failure> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings.clone()).await?;
        tracing::info!(bind = %settings.bind, port = app.port(), "serialhub listening");
        Ok(app.run_until_stopped().await?)
    })
}

fn run_demo(a: serialhub::cli::DemoArgs) -> Result<(), Failure> {
    let seeded = demo::seed(&a.database_url)?;
    println!(
        "{}",
        demo::walkthrough(&seeded, &format!("http://{}", a.bind))
    );
    if a.no_serve {
        return Ok(());
    }
    let settings = serialhub::config::Settings {
        bind: a.bind,
        database_url: a.database_url,
        ..Default::default()
    };
    serve(settings)
}

/// Prints one JSON line per chain, then one per checkpoint; fails if any chain is broken or any
/// checkpoint is not extended by its chain.
fn audit_verify(a: serialhub::cli::AuditVerifyArgs) -> Result<(), Failure> {
    let checkpoints = a
        .checkpoints
        .iter()
        .map(|path| read_checkpoint(path))
        .collect::<Result<Vec<_>, Failure>>()?;
    let mut conn = admin::connect(&a.db.database_url)?;
    let tenant = a.tenant.as_deref().map(TenantId::from_text);
    let reports = serialhub::audit::verify::verify_all(&mut conn, tenant.as_ref())?;
    let mut broken: Vec<String> = reports
        .iter()
        .filter(|r| !r.valid)
        .map(|r| {
            format!(
                "chain of tenant {} is broken at seq {}",
                r.tenant_id,
                r.first_broken.unwrap_or_default()
            )
        })
        .collect();
    for r in &reports {
        println!("{}", serde_json::to_string(r).expect("serialisable"));
    }
    for (path, cp) in &checkpoints {
        let report = serialhub::audit::checkpoint::check(&mut conn, cp)?;
        let mut line = serde_json::to_value(&report).expect("serialisable");
        line["checkpoint"] = path.display().to_string().into();
        println!("{line}");
        if let Some(problem) = &report.problem {
            broken.push(format!(
                "chain of tenant {} does not extend checkpoint {} (seq {}): {problem}",
                report.tenant_id,
                path.display(),
                report.seq
            ));
        }
    }
    if broken.is_empty() {
        eprintln!(
            "{} chain(s) verified intact, {} checkpoint(s) extended",
            reports.len(),
            checkpoints.len()
        );
        Ok(())
    } else {
        Err(Failure::BrokenChains(broken))
    }
}

/// A checkpoint file: the JSON object `GET /v1/audit/checkpoint` answered.
fn read_checkpoint(
    path: &std::path::Path,
) -> Result<
    (
        std::path::PathBuf,
        serialhub::domain::checkpoint::Checkpoint,
    ),
    Failure,
> {
    let problem = |problem: String| Failure::CheckpointFile {
        file: path.display().to_string(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|e| problem(e.to_string()))?;
    let cp = serde_json::from_str(&text).map_err(|e| problem(e.to_string()))?;
    Ok((path.to_path_buf(), cp))
}
