//! The cells of issue 11's Targets table. Every cell of `cells` runs the minimal baseline, the
//! same-rows baseline and the service (M, B, S) on fresh packs, once per round; `volume` fills a
//! second fresh database for the lifecycle's bytes per pack, the history lookup and the growth
//! cells (`volume.rs`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serialhub::domain::gs1::Sscc;

use crate::baseline::Baseline;
use crate::env::{Env, GCP};
use crate::minimal::Minimal;
use crate::report::{Side, Table};
use crate::serials::{self, Kind};
use crate::service::{self, Service};

#[derive(Debug, Clone)]
pub struct Sizes {
    /// Serials per commissioning request.
    pub commission: Vec<usize>,
    /// Aggregation cells: (children per request n, clients k).
    pub agg: Vec<(usize, usize)>,
    /// Children per aggregation cell and side, at most `max_requests` requests, at least one
    /// request per client.
    pub children_per_cell: usize,
    pub max_requests: usize,
    /// Packs on the released pallet, in cases of `case_size`.
    pub release: usize,
    pub case_size: usize,
    /// Random vs sequential: aggregation requests of `compare_n` children, one client.
    pub compare_n: usize,
    /// The lifecycle of the bytes-per-pack figure: packs, cases of, pallets of (cases).
    pub lifecycle: (usize, usize, usize),
    /// Packs stored when a pack's history is looked up, and how many lookups.
    pub history_packs: usize,
    pub history_lookups: usize,
    /// Packs stored before the growth cells.
    pub growth_packs: usize,
    /// Serials per request of the untimed bulk loads.
    pub load_chunk: usize,
    /// The `instances` cell (issue 15): (children per request, clients, requests) of its
    /// aggregation and its commissioning closed loop.
    pub instances_agg: (usize, usize, usize),
    pub instances_commission: (usize, usize, usize),
}

impl Sizes {
    pub fn full() -> Sizes {
        Sizes {
            commission: vec![100_000],
            agg: vec![(1_000, 2), (10_000, 1)],
            children_per_cell: 20_000,
            max_requests: 200,
            release: 100_000,
            case_size: 1_000,
            compare_n: 1_000,
            lifecycle: (100_000, 100, 50),
            history_packs: 1_000_000,
            history_lookups: 200,
            growth_packs: 1_000_000,
            load_chunk: 100_000,
            instances_agg: (1_000, 4, 40),
            instances_commission: (10_000, 4, 20),
        }
    }

    pub fn smoke() -> Sizes {
        Sizes {
            commission: vec![100],
            agg: vec![(10, 2)],
            children_per_cell: 40,
            max_requests: 8,
            release: 200,
            case_size: 50,
            compare_n: 10,
            lifecycle: (500, 50, 5),
            history_packs: 3_000,
            history_lookups: 10,
            growth_packs: 5_000,
            load_chunk: 1_000,
            instances_agg: (10, 2, 4),
            instances_commission: (100, 2, 4),
        }
    }
}

pub struct Plan {
    pub sizes: Sizes,
    pub rounds: usize,
    pub only: Vec<String>,
    pub kind: Kind,
    /// `--analyze`: a manual ANALYZE of the service's database after every setup (issue 6's
    /// harness did; off by default).
    pub analyze: bool,
}

impl Plan {
    pub fn wants(&self, scenario: &str) -> bool {
        self.only.iter().any(|s| s == scenario)
    }
}

static NEXT_SSCC: AtomicU64 = AtomicU64::new(1);

pub fn fresh_sscc() -> String {
    let r = NEXT_SSCC.fetch_add(1, Ordering::Relaxed);
    Sscc::from_parts(0, GCP, r).expect("valid SSCC").to_string()
}

#[derive(Clone)]
pub struct Ctx {
    pub min: Minimal,
    pub base: Baseline,
    pub svc: Service,
    pub analyze: bool,
}

