//! Containers (SSCCs): lookup, creation on first aggregation, nesting, and hierarchy reads.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::dialect::{self, Keys};
use super::schema::{containers, items};
use super::DbConn;
use crate::domain::aggregation::ContainerState;
use crate::domain::lifecycle::Status;
use crate::ids::{ChannelId, ContainerId, TenantId};

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = containers)]
pub struct ContainerRow {
    pub id: ContainerId,
    pub sscc: String,
    /// The tenant that packed it.
    pub produced_by: TenantId,
    /// The brand owner (MAH) of the goods inside.
    pub owner_tenant_id: TenantId,
    pub status: Status,
    pub parent_container_id: Option<ContainerId>,
    pub channel_id: Option<ChannelId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = containers)]
pub struct NewContainer<'a> {
    pub sscc: &'a str,
    pub produced_by: &'a TenantId,
    pub owner_tenant_id: &'a TenantId,
    pub status: Status,
    pub channel_id: Option<&'a ChannelId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ContainerRow {
    /// The row as the aggregation rules see it, for `caller`.
    pub fn state(&self, caller: &TenantId, has_children: bool) -> ContainerState {
        ContainerState {
            id: self.id,
            sscc: self.sscc.clone(),
            produced_by_caller: self.produced_by == *caller,
            status: self.status,
            parent: self.parent_container_id,
            has_children,
        }
    }
}

pub fn find(conn: &mut DbConn, sscc: &str) -> QueryResult<Option<ContainerRow>> {
    containers::table
        .filter(containers::sscc.eq(sscc))
        .select(ContainerRow::as_select())
        .first(conn)
        .optional()
}

/// Like [`find`], but the row stays locked until the transaction ends, so a concurrent release
/// or aggregation of the same parent waits (see `dialect::for_update`).
pub fn find_for_update(conn: &mut DbConn, sscc: &str) -> QueryResult<Option<ContainerRow>> {
    let lock = dialect::for_update(conn);
    diesel::sql_query(format!("SELECT * FROM containers WHERE sscc = $1{lock}"))
        .bind::<diesel::sql_types::Text, _>(sscc)
        .get_result(conn)
        .optional()
}

pub fn by_ssccs(conn: &mut DbConn, ssccs: &[&str]) -> QueryResult<Vec<ContainerRow>> {
    containers::table
        .filter(Keys::text(conn, ssccs).contains(containers::sscc))
        .select(ContainerRow::as_select())
        .load(conn)
}

pub fn by_ids(conn: &mut DbConn, ids: &[ContainerId]) -> QueryResult<Vec<ContainerRow>> {
    containers::table
        .filter(Keys::ids(conn, ids.iter().copied()).contains(containers::id))
        .select(ContainerRow::as_select())
        .load(conn)
}

pub fn by_id(conn: &mut DbConn, id: ContainerId) -> QueryResult<Option<ContainerRow>> {
    containers::table
        .find(id)
        .select(ContainerRow::as_select())
        .first(conn)
        .optional()
}

/// Creates the container unless it exists (a concurrent creator wins), then returns it locked.
pub fn create_or_get(conn: &mut DbConn, new: &NewContainer<'_>) -> QueryResult<ContainerRow> {
    let insert = diesel::insert_into(containers::table)
        .values(new)
        .on_conflict_do_nothing();
    dialect::insert_or_ignore(conn, insert)?;
    find_for_update(conn, new.sscc)?.ok_or(diesel::result::Error::NotFound)
}

/// Which of `ids` hold at least one pack or container.
pub fn non_empty(conn: &mut DbConn, ids: &[ContainerId]) -> QueryResult<Vec<ContainerId>> {
    let mut with_items: Vec<Option<ContainerId>> = items::table
        .filter(Keys::ids(conn, ids.iter().copied()).contains(items::parent_container_id))
        .select(items::parent_container_id)
        .distinct()
        .load(conn)?;
    let with_containers: Vec<Option<ContainerId>> = containers::table
        .filter(Keys::ids(conn, ids.iter().copied()).contains(containers::parent_container_id))
        .select(containers::parent_container_id)
        .distinct()
        .load(conn)?;
    with_items.extend(with_containers);
    let mut out: Vec<ContainerId> = with_items.into_iter().flatten().collect();
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Puts loose pending containers onto `parent`; the count reveals concurrent changes.
pub fn attach(
    conn: &mut DbConn,
    ids: &[ContainerId],
    parent: ContainerId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        containers::table
            .filter(Keys::ids(conn, ids.iter().copied()).contains(containers::id))
            .filter(containers::status.eq(Status::PendingCommissioningApproval))
            .filter(containers::parent_container_id.is_null()),
    )
    .set((
        containers::parent_container_id.eq(parent),
        containers::updated_at.eq(now),
    ))
    .execute(conn)
}

pub fn detach(
    conn: &mut DbConn,
    ids: &[ContainerId],
    parent: ContainerId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        containers::table
            .filter(Keys::ids(conn, ids.iter().copied()).contains(containers::id))
            .filter(containers::status.eq(Status::PendingCommissioningApproval))
            .filter(containers::parent_container_id.eq(parent)),
    )
    .set((
        containers::parent_container_id.eq(None::<ContainerId>),
        containers::updated_at.eq(now),
    ))
    .execute(conn)
}

pub fn children_of(conn: &mut DbConn, parent: ContainerId) -> QueryResult<Vec<ContainerRow>> {
    containers::table
        .filter(containers::parent_container_id.eq(parent))
        .select(ContainerRow::as_select())
        .load(conn)
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: ContainerId,
}

/// The container's own id and those of every container it sits in, innermost first.
pub fn ancestor_ids(conn: &mut DbConn, id: ContainerId) -> QueryResult<Vec<ContainerId>> {
    let rows: Vec<IdRow> = diesel::sql_query(
        "WITH RECURSIVE up(id, parent) AS ( \
             SELECT id, parent_container_id FROM containers WHERE id = $1 \
             UNION ALL SELECT c.id, c.parent_container_id FROM containers c JOIN up ON c.id = up.parent) \
         SELECT id FROM up",
    )
    .bind::<diesel::sql_types::BigInt, _>(id)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The container's own id and every container below it, at any depth.
pub fn descendant_ids(conn: &mut DbConn, id: ContainerId) -> QueryResult<Vec<ContainerId>> {
    let rows: Vec<IdRow> = diesel::sql_query(
        "WITH RECURSIVE down(id) AS ( \
             SELECT id FROM containers WHERE id = $1 \
             UNION ALL SELECT c.id FROM containers c JOIN down ON c.parent_container_id = down.id) \
         SELECT id FROM down",
    )
    .bind::<diesel::sql_types::BigInt, _>(id)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
