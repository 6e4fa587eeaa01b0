//! Every state change leaves exactly one event, with its actor, on whose behalf, what changed
//! (old and new values), why and the request id; a change that changes nothing, a refused or
//! failed request and an idempotent replay leave none; no secret ever reaches the trail.

use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};

use super::{admin_key_id, one_new_event, tagged};
use crate::db_tests;
use crate::kit::gs1::{sscc, OTHER_GCP};
use crate::kit::line::{commission_body_with, decommission_body};
use crate::kit::store::{self, StoredEvent};
use crate::kit::{child, send, serials, spawn, Db, Line, TestApp, GTIN};

/// A MAH `m` (GCP 4012345) with its admin key id, and a CMO `c`, on a fresh app.
struct Recorder {
    app: TestApp,
    m: Line,
    c: Line,
    key: String,
}

impl Recorder {
    async fn new(db: Db) -> Recorder {
        let app = spawn(db).await;
        let m = Line::new(&app, "M").await;
        let c = Line::with_gcp(&app, "C", OTHER_GCP).await;
        let key = admin_key_id(&app, &m).await;
        Recorder { app, m, c, key }
    }

    /// The secrets every arrangement starts with.
    fn initial_secrets(&self) -> Vec<String> {
        vec![
            self.m.tenant.api_secret.clone(),
            self.m.tenant.token.clone(),
            self.m.channel_key.clone(),
            self.c.tenant.api_secret.clone(),
            self.c.tenant.token.clone(),
        ]
    }

    /// Sends `rb` with a request id, asserts `status` and that exactly one event was recorded
    /// for it; returns the answer and the event.
    async fn one_event(&self, rb: RequestBuilder, status: u16) -> (Value, StoredEvent) {
        let n = store::event_count(&self.app.db);
        let (got, body, rid) = tagged(rb).await;
        assert_eq!(got, status, "{body}");
        (body, one_new_event(&self.app, n, &rid))
    }

    /// Sends `rb`, asserts 200 and that nothing was recorded: `why` it changes nothing.
    async fn no_event(&self, rb: RequestBuilder, why: &str) {
        let n = store::event_count(&self.app.db);
        let (status, body) = send(rb).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(store::event_count(&self.app.db), n, "{why}");
    }

    /// A tenant API request of M's admin token.
    fn admin_req(&self, method: Method, path: &str) -> RequestBuilder {
        self.m.api(method, path)
    }

    /// An administrative event: M acting for itself with its admin key, no channel, no reason.
    #[track_caller]
    fn assert_admin(&self, e: &StoredEvent) {
        assert_eq!(e.actor_tenant_id, self.m.id(), "{e:?}");
        assert_eq!(e.chain_tenant_id, self.m.id(), "{e:?}");
        assert_eq!(e.owner_tenant_id, self.m.id(), "{e:?}");
        assert_eq!(e.api_key_id.as_deref(), Some(self.key.as_str()), "{e:?}");
        assert_eq!(e.channel_id, None, "{e:?}");
        assert_eq!(e.reason, None, "{e:?}");
    }

    /// A shopfloor event: M's key over M's channel (the channel is part of the actor).
    #[track_caller]
    fn assert_shopfloor(&self, e: &StoredEvent) {
        assert_eq!(e.actor_tenant_id, self.m.id(), "{e:?}");
        assert_eq!(e.owner_tenant_id, self.m.id(), "{e:?}");
        assert_eq!(e.api_key_id.as_deref(), Some(self.key.as_str()), "{e:?}");
        assert_eq!(
            e.channel_id.as_deref(),
            Some(self.m.channel_id.as_str()),
            "{e:?}"
        );
    }
}

// --- The steps: each acts and asserts its events, and returns the secrets it created ---------

async fn product_registration(r: &Recorder) {
    let body = json!({"product_code": GTIN, "product_code_schema": "GTIN", "name": "Product"});
    let (_, e) = r
        .one_event(
            r.admin_req(Method::POST, "/v1/tenant/products").json(&body),
            201,
        )
        .await;
    assert_eq!(e.action, "product.register");
    r.assert_admin(&e);
    assert_eq!(e.payload()["product_code"], GTIN);
}

