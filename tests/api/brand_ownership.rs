//! Brand ownership (issue 12, High): a GTIN has exactly one owner in the hub. A tenant registers a
//! GTIN only under its own GS1 Company Prefix or when the operator assigned it; company prefixes
//! are unique across tenants and set only by the operator; a refusal never tells whether another
//! tenant has the GTIN.

use serde_json::{json, Value};

use crate::cli::{stderr, stdout};
use crate::db_tests;
use crate::kit::app::{try_create_tenant_in, TestDb};
use crate::kit::gs1::gtin;
use crate::kit::line::commission_body;
use crate::kit::partners::partner;
use crate::kit::process::run_cli;
use crate::kit::{assert_error, problem_at, serials, spawn, store, Db, Line, TestApp};

/// M's product, under M's prefix 4012345 (GS1.md's vector).
const M_GTIN: &str = "04012345111118";

fn product(code: &str) -> Value {
    json!({"product_code": code, "product_code_schema": "GTIN", "name": "Aspirin 100 mg"})
}

/// M (4012345) with a registered product, its CMO C1 (4098765) producing it, and X (4077777).
async fn cast(app: &TestApp) -> (Line, Line, Line) {
    let m = Line::with_gcp(app, "M", "4012345").await;
    let c1 = Line::with_gcp(app, "C1", "4098765").await;
    let x = Line::with_gcp(app, "X", "4077777").await;
    m.register(M_GTIN).await;
    partner(&m, &c1, &[M_GTIN]).await;
    (m, c1, x)
}

/// The refusal with the GTIN taken out, to compare refusals of different GTINs.
fn without(body: &Value, code: &str) -> String {
    body.to_string().replace(code, "<GTIN>")
}

async fn a_gtin_outside_the_callers_prefixes_is_refused_with_one_answer(db: Db) {
    let app = spawn(db).await;
    let (m, c1, x) = cast(&app).await;
    let before = store::fingerprint(&app.db);

    // The attack: X registers M's GTIN; C1 registers its MAH's GTIN to release packs itself.
    let (status, taken) = app
        .post("/v1/tenant/products", x.token(), &product(M_GTIN))
        .await;
    assert_error(status, &taken, 403, "ForbiddenError");
    assert_eq!(
        problem_at(&taken, "product_code"),
        "outside the tenant's GS1 Company Prefixes; ask the hub operator to assign it"
    );
    let (status, by_cmo) = app
        .post("/v1/tenant/products", c1.token(), &product(M_GTIN))
        .await;
    assert_eq!(
        (status, without(&by_cmo, M_GTIN)),
        (403, without(&taken, M_GTIN))
    );

    // The same answer for a free GTIN under M's prefix and one under no tenant's prefix: whether
    // someone has the GTIN cannot be learnt.
    for free in [gtin("0401234599999"), gtin("0999999900001")] {
        let (status, body) = app
            .post("/v1/tenant/products", x.token(), &product(&free))
            .await;
        assert_eq!(
            (status, without(&body, &free)),
            (403, without(&taken, M_GTIN)),
            "{free}"
        );
    }
    assert_eq!(store::fingerprint(&app.db), before, "nothing written");
    assert_eq!(store::product_owners(&app.db, M_GTIN), [m.id().to_string()]);

    // So X cannot commission M's serials as its own: the product is not one it may produce.
    let (status, body) = x
        .post(
            "/serials/commission",
            &commission_body(M_GTIN, &serials("S", 2)),
        )
        .await;
    assert_error(status, &body, 404, "ProductError");
    // Under its own prefix X registers freely.
    x.register(&gtin("0407777700001")).await;
}

async fn format_errors_come_before_ownership(db: Db) {
    let app = spawn(db).await;
    let (_, _, x) = cast(&app).await;
    // A bad check digit under M's prefix: ValidationError, as for any GTIN.
    let (status, body) = app
        .post("/v1/tenant/products", x.token(), &product("04012345111119"))
        .await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(problem_at(&body, "product_code"), "check digit should be 8");
}

