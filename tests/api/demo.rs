//! `serialhub demo`: the printed credentials work; the CMO's line has already packed two SSCCs
//! and left one pack loose, pending, recorded in the audit trail as the line's doing; and the
//! printed walkthrough tells the story (CMO commissions and aggregates, its view stays empty, the
//! MAH sees the SSCC produced by the CMO, the CMO may not release, the MAH does). The same story
//! in the browser is `console::demo`.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::app::{demo_product, seed_demo, spawn_on, test_settings, TestDb};
use crate::kit::{assert_error, list_items, send, Db, TestApp};

fn run(program: &str, args: &[String]) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .env_remove("SERIALHUB_BIND")
        .env_remove("SERIALHUB_DEMO_DATABASE_URL")
        .env_remove("SERIALHUB_LOG_JSON")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("command runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{program} {args:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// What the demo printed: (tenant id, api_key, api_secret) of the MAH and the CMO, the CMO's
/// channel key, the SSCC of the walkthrough, and what the CMO's line packed before: the SSCCs
/// waiting with their serials, and the loose packs (GTIN, serial).
struct Printed {
    mah: (String, String, String),
    cmo: (String, String, String),
    channel: String,
    sscc: String,
    waiting: Vec<(String, Vec<String>)>,
    loose: Vec<(String, String)>,
}

fn after<'a>(words: &[&'a str], label: &str) -> &'a str {
    let i = words
        .iter()
        .position(|w| *w == label)
        .unwrap_or_else(|| panic!("{label} in {words:?}"));
    words[i + 1]
}

fn parse(text: &str) -> Printed {
    let creds = |who: &str| {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(who) && l.contains("api_key"))
            .unwrap_or_else(|| panic!("a credentials line for {who} in:\n{text}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        (
            after(&words, "tenant").to_string(),
            after(&words, "api_key").to_string(),
            after(&words, "api_secret").to_string(),
        )
    };
    let channel = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("CMO channel key:"))
        .expect("the channel key")
        .trim()
        .to_string();
    let sscc = text
        .split_whitespace()
        .find(|w| w.len() == 19 && w.ends_with(':') && w[..18].bytes().all(|b| b.is_ascii_digit()))
        .map(|w| w[..18].to_string())
        .expect("the SSCC of the walkthrough");
    let waiting = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("SSCC "))
        .filter_map(|rest| rest.split_once(" holding packs "))
        .map(|(sscc, serials)| {
            let serials = serials.split(", ").map(str::to_string).collect();
            (sscc.to_string(), serials)
        })
        .collect();
    let loose = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("loose pack "))
        .filter_map(|rest| rest.split_once(" / "))
        .map(|(gtin, serial)| (gtin.to_string(), serial.to_string()))
        .collect();
    Printed {
        mah: creds("MAH"),
        cmo: creds("CMO"),
        channel,
        sscc,
        waiting,
        loose,
    }
}

async fn token(app: &TestApp, (_, key, secret): &(String, String, String)) -> String {
    app.token_for(key, secret).await
}

/// Runs `serialhub demo --no-serve` on `test_db`; what it printed (parsed, and as text).
async fn run_demo(test_db: &TestDb) -> (Printed, String) {
    let url = test_db.url.clone();
    let args: Vec<String> = ["demo", "--no-serve", "--database-url", &url]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let out = tokio::task::spawn_blocking(move || run(env!("CARGO_BIN_EXE_serialhub"), &args))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (parse(&text), text)
}

