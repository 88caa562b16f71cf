//! Dossiers: reading one and its events, the processing control sheet (form 05); the
//! queue, action commits, transition moves and bulk loading are in the modules below.
//! Submission is in `crate::submit`; the shared row code in [`row`].

mod actions;
mod bulk;
mod counts;
mod moves;
mod queue;
pub(crate) mod row;

pub use counts::AgencyCount;
pub use queue::{
    DossierFilter, DossierPage, DossierSummary, Keyset, QUEUE_COUNT_CAP, QueueCursor, Visibility,
};
pub use row::{DOSSIER_KIND, DossierEvent, DossierRecord, utc};

use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::dossier::DossierState;
use row::{RecordRow, SELECT_RECORD, dossier_event};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ControlSheetRow {
    pub step: i64,
    pub step_name: Option<String>,
    pub agency_code: Option<String>,
    /// Who moved the dossier on (or the assignee while it is still there).
    pub handler: Option<String>,
    pub time_in: DateTime<Utc>,
    pub time_out: Option<DateTime<Utc>>,
}

/// Rows of form 05 from a dossier's events: a row opens when the dossier is received or
/// arrives at a step (or another agency) and closes when it leaves.
pub fn control_sheet(events: &[DossierEvent]) -> Vec<ControlSheetRow> {
    let mut rows: Vec<ControlSheetRow> = Vec::new();
    for e in events {
        // Document events (added, digitised, signed…) do not move the dossier.
        if e.to_state.is_none() {
            continue;
        }
        let in_flight = e
            .to_state
            .as_deref()
            .and_then(DossierState::parse)
            .is_some_and(DossierState::is_in_flight);
        let key = (e.step, e.desk_agency.clone());
        match rows.last_mut() {
            Some(open) if open.time_out.is_none() => {
                let same = (Some(open.step), open.agency_code.clone()) == key;
                if !in_flight || !same {
                    open.time_out = Some(e.at);
                    open.handler = Some(e.actor.clone());
                } else if e.assignee.is_some() {
                    open.handler = e.assignee.clone();
                }
            }
            _ => {}
        }
        let open_now = rows.last().is_some_and(|r| r.time_out.is_none());
        if in_flight && !open_now {
            rows.push(ControlSheetRow {
                step: e.step.unwrap_or(0),
                step_name: e.step_name.clone(),
                agency_code: e.desk_agency.clone(),
                handler: e.assignee.clone(),
                time_in: e.at,
                time_out: None,
            });
        }
    }
    rows
}

impl Store {
    pub async fn dossier(&self, code: &str) -> Result<Option<DossierRecord>, StoreError> {
        let row: Option<RecordRow> = on_pool!(self, |pool| sqlx::query_as(SELECT_RECORD)
            .bind(code)
            .fetch_optional(pool)
            .await?);
        row.map(DossierRecord::try_from).transpose()
    }

    /// The events of a dossier, oldest first.
    pub async fn dossier_events(&self, code: &str) -> Result<Vec<DossierEvent>, StoreError> {
        let events = self.audit_events_for(&format!("dossier:{code}")).await?;
        Ok(events.into_iter().map(dossier_event).collect())
    }

    /// How many dossiers there are.
    pub async fn count_dossiers(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM dossiers"
        )
        .fetch_one(pool)
        .await?))
    }
}