async fn channel_changes(r: &Recorder) -> Vec<String> {
    let new = json!({"name": "line 2", "type": "shopfloor", "source": "manufacturer_v2_api"});
    let (body, e) = r
        .one_event(
            r.admin_req(Method::POST, "/v1/tenant/channels").json(&new),
            201,
        )
        .await;
    let channel = body["id"].as_str().unwrap().to_string();
    let secrets = vec![body["channel_key"].as_str().unwrap().to_string()];
    assert_eq!(e.action, "channel.create");
    r.assert_admin(&e);
    assert_eq!(e.payload()["channel_id"], json!(channel));

    let path = format!("/v1/tenant/channels/{channel}");
    let disable = json!({"enabled": false});
    let (_, e) = r
        .one_event(r.admin_req(Method::PATCH, &path).json(&disable), 200)
        .await;
    assert_eq!(e.action, "channel.update");
    r.assert_admin(&e);
    assert_eq!(e.payload()["channel_id"], json!(channel));
    assert_eq!(
        e.payload()["enabled"],
        json!({"from": true, "to": false}),
        "old and new value"
    );
    // Setting the value it already has changes nothing and records nothing.
    r.no_event(
        r.admin_req(Method::PATCH, &path).json(&disable),
        "a no-op channel update records nothing",
    )
    .await;
    secrets
}

async fn key_and_static_token_changes(r: &Recorder) -> Vec<String> {
    let new = json!({"name": "k2", "roles": ["audit"]});
    let (body, e) = r
        .one_event(
            r.admin_req(Method::POST, "/v1/tenant/api_keys").json(&new),
            201,
        )
        .await;
    let key2 = body["id"].as_str().unwrap().to_string();
    let mut secrets = vec![body["api_secret"].as_str().unwrap().to_string()];
    assert_eq!(e.action, "api_key.create");
    r.assert_admin(&e);
    assert_eq!(e.payload()["api_key_id"], json!(key2));
    assert_eq!(e.payload()["roles"], json!(["audit"]));

    let path = format!("/v1/tenant/api_keys/{key2}/static_token");
    let (body, e) = r.one_event(r.admin_req(Method::POST, &path), 200).await;
    let static_token = body["token"].as_str().unwrap().to_string();
    // The signature alone is secret material too.
    secrets.push(static_token.rsplit('.').next().unwrap().to_string());
    secrets.push(static_token);
    assert_eq!(e.action, "static_token.issue");
    r.assert_admin(&e);
    assert_eq!(e.payload()["api_key_id"], json!(key2));
    assert_eq!(e.payload()["replaced_token_id"], Value::Null);
    let first_token_id = e.payload()["token_id"].clone();
    assert!(first_token_id.is_string(), "{e:?}");

    // A second static token replaces the first: the event names both (old -> new).
    let (body, e) = r.one_event(r.admin_req(Method::POST, &path), 200).await;
    let second = body["token"].as_str().unwrap().to_string();
    secrets.push(second.rsplit('.').next().unwrap().to_string());
    secrets.push(second);
    assert_eq!(e.action, "static_token.issue");
    assert_eq!(e.payload()["replaced_token_id"], first_token_id);
    let second_token_id = e.payload()["token_id"].clone();
    assert_ne!(second_token_id, first_token_id);

    let (_, e) = r.one_event(r.admin_req(Method::DELETE, &path), 200).await;
    assert_eq!(e.action, "static_token.revoke");
    r.assert_admin(&e);
    assert_eq!(e.payload()["token_id"], second_token_id);
    // Revoking again changes nothing and records nothing.
    r.no_event(
        r.admin_req(Method::DELETE, &path),
        "a no-op revocation records nothing",
    )
    .await;

    let key_path = format!("/v1/tenant/api_keys/{key2}");
    let (_, e) = r
        .one_event(r.admin_req(Method::DELETE, &key_path), 200)
        .await;
    assert_eq!(e.action, "api_key.revoke");
    r.assert_admin(&e);
    assert_eq!(e.payload()["api_key_id"], json!(key2));
    secrets
}

/// The case the shopfloor steps pack S0 and S1 onto (S1 comes out again).
fn case() -> String {
    sscc(0, 7)
}

