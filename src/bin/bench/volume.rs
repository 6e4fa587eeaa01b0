//! The volume scenario, on a database of its own: the growth cells' empty-database reference, the
//! lifecycle of the bytes-per-pack figure (commissioned, cases, pallets, released; then `VACUUM
//! FULL` / `VACUUM` and the size of every table and index), a bulk load to the history figure's
//! volume and one pack's history looked up, a bulk load to the growth volume, the plans of the
//! hot queries, and the growth cells again. Nothing here runs ANALYZE: autovacuum may or may not
//! have looked at the tables, as in production right after a burst.

use std::collections::BTreeMap;
use std::time::Instant;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use rand::seq::SliceRandom;
use serialhub::db::{DbConn, DbPool};

use crate::env::{Env, GTIN};
use crate::report::{fmt, percentile, Side, Table};
use crate::scenarios::{self, fresh_sscc, Ctx, Plan};
use crate::serials;
use crate::service;

pub async fn run(env: &Env, plan: &Plan, t: &mut Table) -> Result<(), String> {
    let ctx = Ctx::new(env, false);
    let s = &plan.sizes;
    let mut stored = 0;
    eprintln!("bench: {} volume: empty-database reference", env.db.name());
    growth_cells(&ctx, plan, t, "empty", &mut stored).await?;

    eprintln!("bench: {} volume: lifecycle", env.db.name());
    vacuum(&env.pool)?;
    let before = sizes(&env.pool)?;
    let packs = lifecycle(&ctx, plan).await?;
    stored += packs.len();
    let dirty = sizes(&env.pool)?;
    vacuum(&env.pool)?;
    let after = sizes(&env.pool)?;
    t.section(bytes_section(env, plan, &before, &dirty, &after));

    eprintln!(
        "bench: {} volume: loading to {} packs",
        env.db.name(),
        s.history_packs
    );
    load(&ctx, plan, t, &mut stored, s.history_packs).await?;
    history(&ctx, plan, t, &packs, stored).await?;

    eprintln!(
        "bench: {} volume: loading to {} packs",
        env.db.name(),
        s.growth_packs
    );
    load(&ctx, plan, t, &mut stored, s.growth_packs).await?;
    let sample: Vec<String> = packs.iter().take(10).cloned().collect();
    t.section(crate::explain::section(
        &env.pool,
        &env.tenant,
        &sample,
        stored,
    )?);
    let state = format!("{stored} stored");
    growth_cells(&ctx, plan, t, &state, &mut stored).await?;
    for (what, unit, higher) in [
        (commission_label(plan), "s", false),
        (aggregate_label(plan), "children/s", true),
    ] {
        let (empty, full) = (
            t.median(&format!("{what}, empty ({unit})"), Side::S),
            t.median(&format!("{what}, {state} ({unit})"), Side::S),
        );
        let ratio = if higher { full / empty } else { empty / full };
        t.note(format!(
            "{what} with {state} / empty database, throughput ratio {ratio:.2}"
        ));
    }
    Ok(())
}

fn commission_label(plan: &Plan) -> String {
    let size = plan.sizes.commission.iter().max().copied().unwrap_or(1);
    format!("growth: commission {size} in one request")
}

fn aggregate_label(plan: &Plan) -> String {
    let (n, k) = plan.sizes.agg.first().copied().unwrap_or((1_000, 2));
    format!("growth: aggregate {n}/request, {k} clients")
}

/// The service's commissioning and aggregation cells (service only), `rounds` times.
async fn growth_cells(
    ctx: &Ctx,
    plan: &Plan,
    t: &mut Table,
    state: &str,
    stored: &mut usize,
) -> Result<(), String> {
    let size = plan.sizes.commission.iter().max().copied().unwrap_or(1);
    let (n, k) = plan.sizes.agg.first().copied().unwrap_or((1_000, 2));
    for _ in 0..plan.rounds {
        let label = format!("{}, {state} (s)", commission_label(plan));
        scenarios::commission(ctx, t, &label, &[Side::S], plan.kind, size).await;
        let label = format!("{}, {state} (children/s)", aggregate_label(plan));
        scenarios::aggregation(ctx, plan, t, &label, &[Side::S], plan.kind, n, k).await?;
        *stored += size + scenarios::aggregation_packs(&plan.sizes, n, k);
    }
    Ok(())
}

