//! JWT tokens. HS256 only (the algorithm is pinned: `none`, RS/ES and anything else is refused),
//! a `kid` in every header, signing keys generated on first start and kept in the database so that
//! restarts and several instances on one PostgreSQL issue and accept the same tokens.

use std::collections::HashMap;

use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::cursor::CursorKey;
use crate::db::{self, DbConn};

/// Dynamic tokens expire; static tokens do not but are revocable (one per key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Dynamic,
    Static,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// API key id.
    pub sub: String,
    /// Tenant id (informational: authorisation always re-reads the key's tenant from the database).
    pub tid: String,
    pub typ: TokenKind,
    /// Token id: for static tokens it must equal the key's current `static_token_id`.
    pub jti: String,
    pub iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
}

/// The signing keys known to this process, by `kid`; the newest signs.
pub struct KeyRing {
    active_kid: String,
    keys: HashMap<String, Vec<u8>>,
    cursor_key: CursorKey,
}

impl KeyRing {
    /// Loads the signing keys, creating the first one if the database has none. Runs in a write
    /// transaction so two instances starting together on one database create only one key.
    pub fn load_or_create(conn: &mut DbConn) -> Result<KeyRing, diesel::result::Error> {
        let rows = db::write_tx(conn, |c| {
            db::signing_keys::lock_for_creation(c)?;
            let mut rows = db::signing_keys::all(c)?;
            if rows.is_empty() {
                let mut secret = vec![0u8; 32];
                OsRng.fill_bytes(&mut secret);
                let row = db::signing_keys::insert(c, &uuid::Uuid::new_v4().to_string(), &secret)?;
                rows.push(row);
            }
            Ok::<_, diesel::result::Error>(rows)
        })?;
        let active_kid = rows
            .last()
            .map(|r| r.kid.clone())
            .expect("at least one key");
        // The first key is never replaced (rotation adds keys), so every instance and every
        // restart derives the same cursor key.
        let cursor_key = CursorKey::derive(&rows[0].secret);
        let keys = rows.into_iter().map(|r| (r.kid, r.secret)).collect();
        Ok(KeyRing {
            active_kid,
            keys,
            cursor_key,
        })
    }

    /// The key that seals list ids and cursors (`auth::cursor`).
    pub fn cursor_key(&self) -> &CursorKey {
        &self.cursor_key
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.active_kid.clone());
        let key = EncodingKey::from_secret(&self.keys[&self.active_kid]);
        encode(&header, claims, &key).expect("HS256 signing of plain claims cannot fail")
    }

    /// Checks algorithm, `kid`, signature and expiry. Revocation is checked by the caller against
    /// the database, since it must take effect immediately.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let header = decode_header(token).ok()?;
        if header.alg != Algorithm::HS256 {
            return None;
        }
        let secret = self.keys.get(header.kid.as_deref()?)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.required_spec_claims.clear();
        validation.validate_exp = true;
        let claims = decode::<Claims>(token, &DecodingKey::from_secret(secret), &validation)
            .ok()?
            .claims;
        match (claims.typ, claims.exp) {
            // A dynamic token without expiry was not issued by us.
            (TokenKind::Dynamic, None) => None,
            _ => Some(claims),
        }
    }
}
