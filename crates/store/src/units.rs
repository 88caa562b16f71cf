//! Administrative units and their successions: seeding and reading. Agencies are in
//! `agencies.rs`, imports in `import.rs`, the transition in `transition.rs`.

use crate::accounts::NewUser;
use crate::agencies::insert_agency;
use crate::audit::append;
use crate::rows::{INSERT_CHUNK, values_placeholders};
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::agency::Agency;
use motcua_domain::audit::AuditEntry;
use motcua_domain::text::fold;
use motcua_domain::unit::{AdminUnit, SuccessionLink, UnitKind, UnitSuccession, Validity};
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

/// A unit search: any mix of filters, at one date.
#[derive(Debug, Clone)]
pub struct UnitQuery {
    pub at: NaiveDate,
    pub kind: Option<UnitKind>,
    pub parent: Option<String>,
    /// Free text, matched without diacritics against the full name (or the exact code).
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// One page of search results and how many there are in all.
#[derive(Debug, Clone)]
pub struct UnitPage {
    pub total: i64,
    pub units: Vec<AdminUnit>,
}

/// A succession link with the units at both ends resolved at their dates
/// (the old unit on the day before the change, the new one on the day of it).
#[derive(Debug, Clone)]
pub struct SuccessionDetail {
    pub succession: UnitSuccession,
    pub old_unit: Option<AdminUnit>,
    pub new_unit: Option<AdminUnit>,
}

pub(crate) type UnitRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    NaiveDate,
    Option<NaiveDate>,
);
pub(crate) const UNIT_COLUMNS: &str =
    "code, name, full_name, kind, parent_code, valid_from, valid_to";
/// Rows valid at `$N`: the condition, with the date's placeholder.
fn valid_at(n: usize) -> String {
    format!("valid_from <= ${n} AND (valid_to IS NULL OR valid_to >= ${n})")
}

pub(crate) fn unit_from_row(r: UnitRow) -> Result<AdminUnit, StoreError> {
    Ok(AdminUnit {
        code: r.0,
        name: r.1,
        full_name: r.2,
        kind: r.3.parse().map_err(StoreError::Config)?,
        parent_code: r.4,
        validity: Validity {
            valid_from: r.5,
            valid_to: r.6,
        },
    })
}

/// The form `search_name` stores: the full name folded.
pub(crate) fn search_name(u: &AdminUnit) -> String {
    fold(&u.full_name)
}

/// Inserts unit intervals, many rows per statement.
pub(crate) async fn insert_units(tx: &mut Tx, units: &[AdminUnit]) -> Result<(), StoreError> {
    for chunk in units.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO admin_units \
             (code, valid_from, valid_to, name, full_name, kind, parent_code, search_name) VALUES {}",
            values_placeholders(tx.backend(), chunk.len(), 8)
        );
        on_tx!(tx, |conn| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for u in chunk {
                q = q
                    .bind(&u.code)
                    .bind(u.validity.valid_from)
                    .bind(u.validity.valid_to)
                    .bind(&u.name)
                    .bind(&u.full_name)
                    .bind(u.kind.as_str())
                    .bind(&u.parent_code)
                    .bind(search_name(u));
            }
            q.execute(&mut *conn).await?.rows_affected()
        });
    }
    Ok(())
}

pub(crate) async fn insert_successions(
    tx: &mut Tx,
    successions: &[UnitSuccession],
) -> Result<(), StoreError> {
    for chunk in successions.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO unit_successions (old_code, new_code, link, effective, legal_basis) VALUES {}",
            values_placeholders(tx.backend(), chunk.len(), 5)
        );
        on_tx!(tx, |conn| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for s in chunk {
                q = q
                    .bind(&s.old_code)
                    .bind(&s.new_code)
                    .bind(s.link.as_str())
                    .bind(s.effective)
                    .bind(&s.legal_basis);
            }
            q.execute(&mut *conn).await?.rows_affected()
        });
    }
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

/// Keeps only letters, digits and single spaces of the folded query, so it is safe in LIKE.
fn like_pattern(q: &str) -> Option<String> {
    let folded: String = fold(q)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = folded.split_whitespace().collect();
    (!words.is_empty()).then(|| format!("%{}%", words.join(" ")))
}