/// The lifecycle of issue 11: packs commissioned, aggregated in cases (two lines at once),
/// cases on pallets, every pallet released. Returns the packs' serials.
async fn lifecycle(ctx: &Ctx, plan: &Plan) -> Result<Vec<String>, String> {
    let (packs, case, pallet) = plan.sizes.lifecycle;
    let serials =
        scenarios::precommission(ctx, Side::S, plan.kind, packs, plan.sizes.load_chunk).await?;
    let cases: Vec<(String, Vec<String>)> = serials
        .chunks(case)
        .map(|c| (fresh_sscc(), c.to_vec()))
        .collect();
    let ssccs: Vec<String> = cases.iter().map(|(s, _)| s.clone()).collect();
    let lines: Vec<_> = (0..2)
        .map(|line| {
            let svc = ctx.svc.clone();
            let mine: Vec<_> = cases.iter().skip(line).step_by(2).cloned().collect();
            tokio::spawn(async move {
                for (sscc, children) in mine {
                    svc.post(
                        service::AGGREGATE,
                        service::aggregate_body(&sscc, &children),
                    )
                    .await?;
                }
                Ok::<_, String>(())
            })
        })
        .collect();
    for l in lines {
        l.await.map_err(|e| e.to_string())??;
    }
    let mut pallets = Vec::new();
    for on_pallet in ssccs.chunks(pallet) {
        let sscc = fresh_sscc();
        ctx.svc
            .post(
                service::AGGREGATE_CONTAINERS,
                service::palletise_body(&sscc, on_pallet),
            )
            .await?;
        pallets.push(sscc);
    }
    for batch in pallets.chunks(20) {
        ctx.svc
            .post(service::RELEASE, service::release_body(batch))
            .await?;
    }
    Ok(serials)
}

/// Untimed bulk load up to `target` packs stored, through the service; its rate is noted.
async fn load(
    ctx: &Ctx,
    plan: &Plan,
    t: &mut Table,
    stored: &mut usize,
    target: usize,
) -> Result<(), String> {
    if *stored >= target {
        return Ok(());
    }
    let n = target - *stored;
    let started = Instant::now();
    scenarios::precommission(ctx, Side::S, plan.kind, n, plan.sizes.load_chunk).await?;
    let secs = started.elapsed().as_secs_f64();
    *stored = target;
    t.note(format!(
        "bulk load to {target} packs: {n} commissioned in requests of {} in {secs:.0} s \
         ({:.0} serials/s)",
        plan.sizes.load_chunk,
        n as f64 / secs
    ));
    Ok(())
}

/// `GET /v1/items/{gtin}/{serial}` of random packs of the lifecycle, one at a time.
async fn history(
    ctx: &Ctx,
    plan: &Plan,
    t: &mut Table,
    packs: &[String],
    stored: usize,
) -> Result<(), String> {
    let picks: Vec<String> = packs
        .choose_multiple(&mut rand::thread_rng(), plan.sizes.history_lookups)
        .cloned()
        .collect();
    let mut lat = Vec::new();
    let mut events = None;
    for serial in &picks {
        let path = format!("/v1/items/{GTIN}/{}", serials::path_segment(serial));
        let t0 = Instant::now();
        match ctx.svc.get_text(&path).await {
            Ok(body) => {
                lat.push(t0.elapsed().as_secs_f64());
                if events.is_none() {
                    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                    events = v["history"].as_array().map(Vec::len);
                }
            }
            Err(e) => t.error(e),
        }
    }
    t.note(format!(
        "one pack's history (`GET /v1/items/{{gtin}}/{{serial}}`, a released pack of the \
         lifecycle, {} events in its history) with {stored} packs stored: p50 {}, p99 {} over {} \
         lookups",
        events.map_or("?".into(), |e| e.to_string()),
        fmt(percentile(&lat, 0.5), "ms"),
        fmt(percentile(&lat, 0.99), "ms"),
        lat.len()
    ));
    Ok(())
}

/// One relation's size: its table, whether it is an index, its bytes.
#[derive(Debug, Clone)]
pub struct Rel {
    pub table: String,
    pub index: bool,
    pub bytes: i64,
}

#[derive(QueryableByName)]
struct RelRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = BigInt)]
    bytes: i64,
}

