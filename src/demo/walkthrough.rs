//! What `serialhub demo` prints after seeding: the credentials, the web console's address with
//! what is waiting there, and the story as curl commands a terminal user can run.

use super::{Demo, BATCH, PRODUCT};
use crate::admin::CreatedTenant;

/// What the CMO's line has packed, for the console paragraph: the SSCCs with their packs, then
/// the loose packs.
fn waiting(d: &Demo) -> String {
    let mut lines: Vec<String> = d
        .production
        .packed
        .iter()
        .map(|(sscc, serials)| {
            let serials: Vec<&str> = serials.iter().map(|s| s.as_str()).collect();
            format!("    SSCC {sscc} holding packs {}", serials.join(", "))
        })
        .collect();
    lines.extend(
        d.production
            .loose
            .iter()
            .map(|s| format!("    loose pack {PRODUCT} / {s}")),
    );
    lines.join("\n")
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
  The CMO's packaging line has already packed, batch {batch}, pending the MAH's release:
{waiting}
  Sign in as the MAH with its api_key and api_secret above: Release lists them with the CMO as
  producer; select one, confirm, release. Then the SSCC and pack pages, Audit (the verified
  chain, the CMO's line as the actor of its packing, EPCIS, batch report) and the Dashboard
  (keys, channels, products, partnerships).
  Sign in as the CMO with its key: its partnership, and an empty release view (what it packs for
  the MAH is the MAH's to release).

The same story over the API, with curl. Packaging lines talk to the API, not to the console:
steps 1 and 2 are what the CMO's line does; steps 3 to 5 can also be done in the browser.

1. The CMO signs in:
{auth_cmo} | tee /dev/stderr | sed -E 's/.*"token":"([^"]+)".*/\1/' > /tmp/cmo.token

2. The CMO's line commissions three packs and aggregates two of them onto SSCC {sscc}:
curl -s -X POST {mv2}/serials/commission -H "x-access-token: $(cat /tmp/cmo.token)" -H 'x-channel-key: {ch}' \
  -H 'Content-Type: application/json' -d '{{"product_code": "{product}", "product_code_schema": "GTIN", "batch": "DEMO1", "expiry_date": "301200", "serial_numbers": ["DEMO0001", "DEMO0002", "DEMO0003"]}}'
curl -s -X POST {mv2}/aggregate/container -H "x-access-token: $(cat /tmp/cmo.token)" -H 'x-channel-key: {ch}' \
  -H 'Content-Type: application/json' -d '{{"parent": "{sscc}", "child_trade_items": [{{"product_code": "{product}", "product_code_schema": "GTIN", "serial_number": "DEMO0001"}}, {{"product_code": "{product}", "product_code_schema": "GTIN", "serial_number": "DEMO0002", "batch": "DEMO1", "expiry_date": "301200"}}]}}'

3. The CMO's commissioning view stays empty: what it produced for the MAH is not its to release:
curl -s {base}/v1/commissioning/containers -H "x-access-token: $(cat /tmp/cmo.token)"

4. The MAH signs in and sees the SSCC pending, produced by the CMO (beside the two its line packed before):
{auth_mah} | sed -E 's/.*"token":"([^"]+)".*/\1/' > /tmp/mah.token
curl -s {base}/v1/commissioning/containers -H "x-access-token: $(cat /tmp/mah.token)"

5. Only the MAH may release. The CMO is refused, the MAH succeeds:
curl -s -X POST {base}/v1/commissioning/release_to_market -H "x-access-token: $(cat /tmp/cmo.token)" -H 'Content-Type: application/json' -d '{{"ssccs": ["{sscc}"]}}'
curl -s -X POST {base}/v1/commissioning/release_to_market -H "x-access-token: $(cat /tmp/mah.token)" -H 'Content-Type: application/json' -d '{{"ssccs": ["{sscc}"]}}'
curl -s {base}/v1/containers/{sscc} -H "x-access-token: $(cat /tmp/mah.token)"

6. The serial pool and a packaging order (docs/pools.md). The MAH generated {generated} serials and
gave {given} to the CMO; the CMO's order {order} for {order_qty} packs of batch DEMO1 is in progress
with its serials assigned. The MAH's pool, the CMO's (what it was given), the order:
curl -s "{base}/v1/tenant/products/{product}/serials?status=assigned" -H "x-access-token: $(cat /tmp/mah.token)"
curl -s "{base}/v1/tenant/products/{product}/serials?status=available" -H "x-access-token: $(cat /tmp/cmo.token)"
curl -s "{mv2}/packaging_order/details?order_id={order}" -H "x-access-token: $(cat /tmp/cmo.token)" -H 'x-channel-key: {ch}'
The line commissions serials of the order against it (take them from "serial_numbers" above), then finishes it:
curl -s -X PATCH {mv2}/packaging_order/finish -H "x-access-token: $(cat /tmp/cmo.token)" -H 'x-channel-key: {ch}' \
  -H 'Content-Type: application/json' -d '{{"order_id": "{order}"}}'
"#,
        generated = super::pool::GENERATED,
        given = super::pool::GIVEN,
        order = super::pool::ORDER_ID,
        order_qty = super::pool::ORDER_QUANTITY,
        mah = d.mah.tenant_id,
        mk = d.mah.api_key,
        ms = d.mah.api_secret,
        cmo = d.cmo.tenant_id,
        ck = d.cmo.api_key,
        cs = d.cmo.api_secret,
        ch = d.cmo_channel,
        product = PRODUCT,
        batch = BATCH,
        waiting = waiting(d),
        sscc = d.sscc,
        auth_cmo = auth(&d.cmo),
        auth_mah = auth(&d.mah),
    )
}
