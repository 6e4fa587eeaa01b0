//! The scenarios. Every cell runs baseline then service (B, S) on fresh packs, once per round.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serialhub::domain::gs1::Sscc;

use crate::baseline::Baseline;
use crate::env::{Env, GCP};
use crate::report::Table;
use crate::service::{self, Service};

#[derive(Debug, Clone)]
pub struct Sizes {
    pub commission: Vec<usize>,
    pub agg_n: Vec<usize>,
    pub agg_k: Vec<usize>,
    /// Children per closed-loop cell and side, at most `max_requests` requests, at least one
    /// request per client.
    pub children_per_cell: usize,
    pub max_requests: usize,
    /// Requests of an open-loop latency run, by n.
    pub open_loop: fn(usize) -> usize,
    pub release: Vec<usize>,
    pub case_size: usize,
}

impl Sizes {
    pub fn full() -> Sizes {
        Sizes {
            commission: vec![1_000, 10_000, 100_000],
            agg_n: vec![10, 100, 1_000, 10_000],
            agg_k: vec![1, 2, 4, 16],
            children_per_cell: 20_000,
            max_requests: 200,
            open_loop: |n| match n {
                0..=100 => 60,
                101..=1_000 => 30,
                _ => 12,
            },
            release: vec![10_000, 100_000],
            case_size: 1_000,
        }
    }

    pub fn smoke() -> Sizes {
        Sizes {
            commission: vec![100],
            agg_n: vec![10],
            agg_k: vec![1, 2],
            children_per_cell: 40,
            max_requests: 8,
            open_loop: |_| 4,
            release: vec![200],
            case_size: 50,
        }
    }
}

pub struct Plan {
    pub sizes: Sizes,
    pub rounds: usize,
    pub only: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    B,
    S,
}
const SIDES: [Side; 2] = [Side::B, Side::S];

static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);
static NEXT_SSCC: AtomicU64 = AtomicU64::new(1);

fn fresh_serials(n: usize) -> Vec<String> {
    let first = NEXT_SERIAL.fetch_add(n as u64, Ordering::Relaxed);
    (first..first + n as u64)
        .map(|i| format!("S{i:011}"))
        .collect()
}

fn fresh_sscc() -> String {
    let r = NEXT_SSCC.fetch_add(1, Ordering::Relaxed);
    Sscc::from_parts(0, GCP, r).expect("valid SSCC").to_string()
}

struct Ctx {
    base: Baseline,
    svc: Service,
    pid: u32,
}

/// Runs blocking baseline work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| e.to_string())?
}

/// Untimed setup: commission packs through the baseline, 100 000 per transaction.
async fn precommission(ctx: &Ctx, n: usize) -> Result<Vec<String>, String> {
    let serials = fresh_serials(n);
    for chunk in serials.chunks(100_000) {
        let b = ctx.base.clone();
        let chunk = chunk.to_vec();
        blocking(move || b.commission(&chunk)).await?;
    }
    let b = ctx.base.clone();
    blocking(move || b.refresh_statistics()).await?;
    Ok(serials)
}

/// One aggregation request of either side, prepared before the clock starts.
enum Job {
    B(Baseline, String, Vec<String>),
    S(Service, Vec<u8>),
}

impl Job {
    fn new(ctx: &Ctx, side: Side, sscc: String, serials: Vec<String>) -> Job {
        match side {
            Side::B => Job::B(ctx.base.clone(), sscc, serials),
            Side::S => Job::S(ctx.svc.clone(), service::aggregate_body(&sscc, &serials)),
        }
    }

    async fn run(self) -> Result<(), String> {
        match self {
            Job::B(b, sscc, serials) => {
                blocking(move || b.aggregate(&sscc, &serials).map(drop)).await
            }
            Job::S(s, body) => s.post(service::AGGREGATE, body).await,
        }
    }
}

