//! Packs and containers: what a test asserts was (or was not) written.

use diesel::sql_types::{Nullable, Text};
use diesel::QueryableByName;

use super::{batch, count, dump, load, texts, Arg};
use crate::kit::app::TestDb;

/// The status codes of the schema (its CHECK constraints), as the API names them.
fn status_text(column: &str) -> String {
    format!(
        "CASE {column} WHEN 1 THEN 'pending_commissioning_approval' WHEN 2 THEN 'released' \
         WHEN 3 THEN 'decommissioned' END"
    )
}

/// Where a pack or container sits, by the identifiers the API uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parent {
    /// On a container (case or pallet).
    Container(String),
    /// Inside a bundle pack.
    Pack { gtin: String, serial: String },
}

/// What is stored for one pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPack {
    pub status: String,
    pub batch: String,
    pub expiry_date: String,
    pub decommission_reason: Option<String>,
    /// The tenant that commissioned it.
    pub produced_by: String,
    pub channel_id: String,
    pub parent: Option<Parent>,
}

#[derive(QueryableByName)]
struct PackRow {
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    batch: String,
    #[diesel(sql_type = Text)]
    expiry_date: String,
    #[diesel(sql_type = Nullable<Text>)]
    decommission_reason: Option<String>,
    #[diesel(sql_type = Text)]
    produced_by: String,
    #[diesel(sql_type = Text)]
    channel_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    parent_sscc: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    parent_gtin: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    parent_serial: Option<String>,
}

/// The pack `gtin` / `serial` as stored (the first one, should two tenants hold the same).
pub fn pack(db: &TestDb, gtin: &str, serial: &str) -> Option<StoredPack> {
    let rows: Vec<PackRow> = load(
        db,
        &format!(
            "SELECT {} AS status, k.batch, k.expiry_date, d.reason AS decommission_reason, \
                    k.produced_by, k.channel_id, c.sscc AS parent_sscc, \
                    pp.product_code AS parent_gtin, pi.serial_number AS parent_serial \
             FROM items i JOIN products p ON p.id = i.product_id \
             JOIN commissions k ON k.id = i.commission_id \
             LEFT JOIN item_decommissions d ON d.item_id = i.id \
             LEFT JOIN containers c ON c.id = i.parent_container_id \
             LEFT JOIN items pi ON pi.id = i.parent_item_id \
             LEFT JOIN products pp ON pp.id = pi.product_id \
             WHERE p.product_code = ? AND i.serial_number = ? ORDER BY i.id",
            status_text("i.status")
        ),
        &[Arg::Text(gtin), Arg::Text(serial)],
    );
    rows.into_iter().next().map(|r| StoredPack {
        parent: match (r.parent_sscc, r.parent_gtin, r.parent_serial) {
            (Some(sscc), _, _) => Some(Parent::Container(sscc)),
            (None, Some(gtin), Some(serial)) => Some(Parent::Pack { gtin, serial }),
            _ => None,
        },
        status: r.status,
        batch: r.batch,
        expiry_date: r.expiry_date,
        decommission_reason: r.decommission_reason,
        produced_by: r.produced_by,
        channel_id: r.channel_id,
    })
}

impl StoredPack {
    /// The SSCC it sits on directly, if any.
    pub fn container(&self) -> Option<&str> {
        match &self.parent {
            Some(Parent::Container(sscc)) => Some(sscc),
            _ => None,
        }
    }

    /// The bundle pack (GTIN, serial) it is inside, if any.
    pub fn bundle(&self) -> Option<(&str, &str)> {
        match &self.parent {
            Some(Parent::Pack { gtin, serial }) => Some((gtin, serial)),
            _ => None,
        }
    }
}

/// The stored status of a pack, as the API names it.
#[track_caller]
pub fn pack_status(db: &TestDb, gtin: &str, serial: &str) -> String {
    pack(db, gtin, serial)
        .unwrap_or_else(|| panic!("pack {gtin} / {serial} stored"))
        .status
}

/// Packs stored, of every tenant.
pub fn pack_count(db: &TestDb) -> i64 {
    count(db, "SELECT COUNT(*) AS n FROM items WHERE status <> 0", &[])
}

/// Packs with a parent of any kind.
pub fn aggregated_pack_count(db: &TestDb) -> i64 {
    count(
        db,
        "SELECT COUNT(*) AS n FROM items \
         WHERE parent_container_id IS NOT NULL OR parent_item_id IS NOT NULL",
        &[],
    )
}

/// Packs directly on the container `sscc` (0 when it does not exist).
pub fn packs_in(db: &TestDb, sscc: &str) -> i64 {
    count(
        db,
        "SELECT COUNT(*) AS n FROM items i JOIN containers c ON c.id = i.parent_container_id \
         WHERE c.sscc = ?",
        &[Arg::Text(sscc)],
    )
}

/// The SSCC each pack sits on directly (`None` for a pack on no container).
pub fn pack_containers(db: &TestDb) -> Vec<Option<String>> {
    texts(
        db,
        "SELECT c.sscc AS t FROM items i LEFT JOIN containers c ON c.id = i.parent_container_id \
         ORDER BY i.id",
        &[],
    )
}

