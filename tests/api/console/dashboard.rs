//! The dashboard in a real browser: an administrator creates a key (its secret shown once, and it
//! works), issues and revokes a static token, revokes the key, creates and disables a channel,
//! registers a product (a wrong check digit is explained), invites a contract manufacturer that
//! accepts in its own console, and suspends it. Every control on every page has a name, and the
//! pages hold together at tablet width.

use serde_json::{json, Value};

use super::{world, MAH_NAME};
use crate::db_tests;
use crate::kit::browser::{Browser, Role};
use crate::kit::gs1::gtin;
use crate::kit::{assert_error, list_items, Db, Line};

/// The text of a `<code>` in the element matching `css` (e.g. the secret panel's values).
async fn codes_in(b: &Browser, css: &str) -> Vec<String> {
    let panel = b
        .until("the panel", || async {
            b.client.find(fantoccini::Locator::Css(css)).await.ok()
        })
        .await;
    let mut out = Vec::new();
    for c in panel
        .find_all(fantoccini::Locator::Css("code"))
        .await
        .unwrap()
    {
        out.push(c.text().await.unwrap());
    }
    out
}

async fn an_administrator_runs_the_company_from_the_dashboard(db: Db) {
    let w = world(db).await;
    let app = &w.app;
    let Some(b) = Browser::open(app, db).await else {
        return;
    };
    b.visit("").await;
    b.sign_in(
        &w.mah_key.api_key,
        &w.mah_key.api_secret,
        &format!("Overview: {MAH_NAME}"),
    )
    .await;

    // --- keys ---------------------------------------------------------------------------------
    b.click(Role::Link, "Dashboard").await;
    b.wait_page("Dashboard: Company").await;
    b.wait_text(w.mah.id()).await;
    b.click(Role::Link, "API keys").await;
    b.wait_page("Dashboard: API keys").await;
    b.fill("Name", "line 2 PLC").await;
    b.click(
        Role::Checkbox,
        "shopfloor — packaging lines (Manufacturer V2 API)",
    )
    .await;
    b.click(Role::Button, "Create key").await;
    b.wait_text("Copy it now: it is shown only this once").await;
    let shown = codes_in(&b, ".secret").await;
    assert_eq!(shown.len(), 2, "API key and secret: {shown:?}");
    b.screenshot_at("dashboard-keys", Some(".secret")).await;
    // What was shown signs in, with exactly the chosen role.
    let resp = app.auth(&shown[0], &shown[1]).await;
    assert_eq!(resp.status(), 200);
    let auth: Value = resp.json().await.unwrap();
    assert_eq!(auth["roles"], json!(["shopfloor"]));
    b.click(Role::Button, "Done: hide it").await;
    b.until("the secret to be gone", || async {
        (!b.text().await.contains(&shown[1])).then_some(())
    })
    .await;
    let row = b.row_text(&shown[0]).await;
    assert!(
        row.contains("line 2 PLC") && row.contains("shopfloor"),
        "{row}"
    );

    // A static token: shown once, works; revoked, stops working.
    b.click(Role::Button, "Issue static token for line 2 PLC")
        .await;
    b.wait_text("Static token of “line 2 PLC”").await;
    let token = codes_in(&b, ".secret").await.remove(0);
    let (status, body) = app.get("/v1/tenant", &token).await;
    assert_error(status, &body, 403, "ForbiddenError"); // authenticated, not admin
    b.click(Role::Button, "Done: hide it").await;
    b.click(Role::Button, "Revoke static token of line 2 PLC")
        .await;
    b.click(Role::Button, "Revoke token").await;
    b.until("the static token to be revoked", || async {
        (!b.has(Role::Button, "Revoke static token of line 2 PLC")
            .await)
            .then_some(())
    })
    .await;
    let (status, body) = app.get("/v1/tenant", &token).await;
    assert_error(status, &body, 401, "InvalidTokenError");

    // Revoking the key.
    b.click(Role::Button, "Revoke key line 2 PLC").await;
    b.wait_text("Every token of this key, dynamic and static, stops working at once.")
        .await;
    b.click(Role::Button, "Revoke key").await;
    b.until("the key to show revoked", || async {
        b.row_text(&shown[0])
            .await
            .contains("revoked")
            .then_some(())
    })
    .await;
    assert_eq!(app.auth(&shown[0], &shown[1]).await.status(), 401);

    // --- channels -----------------------------------------------------------------------------
    b.click(Role::Link, "Channels").await;
    b.wait_page("Dashboard: Channels").await;
    b.fill("Channel name", "Line 7").await;
    b.click(Role::Button, "Create channel").await;
    b.wait_text("Channel “Line 7” created.").await;
    b.click(Role::Button, "Disable channel Line 7").await;
    b.get(Role::Button, "Enable channel Line 7").await;
    let (_, channels) = app.get("/v1/tenant/channels", w.mah.token()).await;
    let line7 = list_items(&channels)
        .into_iter()
        .find(|c| c["name"] == "Line 7")
        .expect("the channel exists");
    assert_eq!(line7["enabled"], json!(false));
    assert_eq!(line7["source"], json!("manufacturer_v2_api"));

    // --- products -----------------------------------------------------------------------------
    b.click(Role::Link, "Products").await;
    b.wait_page("Dashboard: Products").await;
    let code = gtin("0401234533333");
    let wrong = format!("{}{}", &code[..13], (code.as_bytes()[13] - b'0' + 1) % 10);
    b.fill("GTIN", &wrong).await;
    b.fill("Product name", "Ibuprofen 400 mg").await;
    b.click(Role::Button, "Register product").await;
    b.wait_text("check digit should be").await;
    b.wait_text("product_code").await;
    b.fill("GTIN", &code).await;
    b.click(Role::Button, "Register product").await;
    b.wait_text(&format!("Registered {code}")).await;
    b.row_text(&code).await;
    let (status, _) = app
        .get(&format!("/v1/tenant/products/{code}"), w.mah.token())
        .await;
    assert_eq!(status, 200, "the product is registered");

    // --- partnerships -------------------------------------------------------------------------
    let third = Line::with_gcp(app, "Third Packers", "4055555").await;
    let third_key = app.key_creds(third.token(), "office", &["admin"]).await;
    b.click(Role::Link, "Partnerships").await;
    b.wait_page("Dashboard: Partnerships").await;
    b.fill("Contract manufacturer tenant id", third.id()).await;
    b.click(Role::Checkbox, &format!("{code} — Ibuprofen 400 mg"))
        .await;
    b.click(Role::Button, "Invite").await;
    b.row_text("Third Packers").await;
    b.screenshot_at("dashboard-partnerships", Some("nav.tabs"))
        .await;

    // The CMO accepts in its own console.
    b.click(Role::Button, "Sign out").await;
    b.sign_in(
        &third_key.api_key,
        &third_key.api_secret,
        "Overview: Third Packers",
    )
    .await;
    b.wait_text("Accept pending invitations in the dashboard")
        .await;
    b.click(Role::Link, "Accept pending invitations in the dashboard")
        .await;
    b.wait_page("Dashboard: Partnerships").await;
    b.click(Role::Button, &format!("Accept partnership with {MAH_NAME}"))
        .await;
    b.until("the partnership to be active", || async {
        b.row_text(MAH_NAME).await.contains("Active").then_some(())
    })
    .await;
    b.click(Role::Button, "Sign out").await;

    // The MAH suspends it.
    b.sign_in(
        &w.mah_key.api_key,
        &w.mah_key.api_secret,
        &format!("Overview: {MAH_NAME}"),
    )
    .await;
    b.route("/dashboard/partnerships").await;
    b.wait_page("Dashboard: Partnerships").await;
    b.click(Role::Button, "Suspend partnership with Third Packers")
        .await;
    b.click(Role::Button, "Suspend").await;
    b.get(Role::Button, "Resume partnership with Third Packers")
        .await;
    let (_, deals) = app.get("/v1/tenant/partnerships", third.token()).await;
    let deal = &list_items(&deals)[0];
    assert_eq!(deal["status"], json!("suspended"));
    assert_eq!(deal["product_codes"], json!([code]));
    b.finish().await;
}

