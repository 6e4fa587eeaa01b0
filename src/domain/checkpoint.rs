//! Signed audit checkpoints: the hub signs a chain head (tenant, seq, hash, time) with Ed25519, and
//! an auditor who keeps the result can later prove that the chain still extends it — which the
//! database alone cannot show once someone cut its tail and rewrote its head (docs/audit.md).
//!
//! The signed bytes, in UTF-8, lines separated by one `\n` and no newline at the end:
//!
//! ```text
//! serialhub audit checkpoint v1
//! <tenant_id>
//! <seq in decimal>
//! <hash: 64 lowercase hex characters>
//! <signed_at: RFC 3339 UTC, 6 fractional digits, Z>
//! ```
//!
//! The signature is Ed25519 (RFC 8032) over exactly those bytes, sent in standard base64 with
//! padding; a public key is its 32 raw bytes, in the same base64.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The first line of the signed bytes: names what is signed, so the key's signature over a
/// checkpoint can never be taken for a signature over anything else.
pub const CONTEXT: &str = "serialhub audit checkpoint v1";

/// What the hub signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub tenant_id: String,
    pub seq: i64,
    pub hash: String,
    pub signed_at: String,
}

impl Head {
    /// The exact bytes the signature covers.
    pub fn signed_bytes(&self) -> Vec<u8> {
        format!(
            "{CONTEXT}\n{}\n{}\n{}\n{}",
            self.tenant_id, self.seq, self.hash, self.signed_at
        )
        .into_bytes()
    }
}

/// A head with the hub's signature, as `GET /v1/audit/checkpoint` answers and auditors keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    #[serde(flatten)]
    pub head: Head,
    pub key_id: String,
    /// Base64 of the 64-byte Ed25519 signature.
    pub signature: String,
}

/// Signs `head` with `key`, named `key_id`.
pub fn sign(key: &SigningKey, key_id: &str, head: Head) -> Checkpoint {
    let signature = key.sign(&head.signed_bytes());
    Checkpoint {
        head,
        key_id: key_id.to_string(),
        signature: STANDARD.encode(signature.to_bytes()),
    }
}

/// Whether the checkpoint's signature is valid under `key`.
pub fn signature_valid(key: &VerifyingKey, checkpoint: &Checkpoint) -> bool {
    let Ok(bytes) = STANDARD.decode(&checkpoint.signature) else {
        return false;
    };
    let Ok(signature) = Signature::from_slice(&bytes) else {
        return false;
    };
    key.verify(&checkpoint.head.signed_bytes(), &signature)
        .is_ok()
}

/// A public key as `GET /v1/audit/keys` publishes it.
pub fn public_key_base64(key: &VerifyingKey) -> String {
    STANDARD.encode(key.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> Head {
        Head {
            tenant_id: "88c7219b-35b2-4094-8eda-038a9780361c".into(),
            seq: 2,
            hash: "69ac6cb309f21c2296166e6452f4339c47c67d7755dac0806f04e395a4399b75".into(),
            signed_at: "2026-12-01T12:00:00.000000Z".into(),
        }
    }

    #[test]
    fn the_signed_bytes_are_the_documented_lines() {
        assert_eq!(
            String::from_utf8(head().signed_bytes()).unwrap(),
            "serialhub audit checkpoint v1\n88c7219b-35b2-4094-8eda-038a9780361c\n2\n\
             69ac6cb309f21c2296166e6452f4339c47c67d7755dac0806f04e395a4399b75\n\
             2026-12-01T12:00:00.000000Z"
        );
    }

    #[test]
    fn rfc8032_test_vector_1_signs_the_empty_message() {
        // RFC 8032 §7.1, TEST 1: the library signs as the standard says.
        let seed: [u8; 32] =
            hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap()
                .try_into()
                .unwrap();
        let key = SigningKey::from_bytes(&seed);
        assert_eq!(
            hex::encode(key.verifying_key().as_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(
            hex::encode(key.sign(b"").to_bytes()),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }

    #[test]
    fn a_signature_holds_for_its_head_only() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let cp = sign(&key, "k1", head());
        assert!(signature_valid(&key.verifying_key(), &cp));
        let mut moved = cp.clone();
        moved.head.seq = 1;
        assert!(!signature_valid(&key.verifying_key(), &moved));
        let other = SigningKey::from_bytes(&[8u8; 32]);
        assert!(!signature_valid(&other.verifying_key(), &cp));
        let mut garbled = cp;
        garbled.signature = "not base64!".into();
        assert!(!signature_valid(&key.verifying_key(), &garbled));
    }
}
