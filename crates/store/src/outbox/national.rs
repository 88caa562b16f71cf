//! The national portal's messages, enqueued with the dossier change that causes them.

use super::{Channel, NewMessage};
use crate::dossiers::row::DossierRecord;
use crate::tx::Tx;
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use motcua_domain::calendar::to_vn_local;
use motcua_domain::connector::{national_news, national_sync};
use motcua_domain::dossier::Dossier;

impl Store {
    /// Dossier changes on this handle enqueue what the national portal must be told (on
    /// when the portal's connector is configured).
    pub fn with_national_sync(mut self, on: bool) -> Store {
        self.national_sync = on;
        self
    }

    pub fn national_sync(&self) -> bool {
        self.national_sync
    }

    /// Enqueues, in the change's own transaction, one message per dossier whose change is
    /// news for the portal (`before` is None for a new dossier).
    pub(crate) async fn tell_national_portal(
        &self,
        tx: &mut Tx,
        changes: &[(Option<&Dossier>, &DossierRecord, &str)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let messages = self.national_news(changes, at);
        super::insert_messages(tx, &messages, at).await?;
        Ok(())
    }

    /// The portal's messages for `changes` (none when its connector is off), built outside
    /// any transaction.
    pub(crate) fn national_news(
        &self,
        changes: &[(Option<&Dossier>, &DossierRecord, &str)],
        at: DateTime<Utc>,
    ) -> Vec<NewMessage> {
        if !self.national_sync {
            return Vec::new();
        }
        let news: Vec<(&DossierRecord, &str)> = changes
            .iter()
            .filter(|(before, after, _)| national_news(*before, &after.dossier))
            .map(|(_, record, event)| (*record, *event))
            .collect();
        national_messages(&news, at, "")
    }

    /// Queues the dossiers submitted in `[from, to)` that the portal does not know as they
    /// are and that have no message on the way (the daily reconciliation), up to `limit`;
    /// with one audit event. Returns how many were queued.
    pub async fn resync_national(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        at: DateTime<Utc>,
        limit: i64,
        audit: motcua_domain::audit::AuditEntry,
    ) -> Result<u64, StoreError> {
        let status = crate::national::national_status_sql("d");
        let sql = format!(
            "SELECT d.code FROM dossiers d LEFT JOIN national_sync s ON s.dossier_code = d.code \
             WHERE d.submitted_at >= $1 AND d.submitted_at < $2 \
             AND (s.dossier_code IS NULL OR s.status <> {status}) \
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.ordering_key = 'national:' || d.code \
                 AND o.status IN ('pending', 'dead')) \
             ORDER BY d.submitted_at, d.code LIMIT $3"
        );
        let codes: Vec<String> = crate::on_pool!(self, |pool| sqlx::query_scalar(
            sqlx::AssertSqlSafe(sql.clone())
        )
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(pool)
        .await?);
        let mut records = Vec::with_capacity(codes.len());
        for code in &codes {
            if let Some(record) = self.dossier(code).await? {
                records.push(record);
            }
        }
        if records.is_empty() {
            return Ok(0);
        }
        let news: Vec<(&DossierRecord, &str)> = records.iter().map(|r| (r, "reconcile")).collect();
        // Another key than the change's own: that one may have been dropped by an operator.
        let suffix = format!(":reconcile-{}", to_vn_local(&at).date());
        let mut tx = self.begin_write().await?;
        let queued =
            super::insert_messages(&mut tx, &national_messages(&news, at, &suffix), at).await?;
        let mut audit = audit;
        audit.detail = serde_json::json!({ "queued": queued }).to_string();
        crate::audit::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(queued)
    }
}

/// The portal's message for each dossier, its dedup key ending in `suffix`.
fn national_messages(
    news: &[(&DossierRecord, &str)],
    at: DateTime<Utc>,
    suffix: &str,
) -> Vec<NewMessage> {
    let local = to_vn_local(&at);
    news.iter()
        .map(|(record, event)| {
            let code = record.code();
            let payload = national_sync(
                &record.dossier,
                &record.procedure_code,
                &record.applicant,
                event,
                local,
            );
            NewMessage {
                kind: format!("national.{event}"),
                channel: Channel::NationalPortal,
                // One message per dossier version: a replayed change adds nothing.
                dedup_key: format!("national:{code}:{}{suffix}", record.dossier.version),
                recipient_user_id: None,
                recipient_email: None,
                subject: format!("Đồng bộ hồ sơ {code}"),
                body: format!(
                    "Trạng thái {}",
                    record.dossier.state.national_status() as u8
                ),
                link: Some(format!("/work/dossiers/{code}")),
                ordering_key: Some(format!("national:{code}")),
                payload: Some(payload.to_string()),
            }
        })
        .collect()
}
