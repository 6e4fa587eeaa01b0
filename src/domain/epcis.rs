//! EPCIS 2.0 JSON-LD mapping of audit events (GS1.md "EPCIS 2.0 mapping"). Pure: an audit event in,
//! an EPCIS event out. Identifiers are GS1 Digital Link URIs (`/01/<GTIN>/21/<serial>`,
//! `/00/<SSCC>`): safe without knowing company-prefix lengths, and the same for a pack in every
//! event, so events join up.

use serde_json::{json, Map, Value};

use super::audit_payload::{
    AuditPayload, ChildGroup, Commissioned, Decommissioned, ObjectRef, PackRef, Packed, Released,
    Unpacked,
};
use super::gs1::{gtin_digital_link, sscc_digital_link, Gtin, SerialNumber};
use super::lifecycle::DecommissionReason;

pub const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";
/// Namespace of serialhub's extension fields (a URN: no domain is implied).
pub const EXTENSION_NS: &str = "urn:serialhub:epcis:";

/// What the mapper needs of one audit event.
pub struct AuditEvent<'a> {
    pub occurred_at: &'a str,
    pub hash: &'a str,
    pub reason: Option<DecommissionReason>,
    pub payload: &'a AuditPayload<'a>,
}

/// The EPCIS identifier of a pack or container.
pub fn object_uri(object: &ObjectRef) -> String {
    match object {
        ObjectRef::Container { sscc } => sscc_digital_link(sscc),
        ObjectRef::Pack(pack) => pack_uri(pack),
    }
}

fn pack_uri(pack: &PackRef) -> String {
    gtin_digital_link(&pack.product_code, None, &pack.serial_number, None)
}

fn base(
    kind: &str,
    e: &AuditEvent<'_>,
    action: &str,
    biz_step: &str,
    disposition: &str,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), kind.into());
    m.insert("eventTime".into(), e.occurred_at.into());
    m.insert("eventTimeZoneOffset".into(), "+00:00".into());
    // The audit hash is stable and unique: it doubles as the EPCIS event id.
    m.insert(
        "eventID".into(),
        format!("ni:///sha-256;{}?ver=CBV2.0", e.hash).into(),
    );
    m.insert("action".into(), action.into());
    m.insert("bizStep".into(), biz_step.into());
    m.insert("disposition".into(), disposition.into());
    m
}

/// The children's EPCs one by one, from either recipe's shape (grouped by product or not).
fn child_uris<'g>(groups: impl IntoIterator<Item = &'g ChildGroup>) -> Vec<Value> {
    groups
        .into_iter()
        .flat_map(|g| g.objects())
        .map(|o| object_uri(&o).into())
        .collect()
}

/// Maps one audit event. Every action is decided here: events about goods have an EPCIS form,
/// events about keys, channels, products, partnerships and the SSCC pool (numbers handed out,
/// not yet on any goods) have none.
pub fn to_epcis(e: &AuditEvent<'_>) -> Option<Value> {
    let m = match e.payload {
        AuditPayload::Commission(p) => commissioning(e, p),
        AuditPayload::Aggregate(p) => packing(e, p),
        AuditPayload::Disaggregate(p) => unpacking(e, p),
        AuditPayload::Decommission(p) => decommissioning(e, p),
        AuditPayload::Release(p) => release(e, p),
        AuditPayload::ProductRegister(_)
        | AuditPayload::PartnershipCreate(_)
        | AuditPayload::PartnershipAccept(_)
        | AuditPayload::PartnershipUpdate(_)
        | AuditPayload::ApiKeyCreate(_)
        | AuditPayload::ApiKeyRevoke(_)
        | AuditPayload::StaticTokenIssue(_)
        | AuditPayload::StaticTokenRevoke(_)
        | AuditPayload::ChannelCreate(_)
        | AuditPayload::ChannelUpdate(_)
        | AuditPayload::SsccRequest(_)
        | AuditPayload::SsccRelease(_) => return None,
    };
    Some(Value::Object(m))
}

