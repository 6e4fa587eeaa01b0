//! Every list pages (issue 12, finding 9; PRODUCT.md §2): `?limit=` and `?after=<cursor>`, answer
//! `{"items", "next"}`. Walking any list one item at a time yields exactly the whole list, in
//! order, each item once, and ends with `next: null`.

use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::gtin;
use crate::kit::partners::invite;
use crate::kit::{child, list_items, serials, spawn, Db, Line, TestApp};

/// The items of `path` page by page, `limit` at a time, following `next`.
async fn walk(app: &TestApp, token: &str, path: &str, limit: usize) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..100 {
        let url = match &after {
            None => format!("{path}{sep}limit={limit}"),
            Some(a) => format!("{path}{sep}limit={limit}&after={a}"),
        };
        let (status, body) = app.get(&url, token).await;
        assert_eq!(status, 200, "{url}: {body}");
        let page = list_items(&body);
        assert!(
            page.len() <= limit,
            "{url}: {} items for limit {limit}",
            page.len()
        );
        items.extend(page);
        match &body["next"] {
            Value::Null => return items,
            Value::String(next) => after = Some(next.clone()),
            other => panic!("{url}: next = {other}"),
        }
    }
    panic!("{path} never ended")
}

async fn every_list_pages_with_limit_and_after(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    let codes: Vec<String> = (1..=3).map(|i| gtin(&format!("040123450000{i}"))).collect();
    for code in &codes {
        m.register(code).await;
        m.commission_ok(code, &serials("S", 1)).await;
    }
    for (i, code) in codes.iter().enumerate() {
        m.aggregate_ok(&m.sscc(i as u64 + 1), &[child(code, "S0")])
            .await;
    }
    for _ in 0..2 {
        app.key_with_roles(m.token(), &["audit"]).await;
        app.channel(m.token(), "manufacturer_v2_api").await;
    }
    for name in ["C1", "C2", "C3"] {
        let cmo = app.tenant(name).await;
        let (status, body) = invite(&m, &cmo.id, &[&codes[0]]).await;
        assert_eq!(status, 201, "{body}");
    }
    let lists = [
        "/v1/tenant/api_keys",
        "/v1/tenant/channels",
        "/v1/tenant/products",
        "/v1/tenant/partnerships",
        "/v1/commissioning/products",
        "/v1/commissioning/items",
        "/v1/commissioning/containers",
        "/v1/audit/events",
    ];
    for path in lists {
        let (status, whole) = app.get(&format!("{path}?limit=1000"), m.token()).await;
        assert_eq!(status, 200, "{path}: {whole}");
        let whole = list_items(&whole);
        assert!(
            whole.len() >= 3,
            "{path} has at least three items: {whole:?}"
        );
        for limit in [1, 2] {
            assert_eq!(
                walk(&app, m.token(), path, limit).await,
                whole,
                "{path} by {limit}"
            );
        }
        // A page smaller than the list says where to go on.
        let (_, first) = app.get(&format!("{path}?limit=1"), m.token()).await;
        assert_eq!(list_items(&first).len(), 1, "{path}");
        assert!(first["next"].is_string(), "{path}: {first}");
        assert_eq!(json!(list_items(&first)), json!(whole[..1]), "{path}");
    }
}

db_tests!(every_list_pages_with_limit_and_after);