/// Every serial stored, of every product.
pub fn serials(db: &TestDb) -> Vec<String> {
    texts(db, "SELECT serial_number AS t FROM items", &[])
        .into_iter()
        .flatten()
        .collect()
}

/// Containers stored, of every tenant.
pub fn container_count(db: &TestDb) -> i64 {
    count(db, "SELECT COUNT(*) AS n FROM containers", &[])
}

/// Whether the container `sscc` is stored.
pub fn container_exists(db: &TestDb, sscc: &str) -> bool {
    count(
        db,
        "SELECT COUNT(*) AS n FROM containers WHERE sscc = ?",
        &[Arg::Text(sscc)],
    ) > 0
}

/// The SSCC the container `sscc` sits on (outer `None`: the container is not stored).
pub fn container_parent(db: &TestDb, sscc: &str) -> Option<Option<String>> {
    texts(
        db,
        "SELECT p.sscc AS t FROM containers c LEFT JOIN containers p \
         ON p.id = c.parent_container_id WHERE c.sscc = ?",
        &[Arg::Text(sscc)],
    )
    .into_iter()
    .next()
}

/// The stored status of a container, as the API names it.
#[track_caller]
pub fn container_status(db: &TestDb, sscc: &str) -> String {
    texts(
        db,
        &format!(
            "SELECT {} AS t FROM containers WHERE sscc = ?",
            status_text("status")
        ),
        &[Arg::Text(sscc)],
    )
    .into_iter()
    .next()
    .flatten()
    .unwrap_or_else(|| panic!("container {sscc} stored"))
}

/// (released packs, released containers).
pub fn released_counts(db: &TestDb) -> (i64, i64) {
    (
        count(db, "SELECT COUNT(*) AS n FROM items WHERE status = 2", &[]),
        count(
            db,
            "SELECT COUNT(*) AS n FROM containers WHERE status = 2",
            &[],
        ),
    )
}

/// Everything the pack, container and partnership tables hold, every column, as one comparable
/// text: equal before and after a request proves the request wrote nothing there.
pub fn fingerprint(db: &TestDb) -> String {
    [
        "commissions",
        "items",
        "item_decommissions",
        "containers",
        "partnerships",
        "partnership_products",
        "packaging_orders",
        "pool_holders",
    ]
    .iter()
    .map(|table| dump(db, table, "", &[]).join("\n"))
    .collect::<Vec<_>>()
    .join("\n--\n")
}

/// Puts each pending pack `(serial, sscc)` of `gtin` on its own new pending container `sscc`,
/// packed by the tenant `produced_by` for the brand owner `owner`, in a few statements per 500
/// pairs: volume for tests of long lists, where ten thousand aggregation requests would be the
/// slow part of the test and not what it is about. Values are the tests' own (digits, tenant ids
/// and serials of the character set the tests choose), written into the SQL text.
pub fn pack_each_onto_a_new_sscc(
    db: &TestDb,
    produced_by: &str,
    owner: &str,
    gtin: &str,
    pairs: &[(String, String)],
) {
    let quoted = |s: &str| {
        assert!(!s.contains('\''), "{s} needs no quoting");
        format!("'{s}'")
    };
    for chunk in pairs.chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|(_, sscc)| {
                format!(
                    "({}, {}, {}, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                    quoted(sscc),
                    quoted(produced_by),
                    quoted(owner)
                )
            })
            .collect();
        let whens: Vec<String> = chunk
            .iter()
            .map(|(serial, sscc)| format!("WHEN {} THEN {}", quoted(serial), quoted(sscc)))
            .collect();
        let serials: Vec<String> = chunk.iter().map(|(serial, _)| quoted(serial)).collect();
        batch(
            db,
            &format!(
                "INSERT INTO containers (sscc, produced_by, owner_tenant_id, status, created_at, \
                 updated_at) VALUES {rows};
                 UPDATE items SET parent_container_id = \
                   (SELECT c.id FROM containers c WHERE c.sscc = CASE items.serial_number {whens} END) \
                 WHERE serial_number IN ({serials}) \
                   AND product_id = (SELECT id FROM products WHERE product_code = {gtin} \
                                     AND owner_tenant_id = {owner});",
                rows = rows.join(", "),
                whens = whens.join(" "),
                serials = serials.join(", "),
                gtin = quoted(gtin),
                owner = quoted(owner),
            ),
        )
        .expect("pack onto new SSCCs");
    }
}

/// Every internal row id of packs, containers and audit events, as decimal text: none may ever
/// appear in a response.
pub fn internal_row_ids(db: &TestDb) -> Vec<String> {
    ["items", "containers", "audit_events", "commissions"]
        .iter()
        .flat_map(|table| {
            texts(
                db,
                &format!("SELECT CAST(id AS TEXT) AS t FROM {table}"),
                &[],
            )
        })
        .flatten()
        .collect()
}
