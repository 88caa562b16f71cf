//! Bank statements reconciled and refunds decided, over `motcua_app::payments`.

use crate::AppState;
use crate::api::ApiQuery;
use crate::api::extract::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, FieldIssue, Problem};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use motcua_app::payments::refunds::{self, RefundInput};
use motcua_app::payments::statements::{self, StatementInput, StatementOutcome, StatementReport};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use statements::MAX_BYTES as STATEMENT_LIMIT;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatementQuery {
    /// The agency whose account the statement is of.
    pub agency: String,
    /// The file's name, for the record.
    #[serde(default)]
    pub file_name: Option<String>,
    /// The statement's headers, `reference=…,booked_at=…,amount=…,description=…`; the
    /// defaults are `Số tham chiếu`, `Ngày giao dịch`, `Số tiền ghi có`, `Nội dung`.
    #[serde(default)]
    pub columns: Option<String>,
    /// Match only; record nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Every broken row as a problem: nothing was recorded.
pub(crate) fn rejected(issues: Vec<motcua_exchange::RowIssue>) -> ApiError {
    let mut err = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "statement_rows_invalid",
        format!(
            "Bảng kê có {} dòng lỗi; không ghi nhận khoản nào.",
            issues.len()
        ),
    );
    err.errors = issues
        .into_iter()
        .map(|i| FieldIssue {
            path: match i.column {
                Some(c) => format!("{}!{}:{c}", i.sheet, i.row),
                None => format!("{}!{}", i.sheet, i.row),
            },
            code: i.code.to_owned(),
            detail: motcua_domain::text::sentence(&i.message).into_owned(),
        })
        .collect();
    err
}

/// Imports a bank statement (CSV or XLSX, sniffed from the content) of an agency's account and
/// matches each credit to a dossier by the code in its purpose and by amount: one-stop
/// officers and administrators of that agency. Matched lines are recorded as payments with the
/// bank's reference, each with its e-receipt, in one transaction; a reference recorded before
/// is not recorded again, so importing the same statement twice changes nothing. A broken row
/// refuses the whole file.
#[utoipa::path(
    post, path = "/api/v1/payments/statements", tag = "payments",
    params(StatementQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What each line became", body = StatementReport),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer of this agency", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`agency_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`statement_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`statement_unreadable`: neither CSV nor XLSX", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`statement_rows_invalid` (every broken row in `errors`), `statement_columns_invalid`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn import_statement(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<StatementQuery>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<StatementReport>> {
    let body = body.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "statement_too_large",
            format!("Bảng kê quá lớn (tối đa {STATEMENT_LIMIT} byte)."),
        )
    })?;
    let input = StatementInput {
        agency: q.agency.trim(),
        file_name: q.file_name.as_deref().unwrap_or("sao-ke"),
        bytes: &body,
        columns: q.columns.as_deref().unwrap_or(""),
        dry_run: q.dry_run,
    };
    match statements::import(&state.app, &user.principal(), &input).await? {
        StatementOutcome::Read(report) => Ok(Json(report)),
        StatementOutcome::Rejected(issues) => Err(rejected(issues)),
    }
}

/// A payment that may be due back, and its refund.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RefundDueView {
    pub transaction_id: String,
    pub dossier_code: String,
    pub agency_code: String,
    /// `platform`, `bank` or `counter`.
    pub channel: String,
    pub amount_vnd: i64,
    /// Taken beyond what the dossier owed (0: the dossier ended without a result).
    pub refund_due_vnd: i64,
    pub recorded_at: DateTime<Utc>,
    pub dossier_state: String,
    /// `proposed`, `approved`, `rejected`, or none yet.
    pub refund_status: Option<String>,
    pub refund_amount_vnd: Option<i64>,
    pub refund_reason: Option<String>,
}

/// Payments that may be due back: taken beyond what was owed, or for dossiers refused,
/// withdrawn or stopped; with their refunds. The caller's agency's (all for the province's
/// administrators and auditors).
#[utoipa::path(
    get, path = "/api/v1/payments/refunds", tag = "payments",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Newest first (at most 500)", body = Vec<RefundDueView>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_refunds(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<RefundDueView>>> {
    let due = refunds::due(&state.app, &user.principal()).await?;
    Ok(Json(
        due.into_iter()
            .map(|r| RefundDueView {
                transaction_id: r.transaction_id,
                dossier_code: r.dossier_code,
                agency_code: r.agency_code,
                channel: r.channel,
                amount_vnd: r.amount_vnd,
                refund_due_vnd: r.refund_due_vnd,
                recorded_at: r.recorded_at,
                dossier_state: r.dossier_state,
                refund_status: r.refund_status,
                refund_amount_vnd: r.refund_amount_vnd,
                refund_reason: r.refund_reason,
            })
            .collect(),
    ))
}

/// A refund as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RefundView {
    pub transaction_id: String,
    pub dossier_code: String,
    pub amount_vnd: i64,
    pub reason: String,
    /// `proposed`, `approved` or `rejected`.
    pub status: String,
    pub proposed_by: String,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
}

fn refund_view(r: motcua_store::RefundRecord) -> RefundView {
    RefundView {
        transaction_id: r.transaction_id,
        dossier_code: r.dossier_code,
        amount_vnd: r.amount_vnd,
        reason: r.reason,
        status: r.status,
        proposed_by: r.proposed_by,
        decided_by: r.decided_by,
        decision_note: r.decision_note,
    }
}

/// Proposes paying a payment back, with a reason (one-stop officers and administrators of the
/// collecting agency). The amount defaults to what was taken beyond what was owed, or all of
/// it; a leader other than the proposer decides.
#[utoipa::path(
    post, path = "/api/v1/payments/refunds/{transaction_id}", tag = "payments",
    params(("transaction_id" = String, Path, description = "The payment")),
    request_body = RefundInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Proposed", body = RefundView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer of the collecting agency", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`payment_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`refund_exists`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`refund_reason_required`, `refund_amount_invalid`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn propose_refund(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(transaction_id): Path<String>,
    ApiJson(input): ApiJson<RefundInput>,
) -> ApiResult<(StatusCode, Json<RefundView>)> {
    let refund = refunds::propose(&state.app, &user.principal(), &transaction_id, &input).await?;
    Ok((StatusCode::CREATED, Json(refund_view(refund))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct RefundDecision {
    pub approve: bool,
    /// Required to reject.
    #[serde(default)]
    pub note: Option<String>,
}

/// Approves or rejects a proposed refund (leaders of the collecting agency, not the proposer).
#[utoipa::path(
    post, path = "/api/v1/payments/refunds/{transaction_id}/decision", tag = "payments",
    params(("transaction_id" = String, Path, description = "The payment")),
    request_body = RefundDecision,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Decided", body = RefundView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a leader of the collecting agency", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`payment_not_found`, `refund_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`refund_not_pending`, `refund_self_approval`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`refund_rejection_reason_required`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn decide_refund(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(transaction_id): Path<String>,
    ApiJson(input): ApiJson<RefundDecision>,
) -> ApiResult<Json<RefundView>> {
    let refund = refunds::decide(
        &state.app,
        &user.principal(),
        &transaction_id,
        input.approve,
        input.note.as_deref(),
    )
    .await?;
    Ok(Json(refund_view(refund)))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    let statements = OpenApiRouter::new()
        .routes(routes!(import_statement))
        .layer(axum::extract::DefaultBodyLimit::max(STATEMENT_LIMIT));
    OpenApiRouter::new()
        .merge(statements)
        .routes(routes!(list_refunds))
        .routes(routes!(propose_refund))
        .routes(routes!(decide_refund))
}
