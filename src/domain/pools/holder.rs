//! Who holds a pooled serial, and what pool status each viewer sees (PRODUCT.md §1, POOLS.md).
//!
//! The MAH's view: a serial is `available` while it sits in the MAH's own stock, `assigned`
//! otherwise — given to a CMO, taken for a line, held by an order, or commissioned (a serial stays
//! assigned after its pack is commissioned). A CMO's view shows only what it holds: the serials
//! its MAH gave it are `available` to it until it takes them for a line, gives them to an order,
//! or commissions them.

use sha2::{Digest, Sha256};

use crate::domain::gs1::SerialNumber;

text_enum! {
    /// The pool status of a serial as one viewer sees it. Strings are part of the contract.
    pub enum PoolStatus {
        Available => "available",
        Assigned => "assigned",
    }
}

/// What kind of holder a pooled serial has; stored as a small code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HolderKind {
    /// A tenant's stock: the owner's own available serials, or those its MAH gave a CMO.
    Stock,
    /// Serials a tenant took for its lines (`serials/request`), not yet commissioned.
    Taken,
    /// Serials assigned to one packaging order.
    Order,
}

impl HolderKind {
    pub const fn code(self) -> i16 {
        match self {
            HolderKind::Stock => 1,
            HolderKind::Taken => 2,
            HolderKind::Order => 3,
        }
    }

    pub fn of_code(code: i16) -> Option<HolderKind> {
        [HolderKind::Stock, HolderKind::Taken, HolderKind::Order]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// The pool status of a serial seen by a viewer. `held_by_viewer_as_stock` is true when the
/// serial is pooled and sits in the viewer's own stock; everything else the viewer may see is
/// assigned (to someone, to a line, to an order, or used by a pack).
pub fn status_for_viewer(pooled: bool, held_by_viewer_as_stock: bool) -> PoolStatus {
    if pooled && held_by_viewer_as_stock {
        PoolStatus::Available
    } else {
        PoolStatus::Assigned
    }
}

/// The digest an audit event records for a bulk pool change (a generation of a million serials
/// is not listed in the event): SHA-256, lower-case hex, over the serials sorted bytewise, each
/// followed by a line feed. An auditor recomputes it from an export of the pool (docs/audit.md).
pub fn serials_digest<'a>(serials: impl IntoIterator<Item = &'a str>) -> String {
    let mut sorted: Vec<&str> = serials.into_iter().collect();
    sorted.sort_unstable();
    let mut h = Sha256::new();
    for s in sorted {
        h.update(s.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// The serials as audit payloads list them.
pub fn as_serials(raw: &[String]) -> Vec<SerialNumber> {
    raw.iter()
        .map(|s| SerialNumber::parse(s).expect("pool serials are valid GS1 serials"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_codes() {
        for k in [HolderKind::Stock, HolderKind::Taken, HolderKind::Order] {
            assert_eq!(HolderKind::of_code(k.code()), Some(k));
        }
        assert_eq!(HolderKind::of_code(0), None);
        assert_eq!(HolderKind::of_code(4), None);
    }

    #[test]
    fn only_the_viewers_own_unused_stock_is_available() {
        assert_eq!(status_for_viewer(true, true), PoolStatus::Available);
        assert_eq!(status_for_viewer(true, false), PoolStatus::Assigned);
        assert_eq!(status_for_viewer(false, true), PoolStatus::Assigned);
        assert_eq!(status_for_viewer(false, false), PoolStatus::Assigned);
    }

    #[test]
    fn the_digest_is_sha256_of_the_sorted_lines_whatever_the_order() {
        // printf 'A\nB\n' | sha256sum
        let expected = "daee1cd25194ae952d046ad9b9c81d3c07dc5332440b58d6d7461b248be56712";
        assert_eq!(serials_digest(["B", "A"]), expected);
        assert_eq!(serials_digest(["A", "B"]), expected);
    }
}
