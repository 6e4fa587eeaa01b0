//! `ssccs/request`: what an SSCC is made of, that references never repeat, which prefix, the
//! limits, and hostile input.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{json, Value};

use super::{assert_chain_verifies, expected, payloads, ssccs_assigned_metric};
use crate::db_tests;
use crate::kit::gs1::{check_digit, sscc_of};
use crate::kit::race::assert_exact_error;
use crate::kit::{child, send, serials, spawn, spawn_with, store, Db, Line, GTIN};

async fn ssccs_are_the_extension_digit_prefix_reference_and_check_digit(db: Db) {
    let app = spawn(db).await;
    let line = Line::with_gcp(&app, "Acme", "4012345").await;

    let first = line.request_ssccs_ok(5, 3).await;
    let second = line.request_ssccs_ok(3, 3).await;
    let other_digit = line.request_ssccs_ok(2, 0).await;

    for s in first.iter().chain(&second).chain(&other_digit) {
        assert_eq!(s.len(), 18, "{s}");
        assert!(s.bytes().all(|b| b.is_ascii_digit()), "{s}");
        assert_eq!(
            &s[1..8],
            "4012345",
            "the company prefix follows the extension digit"
        );
        let check = check_digit(&s[..17]);
        assert_eq!(s[17..].parse::<u32>().unwrap(), check, "check digit of {s}");
    }
    // References count up from 0 per (prefix, extension digit) and never repeat.
    assert_eq!(first, expected("4012345", 3, 0..5));
    assert_eq!(second, expected("4012345", 3, 5..8));
    assert_eq!(other_digit, expected("4012345", 0, 0..2));
    let all: HashSet<&String> = first.iter().chain(&second).chain(&other_digit).collect();
    assert_eq!(all.len(), 10);
    for s in &all {
        assert_eq!(
            store::sscc_pool_status(&app.db, s).as_deref(),
            Some("assigned")
        );
        assert_eq!(
            store::sscc_pool_tenant(&app.db, s).as_deref(),
            Some(line.id())
        );
    }

    // One audit event per request, in the tenant's chain, naming every SSCC.
    let events = payloads(&app, line.id(), "sscc.request");
    assert_eq!(
        events,
        vec![
            json!({"company_prefix": "4012345", "extension_digit": 3, "ssccs": first, "reused": 0}),
            json!({"company_prefix": "4012345", "extension_digit": 3, "ssccs": second, "reused": 0}),
            json!({"company_prefix": "4012345", "extension_digit": 0, "ssccs": other_digit,
                   "reused": 0}),
        ]
    );
    let stored = store::chain(&app.db, line.id());
    let last = stored.last().unwrap();
    assert_eq!(last.channel_id.as_deref(), Some(line.channel_id.as_str()));
    assert_eq!(last.owner_tenant_id, line.id());
    assert!(last.api_key_id.is_some());
    assert_chain_verifies(&app, line.token()).await;
}

async fn the_default_prefix_is_the_first_listed_and_another_must_be_the_callers(db: Db) {
    let app = spawn(db).await;
    // Listed first, though not the smallest.
    let line = Line::with_gcps(&app, "Acme", &["4099999", "4012345"]).await;
    let other = Line::with_gcp(&app, "Other", "9521234").await;
    let (status, tenant) = app.get("/v1/tenant", line.token()).await;
    assert_eq!(status, 200);
    assert_eq!(
        tenant["gs1_company_prefixes"],
        json!(["4099999", "4012345"])
    );

    assert_eq!(
        line.request_ssccs_ok(2, 1).await,
        expected("4099999", 1, 0..2)
    );
    let asked = json!({"quantity": 2, "extension_digit": 1, "company_prefix": "4012345"});
    let (status, body) = line.post("/ssccs/request", &asked).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ssccs"], json!(expected("4012345", 1, 0..2)));

    // Another tenant's prefix and a prefix nobody holds get the same answer: no oracle.
    let before = store::sscc_pool_fingerprint(&app.db);
    let events = store::event_count(&app.db);
    let mut answers = Vec::new();
    for prefix in [other.gcp.as_str(), "4077777", "12", ""] {
        let body = json!({"quantity": 1, "extension_digit": 0, "company_prefix": prefix});
        answers.push(line.post("/ssccs/request", &body).await);
    }
    let refused = [(
        "company_prefix".to_string(),
        "must be one of 4012345, 4099999".to_string(),
    )];
    for answer in &answers {
        assert_exact_error(
            answer,
            400,
            "ValidationError",
            "company_prefix is not one of your GS1 Company Prefixes",
            &refused,
        );
    }
    assert_eq!(
        store::sscc_pool_fingerprint(&app.db),
        before,
        "nothing written"
    );
    assert_eq!(store::event_count(&app.db), events);
}

async fn a_tenant_without_a_prefix_is_told_who_sets_prefixes(db: Db) {
    let app = spawn(db).await;
    let line = Line::with_gcps(&app, "No prefix", &[]).await;
    let answer = line.request_ssccs(1, 0).await;
    assert_exact_error(
        &answer,
        409,
        "StateError",
        "Your tenant has no GS1 Company Prefix, so no SSCCs can be generated for it; the hub \
         operator gives tenants their prefixes (serialhub tenant create --gcp)",
        &[],
    );
    assert_eq!(store::sscc_pool_fingerprint(&app.db), "");
}

