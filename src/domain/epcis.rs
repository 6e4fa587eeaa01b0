//! EPCIS 2.0 JSON-LD mapping of audit events (GS1.md "EPCIS 2.0 mapping"). Pure: an audit event in,
//! an EPCIS event out. Identifiers are GS1 Digital Link URIs (`/01/<GTIN>/21/<serial>`,
//! `/00/<SSCC>`): safe without knowing company-prefix lengths, and the same for a pack in every
//! event, so events join up.

use serde_json::{json, Map, Value};

use super::gs1::{gtin_digital_link, sscc_digital_link, Expiry, Gtin, SerialNumber, Sscc};

pub const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";
/// Namespace of serialhub's extension fields (a URN: no domain is implied).
pub const EXTENSION_NS: &str = "urn:serialhub:epcis:";

/// What the mapper needs of one audit event.
pub struct AuditEvent<'a> {
    pub action: &'a str,
    pub occurred_at: &'a str,
    pub hash: &'a str,
    pub reason: Option<&'a str>,
    pub payload: &'a Value,
}

/// The EPCIS identifier of an object as stored in audit payloads: `{"sscc"}` or
/// `{"product_code", "serial_number"}`.
pub fn object_uri(v: &Value) -> Option<String> {
    if let Some(s) = v.get("sscc").and_then(Value::as_str) {
        return Sscc::parse(s).ok().map(|s| sscc_digital_link(&s));
    }
    pack_uri(
        v.get("product_code")?.as_str()?,
        v.get("serial_number")?.as_str()?,
    )
}

fn pack_uri(gtin: &str, serial: &str) -> Option<String> {
    let gtin = Gtin::parse(gtin).ok()?;
    let serial = SerialNumber::parse(serial).ok()?;
    Some(gtin_digital_link(&gtin, None, &serial, None))
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

fn uris(list: Option<&Value>) -> Vec<Value> {
    list.and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(object_uri)
                .map(Value::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Maps one audit event; events that are not about goods (keys, channels, …) have no EPCIS form.
pub fn to_epcis(e: &AuditEvent<'_>) -> Option<Value> {
    let p = e.payload;
    let m = match e.action {
        "commission" => {
            let gtin = p.get("product_code")?.as_str()?;
            let epcs: Vec<Value> = p
                .get("serial_numbers")?
                .as_array()?
                .iter()
                .filter_map(|s| pack_uri(gtin, s.as_str()?).map(Value::from))
                .collect();
            let mut m = base("ObjectEvent", e, "ADD", "commissioning", "active");
            m.insert("epcList".into(), epcs.into());
            let mut ilmd = Map::new();
            if let Some(batch) = p.get("batch").and_then(Value::as_str) {
                ilmd.insert("cbvmda:lotNumber".into(), batch.into());
            }
            if let Some(expiry) = p
                .get("expiry_date")
                .and_then(Value::as_str)
                .and_then(|x| Expiry::parse_now(x).ok())
            {
                ilmd.insert(
                    "cbvmda:itemExpirationDate".into(),
                    expiry.date().format("%Y-%m-%d").to_string().into(),
                );
            }
            m.insert("ilmd".into(), Value::Object(ilmd));
            m
        }
        "aggregate" | "disaggregate" => {
            let (action, step) = if e.action == "aggregate" {
                ("ADD", "packing")
            } else {
                ("DELETE", "unpacking")
            };
            let mut m = base("AggregationEvent", e, action, step, "in_progress");
            m.insert("parentID".into(), object_uri(p.get("parent")?)?.into());
            let children = uris(p.get("children"));
            // A DELETE without children means "all of them" (CBV); an ADD always lists them.
            if !children.is_empty() || action == "ADD" {
                m.insert("childEPCs".into(), children.into());
            }
            m
        }
        "decommission" => {
            let gtin = p.get("product_code")?.as_str()?;
            let epcs: Vec<Value> = p
                .get("serial_numbers")?
                .as_array()?
                .iter()
                .filter_map(|s| pack_uri(gtin, s.as_str()?).map(Value::from))
                .collect();
            let disposition = if e.reason == Some("destroyed") {
                "destroyed"
            } else {
                "inactive"
            };
            let mut m = base("ObjectEvent", e, "DELETE", "decommissioning", disposition);
            m.insert("epcList".into(), epcs.into());
            if let Some(r) = e.reason {
                m.insert(format!("{EXTENSION_NS}decommissionReason"), r.into());
            }
            m
        }
        "release" => {
            // CBV has no "release to market" step: bizStep `other`, the action named in an
            // extension field, and the goods become sellable (docs/audit.md).
            let mut epcs: Vec<Value> = p
                .get("ssccs")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|s| Sscc::parse(s.as_str()?).ok())
                        .map(|s| sscc_digital_link(&s).into())
                        .collect()
                })
                .unwrap_or_default();
            epcs.extend(uris(p.get("trade_items")));
            let mut m = base("ObjectEvent", e, "OBSERVE", "other", "sellable_accessible");
            m.insert("epcList".into(), epcs.into());
            m.insert(format!("{EXTENSION_NS}action"), "release_to_market".into());
            if let Some(n) = p.get("released_packs") {
                m.insert(format!("{EXTENSION_NS}releasedPacks"), n.clone());
            }
            m
        }
        _ => return None,
    };
    Some(Value::Object(m))
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

    fn event<'a>(action: &'a str, payload: &'a Value, reason: Option<&'a str>) -> AuditEvent<'a> {
        AuditEvent {
            action,
            occurred_at: "2026-11-25T10:00:00.000000Z",
            hash: "ab",
            reason,
            payload,
        }
    }

    #[test]
    fn commissioning_is_an_object_event_with_lot_and_full_expiry_date() {
        let p = json!({"product_code": "04012345111118", "batch": "B1", "expiry_date": "281200", "serial_numbers": ["S1"]});
        let e = to_epcis(&event("commission", &p, None)).unwrap();
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
        let e = to_epcis(&event("aggregate", &p, None)).unwrap();
        assert_eq!(e["parentID"], "https://id.gs1.org/00/140123450000000013");
        assert_eq!(e["childEPCs"].as_array().unwrap().len(), 1);
        let p = json!({"parent": {"sscc": "140123450000000013"}, "children": null, "count": 3});
        let e = to_epcis(&event("disaggregate", &p, None)).unwrap();
        assert_eq!(
            (e["action"].as_str(), e["bizStep"].as_str()),
            (Some("DELETE"), Some("unpacking"))
        );
        assert!(e.get("childEPCs").is_none());
    }

    #[test]
    fn destroyed_packs_get_the_destroyed_disposition() {
        let p = json!({"product_code": "04012345111118", "serial_numbers": ["S1"]});
        assert_eq!(
            to_epcis(&event("decommission", &p, Some("destroyed"))).unwrap()["disposition"],
            "destroyed"
        );
        assert_eq!(
            to_epcis(&event("decommission", &p, Some("sampled"))).unwrap()["disposition"],
            "inactive"
        );
    }

    #[test]
    fn administrative_events_have_no_epcis_form() {
        assert!(to_epcis(&event("api_key.create", &json!({}), None)).is_none());
    }
}
