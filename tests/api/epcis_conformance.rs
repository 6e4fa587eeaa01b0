//! EPCIS 2.0 conformance: a realistic story exported by `GET /v1/epcis/events` validates against
//! the official GS1 EPCIS 2.0 JSON Schema (`../shared/data/epcis/EPCIS-JSON-Schema.json`, with
//! `format` keywords enforced), and the events carry the GS1.md mapping. The schema file is
//! required: a missing file fails the test, it never skips.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::chain::event_hash;
use crate::kit::gs1::{pack_uri, sscc_uri};
use crate::kit::gs1::{sscc, sscc_other};
use crate::kit::{child, spawn, Db, Line, TestApp, GTIN};

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/epcis/EPCIS-JSON-Schema.json")
}

/// The official schema, compiled with format validation switched on explicitly (draft 7).
fn validator() -> jsonschema::Validator {
    let path = schema_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the GS1 EPCIS 2.0 JSON Schema must be present at {}: {e}",
            path.display()
        )
    });
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the EPCIS schema compiles")
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[track_caller]
fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errs = errors(v, doc);
    assert!(
        errs.is_empty(),
        "EPCIS document does not validate:\n{}\n{doc:#}",
        errs.join("\n")
    );
}

async fn export(app: &TestApp, token: &str, query: &str) -> Value {
    let resp = app
        .req(
            reqwest::Method::GET,
            &format!("/v1/epcis/events{query}"),
            token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/ld+json"), "{ct}");
    resp.json().await.unwrap()
}

/// The audit actions about goods; the others (keys, channels, products, partnerships) have no
/// EPCIS form.
const GOODS_ACTIONS: [&str; 5] = [
    "commission",
    "aggregate",
    "disaggregate",
    "decommission",
    "release",
];

fn uri(serial: &str) -> String {
    pack_uri(GTIN, serial)
}

/// commission (batch + expiry) → packs onto cases → cases onto a pallet → disaggregate one and
/// all → decommission destroyed and sampled → release the pallet. Returns the line and SSCCs.
async fn story(app: &TestApp) -> (Line, [String; 3]) {
    let m = Line::new(app, "M").await;
    m.register(GTIN).await;
    let serials: Vec<String> = ["S0", "S1", "S2", "S3", "S4", "S5"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    m.commission_ok(GTIN, &serials).await;
    let (case1, case2, pallet) = (sscc(0, 1), sscc(0, 2), sscc(0, 3));
    m.aggregate_ok(&case1, &[child(GTIN, "S0"), child(GTIN, "S1")])
        .await;
    m.aggregate_ok(&case2, &[child(GTIN, "S2"), child(GTIN, "S3")])
        .await;
    let (status, body) = m.palletise(&pallet, &[&case1, &case2]).await;
    assert_eq!(status, 200, "{body}");
    // Disaggregate one named pack, then everything left in the case.
    let (status, body) = m
        .delete(
            "/aggregate/container",
            &json!({"parent": case2, "child_trade_items": [child(GTIN, "S3")]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = m
        .delete("/aggregate/container", &json!({"parent": case2}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = m.decommission(GTIN, &["S4"], "destroyed").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = m.decommission(GTIN, &["S5"], "sampled").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            "/v1/commissioning/release_to_market",
            m.token(),
            &json!({"ssccs": [pallet]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    (m, [case1, case2, pallet])
}

async fn a_realistic_export_validates_against_the_gs1_schema(db: Db) {
    let v = validator();
    let app = spawn(db).await;
    let (m, _) = story(&app).await;
    let doc = export(&app, m.token(), "").await;
    assert_valid(&v, &doc);

    assert_eq!(
        doc["@context"],
        json!(["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"])
    );
    assert_eq!(doc["type"], "EPCISDocument");
    assert_eq!(doc["schemaVersion"], "2.0");
    let events = doc["epcisBody"]["eventList"].as_array().unwrap().clone();
    // Administrative events (channel, product) have no EPCIS form: only the 10 goods events.
    let kinds: Vec<(String, String, String)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
                e["bizStep"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let k = |t: &str, a: &str, b: &str| (t.to_string(), a.to_string(), b.to_string());
    assert_eq!(
        kinds,
        vec![
            k("ObjectEvent", "ADD", "commissioning"),
            k("AggregationEvent", "ADD", "packing"),
            k("AggregationEvent", "ADD", "packing"),
            k("AggregationEvent", "ADD", "packing"),
            k("AggregationEvent", "DELETE", "unpacking"),
            k("AggregationEvent", "DELETE", "unpacking"),
            k("ObjectEvent", "DELETE", "decommissioning"),
            k("ObjectEvent", "DELETE", "decommissioning"),
            k("ObjectEvent", "OBSERVE", "other"),
        ]
    );
    for e in &events {
        assert_eq!(e["eventTimeZoneOffset"], "+00:00", "{e}");
        let id = e["eventID"].as_str().unwrap();
        assert!(
            id.starts_with("ni:///sha-256;") && id.ends_with("?ver=CBV2.0"),
            "{id}"
        );
    }
    // Each eventID names its audit event's hash, which rehashes by docs/audit.md's recipe.
    let (status, audit) = app.get("/v1/audit/events?limit=100", m.token()).await;
    assert_eq!(status, 200, "{audit}");
    let expected: Vec<String> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| GOODS_ACTIONS.contains(&e["action"].as_str().unwrap()))
        .map(|e| format!("ni:///sha-256;{}?ver=CBV2.0", event_hash(e)))
        .collect();
    let ids: Vec<&str> = events
        .iter()
        .map(|e| e["eventID"].as_str().unwrap())
        .collect();
    assert_eq!(ids, expected);
}

/// Each exported event carries GS1.md's mapping of its operation.
async fn exported_events_carry_the_gs1_md_mapping(db: Db) {
    let app = spawn(db).await;
    let (m, [case1, case2, pallet]) = story(&app).await;
    let doc = export(&app, m.token(), "").await;
    let events = doc["epcisBody"]["eventList"].as_array().unwrap().clone();

    let commission = &events[0];
    assert_eq!(commission["disposition"], "active");
    assert_eq!(commission["epcList"].as_array().unwrap().len(), 6);
    assert!(commission["epcList"]
        .as_array()
        .unwrap()
        .contains(&json!(uri("S0"))));
    assert_eq!(commission["ilmd"]["cbvmda:lotNumber"], "BATCH002");
    // Expiry printed as 281200 (day 00): the last day of the month, as a full date.
    assert_eq!(
        commission["ilmd"]["cbvmda:itemExpirationDate"],
        "2028-12-31"
    );

    let packing = &events[1];
    assert_eq!(packing["disposition"], "in_progress");
    assert_eq!(packing["parentID"], json!(sscc_uri(&case1)));
    assert_eq!(packing["childEPCs"], json!([uri("S0"), uri("S1")]));
    let palletising = &events[3];
    assert_eq!(palletising["parentID"], json!(sscc_uri(&pallet)));
    assert_eq!(
        palletising["childEPCs"],
        json!([sscc_uri(&case1), sscc_uri(&case2)])
    );

    let unpack_one = &events[4];
    assert_eq!(unpack_one["parentID"], json!(sscc_uri(&case2)));
    assert_eq!(unpack_one["childEPCs"], json!([uri("S3")]));
    assert_eq!(unpack_one["disposition"], "in_progress");
    let unpack_all = &events[5];
    assert_eq!(unpack_all["parentID"], json!(sscc_uri(&case2)));
    assert!(
        unpack_all.get("childEPCs").is_none(),
        "unpacking all lists no children: {unpack_all}"
    );

    let destroyed = &events[6];
    assert_eq!(destroyed["epcList"], json!([uri("S4")]));
    assert_eq!(destroyed["disposition"], "destroyed");
    let sampled = &events[7];
    assert_eq!(sampled["epcList"], json!([uri("S5")]));
    assert_eq!(sampled["disposition"], "inactive");

    let release = &events[8];
    assert_eq!(release["disposition"], "sellable_accessible");
    assert_eq!(release["urn:serialhub:epcis:action"], "release_to_market");
    assert_eq!(release["epcList"], json!([sscc_uri(&pallet)]));
}

async fn filtered_and_empty_exports_validate(db: Db) {
    let v = validator();
    let app = spawn(db).await;
    let (m, _) = story(&app).await;

    // Filtered exports validate too: one pack's story, one action.
    let doc = export(&app, m.token(), &format!("?object={GTIN}/S0")).await;
    assert_valid(&v, &doc);
    let steps: Vec<&str> = doc["epcisBody"]["eventList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["bizStep"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["commissioning", "packing", "other"]);
    let doc = export(&app, m.token(), "?action=decommission").await;
    assert_valid(&v, &doc);
    assert_eq!(doc["epcisBody"]["eventList"].as_array().unwrap().len(), 2);
    // An empty export is still a valid document.
    let doc = export(&app, m.token(), "?action=release&from=2099-01-01T00:00:00Z").await;
    assert_valid(&v, &doc);
    assert_eq!(doc["epcisBody"]["eventList"], json!([]));
}

/// Negative controls: broken documents must fail, proving the validator (and its format
/// checks) are live.
async fn broken_documents_fail_validation(db: Db) {
    let v = validator();
    let app = spawn(db).await;
    let (m, _) = story(&app).await;
    let doc = export(&app, m.token(), "").await;
    assert_valid(&v, &doc);

    let mut no_offset = doc.clone();
    no_offset["epcisBody"]["eventList"][0]
        .as_object_mut()
        .unwrap()
        .remove("eventTimeZoneOffset");
    assert!(
        !errors(&v, &no_offset).is_empty(),
        "missing eventTimeZoneOffset must fail"
    );

    let mut bad_time = doc.clone();
    bad_time["epcisBody"]["eventList"][0]["eventTime"] = json!("2026-13-45T99:00:00Z");
    assert!(
        !errors(&v, &bad_time).is_empty(),
        "format date-time must be enforced"
    );

    let mut bad_uri = doc.clone();
    bad_uri["epcisBody"]["eventList"][0]["epcList"][0] = json!("not a uri");
    assert!(
        !errors(&v, &bad_uri).is_empty(),
        "format uri must be enforced"
    );

    let mut bad_action = doc.clone();
    bad_action["epcisBody"]["eventList"][0]["action"] = json!("INSERT");
    assert!(
        !errors(&v, &bad_action).is_empty(),
        "action enum must be enforced"
    );

    let mut no_type = doc;
    no_type.as_object_mut().unwrap().remove("type");
    assert!(
        !errors(&v, &no_type).is_empty(),
        "a document without type must fail"
    );
}

/// A CMO's bundle and case for its MAH: the CMO's export and the MAH's both carry them and
/// validate; an unrelated tenant's export is an empty, valid document.
async fn partner_exports_with_bundles_validate_and_respect_visibility(db: Db) {
    let v = validator();
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    let c1 = Line::with_gcp(&app, "C1", "9521234").await;
    let x = Line::with_gcp(&app, "X", "4000001").await;
    m.register(GTIN).await;
    let (status, body) = app
        .post(
            "/v1/tenant/partnerships",
            m.token(),
            &json!({"cmo_tenant_id": c1.tenant.id, "product_codes": [GTIN]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let pid = body["id"].as_str().unwrap();
    let (status, body) = app
        .post(
            &format!("/v1/tenant/partnerships/{pid}/accept"),
            c1.token(),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let s: Vec<String> = ["B0", "B1", "B2"].iter().map(|s| s.to_string()).collect();
    c1.commission_ok(GTIN, &s).await;
    let (status, body) = c1
        .bundle(child(GTIN, "B0"), &[child(GTIN, "B1"), child(GTIN, "B2")])
        .await;
    assert_eq!(status, 200, "{body}");
    let case = sscc_other(9);
    c1.aggregate_ok(&case, &[child(GTIN, "B0")]).await;

    let steps = |doc: &Value| -> Vec<String> {
        doc["epcisBody"]["eventList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["bizStep"].as_str().unwrap().to_string())
            .collect()
    };
    for who in [&m, &c1] {
        let doc = export(&app, who.token(), "").await;
        assert_valid(&v, &doc);
        assert_eq!(steps(&doc), ["commissioning", "packing", "packing"]);
        let bundle = &doc["epcisBody"]["eventList"][1];
        assert_eq!(bundle["parentID"], json!(uri("B0")));
        assert_eq!(bundle["childEPCs"], json!([uri("B1"), uri("B2")]));
    }
    let doc = export(&app, x.token(), "").await;
    assert_valid(&v, &doc);
    assert_eq!(doc["epcisBody"]["eventList"], json!([]));
}

db_tests!(
    partner_exports_with_bundles_validate_and_respect_visibility,
    a_realistic_export_validates_against_the_gs1_schema,
    exported_events_carry_the_gs1_md_mapping,
    filtered_and_empty_exports_validate,
    broken_documents_fail_validation,
);