/// Commission S0–S3, pack S0 and S1 onto the case, take S1 out, decommission S2 (the product
/// must be registered).
async fn shopfloor_changes(r: &Recorder) {
    let m = &r.m;
    let commission = json!({"product_code": GTIN, "product_code_schema": "GTIN", "batch": "L1",
                            "expiry_date": "281231", "serial_numbers": ["S0", "S1", "S2", "S3"]});
    let (_, e) = r
        .one_event(
            m.req(Method::POST, "/serials/commission").json(&commission),
            200,
        )
        .await;
    assert_eq!(e.action, "commission");
    r.assert_shopfloor(&e);
    let p = e.payload();
    assert_eq!(p["serial_numbers"], json!(["S0", "S1", "S2", "S3"]));
    assert_eq!(
        (p["batch"].clone(), p["expiry_date"].clone()),
        (json!("L1"), json!("281231"))
    );
    assert_eq!(
        p["status"],
        json!({"from": null, "to": "pending_commissioning_approval"})
    );

    let case = case();
    let agg = json!({"parent": case, "child_trade_items": [child(GTIN, "S0"), child(GTIN, "S1")]});
    let (_, e) = r
        .one_event(m.req(Method::POST, "/aggregate/container").json(&agg), 200)
        .await;
    assert_eq!(e.action, "aggregate");
    r.assert_shopfloor(&e);
    assert_eq!(e.payload()["parent"], json!({"sscc": case}));
    // Recipe 2: the packs grouped by product.
    assert_eq!(
        e.payload()["children"],
        json!([{"product_code": GTIN, "serial_numbers": ["S0", "S1"]}])
    );
    // The same aggregation again changes nothing and records nothing.
    r.no_event(
        m.req(Method::POST, "/aggregate/container").json(&agg),
        "a no-op re-aggregation records nothing",
    )
    .await;

    let out = json!({"parent": case, "child_trade_items": [child(GTIN, "S1")]});
    let (_, e) = r
        .one_event(
            m.req(Method::DELETE, "/aggregate/container").json(&out),
            200,
        )
        .await;
    assert_eq!(e.action, "disaggregate");
    r.assert_shopfloor(&e);
    assert_eq!(e.payload()["parent"], json!({"sscc": case}));

    let decommission = decommission_body(GTIN, &["S2"], "damaged");
    let (_, e) = r
        .one_event(
            m.req(Method::POST, "/serials/decommission")
                .json(&decommission),
            200,
        )
        .await;
    assert_eq!(e.action, "decommission");
    r.assert_shopfloor(&e);
    assert_eq!(e.reason.as_deref(), Some("damaged"));
    assert_eq!(
        e.payload()["status"],
        json!({"from": ["pending_commissioning_approval"], "to": "decommissioned"})
    );
}

/// Releases the case (holding S0 alone) over the commissioning API: no channel.
async fn release(r: &Recorder) {
    let rb = r
        .admin_req(Method::POST, "/v1/commissioning/release_to_market")
        .json(&json!({"ssccs": [case()]}));
    let (_, e) = r.one_event(rb, 200).await;
    assert_eq!(e.action, "release");
    r.assert_admin(&e);
    assert_eq!(
        e.payload()["status"],
        json!({"from": "pending_commissioning_approval", "to": "released"})
    );
    assert_eq!(e.payload()["released_packs"], json!(1));
}

/// Partnership create (M), accept (C: C's chain, on behalf of M), update (M), and a no-op update
/// (the product must be registered).
async fn partnership_changes(r: &Recorder) {
    let (m, c) = (&r.m, &r.c);
    let invite = json!({"cmo_tenant_id": c.id(), "product_codes": [GTIN]});
    let (body, e) = r
        .one_event(
            r.admin_req(Method::POST, "/v1/tenant/partnerships")
                .json(&invite),
            201,
        )
        .await;
    let pid = body["id"].as_str().unwrap().to_string();
    assert_eq!(e.action, "partnership.create");
    r.assert_admin(&e);
    assert_eq!(e.payload()["partnership_id"], json!(pid));
    assert_eq!(
        e.payload()["status"],
        json!({"from": null, "to": "pending"})
    );
    assert_eq!(
        e.payload()["product_codes"],
        json!({"from": null, "to": [GTIN]})
    );

    let accept = format!("/v1/tenant/partnerships/{pid}/accept");
    let (_, e) = r
        .one_event(c.api(Method::POST, &accept).json(&json!({})), 200)
        .await;
    assert_eq!(e.action, "partnership.accept");
    assert_eq!(
        (&e.actor_tenant_id, &e.chain_tenant_id, &e.owner_tenant_id),
        (&c.tenant.id, &c.tenant.id, &m.tenant.id)
    );
    assert_eq!(
        e.payload()["status"],
        json!({"from": "pending", "to": "active"})
    );

    let path = format!("/v1/tenant/partnerships/{pid}");
    let suspend = json!({"status": "suspended"});
    let (_, e) = r
        .one_event(r.admin_req(Method::PATCH, &path).json(&suspend), 200)
        .await;
    assert_eq!(e.action, "partnership.update");
    r.assert_admin(&e);
    assert_eq!(
        e.payload()["status"],
        json!({"from": "active", "to": "suspended"})
    );
    // Granting the products it already has changes nothing and records nothing.
    r.no_event(
        r.admin_req(Method::PATCH, &path)
            .json(&json!({"product_codes": [GTIN]})),
        "a no-op partnership update records nothing",
    )
    .await;
}

// --- The tests ---------------------------------------------------------------------------------

async fn product_registration_records_one_event(db: Db) {
    let r = Recorder::new(db).await;
    product_registration(&r).await;
}

async fn channel_changes_record_one_event_each_and_no_ops_none(db: Db) {
    let r = Recorder::new(db).await;
    channel_changes(&r).await;
}

async fn key_and_static_token_changes_record_one_event_each(db: Db) {
    let r = Recorder::new(db).await;
    key_and_static_token_changes(&r).await;
}

