//! Publication decisions: publishing and withdrawing versions, and devolving procedures
//! to levels and agencies over time.

use super::read::{AssignmentRow, SELECT_ASSIGNMENT};
use super::{
    AssignmentRecord, Decision, Devolution, NewDecision, Publication, PublicationOutcome,
    bump_revision, check_agency, corrupt, current_version_id, derived, invalid, latest_version,
    procedure_exists,
};
use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::procedure::{
    Assignment, Cut, Procedure, ProcedureCode, ProcedureError, VersionState, check_transition,
    cut_at,
};
use std::collections::BTreeSet;
use uuid::Uuid;

pub(super) async fn insert_decision(
    tx: &mut Tx,
    d: &NewDecision,
    by: &str,
    at: DateTime<Utc>,
) -> Result<Decision, StoreError> {
    if d.number.trim().is_empty() || d.signer.trim().is_empty() {
        return Err(StoreError::Invalid {
            code: "invalid_decision",
            detail: "Quyết định công bố phải có số và người ký.".into(),
        });
    }
    if d.required_count.is_some_and(|n| n < 0) {
        return Err(StoreError::Invalid {
            code: "invalid_decision",
            detail: "Số thủ tục phải công bố không được âm.".into(),
        });
    }
    let decision = Decision {
        id: Uuid::now_v7(),
        number: d.number.trim().to_owned(),
        decided_on: d.decided_on,
        signer: d.signer.trim().to_owned(),
        required_count: d.required_count,
        created_by: by.to_owned(),
        created_at: at,
    };
    let sql = "INSERT INTO publication_decisions (id, number, decided_on, signer, required_count, \
        created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    let e = &decision;
    let result = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(e.id)
        .bind(&e.number)
        .bind(e.decided_on)
        .bind(&e.signer)
        .bind(e.required_count)
        .bind(&e.created_by)
        .bind(e.created_at)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()));
    match result {
        Ok(_) => Ok(decision),
        Err(err) if StoreError::is_unique_violation(&err) => Err(StoreError::Conflict {
            code: "duplicate_decision_number",
            detail: format!("Đã có quyết định số {}.", decision.number),
        }),
        Err(err) => Err(err.into()),
    }
}

async fn open_assignments(tx: &mut Tx, code: &str) -> Result<Vec<AssignmentRecord>, StoreError> {
    let sql = format!(
        "{SELECT_ASSIGNMENT} WHERE a.procedure_code = $1 ORDER BY a.effective_from, a.level"
    );
    let rows: Vec<AssignmentRow> = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_all(&mut *conn)
        .await?);
    rows.into_iter().map(AssignmentRecord::try_from).collect()
}

/// Cuts the assignments `which` selects so that new ones can start on `from`.
async fn cut_assignments(
    tx: &mut Tx,
    code: &str,
    from: NaiveDate,
    which: impl Fn(&Assignment) -> bool,
) -> Result<(), StoreError> {
    for record in open_assignments(tx, code).await? {
        if !which(&record.assignment) {
            continue;
        }
        match cut_at(&record.assignment, from) {
            Some(Cut::Drop) => {
                let sql = "DELETE FROM procedure_assignments WHERE id = $1";
                on_tx!(tx, |conn| sqlx::query(sql)
                    .bind(record.id)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected());
            }
            Some(Cut::CloseOn(to)) => {
                let sql = "UPDATE procedure_assignments SET effective_to = $2 WHERE id = $1";
                on_tx!(tx, |conn| sqlx::query(sql)
                    .bind(record.id)
                    .bind(to)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected());
            }
            None => {}
        }
    }
    Ok(())
}