/// Every table and index of the database and its size: on PostgreSQL the main fork plus, for a
/// table, its TOAST table and TOAST index; on SQLite the pages `dbstat` counts for it.
pub fn sizes(pool: &DbPool) -> Result<BTreeMap<String, Rel>, String> {
    let mut c = pool.get().map_err(|e| e.to_string())?;
    let rows: Vec<RelRow> = match &mut *c {
        DbConn::Pg(p) => diesel::sql_query(
            "SELECT c.relname::text AS name, COALESCE(t.relname, c.relname)::text AS tbl, \
             c.relkind::text AS kind, (pg_relation_size(c.oid) + CASE WHEN c.relkind = 'r' \
             AND c.reltoastrelid <> 0 THEN pg_total_relation_size(c.reltoastrelid) ELSE 0 END) \
             ::bigint AS bytes \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_index i ON i.indexrelid = c.oid \
             LEFT JOIN pg_class t ON t.oid = i.indrelid \
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')",
        )
        .load(p),
        DbConn::Sqlite(l) => diesel::sql_query(
            "SELECT d.name AS name, COALESCE(m.tbl_name, d.name) AS tbl, \
             CASE WHEN m.type = 'index' THEN 'i' ELSE 'r' END AS kind, \
             CAST(SUM(d.pgsize) AS BIGINT) AS bytes \
             FROM dbstat d LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY d.name",
        )
        .load(l),
    }
    .map_err(|e| format!("sizes: {e}"))?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.name,
                Rel {
                    table: r.tbl,
                    index: r.kind == "i",
                    bytes: r.bytes,
                },
            )
        })
        .collect())
}

/// `VACUUM FULL` of every table of the schema on PostgreSQL (rewrites them and their indexes: only
/// live rows remain; the system catalogs are left alone), `VACUUM` on SQLite (rebuilds the file).
pub fn vacuum(pool: &DbPool) -> Result<(), String> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let mut c = pool.get().map_err(|e| e.to_string())?;
    match &mut *c {
        DbConn::Pg(p) => diesel::sql_query(
            "SELECT quote_ident(tablename::text) AS name FROM pg_tables WHERE schemaname = 'public'",
        )
        .load::<Name>(p)
        .and_then(|tables| {
            tables.iter().try_for_each(|t| {
                diesel::sql_query(format!("VACUUM FULL {}", t.name))
                    .execute(p)
                    .map(drop)
            })
        }),
        DbConn::Sqlite(l) => diesel::sql_query("VACUUM").execute(l).map(drop),
    }
    .map_err(|e| format!("VACUUM: {e}"))
}

fn bytes_section(
    env: &Env,
    plan: &Plan,
    before: &BTreeMap<String, Rel>,
    dirty: &BTreeMap<String, Rel>,
    after: &BTreeMap<String, Rel>,
) -> String {
    let (packs, case, pallet) = plan.sizes.lifecycle;
    let per = |m: &BTreeMap<String, Rel>, name: &str| {
        let b = before.get(name).map_or(0, |r| r.bytes);
        (m.get(name).map_or(0, |r| r.bytes) - b) as f64 / packs as f64
    };
    let vacuum = match env.db {
        crate::env::Db::Postgres => "VACUUM FULL",
        crate::env::Db::Sqlite => "VACUUM",
    };
    let mut out = format!(
        "#### Bytes per pack after the lifecycle ({packs} {} serials commissioned, cases of \
         {case}, pallets of {pallet} cases, every pallet released)\n\nGrowth of each relation \
         over the lifecycle divided by {packs}; live = after `{vacuum}`.\n\n\
         | relation | of table | live bytes per pack | before {vacuum} |\n|---|---|---:|---:|\n",
        plan.kind.name()
    );
    let mut names: Vec<&String> = after.keys().collect();
    names.sort_by_key(|n| {
        let r = &after[*n];
        (r.table.clone(), r.index, (n.to_string()))
    });
    let (mut live, mut was) = (0.0, 0.0);
    for name in names {
        let r = &after[name];
        let (l, d) = (per(after, name), per(dirty, name));
        live += l;
        was += d;
        if l.abs() < 0.05 && d.abs() < 0.05 {
            continue;
        }
        let kind = if r.index { "index" } else { "table" };
        out.push_str(&format!(
            "| {name} ({kind}) | {} | {l:.1} | {d:.1} |\n",
            r.table
        ));
    }
    out.push_str(&format!("| **total** | | **{live:.0}** | {was:.0} |\n"));
    out
}
