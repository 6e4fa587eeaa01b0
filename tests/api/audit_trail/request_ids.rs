//! Request ids in the trail (issue 12, finding 5): the caller's `x-request-id` is kept, and the
//! server's own id is recorded beside it and hashed, so X cannot make its events point at M's
//! request: the server's id of X's request is X's alone.

use std::collections::HashSet;

use reqwest::Method;

use super::{tagged, verify};
use crate::db_tests;
use crate::kit::chain::event_hash;
use crate::kit::gs1::gtin;
use crate::kit::store::{self, EventField};
use crate::kit::{spawn, Db, Line, GTIN};

async fn a_callers_request_id_cannot_point_the_trail_at_another_tenants_request(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    let x = Line::with_gcp(&app, "X", "4077777").await;
    let product = |code: &str| serde_json::json!({"product_code": code, "product_code_schema": "GTIN", "name": "P"});
    let (status, _, m_rid) = tagged(
        m.api(Method::POST, "/v1/tenant/products")
            .json(&product(GTIN)),
    )
    .await;
    assert_eq!(status, 201);
    // X learnt M's request id and sends it as its own.
    let x_gtin = gtin("0407777700001");
    let resp = x
        .api(Method::POST, "/v1/tenant/products")
        .header("x-request-id", &m_rid)
        .json(&product(&x_gtin))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(
        resp.headers()["x-request-id"],
        m_rid.as_str(),
        "the caller's id is echoed"
    );

    let m_event = store::chain(&app.db, m.id()).pop().unwrap();
    let x_event = store::chain(&app.db, x.id()).pop().unwrap();
    assert_eq!(
        x_event.request_id.as_deref(),
        Some(m_rid.as_str()),
        "kept as sent"
    );
    let (m_server, x_server) = (
        m_event.server_request_id.clone().expect("recorded"),
        x_event.server_request_id.clone().expect("recorded"),
    );
    assert_ne!(
        m_server, x_server,
        "the server's ids tell the two requests apart"
    );
    for id in [&m_server, &x_server] {
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    }

    // The API shows both, and the server's id is part of the hash.
    let (_, page) = app.get("/v1/audit/events", x.token()).await;
    let shown = page["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(shown["request_id"], m_rid.as_str());
    assert_eq!(shown["server_request_id"], x_server.as_str());
    assert_eq!(event_hash(&shown), shown["hash"].as_str().unwrap());
    store::disable_audit_guards(&app.db);
    store::rewrite_event(
        &app.db,
        x.id(),
        x_event.seq,
        EventField::ServerRequestId,
        &m_server,
    );
    let report = verify(&app, x.token()).await;
    assert_eq!(report["valid"], false, "{report}");
    assert_eq!(report["first_broken"], x_event.seq);
}

async fn every_request_gets_its_own_server_id(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(GTIN).await;
    m.commission_ok(GTIN, &["A"]).await;
    m.commission_ok(GTIN, &["B"]).await;
    let ids: HashSet<String> = store::chain(&app.db, m.id())
        .into_iter()
        .map(|e| e.server_request_id.expect("every event has one"))
        .collect();
    assert_eq!(
        ids.len(),
        4,
        "channel, product, two commissions: four requests"
    );
}

db_tests!(
    a_callers_request_id_cannot_point_the_trail_at_another_tenants_request,
    every_request_gets_its_own_server_id,
);
