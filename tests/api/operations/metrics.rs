//! `/metrics` in the Prometheus text format, parsed here by the format's own rules.

use std::collections::HashMap;

use serde_json::json;

use crate::db_tests;
use crate::kit::{children, serials, spawn, Db, Line, GTIN};

/// One sample: name, labels, value.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: HashMap<String, String>,
    value: f64,
}

/// Parses the text format: `# HELP` and `# TYPE` lines, then `name{k="v",…} value` lines. Panics
/// on anything else, and on a sample whose family was not announced by `# TYPE` first.
fn parse(text: &str) -> (HashMap<String, String>, Vec<Sample>) {
    let mut types = HashMap::new();
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            types.insert(name.to_string(), kind.to_string());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("value of {line}"));
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => {
                let inner = rest.strip_suffix('}').unwrap_or_else(|| panic!("{line}"));
                let labels = inner
                    .split(',')
                    .map(|pair| {
                        let (k, v) = pair.split_once('=').unwrap_or_else(|| panic!("{line}"));
                        let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
                        (
                            k.to_string(),
                            v.unwrap_or_else(|| panic!("{line}")).to_string(),
                        )
                    })
                    .collect();
                (name.to_string(), labels)
            }
            None => (series.to_string(), HashMap::new()),
        };
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .filter(|f| types.get(*f).is_some_and(|k| k == "histogram"))
            .unwrap_or(&name)
            .to_string();
        assert!(types.contains_key(&family), "no # TYPE before {line}");
        samples.push(Sample {
            name,
            labels,
            value,
        });
    }
    (types, samples)
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
}

async fn metrics_count_requests_pool_login_and_goods(db: Db) {
    // Arrange: 3 packs commissioned, 2 aggregated onto a case, that case released
    let app = spawn(db).await;
    let line = Line::new(&app, "M").await;
    line.register(GTIN).await;
    let packs = serials("S", 3);
    line.commission_ok(GTIN, &packs).await;
    let case = line.sscc(1);
    line.aggregate_ok(&case, &children(GTIN, &packs[..2])).await;
    let (status, body) = line.release(&json!({"ssccs": [case]})).await;
    assert_eq!(status, 200, "{body}");

    // Act
    let resp = app.client.get(app.url("/metrics")).send().await.unwrap();
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_string();
    let text = resp.text().await.unwrap();
    let (types, samples) = parse(&text);

    // Assert: the format, then each group of metrics
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let commission = [
        ("method", "POST"),
        ("route", "/v1/manufacturer/v2/api/serials/commission"),
        ("status", "200"),
    ];
    assert_eq!(
        value(&samples, "serialhub_http_requests_total", &commission),
        Some(1.0)
    );
    let latency = &commission[..2];
    assert_eq!(
        value(
            &samples,
            "serialhub_http_request_duration_seconds_count",
            latency
        ),
        Some(1.0)
    );
    let mut inf = latency.to_vec();
    inf.push(("le", "+Inf"));
    assert_eq!(
        value(
            &samples,
            "serialhub_http_request_duration_seconds_bucket",
            &inf
        ),
        Some(1.0)
    );
    assert_eq!(
        types["serialhub_http_request_duration_seconds"],
        "histogram"
    );
    assert_eq!(
        value(&samples, "serialhub_packs_commissioned_total", &[]),
        Some(3.0)
    );
    assert_eq!(
        value(&samples, "serialhub_packs_aggregated_total", &[]),
        Some(2.0)
    );
    assert_eq!(
        value(&samples, "serialhub_packs_released_total", &[]),
        Some(2.0)
    );
    assert_eq!(
        value(&samples, "serialhub_db_pool_max_connections", &[]),
        Some(f64::from(app.settings.pool_size))
    );
    let in_use = value(
        &samples,
        "serialhub_db_pool_connections",
        &[("state", "in_use")],
    );
    let idle = value(
        &samples,
        "serialhub_db_pool_connections",
        &[("state", "idle")],
    );
    assert!(in_use.is_some() && idle.is_some(), "{text}");
    assert!(value(&samples, "serialhub_db_pool_checkouts_total", &[]).unwrap() >= 4.0);
    for name in [
        "serialhub_db_pool_waits_total",
        "serialhub_db_pool_timeouts_total",
        "serialhub_db_pool_checkout_seconds_count",
        "serialhub_sqlite_writer_queue",
        "serialhub_sqlite_writer_wait_seconds_count",
        "serialhub_login_hashing_in_flight",
        "serialhub_login_hashing_queued",
    ] {
        assert!(
            value(&samples, name, &[]).is_some(),
            "{name} missing:\n{text}"
        );
    }
    assert_eq!(
        value(&samples, "serialhub_login_hashing_in_flight", &[]),
        Some(0.0)
    );
    assert!(value(&samples, "serialhub_login_hashing_slots", &[]).unwrap() >= 1.0);

    // A request that failed is counted with its status, under its route template.
    let (status, _) = app
        .get("/v1/containers/000000000000000000", line.token())
        .await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (_, samples) = parse(&text);
    let status_label = status.to_string();
    let template = [
        ("method", "GET"),
        ("route", "/v1/containers/{sscc}"),
        ("status", status_label.as_str()),
    ];
    assert_eq!(
        value(&samples, "serialhub_http_requests_total", &template),
        Some(1.0),
        "{text}"
    );
}

db_tests!(metrics_count_requests_pool_login_and_goods);
