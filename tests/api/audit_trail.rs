//! The audit trail (issue 5): one event per state change with who / on whose behalf / what / why /
//! request id, written in the same transaction; append-only in the database; a hash chain that
//! verifies (HTTP and offline CLI), catches edits made behind the service's back, and stays
//! gap-free and fork-free under concurrent writers; visibility and filters of
//! `GET /v1/audit/events`; `history` in the lookups.

use std::collections::HashSet;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{json, Value};
use serialhub::db::audit::EventRow;
use serialhub::db::schema::{audit_events, audit_items};
use serialhub::db::DbConn;

use crate::db_tests;
use crate::helpers::{send, spawn, Db, TestApp};
use crate::mv2::{child, item_count, serials, sscc, Line, GTIN, PREFIX};

// --- Direct database reads -------------------------------------------------------------------

fn events(app: &TestApp) -> Vec<EventRow> {
    audit_events::table
        .order(audit_events::id)
        .select(EventRow::as_select())
        .load(&mut app.db.conn())
        .expect("load audit events")
}

fn event_count(app: &TestApp) -> usize {
    events(app).len()
}

fn chain(app: &TestApp, tenant: &str) -> Vec<EventRow> {
    audit_events::table
        .filter(audit_events::chain_tenant_id.eq(tenant))
        .order(audit_events::seq)
        .select(EventRow::as_select())
        .load(&mut app.db.conn())
        .expect("load chain")
}

fn exec(conn: &mut DbConn, sql: &str) -> Result<(), String> {
    match conn {
        DbConn::Sqlite(c) => c.batch_execute(sql),
        DbConn::Pg(c) => c.batch_execute(sql),
    }
    .map_err(|e| e.to_string())
}

/// Switches the append-only triggers off, as an attacker with database access could.
fn drop_guards(app: &TestApp, db: Db) {
    let sql = match db {
        Db::Sqlite => "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;",
        Db::Postgres => "ALTER TABLE audit_events DISABLE TRIGGER USER;",
    };
    exec(&mut app.db.conn(), sql).expect("drop the triggers");
}

