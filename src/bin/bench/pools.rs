//! Issue 13 item 8: the serial pool. Generating 1 000 000 serials in one request (against the
//! minimal baseline inserting as many random serials in one statement), bytes per pooled serial
//! (every table and index the generation grew, live), and 16 lines taking 100 serials at once in
//! a closed loop — with a check that no serial was handed out twice.

use std::collections::HashSet;
use std::fmt::Write;
use std::time::Instant;

use serde_json::json;

use crate::env::{Env, GTIN};
use crate::report::{fmt, percentile, Table};
use crate::scenarios::{blocking, Plan};
use crate::serials;
use crate::volume;

const GENERATE: &str = "/v1/tenant/products/{gtin}/serials/generate";
const REQUEST: &str = "/v1/manufacturer/v2/api/serials/request";

pub async fn run(env: &Env, plan: &Plan, t: &mut Table) -> Result<(), String> {
    let (n, lines, per, rounds) = plan.sizes.pool;
    let mut out = String::new();
    writeln!(out, "serial pool (issue 13)").ok();

    // Generation, and what it added to the database, live.
    let pool = env.pool.clone();
    let before = blocking(move || volume::sizes(&pool)).await?;
    let path = GENERATE.replace("{gtin}", GTIN);
    let started = Instant::now();
    let r = env
        .http
        .post(format!("{}{path}", env.base))
        .header("x-access-token", &env.token)
        .json(&json!({ "quantity": n }))
        .send()
        .await
        .map_err(|e| format!("generate: {e}"))?;
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    if !status.is_success() {
        t.error(format!("generate: {status}: {body}"));
        return Ok(());
    }
    let service = started.elapsed().as_secs_f64();
    let minimal_serials = serials::fresh(serials::Kind::Random, n);
    let minimal = env.minimal.clone();
    let started = Instant::now();
    blocking(move || minimal.commission(&minimal_serials)).await?;
    let baseline = started.elapsed().as_secs_f64();
    writeln!(
        out,
        "  generate {n} in one request: service {} ({:.0} serials/s), minimal insert of {n} random serials {} — ratio {:.2}",
        fmt(service, "s"),
        n as f64 / service,
        fmt(baseline, "s"),
        baseline / service
    )
    .ok();
    let pool = env.pool.clone();
    let after = blocking(move || {
        volume::vacuum(&pool)?;
        volume::sizes(&pool)
    })
    .await?;
    let mut grown: Vec<(String, i64)> = after
        .iter()
        .map(|(name, rel)| {
            let b = before.get(name).map_or(0, |r| r.bytes);
            (
                format!("{}{}", name, if rel.index { " (index)" } else { "" }),
                rel.bytes - b,
            )
        })
        .filter(|(_, d)| *d > 0)
        .collect();
    grown.sort_by_key(|g| std::cmp::Reverse(g.1));
    let total: i64 = grown.iter().map(|(_, d)| d).sum();
    writeln!(
        out,
        "  bytes per pooled serial (live, after VACUUM): {:.0}",
        total as f64 / n as f64
    )
    .ok();
    for (name, d) in grown.iter().take(6) {
        writeln!(out, "    {name}: {:.1}", *d as f64 / n as f64).ok();
    }

    // `lines` clients, each taking `per` serials per request, `rounds` requests each.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..lines {
        let http = env.http.clone();
        let url = format!("{}{REQUEST}", env.base);
        let (token, key) = (env.token.clone(), env.channel_key.clone());
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::with_capacity(per * rounds);
            let mut lat = Vec::with_capacity(rounds);
            for _ in 0..rounds {
                let t0 = Instant::now();
                let r = http
                    .post(&url)
                    .header("x-access-token", &token)
                    .header("x-channel-key", &key)
                    .json(&json!({"product_code": GTIN, "product_code_schema": "GTIN",
                                  "quantity": per}))
                    .send()
                    .await
                    .map_err(|e| format!("request: {e}"))?;
                let status = r.status();
                let v: serde_json::Value = r.json().await.map_err(|e| e.to_string())?;
                if !status.is_success() {
                    return Err(format!("request: {status}: {v}"));
                }
                lat.push(t0.elapsed().as_secs_f64());
                for s in v["serial_numbers"].as_array().into_iter().flatten() {
                    got.push(s.as_str().unwrap_or_default().to_string());
                }
            }
            Ok::<_, String>((got, lat))
        }));
    }
    let mut all = Vec::new();
    let mut lat = Vec::new();
    for task in tasks {
        match task.await.map_err(|e| e.to_string())? {
            Ok((got, l)) => {
                all.extend(got);
                lat.extend(l);
            }
            Err(e) => t.error(e),
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let distinct: HashSet<&String> = all.iter().collect();
    if distinct.len() != all.len() {
        t.error(format!(
            "serials/request handed out {} serials, {} distinct",
            all.len(),
            distinct.len()
        ));
    }
    writeln!(
        out,
        "  {lines} lines × {rounds} requests of {per}: {:.0} serials/s — p50 {} p99 {}; {} handed out, all distinct: {}",
        all.len() as f64 / secs,
        fmt(percentile(&lat, 0.5), "s"),
        fmt(percentile(&lat, 0.99), "s"),
        all.len(),
        distinct.len() == all.len()
    )
    .ok();
    t.section(out);
    Ok(())
}
