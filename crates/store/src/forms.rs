//! What dossiers declared on their electronic forms, and the code lists the forms choose from.

use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::audit::AuditEntry;
use uuid::Uuid;

/// A form's data as submitted: checked by the caller against the form of `version_id`,
/// which must still be the published version when the dossier is written.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredForm {
    pub version_id: Uuid,
    /// The normalised data, as JSON text.
    pub data: String,
    /// The searchable fields' values, folded.
    pub search: String,
    /// The fields filled with what the applicant's account or earlier dossiers said
    /// (`{"field", "from"}`), recorded in the submission's audit event.
    pub reused: Vec<serde_json::Value>,
}

/// What an owner declared on one of their dossiers, and the applicant it named (JSON).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Declared {
    pub code: String,
    pub procedure_code: String,
    pub version_no: i64,
    pub version_id: Uuid,
    pub applicant: String,
    pub data: Option<String>,
}

/// A code list and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeListRecord {
    pub key: String,
    pub name: String,
    /// The official source, or who made it.
    pub source: String,
    pub updated_at: DateTime<Utc>,
    pub entries: Vec<CodeEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeEntry {
    pub code: String,
    pub name: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl CodeEntry {
    /// In force on `date` (an entry without dates always is).
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_to.is_none_or(|t| date <= t)
    }
}

pub(crate) async fn insert_forms_in_tx(
    tx: &mut Tx,
    rows: &[(&str, &DeclaredForm)],
) -> Result<(), StoreError> {
    // One statement per 300 rows: the batch's writer pays one round trip, not one per dossier.
    for chunk in rows.chunks(300) {
        let sql = format!(
            "INSERT INTO dossier_forms (dossier_code, data, search_folded) VALUES {}",
            crate::rows::values_placeholders(tx.backend(), chunk.len(), 3)
        );
        on_tx!(tx, |conn| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (code, form) in chunk {
                query = query.bind(*code).bind(&form.data).bind(&form.search);
            }
            query.execute(&mut *conn).await?.rows_affected()
        });
    }
    Ok(())
}

/// Keeps what a result made from data certifies beside its document row.
pub(crate) async fn insert_certified_in_tx(
    tx: &mut Tx,
    document_id: Uuid,
    contents: &str,
) -> Result<(), StoreError> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO result_contents (document_id, contents) VALUES ($1, $2)"
    )
    .bind(document_id)
    .bind(contents)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}

