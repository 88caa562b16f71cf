//! Loading many procedures at once, each published under one decision (the import).

use super::draft::write_draft;
use super::publish::{insert_decision, publish_in_tx};
use super::{
    CatalogueLoad, Decision, LoadOutcome, bump_revision, insert_procedure_row, procedure_exists,
};
use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use std::collections::BTreeSet;

async fn load_in_tx(
    tx: &mut Tx,
    load: &CatalogueLoad,
    by: &str,
    at: DateTime<Utc>,
    template: &AuditEntry,
) -> Result<(Decision, LoadOutcome), StoreError> {
    let decision = insert_decision(tx, &load.decision, by, at).await?;
    let mut outcome = LoadOutcome::default();
    let mut seen = BTreeSet::new();
    for p in &load.procedures {
        let code = p.code.as_str();
        if !seen.insert(code) {
            return Err(StoreError::Conflict {
                code: "duplicate_procedure_code",
                detail: format!("Mã thủ tục {code} xuất hiện hai lần."),
            });
        }
        if procedure_exists(tx, code).await? {
            outcome.updated.push(code.to_owned());
        } else {
            insert_procedure_row(tx, code, at).await?;
            outcome.created.push(code.to_owned());
        }
        write_draft(tx, p, by, at).await?;
        publish_in_tx(tx, code, &decision, by, at, template).await?;
        let sql = "DELETE FROM procedure_set_members WHERE procedure_code = $1";
        on_tx!(tx, |conn| sqlx::query(sql)
            .bind(code)
            .execute(&mut *conn)
            .await?
            .rows_affected());
    }
    for (set, code) in &load.memberships {
        let n: i64 = on_tx!(tx, |conn| sqlx::query_scalar(
            "SELECT COUNT(*) FROM procedure_sets WHERE code = $1"
        )
        .bind(set)
        .fetch_one(&mut *conn)
        .await?);
        if n == 0 {
            return Err(StoreError::Invalid {
                code: "unknown_set",
                detail: format!("Không có bộ thủ tục {set:?}."),
            });
        }
        let sql = "INSERT INTO procedure_set_members (set_code, procedure_code) VALUES ($1, $2) \
            ON CONFLICT (set_code, procedure_code) DO NOTHING";
        on_tx!(tx, |conn| sqlx::query(sql)
            .bind(set)
            .bind(code)
            .execute(&mut *conn)
            .await?
            .rows_affected());
    }
    bump_revision(tx).await?;
    Ok((decision, outcome))
}

pub(crate) async fn load_catalogue_in_tx(
    tx: &mut Tx,
    load: &CatalogueLoad,
    at: DateTime<Utc>,
    template: &AuditEntry,
) -> Result<(), StoreError> {
    load_in_tx(tx, load, &template.actor, at, template).await?;
    Ok(())
}

impl Store {
    /// Loads many procedures at once, each published under one decision: the import.
    /// All or nothing.
    pub async fn load_catalogue(
        &self,
        load: &CatalogueLoad,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<(Decision, LoadOutcome), StoreError> {
        let by = audit.actor.clone();
        let mut tx = self.begin_write().await?;
        let result = load_in_tx(&mut tx, load, &by, at, &audit).await?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(result)
    }
}
