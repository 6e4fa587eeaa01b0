//! Partnerships (PRODUCT.md §3.2): the MAH invites, the CMO accepts, the MAH changes the product
//! list, suspends, resumes or ends; every change rules the CMO's very next write.

use reqwest::Method;
use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::gtin;
use crate::kit::partners::{accept, invite, partner, patch_partnership};
use crate::kit::{assert_error, child, children, list_items, spawn, store, Db, Line, TestApp};

struct Cast {
    m: Line,
    c1: Line,
    x: Line,
    p: String,
    q: String,
}

async fn cast(app: &TestApp) -> Cast {
    let m = Line::with_gcp(app, "M", "4012345").await;
    let c1 = Line::with_gcp(app, "C1", "4098765").await;
    let x = Line::with_gcp(app, "X", "4077777").await;
    let (p, q) = (gtin("0401234511111"), gtin("0401234522222"));
    m.register(&p).await;
    m.register(&q).await;
    Cast { m, c1, x, p, q }
}

async fn mah_invites_and_only_the_cmo_accepts(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, x, p, .. } = cast(&app).await;

    let (status, body) = invite(&m, c1.id(), &[&p]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["status"], "pending");
    assert_eq!(body["role"], "mah");
    assert_eq!(body["mah_tenant_id"], json!(m.id()));
    assert_eq!(body["cmo_tenant_id"], json!(c1.id()));
    assert_eq!(body["product_codes"], json!([p]));
    let id = body["id"].as_str().unwrap().to_string();

    // Pending grants nothing yet.
    let (status, body) = c1.commission(&p, &["S1"]).await;
    assert_error(status, &body, 404, "ProductError");

    // The MAH cannot accept its own invitation; an outsider does not see it.
    let (status, body) = accept(&m, &id).await;
    assert_error(status, &body, 403, "ForbiddenError");
    let (status, body) = accept(&x, &id).await;
    assert_error(status, &body, 404, "NotFoundError");

    let (status, body) = accept(&c1, &id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "active");
    assert_eq!(body["role"], "cmo");
    c1.commission_ok(&p, &["S1"]).await;

    // Accepting twice is a state conflict.
    let (status, body) = accept(&c1, &id).await;
    assert_error(status, &body, 409, "StateError");
}

async fn only_the_mah_changes_a_partnership(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, x, p, q } = cast(&app).await;
    let id = partner(&m, &c1, &[&p]).await;
    let before = store::fingerprint(&app.db);

    let (status, body) = patch_partnership(&c1, &id, json!({"product_codes": [p, q]})).await;
    assert_error(status, &body, 403, "ForbiddenError");
    let (status, body) = patch_partnership(&c1, &id, json!({"status": "ended"})).await;
    assert_error(status, &body, 403, "ForbiddenError");
    let (status, body) = patch_partnership(&x, &id, json!({"status": "ended"})).await;
    assert_error(status, &body, 404, "NotFoundError");
    let (status, body) = patch_partnership(&m, &id, json!({"status": "paused"})).await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(
        store::fingerprint(&app.db),
        before,
        "refused changes wrote nothing"
    );

    // A key without the admin role may not manage partnerships at all.
    let (_, release_only) = app.key_with_roles(m.token(), &["release"]).await;
    let (status, body) = app
        .patch(
            &format!("/v1/tenant/partnerships/{id}"),
            &release_only,
            &json!({"status": "ended"}),
        )
        .await;
    assert_error(status, &body, 403, "ForbiddenError");
    let (status, body) = app.get("/v1/tenant/partnerships", &release_only).await;
    assert_error(status, &body, 403, "ForbiddenError");
    assert_eq!(store::fingerprint(&app.db), before);
}

