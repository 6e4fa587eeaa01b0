//! The raw-SQL baseline: the same rows and audit rows as the service, in the same transaction
//! shapes, straight through diesel — no HTTP, no JSON request parsing, no authentication, no
//! validation reads. What it keeps is what any correct implementation must do in the database:
//! the conditional writes, the audit event (hashed into the chain, so the chain stays valid),
//! its index rows and the head update, inside one write transaction.

use std::sync::Arc;

use diesel::prelude::*;
use serde_json::json;
use serialhub::audit::{self, action, Event};
use serialhub::db::{self, containers::NewContainer, items::NewPacks, DbConn, DbPool};
use serialhub::domain::actor::Actor;
use serialhub::error::{ApiError, ErrorType};

use crate::env::{Tenant, GTIN};

const PENDING: &str = "pending_commissioning_approval";
pub const BATCH: &str = "BENCH1";
pub const EXPIRY: &str = "301231";

/// Baseline transactions retried after an immediate `database is locked`.
pub static RETRIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[derive(Clone)]
pub struct Baseline {
    pub pool: DbPool,
    pub tenant: Arc<Tenant>,
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

impl Baseline {
    fn actor(&self) -> Actor {
        Actor {
            tenant_id: self.tenant.tenant_id.clone(),
            api_key_id: self.tenant.api_key_id.clone(),
            channel_id: Some(self.tenant.channel_id.clone()),
            request_id: None,
        }
    }

