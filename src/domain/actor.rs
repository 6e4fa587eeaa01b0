//! Who is acting on a request: recorded with every audit event.

use crate::ids::{ApiKeyId, ChannelId, TenantId};

/// The token's tenant and API key, the channel the request came through (Manufacturer V2 only)
/// and the request ids: the caller's (`x-request-id`, or the server's own when it sent none)
/// and the server's own, which no caller chooses. Built once per request at the edge, from the
/// checked identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub tenant_id: TenantId,
    pub api_key_id: ApiKeyId,
    pub channel_id: Option<ChannelId>,
    pub request_id: Option<String>,
    pub server_request_id: Option<String>,
}