pub async fn run_all(env: &Env, plan: &Plan) -> Result<Table, String> {
    let ctx = Ctx {
        base: Baseline {
            pool: env.pool.clone(),
            tenant: Arc::new(env.tenant.clone()),
        },
        svc: Service {
            http: env.http.clone(),
            base: env.base.as_str().into(),
            token: env.token.as_str().into(),
            channel_key: env.tenant.channel_key.as_str().into(),
        },
        pid: env.service_pid,
    };
    let mut t = Table::default();
    warm_up(&ctx).await?;
    let started = Instant::now();
    for round in 0..plan.rounds {
        eprintln!(
            "bench: {} round {}/{}",
            env.db.name(),
            round + 1,
            plan.rounds
        );
        if plan.only.iter().any(|s| s == "commission") {
            commission(&ctx, plan, &mut t).await?;
        }
        if plan.only.iter().any(|s| s == "aggregate") {
            aggregation(&ctx, plan, &mut t).await?;
        }
        if plan.only.iter().any(|s| s == "release") {
            release(&ctx, plan, &mut t).await?;
        }
    }
    t.hwm_kib = env.service_rss_kib().1;
    // Both sides wrote to the same hash chain: it must still verify end to end.
    let verdict = ctx.svc.get("/v1/audit/verify").await?;
    if verdict["valid"] != serde_json::Value::Bool(true) {
        t.error(format!("the audit chain does not verify: {verdict}"));
    }
    t.elapsed = started.elapsed();
    Ok(t)
}

