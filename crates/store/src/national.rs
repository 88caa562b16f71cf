//! What the national portal sends in: its dossiers' ids, and the signatures already seen.

use crate::tx::on_tx;
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};

impl Store {
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