/// The CMO commissions three packs of the MAH's product over its own channel and aggregates two
/// of them onto the demo's SSCC.
async fn cmo_packs_the_demo_sscc(app: &TestApp, printed: &Printed, cmo: &str) {
    let product = demo_product();
    let mv2 = |path: &str, body: Value| {
        app.req(
            reqwest::Method::POST,
            &format!("/v1/manufacturer/v2/api{path}"),
            cmo,
        )
        .header("x-channel-key", &printed.channel)
        .json(&body)
    };

    let (status, body) = send(mv2(
        "/serials/commission",
        json!({"product_code": product, "product_code_schema": "GTIN", "batch": "DEMO1",
               "expiry_date": "301200", "serial_numbers": ["DEMO0001", "DEMO0002", "DEMO0003"]}),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let children: Vec<Value> = ["DEMO0001", "DEMO0002"]
        .iter()
        .map(
            |s| json!({"product_code": product, "product_code_schema": "GTIN", "serial_number": s}),
        )
        .collect();
    let (status, body) = send(mv2(
        "/aggregate/container",
        json!({"parent": printed.sscc, "child_trade_items": children}),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
}

/// The SSCCs of a commissioning containers list.
fn ssccs_of(body: &Value) -> Vec<String> {
    list_items(body)
        .iter()
        .map(|c| c["sscc"].as_str().unwrap().to_string())
        .collect()
}

/// The CMO's line has packed before anyone signs in: the MAH sees it pending, produced by the
/// CMO, with what each SSCC holds; the CMO sees none of it; the audit trail names the CMO's key
/// and line as the actor and verifies.
async fn the_cmo_line_has_packed_before_anyone_signs_in(
    app: &TestApp,
    printed: &Printed,
    mah: &str,
    cmo: &str,
) {
    let product = demo_product();
    assert_eq!(printed.waiting.len(), 2, "two SSCCs waiting");
    assert_eq!(
        printed.loose,
        [(product.to_string(), "DEMO1005".to_string())],
        "one loose pack"
    );
    let (status, body) = app.get("/v1/commissioning/containers", mah).await;
    assert_eq!(status, 200, "{body}");
    let waiting: Vec<String> = printed.waiting.iter().map(|(s, _)| s.clone()).collect();
    assert_eq!(ssccs_of(&body), waiting, "{body}");
    for (c, (_, serials)) in list_items(&body).iter().zip(&printed.waiting) {
        assert_eq!(c["status"], "pending_commissioning_approval");
        assert_eq!(c["produced_by"]["tenant_id"], json!(printed.cmo.0));
        assert_eq!(c["produced_by"]["name"], "Demo Contract Packer (CMO)");
        assert_eq!(
            c["contents"],
            json!([{"product_code": product, "batch": "DEMO0", "expiry_date": "301200",
                    "packs": serials.len()}])
        );
    }
    let (status, body) = app.get("/v1/commissioning/items?loose=true", mah).await;
    assert_eq!(status, 200, "{body}");
    let loose = list_items(&body);
    assert_eq!(loose.len(), 1, "{body}");
    assert_eq!(loose[0]["serial_number"], "DEMO1005");
    assert_eq!(loose[0]["produced_by"]["tenant_id"], json!(printed.cmo.0));
    for path in [
        "/v1/commissioning/containers",
        "/v1/commissioning/items",
        "/v1/commissioning/products",
    ] {
        let (status, body) = app.get(path, cmo).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["items"],
            json!([]),
            "the CMO sees none of it: {path}: {body}"
        );
    }

    // The trail records the packing as the CMO's line: its tenant, key and channel.
    let (_, channels) = app.get("/v1/tenant/channels", cmo).await;
    let line = list_items(&channels)
        .into_iter()
        .find(|c| c["channel_key"] == json!(printed.channel))
        .expect("the printed channel is the CMO's");
    let (_, keys) = app.get("/v1/tenant/api_keys", cmo).await;
    let key = list_items(&keys)
        .into_iter()
        .find(|k| k["api_key"] == json!(printed.cmo.1))
        .expect("the printed key is the CMO's");
    for (sscc, _) in &printed.waiting {
        let (status, body) = app
            .get(&format!("/v1/audit/events?object={sscc}"), mah)
            .await;
        assert_eq!(status, 200, "{body}");
        let events = list_items(&body);
        let actions: Vec<&Value> = events.iter().map(|e| &e["action"]).collect();
        assert_eq!(actions, [&json!("aggregate")], "{body}");
        let actor = &events[0]["actor"];
        assert_eq!(actor["tenant_id"], json!(printed.cmo.0));
        assert_eq!(actor["api_key_id"], key["id"]);
        assert_eq!(actor["channel_id"], line["id"]);
        assert_eq!(events[0]["request_id"], "serialhub-demo");
    }
    let (status, body) = app
        .get(&format!("/v1/audit/events?object={product}/DEMO1005"), mah)
        .await;
    assert_eq!(status, 200, "{body}");
    let commission = &list_items(&body)[0];
    assert_eq!(commission["action"], "commission", "{body}");
    assert_eq!(commission["actor"]["channel_id"], line["id"]);
    for token in [mah, cmo] {
        let (status, body) = app.get("/v1/audit/verify", token).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["valid"], json!(true), "{body}");
    }
}

async fn demo_command_prints_credentials_that_tell_the_whole_story(db: Db) {
    let test_db = TestDb::fresh(db);
    let (printed, text) = run_demo(&test_db).await;
    // The web console's address (on the default bind) and whom to sign in as.
    let console = text
        .lines()
        .find_map(|l| l.strip_prefix("Web console: "))
        .expect("the console's address");
    assert_eq!(console.trim(), "http://127.0.0.1:8080/console/", "{text}");
    assert!(
        text.contains("Sign in as the MAH with its api_key and api_secret above"),
        "{text}"
    );
    let url = test_db.url.clone();
    let app = spawn_on(test_db, test_settings(&url)).await;
    let cmo = token(&app, &printed.cmo).await;
    let mah = token(&app, &printed.mah).await;

    the_cmo_line_has_packed_before_anyone_signs_in(&app, &printed, &mah, &cmo).await;
    cmo_packs_the_demo_sscc(&app, &printed, &cmo).await;

    // The CMO's view stays empty; the MAH sees the SSCC, produced by the CMO, after the two its
    // line packed before.
    let (status, body) = app.get("/v1/commissioning/containers", &cmo).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"], json!([]), "{body}");
    let (status, body) = app.get("/v1/commissioning/containers", &mah).await;
    assert_eq!(status, 200, "{body}");
    let mut all: Vec<String> = printed.waiting.iter().map(|(s, _)| s.clone()).collect();
    all.push(printed.sscc.clone());
    assert_eq!(ssccs_of(&body), all, "{body}");
    assert_eq!(
        body["items"][2]["produced_by"]["tenant_id"],
        json!(printed.cmo.0)
    );
    assert_eq!(
        body["items"][2]["produced_by"]["name"],
        "Demo Contract Packer (CMO)"
    );

    // Only the MAH releases.
    let release = json!({"ssccs": [printed.sscc]});
    let (status, body) = app
        .post("/v1/commissioning/release_to_market", &cmo, &release)
        .await;
    assert_error(status, &body, 403, "ForbiddenError");
    let (status, body) = app
        .post("/v1/commissioning/release_to_market", &mah, &release)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["released"].clone(), body["containers"].clone()),
        (json!(2), json!(1))
    );
    let (status, body) = app
        .get(&format!("/v1/containers/{}", printed.sscc), &mah)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "released");
    assert_eq!(body["produced_by"]["tenant_id"], json!(printed.cmo.0));
    let (_, tenant) = app.get("/v1/tenant", &mah).await;
    assert_eq!(tenant["id"], json!(printed.mah.0));
    // What the line packed before is still waiting.
    let (_, body) = app.get("/v1/commissioning/containers", &mah).await;
    assert_eq!(ssccs_of(&body), all[..2].to_vec(), "{body}");
}

