//! The console's story in a real browser: the MAH signs in, sees the SSCC its CMO packed (with the
//! CMO as producer), releases it after confirming what goes, sees it released while the other SSCC
//! stays pending, finds its audit chain verified, signs out; the CMO signs in and sees none of it.
//! A product named like an XSS attack shows as text all along.

use fantoccini::Locator;

use super::{world, CMO_NAME, MAH_NAME, XSS_NAME};
use crate::db_tests;
use crate::kit::browser::{Browser, Role};
use crate::kit::store::{container_status, pack_status};
use crate::kit::{Db, BATCH};

async fn the_mah_releases_what_its_cmo_packed_and_the_cmo_sees_none_of_it(db: Db) {
    let w = world(db).await;
    let Some(b) = Browser::open(&w.app, db).await else {
        return;
    };

    // /console redirects to /console/, which asks to sign in.
    b.visit("").await;
    b.wait_page("Sign in to serialhub").await;
    b.screenshot("sign-in").await;
    b.sign_in(
        &w.mah_key.api_key,
        &w.mah_key.api_secret,
        &format!("Overview: {MAH_NAME}"),
    )
    .await;

    // The product named like markup is shown as those characters, and nothing ran.
    b.wait_text(XSS_NAME).await;
    assert!(b.main_text().await.contains(XSS_NAME));
    let images = b.client.find_all(Locator::Css("img")).await.unwrap();
    assert!(images.is_empty(), "the product name became an element");
    assert!(!b.alert_open().await, "a script of the product name ran");
    b.screenshot("overview").await;

    // Release: both SSCCs pending, produced by the CMO.
    b.click(Role::Link, "Release").await;
    b.wait_page("Release to market").await;
    let row_a = b.row_text(&w.sscc_a).await;
    assert!(row_a.contains(CMO_NAME), "{row_a}");
    assert!(row_a.contains(&w.product), "{row_a}");
    let row_b = b.row_text(&w.sscc_b).await;
    assert!(row_b.contains(CMO_NAME), "{row_b}");
    // The XSS product's name is an option of the product filter, as text.
    let option = b
        .client
        .find(Locator::XPath(&format!(
            "//select[@name='product']/option[@value='{}']",
            w.xss_product
        )))
        .await
        .unwrap();
    assert!(option.text().await.unwrap().contains(XSS_NAME));

    b.click(Role::Checkbox, &format!("Select SSCC {}", w.sscc_a))
        .await;
    b.wait_text("Selected: 1 SSCC and 0 packs").await;
    b.screenshot("release").await;
    b.click(Role::Button, "Release selected…").await;
    b.wait_text("Release to market?").await;
    // The confirmation names what goes, with its producer and how many packs it holds.
    b.wait_text("They hold 2 packs in all").await;
    let dialog = b
        .client
        .find(Locator::Css("dialog"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dialog.contains(&w.sscc_a), "{dialog}");
    assert!(!dialog.contains(&w.sscc_b), "{dialog}");
    assert!(dialog.contains(CMO_NAME), "{dialog}");
    b.screenshot("release-confirm").await;
    b.click(Role::Button, "Release now").await;
    b.wait_text("Released to market: 2 packs and 1 container.")
        .await;
    b.screenshot("release-result").await;
    b.click(Role::Button, "Close").await;

    // A is gone from the pending list, B is still in it; the database agrees.
    let a = w.sscc_a.clone();
    let b_code = w.sscc_b.clone();
    b.until("the list without the released SSCC", || async {
        let links = b.links_in("Pending SSCCs").await;
        (links.contains(&b_code) && !links.contains(&a)).then_some(())
    })
    .await;
    let db = &w.app.db;
    assert_eq!(container_status(db, &w.sscc_a), "released");
    assert_eq!(pack_status(db, &w.product, "C1"), "released");
    assert_eq!(
        container_status(db, &w.sscc_b),
        "pending_commissioning_approval"
    );
    assert_eq!(
        pack_status(db, &w.product, "C3"),
        "pending_commissioning_approval"
    );

    // Its page says released, produced by the CMO, with the release in its history.
    b.click(Role::Link, &format!("SSCC {}", w.sscc_a)).await;
    b.wait_page(&format!("SSCC {}", w.sscc_a)).await;
    let page = b.main_text().await;
    assert!(page.contains("Released"), "{page}");
    assert!(page.contains(CMO_NAME), "{page}");
    assert!(page.contains("Released to market"), "{page}");
    assert!(
        !b.has(Role::Button, "Release this SSCC…").await,
        "a released SSCC offers no release"
    );
    b.screenshot("sscc").await;

    // The audit page: the chain verifies.
    b.click(Role::Link, "Audit").await;
    b.wait_page("Audit trail").await;
    b.wait_text("Chain verified").await;
    b.wait_text("2 packs and 1 container released").await;
    b.screenshot("audit").await;

    // The EPCIS export downloads a document holding the release; the batch report counts it.
    b.click(Role::Button, "Download EPCIS 2.0 document").await;
    b.wait_text("Downloaded an EPCIS document with").await;
    let (name, bytes) = b
        .until("the EPCIS file", || async { b.downloads().pop() })
        .await;
    assert!(name.ends_with(".jsonld"), "{name}");
    let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("EPCIS JSON");
    assert_eq!(doc["type"], "EPCISDocument");
    let released: Vec<&serde_json::Value> = doc["epcisBody"]["eventList"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["urn:serialhub:epcis:action"] == "release_to_market")
        .collect();
    assert_eq!(released.len(), 1, "{doc}");
    assert_eq!(
        released[0]["epcList"],
        serde_json::json!([format!("https://id.gs1.org/00/{}", w.sscc_a)])
    );
    b.choose("Product", &w.product).await;
    b.fill("Batch", BATCH).await;
    b.click(Role::Button, "Show batch report").await;
    b.wait_text(&format!("Batch {BATCH} of {}", w.product))
        .await;
    b.wait_text(&format!("3 packs of batch {BATCH} still pending."))
        .await;

    // Signing out forgets the token.
    b.click(Role::Button, "Sign out").await;
    b.wait_page("Sign in to serialhub").await;
    b.wait_text("You have signed out.").await;
    assert_eq!(
        b.js("return window.sessionStorage.length").await,
        serde_json::json!(0)
    );
    b.route("/release").await;
    b.wait_page("Sign in to serialhub").await;

    // The CMO (landing where the signed-out visit asked to go): its own products only (it owns
    // none), nothing it packed, and its partnership.
    b.sign_in(
        &w.cmo_key.api_key,
        &w.cmo_key.api_secret,
        "Release to market",
    )
    .await;
    b.wait_text("No SSCCs pending commissioning approval match these filters.")
        .await;
    b.wait_text("No loose packs pending commissioning approval match these filters.")
        .await;
    let page = b.main_text().await;
    for hidden in [w.sscc_a.as_str(), w.sscc_b.as_str(), "C4", "C5"] {
        assert!(!page.contains(hidden), "the CMO sees {hidden}: {page}");
    }
    b.click(Role::Link, "Overview").await;
    b.wait_page(&format!("Overview: {CMO_NAME}")).await;
    b.wait_text("As contract manufacturer (CMO)").await;
    b.wait_text(MAH_NAME).await;
    let page = b.main_text().await;
    for hidden in [w.sscc_a.as_str(), w.sscc_b.as_str(), "C4", "C5"] {
        assert!(!page.contains(hidden), "the CMO sees {hidden}: {page}");
    }
    b.screenshot("cmo-overview").await;
    b.route(&format!("/sscc/{}", w.sscc_b)).await;
    b.wait_text("was not found").await;
    b.finish().await;
}

db_tests!(the_mah_releases_what_its_cmo_packed_and_the_cmo_sees_none_of_it);
