//! Identity and access: API key secrets (argon2id), JWT tokens with a database-backed key ring,
//! the caller's identity and channel, roles, the auth rate limiter, and the sealing of list ids
//! and cursors.

pub mod cursor;
pub mod identity;
pub mod password;
pub mod rate_limit;
pub mod roles;
pub mod tokens;

pub use identity::{ChannelCtx, Identity};
pub use roles::{Role, Roles};