/// The id of the tenant's first key (the one its token was issued for).
async fn admin_key_id(app: &TestApp, line: &Line) -> String {
    let (status, body) = app.get("/v1/tenant/api_keys", line.token()).await;
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["api_key"] == json!(line.tenant.api_key))
        .unwrap_or_else(|| panic!("first key listed: {body}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Sends with a fresh `x-request-id`; returns (status, body, that request id).
async fn tagged(rb: reqwest::RequestBuilder) -> (u16, Value, String) {
    let rid = format!("rid-{}", uuid::Uuid::new_v4());
    let (status, body) = send(rb.header("x-request-id", &rid)).await;
    (status, body, rid)
}

/// Asserts that exactly one event was appended since `before` events, carrying `rid`; returns it.
#[track_caller]
fn one_new_event(app: &TestApp, before: usize, rid: &str) -> EventRow {
    let all = events(app);
    assert_eq!(
        all.len(),
        before + 1,
        "exactly one event expected, got {:?}",
        all[before.min(all.len())..]
            .iter()
            .map(|e| &e.action)
            .collect::<Vec<_>>()
    );
    let e = all.last().unwrap().clone();
    assert_eq!(e.request_id.as_deref(), Some(rid), "{e:?}");
    e
}

fn payload(e: &EventRow) -> Value {
    serde_json::from_str(&e.payload).expect("payload is JSON")
}

fn mv2_req(app: &TestApp, line: &Line, method: Method, path: &str) -> reqwest::RequestBuilder {
    line.req(app, method, path)
}

// --- 1. Every state change leaves exactly one event -------------------------------------------

async fn every_state_change_records_exactly_one_event(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    let c = Line::with_gcp(&app, "C", "9521234").await;
    let key = admin_key_id(&app, &m).await;
    let admin = |e: &EventRow| {
        assert_eq!(e.actor_tenant_id, m.tenant.id, "{e:?}");
        assert_eq!(e.chain_tenant_id, m.tenant.id, "{e:?}");
        assert_eq!(e.owner_tenant_id, m.tenant.id, "{e:?}");
        assert_eq!(e.api_key_id.as_deref(), Some(key.as_str()), "{e:?}");
        assert_eq!(e.channel_id, None, "{e:?}");
        assert_eq!(e.reason, None, "{e:?}");
    };
    let mut secrets: Vec<String> = vec![
        m.tenant.api_secret.clone(),
        m.tenant.token.clone(),
        m.channel_key.clone(),
        c.tenant.api_secret.clone(),
        c.tenant.token.clone(),
    ];

    // Product registration.
    let n = event_count(&app);
    let (status, body, rid) = tagged(
        app.req(Method::POST, "/v1/tenant/products", m.token())
            .json(&json!({"product_code": GTIN, "product_code_schema": "GTIN", "name": "Product"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "product.register");
    admin(&e);
    assert_eq!(payload(&e)["product_code"], GTIN);

    // Channel create and update.
    let n = event_count(&app);
    let (status, body, rid) = tagged(
        app.req(Method::POST, "/v1/tenant/channels", m.token())
            .json(&json!({"name": "line 2", "type": "shopfloor", "source": "manufacturer_v2_api"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let channel = body["id"].as_str().unwrap().to_string();
    secrets.push(body["channel_key"].as_str().unwrap().to_string());
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "channel.create");
    admin(&e);
    assert_eq!(payload(&e)["channel_id"], json!(channel));

    let n = event_count(&app);
    let (status, body, rid) = tagged(
        app.req(
            Method::PATCH,
            &format!("/v1/tenant/channels/{channel}"),
            m.token(),
        )
        .json(&json!({"enabled": false})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "channel.update");
    admin(&e);
    assert_eq!(payload(&e)["channel_id"], json!(channel));
    assert_eq!(
        payload(&e)["enabled"],
        json!({"from": true, "to": false}),
        "old and new value"
    );
    // Setting the value it already has changes nothing and records nothing.
    let n = event_count(&app);
    let (status, body) = app
        .patch(
            &format!("/v1/tenant/channels/{channel}"),
            m.token(),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        event_count(&app),
        n,
        "a no-op channel update records nothing"
    );

    // API key create, static token issue / revoke, key revoke.
    let n = event_count(&app);
    let (status, body, rid) = tagged(
        app.req(Method::POST, "/v1/tenant/api_keys", m.token())
            .json(&json!({"name": "k2", "roles": ["audit"]})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let key2 = body["id"].as_str().unwrap().to_string();
    secrets.push(body["api_secret"].as_str().unwrap().to_string());
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "api_key.create");
    admin(&e);
    assert_eq!(payload(&e)["api_key_id"], json!(key2));
    assert_eq!(payload(&e)["roles"], json!(["audit"]));

    let n = event_count(&app);
    let path = format!("/v1/tenant/api_keys/{key2}/static_token");
    let (status, body, rid) = tagged(app.req(Method::POST, &path, m.token())).await;
    assert_eq!(status, 200, "{body}");
    let static_token = body["token"].as_str().unwrap().to_string();
    secrets.push(static_token.clone());
    // The signature alone is secret material too.
    secrets.push(static_token.rsplit('.').next().unwrap().to_string());
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "static_token.issue");
    admin(&e);
    assert_eq!(payload(&e)["api_key_id"], json!(key2));
    assert_eq!(payload(&e)["replaced_token_id"], Value::Null);
    let first_token_id = payload(&e)["token_id"].clone();
    assert!(first_token_id.is_string(), "{e:?}");

    // A second static token replaces the first: the event names both (old -> new).
    let n = event_count(&app);
    let (status, body, rid) = tagged(app.req(Method::POST, &path, m.token())).await;
    assert_eq!(status, 200, "{body}");
    let second = body["token"].as_str().unwrap().to_string();
    secrets.push(second.rsplit('.').next().unwrap().to_string());
    secrets.push(second);
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "static_token.issue");
    assert_eq!(payload(&e)["replaced_token_id"], first_token_id);
    let second_token_id = payload(&e)["token_id"].clone();
    assert_ne!(second_token_id, first_token_id);

    let n = event_count(&app);
    let (status, body, rid) = tagged(app.req(Method::DELETE, &path, m.token())).await;
    assert_eq!(status, 200, "{body}");
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "static_token.revoke");
    admin(&e);
    assert_eq!(payload(&e)["token_id"], second_token_id);
    // Revoking again changes nothing and records nothing.
    let n = event_count(&app);
    let (status, body) = app.delete(&path, m.token()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(event_count(&app), n, "a no-op revocation records nothing");

    let n = event_count(&app);
    let (status, body, rid) = tagged(app.req(
        Method::DELETE,
        &format!("/v1/tenant/api_keys/{key2}"),
        m.token(),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "api_key.revoke");
    admin(&e);
    assert_eq!(payload(&e)["api_key_id"], json!(key2));

    // Manufacturer V2 over M's channel: the channel is part of the actor.
    let shop = |e: &EventRow| {
        assert_eq!(e.actor_tenant_id, m.tenant.id, "{e:?}");
        assert_eq!(e.owner_tenant_id, m.tenant.id, "{e:?}");
        assert_eq!(e.api_key_id.as_deref(), Some(key.as_str()), "{e:?}");
        assert_eq!(
            e.channel_id.as_deref(),
            Some(m.channel_id.as_str()),
            "{e:?}"
        );
    };
    let n = event_count(&app);
    let (status, body, rid) = tagged(mv2_req(&app, &m, Method::POST, "/serials/commission").json(
        &json!({
            "product_code": GTIN, "product_code_schema": "GTIN", "batch": "L1",
            "expiry_date": "281231", "serial_numbers": ["S0", "S1", "S2", "S3"]}),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "commission");
    shop(&e);
    let p = payload(&e);
    assert_eq!(p["serial_numbers"], json!(["S0", "S1", "S2", "S3"]));
    assert_eq!(
        (p["batch"].clone(), p["expiry_date"].clone()),
        (json!("L1"), json!("281231"))
    );
    assert_eq!(
        p["status"],
        json!({"from": null, "to": "pending_commissioning_approval"})
    );

    let case = sscc(0, 7);
    let agg = json!({"parent": case, "child_trade_items": [child(GTIN, "S0"), child(GTIN, "S1")]});
    let n = event_count(&app);
    let (status, body, rid) =
        tagged(mv2_req(&app, &m, Method::POST, "/aggregate/container").json(&agg)).await;
    assert_eq!(status, 200, "{body}");
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "aggregate");
    shop(&e);
    assert_eq!(payload(&e)["parent"], json!({"sscc": case}));
    assert_eq!(payload(&e)["children"].as_array().unwrap().len(), 2);
    // The same aggregation again changes nothing and records nothing.
    let n = event_count(&app);
    let (status, body, _) =
        tagged(mv2_req(&app, &m, Method::POST, "/aggregate/container").json(&agg)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        event_count(&app),
        n,
        "a no-op re-aggregation records nothing"
    );

    let n = event_count(&app);
    let (status, body, rid) = tagged(
        mv2_req(&app, &m, Method::DELETE, "/aggregate/container")
            .json(&json!({"parent": case, "child_trade_items": [child(GTIN, "S1")]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "disaggregate");
    shop(&e);
    assert_eq!(payload(&e)["parent"], json!({"sscc": case}));

    let n = event_count(&app);
    let (status, body, rid) = tagged(
        mv2_req(&app, &m, Method::POST, "/serials/decommission").json(&json!({
            "product_code": GTIN, "product_code_schema": "GTIN",
            "serial_numbers": ["S2"], "reason": "damaged"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "decommission");
    shop(&e);
    assert_eq!(e.reason.as_deref(), Some("damaged"));
    assert_eq!(
        payload(&e)["status"],
        json!({"from": ["pending_commissioning_approval"], "to": "decommissioned"})
    );

    // Release (commissioning API: no channel).
    let n = event_count(&app);
    let (status, body, rid) = tagged(
        app.req(
            Method::POST,
            "/v1/commissioning/release_to_market",
            m.token(),
        )
        .json(&json!({"ssccs": [case]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "release");
    admin(&e);
    assert_eq!(
        payload(&e)["status"],
        json!({"from": "pending_commissioning_approval", "to": "released"})
    );
    assert_eq!(payload(&e)["released_packs"], json!(1));

    // Partnership create (M), accept (C: C's chain, on behalf of M), update (M).
    let n = event_count(&app);
    let (status, body, rid) = tagged(
        app.req(Method::POST, "/v1/tenant/partnerships", m.token())
            .json(&json!({"cmo_tenant_id": c.tenant.id, "product_codes": [GTIN]})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let pid = body["id"].as_str().unwrap().to_string();
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "partnership.create");
    admin(&e);
    assert_eq!(payload(&e)["partnership_id"], json!(pid));
    assert_eq!(
        payload(&e)["status"],
        json!({"from": null, "to": "pending"})
    );
    assert_eq!(
        payload(&e)["product_codes"],
        json!({"from": null, "to": [GTIN]})
    );

    let n = event_count(&app);
    let (status, body, rid) = tagged(
        app.req(
            Method::POST,
            &format!("/v1/tenant/partnerships/{pid}/accept"),
            c.token(),
        )
        .json(&json!({})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "partnership.accept");
    assert_eq!(
        (&e.actor_tenant_id, &e.chain_tenant_id, &e.owner_tenant_id),
        (&c.tenant.id, &c.tenant.id, &m.tenant.id)
    );
    assert_eq!(
        payload(&e)["status"],
        json!({"from": "pending", "to": "active"})
    );

    let n = event_count(&app);
    let (status, body, rid) = tagged(
        app.req(
            Method::PATCH,
            &format!("/v1/tenant/partnerships/{pid}"),
            m.token(),
        )
        .json(&json!({"status": "suspended"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let e = one_new_event(&app, n, &rid);
    assert_eq!(e.action, "partnership.update");
    admin(&e);
    assert_eq!(
        payload(&e)["status"],
        json!({"from": "active", "to": "suspended"})
    );
    // Granting the products it already has changes nothing and records nothing.
    let n = event_count(&app);
    let (status, body) = app
        .patch(
            &format!("/v1/tenant/partnerships/{pid}"),
            m.token(),
            &json!({"product_codes": [GTIN]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        event_count(&app),
        n,
        "a no-op partnership update records nothing"
    );

    // No token, secret or channel key anywhere in any event.
    for e in events(&app) {
        let text = format!("{e:?}");
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "secret material in {text}");
        }
    }
}

/// Refused requests (400 / 404 / 409) and requests whose audit write fails record nothing and
/// change nothing: the event is written in the same transaction as the change.
async fn refused_or_failed_requests_record_nothing(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(&app, GTIN).await;
    m.commission_ok(&app, GTIN, &serials("S", 2)).await;
    let n = event_count(&app);

    let commission = |serials: &[&str], gtin: &str| {
        json!({"product_code": gtin, "product_code_schema": "GTIN", "batch": "L1",
               "expiry_date": "281231", "serial_numbers": serials})
    };
    let refusals: Vec<(u16, reqwest::RequestBuilder)> = vec![
        (
            409,
            mv2_req(&app, &m, Method::POST, "/serials/commission")
                .json(&commission(&["S0", "NEW"], GTIN)),
        ),
        (
            400,
            mv2_req(&app, &m, Method::POST, "/serials/commission")
                .json(&commission(&["NEW"], "04012345111119")),
        ),
        (
            400,
            mv2_req(&app, &m, Method::POST, "/serials/decommission").json(&json!({
                "product_code": GTIN, "product_code_schema": "GTIN",
                "serial_numbers": ["S0"], "reason": "lost in space"})),
        ),
        (
            404,
            app.req(Method::PATCH, "/v1/tenant/channels/nope", m.token())
                .json(&json!({"enabled": false})),
        ),
        (
            404,
            app.req(Method::DELETE, "/v1/tenant/api_keys/nope", m.token()),
        ),
        (
            404,
            app.req(
                Method::POST,
                "/v1/commissioning/release_to_market",
                m.token(),
            )
            .json(&json!({"ssccs": [sscc(0, 99)]})),
        ),
    ];
    for (want, rb) in refusals {
        let (status, body) = send(rb).await;
        assert_eq!(status, want, "{body}");
        assert_eq!(
            event_count(&app),
            n,
            "a refused request recorded an event: {body}"
        );
    }

    // Make the audit write itself fail: the commission must not be stored either.
    let sql = match db {
        Db::Sqlite => {
            "CREATE TRIGGER test_no_insert BEFORE INSERT ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'audit write refused'); END;"
        }
        Db::Postgres => {
            "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'audit write refused'; END $$; \
             CREATE TRIGGER test_no_insert BEFORE INSERT ON audit_events \
             FOR EACH ROW EXECUTE FUNCTION test_refuse();"
        }
    };
    exec(&mut app.db.conn(), sql).unwrap();
    let items_before = item_count(&mut app.db.conn());
    let (status, body) = send(
        mv2_req(&app, &m, Method::POST, "/serials/commission")
            .json(&commission(&["X1", "X2"], GTIN)),
    )
    .await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(
        item_count(&mut app.db.conn()),
        items_before,
        "no pack without its event"
    );
    assert_eq!(event_count(&app), n);
}

/// A replay of an idempotent request returns the stored response and records nothing more.
async fn idempotent_replays_record_nothing(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(&app, GTIN).await;
    let body = json!({"product_code": GTIN, "product_code_schema": "GTIN", "batch": "L1",
                      "expiry_date": "281231", "serial_numbers": ["I0", "I1"]});
    let n = event_count(&app);
    let mut answers = Vec::new();
    for _ in 0..3 {
        let (status, resp, _) = tagged(
            mv2_req(&app, &m, Method::POST, "/serials/commission")
                .header("idempotency-key", "commission-I")
                .json(&body),
        )
        .await;
        assert_eq!(status, 200, "{resp}");
        answers.push(resp);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    assert_eq!(event_count(&app), n + 1, "one event for one change");
}

// --- 2. Append-only --------------------------------------------------------------------------

async fn the_database_refuses_to_update_or_delete_audit_rows(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(&app, GTIN).await;
    m.commission_ok(&app, GTIN, &serials("S", 3)).await;
    let n = event_count(&app);
    let index_rows = || -> i64 {
        audit_items::table
            .count()
            .get_result(&mut app.db.conn())
            .unwrap()
    };
    let idx = index_rows();
    assert_eq!(idx, 3);
    let mut attempts = vec![
        "UPDATE audit_events SET reason = 'edited'",
        "UPDATE audit_events SET payload = '{}' WHERE seq = 1",
        "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE seq = 1",
        "UPDATE audit_items SET event_id = event_id + 1",
        "DELETE FROM audit_items",
    ];
    if db == Db::Postgres {
        attempts.extend(["TRUNCATE audit_events CASCADE", "TRUNCATE audit_items"]);
    }
    for sql in attempts {
        let err = exec(&mut app.db.conn(), sql).expect_err(sql);
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(event_count(&app), n);
    assert_eq!(index_rows(), idx);
    let (status, body) = app.get("/v1/audit/verify", m.token()).await;
    assert_eq!(
        (status, body["valid"].clone()),
        (200, json!(true)),
        "{body}"
    );
}

// --- 3. The hash chain -----------------------------------------------------------------------

async fn verify(app: &TestApp, token: &str) -> Value {
    let (status, body) = app.get("/v1/audit/verify", token).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn cli_verify(app: &TestApp) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_serialhub"))
        .args(["audit", "verify", "--database-url", &app.db.url])
        .output()
        .expect("run serialhub audit verify");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

async fn the_chain_verifies_and_catches_edits_behind_the_services_back(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(&app, GTIN).await;
    m.commission_ok(&app, GTIN, &serials("S", 3)).await;
    let (status, body) = m.decommission(&app, GTIN, &["S1"], "sampled").await;
    assert_eq!(status, 200, "{body}");
    m.aggregate_ok(&app, &sscc(0, 1), &[child(GTIN, "S0")])
        .await;
    let stored = chain(&app, &m.tenant.id);
    let n = stored.len() as i64;
    assert_eq!(
        n, 5,
        "channel, product, commission, decommission, aggregate"
    );
    assert_eq!(
        stored.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=n).collect::<Vec<_>>()
    );
    assert_eq!(stored[0].prev_hash, "0".repeat(64));
    for w in stored.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
    }
    let head = stored.last().unwrap().hash.clone();
    let body = verify(&app, m.token()).await;
    assert_eq!(
        body,
        json!({"success": true, "valid": true, "events": n, "head": head})
    );
    // The list shows the same links.
    let (_, list) = app.get("/v1/audit/events?limit=100", m.token()).await;
    let listed = list["items"].as_array().unwrap();
    assert_eq!(listed.last().unwrap()["hash"], json!(head));
    let (ok, out, err) = cli_verify(&app);
    assert!(ok, "intact chain: {out} {err}");
    assert!(out.contains(&head), "{out}");

    drop_guards(&app, db);
    let mut conn = app.db.conn();
    let tenant = &m.tenant.id;
    let row = |seq: i64| stored[(seq - 1) as usize].clone();
    // (edit, restore) per tampered field; each edit must be caught at that seq.
    let s3 = row(3);
    let s4 = row(4);
    let cases: Vec<(i64, String, String)> = vec![
        (
            3,
            format!(
                "UPDATE audit_events SET payload = '{}' WHERE chain_tenant_id = '{tenant}' AND seq = 3",
                s3.payload.replace("S1", "S9").replace('\'', "''")
            ),
            format!(
                "UPDATE audit_events SET payload = '{}' WHERE chain_tenant_id = '{tenant}' AND seq = 3",
                s3.payload.replace('\'', "''")
            ),
        ),
        (
            4,
            format!("UPDATE audit_events SET reason = 'stolen' WHERE chain_tenant_id = '{tenant}' AND seq = 4"),
            format!("UPDATE audit_events SET reason = 'sampled' WHERE chain_tenant_id = '{tenant}' AND seq = 4"),
        ),
        (
            4,
            format!("UPDATE audit_events SET occurred_at = '2020-01-01 00:00:00' WHERE chain_tenant_id = '{tenant}' AND seq = 4"),
            format!(
                "UPDATE audit_events SET occurred_at = '{}' WHERE chain_tenant_id = '{tenant}' AND seq = 4",
                s4.occurred_at.format("%Y-%m-%d %H:%M:%S%.6f")
            ),
        ),
        (
            2,
            format!("UPDATE audit_events SET actor_tenant_id = 'someone else' WHERE chain_tenant_id = '{tenant}' AND seq = 2"),
            format!("UPDATE audit_events SET actor_tenant_id = '{tenant}' WHERE chain_tenant_id = '{tenant}' AND seq = 2"),
        ),
    ];
    for (seq, edit, restore) in cases {
        exec(&mut conn, &edit).unwrap();
        let body = verify(&app, m.token()).await;
        assert_eq!(body["valid"], json!(false), "{edit}: {body}");
        assert_eq!(body["first_broken"], json!(seq), "{edit}: {body}");
        let (ok, out, err) = cli_verify(&app);
        assert!(!ok, "{edit}: CLI must fail: {out}");
        assert!(err.contains(&format!("seq {seq}")), "{edit}: {err}");
        exec(&mut conn, &restore).unwrap();
        let body = verify(&app, m.token()).await;
        assert_eq!(body["valid"], json!(true), "restored {edit}: {body}");
    }

    // A deleted tail: the head no longer matches.
    exec(
        &mut conn,
        &format!("DELETE FROM audit_events WHERE chain_tenant_id = '{tenant}' AND seq = {n}"),
    )
    .unwrap();
    let body = verify(&app, m.token()).await;
    assert_eq!(body["valid"], json!(false), "{body}");
    assert_eq!(body["first_broken"], json!(n), "{body}");
    let (ok, _, err) = cli_verify(&app);
    assert!(!ok && err.contains(&format!("seq {n}")), "{err}");
}

async fn concurrent_writers_keep_the_chain_gap_free_and_unforked(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(&app, GTIN).await;
    let mut requests = Vec::new();
    for i in 0..20 {
        let rb = if i % 4 == 3 {
            app.req(Method::POST, "/v1/tenant/channels", m.token())
                .json(&json!({"name": format!("line {i}"), "type": "shopfloor", "source": "manufacturer_v2_api"}))
        } else {
            m.req(&app, Method::POST, "/serials/commission")
                .json(&json!({
                "product_code": GTIN, "product_code_schema": "GTIN", "batch": "L1",
                "expiry_date": "281231", "serial_numbers": [format!("P{i}a"), format!("P{i}b")]}))
        };
        requests.push(send(rb));
    }
    for (status, body) in join_all(requests).await {
        assert!(status == 200 || status == 201, "{status} {body}");
    }
    let stored = chain(&app, &m.tenant.id);
    let n = stored.len() as i64;
    assert_eq!(n, 22, "channel + product + 20 requests");
    assert_eq!(
        stored.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=n).collect::<Vec<_>>(),
        "gap-free"
    );
    let prevs: HashSet<&str> = stored.iter().map(|e| e.prev_hash.as_str()).collect();
    assert_eq!(
        prevs.len(),
        stored.len(),
        "no fork: every prev_hash is unique"
    );
    for w in stored.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
    }
    let body = verify(&app, m.token()).await;
    assert_eq!(body["valid"], json!(true), "{body}");
    assert_eq!(body["events"], json!(n));
    assert_eq!(body["head"], json!(stored.last().unwrap().hash));
}

/// The offline verifier run against a live database while the service keeps writing: each run
/// must see a consistent snapshot (events and head together), never a false break.
async fn offline_verify_is_consistent_under_concurrent_writes(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(&app, GTIN).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..3 {
        let (client, url, token, key) = (
            app.client.clone(),
            app.url(&format!("{PREFIX}/serials/commission")),
            m.tenant.token.clone(),
            m.channel_key.clone(),
        );
        let stop = stop.clone();
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let resp = client
                    .post(&url)
                    .header("x-access-token", &token)
                    .header("x-channel-key", &key)
                    .json(&json!({"product_code": GTIN, "product_code_schema": "GTIN",
                        "batch": "L1", "expiry_date": "281231",
                        "serial_numbers": [format!("W{w}-{i}")]}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200);
                i += 1;
            }
        }));
    }
    let url = app.db.url.clone();
    let runs = tokio::task::spawn_blocking(move || {
        (0..15)
            .map(|_| {
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_serialhub"))
                    .args(["audit", "verify", "--database-url", &url])
                    .output()
                    .expect("run serialhub audit verify");
                (
                    out.status.success(),
                    String::from_utf8_lossy(&out.stdout).to_string()
                        + &String::from_utf8_lossy(&out.stderr),
                )
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    for (ok, out) in &runs {
        assert!(ok, "a false break under concurrent writes: {out}");
    }
    assert!(chain(&app, &m.tenant.id).len() > 10, "the writers wrote");
    let body = verify(&app, m.token()).await;
    assert_eq!(body["valid"], json!(true), "{body}");
}

// --- 4. Visibility, filters, pagination ------------------------------------------------------

async fn list_all(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = app.get(&format!("/v1/audit/events{query}"), token).await;
    assert_eq!(status, 200, "{query}: {body}");
    body["items"].as_array().unwrap().clone()
}

fn actions(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

async fn visibility_filters_and_pagination(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    let c1 = Line::with_gcp(&app, "C1", "9521234").await;
    let x = Line::with_gcp(&app, "X", "4000001").await;
    m.register(&app, GTIN).await;
    m.commission_ok(&app, GTIN, &serials("M", 2)).await;
    let (status, body) = app
        .post(
            "/v1/tenant/partnerships",
            m.token(),
            &json!({"cmo_tenant_id": c1.tenant.id, "product_codes": [GTIN]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let pid = body["id"].as_str().unwrap().to_string();
    let (status, body) = app
        .post(
            &format!("/v1/tenant/partnerships/{pid}/accept"),
            c1.token(),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    c1.commission_ok(&app, GTIN, &serials("C", 2)).await;
    let c_case = crate::mv2::sscc_other(5);
    c1.aggregate_ok(&app, &c_case, &[child(GTIN, "C0"), child(GTIN, "C1")])
        .await;

    let seen_by_m = list_all(&app, m.token(), "?limit=100").await;
    assert_eq!(
        actions(&seen_by_m),
        [
            "channel.create",
            "product.register",
            "commission",
            "partnership.create",
            "partnership.accept",
            "commission",
            "aggregate"
        ]
    );
    // C1's own actions on M's product, as seen by M.
    let c1_on_m: Vec<&Value> = seen_by_m
        .iter()
        .filter(|e| e["actor"]["tenant_id"] == json!(c1.tenant.id))
        .collect();
    assert_eq!(c1_on_m.len(), 3);
    for e in &c1_on_m {
        assert_eq!(e["owner_tenant_id"], json!(m.tenant.id));
        assert_eq!(e["chain_tenant_id"], json!(c1.tenant.id));
    }
    assert_eq!(
        c1_on_m[2]["actor"]["channel_id"],
        json!(c1.channel_id),
        "{}",
        c1_on_m[2]
    );

    let seen_by_c1 = list_all(&app, c1.token(), "?limit=100").await;
    assert_eq!(
        actions(&seen_by_c1),
        [
            "channel.create",
            "partnership.accept",
            "commission",
            "aggregate"
        ]
    );
    assert!(seen_by_c1
        .iter()
        .all(|e| e["actor"]["tenant_id"] == json!(c1.tenant.id)));

    let seen_by_x = list_all(&app, x.token(), "?limit=100").await;
    assert_eq!(actions(&seen_by_x), ["channel.create"]);
    // Object filters: X cannot reach M's or C1's objects through them either.
    assert!(list_all(&app, x.token(), &format!("?object={GTIN}/C0"))
        .await
        .is_empty());
    assert!(list_all(&app, x.token(), &format!("?object={c_case}"))
        .await
        .is_empty());

    // object = pack, object = SSCC, action.
    let c0 = list_all(&app, m.token(), &format!("?object={GTIN}/C0")).await;
    assert_eq!(actions(&c0), ["commission", "aggregate"]);
    let m0 = list_all(&app, c1.token(), &format!("?object={GTIN}/M0")).await;
    assert!(m0.is_empty(), "C1 does not see M's own commission");
    let case_events = list_all(&app, m.token(), &format!("?object={c_case}")).await;
    assert_eq!(actions(&case_events), ["aggregate"]);
    let commissions = list_all(&app, m.token(), "?action=commission").await;
    assert_eq!(commissions.len(), 2);
    assert!(list_all(&app, m.token(), "?action=nothing")
        .await
        .is_empty());
    let unknown = list_all(&app, m.token(), &format!("?object={GTIN}/NOPE")).await;
    assert!(unknown.is_empty());

    // Time range: [from, to).
    let t3 = seen_by_m[2]["occurred_at"].as_str().unwrap().to_string();
    let t6 = seen_by_m[5]["occurred_at"].as_str().unwrap().to_string();
    let enc = |t: &str| t.replace('+', "%2B");
    let window = list_all(
        &app,
        m.token(),
        &format!("?from={}&to={}&limit=100", enc(&t3), enc(&t6)),
    )
    .await;
    let ids: Vec<&Value> = window.iter().map(|e| &e["id"]).collect();
    let expected: Vec<&Value> = seen_by_m
        .iter()
        .filter(|e| {
            let t = e["occurred_at"].as_str().unwrap();
            t >= t3.as_str() && t < t6.as_str()
        })
        .map(|e| &e["id"])
        .collect();
    assert_eq!(ids, expected);
    assert!(ids.contains(&&seen_by_m[2]["id"]));
    assert!(!ids.contains(&&seen_by_m[5]["id"]));
    assert!(list_all(&app, m.token(), "?from=2099-01-01T00:00:00Z")
        .await
        .is_empty());

    // Cursor pagination visits every event exactly once.
    let mut visited = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..10 {
        let q = match &after {
            Some(a) => format!("/v1/audit/events?limit=2&after={a}"),
            None => "/v1/audit/events?limit=2".to_string(),
        };
        let (status, body) = app.get(&q, m.token()).await;
        assert_eq!(status, 200, "{body}");
        let page = body["items"].as_array().unwrap();
        assert!(page.len() <= 2);
        visited.extend(page.iter().map(|e| e["id"].clone()));
        match body["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => break,
        }
    }
    let all_ids: Vec<Value> = seen_by_m.iter().map(|e| e["id"].clone()).collect();
    assert_eq!(visited, all_ids);

    // Invalid parameters are a 400.
    for q in [
        "?object=not-an-object",
        "?object=04012345111119/S1",
        "?object=140123450000000014",
        "?from=yesterday",
        "?to=2026-13-01T00:00:00Z",
        "?after=abc",
        "?limit=0",
    ] {
        let (status, body) = app.get(&format!("/v1/audit/events{q}"), m.token()).await;
        assert_eq!(status, 400, "{q}: {body}");
        assert_eq!(body["error"], "ValidationError", "{q}: {body}");
    }
}

// --- 5. History in the lookups ---------------------------------------------------------------

fn history_actions(body: &Value) -> Vec<String> {
    body["history"]
        .as_array()
        .unwrap_or_else(|| panic!("history: {body}"))
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

async fn lookups_carry_each_objects_history_in_order(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(&app, GTIN).await;
    m.commission_ok(&app, GTIN, &serials("S", 4)).await;
    let (case1, case2, pallet) = (sscc(0, 1), sscc(0, 2), sscc(0, 3));
    m.aggregate_ok(&app, &case1, &[child(GTIN, "S0"), child(GTIN, "S1")])
        .await;
    m.aggregate_ok(&app, &case2, &[child(GTIN, "S2")]).await;
    let (status, body) = m.palletise(&app, &pallet, &[&case1, &case2]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            "/v1/commissioning/release_to_market",
            m.token(),
            &json!({"ssccs": [pallet]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let release_hash = chain(&app, &m.tenant.id).last().unwrap().hash.clone();

    for s in ["S0", "S1", "S2"] {
        let (status, body) = app.get(&format!("/v1/items/{GTIN}/{s}"), m.token()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            history_actions(&body),
            ["commission", "aggregate", "release"],
            "{s}"
        );
        let h = body["history"].as_array().unwrap();
        assert_eq!(
            h[2]["hash"],
            json!(release_hash),
            "the pallet release, below it"
        );
        assert!(h[0]["seq"].as_i64() < h[1]["seq"].as_i64());
        assert!(h[0]["request_id"].is_string());
    }
    // S3 was never packed nor released.
    let (_, body) = app.get(&format!("/v1/items/{GTIN}/S3"), m.token()).await;
    assert_eq!(history_actions(&body), ["commission"]);

    let (status, body) = app.get(&format!("/v1/containers/{case1}"), m.token()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        history_actions(&body),
        ["aggregate", "aggregate", "release"]
    );
    let (status, body) = app
        .get(&format!("/v1/containers/{pallet}"), m.token())
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(history_actions(&body), ["aggregate", "release"]);
    assert_eq!(body["children"].as_array().unwrap().len(), 2, "{body}");

    // A bundle released by name: the packs inside it get the release in their history too.
    m.commission_ok(&app, GTIN, &serials("B", 3)).await;
    let (status, body) = m
        .bundle(
            &app,
            child(GTIN, "B0"),
            &[child(GTIN, "B1"), child(GTIN, "B2")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            "/v1/commissioning/release_to_market",
            m.token(),
            &json!({"trade_items": [child(GTIN, "B0")]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    for s in ["B0", "B1", "B2"] {
        let (_, body) = app.get(&format!("/v1/items/{GTIN}/{s}"), m.token()).await;
        assert_eq!(
            history_actions(&body),
            ["commission", "aggregate", "release"],
            "{s}"
        );
    }
}

/// A MAH's lookup of a pack its CMO produced shows the CMO's actions in the history.
async fn history_shows_the_cmos_actions_to_the_mah(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    let c1 = Line::with_gcp(&app, "C1", "9521234").await;
    m.register(&app, GTIN).await;
    let (status, body) = app
        .post(
            "/v1/tenant/partnerships",
            m.token(),
            &json!({"cmo_tenant_id": c1.tenant.id, "product_codes": [GTIN]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let pid = body["id"].as_str().unwrap();
    let (status, body) = app
        .post(
            &format!("/v1/tenant/partnerships/{pid}/accept"),
            c1.token(),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    c1.commission_ok(&app, GTIN, &serials("C", 2)).await;
    let case = crate::mv2::sscc_other(3);
    c1.aggregate_ok(&app, &case, &[child(GTIN, "C0")]).await;
    let (status, body) = app
        .post(
            "/v1/commissioning/release_to_market",
            m.token(),
            &json!({"ssccs": [case]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.get(&format!("/v1/items/{GTIN}/C0"), m.token()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        history_actions(&body),
        ["commission", "aggregate", "release"]
    );
    let actors: Vec<&Value> = body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["actor"]["tenant_id"])
        .collect();
    assert_eq!(
        actors,
        [
            &json!(c1.tenant.id),
            &json!(c1.tenant.id),
            &json!(m.tenant.id)
        ]
    );
    assert_eq!(
        body["history"][0]["actor"]["channel_id"],
        json!(c1.channel_id)
    );
    let (status, body) = app.get(&format!("/v1/containers/{case}"), m.token()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(history_actions(&body), ["aggregate", "release"]);
}

db_tests!(
    every_state_change_records_exactly_one_event,
    refused_or_failed_requests_record_nothing,
    idempotent_replays_record_nothing,
    the_database_refuses_to_update_or_delete_audit_rows,
    the_chain_verifies_and_catches_edits_behind_the_services_back,
    concurrent_writers_keep_the_chain_gap_free_and_unforked,
    offline_verify_is_consistent_under_concurrent_writes,
    visibility_filters_and_pagination,
    lookups_carry_each_objects_history_in_order,
    history_shows_the_cmos_actions_to_the_mah,
);
