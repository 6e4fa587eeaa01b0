//! `POST /ssccs/request` and `POST /ssccs/release`: the tenant's SSCC pool (docs/pools.md).

use actix_web::web::Data;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::check_count;
use crate::config::Settings;
use crate::db::DbPool;
use crate::domain::gs1::Sscc;
use crate::domain::pools::sscc;
use crate::domain::problems::Problems;
use crate::domain::trade_item::parse_ssccs;
use crate::error::ApiError;
use crate::http::body::JsonBody;
use crate::http::reply::Reply;
use crate::http::write::Write;
use crate::workflows::sscc_pool::{self, Request};

/// Read as a JSON object whose fields are checked one by one, so that every wrong field is
/// reported at once, each with a message of its own (not serde's first failure); and an array,
/// which serde would read field by field into a struct, is refused.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(from = "Map<String, Value>")]
pub struct SsccRequestBody {
    /// How many SSCCs: 1 to the configured item limit (100 000 by default).
    #[schema(value_type = i64, minimum = 1, maximum = 100000)]
    quantity: Value,
    /// The SSCCs' first digit, 0 to 9 (often one per packaging level).
    #[schema(value_type = i64, minimum = 0, maximum = 9)]
    extension_digit: Value,
    /// One of the tenant's GS1 Company Prefixes; default: the first `GET /v1/tenant` lists.
    #[schema(value_type = Option<String>)]
    company_prefix: Value,
}

impl From<Map<String, Value>> for SsccRequestBody {
    fn from(mut m: Map<String, Value>) -> SsccRequestBody {
        let mut take = |k: &str| m.remove(k).unwrap_or(Value::Null);
        SsccRequestBody {
            quantity: take("quantity"),
            extension_digit: take("extension_digit"),
            company_prefix: take("company_prefix"),
        }
    }
}

/// The answer of `ssccs/request`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SsccsAnswer {
    success: bool,
    message: String,
    /// The SSCCs assigned to the caller: returned ones first (oldest first), then new ones in
    /// serial-reference order.
    #[schema(value_type = Vec<String>)]
    ssccs: Vec<Sscc>,
}

fn parse_request(b: &SsccRequestBody, max: usize) -> Result<Request, ApiError> {
    let mut p = Problems::default();
    let quantity = p.check("quantity", sscc::quantity(Some(&b.quantity), max as u64));
    let ext = p.check(
        "extension_digit",
        sscc::extension_digit(Some(&b.extension_digit)),
    );
    let prefix = p.check(
        "company_prefix",
        sscc::company_prefix(Some(&b.company_prefix)),
    );
    match (quantity, ext, prefix) {
        (Some(quantity), Some(extension_digit), Some(company_prefix)) => Ok(Request {
            quantity,
            extension_digit,
            company_prefix,
        }),
        _ => Err(ApiError::validation("Invalid SSCC request", p.0)),
    }
}

/// `POST /ssccs/request`.
#[utoipa::path(post, path = "/v1/manufacturer/v2/api/ssccs/request", tag = "manufacturer_v2", summary = "Request SSCCs from the tenant's SSCC pool", request_body = SsccRequestBody, responses((status = 200, description = "SSCCs assigned to the caller", body = SsccsAnswer), (status = 409, description = "StateError: the tenant has no GS1 Company Prefix, or the serial references of the prefix and extension digit cannot cover the quantity (nothing assigned); or IdempotencyError while the same key runs", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn request(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    write: Write<JsonBody<SsccRequestBody>>,
) -> Result<Reply, ApiError> {
    let req = parse_request(&write.body.value, settings.max_items)?;
    write
        .run(&pool, move |conn, actor| {
            let ssccs = sscc_pool::request(conn, actor, &req)?;
            Ok(Reply::ok(SsccsAnswer {
                success: true,
                message: "SSCCs assigned".into(),
                ssccs,
            }))
        })
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SsccReleaseBody {
    /// SSCCs the pool assigned to the caller, unused.
    ssccs: Vec<String>,
}

/// `POST /ssccs/release`.
#[utoipa::path(post, path = "/v1/manufacturer/v2/api/ssccs/release", tag = "manufacturer_v2", summary = "Return unused SSCCs to the tenant's SSCC pool", request_body = SsccReleaseBody, responses((status = 200, description = "SSCCs returned to the pool", body = crate::openapi::Success), (status = 409, description = "StateError: an SSCC is not assigned to the caller, was returned already, or is used (nothing returned); or IdempotencyError while the same key runs", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn release(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    write: Write<JsonBody<SsccReleaseBody>>,
) -> Result<Reply, ApiError> {
    let body = &write.body.value;
    check_count(body.ssccs.len(), settings.max_items, "ssccs")?;
    let mut p = Problems::default();
    if body.ssccs.is_empty() {
        p.push("ssccs", "must list at least one SSCC");
    }
    let ssccs = parse_ssccs(&mut p, "ssccs", &body.ssccs);
    if !p.is_empty() {
        return Err(ApiError::validation("Invalid SSCC release request", p.0));
    }
    write
        .run(&pool, move |conn, actor| {
            let count = sscc_pool::release(conn, actor, &ssccs)?;
            Ok(Reply::ok(
                json!({"message": "SSCCs returned to the pool", "count": count}),
            ))
        })
        .await
}
