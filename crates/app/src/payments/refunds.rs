//! Refunds of fees (Law on Fees and Charges 2015 art. 18; Circular 85/2019/TT-BTC): money taken
//! beyond what was owed, or for a dossier refused, withdrawn or stopped, is paid back once a
//! leader of the collecting agency approves the reason an officer gives.

use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_store::{LedgerEntry, RefundDue, RefundRecord};

fn may_see(who: &Principal, agency: &str) -> bool {
    match who.role {
        Role::ProvinceAdmin | Role::Auditor => true,
        Role::Receiver | Role::Leader | Role::UnitAdmin => {
            who.agency_code.as_deref() == Some(agency)
        }
        _ => false,
    }
}

/// Payments that may be due back: the caller's agency's (every agency's for the province's
/// administrators and auditors).
pub async fn due(app: &App, who: &Principal) -> AppResult<Vec<RefundDue>> {
    who.require(&[
        Role::Receiver,
        Role::Leader,
        Role::UnitAdmin,
        Role::ProvinceAdmin,
        Role::Auditor,
    ])?;
    let scope = match who.role {
        Role::ProvinceAdmin | Role::Auditor => None,
        _ => Some(who.agency_code.as_deref().ok_or_else(AppError::forbidden)?),
    };
    Ok(app.store.refunds_due(scope).await?)
}

async fn payment(app: &App, who: &Principal, transaction_id: &str) -> AppResult<LedgerEntry> {
    match app.store.ledger_entry(transaction_id).await? {
        Some(entry) if may_see(who, &entry.agency_code) => Ok(entry),
        Some(_) => Err(AppError::forbidden()),
        None => Err(AppError::not_found(
            "payment_not_found",
            "Không có khoản thanh toán này.",
        )),
    }
}

/// A refund proposal: the amount (at most what was paid; by default what is due back, or all
/// of it for a dossier that ended without a result) and the reason.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundInput {
    pub amount_vnd: Option<i64>,
    pub reason: String,
}

/// Proposes paying a payment back (one-stop officers and unit administrators of the
/// collecting agency); audited.
pub async fn propose(
    app: &App,
    who: &Principal,
    transaction_id: &str,
    input: &RefundInput,
) -> AppResult<RefundRecord> {
    who.require(&[Role::Receiver, Role::UnitAdmin, Role::ProvinceAdmin])?;
    let entry = payment(app, who, transaction_id).await?;
    let reason = input.reason.trim();
    if reason.chars().count() < 5 {
        return Err(AppError::invalid_field(
            "reason",
            "refund_reason_required",
            "Phải ghi lý do hoàn trả (ít nhất 5 ký tự).",
        ));
    }
    let default = match entry.refund_due_vnd {
        0 => entry.amount_vnd,
        due => due,
    };
    let amount = input.amount_vnd.unwrap_or(default);
    if amount <= 0 || amount > entry.amount_vnd {
        return Err(AppError::invalid_field(
            "amount_vnd",
            "refund_amount_invalid",
            format!(
                "Số tiền hoàn trả phải từ 1 đến {} đồng (số đã nộp).",
                entry.amount_vnd
            ),
        ));
    }
    let now = crate::now();
    let record = RefundRecord {
        transaction_id: entry.transaction_id.clone(),
        dossier_code: entry.dossier_code.clone(),
        agency_code: entry.agency_code.clone(),
        amount_vnd: amount,
        reason: reason.to_owned(),
        status: "proposed".into(),
        proposed_by: who.username.clone(),
        proposed_at: now,
        decided_by: None,
        decided_at: None,
        decision_note: None,
    };
    let mut audit = who.audit(
        "payment.refund_proposed",
        format!("dossier:{}", entry.dossier_code),
        serde_json::json!({
            "transaction": entry.transaction_id, "amount_vnd": amount, "reason": reason,
        }),
    );
    audit.agency_code = Some(entry.agency_code.clone());
    if !app.store.propose_refund(&record, audit).await? {
        return Err(AppError::conflict(
            "refund_exists",
            "Khoản này đã có đề nghị hoàn trả đang chờ duyệt hoặc đã được duyệt.",
        ));
    }
    Ok(record)
}

/// Approves or rejects a proposed refund (leaders of the collecting agency; never the officer
/// who proposed it); audited.
pub async fn decide(
    app: &App,
    who: &Principal,
    transaction_id: &str,
    approve: bool,
    note: Option<&str>,
) -> AppResult<RefundRecord> {
    who.require(&[Role::Leader])?;
    let entry = payment(app, who, transaction_id).await?;
    let refund = (app.store.refund(&entry.transaction_id).await?).ok_or_else(|| {
        AppError::not_found("refund_not_found", "Khoản này chưa có đề nghị hoàn trả.")
    })?;
    if refund.proposed_by == who.username {
        return Err(AppError::conflict(
            "refund_self_approval",
            "Người đề nghị hoàn trả không tự duyệt đề nghị của mình.",
        ));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if !approve && note.is_none() {
        return Err(AppError::invalid_field(
            "note",
            "refund_rejection_reason_required",
            "Phải ghi lý do không duyệt.",
        ));
    }
    let now = crate::now();
    let mut audit = who.audit(
        if approve {
            "payment.refund_approved"
        } else {
            "payment.refund_rejected"
        },
        format!("dossier:{}", entry.dossier_code),
        serde_json::json!({
            "transaction": entry.transaction_id, "amount_vnd": refund.amount_vnd, "note": note,
        }),
    );
    audit.agency_code = Some(entry.agency_code.clone());
    if !(app.store)
        .decide_refund(
            &entry.transaction_id,
            approve,
            (&who.username, now, note),
            audit,
        )
        .await?
    {
        return Err(AppError::conflict(
            "refund_not_pending",
            "Đề nghị hoàn trả này không còn chờ duyệt.",
        ));
    }
    (app.store.refund(&entry.transaction_id).await?)
        .ok_or_else(|| AppError::internal("a decided refund is gone"))
}