/// The curl commands of a walkthrough, each as one shell command (continuation lines joined).
fn commands(walkthrough: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut continuing = false;
    for line in walkthrough.lines() {
        if continuing {
            out.last_mut().unwrap().push_str(&format!("\n{line}"));
        } else if line.starts_with("curl ") {
            out.push(line.to_string());
        } else {
            continue;
        }
        continuing = line.ends_with('\\');
    }
    out
}

async fn the_printed_walkthrough_runs_as_written(db: Db) {
    let test_db = TestDb::fresh(db);
    let seeded = seed_demo(&test_db).await;
    let url = test_db.url.clone();
    let app = spawn_on(test_db, test_settings(&url)).await;
    // Token files of this run only, so parallel runs do not share them.
    let dir = std::env::temp_dir().join(format!("serialhub-demo-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = seeded
        .walkthrough(&app.address)
        .replace("/tmp/", &format!("{}/", dir.display()));
    let cmds = commands(&script);
    assert_eq!(cmds.len(), 13, "{script}");
    let mut outputs = Vec::new();
    for cmd in cmds {
        let args = vec!["-c".to_string(), format!("set -o pipefail; {cmd}")];
        let out = tokio::task::spawn_blocking(move || run("bash", &args))
            .await
            .unwrap();
        assert!(out.status.success(), "{cmd}");
        outputs.push(String::from_utf8_lossy(&out.stdout).to_string());
    }
    let _ = std::fs::remove_dir_all(&dir);
    let json_of = |i: usize| -> Value {
        serde_json::from_str(&outputs[i]).unwrap_or_else(|_| panic!("step {i}: {}", outputs[i]))
    };
    assert_eq!(json_of(1)["message"], "Serials commissioned");
    assert_eq!(json_of(2)["message"], "Aggregated on container");
    assert_eq!(json_of(3)["items"], json!([]), "the CMO's view is empty");
    // The MAH sees the walkthrough's SSCC after the two the CMO's line packed before, all three
    // produced by the CMO.
    let mut pending: Vec<String> = seeded.packed.iter().map(|(s, _)| s.clone()).collect();
    pending.push(seeded.sscc.clone());
    assert_eq!(ssccs_of(&json_of(5)), pending, "{}", outputs[5]);
    for c in list_items(&json_of(5)) {
        assert_eq!(c["produced_by"]["tenant_id"], json!(seeded.cmo_tenant_id));
    }
    assert_eq!(json_of(6)["error"], "ForbiddenError");
    assert_eq!(json_of(7)["released"], 2);
    assert_eq!(json_of(8)["status"], "released");
    // The pool and the order: the MAH gave the CMO 40 of its 100 serials, 20 of them went to the
    // CMO's order, which is in progress; finishing it returns them.
    // The MAH's assigned serials: the 40 it gave the CMO (20 of them now held by its order), and
    // the packs commissioned so far (external serials: the walkthrough's and the line's own).
    let mah_assigned = list_items(&json_of(9));
    assert!(mah_assigned.iter().all(|r| r["pool_status"] == "assigned"));
    let given: Vec<&Value> = mah_assigned
        .iter()
        .filter(|r| r["external"] == json!(false))
        .collect();
    assert_eq!(given.len(), 40, "{}", outputs[9]);
    assert!(given
        .iter()
        .all(|r| r["assigned_to"]["tenant_id"] == json!(seeded.cmo_tenant_id)));
    assert_eq!(
        given
            .iter()
            .filter(|r| r["assigned_to"]["type"] == "packaging_order")
            .count(),
        20
    );
    assert_eq!(list_items(&json_of(10)).len(), 20, "{}", outputs[10]);
    let order = json_of(11);
    assert_eq!(
        (&order["status"], &order["order_id"]),
        (&json!("in_progress"), &json!("DEMO-PO-1")),
        "{order}"
    );
    assert_eq!(
        order["serial_numbers"].as_array().map(Vec::len),
        Some(20),
        "{order}"
    );
    let finished = json_of(12);
    assert_eq!(finished["status"], "finished", "{finished}");
    assert_eq!(
        finished["reconciliation"],
        json!({"assigned": 20, "commissioned": 0, "aggregated": 0, "decommissioned": 0, "returned": 20})
    );
}

db_tests!(
    demo_command_prints_credentials_that_tell_the_whole_story,
    the_printed_walkthrough_runs_as_written,
);
