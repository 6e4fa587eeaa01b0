//! The audit trail as stored, and the ways someone with database access could rewrite it.

use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::QueryableByName;

use super::{batch, count, dump, execute, load, texts, Arg};
use crate::kit::app::{Db, TestDb};

/// One stored audit event.
#[derive(Debug, Clone, QueryableByName)]
pub struct StoredEvent {
    #[diesel(sql_type = Text)]
    pub chain_tenant_id: String,
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    /// As stored, as text (restoring it restores the exact value).
    #[diesel(sql_type = Text)]
    pub occurred_at: String,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Text)]
    pub actor_tenant_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub api_key_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub channel_id: Option<String>,
    #[diesel(sql_type = Text)]
    pub owner_tenant_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub request_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub reason: Option<String>,
    /// The payload's JSON text.
    #[diesel(sql_type = Text)]
    pub payload: String,
    #[diesel(sql_type = Text)]
    pub prev_hash: String,
    #[diesel(sql_type = Text)]
    pub hash: String,
    /// The server's own id of the request that recorded it.
    #[diesel(sql_type = Nullable<Text>)]
    pub server_request_id: Option<String>,
}

impl StoredEvent {
    /// The payload, parsed.
    pub fn payload(&self) -> serde_json::Value {
        serde_json::from_str(&self.payload).expect("payload is JSON")
    }
}

const EVENT_COLUMNS: &str = "chain_tenant_id, seq, CAST(occurred_at AS TEXT) AS occurred_at, \
    action, actor_tenant_id, api_key_id, channel_id, owner_tenant_id, request_id, reason, \
    payload, prev_hash, hash, server_request_id";

/// Every stored event, in the order they were written.
pub fn events(db: &TestDb) -> Vec<StoredEvent> {
    load(
        db,
        &format!("SELECT {EVENT_COLUMNS} FROM audit_events ORDER BY id"),
        &[],
    )
}

/// Events stored, of every chain.
pub fn event_count(db: &TestDb) -> i64 {
    count(db, "SELECT COUNT(*) AS n FROM audit_events", &[])
}

/// The chain of one acting tenant, by seq.
pub fn chain(db: &TestDb, tenant_id: &str) -> Vec<StoredEvent> {
    load(
        db,
        &format!("SELECT {EVENT_COLUMNS} FROM audit_events WHERE chain_tenant_id = ? ORDER BY seq"),
        &[Arg::Text(tenant_id)],
    )
}

/// Entries (pack, event) of the per-pack history index: a row each on SQLite, 8 bytes of a pack's
/// `event_ids` each on PostgreSQL.
pub fn audit_index_rows(db: &TestDb) -> i64 {
    let sql = match db.backend {
        Db::Sqlite => "SELECT COUNT(*) AS n FROM audit_items",
        Db::Postgres => {
            "SELECT CAST(COALESCE(SUM(length(event_ids) / 8), 0) AS BIGINT) AS n FROM items"
        }
    };
    count(db, sql, &[])
}