impl Ctx {
    pub fn new(env: &Env, analyze: bool) -> Ctx {
        Ctx {
            min: env.minimal.clone(),
            base: Baseline {
                pool: env.pool.clone(),
                tenant: Arc::new(env.tenant.clone()),
            },
            svc: Service {
                http: env.http.clone(),
                base: env.base.as_str().into(),
                token: env.token.as_str().into(),
                channel_key: env.channel_key.as_str().into(),
            },
            analyze,
        }
    }
}

/// Runs blocking database work off the async workers.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| e.to_string())?
}

/// Untimed setup: `n` fresh packs commissioned on the side's database (through the service for
/// B and S, so the same-rows baseline never writes setup rows), `chunk` per request.
pub async fn precommission(
    ctx: &Ctx,
    side: Side,
    kind: Kind,
    n: usize,
    chunk: usize,
) -> Result<Vec<String>, String> {
    let serials = serials::fresh(kind, n);
    for part in serials.chunks(chunk.max(1)) {
        match side {
            Side::M => {
                let m = ctx.min.clone();
                let part = part.to_vec();
                blocking(move || m.commission(&part)).await?;
            }
            Side::B | Side::S => {
                ctx.svc
                    .post(service::COMMISSION, service::commission_body(part))
                    .await?;
            }
        }
    }
    after_setup(ctx, side).await?;
    Ok(serials)
}

async fn after_setup(ctx: &Ctx, side: Side) -> Result<(), String> {
    match side {
        Side::M => {
            let m = ctx.min.clone();
            blocking(move || m.analyze()).await
        }
        Side::B | Side::S if ctx.analyze => {
            let b = ctx.base.clone();
            blocking(move || b.refresh_statistics()).await
        }
        _ => Ok(()),
    }
}

/// One aggregation request of any side, prepared before the clock starts.
pub enum Job {
    M(Minimal, String, Vec<String>),
    B(Baseline, String, Vec<String>),
    S(Service, Vec<u8>),
}

impl Job {
    pub fn new(ctx: &Ctx, side: Side, sscc: String, serials: Vec<String>) -> Job {
        match side {
            Side::M => Job::M(ctx.min.clone(), sscc, serials),
            Side::B => Job::B(ctx.base.clone(), sscc, serials),
            Side::S => Job::S(ctx.svc.clone(), service::aggregate_body(&sscc, &serials)),
        }
    }

    pub async fn run(self) -> Result<(), String> {
        match self {
            Job::M(m, sscc, serials) => {
                blocking(move || m.aggregate(&sscc, &serials).map(drop)).await
            }
            Job::B(b, sscc, serials) => {
                blocking(move || b.aggregate(&sscc, &serials).map(drop)).await
            }
            Job::S(s, body) => s.post(service::AGGREGATE, body).await,
        }
    }
}

/// The cells on a fresh database.
pub async fn run_cells(env: &Env, plan: &Plan, t: &mut Table) -> Result<(), String> {
    let ctx = Ctx::new(env, plan.analyze);
    warm_up(&ctx).await?;
    for round in 0..plan.rounds {
        eprintln!(
            "bench: {} cells, round {}/{}",
            env.db.name(),
            round + 1,
            plan.rounds
        );
        if plan.wants("commission") {
            for &size in &plan.sizes.commission {
                let label = format!("commission {size} serials in one request (s)");
                commission(&ctx, t, &label, &Side::ALL, plan.kind, size).await;
            }
        }
        if plan.wants("aggregate") {
            for &(n, k) in &plan.sizes.agg {
                let label = format!("aggregate {n}/request, {k} clients (children/s)");
                aggregation(&ctx, plan, t, &label, &Side::ALL, plan.kind, n, k).await?;
            }
        }
        if plan.wants("release") {
            release(&ctx, plan, t).await?;
        }
        if plan.wants("serials") {
            compare_serials(&ctx, plan, t).await?;
        }
    }
    if plan.wants("serials") {
        note_serials(plan, t);
    }
    // Every side wrote hash-chained audit events: the service's chain must still verify.
    let verdict = ctx.svc.get("/v1/audit/verify").await?;
    if verdict["valid"] != serde_json::Value::Bool(true) {
        t.error(format!("the audit chain does not verify: {verdict}"));
    }
    Ok(())
}

