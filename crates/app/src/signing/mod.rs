//! Agency signatures: one Ed25519 key per agency, made on first use, its private half
//! sealed at rest (ChaCha20-Poly1305, the agency code as associated data) under a master
//! key from the configuration. Receipts (form 01) and results are signed as a canonical
//! statement; anyone can check a file or a hash against the agency's public key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use motcua_domain::audit::AuditEntry;
use motcua_domain::document::Statement;
use motcua_store::{NewSignature, SignatureRecord, SigningKeyRecord, Store, StoreError};
use rand::RngCore;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

mod settle;
pub use settle::{SettleError, settle, settle_logged};

/// Problems with keys, with a clear message for the operator.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the master key must be 32 bytes in standard base64 (e.g. `openssl rand -base64 32`)")]
    BadMasterKey,
    #[error(
        "the master key does not open the signing key of agency {0}: it is not the master key \
         the signing keys were sealed with (check --master-key-file / MOTCUA_MASTER_KEY)"
    )]
    WrongMasterKey(String),
    #[error("cannot read or write the master key file {0}: {1}")]
    File(String, std::io::Error),
    #[error("stored signing key of agency {0} is damaged")]
    Damaged(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// The key that seals the agencies' private keys. Never logged.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

impl MasterKey {
    pub fn from_base64(text: &str) -> Result<MasterKey, KeyError> {
        let bytes = B64
            .decode(text.trim())
            .map_err(|_| KeyError::BadMasterKey)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::BadMasterKey)?;
        Ok(MasterKey(bytes))
    }

    pub fn generate() -> MasterKey {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        MasterKey(bytes)
    }

    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    pub fn read_file(path: &Path) -> Result<MasterKey, KeyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| KeyError::File(path.display().to_string(), e))?;
        MasterKey::from_base64(&text)
    }

    /// Reads the key file, or makes one (readable by its owner only) when there is none.
    /// Returns whether it was made.
    pub fn load_or_create(path: &Path) -> Result<(MasterKey, bool), KeyError> {
        if path.exists() {
            return Ok((MasterKey::read_file(path)?, false));
        }
        let key = MasterKey::generate();
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path)?;
            file.write_all(format!("{}\n", key.to_base64()).as_bytes())?;
            file.sync_all()
        };
        match write() {
            Ok(()) => Ok((key, true)),
            // Another process made it first.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Ok((MasterKey::read_file(path)?, false))
            }
            Err(e) => Err(KeyError::File(path.display().to_string(), e)),
        }
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&self.0))
    }

    /// nonce ‖ ciphertext, in base64; the agency code is authenticated with it.
    fn seal(&self, agency: &str, secret: &[u8; 32]) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret,
                    aad: agency.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(sealed);
        B64.encode(out)
    }

    fn open(&self, agency: &str, sealed: &str) -> Result<[u8; 32], KeyError> {
        let bytes = B64
            .decode(sealed)
            .map_err(|_| KeyError::Damaged(agency.into()))?;
        if bytes.len() < 12 {
            return Err(KeyError::Damaged(agency.into()));
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let plain = self
            .cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: agency.as_bytes(),
                },
            )
            .map_err(|_| KeyError::WrongMasterKey(agency.into()))?;
        plain
            .try_into()
            .map_err(|_| KeyError::Damaged(agency.into()))
    }
}

/// Where the master key comes from.
enum MasterSource {
    Key(MasterKey),
    /// A key file, read (or made, readable by its owner only) the first time it is needed.
    File(std::path::PathBuf),
}

/// Signs for agencies, keeping opened keys in memory.
pub struct Signer {
    source: MasterSource,
    master: std::sync::OnceLock<MasterKey>,
    keys: Mutex<HashMap<String, SigningKey>>,
}

impl Signer {
    pub fn new(master: MasterKey) -> Signer {
        Signer {
            source: MasterSource::Key(master),
            master: std::sync::OnceLock::new(),
            keys: Mutex::default(),
        }
    }

