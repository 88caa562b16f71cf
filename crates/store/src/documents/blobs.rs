//! The content-addressed blobs: one row per SHA-256, and the integrity checks' marks.

use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use serde::Serialize;

/// One stored content.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct BlobRecord {
    pub sha256: String,
    pub size_bytes: i64,
    pub content_type: String,
    pub stored_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
    pub corrupt_at: Option<DateTime<Utc>>,
}

/// Upserts the blob row; on PostgreSQL the update takes the row lock, so a destruction
/// deciding about the same content waits for this transaction (and then sees its row).
pub(super) async fn upsert_blob(
    tx: &mut Tx,
    sha256: &str,
    size: i64,
    content_type: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO document_blobs (sha256, size_bytes, content_type, stored_at) \
        VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO UPDATE SET size_bytes = excluded.size_bytes";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(sha256)
        .bind(size)
        .bind(content_type)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

impl Store {
    pub async fn blob(&self, sha256: &str) -> Result<Option<BlobRecord>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "SELECT sha256, size_bytes, content_type, stored_at, verified_at, corrupt_at \
             FROM document_blobs WHERE sha256 = $1"
        )
        .bind(sha256)
        .fetch_optional(pool)
        .await?))
    }

    /// Every stored content, by hash.
    pub async fn blobs(&self) -> Result<Vec<BlobRecord>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "SELECT sha256, size_bytes, content_type, stored_at, verified_at, corrupt_at \
             FROM document_blobs ORDER BY sha256"
        )
        .fetch_all(pool)
        .await?))
    }

    /// Records the outcome of re-hashing blobs: `true` = the bytes match their address.
    /// One audit event for the run.
    pub async fn record_blob_checks(
        &self,
        checks: &[(String, bool)],
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for (sha256, ok) in checks {
            let sql = if *ok {
                "UPDATE document_blobs SET verified_at = $2, corrupt_at = NULL WHERE sha256 = $1"
            } else {
                "UPDATE document_blobs SET corrupt_at = $2 WHERE sha256 = $1"
            };
            on_tx!(&mut tx, |conn| sqlx::query(sql)
                .bind(sha256)
                .bind(at)
                .execute(&mut *conn)
                .await?
                .rows_affected());
        }
        append(&mut tx, audit).await?;
        tx.commit().await
    }
}