/// Opens every pooled connection of every side before anything is timed.
async fn warm_up(ctx: &Ctx) -> Result<(), String> {
    for pool in [ctx.base.pool.clone(), ctx.min.pool.clone()] {
        blocking(move || {
            let conns: Vec<_> = (0..16)
                .map(|_| pool.get().map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()?;
            drop(conns);
            Ok(())
        })
        .await?;
    }
    let probes: Vec<_> = (0..16)
        .map(|_| {
            let svc = ctx.svc.clone();
            tokio::spawn(async move { svc.get("/healthz").await })
        })
        .collect();
    for p in probes {
        p.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}

/// One commissioning request of `size` fresh serials per side; seconds.
pub async fn commission(
    ctx: &Ctx,
    t: &mut Table,
    label: &str,
    sides: &[Side],
    kind: Kind,
    size: usize,
) {
    for &side in sides {
        let serials = serials::fresh(kind, size);
        let started;
        let result = match side {
            Side::M => {
                let m = ctx.min.clone();
                started = Instant::now();
                blocking(move || m.commission(&serials)).await
            }
            Side::B => {
                let b = ctx.base.clone();
                started = Instant::now();
                blocking(move || b.commission(&serials)).await
            }
            Side::S => {
                let body = service::commission_body(&serials);
                started = Instant::now();
                ctx.svc.post(service::COMMISSION, body).await
            }
        };
        let elapsed = started.elapsed().as_secs_f64();
        match result {
            Ok(()) => t.push(label, "s", false, side, elapsed),
            Err(e) => t.error(e),
        }
    }
}

/// Packs one side of an aggregation cell aggregates: `children_per_cell` in requests of n, at
/// most `max_requests`, the same number per client and at least one each.
pub fn aggregation_packs(s: &Sizes, n: usize, k: usize) -> usize {
    let requests = (s.children_per_cell / n).clamp(1, s.max_requests);
    n * k * requests.div_ceil(k).max(1)
}

/// A closed loop: k clients, each sending its next request of n fresh children as soon as the
/// previous answer arrives. Throughput = children / wall time; request latencies are kept.
#[allow(clippy::too_many_arguments)]
pub async fn aggregation(
    ctx: &Ctx,
    plan: &Plan,
    t: &mut Table,
    label: &str,
    sides: &[Side],
    kind: Kind,
    n: usize,
    k: usize,
) -> Result<(), String> {
    let s = &plan.sizes;
    for &side in sides {
        let packs =
            precommission(ctx, side, kind, aggregation_packs(s, n, k), s.load_chunk).await?;
        let mut queues: Vec<Vec<Job>> = (0..k).map(|_| Vec::new()).collect();
        for (i, chunk) in packs.chunks(n).enumerate() {
            queues[i % k].push(Job::new(ctx, side, fresh_sscc(), chunk.to_vec()));
        }
        let started = Instant::now();
        let handles: Vec<_> = queues
            .into_iter()
            .map(|q| {
                tokio::spawn(async move {
                    let mut lat = Vec::with_capacity(q.len());
                    let mut errors = Vec::new();
                    for job in q {
                        let t0 = Instant::now();
                        match job.run().await {
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
        t.push(
            label,
            "children/s",
            true,
            side,
            (lat.len() * n) as f64 / wall,
        );
        t.latencies(label, side, &lat);
    }
    Ok(())
}

/// Release to market of one pallet of `release` packs in cases of `case_size`; seconds.
async fn release(ctx: &Ctx, plan: &Plan, t: &mut Table) -> Result<(), String> {
    let (size, case) = (plan.sizes.release, plan.sizes.case_size);
    let label = format!(
        "release a pallet of {} cases x {case} = {size} packs (s)",
        size / case
    );
    for side in Side::ALL {
        let pallet = build_pallet(ctx, side, plan, size, case).await?;
        let started = Instant::now();
        let result = match side {
            Side::M => {
                let m = ctx.min.clone();
                let p = pallet.clone();
                blocking(move || m.release(&p).map(drop)).await
            }
            Side::B => {
                let b = ctx.base.clone();
                let p = pallet.clone();
                blocking(move || b.release(&p)).await
            }
            Side::S => {
                ctx.svc
                    .post(service::RELEASE, service::release_body(&[pallet]))
                    .await
            }
        };
        let elapsed = started.elapsed().as_secs_f64();
        match result {
            Ok(()) => t.push(&label, "s", false, side, elapsed),
            Err(e) => t.error(e),
        }
    }
    Ok(())
}

/// Untimed: `size` fresh packs in cases of `case`, the cases on one new pallet; its SSCC.
async fn build_pallet(
    ctx: &Ctx,
    side: Side,
    plan: &Plan,
    size: usize,
    case: usize,
) -> Result<String, String> {
    let packs = precommission(ctx, side, plan.kind, size, plan.sizes.load_chunk).await?;
    let pallet = fresh_sscc();
    match side {
        Side::M => {
            let mut cases = Vec::new();
            for chunk in packs.chunks(case) {
                let m = ctx.min.clone();
                let chunk = chunk.to_vec();
                cases.push(blocking(move || m.aggregate(&fresh_sscc(), &chunk)).await?);
            }
            let m = ctx.min.clone();
            let p = pallet.clone();
            blocking(move || m.palletise(&p, &cases)).await?;
        }
        Side::B | Side::S => {
            let mut cases = Vec::new();
            for chunk in packs.chunks(case) {
                let sscc = fresh_sscc();
                ctx.svc
                    .post(service::AGGREGATE, service::aggregate_body(&sscc, chunk))
                    .await?;
                cases.push(sscc);
            }
            ctx.svc
                .post(
                    service::AGGREGATE_CONTAINERS,
                    service::palletise_body(&pallet, &cases),
                )
                .await?;
        }
    }
    after_setup(ctx, side).await?;
    Ok(pallet)
}

fn compare_label(what: &str, kind: Kind) -> String {
    format!("{what}, {} serials (µs per child)", kind.name())
}

/// Random vs sequential serials: the same aggregation and commissioning cells with both kinds,
/// for the minimal baseline and the service. Figures are time per child.
async fn compare_serials(ctx: &Ctx, plan: &Plan, t: &mut Table) -> Result<(), String> {
    let n = plan.sizes.compare_n;
    let size = *plan.sizes.commission.iter().max().unwrap_or(&n);
    let sides = [Side::M, Side::S];
    for kind in [Kind::Sequential, Kind::Random] {
        let mut scratch = Table::default();
        let agg = format!("aggregate {n}/request, 1 client");
        aggregation(ctx, plan, &mut scratch, &agg, &sides, kind, n, 1).await?;
        let com = format!("commission {size} in one request");
        commission(ctx, &mut scratch, &com, &sides, kind, size).await;
        for side in sides {
            let rate = scratch.median(&agg, side);
            t.push(&compare_label(&agg, kind), "us", false, side, 1.0 / rate);
            let secs = scratch.median(&com, side);
            t.push(
                &compare_label(&com, kind),
                "us",
                false,
                side,
                secs / size as f64,
            );
        }
        t.absorb_errors(scratch);
    }
    Ok(())
}

fn note_serials(plan: &Plan, t: &mut Table) {
    let n = plan.sizes.compare_n;
    let size = *plan.sizes.commission.iter().max().unwrap_or(&n);
    for what in [
        format!("aggregate {n}/request, 1 client"),
        format!("commission {size} in one request"),
    ] {
        let (seq, rnd) = (
            compare_label(&what, Kind::Sequential),
            compare_label(&what, Kind::Random),
        );
        let ratio = |side| t.median(&rnd, side) / t.median(&seq, side);
        let note = format!(
            "random / sequential serials, time per child, {what}: service {:.2}×, minimal \
             baseline {:.2}×",
            ratio(Side::S),
            ratio(Side::M)
        );
        t.note(note);
    }
}
