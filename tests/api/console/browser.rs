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

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::helpers::{Db, TestApp};

/// How long a condition may take to come true (CI machines are slow and shared).
const PATIENCE: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(40);

fn binary(var: &str, default: &str) -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var(var).unwrap_or_else(|_| default.to_string()));
    path.exists().then_some(path)
}

/// What an element is, for finding it by role and name.
#[derive(Debug, Clone, Copy)]
pub enum Role {
    Button,
    Link,
    /// A text input, found by its label.
    Textbox,
    /// A `<select>`, found by its label.
    Combobox,
    Checkbox,
}

impl Role {
    /// Candidates by an XPath over names given by text, `aria-label` or `<label for>`; the
    /// computed label then decides.
    fn xpath(self, name: &str) -> String {
        let n = xpath_literal(name);
        let labelled = format!(
            "(@aria-label={n} or @id=//label[normalize-space(.)={n}]/@for or ancestor::label[normalize-space(.)={n}])"
        );
        match self {
            Role::Button => format!("//button[normalize-space(.)={n} or @aria-label={n}]"),
            Role::Link => format!("//a[normalize-space(.)={n} or @aria-label={n}]"),
            Role::Textbox => format!(
                "//input[not(@type='checkbox') and not(@type='radio') and {labelled}] | //textarea[{labelled}]"
            ),
            Role::Combobox => format!("//select[{labelled}]"),
            Role::Checkbox => format!("//input[@type='checkbox' and {labelled}]"),
        }
    }
}

/// A string as an XPath literal, whatever quotes it holds.
fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') {
        return format!("'{s}'");
    }
    if !s.contains('"') {
        return format!("\"{s}\"");
    }
    let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
    format!("concat({})", parts.join(", \"'\", "))
}

/// `GET /session/{id}/element/{id}/computedlabel`: the accessible name Chromium computed.
#[derive(Debug)]
struct ComputedLabel(String);

impl WebDriverCompatibleCommand for ComputedLabel {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/element/{}/computedlabel",
            session.unwrap_or_default(),
            self.0
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::GET, None)
    }
}

