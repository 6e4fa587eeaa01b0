//! `ssccs/request`: hands out `quantity` SSCCs of one company prefix and extension digit —
//! first the tenant's returned ones, oldest first, then new serial references from the counter.

use std::collections::HashSet;

use crate::audit;
use crate::db::{self, DbConn};
use crate::domain::actor::Actor;
use crate::domain::audit_payload::{AuditPayload, SsccsRequested};
use crate::domain::gs1::Sscc;
use crate::domain::pools::sscc::{block, reference_capacity};
use crate::error::{ApiError, Detail};
use crate::ids::TenantId;
use crate::workflows::map_unique;

/// A checked request: `quantity` within the limit, `extension_digit` 0–9; `company_prefix` as
/// sent, or `None` for the tenant's default.
#[derive(Debug, Clone)]
pub struct Request {
    pub quantity: u64,
    pub extension_digit: u8,
    pub company_prefix: Option<String>,
}

/// Assigns the SSCCs to the actor and records the event; returns them, reused ones first. All or
/// nothing: when the references run out, nothing is handed out.
pub fn request(conn: &mut DbConn, actor: &Actor, req: &Request) -> Result<Vec<Sscc>, ApiError> {
    let tenant = &actor.tenant_id;
    let ext = req.extension_digit;
    let prefix = prefix_for(conn, tenant, req.company_prefix.as_deref())?;
    let now = db::now();
    let reused = db::sscc_pool::take_available(conn, tenant, ext, &prefix, req.quantity, now)?;
    let mut ssccs = reused
        .iter()
        .map(|s| Sscc::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)?;
    let fresh = new_ssccs(conn, &prefix, ext, req.quantity - ssccs.len() as u64)?;
    let codes: Vec<&str> = fresh.iter().map(Sscc::as_str).collect();
    db::sscc_pool::insert_assigned(conn, tenant, ext, &codes, now)
        .map_err(|e| map_unique(e, "An SSCC"))?;
    let reused = ssccs.len();
    ssccs.extend(fresh);
    let payload = SsccsRequested {
        company_prefix: prefix,
        extension_digit: ext,
        ssccs,
        reused,
    };
    audit::record_admin(conn, actor, AuditPayload::SsccRequest(payload.clone()))?;
    Ok(payload.ssccs)
}

/// The prefix to generate from: the one asked for, which must be the tenant's; else the first of
/// the tenant's prefixes in the order `GET /v1/tenant` lists them (the order the operator gave).
fn prefix_for(
    conn: &mut DbConn,
    tenant: &TenantId,
    asked: Option<&str>,
) -> Result<String, ApiError> {
    let held = db::company_prefixes::of_tenant(conn, tenant)?;
    if held.is_empty() {
        return Err(ApiError::state(
            "Your tenant has no GS1 Company Prefix, so no SSCCs can be generated for it; the \
             hub operator gives tenants their prefixes (serialhub tenant create --gcp)",
            vec![],
        ));
    }
    if let Some(asked) = asked {
        if held.iter().any(|h| h == asked) {
            return Ok(asked.to_string());
        }
        return Err(ApiError::validation(
            "company_prefix is not one of your GS1 Company Prefixes",
            vec![Detail::at(
                "company_prefix",
                format!("must be one of {}", held.join(", ")),
            )],
        ));
    }
    let listed = db::tenants::find(conn, tenant)?
        .map(|t| t.company_prefixes())
        .unwrap_or_default();
    Ok(listed
        .into_iter()
        .find(|p| held.contains(p))
        .unwrap_or_else(|| held[0].clone()))
}

/// `count` SSCCs of new serial references. A reference whose SSCC is a container already (a
/// line that brought its own SSCCs under the prefix) is skipped for good, and one more is drawn.
fn new_ssccs(conn: &mut DbConn, prefix: &str, ext: u8, count: u64) -> Result<Vec<Sscc>, ApiError> {
    let capacity = reference_capacity(prefix).ok_or_else(|| {
        ApiError::internal(format!("stored company prefix {prefix:?} is invalid"))
    })?;
    let mut out = Vec::with_capacity(count as usize);
    let mut missing = count;
    while missing > 0 {
        let Some(first) = db::sscc_pool::reserve_references(conn, prefix, ext, missing, capacity)?
        else {
            return Err(exhausted(conn, prefix, ext, missing, capacity)?);
        };
        let drawn = block(ext, prefix, first, missing).map_err(ApiError::internal)?;
        let codes: Vec<&str> = drawn.iter().map(Sscc::as_str).collect();
        let containers: HashSet<String> = db::containers::by_ssccs(conn, &codes)?
            .into_iter()
            .map(|c| c.sscc)
            .collect();
        missing = containers.len() as u64;
        out.extend(
            drawn
                .into_iter()
                .filter(|s| !containers.contains(s.as_str())),
        );
    }
    Ok(out)
}

/// The answer when the serial references of (prefix, extension digit) cannot cover the request.
fn exhausted(
    conn: &mut DbConn,
    prefix: &str,
    ext: u8,
    missing: u64,
    capacity: u64,
) -> Result<ApiError, ApiError> {
    let left = capacity.saturating_sub(db::sscc_pool::next_reference(conn, prefix, ext)?);
    Ok(ApiError::state(
        format!(
            "Not enough SSCCs: company prefix {prefix} with extension digit {ext} has {left} of \
             its {capacity} serial references left, and this request needs {missing} new ones; \
             nothing was assigned (use another extension digit or company prefix)"
        ),
        vec![Detail::at(
            "quantity",
            format!("at most {left} new SSCCs are left"),
        )],
    ))
}
