//! Finding 4 of issue 12: `serialhub audit verify` covers every tenant, even one whose events were
//! all deleted; and signed checkpoints close the gap the database alone leaves (a cut tail plus a
//! rewritten head). The signed bytes are checked with Python's `cryptography`, by the recipe in
//! docs/audit.md, run exactly as written there.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::db_tests;
use crate::kit::gs1::sscc;
use crate::kit::store;
use crate::kit::{child, serials, spawn, Db, Line, TestApp, GTIN};

/// `serialhub audit verify ARGS… --database-url <app's>`: (success, stdout, stderr).
fn cli_verify(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_serialhub"))
        .args(["audit", "verify"])
        .args(args)
        .args(["--database-url", &app.db.url])
        .output()
        .expect("run serialhub audit verify");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// M's chain of five events (channel, product, commission, two aggregations).
async fn chain_of_five(app: &TestApp) -> Line {
    let m = Line::new(app, "M").await;
    m.register(GTIN).await;
    m.commission_ok(GTIN, &serials("S", 2)).await;
    m.aggregate_ok(&sscc(0, 1), &[child(GTIN, "S0")]).await;
    m.aggregate_ok(&sscc(0, 2), &[child(GTIN, "S1")]).await;
    assert_eq!(store::chain(&app.db, m.id()).len(), 5);
    m
}

/// A throw-away folder for files an auditor keeps.
fn folder() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("serialhub-cp-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `GET /v1/audit/checkpoint`, kept in a file as an auditor would.
async fn keep_checkpoint(app: &TestApp, m: &Line, dir: &Path, name: &str) -> (PathBuf, Value) {
    let (status, cp) = app.get("/v1/audit/checkpoint", m.token()).await;
    assert_eq!(status, 200, "{cp}");
    let path = dir.join(name);
    std::fs::write(&path, cp.to_string()).unwrap();
    (path, cp)
}

/// The Python of docs/audit.md's "Checking a checkpoint with any Ed25519 tool", as written there.
fn recipe() -> String {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/audit.md"))
        .expect("docs/audit.md");
    let section = doc
        .split_once("### Checking a checkpoint with any Ed25519 tool")
        .expect("the recipe's section")
        .1;
    let code = section
        .split_once("```python\n")
        .expect("its Python block")
        .1;
    code.split_once("```")
        .expect("the block's end")
        .0
        .to_string()
}

/// Runs the recipe on two files: (success, stdout + stderr).
fn run_recipe(script: &Path, checkpoint: &Path, keys: &Path) -> (bool, String) {
    let python = std::env::var("SERIALHUB_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&python)
        .arg(script)
        .arg(checkpoint)
        .arg(keys)
        .output()
        .unwrap_or_else(|e| panic!("{python} runs (set SERIALHUB_TEST_PYTHON): {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !text.contains("No module named 'cryptography'"),
        "{python} needs the cryptography package (.ci/run installs it in a venv): {text}"
    );
    (out.status.success(), text)
}

async fn a_checkpoint_is_checked_with_any_ed25519_tool_by_the_documented_recipe(db: Db) {
    let app = spawn(db).await;
    let m = chain_of_five(&app).await;
    let dir = folder();
    let (cp_path, cp) = keep_checkpoint(&app, &m, &dir, "m.json").await;
    let head = store::chain(&app.db, m.id()).pop().unwrap();
    assert_eq!(cp["tenant_id"], m.id());
    assert_eq!(
        (cp["seq"].as_i64(), cp["hash"].as_str()),
        (Some(5), Some(head.hash.as_str()))
    );
    for field in ["signed_at", "key_id", "signature"] {
        assert!(cp[field].is_string(), "{field}: {cp}");
    }
    // The public keys need no token.
    let keys: Value = app
        .client
        .get(app.url("/v1/audit/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keys["keys"][0]["algorithm"], "Ed25519");
    assert_eq!(keys["keys"][0]["key_id"], cp["key_id"]);
    let keys_path = dir.join("keys.json");
    std::fs::write(&keys_path, keys.to_string()).unwrap();
    let script = dir.join("check_checkpoint.py");
    std::fs::write(&script, recipe()).unwrap();

    let (ok, text) = run_recipe(&script, &cp_path, &keys_path);
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("signature valid, head {}", head.hash)),
        "{text}"
    );
    // Any change of a signed field breaks the signature.
    for (field, value) in [
        ("seq", Value::from(4)),
        ("hash", Value::from("0".repeat(64))),
    ] {
        let mut forged = cp.clone();
        forged[field] = value;
        let path = dir.join(format!("forged-{field}.json"));
        std::fs::write(&path, forged.to_string()).unwrap();
        let (ok, text) = run_recipe(&script, &path, &keys_path);
        assert!(!ok && text.contains("BAD signature"), "{field}: {text}");
    }
    std::fs::remove_dir_all(dir).ok();
}

async fn verify_covers_a_tenant_whose_events_were_all_deleted(db: Db) {
    let app = spawn(db).await;
    let m = chain_of_five(&app).await;
    let other = Line::new(&app, "Other").await;
    store::disable_audit_guards(&app.db);
    store::delete_chain_events(&app.db, m.id());
    let (ok, out, err) = cli_verify(&app, &[]);
    assert!(!ok, "{out}");
    assert!(
        err.contains(&format!("chain of tenant {} is broken at seq 1", m.id())),
        "{err}"
    );
    assert!(
        out.contains(other.id()),
        "the other chain is reported too: {out}"
    );
}

async fn a_cut_tail_with_a_rewritten_head_is_caught_by_a_kept_checkpoint(db: Db) {
    let app = spawn(db).await;
    let m = chain_of_five(&app).await;
    let dir = folder();
    let chain = store::chain(&app.db, m.id());
    // An auditor kept a checkpoint at seq 5.
    let (at_five, _) = keep_checkpoint(&app, &m, &dir, "five.json").await;

    // Someone with database access cuts events 4 and 5 and moves the head back to event 3.
    store::disable_audit_guards(&app.db);
    store::delete_event(&app.db, m.id(), 5);
    store::delete_event(&app.db, m.id(), 4);
    store::rewrite_head(&app.db, m.id(), 3, &chain[2].hash);
    let (ok, _, err) = cli_verify(&app, &[]);
    assert!(ok, "the database alone cannot show it: {err}");

    // The kept checkpoint shows it.
    let five = at_five.to_str().unwrap();
    let (ok, out, err) = cli_verify(&app, &["--checkpoint", five]);
    assert!(!ok, "{out}");
    assert!(
        err.contains(&format!(
            "chain of tenant {} does not extend checkpoint {five} (seq 5): the chain no longer has event 5",
            m.id()
        )),
        "{err}"
    );
    // A checkpoint of the head as it is now is extended; a forged one is refused.
    let (now, cp) = keep_checkpoint(&app, &m, &dir, "three.json").await;
    assert_eq!(cp["seq"], 3);
    let (ok, _, err) = cli_verify(&app, &["--checkpoint", now.to_str().unwrap()]);
    assert!(ok, "{err}");
    let mut forged = cp.clone();
    forged["seq"] = 2.into();
    forged["hash"] = chain[1].hash.clone().into();
    let path = dir.join("forged.json");
    std::fs::write(&path, forged.to_string()).unwrap();
    let (ok, _, err) = cli_verify(&app, &["--checkpoint", path.to_str().unwrap()]);
    assert!(
        !ok && err.contains("the signature does not verify"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).ok();
}

db_tests!(
    a_checkpoint_is_checked_with_any_ed25519_tool_by_the_documented_recipe,
    verify_covers_a_tenant_whose_events_were_all_deleted,
    a_cut_tail_with_a_rewritten_head_is_caught_by_a_kept_checkpoint,
);
