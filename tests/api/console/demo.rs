//! `serialhub demo` in the browser, without a terminal: the MAH signs in with the printed key and
//! finds what the CMO's line packed waiting for release, with the CMO as producer; it releases one
//! SSCC at once while the other and the loose pack stay pending; its audit chain verifies. The
//! CMO signs in with its printed key and sees none of it.

use crate::db_tests;
use crate::kit::app::{seed_demo, spawn_on, test_settings, TestDb};
use crate::kit::browser::{Browser, Role};
use crate::kit::store::{container_status, pack_status};
use crate::kit::Db;

const MAH: &str = "Demo Pharma (MAH)";
const CMO: &str = "Demo Contract Packer (CMO)";

async fn the_demo_story_needs_only_the_browser(db: Db) {
    let test_db = TestDb::fresh(db);
    let seeded = seed_demo(&test_db).await;
    let url = test_db.url.clone();
    let app = spawn_on(test_db, test_settings(&url)).await;
    let product = crate::kit::app::demo_product();
    let [(a, on_a), (b_sscc, _)] = <[_; 2]>::try_from(seeded.packed.clone()).expect("two SSCCs");
    let loose = seeded.loose.first().expect("a loose pack").clone();
    let Some(b) = Browser::open(&app, db).await else {
        return;
    };

    // The MAH signs in with the printed key: what its CMO packed is waiting, the CMO as producer.
    b.visit("").await;
    b.sign_in(
        &seeded.mah.api_key,
        &seeded.mah.api_secret,
        &format!("Overview: {MAH}"),
    )
    .await;
    b.click(Role::Link, "Release").await;
    b.wait_page("Release to market").await;
    for sscc in [&a, &b_sscc] {
        let row = b.row_text(sscc).await;
        assert!(row.contains(CMO), "{row}");
        assert!(row.contains(product), "{row}");
    }
    let row = b.row_text(&loose).await;
    assert!(row.contains(CMO), "{row}");

    // It releases one SSCC at once.
    b.click(Role::Checkbox, &format!("Select SSCC {a}")).await;
    b.wait_text("Selected: 1 SSCC and 0 packs").await;
    b.click(Role::Button, "Release selected…").await;
    b.wait_text(&format!("They hold {} packs in all", on_a.len()))
        .await;
    b.click(Role::Button, "Release now").await;
    b.wait_text(&format!(
        "Released to market: {} packs and 1 container.",
        on_a.len()
    ))
    .await;
    b.click(Role::Button, "Close").await;
    let (gone, kept) = (a.clone(), b_sscc.clone());
    b.until("the list without the released SSCC", || async {
        let links = b.links_in("Pending SSCCs").await;
        (links.contains(&kept) && !links.contains(&gone)).then_some(())
    })
    .await;
    assert_eq!(container_status(&app.db, &a), "released");
    for serial in &on_a {
        assert_eq!(pack_status(&app.db, product, serial), "released");
    }
    assert_eq!(
        container_status(&app.db, &b_sscc),
        "pending_commissioning_approval"
    );
    assert_eq!(
        pack_status(&app.db, product, &loose),
        "pending_commissioning_approval"
    );
    b.click(Role::Link, "Audit").await;
    b.wait_page("Audit trail").await;
    b.wait_text("Chain verified").await;

    // The CMO signs in with its printed key and sees none of it.
    b.click(Role::Button, "Sign out").await;
    b.sign_in(
        &seeded.cmo.api_key,
        &seeded.cmo.api_secret,
        &format!("Overview: {CMO}"),
    )
    .await;
    b.wait_text(MAH).await;
    b.click(Role::Link, "Release").await;
    b.wait_page("Release to market").await;
    b.wait_text("No SSCCs pending commissioning approval match these filters.")
        .await;
    b.wait_text("No loose packs pending commissioning approval match these filters.")
        .await;
    let page = b.main_text().await;
    for hidden in [a.as_str(), b_sscc.as_str(), loose.as_str()] {
        assert!(!page.contains(hidden), "the CMO sees {hidden}: {page}");
    }
    b.route(&format!("/sscc/{b_sscc}")).await;
    b.wait_text("was not found").await;
    b.finish().await;
}

db_tests!(the_demo_story_needs_only_the_browser);
