//! PRODUCT.md §1.2, cell by cell. Tenants: M (MAH, owns P and Q), C1 (its CMO, active
//! partnership granting P), C2 (another CMO of M, active partnership granting only Q), X
//! (unrelated). C1 also owns a product R of its own. Every endpoint that touches a product, pack,
//! container or partnership is called by each of the four, and the exact status and error type
//! are asserted; refused writes must leave the database untouched, and answers about objects the
//! caller may not see must be byte-identical to those about objects that do not exist.

use reqwest::Method;
use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::gtin;
use crate::kit::line::commission_body;
use crate::kit::partners::partner;
use crate::kit::{child, list_items, send_text, spawn, store, Db, Line, TestApp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    M,
    C1,
    C2,
    X,
}

const ALL: [Who; 4] = [Who::M, Who::C1, Who::C2, Who::X];

struct World {
    m: Line,
    c1: Line,
    c2: Line,
    x: Line,
    p: String,
    q: String,
    r: String,
    /// M → C1 (P) and M → C2 (Q).
    deal_c1: String,
    deal_c2: String,
}

impl World {
    fn party(&self, who: Who) -> &Line {
        match who {
            Who::M => &self.m,
            Who::C1 => &self.c1,
            Who::C2 => &self.c2,
            Who::X => &self.x,
        }
    }
}

