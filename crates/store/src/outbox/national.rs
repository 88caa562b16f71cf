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
        if !self.national_sync {
            return Ok(());
        }
        let local = to_vn_local(&at);
        let messages: Vec<NewMessage> = changes
            .iter()
            .filter(|(before, after, _)| national_news(*before, &after.dossier))
            .map(|(_, record, event)| {
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
                    dedup_key: format!("national:{code}:{}", record.dossier.version),
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
            .collect();
        super::insert_messages(tx, &messages, at).await?;
        Ok(())
    }
}
