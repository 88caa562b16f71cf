//! Paying through the online payment platform (the national public service portal's,
//! Decision 31/2021/QĐ-TTg art. 33): the applicant is sent there with a signed order; the
//! platform confirms by a signed server-to-server notification, which alone marks a payment
//! paid. Field names are ours unless the configuration maps them to the platform's
//! (docs/design/connectors.md, "Payment platform").

use crate::dossiers::applicant::ApplicantAccess;
use crate::{App, AppError, AppResult};
use motcua_domain::audit::AuditEntry;
use motcua_domain::dossier::DossierState;
use motcua_domain::payment::{self, NoticeRefusal, OrderFacts};
use motcua_store::PaymentOrder;
use std::collections::BTreeMap;

/// How motcua reaches the payment platform.
#[derive(Debug, Clone)]
pub struct PlatformConfig {
    /// Where the applicant is sent to pay (GET, the signed order in the query).
    pub pay_url: String,
    /// This province's merchant id at the platform.
    pub merchant_id: String,
    /// How orders and notifications are signed.
    pub keys: super::keys::PlatformKeys,
    /// Our field name → the platform's, where they differ.
    pub mapping: BTreeMap<String, String>,
    /// How long an order may be paid.
    pub order_minutes: i64,
}

/// Where the platform sends its notifications, under this site's public address.
pub const NOTIFY_PATH: &str = "/api/v1/payments/notifications";
/// Where the applicant comes back to.
pub const RETURN_PATH: &str = "/payments/return";

fn platform(app: &App) -> AppResult<&PlatformConfig> {
    app.payment_platform.as_ref().ok_or_else(|| {
        AppError::not_found(
            "payment_platform_off",
            "Chưa kết nối nền tảng thanh toán trực tuyến; vui lòng chuyển khoản hoặc nộp tại bộ phận một cửa.",
        )
    })
}

impl PlatformConfig {
    fn theirs<'a>(&'a self, ours: &'a str) -> &'a str {
        self.mapping.get(ours).map_or(ours, String::as_str)
    }

    /// The platform's fields renamed to ours.
    fn ours(&self, fields: BTreeMap<String, String>) -> BTreeMap<String, String> {
        fields
            .into_iter()
            .map(|(k, v)| {
                let ours = (self.mapping.iter())
                    .find(|(_, theirs)| **theirs == k)
                    .map_or(k, |(ours, _)| ours.clone());
                (ours, v)
            })
            .collect()
    }

    /// The address that sends the applicant to pay `order`.
    fn redirect(&self, order: &PaymentOrder, base: &str) -> String {
        let mut fields = BTreeMap::new();
        let mut put = |k: &str, v: String| fields.insert(k.to_owned(), v);
        put("merchant_id", self.merchant_id.clone());
        put("order_id", order.id.clone());
        put("dossier_code", order.dossier_code.clone());
        put("amount", order.amount_vnd.to_string());
        put("currency", "704".into());
        put("created_at", order.created_at.to_rfc3339());
        put("expires_at", order.expires_at.to_rfc3339());
        put(
            "return_url",
            format!("{base}{RETURN_PATH}?order={}", order.id),
        );
        put("notify_url", format!("{base}{NOTIFY_PATH}"));
        // Signed as sent: under the platform's names.
        let mut fields: BTreeMap<String, String> = (fields.into_iter())
            .map(|(k, v)| (self.theirs(&k).to_owned(), v))
            .collect();
        let signature = self.keys.sign(&fields);
        fields.insert(self.theirs("signature").to_owned(), signature);
        // The address was checked at start (`--payment-url`).
        let mut url = reqwest::Url::parse(&self.pay_url).expect("a checked payment URL");
        url.query_pairs_mut().extend_pairs(fields.iter());
        url.to_string()
    }
}

/// Starts paying what a dossier owes online: the live order for it, or a new one; returns
/// where to send the applicant. Nothing owed (or paid already) is refused before redirecting.
pub async fn start(app: &App, access: &ApplicantAccess, base: &str) -> AppResult<String> {
    let config = platform(app)?;
    let record = access.record();
    let d = &record.dossier;
    let outstanding = d.fee_requested_vnd - d.paid_vnd;
    if d.state != DossierState::AwaitingPayment || outstanding <= 0 {
        return Err(AppError::conflict(
            "nothing_to_pay",
            "Hồ sơ không còn khoản phí, lệ phí nào phải nộp.",
        ));
    }
    let now = crate::now();
    if let Some(order) = (app.store)
        .live_payment_order(record.code(), outstanding, now)
        .await?
    {
        return Ok(config.redirect(&order, base));
    }
    let order = PaymentOrder {
        id: uuid::Uuid::now_v7().simple().to_string(),
        dossier_code: record.code().to_owned(),
        amount_vnd: outstanding,
        status: "pending".into(),
        created_at: now,
        expires_at: now + chrono::Duration::minutes(config.order_minutes.max(1)),
    };
    let mut audit = access.audit(
        "payment.order_created",
        serde_json::json!({ "order": order.id, "amount_vnd": outstanding }),
    );
    audit.agency_code = Some(d.receiving_agency.to_string());
    app.store.create_payment_order(&order, audit).await?;
    Ok(config.redirect(&order, base))
}