/// A 12-digit prefix leaves 4 reference digits: 10 000 SSCCs per extension digit, no more.
async fn running_out_of_references_is_a_state_error_that_assigns_nothing(db: Db) {
    let app = spawn(db).await;
    let gcp = "401234567890";
    let line = Line::with_gcp(&app, "Acme", gcp).await;
    let most = line.request_ssccs_ok(9_998, 0).await;
    assert_eq!(most.last().unwrap(), &sscc_of(gcp, 0, 9_997));
    // One returned SSCC is handed out again, and 2 references are left: 3 are not enough.
    line.release_ssccs_ok(&[&most[0]]).await;
    let before = store::sscc_pool_fingerprint(&app.db);
    let events = store::event_count(&app.db);

    let answer = line.request_ssccs(4, 0).await;

    assert_exact_error(
        &answer,
        409,
        "StateError",
        "Not enough SSCCs: company prefix 401234567890 with extension digit 0 has 2 of its 10000 \
         serial references left, and this request needs 3 new ones; nothing was assigned (use \
         another extension digit or company prefix)",
        &[("quantity".into(), "at most 2 new SSCCs are left".into())],
    );
    assert_eq!(
        store::sscc_pool_fingerprint(&app.db),
        before,
        "nothing assigned"
    );
    assert_eq!(store::event_count(&app.db), events, "nothing recorded");
    assert_eq!(
        ssccs_assigned_metric(&app).await,
        9_998.0,
        "a refused request counts nothing"
    );
    assert_eq!(
        store::sscc_pool_status(&app.db, &most[0]).as_deref(),
        Some("available")
    );

    // Exactly what is left still works: the returned one and the last two references.
    let rest = line.request_ssccs_ok(3, 0).await;
    assert_eq!(
        rest,
        vec![
            most[0].clone(),
            sscc_of(gcp, 0, 9_998),
            sscc_of(gcp, 0, 9_999)
        ]
    );
    let (status, body) = line.request_ssccs(1, 0).await;
    assert_eq!(status, 409, "{body}");
    // Another extension digit has its own 10 000.
    assert_eq!(line.request_ssccs_ok(1, 5).await, vec![sscc_of(gcp, 5, 0)]);
}

/// A line that brought its own SSCCs under the prefix: the pool skips the ones that are
/// containers already, for good.
async fn references_already_used_as_containers_are_skipped(db: Db) {
    let app = spawn(db).await;
    let line = Line::with_gcp(&app, "Acme", "4012345").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 2)).await;
    line.aggregate_ok(&sscc_of("4012345", 0, 1), &[child(GTIN, "S0")])
        .await;
    line.aggregate_ok(&sscc_of("4012345", 0, 2), &[child(GTIN, "S1")])
        .await;

    let got = line.request_ssccs_ok(3, 0).await;

    let want = [0, 3, 4].map(|r| sscc_of("4012345", 0, r)).to_vec();
    assert_eq!(got, want);
    assert_eq!(
        store::sscc_pool_status(&app.db, &sscc_of("4012345", 0, 1)),
        None
    );
    assert_eq!(
        line.request_ssccs_ok(1, 0).await,
        expected("4012345", 0, 5..6)
    );
}

