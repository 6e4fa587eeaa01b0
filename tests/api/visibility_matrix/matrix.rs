//! The table of PRODUCT.md §1.2: every endpoint that touches a product, pack, container or
//! partnership, called by each tenant, with the exact status and error type it must answer; a
//! refused write must leave the database untouched. One test per group of endpoints, each on a
//! fresh world.

use serde_json::{json, Value};

use super::{call, mv2_delete, mv2_post, world, Req, Who, World, ALL};
use crate::db_tests;
use crate::kit::line::commission_body;
use crate::kit::{child, spawn, store, Db};

/// The answer a cell expects: a success status, or an error status and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Ok(u16),
    Err(u16, &'static str),
}

const OK: Want = Want::Ok(200);
const PRODUCT_ERROR: Want = Want::Err(404, "ProductError");
const NOT_FOUND: Want = Want::Err(404, "NotFoundError");
const FORBIDDEN: Want = Want::Err(403, "ForbiddenError");
const STATE: Want = Want::Err(409, "StateError");

struct Cell {
    endpoint: &'static str,
    who: Who,
    req: Req,
    want: Want,
}

fn cell(endpoint: &'static str, who: Who, req: Req, want: Want) -> Cell {
    Cell {
        endpoint,
        who,
        req,
        want,
    }
}

/// Checks one answer against the cell's expectation; returns a failure naming the cell.
fn judge(c: &Cell, status: u16, text: &str) -> Option<String> {
    let body: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let got_type = body["error"].as_str();
    let ok = match c.want {
        Want::Ok(s) => status == s && body["success"] == json!(true),
        Want::Err(s, t) => {
            status == s
                && got_type == Some(t)
                && body["success"] == json!(false)
                && body["details"].is_array()
        }
    };
    (!ok).then(|| {
        format!(
            "[{} as {:?}] want {:?}, got {status} {}",
            c.endpoint, c.who, c.want, text
        )
    })
}

/// Commissioning and decommissioning P.
fn commissioning(w: &World) -> Vec<Cell> {
    use Who::*;
    let p = w.p.as_str();
    let mut v = Vec::new();

    // Commission P: M yes, C1 yes, C2 and X ProductError.
    for (who, want) in [(M, OK), (C1, OK), (C2, PRODUCT_ERROR), (X, PRODUCT_ERROR)] {
        let serial = format!("NEW-{who:?}");
        v.push(cell(
            "POST /serials/commission P",
            who,
            mv2_post("/serials/commission", commission_body(p, &[&serial])),
            want,
        ));
    }

    // Decommission P before release: M any of its packs, C1 its own, C2 and X no.
    let decommission = |serial: &str| {
        mv2_post(
            "/serials/decommission",
            json!({"product_code": p, "product_code_schema": "GTIN",
                   "serial_numbers": [serial], "reason": "damaged"}),
        )
    };
    for (who, serial, want) in [
        (M, "C1-L1", OK),
        (C1, "C1-L2", OK),
        (C2, "C1-L3", PRODUCT_ERROR),
        (X, "C1-L3", PRODUCT_ERROR),
    ] {
        v.push(cell(
            "POST /serials/decommission P (C1's pack)",
            who,
            decommission(serial),
            want,
        ));
    }
    // A CMO touches only the packs it produced: M's pack is "not commissioned" to C1.
    v.push(cell(
        "POST /serials/decommission P (M's pack)",
        C1,
        decommission("M-L6"),
        STATE,
    ));
    v
}

/// Packs onto containers, into bundles, cases onto pallets.
fn packing(w: &World) -> Vec<Cell> {
    use Who::*;
    let (m, c1, p) = (&w.m, &w.c1, w.p.as_str());
    let by = |who: Who| w.party(who);
    let mut v = Vec::new();

    // POST /aggregate/container.
    for (who, serial, want) in [
        (M, "M-L1", OK),
        (C1, "C1-L4", OK),
        (C2, "C1-L5", PRODUCT_ERROR),
        (X, "C1-L5", PRODUCT_ERROR),
    ] {
        v.push(cell(
            "POST /aggregate/container P",
            who,
            mv2_post(
                "/aggregate/container",
                json!({"parent": by(who).sscc(100), "child_trade_items": [child(p, serial)]}),
            ),
            want,
        ));
    }

    // POST /aggregate/trade_item.
    for (who, parent, kid, want) in [
        (M, "M-L2", "M-L3", OK),
        (C1, "C1-L6", "C1-L7", OK),
        (C2, "C1-L8", "C1-L9", PRODUCT_ERROR),
        (X, "C1-L8", "C1-L9", PRODUCT_ERROR),
    ] {
        v.push(cell(
            "POST /aggregate/trade_item P",
            who,
            mv2_post(
                "/aggregate/trade_item",
                json!({"parent": child(p, parent), "child_trade_items": [child(p, kid)]}),
            ),
            want,
        ));
    }

    // POST /aggregate/containers: another tenant's case reads as one that does not exist.
    for (who, kid, want) in [
        (M, m.sscc(11), OK),
        (C1, c1.sscc(11), OK),
        (C2, c1.sscc(12), STATE),
        (X, c1.sscc(12), STATE),
    ] {
        v.push(cell(
            "POST /aggregate/containers",
            who,
            mv2_post(
                "/aggregate/containers",
                json!({"parent": by(who).sscc(101), "child_containers": [kid]}),
            ),
            want,
        ));
    }

    v
}