    /// The lookup secret of a dossier: derived from the master key and the code, so it is
    /// never stored and every receipt reprint shows the same one (a new master key changes
    /// them all).
    pub fn lookup_secret(&self, code: &str) -> Result<String, KeyError> {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.master()?.0)
            .expect("HMAC takes a key of any length");
        mac.update(b"motcua lookup secret v1\0");
        mac.update(code.as_bytes());
        Ok(motcua_domain::dossier::lookup_secret::from_digest(
            &mac.finalize().into_bytes(),
        ))
    }

    /// A MAC under the master key for one purpose (`purpose` keeps MACs for one use from
    /// passing for another): for tokens that need no table, and end with a new key.
    pub fn purpose_mac(&self, purpose: &str, message: &[u8]) -> Result<[u8; 32], KeyError> {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.master()?.0)
            .expect("HMAC takes a key of any length");
        mac.update(b"motcua ");
        mac.update(purpose.as_bytes());
        mac.update(b" v1\0");
        mac.update(message);
        Ok(mac.finalize().into_bytes().into())
    }

    /// The key that signs the audit chain's checkpoints: derived from the master key, so it
    /// is never stored, least of all in the database whose chain it vouches for.
    pub fn checkpoint_key(&self) -> Result<SigningKey, KeyError> {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.master()?.0)
            .expect("HMAC takes a key of any length");
        mac.update(b"motcua audit checkpoint key v1\0");
        Ok(SigningKey::from_bytes(&mac.finalize().into_bytes().into()))
    }

    /// A signer whose master key is in `path`; the file is made on first use if missing.
    pub fn from_file(path: &Path) -> Signer {
        Signer {
            source: MasterSource::File(path.to_path_buf()),
            master: std::sync::OnceLock::new(),
            keys: Mutex::default(),
        }
    }

    fn master(&self) -> Result<&MasterKey, KeyError> {
        if let Some(key) = self.master.get() {
            return Ok(key);
        }
        let key = match &self.source {
            MasterSource::Key(key) => key.clone(),
            MasterSource::File(path) => {
                let (key, made) = MasterKey::load_or_create(path)?;
                if made {
                    tracing::warn!(
                        path = %path.display(),
                        "made a master key for the agencies' signing keys; keep a copy apart \
                         from the database, or give one with --master-key-file"
                    );
                }
                key
            }
        };
        Ok(self.master.get_or_init(|| key))
    }

    /// Fails with [`KeyError::WrongMasterKey`] if stored keys were sealed under another
    /// master key (checked at start, so the server never runs unable to sign).
    pub async fn check(&self, store: &Store) -> Result<(), KeyError> {
        if let Some(key) = store.any_signing_key().await? {
            self.master()?
                .open(&key.agency_code, &key.sealed_private_key)?;
        }
        Ok(())
    }

    /// The agency's key, made and stored on first use.
    pub async fn key_for(&self, store: &Store, agency: &str) -> Result<SigningKey, KeyError> {
        if let Some(key) = self.keys.lock().ok().and_then(|k| k.get(agency).cloned()) {
            return Ok(key);
        }
        let record = match store.signing_key(agency).await? {
            Some(r) => r,
            None => {
                let mut secret = [0u8; 32];
                rand::rng().fill_bytes(&mut secret);
                let key = SigningKey::from_bytes(&secret);
                let now = crate::now();
                let public_key = B64.encode(key.verifying_key().to_bytes());
                let record = SigningKeyRecord {
                    agency_code: agency.to_owned(),
                    public_key: public_key.clone(),
                    sealed_private_key: self.master()?.seal(agency, &secret),
                    created_at: now,
                };
                let audit = AuditEntry::system(
                    now,
                    "signing_key.created",
                    format!("agency:{agency}"),
                    serde_json::json!({ "algorithm": "Ed25519", "public_key": public_key }),
                );
                store.insert_signing_key(&record, audit).await?
            }
        };
        let secret = self.master()?.open(agency, &record.sealed_private_key)?;
        let key = SigningKey::from_bytes(&secret);
        if B64.encode(key.verifying_key().to_bytes()) != record.public_key {
            return Err(KeyError::Damaged(agency.into()));
        }
        if let Ok(mut keys) = self.keys.lock() {
            keys.insert(agency.to_owned(), key.clone());
        }
        Ok(key)
    }

    /// Signs a statement for its agency.
    pub async fn sign(
        &self,
        store: &Store,
        statement: &Statement,
        document_id: uuid::Uuid,
    ) -> Result<NewSignature, KeyError> {
        let key = self.key_for(store, &statement.agency_code).await?;
        let text = statement.canonical();
        let signature = key.sign(text.as_bytes());
        Ok(NewSignature {
            document_id,
            sha256: statement.sha256.clone(),
            kind: statement.kind,
            dossier_code: statement.dossier_code.clone(),
            agency_code: statement.agency_code.clone(),
            signed_at: statement.signed_at,
            statement: text,
            signature: B64.encode(signature.to_bytes()),
        })
    }
}

