//! Races: parallel requests of which exactly one may win; every loser must be refused with the
//! exact error the API documents, never an anonymous failure.

use serde_json::{json, Value};

use super::app::Db;

/// Asserts that exactly one of `results` has status `win`; returns its index and the losers'.
#[track_caller]
pub fn one_winner(results: &[(u16, Value)], win: u16) -> (usize, Vec<usize>) {
    let winners: Vec<usize> = (0..results.len())
        .filter(|&i| results[i].0 == win)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one winner: {results:?}");
    let losers = (0..results.len()).filter(|&i| i != winners[0]).collect();
    (winners[0], losers)
}

/// Asserts an error answer exactly: status, and the whole body (type, message, every detail's
/// path and problem, in order).
#[track_caller]
pub fn assert_exact_error(
    (status, body): &(u16, Value),
    want_status: u16,
    want_type: &str,
    message: &str,
    details: &[(String, String)],
) {
    assert_eq!(
        (*status, body),
        (want_status, &error_body(want_type, message, details)),
    );
}

/// The most details an error answer lists (docs/api.md); the rest are counted in
/// `details_omitted`.
pub const MAX_DETAILS: usize = 1000;

/// The error body of type `error` with `message` and `details` (path, problem): the first
/// [`MAX_DETAILS`] of them, and the count of the rest when there are more.
pub fn error_body(error: &str, message: &str, details: &[(String, String)]) -> Value {
    let shown: Vec<Value> = details
        .iter()
        .take(MAX_DETAILS)
        .map(|(path, problem)| json!({"path": path, "problem": problem}))
        .collect();
    let mut body = json!({"success": false, "error": error, "message": message, "details": shown});
    if details.len() > MAX_DETAILS {
        body["details_omitted"] = json!(details.len() - MAX_DETAILS);
    }
    body
}

/// The `(path, problem)` of every detail of an error body, in order.
#[track_caller]
pub fn details(body: &Value) -> Vec<(String, String)> {
    body["details"]
        .as_array()
        .unwrap_or_else(|| panic!("details array: {body}"))
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap_or_default().to_string(),
                d["problem"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The message of a `StateError` listing children that cannot be aggregated.
pub const NOT_IN_STATUS: &str = "Some items are not in the status this action needs";

/// The message of a `StateError` whose conditional write found the rows changed by another
/// request since it read them.
pub const CHANGED_MEANWHILE: &str =
    "Some items were changed by a concurrent request; nothing was written, retry";

/// Asserts the answer of the loser of two releases of the SSCC `sscc` on `db`: the pallet is
/// released already. On PostgreSQL the loser may also have read it still pending before the winner
/// committed; its conditional update then touched nothing and it answers that a concurrent request
/// changed the goods. Both are `StateError`s that write nothing.
#[track_caller]
pub fn assert_lost_release(db: Db, loser: &(u16, Value), sscc: &str) {
    let released = [("ssccs[0]".to_string(), format!("SSCC {sscc} is released"))];
    match db {
        Db::Sqlite => assert_exact_error(loser, 409, "StateError", NOT_PENDING, &released),
        Db::Postgres => {
            let seen_released = error_body("StateError", NOT_PENDING, &released);
            let changed = error_body("StateError", CHANGED_MEANWHILE, &[]);
            assert_eq!(loser.0, 409, "{loser:?}");
            assert!(loser.1 == seen_released || loser.1 == changed, "{loser:?}");
        }
    }
}

/// The message of a release refused for goods that are not pending.
pub const NOT_PENDING: &str = "Some items are not pending commissioning approval";

/// The message of a `StateError` listing serials that exist already.
pub const SERIALS_TAKEN: &str =
    "Some serials are already commissioned; serials are unique per product forever";

/// The details of an aggregation refused because every child (`serials` of `gtin`, in the
/// request's order) is in another parent.
pub fn in_another_parent<S: AsRef<str>>(gtin: &str, serials: &[S]) -> Vec<(String, String)> {
    serials
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                format!("child_trade_items[{i}]"),
                format!(
                    "{gtin} / {} is already aggregated in another parent",
                    s.as_ref()
                ),
            )
        })
        .collect()
}

/// The details of a commission refused because of the serials of `request` that `taken` holds,
/// each named where the request has it.
pub fn already_commissioned<S: AsRef<str>>(
    request: &[S],
    taken: &std::collections::HashSet<&str>,
) -> Vec<(String, String)> {
    request
        .iter()
        .map(AsRef::as_ref)
        .enumerate()
        .filter(|(_, s)| taken.contains(s))
        .map(|(i, s)| {
            (
                format!("serial_numbers[{i}]"),
                format!("serial {s} is already commissioned"),
            )
        })
        .collect()
}
