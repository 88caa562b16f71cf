//! Agencies (the bodies that receive and handle dossiers): reading, creating and editing.

use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::agency::{Agency, AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;

/// Agencies filtered by unit, kind, and the date they must work at.
#[derive(Debug, Clone, Default)]
pub struct AgencyQuery {
    pub unit: Option<String>,
    pub kind: Option<AgencyKind>,
    pub at: Option<NaiveDate>,
}

type AgencyRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<String>,
);

const AGENCY_COLUMNS: &str =
    "code, name, kind, unit_code, parent_code, valid_from, valid_to, successor_code";

fn agency_from_row(r: AgencyRow) -> Result<Agency, StoreError> {
    let code = |s: &str| AgencyCode::parse(s).map_err(|e| StoreError::Config(e.to_string()));
    Ok(Agency {
        code: code(&r.0)?,
        name: r.1,
        kind: r.2.parse().map_err(StoreError::Config)?,
        unit_code: r.3,
        parent_code: r.4.as_deref().map(code).transpose()?,
        valid_from: r.5,
        valid_to: r.6,
        successor_code: r.7.as_deref().map(code).transpose()?,
    })
}

pub(crate) async fn insert_agency(
    tx: &mut Tx,
    a: &Agency,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO agencies \
        (code, name, kind, unit_code, parent_code, created_at, valid_from, valid_to, successor_code) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    on_tx!(tx, |conn| {
        sqlx::query(sql)
            .bind(a.code.as_str())
            .bind(&a.name)
            .bind(a.kind.as_str())
            .bind(&a.unit_code)
            .bind(a.parent_code.as_ref().map(AgencyCode::as_str))
            .bind(at)
            .bind(a.valid_from)
            .bind(a.valid_to)
            .bind(a.successor_code.as_ref().map(AgencyCode::as_str))
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

pub(crate) async fn update_agency_row(tx: &mut Tx, a: &Agency) -> Result<u64, StoreError> {
    let sql = "UPDATE agencies SET name = $2, kind = $3, unit_code = $4, parent_code = $5, \
        valid_from = $6, valid_to = $7, successor_code = $8 WHERE code = $1";
    Ok(on_tx!(tx, |conn| {
        sqlx::query(sql)
            .bind(a.code.as_str())
            .bind(&a.name)
            .bind(a.kind.as_str())
            .bind(&a.unit_code)
            .bind(a.parent_code.as_ref().map(AgencyCode::as_str))
            .bind(a.valid_from)
            .bind(a.valid_to)
            .bind(a.successor_code.as_ref().map(AgencyCode::as_str))
            .execute(&mut *conn)
            .await?
            .rows_affected()
    }))
}

pub(crate) async fn agency_in_tx(tx: &mut Tx, code: &str) -> Result<Option<Agency>, StoreError> {
    let sql = format!("SELECT {AGENCY_COLUMNS} FROM agencies WHERE code = $1");
    let row: Option<AgencyRow> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(code)
            .fetch_optional(&mut *conn)
            .await?
    });
    row.map(agency_from_row).transpose()
}

impl Store {
    pub async fn agency(&self, code: &str) -> Result<Option<Agency>, StoreError> {
        let sql = format!("SELECT {AGENCY_COLUMNS} FROM agencies WHERE code = $1");
        let row: Option<AgencyRow> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(code)
                .fetch_optional(pool)
                .await?);
        row.map(agency_from_row).transpose()
    }

    pub async fn agencies(&self, kind: Option<AgencyKind>) -> Result<Vec<Agency>, StoreError> {
        self.find_agencies(&AgencyQuery {
            kind,
            ..AgencyQuery::default()
        })
        .await
    }

    /// Agencies by unit and kind; with `at`, only those working that day.
    pub async fn find_agencies(&self, query: &AgencyQuery) -> Result<Vec<Agency>, StoreError> {
        let sql = format!(
            "SELECT {AGENCY_COLUMNS} FROM agencies \
             WHERE ($1 IS NULL OR kind = $1) AND ($2 IS NULL OR unit_code = $2) \
             AND ($3 IS NULL OR ((valid_from IS NULL OR valid_from <= $3) \
                                 AND (valid_to IS NULL OR valid_to >= $3))) \
             ORDER BY code"
        );
        let kind = query.kind.map(AgencyKind::as_str);
        let rows: Vec<AgencyRow> = on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(kind)
            .bind(&query.unit)
            .bind(query.at)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(agency_from_row).collect()
    }

    /// Creates an agency; its parent must exist and its code be new.
    pub async fn create_agency(
        &self,
        agency: &Agency,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        if agency_in_tx(&mut tx, agency.code.as_str()).await?.is_some() {
            return Err(StoreError::Conflict {
                code: "agency_exists",
                detail: format!("mã định danh {} đã được dùng", agency.code),
            });
        }
        check_agency_links(&mut tx, agency).await?;
        insert_agency(&mut tx, agency, at).await?;
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    /// Replaces an agency's fields (its code stays).
    pub async fn update_agency(
        &self,
        agency: &Agency,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        if agency_in_tx(&mut tx, agency.code.as_str()).await?.is_none() {
            return Err(StoreError::NotFound(format!("cơ quan {}", agency.code)));
        }
        check_agency_links(&mut tx, agency).await?;
        update_agency_row(&mut tx, agency).await?;
        append(&mut tx, audit).await?;
        tx.commit().await
    }
}

/// An agency's parent must exist and not be itself; its unit must exist at some date.
async fn check_agency_links(tx: &mut Tx, agency: &Agency) -> Result<(), StoreError> {
    if let Some(parent) = &agency.parent_code {
        if parent == &agency.code {
            return Err(StoreError::Conflict {
                code: "agency_parent_loop",
                detail: "cơ quan không thể là cấp trên của chính nó".into(),
            });
        }
        if agency_in_tx(tx, parent.as_str()).await?.is_none() {
            return Err(StoreError::NotFound(format!("cơ quan cấp trên {parent}")));
        }
    }
    let unit: Option<i32> = on_tx!(tx, |conn| {
        sqlx::query_scalar("SELECT 1 FROM admin_units WHERE code = $1 LIMIT 1")
            .bind(&agency.unit_code)
            .fetch_optional(&mut *conn)
            .await?
    });
    if unit.is_none() {
        return Err(StoreError::NotFound(format!(
            "đơn vị hành chính {}",
            agency.unit_code
        )));
    }
    Ok(())
}