async fn the_operator_assigns_gtins_outside_a_tenants_prefixes(db: Db) {
    let app = spawn(db).await;
    let (m, _, x) = cast(&app).await;
    let url = app.db.url.clone();
    // An NTIN-like code under a prefix no tenant holds.
    let ntin = gtin("0415000000123");
    let (status, _) = app
        .post("/v1/tenant/products", x.token(), &product(&ntin))
        .await;
    assert_eq!(status, 403, "not X's before the operator assigns it");

    let out = run_cli(&[
        "product",
        "assign",
        "--tenant",
        x.id(),
        "--gtin",
        &ntin,
        "--database-url",
        &url,
    ])
    .await;
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let printed: Value = serde_json::from_str(stdout(&out).trim()).expect("one JSON object");
    assert_eq!(
        printed,
        json!({"tenant_id": x.id(), "product_code": ntin, "assigned": true})
    );
    assert_eq!(
        store::gtin_assignee(&app.db, &ntin).as_deref(),
        Some(x.id())
    );
    let (status, body) = app
        .post("/v1/tenant/products", x.token(), &product(&ntin))
        .await;
    assert_eq!(status, 201, "{body}");
    // Nobody else may register it now, not even the operator's next assignment.
    let (status, _) = app
        .post("/v1/tenant/products", m.token(), &product(&ntin))
        .await;
    assert_eq!(status, 403);

    // Refused: a GTIN another tenant registered, one under another tenant's prefix, one assigned
    // to someone else, an unknown tenant, a malformed GTIN. Each exits 1 and writes nothing.
    let unregistered_of_m = gtin("0401234500077");
    let refusals = [
        (
            x.id().to_string(),
            M_GTIN.to_string(),
            format!("GTIN {M_GTIN} belongs to tenant {}", m.id()),
        ),
        (
            x.id().to_string(),
            unregistered_of_m.clone(),
            format!("GTIN {unregistered_of_m} belongs to tenant {}", m.id()),
        ),
        (
            m.id().to_string(),
            ntin.clone(),
            format!("GTIN {ntin} belongs to tenant {}", x.id()),
        ),
        (
            "no-such-tenant".to_string(),
            gtin("0415000000456"),
            "tenant no-such-tenant does not exist".to_string(),
        ),
        (
            x.id().to_string(),
            "04150000001230".to_string(),
            "GTIN '04150000001230': check digit should be".to_string(),
        ),
    ];
    for (tenant, code, message) in refusals {
        let before = store::fingerprint(&app.db);
        let out = run_cli(&[
            "product",
            "assign",
            "--tenant",
            &tenant,
            "--gtin",
            &code,
            "--database-url",
            &url,
        ])
        .await;
        assert!(!out.status.success(), "{code} to {tenant} is refused");
        assert!(
            stderr(&out).contains(&message),
            "{message}: {}",
            stderr(&out)
        );
        assert_eq!(store::fingerprint(&app.db), before, "nothing written");
    }
}

async fn company_prefixes_are_unique_across_tenants(db: Db) {
    let test_db = TestDb::fresh(db);
    let url = test_db.url.clone();
    let create = |name: &'static str, gcp: &'static str| {
        let url = url.clone();
        async move {
            run_cli(&[
                "tenant",
                "create",
                "--name",
                name,
                "--gcp",
                gcp,
                "--database-url",
                &url,
            ])
            .await
        }
    };
    let first = create("M", "4012345").await;
    assert!(first.status.success(), "{}", stderr(&first));
    let m_id = serde_json::from_str::<Value>(stdout(&first).trim()).unwrap()["tenant_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Equal, extending, extended: each would give a GTIN two owners.
    for (gcp, held) in [
        ("4012345", "4012345"),
        ("40123456", "4012345"),
        ("401234", "4012345"),
    ] {
        let out = create("X", gcp).await;
        assert!(!out.status.success(), "{gcp} is refused");
        assert_eq!(
            stderr(&out).trim(),
            format!("error: cannot create tenant: GS1 Company Prefix '{gcp}' overlaps prefix '{held}' of tenant {m_id}")
        );
    }
    assert_eq!(store::tenant_count(&test_db), 1, "no tenant was created");
    assert_eq!(store::prefix_count(&test_db), 1);
    // Two overlapping prefixes in one command are refused too; a neighbour is fine.
    let out = run_cli(&[
        "tenant",
        "create",
        "--name",
        "Y",
        "--gcp",
        "4077777",
        "--gcp",
        "40777771",
        "--database-url",
        &url,
    ])
    .await;
    assert!(
        stderr(&out).contains("'4077777' and '40777771' overlap"),
        "{}",
        stderr(&out)
    );
    let out = create("Z", "4012346").await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        store::prefix_holder(&test_db, "4012345").as_deref(),
        Some(m_id.as_str())
    );
}

async fn concurrent_tenants_with_overlapping_prefixes_one_wins(db: Db) {
    let test_db = TestDb::fresh(db);
    test_db.migrate();
    for round in 0..3 {
        let (short, long) = (format!("40{round}1234"), format!("40{round}12345"));
        let (short, long) = ([short.as_str()], [long.as_str()]);
        let a = try_create_tenant_in(&test_db.url, "A", &short);
        let b = try_create_tenant_in(&test_db.url, "B", &long);
        let (a, b) = tokio::join!(a, b);
        let results = [a.is_ok(), b.is_ok()];
        assert_eq!(
            results.iter().filter(|ok| **ok).count(),
            1,
            "one winner: {a:?} {b:?}"
        );
        let loser = a.err().or(b.err()).unwrap();
        assert!(loser.contains("overlaps prefix"), "{loser}");
    }
    assert_eq!(store::tenant_count(&test_db), 3);
}

async fn a_gtin_has_one_product_in_the_database(db: Db) {
    let app = spawn(db).await;
    let (_, _, x) = cast(&app).await;
    // Even written past the API, a second product of a GTIN is refused by a unique key: every
    // write resolves the one product of a GTIN.
    let refused = store::insert_product(&app.db, x.id(), M_GTIN);
    assert!(refused.is_err(), "a second product row of {M_GTIN}");
    assert_eq!(store::product_owners(&app.db, M_GTIN).len(), 1);
}

db_tests!(
    a_gtin_outside_the_callers_prefixes_is_refused_with_one_answer,
    format_errors_come_before_ownership,
    the_operator_assigns_gtins_outside_a_tenants_prefixes,
    company_prefixes_are_unique_across_tenants,
    concurrent_tenants_with_overlapping_prefixes_one_wins,
    a_gtin_has_one_product_in_the_database,
);
