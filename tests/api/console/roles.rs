//! The console offers only what the signed-in key may do: a shopfloor-only key gets a page saying
//! what it is for, an audit key reviews without releasing, a release key has no dashboard.

use super::{world, MAH_NAME};
use crate::db_tests;
use crate::kit::browser::{Browser, Role};
use crate::kit::Db;

async fn each_key_is_offered_only_what_its_roles_allow(db: Db) {
    let w = world(db).await;
    let Some(b) = Browser::open(&w.app, db).await else {
        return;
    };
    let overview = format!("Overview: {MAH_NAME}");
    let sign_out = || async {
        b.click(Role::Button, "Sign out").await;
        b.wait_page("Sign in to serialhub").await;
    };

    // shopfloor only: a clear page instead of refusals, and nothing else to reach.
    let line = w
        .app
        .key_creds(w.mah.token(), "line 1 PLC", &["shopfloor"])
        .await;
    b.visit("").await;
    b.sign_in(
        &line.api_key,
        &line.api_secret,
        "This key is for packaging lines",
    )
    .await;
    let page = b.main_text().await;
    assert!(page.contains("/v1/manufacturer/v2/api"), "{page}");
    assert!(page.contains("x-channel-key"), "{page}");
    for link in ["Overview", "Release", "Audit", "Dashboard"] {
        assert!(
            !b.has(Role::Link, link).await,
            "{link} offered to a line key"
        );
    }
    b.screenshot("shopfloor-key").await;
    for route in [
        "/release",
        "/audit",
        "/dashboard/keys",
        &format!("/sscc/{}", w.sscc_a),
    ] {
        b.route(route).await;
        b.wait_page("This key is for packaging lines").await;
    }
    sign_out().await;

    // audit only: reviews what is pending, cannot select or release, has no dashboard.
    let auditor = w.app.key_creds(w.mah.token(), "auditor", &["audit"]).await;
    b.sign_in(&auditor.api_key, &auditor.api_secret, &overview)
        .await;
    assert!(b.has(Role::Link, "Audit").await);
    assert!(!b.has(Role::Link, "Dashboard").await);
    b.wait_text("Partnerships are shown to keys with the admin role.")
        .await;
    b.click(Role::Link, "Release").await;
    b.wait_page("Release to market").await;
    b.row_text(&w.sscc_a).await;
    b.wait_text("This key may review what is pending but not release it")
        .await;
    assert!(
        !b.has(Role::Checkbox, &format!("Select SSCC {}", w.sscc_a))
            .await,
        "an audit key may not select for release"
    );
    assert!(!b.has(Role::Button, "Release selected…").await);
    b.route(&format!("/sscc/{}", w.sscc_a)).await;
    b.wait_page(&format!("SSCC {}", w.sscc_a)).await;
    assert!(!b.has(Role::Button, "Release this SSCC…").await);
    b.route("/dashboard/keys").await;
    b.wait_page("Dashboard: not available for this key").await;
    sign_out().await;

    // release only: selects and releases, no dashboard.
    let releaser = w.app.key_creds(w.mah.token(), "QA", &["release"]).await;
    b.sign_in(&releaser.api_key, &releaser.api_secret, &overview)
        .await;
    assert!(!b.has(Role::Link, "Dashboard").await);
    b.route(&format!("/sscc/{}", w.sscc_b)).await;
    b.wait_page(&format!("SSCC {}", w.sscc_b)).await;
    b.click(Role::Button, "Release this SSCC…").await;
    b.wait_text("They hold 1 pack in all").await;
    b.click(Role::Button, "Release now").await;
    b.wait_text("Released to market: 1 pack and 1 container.")
        .await;
    b.click(Role::Button, "Close").await;
    b.until("the SSCC page to show it released", || async {
        let page = b.main_text().await;
        (page.contains("Released") && !page.contains("Pending commissioning approval"))
            .then_some(())
    })
    .await;
    b.finish().await;
}

db_tests!(each_key_is_offered_only_what_its_roles_allow);
