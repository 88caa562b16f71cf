//! The dossiers behind a figure of the quality index (drilling down), a page at a time,
//! with no applicant data.

use super::corrupt;
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::dossier::Dossier;
use motcua_domain::quality::{Figure, Month, Side, appointment};
use serde::Serialize;

/// The dossiers behind a figure.
#[derive(Debug, Clone)]
pub struct Drill {
    pub figure: Figure,
    /// When read: open dossiers past their `late_after` by then are late.
    pub now: DateTime<Utc>,
    pub months: Vec<Month>,
    pub agencies: Option<Vec<String>>,
    /// From 1.
    pub page: i64,
    pub per_page: i64,
}

/// One dossier behind a figure: no applicant data.
#[derive(Debug, Clone, Serialize)]
pub struct DrillRow {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub state: String,
    pub channel: String,
    pub receiving_agency: String,
    pub handling_agency: String,
    pub received_at: Option<DateTime<Utc>>,
    /// The appointment date the index judges against (the receipt slip's).
    pub appointment_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub flags: i64,
}

impl Store {
    /// One page of the dossiers behind a figure, most recent month first. Their number is
    /// the figure itself (from the counters).
    pub async fn quality_dossiers(&self, drill: &Drill) -> Result<Vec<DrillRow>, StoreError> {
        if drill.months.is_empty() {
            return Ok(Vec::new());
        }
        let (month_col, agency_col) = match drill.figure.side() {
            Side::Received => ("f.received_month", "f.receiving_agency"),
            Side::Finished => ("f.finished_month", "f.handling_agency"),
            Side::Timed => ("f.received_month", "f.handling_agency"),
        };
        let months: Vec<String> = drill.months.iter().map(ToString::to_string).collect();
        let agencies = drill.agencies.clone().unwrap_or_default();
        if drill.agencies.is_some() && agencies.is_empty() {
            return Ok(Vec::new());
        }
        // The index's late dossiers include the open ones past their time by now.
        let m = months.len();
        let mut clause = format!(
            "{month_col} IN ({}) AND ((f.flags & ${}) <> 0 \
             OR ((f.flags & ${}) <> 0 AND f.late_after < ${}))",
            crate::rows::in_list(m, 1),
            m + 1,
            m + 2,
            m + 3
        );
        if !agencies.is_empty() {
            clause.push_str(&format!(
                " AND {agency_col} IN ({})",
                crate::rows::in_list(agencies.len(), m + 4)
            ));
        }
        let per_page = drill.per_page.clamp(1, 200);
        let offset = (drill.page.max(1) - 1) * per_page;
        let sql = format!(
            "SELECT f.dossier_code, d.procedure_code, v.name, d.state, d.channel, \
             d.receiving_agency, d.handling_agency, d.received_at, d.finished_at, d.body, f.flags \
             FROM quality_facts f JOIN dossiers d ON d.code = f.dossier_code \
             JOIN procedure_versions v ON v.id = d.procedure_version_id \
             WHERE {clause} ORDER BY {month_col} DESC, f.dossier_code LIMIT {per_page} OFFSET {offset}"
        );
        type Raw = (
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            String,
            i64,
        );
        let flag = drill.figure.flag();
        let open = if drill.figure == Figure::TimedLate {
            motcua_domain::quality::flag::TIMED_OPEN
        } else {
            0
        };
        let rows: Vec<Raw> = on_pool!(self, |pool| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for m in &months {
                q = q.bind(m.clone());
            }
            q = q.bind(flag).bind(open).bind(drill.now);
            for a in &agencies {
                q = q.bind(a.clone());
            }
            q.fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|r| {
                let d: Dossier = serde_json::from_str(&r.9).map_err(corrupt)?;
                Ok(DrillRow {
                    code: r.0,
                    procedure_code: r.1,
                    procedure_name: r.2,
                    state: r.3,
                    channel: r.4,
                    receiving_agency: r.5,
                    handling_agency: r.6,
                    received_at: r.7,
                    appointment_at: appointment(&d).map(crate::dossiers::row::utc),
                    finished_at: r.8,
                    flags: r.10,
                })
            })
            .collect()
    }
}
