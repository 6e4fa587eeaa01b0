//! The benchmark harness of issue 6 (docs/benchmarks.md): commissioning, aggregation and release
//! to market, each measured against the real service over HTTP and against a raw-SQL baseline
//! that writes the same rows and audit rows in the same transaction shapes, interleaved B, S, B, S.
//!
//! `cargo build --release --bin bench --bin serialhub && target/release/bench --db both`
//! `cargo build --bin bench --bin serialhub && target/debug/bench --smoke` (CI: seconds, exits
//! non-zero if any request fails).

mod baseline;
mod env;
mod report;
mod scenarios;
mod service;

use std::process::ExitCode;

use clap::{Parser, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DbChoice {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Parser)]
#[command(about = "serialhub benchmark: service over HTTP vs a raw-SQL baseline")]
struct Args {
    /// Which databases to measure.
    #[arg(long, value_enum, default_value = "both")]
    db: DbChoice,
    /// PostgreSQL server; a fresh database is created on it and dropped at the end.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
    /// Tiny sizes: proves every scenario runs, in seconds. Not a measurement.
    #[arg(long)]
    smoke: bool,
    /// Rounds of B, S per cell; figures are medians over rounds.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// The `serialhub` binary to run as the service (default: next to this binary).
    #[arg(long)]
    service_bin: Option<std::path::PathBuf>,
    /// Only these scenarios (comma-separated: commission, aggregate, release).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "commission,aggregate,release"
    )]
    only: Vec<String>,
    /// Only these aggregation sizes n (children per request), e.g. `--agg-n 1000`.
    #[arg(long, value_delimiter = ',')]
    agg_n: Vec<usize>,
    /// Only these aggregation client counts k, e.g. `--agg-k 2`.
    #[arg(long, value_delimiter = ',')]
    agg_k: Vec<usize>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Errors inside the baseline's transactions are logged by serialhub's own code (warn and up).
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "warn");
    }
    serialhub::telemetry::init(false);
    let mut sizes = if args.smoke {
        scenarios::Sizes::smoke()
    } else {
        scenarios::Sizes::full()
    };
    if !args.agg_n.is_empty() {
        sizes.agg_n = args.agg_n.clone();
    }
    if !args.agg_k.is_empty() {
        sizes.agg_k = args.agg_k.clone();
    }
    let rounds = if args.smoke { 1 } else { args.rounds.max(1) };
    let service_bin = match args.service_bin.clone().or_else(env::sibling_service_bin) {
        Some(p) if p.exists() => p,
        other => {
            eprintln!(
                "bench: the serialhub binary was not found ({other:?}); build it with \
                 `cargo build [--release] --bin serialhub` or pass --service-bin"
            );
            return ExitCode::FAILURE;
        }
    };
    let dbs: Vec<env::Db> = match args.db {
        DbChoice::Sqlite => vec![env::Db::Sqlite],
        DbChoice::Postgres => vec![env::Db::Postgres],
        DbChoice::Both => vec![env::Db::Sqlite, env::Db::Postgres],
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    println!("{}", report::machine_info(&service_bin, args.smoke, rounds));
    let mut failed = false;
    for db in dbs {
        let plan = scenarios::Plan {
            sizes: sizes.clone(),
            rounds,
            only: args.only.clone(),
        };
        let result = rt.block_on(async {
            let env = env::Env::start(db, &args.postgres_url, &service_bin).await?;
            let outcome = scenarios::run_all(&env, &plan).await;
            env.stop().await;
            outcome
        });
        match result {
            Ok(table) => {
                println!("{}", table.render(db.name()));
                if table.errors > 0 {
                    eprintln!("bench: {} request(s) failed on {}", table.errors, db.name());
                    failed = true;
                }
            }
            Err(e) => {
                eprintln!("bench: {} failed: {e}", db.name());
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
