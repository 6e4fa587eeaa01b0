//! What the demo's CMO packaging line has produced before anyone signs in: five packs of the
//! MAH's product commissioned, four of them packed two by two onto SSCCs, one left loose — all
//! pending the MAH's release, so the release console has something to release at once.
//!
//! The line's requests are the API's own use cases (`workflows::commission`,
//! `workflows::aggregate`), each in its write transaction, acting as the line: the CMO's tenant
//! and key, through its channel. The audit trail records them exactly as it would the line's
//! Manufacturer V2 requests.

use super::DemoError;
use crate::db::{self, DbConn};
use crate::domain::actor::Actor;
use crate::domain::gs1::{Batch, Expiry, Gtin, SerialNumber, Sscc};
use crate::domain::trade_item::TradeItemRef;
use crate::workflows::aggregate::packs_on_container;
use crate::workflows::commission::{commission, Commission};

/// The batch of the line's production (the walkthrough commissions batch `DEMO1`).
pub const BATCH: &str = "DEMO0";
/// Its expiry, as printed: December 2030.
pub const EXPIRY: &str = "301200";

/// Packs on each SSCC.
const PER_SSCC: usize = 2;

/// What the line produced, pending release.
#[derive(Debug, Clone)]
pub struct Production {
    /// Each SSCC with the serials packed onto it.
    pub packed: Vec<(Sscc, Vec<SerialNumber>)>,
    /// Serials commissioned and on no SSCC.
    pub loose: Vec<SerialNumber>,
}

/// Commissions `PER_SSCC` packs for each of `ssccs` and one more, and packs them onto the SSCCs,
/// as `line`.
pub fn produce(
    conn: &mut DbConn,
    line: &Actor,
    gtin: &Gtin,
    ssccs: &[Sscc],
) -> Result<Production, DemoError> {
    let on_ssccs = ssccs.len() * PER_SSCC;
    let serials = (1..=on_ssccs + 1)
        .map(|n| SerialNumber::parse(&format!("DEMO{:04}", 1000 + n)))
        .collect::<Result<Vec<_>, _>>()?;
    let cmd = Commission {
        gtin: gtin.clone(),
        batch: Batch::parse(BATCH)?,
        expiry: Expiry::parse_now(EXPIRY)?,
        serials: serials.clone(),
        order_id: None,
    };
    db::write_tx(conn, |c| commission(c, line, &cmd))?;
    let mut packed = Vec::with_capacity(ssccs.len());
    for (sscc, on_it) in ssccs.iter().zip(serials.chunks(PER_SSCC)) {
        let children: Vec<TradeItemRef> = on_it
            .iter()
            .enumerate()
            .map(|(i, serial)| TradeItemRef {
                path: format!("child_trade_items[{i}]"),
                gtin: gtin.clone(),
                serial: serial.clone(),
                batch: None,
                expiry: None,
            })
            .collect();
        db::write_tx(conn, |c| packs_on_container(c, line, sscc, &children))?;
        packed.push((sscc.clone(), on_it.to_vec()));
    }
    Ok(Production {
        packed,
        loose: serials[on_ssccs..].to_vec(),
    })
}
