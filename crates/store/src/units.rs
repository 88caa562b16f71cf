//! Administrative units, their successions, and agencies.

use crate::accounts::NewUser;
use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::agency::{Agency, AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::unit::{AdminUnit, UnitKind, UnitSuccession, Validity};
use uuid::Uuid;

/// Everything a fresh database needs at once (the demo, or a province's first load).
/// Loaded in one transaction: all of it or none of it.
#[derive(Debug, Default)]
pub struct SeedData {
    pub units: Vec<AdminUnit>,
    pub successions: Vec<UnitSuccession>,
    pub agencies: Vec<Agency>,
    pub users: Vec<NewUser>,
    pub settings: Vec<(String, String)>,
    /// A procedure catalogue to publish with the rest, in the same transaction.
    pub catalogue: Option<crate::CatalogueLoad>,
}

/// How many units of each kind a parent has at a date.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct UnitCounts {
    pub total: i64,
    pub by_kind: Vec<(UnitKind, i64)>,
}

impl UnitCounts {
    pub fn of(&self, kind: UnitKind) -> i64 {
        self.by_kind
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }
}

type UnitRow = (
    String,
    String,
    String,
    Option<String>,
    NaiveDate,
    Option<NaiveDate>,
);
type AgencyRow = (String, String, String, String, Option<String>);

fn unit_from_row(r: UnitRow) -> Result<AdminUnit, StoreError> {
    Ok(AdminUnit {
        code: r.0,
        name: r.1,
        kind: r.2.parse().map_err(StoreError::Config)?,
        parent_code: r.3,
        validity: Validity {
            valid_from: r.4,
            valid_to: r.5,
        },
    })
}

fn agency_from_row(r: AgencyRow) -> Result<Agency, StoreError> {
    let code = |s: &str| AgencyCode::parse(s).map_err(|e| StoreError::Config(e.to_string()));
    Ok(Agency {
        code: code(&r.0)?,
        name: r.1,
        kind: r.2.parse().map_err(StoreError::Config)?,
        unit_code: r.3,
        parent_code: r.4.as_deref().map(code).transpose()?,
    })
}

async fn insert_unit(tx: &mut Tx, u: &AdminUnit) -> Result<(), StoreError> {
    let sql = "INSERT INTO admin_units (code, valid_from, valid_to, name, kind, parent_code) \
        VALUES ($1, $2, $3, $4, $5, $6)";
    on_tx!(tx, |conn| {
        sqlx::query(sql)
            .bind(&u.code)
            .bind(u.validity.valid_from)
            .bind(u.validity.valid_to)
            .bind(&u.name)
            .bind(u.kind.as_str())
            .bind(&u.parent_code)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

async fn insert_succession(tx: &mut Tx, s: &UnitSuccession) -> Result<(), StoreError> {
    let sql = "INSERT INTO unit_successions (old_code, new_code, link, effective, legal_basis) \
        VALUES ($1, $2, $3, $4, $5)";
    on_tx!(tx, |conn| {
        sqlx::query(sql)
            .bind(&s.old_code)
            .bind(&s.new_code)
            .bind(s.link.as_str())
            .bind(s.effective)
            .bind(&s.legal_basis)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

async fn insert_agency(tx: &mut Tx, a: &Agency, at: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "INSERT INTO agencies (code, name, kind, unit_code, parent_code, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6)";
    on_tx!(tx, |conn| {
        sqlx::query(sql)
            .bind(a.code.as_str())
            .bind(&a.name)
            .bind(a.kind.as_str())
            .bind(&a.unit_code)
            .bind(a.parent_code.as_ref().map(AgencyCode::as_str))
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

async fn insert_user(tx: &mut Tx, u: &NewUser, at: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "INSERT INTO users \
        (id, username, display_name, password_hash, role, agency_code, active, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_tx!(tx, |conn| {
        sqlx::query(sql)
            .bind(Uuid::now_v7())
            .bind(u.username.as_str())
            .bind(&u.display_name)
            .bind(&u.password_hash)
            .bind(u.role.as_str())
            .bind(&u.agency_code)
            .bind(true)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

impl Store {
    /// Loads seed data in one transaction with one audit event. Parents must come
    /// before children in `agencies`, because parents are checked by foreign key.
    pub async fn load_seed(
        &self,
        seed: &SeedData,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for unit in &seed.units {
            insert_unit(&mut tx, unit).await?;
        }
        for succession in &seed.successions {
            insert_succession(&mut tx, succession).await?;
        }
        for agency in &seed.agencies {
            insert_agency(&mut tx, agency, at).await?;
        }
        for user in &seed.users {
            insert_user(&mut tx, user, at).await?;
        }
        for (key, value) in &seed.settings {
            crate::settings::put(&mut tx, key, value).await?;
        }
        if let Some(catalogue) = &seed.catalogue {
            crate::catalogue::load_catalogue_in_tx(&mut tx, catalogue, at, &audit).await?;
        }
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    /// The unit with this code valid at `at`.
    pub async fn unit_at(
        &self,
        code: &str,
        at: NaiveDate,
    ) -> Result<Option<AdminUnit>, StoreError> {
        let sql = "SELECT code, name, kind, parent_code, valid_from, valid_to FROM admin_units \
            WHERE code = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2)";
        let row: Option<UnitRow> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(code)
            .bind(at)
            .fetch_optional(pool)
            .await?);
        row.map(unit_from_row).transpose()
    }

    /// The units under `parent` valid at `at`, by code.
    pub async fn child_units_at(
        &self,
        parent: &str,
        at: NaiveDate,
    ) -> Result<Vec<AdminUnit>, StoreError> {
        let sql = "SELECT code, name, kind, parent_code, valid_from, valid_to FROM admin_units \
            WHERE parent_code = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2) \
            ORDER BY code";
        let rows: Vec<UnitRow> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(parent)
            .bind(at)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(unit_from_row).collect()
    }

    pub async fn count_child_units_at(
        &self,
        parent: &str,
        at: NaiveDate,
    ) -> Result<UnitCounts, StoreError> {
        let sql = "SELECT kind, COUNT(*) FROM admin_units \
            WHERE parent_code = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2) \
            GROUP BY kind ORDER BY kind";
        let rows: Vec<(String, i64)> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(parent)
            .bind(at)
            .fetch_all(pool)
            .await?);
        let mut counts = UnitCounts::default();
        for (kind, n) in rows {
            counts.total += n;
            counts
                .by_kind
                .push((kind.parse().map_err(StoreError::Config)?, n));
        }
        Ok(counts)
    }

    pub async fn count_successions(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM unit_successions")
                .fetch_one(pool)
                .await?
        }))
    }

    pub async fn agency(&self, code: &str) -> Result<Option<Agency>, StoreError> {
        let sql = "SELECT code, name, kind, unit_code, parent_code FROM agencies WHERE code = $1";
        let row: Option<AgencyRow> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(code)
            .fetch_optional(pool)
            .await?);
        row.map(agency_from_row).transpose()
    }

    pub async fn agencies(&self, kind: Option<AgencyKind>) -> Result<Vec<Agency>, StoreError> {
        let sql = "SELECT code, name, kind, unit_code, parent_code FROM agencies \
            WHERE ($1 IS NULL OR kind = $1) ORDER BY code";
        let kind = kind.map(AgencyKind::as_str);
        let rows: Vec<AgencyRow> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(kind)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(agency_from_row).collect()
    }
}
