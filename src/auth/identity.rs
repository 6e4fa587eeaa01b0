//! Who is calling, once the edge has checked it (`http::identity`).

use super::{Role, Roles};
use crate::error::ApiError;
use crate::ids::{ApiKeyId, ChannelId, TenantId};

/// The authenticated caller. The tenant comes only from here, never from a body or a path.
#[derive(Debug, Clone)]
pub struct Identity {
    pub tenant_id: TenantId,
    pub api_key_id: ApiKeyId,
    pub roles: Roles,
}

impl Identity {
    /// 403 `ForbiddenError` unless the key holds one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), ApiError> {
        self.roles.require_any(roles)
    }
}

/// The shopfloor channel a Manufacturer V2 request came through (checked by `channel_guard`).
#[derive(Debug, Clone)]
pub struct ChannelCtx {
    pub channel_id: ChannelId,
}
