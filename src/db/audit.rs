//! Storage of the audit trail: chain heads, events, per-object index rows, and the reads behind
//! `/v1/audit/*`, history and EPCIS export. Nothing here updates or deletes an event.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::conn::MultiBackend;
pub use super::dialect::history::Mark;
use super::dialect::{self, KeyList, Keys};
use super::schema::{audit_containers, audit_events as ev, audit_heads, commissions, items};
use super::DbConn;
use crate::ids::{ApiKeyId, ChannelId, ContainerId, ItemId, TenantId};

/// An event exactly as stored: the verifier recomputes its hash from these very strings.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ev)]
pub struct EventRow {
    pub id: i64,
    pub chain_tenant_id: String,
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub action: String,
    pub actor_tenant_id: String,
    pub api_key_id: Option<String>,
    pub channel_id: Option<String>,
    pub owner_tenant_id: String,
    pub request_id: Option<String>,
    pub reason: Option<String>,
    pub payload: String,
    pub recipe: i16,
    pub prev_hash: String,
    pub hash: String,
    pub server_request_id: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ev)]
pub struct NewEventRow<'a> {
    /// Reserved beforehand (`Mark`), or `None` for the next one.
    pub id: Option<i64>,
    pub chain_tenant_id: &'a TenantId,
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub action: &'a str,
    pub actor_tenant_id: &'a TenantId,
    pub api_key_id: Option<&'a ApiKeyId>,
    pub channel_id: Option<&'a ChannelId>,
    pub owner_tenant_id: &'a TenantId,
    pub request_id: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub payload: &'a str,
    pub recipe: i16,
    pub prev_hash: &'a str,
    pub hash: &'a str,
    pub server_request_id: Option<&'a str>,
}

/// Returns the chain's head (seq, hash), locked for this transaction: concurrent writers of one
/// chain queue here, so every event gets the next seq and its predecessor's hash (no forks, no
/// gaps). See `dialect::for_update`.
pub fn lock_head(conn: &mut DbConn, chain: &TenantId, genesis: &str) -> QueryResult<(i64, String)> {
    #[derive(QueryableByName)]
    #[diesel(table_name = audit_heads)]
    struct Head {
        seq: i64,
        hash: String,
    }
    let insert = diesel::insert_into(audit_heads::table)
        .values((
            audit_heads::chain_tenant_id.eq(chain),
            audit_heads::seq.eq(0i64),
            audit_heads::hash.eq(genesis),
        ))
        .on_conflict_do_nothing();
    dialect::insert_or_ignore(conn, insert)?;
    let lock = dialect::for_update(conn);
    let head: Head = diesel::sql_query(format!(
        "SELECT seq, hash FROM audit_heads WHERE chain_tenant_id = $1{lock}"
    ))
    .bind::<diesel::sql_types::Text, _>(chain)
    .get_result(conn)?;
    Ok((head.seq, head.hash))
}

/// Appends the event and moves the head; returns the event's id.
pub fn append(conn: &mut DbConn, row: &NewEventRow<'_>) -> QueryResult<i64> {
    diesel::insert_into(ev::table).values(row).execute(conn)?;
    diesel::update(audit_heads::table.find(row.chain_tenant_id))
        .set((audit_heads::seq.eq(row.seq), audit_heads::hash.eq(row.hash)))
        .execute(conn)?;
    ev::table
        .filter(ev::chain_tenant_id.eq(row.chain_tenant_id))
        .filter(ev::seq.eq(row.seq))
        .select(ev::id)
        .first(conn)
}

/// Ids per index insert (one bound array each).
const INDEX_CHUNK: usize = 100_000;

/// One statement per chunk whatever its length: the ids are bound as one list (`dialect::Keys`),
/// not as two binds per row.
pub fn index_items(conn: &mut DbConn, event_id: i64, item_ids: &[ItemId]) -> QueryResult<()> {
    dialect::history::index_items(conn, event_id, item_ids)
}

