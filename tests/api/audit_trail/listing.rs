//! `GET /v1/audit/events`: who sees which events, the object / action / time filters, cursor
//! pagination, and the parameters it refuses.

use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::{sscc_other, OTHER_GCP};
use crate::kit::partners::partner;
use crate::kit::{child, serials, spawn, Db, Line, TestApp, GTIN};

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

/// M (MAH) commissions M0, M1 of its product and partners with C1, which commissions C0, C1
/// and packs them onto `c_case`; X is unrelated. `seen_by_m` is everything M lists.
struct Story {
    app: TestApp,
    m: Line,
    c1: Line,
    x: Line,
    c_case: String,
    seen_by_m: Vec<Value>,
}

async fn story(db: Db) -> Story {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    let c1 = Line::with_gcp(&app, "C1", OTHER_GCP).await;
    let x = Line::with_gcp(&app, "X", "4000001").await;
    m.register(GTIN).await;
    m.commission_ok(GTIN, &serials("M", 2)).await;
    partner(&m, &c1, &[GTIN]).await;
    c1.commission_ok(GTIN, &serials("C", 2)).await;
    let c_case = sscc_other(5);
    c1.aggregate_ok(&c_case, &[child(GTIN, "C0"), child(GTIN, "C1")])
        .await;
    let seen_by_m = list_all(&app, m.token(), "?limit=100").await;
    Story {
        app,
        m,
        c1,
        x,
        c_case,
        seen_by_m,
    }
}

async fn each_tenant_lists_its_own_actions_and_those_on_its_goods(db: Db) {
    let Story {
        app,
        m,
        c1,
        x,
        c_case,
        seen_by_m,
    } = story(db).await;

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
        .filter(|e| e["actor"]["tenant_id"] == json!(c1.id()))
        .collect();
    assert_eq!(c1_on_m.len(), 3);
    for e in &c1_on_m {
        assert_eq!(e["owner_tenant_id"], json!(m.id()));
        assert_eq!(e["chain_tenant_id"], json!(c1.id()));
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
        .all(|e| e["actor"]["tenant_id"] == json!(c1.id())));

    let seen_by_x = list_all(&app, x.token(), "?limit=100").await;
    assert_eq!(actions(&seen_by_x), ["channel.create"]);
    // Object filters: X cannot reach M's or C1's objects through them either.
    assert!(list_all(&app, x.token(), &format!("?object={GTIN}/C0"))
        .await
        .is_empty());
    assert!(list_all(&app, x.token(), &format!("?object={c_case}"))
        .await
        .is_empty());
}

async fn object_and_action_filters_select_the_events(db: Db) {
    let Story {
        app, m, c1, c_case, ..
    } = story(db).await;

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
}

async fn a_time_range_includes_from_and_excludes_to(db: Db) {
    let Story {
        app, m, seen_by_m, ..
    } = story(db).await;
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
}

async fn cursor_pagination_visits_every_event_exactly_once(db: Db) {
    let Story {
        app, m, seen_by_m, ..
    } = story(db).await;
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
}

async fn invalid_listing_parameters_are_validation_errors(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
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

db_tests!(
    each_tenant_lists_its_own_actions_and_those_on_its_goods,
    object_and_action_filters_select_the_events,
    a_time_range_includes_from_and_excludes_to,
    cursor_pagination_visits_every_event_exactly_once,
    invalid_listing_parameters_are_validation_errors,
);
