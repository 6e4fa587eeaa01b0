//! The SSCC pool (PRODUCT.md §3.3 `ssccs/*`; docs/pools.md "SSCC pool"): SSCCs handed out from
//! the tenant's company prefix, returned, and marked used when a container is created on one.
//! Each runs inside its request's write transaction.

mod release;
mod request;

pub use release::release;
pub use request::{request, Request};

use crate::db::{self, DbConn};
use crate::domain::gs1::Sscc;
use crate::domain::pools::SsccPoolStatus;
use crate::error::{ApiError, Detail};

/// A new container is being created on `sscc` (aggregation, first use): an SSCC the pool handed
/// out (`assigned`) becomes `used`, so it can no longer be returned. One the pool holds as
/// returned (`available`) is refused: the pool may hand it out again, and it must not then be a
/// container already. SSCCs in no pool (brought by the line) are not the pool's business.
///
/// Whose pool does not matter: a pool SSCC lies under its tenant's prefix, and only that tenant,
/// or a CMO producing for it under an active partnership, may create a container there
/// (`ownership::may_create_sscc`, checked before).
pub fn claim_for_container(conn: &mut DbConn, sscc: &Sscc) -> Result<(), ApiError> {
    if db::sscc_pool::mark_used(conn, sscc.as_str(), db::now())? {
        return Ok(());
    }
    match db::sscc_pool::status_of(conn, sscc.as_str())? {
        Some(SsccPoolStatus::Available) => Err(ApiError::state(
            format!(
                "SSCC {sscc} was returned to the SSCC pool and may be handed out again: it cannot \
                 become a container until the pool hands it out (ssccs/request)"
            ),
            vec![Detail::at(
                "parent",
                "returned to the SSCC pool (available)",
            )],
        )),
        // None: no pool's; Used: a concurrent request of the same tenant created the container
        // first, and this one now uses it.
        _ => Ok(()),
    }
}
