//! `ssccs/release`: returns SSCCs the pool assigned to the caller, unused, to `available`.

use std::collections::HashMap;

use crate::audit;
use crate::db::{self, DbConn};
use crate::domain::actor::Actor;
use crate::domain::audit_payload::{AuditPayload, SsccsReleased};
use crate::domain::pools::SsccPoolStatus;
use crate::domain::trade_item::SsccAt;
use crate::error::{ApiError, Detail};
use crate::workflows::concurrent_change;

/// Returns every listed SSCC, or none: each must be in the actor's pool, `assigned`. An SSCC of
/// another tenant's pool, or of none, answers like one that does not exist ("not assigned to
/// you"). Returns how many were returned.
pub fn release(conn: &mut DbConn, actor: &Actor, ssccs: &[SsccAt]) -> Result<usize, ApiError> {
    let tenant = &actor.tenant_id;
    let codes: Vec<&str> = ssccs.iter().map(|(_, s)| s.as_str()).collect();
    // Locked as read (PostgreSQL): an aggregation creating a container on one of them waits, or
    // has committed and is seen here as `used`.
    let held: HashMap<String, SsccPoolStatus> =
        db::sscc_pool::statuses_for_update(conn, tenant, &codes)?
            .into_iter()
            .collect();
    let problems: Vec<Detail> = ssccs
        .iter()
        .filter_map(|(path, sscc)| {
            let problem = match held.get(sscc.as_str()) {
                Some(SsccPoolStatus::Assigned) => return None,
                Some(SsccPoolStatus::Used) => {
                    format!("SSCC {sscc} is used: a container was created on it")
                }
                Some(SsccPoolStatus::Available) => {
                    format!("SSCC {sscc} was returned to the pool already")
                }
                None => format!("SSCC {sscc} is not assigned to you"),
            };
            Some(Detail::at(path, problem))
        })
        .collect();
    if !problems.is_empty() {
        return Err(ApiError::state(
            "Some SSCCs cannot be returned: only unused SSCCs the pool assigned to you can; \
             nothing was returned",
            problems,
        ));
    }
    let moved = db::sscc_pool::move_status(
        conn,
        tenant,
        &codes,
        SsccPoolStatus::Assigned,
        SsccPoolStatus::Available,
        db::now(),
    )?;
    if moved != codes.len() {
        return Err(concurrent_change());
    }
    let payload = SsccsReleased {
        ssccs: ssccs.iter().map(|(_, s)| s.clone()).collect(),
    };
    audit::record_admin(conn, actor, AuditPayload::SsccRelease(payload))?;
    Ok(moved)
}
