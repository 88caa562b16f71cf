//! The transition's facts and its application. The plan itself is decided by
//! `motcua_domain::transition::plan`.
//!
//! Everything bound to an agency is listed in [`AGENCY_BOUND`]: the plan moves each row
//! of each table there from an abolished agency to its successor. Dossiers in flight
//! ([`DOSSIER_KIND`]) move too, but through the dossier store (their state is partly in a
//! JSON body, and each move is an event of the dossier), in the same transaction.

use crate::audit::append;
use crate::dossiers::row::DOSSIER_KIND;
use crate::tx::on_tx;
use crate::units::{UNIT_COLUMNS, UnitRow, unit_from_row};
use crate::{AgencyQuery, Store, StoreError, on_pool};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::agency::{Agency, AgencyCode};
use motcua_domain::audit::AuditEntry;
use motcua_domain::transition::{AbolishedAgency, BoundItem, TransitionPlan};
use motcua_domain::unit::SuccessionLink;
use serde::Serialize;
use uuid::Uuid;

/// A table whose rows belong to an agency and follow it to its successor.
#[derive(Debug, Clone, Copy)]
pub struct AgencyBound {
    /// The item kind in plans, events and reports, e.g. `user`.
    pub kind: &'static str,
    pub label_vi: &'static str,
    pub table: &'static str,
    /// A column that identifies a row.
    pub key_column: &'static str,
    /// A column to show people.
    pub label_column: &'static str,
    pub agency_column: &'static str,
    /// The applicant's address, for the address rule (dossiers).
    pub address_column: Option<&'static str>,
    /// Extra SQL condition: which rows move (e.g. only dossiers in flight).
    pub filter: Option<&'static str>,
}

/// Everything that moves with an agency. Add a line here to make a new table follow
/// the transition: procedure assignments and in-flight dossiers belong here when their
/// tables exist.
pub const AGENCY_BOUND: &[AgencyBound] = &[AgencyBound {
    kind: "user",
    label_vi: "Tài khoản người dùng",
    table: "users",
    key_column: "username",
    label_column: "display_name",
    agency_column: "agency_code",
    address_column: None,
    filter: None,
}];

/// The label of an item kind, for pages and reports.
pub fn bound_kind_label(kind: &str) -> &'static str {
    match kind {
        "agency" => "Cơ quan",
        DOSSIER_KIND => "Hồ sơ đang giải quyết",
        other => AGENCY_BOUND
            .iter()
            .find(|b| b.kind == other)
            .map_or("Khác", |b| b.label_vi),
    }
}

/// What one `apply` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TransitionReport {
    pub agencies_closed: usize,
    pub agencies_linked: usize,
    pub items_moved: usize,
    /// Of `items_moved`, dossiers in flight.
    pub dossiers_moved: usize,
    /// Items with no decision, left where they are.
    pub items_left: usize,
    /// Of `items_left`, accounts deactivated (their agency stops and nothing takes them).
    pub users_deactivated: usize,
}

/// One moved item, as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct TransitionMove {
    pub effective: NaiveDate,
    pub kind: String,
    pub item_key: String,
    pub from_agency: String,
    pub to_agency: String,
    pub decision: String,
    pub at: DateTime<Utc>,
}

