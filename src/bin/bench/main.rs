//! The benchmark harness of issues 6 and 11 (docs/benchmarks.md): commissioning, aggregation and
//! release to market, each measured three ways — the minimal raw baseline (the least database
//! work any correct implementation must do, on a schema of its own), the same-rows baseline (the
//! rows serialhub writes, without HTTP) and the real service over HTTP — interleaved M, B, S on
//! fresh packs; then the volume scenario (bytes per pack, history lookup, growth); then, on
//! PostgreSQL, two service instances on one database against one (`instances.rs`).
//!
//! `cargo build --release --bin bench --bin serialhub && target/release/bench --db both`
//! `cargo build --bin bench --bin serialhub && target/debug/bench --smoke` (CI: seconds, exits
//! non-zero if any request fails).

mod baseline;
mod env;
mod explain;
mod instances;
mod minimal;
mod report;
mod scenarios;
mod serials;
mod service;
mod volume;

use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DbChoice {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Parser)]
#[command(about = "serialhub benchmark: service over HTTP vs a minimal and a same-rows baseline")]
struct Args {
    /// Which databases to measure.
    #[arg(long, value_enum, default_value = "both")]
    db: DbChoice,
    /// PostgreSQL server; the harness creates databases `bench_*` on it and drops them at the end.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
    /// Tiny sizes: proves every scenario runs, in seconds. Not a measurement.
    #[arg(long)]
    smoke: bool,
    /// Rounds of M, B, S per cell; figures are medians over rounds.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Serials of every cell: random (EU FMD; default) or sequential. The `serials` scenario
    /// always measures both.
    #[arg(long, value_enum, default_value = "random")]
    serials: serials::Kind,
    /// The `serialhub` binary to run as the service (default: next to this binary).
    #[arg(long)]
    service_bin: Option<std::path::PathBuf>,
    /// Only these scenarios (comma-separated: commission, aggregate, release, serials, volume,
    /// instances).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "commission,aggregate,release,serials,volume,instances"
    )]
    only: Vec<String>,
    /// Aggregation cells as n (children per request) × k (clients): with `--agg-n 10,1000
    /// --agg-k 1,16` every combination runs instead of the default cells.
    #[arg(long, value_delimiter = ',')]
    agg_n: Vec<usize>,
    #[arg(long, value_delimiter = ',')]
    agg_k: Vec<usize>,
    /// Packs stored before the growth cells (issue 11 asks for 10 000 000).
    #[arg(long)]
    growth_packs: Option<usize>,
    /// Run ANALYZE on the service's PostgreSQL database after every untimed setup (the harness of
    /// issue 6 did; by default the service gets no such help).
    #[arg(long)]
    analyze: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Errors inside the baselines' transactions are logged by serialhub's own code (warn and up).
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "warn");
    }
    serialhub::telemetry::init(false);
    let mut sizes = if args.smoke {
        scenarios::Sizes::smoke()
    } else {
        scenarios::Sizes::full()
    };
    if !args.agg_n.is_empty() || !args.agg_k.is_empty() {
        let ns = if args.agg_n.is_empty() {
            vec![1_000]
        } else {
            args.agg_n.clone()
        };
        let ks = if args.agg_k.is_empty() {
            vec![2]
        } else {
            args.agg_k.clone()
        };
        sizes.agg = ns
            .iter()
            .flat_map(|&n| ks.iter().map(move |&k| (n, k)))
            .collect();
    }
    if let Some(n) = args.growth_packs {
        sizes.growth_packs = n;
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
    let mode = format!(
        "mode {}, rounds {rounds}, {} serials{}",
        if args.smoke { "smoke" } else { "full" },
        args.serials.name(),
        if args.analyze { ", --analyze" } else { "" }
    );
    println!("{}", report::machine_info(&service_bin, &mode));
    let plan = scenarios::Plan {
        sizes,
        rounds,
        only: args.only.clone(),
        kind: args.serials,
        analyze: args.analyze,
    };
    let mut failed = false;
    for db in dbs {
        let result = rt.block_on(run_db(db, &args.postgres_url, &service_bin, &plan));
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

/// The cells on one fresh database, then the volume scenario on another.
async fn run_db(
    db: env::Db,
    postgres_url: &str,
    service_bin: &std::path::Path,
    plan: &scenarios::Plan,
) -> Result<report::Table, String> {
    let started = Instant::now();
    let mut t = report::Table::default();
    let cells = ["commission", "aggregate", "release", "serials"];
    if cells.iter().any(|c| plan.wants(c)) {
        let env = env::Env::start(db, postgres_url, service_bin).await?;
        let outcome = scenarios::run_cells(&env, plan, &mut t).await;
        t.hwm_kib = env.service_rss_kib().1;
        env.stop().await;
        outcome?;
    }
    if plan.wants("volume") {
        let env = env::Env::start(db, postgres_url, service_bin).await?;
        let outcome = volume::run(&env, plan, &mut t).await;
        t.hwm_kib = t.hwm_kib.max(env.service_rss_kib().1);
        env.stop().await;
        outcome?;
    }
    if plan.wants("instances") {
        if db == env::Db::Sqlite {
            t.note(instances::SQLITE_SKIPPED.into());
        } else {
            let env = env::Env::start(db, postgres_url, service_bin).await?;
            let outcome = instances::run(&env, plan, &mut t).await;
            t.hwm_kib = t.hwm_kib.max(env.service_rss_kib().1);
            env.stop().await;
            outcome?;
        }
    }
    t.elapsed = started.elapsed();
    Ok(t)
}
