use crate::domain::text_enum;
use crate::error::ApiError;

text_enum! {
    /// What an API key may do. Stored comma-separated; the order is not significant.
    #[derive(PartialOrd, Ord)]
    pub enum Role {
        Admin => "admin",
        Shopfloor => "shopfloor",
        Release => "release",
        Audit => "audit",
    }
}

/// The set of roles of one API key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn new(mut roles: Vec<Role>) -> Roles {
        roles.sort();
        roles.dedup();
        Roles(roles)
    }

    /// Parses the stored form; unknown names (e.g. from a newer version) are ignored, never granted.
    pub fn from_stored(s: &str) -> Roles {
        Roles::new(s.split(',').filter_map(Role::parse).collect())
    }

    pub fn to_stored(&self) -> String {
        self.names().join(",")
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|r| r.as_str()).collect()
    }

    pub fn has(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    /// Ok when the key holds at least one of `allowed`, else 403 `ForbiddenError`.
    pub fn require_any(&self, allowed: &[Role]) -> Result<(), ApiError> {
        if allowed.iter().any(|r| self.has(*r)) {
            return Ok(());
        }
        let names: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
        Err(ApiError::forbidden(format!(
            "this API key lacks the role needed here (one of: {})",
            names.join(", ")
        )))
    }
}
