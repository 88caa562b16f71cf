//! One way in for every payment, whatever its channel: what the dossier owed decides what is
//! recorded toward it and what is due back; the payment, the dossier's move and the numbered
//! e-receipt commit together, and the signed receipt follows.

use crate::{App, AppError, AppResult};
use motcua_domain::audit::AuditEntry;
use motcua_domain::dossier::{Action, DossierState};
use motcua_domain::fee::AssessedFee;
use motcua_domain::receipt::{ReceiptItem, series_for};
use motcua_domain::reconcile::{Applied, Owed, apply};
use motcua_store::{DossierRecord, NewReceipt, PaymentSettlement};

/// A payment as it arrives.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub transaction_id: String,
    pub order_id: Option<String>,
    /// `platform`, `bank` or `counter`.
    pub channel: &'static str,
    pub reference: Option<String>,
    pub amount_vnd: i64,
    pub paid_at: chrono::DateTime<chrono::Utc>,
}

/// What a dossier owes now.
pub fn owed(record: &DossierRecord) -> Owed {
    let d = &record.dossier;
    Owed {
        awaiting: d.state == DossierState::AwaitingPayment,
        outstanding_vnd: (d.fee_requested_vnd - d.paid_vnd).max(0),
        paid_before: d.paid_vnd > 0,
    }
}

/// The agency a dossier's fees are paid to: the handling agency when it has an account, else
/// the receiving one (whose desk takes cash in any case).
pub async fn collecting_agency(app: &App, record: &DossierRecord) -> AppResult<String> {
    let d = &record.dossier;
    for agency in [d.handling_agency.as_str(), d.receiving_agency.as_str()] {
        if app.store.payment_account(agency).await?.is_some() {
            return Ok(agency.to_owned());
        }
    }
    Ok(d.receiving_agency.to_string())
}

/// The receipt's lines: the fees as the officer's request assessed them when the payment is
/// exactly their sum, else one line for the dossier.
async fn receipt_items(
    app: &App,
    record: &DossierRecord,
    amount_vnd: i64,
) -> AppResult<Vec<ReceiptItem>> {
    let events = app.store.dossier_events(record.code()).await?;
    let requested: Vec<AssessedFee> = (events.iter().rev())
        .find(|e| e.action == "request_payment")
        .and_then(|e| e.data.get("items").cloned())
        .and_then(|items| serde_json::from_value(items).ok())
        .unwrap_or_default();
    let charged: Vec<AssessedFee> = requested.into_iter().filter(|f| f.amount_vnd > 0).collect();
    if !charged.is_empty() && charged.iter().map(|f| f.amount_vnd).sum::<i64>() == amount_vnd {
        return Ok(charged
            .into_iter()
            .map(|f| ReceiptItem {
                name: match &f.per {
                    Some(per) => format!("{} ({} {per})", f.name, f.quantity),
                    None => f.name,
                },
                quantity: f.quantity,
                amount_vnd: f.amount_vnd,
            })
            .collect());
    }
    Ok(vec![ReceiptItem {
        name: format!("Phí, lệ phí giải quyết thủ tục {}", record.procedure_name),
        quantity: 1,
        amount_vnd,
    }])
}

/// The settlement of `payment` against `record` as it stands, and how it applied. `audit`
/// names who recorded it; its action is set here.
pub async fn settlement(
    app: &App,
    record: &DossierRecord,
    payment: Incoming,
    mut audit: AuditEntry,
) -> AppResult<(PaymentSettlement, Applied)> {
    if payment.amount_vnd <= 0 {
        return Err(AppError::invalid(
            "invalid_amount",
            "Số tiền phải là số nguyên dương (đồng).",
        ));
    }
    let now = crate::now();
    let applied = apply(payment.amount_vnd, owed(record));
    let transition = match applied.toward_dossier_vnd {
        0 => None,
        toward => {
            let action = Action::RecordPayment {
                amount_vnd: toward,
                online: payment.channel == "platform",
            };
            let after = crate::dossiers::act::next_state(app, record, &action, now).await?;
            Some((record.clone(), action, after))
        }
    };
    let agency_code = collecting_agency(app, record).await?;
    audit.action = if transition.is_some() {
        "payment.received"
    } else {
        "payment.refund_due"
    }
    .into();
    audit.subject = format!("dossier:{}", record.code());
    audit.agency_code = Some(agency_code.clone());
    audit.detail = serde_json::json!({
        "transaction": payment.transaction_id, "order": payment.order_id,
        "channel": payment.channel, "reference": payment.reference,
        "amount_vnd": payment.amount_vnd, "refund_due_vnd": applied.refund_due_vnd,
        "outcome": applied.outcome,
    })
    .to_string();
    let items = receipt_items(app, record, payment.amount_vnd).await?;
    let year = payment
        .paid_at
        .with_timezone(&motcua_domain::calendar::VN_OFFSET)
        .format("%Y")
        .to_string()
        .parse()
        .unwrap_or(2025);
    let settlement = PaymentSettlement {
        transaction_id: payment.transaction_id,
        order_id: payment.order_id,
        dossier_code: record.code().to_owned(),
        agency_code,
        channel: payment.channel,
        reference: payment.reference,
        amount_vnd: payment.amount_vnd,
        refund_due_vnd: applied.refund_due_vnd,
        paid_at: payment.paid_at,
        at: now,
        recorded_by: audit.actor.clone(),
        order_status: None,
        transition,
        messages: Vec::new(),
        receipt: NewReceipt {
            series: series_for(year),
            payer: record.applicant.name.clone(),
            items: serde_json::to_string(&items).map_err(AppError::internal)?,
        },
        audit,
    };
    Ok((settlement, applied))
}

/// Cash taken at the counter: recorded with its receipt, the dossier moved on when it owed it.
pub(crate) async fn record_at_counter(
    app: &App,
    record: &DossierRecord,
    amount_vnd: i64,
    audit: AuditEntry,
) -> AppResult<DossierRecord> {
    let now = crate::now();
    let payment = Incoming {
        transaction_id: format!("counter:{}", uuid::Uuid::now_v7().simple()),
        order_id: None,
        channel: "counter",
        reference: None,
        amount_vnd,
        paid_at: now,
    };
    let (mut s, _) = settlement(app, record, payment, audit.clone()).await?;
    if let Some((before, action, after)) = &s.transition {
        s.messages =
            crate::connectors::notices::applicant_messages(app, before, action, after).await?;
    }
    app.store.settle_payment(&s).await?;
    super::receipts::issue_logged(app, record.code(), &audit).await;
    (app.store.dossier(record.code()).await?)
        .ok_or_else(|| AppError::internal("a paid dossier is gone"))
}
