//! The payloads of events about goods: packs and containers (these have an EPCIS form).

use std::borrow::Cow;
use std::collections::HashMap;

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

/// The children of an aggregation or disaggregation. Recipe 2 writes containers one by one
/// (`{"sscc"}`) and packs grouped by product (`{"product_code", "serial_numbers": [...]}`, one
/// group per GTIN in the order the GTIN first appears, serials in request order): a 20-character
/// serial then costs ≈ 23 bytes instead of ≈ 66. Recipe-1 events named each pack
/// (`{"product_code", "serial_number"}`); they are read back as [`ChildGroup::Pack`] and never
/// written any more. Untagged: the three shapes have disjoint required keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChildGroup {
    Container {
        sscc: Sscc,
    },
    Packs {
        product_code: Gtin,
        serial_numbers: Vec<SerialNumber>,
    },
    /// Recipe 1 only.
    Pack(PackRef),
}

impl ChildGroup {
    /// Recipe 2's children of `objects`: containers kept one by one, packs grouped by product.
    pub fn group(objects: impl IntoIterator<Item = ObjectRef>) -> Vec<ChildGroup> {
        let mut groups = Vec::new();
        let mut by_product: HashMap<Gtin, usize> = HashMap::new();
        for object in objects {
            match object {
                ObjectRef::Container { sscc } => groups.push(ChildGroup::Container { sscc }),
                ObjectRef::Pack(PackRef {
                    product_code,
                    serial_number,
                }) => match by_product.get(&product_code) {
                    Some(&i) => {
                        if let ChildGroup::Packs { serial_numbers, .. } = &mut groups[i] {
                            serial_numbers.push(serial_number);
                        }
                    }
                    None => {
                        by_product.insert(product_code.clone(), groups.len());
                        groups.push(ChildGroup::Packs {
                            product_code,
                            serial_numbers: vec![serial_number],
                        });
                    }
                },
            }
        }
        groups
    }

    /// The objects of this entry, one by one (what EPCIS lists), whichever recipe wrote it.
    pub fn objects(&self) -> Vec<ObjectRef> {
        match self {
            ChildGroup::Container { sscc } => vec![ObjectRef::Container { sscc: sscc.clone() }],
            ChildGroup::Pack(pack) => vec![ObjectRef::Pack(pack.clone())],
            ChildGroup::Packs {
                product_code,
                serial_numbers,
            } => serial_numbers
                .iter()
                .map(|serial_number| {
                    ObjectRef::Pack(PackRef {
                        product_code: product_code.clone(),
                        serial_number: serial_number.clone(),
                    })
                })
                .collect(),
        }
    }
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
    /// The packaging order commissioned against; absent (not `null`) without one, so events of
    /// before the pools keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

/// `aggregate`: the children newly placed in the parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Packed {
    pub parent: ObjectRef,
    pub children: Vec<ChildGroup>,
}

/// `disaggregate`: the children listed (`None`: all of them) and how many came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unpacked {
    pub parent: ObjectRef,
    pub children: Option<Vec<ChildGroup>>,
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
