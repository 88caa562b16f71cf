//! Drafts of electronic forms: what a signed-in citizen typed on a submission page, kept
//! until they submit, delete it, or it expires.

use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use std::collections::HashSet;
use uuid::Uuid;

/// A saved draft: the page's inputs (name → value, as JSON text) on a procedure version.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FormDraftRecord {
    pub owner_id: Uuid,
    pub procedure_code: String,
    pub version_id: Uuid,
    pub inputs: String,
    pub saved_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

macro_rules! draft_select {
    ($where:literal) => {
        concat!(
            "SELECT owner_id, procedure_code, version_id, inputs, saved_at, expires_at \
             FROM form_drafts ",
            $where
        )
    };
}

impl Store {
    /// Writes the owner's draft for its procedure (replacing an earlier one), with its audit
    /// event, in one transaction.
    pub async fn save_form_draft(
        &self,
        draft: &FormDraftRecord,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let sql = "INSERT INTO form_drafts (owner_id, procedure_code, version_id, inputs, saved_at, \
            expires_at) VALUES ($1, $2, $3, $4, $5, $6) \
            ON CONFLICT (owner_id, procedure_code) DO UPDATE SET version_id = $3, inputs = $4, \
            saved_at = $5, expires_at = $6";
        on_tx!(&mut tx, |conn| sqlx::query(sql)
            .bind(draft.owner_id)
            .bind(&draft.procedure_code)
            .bind(draft.version_id)
            .bind(&draft.inputs)
            .bind(draft.saved_at)
            .bind(draft.expires_at)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    /// The owner's draft for a procedure, unless it has expired by `now`.
    pub async fn form_draft(
        &self,
        owner_id: Uuid,
        procedure_code: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<FormDraftRecord>, StoreError> {
        let sql = draft_select!("WHERE owner_id = $1 AND procedure_code = $2 AND expires_at > $3");
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(owner_id)
            .bind(procedure_code)
            .bind(now)
            .fetch_optional(pool)
            .await?))
    }

    /// The owner's drafts that have not expired by `now`, the latest saved first.
    pub async fn form_drafts(
        &self,
        owner_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<FormDraftRecord>, StoreError> {
        let sql = draft_select!(
            "WHERE owner_id = $1 AND expires_at > $2 ORDER BY saved_at DESC, procedure_code"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(owner_id)
            .bind(now)
            .fetch_all(pool)
            .await?))
    }

    /// Deletes the owner's draft for a procedure with its audit event; false when there was
    /// none (and then nothing is written).
    pub async fn delete_form_draft(
        &self,
        owner_id: Uuid,
        procedure_code: &str,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = on_tx!(&mut tx, |conn| sqlx::query(
            "DELETE FROM form_drafts WHERE owner_id = $1 AND procedure_code = $2"
        )
        .bind(owner_id)
        .bind(procedure_code)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        if n == 0 {
            return Ok(false); // dropped unwritten
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes the drafts expired by `now`; how many went.
    pub async fn purge_expired_form_drafts(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = on_tx!(&mut tx, |conn| sqlx::query(
            "DELETE FROM form_drafts WHERE expires_at <= $1"
        )
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        tx.commit().await?;
        Ok(n)
    }
}

/// Deletes the drafts that dossiers created in this transaction use up, in one statement;
/// gives the (owner, procedure) pairs that had one.
pub(crate) async fn delete_used_in_tx(
    tx: &mut Tx,
    drafts: &[(Uuid, &str)],
) -> Result<HashSet<(Uuid, String)>, StoreError> {
    let mut deleted = HashSet::new();
    // 200 pairs keep a statement far below either backend's limit on parameters.
    for chunk in drafts.chunks(200) {
        let pairs: Vec<String> = (0..chunk.len())
            .map(|n| {
                format!(
                    "(owner_id = ${} AND procedure_code = ${})",
                    2 * n + 1,
                    2 * n + 2
                )
            })
            .collect();
        let sql = format!(
            "DELETE FROM form_drafts WHERE {} RETURNING owner_id, procedure_code",
            pairs.join(" OR ")
        );
        let rows: Vec<(Uuid, String)> = on_tx!(tx, |conn| {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for (owner, code) in chunk {
                query = query.bind(*owner).bind(*code);
            }
            query.fetch_all(&mut *conn).await?
        });
        deleted.extend(rows);
    }
    Ok(deleted)
}
