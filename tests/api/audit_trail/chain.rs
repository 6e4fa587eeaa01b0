//! The hash chain: every event links to its predecessor and rehashes by docs/audit.md's recipe
//! (recomputed here, independently of serialhub); the service and the offline CLI catch every
//! edit made behind the service's back at its seq; the chain stays gap-free and unforked under
//! concurrent writers, and the offline verifier sees consistent snapshots while they write.

use std::collections::HashSet;

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{json, Value};

use super::verify;
use crate::db_tests;
use crate::kit::chain::{event_hash, GENESIS};
use crate::kit::gs1::sscc;
use crate::kit::line::commission_body_with;
use crate::kit::store::{self, EventField};
use crate::kit::{child, send, serials, spawn, Db, Line, TestApp, GTIN};

/// `serialhub audit verify` on the app's database: (success, stdout, stderr).
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

/// M's chain of five: channel, product, commission of S0–S2, decommission of S1 (`sampled`),
/// aggregation of S0.
async fn chain_of_five(app: &TestApp) -> Line {
    let m = Line::new(app, "M").await;
    m.register(GTIN).await;
    m.commission_ok(GTIN, &serials("S", 3)).await;
    let (status, body) = m.decommission(GTIN, &["S1"], "sampled").await;
    assert_eq!(status, 200, "{body}");
    m.aggregate_ok(&sscc(0, 1), &[child(GTIN, "S0")]).await;
    m
}

async fn the_chain_links_every_event_and_verifies(db: Db) {
    let app = spawn(db).await;
    let m = chain_of_five(&app).await;

    let stored = store::chain(&app.db, m.id());
    let n = stored.len() as i64;
    assert_eq!(
        n, 5,
        "channel, product, commission, decommission, aggregate"
    );
    assert_eq!(
        stored.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=n).collect::<Vec<_>>()
    );
    assert_eq!(stored[0].prev_hash, GENESIS);
    for w in stored.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
    }
    let head = stored.last().unwrap().hash.clone();
    let body = verify(&app, m.token()).await;
    assert_eq!(
        body,
        json!({"success": true, "valid": true, "events": n, "head": head})
    );
    // The list shows the same links, and every event rehashes by the published recipe.
    let (_, list) = app.get("/v1/audit/events?limit=100", m.token()).await;
    let listed = list["items"].as_array().unwrap();
    assert_eq!(listed.last().unwrap()["hash"], json!(head));
    for e in listed {
        // New events are written with recipe 2 (docs/audit.md).
        assert_eq!(e["recipe"], json!(2), "{e}");
        assert_eq!(json!(event_hash(e)), e["hash"], "recomputed: {e}");
    }
    let (ok, out, err) = cli_verify(&app);
    assert!(ok, "intact chain: {out} {err}");
    assert!(out.contains(&head), "{out}");
}

async fn edits_behind_the_services_back_are_caught_at_their_seq(db: Db) {
    let app = spawn(db).await;
    let m = chain_of_five(&app).await;
    let stored = store::chain(&app.db, m.id());
    store::disable_audit_guards(&app.db);
    let (s2, s3, s4) = (&stored[1], &stored[2], &stored[3]);
    // (seq, field, edited value, original value); each edit must be caught at that seq.
    let cases = [
        (
            3,
            EventField::Payload,
            s3.payload.replace("S1", "S9"),
            s3.payload.clone(),
        ),
        (
            4,
            EventField::Reason,
            "stolen".to_string(),
            "sampled".to_string(),
        ),
        (
            4,
            EventField::OccurredAt,
            "2020-01-01 00:00:00".to_string(),
            s4.occurred_at.clone(),
        ),
        (
            2,
            EventField::Actor,
            "someone else".to_string(),
            s2.actor_tenant_id.clone(),
        ),
    ];
    for (seq, field, edited, original) in cases {
        let edit = format!("{field:?} of seq {seq} := {edited}");
        store::rewrite_event(&app.db, m.id(), seq, field, &edited);
        let body = verify(&app, m.token()).await;
        assert_eq!(body["valid"], json!(false), "{edit}: {body}");
        assert_eq!(body["first_broken"], json!(seq), "{edit}: {body}");
        let (ok, out, err) = cli_verify(&app);
        assert!(!ok, "{edit}: CLI must fail: {out}");
        assert!(err.contains(&format!("seq {seq}")), "{edit}: {err}");
        store::rewrite_event(&app.db, m.id(), seq, field, &original);
        let body = verify(&app, m.token()).await;
        assert_eq!(body["valid"], json!(true), "restored {edit}: {body}");
    }
}

