//! 10 000 pending SSCCs stay usable: the release page shows one page of them at a time through the
//! API's cursors, pages forwards and back, filters by producer on the server, and releases a
//! whole page in one request.

use fantoccini::Locator;

use super::{world, World};
use crate::db_tests;
use crate::kit::browser::{Browser, Role};
use crate::kit::gs1::sscc_of;
use crate::kit::{store, Db};

const MANY: u64 = 10_000;

/// The CMO commissions `MANY` packs through the API; each then sits on an SSCC of its own, packed
/// by the CMO for the MAH (written straight into the database by the kit's store: ten thousand
/// aggregation requests would be the slow part of this test, not what it is about). Returns the
/// SSCCs in creation order.
async fn seed(w: &World) -> Vec<String> {
    let serials: Vec<String> = (1..=MANY).map(|n| format!("S{n:05}")).collect();
    w.cmo.commission_ok(&w.product, &serials).await;
    let ssccs: Vec<String> = (1..=MANY)
        .map(|n| sscc_of(&w.cmo.gcp, 1, 100_000 + n))
        .collect();
    let pairs: Vec<(String, String)> = serials.into_iter().zip(ssccs.iter().cloned()).collect();
    store::pack_each_onto_a_new_sscc(&w.app.db, w.cmo.id(), w.mah.id(), &w.product, &pairs);
    ssccs
}

/// The SSCC links of the "Pending SSCCs" table, in order.
async fn shown(b: &Browser) -> Vec<String> {
    let rows = b
        .client
        .find_all(Locator::XPath(
            "//section[h2='Pending SSCCs']//tbody/tr/td[2]/a",
        ))
        .await
        .unwrap();
    let mut out = Vec::new();
    for a in rows {
        out.push(a.text().await.unwrap());
    }
    out
}

async fn ten_thousand_pending_ssccs_page_filter_and_release(db: Db) {
    let w = world(db).await;
    let seeded = seed(&w).await;
    // In id order: the world's two SSCCs, then the seeded ones.
    let mut all = vec![w.sscc_a.clone(), w.sscc_b.clone()];
    all.extend(seeded);
    let Some(b) = Browser::open(&w.app, db).await else {
        return;
    };
    b.visit("/release").await;
    b.sign_in(
        &w.mah_key.api_key,
        &w.mah_key.api_secret,
        "Release to market",
    )
    .await;

    b.wait_text("Page 1 · SSCCs 1–100").await;
    assert_eq!(shown(&b).await, all[..100].to_vec());
    b.screenshot("release-10000").await;
    b.click(Role::Button, "Next page of SSCCs").await;
    b.wait_text("Page 2 · SSCCs 101–200").await;
    assert_eq!(shown(&b).await, all[100..200].to_vec());
    b.click(Role::Button, "Previous page of SSCCs").await;
    b.wait_text("Page 1 · SSCCs 1–100").await;
    assert_eq!(shown(&b).await, all[..100].to_vec());

    // The producer filter asks the server: none of these is from the MAH's own lines.
    b.choose("Producer", w.mah.id()).await;
    b.click(Role::Button, "Apply filters").await;
    b.wait_text("No SSCCs pending commissioning approval match these filters.")
        .await;
    b.choose("Producer", w.cmo.id()).await;
    b.click(Role::Button, "Apply filters").await;
    b.wait_text("Page 1 · SSCCs 1–100").await;

    // A whole page released in one request: 100 containers, 98 seeded packs + 2 + 1.
    b.click(Role::Checkbox, "Select all SSCCs on this page")
        .await;
    b.wait_text("Selected: 100 SSCCs and 0 packs").await;
    b.click(Role::Button, "Release selected…").await;
    b.wait_text("100 containers (SSCC) and 0 packs named.")
        .await;
    b.click(Role::Button, "Release now").await;
    b.wait_text("Released to market: 101 packs and 100 containers.")
        .await;
    b.click(Role::Button, "Close").await;
    let next = all[100..200].to_vec();
    b.until(
        "the first page to start after the released ones",
        || async { (shown(&b).await == next).then_some(()) },
    )
    .await;
    b.finish().await;
}

db_tests!(ten_thousand_pending_ssccs_page_filter_and_release);