fn index_rows<I: Copy + Into<i64>>(
    conn: &mut DbConn,
    table: &str,
    column: &str,
    event_id: i64,
    ids: &[I],
) -> QueryResult<()> {
    use diesel::sql_types::BigInt;
    for chunk in ids.chunks(INDEX_CHUNK) {
        let keys = Keys::ids(conn, chunk.iter().copied());
        diesel::sql_query(format!(
            "INSERT INTO {table} ({column}, event_id) SELECT value, $1 FROM {}",
            keys.sql_rows(2)
        ))
        .bind::<BigInt, _>(event_id)
        .bind::<KeyList<BigInt>, _>(keys)
        .execute(conn)?;
    }
    Ok(())
}

pub fn index_containers(
    conn: &mut DbConn,
    event_id: i64,
    container_ids: &[ContainerId],
) -> QueryResult<()> {
    index_rows(
        conn,
        "audit_containers",
        "container_id",
        event_id,
        container_ids,
    )
}

/// A page of one chain in seq order, for verification.
pub fn chain_page(
    conn: &mut DbConn,
    chain: &TenantId,
    after_seq: i64,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    ev::table
        .filter(ev::chain_tenant_id.eq(chain))
        .filter(ev::seq.gt(after_seq))
        .order(ev::seq)
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
}

pub fn head(conn: &mut DbConn, chain: &TenantId) -> QueryResult<Option<(i64, String)>> {
    audit_heads::table
        .find(chain)
        .select((audit_heads::seq, audit_heads::hash))
        .first(conn)
        .optional()
}

/// Every chain to verify: of every tenant, every head and every event's chain (a tenant whose
/// events were all deleted still has its head, or at least its tenant row), sorted.
pub fn chains(conn: &mut DbConn) -> QueryResult<Vec<TenantId>> {
    use super::schema::tenants;
    let mut all: Vec<TenantId> = ev::table
        .select(ev::chain_tenant_id)
        .distinct()
        .load(conn)?;
    all.extend(
        audit_heads::table
            .select(audit_heads::chain_tenant_id)
            .load::<TenantId>(conn)?,
    );
    all.extend(tenants::table.select(tenants::id).load::<TenantId>(conn)?);
    all.sort();
    all.dedup();
    Ok(all)
}

/// Filters of the event list; every query is limited to events the caller may see: those it
/// performed and those on its own goods (as brand owner).
#[derive(Debug, Clone)]
pub struct EventFilter {
    pub viewer: TenantId,
    /// The action name as the caller wrote it (an unknown one matches nothing).
    pub action: Option<String>,
    /// Only events that touched one of these packs / containers (`Some(empty)` matches nothing).
    pub item_ids: Option<Vec<ItemId>>,
    pub container_ids: Option<Vec<ContainerId>>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

impl EventFilter {
    /// Every event `viewer` may see, `limit` at a time.
    pub fn visible_to(viewer: TenantId, limit: i64) -> EventFilter {
        EventFilter {
            viewer,
            action: None,
            item_ids: None,
            container_ids: None,
            from: None,
            to: None,
            after_id: None,
            limit,
        }
    }
}

/// What a pack's or container's history shows of an event: everything but the payload, which for
/// a commissioning or a release lists up to 100 000 serials and would be read (and detoasted on
/// PostgreSQL) for every lookup only to be thrown away.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ev)]
pub struct EventHead {
    pub id: i64,
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub action: String,
    pub actor_tenant_id: String,
    pub api_key_id: Option<String>,
    pub channel_id: Option<String>,
    pub request_id: Option<String>,
    pub reason: Option<String>,
    pub hash: String,
    pub server_request_id: Option<String>,
}

/// A page of the event feed (`/v1/audit/events`, the EPCIS export): the events `f` selects in
/// (txid, id) order, and only those below the feed horizon (`dialect::feed_horizon`), so that a
/// reader who resumes after the last event it was given never passes one that committed late.
pub fn visible_events(
    conn: &mut DbConn,
    f: &EventFilter,
    horizon: FeedHorizon,
) -> QueryResult<Vec<EventRow>> {
    selected(conn, f, Reading::Feed(horizon))?
        .select(EventRow::as_select())
        .load(conn)
}

/// Everything `f` selects that is visible now, in id order, without the payloads: one
/// transaction reads all of it (a lookup's history, `routes::audit::history`), so nothing can
/// commit between its pages.
pub fn visible_event_heads(conn: &mut DbConn, f: &EventFilter) -> QueryResult<Vec<EventHead>> {
    selected(conn, f, Reading::Snapshot)?
        .select(EventHead::as_select())
        .load(conn)
}

/// `audit_events.txid`, the id of the transaction that wrote the event (0 on SQLite), which the
/// feed orders by (migration 000012); not in `schema.rs` (see there).
fn txid() -> diesel::expression::SqlLiteral<diesel::sql_types::BigInt> {
    diesel::dsl::sql("audit_events.txid")
}

/// How long a feed read waits for the transactions running when it starts (a bulk commissioning
/// of 100 000 packs takes about 3 s on PostgreSQL; most take milliseconds).
const FEED_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Where a read of the event feed stops (`dialect::feed_horizon`): taken before the read's
/// transaction begins, which it must be for the read to see everything below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedHorizon(Option<i64>);

/// The feed's horizon now; call outside a transaction, then read in a new one.
pub fn feed_horizon(conn: &mut DbConn) -> QueryResult<FeedHorizon> {
    Ok(FeedHorizon(dialect::feed_horizon(conn, FEED_WAIT)?))
}

/// How a list of events is cut into pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// Across transactions, resumed by cursor: in (txid, id) order, below the horizon.
    Feed(FeedHorizon),
    /// Within one transaction: in id order, everything visible.
    Snapshot,
}

