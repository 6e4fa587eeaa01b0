//! No internal number leaves the service (issue 11): list ids and cursors are sealed per tenant.
//! Tried as a hostile tenant would: it may not learn from its own ids how much another tenant
//! wrote in between, and a cursor it was given opens nothing for anyone else.

use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::{sscc, sscc_other, GTIN_C, OTHER_GCP};
use crate::kit::{assert_error, child, list_items, serials, spawn, store, Db, Line, TestApp, GTIN};

/// The lists whose ids are row positions, with a query that selects something in each.
fn lists() -> [String; 3] {
    [
        "/v1/audit/events?limit=1".to_string(),
        format!("/v1/commissioning/items?product_code={GTIN}&limit=1"),
        format!("/v1/commissioning/containers?product_code={GTIN}&limit=1"),
    ]
}

/// Tenant A writes around a burst of tenant B's writes; both have something in every list.
async fn two_tenants(app: &TestApp) -> (Line, Line) {
    let a = Line::new(app, "A").await;
    let b = Line::with_gcp(app, "B", OTHER_GCP).await;
    a.register(GTIN).await;
    b.register(GTIN_C).await;
    a.commission_ok(GTIN, &serials("A", 2)).await;
    a.aggregate_ok(&sscc(0, 1), &[child(GTIN, "A0")]).await;
    for i in 0..5 {
        b.commission_ok(GTIN_C, &serials(&format!("B{i}-"), 20))
            .await;
        b.aggregate_ok(&sscc_other(10 + i), &[child(GTIN_C, &format!("B{i}-0"))])
            .await;
    }
    a.commission_ok(GTIN, &serials("C", 2)).await;
    a.aggregate_ok(&sscc(0, 2), &[child(GTIN, "C0")]).await;
    (a, b)
}

/// Every string or number under an `id` key or a `next` key of a JSON value.
fn ids_and_cursors(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if (k == "id" || k == "next") && !x.is_null() {
                    out.push(x.clone());
                }
                ids_and_cursors(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| ids_and_cursors(x, out)),
        _ => {}
    }
}

async fn list_ids_and_cursors_are_opaque_strings_never_row_ids(db: Db) {
    let app = spawn(db).await;
    let (a, _b) = two_tenants(&app).await;
    let internal = store::internal_row_ids(&app.db);
    assert!(internal.len() > 20, "rows were written: {internal:?}");

    let mut seen = Vec::new();
    for path in lists() {
        let full = path.replace("limit=1", "limit=1000");
        for p in [path, full] {
            let (status, body) = app.get(&p, a.token()).await;
            assert_eq!(status, 200, "{p}: {body}");
            assert!(!list_items(&body).is_empty(), "{p}: {body}");
            ids_and_cursors(&body, &mut seen);
        }
    }
    assert!(seen.len() >= 6, "{seen:?}");
    for v in &seen {
        let s = v
            .as_str()
            .unwrap_or_else(|| panic!("an id or cursor is a string, not {v}"));
        assert!(
            s.len() == 27
                && s.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
            "sealed: {s}"
        );
        assert!(!internal.contains(&s.to_string()), "{s} is a row id");
    }
}

async fn a_cursor_opens_nothing_for_another_tenant_and_says_so_like_garbage(db: Db) {
    let app = spawn(db).await;
    let (a, b) = two_tenants(&app).await;
    for path in lists() {
        let (_, page) = app.get(&path, a.token()).await;
        let cursor = page["next"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: a full page has a cursor: {page}"));
        let (status, own) = app.get(&format!("{path}&after={cursor}"), a.token()).await;
        assert_eq!(status, 200, "the cursor works for its tenant: {own}");
        assert_eq!(list_items(&own).len(), 1, "{path}: {own}");

        let (status, stolen) = app.get(&format!("{path}&after={cursor}"), b.token()).await;
        assert_error(status, &stolen, 400, "ValidationError");
        // The same answer as for any cursor this list never gave: no oracle.
        let (garbage_status, garbage) = app
            .get(
                &format!("{path}&after=AAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                b.token(),
            )
            .await;
        assert_eq!((status, &stolen), (garbage_status, &garbage), "{path}");
        // A plain row number, as the old cursors were, is refused too.
        let (status, body) = app.get(&format!("{path}&after=1"), a.token()).await;
        assert_error(status, &body, 400, "ValidationError");
    }
}

/// The ids A sees for its own two events are equally far apart (in any sense) whether B wrote
/// nothing or a lot in between: with B's burst, A's two consecutive events still get ids that
/// share no more than chance with each other, and each id is stable across calls.
async fn own_ids_are_stable_and_unrelated_to_each_other(db: Db) {
    let app = spawn(db).await;
    let (a, _b) = two_tenants(&app).await;
    let (_, first) = app.get("/v1/audit/events?limit=1000", a.token()).await;
    let (_, again) = app.get("/v1/audit/events?limit=1000", a.token()).await;
    let ids = |body: &Value| -> Vec<String> {
        list_items(body)
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&first), ids(&again), "the same event keeps its id");
    let ids = ids(&first);
    assert!(ids.len() >= 5, "{first}");
    for pair in ids.windows(2) {
        let common = pair[0]
            .bytes()
            .zip(pair[1].bytes())
            .take_while(|(x, y)| x == y)
            .count();
        assert!(common < 4, "consecutive ids share a prefix: {pair:?}");
    }
    assert_eq!(
        list_items(&first)
            .iter()
            .map(|e| e["seq"].clone())
            .collect::<Vec<_>>(),
        (1..=ids.len() as i64).map(|n| json!(n)).collect::<Vec<_>>(),
        "A's own chain position is its own business"
    );
}

db_tests!(
    list_ids_and_cursors_are_opaque_strings_never_row_ids,
    a_cursor_opens_nothing_for_another_tenant_and_says_so_like_garbage,
    own_ids_are_stable_and_unrelated_to_each_other,
);
