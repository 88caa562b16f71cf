//! Agency signing keys (the private half sealed under the master key) and the
//! signatures over stored documents.

use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use motcua_domain::document::DocumentKind;
use serde::Serialize;
use uuid::Uuid;

/// An agency's Ed25519 key: the public half, and the private half sealed under the master key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SigningKeyRecord {
    pub agency_code: String,
    /// Base64 of the 32-byte public key.
    pub public_key: String,
    /// Base64 of nonce ‖ ciphertext.
    pub sealed_private_key: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewSignature {
    pub document_id: Uuid,
    pub sha256: String,
    pub kind: DocumentKind,
    pub dossier_code: String,
    pub agency_code: String,
    pub signed_at: DateTime<Utc>,
    /// The canonical statement, exactly as signed.
    pub statement: String,
    /// Base64 of the 64-byte signature.
    pub signature: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SignatureRecord {
    pub id: Uuid,
    pub sha256: String,
    pub kind: String,
    pub dossier_code: String,
    pub document_id: Uuid,
    pub agency_code: String,
    pub signed_at: DateTime<Utc>,
    pub statement: String,
    pub signature: String,
}

const SIGNATURE_COLUMNS: &str =
    "id, sha256, kind, dossier_code, document_id, agency_code, signed_at, statement, signature";

pub(crate) async fn insert_signature(tx: &mut Tx, s: &NewSignature) -> Result<bool, StoreError> {
    let sql = "INSERT INTO document_signatures (id, sha256, kind, dossier_code, document_id, \
        agency_code, signed_at, statement, signature) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
        ON CONFLICT (document_id) DO NOTHING";
    let n = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(Uuid::now_v7())
        .bind(&s.sha256)
        .bind(s.kind.as_str())
        .bind(&s.dossier_code)
        .bind(s.document_id)
        .bind(&s.agency_code)
        .bind(s.signed_at)
        .bind(&s.statement)
        .bind(&s.signature)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(n == 1)
}

impl Store {
    pub async fn signing_key(&self, agency: &str) -> Result<Option<SigningKeyRecord>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "SELECT agency_code, public_key, sealed_private_key, created_at \
             FROM signing_keys WHERE agency_code = $1"
        )
        .bind(agency)
        .fetch_optional(pool)
        .await?))
    }

    /// Any one stored key (to check the master key at start).
    pub async fn any_signing_key(&self) -> Result<Option<SigningKeyRecord>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "SELECT agency_code, public_key, sealed_private_key, created_at \
             FROM signing_keys ORDER BY agency_code LIMIT 1"
        )
        .fetch_optional(pool)
        .await?))
    }

    /// Stores a new key for an agency unless one exists (another node may have made one
    /// first); returns the key in force either way.
    pub async fn insert_signing_key(
        &self,
        key: &SigningKeyRecord,
        audit: AuditEntry,
    ) -> Result<SigningKeyRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let exists: Option<i32> = on_tx!(&mut tx, |conn| sqlx::query_scalar(
            "SELECT 1 FROM agencies WHERE code = $1"
        )
        .bind(&key.agency_code)
        .fetch_optional(&mut *conn)
        .await?);
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("cơ quan {}", key.agency_code)));
        }
        let n = on_tx!(&mut tx, |conn| {
            sqlx::query(
            "INSERT INTO signing_keys (agency_code, public_key, sealed_private_key, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (agency_code) DO NOTHING"
        )
        .bind(&key.agency_code)
        .bind(&key.public_key)
        .bind(&key.sealed_private_key)
        .bind(key.created_at)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        });
        if n == 1 {
            append(&mut tx, audit).await?;
        }
        let stored: SigningKeyRecord = on_tx!(&mut tx, |conn| sqlx::query_as(
            "SELECT agency_code, public_key, sealed_private_key, created_at \
             FROM signing_keys WHERE agency_code = $1"
        )
        .bind(&key.agency_code)
        .fetch_one(&mut *conn)
        .await?);
        tx.commit().await?;
        Ok(stored)
    }

    // -------------------------------------------------------------------- signatures

    /// Every signature over this content.
    pub async fn signatures_for_hash(
        &self,
        sha256: &str,
    ) -> Result<Vec<SignatureRecord>, StoreError> {
        let sql = format!(
            "SELECT {SIGNATURE_COLUMNS} FROM document_signatures WHERE sha256 = $1 \
             ORDER BY signed_at, id"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .bind(sha256)
        .fetch_all(pool)
        .await?))
    }

    pub async fn signatures_for_dossier(
        &self,
        dossier_code: &str,
    ) -> Result<Vec<SignatureRecord>, StoreError> {
        let sql = format!(
            "SELECT {SIGNATURE_COLUMNS} FROM document_signatures WHERE dossier_code = $1 \
             ORDER BY signed_at, id"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .bind(dossier_code)
        .fetch_all(pool)
        .await?))
    }
}