/// The three disaggregations, of listed children and of all.
fn unpacking(w: &World) -> Vec<Cell> {
    use Who::*;
    let (m, c1, p) = (&w.m, &w.c1, w.p.as_str());
    let mut v = Vec::new();

    // DELETE /aggregate/container, children listed.
    for (who, parent, serial, want) in [
        (M, m.sscc(1), "M-A1", OK),
        (C1, c1.sscc(1), "C1-A1", OK),
        (C2, c1.sscc(1), "C1-A2", PRODUCT_ERROR),
        (X, c1.sscc(1), "C1-A2", PRODUCT_ERROR),
    ] {
        v.push(cell(
            "DELETE /aggregate/container P (listed)",
            who,
            mv2_delete(
                "/aggregate/container",
                json!({"parent": parent, "child_trade_items": [child(p, serial)]}),
            ),
            want,
        ));
    }
    // DELETE /aggregate/container, everything: a container the caller cannot see is not found;
    // the MAH sees its CMO's container but does not change what the CMO packed.
    for (who, parent, want) in [
        (M, m.sscc(14), OK),
        (C1, c1.sscc(16), OK),
        (C2, c1.sscc(1), NOT_FOUND),
        (X, c1.sscc(1), NOT_FOUND),
        (M, c1.sscc(1), STATE),
        (C1, m.sscc(1), NOT_FOUND),
    ] {
        v.push(cell(
            "DELETE /aggregate/container (all)",
            who,
            mv2_delete("/aggregate/container", json!({"parent": parent})),
            want,
        ));
    }

    // DELETE /aggregate/trade_item.
    for (who, parent, kid, want) in [
        (M, "M-B0", "M-B1", OK),
        (C1, "C1-B0", "C1-B1", OK),
        (C2, "C1-B2", "C1-B3", PRODUCT_ERROR),
        (X, "C1-B2", "C1-B3", PRODUCT_ERROR),
    ] {
        v.push(cell(
            "DELETE /aggregate/trade_item P",
            who,
            mv2_delete(
                "/aggregate/trade_item",
                json!({"parent": child(p, parent), "child_trade_items": [child(p, kid)]}),
            ),
            want,
        ));
    }

    // DELETE /aggregate/containers.
    for (who, parent, kid, want) in [
        (M, m.sscc(30), m.sscc(13), OK),
        (C1, c1.sscc(30), c1.sscc(14), OK),
        (C2, c1.sscc(31), c1.sscc(15), NOT_FOUND),
        (X, c1.sscc(31), c1.sscc(15), NOT_FOUND),
    ] {
        v.push(cell(
            "DELETE /aggregate/containers",
            who,
            mv2_delete(
                "/aggregate/containers",
                json!({"parent": parent, "child_containers": [kid]}),
            ),
            want,
        ));
    }

    v
}

/// The item and container lookups.
fn lookups(w: &World) -> Vec<Cell> {
    use Who::*;
    let (c1, p) = (&w.c1, w.p.as_str());
    let mut v = Vec::new();

    // Lookups: only the brand owner sees its goods, whoever produced them.
    for (who, want) in [(M, OK), (C1, NOT_FOUND), (C2, NOT_FOUND), (X, NOT_FOUND)] {
        v.push(cell(
            "GET /v1/items/P/<C1's pack>",
            who,
            Req::Get(format!("/v1/items/{p}/C1-A2")),
            want,
        ));
        v.push(cell(
            "GET /v1/containers/<C1's SSCC>",
            who,
            Req::Get(format!("/v1/containers/{}", c1.sscc(1))),
            want,
        ));
    }
    for (who, want) in [(M, NOT_FOUND), (C1, OK), (C2, NOT_FOUND), (X, NOT_FOUND)] {
        v.push(cell(
            "GET /v1/containers/<C1's SSCC of its own R>",
            who,
            Req::Get(format!("/v1/containers/{}", c1.sscc(50))),
            want,
        ));
        v.push(cell(
            "GET /v1/items/R/<C1's pack of R>",
            who,
            Req::Get(format!("/v1/items/{}/R-1", w.r)),
            want,
        ));
    }

    v
}

