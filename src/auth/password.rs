//! API secrets: generated from the OS CSPRNG, stored only as argon2id PHC strings.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::distributions::Alphanumeric;
use rand::rngs::OsRng;
use rand::Rng;

/// Argon2id, v19, m = 19 MiB, t = 2, p = 1: the OWASP recommendation (and argon2's default).
fn hasher() -> Argon2<'static> {
    Argon2::default()
}

pub fn hash_secret(secret: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(secret.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail")
        .to_string()
}

/// Verifies a secret against a stored PHC string; a malformed hash verifies nothing.
pub fn verify_secret(secret: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => hasher().verify_password(secret.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random secret, verified against when the API key is unknown, so that an unknown
/// key costs the same argon2 work as a wrong secret (no timing oracle for key existence).
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_secret(&random_token(32)))
}

/// A random alphanumeric string from the OS CSPRNG (62^n possibilities).
pub fn random_token(len: usize) -> String {
    OsRng
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}