/// Every displayed button, link and form control on every page has an accessible name, and the
/// release page is usable at tablet width.
async fn every_control_has_a_name_on_every_page(db: Db) {
    let w = world(db).await;
    let Some(b) = Browser::open(&w.app, db).await else {
        return;
    };
    b.visit("").await;
    b.wait_page("Sign in to serialhub").await;
    assert_eq!(
        b.unlabelled_controls().await,
        Vec::<String>::new(),
        "sign-in"
    );
    b.sign_in(
        &w.mah_key.api_key,
        &w.mah_key.api_secret,
        &format!("Overview: {MAH_NAME}"),
    )
    .await;
    let pages = [
        ("/overview".to_string(), format!("Overview: {MAH_NAME}")),
        ("/release".to_string(), "Release to market".to_string()),
        (format!("/sscc/{}", w.sscc_a), format!("SSCC {}", w.sscc_a)),
        (
            format!("/pack/{}/C4", w.product),
            format!("Pack {} / C4", w.product),
        ),
        ("/audit".to_string(), "Audit trail".to_string()),
        (
            "/dashboard/company".to_string(),
            "Dashboard: Company".to_string(),
        ),
        (
            "/dashboard/keys".to_string(),
            "Dashboard: API keys".to_string(),
        ),
        (
            "/dashboard/channels".to_string(),
            "Dashboard: Channels".to_string(),
        ),
        (
            "/dashboard/products".to_string(),
            "Dashboard: Products".to_string(),
        ),
        (
            "/dashboard/partnerships".to_string(),
            "Dashboard: Partnerships".to_string(),
        ),
    ];
    for (route, heading) in &pages {
        b.route(route).await;
        b.wait_page(heading).await;
        assert_eq!(
            b.unlabelled_controls().await,
            Vec::<String>::new(),
            "{route}"
        );
    }

    // Tablet width: the release page still offers selection and release.
    b.resize(768, 1024).await;
    b.route("/release").await;
    b.wait_page("Release to market").await;
    b.click(Role::Checkbox, &format!("Select SSCC {}", w.sscc_b))
        .await;
    b.wait_text("Selected: 1 SSCC and 0 packs").await;
    b.get(Role::Button, "Release selected…").await;
    b.screenshot("release-tablet").await;
    b.finish().await;
}

db_tests!(
    an_administrator_runs_the_company_from_the_dashboard,
    every_control_has_a_name_on_every_page,
);
