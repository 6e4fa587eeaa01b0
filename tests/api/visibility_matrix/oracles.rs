//! No existence oracle: an answer about an object the caller may not see is byte-identical (but
//! for the identifiers) to the answer about one that does not exist, and a refused write writes
//! nothing. One test per kind of request, each on a fresh world.

use serde_json::json;

use super::{call, mv2_delete, mv2_post, world, Req, Who, World};
use crate::db_tests;
use crate::kit::gs1::gtin;
use crate::kit::line::commission_body;
use crate::kit::{child, spawn, store, Db};

/// (label, caller, request about a real but invisible object, the same about a missing one, the
/// two identifiers that legitimately differ).
type Pair = (&'static str, Who, Req, Req, [String; 2]);

/// Identifiers of objects that do not exist.
struct Ghosts {
    product: String,
    sscc: String,
    deal: String,
}

impl Ghosts {
    fn new(w: &World) -> Ghosts {
        Ghosts {
            product: gtin("0401234599999"),
            sscc: w.c1.sscc(999),
            deal: uuid::Uuid::new_v4().to_string(),
        }
    }
}

/// Replaces each identifier by a placeholder, so two answers about different objects compare.
fn normalised(text: &str, ids: &[&str]) -> String {
    let mut out = text.to_string();
    for id in ids {
        out = out.replace(id, "<ID>");
    }
    out
}

/// Lookups of a container, a pack and a product.
fn lookups(w: &World, g: &Ghosts) -> Vec<Pair> {
    use Who::*;
    let (c1, p) = (&w.c1, w.p.as_str());
    let (unknown_p, ghost_sscc) = (&g.product, &g.sscc);
    vec![
        (
            "GET container",
            C1,
            Req::Get(format!("/v1/containers/{}", c1.sscc(1))),
            Req::Get(format!("/v1/containers/{ghost_sscc}")),
            [c1.sscc(1), ghost_sscc.clone()],
        ),
        (
            "GET item",
            C1,
            Req::Get(format!("/v1/items/{p}/C1-A2")),
            Req::Get(format!("/v1/items/{p}/GHOST")),
            ["C1-A2".into(), "GHOST".into()],
        ),
        (
            "GET item of an invisible product",
            X,
            Req::Get(format!("/v1/items/{p}/C1-A2")),
            Req::Get(format!("/v1/items/{unknown_p}/C1-A2")),
            [p.to_string(), unknown_p.clone()],
        ),
        (
            "GET product",
            C1,
            Req::Get(format!("/v1/tenant/products/{p}")),
            Req::Get(format!("/v1/tenant/products/{unknown_p}")),
            [p.to_string(), unknown_p.clone()],
        ),
    ]
}

/// Releases of what the caller may not release.
fn releases(w: &World, g: &Ghosts) -> Vec<Pair> {
    use Who::*;
    let (c1, p) = (&w.c1, w.p.as_str());
    let ghost_sscc = &g.sscc;
    vec![
        (
            "release SSCC",
            C2,
            Req::Post(
                "/v1/commissioning/release_to_market".into(),
                json!({"ssccs": [c1.sscc(2)]}),
            ),
            Req::Post(
                "/v1/commissioning/release_to_market".into(),
                json!({"ssccs": [ghost_sscc]}),
            ),
            [c1.sscc(2), ghost_sscc.clone()],
        ),
        (
            "release pack",
            X,
            Req::Post(
                "/v1/commissioning/release_to_market".into(),
                json!({"trade_items": [child(p, "C1-L10")]}),
            ),
            Req::Post(
                "/v1/commissioning/release_to_market".into(),
                json!({"trade_items": [child(p, "GHOST")]}),
            ),
            ["C1-L10".into(), "GHOST".into()],
        ),
        (
            "release M's pack",
            C1,
            Req::Post(
                "/v1/commissioning/release_to_market".into(),
                json!({"trade_items": [child(p, "M-L6")]}),
            ),
            Req::Post(
                "/v1/commissioning/release_to_market".into(),
                json!({"trade_items": [child(p, "GHOST")]}),
            ),
            ["M-L6".into(), "GHOST".into()],
        ),
    ]
}

/// Changes of a partnership the caller is not part of.
fn partnership_changes(w: &World, g: &Ghosts) -> Vec<Pair> {
    use Who::*;
    let ghost_deal = &g.deal;
    vec![
        (
            "PATCH partnership",
            C2,
            Req::Patch(
                format!("/v1/tenant/partnerships/{}", w.deal_c1),
                json!({"status": "suspended"}),
            ),
            Req::Patch(
                format!("/v1/tenant/partnerships/{ghost_deal}"),
                json!({"status": "suspended"}),
            ),
            [w.deal_c1.clone(), ghost_deal.clone()],
        ),
        (
            "accept partnership",
            X,
            Req::Post(
                format!("/v1/tenant/partnerships/{}/accept", w.deal_c1),
                json!({}),
            ),
            Req::Post(
                format!("/v1/tenant/partnerships/{ghost_deal}/accept"),
                json!({}),
            ),
            [w.deal_c1.clone(), ghost_deal.clone()],
        ),
    ]
}

/// Shopfloor writes on goods the caller may not touch.
fn shopfloor_writes(w: &World, g: &Ghosts) -> Vec<Pair> {
    use Who::*;
    let (m, c1, p) = (&w.m, &w.c1, w.p.as_str());
    let (unknown_p, ghost_sscc) = (&g.product, &g.sscc);
    vec![
        (
            "commission a product granted to someone else",
            C2,
            mv2_post("/serials/commission", commission_body(p, &["Z1"])),
            mv2_post("/serials/commission", commission_body(unknown_p, &["Z1"])),
            [p.to_string(), unknown_p.clone()],
        ),
        (
            "decommission M's pack",
            C1,
            mv2_post(
                "/serials/decommission",
                json!({"product_code": p, "product_code_schema": "GTIN",
                       "serial_numbers": ["M-L6"], "reason": "damaged"}),
            ),
            mv2_post(
                "/serials/decommission",
                json!({"product_code": p, "product_code_schema": "GTIN",
                       "serial_numbers": ["GHOST"], "reason": "damaged"}),
            ),
            ["M-L6".into(), "GHOST".into()],
        ),
        (
            "aggregate M's pack",
            C1,
            mv2_post(
                "/aggregate/container",
                json!({"parent": c1.sscc(200), "child_trade_items": [child(p, "M-L6")]}),
            ),
            mv2_post(
                "/aggregate/container",
                json!({"parent": c1.sscc(200), "child_trade_items": [child(p, "GHOST")]}),
            ),
            ["M-L6".into(), "GHOST".into()],
        ),
        (
            "bundle into M's pack",
            C1,
            mv2_post(
                "/aggregate/trade_item",
                json!({"parent": child(p, "M-L6"), "child_trade_items": [child(p, "C1-L8")]}),
            ),
            mv2_post(
                "/aggregate/trade_item",
                json!({"parent": child(p, "GHOST"), "child_trade_items": [child(p, "C1-L8")]}),
            ),
            ["M-L6".into(), "GHOST".into()],
        ),
        (
            "disaggregate all from C1's SSCC",
            C2,
            mv2_delete("/aggregate/container", json!({"parent": c1.sscc(1)})),
            mv2_delete("/aggregate/container", json!({"parent": ghost_sscc})),
            [c1.sscc(1), ghost_sscc.clone()],
        ),
        (
            "disaggregate all from M's SSCC",
            C1,
            mv2_delete("/aggregate/container", json!({"parent": m.sscc(1)})),
            mv2_delete("/aggregate/container", json!({"parent": ghost_sscc})),
            [m.sscc(1), ghost_sscc.clone()],
        ),
        (
            "disaggregate cases from C1's pallet",
            X,
            mv2_delete("/aggregate/containers", json!({"parent": c1.sscc(31)})),
            mv2_delete("/aggregate/containers", json!({"parent": ghost_sscc})),
            [c1.sscc(31), ghost_sscc.clone()],
        ),
        (
            "C1's case onto a pallet",
            X,
            mv2_post(
                "/aggregate/containers",
                json!({"parent": &w.x.sscc(300), "child_containers": [c1.sscc(12)]}),
            ),
            mv2_post(
                "/aggregate/containers",
                json!({"parent": &w.x.sscc(300), "child_containers": [ghost_sscc]}),
            ),
            [c1.sscc(12), ghost_sscc.clone()],
        ),
    ]
}

/// Sends each pair's two requests on a fresh world; fails listing every pair that differs.
async fn run(db: Db, pairs: fn(&World, &Ghosts) -> Vec<Pair>) {
    let app = spawn(db).await;
    let w = world(&app).await;
    let pairs = pairs(&w, &Ghosts::new(&w));
    let mut failures = Vec::new();
    for (label, who, real, ghost, ids) in pairs {
        let before = store::fingerprint(&app.db);
        let (s1, t1) = call(&app, &w, who, &real).await;
        let (s2, t2) = call(&app, &w, who, &ghost).await;
        let ids = [ids[0].as_str(), ids[1].as_str()];
        let (n1, n2) = (normalised(&t1, &ids), normalised(&t2, &ids));
        if s1 != s2 || n1 != n2 {
            failures.push(format!(
                "[{label} as {who:?}] invisible: {s1} {t1}\n    missing:   {s2} {t2}"
            ));
        }
        if s1 < 400 {
            failures.push(format!("[{label} as {who:?}] was not refused: {s1} {t1}"));
        }
        if real.is_write() && store::fingerprint(&app.db) != before {
            failures.push(format!("[{label} as {who:?}] a refused write changed data"));
        }
    }
    assert!(
        failures.is_empty(),
        "existence oracles:\n{}",
        failures.join("\n")
    );
}

async fn invisible_objects_look_up_exactly_like_missing_ones(db: Db) {
    run(db, lookups).await;
}

async fn releasing_invisible_objects_answers_exactly_like_missing_ones(db: Db) {
    run(db, releases).await;
}

async fn changing_invisible_partnerships_answers_exactly_like_missing_ones(db: Db) {
    run(db, partnership_changes).await;
}

async fn shopfloor_writes_on_invisible_goods_answer_exactly_like_missing_ones(db: Db) {
    run(db, shopfloor_writes).await;
}

db_tests!(
    invisible_objects_look_up_exactly_like_missing_ones,
    releasing_invisible_objects_answers_exactly_like_missing_ones,
    changing_invisible_partnerships_answers_exactly_like_missing_ones,
    shopfloor_writes_on_invisible_goods_answer_exactly_like_missing_ones,
);
