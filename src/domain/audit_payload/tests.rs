//! Each payload against the literal JSON the workflows wrote with `json!` before payloads were
//! typed (and docs/audit.md documents): the canonical bytes, hence the hashes, must be equal,
//! so events written before and after verify alike.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::*;
use crate::domain::audit::{canonical_json, event_hash, EventContent, GENESIS};
use crate::domain::gs1::{Batch, Expiry, Gtin, SerialNumber, Sscc};
use crate::domain::lifecycle::Status;
use crate::domain::partnership::PartnershipStatus;
use crate::ids::{ApiKeyId, ChannelId, PartnershipId, TenantId};
use std::borrow::Cow;

fn gtin() -> Gtin {
    Gtin::parse("04012345111118").unwrap()
}

fn serial(s: &str) -> SerialNumber {
    SerialNumber::parse(s).unwrap()
}

fn sscc(s: &str) -> Sscc {
    Sscc::parse(s).unwrap()
}

fn pack(s: &str) -> PackRef {
    PackRef {
        product_code: gtin(),
        serial_number: serial(s),
    }
}

/// Every action, each with a typed payload and the JSON the old code built for it.
fn cases() -> Vec<(AuditPayload<'static>, Value)> {
    let serials = vec![serial("S1"), serial("S\"2")];
    let partnership = PartnershipChanged {
        partnership_id: PartnershipId::from_text("p-1"),
        cmo_tenant_id: TenantId::from_text("cmo-1"),
        status: Change {
            from: None,
            to: PartnershipStatus::Pending,
        },
        product_codes: Change {
            from: None,
            to: vec![gtin()],
        },
    };
    let accepted = PartnershipChanged {
        status: Change {
            from: Some(PartnershipStatus::Pending),
            to: PartnershipStatus::Active,
        },
        product_codes: Change {
            from: Some(vec![gtin()]),
            to: vec![gtin()],
        },
        ..partnership.clone()
    };
    vec![
        (
            AuditPayload::Commission(Commissioned {
                product_code: gtin(),
                batch: Batch::parse("B1").unwrap(),
                expiry_date: Expiry::parse_now("281200").unwrap(),
                serial_numbers: Cow::Owned(serials.clone()),
                status: Change {
                    from: None,
                    to: Status::PendingCommissioningApproval,
                },
            }),
            json!({
                "product_code": "04012345111118",
                "batch": "B1",
                "expiry_date": "281200",
                "serial_numbers": ["S1", "S\"2"],
                "status": {"from": null, "to": "pending_commissioning_approval"},
            }),
        ),
        // Recipe 2: packs grouped by product, in order of first appearance.
        (
            AuditPayload::Aggregate(Packed {
                parent: ObjectRef::Container {
                    sscc: sscc("106141411234567897"),
                },
                children: ChildGroup::group(vec![
                    ObjectRef::Pack(pack("S1")),
                    ObjectRef::Pack(PackRef {
                        product_code: Gtin::parse("04012345000009").unwrap(),
                        serial_number: serial("X1"),
                    }),
                    ObjectRef::Pack(pack("S2")),
                ]),
            }),
            json!({
                "parent": {"sscc": "106141411234567897"},
                "children": [
                    {"product_code": "04012345111118", "serial_numbers": ["S1", "S2"]},
                    {"product_code": "04012345000009", "serial_numbers": ["X1"]},
                ],
            }),
        ),
        // Recipe 1 (events written before recipe 2): one object per pack, still read and hashed.
        (
            AuditPayload::Aggregate(Packed {
                parent: ObjectRef::Container {
                    sscc: sscc("106141411234567897"),
                },
                children: vec![ChildGroup::Pack(pack("S1")), ChildGroup::Pack(pack("S2"))],
            }),
            json!({
                "parent": {"sscc": "106141411234567897"},
                "children": [
                    {"product_code": "04012345111118", "serial_number": "S1"},
                    {"product_code": "04012345111118", "serial_number": "S2"},
                ],
            }),
        ),
        (
            AuditPayload::Aggregate(Packed {
                parent: ObjectRef::Container {
                    sscc: sscc("106141411234567897"),
                },
                children: ChildGroup::group(vec![ObjectRef::Container {
                    sscc: sscc("106141411234567903"),
                }]),
            }),
            json!({
                "parent": {"sscc": "106141411234567897"},
                "children": [{"sscc": "106141411234567903"}],
            }),
        ),
        (
            AuditPayload::Disaggregate(Unpacked {
                parent: ObjectRef::Pack(pack("BUNDLE")),
                children: None,
                count: 3,
            }),
            json!({
                "parent": {"product_code": "04012345111118", "serial_number": "BUNDLE"},
                "children": null,
                "count": 3,
            }),
        ),
        (
            AuditPayload::Disaggregate(Unpacked {
                parent: ObjectRef::Container {
                    sscc: sscc("106141411234567897"),
                },
                children: Some(ChildGroup::group(vec![ObjectRef::Pack(pack("S1"))])),
                count: 1,
            }),
            json!({
                "parent": {"sscc": "106141411234567897"},
                "children": [{"product_code": "04012345111118", "serial_numbers": ["S1"]}],
                "count": 1,
            }),
        ),
        (
            AuditPayload::Decommission(Decommissioned {
                product_code: gtin(),
                serial_numbers: Cow::Owned(serials),
                status: Change {
                    from: vec![Status::PendingCommissioningApproval, Status::Released],
                    to: Status::Decommissioned,
                },
            }),
            json!({
                "product_code": "04012345111118",
                "serial_numbers": ["S1", "S\"2"],
                "status": {"from": ["pending_commissioning_approval", "released"],
                           "to": "decommissioned"},
            }),
        ),
        (
            AuditPayload::Release(Released {
                ssccs: vec![sscc("106141411234567897")],
                trade_items: vec![pack("S9")],
                released_packs: 101,
                released_containers: 2,
                status: Change {
                    from: Status::PendingCommissioningApproval,
                    to: Status::Released,
                },
            }),
            json!({
                "ssccs": ["106141411234567897"],
                "trade_items": [{"product_code": "04012345111118", "serial_number": "S9"}],
                "released_packs": 101,
                "released_containers": 2,
                "status": {"from": "pending_commissioning_approval", "to": "released"},
            }),
        ),
        (
            AuditPayload::ProductRegister(ProductRegistered {
                product_code: gtin(),
                name: "Ibuprofen 400 mg".into(),
            }),
            json!({"product_code": "04012345111118", "name": "Ibuprofen 400 mg"}),
        ),
        (
            AuditPayload::PartnershipCreate(partnership),
            json!({
                "partnership_id": "p-1",
                "cmo_tenant_id": "cmo-1",
                "status": {"from": null, "to": "pending"},
                "product_codes": {"from": null, "to": ["04012345111118"]},
            }),
        ),
        (
            AuditPayload::PartnershipAccept(accepted.clone()),
            json!({
                "partnership_id": "p-1",
                "cmo_tenant_id": "cmo-1",
                "status": {"from": "pending", "to": "active"},
                "product_codes": {"from": ["04012345111118"], "to": ["04012345111118"]},
            }),
        ),
        (
            AuditPayload::PartnershipUpdate(PartnershipChanged {
                status: Change {
                    from: Some(PartnershipStatus::Active),
                    to: PartnershipStatus::Suspended,
                },
                ..accepted
            }),
            json!({
                "partnership_id": "p-1",
                "cmo_tenant_id": "cmo-1",
                "status": {"from": "active", "to": "suspended"},
                "product_codes": {"from": ["04012345111118"], "to": ["04012345111118"]},
            }),
        ),
        (
            AuditPayload::ApiKeyCreate(ApiKeyCreated {
                api_key_id: ApiKeyId::from_text("k-1"),
                name: "line 1".into(),
                roles: vec!["admin".into(), "shopfloor".into()],
            }),
            json!({"api_key_id": "k-1", "name": "line 1", "roles": ["admin", "shopfloor"]}),
        ),
        (
            AuditPayload::ApiKeyRevoke(ApiKeyRevoked {
                api_key_id: ApiKeyId::from_text("k-1"),
            }),
            json!({"api_key_id": "k-1"}),
        ),
        (
            AuditPayload::StaticTokenIssue(StaticTokenIssued {
                api_key_id: ApiKeyId::from_text("k-1"),
                token_id: "t-2".into(),
                replaced_token_id: None,
            }),
            json!({"api_key_id": "k-1", "token_id": "t-2", "replaced_token_id": null}),
        ),
        (
            AuditPayload::StaticTokenIssue(StaticTokenIssued {
                api_key_id: ApiKeyId::from_text("k-1"),
                token_id: "t-3".into(),
                replaced_token_id: Some("t-2".into()),
            }),
            json!({"api_key_id": "k-1", "token_id": "t-3", "replaced_token_id": "t-2"}),
        ),
        (
            AuditPayload::StaticTokenRevoke(StaticTokenRevoked {
                api_key_id: ApiKeyId::from_text("k-1"),
                token_id: "t-3".into(),
            }),
            json!({"api_key_id": "k-1", "token_id": "t-3"}),
        ),
        (
            AuditPayload::ChannelCreate(ChannelCreated {
                channel_id: ChannelId::from_text("c-1"),
                name: "Line 1".into(),
                kind: "shopfloor".into(),
                source: "manufacturer_v2_api".into(),
            }),
            json!({"channel_id": "c-1", "name": "Line 1", "type": "shopfloor",
                   "source": "manufacturer_v2_api"}),
        ),
        (
            AuditPayload::ChannelUpdate(ChannelUpdated {
                channel_id: ChannelId::from_text("c-1"),
                enabled: Change {
                    from: true,
                    to: false,
                },
            }),
            json!({"channel_id": "c-1", "enabled": {"from": true, "to": false}}),
        ),
        (
            AuditPayload::SsccRequest(SsccsRequested {
                company_prefix: "4012345".into(),
                extension_digit: 1,
                ssccs: vec![sscc("140123450000000013"), sscc("106141411234567897")],
                reused: 1,
            }),
            json!({"company_prefix": "4012345", "extension_digit": 1,
                   "ssccs": ["140123450000000013", "106141411234567897"], "reused": 1}),
        ),
        (
            AuditPayload::SsccRelease(SsccsReleased {
                ssccs: vec![sscc("140123450000000013")],
            }),
            json!({"ssccs": ["140123450000000013"]}),
        ),
    ]
}