/// The chromedriver process of one test.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Starts chromedriver on a free port (another one if that port was taken meanwhile).
    fn start(path: &PathBuf) -> Driver {
        for _ in 0..3 {
            let port = {
                let l = TcpListener::bind("127.0.0.1:0").expect("a free port");
                l.local_addr().unwrap().port()
            };
            let mut child = Command::new(path)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts");
            let started = Instant::now();
            loop {
                if child.try_wait().expect("chromedriver status").is_some() {
                    break; // it exited: most likely the port was taken; try another
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Driver { child, port };
                }
                assert!(
                    started.elapsed() < PATIENCE,
                    "chromedriver did not listen on port {port}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("chromedriver would not start");
    }

    /// Ends a session with a plain blocking request (usable in `Drop`, where nothing can await).
    fn delete_session(&self, session: &str) {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let req = format!(
                "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.port
            );
            if s.write_all(req.as_bytes()).is_ok() {
                let mut sink = Vec::new();
                let _ = s.read_to_end(&mut sink);
            }
        }
    }
}

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

    /// Polls `check` until it returns `Some`, failing with `what` after the patience runs out.
    pub async fn until<T, F, Fut>(&self, what: &str, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let started = Instant::now();
        loop {
            if let Some(v) = check().await {
                return v;
            }
            if started.elapsed() > PATIENCE {
                let text = self.text().await;
                panic!("timed out waiting for {what}; the page reads:\n{text}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The visible text of the page (header, main and any open dialog).
    pub async fn text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The visible text of the main region.
    pub async fn main_text(&self) -> String {
        match self.client.find(Locator::Css("main")).await {
            Ok(main) => main.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the page shows `needle` somewhere.
    pub async fn wait_text(&self, needle: &str) {
        self.until(&format!("the text {needle:?}"), || async {
            self.text().await.contains(needle).then_some(())
        })
        .await
    }

    /// Waits until the main heading reads `heading` and nothing in main is still loading.
    pub async fn wait_page(&self, heading: &str) {
        self.until(&format!("the page {heading:?}"), || async {
            let h1 = self.client.find(Locator::Css("main h1")).await.ok()?;
            if h1.text().await.ok()? != heading {
                return None;
            }
            let busy = self
                .client
                .find_all(Locator::Css("main .loading, dialog .loading"))
                .await
                .ok()?;
            busy.is_empty().then_some(())
        })
        .await
    }

    /// The one displayed element of `role` whose accessible name is exactly `name`.
    pub async fn get(&self, role: Role, name: &str) -> Element {
        let xpath = role.xpath(name);
        self.until(&format!("{role:?} {name:?}"), || async {
            let found = self.client.find_all(Locator::XPath(&xpath)).await.ok()?;
            let mut hits = Vec::new();
            for el in found {
                if el.is_displayed().await.unwrap_or(false) && self.label(&el).await == name {
                    hits.push(el);
                }
            }
            match hits.len() {
                0 => None,
                1 => hits.pop(),
                n => panic!("{n} elements are named {name:?} ({role:?})"),
            }
        })
        .await
    }

    /// Whether a displayed element of `role` named `name` exists right now.
    pub async fn has(&self, role: Role, name: &str) -> bool {
        let xpath = role.xpath(name);
        let Ok(found) = self.client.find_all(Locator::XPath(&xpath)).await else {
            return false;
        };
        for el in found {
            if el.is_displayed().await.unwrap_or(false) && self.label(&el).await == name {
                return true;
            }
        }
        false
    }

    /// The text of the first table row that mentions `needle`.
    pub async fn row_text(&self, needle: &str) -> String {
        let xpath = format!(
            "//tbody/tr[contains(normalize-space(.), {})]",
            xpath_literal(needle)
        );
        // Find and read in one step: a list that re-renders meanwhile is simply read again.
        self.until(&format!("a row with {needle:?}"), || async {
            let row = self.client.find(Locator::XPath(&xpath)).await.ok()?;
            row.text().await.ok()
        })
        .await
    }

    /// The link texts in the table of the section headed `heading` (as shown now).
    pub async fn links_in(&self, heading: &str) -> Vec<String> {
        let xpath = format!(
            "//section[h2[normalize-space(.)={}]]//tbody//a",
            xpath_literal(heading)
        );
        let mut out = Vec::new();
        for a in self
            .client
            .find_all(Locator::XPath(&xpath))
            .await
            .unwrap_or_default()
        {
            out.push(a.text().await.unwrap_or_default());
        }
        out
    }

    /// The accessible name Chromium computed for `el`.
    pub async fn label(&self, el: &Element) -> String {
        let id = el.element_id().to_string();
        match self.client.issue_cmd(ComputedLabel(id)).await {
            Ok(Value::String(s)) => s,
            _ => String::new(),
        }
    }

    /// Clicks the element, scrolled to the middle of the window first, as a person would look
    /// at it (at the very bottom edge it could sit under the release page's sticky selection bar).
    /// A list re-rendered between finding and clicking (a refresh still arriving) is found again.
    pub async fn click(&self, role: Role, name: &str) {
        for _ in 0..5 {
            let el = self.get(role, name).await;
            let arg = serde_json::to_value(&el).expect("element reference");
            let scrolled = self
                .client
                .execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg])
                .await;
            match scrolled.and(el.click().await) {
                Ok(()) => return,
                Err(e) if e.is_stale_element_reference() => continue,
                Err(e) => panic!("click on {role:?} {name:?}: {e}"),
            }
        }
        panic!("{role:?} {name:?} kept being replaced");
    }

    /// Types into the text box labelled `label` (replacing what it held).
    pub async fn fill(&self, label: &str, text: &str) {
        let el = self.get(Role::Textbox, label).await;
        el.clear().await.expect("clear");
        el.send_keys(text).await.expect("type");
    }

    /// Picks the option whose value is `value` in the select labelled `label`.
    pub async fn choose(&self, label: &str, value: &str) {
        let el = self.get(Role::Combobox, label).await;
        el.select_by_value(value).await.expect("option exists");
    }

    /// Signs in on the sign-in page and waits for the page it lands on.
    pub async fn sign_in(&self, api_key: &str, api_secret: &str, lands_on: &str) {
        self.wait_page("Sign in to serialhub").await;
        self.fill("API key", api_key).await;
        self.fill("API secret", api_secret).await;
        self.click(Role::Button, "Sign in").await;
        self.wait_page(lands_on).await;
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

    /// Every displayed button, link and form control without an accessible name (their HTML).
    pub async fn unlabelled_controls(&self) -> Vec<String> {
        let controls = self
            .client
            .find_all(Locator::Css("button, a, input, select, textarea"))
            .await
            .expect("controls");
        let mut out = Vec::new();
        for el in controls {
            if el.is_displayed().await.unwrap_or(false) && self.label(&el).await.trim().is_empty() {
                out.push(el.html(false).await.unwrap_or_default());
            }
        }
        out
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
