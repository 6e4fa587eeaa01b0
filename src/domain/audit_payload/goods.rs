//! The payloads of events about goods: packs and containers (these have an EPCIS form).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::domain::gs1::{Batch, Expiry, Gtin, SerialNumber, Sscc};
use crate::domain::lifecycle::Status;

/// An old value and the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change<F, T> {
    pub from: F,
    pub to: T,
}

/// A pack as audit payloads name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRef {
    pub product_code: Gtin,
    pub serial_number: SerialNumber,
}

/// A pack or a container, as audit payloads name them: `{"sscc"}` or
/// `{"product_code", "serial_number"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ObjectRef {
    Container { sscc: Sscc },
    Pack(PackRef),
}

/// `commission`: serials became pending packs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commissioned<'a> {
    pub product_code: Gtin,
    pub batch: Batch,
    /// As printed.
    pub expiry_date: Expiry,
    pub serial_numbers: Cow<'a, [SerialNumber]>,
    pub status: Change<Option<Status>, Status>,
}

/// `aggregate`: the children newly placed in the parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Packed {
    pub parent: ObjectRef,
    pub children: Vec<ObjectRef>,
}

/// `disaggregate`: the children listed (`None`: all of them) and how many came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unpacked {
    pub parent: ObjectRef,
    pub children: Option<Vec<ObjectRef>>,
    pub count: usize,
}

/// `decommission`: packs left the supply chain (the reason is the event's `reason`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decommissioned<'a> {
    pub product_code: Gtin,
    pub serial_numbers: Cow<'a, [SerialNumber]>,
    /// The status of each pack before, in request order.
    pub status: Change<Vec<Status>, Status>,
}

/// `release`: what the request named and how much was released in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Released {
    pub ssccs: Vec<Sscc>,
    pub trade_items: Vec<PackRef>,
    pub released_packs: usize,
    pub released_containers: usize,
    pub status: Change<Status, Status>,
}
