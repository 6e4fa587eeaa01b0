//! The commissioning views and the partnership list, as each tenant of the world sees them: the
//! brand owner sees what its CMOs produced for it, with `produced_by`; a CMO sees only goods of
//! its own products; outsiders see nothing.

use serde_json::{json, Value};

use super::world;
use crate::db_tests;
use crate::kit::{list_items, spawn, Db, Line, TestApp};

/// Pending packs / SSCCs of a view as (identifier, produced_by tenant id).
async fn view(app: &TestApp, who: &Line, path: &str) -> Vec<(String, String)> {
    let (status, body) = app.get(path, who.token()).await;
    assert_eq!(status, 200, "{} GET {path}: {body}", who.name);
    list_items(&body)
        .iter()
        .map(|i| {
            let key = i["sscc"]
                .as_str()
                .or(i["serial_number"].as_str())
                .or(i["product_code"].as_str())
                .unwrap()
                .to_string();
            let by = i["produced_by"]["tenant_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (key, by)
        })
        .collect()
}

async fn the_items_view_shows_cmo_production_to_the_mah_only(db: Db) {
    let app = spawn(db).await;
    let w = world(&app).await;
    let (m, c1, c2, x) = (&w.m, &w.c1, &w.c2, &w.x);
    let items_p = format!("/v1/commissioning/items?product_code={}", w.p);
    let items_q = format!("/v1/commissioning/items?product_code={}", w.q);

    // M: every pending pack of P, its own and C1's, each with produced_by.
    let seen = view(&app, m, &items_p).await;
    assert!(
        seen.contains(&("C1-A1".into(), c1.id().to_string())),
        "[items P as M] C1's pack with produced_by C1: {seen:?}"
    );
    assert!(
        seen.contains(&("M-A1".into(), m.id().to_string())),
        "[items P as M] {seen:?}"
    );
    assert_eq!(seen.len(), 14 + 24, "[items P as M] all pending packs of P");
    let seen = view(&app, m, &items_q).await;
    assert_eq!(
        seen,
        vec![("Q-1".to_string(), c2.id().to_string())],
        "[items Q as M]"
    );
    let (_, body) = app.get(&items_p, m.token()).await;
    let c1_pack = list_items(&body)
        .into_iter()
        .find(|i| i["serial_number"] == "C1-A1")
        .unwrap();
    assert_eq!(c1_pack["produced_by"]["name"], "C1", "{c1_pack}");
    assert_eq!(c1_pack["status"], "pending_commissioning_approval");

    // C1: its own product R only; nothing it produced for M, filtered or not.
    assert!(view(&app, c1, &items_p).await.is_empty(), "[items P as C1]");
    let seen = view(&app, c1, "/v1/commissioning/items").await;
    let serials: Vec<&str> = seen.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(serials, vec!["R-1", "R-2"], "[items as C1]");
    // C2: not C1's packs, and not even its own production of Q. X: nothing.
    for (who, path) in [
        (c2, items_p.as_str()),
        (c2, items_q.as_str()),
        (c2, "/v1/commissioning/items"),
        (x, items_p.as_str()),
        (x, "/v1/commissioning/items"),
    ] {
        assert!(
            view(&app, who, path).await.is_empty(),
            "[{path} as {}]",
            who.name
        );
    }
}

async fn the_containers_view_shows_cmo_production_to_the_mah_only(db: Db) {
    let app = spawn(db).await;
    let w = world(&app).await;
    let (m, c1, c2, x) = (&w.m, &w.c1, &w.c2, &w.x);

    // SSCCs: M sees C1's, with produced_by; C1 sees only the SSCC of its own product.
    let boxes = view(&app, m, "/v1/commissioning/containers").await;
    assert!(
        boxes.contains(&(c1.sscc(1), c1.id().to_string())),
        "[containers as M] {boxes:?}"
    );
    assert!(
        boxes.contains(&(c1.sscc(30), c1.id().to_string())),
        "{boxes:?}"
    );
    assert!(
        boxes.contains(&(m.sscc(1), m.id().to_string())),
        "{boxes:?}"
    );
    assert!(!boxes.iter().any(|(s, _)| *s == c1.sscc(50)), "{boxes:?}");
    let direct = view(
        &app,
        m,
        &format!("/v1/commissioning/containers?product_code={}", w.p),
    )
    .await;
    assert!(
        direct.contains(&(c1.sscc(1), c1.id().to_string())),
        "{direct:?}"
    );
    assert!(
        !direct.iter().any(|(s, _)| *s == c1.sscc(30)),
        "a pallet holds cases, not packs of P directly: {direct:?}"
    );
    let boxes = view(&app, c1, "/v1/commissioning/containers").await;
    assert_eq!(
        boxes,
        vec![(c1.sscc(50), c1.id().to_string())],
        "[containers as C1] its SSCCs for M are hidden"
    );
    for who in [c2, x] {
        assert!(
            view(&app, who, "/v1/commissioning/containers")
                .await
                .is_empty(),
            "[containers as {}]",
            who.name
        );
    }
}

async fn the_products_view_counts_cmo_production_for_the_mah_only(db: Db) {
    let app = spawn(db).await;
    let w = world(&app).await;
    let (m, c1, c2, x) = (&w.m, &w.c1, &w.c2, &w.x);

    // Product counts: M counts C1's packs of P; C1 lists only R; C2 and X own nothing.
    let (_, body) = app.get("/v1/commissioning/products", m.token()).await;
    let counts: Vec<(String, i64)> = list_items(&body)
        .iter()
        .map(|i| {
            (
                i["product_code"].as_str().unwrap().to_string(),
                i["pending_items"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![(w.p.clone(), 38), (w.q.clone(), 1)],
        "[products as M]"
    );
    let (_, body) = app.get("/v1/commissioning/products", c1.token()).await;
    assert_eq!(
        list_items(&body)
            .iter()
            .map(|i| (i["product_code"].clone(), i["pending_items"].clone()))
            .collect::<Vec<_>>(),
        vec![(json!(w.r), json!(2))],
        "[products as C1]"
    );
    for who in [c2, x] {
        let (_, body) = app.get("/v1/commissioning/products", who.token()).await;
        assert!(list_items(&body).is_empty(), "[products as {}]", who.name);
    }
}

async fn partnership_list_shows_each_side_its_own(db: Db) {
    let app = spawn(db).await;
    let w = world(&app).await;
    let listed = |body: &Value| -> Vec<(String, String, Value)> {
        let mut v: Vec<_> = list_items(body)
            .iter()
            .map(|i| {
                (
                    i["id"].as_str().unwrap().to_string(),
                    i["role"].as_str().unwrap().to_string(),
                    i["product_codes"].clone(),
                )
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let mut want_m = vec![
        (w.deal_c1.clone(), "mah".to_string(), json!([w.p])),
        (w.deal_c2.clone(), "mah".to_string(), json!([w.q])),
    ];
    want_m.sort_by(|a, b| a.0.cmp(&b.0));
    let (_, body) = app.get("/v1/tenant/partnerships", w.m.token()).await;
    assert_eq!(listed(&body), want_m, "[partnerships as M]");
    let (_, body) = app.get("/v1/tenant/partnerships", w.c1.token()).await;
    assert_eq!(
        listed(&body),
        vec![(w.deal_c1.clone(), "cmo".into(), json!([w.p]))],
        "[partnerships as C1]"
    );
    let (_, body) = app.get("/v1/tenant/partnerships", w.c2.token()).await;
    assert_eq!(
        listed(&body),
        vec![(w.deal_c2.clone(), "cmo".into(), json!([w.q]))],
        "[partnerships as C2]"
    );
    let (_, body) = app.get("/v1/tenant/partnerships", w.x.token()).await;
    assert!(listed(&body).is_empty(), "[partnerships as X]");
}

db_tests!(
    the_items_view_shows_cmo_production_to_the_mah_only,
    the_containers_view_shows_cmo_production_to_the_mah_only,
    the_products_view_counts_cmo_production_for_the_mah_only,
    partnership_list_shows_each_side_its_own,
);
