//! Cursor pagination shared by every list endpoint: `?limit=` (default 100, max 1000) and
//! `?after=<cursor>`; answers `{"success": true, "items": [...], "next": cursor | null}`.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::reply::Reply;
use crate::auth::cursor::{CursorKey, CursorList};
use crate::error::{ApiError, Detail};
use crate::ids::TenantId;

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<i64>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
}

impl PageQuery {
    /// The page size asked for: 1 to 1000, 100 when not given.
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::validation(
                format!("limit must be between 1 and {MAX_LIMIT}"),
                vec![Detail::at("limit", "out of range")],
            )),
        }
    }
}

/// The row an `?after=` cursor names, if one was given: it must be a cursor `list` gave `viewer`
/// (`auth::cursor`); anything else is one `ValidationError`, whoever made it.
pub fn open_after(
    cursors: &CursorKey,
    viewer: &TenantId,
    list: CursorList,
    after: Option<&str>,
) -> Result<Option<i64>, ApiError> {
    after
        .map(|a| {
            cursors.open(viewer, list, a).ok_or_else(|| {
                ApiError::validation(
                    "Invalid cursor",
                    vec![Detail::at("after", "not a cursor from this list")],
                )
            })
        })
        .transpose()
}

/// The list answer; `cursor_of` gives the cursor of the last item when the page is full.
pub fn page<T: Serialize>(items: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> String) -> Reply {
    let next = if items.len() as i64 == limit {
        items.last().map(&cursor_of)
    } else {
        None
    };
    Reply::ok(json!({ "items": items, "next": next }))
}