async fn hostile_input_is_refused_and_writes_nothing(db: Db) {
    let app = spawn_with(db, |s| s.max_items = 50).await;
    let line = Line::with_gcp(&app, "Acme", "4012345").await;
    let q = "an integer from 1 to 50";
    let x = "an integer from 0 to 9 (the SSCC's first digit)";
    let cases: Vec<(Value, Vec<(&str, String)>)> = vec![
        (
            json!({"quantity": 0, "extension_digit": 0}),
            vec![("quantity", format!("must be {q}, got 0"))],
        ),
        (
            json!({"quantity": -1, "extension_digit": 0}),
            vec![("quantity", format!("must be {q}, got -1"))],
        ),
        (
            json!({"quantity": 51, "extension_digit": 0}),
            vec![("quantity", format!("must be {q}, got 51"))],
        ),
        (
            json!({"quantity": 1_000_000_000_000u64, "extension_digit": 0}),
            vec![("quantity", format!("must be {q}, got 1000000000000"))],
        ),
        (
            json!({"quantity": "5", "extension_digit": 0}),
            vec![("quantity", format!("must be {q}, got a string"))],
        ),
        (
            json!({"quantity": 2.5, "extension_digit": 0}),
            vec![("quantity", format!("must be {q}, got 2.5"))],
        ),
        (
            json!({"extension_digit": 0}),
            vec![("quantity", format!("is required: {q}"))],
        ),
        (
            json!({"quantity": 1, "extension_digit": 10}),
            vec![("extension_digit", format!("must be {x}, got 10"))],
        ),
        (
            json!({"quantity": 1, "extension_digit": -1}),
            vec![("extension_digit", format!("must be {x}, got -1"))],
        ),
        (
            json!({"quantity": 1, "extension_digit": "a"}),
            vec![("extension_digit", format!("must be {x}, got a string"))],
        ),
        (
            json!({"quantity": 1}),
            vec![("extension_digit", format!("is required: {x}"))],
        ),
        (
            json!({"quantity": 1, "extension_digit": 0, "company_prefix": 4012345}),
            vec![(
                "company_prefix",
                "must be one of your GS1 Company Prefixes as a string, got a number".into(),
            )],
        ),
        // Every wrong field is listed, not only the first.
        (
            json!({"quantity": "x", "extension_digit": null}),
            vec![
                ("quantity", format!("must be {q}, got a string")),
                ("extension_digit", format!("is required: {x}")),
            ],
        ),
    ];
    for (body, want) in cases {
        let answer = line.post("/ssccs/request", &body).await;
        let want: Vec<(String, String)> =
            want.into_iter().map(|(p, m)| (p.to_string(), m)).collect();
        assert_exact_error(
            &answer,
            400,
            "ValidationError",
            "Invalid SSCC request",
            &want,
        );
    }
    // Not JSON, not an object, no Content-Type.
    let (status, body) = line.post("/ssccs/request", &json!([1, 0])).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("ValidationError")),
        "{body}"
    );
    let raw = line
        .req(Method::POST, "/ssccs/request")
        .body("{\"quantity\": 1, \"extension_digit\": 0}");
    let (status, body) = send(raw).await;
    assert_eq!(
        (status, body["error"].clone()),
        (415, json!("ValidationError")),
        "{body}"
    );
    let broken = line
        .req(Method::POST, "/ssccs/request")
        .header("Content-Type", "application/json")
        .body("{\"quantity\": 1,");
    let (status, body) = send(broken).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("ValidationError")),
        "{body}"
    );

    assert_eq!(store::sscc_pool_fingerprint(&app.db), "", "nothing written");
    assert!(payloads(&app, line.id(), "sscc.request").is_empty());
    // The counter did not move: the first valid request starts at reference 0.
    assert_eq!(
        line.request_ssccs_ok(50, 0).await,
        expected("4012345", 0, 0..50)
    );
}

/// A retried request (same `Idempotency-Key`, same body) gets the same SSCCs and hands out
/// nothing more; the same key with another body is refused. Only `shopfloor` keys on their own
/// channel may ask.
async fn retries_are_idempotent_and_only_shopfloor_keys_may_ask(db: Db) {
    let app = spawn(db).await;
    let line = Line::with_gcp(&app, "Acme", "4012345").await;
    let keyed = |key: &'static str, quantity: u64| {
        let line = line.clone();
        async move {
            let rb = line
                .req(Method::POST, "/ssccs/request")
                .header("Idempotency-Key", key)
                .json(&json!({"quantity": quantity, "extension_digit": 0}));
            send(rb).await
        }
    };

    let first = keyed("batch-7", 4).await;
    let retry = keyed("batch-7", 4).await;
    assert_eq!(first.0, 200, "{first:?}");
    assert_eq!(retry, first, "the stored answer is replayed");
    assert_eq!(first.1["ssccs"], json!(expected("4012345", 0, 0..4)));
    assert_eq!(store::sscc_pool_count(&app.db, "assigned"), 4);
    assert_eq!(payloads(&app, line.id(), "sscc.request").len(), 1);
    let (status, body) = keyed("batch-7", 5).await;
    assert_eq!(
        (status, body["error"].clone()),
        (422, json!("IdempotencyError")),
        "{body}"
    );

    let (_, audit_only) = app.key_with_roles(line.token(), &["audit"]).await;
    let rb = line
        .req_as(Method::POST, "/ssccs/request", &audit_only)
        .json(&json!({"quantity": 1, "extension_digit": 0}));
    let (status, body) = send(rb).await;
    assert_eq!(
        (status, body["error"].clone()),
        (403, json!("ForbiddenError")),
        "{body}"
    );
    let no_channel = app
        .req(
            Method::POST,
            "/v1/manufacturer/v2/api/ssccs/release",
            line.token(),
        )
        .json(&json!({"ssccs": [first.1["ssccs"][0]]}));
    let (status, body) = send(no_channel).await;
    assert_eq!(
        (status, body["error"].clone()),
        (403, json!("ChannelError")),
        "{body}"
    );
    assert_eq!(
        store::sscc_pool_count(&app.db, "assigned"),
        4,
        "nothing more handed out"
    );
}

db_tests!(
    ssccs_are_the_extension_digit_prefix_reference_and_check_digit,
    the_default_prefix_is_the_first_listed_and_another_must_be_the_callers,
    a_tenant_without_a_prefix_is_told_who_sets_prefixes,
    running_out_of_references_is_a_state_error_that_assigns_nothing,
    references_already_used_as_containers_are_skipped,
    hostile_input_is_refused_and_writes_nothing,
    retries_are_idempotent_and_only_shopfloor_keys_may_ask,
);
