//! Brand ownership (PRODUCT.md §1): a GTIN has exactly one owner in the hub, and a SSCC is only
//! created under a prefix the caller may use. GS1 Company Prefixes are unique across tenants and
//! given out only by the operator (`tenant create --gcp`), as are GTINs outside a tenant's own
//! prefixes (`product assign`). Both operator commands run under
//! `Serialised::BrandOwnership`, so two of them cannot pass their checks against each other.

use crate::db::dialect::{self, Serialised};
use crate::db::{self, DbConn};
use crate::domain::gs1::{prefixes_overlap, Gtin, Sscc, UnderPrefix};
use crate::domain::partnership::PartnershipStatus;
use crate::ids::TenantId;

/// Why the operator's command was refused; the message is what the CLI prints.
#[derive(Debug, thiserror::Error)]
pub enum OwnershipError {
    #[error("GS1 Company Prefix '{prefix}' overlaps prefix '{held}' of tenant {tenant}")]
    PrefixHeld {
        prefix: String,
        held: String,
        tenant: TenantId,
    },
    #[error("GS1 Company Prefixes '{0}' and '{1}' overlap: one extends the other")]
    PrefixesOverlap(String, String),
    #[error("GS1 Company Prefix '{prefix}' covers GTIN {gtin}, which belongs to another tenant")]
    PrefixTakesGtin { prefix: String, gtin: String },
    #[error("tenant {0} does not exist")]
    NoTenant(TenantId),
    #[error("GTIN {gtin} belongs to tenant {tenant}")]
    GtinOwned { gtin: Gtin, tenant: TenantId },
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// Gives `prefixes` to a new tenant, refusing any that equals, extends or is extended by a prefix
/// held already (or another of the list), or that covers another tenant's GTIN. Runs inside the
/// caller's write transaction.
pub fn claim_prefixes(
    conn: &mut DbConn,
    tenant: &TenantId,
    prefixes: &[String],
) -> Result<(), OwnershipError> {
    dialect::advisory_lock(conn, Serialised::BrandOwnership)?;
    for (i, a) in prefixes.iter().enumerate() {
        if let Some(b) = prefixes[i + 1..].iter().find(|b| prefixes_overlap(a, b)) {
            return Err(OwnershipError::PrefixesOverlap(a.clone(), b.clone()));
        }
        let shorter: Vec<&str> = (6..=a.len()).map(|n| &a[..n]).collect();
        if let Some((held, holder)) = db::company_prefixes::overlapping(conn, a, &shorter)?
            .into_iter()
            .next()
        {
            return Err(OwnershipError::PrefixHeld {
                prefix: a.clone(),
                held,
                tenant: holder,
            });
        }
        if let Some(gtin) = db::company_prefixes::foreign_gtins_under(conn, a, tenant)?
            .into_iter()
            .next()
        {
            return Err(OwnershipError::PrefixTakesGtin {
                prefix: a.clone(),
                gtin,
            });
        }
    }
    db::company_prefixes::insert(conn, tenant, prefixes)?;
    Ok(())
}

/// The operator gives `gtin` to `tenant`: refused when another tenant registered it, was
/// assigned it, or holds the prefix it lies under. Assigning again to the same tenant, or a
/// GTIN under the tenant's own prefix, changes nothing. Returns whether an assignment was made.
pub fn assign_gtin(
    conn: &mut DbConn,
    tenant: &TenantId,
    gtin: &Gtin,
) -> Result<bool, OwnershipError> {
    dialect::advisory_lock(conn, Serialised::BrandOwnership)?;
    if db::tenants::find(conn, tenant)?.is_none() {
        return Err(OwnershipError::NoTenant(tenant.clone()));
    }
    let owner = match db::products::find_by_code(conn, gtin.as_str())? {
        Some(p) => Some(p.owner_tenant_id),
        None => match db::gtin_assignments::assignee(conn, gtin.as_str())? {
            Some(t) => Some(t),
            None => prefix_holder(conn, gtin)?,
        },
    };
    match owner {
        Some(other) if other != *tenant => Err(OwnershipError::GtinOwned {
            gtin: gtin.clone(),
            tenant: other,
        }),
        Some(_) => Ok(false),
        None => Ok(db::gtin_assignments::insert(
            conn,
            gtin.as_str(),
            tenant,
            db::now(),
        )?),
    }
}

/// Whether `tenant` may register `gtin` as its product: the GTIN lies under one of its company
/// prefixes, or the operator assigned it. Whether someone else holds it does not matter here,
/// so a refusal cannot tell the caller anything about other tenants.
pub fn may_register(
    conn: &mut DbConn,
    tenant: &TenantId,
    gtin: &Gtin,
) -> diesel::QueryResult<bool> {
    if prefix_holder(conn, gtin)?.as_ref() == Some(tenant) {
        return Ok(true);
    }
    Ok(db::gtin_assignments::assignee(conn, gtin.as_str())?.as_ref() == Some(tenant))
}

/// Whether `tenant` may create a container of this SSCC: it lies under the tenant's own prefix,
/// under the prefix of a MAH the tenant produces for under an active partnership, or under no
/// prefix of this hub (an external SSCC).
pub fn may_create_sscc(
    conn: &mut DbConn,
    tenant: &TenantId,
    sscc: &Sscc,
) -> diesel::QueryResult<bool> {
    match prefix_holder(conn, sscc)? {
        None => Ok(true),
        Some(holder) if holder == *tenant => Ok(true),
        Some(mah) => {
            db::partnerships::pair_has_status(conn, &mah, tenant, PartnershipStatus::Active)
        }
    }
}

/// The tenant holding the company prefix the code lies under.
fn prefix_holder(
    conn: &mut DbConn,
    code: &impl UnderPrefix,
) -> diesel::QueryResult<Option<TenantId>> {
    db::company_prefixes::holder(conn, &code.candidate_prefixes())
}

impl crate::db::TxError for OwnershipError {
    fn is_contention(&self) -> bool {
        matches!(self, OwnershipError::Database(e) if e.is_contention())
    }
}