    /// One write transaction. SQLite occasionally answers `database is locked` at once instead
    /// of waiting out `busy_timeout` (seen at the start of concurrent bursts); the baseline then
    /// retries, up to 5 times, and counts it (`RETRIES`, printed with the results).
    fn tx<T>(&self, f: impl Fn(&mut DbConn) -> Result<T, ApiError>) -> Result<T, String> {
        let mut conn = self.pool.get().map_err(err)?;
        let mut attempt = 0;
        loop {
            match db::write_tx(&mut conn, &f) {
                Ok(v) => return Ok(v),
                Err(e) if attempt < 5 && e.kind == ErrorType::Internal => {
                    attempt += 1;
                    RETRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(e) => return Err(err(e)),
            }
        }
    }

    /// Untimed, after each setup: PostgreSQL's planner statistics are brought up to date, as
    /// autovacuum does in a long-running database. Without it, the plans of the first cells see a
    /// nearly empty `items` table and pick sequential scans that a real deployment would not (this
    /// made the PostgreSQL baseline 2–7× slower than the service at n = 100–1 000 in the first
    /// runs). SQLite keeps its default planner, as deployed (no `ANALYZE` tables).
    pub fn refresh_statistics(&self) -> Result<(), String> {
        let mut conn = self.pool.get().map_err(err)?;
        if let DbConn::Pg(pg) = &mut *conn {
            diesel::sql_query("ANALYZE").execute(pg).map_err(err)?;
        }
        Ok(())
    }

    /// One insert of all packs (their ids returned), one audit event + index rows.
    pub fn commission(&self, serials: &[String]) -> Result<(), String> {
        let t = &self.tenant;
        let actor = self.actor();
        self.tx(|c| {
            let now = db::now();
            let mut sorted: Vec<&str> = serials.iter().map(String::as_str).collect();
            sorted.sort_unstable();
            let ids = db::items::insert_packs(
                c,
                &NewPacks {
                    product_id: &t.product_id,
                    batch: BATCH,
                    expiry_date: EXPIRY,
                    produced_by: &t.tenant_id,
                    channel_id: &t.channel_id,
                    at: now,
                    serials: &sorted,
                },
            )?;
            audit::record(
                c,
                &actor,
                Event {
                    action: action::COMMISSION,
                    owner_tenant_id: &t.tenant_id,
                    reason: None,
                    payload: json!({
                        "product_code": GTIN, "batch": BATCH, "expiry_date": EXPIRY,
                        "serial_numbers": serials,
                        "status": {"from": null, "to": PENDING},
                    }),
                    items: &ids,
                    containers: &[],
                },
            )?;
            Ok(())
        })
    }

    /// Creates the parent, moves every child with one conditional UPDATE (per 10 000), reads
    /// their ids back for the index rows, records the event.
    pub fn aggregate(&self, sscc: &str, serials: &[String]) -> Result<i64, String> {
        let t = &self.tenant;
        let actor = self.actor();
        self.tx(|c| {
            let now = db::now();
            let parent = db::containers::create_or_get(
                c,
                &NewContainer {
                    sscc,
                    tenant_id: &t.tenant_id,
                    owner_tenant_id: &t.tenant_id,
                    status: PENDING,
                    channel_id: Some(&t.channel_id),
                    created_at: now,
                    updated_at: now,
                },
            )?;
            let mut ids = Vec::with_capacity(serials.len());
            for chunk in serials.chunks(db::items::KEY_CHUNK) {
                ids.extend(update_children(c, parent.id, &t.product_id, chunk, now)?);
            }
            if ids.len() != serials.len() {
                return Err(serialhub::workflows::concurrent_change());
            }
            let children: Vec<_> = serials
                .iter()
                .map(|s| json!({"product_code": GTIN, "serial_number": s}))
                .collect();
            audit::record(
                c,
                &actor,
                Event {
                    action: action::AGGREGATE,
                    owner_tenant_id: &t.tenant_id,
                    reason: None,
                    payload: json!({"parent": {"sscc": sscc}, "children": children}),
                    items: &ids,
                    containers: &[parent.id],
                },
            )?;
            Ok(parent.id)
        })
    }

    /// Setup only (untimed): cases onto a pallet.
    pub fn palletise(&self, pallet: &str, cases: &[i64]) -> Result<(), String> {
        let t = &self.tenant;
        let actor = self.actor();
        self.tx(|c| {
            let now = db::now();
            let parent = db::containers::create_or_get(
                c,
                &NewContainer {
                    sscc: pallet,
                    tenant_id: &t.tenant_id,
                    owner_tenant_id: &t.tenant_id,
                    status: PENDING,
                    channel_id: Some(&t.channel_id),
                    created_at: now,
                    updated_at: now,
                },
            )?;
            if db::containers::attach(c, cases, parent.id, now)? != cases.len() {
                return Err(serialhub::workflows::concurrent_change());
            }
            let mut touched = cases.to_vec();
            touched.push(parent.id);
            audit::record(
                c,
                &actor,
                Event {
                    action: action::AGGREGATE,
                    owner_tenant_id: &t.tenant_id,
                    reason: None,
                    payload: json!({"parent": {"sscc": pallet}, "children": cases}),
                    items: &[],
                    containers: &touched,
                },
            )?;
            Ok(())
        })
    }

    /// The pallet's conditional update, the two recursive updates below it (returning what they
    /// released), the event and its index rows.
    pub fn release(&self, pallet: &str) -> Result<(), String> {
        let t = &self.tenant;
        let actor = self.actor();
        self.tx(|c| {
            let now = db::now();
            let ids: Vec<i64> = db::containers::by_ssccs(c, &[pallet])?
                .into_iter()
                .map(|r| r.id)
                .collect();
            if db::release::release_containers(c, &ids, now)? != 1 {
                return Err(serialhub::workflows::concurrent_change());
            }
            let (boxes, packs) = db::release::release_below(c, &ids, &[], now)?;
            let containers = [ids.as_slice(), &boxes].concat();
            audit::record(
                c,
                &actor,
                Event {
                    action: action::RELEASE,
                    owner_tenant_id: &t.tenant_id,
                    reason: None,
                    payload: json!({
                        "ssccs": [pallet], "trade_items": [],
                        "released_packs": packs.len(), "released_containers": boxes.len() + 1,
                        "status": {"from": PENDING, "to": "released"},
                    }),
                    items: &packs,
                    containers: &containers,
                },
            )?;
            Ok(())
        })
    }
}

/// One conditional UPDATE of the children, keyed through a sub-select on the unique
/// (product, serial) index, returning their ids. Written per backend: with `status = …` beside a
/// long key list SQLite's planner otherwise picks the (product, status, batch) index and scans
/// every pending pack, and PostgreSQL gets the keys as one array bind.
fn update_children(
    c: &mut DbConn,
    parent: i64,
    product: &str,
    serials: &[String],
    now: chrono::NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    use diesel::sql_types::{Array, BigInt, Text, Timestamp};
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let tail = format!(
        "AND status = '{PENDING}' AND parent_container_id IS NULL AND parent_item_id IS NULL \
         RETURNING id"
    );
    let rows: Vec<Id> = match c {
        DbConn::Pg(pg) => diesel::sql_query(format!(
            "UPDATE items SET parent_container_id = $1, updated_at = $2 \
             WHERE id IN (SELECT id FROM items WHERE product_id = $3 AND serial_number = ANY($4)) \
             {tail}"
        ))
        .bind::<BigInt, _>(parent)
        .bind::<Timestamp, _>(now)
        .bind::<Text, _>(product)
        .bind::<Array<Text>, _>(serials)
        .load(pg)?,
        DbConn::Sqlite(lite) => {
            // The harness's own serials (`S` + digits): safe to write inline.
            let keys = serials
                .iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(",");
            diesel::sql_query(format!(
                "UPDATE items SET parent_container_id = {parent}, updated_at = $1 \
                 WHERE id IN (SELECT id FROM items WHERE product_id = '{product}' \
                              AND serial_number IN ({keys})) {tail}"
            ))
            .bind::<Timestamp, _>(now)
            .load(lite)?
        }
    };
    Ok(rows.into_iter().map(|r| r.id).collect())
}
