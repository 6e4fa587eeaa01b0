//! Error details and the order of checks (issue 12, findings 6 and 7): `details` lists every
//! problem of a request — none hidden behind another — at most 1 000 of them with a count of the
//! rest, in words a JSON author uses; and a key without the role gets 403 whatever body it sends.

use reqwest::Method;
use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::{gtin, sscc_of};
use crate::kit::line::commission_body;
use crate::kit::partners::partner;
use crate::kit::{assert_error, child, detail_paths, send, serials, spawn, store, Db, Line, GTIN};

async fn a_foreign_parent_does_not_hide_the_child_errors(db: Db) {
    let app = spawn(db).await;
    let c1 = Line::with_gcp(&app, "C1", "4098765").await;
    let x = Line::with_gcp(&app, "X", "4077777").await;
    let x_gtin = gtin("0407777700001");
    x.register(&x_gtin).await;
    x.commission_ok(&x_gtin, &serials("S", 1)).await;
    let kids = [
        child(&x_gtin, "S0"),
        child(&x_gtin, "NEVER"),
        child(&x_gtin, "NOR-THIS"),
    ];
    let (status, body) = x.aggregate(&c1.sscc(1), &kids).await;
    assert_error(status, &body, 403, "ForbiddenError");
    assert_eq!(
        detail_paths(&body),
        ["parent", "child_trade_items[1]", "child_trade_items[2]"],
        "{body}"
    );
}

async fn a_pallet_listing_itself_reports_every_problem(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(GTIN).await;
    m.commission_ok(GTIN, &serials("S", 1)).await;
    m.aggregate_ok(&m.sscc(1), &[child(GTIN, "S0")]).await;
    let pallet = m.sscc(9);
    let (status, body) = m
        .palletise(&pallet, &[&m.sscc(1), &pallet, &m.sscc(404)])
        .await;
    assert_error(status, &body, 400, "ValidationError");
    let paths = detail_paths(&body);
    assert_eq!(
        paths,
        ["child_containers[1]", "child_containers[2]"],
        "{body}"
    );
    assert_eq!(store::container_count(&app.db), 1, "nothing written");
}

async fn details_are_capped_at_1000_with_a_count_of_the_rest(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(GTIN).await;
    // 5 000 serials of which 4 500 are malformed ('#' is not in character set 82).
    let mut bad = serials("#", 4_500);
    bad.extend(serials("OK", 500));
    let (status, text) = m
        .send_text(
            Method::POST,
            "/serials/commission",
            &commission_body(GTIN, &bad),
        )
        .await;
    assert_eq!(status, 400, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    let details = body["details"].as_array().unwrap();
    assert_eq!(details.len(), 1000);
    assert_eq!(details[0]["path"], "serial_numbers[0]");
    assert_eq!(details[999]["path"], "serial_numbers[999]");
    assert_eq!(body["details_omitted"], 3_500);
    assert!(
        text.len() < 200_000,
        "a bounded answer: {} bytes",
        text.len()
    );
}

async fn messages_name_no_internal_types(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    let bodies = [
        ("/serials/commission", json!([])),
        ("/serials/commission", json!(["a", "b", "c", "d", "e", "f"])),
        ("/aggregate/container", json!("SSCC")),
        (
            "/aggregate/containers",
            json!({"parent": 7, "child_containers": []}),
        ),
    ];
    for (path, body) in bodies {
        let (status, answer) = m.post(path, &body).await;
        assert_error(status, &answer, 400, "ValidationError");
        let text = answer.to_string();
        for internal in ["struct ", "Body", "enum ", "u32", "i64", "usize"] {
            assert!(!text.contains(internal), "{path} {body}: {text}");
        }
    }
    let (_, answer) = m.post("/serials/commission", &json!([])).await;
    assert_eq!(
        answer["message"],
        "Invalid request body: invalid length 0, expected a JSON object"
    );
}

async fn the_role_is_checked_before_the_body(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    let c1 = Line::with_gcp(&app, "C1", "4098765").await;
    m.register(GTIN).await;
    partner(&m, &c1, &[GTIN]).await;
    let (_, audit_only) = app.key_with_roles(m.token(), &["audit"]).await;
    let bad = json!({"no": "such field"});
    let writes = [
        (Method::POST, "/v1/tenant/products".to_string()),
        (Method::POST, "/v1/tenant/channels".to_string()),
        (Method::POST, "/v1/tenant/api_keys".to_string()),
        (Method::POST, "/v1/tenant/partnerships".to_string()),
        (
            Method::PATCH,
            "/v1/tenant/channels/00000000-0000-0000-0000-000000000000".to_string(),
        ),
        (
            Method::POST,
            "/v1/commissioning/release_to_market".to_string(),
        ),
    ];
    let before = store::fingerprint(&app.db);
    let bodies = [
        bad,
        json!("not even an object"),
        json!({"ssccs": [sscc_of("4012345", 0, 1)]}),
    ];
    for (method, path) in writes {
        let mut answers = Vec::new();
        for body in &bodies {
            let rb = app
                .client
                .request(method.clone(), app.url(&path))
                .header("x-access-token", &audit_only)
                .json(body);
            let (status, answer) = send(rb).await;
            assert_error(status, &answer, 403, "ForbiddenError");
            answers.push(answer);
        }
        assert!(
            answers.windows(2).all(|w| w[0] == w[1]),
            "{method} {path}: the body makes no difference: {answers:?}"
        );
    }
    assert_eq!(store::fingerprint(&app.db), before, "nothing written");
}

db_tests!(
    a_foreign_parent_does_not_hide_the_child_errors,
    a_pallet_listing_itself_reports_every_problem,
    details_are_capped_at_1000_with_a_count_of_the_rest,
    messages_name_no_internal_types,
    the_role_is_checked_before_the_body,
);
