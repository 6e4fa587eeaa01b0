use std::process::ExitCode;

use clap::Parser;
use serialhub::cli::{Cli, Command, TenantCommand};
use serialhub::startup::Application;
use serialhub::{admin, demo, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_json);
    let result = match cli.command {
        Command::Serve(args) => serve(args.into_settings()),
        Command::Migrate(db) => {
            admin::connect(&db.database_url).map(|_| eprintln!("migrations applied"))
        }
        Command::Tenant(TenantCommand::Create(a)) => admin::connect(&a.db.database_url)
            .and_then(|mut conn| admin::create_tenant(&mut conn, &a.name, &a.gcp, a.gln.as_deref()))
            .map(|created| println!("{}", serde_json::to_string(&created).expect("serialisable"))),
        Command::Demo(a) => run_demo(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: serialhub::config::Settings) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings.clone()).await?;
        tracing::info!(bind = %settings.bind, port = app.port(), "serialhub listening");
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn run_demo(a: serialhub::cli::DemoArgs) -> Result<(), String> {
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
