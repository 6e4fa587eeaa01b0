//! Finding elements the way a person or a screen reader does: by role and accessible name
//! (WebDriver's "Get Computed Label"), and reading what the page shows.

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Locator;
use serde_json::Value;

use super::Browser;

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

impl Browser {
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
}