/// Opens every pooled connection on both sides before anything is timed.
async fn warm_up(ctx: &Ctx) -> Result<(), String> {
    let base = ctx.base.clone();
    blocking(move || {
        let conns: Vec<_> = (0..16)
            .map(|_| base.pool.get().map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        drop(conns);
        Ok(())
    })
    .await?;
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

async fn commission(ctx: &Ctx, plan: &Plan, t: &mut Table) -> Result<(), String> {
    for &size in &plan.sizes.commission {
        let label = format!("commission {size} serials / request");
        for side in SIDES {
            let serials = fresh_serials(size);
            let result = match side {
                Side::B => {
                    let b = ctx.base.clone();
                    let started = Instant::now();
                    let r = blocking(move || b.commission(&serials)).await;
                    r.map(|_| started.elapsed())
                }
                Side::S => {
                    let body = service::commission_body(&serials);
                    let started = Instant::now();
                    let r = ctx.svc.post(service::COMMISSION, body).await;
                    r.map(|_| started.elapsed())
                }
            };
            match result {
                Ok(d) => t.push(&label, "s", false, side == Side::B, d.as_secs_f64()),
                Err(e) => t.error(e),
            }
        }
    }
    Ok(())
}

async fn aggregation(ctx: &Ctx, plan: &Plan, t: &mut Table) -> Result<(), String> {
    let s = &plan.sizes;
    let max_k = *s.agg_k.iter().max().unwrap_or(&1);
    for &n in &s.agg_n {
        let mut k1_rate = [f64::INFINITY; 2];
        for &k in &s.agg_k {
            let requests = (s.children_per_cell / n).min(s.max_requests);
            let per_client = requests.div_ceil(k).max(1);
            let label = format!("aggregate n={n} k={k}");
            for side in SIDES {
                let packs = precommission(ctx, n * k * per_client).await?;
                let mut queues: Vec<Vec<Job>> = (0..k).map(|_| Vec::new()).collect();
                for (i, chunk) in packs.chunks(n).enumerate() {
                    queues[i % k].push(Job::new(ctx, side, fresh_sscc(), chunk.to_vec()));
                }
                let sampling = (side == Side::S && k == max_k).then(|| RssSampler::start(ctx.pid));
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
                if let Some(sampler) = sampling {
                    let peak = sampler.stop().await;
                    t.rss_peak_kib = t.rss_peak_kib.max(peak);
                    t.rss_by_n.push((n, peak));
                }
                let rate = (lat.len() * n) as f64 / wall;
                if k == 1 {
                    k1_rate[side as usize] = lat.len() as f64 / wall;
                }
                t.push(&label, "children/s", true, side == Side::B, rate);
                t.latencies(&label, side == Side::B, &lat);
            }
        }
        open_loop(ctx, plan, t, n, k1_rate[0].min(k1_rate[1]) * 0.5).await?;
    }
    Ok(())
}

/// Requests sent at a fixed rate whatever the answers; latency counts from the scheduled send
/// time, so a slow answer delays no later measurement (no coordinated omission).
async fn open_loop(
    ctx: &Ctx,
    plan: &Plan,
    t: &mut Table,
    n: usize,
    rate: f64,
) -> Result<(), String> {
    if !rate.is_finite() || rate <= 0.0 {
        return Ok(());
    }
    let m = (plan.sizes.open_loop)(n);
    let interval = Duration::from_secs_f64(1.0 / rate);
    for side in SIDES {
        let packs = precommission(ctx, n * m).await?;
        let jobs: Vec<Job> = packs
            .chunks(n)
            .map(|c| Job::new(ctx, side, fresh_sscc(), c.to_vec()))
            .collect();
        let start = tokio::time::Instant::now();
        let handles: Vec<_> = jobs
            .into_iter()
            .enumerate()
            .map(|(i, job)| {
                let at = start + interval * i as u32;
                tokio::spawn(async move {
                    tokio::time::sleep_until(at).await;
                    job.run().await.map(|_| at.elapsed().as_secs_f64())
                })
            })
            .collect();
        let mut lat = Vec::new();
        for h in handles {
            match h.await.map_err(|e| e.to_string())? {
                Ok(l) => lat.push(l),
                Err(e) => t.error(e),
            }
        }
        let label = format!("aggregate n={n} open loop {rate:.1} req/s");
        t.open_latencies(n, &label, side == Side::B, &lat);
    }
    Ok(())
}

async fn release(ctx: &Ctx, plan: &Plan, t: &mut Table) -> Result<(), String> {
    let case = plan.sizes.case_size;
    for &size in &plan.sizes.release {
        let label = format!(
            "release pallet of {} cases x {case} = {size} packs",
            size / case
        );
        for side in SIDES {
            let packs = precommission(ctx, size).await?;
            let mut cases = Vec::new();
            for chunk in packs.chunks(case) {
                let b = ctx.base.clone();
                let chunk = chunk.to_vec();
                cases.push(blocking(move || b.aggregate(&fresh_sscc(), &chunk)).await?);
            }
            let pallet = fresh_sscc();
            let b = ctx.base.clone();
            let p = pallet.clone();
            blocking(move || b.palletise(&p, &cases)).await?;
            let result = match side {
                Side::B => {
                    let b = ctx.base.clone();
                    let started = Instant::now();
                    blocking(move || b.release(&pallet))
                        .await
                        .map(|_| started.elapsed())
                }
                Side::S => {
                    let body = service::release_body(&pallet);
                    let started = Instant::now();
                    ctx.svc
                        .post(service::RELEASE, body)
                        .await
                        .map(|_| started.elapsed())
                }
            };
            match result {
                Ok(d) => t.push(&label, "s", false, side == Side::B, d.as_secs_f64()),
                Err(e) => t.error(e),
            }
        }
    }
    Ok(())
}

/// Samples the service's VmRSS every 20 ms until stopped; returns the peak in KiB.
struct RssSampler {
    stop: Arc<AtomicBool>,
    handle: tokio::task::JoinHandle<u64>,
}

impl RssSampler {
    fn start(pid: u32) -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = tokio::spawn(async move {
            let mut peak = 0;
            while !flag.load(Ordering::Relaxed) {
                peak = peak.max(crate::env::read_rss(pid).0);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            peak.max(crate::env::read_rss(pid).0)
        });
        RssSampler { stop, handle }
    }

    async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.await.unwrap_or(0)
    }
}