/// Why a signature does not hold, with a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureProblem {
    /// The signature does not verify against the agency's public key (tampered).
    Invalid,
    /// The stored statement is not canonical or does not match the record.
    StatementMismatch,
    /// The agency has no signing key.
    UnknownKey,
}

impl SignatureProblem {
    pub fn code(self) -> &'static str {
        match self {
            SignatureProblem::Invalid => "signature_invalid",
            SignatureProblem::StatementMismatch => "statement_mismatch",
            SignatureProblem::UnknownKey => "unknown_signing_key",
        }
    }

    pub fn detail_vi(self) -> &'static str {
        match self {
            SignatureProblem::Invalid => {
                "Chữ ký KHÔNG hợp lệ với khóa công khai của cơ quan: tài liệu hoặc chữ ký đã bị thay đổi."
            }
            SignatureProblem::StatementMismatch => {
                "Nội dung được ký không khớp với hồ sơ lưu trữ: dữ liệu đã bị thay đổi."
            }
            SignatureProblem::UnknownKey => "Cơ quan ký không có khóa công khai để kiểm tra.",
        }
    }
}

/// Verifies a stored signature: canonical statement, matching the record, signed by the
/// agency's key.
pub fn verify_record(
    record: &SignatureRecord,
    public_key: Option<&str>,
) -> Result<Statement, SignatureProblem> {
    let statement =
        Statement::parse(&record.statement).map_err(|_| SignatureProblem::StatementMismatch)?;
    if statement.sha256 != record.sha256
        || statement.dossier_code != record.dossier_code
        || statement.agency_code != record.agency_code
        || statement.kind.as_str() != record.kind
        || statement.signed_at != record.signed_at
    {
        return Err(SignatureProblem::StatementMismatch);
    }
    let public_key = public_key.ok_or(SignatureProblem::UnknownKey)?;
    let key_bytes: [u8; 32] = B64
        .decode(public_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(SignatureProblem::UnknownKey)?;
    let key = VerifyingKey::from_bytes(&key_bytes).map_err(|_| SignatureProblem::UnknownKey)?;
    let signature: [u8; 64] = B64
        .decode(&record.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(SignatureProblem::Invalid)?;
    key.verify_strict(
        record.statement.as_bytes(),
        &Signature::from_bytes(&signature),
    )
    .map_err(|_| SignatureProblem::Invalid)?;
    Ok(statement)
}

/// One signature over some content, checked.
#[derive(Debug, Clone)]
pub struct SignatureCheck {
    pub record: SignatureRecord,
    pub agency_name: Option<String>,
    pub public_key: Option<String>,
    pub problem: Option<SignatureProblem>,
}

impl SignatureCheck {
    pub fn valid(&self) -> bool {
        self.problem.is_none()
    }
}

/// Every signature over `sha256`, each verified.
pub async fn check_hash(store: &Store, sha256: &str) -> Result<Vec<SignatureCheck>, StoreError> {
    let mut out = Vec::new();
    for record in store.signatures_for_hash(sha256).await? {
        let key = store.signing_key(&record.agency_code).await?;
        let public_key = key.map(|k| k.public_key);
        let problem = verify_record(&record, public_key.as_deref()).err();
        let agency_name = store.agency(&record.agency_code).await?.map(|a| a.name);
        out.push(SignatureCheck {
            record,
            agency_name,
            public_key,
            problem,
        });
    }
    Ok(out)
}

/// A short name for an agency's public key (standard base64): `ed25519:` and the first 16
/// hex digits of the SHA-256 of its 32 bytes. Printed on results, shown by the API, so a
/// reader can tell which key signed without copying the whole key.
pub fn key_id(public_key: &str) -> Option<String> {
    use sha2::{Digest, Sha256};
    let bytes = B64.decode(public_key).ok()?;
    Some(format!(
        "ed25519:{}",
        &hex::encode(Sha256::digest(&bytes))[..16]
    ))
}

/// A signature's time as shown.
pub fn signed_at_vn(at: DateTime<Utc>) -> String {
    at.with_timezone(&motcua_domain::calendar::VN_OFFSET)
        .format("%d/%m/%Y %H:%M:%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_domain::document::DocumentKind;

    #[test]
    fn key_ids_name_the_public_key() {
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let public = B64.encode(key.verifying_key().to_bytes());
        let id = key_id(&public).unwrap();
        assert!(id.starts_with("ed25519:") && id.len() == 8 + 16, "{id}");
        assert_eq!(key_id(&public), Some(id.clone()));
        let other = B64.encode(
            SigningKey::from_bytes(&[8u8; 32])
                .verifying_key()
                .to_bytes(),
        );
        assert_ne!(key_id(&other), Some(id));
        assert_eq!(key_id("not base64!"), None);
    }

    #[test]
    fn sealed_keys_open_only_with_their_master_key_and_agency() {
        let master = MasterKey::generate();
        let secret = [7u8; 32];
        let sealed = master.seal("000.00.01.H37", &secret);
        assert_eq!(master.open("000.00.01.H37", &sealed).unwrap(), secret);
        assert!(matches!(
            master.open("000.00.02.H37", &sealed),
            Err(KeyError::WrongMasterKey(_))
        ));
        assert!(matches!(
            MasterKey::generate().open("000.00.01.H37", &sealed),
            Err(KeyError::WrongMasterKey(_))
        ));
        assert!(MasterKey::from_base64("c2hvcnQ=").is_err());
        let again = MasterKey::from_base64(&master.to_base64()).unwrap();
        assert_eq!(again.open("000.00.01.H37", &sealed).unwrap(), secret);
    }

    #[test]
    fn master_key_files_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let (key, made) = MasterKey::load_or_create(&path).unwrap();
        assert!(made);
        let (again, made) = MasterKey::load_or_create(&path).unwrap();
        assert!(!made);
        assert_eq!(key.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn tampered_signatures_and_statements_fail() {
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let public = B64.encode(key.verifying_key().to_bytes());
        let statement = Statement {
            agency_code: "000.00.01.H37".into(),
            dossier_code: "000.00.01.H37-260302-0001".into(),
            kind: DocumentKind::Result,
            sha256: "ab".repeat(32),
            signed_at: crate::now(),
        };
        let text = statement.canonical();
        let record = SignatureRecord {
            id: uuid::Uuid::now_v7(),
            sha256: statement.sha256.clone(),
            kind: "result".into(),
            dossier_code: statement.dossier_code.clone(),
            document_id: uuid::Uuid::now_v7(),
            agency_code: statement.agency_code.clone(),
            signed_at: statement.signed_at,
            signature: B64.encode(key.sign(text.as_bytes()).to_bytes()),
            statement: text,
        };
        assert_eq!(verify_record(&record, Some(&public)).unwrap(), statement);
        let mut bad = record.clone();
        let mut sig = B64.decode(&bad.signature).unwrap();
        sig[5] ^= 1;
        bad.signature = B64.encode(sig);
        assert_eq!(
            verify_record(&bad, Some(&public)),
            Err(SignatureProblem::Invalid)
        );
        let mut other = record.clone();
        other.dossier_code = "000.00.01.H37-260302-0002".into();
        assert_eq!(
            verify_record(&other, Some(&public)),
            Err(SignatureProblem::StatementMismatch)
        );
        let stranger = B64.encode(
            SigningKey::from_bytes(&[1u8; 32])
                .verifying_key()
                .to_bytes(),
        );
        assert_eq!(
            verify_record(&record, Some(&stranger)),
            Err(SignatureProblem::Invalid)
        );
        assert_eq!(
            verify_record(&record, None),
            Err(SignatureProblem::UnknownKey)
        );
    }
}
