//! `serialhub demo`: seeds a MAH, a CMO, an active partnership, a product and channels, then
//! prints the credentials and a curl walkthrough of the whole story (the CMO commissions and
//! aggregates, the MAH sees it pending and releases it).

use rand::Rng;

use crate::admin::{self, CreatedTenant, TenantError};
use crate::auth::password::random_token;
use crate::db::{
    self, channels::ChannelRow, partnerships::PartnershipRow, products::ProductRow, DbConn,
    SetupError,
};
use crate::domain::gs1::{Gs1Error, Sscc};
use crate::domain::partnership::PartnershipStatus;
use crate::ids::{ChannelId, PartnershipId, ProductId, TenantId};

/// Why the demo could not be seeded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Database(#[from] SetupError),
    #[error(transparent)]
    Tenant(#[from] TenantError),
    #[error("{0}")]
    Write(#[from] diesel::result::Error),
    #[error("{0}")]
    Sscc(#[from] Gs1Error),
}

pub const PRODUCT: &str = "04012345111118";

pub struct Demo {
    pub mah: CreatedTenant,
    pub cmo: CreatedTenant,
    pub cmo_channel: String,
    pub sscc: String,
}

fn channel(conn: &mut DbConn, tenant: &TenantId) -> Result<String, DemoError> {
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
    Ok(row.channel_key)
}

/// Creates the demo tenants and their partnership in the database behind `url`.
pub fn seed(url: &str) -> Result<Demo, DemoError> {
    let mut conn = admin::connect(url)?;
    let mah = admin::create_tenant(&mut conn, "Demo Pharma (MAH)", &["4012345".into()], None)?;
    let cmo = admin::create_tenant(
        &mut conn,
        "Demo Contract Packer (CMO)",
        &["4098765".into()],
        None,
    )?;
    let now = db::now();
    let product = ProductRow {
        id: ProductId::generate(),
        owner_tenant_id: mah.id(),
        product_code: PRODUCT.into(),
        name: "Demoprofen 400 mg, 20 tablets".into(),
        created_at: now,
    };
    let partnership = PartnershipRow {
        id: PartnershipId::generate(),
        mah_tenant_id: mah.id(),
        cmo_tenant_id: cmo.id(),
        status: PartnershipStatus::Active,
        created_at: now,
        updated_at: now,
    };
    db::write_tx(&mut conn, |c| {
        db::products::insert(c, &product)?;
        db::partnerships::insert(c, &partnership)?;
        db::partnerships::set_products(c, &partnership.id, std::slice::from_ref(&product.id))?;
        Ok::<_, diesel::result::Error>(())
    })?;
    let cmo_channel = channel(&mut conn, &cmo.id())?;
    channel(&mut conn, &mah.id())?;
    let serial_ref = rand::thread_rng().gen_range(0..1_000_000_000u64);
    let sscc = Sscc::from_parts(0, "4098765", serial_ref)?.to_string();
    Ok(Demo {
        mah,
        cmo,
        cmo_channel,
        sscc,
    })
}

/// The walkthrough printed after seeding: the credentials, the web console's address, and the
/// story as curl commands.
pub fn walkthrough(d: &Demo, base: &str) -> String {
    let auth = |t: &CreatedTenant| {
        format!(
            "curl -s -X POST {base}/v1/api_auth -H 'Content-Type: application/json' \\\n  -d '{{\"api_key\": \"{}\", \"api_secret\": \"{}\"}}'",
            t.api_key, t.api_secret
        )
    };
    let mv2 = format!("{base}/v1/manufacturer/v2/api");
    format!(
        r#"serialhub demo data is ready.

  MAH  (brand owner)   tenant {mah}   api_key {mk}   api_secret {ms}
  CMO  (contract packer) tenant {cmo}   api_key {ck}   api_secret {cs}
  CMO channel key: {ch}
  Product {product} belongs to the MAH and is granted to the CMO (active partnership).

Web console: {base}/console/
  Sign in as the MAH with its api_key and api_secret above: Release (what is pending, produced by
  whom; select, confirm, release), SSCC and pack pages, Audit (the verified chain, EPCIS, batch
  report) and the Dashboard (keys, channels, products, partnerships).
  Sign in as the CMO with its key: its partnership, and an empty release view (what it packs for
  the MAH is the MAH's to release).
  Packaging lines talk to the API, not to the console: run steps 1 and 2 as the CMO's line, then
  do steps 3 to 5 in the browser (or with curl, as below).

1. The CMO signs in:
{auth_cmo} | tee /dev/stderr | sed -E 's/.*"token":"([^"]+)".*/\1/' > /tmp/cmo.token

2. The CMO's line commissions three packs and aggregates them onto SSCC {sscc}:
curl -s -X POST {mv2}/serials/commission -H "x-access-token: $(cat /tmp/cmo.token)" -H 'x-channel-key: {ch}' \
  -H 'Content-Type: application/json' -d '{{"product_code": "{product}", "product_code_schema": "GTIN", "batch": "DEMO1", "expiry_date": "301200", "serial_numbers": ["DEMO0001", "DEMO0002", "DEMO0003"]}}'
curl -s -X POST {mv2}/aggregate/container -H "x-access-token: $(cat /tmp/cmo.token)" -H 'x-channel-key: {ch}' \
  -H 'Content-Type: application/json' -d '{{"parent": "{sscc}", "child_trade_items": [{{"product_code": "{product}", "product_code_schema": "GTIN", "serial_number": "DEMO0001"}}, {{"product_code": "{product}", "product_code_schema": "GTIN", "serial_number": "DEMO0002", "batch": "DEMO1", "expiry_date": "301200"}}]}}'

3. The CMO's commissioning view stays empty: what it produced for the MAH is not its to release:
curl -s {base}/v1/commissioning/containers -H "x-access-token: $(cat /tmp/cmo.token)"

4. The MAH signs in and sees the SSCC pending, produced by the CMO:
{auth_mah} | sed -E 's/.*"token":"([^"]+)".*/\1/' > /tmp/mah.token
curl -s {base}/v1/commissioning/containers -H "x-access-token: $(cat /tmp/mah.token)"

5. Only the MAH may release. The CMO is refused, the MAH succeeds:
curl -s -X POST {base}/v1/commissioning/release_to_market -H "x-access-token: $(cat /tmp/cmo.token)" -H 'Content-Type: application/json' -d '{{"ssccs": ["{sscc}"]}}'
curl -s -X POST {base}/v1/commissioning/release_to_market -H "x-access-token: $(cat /tmp/mah.token)" -H 'Content-Type: application/json' -d '{{"ssccs": ["{sscc}"]}}'
curl -s {base}/v1/containers/{sscc} -H "x-access-token: $(cat /tmp/mah.token)"
"#,
        mah = d.mah.tenant_id,
        mk = d.mah.api_key,
        ms = d.mah.api_secret,
        cmo = d.cmo.tenant_id,
        ck = d.cmo.api_key,
        cs = d.cmo.api_secret,
        ch = d.cmo_channel,
        product = PRODUCT,
        sscc = d.sscc,
        auth_cmo = auth(&d.cmo),
        auth_mah = auth(&d.mah),
    )
}
