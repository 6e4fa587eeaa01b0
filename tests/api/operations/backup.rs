//! `serialhub backup --to PATH`: a consistent copy of a live SQLite database, which serialhub
//! serves and `audit verify` accepts; on PostgreSQL the command points to `pg_dump`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::db_tests;
use crate::kit::app::{spawn_on, test_settings, TestDb};
use crate::kit::process::run_cli;
use crate::kit::{serials, spawn, store, Db, Line, GTIN};

const BATCH: usize = 50;

fn backup_path() -> PathBuf {
    std::env::temp_dir().join(format!("serialhub-backup-{}.db", uuid::Uuid::new_v4()))
}

async fn backup_copies_a_live_database_consistently(db: Db) {
    let app = spawn(db).await;
    let to = backup_path();
    let to_text = to.display().to_string();
    if db == Db::Postgres {
        // PostgreSQL has its own tools: the command says which, and writes nothing.
        let out = run_cli(&["backup", "--to", &to_text, "--database-url", &app.db.url]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("pg_dump"), "{stderr}");
        assert!(!to.exists(), "no file written");
        return;
    }

    // Arrange: a line commissioning batches of 50 while the backup runs
    let line = Line::new(&app, "M").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("A", BATCH)).await;
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (line, stop) = (line.clone(), stop.clone());
        tokio::spawn(async move {
            let mut batch = 0;
            while !stop.load(Ordering::Relaxed) {
                line.commission_ok(GTIN, &serials(&format!("B{batch}-"), BATCH))
                    .await;
                batch += 1;
            }
            batch
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    // Act
    let out = run_cli(&["backup", "--to", &to_text, "--database-url", &app.db.url]).await;
    stop.store(true, Ordering::Relaxed);
    let batches = writer.await.unwrap();

    // Assert: the copy holds whole requests only, verifies, and serves
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copy = TestDb::sqlite_file(to.clone());
    let copied = store::pack_count(&copy);
    assert!(copied >= BATCH as i64, "at least the first batch: {copied}");
    assert_eq!(copied % BATCH as i64, 0, "no request half-copied: {copied}");
    assert!(copied <= ((batches + 1) * BATCH) as i64);
    let verify = run_cli(&["audit", "verify", "--database-url", &copy.url]).await;
    assert!(
        verify.status.success(),
        "audit verify on the copy: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let url = copy.url.clone();
    let restored = spawn_on(copy, test_settings(&url)).await;
    let (status, body) = restored
        .get(&format!("/v1/items/{GTIN}/A0"), line.token())
        .await;
    assert_eq!(
        status, 200,
        "the restored copy serves the first batch: {body}"
    );

    // A backup never overwrites a file.
    let again = run_cli(&["backup", "--to", &to_text, "--database-url", &app.db.url]).await;
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

db_tests!(backup_copies_a_live_database_consistently);
