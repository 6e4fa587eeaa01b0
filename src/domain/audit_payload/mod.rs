//! What an audit event records: its action and its payload, as types. The workflows write an
//! [`AuditPayload`]; the action stored beside it is the payload's own ([`AuditPayload::action`]),
//! so the two cannot disagree; the EPCIS mapping matches the payload exhaustively, so a new action
//! does not compile until it has its EPCIS decision.
//!
//! The payload serialises to exactly the JSON object docs/audit.md documents (field names,
//! `null`s, numbers): those bytes are hashed into the chain (`domain::audit`), so a field renamed
//! here would make every new event differ from the recipe, and the tests below pin each shape to
//! its literal JSON.

mod admin;
mod goods;
mod pool;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use admin::{
    ApiKeyCreated, ApiKeyRevoked, ChannelCreated, ChannelUpdated, PartnershipChanged,
    ProductRegistered, StaticTokenIssued, StaticTokenRevoked,
};
pub use goods::{
    Change, ChildGroup, Commissioned, Decommissioned, ObjectRef, PackRef, Packed, Released,
    Unpacked,
};
pub use pool::{SsccsReleased, SsccsRequested};

text_enum! {
    /// Action names, as stored and as filtered on (`GET /v1/audit/events?action=`); part of the
    /// hash chain and of the API.
    pub enum AuditAction {
        Commission => "commission",
        Aggregate => "aggregate",
        Disaggregate => "disaggregate",
        Decommission => "decommission",
        Release => "release",
        ProductRegister => "product.register",
        PartnershipCreate => "partnership.create",
        PartnershipAccept => "partnership.accept",
        PartnershipUpdate => "partnership.update",
        ApiKeyCreate => "api_key.create",
        ApiKeyRevoke => "api_key.revoke",
        StaticTokenIssue => "static_token.issue",
        StaticTokenRevoke => "static_token.revoke",
        ChannelCreate => "channel.create",
        ChannelUpdate => "channel.update",
        SsccRequest => "sscc.request",
        SsccRelease => "sscc.release",
    }
}

/// The payload of one audit event; its variant is its action. Serialises to the bare payload
/// object (the action is stored beside it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum AuditPayload<'a> {
    Commission(Commissioned<'a>),
    Aggregate(Packed),
    Disaggregate(Unpacked),
    Decommission(Decommissioned<'a>),
    Release(Released),
    ProductRegister(ProductRegistered),
    PartnershipCreate(PartnershipChanged),
    PartnershipAccept(PartnershipChanged),
    PartnershipUpdate(PartnershipChanged),
    ApiKeyCreate(ApiKeyCreated),
    ApiKeyRevoke(ApiKeyRevoked),
    StaticTokenIssue(StaticTokenIssued),
    StaticTokenRevoke(StaticTokenRevoked),
    ChannelCreate(ChannelCreated),
    ChannelUpdate(ChannelUpdated),
    SsccRequest(SsccsRequested),
    SsccRelease(SsccsReleased),
}

impl AuditPayload<'_> {
    /// The action this payload records.
    pub fn action(&self) -> AuditAction {
        match self {
            AuditPayload::Commission(_) => AuditAction::Commission,
            AuditPayload::Aggregate(_) => AuditAction::Aggregate,
            AuditPayload::Disaggregate(_) => AuditAction::Disaggregate,
            AuditPayload::Decommission(_) => AuditAction::Decommission,
            AuditPayload::Release(_) => AuditAction::Release,
            AuditPayload::ProductRegister(_) => AuditAction::ProductRegister,
            AuditPayload::PartnershipCreate(_) => AuditAction::PartnershipCreate,
            AuditPayload::PartnershipAccept(_) => AuditAction::PartnershipAccept,
            AuditPayload::PartnershipUpdate(_) => AuditAction::PartnershipUpdate,
            AuditPayload::ApiKeyCreate(_) => AuditAction::ApiKeyCreate,
            AuditPayload::ApiKeyRevoke(_) => AuditAction::ApiKeyRevoke,
            AuditPayload::StaticTokenIssue(_) => AuditAction::StaticTokenIssue,
            AuditPayload::StaticTokenRevoke(_) => AuditAction::StaticTokenRevoke,
            AuditPayload::ChannelCreate(_) => AuditAction::ChannelCreate,
            AuditPayload::ChannelUpdate(_) => AuditAction::ChannelUpdate,
            AuditPayload::SsccRequest(_) => AuditAction::SsccRequest,
            AuditPayload::SsccRelease(_) => AuditAction::SsccRelease,
        }
    }

    /// The JSON value that is stored and hashed (see `domain::audit::canonical_json`).
    pub fn to_value(&self) -> serde_json::Value {
        // Structs of strings, numbers, booleans and lists: serialising them cannot fail.
        serde_json::to_value(self).expect("audit payloads serialise")
    }
}

impl AuditPayload<'static> {
    /// Reads a stored payload back by its stored action; `None` when the action is unknown or
    /// the payload does not have that action's shape.
    pub fn parse(action: &str, payload: &str) -> Option<AuditPayload<'static>> {
        fn read<'de, T: Deserialize<'de>>(payload: &'de str) -> Option<T> {
            serde_json::from_str(payload).ok()
        }
        Some(match AuditAction::parse(action)? {
            AuditAction::Commission => AuditPayload::Commission(read(payload)?),
            AuditAction::Aggregate => AuditPayload::Aggregate(read(payload)?),
            AuditAction::Disaggregate => AuditPayload::Disaggregate(read(payload)?),
            AuditAction::Decommission => AuditPayload::Decommission(read(payload)?),
            AuditAction::Release => AuditPayload::Release(read(payload)?),
            AuditAction::ProductRegister => AuditPayload::ProductRegister(read(payload)?),
            AuditAction::PartnershipCreate => AuditPayload::PartnershipCreate(read(payload)?),
            AuditAction::PartnershipAccept => AuditPayload::PartnershipAccept(read(payload)?),
            AuditAction::PartnershipUpdate => AuditPayload::PartnershipUpdate(read(payload)?),
            AuditAction::ApiKeyCreate => AuditPayload::ApiKeyCreate(read(payload)?),
            AuditAction::ApiKeyRevoke => AuditPayload::ApiKeyRevoke(read(payload)?),
            AuditAction::StaticTokenIssue => AuditPayload::StaticTokenIssue(read(payload)?),
            AuditAction::StaticTokenRevoke => AuditPayload::StaticTokenRevoke(read(payload)?),
            AuditAction::ChannelCreate => AuditPayload::ChannelCreate(read(payload)?),
            AuditAction::ChannelUpdate => AuditPayload::ChannelUpdate(read(payload)?),
            AuditAction::SsccRequest => AuditPayload::SsccRequest(read(payload)?),
            AuditAction::SsccRelease => AuditPayload::SsccRelease(read(payload)?),
        })
    }
}
