//! The SSCC pool as stored: each SSCC's pool status, and a fingerprint of the pool and its
//! counters. The status codes are the migration's (1 available, 2 assigned, 3 used).

use super::{count, dump, texts, Arg};
use crate::kit::app::TestDb;

/// The pool status of the SSCC as the API names it, or `None` when it is in no pool.
pub fn sscc_pool_status(db: &TestDb, sscc: &str) -> Option<String> {
    let code = texts(
        db,
        "SELECT CAST(status AS TEXT) AS t FROM sscc_pool WHERE sscc = ?",
        &[Arg::Text(sscc)],
    )
    .into_iter()
    .next()
    .flatten()?;
    Some(
        match code.as_str() {
            "1" => "available",
            "2" => "assigned",
            "3" => "used",
            other => panic!("unknown SSCC pool status code {other}"),
        }
        .to_string(),
    )
}

/// The tenant whose pool holds the SSCC.
pub fn sscc_pool_tenant(db: &TestDb, sscc: &str) -> Option<String> {
    texts(
        db,
        "SELECT tenant_id AS t FROM sscc_pool WHERE sscc = ?",
        &[Arg::Text(sscc)],
    )
    .into_iter()
    .next()
    .flatten()
}

/// How many SSCCs the pools hold with this status (`available`, `assigned`, `used`).
pub fn sscc_pool_count(db: &TestDb, status: &str) -> i64 {
    let code = match status {
        "available" => 1,
        "assigned" => 2,
        "used" => 3,
        other => panic!("no SSCC pool status {other}"),
    };
    count(
        db,
        "SELECT COUNT(*) AS n FROM sscc_pool WHERE status = ?",
        &[Arg::Int(code)],
    )
}

/// Every row of the pool and of its counters, as text: equal before and after a refused request
/// when it wrote nothing.
pub fn sscc_pool_fingerprint(db: &TestDb) -> String {
    [
        dump(db, "sscc_pool", "", &[]),
        dump(db, "sscc_counters", "", &[]),
    ]
    .concat()
    .join("\n")
}
