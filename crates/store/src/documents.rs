//! Documents attached to a dossier. The bytes live in an object store by content address
//! (SHA-256); the row and its audit event commit together.

use crate::audit::append;
use crate::tx::on_tx;
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewDocument {
    pub dossier_code: String,
    pub sha256: String,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DocumentRecord {
    pub id: Uuid,
    pub dossier_code: String,
    pub sha256: String,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

impl Store {
    /// Records a document whose bytes are already stored, with its audit event.
    pub async fn add_document(
        &self,
        doc: &NewDocument,
        audit: AuditEntry,
    ) -> Result<DocumentRecord, StoreError> {
        let id = Uuid::now_v7();
        let mut tx = self.begin_write().await?;
        let exists: Option<i32> = on_tx!(&mut tx, |conn| sqlx::query_scalar(
            "SELECT 1 FROM dossiers WHERE code = $1"
        )
        .bind(&doc.dossier_code)
        .fetch_optional(&mut *conn)
        .await?);
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("hồ sơ {}", doc.dossier_code)));
        }
        let sql = "INSERT INTO dossier_documents (id, dossier_code, sha256, name, content_type, \
            size_bytes, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_tx!(&mut tx, |conn| sqlx::query(sql)
            .bind(id)
            .bind(&doc.dossier_code)
            .bind(&doc.sha256)
            .bind(&doc.name)
            .bind(&doc.content_type)
            .bind(doc.size_bytes)
            .bind(&audit.actor)
            .bind(doc.at)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        let by = audit.actor.clone();
        let entry = AuditEntry {
            action: "dossier.document_added".into(),
            subject: format!("dossier:{}", doc.dossier_code),
            detail: serde_json::json!({ "data": {
                "document": id, "sha256": doc.sha256, "name": doc.name,
                "content_type": doc.content_type, "size_bytes": doc.size_bytes,
            }})
            .to_string(),
            ..audit
        };
        append(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(DocumentRecord {
            id,
            dossier_code: doc.dossier_code.clone(),
            sha256: doc.sha256.clone(),
            name: doc.name.clone(),
            content_type: doc.content_type.clone(),
            size_bytes: doc.size_bytes,
            uploaded_by: by,
            uploaded_at: doc.at,
        })
    }

    pub async fn documents(&self, dossier_code: &str) -> Result<Vec<DocumentRecord>, StoreError> {
        let sql = "SELECT id, dossier_code, sha256, name, content_type, size_bytes, uploaded_by, \
            uploaded_at FROM dossier_documents WHERE dossier_code = $1 ORDER BY uploaded_at, id";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(dossier_code)
            .fetch_all(pool)
            .await?))
    }

    /// Whether any document row refers to this content.
    pub async fn document_hash_in_use(&self, sha256: &str) -> Result<bool, StoreError> {
        let n: i64 = on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM dossier_documents WHERE sha256 = $1"
        )
        .bind(sha256)
        .fetch_one(pool)
        .await?);
        Ok(n > 0)
    }
}