async fn shopfloor_changes_record_one_event_each_with_their_channel(db: Db) {
    let r = Recorder::new(db).await;
    r.m.register(GTIN).await;
    shopfloor_changes(&r).await;
}

async fn release_records_one_event_without_a_channel(db: Db) {
    let r = Recorder::new(db).await;
    r.m.register(GTIN).await;
    r.m.commission_ok(GTIN, &["S0"]).await;
    r.m.pack_onto(&case(), GTIN, &["S0"]).await;
    release(&r).await;
}

async fn partnership_changes_record_one_event_each_on_the_actors_chain(db: Db) {
    let r = Recorder::new(db).await;
    r.m.register(GTIN).await;
    partnership_changes(&r).await;
}

/// Every kind of change, then: no token, secret or channel key anywhere in the audit tables.
async fn no_secret_material_reaches_the_audit_trail(db: Db) {
    let r = Recorder::new(db).await;
    let mut secrets = r.initial_secrets();
    product_registration(&r).await;
    secrets.extend(channel_changes(&r).await);
    secrets.extend(key_and_static_token_changes(&r).await);
    shopfloor_changes(&r).await;
    release(&r).await;
    partnership_changes(&r).await;

    let stored = store::audit_dump(&r.app.db);
    for s in &secrets {
        assert!(!stored.contains(s.as_str()), "secret material in {stored}");
    }
}

/// Refused requests (400 / 404 / 409) and requests whose audit write fails record nothing and
/// change nothing: the event is written in the same transaction as the change.
async fn refused_or_failed_requests_record_nothing(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(GTIN).await;
    m.commission_ok(GTIN, &serials("S", 2)).await;
    let n = store::event_count(&app.db);

    let commission =
        |serials: &[&str], gtin: &str| commission_body_with(gtin, "L1", "281231", serials);
    let refusals: Vec<(u16, RequestBuilder)> = vec![
        (
            409,
            m.req(Method::POST, "/serials/commission")
                .json(&commission(&["S0", "NEW"], GTIN)),
        ),
        (
            400,
            m.req(Method::POST, "/serials/commission")
                .json(&commission(&["NEW"], "04012345111119")),
        ),
        (
            400,
            m.req(Method::POST, "/serials/decommission")
                .json(&decommission_body(GTIN, &["S0"], "lost in space")),
        ),
        (
            404,
            m.api(Method::PATCH, "/v1/tenant/channels/nope")
                .json(&json!({"enabled": false})),
        ),
        (404, m.api(Method::DELETE, "/v1/tenant/api_keys/nope")),
        (
            404,
            m.api(Method::POST, "/v1/commissioning/release_to_market")
                .json(&json!({"ssccs": [sscc(0, 99)]})),
        ),
    ];
    for (want, rb) in refusals {
        let (status, body) = send(rb).await;
        assert_eq!(status, want, "{body}");
        assert_eq!(
            store::event_count(&app.db),
            n,
            "a refused request recorded an event: {body}"
        );
    }

    // Make the audit write itself fail: the commission must not be stored either.
    store::refuse_audit_writes(&app.db);
    let packs_before = store::pack_count(&app.db);
    let (status, body) = send(
        m.req(Method::POST, "/serials/commission")
            .json(&commission(&["X1", "X2"], GTIN)),
    )
    .await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(
        store::pack_count(&app.db),
        packs_before,
        "no pack without its event"
    );
    assert_eq!(store::event_count(&app.db), n);
}

/// A replay of an idempotent request returns the stored response and records nothing more.
async fn idempotent_replays_record_nothing(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(GTIN).await;
    let body = json!({"product_code": GTIN, "product_code_schema": "GTIN", "batch": "L1",
                      "expiry_date": "281231", "serial_numbers": ["I0", "I1"]});
    let n = store::event_count(&app.db);
    let mut answers = Vec::new();
    for _ in 0..3 {
        let (status, resp, _) = tagged(
            m.req(Method::POST, "/serials/commission")
                .header("idempotency-key", "commission-I")
                .json(&body),
        )
        .await;
        assert_eq!(status, 200, "{resp}");
        answers.push(resp);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    assert_eq!(
        store::event_count(&app.db),
        n + 1,
        "one event for one change"
    );
}

db_tests!(
    product_registration_records_one_event,
    channel_changes_record_one_event_each_and_no_ops_none,
    key_and_static_token_changes_record_one_event_each,
    shopfloor_changes_record_one_event_each_with_their_channel,
    release_records_one_event_without_a_channel,
    partnership_changes_record_one_event_each_on_the_actors_chain,
    no_secret_material_reaches_the_audit_trail,
    refused_or_failed_requests_record_nothing,
    idempotent_replays_record_nothing,
);
