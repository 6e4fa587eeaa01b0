//! Issue 15 item 6: two serialhub instances against one, on one PostgreSQL database. The same
//! closed loops — aggregation and commissioning, k clients, each sending its next request as soon
//! as the previous answer arrives — run once with every client on instance 1 and once with the
//! clients split between instances 1 and 2 (client i on instance i mod 2), on fresh packs each
//! time; the two setups alternate in order from round to round. Throughput of each and the ratio
//! two / one. SQLite is skipped: one instance per database file is the supported deployment
//! (docs/operations.md, "Several instances").

use std::fmt::Write;
use std::time::Instant;

use crate::env::{Env, Instance};
use crate::report::{fmt, percentile, Table};
use crate::scenarios::{self, Ctx, Plan};
use crate::serials;
use crate::service::{self, Service};

/// The note a SQLite run prints instead of the cell (main.rs never starts it there).
pub const SQLITE_SKIPPED: &str = "instances: skipped on SQLite — two instances on one SQLite \
    file is not a supported deployment (docs/operations.md, \"Several instances\"); the cell runs \
    on PostgreSQL only";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Aggregate,
    Commission,
}

struct Cell {
    op: Op,
    /// Children or serials per request.
    n: usize,
    /// Clients.
    k: usize,
    /// Requests per setup and round (a multiple of k).
    requests: usize,
}

impl Cell {
    fn label(&self) -> String {
        match self.op {
            Op::Aggregate => format!(
                "aggregate {}/request, {} clients (children/s)",
                self.n, self.k
            ),
            Op::Commission => format!(
                "commission {}/request, {} clients (serials/s)",
                self.n, self.k
            ),
        }
    }
}

/// Throughputs and request latencies of one cell, by setup (0: one instance, 1: two).
#[derive(Default)]
struct Figures {
    rates: [Vec<f64>; 2],
    latencies: [Vec<f64>; 2],
}

pub async fn run(env: &Env, plan: &Plan, t: &mut Table) -> Result<(), String> {
    let second = env.start_instance(2).await?;
    let outcome = measure(env, &second, plan, t).await;
    second.stop();
    outcome
}

async fn measure(env: &Env, second: &Instance, plan: &Plan, t: &mut Table) -> Result<(), String> {
    let ctx = Ctx::new(env, plan.analyze);
    let one = ctx.svc.clone();
    let two = Service {
        base: second.base.as_str().into(),
        ..one.clone()
    };
    // Both instances must answer with the same token before anything is timed.
    for svc in [&one, &two] {
        for _ in 0..4 {
            svc.get("/healthz").await?;
        }
        svc.get("/v1/tenant/products").await?;
    }
    let s = &plan.sizes;
    let cell = |op, (n, k, requests): (usize, usize, usize)| Cell {
        op,
        n,
        k,
        requests: k * requests.div_ceil(k).max(1),
    };
    let cells = [
        cell(Op::Aggregate, s.instances_agg),
        cell(Op::Commission, s.instances_commission),
    ];
    let mut figures: Vec<Figures> = cells.iter().map(|_| Figures::default()).collect();
    for round in 0..plan.rounds {
        eprintln!(
            "bench: {} instances cell, round {}/{}",
            env.db.name(),
            round + 1,
            plan.rounds
        );
        // One then two in even rounds, two then one in odd ones: neither setup always runs on
        // the larger database.
        let order: [usize; 2] = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for (cell, fig) in cells.iter().zip(figures.iter_mut()) {
            for setup in order {
                let targets: Vec<Service> = if setup == 0 {
                    vec![one.clone()]
                } else {
                    vec![one.clone(), two.clone()]
                };
                let (rate, lat) = closed_loop(&ctx, plan, t, cell, &targets).await?;
                fig.rates[setup].push(rate);
                fig.latencies[setup].extend(lat);
            }
        }
    }
    t.section(render(&cells, &figures, plan.rounds));
    Ok(())
}

/// One closed loop of `cell` with its clients spread over `targets` (client i on target i mod
/// len); throughput and the request latencies. Setup (the packs to aggregate, the bodies) is
/// untimed and goes through instance 1.
async fn closed_loop(
    ctx: &Ctx,
    plan: &Plan,
    t: &mut Table,
    cell: &Cell,
    targets: &[Service],
) -> Result<(f64, Vec<f64>), String> {
    let bodies: Vec<Vec<u8>> = match cell.op {
        Op::Aggregate => {
            let packs = scenarios::precommission(
                ctx,
                crate::report::Side::S,
                plan.kind,
                cell.n * cell.requests,
                plan.sizes.load_chunk,
            )
            .await?;
            packs
                .chunks(cell.n)
                .map(|c| service::aggregate_body(&scenarios::fresh_sscc(), c))
                .collect()
        }
        Op::Commission => (0..cell.requests)
            .map(|_| service::commission_body(&serials::fresh(plan.kind, cell.n)))
            .collect(),
    };
    let path = match cell.op {
        Op::Aggregate => service::AGGREGATE,
        Op::Commission => service::COMMISSION,
    };
    let mut queues: Vec<(Service, Vec<Vec<u8>>)> = (0..cell.k)
        .map(|i| (targets[i % targets.len()].clone(), Vec::new()))
        .collect();
    for (i, body) in bodies.into_iter().enumerate() {
        queues[i % cell.k].1.push(body);
    }
    let started = Instant::now();
    let handles: Vec<_> = queues
        .into_iter()
        .map(|(svc, q)| {
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(q.len());
                let mut errors = Vec::new();
                for body in q {
                    let t0 = Instant::now();
                    match svc.post(path, body).await {
                        Ok(()) => lat.push(t0.elapsed().as_secs_f64()),
                        Err(e) => errors.push(e),
                    }
                }
                (lat, errors)
            })
        })
        .collect();
    let mut lat = Vec::new();
    for h in handles {
        let (l, errors) = h.await.map_err(|e| e.to_string())?;
        lat.extend(l);
        errors.into_iter().for_each(|e| t.error(e));
    }
    let wall = started.elapsed().as_secs_f64();
    Ok(((lat.len() * cell.n) as f64 / wall, lat))
}

fn render(cells: &[Cell], figures: &[Figures], rounds: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "#### Several instances on one database (issue 15): median of {rounds} round(s)\n"
    );
    let _ = writeln!(
        out,
        "| closed loop | one instance | two instances | two / one | p50 / p99 (one; two) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---|");
    for (cell, fig) in cells.iter().zip(figures) {
        let [one, two] = [0, 1].map(|i| percentile(&fig.rates[i], 0.5));
        let lat = [0, 1]
            .map(|i| {
                format!(
                    "{} / {}",
                    fmt(percentile(&fig.latencies[i], 0.5), "ms"),
                    fmt(percentile(&fig.latencies[i], 0.99), "ms")
                )
            })
            .join("; ");
        let ratio = two / one;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {lat} |",
            cell.label(),
            fmt(one, ""),
            fmt(two, ""),
            if ratio.is_finite() {
                format!("{ratio:.2}")
            } else {
                "–".into()
            }
        );
    }
    let _ = write!(
        out,
        "\nThe clients are split between the instances (client i on instance i mod 2); both \
         instances, the database server and the harness share this machine's CPUs."
    );
    out
}