impl Store {
    /// The agencies that stop at `effective` (they end the day before, or their unit does
    /// and no unit with that code goes on), each with its unit, its unit's successors and
    /// the items bound to it; and the agencies working at `effective`.
    pub async fn transition_facts(
        &self,
        effective: NaiveDate,
    ) -> Result<(Vec<AbolishedAgency>, Vec<Agency>), StoreError> {
        let day_before = effective
            .pred_opt()
            .ok_or_else(|| StoreError::Config("ngày hiệu lực không hợp lệ".into()))?;
        let before = self
            .find_agencies(&AgencyQuery {
                at: Some(day_before),
                ..AgencyQuery::default()
            })
            .await?;
        let working = self
            .find_agencies(&AgencyQuery {
                at: Some(effective),
                ..AgencyQuery::default()
            })
            .await?;
        let ended_sql =
            format!("SELECT {UNIT_COLUMNS} FROM admin_units WHERE valid_to = $1 ORDER BY code");
        let ended: Vec<UnitRow> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(ended_sql))
                .bind(day_before)
                .fetch_all(pool)
                .await?);
        let ended: std::collections::HashMap<String, _> = ended
            .into_iter()
            .map(unit_from_row)
            .map(|u| u.map(|u| (u.code.clone(), u)))
            .collect::<Result<_, _>>()?;
        let mut abolished = Vec::new();
        for agency in before {
            let Some(unit) = ended.get(&agency.unit_code) else {
                continue;
            };
            let agency_ends = agency.valid_to == Some(day_before);
            let code_goes_on = self.unit_at(&agency.unit_code, effective).await?.is_some();
            let still_working = working.iter().any(|w| w.code == agency.code);
            if !(agency_ends || (!code_goes_on && still_working)) {
                continue;
            }
            let links: Vec<(String, String)> = on_pool!(self, |pool| sqlx::query_as(
                "SELECT new_code, link FROM unit_successions \
                 WHERE old_code = $1 AND effective = $2 ORDER BY new_code"
            )
            .bind(&unit.code)
            .bind(effective)
            .fetch_all(pool)
            .await?);
            let mut successors = Vec::new();
            for (new_code, link) in links {
                if let Some(new_unit) = self.unit_at(&new_code, effective).await? {
                    let link: SuccessionLink = link.parse().map_err(StoreError::Config)?;
                    successors.push((new_unit, link));
                }
            }
            let items = self.bound_items(agency.code.as_str()).await?;
            abolished.push(AbolishedAgency {
                agency,
                unit: unit.clone(),
                successors,
                items,
            });
        }
        Ok((abolished, working))
    }

    async fn bound_items(&self, agency: &str) -> Result<Vec<BoundItem>, StoreError> {
        let mut items = Vec::new();
        for b in AGENCY_BOUND {
            let sql = format!(
                "SELECT {key}, {label}, {address} FROM {table} WHERE {agency} = $1{filter} ORDER BY {key}",
                key = b.key_column,
                label = b.label_column,
                address = b.address_column.unwrap_or("NULL"),
                table = b.table,
                agency = b.agency_column,
                filter = b.filter.map(|f| format!(" AND ({f})")).unwrap_or_default(),
            );
            let rows: Vec<(String, String, Option<String>)> =
                on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(agency)
                    .fetch_all(pool)
                    .await?);
            items.extend(rows.into_iter().map(|(key, label, address)| BoundItem {
                kind: b.kind.to_owned(),
                key,
                label,
                address,
            }));
        }
        items.extend(self.in_flight_items(agency).await?);
        Ok(items)
    }

    /// Carries a plan out in one transaction: closes each abolished agency the day before,
    /// links it to its successor, and moves each decided item, with one audit event per
    /// change. Items already moved are skipped, so applying twice changes nothing more.
    pub async fn apply_transition(
        &self,
        plan: &TransitionPlan,
        at: DateTime<Utc>,
        actor: &AuditEntry,
    ) -> Result<TransitionReport, StoreError> {
        let effective = plan.effective;
        let day_before = effective
            .pred_opt()
            .ok_or_else(|| StoreError::Config("ngày hiệu lực không hợp lệ".into()))?;
        let event = |action: &str, subject: String, detail: serde_json::Value| AuditEntry {
            at,
            action: action.to_owned(),
            subject,
            detail: detail.to_string(),
            ..actor.clone()
        };
        let mut report = TransitionReport::default();
        let mut tx = self.begin_write().await?;
        for m in &plan.agencies {
            let from = m.agency.code.as_str();
            let closed = on_tx!(&mut tx, |conn| sqlx::query(
                "UPDATE agencies SET valid_to = $2 \
                 WHERE code = $1 AND (valid_to IS NULL OR valid_to > $2)"
            )
            .bind(from)
            .bind(day_before)
            .execute(&mut *conn)
            .await?
            .rows_affected());
            let linked = match &m.target {
                Some(t) => on_tx!(&mut tx, |conn| sqlx::query(
                    "UPDATE agencies SET successor_code = $2 \
                     WHERE code = $1 AND (successor_code IS NULL OR successor_code <> $2)"
                )
                .bind(from)
                .bind(&t.code)
                .execute(&mut *conn)
                .await?
                .rows_affected()),
                None => 0,
            };
            if closed + linked > 0 {
                report.agencies_closed += closed as usize;
                report.agencies_linked += linked as usize;
                let to = m.target.as_ref().map(|t| t.code.clone());
                append(
                    &mut tx,
                    event(
                        "transition.agency_closed",
                        format!("agency:{from}"),
                        serde_json::json!({
                            "effective": effective,
                            "valid_to": day_before,
                            "successor": to,
                            "decision": m.decision,
                        }),
                    ),
                )
                .await?;
                record_move(
                    &mut tx,
                    effective,
                    "agency",
                    from,
                    from,
                    to.as_deref().unwrap_or(""),
                    &m.decision.label_vi(),
                    at,
                )
                .await?;
            }
            let mut legal_basis = None;
            for item in &m.items {
                let Some(target) = &item.target else {
                    report.items_left += 1;
                    // An account of a stopped agency with nowhere to go must not keep working.
                    if item.kind == "user" {
                        let sql = "UPDATE users SET active = FALSE \
                            WHERE username = $1 AND agency_code = $2 AND active RETURNING id";
                        let id: Option<uuid::Uuid> =
                            on_tx!(&mut tx, |conn| sqlx::query_scalar(sql)
                                .bind(&item.key)
                                .bind(from)
                                .fetch_optional(&mut *conn)
                                .await?);
                        if let Some(id) = id {
                            crate::accounts::revoke_user_secrets(&mut tx, id).await?;
                            append(
                                &mut tx,
                                event(
                                    "user.deactivated",
                                    format!("user:{}", item.key),
                                    serde_json::json!({
                                        "effective": effective,
                                        "agency": from,
                                        "reason": "transition",
                                    }),
                                ),
                            )
                            .await?;
                            report.users_deactivated += 1;
                        }
                    }
                    continue;
                };
                let is_dossier = item.kind == DOSSIER_KIND;
                let moved = if is_dossier {
                    // The dossier's own `moved` event is the audit event of this move.
                    let basis = match &legal_basis {
                        Some(b) => b,
                        None => legal_basis
                            .insert(legal_basis_in_tx(&mut tx, &m.unit.code, effective).await?),
                    };
                    let extra = serde_json::json!({
                        "transition": effective,
                        "decision": item.decision,
                        "legal_basis": basis,
                    });
                    let (from_code, to_code) = (agency_code(from)?, agency_code(&target.code)?);
                    let actor = AuditEntry {
                        at,
                        ..actor.clone()
                    };
                    self.move_dossier_in_tx(&mut tx, &item.key, &from_code, &to_code, &actor, extra)
                        .await?
                } else {
                    let Some(b) = AGENCY_BOUND.iter().find(|b| b.kind == item.kind) else {
                        continue;
                    };
                    let sql = format!(
                        "UPDATE {table} SET {agency} = $3 WHERE {key} = $1 AND {agency} = $2",
                        table = b.table,
                        agency = b.agency_column,
                        key = b.key_column,
                    );
                    let rows = on_tx!(&mut tx, |conn| sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(&item.key)
                        .bind(from)
                        .bind(&target.code)
                        .execute(&mut *conn)
                        .await?
                        .rows_affected());
                    if rows > 0 {
                        append(
                            &mut tx,
                            event(
                                "transition.item_moved",
                                format!("{}:{}", item.kind, item.key),
                                serde_json::json!({
                                    "effective": effective,
                                    "from": from,
                                    "to": target.code,
                                    "decision": item.decision,
                                }),
                            ),
                        )
                        .await?;
                    }
                    rows > 0
                };
                if !moved {
                    continue;
                }
                report.items_moved += 1;
                report.dossiers_moved += usize::from(is_dossier);
                record_move(
                    &mut tx,
                    effective,
                    &item.kind,
                    &item.key,
                    from,
                    &target.code,
                    &item.decision.label_vi(),
                    at,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(report)
    }

    /// What the transition at `effective` has moved so far, oldest first.
    pub async fn transition_moves(
        &self,
        effective: NaiveDate,
    ) -> Result<Vec<TransitionMove>, StoreError> {
        let sql = "SELECT effective, kind, item_key, from_agency, to_agency, decision, at \
            FROM transition_moves WHERE effective = $1 ORDER BY at, id";
        type Row = (
            NaiveDate,
            String,
            String,
            String,
            String,
            String,
            DateTime<Utc>,
        );
        let rows: Vec<Row> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(effective)
            .fetch_all(pool)
            .await?);
        Ok(rows
            .into_iter()
            .map(|r| TransitionMove {
                effective: r.0,
                kind: r.1,
                item_key: r.2,
                from_agency: r.3,
                to_agency: r.4,
                decision: r.5,
                at: r.6,
            })
            .collect())
    }
}

fn agency_code(code: &str) -> Result<AgencyCode, StoreError> {
    AgencyCode::parse(code).map_err(|e| StoreError::Config(format!("mã cơ quan {code}: {e}")))
}

/// The legal bases of the successions of `unit` at `effective`, joined; None without any.
async fn legal_basis_in_tx(
    tx: &mut crate::tx::Tx,
    unit: &str,
    effective: NaiveDate,
) -> Result<Option<String>, StoreError> {
    let sql = "SELECT DISTINCT legal_basis FROM unit_successions \
        WHERE old_code = $1 AND effective = $2 AND legal_basis <> '' ORDER BY legal_basis";
    let bases: Vec<String> = on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(unit)
        .bind(effective)
        .fetch_all(&mut *conn)
        .await?);
    Ok((!bases.is_empty()).then(|| bases.join("; ")))
}

#[allow(clippy::too_many_arguments)]
async fn record_move(
    tx: &mut crate::tx::Tx,
    effective: NaiveDate,
    kind: &str,
    key: &str,
    from: &str,
    to: &str,
    decision: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO transition_moves \
        (id, effective, kind, item_key, from_agency, to_agency, decision, at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(Uuid::now_v7())
        .bind(effective)
        .bind(kind)
        .bind(key)
        .bind(from)
        .bind(to)
        .bind(decision)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}