impl Store {
    /// What a result made from data certifies (JSON), if it is one.
    pub async fn certified(&self, document_id: Uuid) -> Result<Option<String>, StoreError> {
        let sql = "SELECT contents FROM result_contents WHERE document_id = $1";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(document_id)
            .fetch_optional(pool)
            .await?))
    }

    /// The data a dossier declared on its form, as JSON text, if it has one.
    pub async fn dossier_form(&self, code: &str) -> Result<Option<String>, StoreError> {
        let sql = "SELECT data FROM dossier_forms WHERE dossier_code = $1";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(code)
            .fetch_optional(pool)
            .await?))
    }

    /// The declared data of a procedure's dossiers received by one of `agencies` (every
    /// agency when `None`), with each dossier's code and submission time, oldest first.
    pub async fn procedure_forms(
        &self,
        procedure_code: &str,
        agencies: Option<&[String]>,
        limit: i64,
    ) -> Result<Vec<(String, DateTime<Utc>, String)>, StoreError> {
        let all = agencies.is_none();
        let list = agencies.map(|a| a.join(",")).unwrap_or_default();
        // One text parameter holds the agency list, so the query reads the same on both backends.
        let sql = "SELECT d.code, d.submitted_at, f.data FROM dossier_forms f \
            JOIN dossiers d ON d.code = f.dossier_code \
            WHERE d.procedure_code = $1 AND ($2 OR ',' || $3 || ',' LIKE '%,' || d.handling_agency || ',%') \
            ORDER BY d.submitted_at, d.code LIMIT $4";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(procedure_code)
            .bind(all)
            .bind(&list)
            .bind(limit)
            .fetch_all(pool)
            .await?))
    }

    /// What an account's latest dossiers declared, newest first.
    pub async fn declared_by_owner(
        &self,
        owner: &str,
        limit: i64,
    ) -> Result<Vec<Declared>, StoreError> {
        let sql = "SELECT d.code, d.procedure_code, v.version_no, v.id AS version_id, \
            d.applicant, f.data FROM dossiers d \
            JOIN procedure_versions v ON v.id = d.procedure_version_id \
            LEFT JOIN dossier_forms f ON f.dossier_code = d.code \
            WHERE d.owner = $1 ORDER BY d.submitted_at DESC, d.code DESC LIMIT $2";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(owner)
            .bind(limit)
            .fetch_all(pool)
            .await?))
    }

    /// The results made from data in a holder's store, newest first: the procedure of the
    /// dossier that issued each, that dossier's code, and what it certifies (JSON).
    pub async fn certified_results_of(
        &self,
        holder: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let sql = "SELECT d.procedure_code, w.source_dossier, c.contents FROM wallet_items w \
            JOIN result_contents c ON c.document_id = w.source_document \
            JOIN dossiers d ON d.code = w.source_dossier \
            WHERE w.holder_id = $1 ORDER BY w.added_at DESC, w.id";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(holder)
            .fetch_all(pool)
            .await?))
    }

    /// Every code list with its entries, by key.
    pub async fn code_lists(&self) -> Result<Vec<CodeListRecord>, StoreError> {
        let lists: Vec<(String, String, String, DateTime<Utc>)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT list_key, name, source, updated_at FROM code_lists ORDER BY list_key",
            )
            .fetch_all(pool)
            .await?
        });
        type EntryRow = (String, String, String, Option<NaiveDate>, Option<NaiveDate>);
        let entries: Vec<EntryRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT list_key, code, name, valid_from, valid_to FROM code_list_entries \
                 ORDER BY list_key, code",
            )
            .fetch_all(pool)
            .await?
        });
        let mut out: Vec<CodeListRecord> = lists
            .into_iter()
            .map(|(key, name, source, updated_at)| CodeListRecord {
                key,
                name,
                source,
                updated_at,
                entries: Vec::new(),
            })
            .collect();
        for (key, code, name, valid_from, valid_to) in entries {
            if let Some(list) = out.iter_mut().find(|l| l.key == key) {
                list.entries.push(CodeEntry {
                    code,
                    name,
                    valid_from,
                    valid_to,
                });
            }
        }
        Ok(out)
    }

    /// Replaces a code list whole (or creates it), in one transaction with its audit event.
    pub async fn replace_code_list(
        &self,
        list: &CodeListRecord,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let upsert = "INSERT INTO code_lists (list_key, name, source, updated_at) VALUES ($1, $2, $3, $4) \
            ON CONFLICT (list_key) DO UPDATE SET name = $2, source = $3, updated_at = $4";
        on_tx!(&mut tx, |conn| sqlx::query(upsert)
            .bind(&list.key)
            .bind(&list.name)
            .bind(&list.source)
            .bind(list.updated_at)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        on_tx!(&mut tx, |conn| sqlx::query(
            "DELETE FROM code_list_entries WHERE list_key = $1"
        )
        .bind(&list.key)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        for e in &list.entries {
            on_tx!(&mut tx, |conn| sqlx::query(
                "INSERT INTO code_list_entries (list_key, code, name, valid_from, valid_to) \
                 VALUES ($1, $2, $3, $4, $5)"
            )
            .bind(&list.key)
            .bind(&e.code)
            .bind(&e.name)
            .bind(e.valid_from)
            .bind(e.valid_to)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        }
        append(&mut tx, audit).await?;
        tx.commit().await
    }
}
