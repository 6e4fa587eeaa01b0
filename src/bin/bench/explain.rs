//! The plans of the service's hot queries, printed right after a bulk load (no manual ANALYZE):
//! `EXPLAIN` on PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite. The statements mirror those of
//! `src/db` (children of an aggregation by natural key, one pack by GTIN and serial, one pack's
//! history, the packs below a released container) with literal values; like `baseline.rs`, this
//! file knows serialhub's schema and changes with it.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use serialhub::db::{DbConn, DbPool};

use crate::baseline::Tenant;
use crate::env::GTIN;

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[derive(QueryableByName)]
struct PgPlan {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

#[derive(QueryableByName)]
struct LitePlan {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Integer)]
    parent: i32,
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The statements, as (what, SQL), for the given stored serials (at least one).
fn hot_queries(
    c: &mut DbConn,
    t: &Tenant,
    serials: &[String],
) -> QueryResult<Vec<(String, String)>> {
    let product = i64::from(t.product_id);
    let tenant = lit(t.tenant_id.as_ref());
    let pg = matches!(c, DbConn::Pg(_));
    let list = serials
        .iter()
        .map(|s| lit(s))
        .collect::<Vec<_>>()
        .join(", ");
    let keys = if pg {
        format!("serial_number = ANY(ARRAY[{list}])")
    } else {
        format!(
            "serial_number IN (SELECT value FROM json_each({}))",
            lit(&serde_json::to_string(serials).expect("json"))
        )
    };
    let find = format!(
        "SELECT id FROM items WHERE product_id = {product} AND serial_number = {}",
        lit(&serials[0])
    );
    let pack: Id = match c {
        DbConn::Pg(p) => diesel::sql_query(&find).get_result(p)?,
        DbConn::Sqlite(l) => diesel::sql_query(&find).get_result(l)?,
    };
    let (pending, released) = (1, 2);
    Ok(vec![
        (
            format!(
                "aggregation: {} children by (product, serial), conditional update",
                serials.len()
            ),
            // The service's statement (`db::items::attach_loose_by_serials`): on PostgreSQL one
            // unique-index probe per key, then the update by primary key, the pending test
            // written `status + 0` so that the partial index of pending packs stays out.
            if pg {
                format!(
                    "UPDATE items SET parent_container_id = 1 WHERE id = ANY(ARRAY(SELECT i.id \
                     FROM unnest(ARRAY[{list}]) AS k(s) CROSS JOIN LATERAL (SELECT id FROM items \
                     WHERE product_id = {product} AND serial_number = k.s) i)) \
                     AND status + 0 = {pending} AND parent_container_id IS NULL \
                     AND parent_item_id IS NULL"
                )
            } else {
                format!(
                    "UPDATE items SET parent_container_id = 1 WHERE id IN (SELECT id FROM items \
                     WHERE product_id = {product} AND {keys}) AND status = {pending} \
                     AND parent_container_id IS NULL AND parent_item_id IS NULL"
                )
            },
        ),
        (
            "lookup: one pack by GTIN and serial".into(),
            format!(
                "SELECT i.* FROM items i JOIN products p ON p.id = i.product_id \
                 WHERE p.owner_tenant_id = {tenant} AND p.product_code = '{GTIN}' \
                 AND i.serial_number = {}",
                lit(&serials[0])
            ),
        ),
        (
            "history: the events that touched one pack (the history index)".into(),
            if pg {
                format!(
                    "SELECT event_ids FROM items WHERE id = ANY(ARRAY[{}]::bigint[])",
                    pack.id
                )
            } else {
                format!(
                    "SELECT event_id FROM audit_items WHERE item_id = {}",
                    pack.id
                )
            },
        ),
        (
            "history: the pack's commissioning event (through its commission)".into(),
            format!(
                "SELECT c.event_id FROM items i JOIN commissions c ON c.id = i.commission_id \
                 WHERE i.id = {}",
                pack.id
            ),
        ),
        (
            "history: the events, visible to the tenant, in order".into(),
            format!(
                "SELECT * FROM audit_events WHERE (owner_tenant_id = {tenant} OR \
                 actor_tenant_id = {tenant}) AND id IN (1, 2, 3, 4) ORDER BY id LIMIT 1000"
            ),
        ),
        (
            "release: the packs in the released containers".into(),
            // The service's shape (`db::release::release_below`): on PostgreSQL the ids in an
            // `ARRAY(…)` computed once, then primary-key probes, the pending test `status + 0`.
            if pg {
                format!(
                    "UPDATE items SET status = {released} WHERE status + 0 = {pending} AND \
                     id = ANY(ARRAY(SELECT id FROM items \
                     WHERE parent_container_id = ANY(ARRAY[1, 2, 3]::bigint[])))"
                )
            } else {
                format!(
                    "UPDATE items SET status = {released} WHERE status = {pending} AND id IN \
                     (SELECT id FROM items WHERE parent_container_id IN (1, 2, 3))"
                )
            },
        ),
    ])
}

/// A Markdown section with the plan of every hot query.
pub fn section(
    pool: &DbPool,
    t: &Tenant,
    serials: &[String],
    stored: usize,
) -> Result<String, String> {
    let mut c = pool.get().map_err(|e| e.to_string())?;
    let queries = hot_queries(&mut c, t, serials).map_err(|e| e.to_string())?;
    let mut out = format!(
        "#### Plans of the hot queries with {stored} packs stored, right after the bulk load \
         (no manual ANALYZE)\n"
    );
    for (what, sql) in queries {
        let plan = match &mut *c {
            DbConn::Pg(p) => diesel::sql_query(format!("EXPLAIN {sql}"))
                .load::<PgPlan>(p)
                .map(|rows| rows.into_iter().map(|r| r.line).collect::<Vec<_>>()),
            DbConn::Sqlite(l) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
                .load::<LitePlan>(l)
                .map(|rows| {
                    // Indent by depth: a row's parent is an earlier row's id.
                    let mut depth = std::collections::HashMap::new();
                    rows.into_iter()
                        .map(|r| {
                            let d = depth.get(&r.parent).map_or(0, |d| d + 1);
                            depth.insert(r.id, d);
                            format!("{}{}", "  ".repeat(d), r.detail)
                        })
                        .collect()
                }),
        }
        .map_err(|e| format!("EXPLAIN {what}: {e}"))?;
        out.push_str(&format!("\n{what}:\n\n```\n{}\n```\n", plan.join("\n")));
    }
    Ok(out)
}
