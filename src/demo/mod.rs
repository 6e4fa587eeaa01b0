//! `serialhub demo`: seeds a MAH, a CMO, an active partnership, a product, channels and some of
//! the CMO's production waiting for the MAH's release, then prints the credentials, the web
//! console's address and a curl walkthrough of the whole story (the CMO commissions and
//! aggregates, the MAH sees it pending and releases it), with a serial pool and a packaging
//! order in progress at the CMO.
//!
//! What people and lines would do over the API, the demo does through the same workflows, acting
//! as they would (their tenant, their key, the line's channel), so the audit trail records the
//! partnership as the MAH's and the CMO's doing and the production as the CMO's packaging line's.

mod pool;
mod production;
mod walkthrough;

pub use production::{Production, BATCH, EXPIRY};
pub use walkthrough::walkthrough;

use rand::Rng;

use crate::admin::{self, CreatedTenant, TenantError};
use crate::auth::password::random_token;
use crate::db::{self, channels::ChannelRow, products::NewProduct, DbConn, SetupError};
use crate::domain::actor::Actor;
use crate::domain::gs1::{Gs1Error, Gtin, Sscc};
use crate::domain::pools::SerialTemplate;
use crate::error::ApiError;
use crate::ids::{ChannelId, ProductId, TenantId};
use crate::workflows::ownership::OwnershipError;
use crate::workflows::partnership;

/// Why the demo could not be seeded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Database(#[from] SetupError),
    #[error(transparent)]
    Tenant(#[from] TenantError),
    /// Company prefixes are unique across tenants: the demo's are taken by an earlier demo.
    #[error(
        "this database already holds a demo (company prefix {0} is taken; prefixes are unique \
         across tenants): remove the demo's database file, or pass --database-url for a new one"
    )]
    AlreadySeeded(String),
    #[error("{0}")]
    Write(#[from] diesel::result::Error),
    #[error("{0}")]
    Identifier(#[from] Gs1Error),
    /// A workflow refused what the demo asked of it.
    #[error("{0}")]
    Refused(#[from] ApiError),
}

/// The demo's product: the MAH's, granted to the CMO.
pub const PRODUCT: &str = "04012345111118";

/// The CMO's company prefix: its SSCCs start with it.
const CMO_PREFIX: &str = "4098765";

/// Audit events the demo writes carry this as their request id, so the trail tells them from
/// the events of real requests.
pub const REQUEST_ID: &str = "serialhub-demo";

pub struct Demo {
    pub mah: CreatedTenant,
    pub cmo: CreatedTenant,
    pub cmo_channel: String,
    /// The SSCC the printed walkthrough packs (empty when the demo starts).
    pub sscc: String,
    /// What the CMO's line has already packed, pending the MAH's release.
    pub production: Production,
}

fn channel(conn: &mut DbConn, tenant: &TenantId) -> Result<ChannelRow, DemoError> {
    let row = ChannelRow {
        id: ChannelId::generate(),
        tenant_id: tenant.clone(),
        name: "Packaging line 1".into(),
        kind: "shopfloor".into(),
        source: "manufacturer_v2_api".into(),
        channel_key: random_token(40),
        enabled: true,
        created_at: db::now(),
    };
    db::channels::insert(conn, &row)?;
    Ok(row)
}

/// A tenant's initial key acting, through `channel` (a packaging line) or not (its office).
fn acting(t: &CreatedTenant, channel: Option<&ChannelRow>) -> Actor {
    Actor {
        tenant_id: t.id(),
        api_key_id: t.api_key_id.clone(),
        channel_id: channel.map(|c| c.id.clone()),
        request_id: Some(REQUEST_ID.into()),
        server_request_id: None,
    }
}

/// Creates the demo's tenants, product, partnership, channels and production in the database
/// behind `url`.
pub fn seed(url: &str) -> Result<Demo, DemoError> {
    let mut conn = admin::connect(url)?;
    let mah = admin::create_tenant(&mut conn, "Demo Pharma (MAH)", &["4012345".into()], None)
        .map_err(|e| match e {
            TenantError::Ownership(OwnershipError::PrefixHeld { prefix, .. }) => {
                DemoError::AlreadySeeded(prefix)
            }
            other => other.into(),
        })?;
    let cmo = admin::create_tenant(
        &mut conn,
        "Demo Contract Packer (CMO)",
        &[CMO_PREFIX.into()],
        None,
    )?;
    let gtin = Gtin::parse(PRODUCT)?;
    let product = NewProduct {
        id: ProductId::generate(),
        owner_tenant_id: mah.id(),
        product_code: PRODUCT.into(),
        name: "Demoprofen 400 mg, 20 tablets".into(),
        created_at: db::now(),
        serial_alphabet: SerialTemplate::DEFAULT.alphabet().as_str().into(),
        serial_length: SerialTemplate::DEFAULT.length() as i16,
        external_serials: true,
    };
    db::products::insert(&mut conn, &product)?;
    // The MAH invites the CMO for the product, the CMO accepts: both recorded in the trail.
    let cmo_id = cmo.id();
    let invited = db::write_tx(&mut conn, |c| {
        partnership::create(c, &acting(&mah, None), &cmo_id, std::slice::from_ref(&gtin))
    })?;
    db::write_tx(&mut conn, |c| {
        partnership::accept(c, &acting(&cmo, None), &invited.row.id)
    })?;
    let cmo_line = channel(&mut conn, &cmo.id())?;
    channel(&mut conn, &mah.id())?;
    // Three random SSCCs of the CMO's prefix
    // (an SSCC is unique for good): two the line has packed, one for the walkthrough.
    let first = rand::thread_rng().gen_range(0..999_999_997u64);
    let sscc = |n: u64| Sscc::from_parts(0, CMO_PREFIX, first + n);
    let production = production::produce(
        &mut conn,
        &acting(&cmo, Some(&cmo_line)),
        &gtin,
        &[sscc(0)?, sscc(1)?],
    )?;
    pool::seed(
        &mut conn,
        &acting(&mah, None),
        &acting(&cmo, Some(&cmo_line)),
        &gtin,
        &invited.row.id,
    )?;
    Ok(Demo {
        mah,
        cmo,
        cmo_channel: cmo_line.channel_key,
        sscc: sscc(2)?.to_string(),
        production,
    })
}
