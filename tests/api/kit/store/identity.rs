//! Tenants, API keys, signing keys, channels, products, partnerships and idempotency claims.

use diesel::sql_types::{Binary, Nullable, Text};
use diesel::QueryableByName;

use super::{count, dump, execute, load, texts, Arg};
use crate::kit::app::TestDb;

/// Tenants stored.
pub fn tenant_count(db: &TestDb) -> i64 {
    count(db, "SELECT COUNT(*) AS n FROM tenants", &[])
}

#[derive(QueryableByName)]
struct PrefixesAndGln {
    #[diesel(sql_type = Text)]
    prefixes: String,
    #[diesel(sql_type = Nullable<Text>)]
    gln: Option<String>,
}

/// The company prefixes (a JSON array) and GLN of the only tenant stored.
pub fn tenant_prefixes_and_gln(db: &TestDb) -> (serde_json::Value, Option<String>) {
    let rows: Vec<PrefixesAndGln> = load(
        db,
        "SELECT gs1_company_prefixes AS prefixes, gln FROM tenants",
        &[],
    );
    assert_eq!(rows.len(), 1, "one tenant stored");
    let row = &rows[0];
    let prefixes = serde_json::from_str(&row.prefixes).expect("prefixes stored as JSON");
    (prefixes, row.gln.clone())
}

/// API keys stored for a tenant, revoked ones included.
pub fn api_key_count(db: &TestDb, tenant_id: &str) -> i64 {
    count(
        db,
        "SELECT COUNT(*) AS n FROM api_keys WHERE tenant_id = ?",
        &[Arg::Text(tenant_id)],
    )
}

/// The stored secret hash of an API key.
pub fn api_key_secret_hash(db: &TestDb, key_id: &str) -> String {
    one_text(
        db,
        "SELECT secret_hash AS t FROM api_keys WHERE id = ?",
        key_id,
    )
}

/// The tenant an API key belongs to, as stored.
pub fn api_key_tenant(db: &TestDb, key_id: &str) -> String {
    one_text(
        db,
        "SELECT tenant_id AS t FROM api_keys WHERE id = ?",
        key_id,
    )
}

/// Everything stored for an API key, every column, as one text (for leak scans).
pub fn api_key_row(db: &TestDb, key_id: &str) -> String {
    let rows = dump(db, "api_keys", "WHERE id = ?", &[Arg::Text(key_id)]);
    assert_eq!(rows.len(), 1, "key {key_id} stored");
    rows[0].clone()
}

#[derive(QueryableByName)]
struct SigningKey {
    #[diesel(sql_type = Text)]
    kid: String,
    #[diesel(sql_type = Binary)]
    secret: Vec<u8>,
}

/// The token signing keys stored: (kid, secret).
pub fn signing_keys(db: &TestDb) -> Vec<(String, Vec<u8>)> {
    load::<SigningKey>(db, "SELECT kid, secret FROM signing_keys", &[])
        .into_iter()
        .map(|k| (k.kid, k.secret))
        .collect()
}

/// Channels stored for a tenant.
pub fn channel_count(db: &TestDb, tenant_id: &str) -> i64 {
    count(
        db,
        "SELECT COUNT(*) AS n FROM channels WHERE tenant_id = ?",
        &[Arg::Text(tenant_id)],
    )
}

/// Products stored, of every tenant.
pub fn product_count(db: &TestDb) -> i64 {
    count(db, "SELECT COUNT(*) AS n FROM products", &[])
}

/// The product codes stored, of every tenant, in order.
pub fn product_codes(db: &TestDb) -> Vec<String> {
    texts(
        db,
        "SELECT product_code AS t FROM products ORDER BY product_code",
        &[],
    )
    .into_iter()
    .flatten()
    .collect()
}

/// Partnerships stored, in any status.
pub fn partnership_count(db: &TestDb) -> i64 {
    count(db, "SELECT COUNT(*) AS n FROM partnerships", &[])
}

/// Puts a completed idempotency claim back to `running`, as it is while its first request is
/// still being processed; how many claims it changed.
pub fn reopen_claim(db: &TestDb, tenant_id: &str, key: &str) -> usize {
    execute(
        db,
        "UPDATE idempotency_keys SET state = 'running', response_status = NULL, \
         response_body = NULL WHERE tenant_id = ? AND idem_key = ?",
        &[Arg::Text(tenant_id), Arg::Text(key)],
    )
    .expect("reopen the claim")
}

/// Inserts a `running` claim made `age` ago, as another instance (or a crashed one) holds it.
pub fn insert_running_claim(db: &TestDb, tenant_id: &str, key: &str, age: chrono::Duration) {
    let created = chrono::Utc::now().naive_utc() - age;
    execute(
        db,
        "INSERT INTO idempotency_keys (tenant_id, idem_key, request_hash, state, created_at) \
         VALUES (?, ?, ?, 'running', ?)",
        &[
            Arg::Text(tenant_id),
            Arg::Text(key),
            Arg::Text(&"0".repeat(64)),
            Arg::Time(created),
        ],
    )
    .expect("insert a running claim");
}

/// The state of the claim on `key` (`running`, `done`), if any.
pub fn claim_state(db: &TestDb, key: &str) -> Option<String> {
    texts(
        db,
        "SELECT state AS t FROM idempotency_keys WHERE idem_key = ?",
        &[Arg::Text(key)],
    )
    .into_iter()
    .next()
    .flatten()
}

/// Every response stored for replay.
pub fn stored_responses(db: &TestDb) -> Vec<String> {
    texts(db, "SELECT response_body AS t FROM idempotency_keys", &[])
        .into_iter()
        .flatten()
        .collect()
}

/// Every text column of every idempotency record, one string per record (a secret stored
/// anywhere in the table shows up in one of them).
pub fn idempotency_records(db: &TestDb) -> Vec<String> {
    texts(
        db,
        "SELECT tenant_id || ' ' || idem_key || ' ' || request_hash || ' ' || state || ' ' || \
         COALESCE(response_body, '') AS t FROM idempotency_keys",
        &[],
    )
    .into_iter()
    .flatten()
    .collect()
}

#[track_caller]
fn one_text(db: &TestDb, sql: &str, key: &str) -> String {
    texts(db, sql, &[Arg::Text(key)])
        .into_iter()
        .next()
        .flatten()
        .unwrap_or_else(|| panic!("{sql} [{key}]: no row"))
}