fn event<'a>(action: &'a str, payload: &'a Value) -> EventContent<'a> {
    EventContent {
        chain_tenant_id: "t",
        seq: 7,
        occurred_at: "2026-11-25T10:00:00.000000Z",
        action,
        actor_tenant_id: "t",
        api_key_id: Some("k"),
        channel_id: Some("c"),
        owner_tenant_id: "o",
        request_id: Some("r"),
        reason: None,
        payload,
        server_request_id: Some("s"),
        recipe: 2,
    }
}

#[test]
fn typed_payloads_hash_exactly_like_the_json_they_replace() {
    let cases = cases();
    let covered: std::collections::HashSet<AuditAction> =
        cases.iter().map(|(typed, _)| typed.action()).collect();
    assert_eq!(
        covered.len(),
        AuditAction::ALL.len(),
        "every action has a case"
    );
    for (typed, old) in cases {
        let action = typed.action().as_str();
        let new = typed.to_value();
        assert_eq!(canonical_json(&new), canonical_json(&old), "{action}");
        // The hash, recomputed independently from the old bytes (docs/audit.md's recipe).
        let text = format!(
            "{GENESIS}{}",
            canonical_json(&event(action, &old).to_value())
        );
        let expected = hex::encode(Sha256::digest(text.as_bytes()));
        assert_eq!(
            event_hash(GENESIS, &event(action, &new)),
            expected,
            "{action}"
        );
    }
}

#[test]
fn stored_payloads_read_back_as_what_was_written() {
    for (typed, old) in cases() {
        let action = typed.action().as_str();
        let stored = canonical_json(&old);
        assert_eq!(
            AuditPayload::parse(action, &stored),
            Some(typed),
            "{action}"
        );
    }
    assert_eq!(AuditPayload::parse("commission", "{}"), None);
    assert_eq!(AuditPayload::parse("teleport", "{}"), None);
}

#[test]
fn action_names_round_trip() {
    for &a in AuditAction::ALL {
        assert_eq!(AuditAction::parse(a.as_str()), Some(a));
    }
}
