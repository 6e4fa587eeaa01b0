//! Waiting for what the page shows (polling a condition, never sleeping a fixed time) and acting
//! on it as a person would: clicking, typing, choosing, signing in.

use std::time::Instant;

use fantoccini::Locator;

use super::find::Role;
use super::{Browser, PATIENCE, POLL};

impl Browser {
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
}
