//! The open dossiers per desk, with how many are due soon or overdue (the `/work` page's
//! counts), read without counting a desk's backlog.

use super::queue::{CLOSED, IN_FLIGHT, Visibility};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Open dossiers at an agency's desk.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AgencyCount {
    pub agency_code: String,
    pub open: i64,
    pub due_soon: i64,
    pub overdue: i64,
}

impl Store {
    /// Open dossiers per desk agency, with how many are due soon or overdue. For an agency
    /// (or its desk) the cost does not grow with its own backlog: its desk's open total is
    /// kept (`desk_open_counts`), its due counts read the open-dossier index by due date,
    /// and the other desks come from the indexes of what it received or handles, around its
    /// own desk.
    pub async fn dossier_counts(
        &self,
        visibility: &Visibility,
        now: DateTime<Utc>,
        soon: DateTime<Utc>,
    ) -> Result<Vec<AgencyCount>, StoreError> {
        let (agency, elsewhere) = match visibility {
            Visibility::Agency(code) => (code, true),
            Visibility::Desk(code) => (code, false),
            Visibility::All | Visibility::Owner(_) => {
                return self.dossier_counts_counted(visibility, now, soon).await;
            }
        };
        let open: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT open FROM desk_open_counts WHERE agency_code = $1")
                .bind(agency)
                .fetch_optional(pool)
                .await?
                .unwrap_or(0)
        });
        let mut rows = Vec::new();
        if open > 0 {
            let sql = format!(
                "SELECT COALESCE(SUM(CASE WHEN d.due_at >= $2 THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN d.due_at < $2 THEN 1 ELSE 0 END), 0) FROM dossiers d \
                 WHERE d.desk_agency = $1 AND d.state NOT IN {CLOSED} AND (d.due_at IS NULL) = $4 \
                 AND d.due_at <= $3 AND d.state IN {IN_FLIGHT}"
            );
            let (due_soon, overdue): (i64, i64) = on_pool!(self, |pool| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(agency)
                    .bind(now)
                    .bind(soon)
                    .bind(false)
                    .fetch_one(pool)
                    .await?
            });
            rows.push(AgencyCount {
                agency_code: agency.clone(),
                open,
                due_soon,
                overdue,
            });
        }
        if elsewhere {
            let range = |column: &str, side: &str| {
                format!(
                    "SELECT code, desk_agency, state, due_at FROM dossiers WHERE {column} = $1 \
                     AND desk_agency {side} $1 AND state NOT IN {CLOSED}"
                )
            };
            let sql = format!(
                "SELECT desk_agency AS agency_code, COUNT(*) AS open, \
                 SUM(CASE WHEN state IN {IN_FLIGHT} AND due_at >= $2 AND due_at <= $3 THEN 1 ELSE 0 END) AS due_soon, \
                 SUM(CASE WHEN state IN {IN_FLIGHT} AND due_at < $2 THEN 1 ELSE 0 END) AS overdue \
                 FROM ({} UNION {} UNION {} UNION {}) t GROUP BY desk_agency",
                range("receiving_agency", "<"),
                range("receiving_agency", ">"),
                range("handling_agency", "<"),
                range("handling_agency", ">"),
            );
            let others: Vec<AgencyCount> = on_pool!(self, |pool| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(agency)
                    .bind(now)
                    .bind(soon)
                    .fetch_all(pool)
                    .await?
            });
            rows.extend(others);
        }
        rows.sort_by(|a, b| a.agency_code.cmp(&b.agency_code));
        Ok(rows)
    }

    /// How many in-flight dossiers each desk has due between `now` and `soon` (the staff's
    /// daily digest), desks with none left out: read from the index by state and due date,
    /// not by counting every open dossier of the province.
    pub async fn due_soon_by_desk(
        &self,
        now: DateTime<Utc>,
        soon: DateTime<Utc>,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let sql = format!(
            "SELECT desk_agency, COUNT(*) FROM dossiers WHERE state IN {IN_FLIGHT} \
             AND due_at >= $1 AND due_at <= $2 GROUP BY desk_agency ORDER BY desk_agency"
        );
        Ok(on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(now)
                .bind(soon)
                .fetch_all(pool)
                .await?
        }))
    }

    /// [`Store::dossier_counts`] by counting every open dossier in view: the province's (its
    /// administrators read every desk) or a citizen's own.
    async fn dossier_counts_counted(
        &self,
        visibility: &Visibility,
        now: DateTime<Utc>,
        soon: DateTime<Utc>,
    ) -> Result<Vec<AgencyCount>, StoreError> {
        let (scope, param) = match visibility {
            Visibility::Owner(user) => (" AND owner = $3", Some(user.clone())),
            _ => ("", None),
        };
        let sql = format!(
            "SELECT desk_agency AS agency_code, COUNT(*) AS open, \
             SUM(CASE WHEN state IN {IN_FLIGHT} AND due_at >= $1 AND due_at <= $2 THEN 1 ELSE 0 END) AS due_soon, \
             SUM(CASE WHEN state IN {IN_FLIGHT} AND due_at < $1 THEN 1 ELSE 0 END) AS overdue \
             FROM dossiers WHERE state NOT IN {CLOSED}{scope} GROUP BY desk_agency ORDER BY desk_agency"
        );
        let rows: Vec<AgencyCount> = on_pool!(self, |pool| {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(now)
                .bind(soon);
            let q = match &param {
                Some(p) => q.bind(p.clone()),
                None => q,
            };
            q.fetch_all(pool).await?
        });
        Ok(rows)
    }
}
