//! Signing keys for local actors.

use crate::{ServiceError, ServiceResult};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

pub struct Keypair {
    pub public_pem: String,
    pub private_pem: String,
}

/// A fresh 2048-bit RSA keypair, the size every fediverse server accepts.
pub fn generate() -> ServiceResult<Keypair> {
    let mut rng = rand::thread_rng();
    let private = rsa::RsaPrivateKey::new(&mut rng, 2048)
        .map_err(|e| ServiceError::Internal(format!("key generation: {e}")))?;
    let private_pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .to_string();
    let public_pem = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok(Keypair {
        public_pem,
        private_pem,
    })
}

/// Generates a keypair on the blocking pool (it takes a noticeable moment).
pub async fn generate_async() -> ServiceResult<Keypair> {
    tokio::task::spawn_blocking(generate)
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
}
