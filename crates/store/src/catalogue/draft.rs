//! Drafts: a new procedure and its first draft, and saving a draft.

use super::{
    VersionRecord, bump_revision, check_references, corrupt, insert_procedure_row, insert_version,
    latest_version, levels_text, procedure_exists,
};
use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::procedure::{Procedure, VersionState};
use motcua_domain::text::fold;
use uuid::Uuid;

pub(super) async fn update_draft(
    tx: &mut Tx,
    id: Uuid,
    p: &Procedure,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let body = serde_json::to_string(p).map_err(corrupt)?;
    let sql = "UPDATE procedure_versions SET name = $2, name_folded = $3, sector_code = $4, \
        levels = $5, online_level = $6, agency_code = $7, agency_kind = $8, valid_from = $9, \
        valid_to = $10, body = $11, created_by = $12, created_at = $13 WHERE id = $1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(id)
        .bind(&p.name)
        .bind(fold(&p.name))
        .bind(&p.sector)
        .bind(levels_text(&p.levels))
        .bind(p.online_level.as_str())
        .bind(p.agency_code.as_ref().map(AgencyCode::as_str))
        .bind(p.agency_kind.map(AgencyKind::as_str))
        .bind(p.valid_from)
        .bind(p.valid_to)
        .bind(body)
        .bind(by)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// Creates the draft, or rewrites the open one. Returns (version id, version number, created).
pub(super) async fn write_draft(
    tx: &mut Tx,
    p: &Procedure,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(Uuid, i64), StoreError> {
    check_references(tx, p).await?;
    match latest_version(tx, p.code.as_str()).await? {
        Some((id, no, VersionState::Draft)) => {
            update_draft(tx, id, p, by, at).await?;
            Ok((id, no))
        }
        Some((_, no, _)) => Ok((insert_version(tx, p, no + 1, by, at).await?, no + 1)),
        None => Ok((insert_version(tx, p, 1, by, at).await?, 1)),
    }
}

impl Store {
    /// Creates a new procedure as a first draft. Its code must be new.
    pub async fn create_procedure(
        &self,
        p: &Procedure,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<VersionRecord, StoreError> {
        let code = p.code.as_str();
        let mut tx = self.begin_write().await?;
        if procedure_exists(&mut tx, code).await? {
            return Err(StoreError::Conflict {
                code: "duplicate_procedure_code",
                detail: format!("Đã có thủ tục mã {code}."),
            });
        }
        insert_procedure_row(&mut tx, code, at).await?;
        let by = audit.actor.clone();
        write_draft(&mut tx, p, &by, at).await?;
        bump_revision(&mut tx).await?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        self.draft(code)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("thủ tục {code}")))
    }

    /// Writes the draft of an existing procedure: a new version after the published
    /// one, or the open draft rewritten.
    pub async fn save_draft(
        &self,
        p: &Procedure,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<VersionRecord, StoreError> {
        let code = p.code.as_str();
        let mut tx = self.begin_write().await?;
        if !procedure_exists(&mut tx, code).await? {
            return Err(StoreError::NotFound(format!("thủ tục {code}")));
        }
        let by = audit.actor.clone();
        write_draft(&mut tx, p, &by, at).await?;
        bump_revision(&mut tx).await?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        self.draft(code)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("thủ tục {code}")))
    }
}
