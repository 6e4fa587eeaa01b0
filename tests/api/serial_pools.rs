//! Serial pools (issue 13 items 1-4; PRODUCT.md §3.2, §3.3; docs/pools.md): generation from the
//! product's template under the EU FMD 1-in-10 000 rule, the MAH's pool and what a CMO sees,
//! taking and returning serials, and commissioning only what is assigned to the caller. Expected
//! values (template shapes, the guessability bound, digests) are computed here.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::db_tests;
use crate::kit::app::start;
use crate::kit::gs1::gtin;
use crate::kit::partners::{partner, patch_partnership};
use crate::kit::{assert_error, list_items, problem_at, send, spawn, store, Db, Line};

const M_GTIN: &str = "04012345111118";

/// Registers `gtin` for `l` with a serial template and the external-serials setting.
pub async fn register_with(l: &Line, gtin: &str, alphabet: &str, length: u32, external: bool) {
    let body = json!({"product_code": gtin, "product_code_schema": "GTIN", "name": "P",
                      "serial_template": {"alphabet": alphabet, "length": length},
                      "external_serials": external});
    let (status, body) = send(l.api(Method::POST, "/v1/tenant/products").json(&body)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["serial_template"],
        json!({"alphabet": alphabet, "length": length})
    );
    assert_eq!(body["external_serials"], json!(external));
}

pub async fn generate(l: &Line, gtin: &str, quantity: Value) -> (u16, Value) {
    send(
        l.api(
            Method::POST,
            &format!("/v1/tenant/products/{gtin}/serials/generate"),
        )
        .json(&json!({ "quantity": quantity })),
    )
    .await
}

pub async fn generate_ok(l: &Line, gtin: &str, n: u64) {
    let (status, body) = generate(l, gtin, json!(n)).await;
    assert_eq!((status, &body["generated"]), (200, &json!(n)), "{body}");
}

/// Every row of the pool view as `l` sees it, following `next` to the end.
pub async fn pool_view(l: &Line, gtin: &str, status: Option<&str>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut q = vec![("limit", "1000".to_string())];
        if let Some(s) = status {
            q.push(("status", s.to_string()));
        }
        if let Some(a) = &after {
            q.push(("after", a.clone()));
        }
        let (code, body) = send(
            l.api(Method::GET, &format!("/v1/tenant/products/{gtin}/serials"))
                .query(&q),
        )
        .await;
        assert_eq!(code, 200, "{body}");
        out.extend(list_items(&body));
        match body["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => return out,
        }
    }
}

fn serials_of(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["serial_number"].as_str().unwrap().to_string())
        .collect()
}

pub async fn request(l: &Line, gtin: &str, quantity: Value) -> (u16, Value) {
    l.post(
        "/serials/request",
        &json!({"product_code": gtin, "product_code_schema": "GTIN", "quantity": quantity}),
    )
    .await
}

