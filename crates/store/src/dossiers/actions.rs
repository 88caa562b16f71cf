//! Committing an action the domain has applied, with its audit event.

use super::row::{DossierRecord, corrupt, event_entry, stale, update_dossier};
use crate::audit::append;
use crate::quality::Change;
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use motcua_domain::dossier::{Action, Dossier};

impl Store {
    /// Commits an action the domain has already applied (`after = before.apply(action)`),
    /// with its audit event, if nobody changed the dossier since `before` was read:
    /// otherwise `Conflict { code: "stale_version" }`.
    pub async fn commit_dossier_action(
        &self,
        before: &DossierRecord,
        action: &Action,
        after: &Dossier,
        at: DateTime<Utc>,
        actor: AuditEntry,
    ) -> Result<DossierRecord, StoreError> {
        self.commit_dossier_action_sending(before, action, after, at, actor, &[])
            .await
    }

    /// [`Store::commit_dossier_action`], enqueueing `messages` (the applicant's notices)
    /// in the same transaction.
    pub async fn commit_dossier_action_sending(
        &self,
        before: &DossierRecord,
        action: &Action,
        after: &Dossier,
        at: DateTime<Utc>,
        actor: AuditEntry,
        messages: &[crate::NewMessage],
    ) -> Result<DossierRecord, StoreError> {
        // What leaves (the portal's message, the applicant's notices) is built before the
        // write lock is taken, and inserted in one statement.
        let outgoing = self.action_outgoing(before, action, after, at, messages);
        let mut tx = self.begin_write().await?;
        let record = self
            .write_action_in_tx(&mut tx, before, action, after, at, actor, &outgoing)
            .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The messages an action sends: the portal's news of it, and `messages`.
    pub(crate) fn action_outgoing(
        &self,
        before: &DossierRecord,
        action: &Action,
        after: &Dossier,
        at: DateTime<Utc>,
        messages: &[crate::NewMessage],
    ) -> Vec<crate::NewMessage> {
        let record = DossierRecord {
            dossier: after.clone(),
            desk_agency: after.desk_agency(&before.steps).to_string(),
            updated_at: at,
            ..before.clone()
        };
        let news = [(Some(&before.dossier), &record, action.kind().as_str())];
        let mut outgoing = self.national_news(&news, at);
        outgoing.extend_from_slice(messages);
        outgoing
    }

    /// The writes of a dossier action inside a transaction the caller commits (with what
    /// else belongs to the same change, e.g. a payment).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn write_action_in_tx(
        &self,
        tx: &mut crate::tx::Tx,
        before: &DossierRecord,
        action: &Action,
        after: &Dossier,
        at: DateTime<Utc>,
        actor: AuditEntry,
        outgoing: &[crate::NewMessage],
    ) -> Result<DossierRecord, StoreError> {
        let code = before.code();
        let desk = after.desk_agency(&before.steps).to_string();
        let record = DossierRecord {
            dossier: after.clone(),
            desk_agency: desk.clone(),
            updated_at: at,
            ..before.clone()
        };
        if !update_dossier(tx, after, &desk, before.dossier.version, at).await? {
            return Err(stale(code));
        }
        let change = Change {
            procedure_code: &before.procedure_code,
            before: Some(&before.dossier),
            after,
        };
        self.quality_changed(&mut *tx, &[change]).await?;
        if after.state.is_closed() && !before.dossier.state.is_closed() {
            crate::archive::retain_in_tx(&mut *tx, code, before.procedure_version_id, at).await?;
        }
        let data = serde_json::to_value(action).map_err(corrupt)?;
        let entry = event_entry(
            &actor,
            at,
            action.kind().as_str(),
            Some(&before.dossier),
            after,
            &before.steps,
            data,
        );
        append(&mut *tx, entry).await?;
        crate::outbox::insert_messages(&mut *tx, outgoing, at).await?;
        Ok(record)
    }
}
