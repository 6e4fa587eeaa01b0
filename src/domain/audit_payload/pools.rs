//! The payloads of events about serial pools and packaging orders (no EPCIS form: a pool change
//! is not an observation of goods).
//!
//! Bulk changes (a generation of up to a million serials, a MAH's assignment to a CMO, an
//! order's assignment) record the count and a digest of the serials (`pools::serials_digest`)
//! instead of the list; changes a line makes (`serials/request`, `serials/release`) list them.

use serde::{Deserialize, Serialize};

use super::Change;
use crate::domain::gs1::{Batch, Expiry, Gtin, SerialNumber};
use crate::domain::pools::OrderStatus;
use crate::ids::{PartnershipId, TenantId};

/// `serials.generate`: new serials in the owner's pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerialsGenerated {
    pub product_code: Gtin,
    pub quantity: u64,
    /// `<alphabet>/<length>`, e.g. `numeric/16`.
    pub serial_template: String,
    pub serials_sha256: String,
}

/// `serials.assign`: a MAH gave serials of its pool to a CMO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerialsAssigned {
    pub product_code: Gtin,
    pub partnership_id: PartnershipId,
    pub cmo_tenant_id: TenantId,
    pub quantity: u64,
    pub serials_sha256: String,
}

/// `serials.request` (taken for a line) and `serials.release` (given back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerialsMoved {
    pub product_code: Gtin,
    pub serial_numbers: Vec<SerialNumber>,
}

/// `packaging_order.create`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCreated {
    pub order_id: String,
    pub product_code: Gtin,
    pub batch: Batch,
    pub expiry_date: Expiry,
    pub quantity: u64,
    pub line: Option<String>,
}

/// What `finish` counted: the serials the order was given, and what became of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Reconciliation {
    pub assigned: u64,
    pub commissioned: u64,
    pub aggregated: u64,
    pub decommissioned: u64,
    pub returned: u64,
}

/// `packaging_order.update`: one transition (`action` is the PATCH path's last segment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderChanged {
    pub order_id: String,
    pub product_code: Gtin,
    pub action: String,
    pub status: Change<OrderStatus, OrderStatus>,
    /// `assign_serials`: how many, and their digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serials: Option<AssignedSerials>,
    /// `finish`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconciliation: Option<Reconciliation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignedSerials {
    pub quantity: u64,
    pub serials_sha256: String,
}