/// The events `f` selects, `f.limit` of them, ordered as `reading` says, still to be given their
/// columns.
fn selected<'a>(
    conn: &mut DbConn,
    f: &'a EventFilter,
    reading: Reading,
) -> QueryResult<ev::BoxedQuery<'a, MultiBackend>> {
    let mut q = ev::table
        .filter(
            ev::owner_tenant_id
                .eq(&f.viewer)
                .or(ev::actor_tenant_id.eq(&f.viewer)),
        )
        .limit(f.limit)
        .into_boxed();
    match reading {
        Reading::Snapshot => {
            q = q.order(ev::id);
            if let Some(after) = f.after_id {
                q = q.filter(ev::id.gt(after));
            }
        }
        Reading::Feed(FeedHorizon(horizon)) => {
            q = q.order((txid(), ev::id));
            if let Some(horizon) = horizon {
                q = q.filter(txid().lt(horizon));
            }
            if let Some(after) = f.after_id {
                // The cursor names an event the feed gave; events are never deleted, so it is
                // found (were it not, nothing would follow it).
                let at: i64 = ev::table
                    .find(after)
                    .select(txid())
                    .first(conn)
                    .optional()?
                    .unwrap_or(i64::MAX);
                q = q.filter(txid().gt(at).or(txid().eq(at).and(ev::id.gt(after))));
            }
        }
    }
    if let Some(a) = &f.action {
        q = q.filter(ev::action.eq(a.clone()));
    }
    if let Some(from) = f.from {
        q = q.filter(ev::occurred_at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(ev::occurred_at.lt(to));
    }
    if let Some(ids) = &f.item_ids {
        // The packs' own events, and their commissioning, found through their commission.
        let mut events = dialect::history::events_touching(conn, ids)?;
        let commissioned: Vec<Option<i64>> = items::table
            .inner_join(commissions::table)
            .filter(Keys::ids(conn, ids.iter().copied()).contains(items::id))
            .select(commissions::event_id)
            .load(conn)?;
        events.extend(commissioned.into_iter().flatten());
        events.sort_unstable();
        events.dedup();
        q = q.filter(Keys::ids(conn, events).contains(ev::id));
    }
    if let Some(ids) = &f.container_ids {
        let keys = Keys::ids(conn, ids.iter().copied());
        let touching = audit_containers::table
            .filter(keys.contains(audit_containers::container_id))
            .select(audit_containers::event_id);
        q = q.filter(ev::id.eq_any(touching));
    }
    Ok(q)
}