fn pack_uris(gtin: &Gtin, serials: &[SerialNumber]) -> Vec<Value> {
    serials
        .iter()
        .map(|s| gtin_digital_link(gtin, None, s, None).into())
        .collect()
}

fn commissioning(e: &AuditEvent<'_>, p: &Commissioned<'_>) -> Map<String, Value> {
    let mut m = base("ObjectEvent", e, "ADD", "commissioning", "active");
    m.insert(
        "epcList".into(),
        pack_uris(&p.product_code, &p.serial_numbers).into(),
    );
    let mut ilmd = Map::new();
    ilmd.insert("cbvmda:lotNumber".into(), p.batch.as_str().into());
    ilmd.insert(
        "cbvmda:itemExpirationDate".into(),
        p.expiry_date.date().format("%Y-%m-%d").to_string().into(),
    );
    m.insert("ilmd".into(), Value::Object(ilmd));
    m
}

fn packing(e: &AuditEvent<'_>, p: &Packed) -> Map<String, Value> {
    let mut m = base("AggregationEvent", e, "ADD", "packing", "in_progress");
    m.insert("parentID".into(), object_uri(&p.parent).into());
    // An ADD always lists its children.
    m.insert("childEPCs".into(), child_uris(&p.children).into());
    m
}

fn unpacking(e: &AuditEvent<'_>, p: &Unpacked) -> Map<String, Value> {
    let mut m = base("AggregationEvent", e, "DELETE", "unpacking", "in_progress");
    m.insert("parentID".into(), object_uri(&p.parent).into());
    // A DELETE without children means "all of them" (CBV).
    let children = child_uris(p.children.iter().flatten());
    if !children.is_empty() {
        m.insert("childEPCs".into(), children.into());
    }
    m
}

fn decommissioning(e: &AuditEvent<'_>, p: &Decommissioned<'_>) -> Map<String, Value> {
    let disposition = if e.reason == Some(DecommissionReason::Destroyed) {
        "destroyed"
    } else {
        "inactive"
    };
    let mut m = base("ObjectEvent", e, "DELETE", "decommissioning", disposition);
    m.insert(
        "epcList".into(),
        pack_uris(&p.product_code, &p.serial_numbers).into(),
    );
    if let Some(r) = e.reason {
        m.insert(
            format!("{EXTENSION_NS}decommissionReason"),
            r.as_str().into(),
        );
    }
    m
}

/// CBV has no "release to market" step: bizStep `other`, the action named in an extension
/// field, and the goods become sellable (docs/audit.md).
fn release(e: &AuditEvent<'_>, p: &Released) -> Map<String, Value> {
    let mut epcs: Vec<Value> = p
        .ssccs
        .iter()
        .map(|s| sscc_digital_link(s).into())
        .collect();
    epcs.extend(p.trade_items.iter().map(|t| Value::from(pack_uri(t))));
    let mut m = base("ObjectEvent", e, "OBSERVE", "other", "sellable_accessible");
    m.insert("epcList".into(), epcs.into());
    m.insert(format!("{EXTENSION_NS}action"), "release_to_market".into());
    m.insert(
        format!("{EXTENSION_NS}releasedPacks"),
        p.released_packs.into(),
    );
    m
}

