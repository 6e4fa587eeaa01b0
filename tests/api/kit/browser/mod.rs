//! A real browser for the console tests: Debian's Chromium, headless, driven over WebDriver
//! (chromedriver, through `fantoccini`). Each test starts its own chromedriver on a free port and
//! one browser with a fresh profile; both are gone when the test ends, pass or fail.
//!
//! Without `/usr/bin/chromium` and `/usr/bin/chromedriver` (or `SERIALHUB_TEST_CHROMIUM` /
//! `SERIALHUB_TEST_CHROMEDRIVER`) the browser tests are skipped — unless
//! `SERIALHUB_TEST_REQUIRE_BROWSER=1` (as in CI), which makes them fail instead.
//! `SERIALHUB_CONSOLE_SCREENSHOTS=1` saves screenshots into `docs/console/` (SQLite runs only).
//!
//! Elements are found the way a person (or a screen reader) finds them: by role and accessible
//! name, checked with WebDriver's "Get Computed Label"; waits poll a condition, never sleep a
//! fixed time.

mod act;
mod driver;
mod find;

pub use find::Role;

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

use super::app::{Db, TestApp};
use driver::{binary, Driver};

/// How long a condition may take to come true (CI machines are slow and shared).
const PATIENCE: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(40);

/// One headless Chromium, signed in or not, pointed at one test application.
pub struct Browser {
    pub client: Client,
    driver: Driver,
    session: String,
    profile: PathBuf,
    base: String,
    shots: Option<PathBuf>,
    closed: bool,
}

impl Browser {
    /// A browser for `app`, or `None` (test skipped) when Chromium is not installed and not
    /// required.
    pub async fn open(app: &TestApp, db: Db) -> Option<Browser> {
        let chromium = binary("SERIALHUB_TEST_CHROMIUM", "/usr/bin/chromium");
        let driver = binary("SERIALHUB_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            if std::env::var("SERIALHUB_TEST_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
                panic!("SERIALHUB_TEST_REQUIRE_BROWSER=1 but chromium or chromedriver is missing (apt-get install chromium chromium-driver)");
            }
            eprintln!("skipping browser test: chromium / chromedriver not installed");
            return None;
        };
        let driver = Driver::start(&driver);
        let profile =
            std::env::temp_dir().join(format!("serialhub-chromium-{}", uuid::Uuid::new_v4()));
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--disable-quic".into(),
            "--disable-dev-shm-usage".into(),
            "--window-size=1280,800".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let caps = json!({
            "browserName": "chrome",
            // An alert must stay open for the test to see it (the default would dismiss it).
            "unhandledPromptBehavior": "ignore",
            // Downloads (the EPCIS export) land in the throw-away profile, never in a home folder.
            "goog:chromeOptions": {"binary": chromium, "args": args, "prefs": {
                "download.default_directory": profile.join("downloads"),
                "download.prompt_for_download": false,
            }},
        });
        let caps = match caps {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .expect("a Chromium session");
        let session = client
            .session_id()
            .await
            .expect("session id")
            .expect("a session");
        let shots = (db == Db::Sqlite
            && std::env::var("SERIALHUB_CONSOLE_SCREENSHOTS").is_ok_and(|v| v == "1"))
        .then(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/console"));
        Some(Browser {
            client,
            driver,
            session,
            profile,
            base: app.address.clone(),
            shots,
            closed: false,
        })
    }

    /// Ends the browser session (the `Drop` of a failed test does the same without awaiting).
    pub async fn finish(mut self) {
        let client = self.client.clone();
        let _ = client.close().await;
        self.closed = true;
    }

    /// The files the browser downloaded so far (name, contents).
    pub fn downloads(&self) -> Vec<(String, Vec<u8>)> {
        let Ok(dir) = std::fs::read_dir(self.profile.join("downloads")) else {
            return Vec::new();
        };
        dir.filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            // Chromium writes `*.crdownload` until the file is complete.
            .filter(|name| !name.ends_with(".crdownload"))
            .filter_map(|name| {
                let bytes = std::fs::read(self.profile.join("downloads").join(&name)).ok()?;
                Some((name, bytes))
            })
            .collect()
    }

    /// Loads the console at `route` (e.g. "/release"); "" is the console's start.
    pub async fn visit(&self, route: &str) {
        let url = if route.is_empty() {
            format!("{}/console", self.base)
        } else {
            format!("{}/console/#{route}", self.base)
        };
        self.client.goto(&url).await.expect("page loads");
    }

    /// Changes the route in the page, as a click on a link would (no reload).
    pub async fn route(&self, route: &str) {
        self.client
            .execute(
                "window.location.hash = arguments[0];",
                vec![json!(format!("#{route}"))],
            )
            .await
            .expect("route changes");
    }

    /// Runs a script in the page and returns its result.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .expect("script runs")
    }

    /// True when an alert, confirm or prompt is open.
    pub async fn alert_open(&self) -> bool {
        match self.client.get_alert_text().await {
            Ok(_) => true,
            Err(e) if e.is_no_such_alert() => false,
            Err(e) => panic!("unexpected WebDriver error: {e}"),
        }
    }

    /// Resizes the window (e.g. 768 × 1024 for a tablet).
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("resize");
    }

    /// Saves a screenshot of the top of the page as `docs/console/<name>.png` when screenshots
    /// are asked for.
    pub async fn screenshot(&self, name: &str) {
        self.screenshot_at(name, None).await
    }

    /// A screenshot with the element matching `css` at the top of the window (or the page's top).
    pub async fn screenshot_at(&self, name: &str, css: Option<&str>) {
        let Some(dir) = &self.shots else { return };
        let scroll = match css {
            Some(css) => format!(
                "const el = document.querySelector({}); if (el) el.scrollIntoView({{block: 'start'}});",
                serde_json::to_string(css).unwrap()
            ),
            None => "window.scrollTo(0, 0);".to_string(),
        };
        self.client.execute(&scroll, vec![]).await.expect("scroll");
        // Let the focus ring and any transition settle on the final layout first.
        let _ = self
            .client
            .execute(
                "return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))",
                vec![],
            )
            .await;
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(dir).expect("screenshot folder");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot saved");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.closed {
            self.driver.delete_session(&self.session);
        }
        let _ = self.driver.child.kill();
        let _ = self.driver.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
