//! The payloads of events about a tenant's set-up: products, partnerships, keys, channels.

use serde::{Deserialize, Serialize};

use super::Change;
use crate::domain::gs1::Gtin;
use crate::domain::partnership::PartnershipStatus;
use crate::ids::{ApiKeyId, ChannelId, PartnershipId, TenantId};

/// `product.register`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRegistered {
    pub product_code: Gtin,
    pub name: String,
}

/// `product.update`: the product's serial settings after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSettingsChanged {
    pub product_code: Gtin,
    /// `<alphabet>/<length>`.
    pub serial_template: String,
    pub external_serials: bool,
}

/// `partnership.create` / `.accept` / `.update` (`from` is `None` on create).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnershipChanged {
    pub partnership_id: PartnershipId,
    pub cmo_tenant_id: TenantId,
    pub status: Change<Option<PartnershipStatus>, PartnershipStatus>,
    pub product_codes: Change<Option<Vec<Gtin>>, Vec<Gtin>>,
}

/// `api_key.create`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyCreated {
    pub api_key_id: ApiKeyId,
    pub name: String,
    pub roles: Vec<String>,
}

/// `api_key.revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRevoked {
    pub api_key_id: ApiKeyId,
}

/// `static_token.issue`: the token's id, never the token, and the id of the one it replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticTokenIssued {
    pub api_key_id: ApiKeyId,
    pub token_id: String,
    pub replaced_token_id: Option<String>,
}

/// `static_token.revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticTokenRevoked {
    pub api_key_id: ApiKeyId,
    pub token_id: String,
}

/// `channel.create`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelCreated {
    pub channel_id: ChannelId,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub source: String,
}

/// `channel.update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelUpdated {
    pub channel_id: ChannelId,
    pub enabled: Change<bool, bool>,
}