async fn product_list_changes_rule_the_next_cmo_write(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, p, q, .. } = cast(&app).await;
    let id = partner(&m, &c1, &[&p]).await;
    c1.commission_ok(&p, &["P1", "P2"]).await;
    let (status, body) = c1.commission(&q, &["Q1"]).await;
    assert_error(status, &body, 404, "ProductError");

    // Swap P for Q.
    let (status, body) = patch_partnership(&m, &id, json!({"product_codes": [q]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["product_codes"], json!([q]));
    assert_eq!(body["status"], "active");

    c1.commission_ok(&q, &["Q1"]).await;
    let before = store::fingerprint(&app.db);
    let (status, body) = c1.commission(&p, &["P3"]).await;
    assert_error(status, &body, 404, "ProductError");
    let (status, body) = c1
        .send(
            Method::POST,
            "/aggregate/container",
            &json!({"parent": c1.sscc(1), "child_trade_items": children(&p, &["P1", "P2"])}),
        )
        .await;
    assert_error(status, &body, 404, "ProductError");
    let (status, body) = c1
        .send(
            Method::POST,
            "/serials/decommission",
            &json!({"product_code": p, "product_code_schema": "GTIN",
                "serial_numbers": ["P1"], "reason": "damaged"}),
        )
        .await;
    assert_error(status, &body, 404, "ProductError");
    assert_eq!(
        store::fingerprint(&app.db),
        before,
        "refused writes wrote nothing"
    );
}

/// Every kind of write C1 could attempt on what it produced for M.
async fn cmo_writes(c1: &Line, p: &str) -> Vec<(&'static str, u16, Value)> {
    let mut out = Vec::new();
    let (s, b) = c1.commission(p, &["NEW1"]).await;
    out.push(("commission", s, b));
    let (s, b) = c1
        .send(
            Method::POST,
            "/aggregate/container",
            &json!({"parent": c1.sscc(1), "child_trade_items": [child(p, "L1")]}),
        )
        .await;
    out.push(("aggregate onto its case", s, b));
    let (s, b) = c1
        .send(
            Method::POST,
            "/aggregate/trade_item",
            &json!({"parent": child(p, "L1"), "child_trade_items": [child(p, "L2")]}),
        )
        .await;
    out.push(("bundle", s, b));
    let (s, b) = c1
        .send(
            Method::DELETE,
            "/aggregate/container",
            &json!({"parent": c1.sscc(1), "child_trade_items": [child(p, "A1")]}),
        )
        .await;
    out.push(("disaggregate listed", s, b));
    let (s, b) = c1
        .send(
            Method::DELETE,
            "/aggregate/container",
            &json!({"parent": c1.sscc(1)}),
        )
        .await;
    out.push(("disaggregate all", s, b));
    let (s, b) = c1
        .send(
            Method::POST,
            "/aggregate/containers",
            &json!({"parent": c1.sscc(30), "child_containers": [c1.sscc(2)]}),
        )
        .await;
    out.push(("case onto pallet", s, b));
    let (s, b) = c1
        .send(
            Method::DELETE,
            "/aggregate/containers",
            &json!({"parent": c1.sscc(31)}),
        )
        .await;
    out.push(("cases off pallet", s, b));
    let (s, b) = c1
        .send(
            Method::POST,
            "/serials/decommission",
            &json!({"product_code": p, "product_code_schema": "GTIN",
                "serial_numbers": ["L3"], "reason": "damaged"}),
        )
        .await;
    out.push(("decommission", s, b));
    out
}

/// C1's production for M: A1, A2 on case 1; B1 on case 2; C1 on case 3 on pallet 31; L1-L3 loose.
async fn cmo_production(c1: &Line, p: &str) {
    c1.commission_ok(p, &["A1", "A2", "B1", "C1", "L1", "L2", "L3"])
        .await;
    c1.pack_onto(&c1.sscc(1), p, &["A1", "A2"]).await;
    c1.pack_onto(&c1.sscc(2), p, &["B1"]).await;
    c1.pack_onto(&c1.sscc(3), p, &["C1"]).await;
    c1.palletise_ok(&c1.sscc(31), &[&c1.sscc(3)]).await;
}

async fn suspension_stops_cmo_writes_at_once_and_resuming_restores_them(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, p, .. } = cast(&app).await;
    let id = partner(&m, &c1, &[&p]).await;
    cmo_production(&c1, &p).await;

    let (status, body) = patch_partnership(&m, &id, json!({"status": "suspended"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "suspended");

    let before = store::fingerprint(&app.db);
    for (what, status, body) in cmo_writes(&c1, &p).await {
        assert!(
            status == 404 && (body["error"] == "ProductError" || body["error"] == "NotFoundError"),
            "suspended CMO: {what} must be refused as not visible, got {status} {body}"
        );
    }
    assert_eq!(store::fingerprint(&app.db), before, "no write got through");
    // What C1 produced stays with M, visible and releasable by M.
    let (status, body) = app
        .get(&format!("/v1/containers/{}", c1.sscc(1)), m.token())
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["produced_by"]["tenant_id"], json!(c1.id()));
    // The CMO cannot accept its way back in.
    let (status, body) = accept(&c1, &id).await;
    assert_error(status, &body, 409, "StateError");

    let (status, body) = patch_partnership(&m, &id, json!({"status": "active"})).await;
    assert_eq!(status, 200, "{body}");
    for (what, status, body) in cmo_writes(&c1, &p).await {
        assert_eq!(status, 200, "resumed CMO: {what}: {body}");
    }
}

async fn ended_is_final(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, p, q, .. } = cast(&app).await;
    let id = partner(&m, &c1, &[&p]).await;
    cmo_production(&c1, &p).await;

    let (status, body) = patch_partnership(&m, &id, json!({"status": "ended"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ended");

    let before = store::fingerprint(&app.db);
    for (what, status, body) in cmo_writes(&c1, &p).await {
        assert_eq!(status, 404, "ended: {what}: {body}");
    }
    for change in [
        json!({"status": "active"}),
        json!({"status": "suspended"}),
        json!({"status": "ended"}),
        json!({"product_codes": [q]}),
    ] {
        let (status, body) = patch_partnership(&m, &id, change.clone()).await;
        assert_error(status, &body, 409, "StateError");
    }
    let (status, body) = accept(&c1, &id).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(
        store::fingerprint(&app.db),
        before,
        "an ended partnership stays ended"
    );

    // The goods stay with M; a new partnership is a new invitation.
    let (status, _) = app
        .get(&format!("/v1/containers/{}", c1.sscc(1)), m.token())
        .await;
    assert_eq!(status, 200);
    let (status, body) = invite(&m, c1.id(), &[&p]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "pending");
    assert_ne!(body["id"], json!(id));
}

async fn one_open_partnership_per_pair(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, p, q, .. } = cast(&app).await;
    let (status, body) = invite(&m, c1.id(), &[&p]).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    // While pending...
    let (status, body) = invite(&m, c1.id(), &[&q]).await;
    assert_error(status, &body, 409, "StateError");
    // ...and while active.
    assert_eq!(accept(&c1, &id).await.0, 200);
    let (status, body) = invite(&m, c1.id(), &[&q]).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(store::partnership_count(&app.db), 1);
    // The other direction is a different pair: C1 may be M's MAH for its own products.
    let r = gtin("0409876533333");
    c1.register(&r).await;
    let (status, body) = invite(&c1, m.id(), &[&r]).await;
    assert_eq!(status, 201, "{body}");
}

async fn invitations_name_a_real_other_tenant_and_own_products(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, p, .. } = cast(&app).await;
    let r = gtin("0409876533333");
    c1.register(&r).await;

    let (status, body) = invite(&m, &uuid::Uuid::new_v4().to_string(), &[&p]).await;
    assert_error(status, &body, 404, "NotFoundError");
    let (status, body) = invite(&m, m.id(), &[&p]).await;
    assert_error(status, &body, 400, "ValidationError");
    // C1's product, and a product nobody registered: both simply do not exist for M.
    let (status, body) = invite(&m, c1.id(), &[&p, &r]).await;
    assert_error(status, &body, 404, "ProductError");
    assert_eq!(body["details"][0]["path"], "product_codes[1]", "{body}");
    let (status, body) = invite(&m, c1.id(), &[&gtin("0401234599999")]).await;
    assert_error(status, &body, 404, "ProductError");
    let (status, body) = invite(&m, c1.id(), &[]).await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(store::partnership_count(&app.db), 0, "nothing was created");
}

async fn list_shows_both_sides_with_their_role(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, x, p, .. } = cast(&app).await;
    let id = partner(&m, &c1, &[&p]).await;
    for (who, role) in [(&m, "mah"), (&c1, "cmo")] {
        let (status, body) = app.get("/v1/tenant/partnerships", who.token()).await;
        assert_eq!(status, 200, "{body}");
        let items = list_items(&body);
        assert_eq!(items.len(), 1, "{} {body}", who.name);
        assert_eq!(items[0]["id"], json!(id));
        assert_eq!(items[0]["role"], role);
        assert_eq!(items[0]["status"], "active");
        assert_eq!(items[0]["product_codes"], json!([p]));
        assert!(body["next"].is_null(), "{body}");
    }
    let (status, body) = app.get("/v1/tenant/partnerships", x.token()).await;
    assert_eq!(status, 200);
    assert!(list_items(&body).is_empty(), "{body}");
}

db_tests!(
    mah_invites_and_only_the_cmo_accepts,
    only_the_mah_changes_a_partnership,
    product_list_changes_rule_the_next_cmo_write,
    suspension_stops_cmo_writes_at_once_and_resuming_restores_them,
    ended_is_final,
    one_open_partnership_per_pair,
    invitations_name_a_real_other_tenant_and_own_products,
    list_shows_both_sides_with_their_role,
);
