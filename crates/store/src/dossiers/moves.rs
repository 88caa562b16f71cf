//! The transition hook: open dossiers of an abolished or merged agency move to its
//! successor, deadlines and history unchanged.

use super::row::{DOSSIER_KIND, corrupt, event_entry, record_in_tx, stale, update_dossier};
use crate::audit::append;
use crate::processes::agency_kind_in_tx;
use crate::quality::Change;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use motcua_domain::agency::AgencyCode;
use motcua_domain::audit::AuditEntry;
use motcua_domain::dossier::Applicant;
use motcua_domain::transition::BoundItem;

/// Open dossiers received, handled or at the desk at agency `$1`.
const BOUND_OPEN: &str = "(d.desk_agency = $1 OR d.receiving_agency = $1 OR d.handling_agency = $1) AND d.state NOT IN ('refused_at_receipt','returned','withdrawn','stopped')";

impl Store {
    /// desk there) to `to`, deadlines and history unchanged, one audit event each, all in
    /// one transaction. Returns how many moved.
    pub async fn move_in_flight_dossiers(
        &self,
        from: &AgencyCode,
        to: &AgencyCode,
        audit_actor: AuditEntry,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        if agency_kind_in_tx(&mut tx, to.as_str()).await?.is_none() {
            return Err(StoreError::NotFound(format!("cơ quan {to}")));
        }
        let sql = format!("SELECT d.code FROM dossiers d WHERE {BOUND_OPEN} ORDER BY d.code");
        let codes: Vec<String> =
            on_tx!(&mut tx, |conn| sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(from.as_str())
                .fetch_all(&mut *conn)
                .await?);
        let mut moved = 0;
        for code in codes {
            if self
                .move_dossier_in_tx(
                    &mut tx,
                    &code,
                    from,
                    to,
                    &audit_actor,
                    serde_json::json!({}),
                )
                .await?
            {
                moved += 1;
            }
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// Moves one open dossier from `from` to `to` in the caller's transaction: whichever of
    /// its receiving, handling and desk agency is `from` becomes `to`; deadlines, pauses
    /// and history stay; the version goes up; one `dossier.moved` event (its data: the two
    /// agencies and `extra`). False, writing nothing, when the dossier is closed or no longer
    /// at `from` (so a second run moves nothing).
    pub(crate) async fn move_dossier_in_tx(
        &self,
        tx: &mut Tx,
        code: &str,
        from: &AgencyCode,
        to: &AgencyCode,
        actor: &AuditEntry,
        extra: serde_json::Value,
    ) -> Result<bool, StoreError> {
        let Some(record) = record_in_tx(tx, code).await? else {
            return Ok(false);
        };
        let before = &record.dossier;
        let bound = before.receiving_agency == *from
            || before.handling_agency == *from
            || record.desk_agency == from.as_str();
        if before.state.is_closed() || !bound {
            return Ok(false);
        }
        let at = actor.at;
        let mut after = before.clone();
        if after.receiving_agency == *from {
            after.receiving_agency = to.clone();
        }
        if after.handling_agency == *from {
            after.handling_agency = to.clone();
        }
        after.version += 1;
        let mut desk = after.desk_agency(&record.steps).to_string();
        if desk == from.as_str() {
            // A step assigned to the abolished agency itself goes to the successor too.
            desk = to.to_string();
        }
        if !update_dossier(tx, &after, &desk, before.version, at).await? {
            return Err(stale(code));
        }
        let change = Change {
            procedure_code: &record.procedure_code,
            before: Some(before),
            after: &after,
        };
        self.quality_changed(tx, &[change]).await?;
        let mut data =
            serde_json::json!({ "from_agency": from.as_str(), "to_agency": to.as_str() });
        if let (Some(data), serde_json::Value::Object(extra)) = (data.as_object_mut(), extra) {
            data.extend(extra);
        }
        let mut entry = event_entry(
            actor,
            at,
            "moved",
            Some(before),
            &after,
            &record.steps,
            data,
        );
        entry.detail = {
            let mut d: serde_json::Value = serde_json::from_str(&entry.detail).unwrap_or_default();
            d["desk_agency"] = serde_json::Value::String(desk.clone());
            d.to_string()
        };
        append(tx, entry).await?;
        // The portal holds the receiving and handling agencies: a move is news for it.
        let moved = super::row::DossierRecord {
            dossier: after.clone(),
            desk_agency: desk,
            updated_at: at,
            ..record.clone()
        };
        self.tell_national_portal(tx, &[(Some(before), &moved, "moved")], at)
            .await?;
        Ok(true)
    }

    /// The open dossiers received, handled or at the desk at `agency`, for the transition
    /// plan: key the code, label the procedure and the applicant's masked name, and the
    /// applicant's address for the address rule.
    pub(crate) async fn in_flight_items(&self, agency: &str) -> Result<Vec<BoundItem>, StoreError> {
        let sql = format!(
            "SELECT d.code, v.name, d.applicant FROM dossiers d \
             JOIN procedure_versions v ON v.id = d.procedure_version_id \
             WHERE {BOUND_OPEN} ORDER BY d.code"
        );
        let rows: Vec<(String, String, String)> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(agency)
                .fetch_all(pool)
                .await?);
        rows.into_iter()
            .map(|(code, procedure, applicant)| {
                let applicant: Applicant = serde_json::from_str(&applicant).map_err(corrupt)?;
                Ok(BoundItem {
                    kind: DOSSIER_KIND.to_owned(),
                    key: code,
                    label: format!("{procedure} — {}", applicant.masked().name),
                    address: applicant.address,
                })
            })
            .collect()
    }
}