/// Release to market.
fn release(w: &World) -> Vec<Cell> {
    use Who::*;
    let (c1, p) = (&w.c1, w.p.as_str());
    let mut v = Vec::new();

    // Release to market: C1 is refused (403) before M releases, C2 and X see nothing (404).
    for (who, want) in [(C1, FORBIDDEN), (C2, NOT_FOUND), (X, NOT_FOUND), (M, OK)] {
        v.push(cell(
            "POST release_to_market <C1's SSCC>",
            who,
            Req::Post(
                "/v1/commissioning/release_to_market".into(),
                json!({"ssccs": [c1.sscc(2)]}),
            ),
            want,
        ));
        v.push(cell(
            "POST release_to_market <C1's loose pack>",
            who,
            Req::Post(
                "/v1/commissioning/release_to_market".into(),
                json!({"trade_items": [child(p, "C1-L10")]}),
            ),
            want,
        ));
    }
    // A tenant producing its own product releases it itself; nobody else sees it.
    for (who, want) in [(M, NOT_FOUND), (C2, NOT_FOUND), (X, NOT_FOUND), (C1, OK)] {
        v.push(cell(
            "POST release_to_market <C1's SSCC of its own R>",
            who,
            Req::Post(
                "/v1/commissioning/release_to_market".into(),
                json!({"ssccs": [c1.sscc(50)]}),
            ),
            want,
        ));
    }

    v
}

/// Partnerships and the product catalogue.
fn partnerships_and_products(w: &World) -> Vec<Cell> {
    use Who::*;
    let p = w.p.as_str();
    let mut v = Vec::new();

    // Partnerships: only the MAH changes, only the CMO accepts, outsiders see nothing.
    let deal = &w.deal_c1;
    for (who, want) in [(M, OK), (C1, FORBIDDEN), (C2, NOT_FOUND), (X, NOT_FOUND)] {
        v.push(cell(
            "PATCH /v1/tenant/partnerships/<M-C1>",
            who,
            Req::Patch(
                format!("/v1/tenant/partnerships/{deal}"),
                json!({"product_codes": [p]}),
            ),
            want,
        ));
    }
    for (who, want) in [(M, FORBIDDEN), (C1, STATE), (C2, NOT_FOUND), (X, NOT_FOUND)] {
        v.push(cell(
            "POST /v1/tenant/partnerships/<M-C1>/accept (already active)",
            who,
            Req::Post(format!("/v1/tenant/partnerships/{deal}/accept"), json!({})),
            want,
        ));
    }
    for who in ALL {
        v.push(cell(
            "GET /v1/tenant/partnerships",
            who,
            Req::Get("/v1/tenant/partnerships".into()),
            OK,
        ));
    }

    // Products: the catalogue is the owner's; a granted product shows in the partnership.
    for (who, want) in [
        (M, OK),
        (C1, PRODUCT_ERROR),
        (C2, PRODUCT_ERROR),
        (X, PRODUCT_ERROR),
    ] {
        v.push(cell(
            "GET /v1/tenant/products/P",
            who,
            Req::Get(format!("/v1/tenant/products/{p}")),
            want,
        ));
    }
    for (who, want) in [
        (M, PRODUCT_ERROR),
        (C1, OK),
        (C2, PRODUCT_ERROR),
        (X, PRODUCT_ERROR),
    ] {
        v.push(cell(
            "GET /v1/tenant/products/R",
            who,
            Req::Get(format!("/v1/tenant/products/{}", w.r)),
            want,
        ));
    }
    v
}

/// Calls every cell of `cells` on a fresh world; fails listing every cell that differs.
async fn run(db: Db, cells: fn(&World) -> Vec<Cell>) {
    let app = spawn(db).await;
    let w = world(&app).await;
    let mut failures = Vec::new();
    for c in cells(&w) {
        let before = c.req.is_write().then(|| store::fingerprint(&app.db));
        let (status, text) = call(&app, &w, c.who, &c.req).await;
        if let Some(f) = judge(&c, status, &text) {
            failures.push(f);
        }
        if let (Some(before), Want::Err(..)) = (before, c.want) {
            if store::fingerprint(&app.db) != before {
                failures.push(format!(
                    "[{} as {:?}] refused, yet the database changed",
                    c.endpoint, c.who
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells differ from PRODUCT.md §1.2:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

async fn commissioning_answers_each_tenant_as_the_table_says(db: Db) {
    run(db, commissioning).await;
}

async fn packing_answers_each_tenant_as_the_table_says(db: Db) {
    run(db, packing).await;
}

async fn unpacking_answers_each_tenant_as_the_table_says(db: Db) {
    run(db, unpacking).await;
}

async fn lookups_answer_each_tenant_as_the_table_says(db: Db) {
    run(db, lookups).await;
}

async fn release_answers_each_tenant_as_the_table_says(db: Db) {
    run(db, release).await;
}

async fn partnerships_and_products_answer_each_tenant_as_the_table_says(db: Db) {
    run(db, partnerships_and_products).await;
}

db_tests!(
    commissioning_answers_each_tenant_as_the_table_says,
    packing_answers_each_tenant_as_the_table_says,
    unpacking_answers_each_tenant_as_the_table_says,
    lookups_answer_each_tenant_as_the_table_says,
    release_answers_each_tenant_as_the_table_says,
    partnerships_and_products_answer_each_tenant_as_the_table_says,
);