/// Every row of every audit table with every column, as text (for leak scans).
pub fn audit_dump(db: &TestDb) -> String {
    // PostgreSQL keeps the history index on the pack rows (`items.event_ids`), event ids only.
    let tables: &[&str] = match db.backend {
        Db::Sqlite => &[
            "audit_events",
            "audit_heads",
            "audit_items",
            "audit_containers",
        ],
        Db::Postgres => &["audit_events", "audit_heads", "audit_containers"],
    };
    tables
        .iter()
        .map(|table| dump(db, table, "", &[]).join("\n"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every way to change the stored trail in place, in this backend's SQL; the database must
/// refuse each of them.
pub fn audit_rewrites(db: &TestDb) -> Vec<&'static str> {
    let mut attempts = vec![
        "UPDATE audit_events SET reason = 'edited'",
        "UPDATE audit_events SET payload = '{}' WHERE seq = 1",
        "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE seq = 1",
        "UPDATE audit_containers SET event_id = event_id + 1",
        "DELETE FROM audit_containers",
    ];
    match db.backend {
        Db::Sqlite => attempts.extend([
            "UPDATE audit_items SET event_id = event_id + 1",
            "DELETE FROM audit_items",
        ]),
        Db::Postgres => {
            attempts.extend(["TRUNCATE audit_events CASCADE", "TRUNCATE audit_containers"])
        }
    }
    attempts
}

/// Runs one statement against the database directly; the database's error text if refused.
pub fn try_sql(db: &TestDb, sql: &str) -> Result<(), String> {
    batch(db, sql)
}

/// Switches the append-only triggers off, as an attacker with database access could.
pub fn disable_audit_guards(db: &TestDb) {
    let sql = match db.backend {
        Db::Sqlite => "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;",
        Db::Postgres => "ALTER TABLE audit_events DISABLE TRIGGER USER;",
    };
    batch(db, sql).expect("drop the triggers");
}

/// Makes every later audit write fail inside the database (to prove a change is never stored
/// without its event).
pub fn refuse_audit_writes(db: &TestDb) {
    let sql = match db.backend {
        Db::Sqlite => {
            "CREATE TRIGGER test_no_insert BEFORE INSERT ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'audit write refused'); END;"
        }
        Db::Postgres => {
            "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'audit write refused'; END $$; \
             CREATE TRIGGER test_no_insert BEFORE INSERT ON audit_events \
             FOR EACH ROW EXECUTE FUNCTION test_refuse();"
        }
    };
    batch(db, sql).expect("install the refusing trigger");
}

/// A field of a stored event that [`rewrite_event`] can change behind the service's back.
#[derive(Debug, Clone, Copy)]
pub enum EventField {
    Payload,
    Reason,
    OccurredAt,
    Actor,
    ServerRequestId,
}

/// Overwrites one field of event `seq` of `chain`'s chain (the guards must be off).
pub fn rewrite_event(db: &TestDb, chain: &str, seq: i64, field: EventField, value: &str) {
    let column = match field {
        EventField::Payload => "payload",
        EventField::Reason => "reason",
        EventField::OccurredAt => "occurred_at",
        EventField::Actor => "actor_tenant_id",
        EventField::ServerRequestId => "server_request_id",
    };
    // A time goes in as text the database parses (SQLite keeps the text as it is).
    let value_sql = match (field, db.backend) {
        (EventField::OccurredAt, Db::Postgres) => "CAST(? AS TIMESTAMP)",
        _ => "?",
    };
    let n = execute(
        db,
        &format!(
            "UPDATE audit_events SET {column} = {value_sql} WHERE chain_tenant_id = ? AND seq = ?"
        ),
        &[Arg::Text(value), Arg::Text(chain), Arg::Int(seq)],
    )
    .expect("rewrite the event");
    assert_eq!(n, 1, "event {seq} of {chain} rewritten");
}

/// Deletes event `seq` of `chain`'s chain (the guards must be off).
pub fn delete_event(db: &TestDb, chain: &str, seq: i64) {
    let n = execute(
        db,
        "DELETE FROM audit_events WHERE chain_tenant_id = ? AND seq = ?",
        &[Arg::Text(chain), Arg::Int(seq)],
    )
    .expect("delete the event");
    assert_eq!(n, 1, "event {seq} of {chain} deleted");
}

/// Deletes every event of `chain`'s chain (the guards of `audit_events` must be off).
pub fn delete_chain_events(db: &TestDb, chain: &str) {
    let n = execute(
        db,
        "DELETE FROM audit_events WHERE chain_tenant_id = ?",
        &[Arg::Text(chain)],
    )
    .expect("delete the chain's events");
    assert!(n > 0, "events of {chain} deleted");
}

/// Sets `chain`'s recorded head to (seq, hash), as someone covering a cut tail would.
pub fn rewrite_head(db: &TestDb, chain: &str, seq: i64, hash: &str) {
    let n = execute(
        db,
        "UPDATE audit_heads SET seq = ?, hash = ? WHERE chain_tenant_id = ?",
        &[Arg::Int(seq), Arg::Text(hash), Arg::Text(chain)],
    )
    .expect("rewrite the head");
    assert_eq!(n, 1, "head of {chain} rewritten");
}

/// PostgreSQL: every pack's history index entries (`items.event_ids`) as `id:hex`, by id.
pub fn history_stamps(db: &TestDb) -> Vec<Option<String>> {
    texts(
        db,
        "SELECT CAST(id AS TEXT) || ':' || COALESCE(encode(event_ids, 'hex'), '') AS t \
         FROM items ORDER BY id",
        &[],
    )
}