async fn insert_assignment(
    tx: &mut Tx,
    code: &str,
    a: &Assignment,
    decision: Option<Uuid>,
    note: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO procedure_assignments (id, procedure_code, level, agency_code, \
        agency_kind, effective_from, effective_to, decision_id, note, created_by, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(Uuid::now_v7())
        .bind(code)
        .bind(a.level.as_str())
        .bind(a.agency_code.as_ref().map(AgencyCode::as_str))
        .bind(a.agency_kind.map(AgencyKind::as_str))
        .bind(a.effective_from)
        .bind(a.effective_to)
        .bind(decision)
        .bind(note)
        .bind(by)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// The same place of handling, whatever the dates.
fn same_place(a: &Assignment, b: &Assignment) -> bool {
    a.level == b.level && a.agency_code == b.agency_code && a.agency_kind == b.agency_kind
}

/// Publishes the newest draft of `code` under `decision`; the version it replaces is
/// superseded. Assignments change only where the levels or agency changed.
pub(super) async fn publish_in_tx(
    tx: &mut Tx,
    code: &str,
    decision: &Decision,
    by: &str,
    at: DateTime<Utc>,
    template: &AuditEntry,
) -> Result<i64, StoreError> {
    let Some((draft_id, version_no, state)) = latest_version(tx, code).await? else {
        return Err(StoreError::NotFound(format!("thủ tục {code}")));
    };
    check_transition(state, VersionState::Published).map_err(|e| match state {
        VersionState::Published => StoreError::Conflict {
            code: "invalid_state_transition",
            detail: format!("Thủ tục {code} không có dự thảo mới để công bố ({e})."),
        },
        _ => StoreError::Conflict {
            code: e.code(),
            detail: e.to_string(),
        },
    })?;
    let previous = current_version_id(tx, code).await?;
    if let Some(previous) = previous {
        let sql = "UPDATE procedure_versions SET state = $2, ended_by = $3, ended_at = $4, \
            ended_decision_id = $5 WHERE id = $1";
        on_tx!(tx, |conn| sqlx::query(sql)
            .bind(previous)
            .bind(VersionState::Superseded.as_str())
            .bind(by)
            .bind(at)
            .bind(decision.id)
            .execute(&mut *conn)
            .await?
            .rows_affected());
    }
    let sql = "UPDATE procedure_versions SET state = $2, published_by = $3, published_at = $4, \
        published_decision_id = $5 WHERE id = $1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(draft_id)
        .bind(VersionState::Published.as_str())
        .bind(by)
        .bind(at)
        .bind(decision.id)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    let sql = "UPDATE procedures SET current_version_id = $2 WHERE code = $1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(code)
        .bind(draft_id)
        .execute(&mut *conn)
        .await?
        .rows_affected());

    // Where it is handled: a first publication from its validity date (or the decision's
    // date); a later one changes the arrangement no earlier than its decision.
    let body_sql = "SELECT body FROM procedure_versions WHERE id = $1";
    let body: String = on_tx!(tx, |conn| sqlx::query_scalar(body_sql)
        .bind(draft_id)
        .fetch_one(&mut *conn)
        .await?);
    let procedure: Procedure = serde_json::from_str(&body).map_err(corrupt)?;
    let all: Vec<Assignment> = open_assignments(tx, code)
        .await?
        .into_iter()
        .map(|r| r.assignment)
        .collect();
    let stated = procedure.valid_from.unwrap_or(decision.decided_on);
    let from = if all.is_empty() {
        stated
    } else {
        stated.max(decision.decided_on)
    };
    let wanted = procedure.assignments_from(from);
    let existing: Vec<&Assignment> = all.iter().filter(|a| a.effective_to.is_none()).collect();
    let unchanged = existing.len() == wanted.len()
        && wanted
            .iter()
            .all(|w| existing.iter().any(|e| same_place(e, w)));
    if !unchanged {
        cut_assignments(tx, code, from, |_| true).await?;
        for a in &wanted {
            insert_assignment(tx, code, a, Some(decision.id), "Công bố", by, at).await?;
        }
    }
    append(
        tx,
        derived(
            template,
            "procedure.published",
            format!("procedure:{code}"),
            serde_json::json!({ "version": version_no, "decision": decision.number }),
        ),
    )
    .await?;
    Ok(version_no)
}

pub(super) async fn withdraw_in_tx(
    tx: &mut Tx,
    code: &str,
    decision: &Decision,
    by: &str,
    at: DateTime<Utc>,
    template: &AuditEntry,
) -> Result<(), StoreError> {
    if !procedure_exists(tx, code).await? {
        return Err(StoreError::NotFound(format!("thủ tục {code}")));
    }
    let Some(current) = current_version_id(tx, code).await? else {
        let state = latest_version(tx, code)
            .await?
            .map_or(VersionState::Draft, |v| v.2);
        let e = check_transition(state, VersionState::Withdrawn)
            .err()
            .unwrap_or(ProcedureError::InvalidStateTransition {
                from: state,
                to: VersionState::Withdrawn,
            });
        return Err(StoreError::Conflict {
            code: e.code(),
            detail: format!("Thủ tục {code} chưa được công bố nên không thể bãi bỏ ({e})."),
        });
    };
    let sql = "UPDATE procedure_versions SET state = $2, ended_by = $3, ended_at = $4, \
        ended_decision_id = $5 WHERE id = $1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(current)
        .bind(VersionState::Withdrawn.as_str())
        .bind(by)
        .bind(at)
        .bind(decision.id)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    let sql = "UPDATE procedures SET current_version_id = NULL WHERE code = $1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(code)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    cut_assignments(tx, code, decision.decided_on, |_| true).await?;
    append(
        tx,
        derived(
            template,
            "procedure.withdrawn",
            format!("procedure:{code}"),
            serde_json::json!({ "decision": decision.number }),
        ),
    )
    .await?;
    Ok(())
}

impl Store {
    /// Publishes and withdraws procedures under one decision, all or nothing.
    /// `audit` is the decision's event; each procedure gets its own event as well.
    pub async fn publish(
        &self,
        publication: &Publication,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<PublicationOutcome, StoreError> {
        let both: Vec<_> = publication
            .publish
            .iter()
            .filter(|c| publication.withdraw.contains(c))
            .collect();
        if let Some(code) = both.first() {
            return Err(StoreError::Invalid {
                code: "publish_and_withdraw",
                detail: format!("Thủ tục {code} không thể vừa công bố vừa bãi bỏ."),
            });
        }
        if publication.publish.is_empty() && publication.withdraw.is_empty() {
            return Err(StoreError::Invalid {
                code: "empty_publication",
                detail: "Quyết định phải công bố hoặc bãi bỏ ít nhất một thủ tục.".into(),
            });
        }
        let by = audit.actor.clone();
        let mut tx = self.begin_write().await?;
        let decision = insert_decision(&mut tx, &publication.decision, &by, at).await?;
        let mut published = Vec::new();
        for code in unique(&publication.publish) {
            let no = publish_in_tx(&mut tx, code, &decision, &by, at, &audit).await?;
            published.push((code.to_owned(), no));
        }
        let mut withdrawn = Vec::new();
        for code in unique(&publication.withdraw) {
            withdraw_in_tx(&mut tx, code, &decision, &by, at, &audit).await?;
            withdrawn.push(code.to_owned());
        }
        bump_revision(&mut tx).await?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(PublicationOutcome {
            decision,
            published,
            withdrawn,
        })
    }

    /// Moves a published procedure to another level or agency from a date.
    pub async fn devolve(
        &self,
        d: &Devolution,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let code = d.code.as_str();
        if d.agency_code.is_none() && d.agency_kind.is_none() {
            return Err(invalid(&ProcedureError::Missing {
                field: "agency_code",
                label: "cơ quan hoặc loại cơ quan thực hiện",
            }));
        }
        let by = audit.actor.clone();
        let mut tx = self.begin_write().await?;
        if !procedure_exists(&mut tx, code).await? {
            return Err(StoreError::NotFound(format!("thủ tục {code}")));
        }
        if current_version_id(&mut tx, code).await?.is_none() {
            return Err(StoreError::Conflict {
                code: "procedure_not_published",
                detail: format!("Thủ tục {code} chưa được công bố nên chưa thể phân cấp."),
            });
        }
        if let Some(agency) = &d.agency_code {
            check_agency(&mut tx, agency).await?;
        }
        let from_level = d.from_level;
        cut_assignments(&mut tx, code, d.effective_from, |a| {
            from_level.is_none_or(|l| l == a.level)
        })
        .await?;
        let new = Assignment {
            level: d.to_level,
            agency_code: d.agency_code.clone(),
            agency_kind: d.agency_kind,
            effective_from: d.effective_from,
            effective_to: None,
        };
        insert_assignment(&mut tx, code, &new, None, d.note.trim(), &by, at).await?;
        bump_revision(&mut tx).await?;
        append(&mut tx, audit).await?;
        tx.commit().await
    }
}

fn unique(codes: &[ProcedureCode]) -> Vec<&str> {
    let mut seen = BTreeSet::new();
    codes
        .iter()
        .map(ProcedureCode::as_str)
        .filter(|c| seen.insert(*c))
        .collect()
}
