//! How orders to the payment platform and its notifications are signed: a shared secret
//! (HMAC-SHA256, hexadecimal) or RSA key pairs (PKCS #1 v1.5 with SHA-256, base64), as each
//! platform's integration guide says. Both cover `motcua_domain::payment::canonical`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use motcua_domain::payment::{self, canonical};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;
use std::collections::BTreeMap;

/// The keys of one platform connection.
#[derive(Clone)]
pub enum PlatformKeys {
    /// One secret both sides hold.
    Hmac { secret: String },
    /// Orders signed with our private key; notifications checked with the platform's public key.
    Rsa {
        ours: Box<SigningKey<Sha256>>,
        theirs: Box<VerifyingKey<Sha256>>,
    },
}

impl std::fmt::Debug for PlatformKeys {
    // Never the secret or the private key, even in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlatformKeys::Hmac { .. } => f.write_str("PlatformKeys::Hmac"),
            PlatformKeys::Rsa { .. } => f.write_str("PlatformKeys::Rsa"),
        }
    }
}

/// Why keys cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("the shared secret must have at least 16 characters")]
    ShortSecret,
    #[error("not a PEM private key (PKCS #8): {0}")]
    PrivateKey(String),
    #[error("not a PEM public key (SubjectPublicKeyInfo): {0}")]
    PublicKey(String),
    #[error("RSA keys must have at least 2048 bits")]
    WeakKey,
}

impl PlatformKeys {
    pub fn hmac(secret: &str) -> Result<PlatformKeys, KeysError> {
        if secret.len() < 16 {
            return Err(KeysError::ShortSecret);
        }
        Ok(PlatformKeys::Hmac {
            secret: secret.to_owned(),
        })
    }

    /// Our private key and the platform's public key, both PEM.
    pub fn rsa(private_pem: &str, platform_public_pem: &str) -> Result<PlatformKeys, KeysError> {
        let ours = RsaPrivateKey::from_pkcs8_pem(private_pem)
            .map_err(|e| KeysError::PrivateKey(e.to_string()))?;
        let theirs = RsaPublicKey::from_public_key_pem(platform_public_pem)
            .map_err(|e| KeysError::PublicKey(e.to_string()))?;
        use rsa::traits::PublicKeyParts;
        if ours.size() < 256 || theirs.size() < 256 {
            return Err(KeysError::WeakKey);
        }
        Ok(PlatformKeys::Rsa {
            ours: Box::new(SigningKey::new(ours)),
            theirs: Box::new(VerifyingKey::new(theirs)),
        })
    }

    /// The signature of `fields` (the signature field left out).
    pub fn sign(&self, fields: &BTreeMap<String, String>) -> String {
        match self {
            PlatformKeys::Hmac { secret } => payment::sign(fields, secret.as_bytes()),
            PlatformKeys::Rsa { ours, .. } => {
                let signature: Signature = ours.sign(canonical(fields).as_bytes());
                B64.encode(signature.to_bytes())
            }
        }
    }

    /// Whether `signature` is the platform's over `fields`.
    pub fn verify(&self, fields: &BTreeMap<String, String>, signature: &str) -> bool {
        match self {
            PlatformKeys::Hmac { secret } => payment::verify(fields, signature, secret.as_bytes()),
            PlatformKeys::Rsa { theirs, .. } => {
                let Ok(bytes) = B64.decode(signature.trim()) else {
                    return false;
                };
                let Ok(signature) = Signature::try_from(bytes.as_slice()) else {
                    return false;
                };
                theirs
                    .verify(canonical(fields).as_bytes(), &signature)
                    .is_ok()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

    #[test]
    fn what_one_side_signs_the_other_checks() {
        let mut rng = rsa::rand_core::OsRng;
        let ours = RsaPrivateKey::new(&mut rng, 2048).unwrap();
        let theirs = RsaPrivateKey::new(&mut rng, 2048).unwrap();
        let pem = |k: &RsaPrivateKey| k.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
        let public =
            |k: &RsaPrivateKey| k.to_public_key().to_public_key_pem(LineEnding::LF).unwrap();
        let us = PlatformKeys::rsa(&pem(&ours), &public(&theirs)).unwrap();
        let them = PlatformKeys::rsa(&pem(&theirs), &public(&ours)).unwrap();
        let fields: BTreeMap<String, String> = [("amount".to_owned(), "40000".to_owned())]
            .into_iter()
            .collect();
        assert!(them.verify(&fields, &us.sign(&fields)), "they check ours");
        assert!(us.verify(&fields, &them.sign(&fields)), "we check theirs");
        assert!(!us.verify(&fields, &us.sign(&fields)), "not our own");
        let hmac = PlatformKeys::hmac("a secret of sixteen+").unwrap();
        assert!(!us.verify(&fields, &hmac.sign(&fields)));
        assert!(PlatformKeys::hmac("short").is_err());
    }
}