async fn a_deleted_tail_is_caught(db: Db) {
    let app = spawn(db).await;
    let m = chain_of_five(&app).await;
    let n = store::chain(&app.db, m.id()).len() as i64;
    store::disable_audit_guards(&app.db);

    // The head no longer matches.
    store::delete_event(&app.db, m.id(), n);

    let body = verify(&app, m.token()).await;
    assert_eq!(body["valid"], json!(false), "{body}");
    assert_eq!(body["first_broken"], json!(n), "{body}");
    let (ok, _, err) = cli_verify(&app);
    assert!(!ok && err.contains(&format!("seq {n}")), "{err}");
}

async fn concurrent_writers_keep_the_chain_gap_free_and_unforked(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(GTIN).await;
    // 20 parallel writes of one tenant that do not conflict: every one must succeed.
    let mut requests = Vec::new();
    for i in 0..20 {
        let (want, rb) = if i % 4 == 3 {
            let body = json!({"name": format!("line {i}"), "type": "shopfloor",
                              "source": "manufacturer_v2_api"});
            (201, m.api(Method::POST, "/v1/tenant/channels").json(&body))
        } else {
            let serials = [format!("P{i}a"), format!("P{i}b")];
            let body = commission_body_with(GTIN, "L1", "281231", &serials);
            (200, m.req(Method::POST, "/serials/commission").json(&body))
        };
        requests.push(async move { (want, send(rb).await) });
    }
    for (want, (status, body)) in join_all(requests).await {
        assert_eq!(status, want, "{body}");
    }
    let stored = store::chain(&app.db, m.id());
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
    m.register(GTIN).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..3 {
        let (line, stop) = (m.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let serials = [format!("W{w}-{i}")];
                let body = commission_body_with(GTIN, "L1", "281231", &serials);
                let (status, answer) = line.post("/serials/commission", &body).await;
                assert_eq!(status, 200, "{answer}");
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
    assert!(
        store::chain(&app.db, m.id()).len() > 10,
        "the writers wrote"
    );
    let body = verify(&app, m.token()).await;
    assert_eq!(body["valid"], json!(true), "{body}");
}

/// Every event the API lists rehashes by the recipe, whichever chain it belongs to (M sees its
/// CMO's events on its goods).
async fn listed_events_of_every_visible_chain_rehash(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    let c = Line::with_gcp(&app, "C", crate::kit::gs1::OTHER_GCP).await;
    m.register(GTIN).await;
    crate::kit::partners::partner(&m, &c, &[GTIN]).await;
    // Awkward text: escaping and UTF-8 must hash as the recipe says.
    c.commission_ok(GTIN, &["q\"1/2", "A%&'<>?"]).await;
    let body = json!({"name": "Ibuprofène 400 mg \"forte\" \\ 10×", "type": "shopfloor",
                      "source": "manual"});
    let (status, answer) = send(m.api(Method::POST, "/v1/tenant/channels").json(&body)).await;
    assert_eq!(status, 201, "{answer}");

    let (status, list) = app.get("/v1/audit/events?limit=100", m.token()).await;
    assert_eq!(status, 200, "{list}");
    let events: Vec<Value> = list["items"].as_array().unwrap().clone();
    let chains: HashSet<&str> = events
        .iter()
        .map(|e| e["chain_tenant_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        chains,
        HashSet::from([m.id(), c.id()]),
        "both chains listed"
    );
    for e in &events {
        assert_eq!(json!(event_hash(e)), e["hash"], "recomputed: {e}");
    }
}

db_tests!(
    the_chain_links_every_event_and_verifies,
    edits_behind_the_services_back_are_caught_at_their_seq,
    a_deleted_tail_is_caught,
    concurrent_writers_keep_the_chain_gap_free_and_unforked,
    offline_verify_is_consistent_under_concurrent_writes,
    listed_events_of_every_visible_chain_rehash,
);