/// Search results first by how closely they match: the exact spelling, then a folded
/// match at the start of the short name, then the rest; province level before communes.
fn rank(u: &AdminUnit, q: &str) -> (u8, u8, String) {
    let q_lower = q.trim().to_lowercase();
    let closeness = if u.full_name.to_lowercase().contains(&q_lower) {
        0
    } else if fold(&u.name).starts_with(&fold(q)) {
        1
    } else {
        2
    };
    let tier = match u.kind {
        k if k.is_province_level() => 0,
        UnitKind::District => 1,
        _ => 2,
    };
    (closeness, tier, u.code.clone())
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
        insert_units(&mut tx, &seed.units).await?;
        insert_successions(&mut tx, &seed.successions).await?;
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

    /// Fills `search_name` for rows written before it existed.
    pub(crate) async fn backfill_search_names(&self) -> Result<(), StoreError> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM admin_units WHERE search_name = ''");
        let rows: Vec<UnitRow> = on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?);
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for row in rows {
            let unit = unit_from_row(row)?;
            let update =
                "UPDATE admin_units SET search_name = $3 WHERE code = $1 AND valid_from = $2";
            on_tx!(&mut tx, |conn| sqlx::query(update)
                .bind(&unit.code)
                .bind(unit.validity.valid_from)
                .bind(search_name(&unit))
                .execute(&mut *conn)
                .await?
                .rows_affected());
        }
        tx.commit().await
    }

    /// The unit with this code valid at `at`.
    pub async fn unit_at(
        &self,
        code: &str,
        at: NaiveDate,
    ) -> Result<Option<AdminUnit>, StoreError> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM admin_units WHERE code = $1 AND {}",
            valid_at(2)
        );
        let row: Option<UnitRow> = on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(code)
            .bind(at)
            .fetch_optional(pool)
            .await?);
        row.map(unit_from_row).transpose()
    }

    /// Every interval a code has had, oldest first.
    pub async fn unit_history(&self, code: &str) -> Result<Vec<AdminUnit>, StoreError> {
        let sql =
            format!("SELECT {UNIT_COLUMNS} FROM admin_units WHERE code = $1 ORDER BY valid_from");
        let rows: Vec<UnitRow> = on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(code)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(unit_from_row).collect()
    }

    /// The units under `parent` valid at `at`, by code.
    pub async fn child_units_at(
        &self,
        parent: &str,
        at: NaiveDate,
    ) -> Result<Vec<AdminUnit>, StoreError> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM admin_units WHERE parent_code = $1 AND {} ORDER BY code",
            valid_at(2)
        );
        let rows: Vec<UnitRow> = on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(parent)
            .bind(at)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(unit_from_row).collect()
    }

    /// Units by kind, parent and text at a date, one page at a time.
    pub async fn search_units(&self, query: &UnitQuery) -> Result<UnitPage, StoreError> {
        let kind = query.kind.map(UnitKind::as_str);
        let pattern = match query.q.as_deref().map(str::trim) {
            Some(q) if !q.is_empty() => match like_pattern(q) {
                Some(p) => Some((q.to_owned(), p)),
                None => {
                    return Ok(UnitPage {
                        total: 0,
                        units: vec![],
                    });
                }
            },
            _ => None,
        };
        let filter = format!(
            "WHERE {} AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR parent_code = $3) \
             AND ($4 IS NULL OR search_name LIKE $4 OR code = $5)",
            valid_at(1)
        );
        let like = pattern.as_ref().map(|(_, p)| p.clone());
        let exact = pattern.as_ref().map(|(q, _)| q.clone());
        if let Some((q, _)) = &pattern {
            // Text searches rank in Rust, so fetch every match (at most a few thousand).
            let sql = format!("SELECT {UNIT_COLUMNS} FROM admin_units {filter}");
            let rows: Vec<UnitRow> =
                on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(query.at)
                    .bind(kind)
                    .bind(&query.parent)
                    .bind(&like)
                    .bind(&exact)
                    .fetch_all(pool)
                    .await?);
            let mut units = rows
                .into_iter()
                .map(unit_from_row)
                .collect::<Result<Vec<_>, _>>()?;
            units.sort_by_cached_key(|u| rank(u, q));
            let total = units.len() as i64;
            let units = units
                .into_iter()
                .skip(query.offset.max(0) as usize)
                .take(query.limit.max(0) as usize)
                .collect();
            return Ok(UnitPage { total, units });
        }
        let count_sql = format!("SELECT COUNT(*) FROM admin_units {filter}");
        let total: i64 = on_pool!(self, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(
            count_sql
        ))
        .bind(query.at)
        .bind(kind)
        .bind(&query.parent)
        .bind(&like)
        .bind(&exact)
        .fetch_one(pool)
        .await?);
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM admin_units {filter} \
             ORDER BY LENGTH(code), code LIMIT $6 OFFSET $7"
        );
        let rows: Vec<UnitRow> = on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(query.at)
            .bind(kind)
            .bind(&query.parent)
            .bind(&like)
            .bind(&exact)
            .bind(query.limit)
            .bind(query.offset)
            .fetch_all(pool)
            .await?);
        let units = rows
            .into_iter()
            .map(unit_from_row)
            .collect::<Result<_, _>>()?;
        Ok(UnitPage { total, units })
    }

    pub async fn count_child_units_at(
        &self,
        parent: &str,
        at: NaiveDate,
    ) -> Result<UnitCounts, StoreError> {
        self.count_units(Some(parent), at).await
    }

    /// Units of each kind in the whole country at a date.
    pub async fn count_units_at(&self, at: NaiveDate) -> Result<UnitCounts, StoreError> {
        self.count_units(None, at).await
    }

    async fn count_units(
        &self,
        parent: Option<&str>,
        at: NaiveDate,
    ) -> Result<UnitCounts, StoreError> {
        let sql = format!(
            "SELECT kind, COUNT(*) FROM admin_units \
             WHERE ($1 IS NULL OR parent_code = $1) AND {} GROUP BY kind ORDER BY kind",
            valid_at(2)
        );
        let rows: Vec<(String, i64)> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
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

    /// The links into `unit` that took effect during its interval: what it was formed from.
    pub async fn predecessors(
        &self,
        unit: &AdminUnit,
    ) -> Result<Vec<SuccessionDetail>, StoreError> {
        let sql = "SELECT old_code, new_code, link, effective, legal_basis FROM unit_successions \
            WHERE new_code = $1 AND effective >= $2 AND ($3 IS NULL OR effective <= $3) \
            ORDER BY effective, old_code";
        self.succession_details(sql, unit, unit.validity.valid_to)
            .await
    }

    /// The links out of `unit` that took effect the day after its interval ended, or
    /// during it (a unit may give up part of itself and go on): what it became.
    pub async fn successors(&self, unit: &AdminUnit) -> Result<Vec<SuccessionDetail>, StoreError> {
        let sql = "SELECT old_code, new_code, link, effective, legal_basis FROM unit_successions \
            WHERE old_code = $1 AND effective > $2 AND ($3 IS NULL OR effective <= $3) \
            ORDER BY effective, new_code";
        let end = unit.validity.valid_to.map(|d| d.succ_opt().unwrap_or(d));
        self.succession_details(sql, unit, end).await
    }

    async fn succession_details(
        &self,
        sql: &'static str,
        unit: &AdminUnit,
        end: Option<NaiveDate>,
    ) -> Result<Vec<SuccessionDetail>, StoreError> {
        let rows: Vec<(String, String, String, NaiveDate, String)> =
            on_pool!(self, |pool| sqlx::query_as(sql)
                .bind(&unit.code)
                .bind(unit.validity.valid_from)
                .bind(end)
                .fetch_all(pool)
                .await?);
        let mut out = Vec::with_capacity(rows.len());
        for (old_code, new_code, link, effective, legal_basis) in rows {
            let before = effective.pred_opt().unwrap_or(effective);
            let old_unit = self.unit_at(&old_code, before).await?;
            let new_unit = self.unit_at(&new_code, effective).await?;
            out.push(SuccessionDetail {
                succession: UnitSuccession {
                    old_code,
                    new_code,
                    link: link.parse::<SuccessionLink>().map_err(StoreError::Config)?,
                    effective,
                    legal_basis,
                },
                old_unit,
                new_unit,
            });
        }
        Ok(out)
    }
}
