//! Operator actions outside the HTTP API (the CLI, tests, the demo): creating tenants (with their
//! GS1 Company Prefixes, unique across tenants) and assigning GTINs outside them.

use serde::Serialize;

use crate::auth::{password, Role, Roles};
use crate::db::{self, api_keys::ApiKeyRow, tenants::TenantRow, DbConn, SetupError};
use crate::domain::gs1::{self, Gtin};
use crate::ids::{ApiKeyId, TenantId};
use crate::workflows::ownership::{self, OwnershipError};

/// Why a tenant was not created; the message is what `serialhub tenant create` prints.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error("tenant name must be 1 to 200 characters")]
    Name,
    #[error("GS1 Company Prefix '{0}' must be 6 to 12 digits")]
    CompanyPrefix(String),
    #[error("GLN '{0}' must be 13 digits")]
    GlnFormat(String),
    #[error("GLN '{gln}': check digit should be {expected}")]
    GlnCheckDigit { gln: String, expected: u8 },
    #[error("cannot create tenant: {0}")]
    Ownership(#[from] OwnershipError),
}

/// Why a GTIN was not assigned; the message is what `serialhub product assign` prints.
#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    #[error("GTIN '{gtin}': {problem}")]
    Gtin {
        gtin: String,
        problem: gs1::Gs1Error,
    },
    #[error("cannot assign the GTIN: {0}")]
    Ownership(#[from] OwnershipError),
}

/// What `serialhub product assign` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Assigned {
    pub tenant_id: TenantId,
    pub product_code: Gtin,
    /// False when nothing changed: assigned to this tenant before, or under its own prefix.
    pub assigned: bool,
}

/// The operator gives a GTIN outside the tenant's prefixes to that tenant (refused if another
/// tenant owns it); the tenant may then register it as its product.
pub fn assign_product(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    gtin: &str,
) -> Result<Assigned, AssignError> {
    let code = Gtin::parse(gtin).map_err(|problem| AssignError::Gtin {
        gtin: gtin.to_string(),
        problem,
    })?;
    let assigned = db::write_tx(conn, |c| ownership::assign_gtin(c, tenant_id, &code))?;
    Ok(Assigned {
        tenant_id: tenant_id.clone(),
        product_code: code,
        assigned,
    })
}

/// What `serialhub tenant create` prints; scripts rely on these three fields.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedTenant {
    pub tenant_id: String,
    pub api_key: String,
    pub api_secret: String,
    /// The key's id (not printed: the three fields above are the contract of the command). The
    /// demo acts with it, so its audit events name the key as an API request would.
    #[serde(skip)]
    pub api_key_id: ApiKeyId,
}

impl CreatedTenant {
    /// The new tenant's id.
    pub fn id(&self) -> TenantId {
        TenantId::from_text(&self.tenant_id)
    }
}

/// Checks company prefixes (6–12 digits) and the GLN (13 digits, GS1 check digit).
pub fn validate_tenant(name: &str, gcps: &[String], gln: Option<&str>) -> Result<(), TenantError> {
    if name.trim().is_empty() || name.len() > 200 {
        return Err(TenantError::Name);
    }
    if let Some(bad) = gcps.iter().find(|p| !gs1::is_company_prefix(p)) {
        return Err(TenantError::CompanyPrefix(bad.clone()));
    }
    if let Some(gln) = gln {
        if gln.len() != 13 || !gln.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TenantError::GlnFormat(gln.to_string()));
        }
        let expected = gs1::check_digit(&gln[..12]);
        if gln.as_bytes()[12] - b'0' != expected {
            return Err(TenantError::GlnCheckDigit {
                gln: gln.to_string(),
                expected,
            });
        }
    }
    Ok(())
}

/// Creates a tenant and its first API key holding all four roles.
pub fn create_tenant(
    conn: &mut DbConn,
    name: &str,
    gcps: &[String],
    gln: Option<&str>,
) -> Result<CreatedTenant, TenantError> {
    validate_tenant(name, gcps, gln)?;
    let api_secret = password::random_token(40);
    let tenant = TenantRow {
        id: TenantId::generate(),
        name: name.trim().to_string(),
        gs1_company_prefixes: serde_json::to_string(gcps).expect("strings serialise"),
        gln: gln.map(str::to_string),
        created_at: db::now(),
    };
    let key = ApiKeyRow {
        id: ApiKeyId::generate(),
        tenant_id: tenant.id.clone(),
        api_key: password::random_token(32),
        name: "initial admin key".into(),
        roles: Roles::new(Role::ALL.to_vec()).to_stored(),
        secret_hash: password::hash_secret(&api_secret),
        static_token_id: None,
        created_at: db::now(),
        revoked_at: None,
    };
    db::write_tx(conn, |c| {
        db::tenants::insert(c, &tenant)?;
        ownership::claim_prefixes(c, &tenant.id, gcps)?;
        Ok::<_, OwnershipError>(db::api_keys::insert(c, &key)?)
    })?;
    Ok(CreatedTenant {
        tenant_id: tenant.id.to_string(),
        api_key: key.api_key,
        api_secret,
        api_key_id: key.id,
    })
}

/// Opens one connection and applies migrations (for CLI commands).
pub fn connect(url: &str) -> Result<DbConn, SetupError> {
    let mut conn = db::pool::Manager::new(url)?.establish()?;
    db::run_migrations(&mut conn)?;
    Ok(conn)
}

/// Why `serialhub backup` made no copy.
#[derive(Debug, thiserror::Error)]
pub enum BackupFailure {
    #[error(transparent)]
    Database(#[from] SetupError),
    #[error("{0} already exists; a backup never overwrites a file")]
    Exists(String),
    #[error(transparent)]
    Backup(#[from] db::dialect::BackupError),
}

/// `serialhub backup --to PATH`: a consistent copy of the (possibly running) SQLite database.
pub fn backup(url: &str, to: &str) -> Result<(), BackupFailure> {
    if std::path::Path::new(to).exists() {
        return Err(BackupFailure::Exists(to.to_string()));
    }
    // No migrations: a backup copies the database as it is.
    let mut conn = db::pool::Manager::new(url)?.establish()?;
    db::dialect::backup_to(&mut conn, to)?;
    Ok(())
}