/// Wraps events in an `EPCISDocument`.
pub fn document(events: Vec<Value>, creation_date: &str) -> Value {
    json!({
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": creation_date,
        "epcisBody": {"eventList": events},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epcis(action: &str, payload: Value, reason: Option<DecommissionReason>) -> Option<Value> {
        let payload = AuditPayload::parse(action, &payload.to_string()).expect("a stored payload");
        to_epcis(&AuditEvent {
            occurred_at: "2026-11-25T10:00:00.000000Z",
            hash: "ab",
            reason,
            payload: &payload,
        })
    }

    #[test]
    fn commissioning_is_an_object_event_with_lot_and_full_expiry_date() {
        let p = json!({"product_code": "04012345111118", "batch": "B1", "expiry_date": "281200",
                       "serial_numbers": ["S1"],
                       "status": {"from": null, "to": "pending_commissioning_approval"}});
        let e = epcis("commission", p, None).unwrap();
        assert_eq!(e["type"], "ObjectEvent");
        assert_eq!(e["action"], "ADD");
        assert_eq!(e["bizStep"], "commissioning");
        assert_eq!(
            e["epcList"][0],
            "https://id.gs1.org/01/04012345111118/21/S1"
        );
        assert_eq!(e["ilmd"]["cbvmda:lotNumber"], "B1");
        assert_eq!(e["ilmd"]["cbvmda:itemExpirationDate"], "2028-12-31");
        assert_eq!(e["eventID"], "ni:///sha-256;ab?ver=CBV2.0");
    }

    #[test]
    fn aggregation_lists_parent_and_children_and_unpacking_all_lists_none() {
        let p = json!({"parent": {"sscc": "140123450000000013"}, "children": [{"product_code": "04012345111118", "serial_number": "S1"}]});
        let e = epcis("aggregate", p, None).unwrap();
        assert_eq!(e["parentID"], "https://id.gs1.org/00/140123450000000013");
        assert_eq!(e["childEPCs"].as_array().unwrap().len(), 1);
        let p = json!({"parent": {"sscc": "140123450000000013"}, "children": null, "count": 3});
        let e = epcis("disaggregate", p, None).unwrap();
        assert_eq!(
            (e["action"].as_str(), e["bizStep"].as_str()),
            (Some("DELETE"), Some("unpacking"))
        );
        assert!(e.get("childEPCs").is_none());
    }

    #[test]
    fn both_recipes_children_map_to_the_same_child_epcs() {
        let parent = json!({"sscc": "140123450000000013"});
        let recipe_1 = json!({"parent": parent, "children": [
            {"product_code": "04012345111118", "serial_number": "S1"},
            {"product_code": "04012345000009", "serial_number": "X1"},
            {"product_code": "04012345111118", "serial_number": "S2"}]});
        let recipe_2 = json!({"parent": parent, "children": [
            {"product_code": "04012345111118", "serial_numbers": ["S1", "S2"]},
            {"product_code": "04012345000009", "serial_numbers": ["X1"]}]});
        let expected = json!([
            "https://id.gs1.org/01/04012345111118/21/S1",
            "https://id.gs1.org/01/04012345111118/21/S2",
            "https://id.gs1.org/01/04012345000009/21/X1"
        ]);
        let old = epcis("aggregate", recipe_1, None).unwrap();
        let new = epcis("aggregate", recipe_2.clone(), None).unwrap();
        let mut old_children: Vec<&str> = old["childEPCs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        old_children.sort_unstable();
        let mut want: Vec<&str> = expected
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        want.sort_unstable();
        assert_eq!(old_children, want);
        // Recipe 2 lists a group's serials together, groups in order.
        assert_eq!(new["childEPCs"], expected);
        let mut unpacked = recipe_2;
        unpacked["count"] = json!(3);
        let e = epcis("disaggregate", unpacked, None).unwrap();
        assert_eq!(e["childEPCs"], expected);
    }

    #[test]
    fn destroyed_packs_get_the_destroyed_disposition() {
        let p = json!({"product_code": "04012345111118", "serial_numbers": ["S1"],
                       "status": {"from": ["pending_commissioning_approval"], "to": "decommissioned"}});
        let destroyed = epcis(
            "decommission",
            p.clone(),
            Some(DecommissionReason::Destroyed),
        );
        assert_eq!(destroyed.unwrap()["disposition"], "destroyed");
        let sampled = epcis("decommission", p, Some(DecommissionReason::Sampled)).unwrap();
        assert_eq!(sampled["disposition"], "inactive");
        assert_eq!(sampled["urn:serialhub:epcis:decommissionReason"], "sampled");
    }

    #[test]
    fn administrative_events_have_no_epcis_form() {
        let key = json!({"api_key_id": "k", "name": "n", "roles": ["admin"]});
        assert!(epcis("api_key.create", key, None).is_none());
    }
}