pub async fn request_ok(l: &Line, gtin: &str, n: usize) -> Vec<String> {
    let (status, body) = request(l, gtin, json!(n)).await;
    assert_eq!(status, 200, "{body}");
    let got: Vec<String> = body["serial_numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert_eq!(got.len(), n);
    got
}

async fn release(l: &Line, gtin: &str, serials: &[String]) -> (u16, Value) {
    l.post(
        "/serials/release",
        &json!({"product_code": gtin, "product_code_schema": "GTIN", "serial_numbers": serials}),
    )
    .await
}

pub async fn assign(mah: &Line, partnership: &str, gtin: &str, quantity: Value) -> (u16, Value) {
    send(
        mah.api(
            Method::POST,
            &format!("/v1/tenant/partnerships/{partnership}/serials"),
        )
        .json(&json!({"product_code": gtin, "quantity": quantity})),
    )
    .await
}

/// The digest docs/audit.md gives for bulk pool events, computed here.
fn digest(serials: &[String]) -> String {
    let mut sorted = serials.to_vec();
    sorted.sort();
    let mut h = Sha256::new();
    for s in &sorted {
        h.update(s.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

fn shaped(s: &str, alphabet: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes().all(|b| match alphabet {
            "numeric" => b.is_ascii_digit(),
            _ => b.is_ascii_digit() || b.is_ascii_uppercase(),
        })
}

async fn generated_serials_follow_the_template_and_are_recorded(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    register_with(&m, M_GTIN, "alphanumeric", 12, true).await;
    generate_ok(&m, M_GTIN, 1500).await;
    let rows = pool_view(&m, M_GTIN, Some("available")).await;
    let serials = serials_of(&rows);
    assert_eq!(serials.len(), 1500);
    assert_eq!(serials.iter().collect::<HashSet<_>>().len(), 1500);
    assert!(
        serials.iter().all(|s| shaped(s, "alphanumeric", 12)),
        "{serials:?}"
    );
    // In serial order, each row available to its owner, assigned to no one.
    let mut sorted = serials.clone();
    sorted.sort();
    assert_eq!(serials, sorted);
    assert!(rows.iter().all(|r| r["pool_status"] == json!("available")
        && r["assigned_to"].is_null()
        && r["status"].is_null()));
    assert_eq!(store::pooled_count(&app.db, M_GTIN), 1500);
    // A pooled serial is not a pack.
    let (status, body) =
        send(m.api(Method::GET, &format!("/v1/items/{M_GTIN}/{}", serials[0]))).await;
    assert_error(status, &body, 404, "NotFoundError");
    // The audit event names the template and the digest of exactly these serials.
    let event = store::events(&app.db)
        .into_iter()
        .find(|e| e.action == "serials.generate")
        .expect("a serials.generate event");
    let p = event.payload();
    assert_eq!(p["quantity"], json!(1500));
    assert_eq!(p["serial_template"], json!("alphanumeric/12"));
    assert_eq!(p["serials_sha256"], json!(digest(&serials)));
    let (status, body) = send(m.api(Method::GET, "/v1/audit/verify")).await;
    assert_eq!((status, &body["valid"]), (200, &json!(true)), "{body}");
}

async fn a_generation_that_would_make_serials_guessable_is_refused(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    // 10^5 numeric serials of length 5: at most 10^5 / 10^4 = 10 in use.
    register_with(&m, M_GTIN, "numeric", 5, true).await;
    let before = store::fingerprint(&app.db);
    let (status, body) = generate(&m, M_GTIN, json!(11)).await;
    assert_error(status, &body, 400, "ValidationError");
    assert!(
        body["message"].as_str().unwrap().contains("10000"),
        "{body}"
    );
    assert_eq!(store::fingerprint(&app.db), before, "nothing written");
    m.commission_ok(M_GTIN, &["00001"]).await;
    // One external serial in use: 9 more are still allowed, 10 are not.
    let (status, body) = generate(&m, M_GTIN, json!(10)).await;
    assert_error(status, &body, 400, "ValidationError");
    generate_ok(&m, M_GTIN, 9).await;
    let all = store::all_serials_of(&app.db, M_GTIN);
    assert_eq!(all.len(), 10);
    assert!(all.iter().all(|s| shaped(s, "numeric", 5)));
    let (status, body) = generate(&m, M_GTIN, json!(1)).await;
    assert_error(status, &body, 400, "ValidationError");
}

async fn hostile_generation_requests_write_nothing(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    let c = Line::with_gcp(&app, "C", "4098765").await;
    m.register(M_GTIN).await;
    partner(&m, &c, &[M_GTIN]).await;
    let before = store::fingerprint(&app.db);
    for bad in [
        json!(0),
        json!(-1),
        json!(1_000_001),
        json!("5"),
        json!(1.5),
        json!(null),
    ] {
        let (status, body) = generate(&m, M_GTIN, bad.clone()).await;
        assert_error(status, &body, 400, "ValidationError");
    }
    // Only the owner generates: to its CMO and to strangers the product does not exist.
    let (status, body) = generate(&c, M_GTIN, json!(5)).await;
    assert_error(status, &body, 404, "ProductError");
    let (status, body) = generate(&m, &gtin("0401234599999"), json!(5)).await;
    assert_error(status, &body, 404, "ProductError");
    // A bad template at registration.
    for (alphabet, length) in [("hex", 10), ("numeric", 0), ("numeric", 21)] {
        let body = json!({"product_code": &gtin("0401234500002"), "product_code_schema": "GTIN",
                          "name": "P", "serial_template": {"alphabet": alphabet, "length": length}});
        let (status, body) = send(m.api(Method::POST, "/v1/tenant/products").json(&body)).await;
        assert_error(status, &body, 400, "ValidationError");
    }
    assert_eq!(store::fingerprint(&app.db), before, "nothing written");
}

async fn a_million_serials_in_one_request(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    m.register(M_GTIN).await;
    generate_ok(&m, M_GTIN, 1_000_000).await;
    assert_eq!(store::pooled_count(&app.db, M_GTIN), 1_000_000);
    let all = store::all_serials_of(&app.db, M_GTIN);
    assert!(all.iter().all(|s| shaped(s, "numeric", 16)));
}

/// M gives C 30 of its 100 serials: M sees them assigned to C, C sees exactly those as available,
/// a stranger sees no pool at all.
async fn a_cmo_sees_exactly_the_serials_assigned_to_it(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    let c = Line::with_gcp(&app, "C", "4098765").await;
    let x = Line::with_gcp(&app, "X", "4077777").await;
    m.register(M_GTIN).await;
    let p = partner(&m, &c, &[M_GTIN]).await;
    generate_ok(&m, M_GTIN, 100).await;
    let (status, body) = assign(&m, &p, M_GTIN, json!(30)).await;
    assert_eq!((status, &body["assigned"]), (200, &json!(30)), "{body}");

    let given = store::stock_of(&app.db, M_GTIN, c.id());
    assert_eq!(given.len(), 30);
    let mine = pool_view(&c, M_GTIN, None).await;
    assert_eq!(serials_of(&mine), given);
    assert!(mine.iter().all(|r| r["pool_status"] == json!("available")));
    assert_eq!(pool_view(&c, M_GTIN, Some("assigned")).await.len(), 0);
    let m_assigned = pool_view(&m, M_GTIN, Some("assigned")).await;
    assert_eq!(serials_of(&m_assigned), given);
    assert!(m_assigned
        .iter()
        .all(|r| r["assigned_to"] == json!({"type": "tenant", "tenant_id": c.id()})));
    assert_eq!(pool_view(&m, M_GTIN, Some("available")).await.len(), 70);
    let (status, body) = send(x.api(
        Method::GET,
        &format!("/v1/tenant/products/{M_GTIN}/serials"),
    ))
    .await;
    assert_error(status, &body, 404, "ProductError");

    // Only the MAH assigns; never more than it has; nothing moves on a refusal.
    let (status, body) = assign(&c, &p, M_GTIN, json!(1)).await;
    assert_error(status, &body, 403, "ForbiddenError");
    let (status, body) = assign(&x, &p, M_GTIN, json!(1)).await;
    assert_error(status, &body, 404, "NotFoundError");
    let (status, body) = assign(&m, &p, M_GTIN, json!(71)).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(store::stock_of(&app.db, M_GTIN, m.id()).len(), 70);
    // Not under a suspended partnership, not for a product it does not grant.
    let other = &gtin("0401234500002")[..];
    m.register(other).await;
    generate_ok(&m, other, 5).await;
    let (status, body) = assign(&m, &p, other, json!(1)).await;
    assert_error(status, &body, 409, "StateError");
    let (status, _) = patch_partnership(&m, &p, json!({"status": "suspended"})).await;
    assert_eq!(status, 200);
    let (status, body) = assign(&m, &p, M_GTIN, json!(1)).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(store::stock_of(&app.db, M_GTIN, c.id()).len(), 30);
}

async fn requested_serials_are_handed_out_once_and_all_or_nothing(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    m.register(M_GTIN).await;
    generate_ok(&m, M_GTIN, 50).await;
    let pool: HashSet<String> = store::all_serials_of(&app.db, M_GTIN).into_iter().collect();
    let got = request_ok(&m, M_GTIN, 20).await;
    assert!(got.iter().all(|s| pool.contains(s)));
    assert_eq!(got.iter().collect::<HashSet<_>>().len(), 20);
    assert_eq!(pool_view(&m, M_GTIN, Some("available")).await.len(), 30);
    let taken = pool_view(&m, M_GTIN, Some("assigned")).await;
    assert_eq!(
        serials_of(&taken).into_iter().collect::<HashSet<_>>(),
        got.iter().cloned().collect()
    );
    assert!(taken
        .iter()
        .all(|r| r["assigned_to"] == json!({"type": "line", "tenant_id": m.id()})));
    let before = store::fingerprint(&app.db);
    let (status, body) = request(&m, M_GTIN, json!(31)).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(store::fingerprint(&app.db), before, "nothing assigned");
    for bad in [json!(0), json!(-3), json!("2"), json!(100_001)] {
        let (status, body) = request(&m, M_GTIN, bad).await;
        assert_error(status, &body, 400, "ValidationError");
    }
    let (status, body) = request(&m, &gtin("0401234599999"), json!(1)).await;
    assert_error(status, &body, 404, "ProductError");
}

/// Forty requests at once — twenty through each of two instances on one database — never hand
/// out one serial twice, and exactly the pool is handed out.
async fn forty_concurrent_requests_never_share_a_serial(db: Db) {
    let app = spawn(db).await;
    let second = start(app.settings.clone()).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    m.register(M_GTIN).await;
    generate_ok(&m, M_GTIN, 4000).await;
    let via_second = m.via(&second);
    let calls = (0..40).map(|i| {
        let l = if i % 2 == 0 {
            m.clone()
        } else {
            via_second.clone()
        };
        async move { request(&l, M_GTIN, json!(100)).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let mut seen: HashSet<String> = HashSet::new();
    for (status, body) in &results {
        assert_eq!(*status, 200, "{body}");
        for s in body["serial_numbers"].as_array().unwrap() {
            assert!(
                seen.insert(s.as_str().unwrap().to_string()),
                "{s} handed out twice"
            );
        }
    }
    let pool: HashSet<String> = store::all_serials_of(&app.db, M_GTIN).into_iter().collect();
    assert_eq!(seen, pool);
    let (status, body) = request(&m, M_GTIN, json!(1)).await;
    assert_error(status, &body, 409, "StateError");
}

async fn commissioning_takes_only_serials_assigned_to_the_caller(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    let c = Line::with_gcp(&app, "C", "4098765").await;
    m.register(M_GTIN).await;
    let p = partner(&m, &c, &[M_GTIN]).await;
    generate_ok(&m, M_GTIN, 40).await;
    let (status, _) = assign(&m, &p, M_GTIN, json!(10)).await;
    assert_eq!(status, 200);
    let cs = store::stock_of(&app.db, M_GTIN, c.id());
    let ms = store::stock_of(&app.db, M_GTIN, m.id());

    // C cannot commission M's serials; M cannot commission its own untaken ones or C's.
    let before = store::fingerprint(&app.db);
    let (status, body) = c.commission(M_GTIN, &[&cs[0], &ms[0]]).await;
    assert_error(status, &body, 409, "StateError");
    assert!(
        problem_at(&body, "serial_numbers[1]").contains("not assigned to you"),
        "{body}"
    );
    let (status, body) = m.commission(M_GTIN, &[&ms[0]]).await;
    assert_error(status, &body, 409, "StateError");
    let (status, body) = m.commission(M_GTIN, &[&cs[0]]).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(store::fingerprint(&app.db), before, "nothing written");

    // What is assigned is commissioned, with an external serial beside it.
    c.commission_ok(M_GTIN, &[&cs[0], &cs[1], &"EXT-1".to_string()])
        .await;
    let taken = request_ok(&m, M_GTIN, 2).await;
    m.commission_ok(M_GTIN, &taken).await;
    assert_eq!(
        store::pack_status(&app.db, M_GTIN, &cs[0]),
        "pending_commissioning_approval"
    );
    let (status, body) = send(m.api(Method::GET, &format!("/v1/items/{M_GTIN}/{}", cs[0]))).await;
    assert_eq!(
        (status, &body["pool_status"]),
        (200, &json!("assigned")),
        "{body}"
    );
    // The MAH's view: a commissioned serial stays assigned; the external one is marked.
    let all = pool_view(&m, M_GTIN, Some("assigned")).await;
    let ext = all
        .iter()
        .find(|r| r["serial_number"] == json!("EXT-1"))
        .unwrap();
    assert_eq!(
        (&ext["external"], &ext["status"]),
        (&json!(true), &json!("pending_commissioning_approval"))
    );
    // The CMO sees its packs, its unused serials available, and nothing of M's.
    let cv = pool_view(&c, M_GTIN, None).await;
    assert_eq!(cv.len(), 11);
    assert_eq!(
        cv.iter()
            .filter(|r| r["pool_status"] == json!("available"))
            .count(),
        8
    );

    // Once external serials are off, a serial outside the pool is refused.
    let (status, body) = send(
        m.api(Method::PATCH, &format!("/v1/tenant/products/{M_GTIN}"))
            .json(&json!({"external_serials": false})),
    )
    .await;
    assert_eq!(
        (status, &body["external_serials"]),
        (200, &json!(false)),
        "{body}"
    );
    let before = store::fingerprint(&app.db);
    let (status, body) = c.commission(M_GTIN, &[&cs[2], &"EXT-2".to_string()]).await;
    assert_error(status, &body, 409, "StateError");
    assert!(
        problem_at(&body, "serial_numbers[1]").contains("not in the pool"),
        "{body}"
    );
    assert_eq!(store::fingerprint(&app.db), before);
    c.commission_ok(M_GTIN, &[&cs[2]]).await;
    // An external serial stays unique forever: it can never be generated or commissioned again.
    let (status, body) = c.commission(M_GTIN, &["EXT-1"]).await;
    assert_error(status, &body, 409, "StateError");
}

async fn only_unused_taken_serials_can_be_returned(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    let c = Line::with_gcp(&app, "C", "4098765").await;
    m.register(M_GTIN).await;
    partner(&m, &c, &[M_GTIN]).await;
    generate_ok(&m, M_GTIN, 20).await;
    let taken = request_ok(&m, M_GTIN, 10).await;
    m.commission_ok(M_GTIN, &taken[..2]).await;
    m.commission_ok(M_GTIN, &["EXT-9"]).await;
    let stock = store::stock_of(&app.db, M_GTIN, m.id());

    let before = store::fingerprint(&app.db);
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec![taken[5].clone(), taken[0].clone()], "is commissioned"),
        (vec![taken[5].clone(), "EXT-9".into()], "is commissioned"),
        (
            vec![taken[5].clone(), stock[0].clone()],
            "is already available",
        ),
        (
            vec![taken[5].clone(), "NEVER-SEEN".into()],
            "is not assigned to you",
        ),
    ];
    for (list, why) in &cases {
        let (status, body) = release(&m, M_GTIN, list).await;
        assert_error(status, &body, 409, "StateError");
        assert!(
            problem_at(&body, "serial_numbers[1]").contains(why),
            "{why}: {body}"
        );
    }
    // The CMO cannot return the MAH's serials: one answer for every serial not its own.
    let (status, body) = release(&c, M_GTIN, &[taken[5].clone()]).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(
        problem_at(&body, "serial_numbers[0]"),
        format!("serial {} is not assigned to you", taken[5])
    );
    assert_eq!(store::fingerprint(&app.db), before, "nothing returned");

    let (status, body) = release(&m, M_GTIN, &taken[2..]).await;
    assert_eq!((status, &body["count"]), (200, &json!(8)), "{body}");
    assert_eq!(pool_view(&m, M_GTIN, Some("available")).await.len(), 18);
    let actions: Vec<String> = store::events(&app.db)
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in ["serials.generate", "serials.request", "serials.release"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

/// The database itself keeps a pack on its commission's product and a pooled serial on a holder
/// of its own product (composite foreign keys), whatever code writes the rows.
async fn the_database_keeps_packs_and_holders_on_their_own_product(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    let other = gtin("0401234500002");
    m.register(M_GTIN).await;
    m.register(&other).await;
    m.commission_ok(M_GTIN, &["A1"]).await;
    m.commission_ok(&other, &["B1"]).await;
    generate_ok(&m, M_GTIN, 3).await;
    generate_ok(&m, &other, 3).await;
    let pooled = store::stock_of(&app.db, M_GTIN, m.id())[0].clone();
    assert!(store::try_repoint_commission(&app.db, M_GTIN, "A1", &other).is_err());
    assert!(store::try_repoint_holder(&app.db, M_GTIN, &pooled, &other).is_err());
    // Nor can a pack or a pooled serial name a product that does not exist.
    assert!(store::try_move_to_missing_product(&app.db, M_GTIN, "A1").is_err());
    assert!(store::try_move_to_missing_product(&app.db, M_GTIN, &pooled).is_err());
    // The same statements within the pack's own product go through: the keys refused, not SQL.
    assert_eq!(
        store::try_repoint_commission(&app.db, M_GTIN, "A1", M_GTIN),
        Ok(1)
    );
    assert_eq!(
        store::try_repoint_holder(&app.db, M_GTIN, &pooled, M_GTIN),
        Ok(1)
    );
}

db_tests!(
    the_database_keeps_packs_and_holders_on_their_own_product,
    generated_serials_follow_the_template_and_are_recorded,
    a_generation_that_would_make_serials_guessable_is_refused,
    hostile_generation_requests_write_nothing,
    a_million_serials_in_one_request,
    a_cmo_sees_exactly_the_serials_assigned_to_it,
    requested_serials_are_handed_out_once_and_all_or_nothing,
    forty_concurrent_requests_never_share_a_serial,
    commissioning_takes_only_serials_assigned_to_the_caller,
    only_unused_taken_serials_can_be_returned,
);
