//! What the national portal sends in: its dossiers' ids, and the signatures already seen.

use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::dossier::DossierState;

/// The SQL that turns `{d}.state` into its national status code (DOMAIN.md §4), from the
/// domain's own mapping.
pub(crate) fn national_status_sql(alias: &str) -> String {
    let arms: String = DossierState::ALL
        .iter()
        .map(|s| format!(" WHEN '{}' THEN {}", s.as_str(), s.national_status() as u8))
        .collect();
    format!("CAST((CASE {alias}.state{arms} END) AS BIGINT)")
}

/// Notes, as the portal accepts a message, the national status it now knows the dossier by.
pub(crate) async fn note_synced_in_tx(
    tx: &mut Tx,
    payload: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let value: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
    let (Some(code), Some(status)) = (value["dossier_code"].as_str(), value["status"].as_i64())
    else {
        return Ok(());
    };
    let version = value["version"].as_i64().unwrap_or(0);
    let sql = "INSERT INTO national_sync (dossier_code, status, version, synced_at) \
        VALUES ($1, $2, $3, $4) ON CONFLICT (dossier_code) DO UPDATE \
        SET status = excluded.status, version = excluded.version, synced_at = excluded.synced_at";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(code)
        .bind(status)
        .bind(version)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// A dossier the portal does not know as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsyncedDossier {
    pub code: String,
    pub receiving_agency: String,
    pub received_at: Option<DateTime<Utc>>,
    /// Its national status now.
    pub status: i64,
    /// What the portal was last told (None: nothing yet).
    pub synced_status: Option<i64>,
    pub synced_at: Option<DateTime<Utc>>,
}

/// The reconciliation of the dossiers submitted in a period with what the portal was told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Dossiers submitted in the period.
    pub submitted: i64,
    /// Never told (or every message still undelivered).
    pub never_synced: i64,
    /// Told, but of another national status than the one they have now.
    pub differing: i64,
    /// Up to the limit asked, oldest first.
    pub dossiers: Vec<UnsyncedDossier>,
}
impl Store {
    /// Compares the dossiers submitted in `[from, to)` with what the portal was told; lists up
    /// to `limit` of those it does not know as they are.
    pub async fn national_reconciliation(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        agency: Option<&str>,
        limit: i64,
    ) -> Result<Reconciliation, StoreError> {
        let agency = agency.unwrap_or_default();
        let status = national_status_sql("d");
        let counts = format!(
            "SELECT COUNT(*), \
             SUM(CASE WHEN s.dossier_code IS NULL THEN 1 ELSE 0 END), \
             SUM(CASE WHEN s.dossier_code IS NOT NULL AND s.status <> {status} THEN 1 ELSE 0 END) \
             FROM dossiers d LEFT JOIN national_sync s ON s.dossier_code = d.code \
             WHERE d.submitted_at >= $1 AND d.submitted_at < $2 \
             AND ($3 = '' OR d.receiving_agency = $3)"
        );
        let (submitted, never, differing): (i64, Option<i64>, Option<i64>) = on_pool!(
            self,
            |pool| sqlx::query_as(sqlx::AssertSqlSafe(counts.clone()))
                .bind(from)
                .bind(to)
                .bind(agency)
                .fetch_one(pool)
                .await?
        );
        let list = format!(
            "SELECT d.code, d.receiving_agency, d.received_at, {status}, s.status, s.synced_at \
             FROM dossiers d LEFT JOIN national_sync s ON s.dossier_code = d.code \
             WHERE d.submitted_at >= $1 AND d.submitted_at < $2 \
             AND (s.dossier_code IS NULL OR s.status <> {status}) \
             AND ($4 = '' OR d.receiving_agency = $4) \
             ORDER BY d.submitted_at, d.code LIMIT $3"
        );
        type Row = (
            String,
            String,
            Option<DateTime<Utc>>,
            i64,
            Option<i64>,
            Option<DateTime<Utc>>,
        );
        let rows: Vec<Row> = on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            list.clone()
        ))
        .bind(from)
        .bind(to)
        .bind(limit)
        .bind(agency)
        .fetch_all(pool)
        .await?);
        Ok(Reconciliation {
            submitted,
            never_synced: never.unwrap_or(0),
            differing: differing.unwrap_or(0),
            dossiers: rows
                .into_iter()
                .map(|r| UnsyncedDossier {
                    code: r.0,
                    receiving_agency: r.1,
                    received_at: r.2,
                    status: r.3,
                    synced_status: r.4,
                    synced_at: r.5,
                })
                .collect(),
        })
    }

    /// The dossier registered for the national portal's dossier `national_id`, if any.
    pub async fn national_dossier(&self, national_id: &str) -> Result<Option<String>, StoreError> {
        let sql = "SELECT dossier_code FROM national_dossiers WHERE national_id = $1";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(national_id)
            .fetch_optional(pool)
            .await?))
    }

    /// Remembers that `dossier_code` is the national portal's `national_id` (a repeat is a
    /// no-op).
    pub async fn link_national_dossier(
        &self,
        national_id: &str,
        dossier_code: &str,
        client_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO national_dossiers (national_id, dossier_code, client_id, received_at) \
            VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, |conn| sqlx::query(sql)
            .bind(national_id)
            .bind(dossier_code)
            .bind(client_id)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        tx.commit().await?;
        Ok(())
    }

    /// Records a request's signature; false when it was seen already (a replay). Signatures
    /// older than `forget_before` go, since their timestamps are refused anyway.
    pub async fn first_sight_of_signature(
        &self,
        signature: &str,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, |conn| sqlx::query(
            "DELETE FROM inbound_signatures WHERE seen_at < $1"
        )
        .bind(forget_before)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        let fresh = on_tx!(&mut tx, |conn| sqlx::query(
            "INSERT INTO inbound_signatures (signature, seen_at) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING"
        )
        .bind(signature)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        tx.commit().await?;
        Ok(fresh == 1)
    }
}
