//! Bulk loading for the data generator and benchmarks.

use super::row::{DossierRecord, insert_dossiers};
use crate::audit::append;
use crate::quality::Change;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::audit::AuditEntry;

/// The writer's page cache while bulk loading (negative: KiB), so a batch's index pages
/// stay in memory until it commits.
const BULK_LOAD_CACHE: &str = "PRAGMA cache_size = -524288";

impl Store {
    /// Inserts ready-made dossiers as they are (the data generator), raises each agency's
    /// daily sequence past the codes used, and records one audit event for the lot.
    pub async fn load_dossiers(
        &self,
        records: &[DossierRecord],
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        if let Tx::Sqlite(t) = &mut tx {
            // A batch touches thousands of index pages: in SQLite's 2 MiB default cache they
            // would spill to the WAL again and again before the commit.
            sqlx::query(BULK_LOAD_CACHE).execute(&mut **t).await?;
        }
        let mut lasts: std::collections::BTreeMap<(String, NaiveDate), i64> = Default::default();
        let rows: Vec<(&DossierRecord, DateTime<Utc>)> =
            records.iter().map(|r| (r, r.updated_at)).collect();
        insert_dossiers(&mut tx, &rows).await?;
        for r in records {
            let seq: i64 = r
                .code()
                .rsplit('-')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let key = (
                r.dossier.receiving_agency.to_string(),
                r.dossier.submitted_at.date(),
            );
            let last = lasts.entry(key).or_default();
            *last = (*last).max(seq);
        }
        let sql = "INSERT INTO dossier_sequences (agency_code, day, last) VALUES ($1, $2, $3) \
            ON CONFLICT (agency_code, day) DO UPDATE SET \
            last = CASE WHEN dossier_sequences.last > $3 THEN dossier_sequences.last ELSE $3 END";
        let changes: Vec<Change<'_>> = records
            .iter()
            .map(|r| Change {
                procedure_code: &r.procedure_code,
                before: None,
                after: &r.dossier,
            })
            .collect();
        self.quality_changed(&mut tx, &changes).await?;
        for ((agency, day), last) in lasts {
            on_tx!(&mut tx, |conn| sqlx::query(sql)
                .bind(&agency)
                .bind(day)
                .bind(last)
                .execute(&mut *conn)
                .await?
                .rows_affected());
        }
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    /// Every agency's last sequence number per day.
    pub async fn dossier_sequences(
        &self,
    ) -> Result<std::collections::HashMap<(String, NaiveDate), i64>, StoreError> {
        let rows: Vec<(String, NaiveDate, i64)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT agency_code, day, last FROM dossier_sequences"
        )
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().map(|(a, d, l)| ((a, d), l)).collect())
    }

    /// Up to `n` random dossier codes with the last 4 digits of their applicant's ID number
    /// (what the public lookup asks for), for load tests.
    pub async fn sample_dossier_checks(&self, n: i64) -> Result<Vec<(String, String)>, StoreError> {
        let rows: Vec<(String, String)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT code, applicant_id FROM dossiers WHERE applicant_id IS NOT NULL \
             ORDER BY random() LIMIT $1"
        )
        .bind(n)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .filter_map(|(code, id)| {
                let digits: String = id.chars().filter(char::is_ascii_digit).collect();
                let last4 = digits.get(digits.len().checked_sub(4)?..)?.to_owned();
                Some((code, last4))
            })
            .collect())
    }

    /// Up to `n` dossier codes picked at random (benchmarks).
    pub async fn sample_dossier_codes(&self, n: i64) -> Result<Vec<String>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT code FROM dossiers ORDER BY random() LIMIT $1"
        )
        .bind(n)
        .fetch_all(pool)
        .await?))
    }
}
