//! Signed checkpoints of audit chains (see `domain::checkpoint` for the signed bytes): the hub's
//! keys, signing the caller's head, and the offline check that a chain still extends a head an
//! auditor kept (`serialhub audit verify --checkpoint FILE`).

use ed25519_dalek::{SigningKey, VerifyingKey};
use rand::rngs::OsRng;
use serde::Serialize;

use crate::db::{self, checkpoint_keys::CheckpointKeyRow, DbConn};
use crate::domain::audit::GENESIS;
use crate::domain::checkpoint::{self, Checkpoint, Head};
use crate::error::ApiError;
use crate::ids::TenantId;

/// The hub's checkpoint keys: the newest signs, every one verifies.
pub struct CheckpointKeys {
    signing_id: String,
    signing: SigningKey,
    public: Vec<(String, VerifyingKey)>,
}

impl CheckpointKeys {
    /// Loads the keys, creating the first on a database that has none. Instances starting
    /// together on one PostgreSQL create it once (the lock of the token keys' creation).
    pub fn load_or_create(conn: &mut DbConn) -> diesel::QueryResult<CheckpointKeys> {
        let rows = db::write_tx(conn, |c| {
            db::signing_keys::lock_for_creation(c)?;
            let mut rows = db::checkpoint_keys::all(c)?;
            if rows.is_empty() {
                let key = SigningKey::generate(&mut OsRng);
                let row = CheckpointKeyRow {
                    key_id: uuid::Uuid::new_v4().to_string(),
                    seed: key.to_bytes().to_vec(),
                    created_at: db::now(),
                };
                db::checkpoint_keys::insert(c, &row)?;
                rows.push(row);
            }
            Ok::<_, diesel::result::Error>(rows)
        })?;
        let keys: Vec<(String, SigningKey)> = rows.into_iter().filter_map(signing_key).collect();
        let (signing_id, signing) = keys.last().cloned().ok_or_else(|| {
            diesel::result::Error::DeserializationError("no valid checkpoint key seed".into())
        })?;
        let public = keys
            .iter()
            .map(|(id, k)| (id.clone(), k.verifying_key()))
            .collect();
        Ok(CheckpointKeys {
            signing_id,
            signing,
            public,
        })
    }

    /// The public keys, oldest first, as `GET /v1/audit/keys` lists them.
    pub fn public_keys(&self) -> &[(String, VerifyingKey)] {
        &self.public
    }

    /// Signs the tenant's chain head as it is now (read in the caller's read transaction). A head
    /// that does not match the chain's last event is not signed: the chain is broken there.
    pub fn sign_head(&self, conn: &mut DbConn, tenant: &TenantId) -> Result<Checkpoint, ApiError> {
        let (seq, hash) = db::audit::head(conn, tenant)?.unwrap_or((0, GENESIS.to_string()));
        let last = db::audit::chain_page(conn, tenant, seq - 1, 2)?;
        let consistent = match last.as_slice() {
            [] => seq == 0,
            [e] => e.seq == seq && e.hash == hash,
            _ => false,
        };
        if !consistent {
            return Err(ApiError::state(
                "The audit chain does not end at its recorded head; see GET /v1/audit/verify",
                vec![],
            ));
        }
        let head = Head {
            tenant_id: tenant.to_string(),
            seq,
            hash,
            signed_at: crate::time::rfc3339(db::now()),
        };
        Ok(checkpoint::sign(&self.signing, &self.signing_id, head))
    }
}

fn signing_key(row: CheckpointKeyRow) -> Option<(String, SigningKey)> {
    let seed: [u8; 32] = row.seed.try_into().ok()?;
    Some((row.key_id, SigningKey::from_bytes(&seed)))
}

/// The result of checking one checkpoint against the database.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CheckpointReport {
    pub tenant_id: String,
    pub seq: i64,
    pub hash: String,
    pub valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// Checks that the hub signed `cp` (with a key the database still holds) and that the tenant's
/// chain still holds, at the checkpoint's seq, the event whose hash was signed. (Whether the
/// chain is intact from its first event to its head, `verify::verify_chain` says.)
pub fn check(conn: &mut DbConn, cp: &Checkpoint) -> diesel::QueryResult<CheckpointReport> {
    let problem = problem_of(conn, cp)?;
    Ok(CheckpointReport {
        tenant_id: cp.head.tenant_id.clone(),
        seq: cp.head.seq,
        hash: cp.head.hash.clone(),
        valid: problem.is_none(),
        problem,
    })
}

fn problem_of(conn: &mut DbConn, cp: &Checkpoint) -> diesel::QueryResult<Option<String>> {
    let keys: Vec<(String, SigningKey)> = db::checkpoint_keys::all(conn)?
        .into_iter()
        .filter_map(signing_key)
        .collect();
    let Some((_, key)) = keys.iter().find(|(id, _)| *id == cp.key_id) else {
        return Ok(Some(format!("unknown checkpoint key {}", cp.key_id)));
    };
    if !checkpoint::signature_valid(&key.verifying_key(), cp) {
        return Ok(Some("the signature does not verify".into()));
    }
    let tenant = TenantId::from_text(&cp.head.tenant_id);
    let seq = cp.head.seq;
    if seq == 0 {
        return Ok((cp.head.hash != GENESIS).then(|| "seq 0 must carry the genesis hash".into()));
    }
    let at = db::audit::chain_page(conn, &tenant, seq - 1, 1)?;
    Ok(match at.first() {
        Some(e) if e.seq == seq && e.hash == cp.head.hash => None,
        Some(e) if e.seq == seq => Some(format!("event {seq} is not the one signed")),
        _ => Some(format!("the chain no longer has event {seq}")),
    })
}