/// How a notification ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notified {
    /// The payment was recorded (and the dossier moved on when it owed it).
    Recorded,
    /// Recorded, but the dossier no longer owed (all of) it: the rest is marked for a refund.
    RefundDue,
    /// The same transaction told again: nothing changed.
    Repeated,
    /// The platform says the payment failed: the order is closed.
    Failed,
}

fn system_audit(action: &str, subject: String, detail: serde_json::Value) -> AuditEntry {
    let mut audit = AuditEntry::system(crate::now(), action, subject, detail);
    audit.actor = "payment-platform".into();
    audit
}

/// A refused notification: audited (what it claimed, never the secret), then answered.
async fn refuse(app: &App, why: NoticeRefusal, order: Option<&str>) -> AppError {
    let audit = system_audit(
        "payment.notification_refused",
        format!("payment:{}", order.unwrap_or("?")),
        serde_json::json!({ "code": why.code() }),
    );
    if let Err(err) = app.store.record_audit(audit).await {
        tracing::error!(error = %err, "cannot audit a refused payment notification");
    }
    tracing::warn!(code = why.code(), "a payment notification was refused");
    let detail = crate::capitalise(&why.to_string()) + ".";
    match why {
        NoticeRefusal::Signature | NoticeRefusal::Replayed => AppError::BadSignature {
            code: why.code(),
            detail,
        },
        NoticeRefusal::UnknownOrder => AppError::not_found(why.code(), detail),
        NoticeRefusal::Expired | NoticeRefusal::AmountMismatch => {
            AppError::conflict(why.code(), detail)
        }
        NoticeRefusal::Field(_) => AppError::invalid(why.code(), detail),
    }
}

/// Takes the platform's notification: believed only when signed, fresh, for a known order
/// and its amount, paid before the order ran out; recorded once per transaction, with the
/// dossier's move in the same transaction.
pub async fn notify(app: &App, raw: BTreeMap<String, String>) -> AppResult<Notified> {
    let config = platform(app)?;
    let now = crate::now();
    let fields = config.ours(raw.clone());
    let order_id = fields.get("order_id").cloned();
    // The signature covers the fields as sent; the platform's own signature field is ours.
    let mut signed = raw;
    if let Some(sig) = fields.get("signature") {
        signed.remove(config.theirs("signature"));
        signed.insert("signature".into(), sig.clone());
    }
    let verifies = |f: &BTreeMap<String, String>, sig: &str| config.keys.verify(f, sig);
    let notice = match payment::read_notice(&signed, &fields, verifies, now) {
        Ok(n) => n,
        Err(why) => return Err(refuse(app, why, order_id.as_deref()).await),
    };
    let Some(order) = app.store.payment_order(&notice.order_id).await? else {
        return Err(refuse(app, NoticeRefusal::UnknownOrder, Some(&notice.order_id)).await);
    };
    let facts = OrderFacts {
        order_id: order.id.clone(),
        amount_vnd: order.amount_vnd,
        expires_at: order.expires_at,
        paid: order.status == "paid",
    };
    if let Err(why) = payment::check_against(&notice, &facts) {
        return Err(refuse(app, why, Some(&order.id)).await);
    }
    let subject = format!("dossier:{}", order.dossier_code);
    if !notice.paid {
        let audit = system_audit(
            "payment.failed",
            subject,
            serde_json::json!({ "order": order.id, "transaction": notice.transaction_id }),
        );
        app.store.fail_payment_order(&order.id, now, audit).await?;
        return Ok(Notified::Failed);
    }
    let record = (app.store.dossier(&order.dossier_code).await?)
        .ok_or_else(|| AppError::internal("an order's dossier is gone"))?;
    let payment = super::ledger::Incoming {
        transaction_id: notice.transaction_id.clone(),
        order_id: Some(order.id.clone()),
        channel: "platform",
        reference: Some(notice.transaction_id.clone()),
        amount_vnd: notice.amount_vnd,
        paid_at: notice.paid_at,
    };
    let audit = system_audit("payment.received", String::new(), serde_json::Value::Null);
    let (mut settlement, applied) =
        super::ledger::settlement(app, &record, payment, audit.clone()).await?;
    settlement.order_status = Some("paid");
    let code = settlement.dossier_code.clone();
    Ok(match app.store.settle_payment(&settlement).await? {
        false => Notified::Repeated,
        true => {
            super::receipts::issue_logged(app, &code, &audit).await;
            match applied.refund_due_vnd {
                0 => Notified::Recorded,
                _ => Notified::RefundDue,
            }
        }
    })
}

/// What the applicant is told on coming back: only what a notification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderView {
    pub dossier_code: String,
    pub amount_vnd: i64,
    /// `paid`, `failed`, `expired` or `pending`.
    pub status: String,
}

/// The order the applicant comes back from.
pub async fn order_view(app: &App, order_id: &str) -> AppResult<OrderView> {
    let order = (app.store.payment_order(order_id).await?).ok_or_else(|| {
        AppError::not_found("payment_order_unknown", "Không có đơn thanh toán này.")
    })?;
    let status = match order.status.as_str() {
        "pending" if order.expires_at <= crate::now() => "expired".to_owned(),
        other => other.to_owned(),
    };
    Ok(OrderView {
        dossier_code: order.dossier_code,
        amount_vnd: order.amount_vnd,
        status,
    })
}