/// What a cell sends.
#[derive(Debug, Clone)]
enum Req {
    Get(String),
    Post(String, Value),
    Patch(String, Value),
    /// Manufacturer V2, over the caller's own channel.
    Mv2(Method, &'static str, Value),
}

impl Req {
    fn is_write(&self) -> bool {
        !matches!(self, Req::Get(_))
    }
}

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

async fn call(app: &TestApp, w: &World, who: Who, req: &Req) -> (u16, String) {
    let p = w.party(who);
    match req {
        Req::Get(path) => send_text(app.req(Method::GET, path, p.token())).await,
        Req::Post(path, body) => send_text(app.req(Method::POST, path, p.token()).json(body)).await,
        Req::Patch(path, body) => {
            send_text(app.req(Method::PATCH, path, p.token()).json(body)).await
        }
        Req::Mv2(method, path, body) => p.send_text(method.clone(), path, body).await,
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

async fn world(app: &TestApp) -> World {
    let m = Line::with_gcp(app, "M", "4012345").await;
    let c1 = Line::with_gcp(app, "C1", "4098765").await;
    let c2 = Line::with_gcp(app, "C2", "4055555").await;
    let x = Line::with_gcp(app, "X", "4077777").await;
    let (p, q, r) = (
        gtin("0401234511111"),
        gtin("0401234522222"),
        gtin("0409876533333"),
    );
    m.register(&p).await;
    m.register(&q).await;
    c1.register(&r).await;
    let deal_c1 = partner(&m, &c1, &[&p]).await;
    let deal_c2 = partner(&m, &c2, &[&q]).await;

    // M's own production of P.
    let mine: Vec<String> = [
        "M-A1", "M-A2", "M-B0", "M-B1", "M-C1", "M-C2", "M-C3", "M-C4",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain((1..=6).map(|i| format!("M-L{i}")))
    .collect();
    let refs: Vec<&str> = mine.iter().map(String::as_str).collect();
    m.commission_ok(&p, &refs).await;
    m.pack_onto(&m.sscc(1), &p, &["M-A1", "M-A2"]).await;
    m.bundle_ok(&p, "M-B0", &["M-B1"]).await;
    for (n, s) in [(11, "M-C1"), (12, "M-C2"), (13, "M-C3"), (14, "M-C4")] {
        m.pack_onto(&m.sscc(n), &p, &[s]).await;
    }
    m.palletise_ok(&m.sscc(30), &[&m.sscc(13)]).await;

    // C1's production of P for M.
    let theirs: Vec<String> = [
        "C1-A1", "C1-A2", "C1-B0", "C1-B1", "C1-B2", "C1-B3", "C1-S1", "C1-S2",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain((1..=6).map(|i| format!("C1-C{i}")))
    .chain((1..=10).map(|i| format!("C1-L{i}")))
    .collect();
    let refs: Vec<&str> = theirs.iter().map(String::as_str).collect();
    c1.commission_ok(&p, &refs).await;
    c1.pack_onto(&c1.sscc(1), &p, &["C1-A1", "C1-A2"]).await;
    c1.pack_onto(&c1.sscc(2), &p, &["C1-S1", "C1-S2"]).await;
    c1.bundle_ok(&p, "C1-B0", &["C1-B1"]).await;
    c1.bundle_ok(&p, "C1-B2", &["C1-B3"]).await;
    for i in 1..=6u64 {
        c1.pack_onto(&c1.sscc(10 + i), &p, &[&format!("C1-C{i}")])
            .await;
    }
    c1.palletise_ok(&c1.sscc(30), &[&c1.sscc(14)]).await;
    c1.palletise_ok(&c1.sscc(31), &[&c1.sscc(15)]).await;

    // C1's own product R, and C2's production of Q for M.
    c1.commission_ok(&r, &["R-1", "R-2"]).await;
    c1.pack_onto(&c1.sscc(50), &r, &["R-1", "R-2"]).await;
    c2.commission_ok(&q, &["Q-1"]).await;

    World {
        m,
        c1,
        c2,
        x,
        p,
        q,
        r,
        deal_c1,
        deal_c2,
    }
}

fn mv2_post(path: &'static str, body: Value) -> Req {
    Req::Mv2(Method::POST, path, body)
}

fn mv2_delete(path: &'static str, body: Value) -> Req {
    Req::Mv2(Method::DELETE, path, body)
}

/// One row per (endpoint, caller).
fn cells(w: &World) -> Vec<Cell> {
    use Who::*;
    let (m, c1, c2, x) = (&w.m, &w.c1, &w.c2, &w.x);
    let p = w.p.as_str();
    let by = |who: Who| w.party(who);
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
    let _ = (c2, x);
    v
}

async fn every_endpoint_answers_each_tenant_exactly_as_the_table_says(db: Db) {
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

async fn commissioning_views_show_cmo_production_to_the_mah_only(db: Db) {
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

/// Replaces each identifier by a placeholder, so two answers about different objects compare.
fn normalised(text: &str, ids: &[&str]) -> String {
    let mut out = text.to_string();
    for id in ids {
        out = out.replace(id, "<ID>");
    }
    out
}

async fn invisible_objects_answer_exactly_like_missing_ones(db: Db) {
    let app = spawn(db).await;
    let w = world(&app).await;
    let (m, c1) = (&w.m, &w.c1);
    let p = w.p.as_str();
    let unknown_p = gtin("0401234599999");
    let ghost_sscc = c1.sscc(999);
    let ghost_deal = uuid::Uuid::new_v4().to_string();
    use Who::*;

    // (label, caller, request about a real but invisible object, same about a missing one,
    //  the two identifiers that legitimately differ)
    let pairs: Vec<(&str, Who, Req, Req, [String; 2])> = vec![
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
        (
            "GET product",
            C1,
            Req::Get(format!("/v1/tenant/products/{p}")),
            Req::Get(format!("/v1/tenant/products/{unknown_p}")),
            [p.to_string(), unknown_p.clone()],
        ),
        (
            "commission a product granted to someone else",
            C2,
            mv2_post("/serials/commission", commission_body(p, &["Z1"])),
            mv2_post("/serials/commission", commission_body(&unknown_p, &["Z1"])),
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
    ];
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

db_tests!(
    every_endpoint_answers_each_tenant_exactly_as_the_table_says,
    commissioning_views_show_cmo_production_to_the_mah_only,
    partnership_list_shows_each_side_its_own,
    invisible_objects_answer_exactly_like_missing_ones,
);
