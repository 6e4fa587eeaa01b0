//! The real binary killed and stopped under load: `kill -9` loses no acknowledged write and
//! leaves every request all-or-nothing with the audit chain intact; SIGTERM stops accepting,
//! finishes the requests in flight within the grace period and exits 0.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Client;

use crate::db_tests;
use crate::kit::app::{test_settings, TestDb};
use crate::kit::line::commission_body;
use crate::kit::process::{run_cli, Server};
use crate::kit::{serials, store, Db, Line, TestApp, GTIN};

const BATCH: usize = 20;
const WRITERS: usize = 4;

/// A [`TestApp`] whose requests go to the child process `server`.
fn app_of(server: &Server, db: TestDb) -> TestApp {
    let settings = test_settings(&db.url);
    TestApp {
        address: server.address.clone(),
        client: Client::new(),
        db,
        settings,
    }
}

/// Writers commissioning batches until `stop`; each returns the batches acknowledged with 200
/// and how many requests ended without an answer (in flight when the process died).
fn spawn_writers(
    line: &Line,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<(Vec<usize>, usize)>> {
    (0..WRITERS)
        .map(|w| {
            let (line, stop) = (line.clone(), stop.clone());
            tokio::spawn(async move {
                let (mut acked, mut unanswered) = (Vec::new(), 0);
                let mut batch = 0;
                while !stop.load(Ordering::Relaxed) {
                    let body = commission_body(GTIN, &serials(&format!("W{w}B{batch}-"), BATCH));
                    match line
                        .req(reqwest::Method::POST, "/serials/commission")
                        .json(&body)
                        .send()
                        .await
                    {
                        Ok(resp) if resp.status() == 200 => acked.push(batch),
                        Ok(resp) => panic!("unexpected {}", resp.status()),
                        Err(_) => {
                            unanswered += 1;
                            break;
                        }
                    }
                    batch += 1;
                }
                (acked, unanswered)
            })
        })
        .collect()
}

async fn kill_9_under_concurrent_writes_loses_no_acknowledged_write(db: Db) {
    // Arrange: the binary, a line, four writers
    let test_db = TestDb::fresh(db);
    test_db.migrate();
    let url = test_db.url.clone();
    let mut server = Server::start(&url, &[]).await;
    let app = app_of(&server, test_db);
    let line = Line::new(&app, "M").await;
    line.register(GTIN).await;
    let stop = Arc::new(AtomicBool::new(false));
    let writers = spawn_writers(&line, &stop);
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // Act: kill -9 mid-write, then start again on the same database
    server.signal("KILL");
    assert_eq!(
        server.wait_exit(Duration::from_secs(10)).await,
        None,
        "killed"
    );
    stop.store(true, Ordering::Relaxed);
    let mut acked_total = 0;
    let mut unanswered_total = 0;
    let mut acked_serials = Vec::new();
    for (w, writer) in writers.into_iter().enumerate() {
        let (acked, unanswered) = writer.await.unwrap();
        acked_total += acked.len();
        unanswered_total += unanswered;
        for b in acked {
            acked_serials.push(format!("W{w}B{b}-0"));
            acked_serials.push(format!("W{w}B{b}-{}", BATCH - 1));
        }
    }
    let restarted = Server::start(&url, &[]).await;
    let line = line.via(&restarted.address);

    // Assert: every acknowledged batch is there, no request is half there, the chain is intact
    assert!(
        acked_total > 0,
        "some writes were acknowledged before the kill"
    );
    for serial in &acked_serials {
        let path = format!("/v1/items/{GTIN}/{serial}");
        let resp = line.api(reqwest::Method::GET, &path).send().await.unwrap();
        assert_eq!(resp.status(), 200, "acknowledged {serial} is stored");
    }
    let packs = store::pack_count(&app.db) as usize;
    assert_eq!(
        packs % BATCH,
        0,
        "every request all-or-nothing: {packs} packs"
    );
    assert!(
        packs >= acked_total * BATCH && packs <= (acked_total + unanswered_total) * BATCH,
        "{packs} packs for {acked_total} acknowledged and {unanswered_total} unanswered batches"
    );
    let verify = run_cli(&["audit", "verify", "--database-url", &url]).await;
    assert!(
        verify.status.success(),
        "audit chain intact: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// Sends a commission whose body arrives in four pieces over ~1.5 s, calling `mid` after the
/// first piece; returns the status line of the answer.
async fn slow_commission(
    line: &Line,
    address: &str,
    mid: impl FnOnce() + Send + 'static,
) -> String {
    let body = serde_json::to_vec(&commission_body(GTIN, &serials("SLOW-", BATCH))).unwrap();
    let addr = address.trim_start_matches("http://").to_string();
    let head = format!(
        "POST /v1/manufacturer/v2/api/serials/commission HTTP/1.1\r\nHost: {addr}\r\n\
         x-access-token: {}\r\nx-channel-key: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        line.token(),
        line.channel_key,
        body.len()
    );
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        let quarter = body.len() / 4;
        stream.write_all(&body[..quarter]).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        mid();
        for piece in body[quarter..].chunks(quarter.max(1)) {
            std::thread::sleep(Duration::from_millis(400));
            stream.write_all(piece).unwrap();
        }
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        String::from_utf8_lossy(&response)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    })
    .await
    .unwrap()
}

async fn sigterm_finishes_in_flight_requests_and_exits_0(db: Db) {
    // Arrange
    let test_db = TestDb::fresh(db);
    test_db.migrate();
    let url = test_db.url.clone();
    let mut server = Server::start(&url, &["--shutdown-grace-secs", "10"]).await;
    let app = app_of(&server, test_db);
    let line = Line::new(&app, "M").await;
    line.register(GTIN).await;
    let pid = server.pid();

    // Act: SIGTERM while a request's body is still arriving
    let status_line = slow_commission(&line, &server.address, move || {
        let ok = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    })
    .await;
    let code = server.wait_exit(Duration::from_secs(15)).await;

    // Assert: the request in flight was served, the process exited 0, nothing listens now
    assert!(
        status_line.contains(" 200 "),
        "in-flight request: {status_line}"
    );
    assert_eq!(code, Some(0), "exit status after SIGTERM");
    let refused = std::net::TcpStream::connect(server.address.trim_start_matches("http://"));
    assert!(refused.is_err(), "no longer accepting");
    assert_eq!(
        store::pack_count(&app.db),
        BATCH as i64,
        "its write is stored"
    );
}

db_tests!(
    kill_9_under_concurrent_writes_loses_no_acknowledged_write,
    sigterm_finishes_in_flight_requests_and_exits_0,
);
