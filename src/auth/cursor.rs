//! Opaque, tenant-bound list ids and cursors. A list position inside the database is an integer
//! row id shared by every tenant; shown as it is, the gap between two of a tenant's own ids would
//! tell how many rows other tenants wrote in between. So every id or cursor that names a row of a
//! list is sealed:
//!
//! - per tenant and list, a key `K = HMAC(master, "serialhub cursor v1" ‖ list ‖ 0 ‖ tenant)`;
//! - `tag = HMAC(K, "tag" ‖ id)[..12]`, `pad = HMAC(K, "pad" ‖ tag)[..8]`;
//! - the token is base64url(`tag ‖ id XOR pad`), 27 characters.
//!
//! This is deterministic authenticated encryption in the SIV manner (the tag is the IV): the same
//! row always has the same token for the same tenant (lists can be compared and resumed), tokens
//! reveal nothing about the id or about the distance between two ids, and a token made for one
//! tenant or list does not open for another (the tag does not match), so it is refused like any
//! malformed cursor — no oracle.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ids::TenantId;

type HmacSha256 = Hmac<Sha256>;

const TAG: usize = 12;
const TOKEN: usize = TAG + 8;

/// The lists whose cursors name rows by their internal id; each has its own keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorList {
    AuditEvents,
    PendingContainers,
    PendingItems,
    PoolSerials,
    PackagingOrders,
}

impl CursorList {
    fn label(self) -> &'static [u8] {
        match self {
            CursorList::AuditEvents => b"audit_events",
            CursorList::PendingContainers => b"pending_containers",
            CursorList::PendingItems => b"pending_items",
            CursorList::PoolSerials => b"pool_serials",
            CursorList::PackagingOrders => b"packaging_orders",
        }
    }
}

/// The service's cursor secret (shared by every instance on one database: it is derived from the
/// first signing key, see `KeyRing::cursor_key`).
#[derive(Clone)]
pub struct CursorKey([u8; 32]);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

impl CursorKey {
    /// The cursor key derived from a secret of at least 32 random bytes.
    pub fn derive(secret: &[u8]) -> CursorKey {
        CursorKey(mac(secret, &[b"serialhub cursor key v1"]))
    }

    fn list_key(&self, tenant: &TenantId, list: CursorList) -> [u8; 32] {
        mac(
            &self.0,
            &[
                b"serialhub cursor v1",
                list.label(),
                &[0],
                tenant.as_str().as_bytes(),
            ],
        )
    }

    /// The token of row `id` of `list`, as `tenant` sees it.
    pub fn seal(&self, tenant: &TenantId, list: CursorList, id: i64) -> String {
        let k = self.list_key(tenant, list);
        let plain = id.to_be_bytes();
        let tag = &mac(&k, &[b"tag", &plain])[..TAG];
        let pad = mac(&k, &[b"pad", tag]);
        let mut out = [0u8; TOKEN];
        out[..TAG].copy_from_slice(tag);
        for i in 0..8 {
            out[TAG + i] = plain[i] ^ pad[i];
        }
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The row id a token of `tenant` names in `list`; `None` for anything else (malformed, of
    /// another tenant or list, altered).
    pub fn open(&self, tenant: &TenantId, list: CursorList, token: &str) -> Option<i64> {
        let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
        if raw.len() != TOKEN {
            return None;
        }
        let k = self.list_key(tenant, list);
        let (tag, sealed) = raw.split_at(TAG);
        let pad = mac(&k, &[b"pad", tag]);
        let mut plain = [0u8; 8];
        for i in 0..8 {
            plain[i] = sealed[i] ^ pad[i];
        }
        let mut check = HmacSha256::new_from_slice(&k).expect("HMAC takes any key length");
        check.update(b"tag");
        check.update(&plain);
        // Constant time: the comparison tells nothing about how much of a forged tag was right.
        check.verify_truncated_left(tag).ok()?;
        Some(i64::from_be_bytes(plain))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CursorKey {
        CursorKey::derive(&[7u8; 32])
    }

    #[test]
    fn a_sealed_id_opens_for_its_tenant_and_list_only() {
        let (a, b) = (TenantId::from_text("a"), TenantId::from_text("b"));
        let t = key().seal(&a, CursorList::AuditEvents, 42);
        assert_eq!(t.len(), 27);
        assert_eq!(key().open(&a, CursorList::AuditEvents, &t), Some(42));
        assert_eq!(key().open(&b, CursorList::AuditEvents, &t), None);
        assert_eq!(key().open(&a, CursorList::PendingItems, &t), None);
        assert_eq!(
            CursorKey::derive(&[8u8; 32]).open(&a, CursorList::AuditEvents, &t),
            None
        );
    }

    #[test]
    fn tokens_are_stable_and_reveal_no_order() {
        let a = TenantId::from_text("a");
        let k = key();
        assert_eq!(
            k.seal(&a, CursorList::AuditEvents, 5),
            k.seal(&a, CursorList::AuditEvents, 5)
        );
        // Neighbouring ids share no prefix and no sealed byte pattern.
        let (t1, t2) = (
            URL_SAFE_NO_PAD
                .decode(k.seal(&a, CursorList::AuditEvents, 1000))
                .unwrap(),
            URL_SAFE_NO_PAD
                .decode(k.seal(&a, CursorList::AuditEvents, 1001))
                .unwrap(),
        );
        let same = t1.iter().zip(&t2).filter(|(x, y)| x == y).count();
        assert!(same < 6, "{t1:?} / {t2:?}");
    }

    #[test]
    fn altered_or_malformed_tokens_are_refused() {
        let a = TenantId::from_text("a");
        let k = key();
        let t = k.seal(&a, CursorList::PendingContainers, 9);
        let mut raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
        for i in 0..raw.len() {
            raw[i] ^= 1;
            let forged = URL_SAFE_NO_PAD.encode(&raw);
            assert_eq!(k.open(&a, CursorList::PendingContainers, &forged), None);
            raw[i] ^= 1;
        }
        for bad in ["", "9", "not a cursor", &t[..26], &format!("{t}A")] {
            assert_eq!(
                k.open(&a, CursorList::PendingContainers, bad),
                None,
                "{bad}"
            );
        }
    }
}
