//! The payloads of events about a tenant's SSCC pool.

use serde::{Deserialize, Serialize};

use crate::domain::gs1::Sscc;

/// `sscc.request`: the SSCCs handed out, in the order of the answer. The first `reused` of them
/// had been returned to the pool before (`available` → `assigned`); the rest are new serial
/// references of `company_prefix` with `extension_digit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsccsRequested {
    pub company_prefix: String,
    pub extension_digit: u8,
    pub ssccs: Vec<Sscc>,
    pub reused: usize,
}

/// `sscc.release`: the SSCCs returned to the pool (`assigned` → `available`), in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsccsReleased {
    pub ssccs: Vec<Sscc>,
}
