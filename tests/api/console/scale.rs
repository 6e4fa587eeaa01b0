//! 10 000 pending SSCCs stay usable: the release page shows one page of them at a time through the
//! API's cursors, pages forwards and back, filters by producer on the server, and releases a
//! whole page in one request.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use fantoccini::Locator;
use serialhub::db::schema::containers;

use super::browser::{Browser, Role};
use super::kit::world;
use crate::db_tests;
use crate::helpers::Db;
use crate::partners_support::{commission_ok, Party};

const MANY: u64 = 10_000;

/// GS1 mod-10 check digit of the 17 digits (weights 3, 1, 3, … from the left for an SSCC).
fn with_check_digit(body17: &str) -> String {
    let sum: u32 = body17
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{body17}{}", (10 - sum % 10) % 10)
}

/// The CMO commissions `MANY` packs through the API; the database then gets one SSCC per pack,
/// packed by the CMO for the MAH (written directly: ten thousand aggregation requests would be
/// the slow part of this test, not what it is about). Returns the SSCCs in creation order.
async fn seed(w: &super::kit::World, cmo: &Party) -> Vec<String> {
    let serials: Vec<String> = (1..=MANY).map(|n| format!("S{n:05}")).collect();
    let refs: Vec<&str> = serials.iter().map(String::as_str).collect();
    commission_ok(&w.app, cmo, &w.product, &refs).await;
    let ssccs: Vec<String> = (1..=MANY)
        .map(|n| with_check_digit(&format!("1{}{:09}", cmo.gcp, 100_000 + n)))
        .collect();
    let mut conn = w.app.db.conn();
    for chunk in ssccs.chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|s| {
                format!(
                    "('{s}', '{cmo}', '{mah}', 'pending_commissioning_approval', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                    cmo = cmo.id,
                    mah = w.mah.id
                )
            })
            .collect();
        conn.batch_execute(&format!(
            "INSERT INTO containers (sscc, tenant_id, owner_tenant_id, status, created_at, updated_at) VALUES {}",
            rows.join(", ")
        ))
        .unwrap();
    }
    let ids: Vec<(i64, String)> = containers::table
        .filter(containers::sscc.eq_any(&ssccs))
        .select((containers::id, containers::sscc))
        .load(&mut conn)
        .unwrap();
    let id_of: std::collections::HashMap<String, i64> =
        ids.into_iter().map(|(id, s)| (s, id)).collect();
    for (chunk_s, chunk_c) in serials.chunks(500).zip(ssccs.chunks(500)) {
        let cases: Vec<String> = chunk_s
            .iter()
            .zip(chunk_c)
            .map(|(serial, sscc)| format!("WHEN '{serial}' THEN {}", id_of[sscc]))
            .collect();
        let list: Vec<String> = chunk_s.iter().map(|s| format!("'{s}'")).collect();
        conn.batch_execute(&format!(
            "UPDATE items SET parent_container_id = CASE serial_number {} END WHERE serial_number IN ({})",
            cases.join(" "),
            list.join(", ")
        ))
        .unwrap();
    }
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
    let cmo = w.cmo.clone();
    let seeded = seed(&w, &cmo).await;
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
    b.choose("Producer", &w.mah.id).await;
    b.click(Role::Button, "Apply filters").await;
    b.wait_text("No SSCCs pending commissioning approval match these filters.")
        .await;
    b.choose("Producer", &cmo.id).await;
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
