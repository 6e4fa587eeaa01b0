//! Reading whole hierarchies: everything below a container, and everything above a pack.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, SmallInt, Text};

use super::containers::ContainerRow;
use super::dialect::{KeyList, Keys};
use super::schema::containers;
use super::DbConn;
use crate::domain::lifecycle::Status;
use crate::ids::{ContainerId, ItemId, ProductKey};

/// A pack somewhere below a container.
#[derive(Debug, Clone, QueryableByName)]
pub struct TreePack {
    #[diesel(sql_type = BigInt)]
    pub id: ItemId,
    #[diesel(sql_type = Text)]
    pub product_code: String,
    #[diesel(sql_type = Text)]
    pub serial_number: String,
    #[diesel(sql_type = SmallInt)]
    pub status: Status,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub parent_container_id: Option<ContainerId>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub parent_item_id: Option<ItemId>,
}

/// Ids of the container and of every container below it, as a recursive CTE to reuse.
pub const BOXES_CTE: &str = "boxes(id) AS ( \
        SELECT id FROM containers WHERE id = $1 \
        UNION ALL SELECT c.id FROM containers c JOIN boxes b ON c.parent_container_id = b.id)";

/// Ids of every pack below those containers, at any depth of bundles.
pub const PACKS_CTE: &str = "packs(id) AS ( \
        SELECT i.id FROM items i JOIN boxes b ON i.parent_container_id = b.id \
        UNION ALL SELECT i.id FROM items i JOIN packs p ON i.parent_item_id = p.id)";

/// Every container below `root` (not `root` itself) and every pack below it: three statements
/// whatever the size of the hierarchy.
pub fn below(
    conn: &mut DbConn,
    root: ContainerId,
) -> QueryResult<(Vec<ContainerRow>, Vec<TreePack>)> {
    let ids = super::containers::descendant_ids(conn, root)?;
    let mut boxes = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(super::items::KEY_CHUNK) {
        let rows: Vec<ContainerRow> = containers::table
            .filter(Keys::ids(conn, chunk.iter().copied()).contains(containers::id))
            .filter(containers::id.ne(root))
            .select(ContainerRow::as_select())
            .load(conn)?;
        boxes.extend(rows);
    }
    let packs: Vec<TreePack> = diesel::sql_query(format!(
        "WITH RECURSIVE {BOXES_CTE}, {PACKS_CTE} \
         SELECT i.id, p.product_code, i.serial_number, i.status, i.parent_container_id, i.parent_item_id \
         FROM packs JOIN items i ON i.id = packs.id JOIN products p ON p.id = i.product_id"
    ))
    .bind::<BigInt, _>(root)
    .load(conn)?;
    Ok((boxes, packs))
}

/// Distinct product ids of every pack below the given containers (at any depth of containers and
/// bundles): one statement whatever the size of the hierarchy.
pub fn product_ids_below(conn: &mut DbConn, roots: &[ContainerId]) -> QueryResult<Vec<ProductKey>> {
    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = BigInt)]
        product_id: ProductKey,
    }
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    let roots = Keys::ids(conn, roots.iter().copied());
    let rows: Vec<Pid> = diesel::sql_query(format!(
        "WITH RECURSIVE boxes(id) AS ( \
             SELECT id FROM containers WHERE {} \
             UNION ALL SELECT c.id FROM containers c JOIN boxes b ON c.parent_container_id = b.id), \
         {PACKS_CTE} \
         SELECT DISTINCT i.product_id FROM packs JOIN items i ON i.id = packs.id",
        roots.sql_contains("id", 1)
    ))
    .bind::<KeyList<BigInt>, _>(roots)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.product_id).collect())
}
