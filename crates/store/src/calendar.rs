//! Calendar data: each year's holiday arrangement and each agency's working hours.
//!
//! Both are stored as the JSON of their domain types, so they read back exactly as
//! written. A one-row version counter changes with every arrangement, letting each
//! node keep its holiday calendar cached and reload it only when it is stale.

use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::{HolidayCalendar, WorkingHoursConfig, YearArrangement};

/// A year's arrangement as stored, with who changed it last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredArrangement {
    pub arrangement: YearArrangement,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// An agency's own working hours, with who changed them last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredWorkingHours {
    pub agency_code: String,
    pub config: WorkingHoursConfig,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

type ArrangementRow = (String, DateTime<Utc>, String);

fn arrangement_from_row(r: ArrangementRow) -> Result<StoredArrangement, StoreError> {
    let arrangement = serde_json::from_str(&r.0)
        .map_err(|e| StoreError::Config(format!("stored holiday arrangement: {e}")))?;
    Ok(StoredArrangement {
        arrangement,
        updated_at: r.1,
        updated_by: r.2,
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Config(e.to_string()))
}

const SELECT_ARRANGEMENTS: &str =
    "SELECT arrangement, updated_at, updated_by FROM holiday_arrangements";

async fn arrangements_in(tx: &mut Tx) -> Result<Vec<YearArrangement>, StoreError> {
    let sql = format!("{SELECT_ARRANGEMENTS} ORDER BY year");
    let rows: Vec<ArrangementRow> = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?);
    rows.into_iter()
        .map(|row| arrangement_from_row(row).map(|stored| stored.arrangement))
        .collect()
}

impl Store {
    /// The arrangements' version: it changes whenever an arrangement does.
    pub async fn calendar_version(&self) -> Result<i64, StoreError> {
        let sql = "SELECT version FROM calendar_version WHERE id = 1";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql)
            .fetch_one(pool)
            .await?))
    }

    /// Every stored arrangement by year, with the version read *before* them: a
    /// cache labelled with that version may reload once too often, never too rarely.
    pub async fn holiday_arrangements(&self) -> Result<(i64, Vec<StoredArrangement>), StoreError> {
        let version = self.calendar_version().await?;
        let sql = format!("{SELECT_ARRANGEMENTS} ORDER BY year");
        let rows: Vec<ArrangementRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?
        });
        let arrangements = rows
            .into_iter()
            .map(arrangement_from_row)
            .collect::<Result<_, _>>()?;
        Ok((version, arrangements))
    }

    pub async fn holiday_arrangement(
        &self,
        year: i32,
    ) -> Result<Option<StoredArrangement>, StoreError> {
        let sql = format!("{SELECT_ARRANGEMENTS} WHERE year = $1");
        let row: Option<ArrangementRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(i64::from(year))
                .fetch_optional(pool)
                .await?
        });
        row.map(arrangement_from_row).transpose()
    }

    /// Creates or replaces the arrangement for its year, with its audit event, and
    /// returns the new calendar version.
    ///
    /// The caller validates first; this checks again, under the version row's lock,
    /// that the arrangement fits those of the other years as they are now, and answers
    /// `Conflict { code: "arrangement_conflict" }` if another change got in between.
    pub async fn put_holiday_arrangement(
        &self,
        arrangement: &YearArrangement,
        at: DateTime<Utc>,
        by: &str,
        audit: AuditEntry,
    ) -> Result<i64, StoreError> {
        let json = to_json(arrangement)?;
        let mut tx = self.begin_write().await?;
        let bump =
            "UPDATE calendar_version SET version = version + 1 WHERE id = 1 RETURNING version";
        let version: i64 = on_tx!(&mut tx, |conn| sqlx::query_scalar(bump)
            .fetch_one(&mut *conn)
            .await?);
        let mut all = arrangements_in(&mut tx).await?;
        all.retain(|other| other.year != arrangement.year);
        all.push(arrangement.clone());
        if let Err(err) = HolidayCalendar::new(all) {
            return Err(StoreError::Conflict {
                code: "arrangement_conflict",
                detail: err.to_string(),
            });
        }
        let upsert = "INSERT INTO holiday_arrangements \
            (year, notice_number, notice_date, arrangement, updated_at, updated_by) \
            VALUES ($1, $2, $3, $4, $5, $6) \
            ON CONFLICT (year) DO UPDATE SET notice_number = excluded.notice_number, \
            notice_date = excluded.notice_date, arrangement = excluded.arrangement, \
            updated_at = excluded.updated_at, updated_by = excluded.updated_by";
        on_tx!(&mut tx, |conn| {
            sqlx::query(upsert)
                .bind(i64::from(arrangement.year))
                .bind(&arrangement.notice_number)
                .bind(arrangement.notice_date)
                .bind(&json)
                .bind(at)
                .bind(by)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// The agency's own working hours, or `None` when it keeps the defaults
    /// (or does not exist: ask [`Store::agency`] to tell the two apart).
    pub async fn agency_working_hours(
        &self,
        agency_code: &str,
    ) -> Result<Option<StoredWorkingHours>, StoreError> {
        let sql = "SELECT agency_code, config, updated_at, updated_by \
            FROM agency_working_hours WHERE agency_code = $1";
        let row: Option<(String, String, DateTime<Utc>, String)> =
            on_pool!(self, |pool| sqlx::query_as(sql)
                .bind(agency_code)
                .fetch_optional(pool)
                .await?);
        row.map(|r| {
            Ok(StoredWorkingHours {
                agency_code: r.0,
                config: serde_json::from_str(&r.1)
                    .map_err(|e| StoreError::Config(format!("stored working hours: {e}")))?,
                updated_at: r.2,
                updated_by: r.3,
            })
        })
        .transpose()
    }

    /// Sets an agency's working hours (already validated), with its audit event.
    /// `NotFound` when the agency does not exist.
    pub async fn put_agency_working_hours(
        &self,
        agency_code: &str,
        config: &WorkingHoursConfig,
        at: DateTime<Utc>,
        by: &str,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let json = to_json(config)?;
        let mut tx = self.begin_write().await?;
        let exists: Option<i32> = on_tx!(&mut tx, |conn| {
            sqlx::query_scalar("SELECT 1 FROM agencies WHERE code = $1")
                .bind(agency_code)
                .fetch_optional(&mut *conn)
                .await?
        });
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("cơ quan {agency_code}")));
        }
        let upsert = "INSERT INTO agency_working_hours (agency_code, config, updated_at, updated_by) \
            VALUES ($1, $2, $3, $4) \
            ON CONFLICT (agency_code) DO UPDATE SET config = excluded.config, \
            updated_at = excluded.updated_at, updated_by = excluded.updated_by";
        on_tx!(&mut tx, |conn| {
            sqlx::query(upsert)
                .bind(agency_code)
                .bind(&json)
                .bind(at)
                .bind(by)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        append(&mut tx, audit).await?;
        tx.commit().await
    }
}
